/**
 * The profile of one column of a window's records, as far as the drift tests read it: count, missing, type, value
 * counts while they are few, and the seeded reservoir sample of numbers (every value while count ≤ 10,000), with
 * the same seed per column name as a data version's profile.
 *
 * Not `ColumnAccumulator`: that one also builds quantile sketches, histograms, distinct estimates and exact value
 * counts up to 10,000 per column, which the drift tests do not read and which cost most of a window's time — a
 * million requests of 20 features are 20 million values. A profile made here is a valid `ColumnProfile`, so it is
 * compared by exactly the same `driftBetween` as two data versions.
 */
import { mulberry32, sampleSeedOf, sortCounts } from '../data/profile/column';
import { SAMPLE_SIZE, TOP_CATEGORIES, VALUE_COUNT_CAP, type ColumnProfile, type ValueCount } from '../data/profile/schema';
import type { JsonValue } from './types';

/** Number columns count their values one by one only while they have this many distinct ones (ids, codes, classes). */
const NUMBER_COUNT_CAP = 1000;
const CATEGORICAL_MAX = 1000;

/**
 * Sample buffers of finished windows, reused by the next ones: a window of 20 columns holds 1.6 MB of samples, and
 * without reuse a cold summary of a few hundred windows leaves hundreds of MB of typed arrays for the collector.
 */
const samplePool: Float64Array[] = [];
const POOLED = 256;

export class WindowColumn {
  private count = 0;
  private missing = 0;
  private ints = 0;
  private floats = 0;
  private bools = 0;
  private texts = 0;
  private n = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private sample = samplePool.pop() ?? new Float64Array(SAMPLE_SIZE);
  private readonly random: () => number;
  private readonly seed: number;
  private numCounts: Map<number, number> | undefined = new Map();
  private readonly textCounts = new Map<string, number>();
  private textCapped = false;

  constructor(readonly name: string, readonly index: number) {
    this.seed = sampleSeedOf(name);
    this.random = mulberry32(this.seed);
  }

  add(v: JsonValue | undefined): void {
    if (v === undefined) { return; }
    if (v === null) { this.missing++; return; }
    if (typeof v === 'number') { this.number(v); return; }
    this.count++;
    if (typeof v === 'boolean') { this.bools++; this.text(v ? 'true' : 'false'); return; }
    this.texts++;
    this.text(typeof v === 'string' ? v : JSON.stringify(v));
  }

  private number(x: number): void {
    if (!Number.isFinite(x)) { this.missing++; return; }
    this.count++;
    if (Number.isInteger(x)) { this.ints++; } else { this.floats++; }
    const n = ++this.n;
    const d = x - this.mean;
    this.mean += d / n;
    this.m2 += d * (x - this.mean);
    if (x < this.min) { this.min = x; }
    if (x > this.max) { this.max = x; }
    // Reservoir sampling, algorithm R, as the data profile does it.
    if (n <= SAMPLE_SIZE) {
      this.sample[n - 1] = x;
    } else {
      const j = Math.floor(this.random() * n);
      if (j < SAMPLE_SIZE) { this.sample[j] = x; }
    }
    const m = this.numCounts;
    if (m) {
      const key = x === 0 ? 0 : x;
      const c = m.get(key);
      if (c !== undefined) { m.set(key, c + 1); } else if (m.size < NUMBER_COUNT_CAP) { m.set(key, 1); } else { this.numCounts = undefined; }
    }
  }

  private text(s: string): void {
    const m = this.textCounts;
    const c = m.get(s);
    // Past the cap, values already counted go on being counted (the top categories stay right); new ones are not.
    if (c !== undefined) { m.set(s, c + 1); } else if (m.size < VALUE_COUNT_CAP) { m.set(s, 1); } else { this.textCapped = true; }
  }

  /** Gives the sample buffer back for the next window; the column must not be used after. */
  release(): void {
    if (samplePool.length < POOLED && this.sample.length === SAMPLE_SIZE) { samplePool.push(this.sample); }
    this.sample = new Float64Array(0);
  }

  finish(rows: number): ColumnProfile {
    const missing = Math.max(this.missing, rows - this.count);
    const numeric = this.ints + this.floats;
    const counts: ValueCount[] = [];
    const complete = !this.textCapped && (numeric === 0 || this.numCounts !== undefined);
    if (this.numCounts) { for (const [v, c] of this.numCounts) { counts.push({ value: String(v), count: c }); } }
    for (const [v, c] of this.textCounts) { counts.push({ value: v, count: c }); }
    sortCounts(counts);
    const distinct = counts.length;
    const type: ColumnProfile['type'] = this.count === 0 ? 'string'
      : numeric === this.count ? (this.floats > 0 ? 'float' : 'integer')
        : this.bools === this.count ? 'boolean'
          : distinct <= CATEGORICAL_MAX && distinct <= Math.max(1, this.count / 2) ? 'categorical' : 'string';
    const profile: ColumnProfile = {
      name: this.name, index: this.index, type, count: this.count, missing,
      missingMarkers: this.missing > 0 ? [{ value: 'null', count: this.missing }] : [],
      typeCounts: { integer: this.ints, float: this.floats, boolean: this.bools, datetime: 0, string: this.texts },
      distinct, distinctExact: complete,
      top: counts.slice(0, TOP_CATEGORIES),
      values: { complete, counts: complete ? counts : [] },
    };
    if ((type === 'integer' || type === 'float') && this.n > 0) {
      profile.numeric = {
        min: this.min, max: this.max, mean: this.mean, std: Math.sqrt(this.m2 / this.n), quantiles: [], histogram: { edges: [], counts: [] },
        sample: Array.from(this.sample.subarray(0, Math.min(this.n, SAMPLE_SIZE))), sampleSeed: this.seed,
      };
    }
    return profile;
  }
}
