// The store's safety rules (docs/format.md "Writing safely"): no write leaves the store through a symbolic link, the
// file name is the identity, a folder replaced by a file is reported, an update never resurrects a deleted run.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store, MlopsError } from '../../src/core';
import { snapshot, tmpDir } from './helpers';

async function fixture(): Promise<{ store: Store; outside: string; runId: string }> {
  const { store } = await Store.init(tmpDir());
  const outside = tmpDir('mlops-outside-');
  const run = await store.createRun({ experiment: 'exp', params: { lr: 0.1 } });
  await store.logMetrics(run.id, [{ name: 'loss', value: 1, step: 0 }]);
  return { store, outside, runId: run.id };
}

async function assertRefused(p: Promise<unknown>, link: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof MlopsError, `expected an MlopsError, got ${String(e)}`);
    assert.match(e.message, /symbolic link/);
    assert.match(e.message, link);
    return true;
  });
}

/** Replaces a store folder by a link to `outside` (moving nothing: the folder's content is copied there first). */
function linkOut(dir: string, outside: string): void {
  fs.cpSync(dir, outside, { recursive: true });
  fs.rmSync(dir, { recursive: true });
  fs.symlinkSync(outside, dir);
}

describe('store safety: no write leaves the store through a symbolic link', () => {
  it('metrics.jsonl linked to an outside file is not appended to (and a dangling link creates nothing)', async () => {
    const { store, outside, runId } = await fixture();
    const target = path.join(outside, 'victim.txt');
    fs.writeFileSync(target, 'precious\n');
    fs.rmSync(store.metricsFile(runId));
    fs.symlinkSync(target, store.metricsFile(runId));
    await assertRefused(store.logMetrics(runId, [{ name: 'loss', value: 2 }]), /metrics\.jsonl/);
    assert.equal(fs.readFileSync(target, 'utf8'), 'precious\n');

    const dangling = path.join(outside, 'created-by-append.txt');
    fs.rmSync(store.metricsFile(runId));
    fs.symlinkSync(dangling, store.metricsFile(runId));
    await assertRefused(store.logMetrics(runId, [{ name: 'loss', value: 2 }]), /metrics\.jsonl/);
    assert.equal(fs.existsSync(dangling), false);
  });

  it('a run folder linked outside: updates, appends and reads refuse it; the listing reports it', async () => {
    const { store, outside, runId } = await fixture();
    linkOut(store.runDir(runId), outside);
    const before = snapshot(outside);
    await assertRefused(store.updateRun(runId, (r) => { r.tags.push('x'); }), new RegExp(`runs/${runId}`));
    await assertRefused(store.logMetrics(runId, [{ name: 'loss', value: 2 }]), new RegExp(`runs/${runId}`));
    await assertRefused(store.endRun(runId, 'finished'), new RegExp(`runs/${runId}`));
    await assertRefused(store.trashRun(runId), new RegExp(`runs/${runId}`));
    assert.deepEqual(snapshot(outside), before);
    const listed = await store.listRuns();
    assert.equal(listed.items.length, 0);
    assert.ok(listed.problems.some((p) => p.file === `.mlops/runs/${runId}` && /outside the store/.test(p.reason)), JSON.stringify(listed.problems));
  });

  it('runs/ and experiments/ linked outside: run log writes nothing there', async () => {
    for (const folder of ['runs', 'experiments']) {
      const { store, outside } = await fixture();
      linkOut(path.join(store.dir, folder), outside);
      const before = snapshot(outside);
      await assertRefused(store.createRun({ experiment: folder === 'runs' ? 'exp' : 'new-exp' }), new RegExp(`\\.mlops/${folder}`));
      assert.deepEqual(snapshot(outside), before, `${folder}: something was written outside`);
    }
  });

  it('models/<m>/versions linked outside: register and promote write nothing there', async () => {
    const { store, outside, runId } = await fixture();
    const artifact = path.join(store.root, 'model.bin');
    fs.writeFileSync(artifact, 'weights');
    await store.registerModel({ name: 'm', runId, artifactPath: artifact });
    linkOut(path.join(store.modelDir('m'), 'versions'), outside);
    const before = snapshot(outside);
    await assertRefused(store.registerModel({ name: 'm', runId, artifactPath: artifact }), /models\/m\/versions/);
    // Reading a version through the link is refused too, so promotion stops before writing.
    await assert.rejects(store.setModelStage('m', 1, 'production'));
    assert.deepEqual(snapshot(outside), before);
    const versions = await store.listModelVersions('m');
    assert.equal(versions.items.length, 0);
    assert.ok(versions.problems.some((p) => /outside the store/.test(p.reason)));
  });

  it('datasets/<d>/versions linked outside: data tag writes nothing there', async () => {
    const { store, outside } = await fixture();
    const data = path.join(store.root, 'data.csv');
    fs.writeFileSync(data, 'a,b\n1,2\n');
    await store.tagData({ path: data, dataset: 'd', tags: ['v1'] });
    linkOut(path.join(store.datasetDir('d'), 'versions'), outside);
    const before = snapshot(outside);
    fs.writeFileSync(data, 'a,b\n1,3\n');
    await assertRefused(store.tagData({ path: data, dataset: 'd', tags: ['v2'] }), /datasets\/d\/versions/);
    assert.deepEqual(snapshot(outside), before);
  });

  it('.mlops itself may be a link (a shared disk): everything works below its real path', async () => {
    const ws = tmpDir();
    const shared = tmpDir('mlops-shared-');
    fs.mkdirSync(path.join(shared, 'store'));
    fs.symlinkSync(path.join(shared, 'store'), path.join(ws, '.mlops'));
    const { store } = await Store.init(ws);
    const run = await store.createRun({ experiment: 'exp' });
    await store.logMetrics(run.id, [{ name: 'loss', value: 1 }]);
    await store.updateRun(run.id, (r) => { r.tags.push('ok'); });
    assert.deepEqual((await store.readRun(run.id)).tags, ['ok']);
    assert.ok(fs.existsSync(path.join(shared, 'store', 'runs', run.id, 'metrics.jsonl')));
  });

  it('a link that stays inside the store is followed', async () => {
    const { store, runId } = await fixture();
    fs.renameSync(path.join(store.dir, 'experiments'), path.join(store.dir, 'experiments-real'));
    fs.symlinkSync(path.join(store.dir, 'experiments-real'), path.join(store.dir, 'experiments'));
    assert.deepEqual((await store.listExperiments()).items.map((e) => e.name), ['exp']);
    await store.createRun({ experiment: 'second' });
    assert.ok(fs.existsSync(path.join(store.dir, 'experiments-real', 'second.json')));
    assert.ok(runId);
  });
});

describe('store safety: the file name is the identity', () => {
  it('a model version file whose version disagrees is reported, and promotion never overwrites another version', async () => {
    const { store, runId } = await fixture();
    const artifact = path.join(store.root, 'model.bin');
    fs.writeFileSync(artifact, 'weights');
    for (let i = 0; i < 3; i++) { await store.registerModel({ name: 'm', runId, artifactPath: artifact }); }
    // versions/4.json says it is version 3 (a bad merge, a hand copy).
    const v3 = JSON.parse(fs.readFileSync(store.modelVersionFile('m', 3), 'utf8')) as { stage: string };
    v3.stage = 'production';
    fs.writeFileSync(store.modelVersionFile('m', 4), JSON.stringify(v3));
    const v3Before = fs.readFileSync(store.modelVersionFile('m', 3), 'utf8');
    const v4Before = fs.readFileSync(store.modelVersionFile('m', 4), 'utf8');
    await store.setModelStage('m', 1, 'production');
    assert.equal(fs.readFileSync(store.modelVersionFile('m', 3), 'utf8'), v3Before, 'versions/3.json was overwritten');
    assert.equal(fs.readFileSync(store.modelVersionFile('m', 4), 'utf8'), v4Before, 'versions/4.json was rewritten');
    const listed = await store.listModelVersions('m');
    assert.deepEqual(listed.items.filter((v) => v.stage === 'production').map((v) => v.version), [1]);
    assert.ok(listed.problems.some((p) => p.file === '.mlops/models/m/versions/4.json' && /version 3/.test(p.reason)), JSON.stringify(listed.problems));
    // The next registration does not claim the number of the damaged file.
    const next = await store.registerModel({ name: 'm', runId, artifactPath: artifact });
    assert.equal(next.version, 5);
  });

  it('a run folder whose run.json has another id is reported, and reading it by its folder fails clearly', async () => {
    const { store, runId } = await fixture();
    const other = await store.createRun({ experiment: 'exp' });
    fs.copyFileSync(store.runFile(runId), store.runFile(other.id));
    await assert.rejects(store.readRun(other.id), (e: unknown) => e instanceof MlopsError && /file name is the identity/.test(e.message) && e.message.includes(other.id));
    await assert.rejects(store.updateRun(other.id, (r) => { r.tags.push('x'); }));
    const listed = await store.listRuns();
    assert.deepEqual(listed.items.map((r) => r.id), [runId]);
    assert.ok(listed.problems.some((p) => p.file === `.mlops/runs/${other.id}/run.json`));
  });

  it('experiments, datasets, models and data versions whose name or id disagrees are problems, not phantoms', async () => {
    const { store } = await fixture();
    fs.writeFileSync(path.join(store.dir, 'experiments', 'ghost.json'), JSON.stringify({ formatVersion: 1, name: 'exp', createdAt: new Date().toISOString() }));
    const exps = await store.listExperiments();
    assert.deepEqual(exps.items.map((e) => e.name), ['exp']);
    assert.ok(exps.problems.some((p) => p.file === '.mlops/experiments/ghost.json'));

    const data = path.join(store.root, 'data.csv');
    fs.writeFileSync(data, 'x\n');
    const { version } = await store.tagData({ path: data, dataset: 'd' });
    const copyId = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    fs.copyFileSync(store.dataVersionFile('d', version.id), store.dataVersionFile('d', copyId));
    const dv = await store.listDataVersions('d');
    assert.deepEqual(dv.items.map((v) => v.id), [version.id]);
    assert.ok(dv.problems.some((p) => p.file.endsWith(`${copyId}.json`)));
  });
});

describe('store safety: folders replaced by a file', () => {
  it('runs/, experiments/ and models/<m>/versions as files are reported, never silently empty', async () => {
    const { store, runId } = await fixture();
    const artifact = path.join(store.root, 'model.bin');
    fs.writeFileSync(artifact, 'weights');
    await store.registerModel({ name: 'm', runId, artifactPath: artifact });
    for (const rel of ['runs', 'experiments', 'models/m/versions']) {
      fs.rmSync(path.join(store.dir, rel), { recursive: true });
      fs.writeFileSync(path.join(store.dir, rel), 'oops');
    }
    const runs = await store.listRuns();
    assert.ok(runs.problems.some((p) => p.file === '.mlops/runs' && /should be a folder/.test(p.reason)));
    const exps = await store.listExperiments();
    assert.ok(exps.problems.some((p) => p.file === '.mlops/experiments' && /should be a folder/.test(p.reason)));
    const versions = await store.listModelVersions();
    assert.ok(versions.problems.some((p) => p.file === '.mlops/models/m/versions' && /should be a folder/.test(p.reason)));
    // And writers do not replace the file.
    await assert.rejects(store.createRun({ experiment: 'exp2' }), /should be a folder/);
    assert.equal(fs.readFileSync(path.join(store.dir, 'experiments'), 'utf8'), 'oops');
  });
});

describe('store safety: trash versus update', () => {
  it('an update or append after the run went to the trash fails and does not resurrect its folder', async () => {
    const { store, runId } = await fixture();
    await store.trashRun(runId);
    await assert.rejects(store.updateRun(runId, (r) => { r.tags.push('zombie'); }), /no run/);
    await assert.rejects(store.logMetrics(runId, [{ name: 'loss', value: 1 }]), /no run/);
    await assert.rejects(store.endRun(runId, 'finished'), /no run/);
    assert.equal(fs.existsSync(store.runDir(runId)), false);
    assert.equal((await store.listTrash()).items.length, 1);
    assert.equal(fs.existsSync(path.join(store.dir, 'trash', 'runs', runId, 'run.json.lock')), false);
  });

  it('updates racing a delete: the run ends up in exactly one place, with every acknowledged update', async () => {
    for (let round = 0; round < 12; round++) {
      const { store, runId } = await fixture();
      const acked: string[] = [];
      const updates = Array.from({ length: 8 }, (_, i) => store.updateRun(runId, (r) => { r.tags.push(`t${i}`); }).then(() => { acked.push(`t${i}`); }, () => undefined));
      // The delete lands at a different moment of the update queue each round.
      const del = new Promise((r) => setTimeout(r, round % 6)).then(() => store.trashRun(runId));
      await Promise.all([...updates, del]);
      const live = fs.existsSync(store.runDir(runId));
      const trashed = fs.existsSync(path.join(store.dir, 'trash', 'runs', runId));
      assert.ok(!live && trashed, `round ${round}: live=${live} trashed=${trashed}`);
      const tags = (JSON.parse(fs.readFileSync(path.join(store.dir, 'trash', 'runs', runId, 'run.json'), 'utf8')) as { tags: string[] }).tags;
      for (const t of acked) { assert.ok(tags.includes(t), `round ${round}: acknowledged ${t} lost`); }
    }
  });

  it('restore brings a run back, emptyTrash deletes for good', async () => {
    const { store, runId } = await fixture();
    const second = await store.createRun({ experiment: 'exp' });
    await store.trashRun(runId);
    await store.trashRun(second.id);
    await store.restoreRun(runId);
    assert.equal((await store.readRun(runId)).id, runId);
    assert.deepEqual(await store.runs.emptyTrash(new Date(Date.now() - 3_600_000)), []);
    assert.deepEqual(await store.runs.emptyTrash(), [second.id]);
    assert.equal((await store.listTrash()).items.length, 0);
  });
});

describe('store: bad dates are input errors', () => {
  it('a start time out of range is an MlopsError, not an internal error', async () => {
    const { store } = await fixture();
    await assert.rejects(store.createRun({ experiment: 'exp', startTime: new Date(8.64e15 + 1) }), (e: unknown) => e instanceof MlopsError && /not a valid date/.test(e.message));
  });
});

describe('store: keys JSON readers would drop', () => {
  it("a run.json with a '__proto__' param is reported and never rewritten without it; new runs refuse the name", async () => {
    const { store, runId } = await fixture();
    const file = store.runFile(runId);
    const text = fs.readFileSync(file, 'utf8').replace('"params": {', '"params": {\n    "__proto__": 1,');
    fs.writeFileSync(file, text);
    const listed = await store.listRuns();
    assert.ok(listed.problems.some((p) => p.file.endsWith('run.json') && /__proto__/.test(p.reason)), JSON.stringify(listed.problems));
    await assert.rejects(store.updateRun(runId, (r) => { r.tags.push('x'); }), /__proto__/);
    assert.equal(fs.readFileSync(file, 'utf8'), text);
    await assert.rejects(store.createRun({ experiment: 'exp', params: JSON.parse('{"__proto__": 1}') as Record<string, number> }), /__proto__/);
  });
});
