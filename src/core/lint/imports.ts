/**
 * `contrib-import`: Python source (a script, or notebook cells) importing a module of a library outside the vetted
 * set, or any `contrib` module (`tensorflow.contrib`, `keras_contrib`). Information level: it prompts a review.
 * Imports inside strings (including triple-quoted) and comments are ignored; relative imports, the standard
 * library and the workspace's own modules (`isLocal`) are skipped.
 */
import { normalizeName } from './pep508';
import { PYTHON_STDLIB } from './stdlib';
import type { Finding } from './types';
import { MODULE_TO_PACKAGE, isVetted } from './vetted';

export interface ImportHit {
  module: string;
  /** 0-based line and columns of the module name. */
  line: number;
  start: number;
  end: number;
}

/** Import statements of a Python source, with the position of each imported module name. */
export function findImports(source: string): ImportHit[] {
  const hits: ImportHit[] = [];
  const lines = source.split('\n');
  let inTriple: string | undefined;
  lines.forEach((raw, lineNo) => {
    // Blank out strings and comments so their content cannot look like code; carry open triple quotes over.
    const chars = raw.split('');
    let i = 0;
    while (i < chars.length) {
      if (inTriple) {
        const close = raw.indexOf(inTriple, i);
        const end = close < 0 ? chars.length : close + 3;
        for (let k = i; k < end; k++) { chars[k] = ' '; }
        if (close >= 0) { inTriple = undefined; }
        i = end;
        continue;
      }
      const c = chars[i];
      if (c === '#') { chars.length = i; break; }
      if (c === '"' || c === "'") {
        if (raw.startsWith(c.repeat(3), i)) { inTriple = c.repeat(3); for (let k = i; k < i + 3; k++) { chars[k] = ' '; } i += 3; continue; }
        let k = i + 1;
        while (k < chars.length && chars[k] !== c) { k += chars[k] === '\\' ? 2 : 1; }
        for (let j = i; j <= Math.min(k, chars.length - 1); j++) { chars[j] = ' '; }
        i = k + 1;
        continue;
      }
      i++;
    }
    const line = chars.join('');
    const from = /^(\s*)from\s+([A-Za-z_][\w.]*)\s+import\b/.exec(line);
    if (from) {
      const start = from[0].indexOf(from[2], from[1].length + 4);
      hits.push({ module: from[2], line: lineNo, start, end: start + from[2].length });
      return;
    }
    const imp = /^(\s*)import\s+(.+)$/.exec(line);
    if (imp) {
      let offset = line.indexOf(imp[2], imp[1].length + 6);
      for (const part of imp[2].split(',')) {
        const m = /^\s*([A-Za-z_][\w.]*)/.exec(part);
        if (m) { const s = offset + part.indexOf(m[1]); hits.push({ module: m[1], line: lineNo, start: s, end: s + m[1].length }); }
        offset += part.length + 1;
      }
    }
  });
  return hits;
}

export interface ImportLintOptions {
  vetted: ReadonlySet<string>;
  /** True when a top-level module is the workspace's own code. */
  isLocal?: (module: string) => boolean;
  severity: Finding['severity'] | 'off';
}

/** Findings for one Python source; `cell` is set for notebook cells (lines then count inside the cell). */
export function lintImports(file: string, source: string, opts: ImportLintOptions, cell?: number): Finding[] {
  if (opts.severity === 'off') { return []; }
  const out: Finding[] = [];
  for (const h of findImports(source)) {
    const top = h.module.split('.')[0];
    const isContrib = h.module.split('.').some((p) => /contrib/i.test(p));
    let message: string | undefined;
    let pkg = MODULE_TO_PACKAGE[top] ?? top;
    if (isContrib) {
      message = `'${h.module}' is a contrib module: community code outside the vetted set; review it before it reaches production.`;
      pkg = normalizeName(top);
    } else if (!PYTHON_STDLIB.has(top) && !opts.isLocal?.(top) && !isVetted(pkg, opts.vetted)) {
      message = `'${top}' comes from a library outside the vetted set (${normalizeName(pkg)}): review it, pin it, or add it to the vetted set.`;
    }
    if (message) {
      out.push({ file, line: h.line + 1, column: h.start + 1, endLine: h.line + 1, endColumn: h.end + 1, severity: opts.severity, code: 'contrib-import', message, package: normalizeName(pkg), ...(cell !== undefined ? { cell } : {}) });
    }
  }
  return out;
}
