/**
 * A small Python line scanner: for each line, the code with string literals and comments blanked out (so their
 * content never looks like code), whether the line starts inside a triple-quoted string, the bracket depth at
 * its start, and whether the previous line continued with `\`. Enough to tell a statement that starts with `%` or
 * `!` (IPython) from `a % b` split over lines, `x != y`, or text in a docstring.
 */
export interface ScannedLine {
  /** The line with strings and comments replaced by spaces (same length up to a comment). */
  code: string;
  /** The line starts inside a triple-quoted string. */
  inString: boolean;
  /** Open brackets at the start of the line (inside a call, list, …). */
  depth: number;
  /** The previous line ended with a backslash continuation. */
  continued: boolean;
}

export function scanPython(source: string): ScannedLine[] {
  const out: ScannedLine[] = [];
  let inTriple: string | undefined;
  let depth = 0;
  let continued = false;
  for (const raw of source.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const startInString = inTriple !== undefined;
    const startDepth = depth;
    const startContinued = continued;
    const chars = line.split('');
    let i = 0;
    while (i < chars.length) {
      if (inTriple) {
        const close = line.indexOf(inTriple, i);
        const end = close < 0 ? chars.length : close + 3;
        for (let k = i; k < end; k++) { chars[k] = ' '; }
        if (close >= 0) { inTriple = undefined; }
        i = end;
        continue;
      }
      const c = chars[i];
      if (c === '#') { chars.length = i; break; }
      if (c === '"' || c === "'") {
        if (line.startsWith(c.repeat(3), i)) {
          inTriple = c.repeat(3);
          for (let k = i; k < i + 3; k++) { chars[k] = ' '; }
          i += 3;
          continue;
        }
        let k = i + 1;
        while (k < chars.length && chars[k] !== c) { k += chars[k] === '\\' ? 2 : 1; }
        for (let j = i; j <= Math.min(k, chars.length - 1); j++) { chars[j] = ' '; }
        i = k + 1;
        continue;
      }
      if (c === '(' || c === '[' || c === '{') { depth++; } else if ((c === ')' || c === ']' || c === '}') && depth > 0) { depth--; }
      i++;
    }
    const code = chars.join('');
    continued = !inTriple && /\\\s*$/.test(code);
    out.push({ code, inString: startInString, depth: startDepth, continued: startContinued });
  }
  return out;
}

/** True when the line begins a new statement (not inside brackets, a string or a continuation). */
export function startsStatement(l: ScannedLine): boolean {
  return !l.inString && l.depth === 0 && !l.continued;
}
