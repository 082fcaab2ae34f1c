/**
 * The statistics behind Evidently's legacy default drift tests, re-implemented in plain TypeScript so drift between
 * two stored profiles needs no Python. Each function says which SciPy / NumPy / Evidently computation it reproduces;
 * where the floating-point path matters for the result (the exact KS recursion, `1 - Φ(z)` for the z-test, NumPy's
 * `linspace` bin edges) the same operations are done in the same order, so the doubles agree.
 *
 * Samples are passed as {@link NumericDistribution} (sorted distinct values with their multiplicities), so a column
 * known by complete value counts is tested exactly without expanding it, and a 10,000-value sample costs one sort.
 */
import type { DriftTest } from './types';

// ---------------------------------------------------------------------------------------------------------------
// Samples

/** A numeric sample as sorted distinct values and how often each occurs; `n` is the total count. */
export interface NumericDistribution {
  values: Float64Array;
  counts: Float64Array;
  n: number;
}

/** Builds a distribution from raw finite values (non-finite ones are dropped, as Evidently drops ±inf and NaN). */
export function numericDistribution(raw: ArrayLike<number>): NumericDistribution {
  const sorted = new Float64Array(raw.length);
  let len = 0;
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (Number.isFinite(v)) sorted[len++] = v === 0 ? 0 : v; // -0 and 0 are one value, as in pandas
  }
  const data = sorted.subarray(0, len).sort();
  let distinct = 0;
  for (let i = 0; i < len; i++) if (i === 0 || data[i] !== data[i - 1]) distinct++;
  const values = new Float64Array(distinct), counts = new Float64Array(distinct);
  let k = -1;
  for (let i = 0; i < len; i++) {
    if (i === 0 || data[i] !== data[i - 1]) values[++k] = data[i];
    counts[k]++;
  }
  return { values, counts, n: len };
}

/** Builds a distribution from (value, count) pairs, e.g. a profile's complete value counts. */
export function numericDistributionFromCounts(pairs: readonly (readonly [number, number])[]): NumericDistribution {
  const merged = new Map<number, number>();
  for (const [v, c] of pairs) {
    if (!Number.isFinite(v) || !(c > 0)) continue;
    const key = v === 0 ? 0 : v;
    merged.set(key, (merged.get(key) ?? 0) + c);
  }
  const values = Float64Array.from(merged.keys()).sort();
  const counts = new Float64Array(values.length);
  let n = 0;
  values.forEach((v, i) => { counts[i] = merged.get(v) ?? 0; n += counts[i]; });
  return { values, counts, n };
}

/** Distinct values of both samples together (pandas `concat(...).nunique()`). */
export function distinctCombined(a: NumericDistribution, b: NumericDistribution): number {
  let i = 0, j = 0, k = 0;
  while (i < a.values.length || j < b.values.length) {
    const va = i < a.values.length ? a.values[i] : Infinity;
    const vb = j < b.values.length ? b.values[j] : Infinity;
    if (va <= vb) i++;
    if (vb <= va) j++;
    k++;
  }
  return k;
}

/** Population standard deviation (NumPy `np.std`, ddof = 0). */
export function populationStd(d: NumericDistribution): number {
  if (d.n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < d.values.length; i++) sum += d.values[i] * d.counts[i];
  const mean = sum / d.n;
  let ss = 0;
  for (let i = 0; i < d.values.length; i++) { const dev = d.values[i] - mean; ss += dev * dev * d.counts[i]; }
  return Math.sqrt(ss / d.n);
}

// ---------------------------------------------------------------------------------------------------------------
// Special functions

const LOG_SQRT_PI = 0.5723649429247001; // lgamma(1/2)
const LOG_SQRT_2PI = 0.9189385332046728;
const LANCZOS = [0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531,
  -176.6150291621406, 12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7];

/** log Γ(x) for x > 0: Stirling's series from 10 on, Lanczos (g = 7) below, both ~1e-15 relative. */
export function logGamma(x: number): number {
  if (x === 0.5) return LOG_SQRT_PI;
  if (x === 1 || x === 2) return 0;
  if (x >= 10) {
    const r = 1 / x, r2 = r * r;
    const series = r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 / 1188))));
    return (x - 0.5) * Math.log(x) - x + LOG_SQRT_2PI + series;
  }
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return LOG_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 − P (SciPy `gammainc` / `gammaincc`): the series
 * for x < a + 1, the continued fraction (modified Lentz) otherwise, so the smaller of the two keeps its relative
 * precision; `chi2.sf(x, k)` is Q(k/2, x/2).
 */
function incompleteGamma(a: number, x: number): { p: number; q: number } {
  if (x <= 0) return { p: 0, q: 1 };
  if (x === Infinity) return { p: 1, q: 0 };
  const logPrefactor = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let ap = a, del = 1 / a, sum = del;
    for (let i = 0; i < 100_000; i++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-17) break;
    }
    const p = Math.min(1, sum * Math.exp(logPrefactor));
    return { p, q: 1 - p };
  }
  const tiny = 1e-300;
  let b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (let i = 1; i < 100_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b; if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  const q = Math.min(1, Math.exp(logPrefactor) * h);
  return { p: 1 - q, q };
}

export const gammaQ = (a: number, x: number): number => incompleteGamma(a, x).q;

/** Chi-square survival function with k degrees of freedom (SciPy `chi2.sf`). */
export function chi2Sf(x: number, k: number): number {
  if (!(k > 0)) return x > 0 ? 0 : 1;
  return incompleteGamma(k / 2, x / 2).q;
}

/** erf / erfc through the incomplete gamma of order 1/2: erfc(x) = Q(1/2, x²) for x ≥ 0. */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  return incompleteGamma(0.5, x * x).q;
}
export function erf(x: number): number {
  if (x < 0) return -erf(-x);
  return incompleteGamma(0.5, x * x).p;
}

/** Standard normal CDF with Cephes `ndtr`'s branches (SciPy `norm.cdf`), so `1 − Φ(z)` rounds as it does there. */
export function normalCdf(a: number): number {
  const x = a * Math.SQRT1_2;
  const z = Math.abs(x);
  let y: number;
  if (z < Math.SQRT1_2) y = 0.5 + 0.5 * erf(x);
  else {
    y = 0.5 * erfc(z);
    if (x > 0) y = 1 - y;
  }
  return y;
}

// ---------------------------------------------------------------------------------------------------------------
// Two-sample Kolmogorov–Smirnov (SciPy 1.10 `ks_2samp`, alternative='two-sided', method='auto')

export interface KsResult {
  /** D; in exact mode the value SciPy reports, h / lcm(n1, n2). */
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymp';
}

/** NumPy rounds half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Largest |F1 − F2| over the pooled sample, each ECDF evaluated as count / n (as `searchsorted(...)/n`). */
export function ksStatistic(a: NumericDistribution, b: NumericDistribution): number {
  let i = 0, j = 0, ca = 0, cb = 0, d = 0;
  while (i < a.values.length || j < b.values.length) {
    const va = i < a.values.length ? a.values[i] : Infinity;
    const vb = j < b.values.length ? b.values[j] : Infinity;
    const v = Math.min(va, vb);
    if (va === v) ca += a.counts[i++];
    if (vb === v) cb += b.counts[j++];
    const diff = Math.abs(ca / a.n - cb / b.n);
    if (diff > d) d = diff;
  }
  return Math.min(d, 1);
}

/** P(D_{n,n} ≥ h/n), Hodges' alternating sum evaluated Horner-like (SciPy `_compute_prob_outside_square`). */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = (n - k * h - j) * p1 / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * The proportion of lattice paths from (0,0) to (m,n) that leave the band |x/m − y/n| < h/lcm, computed directly as
 * 1 − inside (Viehmann's recursion, SciPy 1.10 `_compute_outer_prob_inside_method`): one sliding column of A.
 */
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  let m = m0, n = n0;
  if (m < n) [m, n] = [n, m];
  const mg = m / g, ng = n / g; // exact: g divides both
  let minj = 0, maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj, lastlen = curlen;
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    minj = Math.min(minj, n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj] * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1];
}

/** `_attempt_exact_2kssamp` for the two-sided case: success only for a finite probability within [0, 1]. */
function exactKs(n1: number, n2: number, d: number): { ok: boolean; d: number; p: number } {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const dd = h / lcm;
  if (h === 0) return { ok: true, d: dd, p: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
  // NumPy's errstate(over/invalid='raise') would stop an overflowing square computation; a non-finite result here
  // is the same signal.
  if (!Number.isFinite(p) || !(p >= 0 && p <= 1)) return { ok: false, d: dd, p };
  return { ok: true, d: dd, p };
}

/** Exact is attempted while both samples have at most this many values (SciPy's MAX_AUTO_N). */
export const KS_MAX_EXACT_N = 10_000;

/** The two-sample KS p-value for statistic d, as `ks_2samp(mode='auto')` chooses it. */
export function ksPValue(d: number, n1: number, n2: number): KsResult {
  if (Math.max(n1, n2) <= KS_MAX_EXACT_N) {
    const r = exactKs(n1, n2, d);
    if (r.ok) return { statistic: r.d, pValue: r.p, method: 'exact' };
    d = r.d;
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = m * n / (m + n);
  const p = kolmogorovSf(d, roundHalfEven(en));
  return { statistic: d, pValue: Math.min(1, Math.max(0, p)), method: 'asymp' };
}

export function ksTwoSample(a: NumericDistribution, b: NumericDistribution): KsResult {
  if (a.n === 0 || b.n === 0) return { statistic: 0, pValue: 1, method: 'exact' };
  return ksPValue(ksStatistic(a, b), a.n, b.n);
}

// --- the one-sample two-sided Kolmogorov distribution, SciPy `kstwo.sf(x, n)` (Simard & L'Ecuyer's choice of method)

/** B₂ⱼ / (2j(2j − 1)) for j = 8 … 1, to double precision. */
const STIRLING_COEFFS = [-0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417,
  -0.0005952380952380953, 0.0007936507936507937, -0.002777777777777778, 0.08333333333333333];

function logNFactorialDivNPowN(n: number): number {
  const rn = 1 / n;
  let poly = 0;
  for (const c of STIRLING_COEFFS) poly = poly * (rn / n) + c;
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + rn * poly;
}

const clip01 = (p: number): number => Math.min(1, Math.max(0, p));

/** Durbin's matrix method (Marsaglia–Tsang–Wang): exact P(D_n ≤ d), matrix power with separate exponent scaling. */
function kolmogorovCdfDurbin(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - Math.pow(h, j)) * fac;
  }
  const tt = Math.pow(Math.max(2 * h - 1, 0), m) - 2 * Math.pow(h, m);
  v[m - 1] = (1 + tt) * fac;
  let H: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1];
  for (let r = 0; r < m; r++) H[r * m] = v[r];
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c];
  const matmul = (X: Float64Array, Y: Float64Array): Float64Array => {
    const Z = new Float64Array(m * m);
    for (let r = 0; r < m; r++) for (let t = 0; t < m; t++) {
      const x = X[r * m + t];
      if (x === 0) continue;
      for (let c = 0; c < m; c++) Z[r * m + c] += x * Y[t * m + c];
    }
    return Z;
  };
  let P: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) P[i * m + i] = 1;
  const E = 128, EP = Math.pow(2, E), EM = Math.pow(2, -E);
  let nn = n, expnt = 0, hexpnt = 0;
  while (nn > 0) {
    if (nn % 2) { P = matmul(P, H); expnt += hexpnt; }
    H = matmul(H, H);
    hexpnt *= 2;
    if (Math.abs(H[(k - 1) * m + (k - 1)]) > EP) { for (let i = 0; i < H.length; i++) H[i] /= EP; hexpnt += E; }
    nn = Math.floor(nn / 2);
  }
  let p = P[(k - 1) * m + (k - 1)];
  for (let i = 1; i <= n; i++) {
    p = i * p / n;
    if (Math.abs(p) < EM) { p *= EP; expnt -= E; }
  }
  if (expnt !== 0) p = p * Math.pow(2, expnt);
  return clip01(p);
}

/** Pelz–Good asymptotic series for P(D_n ≤ x). */
function kolmogorovCdfPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const PI2 = Math.PI ** 2, PI4 = Math.PI ** 4, PI6 = Math.PI ** 6;
  const z = Math.sqrt(n) * x;
  const z2 = z * z, z3 = z ** 3, z4 = z ** 4, z6 = z ** 6;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2, k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * PI2 / 4, k2c = PI4 * (1 - 2 * z2) / 16;
  const k3d = PI6 * (5 - 30 * z2) / 64, k3c = PI4 * (-60 * z2 + 212 * z4) / 16;
  const k3b = PI2 * (135 * z4 - 96 * z6) / 4, k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil(16 * z / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const mm = 2 * k - 1, m2 = mm * mm, m4 = m2 * m2, m6 = m4 * m2;
    const qp = Math.pow(q, 8 * k);
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) K[i] = K[i] * qp + coeffs[i];
  }
  const div = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = K[i] * q * Math.sqrt(2 * Math.PI) / div[i];
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0, k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const ks = k * k, qp = Math.pow(q, ks), kspi = Math.PI * k;
    k2extra += ks * qp;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks * qp;
  }
  K[2] += k2extra * PI2 * Math.sqrt(2 * Math.PI) / (-36 * z3);
  K[3] += k3extra * PI2 * Math.sqrt(2 * Math.PI) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += K[i] / Math.pow(n, i / 2);
  return sum;
}

/**
 * One-sided Smirnov survival P(D_n⁺ ≥ x) (Cephes `smirnov`): the Birnbaum–Tingey sum of positive terms, summed in
 * log space (Cephes uses double-double; with no cancellation both agree far below 1e-6 relative).
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const nx = n * x;
  const nxfl = Math.floor(nx);
  const alpha = nx - nxfl;
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) return 1 - x * Math.pow(1 + x, n - 1);
  if (-2 * n * x * x < -708.3964185322641) return 0;
  if (nxfl >= n - 1) return Math.pow(1 - x, n);
  if (n > 1_000_000) {
    const logp = -Math.pow(6 * n * x + 1, 2) / 18 / n;
    return logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp); // sf = 1 − cdf, cdf = −expm1(logp)
  }
  let last = n - nxfl - (alpha === 0 ? 0 : 1);
  if (alpha === 0) last -= 1;
  const logs = new Float64Array(last + 1);
  let logC = 0, max = -Infinity;
  for (let j = 0; j <= last; j++) {
    if (j > 0) logC += Math.log((n - j + 1) / j);
    const l = logC + (n - j) * Math.log((n - j) / n - x) + (j - 1) * Math.log(j / n + x);
    logs[j] = l;
    if (l > max) max = l;
  }
  let sum = 0;
  for (let j = 0; j <= last; j++) sum += Math.exp(logs[j] - max);
  return clip01(x * sum * Math.exp(max));
}

/** SciPy `kstwo.sf(x, n)`: P(D_n ≥ x) for the one-sample two-sided statistic. */
export function kolmogorovSf(x: number, n: number): number {
  if (!(n >= 1) || !Number.isInteger(n)) return 1;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let prob: number;
    if (n <= 140) { prob = 1; for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1); }
    else prob = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
    return clip01(1 - prob);
  }
  if (t >= n - 1) return clip01(2 * Math.pow(1 - x, n));
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x));
  const nxsquared = t * x;
  if (n <= 140) {
    // SciPy takes Pomeranz's exact recursion for 0.754693 < nx² ≤ 4; Durbin's exact matrix gives the same value.
    if (nxsquared <= 4) return clip01(1 - kolmogorovCdfDurbin(n, x));
    return clip01(2 * smirnovSf(n, x));
  }
  if (nxsquared >= 370) return 0;
  if (nxsquared >= 2.2) return clip01(2 * smirnovSf(n, x));
  let cdf: number;
  if (nxsquared >= 18) cdf = 1;
  else if (n <= 100_000 && n * Math.pow(x, 1.5) <= 1.4) cdf = kolmogorovCdfDurbin(n, x);
  else cdf = kolmogorovCdfPelzGood(n, x);
  return clip01(1 - cdf);
}

// ---------------------------------------------------------------------------------------------------------------
// Wasserstein-1 (SciPy `wasserstein_distance`)

/** ∫ |U(t) − V(t)| dt over the pooled sample's steps. */
export function wassersteinDistance(a: NumericDistribution, b: NumericDistribution): number {
  if (a.n === 0 || b.n === 0) return 0;
  let i = 0, j = 0, ca = 0, cb = 0, sum = 0, comp = 0;
  let prev = NaN, prevDiff = 0;
  while (i < a.values.length || j < b.values.length) {
    const va = i < a.values.length ? a.values[i] : Infinity;
    const vb = j < b.values.length ? b.values[j] : Infinity;
    const v = Math.min(va, vb);
    if (!Number.isNaN(prev)) {
      // Neumaier summation: the terms have mixed sizes and the sum is compared to 1e-6 relative.
      const term = prevDiff * (v - prev);
      const s = sum + term;
      comp += Math.abs(sum) >= Math.abs(term) ? (sum - s) + term : (term - s) + sum;
      sum = s;
    }
    if (va === v) ca += a.counts[i++];
    if (vb === v) cb += b.counts[j++];
    prev = v;
    prevDiff = Math.abs(ca / a.n - cb / b.n);
  }
  return sum + comp;
}

/** Evidently's normed Wasserstein: the distance divided by max(std of the reference, 0.001). */
export function wassersteinNormed(ref: NumericDistribution, cur: NumericDistribution): { distance: number; raw: number; norm: number; stdReference: number } {
  const stdReference = populationStd(ref);
  const norm = Math.max(stdReference, 0.001);
  const raw = wassersteinDistance(ref, cur);
  return { distance: raw / norm, raw, norm, stdReference };
}

// ---------------------------------------------------------------------------------------------------------------
// Category counts: chi-square, z-test, and the value binning of `get_binned_data`

/** Counts of both sides over the union of their categories, in the order Python's `sorted` gives the keys. */
export interface AlignedCounts {
  keys: string[];
  reference: number[];
  current: number[];
}

/** Compares strings by code point, as Python does (JavaScript's `<` compares UTF-16 code units). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i) ?? 0, cb = b.codePointAt(i) ?? 0;
    if (ca !== cb) return ca - cb;
    if (ca > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Aligns two category→count maps over their union, zero where a side lacks a category. */
export function alignCounts(ref: ReadonlyMap<string, number>, cur: ReadonlyMap<string, number>, compare: (a: string, b: string) => number = compareCodePoints): AlignedCounts {
  const keys = [...new Set([...ref.keys(), ...cur.keys()])].filter((k) => (ref.get(k) ?? 0) > 0 || (cur.get(k) ?? 0) > 0).sort(compare);
  return { keys, reference: keys.map((k) => ref.get(k) ?? 0), current: keys.map((k) => cur.get(k) ?? 0) };
}

/** Aligns two numeric distributions value by value (numeric order; keys spelled as JavaScript numbers). */
export function alignNumeric(a: NumericDistribution, b: NumericDistribution): AlignedCounts {
  const out: AlignedCounts = { keys: [], reference: [], current: [] };
  let i = 0, j = 0;
  while (i < a.values.length || j < b.values.length) {
    const va = i < a.values.length ? a.values[i] : Infinity;
    const vb = j < b.values.length ? b.values[j] : Infinity;
    const v = Math.min(va, vb);
    out.keys.push(String(v));
    out.reference.push(va === v ? a.counts[i++] : 0);
    out.current.push(vb === v ? b.counts[j++] : 0);
  }
  return out;
}

const total = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);

export interface ChiSquareResult { statistic: number; pValue: number; categories: number }

/**
 * Evidently's chi-square: SciPy `chisquare(f_obs = current counts, f_exp = reference counts × n_cur / n_ref)` over
 * the union of categories. A category the reference never had makes the statistic infinite and p = 0. One category
 * on both sides leaves no degree of freedom: SciPy would answer NaN; we say p = 1 (nothing can differ).
 */
export function chiSquareTest(c: AlignedCounts): ChiSquareResult {
  const nRef = total(c.reference), nCur = total(c.current);
  const k = nCur / nRef;
  let stat = 0;
  for (let i = 0; i < c.keys.length; i++) {
    const exp = c.reference[i] * k, obs = c.current[i];
    if (exp === 0) { if (obs > 0) stat = Infinity; continue; }
    stat += (obs - exp) * (obs - exp) / exp;
  }
  const df = c.keys.length - 1;
  if (df < 1) return { statistic: 0, pValue: 1, categories: c.keys.length };
  return { statistic: stat, pValue: stat === Infinity ? 0 : chi2Sf(stat, df), categories: c.keys.length };
}

export interface ZTestResult { statistic?: number; pValue: number; zeroKey: string }

/**
 * Evidently's two-proportion z-test: the smallest key (Python `sorted`) is 0, everything else 1;
 * z = (p_ref − p_cur) / √(P(1−P)(1/n_ref + 1/n_cur)), p = 2·(1 − Φ(|z|)). The same single value on both sides gives
 * p = 1 with no statistic, as in Evidently.
 */
export function zTest(c: AlignedCounts): ZTestResult {
  const zeroKey = c.keys[0] ?? '';
  const nRef = total(c.reference), nCur = total(c.current);
  const refKeys = c.reference.filter((x) => x > 0).length, curKeys = c.current.filter((x) => x > 0).length;
  if (c.keys.length <= 1 || (refKeys === 1 && curKeys === 1 && c.reference.findIndex((x) => x > 0) === c.current.findIndex((x) => x > 0))) {
    return { pValue: 1, zeroKey };
  }
  const p1 = (nRef - c.reference[0]) / nRef;
  const p2 = (nCur - c.current[0]) / nCur;
  const P = (p1 * nRef + p2 * nCur) / (nRef + nCur);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1 / nRef + 1 / nCur));
  return { statistic: z, pValue: 2 * (1 - normalCdf(Math.abs(z))), zeroKey };
}

// ---------------------------------------------------------------------------------------------------------------
// Binning (Evidently `get_binned_data`), Jensen–Shannon and PSI

/** Evidently bins a numeric column into Sturges bins when the reference has more than this many distinct values. */
export const BINNED_MIN_DISTINCT = 20;

/**
 * `np.histogram_bin_edges(combined, bins='sturges')` from the combined size, minimum and maximum: width =
 * ptp / (log2(n) + 1), ceil(range / width) bins (1 for a constant sample, widened by ±0.5), edges by NumPy's
 * `linspace` (i·step + start, the last edge set to stop).
 */
export function sturgesEdges(n: number, min: number, max: number): number[] {
  let first = min, last = max;
  if (first === last) { first -= 0.5; last += 0.5; }
  const ptp = max - min;
  const width = n > 0 ? ptp / (Math.log2(n) + 1) : 0;
  const bins = width ? Math.max(1, Math.ceil((last - first) / width)) : 1;
  const step = (last - first) / bins;
  const edges = new Array<number>(bins + 1);
  for (let i = 0; i <= bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  return edges;
}

/** Values < x (or ≤ x when `inclusive`) of a distribution, by binary search over its cumulative counts. */
function countBelow(d: NumericDistribution, cum: Float64Array, x: number, inclusive: boolean): number {
  let lo = 0, hi = d.values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (inclusive ? d.values[mid] <= x : d.values[mid] < x) lo = mid + 1; else hi = mid;
  }
  return lo === 0 ? 0 : cum[lo - 1];
}

/** `np.histogram(sample, edges)[0]`: half-open bins, the last one closed; values outside are not counted. */
export function histogramCounts(d: NumericDistribution, edges: readonly number[]): number[] {
  const cum = new Float64Array(d.values.length);
  let run = 0;
  for (let i = 0; i < d.values.length; i++) { run += d.counts[i]; cum[i] = run; }
  const below = edges.map((e, i) => countBelow(d, cum, e, i === edges.length - 1));
  return below.slice(1).map((b, i) => b - below[i]);
}

export interface Binned {
  kind: 'sturges' | 'values';
  reference: number[];
  current: number[];
  edges?: number[];
  keys?: string[];
}

/** Shares of each side in Sturges bins over both samples (numeric columns with many distinct reference values). */
export function sturgesBinned(ref: NumericDistribution, cur: NumericDistribution): Binned {
  const min = Math.min(ref.values[0], cur.values[0]);
  const max = Math.max(ref.values[ref.values.length - 1], cur.values[cur.values.length - 1]);
  const edges = sturgesEdges(ref.n + cur.n, min, max);
  return {
    kind: 'sturges', edges,
    reference: histogramCounts(ref, edges).map((c) => c / ref.n),
    current: histogramCounts(cur, edges).map((c) => c / cur.n),
  };
}

/** Shares of each side per value over the union of values. */
export function valuesBinned(c: AlignedCounts): Binned {
  const nRef = total(c.reference), nCur = total(c.current);
  return { kind: 'values', keys: c.keys, reference: c.reference.map((x) => x / nRef), current: c.current.map((x) => x / nCur) };
}

/**
 * Evidently's `feel_zeroes` (used for PSI): an empty bin of a side becomes min(non-zero share)/10⁶ when that minimum
 * is ≤ 0.0001, else 0.0001 — the rule that reproduces EXPECTED.json (a plain 0.0001 misses cat_large/segment).
 */
export function fillZeroes(shares: readonly number[]): number[] {
  let min = Infinity;
  for (const s of shares) if (s !== 0 && s < min) min = s;
  if (min === Infinity) return [...shares];
  const fill = min <= 0.0001 ? min / 1e6 : 0.0001;
  return shares.map((s) => (s === 0 ? fill : s));
}

/** Population stability index Σ (r − c)·ln(r / c) over zero-filled shares. */
export function psi(reference: readonly number[], current: readonly number[]): number {
  const r = fillZeroes(reference), c = fillZeroes(current);
  let sum = 0;
  for (let i = 0; i < r.length; i++) sum += (r[i] - c[i]) * Math.log(r[i] / c[i]);
  return sum;
}

/** x·ln(x/y) with SciPy `rel_entr`'s conventions for zeros. */
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/** SciPy `distance.jensenshannon(p, q)` with the natural log: both vectors normalised, √(JS divergence). */
export function jensenShannonDistance(p: readonly number[], q: readonly number[]): number {
  const sp = total(p), sq = total(q);
  if (!(sp > 0) || !(sq > 0)) return 0;
  let left = 0, right = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] / sp, qi = q[i] / sq, m = (pi + qi) / 2;
    left += relEntr(pi, m);
    right += relEntr(qi, m);
  }
  return Math.sqrt(Math.max(0, (left + right) / 2));
}

// ---------------------------------------------------------------------------------------------------------------
// Evidently's default test choice (`registry.py` `_get_default_stattest`)

/**
 * `referenceN` is the reference column's non-missing count (Evidently drops NaN before choosing), `distinct` the
 * distinct values of both sides together.
 */
export function defaultDriftTest(kind: 'num' | 'cat', referenceN: number, distinct: number): DriftTest {
  if (referenceN <= 1000) {
    if (kind === 'num' && distinct > 5) return 'ks';
    return distinct > 2 ? 'chisquare' : 'z';
  }
  if (kind === 'num' && distinct > 5) return 'wasserstein';
  return 'jensenshannon';
}

/** Default threshold of each test: a p-value for ks / chisquare / z, a distance for the others. */
export const DEFAULT_THRESHOLDS: Readonly<Record<DriftTest, number>> = { ks: 0.05, chisquare: 0.05, z: 0.05, wasserstein: 0.1, jensenshannon: 0.1, psi: 0.1 };

/** How a score is compared with its threshold, in Evidently's words. */
export const DRIFT_RULES: Readonly<Record<DriftTest, string>> = {
  ks: 'p_value <= threshold', chisquare: 'p_value < threshold', z: 'p_value < threshold',
  wasserstein: 'distance >= threshold', jensenshannon: 'distance >= threshold', psi: 'psi >= threshold',
};

export function isDrifted(test: DriftTest, score: number, threshold: number): boolean {
  switch (test) {
    case 'ks': return score <= threshold;
    case 'chisquare': case 'z': return score < threshold;
    default: return score >= threshold;
  }
}
