// The run catalog: a machine-local cache of run records and metric summaries that is never shown stale.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunCatalog, Store, summarizeMetrics, type MetricSummary } from '../../src/core';
import { git, snapshot, tmpDir } from './helpers';

function plain(m: Map<string, MetricSummary>): Record<string, MetricSummary> {
  return Object.fromEntries([...m.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

async function storeWithRuns(n: number, root = tmpDir()): Promise<{ store: Store; ids: string[] }> {
  const { store } = await Store.init(root);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const run = await store.createRun({ experiment: `exp-${i % 2}`, name: `run-${i}`, params: { i } });
    await store.logMetrics(run.id, [{ name: 'loss', value: 1 / (i + 1), step: 0 }, { name: 'loss', value: 0.5 / (i + 1), step: 1 }]);
    ids.push(run.id);
  }
  return { store, ids };
}

describe('run catalog', () => {
  it('builds, saves a git-ignored cache, and a fresh catalog reuses every entry without reading run.json', async () => {
    const { store, ids } = await storeWithRuns(5);
    const first = RunCatalog.open(store);
    assert.deepEqual(first.refresh(), { read: 5, reused: 0, removed: 0 });
    for (const id of ids) { first.summaries(id); }
    first.save();
    assert.equal(first.lastSaveError, undefined);
    assert.ok(fs.existsSync(path.join(store.dir, 'cache', 'runs-v1.json')));
    assert.match(fs.readFileSync(path.join(store.dir, 'cache', '.gitignore'), 'utf8'), /^\*$/m);

    const second = RunCatalog.open(store);
    assert.deepEqual(second.refresh(), { read: 0, reused: 5, removed: 0 });
    assert.deepEqual(second.list().map((r) => r.id), [...ids].reverse());
    assert.deepEqual([...second.experiments().entries()].sort(), [['exp-0', 3], ['exp-1', 2]]);
    for (const id of ids) {
      assert.deepEqual(plain(second.summaries(id)), plain(summarizeMetrics((await store.readMetrics(id)).points)));
    }
  });

  it('a run changed by another writer, by a hand edit of the same size, removed or added is never shown stale', async () => {
    const { store, ids } = await storeWithRuns(3);
    const warm = RunCatalog.open(store);
    warm.refresh();
    warm.save();

    await store.updateRun(ids[0], (r) => { r.tags.push('changed'); });
    // A hand edit in place that keeps the size: only mtime/ctime tell.
    const f = store.runFile(ids[1]);
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('"run-1"', '"RUN-1"'));
    fs.rmSync(store.runDir(ids[2]), { recursive: true });
    const added = await store.createRun({ experiment: 'exp-0', name: 'new' });

    const cat = RunCatalog.open(store);
    const r = cat.refresh();
    assert.deepEqual(r, { read: 3, reused: 0, removed: 1 });
    assert.deepEqual(cat.get(ids[0])!.tags, ['changed']);
    assert.equal(cat.get(ids[1])!.name, 'RUN-1');
    assert.equal(cat.get(ids[2]), undefined);
    assert.equal(cat.get(added.id)!.name, 'new');
  });

  it('a run changed by git pull is picked up', async () => {
    const origin = tmpDir('mlops-origin-');
    git(origin, 'init', '-q', '-b', 'main');
    const { store, ids } = await storeWithRuns(2, origin);
    git(origin, 'add', '-A');
    git(origin, 'commit', '-qm', 'runs');
    const clone = tmpDir('mlops-clone-');
    git(clone, 'clone', '-q', origin, '.');
    const mine = await Store.open(clone);
    const cat = RunCatalog.open(mine);
    cat.refresh();
    cat.save();
    await store.updateRun(ids[1], (r) => { r.tags.push('from-origin'); r.status = 'finished'; });
    git(origin, 'add', '-A');
    git(origin, 'commit', '-qm', 'tag');
    git(clone, 'pull', '-q', 'origin', 'main');
    const after = RunCatalog.open(mine);
    after.refresh();
    assert.deepEqual(after.get(ids[1])!.tags, ['from-origin']);
    assert.equal(after.get(ids[1])!.status, 'finished');
    // The cache is not part of what git sees.
    assert.equal(git(clone, 'status', '--porcelain'), '');
  });

  it('metric summaries: appended lines are read incrementally, a replaced or edited file again in full', async () => {
    const { store, ids } = await storeWithRuns(1);
    const id = ids[0];
    const cat = RunCatalog.open(store);
    cat.refresh();
    assert.equal(cat.summaries(id).get('loss')!.count, 2);
    await store.logMetrics(id, [{ name: 'loss', value: 0.1, step: 2 }, { name: 'acc', value: 0.9, step: 2 }]);
    const grown = cat.summaries(id);
    assert.equal(grown.get('loss')!.count, 3);
    assert.equal(grown.get('loss')!.last, 0.1);
    assert.equal(grown.get('acc')!.last, 0.9);
    // Replaced by a shorter file.
    fs.writeFileSync(store.metricsFile(id), '{"name":"loss","step":0,"value":7,"timestamp":1}\n');
    assert.deepEqual([...cat.summaries(id).values()].map((s) => [s.name, s.count, s.last]), [['loss', 1, 7]]);
    // Edited in place (same inode), then appended to: the edit is seen, not only the appended line.
    const text = fs.readFileSync(store.metricsFile(id), 'utf8').replace('"value":7', '"value":8');
    const fd = fs.openSync(store.metricsFile(id), 'r+');
    fs.writeSync(fd, text, 0);
    fs.closeSync(fd);
    await store.logMetrics(id, [{ name: 'loss', value: 6, step: 0, timestamp: 0 }]);
    const s = cat.summaries(id).get('loss')!;
    assert.equal(s.count, 2);
    assert.equal(s.max, 8);
  });

  it('summaries from the cache file are not shown until checked: a run that went on logging while closed is read again', async () => {
    const { store, ids } = await storeWithRuns(1);
    const id = ids[0];
    const before = RunCatalog.open(store);
    before.refresh();
    assert.equal(before.summaries(id).get('loss')!.count, 2);
    before.save();
    // The editor is closed; the script logs on and ends.
    await store.logMetrics(id, [{ name: 'loss', value: 0.01, step: 9 }]);
    const after = RunCatalog.open(store);
    after.refresh();
    assert.equal(after.peekSummaries(id), undefined, 'unchecked summaries were shown');
    const s = (await after.summariesAsync(id)).get('loss')!;
    assert.deepEqual([s.count, s.last], [3, 0.01]);
    assert.equal(after.peekSummaries(id)!.get('loss')!.last, 0.01);
  });

  it('a last line still being written counts only once it is complete', async () => {
    const { store, ids } = await storeWithRuns(1);
    const id = ids[0];
    const cat = RunCatalog.open(store);
    cat.refresh();
    fs.appendFileSync(store.metricsFile(id), '{"name":"loss","step":5,"val');
    assert.equal(cat.summaries(id).get('loss')!.count, 2);
    fs.appendFileSync(store.metricsFile(id), 'ue":0.01,"timestamp":5}\n');
    const s = cat.summaries(id).get('loss')!;
    assert.equal(s.count, 3);
    assert.equal(s.last, 0.01);
    assert.equal(cat.badMetricLines(id), 0);
  });

  it('a damaged or foreign cache is ignored and rebuilt; bad run files are problems', async () => {
    const { store, ids } = await storeWithRuns(2);
    fs.mkdirSync(path.join(store.dir, 'cache'));
    fs.writeFileSync(path.join(store.dir, 'cache', 'runs-v1.json'), '{"catalogVersion":1,"formatVersion":1,"entries":{');
    const cat = RunCatalog.open(store);
    assert.match(cat.loadNote!, /damaged/);
    assert.equal(cat.refresh().read, 2);
    fs.writeFileSync(store.runFile(ids[0]), '{ not json');
    fs.mkdirSync(path.join(store.dir, 'runs', 'not-a-run'));
    cat.refresh();
    assert.deepEqual(cat.list().map((r) => r.id), [ids[1]]);
    const problems = cat.problems().map((p) => p.file).sort();
    assert.deepEqual(problems, [`.mlops/runs/${ids[0]}/run.json`, '.mlops/runs/not-a-run']);
    cat.save();
    // A fake cache entry for a run that does not exist on disk is dropped by the next refresh.
    const fake = JSON.parse(fs.readFileSync(cat.cacheFile, 'utf8')) as { entries: Record<string, unknown> };
    fake.entries['01ARZ3NDEKTSV4RRFFQ69G5FAV'] = { sig: [1, 1, 1, 1], run: { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' } };
    fs.writeFileSync(cat.cacheFile, JSON.stringify(fake));
    const again = RunCatalog.open(store);
    assert.equal(again.refresh().removed, 1);
    assert.equal(again.get('01ARZ3NDEKTSV4RRFFQ69G5FAV'), undefined);
  });

  it('a run folder replaced by a link that leads out of the store is reported, not read', async () => {
    const { store, ids } = await storeWithRuns(2);
    const cat = RunCatalog.open(store);
    cat.refresh();
    const outside = tmpDir('mlops-outside-');
    fs.cpSync(store.runDir(ids[0]), outside, { recursive: true });
    fs.rmSync(store.runDir(ids[0]), { recursive: true });
    fs.symlinkSync(outside, store.runDir(ids[0]));
    assert.equal(cat.refreshOne(ids[0]), 'problem');
    assert.equal(cat.get(ids[0]), undefined);
    cat.refresh();
    assert.deepEqual(cat.list().map((r) => r.id), [ids[1]]);
    assert.ok(cat.problems().some((p) => p.file === `.mlops/runs/${ids[0]}` && /outside the store/.test(p.reason)));
  });

  it('a cache folder linked outside the store is never written through', async () => {
    const { store } = await storeWithRuns(1);
    const outside = tmpDir('mlops-outside-');
    fs.symlinkSync(outside, path.join(store.dir, 'cache'));
    const cat = RunCatalog.open(store);
    cat.refresh();
    cat.save();
    assert.match(cat.lastSaveError!, /not a folder/);
    assert.deepEqual([...snapshot(outside).keys()], []);
  });
});
