/**
 * The line of the first offending row for each finding, so Problems can point at it. One streaming pass over a
 * CSV/TSV/JSON Lines file, stopped as soon as every finding that can have a line has one; anything unexpected
 * (a file that changed, bad bytes, a huge file) leaves the findings as they were.
 */
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { parse } from 'csv-parse';
import type { ColumnType, FileProfile } from '../profile/schema';
import type { DataFinding, FindingLocator } from './types';

/** Files larger than this are not re-read to find lines. */
export const LOCATE_MAX_BYTES = 256 * 1024 * 1024;

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parsesAs(v: string, type: ColumnType | undefined): boolean {
  const t = v.trim();
  switch (type) {
    case 'integer': return NUMBER.test(t) && Number.isInteger(Number(t));
    case 'float': return NUMBER.test(t);
    case 'boolean': return /^(true|false|yes|no|t|f|y|n|0|1)$/i.test(t);
    case 'datetime': return !Number.isNaN(Date.parse(t)) || /^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}/.test(t);
    default: return true;
  }
}

/** A datetime format (tokens YYYY MM DD HH mm ss SSS Z) as a regular expression over the whole value. */
export function formatRegExp(format: string): RegExp {
  const tokens: [string, string][] = [['YYYY', '\\d{4}'], ['SSS', '\\d{1,9}'], ['MM', '\\d{2}'], ['DD', '\\d{2}'], ['HH', '\\d{2}'], ['mm', '\\d{2}'], ['ss', '\\d{2}'], ['Z', '(?:Z|[+-]\\d{2}:?\\d{2})']];
  let re = '';
  for (let i = 0; i < format.length;) {
    const tok = tokens.find(([t]) => format.startsWith(t, i));
    if (tok) { re += tok[1]; i += tok[0].length; } else { re += format[i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); i++; }
  }
  return new RegExp(`^${re}$`);
}

type CellTest = (cell: string) => boolean;

function cellTest(loc: FindingLocator): CellTest {
  const values = new Set(loc.values ?? []);
  const skip = new Set(loc.skip ?? []);
  switch (loc.test) {
    case 'in': return (c) => values.has(c);
    case 'not-in': return (c) => !skip.has(c) && !values.has(c);
    case 'not-type': return (c) => !skip.has(c) && !parsesAs(c, loc.type);
    case 'outside': return (c) => {
      if (skip.has(c) || !NUMBER.test(c.trim())) { return false; }
      const n = Number(c);
      return (loc.min !== undefined && n < loc.min) || (loc.max !== undefined && n > loc.max);
    };
    case 'not-format': {
      const re = formatRegExp(loc.format ?? '');
      return (c) => !skip.has(c) && !re.test(c.trim());
    }
  }
}

interface Pending { at: number; index: number; name: string; test: CellTest }

/** Cell text of a JSON value as the profiler reads it: null or absent is the empty cell. */
function jsonCell(v: unknown): string {
  if (v === null || v === undefined) { return ''; }
  if (typeof v === 'string') { return v; }
  if (typeof v === 'number' || typeof v === 'boolean') { return String(v); }
  return JSON.stringify(v);
}

async function scanCsv(absPath: string, fp: FileProfile, pending: Pending[], out: DataFinding[]): Promise<void> {
  const csv = fp.csv;
  const stream = fs.createReadStream(absPath);
  const parser = stream.pipe(parse({
    delimiter: csv?.delimiter ?? (fp.format === 'tsv' ? '\t' : ','),
    quote: csv?.quote || '"',
    bom: true, relax_column_count: true, relax_quotes: true, raw: true, skip_empty_lines: false,
  }));
  // csv-parse's `info.lines` counts a CRLF inside quotes twice, so lines are counted from each record's raw text.
  let nextLine = 1;
  let toSkip = csv?.skippedLines ?? 0;
  let first = true;
  try {
    for await (const rec of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      const start = nextLine;
      // `raw` ends with the record's line break (only its \r for CRLF): drop it, count the breaks inside.
      const breaks = rec.raw.replace(/(\r\n|\r|\n)$/, '').match(/\r\n|\r|\n/g)?.length ?? 0;
      nextLine = start + 1 + breaks;
      if (toSkip > 0) { toSkip--; continue; }
      const isHeader = first && csv?.header !== false;
      first = false;
      if (isHeader || (rec.record.length === 1 && rec.record[0] === '' && fp.columns.length > 1)) { continue; }
      for (let i = pending.length - 1; i >= 0; i--) {
        const p = pending[i];
        if (p.test(rec.record[p.index] ?? '')) { out[p.at] = { ...out[p.at], line: start }; pending.splice(i, 1); }
      }
      if (!pending.length) { break; }
    }
  } finally {
    stream.destroy();
    parser.destroy();
  }
}

async function scanJsonl(absPath: string, pending: Pending[], out: DataFinding[]): Promise<void> {
  const stream = fs.createReadStream(absPath, { encoding: 'utf8' });
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const raw of lines) {
      line++;
      const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (!text.trim()) { continue; }
      let obj: unknown;
      try { obj = JSON.parse(text); } catch { continue; }
      if (!obj || typeof obj !== 'object' || Array.isArray(obj)) { continue; }
      const rec = obj as Record<string, unknown>;
      for (let i = pending.length - 1; i >= 0; i--) {
        const p = pending[i];
        const cell = Object.prototype.hasOwnProperty.call(rec, p.name) ? jsonCell(rec[p.name]) : '';
        if (p.test(cell)) { out[p.at] = { ...out[p.at], line }; pending.splice(i, 1); }
      }
      if (!pending.length) { break; }
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

/**
 * The same findings, with `line` (1-based physical line of the first offending row) where one can be found cheaply:
 * CSV, TSV and JSON Lines up to 256 MB. Column findings point at the header line. Never throws.
 */
export async function locateFindings(absPath: string, fp: FileProfile, findings: readonly DataFinding[]): Promise<DataFinding[]> {
  const out = findings.map((f) => ({ ...f }));
  try {
    const format = fp.format;
    if (format !== 'csv' && format !== 'tsv' && format !== 'jsonl') { return out; }
    const hasHeader = format !== 'jsonl' && fp.csv?.header !== false;
    const pending: Pending[] = [];
    out.forEach((f, at) => {
      if (f.line !== undefined) { return; }
      if ((f.code === 'new-column' || f.code === 'missing-column') && hasHeader) { f.line = 1; return; }
      if (f.locate) { pending.push({ at, index: f.locate.index, name: f.locate.fileColumn, test: cellTest(f.locate) }); }
    });
    if (!pending.length) { return out; }
    const stat = await fs.promises.stat(absPath);
    if (!stat.isFile() || stat.size > LOCATE_MAX_BYTES) { return out; }
    if (format === 'jsonl') { await scanJsonl(absPath, pending, out); } else { await scanCsv(absPath, fp, pending, out); }
    return out;
  } catch {
    return findings.map((f) => ({ ...f }));
  }
}
