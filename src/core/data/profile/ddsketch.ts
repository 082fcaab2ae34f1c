/**
 * DDSketch (Masson, Rim & Lee, VLDB 2019): quantiles with a relative-error guarantee, mergeable, bounded memory.
 * The same logarithmic mapping as @datadog/sketches-js (key = ⌈log_γ x⌉, γ = (1 + α) / (1 − α), a bin's value =
 * 2γ^key / (γ + 1)), written here because that package serialises through protobufjs, which is not installed and
 * which its lazy `require` makes esbuild fail on when it bundles the extension. The serialised form is plain JSON
 * (`DDSketchJson`), so a profile can be merged with another later.
 */
export interface DDSketchJson {
  kind: 'ddsketch';
  relativeAccuracy: number;
  zeroCount: number;
  /** Counts of positive values by key, from `offset`. */
  positive: { offset: number; counts: number[] };
  negative: { offset: number; counts: number[] };
}

/** Values this close to zero count as zero (as sketches-js: the smallest value the mapping indexes). */
const MIN_INDEXABLE = 1e-300;

class DenseStore {
  counts = new Float64Array(0);
  offset = 0;
  total = 0;

  add(key: number, weight = 1): void {
    let i = key - this.offset;
    if (this.counts.length === 0) {
      this.counts = new Float64Array(64);
      this.offset = key - 32;
      i = 32;
    } else if (i < 0 || i >= this.counts.length) {
      const lo = Math.min(this.offset, key);
      const hi = Math.max(this.offset + this.counts.length - 1, key);
      const size = Math.max(this.counts.length * 2, hi - lo + 1 + 64);
      const next = new Float64Array(size);
      const newOffset = i < 0 ? hi - size + 1 : lo;
      next.set(this.counts, this.offset - newOffset);
      this.counts = next;
      this.offset = newOffset;
      i = key - newOffset;
    }
    this.counts[i] += weight;
    this.total += weight;
  }

  toJson(): { offset: number; counts: number[] } {
    let lo = 0;
    let hi = this.counts.length - 1;
    while (lo <= hi && this.counts[lo] === 0) { lo++; }
    while (hi >= lo && this.counts[hi] === 0) { hi--; }
    return { offset: this.offset + lo, counts: Array.from(this.counts.subarray(lo, hi + 1)) };
  }
}

export class DDSketch {
  private readonly gamma: number;
  private readonly multiplier: number;
  private readonly positive = new DenseStore();
  private readonly negative = new DenseStore();
  private zeroCount = 0;
  count = 0;

  constructor(readonly relativeAccuracy = 0.01) {
    this.gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.multiplier = 1 / Math.log(this.gamma);
  }

  private key(x: number): number {
    return Math.ceil(Math.log(x) * this.multiplier);
  }

  private valueOf(key: number): number {
    return 2 * Math.pow(this.gamma, key) / (this.gamma + 1);
  }

  accept(x: number, weight = 1): void {
    if (x > MIN_INDEXABLE) { this.positive.add(this.key(x), weight); } else if (x < -MIN_INDEXABLE) { this.negative.add(this.key(-x), weight); } else {
      this.zeroCount += weight;
    }
    this.count += weight;
  }

  /** The value at quantile q (0 ≤ q ≤ 1), within the relative accuracy; NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) { return NaN; }
    const rank = q * (this.count - 1);
    const neg = this.negative.total;
    if (rank < neg) {
      // Negative values: the largest keys are the smallest values.
      let seen = 0;
      const c = this.negative.counts;
      for (let i = c.length - 1; i >= 0; i--) {
        seen += c[i];
        if (seen > rank) { return -this.valueOf(i + this.negative.offset); }
      }
    }
    if (rank < neg + this.zeroCount) { return 0; }
    let seen = neg + this.zeroCount;
    const c = this.positive.counts;
    for (let i = 0; i < c.length; i++) {
      seen += c[i];
      if (seen > rank) { return this.valueOf(i + this.positive.offset); }
    }
    return this.valueOf(c.length - 1 + this.positive.offset);
  }

  merge(other: DDSketch): void {
    if (other.relativeAccuracy !== this.relativeAccuracy) { throw new Error('cannot merge sketches of different accuracy'); }
    other.positive.counts.forEach((c, i) => { if (c) { this.positive.add(i + other.positive.offset, c); } });
    other.negative.counts.forEach((c, i) => { if (c) { this.negative.add(i + other.negative.offset, c); } });
    this.zeroCount += other.zeroCount;
    this.count += other.count;
  }

  toJson(): DDSketchJson {
    return { kind: 'ddsketch', relativeAccuracy: this.relativeAccuracy, zeroCount: this.zeroCount, positive: this.positive.toJson(), negative: this.negative.toJson() };
  }

  static fromJson(j: DDSketchJson): DDSketch {
    const s = new DDSketch(j.relativeAccuracy);
    j.positive.counts.forEach((c, i) => { if (c) { s.positive.add(i + j.positive.offset, c); } });
    j.negative.counts.forEach((c, i) => { if (c) { s.negative.add(i + j.negative.offset, c); } });
    s.zeroCount = j.zeroCount;
    s.count = j.zeroCount + s.positive.total + s.negative.total;
    return s;
  }
}
