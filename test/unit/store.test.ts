import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MlopsError, RunIndex, Store, jsonSchemaText, jsonSchemas } from '../../src/core';
import { REPO, snapshot, tmpDir } from './helpers';

async function newStore(): Promise<Store> {
  return (await Store.init(tmpDir())).store;
}

function rejectsWith(kind: MlopsError['kind'], re: RegExp) {
  return (e: unknown) => e instanceof MlopsError && e.kind === kind && re.test(e.message);
}

describe('store: layout and lifecycle', () => {
  it('init creates the manifest once and is idempotent', async () => {
    const root = tmpDir();
    const first = await Store.init(root);
    assert.equal(first.created, true);
    const manifest = fs.readFileSync(path.join(root, '.mlops', 'mlops.json'), 'utf8');
    assert.equal((JSON.parse(manifest) as { formatVersion: number }).formatVersion, 1);
    const second = await Store.init(root);
    assert.equal(second.created, false);
    assert.equal(fs.readFileSync(path.join(root, '.mlops', 'mlops.json'), 'utf8'), manifest);
  });

  it('open fails clearly without a store, and with a store from a newer version', async () => {
    const root = tmpDir();
    await assert.rejects(Store.open(root), rejectsWith('no-store', /no MLOps store .*run 'mlops init'/));
    fs.mkdirSync(path.join(root, '.mlops'));
    fs.writeFileSync(path.join(root, '.mlops', 'mlops.json'), JSON.stringify({ formatVersion: 2, createdAt: new Date().toISOString() }));
    await assert.rejects(Store.open(root), rejectsWith('newer-format', /formatVersion 2/));
  });

  it('findRoot searches upward', async () => {
    const store = await newStore();
    const deep = path.join(store.root, 'a', 'b');
    fs.mkdirSync(deep, { recursive: true });
    assert.equal(Store.findRoot(deep), store.root);
    assert.equal(Store.findRoot(tmpDir()), undefined);
  });

  it('names and ids that would escape .mlops/ are rejected before touching the disk', async () => {
    const store = await newStore();
    const before = snapshot(store.root);
    await assert.rejects(store.createRun({ experiment: '../escape' }), /must not contain '\/'/);
    await assert.rejects(store.createRun({ experiment: '/abs' }), /must not contain '\/'/);
    await assert.rejects(store.createRun({ experiment: 'a\0b' }), /NUL/);
    await assert.rejects(store.readRun('../../etc'), /invalid run id/);
    await assert.rejects(store.tagData({ path: store.root, dataset: '..' }), /start with a letter or digit/);
    assert.deepEqual(snapshot(store.root), before);
  });
});

describe('store: runs', () => {
  it('creates a run with one folder per run and reads it back', async () => {
    const store = await newStore();
    const run = await store.createRun({ experiment: 'baseline', name: 'first', params: { lr: 0.1, opt: 'adam' }, tags: ['a', 'a', 'b'] });
    assert.equal(run.status, 'running');
    assert.deepEqual(run.tags, ['a', 'b']);
    assert.ok(fs.existsSync(path.join(store.root, '.mlops', 'runs', run.id, 'run.json')));
    assert.ok(fs.existsSync(path.join(store.root, '.mlops', 'experiments', 'baseline.json')));
    assert.deepEqual(await store.readRun(run.id), run);
  });

  it('endRun sets status, end time and duration', async () => {
    const store = await newStore();
    const run = await store.createRun({ experiment: 'e', startTime: new Date(Date.now() - 5000) });
    const ended = await store.endRun(run.id, 'failed', { exitCode: 3 });
    assert.equal(ended.status, 'failed');
    assert.ok(ended.endTime);
    assert.ok(ended.meta.durationMs! >= 5000);
    assert.equal(ended.meta.exitCode, 3);
  });

  it('updates keep fields written by a newer minor writer', async () => {
    const store = await newStore();
    const run = await store.createRun({ experiment: 'e' });
    const file = store.runFile(run.id);
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    raw.futureField = { keep: 'me' };
    fs.writeFileSync(file, JSON.stringify(raw));
    await store.updateRun(run.id, (r) => { r.tags.push('x'); });
    const after = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(after.futureField, { keep: 'me' });
    assert.deepEqual(after.tags, ['x']);
  });

  it('parallel updates of one run lose nothing (lock)', async () => {
    const store = await newStore();
    const run = await store.createRun({ experiment: 'e' });
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.updateRun(run.id, (r) => { r.tags.push(`t${i}`); })));
    assert.equal((await store.readRun(run.id)).tags.length, 20);
  });

  it('run ids resolve from a unique prefix, case-insensitively', async () => {
    const store = await newStore();
    const run = await store.createRun({ experiment: 'e' });
    assert.equal(await store.resolveRunId(run.id.slice(0, 20).toLowerCase()), run.id);
    await assert.rejects(store.resolveRunId('ZZZZZZ'), rejectsWith('not-found', /no run with id starting/));
    await assert.rejects(store.resolveRunId('ab'), /at least 4 characters/);
  });

  it('metrics append and read back; appending to a missing run fails', async () => {
    const store = await newStore();
    const run = await store.createRun({ experiment: 'e' });
    await store.logMetrics(run.id, [{ name: 'loss', value: 1, step: 0 }, { name: 'loss', value: 0.5, step: 1 }]);
    await store.logMetrics(run.id, [{ name: 'acc', value: 0.7 }]);
    const { points, problems } = await store.readMetrics(run.id);
    assert.deepEqual(problems, []);
    assert.deepEqual(points.map((p) => [p.name, p.step, p.value]), [['loss', 0, 1], ['loss', 1, 0.5], ['acc', 0, 0.7]]);
    await assert.rejects(store.logMetrics('01M8CNZ2K6YR0SF2611ZPY3V0E', [{ name: 'x', value: 1 }]), rejectsWith('not-found', /no run/));
  });
});

describe('store: damaged files are reported, never rewritten', () => {
  it('returns the good runs plus a problem per bad file, and changes no byte', async () => {
    const store = await newStore();
    const good = await store.createRun({ experiment: 'e', name: 'good' });
    const badJson = await store.createRun({ experiment: 'e' });
    const badSchema = await store.createRun({ experiment: 'e' });
    const newer = await store.createRun({ experiment: 'e' });
    fs.writeFileSync(store.runFile(badJson.id), '{"formatVersion": 1, "id": ');
    fs.writeFileSync(store.runFile(badSchema.id), JSON.stringify({ formatVersion: 1, id: badSchema.id, status: 'exploded' }));
    fs.writeFileSync(store.runFile(newer.id), JSON.stringify({ formatVersion: 7, id: newer.id }));
    fs.mkdirSync(path.join(store.dir, 'runs', 'not-a-run'));
    fs.mkdirSync(path.join(store.dir, 'runs', '01M8CNZ2K6YR0SF2611ZPY3V0E'));
    const before = snapshot(store.root);

    const { items, problems } = await store.listRuns();
    assert.deepEqual(items.map((r) => r.id), [good.id]);
    const byFile = new Map(problems.map((p) => [p.file, p.reason]));
    assert.match(byFile.get(`.mlops/runs/${badJson.id}/run.json`) ?? '', /invalid JSON/);
    assert.match(byFile.get(`.mlops/runs/${badSchema.id}/run.json`) ?? '', /does not match the run.json format: .*status/);
    assert.match(byFile.get(`.mlops/runs/${newer.id}/run.json`) ?? '', /newer MLOps Workbench \(formatVersion 7/);
    assert.match(byFile.get('.mlops/runs/not-a-run') ?? '', /not a run folder/);
    assert.match(byFile.get('.mlops/runs/01M8CNZ2K6YR0SF2611ZPY3V0E/run.json') ?? '', /without run.json/);
    assert.equal(problems.length, 5);

    await assert.rejects(store.readRun(badJson.id), rejectsWith('corrupt', /invalid JSON/));
    await assert.rejects(store.updateRun(newer.id, (r) => { r.tags = ['x']; }), rejectsWith('newer-format', /newer/));
    await assert.rejects(store.endRun(badSchema.id, 'finished'), rejectsWith('corrupt', /status/));
    assert.deepEqual(snapshot(store.root), before);
  });

  it('experiments, datasets and models with bad files still list the good ones', async () => {
    const store = await newStore();
    await store.ensureExperiment('good');
    fs.writeFileSync(path.join(store.dir, 'experiments', 'bad.json'), 'nope');
    const ex = await store.listExperiments();
    assert.deepEqual(ex.items.map((e) => e.name), ['good']);
    assert.equal(ex.problems.length, 1);
    fs.mkdirSync(path.join(store.dir, 'models', 'm', 'versions'), { recursive: true });
    fs.writeFileSync(path.join(store.dir, 'models', 'm', 'versions', '1.json'), '{}');
    const mv = await store.listModelVersions();
    assert.equal(mv.items.length, 0);
    assert.match(mv.problems[0].reason, /does not match/);
  });
});

describe('store: data versions', () => {
  function dataFolder(): string {
    const d = tmpDir('mlops-data-');
    fs.mkdirSync(path.join(d, 'sub'));
    fs.writeFileSync(path.join(d, 'a.csv'), 'x,y\n1,2\n');
    fs.writeFileSync(path.join(d, 'sub', 'b.csv'), 'x,y\n3,4\n');
    return d;
  }

  it('hashes a folder into a manifest (no copy) and reuses the version for identical content', async () => {
    const store = await newStore();
    const d = dataFolder();
    const first = await store.tagData({ path: d, dataset: 'train', tags: ['v1'] });
    assert.equal(first.reused, false);
    assert.equal(first.version.fileCount, 2);
    assert.equal(first.version.sizeBytes, 16);
    const { entries } = await store.readManifest('train', first.version.id);
    assert.deepEqual(entries.map((e) => e.path), ['a.csv', 'sub/b.csv']);
    const again = await store.tagData({ path: d, dataset: 'train', tags: ['v1', 'gold'] });
    assert.equal(again.reused, true);
    assert.equal(again.version.id, first.version.id);
    assert.deepEqual(again.version.tags, ['v1', 'gold']);
    assert.deepEqual(again.addedTags, ['gold']);
    fs.writeFileSync(path.join(d, 'a.csv'), 'x,y\n1,3\n');
    const changed = await store.tagData({ path: d, dataset: 'train', tags: ['v2'] });
    assert.equal(changed.reused, false);
    assert.notEqual(changed.version.contentHash, first.version.contentHash);
    assert.equal((await store.listDataVersions('train')).items.length, 2);
    assert.equal((await store.resolveDataVersion('train', 'gold')).id, first.version.id);
    assert.equal((await store.resolveDataVersion('train')).id, changed.version.id);
    await assert.rejects(store.resolveDataVersion('train', 'nope'), /no version or tag 'nope' \(tags: v2, v1, gold\)/);
  });

  it('the same bytes at another path give the same content hash', async () => {
    const store = await newStore();
    const a = await store.tagData({ path: dataFolder(), dataset: 'x' });
    const b = await store.tagData({ path: dataFolder(), dataset: 'y' });
    assert.equal(a.version.contentHash, b.version.contentHash);
  });

  it('cancelling the hash writes nothing', async () => {
    const store = await newStore();
    const before = snapshot(store.root);
    const ctl = new AbortController();
    ctl.abort();
    await assert.rejects(store.tagData({ path: dataFolder(), dataset: 'train', signal: ctl.signal }), rejectsWith('cancelled', /cancelled/));
    assert.deepEqual(snapshot(store.root), before);
  });
});

describe('store: models', () => {
  it('registers numbered versions linked to their run, and promotion archives the previous production', async () => {
    const store = await newStore();
    const run = await store.createRun({ experiment: 'e' });
    const art = path.join(store.root, 'model.pkl');
    fs.writeFileSync(art, 'weights');
    const v1 = await store.registerModel({ name: 'churn', runId: run.id, artifactPath: art });
    const v2 = await store.registerModel({ name: 'churn', runId: run.id, artifactPath: art });
    assert.deepEqual([v1.version, v2.version], [1, 2]);
    assert.equal(v1.artifact.path, 'model.pkl');
    assert.equal(v1.artifact.sha256, createHash('sha256').update('weights').digest('hex'));
    assert.equal(v1.runId, run.id);
    await store.setModelStage('churn', 1, 'production');
    const r = await store.setModelStage('churn', 2, 'production');
    assert.deepEqual(r.archived.map((v) => v.version), [1]);
    const versions = (await store.listModelVersions('churn')).items;
    assert.deepEqual(versions.map((v) => [v.version, v.stage]), [[2, 'production'], [1, 'archived']]);
    assert.deepEqual((await store.readModelVersion('churn', 1)).stageHistory.map((h) => h.stage), ['none', 'production', 'archived']);
    const keep = await store.setModelStage('churn', 1, 'production', { archiveExisting: false });
    assert.deepEqual(keep.archived, []);
  });

  it('parallel registrations get distinct version numbers', async () => {
    const store = await newStore();
    const run = await store.createRun({ experiment: 'e' });
    const art = path.join(store.root, 'model.pkl');
    fs.writeFileSync(art, 'weights');
    const all = await Promise.all(Array.from({ length: 8 }, () => store.registerModel({ name: 'm', runId: run.id, artifactPath: art })));
    assert.deepEqual(all.map((v) => v.version).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('registering from an unknown run or a missing artifact fails and writes nothing', async () => {
    const store = await newStore();
    const run = await store.createRun({ experiment: 'e' });
    const before = snapshot(store.root);
    await assert.rejects(store.registerModel({ name: 'm', runId: '01M8CNZ2K6YR0SF2611ZPY3V0E', artifactPath: store.root }), /no run with id/);
    await assert.rejects(store.registerModel({ name: 'm', runId: run.id, artifactPath: path.join(store.root, 'missing.pkl') }), /cannot read/);
    assert.deepEqual(snapshot(store.root), before);
  });
});

describe('run index', () => {
  it('builds once and picks up a single changed, removed or damaged run', async () => {
    const store = await newStore();
    const a = await store.createRun({ experiment: 'e1' });
    const b = await store.createRun({ experiment: 'e2' });
    const index = new RunIndex(store);
    await index.build();
    assert.equal(index.size, 2);
    assert.deepEqual([...index.experiments().keys()].sort(), ['e1', 'e2']);
    await store.updateRun(a.id, (r) => { r.name = 'renamed'; });
    assert.equal(await index.refresh(a.id), 'changed');
    assert.equal(index.get(a.id)?.name, 'renamed');
    fs.writeFileSync(store.runFile(b.id), '{');
    assert.equal(await index.refresh(b.id), 'problem');
    assert.equal(index.problems().length, 1);
    fs.rmSync(store.runDir(b.id), { recursive: true });
    assert.equal(await index.refresh(b.id), 'removed');
    assert.equal(index.problems().length, 0);
    assert.deepEqual(index.list().map((r) => r.id), [a.id]);
  });
});

describe('JSON Schemas', () => {
  it('the shipped schemas/*.schema.json match the zod schemas (run npm run schemas after changing them)', () => {
    for (const [name, schema] of Object.entries(jsonSchemas())) {
      const file = path.join(REPO, 'schemas', `${name}.schema.json`);
      assert.ok(fs.existsSync(file), `${file} is missing`);
      assert.equal(fs.readFileSync(file, 'utf8'), jsonSchemaText(schema), `${name}.schema.json is out of date`);
    }
  });
});
