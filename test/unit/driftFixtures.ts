/**
 * Test helpers for the drift tests: read a corpus CSV and build the FileProfile the profiler would store for it
 * (types, counts, missing, complete value counts spelled canonically, top 20, the numeric sample), so the drift
 * code can be checked against EXPECTED.json before and independently of the real profiler.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { ColumnProfile, FileProfile } from '../../src/core/data/profile/schema';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const CORPUS = path.resolve(REPO, '..', 'shared', 'corpus');
export const DRIFT_CORPUS = path.join(CORPUS, 'drift');

export function readCsv(file: string): { header: string[]; rows: string[][] } {
  const records: string[][] = parse(fs.readFileSync(file, 'utf8'), { relax_column_count: true, bom: true });
  return { header: records[0] ?? [], rows: records.slice(1) };
}

const isNumber = (s: string): boolean => s.trim() !== '' && Number.isFinite(Number(s));

/** Builds one column's profile from its cells; '' is missing. `sampleSize` caps the stored numeric sample. */
export function columnProfile(name: string, index: number, cells: readonly string[], opts: { sampleSize?: number; valueCap?: number } = {}): ColumnProfile {
  const present = cells.filter((c) => c !== '');
  const numeric = present.length > 0 && present.every(isNumber);
  const type: ColumnProfile['type'] = numeric ? (present.every((c) => Number.isInteger(Number(c))) ? 'integer' : 'float') : 'categorical';
  const spelled = numeric ? present.map((c) => String(Number(c))) : present;
  const counts = new Map<string, number>();
  for (const v of spelled) counts.set(v, (counts.get(v) ?? 0) + 1);
  const all = [...counts].map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const cap = opts.valueCap ?? 10_000;
  const complete = counts.size <= cap;
  const col: ColumnProfile = {
    name, index, type, count: present.length, missing: cells.length - present.length,
    missingMarkers: cells.length > present.length ? [{ value: '', count: cells.length - present.length }] : [],
    typeCounts: { integer: 0, float: 0, boolean: 0, datetime: 0, string: numeric ? 0 : present.length },
    distinct: counts.size, distinctExact: true,
    top: all.slice(0, 20),
    values: { complete, counts: complete ? all : [] },
  };
  if (numeric) {
    const xs = present.map(Number);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    const sampleSize = opts.sampleSize ?? 10_000;
    col.numeric = {
      min: Math.min(...xs), max: Math.max(...xs), mean, std, quantiles: [],
      histogram: { edges: [], counts: [] },
      sample: xs.length <= sampleSize ? xs : xs.filter((_, i) => i % Math.ceil(xs.length / sampleSize) === 0).slice(0, sampleSize),
      sampleSeed: 1,
    };
  }
  return col;
}

export function profileFromTable(relPath: string, header: readonly string[], rows: readonly (readonly string[])[], opts: { sampleSize?: number; valueCap?: number } = {}): FileProfile {
  return {
    path: relPath, format: 'csv', rows: rows.length,
    columns: header.map((name, i) => columnProfile(name, i, rows.map((r) => r[i] ?? ''), opts)),
  };
}

export function profileCsv(file: string, opts: { sampleSize?: number; valueCap?: number } = {}): FileProfile {
  const { header, rows } = readCsv(file);
  return profileFromTable(path.basename(file), header, rows, opts);
}
