import * as assert from 'node:assert/strict';
import { compareSources, type Discrepancy, type SourceComparison } from '../../src/core/data/sources';
import { csvProfile } from './dataSchemaFixtures';

const labels = { a: 'A', b: 'B' };
const kinds = (c: SourceComparison) => c.discrepancies.map((d) => d.kind);
const of = (c: SourceComparison, kind: Discrepancy['kind']) => c.discrepancies.filter((d) => d.kind === kind);
const one = (c: SourceComparison, kind: Discrepancy['kind'], col?: string): Discrepancy => {
  const r = c.discrepancies.filter((d) => d.kind === kind && (col === undefined || d.a === col || d.b === col));
  assert.equal(r.length, 1, `${kind} ${col ?? ''}: ${JSON.stringify(c.discrepancies, null, 1)}`);
  return r[0];
};
const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('data sources: column alignment', () => {
  it('exact names, then names equal ignoring case and punctuation', () => {
    const a = csvProfile('a.csv', ['id', 'Sepal.Length', 'education.num'], [['1', '5.1', '13']]);
    const b = csvProfile('b.csv', ['id', 'sepal_length', 'education_num'], [['1', '5.1', '13']]);
    const c = compareSources(a, b, labels);
    assert.deepEqual(c.columns, [
      { a: 'id', b: 'id', how: 'exact' }, { a: 'Sepal.Length', b: 'sepal_length', how: 'normalized' }, { a: 'education.num', b: 'education_num', how: 'normalized' },
    ]);
    assert.deepEqual(kinds(c), ['rename', 'rename']);
    assert.equal(c.discrepancies[0].message, '"Sepal.Length" in A is "sepal_length" in B (same name ignoring case and punctuation).');
  });

  it('a likely rename by profile similarity, with its score; unlike columns stay apart', () => {
    const ages = range(40, (i) => String(20 + (i % 30)));
    const a = csvProfile('a.csv', ['Age', 'Ticket'], ages.map((x, i) => [x, `T${i}`]));
    const b = csvProfile('b.csv', ['age_years', 'Code'], ages.map((x, i) => [String(Number(x) + (i % 2)), String(1000 + i * 37)]));
    const c = compareSources(a, b, labels);
    const rename = c.columns.find((x) => x.a === 'Age');
    assert.equal(rename?.b, 'age_years');
    assert.equal(rename?.how, 'profile');
    assert.ok((rename?.similarity ?? 0) >= 0.75 && (rename?.similarity ?? 0) <= 1);
    assert.equal(one(c, 'rename', 'Age').severity, 'warning');
    assert.deepEqual(c.columns.filter((x) => !x.a || !x.b), [{ a: 'Ticket' }, { b: 'Code' }], 'text and numbers never pair');
    assert.deepEqual(c.discrepancies.filter((d) => d.kind === 'column-only').map((d) => d.message), ['"Ticket" is only in A.', '"Code" is only in B.']);
  });

  it('header-less files line up by position when the column count and types agree', () => {
    const rows = [['5.1', '3.5', 'Iris-setosa'], ['7.0', '3.2', 'Iris-versicolor']];
    const a = csvProfile('golearn.csv', ['column_1', 'column_2', 'column_3'], rows, { header: false });
    const b = csvProfile('r.csv', ['Sepal.Length', 'Sepal.Width', 'class'], rows.map((r) => [r[0], r[1], r[2].replace('Iris-', '')]));
    const c = compareSources(a, b, labels);
    assert.deepEqual(c.columns.map((x) => [x.a, x.b, x.how]), [['column_1', 'Sepal.Length', 'position'], ['column_2', 'Sepal.Width', 'position'], ['column_3', 'class', 'position']]);
    assert.match(one(c, 'header').message, /^A has no header line/);
    const m = one(c, 'category-mapping');
    assert.deepEqual(m.mapping?.map((p) => [p.a, p.b]), [['Iris-setosa', 'setosa'], ['Iris-versicolor', 'versicolor']]);
  });
});

describe('data sources: discrepancies', () => {
  it('row counts and columns on one side only', () => {
    const a = csvProfile('a.csv', ['PassengerId', 'Sex'], [['1', 'male'], ['2', 'female']]);
    const b = csvProfile('b.csv', ['Sex', 'boat'], [['male', '2'], ['female', ''], ['male', '']]);
    const c = compareSources(a, b, { a: 'train', b: 'titanic3' });
    assert.equal(one(c, 'row-count').message, 'train has 2 rows, titanic3 has 3 (1 more in titanic3).');
    assert.deepEqual(c.discrepancies.filter((d) => d.kind === 'column-only').map((d) => [d.a, d.b]), [['PassengerId', undefined], [undefined, 'boat']]);
  });

  it('categories that differ only by case, trailing dots or an abbreviation get a proposed mapping', () => {
    const a = csvProfile('a.csv', ['Sex', 'Embarked'], [['male', 'Southampton'], ['female', 'Cherbourg'], ['male', 'Queenstown']]);
    const b = csvProfile('b.csv', ['Sex', 'Embarked'], [['Male.', 'S'], ['FEMALE ', 'C'], ['Male.', 'Q']]);
    const c = compareSources(a, b, labels);
    assert.deepEqual(one(c, 'category-mapping', 'Sex').mapping, [
      { a: 'male', b: 'Male.', why: 'differs only in case, spaces or trailing dots' }, { a: 'female', b: 'FEMALE ', why: 'differs only in case, spaces or trailing dots' },
    ]);
    assert.deepEqual(one(c, 'category-mapping', 'Embarked').mapping?.map((p) => [p.a, p.b, p.why]).sort(), [
      ['Cherbourg', 'C', 'an abbreviation'], ['Queenstown', 'Q', 'an abbreviation'], ['Southampton', 'S', 'an abbreviation'],
    ]);
  });

  it('category sets that do not map are listed side by side', () => {
    const a = csvProfile('a.csv', ['c'], [['red'], ['green']]);
    const b = csvProfile('b.csv', ['c'], [['red'], ['blue']]);
    const d = one(compareSources(a, b, labels), 'category-sets');
    assert.equal(d.message, '"c" in A / "c" in B: categories differ — only in A: "green"; only in B: "blue".');
  });

  it('integer codes ↔ names when the counts match one to one (ties: ascending codes ↔ alphabetical names)', () => {
    const a = csvProfile('a.csv', ['y'], [...range(3, () => ['0']), ...range(2, () => ['1']), ...range(5, () => ['2'])], { header: false });
    const b = csvProfile('b.csv', ['species'], [...range(5, () => ['virginica']), ...range(3, () => ['setosa']), ...range(2, () => ['versicolor'])]);
    const c = compareSources(a, b, labels);
    assert.deepEqual(c.columns, [{ a: 'y', b: 'species', how: 'position' }]);
    assert.deepEqual(one(c, 'category-mapping').mapping?.map((p) => [p.a, p.b]).sort(), [['0', 'setosa'], ['1', 'versicolor'], ['2', 'virginica']]);
    assert.match(one(c, 'type').message, /is integer, .* is categorical; the integers look like codes for the names/);
    const tied = compareSources(
      csvProfile('a.csv', ['y'], [['2'], ['0'], ['1']], { header: false }),
      csvProfile('b.csv', ['s'], [['virginica'], ['setosa'], ['versicolor']]), labels);
    const m = one(tied, 'category-mapping').mapping ?? [];
    assert.deepEqual(m.map((p) => [p.a, p.b]), [['0', 'setosa'], ['1', 'versicolor'], ['2', 'virginica']]);
    assert.match(m[0].why, /ascending order ↔ names in alphabetical order \(check\)/);
  });

  it('a numeric column read as text because of "?" is explained, and the markers differ', () => {
    const a = csvProfile('a.csv', ['Age'], [['22'], [''], ['38.5']]);
    const b = csvProfile('b.csv', ['age'], [['22'], ['?'], ['38.5'], ['?']]);
    const c = compareSources(a, b, labels);
    assert.equal(one(c, 'type').message, '"Age" in A is float, "age" in B is categorical; "age" in B is text only because "?" (2) marks missing values — read as missing, it is float like the other.');
    assert.equal(one(c, 'missing-markers').message, 'Missing values are written differently: A uses empty cells (Age 1); B uses "?" (age 2).');
  });

  it('unit scale: one column ≈ 10^k × the other', () => {
    const cm = range(30, (i) => String(150 + i));
    const a = csvProfile('a.csv', ['height'], cm.map((x) => [x]));
    const b = csvProfile('b.csv', ['height'], cm.map((x) => [String(Number(x) * 10)]));
    const d = one(compareSources(a, b, labels), 'unit-scale');
    assert.equal(d.factor, 10);
    assert.match(d.message, /^"height" in B is about 10 × "height" in A/);
    const back = one(compareSources(b, a, labels), 'unit-scale');
    assert.equal(back.factor, 0.1);
    assert.equal(compareSources(a, csvProfile('c.csv', ['height'], cm.map((x) => [String(Number(x) * 2)])), labels).discrepancies.filter((x) => x.kind === 'unit-scale').length, 0, '×2 is not a unit');
  });

  it('range differences name the values on one side only', () => {
    const a = csvProfile('a.csv', ['Parch'], [['0'], ['1'], ['6']]);
    const b = csvProfile('b.csv', ['Parch'], [['0'], ['9'], ['6']]);
    assert.equal(one(compareSources(a, b, labels), 'range').message, '"Parch" in A ranges 0 to 6, "Parch" in B 0 to 9; only in A: 1; only in B: 9.');
  });

  it('the same data in another format is only a format difference', () => {
    const rows = [['1', '22', 'male'], ['2', '', 'female']];
    const a = csvProfile('train.csv', ['id', 'Age', 'Sex'], rows);
    const b = csvProfile('train.parquet', ['id', 'Age', 'Sex'], rows.map((r) => r.map((x) => (x === '' ? null : x))), { format: 'parquet' });
    delete b.csv;
    const c = compareSources(a, b, labels);
    assert.deepEqual(kinds(c), ['format']);
    assert.equal(c.summary, 'No data difference: only the file format differs.');
  });

  it('a profile with an error is reported, never a crash', () => {
    const a = csvProfile('a.csv', ['x'], [['1']]);
    const c = compareSources(a, { path: 'b.csv', rows: 0, columns: [], error: 'binary file' }, labels);
    assert.deepEqual(c.discrepancies, [{ kind: 'format', severity: 'warning', message: 'B (b.csv) could not be profiled: binary file' }]);
    assert.deepEqual(c.columns, []);
    const malformed = { path: 'c.csv', rows: 1, columns: [{ name: 'x', index: 0 }] } as unknown as typeof a;
    const m = compareSources(a, malformed, labels);
    assert.equal(m.summary, 'Nothing was compared: a profile is malformed.');
    assert.match(m.discrepancies[0].message, /^The profiles could not be compared: /);
  });

  it('columns and categories called __proto__ are plain text', () => {
    const a = csvProfile('a.csv', ['__proto__', 'constructor'], [['__proto__', '1'], ['toString', '2']]);
    const b = csvProfile('b.csv', ['__PROTO__', 'constructor'], [['__proto__', '1'], ['hasOwnProperty', '2']]);
    const c = compareSources(a, b, labels);
    assert.deepEqual(c.columns.map((x) => [x.a, x.b, x.how]), [['__proto__', '__PROTO__', 'normalized'], ['constructor', 'constructor', 'exact']]);
    assert.match(one(c, 'category-sets').message, /only in A: "toString"; only in B: "hasOwnProperty"/);
  });

  it('10,000 columns on each side: exact matches, and one-sided columns without a pairwise search', () => {
    const names = range(10_000, (i) => `c${i}`);
    const a = csvProfile('a.csv', names, [names.map(String)]);
    const b = csvProfile('b.csv', names.map((n, i) => (i < 5_000 ? n : `other${i}`)), [names.map(String)]);
    const c = compareSources(a, b, labels);
    assert.equal(c.columns.filter((x) => x.how === 'exact').length, 5_000);
    assert.equal(of(c, 'column-only').length, 10_000);
    assert.match(c.discrepancies.find((d) => d.kind === 'rename')?.message ?? '', /^5000 columns of A and 5000 of B have no match by name; there are too many/);
  });
});
