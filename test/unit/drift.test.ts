import * as assert from 'node:assert/strict';
import { driftBetween, driftOptionsFrom, DEFAULT_DRIFT_OPTIONS, type ColumnDrift, type DriftReport } from '../../src/core/data/drift';
import { profileFile } from '../../src/core/data/profile';
import type { FileProfile } from '../../src/core/data/profile/schema';
import { close, columnProfile, expectedPairs, profileCsv, profileFromTable, type ExpectedPair } from './driftFixtures';

/** Checks a report against one EXPECTED.json pair: every column and the dataset verdict. */
export function assertMatchesExpected(report: DriftReport, pair: ExpectedPair): void {
  assertNoNaN(report);
  assert.deepEqual(report.skipped, []);
  assert.deepEqual(report.onlyInReference, pair.columns_only_in_reference);
  assert.deepEqual(report.onlyInCurrent, pair.columns_only_in_current);
  assert.equal(report.reference.rows, pair.reference_rows);
  assert.equal(report.current.rows, pair.current_rows);
  assert.deepEqual(report.columns.map((c) => c.column).sort(), pair.columns.map((c) => c.column).sort());
  for (const e of pair.columns) {
    const c = report.columns.find((x) => x.column === e.column);
    assert.ok(c, e.column);
    const what = `${e.column}`;
    assert.equal(c.kind, e.column_type, `${what} kind`);
    assert.equal(c.test, e.test, `${what} test`);
    assert.equal(c.referenceN, e.reference_n, `${what} reference n`);
    assert.equal(c.currentN, e.current_n, `${what} current n`);
    assert.equal(c.distinctCombined, e.n_unique_combined, `${what} distinct`);
    assert.equal(c.threshold, e.threshold, `${what} threshold`);
    if (e.statistic === 'inf') {
      assert.equal(c.statistic, undefined, `${what}: an infinite statistic is left out of the report`);
      assert.ok(c.notes?.some((n) => n.includes('infinite')), `${what} says why`);
    } else if (e.statistic !== undefined && e.statistic !== null) close(c.statistic, e.statistic, `${what} statistic`);
    close(c.score, e.drift_score, `${what} score`);
    assert.equal(c.drifted, e.drift_detected, `${what} verdict`);
    close(c.psi.value, e.psi.value, `${what} PSI`);
    assert.deepEqual(c.psi.binning, e.psi.binning, `${what} PSI binning`);
    assert.equal(c.psi.drifted, e.psi.drift_detected, `${what} PSI verdict`);
    assert.equal(c.psi.threshold, e.psi.threshold);
  }
  assert.equal(report.dataset.columns, pair.dataset.number_of_columns);
  assert.equal(report.dataset.drifted, pair.dataset.number_of_drifted_columns);
  close(report.dataset.share, pair.dataset.share_of_drifted_columns, 'share');
  assert.equal(report.dataset.driftShare, pair.dataset.drift_share);
  assert.equal(report.dataset.drift, pair.dataset.dataset_drift);
}

/** No NaN and no ±Infinity anywhere in a report (they would turn into null in JSON). */
export function assertNoNaN(value: unknown, at = 'report'): void {
  if (typeof value === 'number') { assert.ok(Number.isFinite(value), `${at} is ${value}`); return; }
  if (Array.isArray(value)) { value.forEach((v, i) => assertNoNaN(v, `${at}[${i}]`)); return; }
  if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) assertNoNaN(v, `${at}.${k}`);
}

const withoutCounts = (fp: FileProfile): FileProfile => ({
  ...fp, columns: fp.columns.map((c) => (c.numeric ? { ...c, values: { complete: false, counts: [] } } : c)),
});

describe('driftBetween on profiles of the corpus pairs matches EXPECTED.json', () => {
  for (const { name, pair, refFile, curFile } of expectedPairs()) {
    it(`${name} (numeric columns from complete value counts)`, () => {
      assertMatchesExpected(driftBetween(profileCsv(refFile), profileCsv(curFile)), pair);
    });
    it(`${name} (numeric columns from the stored sample, every value while count ≤ 10,000)`, () => {
      const report = driftBetween(withoutCounts(profileCsv(refFile)), withoutCounts(profileCsv(curFile)));
      assertMatchesExpected(report, pair);
      assert.ok(report.columns.every((c) => !c.sampled));
    });
  }

  // The real profiler (profileFile) on the pairs the issue names: Titanic train vs test, num_small and cat_large.
  for (const { name, pair, refFile, curFile } of expectedPairs().filter((p) => /^(titanic|num_small|cat_large)/.test(p.name))) {
    it(`${name} from real profiles (profileFile)`, async () => {
      const [ref, cur] = await Promise.all([profileFile(refFile), profileFile(curFile)]);
      assertMatchesExpected(driftBetween(ref, cur), pair);
    });
  }

  it('the report says why each test was chosen and classes follow PSI bands, raised to minor by a drifted test', () => {
    const titanic = expectedPairs().find((p) => p.name.startsWith('titanic'))!;
    const report = driftBetween(profileCsv(titanic.refFile), profileCsv(titanic.curFile), undefined, { reference: 'train', current: 'test' });
    assert.equal(report.reference.label, 'train');
    assert.equal(report.current.file, 'test_with_Survived.csv');
    const col = (n: string): ColumnDrift => report.columns.find((c) => c.column === n)!;
    assert.match(col('Age').choice ?? '', /714 values \(≤ 1000\), numeric with 98 distinct values \(> 5\): ks/);
    assert.equal(col('Embarked').class, 'minor', 'chi-square drifted, PSI 0.029 < 0.1');
    assert.equal(col('PassengerId').class, 'major', 'PSI 13.6');
    assert.equal(col('Sex').class, 'none');
    assert.deepEqual(report.dataset, { columns: 12, drifted: 5, share: 5 / 12, driftShare: 0.5, drift: false, class: 'minor' });
    assert.equal(driftBetween(profileCsv(titanic.refFile), profileCsv(titanic.curFile), { driftShare: 0.4 }).dataset.class, 'major');
  });
});

// ------------------------------------------------------------------------------------------------------------------

const table = (header: string[], rows: (string | number)[][], relPath = 'f.csv'): FileProfile =>
  profileFromTable(relPath, header, rows.map((r) => r.map(String)));
const seq = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('driftBetween: choices from the profile', () => {
  it('"reference rows" is the column\'s non-missing count: 1,200 rows with 300 missing → KS, not Wasserstein', () => {
    const ref = table(['x'], seq(1200, (i) => (i < 300 ? '' : (i * 7) % 50)).map((v) => [v]));
    const cur = table(['x'], seq(500, (i) => (i * 11) % 50).map((v) => [v]));
    const c = driftBetween(ref, cur).columns[0];
    assert.equal(c.referenceN, 900);
    assert.equal(c.referenceMissing, 300);
    assert.equal(c.test, 'ks');
  });

  it('PSI uses Sturges bins from 21 distinct reference numbers on, value bins up to 20', () => {
    const psiBinning = (distinct: number): string => {
      const ref = table(['x'], seq(400, (i) => i % distinct).map((v) => [v]));
      const cur = table(['x'], seq(300, (i) => (i * 3) % distinct).map((v) => [v]));
      return driftBetween(ref, cur).columns[0].psi.binning.kind;
    };
    assert.equal(psiBinning(20), 'values');
    assert.equal(psiBinning(21), 'sturges');
  });

  it('a numeric column against a text column is compared as text (numbers spelled canonically), and says so', () => {
    const ref = table(['k'], seq(100, (i) => ['1.0', '2', '3'][i % 3]).map((v) => [v]));
    const cur = table(['k'], seq(90, (i) => ['1', '2', 'three'][i % 3]).map((v) => [v]));
    const c = driftBetween(ref, cur).columns[0];
    assert.equal(c.kind, 'cat');
    assert.equal(c.test, 'chisquare');
    assert.equal(c.distinctCombined, 4, '1.0 and 1 are one category; 3 and three are two');
    assert.ok(c.notes?.some((n) => n.includes('compared as text')));
  });

  it('a numeric side with more values than its sample is tested on the sample and marked sampled', () => {
    const ref = profileFromTable('r.csv', ['x'], seq(3000, (i) => [String((i * 37) % 997)]), { sampleSize: 1000, valueCap: 10 });
    const cur = profileFromTable('c.csv', ['x'], seq(3000, (i) => [String((i * 41) % 991)]), { sampleSize: 1000, valueCap: 10 });
    const c = driftBetween(ref, cur).columns[0];
    assert.equal(c.sampled, true);
    assert.equal(c.referenceN, 3000, 'the counts are the column\'s, not the sample\'s');
    assert.equal(c.test, 'wasserstein', 'the reference has 3,000 values');
    assert.ok(c.notes?.some((n) => n.includes('1000 of 3000 reference values')));
  });

  it('categories beyond a capped profile\'s counts go to one "other" bucket, and the report says so', () => {
    const ref = profileFromTable('r.csv', ['c'], seq(2000, (i) => [`v${i % 300}`]), { valueCap: 100 });
    const cur = profileFromTable('c.csv', ['c'], seq(2000, (i) => [`v${(i * 7) % 300}`]), { valueCap: 100 });
    const c = driftBetween(ref, cur).columns[0];
    const listed = new Set([...ref.columns[0].top, ...cur.columns[0].top].map((t) => t.value));
    assert.equal(c.distinctCombined, listed.size + 1, 'the top categories of both sides and the one bucket');
    assert.ok(c.notes?.some((n) => n.includes('"other" bucket')));
    assert.equal(c.chart.kind, 'categories');
    if (c.chart.kind === 'categories') {
      assert.ok(c.chart.labels.length <= 20);
      assert.ok(!c.chart.labels.some((l) => l.includes('\u0000')), 'the bucket is not shown as a category');
      assert.ok((c.chart.otherReference ?? 0) > 0.5);
    }
  });

  it('method, thresholds and PSI bands from the options', () => {
    const ref = table(['x'], seq(600, (i) => (i * 13) % 97).map((v) => [v]));
    const cur = table(['x'], seq(600, (i) => ((i * 13) % 97) + 3).map((v) => [v]));
    const auto = driftBetween(ref, cur).columns[0];
    assert.equal(auto.test, 'ks');
    const psiOnly = driftBetween(ref, cur, { method: 'psi' }).columns[0];
    assert.equal(psiOnly.test, 'psi');
    assert.equal(psiOnly.score, auto.psi.value);
    const strict = driftBetween(ref, cur, { thresholds: { ks: 1e-12 } }).columns[0];
    assert.equal(strict.threshold, 1e-12);
    assert.equal(strict.drifted, strict.score <= 1e-12);
    const bands = driftBetween(ref, cur, { psiMinor: auto.psi.value / 2, psiMajor: auto.psi.value }).columns[0];
    assert.equal(bands.class, 'major');
    const cat = table(['c'], seq(50, (i) => `k${i % 4}`).map((v) => [v]));
    const ks = driftBetween(cat, cat, { method: 'ks' }).columns[0];
    assert.equal(ks.test, 'chisquare');
    assert.match(ks.choice ?? '', /ks needs numbers/);
    const bad = driftBetween(ref, cur, { method: 'nope' as never, driftShare: Number.NaN, psiMinor: 0.5, psiMajor: 0.2 });
    assert.deepEqual(bad.options, DEFAULT_DRIFT_OPTIONS, 'bad options fall back to the defaults');
  });

  it('chart: numeric histogram on shared edges as shares of each side', () => {
    const ref = table(['x'], seq(600, (i) => (i * 13) % 97).map((v) => [v]));
    const cur = table(['x'], seq(400, (i) => ((i * 13) % 97) + 30).map((v) => [v]));
    const { chart } = driftBetween(ref, cur).columns[0];
    assert.equal(chart.kind, 'histogram');
    if (chart.kind === 'histogram') {
      assert.equal(chart.edges.length, chart.reference.length + 1);
      assert.equal(chart.edges[0], 0);
      assert.equal(chart.edges[chart.edges.length - 1], 126);
      close(chart.reference.reduce((s, x) => s + x, 0), 1, 'reference shares');
      close(chart.current.reduce((s, x) => s + x, 0), 1, 'current shares');
    }
  });
});

describe('driftBetween: bad input never throws and never yields NaN', () => {
  it('a profile with an error gives an empty report whose skipped says why', () => {
    const ok = table(['x'], [[1], [2]]);
    const broken: FileProfile = { path: 'b.csv', rows: 0, columns: [], error: 'binary file' };
    const r = driftBetween(ok, broken);
    assert.deepEqual(r.columns, []);
    assert.deepEqual(r.skipped, [{ column: '*', reason: 'the current file could not be profiled: binary file' }]);
    assert.deepEqual(r.dataset, { columns: 0, drifted: 0, share: 0, driftShare: 0.5, drift: false, class: 'none' });
    assertNoNaN(r);
  });

  it('empty sides: no columns at all, a header only, all-missing columns', () => {
    const none: FileProfile = { path: 'e.csv', rows: 0, columns: [] };
    const full = table(['a', 'b'], [[1, 'x'], [2, 'y']]);
    const r1 = driftBetween(none, full);
    assert.deepEqual(r1.onlyInCurrent, ['a', 'b']);
    assert.deepEqual(r1.dataset.share, 0);
    const headerOnly = table(['a', 'b'], []);
    const r2 = driftBetween(headerOnly, full);
    assert.deepEqual(r2.skipped.map((s) => s.column), ['a', 'b']);
    assert.match(r2.skipped[0].reason, /no values in the reference/);
    const missing = table(['a', 'b'], [['', 'x'], ['', 'y'], ['', '']]);
    const r3 = driftBetween(full, missing);
    assert.deepEqual(r3.skipped, [{ column: 'a', reason: 'no values in the current version (3 missing)' }]);
    assert.equal(r3.columns.length, 1);
    for (const r of [r1, r2, r3]) assertNoNaN(r);
  });

  it('a column named __proto__ (and categories named __proto__ / constructor) are plain strings', () => {
    const ref = table(['__proto__', 'constructor'], seq(40, (i) => [i % 7, ['__proto__', 'constructor', 'toString'][i % 3]]));
    const cur = table(['__proto__', 'constructor'], seq(30, (i) => [i % 9, ['__proto__', 'constructor', 'hasOwnProperty'][i % 3]]));
    const r = driftBetween(ref, cur);
    assert.deepEqual(r.columns.map((c) => c.column), ['__proto__', 'constructor']);
    const cat = r.columns[1];
    assert.equal(cat.test, 'chisquare');
    assert.equal(cat.distinctCombined, 4);
    assert.equal(cat.score, 0, 'hasOwnProperty is new in the current version');
    assert.equal(Object.getPrototypeOf(r), Object.prototype);
    assertNoNaN(r);
  });

  it('constant columns: KS p = 1, Wasserstein normed by 0.001, one category → z with p = 1; nothing drifts', () => {
    const small = driftBetween(table(['x', 'c'], seq(100, () => [5, 'a'])), table(['x', 'c'], seq(80, () => [5, 'a'])));
    assert.deepEqual(small.columns.map((c) => [c.test, c.score, c.drifted, c.class]), [['z', 1, false, 'none'], ['z', 1, false, 'none']]);
    const big = driftBetween(table(['x'], seq(2000, () => [5])), table(['x'], seq(2000, () => [5.0001])), { method: 'wasserstein' });
    const w = big.columns[0];
    assert.equal(w.test, 'wasserstein');
    close(w.score, 0.0001 / 0.001, 'normed by 0.001');
    assert.ok(w.notes?.some((n) => n.includes('< 0.001')));
    const ks = driftBetween(table(['x'], seq(100, () => [5])), table(['x'], seq(80, () => [5])), { method: 'ks' }).columns[0];
    assert.deepEqual([ks.test, ks.statistic, ks.score], ['ks', 0, 1]);
    const chi = driftBetween(table(['c'], seq(10, () => ['a'])), table(['c'], seq(10, () => ['a'])), { method: 'chisquare' }).columns[0];
    assert.deepEqual([chi.test, chi.score, chi.drifted], ['chisquare', 1, false]);
    for (const r of [small, big]) assertNoNaN(r);
  });

  it('datetime columns, duplicate names and columns on one side only are listed, not tested', () => {
    const ref = table(['d', 'x', 'x', 'only_ref'], [['2024-01-01', 1, 2, 'a']]);
    const cur = table(['d', 'x', 'only_cur'], [['2024-01-02', 1, 'b']]);
    ref.columns[0].type = 'datetime';
    const r = driftBetween(ref, cur);
    assert.deepEqual(r.onlyInReference, ['only_ref']);
    assert.deepEqual(r.onlyInCurrent, ['only_cur']);
    assert.deepEqual(r.skipped.map((s) => s.column), ['x', 'd']);
    assert.match(r.skipped[0].reason, /more than one column named "x"/);
    assert.match(r.skipped[1].reason, /datetime/);
    assert.deepEqual(r.columns.map((c) => c.column), ['x']);
  });

  it('a column the profiler could not read is skipped with its error', () => {
    const ref = table(['x', 'y'], seq(10, (i) => [i, i]));
    const cur = table(['x', 'y'], seq(10, (i) => [i, i]));
    cur.columns[1].error = 'unsupported Parquet type INT96';
    const r = driftBetween(ref, cur);
    assert.deepEqual(r.skipped, [{ column: 'y', reason: 'could not be read in the current version: unsupported Parquet type INT96' }]);
    assert.deepEqual(r.columns.map((c) => c.column), ['x']);
  });

  it('a numeric column with neither counts nor sample is skipped with the reason', () => {
    const ref = table(['x'], seq(10, (i) => [i]));
    const cur = table(['x'], seq(10, (i) => [i]));
    ref.columns[0] = { ...columnProfile('x', 0, seq(10, String)), values: { complete: false, counts: [] } };
    delete ref.columns[0].numeric;
    const r = driftBetween(ref, cur);
    assert.deepEqual(r.skipped, [{ column: 'x', reason: 'in the reference, the profile stores no numeric sample or value counts for it' }]);
  });

  it('the report survives JSON unchanged (no NaN, no Infinity turned into null)', () => {
    const { refFile, curFile } = expectedPairs().find((p) => p.name.startsWith('titanic'))!;
    const r = driftBetween(profileCsv(refFile), profileCsv(curFile));
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  });
});

describe('driftOptionsFrom', () => {
  it('defaults for nothing, the values given otherwise', () => {
    assert.deepEqual(driftOptionsFrom(undefined), { options: DEFAULT_DRIFT_OPTIONS, problems: [] });
    assert.deepEqual(driftOptionsFrom({ method: 'psi', share: 0.3, psi: { minor: 0.05, major: 0.5 }, thresholds: { ks: 0.01, wasserstein: 0.2 } }), {
      options: { method: 'psi', driftShare: 0.3, psiMinor: 0.05, psiMajor: 0.5, thresholds: { ks: 0.01, wasserstein: 0.2 } },
      problems: [],
    });
  });

  it('unknown keys and bad values: one readable problem each, the default kept', () => {
    const { options, problems } = driftOptionsFrom({
      method: 'kolmogorov', share: 1.5, psi: { minor: 'low', major: 0.3, extra: 1 }, thresholds: { ks: 2, jensen: 0.1, psi: 0.2 }, colour: 'red',
    });
    assert.deepEqual(options, { ...DEFAULT_DRIFT_OPTIONS, psiMajor: 0.3, thresholds: { psi: 0.2 } });
    assert.deepEqual(problems, [
      'drift.method: "kolmogorov" is not one of auto, ks, chisquare, z, wasserstein, jensenshannon, psi; using auto',
      'drift.share: 1.5 is not a share in (0, 1]; using 0.5',
      'drift.psi.minor: "low" is not a positive number; using the default',
      'drift.psi: unknown key "extra" (known: minor, major); ignored',
      'drift.thresholds.ks: 2 is not a p-value in (0, 1); using 0.05',
      'drift.thresholds: unknown test "jensen" (known: ks, chisquare, z, wasserstein, jensenshannon, psi); ignored',
      'drift: unknown key "colour" (known: method, share, psi, thresholds); ignored',
    ]);
  });

  it('minor must be below major; a non-object is one problem', () => {
    const r = driftOptionsFrom({ psi: { minor: 0.3, major: 0.2 } });
    assert.deepEqual([r.options.psiMinor, r.options.psiMajor], [0.1, 0.25]);
    assert.match(r.problems[0], /minor \(0.3\) must be below major \(0.2\)/);
    assert.deepEqual(driftOptionsFrom('auto').problems, ['drift: expected an object like {"method": "auto", "share": 0.5}, got "auto"; using the defaults']);
    assert.equal(driftOptionsFrom([1]).problems.length, 1);
    const proto = driftOptionsFrom(JSON.parse('{"__proto__": {"method": "ks"}}'));
    assert.equal(proto.options.method, 'auto');
    assert.deepEqual(proto.problems, ['drift: unknown key "__proto__" (known: method, share, psi, thresholds); ignored']);
  });
});
