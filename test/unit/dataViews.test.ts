import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store, StoreState, childrenOf, emptyChangeSet, type ViewNode, type ViewOptions } from '../../src/core';
import { schemaFromProfile } from '../../src/core/data/validate';
import { REPO, snapshot, tmpDir } from './helpers';

const TITANIC = path.resolve(REPO, '..', 'shared', 'corpus', 'data', 'titanic', 'mljar-supervised');
const opts: ViewOptions = { filter: {}, sort: 'newest', pageSize: 200, pages: new Map(), now: Date.now(), multiRoot: false };
const labels = (nodes: ViewNode[]) => nodes.map((n) => n.label);
function find(nodes: ViewNode[], pred: (n: ViewNode) => boolean, what: string): ViewNode {
  const n = nodes.find(pred);
  assert.ok(n, `no ${what} in ${labels(nodes).join(' | ')}`);
  return n;
}

/** A store with the Titanic train split tagged as `train`, then the test split (same file name) as `test`. */
async function titanicStore(): Promise<{ store: Store; file: string }> {
  const { store } = await Store.init(tmpDir());
  const file = path.join(store.root, 'data', 'titanic.csv');
  fs.mkdirSync(path.dirname(file));
  fs.copyFileSync(path.join(TITANIC, 'train.csv'), file);
  await store.tagData({ path: file, dataset: 'titanic', tags: ['train'] });
  fs.copyFileSync(path.join(TITANIC, 'test_with_Survived.csv'), file);
  await store.tagData({ path: file, dataset: 'titanic', tags: ['test'] });
  return { store, file };
}

async function expand(state: StoreState, node?: ViewNode): Promise<ViewNode[]> {
  if (node?.kind === 'dataset' || node?.kind === 'dataVersion') {
    const versions = state.dataVersions.filter((v) => (node.kind === 'dataset' ? v.dataset === node.dataset : v.id === node.versionId));
    const prev = node.kind === 'dataVersion' ? state.quality.previous(versions[0]) : undefined;
    await state.quality.prepare(prev ? [...versions, prev] : versions, { drift: true });
  }
  return childrenOf([state], node, 'data', opts);
}

describe('data versions: profiles in the store and in the Data tree (real corpus files)', function () {
  this.timeout(60_000);

  it('tagging writes <id>.profile.json next to the manifest, which is never read as a version', async () => {
    const { store } = await titanicStore();
    const versions = (await store.listDataVersions('titanic')).items;
    assert.equal(versions.length, 2);
    const dir = path.dirname(store.dataVersionFile('titanic', versions[0].id));
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.profile.json')).length, 2);
    const p = await store.readDataProfile('titanic', versions[1].id);
    assert.ok(p.ok);
    assert.deepEqual([p.value.files[0].path, p.value.files[0].rows, p.value.files[0].columns.length], ['titanic.csv', 891, 12]);
    // The same content again: the version is reused and its profile kept.
    const again = await store.tagData({ path: path.join(store.root, 'data', 'titanic.csv'), dataset: 'titanic', tags: ['again'] });
    assert.equal(again.reused, true);
    assert.equal(again.profile?.files[0].rows, 418);
  });

  it('a version expands to Columns, schema findings and drift from the previous version', async () => {
    const { store } = await titanicStore();
    const [, train] = (await store.listDataVersions('titanic')).items;
    const trainProfile = await store.readDataProfile('titanic', train.id);
    assert.ok(trainProfile.ok);
    const schema = schemaFromProfile(trainProfile.value.files[0], 'titanic', `titanic:${train.id}`);
    const embarked = schema.columns.find((c) => c.name === 'Embarked')!;
    embarked.values = ['Southampton', 'Cherbourg', 'Queenstown'];
    await store.data.createSchema('titanic', JSON.stringify(schema, null, 2));

    const state = new StoreState(store);
    await state.load();
    const [ds] = await expand(state);
    const versions = await expand(state, ds);
    assert.deepEqual(labels(versions), ['test', 'train']);
    assert.match(versions[0].description ?? '', /drift minor: 5\/12 columns/);
    assert.match(versions[0].description ?? '', /schema error/);
    assert.doesNotMatch(versions[1].description ?? '', /drift/, 'the first version has nothing to drift from');

    const kids = await expand(state, versions[0]);
    const columns = find(kids, (n) => n.kind === 'columns', 'Columns node');
    assert.equal(columns.label, 'Columns');
    assert.match(columns.description ?? '', /^418 rows × 12 columns/);
    const cols = childrenOf([state], columns, 'data', opts);
    assert.equal(cols.length, 12);
    const age = find(cols, (n) => n.label === 'Age', 'Age column');
    assert.match(age.description ?? '', /^float · 86 missing · /);
    const emb = find(cols, (n) => n.label === 'Embarked', 'Embarked column');
    assert.deepEqual(emb.icon, { symbol: 'findingError' }, 'a column with an error finding shows it');
    assert.match(emb.tooltip ?? '', /unexpected-category/);

    const schemaNode = find(kids, (n) => n.kind === 'schemaStatus', 'schema node');
    assert.match(schemaNode.label, /^Schema: \d+ findings?$/);
    assert.equal(schemaNode.file, store.dataSchemaFile('titanic'));
    const findings = childrenOf([state], schemaNode, 'data', opts);
    const cat = find(findings, (n) => n.label === 'Embarked: unexpected-category', 'the Embarked finding');
    assert.equal(cat.dataFile, 'data/titanic.csv');

    const drift = find(kids, (n) => n.kind === 'drift', 'drift node');
    assert.equal(drift.label, 'Drift from train: minor');
    assert.equal(drift.otherVersionId, train.id);
    assert.match(drift.description ?? '', /^5 of 12 columns drifted$/);
  });

  it('a version without a profile says how to make one; profiling it later checks the content first', async () => {
    const { store } = await Store.init(tmpDir());
    const file = path.join(store.root, 'iris.csv');
    fs.copyFileSync(path.join(TITANIC, 'train.csv'), file);
    const { version } = await store.tagData({ path: file, dataset: 'plain', profile: false });
    const state = new StoreState(store);
    await state.load();
    const [ds] = await expand(state);
    const [v] = await expand(state, ds);
    const kids = await expand(state, v);
    assert.equal(find(kids, (n) => n.id.endsWith('|noprofile'), 'no-profile node').label, 'No profile yet');

    fs.appendFileSync(file, '1,2\n');
    const before = snapshot(store.dir);
    await assert.rejects(store.profileDataVersion('plain', version.id), /no longer holds plain version/);
    assert.deepEqual(snapshot(store.dir), before);
    fs.copyFileSync(path.join(TITANIC, 'train.csv'), file);
    const made = await store.profileDataVersion('plain', version.id);
    assert.equal(made.files[0].rows, 891);
    const change = emptyChangeSet();
    change.data = true;
    await state.apply(change);
    const again = await expand(state, v);
    assert.ok(again.some((n) => n.kind === 'columns'), 'after a data change the tree reads the new profile');
  });

  it('schema.json gets completion and checks in the editor: its JSON Schema is contributed', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { contributes: { jsonValidation: { fileMatch: string; url: string }[] } };
    const entry = pkg.contributes.jsonValidation.find((j) => j.fileMatch === '.mlops/datasets/*/schema.json');
    assert.equal(entry?.url, './schemas/data-schema.schema.json');
    const shipped = JSON.parse(fs.readFileSync(path.join(REPO, 'schemas', 'data-schema.schema.json'), 'utf8')) as { properties: Record<string, unknown> };
    assert.ok(shipped.properties.columns && shipped.properties.sources);
  });

  it('createSchema never replaces an existing schema.json', async () => {
    const { store } = await Store.init(tmpDir());
    await store.data.createSchema('titanic', '{"formatVersion": 1, "dataset": "titanic", "columns": []}\n');
    const file = store.dataSchemaFile('titanic');
    fs.writeFileSync(file, '// edited by hand\n{"formatVersion": 1, "dataset": "titanic", "columns": []}\n');
    await assert.rejects(store.data.createSchema('titanic', '{}'), /already exists/);
    assert.match(fs.readFileSync(file, 'utf8'), /^\/\/ edited by hand/);
  });
});
