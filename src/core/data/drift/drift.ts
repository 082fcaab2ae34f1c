/**
 * Drift between two stored file profiles, column by column, with Evidently's default tests (see stats.ts) and PSI,
 * and a class per column and for the dataset that retraining uses to decide how much may run unattended.
 *
 * Works only from what a profile stores: numeric columns from their complete value counts when the profile has
 * them (exact at any size), else from the seeded reservoir sample (every value while count ≤ 10,000); categorical
 * columns from their value counts, or the top categories plus one "other" bucket when the counts were capped.
 * Never throws on data: whatever cannot be tested is listed in `skipped` with the reason.
 */
import { isNumericType, type ColumnProfile, type FileProfile } from '../profile/schema';
import {
  DEFAULT_DRIFT_OPTIONS, DRIFT_TESTS,
  type ColumnDrift, type DriftClass, type DriftOptions, type DriftReport, type DriftTest, type PsiResult,
} from './types';
import {
  BINNED_MIN_DISTINCT, DEFAULT_THRESHOLDS, DRIFT_RULES, alignCounts, alignNumeric, chiSquareTest, compareCodePoints,
  defaultDriftTest, distinctCombined, isDrifted, jensenShannonDistance, ksTwoSample, numericDistribution,
  numericDistributionFromCounts, psi, sturgesBinned, valuesBinned, wassersteinNormed, zTest,
  type AlignedCounts, type Binned, type NumericDistribution,
} from './stats';

/** Category bars in the chart: the most frequent categories of both sides together, the rest as "other". */
export const CHART_CATEGORIES = 20;
/** The key of the bucket that stands for every category beyond a capped profile's top list (never a real value). */
const OTHER_KEY = '\u0000other';

// ---------------------------------------------------------------------------------------------------------------
// Options

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const show = (x: unknown): string => { try { return JSON.stringify(x) ?? String(x); } catch { return String(x); } };

/**
 * Reads a `drift` object (from goals.json or the policy): `{ method?, share?, psi?: { minor?, major? }, thresholds? }`.
 * Leniently: every unknown key or bad value becomes one readable problem and the default stays.
 */
export function driftOptionsFrom(raw: unknown): { options: DriftOptions; problems: string[] } {
  const options: DriftOptions = { ...DEFAULT_DRIFT_OPTIONS };
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { options, problems };
  if (!isRecord(raw)) return { options, problems: [`drift: expected an object like {"method": "auto", "share": 0.5}, got ${show(raw)}; using the defaults`] };
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    switch (key) {
      case 'method':
        if (value === 'auto' || (typeof value === 'string' && (DRIFT_TESTS as readonly string[]).includes(value))) options.method = value as DriftOptions['method'];
        else problems.push(`drift.method: ${show(value)} is not one of auto, ${DRIFT_TESTS.join(', ')}; using auto`);
        break;
      case 'share':
        if (typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= 1) options.driftShare = value;
        else problems.push(`drift.share: ${show(value)} is not a share in (0, 1]; using ${DEFAULT_DRIFT_OPTIONS.driftShare}`);
        break;
      case 'psi': {
        if (!isRecord(value)) { problems.push(`drift.psi: expected {"minor": 0.1, "major": 0.25}, got ${show(value)}; using the defaults`); break; }
        let minor = options.psiMinor, major = options.psiMajor;
        for (const k of Object.keys(value)) {
          const v = value[k];
          if (k !== 'minor' && k !== 'major') { problems.push(`drift.psi: unknown key ${show(k)} (known: minor, major); ignored`); continue; }
          if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) { problems.push(`drift.psi.${k}: ${show(v)} is not a positive number; using the default`); continue; }
          if (k === 'minor') minor = v; else major = v;
        }
        if (minor >= major) problems.push(`drift.psi: minor (${minor}) must be below major (${major}); using ${DEFAULT_DRIFT_OPTIONS.psiMinor} and ${DEFAULT_DRIFT_OPTIONS.psiMajor}`);
        else { options.psiMinor = minor; options.psiMajor = major; }
        break;
      }
      case 'thresholds': {
        if (!isRecord(value)) { problems.push(`drift.thresholds: expected an object like {"ks": 0.05, "wasserstein": 0.1}, got ${show(value)}; ignored`); break; }
        const thresholds: Partial<Record<DriftTest, number>> = {};
        for (const k of Object.keys(value)) {
          const v = value[k];
          if (!(DRIFT_TESTS as readonly string[]).includes(k)) { problems.push(`drift.thresholds: unknown test ${show(k)} (known: ${DRIFT_TESTS.join(', ')}); ignored`); continue; }
          const pValue = k === 'ks' || k === 'chisquare' || k === 'z';
          if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (pValue && v >= 1)) {
            problems.push(`drift.thresholds.${k}: ${show(v)} is not ${pValue ? 'a p-value in (0, 1)' : 'a positive distance'}; using ${DEFAULT_THRESHOLDS[k as DriftTest]}`);
            continue;
          }
          thresholds[k as DriftTest] = v;
        }
        if (Object.keys(thresholds).length > 0) options.thresholds = thresholds;
        break;
      }
      default:
        problems.push(`drift: unknown key ${show(key)} (known: method, share, psi, thresholds); ignored`);
    }
  }
  return { options, problems };
}

function normalizeOptions(opts: Partial<DriftOptions> | undefined): DriftOptions {
  const o: DriftOptions = { ...DEFAULT_DRIFT_OPTIONS };
  if (!opts) return o;
  if (opts.method === 'auto' || (typeof opts.method === 'string' && (DRIFT_TESTS as readonly string[]).includes(opts.method))) o.method = opts.method;
  const okNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;
  if (okNum(opts.driftShare) && opts.driftShare <= 1) o.driftShare = opts.driftShare;
  if (okNum(opts.psiMinor) && okNum(opts.psiMajor) && opts.psiMinor < opts.psiMajor) { o.psiMinor = opts.psiMinor; o.psiMajor = opts.psiMajor; }
  if (opts.thresholds) {
    const t: Partial<Record<DriftTest, number>> = {};
    for (const test of DRIFT_TESTS) { const v = opts.thresholds[test]; if (okNum(v)) t[test] = v; }
    if (Object.keys(t).length > 0) o.thresholds = t;
  }
  return o;
}

// ---------------------------------------------------------------------------------------------------------------
// One side of a column, as the tests need it

interface NumSide { dist: NumericDistribution; sampled: boolean; exactCounts: boolean }
interface CatSide { counts: Map<string, number>; capped: boolean }

/** A number spelled as text the way the profile spells value counts: the shortest round-trip form (3.0 → "3"). */
const canonicalNumber = (v: number): string => String(v === 0 ? 0 : v);

/**
 * Sides already built, per profile column: a profile is never changed once read, and a reference compared with many
 * windows (monitoring) would otherwise sort its sample again for every one.
 */
const numericSides = new WeakMap<ColumnProfile, NumSide | string>();

function numericSide(c: ColumnProfile): NumSide | string {
  let side = numericSides.get(c);
  if (side === undefined) { side = buildNumericSide(c); numericSides.set(c, side); }
  return side;
}

function buildNumericSide(c: ColumnProfile): NumSide | string {
  if (c.values.complete && c.values.counts.length > 0) {
    const pairs: [number, number][] = [];
    let sum = 0, ok = true;
    for (const vc of c.values.counts) {
      const v = Number(vc.value);
      if (vc.value.trim() === '' || !Number.isFinite(v)) { ok = false; break; }
      pairs.push([v, vc.count]);
      sum += vc.count;
    }
    if (ok && sum === c.count) return { dist: numericDistributionFromCounts(pairs), sampled: false, exactCounts: true };
  }
  const sample = c.numeric?.sample;
  if (!sample || sample.length === 0) return 'the profile stores no numeric sample or value counts for it';
  const dist = numericDistribution(sample);
  if (dist.n === 0) return 'its stored sample has no finite values';
  return { dist, sampled: c.count > dist.n, exactCounts: false };
}

function categorySide(c: ColumnProfile): CatSide {
  const counts = new Map<string, number>();
  const add = (k: string, n: number): void => { if (n > 0) counts.set(k, (counts.get(k) ?? 0) + n); };
  if (c.values.complete && c.values.counts.length > 0) {
    for (const vc of c.values.counts) add(vc.value, vc.count);
    return { counts, capped: false };
  }
  if (c.top.length === 0 && c.numeric?.sample && c.numeric.sample.length === c.count) {
    for (const v of c.numeric.sample) add(canonicalNumber(v), 1);
    return { counts, capped: false };
  }
  let listed = 0;
  for (const vc of c.top) { add(vc.value, vc.count); listed += vc.count; }
  add(OTHER_KEY, c.count - listed);
  return { counts, capped: true };
}

// ---------------------------------------------------------------------------------------------------------------
// Classes

function psiClass(value: number, o: DriftOptions): DriftClass {
  if (value < o.psiMinor) return 'none';
  return value < o.psiMajor ? 'minor' : 'major';
}

const thresholdOf = (test: DriftTest, o: DriftOptions): number => o.thresholds?.[test] ?? DEFAULT_THRESHOLDS[test];

// ---------------------------------------------------------------------------------------------------------------
// One column

interface Prepared {
  kind: 'num' | 'cat';
  ref: NumSide | CatSide;
  cur: NumSide | CatSide;
  /** Both sides' counts over the union of values (computed on first use: a 10,000-value sample needs it rarely). */
  aligned: () => AlignedCounts;
  distinct: number;
  notes: string[];
}

function once<T>(f: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= f());
}

function prepare(rc: ColumnProfile, cc: ColumnProfile): Prepared | string {
  const notes: string[] = [];
  if (isNumericType(rc.type) && isNumericType(cc.type)) {
    const r = numericSide(rc), c = numericSide(cc);
    if (typeof r === 'string') return `in the reference, ${r}`;
    if (typeof c === 'string') return `in the current version, ${c}`;
    if (r.sampled || c.sampled) {
      notes.push(`tested on the stored samples (${r.dist.n} of ${rc.count} reference values, ${c.dist.n} of ${cc.count} current values)`);
    }
    return { kind: 'num', ref: r, cur: c, aligned: once(() => alignNumeric(r.dist, c.dist)), distinct: distinctCombined(r.dist, c.dist), notes };
  }
  const r = categorySide(rc), c = categorySide(cc);
  if (r.capped || c.capped) {
    notes.push(`more distinct values than the profile counts one by one: tested on the top ${rc.top.length}/${cc.top.length} categories plus one "other" bucket`);
  }
  if (rc.type !== cc.type) notes.push(`types differ (${rc.type} vs ${cc.type}): compared as text`);
  const aligned = alignCounts(r.counts, c.counts, compareCodePoints);
  return { kind: 'cat', ref: r, cur: c, aligned: () => aligned, distinct: new Set([...r.counts.keys(), ...c.counts.keys()]).size, notes };
}

function binnedFor(p: Prepared): Binned {
  if (p.kind === 'num') {
    const r = p.ref as NumSide, c = p.cur as NumSide;
    if (r.dist.values.length > BINNED_MIN_DISTINCT) return sturgesBinned(r.dist, c.dist);
  }
  return valuesBinned(p.aligned());
}

function chooseTest(p: Prepared, referenceN: number, o: DriftOptions): { test: DriftTest; choice: string } {
  const auto = defaultDriftTest(p.kind, referenceN, p.distinct);
  const size = referenceN <= 1000 ? `reference has ${referenceN} values (≤ 1000)` : `reference has ${referenceN} values (> 1000)`;
  const what = p.kind === 'num'
    ? `numeric with ${p.distinct} distinct values (${p.distinct > 5 ? '> 5' : '≤ 5'})`
    : `categorical with ${p.distinct} categories${referenceN <= 1000 ? ` (${p.distinct > 2 ? '> 2' : '≤ 2'})` : ''}`;
  if (o.method === 'auto') return { test: auto, choice: `${size}, ${what}: ${auto}` };
  if (p.kind === 'cat' && (o.method === 'ks' || o.method === 'wasserstein')) {
    return { test: auto, choice: `${o.method} needs numbers and this column is categorical; Evidently's default instead (${size}, ${what}): ${auto}` };
  }
  return { test: o.method, choice: `${o.method}, as asked` };
}

function chartFor(p: Prepared, binned: Binned): ColumnDrift['chart'] {
  if (p.kind === 'num') {
    const b = binned.kind === 'sturges' ? binned : sturgesBinned((p.ref as NumSide).dist, (p.cur as NumSide).dist);
    return { kind: 'histogram', edges: b.edges ?? [], reference: b.reference, current: b.current };
  }
  const { keys, reference, current } = p.aligned();
  const nRef = reference.reduce((s, x) => s + x, 0), nCur = current.reduce((s, x) => s + x, 0);
  const order = keys.map((_, i) => i).filter((i) => keys[i] !== OTHER_KEY)
    .sort((a, b) => (reference[b] / nRef + current[b] / nCur) - (reference[a] / nRef + current[a] / nCur) || compareCodePoints(keys[a], keys[b]));
  const shown = order.slice(0, CHART_CATEGORIES);
  const shownRef = shown.reduce((s, i) => s + reference[i], 0), shownCur = shown.reduce((s, i) => s + current[i], 0);
  const chart: ColumnDrift['chart'] = {
    kind: 'categories',
    labels: shown.map((i) => keys[i]),
    reference: shown.map((i) => reference[i] / nRef),
    current: shown.map((i) => current[i] / nCur),
  };
  if (shownRef < nRef || shownCur < nCur) { chart.otherReference = (nRef - shownRef) / nRef; chart.otherCurrent = (nCur - shownCur) / nCur; }
  return chart;
}

function driftColumn(name: string, rc: ColumnProfile, cc: ColumnProfile, o: DriftOptions): ColumnDrift | string {
  const p = prepare(rc, cc);
  if (typeof p === 'string') return p;
  const { test, choice } = chooseTest(p, rc.count, o);
  const binned = binnedFor(p);
  const notes = [...p.notes];
  let statistic: number | undefined;
  let score: number;
  switch (test) {
    case 'ks': {
      const r = ksTwoSample((p.ref as NumSide).dist, (p.cur as NumSide).dist);
      statistic = r.statistic; score = r.pValue;
      if (r.method === 'asymp') notes.push('KS p-value from the asymptotic distribution (more than 10,000 values on a side), as SciPy does');
      break;
    }
    case 'wasserstein': {
      const r = wassersteinNormed((p.ref as NumSide).dist, (p.cur as NumSide).dist);
      statistic = r.raw; score = r.distance;
      if (r.stdReference < 0.001) notes.push(`reference standard deviation ${r.stdReference} < 0.001: the distance is divided by 0.001, as in Evidently`);
      break;
    }
    case 'chisquare': {
      const r = chiSquareTest(p.aligned());
      if (r.statistic === Infinity) notes.push('chi-square statistic is infinite: the current version has a category the reference never had (p = 0)');
      else statistic = r.statistic;
      if (r.categories < 2) notes.push('a single category on both sides: nothing to compare (p = 1)');
      score = r.pValue;
      break;
    }
    case 'z': {
      const r = zTest(p.aligned());
      statistic = r.statistic; score = r.pValue;
      if (r.statistic === undefined) notes.push('the same single value on both sides (p = 1)');
      else notes.push(`z-test of the share of values other than ${JSON.stringify(r.zeroKey === OTHER_KEY ? 'other' : r.zeroKey)}`);
      break;
    }
    case 'jensenshannon':
      score = jensenShannonDistance(binned.reference, binned.current);
      break;
    case 'psi':
      score = psi(binned.reference, binned.current);
      break;
  }
  const psiValue = psi(binned.reference, binned.current);
  if (!Number.isFinite(score) || !Number.isFinite(psiValue) || (statistic !== undefined && !Number.isFinite(statistic))) {
    return `the ${test} test gave no finite result (score ${score}, PSI ${psiValue})`;
  }
  const threshold = thresholdOf(test, o);
  const drifted = isDrifted(test, score, threshold);
  const psiThreshold = thresholdOf('psi', o);
  const psiResult: PsiResult = {
    value: psiValue, threshold: psiThreshold, drifted: psiValue >= psiThreshold,
    binning: { kind: binned.kind, bins: binned.reference.length },
  };
  let cls = psiClass(psiValue, o);
  if (drifted && cls === 'none') cls = 'minor';
  const column: ColumnDrift = {
    column: name, kind: p.kind, referenceType: rc.type, currentType: cc.type, test,
    score, threshold, rule: DRIFT_RULES[test], drifted, psi: psiResult, class: cls,
    referenceN: rc.count, currentN: cc.count, referenceMissing: rc.missing, currentMissing: cc.missing,
    distinctCombined: p.distinct,
    sampled: p.kind === 'num' && ((p.ref as NumSide).sampled || (p.cur as NumSide).sampled),
    choice,
    chart: chartFor(p, binned),
  };
  if (statistic !== undefined) column.statistic = statistic;
  if (notes.length > 0) column.notes = notes;
  return column;
}

// ---------------------------------------------------------------------------------------------------------------
// The report

function columnsByName(fp: FileProfile, side: string, skipped: DriftReport['skipped']): Map<string, ColumnProfile> {
  const byName = new Map<string, ColumnProfile>();
  for (const c of fp.columns) {
    if (byName.has(c.name)) skipped.push({ column: c.name, reason: `the ${side} has more than one column named ${JSON.stringify(c.name)}; only the first is tested` });
    else byName.set(c.name, c);
  }
  return byName;
}

/**
 * Drift of `cur` against `ref`, column by column (paired by exact name), from the stored profiles only.
 * Options are read leniently (bad values fall back to the defaults); use {@link driftOptionsFrom} to report them.
 */
export function driftBetween(ref: FileProfile, cur: FileProfile, opts?: Partial<DriftOptions>, labels?: { reference?: string; current?: string }): DriftReport {
  const options = normalizeOptions(opts);
  const report: DriftReport = {
    reference: { label: labels?.reference ?? 'reference', rows: ref.rows, file: ref.path },
    current: { label: labels?.current ?? 'current', rows: cur.rows, file: cur.path },
    options, columns: [], onlyInReference: [], onlyInCurrent: [], skipped: [],
    dataset: { columns: 0, drifted: 0, share: 0, driftShare: options.driftShare, drift: false, class: 'none' },
  };
  if (ref.error || cur.error) {
    if (ref.error) report.skipped.push({ column: '*', reason: `the reference file could not be profiled: ${ref.error}` });
    if (cur.error) report.skipped.push({ column: '*', reason: `the current file could not be profiled: ${cur.error}` });
    return report;
  }
  const refCols = columnsByName(ref, 'reference', report.skipped);
  const curCols = columnsByName(cur, 'current version', report.skipped);
  for (const name of refCols.keys()) if (!curCols.has(name)) report.onlyInReference.push(name);
  for (const name of curCols.keys()) if (!refCols.has(name)) report.onlyInCurrent.push(name);
  for (const [name, rc] of refCols) {
    const cc = curCols.get(name);
    if (!cc) continue;
    if (rc.error || cc.error) { report.skipped.push({ column: name, reason: `could not be read in the ${rc.error ? 'reference' : 'current version'}: ${rc.error ?? cc.error}` }); continue; }
    if (rc.type === 'datetime' || cc.type === 'datetime') { report.skipped.push({ column: name, reason: 'datetime column: drift tests compare numbers and categories' }); continue; }
    if (rc.count === 0) { report.skipped.push({ column: name, reason: `no values in the reference (${rc.missing} missing)` }); continue; }
    if (cc.count === 0) { report.skipped.push({ column: name, reason: `no values in the current version (${cc.missing} missing)` }); continue; }
    let result: ColumnDrift | string;
    try {
      result = driftColumn(name, rc, cc, options);
    } catch (e) {
      result = `could not be tested: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (typeof result === 'string') report.skipped.push({ column: name, reason: result });
    else report.columns.push(result);
  }
  const tested = report.columns.length;
  const drifted = report.columns.filter((c) => c.drifted).length;
  const share = tested > 0 ? drifted / tested : 0;
  const drift = tested > 0 && share >= options.driftShare;
  const anyMajor = report.columns.some((c) => c.class === 'major');
  report.dataset = {
    columns: tested, drifted, share, driftShare: options.driftShare, drift,
    class: drift ? 'major' : drifted > 0 || anyMajor ? 'minor' : 'none',
  };
  return report;
}
