// Everything the CLI prints goes through here: escaping, tables, the one number format, JSON, problems.
import type { StoreProblem } from '../core';
import type { Out } from './context';

// C0 controls, DEL, C1 controls, and the bidirectional overrides and isolates that reorder what a terminal shows.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Text for a terminal: every control character and bidi override made visible (`\x1b`, `\u202e`), so a run name
 * cannot set the window title, move the cursor or reverse what follows. Line breaks are kept unless `oneLine`.
 */
export function escapeText(s: string, oneLine = false): string {
  return s.replace(UNSAFE, (c) => (c === '\n' && !oneLine ? c : visible(c)));
}

export function printJson(io: Out, value: unknown): void {
  io.raw(JSON.stringify(value, null, 2) + '\n');
}

/** Problems go to stderr, one line each; they make the exit code 1 although the readable entities are printed. */
export function reportProblems(io: Out, problems: readonly StoreProblem[]): number {
  for (const p of problems) { io.stderr(`mlops: warning: ${escapeText(`${p.file}: ${p.reason}`, true)}\n`); }
  return problems.length ? 1 : 0;
}

/** Columns padded to the widest cell; each cell is escaped first so that the widths are what the terminal shows. */
export function table(rows: string[][]): string {
  if (rows.length === 0) { return ''; }
  const cells = rows.map((r) => r.map((c) => escapeText(c, true)));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

/** The one way a number (metric or param) is shown in text: integers whole, others to 6 significant digits. */
export function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

export function formatValue(v: string | number | boolean | null): string {
  if (typeof v === 'number') { return formatNumber(v); }
  return v === null ? 'null' : String(v);
}

export const localTime = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A value for `eval` in a POSIX shell. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
