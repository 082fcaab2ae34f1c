// One entry point for linting a file's text, whatever it is: used by `mlops lint` and by the extension.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dependencyFormat, parseDependencies } from './dependencyFiles';
import { lintImports } from './imports';
import { lintNotebookCells, lintScript, parseNotebook, type NotebookCell, type NotebookLintOptions } from './notebook';
import { lintDependencies, severityOf, unreadableFinding, type LintOptions } from './rules';
import type { Finding } from './types';

export interface FileLintOptions extends LintOptions {
  isLocal?: (module: string) => boolean;
  /** Training-call patterns (regular expressions); default DEFAULT_TRAINING_PATTERNS. */
  trainingPatterns?: readonly string[];
  /** Training patterns found in the workspace's Python files (for notebook-only-training). */
  scriptTraining?: ReadonlySet<string>;
}

function notebookOptions(opts: FileLintOptions): NotebookLintOptions {
  return { severity: (code) => severityOf(code, opts), trainingPatterns: opts.trainingPatterns, scriptTraining: opts.scriptTraining, isLocal: opts.isLocal };
}

/** What kind of file the linters understand, or undefined. */
export function lintKind(file: string): 'dependencies' | 'python' | 'notebook' | undefined {
  if (dependencyFormat(file)) { return 'dependencies'; }
  const ext = path.extname(file).toLowerCase();
  if (ext === '.py') { return 'python'; }
  if (ext === '.ipynb') { return 'notebook'; }
  return undefined;
}

/**
 * Findings for one file's text. Never throws: a file that cannot be parsed is one `unreadable` finding, and so is a
 * failure of a linter on it (with its message), so one bad file never stops the others from being checked.
 */
export function lintText(file: string, text: string, opts: FileLintOptions): Finding[] {
  try {
    return lintTextOrThrow(file, text, opts);
  } catch (e) {
    return unreadableFinding(file, `the linter failed on it (${e instanceof Error ? e.message : String(e)})`, opts);
  }
}

function lintTextOrThrow(file: string, text: string, opts: FileLintOptions): Finding[] {
  const format = dependencyFormat(file);
  if (format) { return lintDependencies(file, text, parseDependencies(text, format), opts); }
  const kind = lintKind(file);
  const importOpts = { vetted: opts.vetted, isLocal: opts.isLocal, severity: severityOf('contrib-import', opts) };
  if (kind === 'python') { return [...lintScript(file, text, notebookOptions(opts)), ...lintImports(file, text, importOpts)]; }
  if (kind === 'notebook') {
    const nb = parseNotebook(text);
    if (!nb.ok) { return unreadableFinding(file, nb.reason, opts); }
    if (nb.language !== 'python') { return []; }
    return lintNotebook(file, nb.cells, opts);
  }
  return [];
}

/**
 * Reads a file from disk and lints it; a file that cannot be read is one `unreadable` finding with the system's
 * reason. `shown` is the name findings carry (the CLI shows paths relative to where it runs).
 */
export function lintFileSync(file: string, opts: FileLintOptions, shown = file): Finding[] {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) { return unreadableFinding(shown, (e as Error).message, opts); }
  return lintText(shown, text, opts);
}

/** Every notebook rule plus contrib imports, for cells already parsed (an open notebook's cells, or a file). */
export function lintNotebook(file: string, cells: readonly NotebookCell[], opts: FileLintOptions): Finding[] {
  const importOpts = { vetted: opts.vetted, isLocal: opts.isLocal, severity: severityOf('contrib-import', opts) };
  const out = lintNotebookCells(file, cells, notebookOptions(opts));
  for (const c of cells) { if (c.kind === 'code') { out.push(...lintImports(file, c.source, importOpts, c.index)); } }
  return out.sort((a, b) => (a.cell ?? 0) - (b.cell ?? 0) || a.line - b.line || a.column - b.column);
}

const RANK: Record<Finding['severity'], number> = { error: 3, warning: 2, info: 1, hint: 0 };

/** Whether a finding reaches a `--fail-on` level. */
export function reaches(f: Finding, level: 'error' | 'warning' | 'info' | 'none'): boolean {
  return level !== 'none' && RANK[f.severity] >= RANK[level];
}
