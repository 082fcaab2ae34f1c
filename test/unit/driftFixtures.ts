/**
 * Test helpers for the drift tests: read a corpus CSV and build the FileProfile the profiler would store for it
 * (types, counts, missing, complete value counts spelled canonically, top 20, the numeric sample), so the drift
 * code can be checked against EXPECTED.json before and independently of the real profiler.
 */
import * as assert from 'node:assert/strict';
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

/**
 * Relative closeness as EXPECTED.json asks (1e-6). p-values that underflow are equal when both are ≤ 1e-300:
 * SciPy's exact KS recursion reaches the subnormal 5e-324 for Titanic's PassengerId (D = 1), and a value that deep
 * carries no relative precision worth comparing.
 */
export function close(actual: number | undefined, expected: number, what: string, tol = 1e-6): void {
  assert.ok(actual !== undefined && Number.isFinite(actual), `${what}: got ${actual}, expected ${expected}`);
  if (expected === 0 || actual === 0) { assert.equal(actual, expected, what); return; }
  if (Math.abs(expected) <= 1e-300 && Math.abs(actual) <= 1e-300) return;
  assert.ok(Math.abs(actual / expected - 1) <= tol, `${what}: got ${actual}, expected ${expected} (relative ${Math.abs(actual / expected - 1)})`);
}

export interface ExpectedColumn {
  column: string; column_type: 'num' | 'cat'; reference_n: number; current_n: number; n_unique_combined: number;
  test: string; threshold: number; statistic?: number | 'inf'; drift_score: number; drift_detected: boolean;
  zero_key?: string; categories?: number; std_reference?: number;
  psi: { value: number; threshold: number; drift_detected: boolean; binning: { kind: 'sturges' | 'values'; bins: number } };
}
export interface ExpectedPair {
  reference: string; current: string; reference_rows: number; current_rows: number;
  columns_only_in_reference: string[]; columns_only_in_current: string[];
  columns: ExpectedColumn[];
  dataset: { number_of_columns: number; number_of_drifted_columns: number; share_of_drifted_columns: number; drift_share: number; dataset_drift: boolean };
}

/** Every pair of EXPECTED.json (`pairs` and `real_pairs`), named, with paths resolved. */
export function expectedPairs(): { name: string; pair: ExpectedPair; refFile: string; curFile: string }[] {
  const expected = JSON.parse(fs.readFileSync(path.join(DRIFT_CORPUS, 'EXPECTED.json'), 'utf8')) as {
    pairs: Record<string, Record<string, unknown>>; real_pairs: Record<string, ExpectedPair>;
  };
  const out: { name: string; pair: ExpectedPair; refFile: string; curFile: string }[] = [];
  const add = (name: string, pair: ExpectedPair): void => {
    out.push({ name, pair, refFile: path.resolve(DRIFT_CORPUS, pair.reference), curFile: path.resolve(DRIFT_CORPUS, pair.current) });
  };
  for (const [group, variants] of Object.entries(expected.pairs)) {
    for (const [variant, pair] of Object.entries(variants)) {
      if (typeof pair === 'object' && pair !== null && 'columns' in pair) add(`${group}/${variant}`, pair as ExpectedPair);
    }
  }
  for (const [name, pair] of Object.entries(expected.real_pairs)) add(name, pair);
  return out;
}

