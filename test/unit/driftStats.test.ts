import * as assert from 'node:assert/strict';
import {
  BINNED_MIN_DISTINCT, alignCounts, alignNumeric, chi2Sf, chiSquareTest, compareCodePoints, defaultDriftTest,
  distinctCombined, erfc, fillZeroes, histogramCounts, isDrifted, jensenShannonDistance, kolmogorovSf, ksPValue,
  ksTwoSample, normalCdf, numericDistribution, numericDistributionFromCounts, populationStd, psi, smirnovSf,
  sturgesBinned, sturgesEdges, valuesBinned, wassersteinDistance, wassersteinNormed, zTest,
  type AlignedCounts, type Binned, type NumericDistribution,
} from '../../src/core/data/drift/stats';
import { close, expectedPairs, readCsv } from './driftFixtures';

/** A column of a parsed CSV, '' dropped (Evidently's dropna); numbers for "num", text for "cat". */
function column(file: string, name: string): string[] {
  const { header, rows } = readCsv(file);
  const i = header.indexOf(name);
  assert.ok(i >= 0, `${name} in ${file}`);
  return rows.map((r) => r[i] ?? '').filter((v) => v !== '');
}

const counts = (xs: readonly string[]): Map<string, number> => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
};

describe('drift statistics against EXPECTED.json (SciPy 1.10 / Evidently legacy defaults), straight from the CSVs', () => {
  for (const { name, pair, refFile, curFile } of expectedPairs()) {
    for (const e of pair.columns) {
      it(`${name} · ${e.column}: ${e.test}, score, verdict, PSI and its binning`, () => {
        const refCells = column(refFile, e.column), curCells = column(curFile, e.column);
        assert.equal(refCells.length, e.reference_n);
        assert.equal(curCells.length, e.current_n);
        let aligned: AlignedCounts;
        let binned: Binned;
        let distinct: number;
        let ref: NumericDistribution | undefined, cur: NumericDistribution | undefined;
        if (e.column_type === 'num') {
          ref = numericDistribution(refCells.map(Number));
          cur = numericDistribution(curCells.map(Number));
          aligned = alignNumeric(ref, cur);
          distinct = distinctCombined(ref, cur);
          binned = ref.values.length > BINNED_MIN_DISTINCT ? sturgesBinned(ref, cur) : valuesBinned(aligned);
        } else {
          aligned = alignCounts(counts(refCells), counts(curCells));
          distinct = aligned.keys.length;
          binned = valuesBinned(aligned);
        }
        assert.equal(distinct, e.n_unique_combined);
        const test = defaultDriftTest(e.column_type, e.reference_n, distinct);
        assert.equal(test, e.test);
        let score: number;
        let statistic: number | undefined;
        if (test === 'ks') { const r = ksTwoSample(ref!, cur!); score = r.pValue; statistic = r.statistic; assert.equal(r.method, 'exact'); }
        else if (test === 'wasserstein') {
          const r = wassersteinNormed(ref!, cur!); score = r.distance; statistic = r.raw;
          close(r.stdReference, e.std_reference!, 'std of the reference');
        } else if (test === 'chisquare') {
          const r = chiSquareTest(aligned); score = r.pValue; statistic = r.statistic;
          assert.equal(r.categories, e.categories);
        } else if (test === 'z') {
          const r = zTest(aligned); score = r.pValue; statistic = r.statistic;
          assert.equal(r.zeroKey, e.zero_key);
        } else score = jensenShannonDistance(binned.reference, binned.current);
        if (e.statistic === 'inf') assert.equal(statistic, Infinity);
        else if (e.statistic !== undefined && e.statistic !== null) close(statistic, e.statistic, 'statistic');
        close(score, e.drift_score, 'score');
        assert.equal(isDrifted(test, score, e.threshold), e.drift_detected);
        assert.equal(binned.kind, e.psi.binning.kind);
        assert.equal(binned.reference.length, e.psi.binning.bins);
        const p = psi(binned.reference, binned.current);
        close(p, e.psi.value, 'PSI');
        assert.equal(isDrifted('psi', p, e.psi.threshold), e.psi.drift_detected);
      });
    }
  }
});

// Reference values computed with SciPy 1.17.1 / NumPy 2.4.6 (the code paths used here — kstwo, the asymptotic branch
// of ks_2samp, chi2.sf, ndtr, wasserstein_distance, jensenshannon, histogram_bin_edges('sturges') on floats — are
// unchanged since SciPy 1.10 / NumPy 1.24).
describe('drift statistics against SciPy reference values', () => {
  it('kstwo.sf over each of its methods (Ruben–Gambino, Durbin, Pelz–Good, 2·Smirnov, the n > 10⁶ shortcut)', () => {
    const table: [number, number, number][] = [
      [0.3, 5, 0.664], [0.6, 5, 0.03008000000000001], [0.9, 5, 1.9999999999999978e-05], [0.05, 100, 0.9532159710635725],
      [0.15, 100, 0.019839242125641813], [0.3, 100, 1.7719869892662917e-08], [0.45, 100, 5.324995419657099e-19],
      [0.7, 100, 1.2211404981217991e-49], [0.02, 1000, 0.8108971656895577], [0.04, 1000, 0.07933956059000224],
      [0.06, 1000, 0.001428597887952891], [0.1, 1000, 3.703687096817711e-09], [0.3, 1000, 2.590715705736845e-80],
      [0.6, 1000, 0], [0.001, 1000, 1], [0.01, 5000, 0.6954557253913853], [0.03, 5000, 0.00024159234422666817],
      [0.005, 200000, 9.049367287273853e-05], [0.004, 200000, 0.003314212822560255], [0.0008, 1000000, 0.5438713666611479],
      [0.002, 1000000, 0.0006700277103670718], [0.0009, 5000, 1],
    ];
    for (const [x, n, p] of table) close(kolmogorovSf(x, n), p, `kstwo.sf(${x}, ${n})`);
  });

  it('smirnov (one-sided)', () => {
    const table: [number, number, number][] = [[5, 0.3, 0.34282], [100, 0.1, 0.1265906584562817], [1000, 0.05, 0.006506037390545166],
      [1000, 0.002, 0.9907038100406848], [20000, 0.01, 0.01819312895757209], [20000, 0.0004, 0.9933555784175647]];
    for (const [n, x, p] of table) close(smirnovSf(n, x), p, `smirnov(${n}, ${x})`);
  });

  it('ks_2samp p-values: asymptotic beyond 10,000 values on a side, exact below (statistic, n1, n2 → p)', () => {
    const table: [number, number, number, number, 'exact' | 'asymp'][] = [
      [0.03208333333333335, 12000, 300, 0.9140010625586943, 'asymp'], [0.15366666666666673, 12000, 300, 1.6571639124618019e-06, 'asymp'],
      [0.0207666666666666, 20000, 15000, 0.0012140667759735692, 'asymp'], [0.2553636363636364, 11000, 50, 0.0023132197368463947, 'asymp'],
      [0.05625, 800, 600, 0.2208267745897243, 'exact'], [0.053, 1000, 1000, 0.12051526066065596, 'exact'],
      [0.17370270270270272, 37, 4000, 0.19423100774048077, 'exact'],
    ];
    for (const [d, n1, n2, p, method] of table) {
      const r = ksPValue(d, n1, n2);
      close(r.pValue, p, `ks p(${d}, ${n1}, ${n2})`);
      assert.equal(r.method, method);
    }
  });

  it('chi2.sf, ndtr, erfc', () => {
    const chi: [number, number, number][] = [[0.5, 1, 0.47950012218695337], [3.84, 1, 0.05004352124870519], [30, 2, 3.0590232050182594e-07],
      [200, 3, 4.218541107192018e-43], [1000, 900, 0.010994608942135844], [850, 900, 0.8820472207240427], [0.001, 10, 1],
      [60, 40, 0.02187346844139091], [1500, 1305, 0.00012872391895700814]];
    for (const [x, k, p] of chi) close(chi2Sf(x, k), p, `chi2.sf(${x}, ${k})`, 1e-9);
    const nd: [number, number][] = [[-8, 6.22096057427174e-16], [-3, 0.0013498980316300933], [-0.5, 0.3085375387259869], [0, 0.5],
      [0.3, 0.6179114221889526], [0.70710678, 0.760249938537867], [1, 0.8413447460685429], [2.5, 0.9937903346742238], [7.5, 0.9999999999999681], [9, 1]];
    for (const [x, p] of nd) close(normalCdf(x), p, `ndtr(${x})`, 1e-12);
    // The z-test's p = 2·(1 − Φ(|z|)) keeps Φ's rounding next to 1, as SciPy does: the double nearest Φ(7.5), so
    // 1 − Φ(7.5) is 3.19744e-14 where erfc(7.5/√2)/2 would be 3.19089e-14 (num_small's b_flag depends on this).
    assert.equal(normalCdf(7.5), 0.9999999999999681);
    assert.notEqual(1 - normalCdf(7.5), erfc(7.5 / Math.SQRT2) / 2);
    const ec: [number, number][] = [[0.01, 0.9887165844441503], [0.5, 0.4795001221869535], [1, 0.15729920705028516], [3, 2.2090496998585445e-05],
      [6, 2.1519736712498913e-17], [10, 2.0884875837625446e-45], [20, 5.395865611607901e-176]];
    for (const [x, p] of ec) close(erfc(x), p, `erfc(${x})`, 1e-12);
  });

  it('wasserstein_distance and np.std on deterministic samples', () => {
    const a = Array.from({ length: 700 }, (_, i) => Math.round((((i * 37) % 101) / 7 + (i % 13) * 0.25) * 1000) / 1000);
    const b = Array.from({ length: 900 }, (_, i) => Math.round((((i * 53) % 97) / 6 + (i % 11) * 0.3) * 1000) / 1000);
    close(wassersteinDistance(numericDistribution(a), numericDistribution(b)), 0.8357938095238094, 'wasserstein', 1e-12);
    close(populationStd(numericDistribution(a)), 4.276671046429616, 'std', 1e-12);
  });

  it('jensenshannon (natural log) with zero entries', () => {
    close(jensenShannonDistance([0.1, 0, 0.5, 0.4], [0.3, 0.2, 0, 0.5]), 0.5211021417796977, 'js', 1e-12);
    assert.equal(jensenShannonDistance([1, 2], [1, 2]), 0);
  });

  it('histogram_bin_edges(bins="sturges") and np.histogram: linspace edges, last bin closed, constant data widened by ±0.5', () => {
    const f = Array.from({ length: 2345 }, (_, i) => Math.round((Math.sin(i * 0.7) * 3.3 + (i % 17) * 0.01) * 10000) / 10000);
    const fd = numericDistribution(f);
    const edges = sturgesEdges(fd.n, fd.values[0], fd.values[fd.values.length - 1]);
    assert.deepEqual(edges, [-3.2968, -2.777069230769231, -2.2573384615384615, -1.7376076923076922, -1.2178769230769229, -0.6981461538461535,
      -0.1784153846153842, 0.34131538461538513, 0.8610461538461545, 1.3807769230769233, 1.9005076923076931, 2.420238461538463, 2.939969230769232, 3.4597]);
    assert.deepEqual(histogramCounts(fd, edges), [394, 190, 151, 138, 122, 117, 116, 123, 129, 127, 152, 201, 385]);
    const ints = numericDistribution(Array.from({ length: 5 }, () => [1, 2, 2, 3, 7, 9, 9, 9, 10]).flat());
    const ie = sturgesEdges(ints.n, 1, 10);
    assert.deepEqual(ie, [1, 2.2857142857142856, 3.5714285714285716, 4.857142857142858, 6.142857142857143, 7.428571428571429, 8.714285714285715, 10]);
    assert.deepEqual(histogramCounts(ints, ie), [15, 5, 0, 0, 5, 0, 20], 'the maximum lands in the closed last bin');
    const constant = numericDistribution(new Array<number>(30).fill(4.2));
    const ce = sturgesEdges(30, 4.2, 4.2);
    assert.deepEqual(ce, [3.7, 4.7]);
    assert.deepEqual(histogramCounts(constant, ce), [30]);
  });
});

describe('drift statistics: the rules around the numbers', () => {
  it('PSI fills an empty bin with min(non-zero share)/10⁶ when that minimum is ≤ 0.0001, else with 0.0001', () => {
    assert.deepEqual(fillZeroes([0.5, 0, 0.5]), [0.5, 0.0001, 0.5]);
    assert.deepEqual(fillZeroes([0.99995, 0.00005, 0]), [0.99995, 0.00005, 0.00005 / 1e6]);
    assert.deepEqual(fillZeroes([0, 0]), [0, 0], 'nothing to take a minimum of: left alone');
    close(psi([0.5, 0.5, 0], [0.25, 0.25, 0.5]), 0.5 * Math.log(2) + (0.0001 - 0.5) * Math.log(0.0001 / 0.5), 'psi');
  });

  it('Sturges bins only when the reference has more than 20 distinct numbers', () => {
    const twenty = numericDistribution(Array.from({ length: 200 }, (_, i) => i % 20));
    const twentyOne = numericDistribution(Array.from({ length: 210 }, (_, i) => i % 21));
    assert.equal(BINNED_MIN_DISTINCT, 20, 'Evidently: feature_type == num and reference nunique() > 20');
    assert.equal(twenty.values.length, 20);
    assert.equal(twentyOne.values.length, 21);
    assert.equal(sturgesBinned(twentyOne, twentyOne).kind, 'sturges');
    // driftBetween's use of the rule is pinned in drift.test.ts (20 → values, 21 → sturges).
  });

  it('default test choice: reference size (≤ 1000) first, then kind and distinct values', () => {
    assert.equal(defaultDriftTest('num', 1000, 6), 'ks');
    assert.equal(defaultDriftTest('num', 1000, 5), 'chisquare');
    assert.equal(defaultDriftTest('num', 1000, 2), 'z');
    assert.equal(defaultDriftTest('num', 1000, 1), 'z');
    assert.equal(defaultDriftTest('cat', 10, 3), 'chisquare');
    assert.equal(defaultDriftTest('cat', 10, 2), 'z');
    assert.equal(defaultDriftTest('num', 1001, 6), 'wasserstein');
    assert.equal(defaultDriftTest('num', 1001, 5), 'jensenshannon');
    assert.equal(defaultDriftTest('cat', 1001, 500), 'jensenshannon');
  });

  it('verdict rules: ks p ≤ t, chi-square and z p < t, distances ≥ t', () => {
    assert.equal(isDrifted('ks', 0.05, 0.05), true);
    assert.equal(isDrifted('chisquare', 0.05, 0.05), false);
    assert.equal(isDrifted('z', 0.05, 0.05), false);
    assert.equal(isDrifted('wasserstein', 0.1, 0.1), true);
    assert.equal(isDrifted('jensenshannon', 0.0999, 0.1), false);
  });

  it('constant samples: KS D = 0 and p = 1; Wasserstein normed by 0.001; no NaN anywhere', () => {
    const a = numericDistribution(new Array<number>(50).fill(3)), b = numericDistribution(new Array<number>(70).fill(3));
    assert.deepEqual(ksTwoSample(a, b), { statistic: 0, pValue: 1, method: 'exact' });
    const w = wassersteinNormed(a, numericDistribution(new Array<number>(70).fill(3.5)));
    assert.deepEqual(w, { distance: 500, raw: 0.5, norm: 0.001, stdReference: 0 });
    const binned = sturgesBinned(a, b);
    assert.equal(binned.reference.length, 1);
    assert.equal(psi(binned.reference, binned.current), 0);
    assert.equal(jensenShannonDistance(binned.reference, binned.current), 0);
  });

  it('one category: chi-square has no degree of freedom (p = 1, not NaN), the z-test gives p = 1 with no statistic', () => {
    const one = alignCounts(new Map([['a', 10]]), new Map([['a', 4]]));
    assert.deepEqual(chiSquareTest(one), { statistic: 0, pValue: 1, categories: 1 });
    assert.deepEqual(zTest(one), { pValue: 1, zeroKey: 'a' });
    const split = zTest(alignCounts(new Map([['a', 10]]), new Map([['b', 4]])));
    assert.ok(Number.isFinite(split.statistic) && split.pValue < 0.001, JSON.stringify(split));
  });

  it('chi-square: a category the reference never had makes the statistic infinite and p = 0', () => {
    const r = chiSquareTest(alignCounts(new Map([['a', 10], ['b', 10]]), new Map([['a', 10], ['b', 9], ['c', 1]])));
    assert.equal(r.statistic, Infinity);
    assert.equal(r.pValue, 0);
  });

  it('keys sort by code point like Python (the z-test zero key), not by UTF-16 unit', () => {
    const astral = '\u{1F600}', bmpHigh = '\uFF21';
    assert.ok(compareCodePoints(bmpHigh, astral) < 0);
    assert.equal(zTest(alignCounts(new Map([[astral, 3], [bmpHigh, 4]]), new Map([[astral, 5]]))).zeroKey, bmpHigh);
    assert.equal(zTest(alignNumeric(numericDistribution([10, 9]), numericDistribution([10]))).zeroKey, '9', 'numbers sort as numbers');
  });

  it('value counts and samples give the same distribution; -0 and 0 are one value; non-finite values are dropped', () => {
    const fromCounts = numericDistributionFromCounts([[2, 3], [1, 1], [-0, 1], [0, 1]]);
    const fromSample = numericDistribution([2, 0, 1, 2, Number.NaN, -0, 2, Infinity]);
    assert.deepEqual(fromCounts, fromSample);
    assert.equal(fromSample.n, 6);
    assert.deepEqual([...fromSample.values], [0, 1, 2]);
  });
});
