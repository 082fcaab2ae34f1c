// Everything the CLI prints goes through here: tables, the one number format, JSON, problems.
import type { StoreProblem } from '../core';
import type { CliIo } from './context';

export function printJson(io: CliIo, value: unknown): void {
  io.stdout(JSON.stringify(value, null, 2) + '\n');
}

/** Problems go to stderr, one line each; they make the exit code 1 although the readable entities are printed. */
export function reportProblems(io: CliIo, problems: readonly StoreProblem[]): number {
  for (const p of problems) { io.stderr(`mlops: warning: ${p.file}: ${p.reason}\n`); }
  return problems.length ? 1 : 0;
}

export function table(rows: string[][]): string {
  if (rows.length === 0) { return ''; }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
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
