/**
 * One column's streaming accumulator: everything a `ColumnProfile` holds, in memory bounded whatever the row count
 * (value counts and exact distinct up to 10,000 values, a 16 KiB HyperLogLog after that, a DDSketch, a 10,000-value
 * reservoir, a histogram grid of at most 1,024 cells).
 */
import { DDSketch } from './ddsketch';
import { HyperLogLog, hashNumber, hashString } from './hll';
import {
  MAX_VALUE_LENGTH, SAMPLE_SIZE, TOP_CATEGORIES, VALUE_COUNT_CAP,
  type ColumnProfile, type ColumnType, type ValueCount,
} from './schema';
import { datetimeOf, isBooleanText, isMissingMarker, isNonFinite, numberShape } from './values';

/** The format `datetimeOf` gives a date whose day and month are both ≤ 12 and separated by `/`. */
const AMBIGUOUS_DATE = 'MM/DD/YYYY or DD/MM/YYYY';

export const QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99] as const;
/** DDSketch relative accuracy: quantiles within ±1 % of the true value. */
const SKETCH_ACCURACY = 0.01;
/** Histogram grid cells kept while streaming (the final histogram has at most 50 bins). */
const GRID_CELLS = 1024;
const MAX_BINS = 50;
/** Text columns with at most this many distinct values (and at most half as many as values) are categorical. */
const CATEGORICAL_MAX = 1000;
/** Values still counted exactly once a column has more than 10,000 distinct values. */
const HEAVY_HITTERS = 100;

/** mulberry32: a small, fast, seeded PRNG (uniform in [0, 1)). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The reservoir seed of a column: derived from its name only, so two versions of a column sample alike. */
export function sampleSeedOf(name: string): number {
  return hashString(name) & 0x7fffffff;
}

export interface ReadOptions {
  /** JSON strings and Parquet text are text even when they spell a number or a boolean. */
  textOnly?: boolean;
}

export class ColumnAccumulator {
  count = 0;
  missing = 0;
  private readonly markers = new Map<string, number>();
  private readonly tc = { integer: 0, float: 0, boolean: 0, datetime: 0, string: 0 };
  // numeric
  private n = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private sum = 0;
  private zeros = 0;
  private nonFinite = 0;
  private sketch: DDSketch | undefined;
  private readonly sample: number[] = [];
  private readonly seed: number;
  private readonly random: () => number;
  private grid: Map<number, number> | undefined;
  private gridWidth = 0;
  // values
  private readonly numCounts = new Map<number, number>();
  private readonly textCounts = new Map<string, number>();
  private frozen = false;
  /** After the freeze: the most frequent values so far, keyed by 30 bits of their hash, still counted exactly. */
  private distinctAtFreeze = 0;
  private heavy: Map<number, { value: string | number; count: number }> | undefined;
  private complete = true;
  private hll: HyperLogLog | undefined;
  private longValues = 0;
  // datetime
  private readonly dtFormats = new Map<string, number>();
  private dtMin: string | undefined;
  private dtMax: string | undefined;
  // Dates like 01/02/2024 read either way: their range under each reading, settled by the column's other dates.
  private ambiguous: { md: [string, string]; dm: [string, string] } | undefined;
  // text
  private minLen = Infinity;
  private maxLen = 0;
  readonly warnings: string[] = [];
  sourceType: string | undefined;

  constructor(readonly name: string, readonly index: number) {
    this.seed = sampleSeedOf(name);
    this.random = mulberry32(this.seed);
  }

  /** A CSV cell (or a JSON / Parquet string): classified, then counted. */
  text(s: string, opts?: ReadOptions): void {
    if (!opts?.textOnly) {
      // Numbers first: most cells are numbers, and no missing marker is spelled as one.
      const shape = numberShape(s);
      if (shape !== 0) { this.number(Number(s), shape === 1); return; }
    }
    if (isMissingMarker(s)) { this.missingValue(s); return; }
    const len = s.length;
    if (len < this.minLen) { this.minLen = len; }
    if (len > this.maxLen) { this.maxLen = len; }
    if (!opts?.textOnly) {
      if (isBooleanText(s)) { this.bool(s.toLowerCase() === 'true'); return; }
      if (isNonFinite(s)) { this.nonFiniteValue(s); return; }
    }
    const dt = datetimeOf(s);
    if (dt) { this.datetime(dt.key, dt.format, s); return; }
    this.string(s);
  }

  missingValue(marker: string | undefined): void {
    this.missing++;
    if (marker !== undefined) { this.markers.set(marker, (this.markers.get(marker) ?? 0) + 1); }
  }

  /** inf / -inf / nan spelled in a number column: missing for the statistics, counted apart. */
  nonFiniteValue(spelling: string): void {
    this.nonFinite++;
    this.missingValue(spelling);
  }

  number(x: number, isInteger: boolean): void {
    if (!Number.isFinite(x)) { this.nonFiniteValue(String(x)); return; }
    this.count++;
    if (isInteger) { this.tc.integer++; } else { this.tc.float++; }
    const n = ++this.n;
    const d = x - this.mean;
    this.mean += d / n;
    this.m2 += d * (x - this.mean);
    if (x < this.min) { this.min = x; }
    if (x > this.max) { this.max = x; }
    this.sum += x;
    if (x === 0) { this.zeros++; }
    (this.sketch ??= new DDSketch(SKETCH_ACCURACY)).accept(x);
    // Reservoir sampling, algorithm R: all values in order while n ≤ SAMPLE_SIZE, then a uniform sample.
    if (n <= SAMPLE_SIZE) { this.sample.push(x); } else {
      const j = Math.floor(this.random() * n);
      if (j < SAMPLE_SIZE) { this.sample[j] = x; }
    }
    this.gridAdd(x);
    this.countNumber(x + 0);
  }

  bool(b: boolean): void {
    this.count++;
    this.tc.boolean++;
    this.countText(b ? 'true' : 'false');
  }

  datetime(key: string, format: string, raw: string): void {
    this.count++;
    this.tc.datetime++;
    this.dtFormats.set(format, (this.dtFormats.get(format) ?? 0) + 1);
    if (format === AMBIGUOUS_DATE) {
      // `key` reads month first; the day-first reading swaps month and day.
      const dm = `${key.slice(0, 4)}-${key.slice(8, 10)}-${key.slice(5, 7)}${key.slice(10)}`;
      if (!this.ambiguous) { this.ambiguous = { md: [key, key], dm: [dm, dm] }; } else {
        const a = this.ambiguous;
        if (key < a.md[0]) { a.md[0] = key; }
        if (key > a.md[1]) { a.md[1] = key; }
        if (dm < a.dm[0]) { a.dm[0] = dm; }
        if (dm > a.dm[1]) { a.dm[1] = dm; }
      }
      this.countText(raw);
      return;
    }
    if (this.dtMin === undefined || key < this.dtMin) { this.dtMin = key; }
    if (this.dtMax === undefined || key > this.dtMax) { this.dtMax = key; }
    this.countText(raw);
  }

  /** The datetime range, ambiguous dates read the way the column's unambiguous ones prove (day first only then). */
  private datetimeRange(): [string, string] | undefined {
    let min = this.dtMin;
    let max = this.dtMax;
    if (this.ambiguous) {
      const dayFirst = (this.dtFormats.get('DD/MM/YYYY') ?? 0) > 0 && !this.dtFormats.get('MM/DD/YYYY');
      const [lo, hi] = dayFirst ? this.ambiguous.dm : this.ambiguous.md;
      if (min === undefined || lo < min) { min = lo; }
      if (max === undefined || hi > max) { max = hi; }
    }
    return min !== undefined && max !== undefined ? [min, max] : undefined;
  }

  string(s: string): void {
    this.count++;
    this.tc.string++;
    if (s.length > MAX_VALUE_LENGTH) {
      // Not counted one by one (a 10 MB field must not sit in a map); still counted as distinct.
      this.longValues++;
      this.complete = false;
      (this.hll ??= new HyperLogLog()).addHash(hashString(s));
      return;
    }
    this.countText(s);
  }

  /** Parquet/JSON text: lengths too (text() tracks them for CSV cells). */
  typedString(s: string): void {
    const len = s.length;
    if (len < this.minLen) { this.minLen = len; }
    if (len > this.maxLen) { this.maxLen = len; }
    const dt = datetimeOf(s);
    if (dt) { this.datetime(dt.key, dt.format, s); return; }
    this.string(s);
  }

  private countNumber(x: number): void {
    if (this.frozen) {
      const h = hashNumber(x);
      this.hll!.addHash(h);
      const e = this.heavy!.get(h & 0x3fffffff);
      if (e !== undefined && e.value === x) { e.count++; }
      return;
    }
    const c = this.numCounts.get(x);
    if (c !== undefined) { this.numCounts.set(x, c + 1); return; }
    if (this.numCounts.size + this.textCounts.size < VALUE_COUNT_CAP) { this.numCounts.set(x, 1); return; }
    this.freeze();
    this.hll!.addHash(hashNumber(x));
  }

  private countText(s: string): void {
    if (this.frozen) {
      const h = hashString(s);
      this.hll!.addHash(h);
      const e = this.heavy!.get(h & 0x3fffffff);
      if (e !== undefined && e.value === s) { e.count++; }
      return;
    }
    const c = this.textCounts.get(s);
    if (c !== undefined) { this.textCounts.set(s, c + 1); return; }
    if (this.numCounts.size + this.textCounts.size < VALUE_COUNT_CAP) { this.textCounts.set(s, 1); return; }
    this.freeze();
    this.hll!.addHash(hashString(s));
  }

  /**
   * Past 10,000 distinct values a column feeds its HyperLogLog, and keeps exact counts only for its 100 most
   * frequent values so far (a small map keyed by their hash, checked with the hash the HyperLogLog needs anyway):
   * a map lookup of every string costs more than the rest of the profile on a high-cardinality column. `top` is
   * then exact for those values; a value that first appears after the freeze cannot enter it.
   */
  private freeze(): void {
    this.frozen = true;
    this.complete = false;
    this.hll ??= new HyperLogLog();
    const all: { value: string | number; count: number }[] = [];
    for (const [value, count] of this.numCounts) { all.push({ value, count }); }
    for (const [value, count] of this.textCounts) { all.push({ value, count }); }
    all.sort((a, b) => b.count - a.count);
    this.heavy = new Map();
    for (const e of all.slice(0, HEAVY_HITTERS)) {
      const h = (typeof e.value === 'number' ? hashNumber(e.value) : hashString(e.value)) & 0x3fffffff;
      if (!this.heavy.has(h)) { this.heavy.set(h, e); }
    }
    // The 10,000 values go into the HyperLogLog now, and their maps are let go.
    for (const { value } of all) { this.hll.addHash(typeof value === 'number' ? hashNumber(value) : hashString(value)); }
    this.distinctAtFreeze = all.length;
    this.numCounts.clear();
    this.textCounts.clear();
  }

  private gridAdd(x: number): void {
    if (!this.grid) {
      this.grid = new Map();
      const mag = Math.abs(x) || 1;
      this.gridWidth = 2 ** (Math.floor(Math.log2(mag)) - 20);
    }
    const k = Math.floor(x / this.gridWidth);
    const g = this.grid;
    const c = g.get(k);
    if (c !== undefined) { g.set(k, c + 1); return; }
    g.set(k, 1);
    while (this.grid.size > GRID_CELLS) { this.coarsen(); }
  }

  private coarsen(): void {
    const next = new Map<number, number>();
    for (const [k, c] of this.grid!) {
      const k2 = Math.floor(k / 2);
      next.set(k2, (next.get(k2) ?? 0) + c);
    }
    this.grid = next;
    this.gridWidth *= 2;
  }

  distinct(): { distinct: number; exact: boolean } {
    const exactCount = this.numCounts.size + this.textCounts.size + this.distinctAtFreeze;
    if (!this.hll) { return { distinct: exactCount, exact: true }; }
    const hll = this.hll;
    for (const k of this.numCounts.keys()) { hll.addHash(hashNumber(k)); }
    for (const k of this.textCounts.keys()) { hll.addHash(hashString(k)); }
    return { distinct: Math.max(hll.estimate(), exactCount), exact: false };
  }

  inferType(distinct: number): ColumnType {
    const { integer, float, boolean, datetime, string } = this.tc;
    const numeric = integer + float;
    if (this.count === 0) { return 'string'; }
    if (numeric === this.count) { return float > 0 ? 'float' : 'integer'; }
    if (boolean === this.count) { return 'boolean'; }
    if (datetime === this.count) { return 'datetime'; }
    void string;
    return distinct <= CATEGORICAL_MAX && distinct <= Math.max(1, this.count / 2) ? 'categorical' : 'string';
  }

  finish(rows?: number): ColumnProfile {
    if (rows !== undefined && this.count + this.missing < rows) {
      // Absent cells (short CSV rows, JSON objects without the key) are missing without a marker.
      this.missing = rows - this.count;
    }
    const { distinct, exact } = this.distinct();
    const type = this.inferType(distinct);
    const warnings = [...this.warnings];
    const kinds = (Object.keys(this.tc) as (keyof typeof this.tc)[]).filter((k) => this.tc[k] > 0);
    const mixed = kinds.filter((k) => k !== 'integer' && k !== 'float').length + (this.tc.integer + this.tc.float > 0 ? 1 : 0) > 1;
    if (mixed) { warnings.push(`mixed types: ${kinds.map((k) => `${this.tc[k]} ${k}`).join(', ')}`); }
    if (this.longValues > 0) { warnings.push(`${this.longValues} value(s) longer than ${MAX_VALUE_LENGTH} characters (longest ${this.maxLen}): not counted one by one`); }
    const all = this.valueCounts();
    const profile: ColumnProfile = {
      name: this.name,
      index: this.index,
      type,
      ...(this.sourceType !== undefined ? { sourceType: this.sourceType } : {}),
      count: this.count,
      missing: this.missing,
      missingMarkers: sortCounts([...this.markers].map(([value, count]) => ({ value, count }))),
      typeCounts: { ...this.tc },
      distinct,
      distinctExact: exact,
      top: all.slice(0, TOP_CATEGORIES),
      values: { complete: this.complete, counts: this.complete ? all : [] },
    };
    if ((type === 'integer' || type === 'float') && this.n > 0) { profile.numeric = this.numericProfile(type); }
    const range = type === 'datetime' ? this.datetimeRange() : undefined;
    if (range) {
      profile.datetime = { min: range[0], max: range[1], formats: sortCounts([...this.dtFormats].map(([value, count]) => ({ value, count }))) };
    }
    if ((type === 'categorical' || type === 'string') && this.maxLen > 0) {
      profile.text = { minLength: this.minLen === Infinity ? 0 : this.minLen, maxLength: this.maxLen };
    }
    if (warnings.length) { profile.warnings = warnings; }
    return profile;
  }

  private valueCounts(): ValueCount[] {
    const out: ValueCount[] = [];
    if (this.heavy) {
      for (const { value, count } of this.heavy.values()) { out.push({ value: String(value), count }); }
      return sortCounts(out);
    }
    for (const [k, count] of this.numCounts) { out.push({ value: String(k), count }); }
    for (const [value, count] of this.textCounts) { out.push({ value, count }); }
    return sortCounts(out);
  }

  private numericProfile(type: ColumnType): NonNullable<ColumnProfile['numeric']> {
    const n = this.n;
    const min = this.min;
    const max = this.max;
    const std = Math.sqrt(Math.max(0, this.m2 / n));
    const all = n <= SAMPLE_SIZE;
    let quantiles: { q: number; value: number }[];
    if (all) {
      const sorted = Float64Array.from(this.sample).sort();
      quantiles = QUANTILES.map((q) => ({ q, value: quantileSorted(sorted, q) }));
    } else {
      const sk = this.sketch!;
      quantiles = QUANTILES.map((q) => ({ q, value: Math.min(max, Math.max(min, sk.quantile(q))) }));
    }
    let bins = Math.min(MAX_BINS, Math.ceil(Math.log2(n)) + 1);
    if (type === 'integer') { bins = Math.max(1, Math.min(bins, max - min + 1)); }
    const histogram = this.histogram(bins, all);
    const out: NonNullable<ColumnProfile['numeric']> = {
      min, max, mean: this.sum / n, std, sum: this.sum, zeros: this.zeros, nonFinite: this.nonFinite,
      quantiles, histogram, sample: this.sample.slice(), sampleSeed: this.seed,
    };
    if (this.sketch && !all) {
      out.sketch = this.sketch.toJson();
    }
    return out;
  }

  private histogram(bins: number, exact: boolean): { edges: number[]; counts: number[] } {
    const min = this.min;
    const max = this.max;
    if (min === max) { return { edges: [min, max], counts: [this.n] }; }
    const width = (max - min) / bins;
    const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + i * width));
    const counts = new Array<number>(bins).fill(0);
    const binOf = (x: number) => Math.min(bins - 1, Math.max(0, Math.floor((x - min) / width)));
    if (exact) {
      for (const x of this.sample) { counts[binOf(x)]++; }
    } else {
      // Approximate: each grid cell (at most 1/1024 of the range wide) goes to the bin holding its centre.
      const w = this.gridWidth;
      for (const [k, c] of this.grid!) { counts[binOf(Math.min(max, Math.max(min, (k + 0.5) * w)))] += c; }
    }
    return { edges, counts };
  }
}

/** numpy's default (linear) quantile of sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function compareValues(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (a !== '' && b !== '' && !Number.isNaN(x) && !Number.isNaN(y)) { return x - y; }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Most frequent first; ties in value order (numerically when both are numbers). */
export function sortCounts(xs: ValueCount[]): ValueCount[] {
  return xs.sort((a, b) => b.count - a.count || compareValues(a.value, b.value));
}

