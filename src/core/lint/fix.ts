/**
 * Quick-fix edits for dependency findings, as plain text replacements (the adapter turns them into
 * WorkspaceEdits): pin a requirement to a version, keeping its extras and environment marker.
 */
import type { Finding } from './types';
import { LineIndex } from './types';
import { parseRequirement } from './pep508';

export interface TextReplacement {
  /** 1-based, end column exclusive (as in Finding). */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  text: string;
}

/** Whether a finding can be fixed by pinning (a named requirement in a format we can rewrite). */
export function canPin(f: Finding): boolean {
  if (f.code !== 'unpinned' && f.code !== 'unpinned-contrib') { return false; }
  const kind = f.data?.kind;
  return (kind === 'requirement' || kind === 'conda') && f.severity !== 'hint';
}

/** The replacement that pins the finding's requirement to `version`, or undefined when it cannot be rewritten. */
export function pinReplacement(text: string, f: Finding, version: string): TextReplacement | undefined {
  if (!canPin(f)) { return undefined; }
  const idx = new LineIndex(text);
  const start = idx.lineStart(f.line) + f.column - 1;
  const end = idx.lineStart(f.endLine) + f.endColumn - 1;
  const original = text.slice(start, end);
  const range = { line: f.line, column: f.column, endLine: f.endLine, endColumn: f.endColumn };
  const group = String(f.data?.group ?? '');
  if (f.data?.kind === 'conda') {
    const m = /^((?:[A-Za-z0-9_./-]+::)?[A-Za-z0-9_][A-Za-z0-9_.+-]*)/.exec(original.trim());
    return m ? { ...range, text: `${m[1]}==${version}` } : undefined;
  }
  if (group.startsWith('tool.poetry') || f.data?.format === 'pipfile') {
    // `name = "^1.2"` → `name = "1.2.3"` (Poetry: exact) / `name = "==1.2.3"` (Pipfile); tables are left alone.
    const m = /^(\s*["']?[^"'=\s]+["']?\s*=\s*)(["'])[^"']*\2\s*$/.exec(original);
    if (!m) { return undefined; }
    return { ...range, text: `${m[1]}${m[2]}${f.data?.format === 'pipfile' ? '==' : ''}${version}${m[2]}` };
  }
  // A PEP 508 requirement, possibly spread over continuation lines: rebuilt on one line.
  const flat = original.replace(/\\\r?\n/g, ' ');
  const r = parseRequirement(flat);
  if (!r.ok || r.req.url) { return undefined; }
  const extras = r.req.extras.length ? `[${r.req.extras.join(',')}]` : '';
  return { ...range, text: `${r.req.name}${extras}==${version}${r.req.marker ? ` ; ${r.req.marker}` : ''}` };
}

/** Applies replacements (non-overlapping) to a text; used by tests and the CLI. */
export function applyReplacements(text: string, reps: readonly TextReplacement[]): string {
  const idx = new LineIndex(text);
  const abs = reps.map((r) => ({ start: idx.lineStart(r.line) + r.column - 1, end: idx.lineStart(r.endLine) + r.endColumn - 1, text: r.text }))
    .sort((a, b) => b.start - a.start);
  let out = text;
  for (const r of abs) { out = out.slice(0, r.start) + r.text + out.slice(r.end); }
  return out;
}
