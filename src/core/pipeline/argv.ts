/**
 * A step's `run` string split into argv the way a POSIX shell splits words — single quotes, double quotes, backslash
 * escapes — without running a shell: no pipes, globs, redirections or $VARS, so a command line in a committed file
 * cannot do more than start the one program it names. `${name}` is replaced by the step param `name` inside a word
 * (after splitting, so a value with spaces stays one argument).
 */
import { MlopsError } from '../errors';
import type { ParamValue } from '../store/schemas';

/** Splits a command line into words; throws for an unclosed quote. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) { words.push(word); word = ''; inWord = false; }
      i++;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) { throw new MlopsError(`the command line has an unclosed ' at character ${i + 1}: ${line}`); }
      word += line.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= line.length) { throw new MlopsError(`the command line has an unclosed " at character ${i + 1}: ${line}`); }
        const d = line[j];
        if (d === '"') { break; }
        if (d === '\\' && j + 1 < line.length && '"\\$`\n'.includes(line[j + 1])) { word += line[j + 1]; j += 2; continue; }
        word += d;
        j++;
      }
      i = j + 1;
      continue;
    }
    if (c === '\\') {
      if (i + 1 < line.length) { word += line[i + 1]; }
      i += 2;
      continue;
    }
    word += c;
    i++;
  }
  if (inWord) { words.push(word); }
  return words;
}

/** A param value as it goes on a command line: strings as they are, numbers and booleans as JSON, null as empty. */
export function paramText(v: ParamValue): string {
  return v === null ? '' : typeof v === 'string' ? v : String(v);
}

/** Replaces `${name}` with the step's param; an unknown name is an error naming the step. */
export function substituteParams(word: string, params: Record<string, ParamValue>, stepId: string): string {
  return word.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
    if (!Object.hasOwn(params, name)) {
      const known = Object.keys(params);
      throw new MlopsError(`step '${stepId}': the command uses \${${name}}, but the step has no param '${name}'${known.length ? ` (params: ${known.join(', ')})` : ' (it declares no params)'}`);
    }
    return paramText(params[name]);
  });
}
