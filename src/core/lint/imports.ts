/**
 * `contrib-import`: Python source (a script, or notebook cells) importing a module of a library outside the vetted
 * set, or any `contrib` module (`tensorflow.contrib`, `keras_contrib`). Information level: it prompts a review.
 * Imports inside strings (including triple-quoted) and comments are ignored; relative imports, the standard
 * library and the workspace's own modules (`isLocal`) are skipped.
 */
import { normalizeName } from './pep508';
import { scanPython, startsStatement } from './pysource';
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
  scanPython(source).forEach((scanned, lineNo) => {
    if (!startsStatement(scanned)) { return; }
    const line = scanned.code;
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
