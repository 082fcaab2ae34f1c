/**
 * A file of ground-truth labels for `mlops monitor label`: CSV with a header, or JSON Lines, with the columns `id`
 * (the request id) and `label` (or `labels`, a JSON list, in JSON Lines), and optionally `row` (one record of a
 * batch, 0-based). CSV cells that spell a number are numbers, `true`/`false` in any case (pandas writes `True`) are
 * booleans; an empty label is unknown (null).
 */
import { parse } from 'csv-parse/sync';
import type { FeedbackItem } from './feedback';
import type { JsonValue } from './types';

export interface LabelFileRead {
  items: FeedbackItem[];
  /** Lines that could not be read, with their line number. */
  problems: { line: number; reason: string }[];
}

const NUMBER = /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

function cellValue(s: string): JsonValue {
  const t = s.trim();
  if (t === '') { return null; }
  // pandas writes booleans as True/False; spreadsheets as TRUE/FALSE: all of them are the booleans a model predicts.
  const lower = t.toLowerCase();
  if (lower === 'true' || lower === 'false') { return lower === 'true'; }
  return NUMBER.test(s) ? Number(s) : s;
}

function rowOf(v: unknown): number | undefined | string {
  if (v === undefined || v === null || v === '') { return undefined; }
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : `row ${JSON.stringify(v)} is not a whole number ≥ 0`;
}

export function parseLabelFile(text: string): LabelFileRead {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const items: FeedbackItem[] = [];
  const problems: LabelFileRead['problems'] = [];
  if (body.trimStart().startsWith('{')) {
    body.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      if (line === '') { return; }
      let v: unknown;
      try { v = JSON.parse(line); } catch (e) { problems.push({ line: i + 1, reason: `not valid JSON (${(e as Error).message})` }); return; }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) { problems.push({ line: i + 1, reason: 'not a JSON object with "id" and "label"' }); return; }
      const o = v as Record<string, unknown>;
      if (typeof o.id !== 'string' || o.id === '') { problems.push({ line: i + 1, reason: 'no "id" (the request id of the prediction)' }); return; }
      const row = rowOf(o.row);
      if (typeof row === 'string') { problems.push({ line: i + 1, reason: row }); return; }
      if (Array.isArray(o.labels)) { items.push({ id: o.id, labels: o.labels as JsonValue[], ...(row !== undefined ? { row } : {}) }); return; }
      if (!Object.hasOwn(o, 'label')) { problems.push({ line: i + 1, reason: 'no "label" (or "labels", one per record of the batch)' }); return; }
      items.push({ id: o.id, labels: [o.label as JsonValue], ...(row !== undefined ? { row } : {}) });
    });
    return { items, problems };
  }
  let records: string[][];
  try {
    const parsed: unknown = parse(body, { relax_column_count: true, skip_empty_lines: true, bom: true });
    records = parsed as string[][];
  } catch (e) {
    return { items, problems: [{ line: 0, reason: `not CSV or JSON Lines: ${(e as Error).message}` }] };
  }
  const [head, ...rows] = records;
  const cols = (head ?? []).map((h) => h.trim().toLowerCase());
  const idAt = cols.indexOf('id');
  const labelAt = cols.indexOf('label');
  const rowAt = cols.indexOf('row');
  if (idAt < 0 || labelAt < 0) { return { items, problems: [{ line: 1, reason: `the header needs the columns id and label (it has ${cols.join(', ') || 'none'})` }] }; }
  rows.forEach((r, i) => {
    const id = (r[idAt] ?? '').trim();
    if (id === '') { problems.push({ line: i + 2, reason: 'no id' }); return; }
    const row = rowAt >= 0 ? rowOf(r[rowAt]?.trim()) : undefined;
    if (typeof row === 'string') { problems.push({ line: i + 2, reason: row }); return; }
    items.push({ id, labels: [cellValue(r[labelAt] ?? '')], ...(row !== undefined ? { row } : {}) });
  });
  return { items, problems };
}
