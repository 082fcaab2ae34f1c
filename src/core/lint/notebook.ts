/**
 * Notebook and script rules (nbformat 4 `.ipynb` JSON and `.py` source):
 *   ipython-syntax-in-script   a .py file using IPython-only syntax plain python cannot run (error)
 *   notebook-only-training     a notebook cell trains a model while no workspace script holds that training (warning)
 *   out-of-order-execution     saved execution counts are not increasing in cell order (warning)
 *   unexecuted-cells           code cells never run in a notebook that has run others (information)
 *   shell-install-in-notebook  `!pip install` / `%pip install` in a notebook (information)
 *
 * How "notebook-only" is decided (documented in docs/cli.md): a training call in a notebook cell (one of the
 * training patterns, a setting) is covered by a script when (a) the same cell calls a name the notebook imports
 * from a workspace module, or (b) any Python file of the workspace contains a call of the same pattern.
 * Otherwise the warning sits on the first training call of the cell.
 */
import { scanPython, startsStatement } from './pysource';
import type { Finding, Severity } from './types';

export const DEFAULT_TRAINING_PATTERNS: readonly string[] = [
  '\\.fit\\s*\\(', '\\.fit_generator\\s*\\(', '\\.train\\s*\\(', '\\btrainer\\.train\\s*\\(', '\\boptim\\w*\\.step\\s*\\(\\s*\\)', '\\.backward\\s*\\(',
];

export interface NotebookCell {
  index: number;
  kind: 'code' | 'markdown' | 'raw';
  source: string;
  executionCount: number | null;
  hasOutputs: boolean;
}

export type ParsedNotebook = { ok: true; cells: NotebookCell[]; language: string } | { ok: false; reason: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An nbformat 4 notebook's cells, or why it is not one. Every cell must be an object whose `source` (when present)
 * is a string or a list of strings, as nbformat requires: anything else is reported, never guessed at.
 */
export function parseNotebook(text: string): ParsedNotebook {
  let nb: unknown;
  // JSON.parse rejects the byte-order mark some Windows editors write; Jupyter accepts it.
  try { nb = JSON.parse(text.replace(/^\uFEFF/, '')); } catch (e) { return { ok: false, reason: `not valid JSON: ${(e as Error).message}` }; }
  if (!isRecord(nb) || !Array.isArray(nb.cells)) { return { ok: false, reason: 'not an nbformat 4 notebook (no "cells" list)' }; }
  if (typeof nb.nbformat === 'number' && nb.nbformat < 4) { return { ok: false, reason: `nbformat ${nb.nbformat} is not supported (only 4)` }; }
  const cells: NotebookCell[] = [];
  for (const [index, c] of (nb.cells as unknown[]).entries()) {
    if (!isRecord(c)) { return { ok: false, reason: `cell ${index + 1} is ${c === null ? 'null' : Array.isArray(c) ? 'a list' : `a ${typeof c}`}, not a cell object` }; }
    const src = c.source;
    if (src !== undefined && typeof src !== 'string' && !(Array.isArray(src) && src.every((s) => typeof s === 'string'))) {
      return { ok: false, reason: `the "source" of cell ${index + 1} is neither a string nor a list of strings` };
    }
    cells.push({
      index,
      kind: c.cell_type === 'code' ? 'code' : c.cell_type === 'markdown' ? 'markdown' : 'raw',
      source: Array.isArray(src) ? src.join('') : src ?? '',
      executionCount: typeof c.execution_count === 'number' ? c.execution_count : null,
      hasOutputs: Array.isArray(c.outputs) && c.outputs.length > 0,
    });
  }
  const meta = isRecord(nb.metadata) ? nb.metadata : {};
  const info = isRecord(meta.language_info) ? meta.language_info.name : undefined;
  const kernel = isRecord(meta.kernelspec) ? meta.kernelspec.language : undefined;
  const language = typeof info === 'string' ? info : typeof kernel === 'string' ? kernel : 'python';
  return { ok: true, cells, language };
}

export interface IpythonHit { line: number; start: number; end: number; kind: 'line-magic' | 'cell-magic' | 'shell' | 'shell-assign' | 'magic-assign' | 'get_ipython' | 'display'; text: string }

const SHELL_ASSIGN = /^(\s*)([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*)([!%])(?!=)/;

/** IPython-only constructs in Python source (strings, comments, `!=`, `%` formatting and modulo are not). */
export function findIpythonSyntax(source: string): IpythonHit[] {
  const hits: IpythonHit[] = [];
  const lines = source.split('\n');
  const scanned = scanPython(source);
  const importsDisplay = /^\s*(from\s+IPython(\.core)?\.display\s+import\s+.*\bdisplay\b|import\s+.*\bdisplay\b|def\s+display\s*\()/m.test(scanned.map((s) => s.code).join('\n'));
  scanned.forEach((s, line) => {
    const raw = lines[line].replace(/\r$/, '');
    const trimmedAt = raw.length - raw.trimStart().length;
    if (startsStatement(s)) {
      const first = s.code.slice(trimmedAt);
      // The scanner blanks what follows '#', but a magic line is not Python: judge it on the raw text.
      const rawFirst = raw.slice(trimmedAt);
      if (/^%%[A-Za-z_]/.test(rawFirst)) { hits.push({ line, start: trimmedAt, end: raw.length, kind: 'cell-magic', text: raw.trim() }); return; }
      if (/^%[A-Za-z_]/.test(rawFirst)) { hits.push({ line, start: trimmedAt, end: raw.length, kind: 'line-magic', text: raw.trim() }); return; }
      if (/^!(?!=)/.test(rawFirst) && !first.startsWith('!=')) { hits.push({ line, start: trimmedAt, end: raw.length, kind: 'shell', text: raw.trim() }); return; }
      const m = SHELL_ASSIGN.exec(raw);
      if (m) { hits.push({ line, start: trimmedAt, end: raw.length, kind: m[3] === '!' ? 'shell-assign' : 'magic-assign', text: raw.trim() }); return; }
    }
    const gi = /\bget_ipython\s*\(/.exec(s.code);
    if (gi) { hits.push({ line, start: gi.index, end: gi.index + gi[0].length, kind: 'get_ipython', text: raw.trim() }); }
    const d = /(^|[^\w.])display\s*\(/.exec(s.code);
    if (d && !importsDisplay) { const at = d.index + d[1].length; hits.push({ line, start: at, end: at + 'display'.length, kind: 'display', text: raw.trim() }); }
  });
  return hits;
}

export interface TrainingHit { line: number; start: number; end: number; pattern: string }

export function findTrainingCalls(source: string, patterns: readonly string[] = DEFAULT_TRAINING_PATTERNS): TrainingHit[] {
  const res = patterns.map((p) => ({ p, re: new RegExp(p) }));
  const hits: TrainingHit[] = [];
  scanPython(source).forEach((s, line) => {
    for (const { p, re } of res) {
      const m = re.exec(s.code);
      if (m) { hits.push({ line, start: m.index, end: m.index + m[0].length, pattern: p }); }
    }
  });
  return hits;
}

/** Training patterns present in a script (what the workspace index records per .py file). */
export function scriptTrainingPatterns(source: string, patterns: readonly string[] = DEFAULT_TRAINING_PATTERNS): Set<string> {
  return new Set(findTrainingCalls(source, patterns).map((h) => h.pattern));
}

export interface NotebookLintOptions {
  severity: (code: NotebookRule) => Severity | 'off';
  trainingPatterns?: readonly string[];
  /** Training patterns found in the workspace's Python files. */
  scriptTraining?: ReadonlySet<string>;
  /** True when a top-level module is the workspace's own code. */
  isLocal?: (module: string) => boolean;
}

export const NOTEBOOK_RULES = ['ipython-syntax-in-script', 'notebook-only-training', 'out-of-order-execution', 'unexecuted-cells', 'shell-install-in-notebook'] as const;
export type NotebookRule = (typeof NOTEBOOK_RULES)[number];

export const NOTEBOOK_DEFAULT_SEVERITY: Record<NotebookRule, Severity> = {
  'ipython-syntax-in-script': 'error', 'notebook-only-training': 'warning', 'out-of-order-execution': 'warning', 'unexecuted-cells': 'info', 'shell-install-in-notebook': 'info',
};

const KIND_TEXT: Record<IpythonHit['kind'], string> = {
  'line-magic': 'an IPython line magic', 'cell-magic': 'an IPython cell magic', 'shell': 'an IPython shell escape (!cmd)',
  'shell-assign': 'an IPython shell capture (x = !cmd)', 'magic-assign': 'an IPython magic capture (x = %magic)',
  'get_ipython': 'get_ipython(), which exists only inside IPython', 'display': 'display() without an import (an IPython built-in)',
};

export function lintScript(file: string, source: string, opts: NotebookLintOptions): Finding[] {
  const sev = opts.severity('ipython-syntax-in-script');
  if (sev === 'off') { return []; }
  return findIpythonSyntax(source).map((h) => ({
    file, line: h.line + 1, column: h.start + 1, endLine: h.line + 1, endColumn: h.end + 1, severity: sev, code: 'ipython-syntax-in-script',
    message: `This is ${KIND_TEXT[h.kind]}: plain python cannot run this file.`, data: { kind: h.kind, text: h.text },
  }));
}

/** Names the notebook imports from workspace modules (`from train import fit_model` → fit_model). */
function workspaceImports(cells: readonly NotebookCell[], isLocal?: (m: string) => boolean): Set<string> {
  const names = new Set<string>();
  if (!isLocal) { return names; }
  for (const c of cells) {
    if (c.kind !== 'code') { continue; }
    for (const s of scanPython(c.source)) {
      const from = /^\s*from\s+([A-Za-z_][\w.]*)\s+import\s+(.+)$/.exec(s.code);
      if (from && isLocal(from[1].split('.')[0])) {
        for (const part of from[2].replace(/[()]/g, '').split(',')) { const n = /(\w+)\s*$/.exec(part.trim()); if (n) { names.add(n[1]); } }
      }
      const imp = /^\s*import\s+([A-Za-z_][\w.]*)(?:\s+as\s+(\w+))?/.exec(s.code);
      if (imp && isLocal(imp[1].split('.')[0])) { names.add(imp[2] ?? imp[1].split('.')[0]); }
    }
  }
  return names;
}

export function lintNotebookCells(file: string, cells: readonly NotebookCell[], opts: NotebookLintOptions): Finding[] {
  const out: Finding[] = [];
  const firstLine = (c: NotebookCell) => c.source.split('\n')[0].replace(/\r$/, '');
  const cellFinding = (code: NotebookRule, c: NotebookCell, line: number, start: number, end: number, message: string, data?: Finding['data']) => {
    const severity = opts.severity(code);
    if (severity !== 'off') { out.push({ file, cell: c.index, line: line + 1, column: start + 1, endLine: line + 1, endColumn: Math.max(end, start + 1) + 1, severity, code, message, ...(data ? { data } : {}) }); }
  };
  const code = cells.filter((c) => c.kind === 'code');

  // out-of-order-execution
  const executed = code.filter((c) => c.executionCount !== null);
  const counts = executed.map((c) => c.executionCount!);
  const bad = executed.findIndex((c, i) => i > 0 && c.executionCount! <= counts[i - 1]);
  if (bad > 0) {
    const c = executed[bad];
    cellFinding('out-of-order-execution', c, 0, 0, firstLine(c).length,
      `Cells ran out of order: execution counts in cell order are [${counts.join(', ')}]. The saved outputs depend on hidden state; Run All would not reproduce them.`,
      { order: counts.join(',') });
  }

  // unexecuted-cells
  if (executed.length > 0 || code.some((c) => c.hasOutputs)) {
    for (const c of code) {
      if (c.executionCount === null && !c.hasOutputs && c.source.trim()) {
        cellFinding('unexecuted-cells', c, 0, 0, firstLine(c).length, 'This code cell was never run, while others were: the saved notebook does not show what it does.');
      }
    }
  }

  // shell-install-in-notebook
  for (const c of code) {
    c.source.split('\n').forEach((raw, line) => {
      const m = /^(\s*)([!%])\s*(?:(?:python3?\s+-m\s+)?pip3?|conda|mamba|uv\s+pip)\s+install\b(.*)$/.exec(raw.replace(/\r$/, ''));
      if (m) {
        const pkgs = m[3].trim().split(/\s+/).filter((t) => t && !t.startsWith('-'));
        cellFinding('shell-install-in-notebook', c, line, m[1].length, raw.replace(/\r$/, '').length,
          `Installs ${pkgs.length ? pkgs.join(', ') : 'packages'} from the notebook: the environment is not captured by the project's dependency files (requirements.txt, environment.yml, pyproject.toml); declare ${pkgs.length === 1 ? 'it' : 'them'} there.`,
          { packages: pkgs.join(' ') });
      }
    });
  }

  // notebook-only-training
  const patterns = opts.trainingPatterns ?? DEFAULT_TRAINING_PATTERNS;
  const imported = workspaceImports(cells, opts.isLocal);
  for (const c of code) {
    const calls = findTrainingCalls(c.source, patterns).filter((h) => !opts.scriptTraining?.has(h.pattern));
    if (!calls.length) { continue; }
    const cellCode = scanPython(c.source).map((s) => s.code).join('\n');
    const callsWorkspace = [...imported].some((n) => new RegExp(`\\b${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*[.(]`).test(cellCode));
    if (callsWorkspace) { continue; }
    const h = calls[0];
    const what = c.source.split('\n')[h.line].slice(h.start, h.end).replace(/\s+/g, '');
    cellFinding('notebook-only-training', c, h.line, h.start, h.end,
      `This cell trains a model (${what}…) but no Python script in the workspace holds that training code: a pipeline cannot retrain it, and reruns depend on the notebook's state. Extract it to a script.`,
      { pattern: h.pattern });
  }
  return out.sort((a, b) => (a.cell ?? 0) - (b.cell ?? 0) || a.line - b.line);
}

/**
 * Where a notebook finding (cell, line inside the cell) sits in the `.ipynb` JSON text, for files reported from
 * disk: the line's JSON string inside that cell's `source`, or the cell's start when it cannot be found.
 */
export function notebookJsonRange(text: string, f: Pick<Finding, 'cell' | 'line' | 'column' | 'endColumn'>, cells: readonly NotebookCell[]): { start: number; end: number } {
  let at = -1;
  for (let i = 0; i <= (f.cell ?? 0); i++) {
    const next = text.indexOf('"cell_type"', at + 1);
    if (next < 0) { break; }
    at = next;
  }
  const cellStart = Math.max(0, at);
  const cell = cells[f.cell ?? 0];
  const lineText = cell?.source.split('\n')[f.line - 1];
  if (lineText !== undefined) {
    const needle = JSON.stringify(lineText).slice(1, -1);
    const i = needle ? text.indexOf(needle, text.indexOf('"source"', cellStart)) : -1;
    if (i >= 0) { return { start: i, end: i + needle.length }; }
  }
  return { start: cellStart, end: cellStart + '"cell_type"'.length };
}
