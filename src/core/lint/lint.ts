// One entry point for linting a file's text, whatever it is: used by `mlops lint` and by the extension.
import * as path from 'node:path';
import { dependencyFormat, parseDependencies } from './dependencyFiles';
import { lintImports } from './imports';
import { lintDependencies, severityOf, type LintOptions } from './rules';
import type { Finding } from './types';

export interface FileLintOptions extends LintOptions {
  isLocal?: (module: string) => boolean;
}

/** What kind of file the linters understand, or undefined. */
export function lintKind(file: string): 'dependencies' | 'python' | 'notebook' | undefined {
  if (dependencyFormat(file)) { return 'dependencies'; }
  const ext = path.extname(file).toLowerCase();
  if (ext === '.py') { return 'python'; }
  if (ext === '.ipynb') { return 'notebook'; }
  return undefined;
}

export function lintText(file: string, text: string, opts: FileLintOptions): Finding[] {
  const format = dependencyFormat(file);
  if (format) { return lintDependencies(file, text, parseDependencies(text, format), opts); }
  const kind = lintKind(file);
  const importOpts = { vetted: opts.vetted, isLocal: opts.isLocal, severity: severityOf('contrib-import', opts) };
  if (kind === 'python') { return lintImports(file, text, importOpts); }
  if (kind === 'notebook') {
    let nb: { cells?: { cell_type?: string; source?: string | string[] }[] };
    try { nb = JSON.parse(text) as typeof nb; } catch (e) {
      return [{ file, line: 1, column: 1, endLine: 1, endColumn: 2, severity: 'error', code: 'invalid', message: `This notebook is not valid JSON: ${(e as Error).message}` }];
    }
    const out: Finding[] = [];
    (nb.cells ?? []).forEach((c, i) => {
      if (c.cell_type !== 'code') { return; }
      const src = Array.isArray(c.source) ? c.source.join('') : c.source ?? '';
      out.push(...lintImports(file, src, importOpts, i));
    });
    return out;
  }
  return [];
}

const RANK: Record<Finding['severity'], number> = { error: 3, warning: 2, info: 1, hint: 0 };

/** Whether a finding reaches a `--fail-on` level. */
export function reaches(f: Finding, level: 'error' | 'warning' | 'info' | 'none'): boolean {
  return level !== 'none' && RANK[f.severity] >= RANK[level];
}
