import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import {
  Store, StoreState, childrenOf, classifyChange, describeFilter, emptyChangeSet, escapeMarkdown, formatValue, matchesFilter,
  parseMetricThreshold, relativeTime, sortRuns, type Run, type ViewNode, type ViewOptions,
} from '../../src/core';
import { tmpDir } from './helpers';

const NOW = Date.parse('2026-11-26T12:00:00Z');

function opts(over: Partial<ViewOptions> = {}): ViewOptions {
  return { filter: {}, sort: 'newest', headline: 'loss', pageSize: 200, pages: new Map(), now: NOW, multiRoot: false, ...over };
}

async function sampleState(): Promise<StoreState> {
  const { store } = await Store.init(tmpDir());
  const data = tmpDir('mlops-data-');
  fs.writeFileSync(`${data}/train.csv`, 'a,b\n1,2\n');
  const dv = await store.tagData({ path: data, dataset: 'churn', tags: ['v1'] });
  const t0 = NOW - 3 * 3600_000;
  const a = await store.createRun({ experiment: 'baseline', name: 'run-a', status: 'finished', startTime: new Date(t0), endTime: new Date(t0 + 60_000), params: { lr: 0.1 }, tags: ['keep'],
    dataVersions: [{ dataset: 'churn', version: dv.version.id }], git: { commit: 'a'.repeat(40), dirty: true }, meta: { durationMs: 60_000, peakMemoryBytes: 2 * 1024 ** 3 } });
  await store.logMetrics(a.id, [{ name: 'loss', value: 0.5, step: 0 }, { name: 'loss', value: 0.2, step: 1 }, { name: 'accuracy', value: 0.9, step: 1 }]);
  const b = await store.createRun({ experiment: 'baseline', name: 'run-b', status: 'failed', startTime: new Date(t0 + 1000), params: { lr: 1 } });
  await store.logMetrics(b.id, [{ name: 'loss', value: 0.7, step: 0 }]);
  await store.createRun({ experiment: 'tuning', name: 'run-c', status: 'running', startTime: new Date(t0 + 2000) });
  fs.writeFileSync(`${store.root}/m.pkl`, 'w');
  await store.registerModel({ name: 'churn-model', runId: a.id, artifactPath: `${store.root}/m.pkl` });
  await store.setModelStage('churn-model', 1, 'production');
  const state = new StoreState(store);
  await state.load();
  for (const r of state.runs.list()) { await state.metrics.get(r.id); }
  return state;
}

const labels = (nodes: ViewNode[]) => nodes.map((n) => n.label);
const find = (nodes: ViewNode[], label: string) => { const n = nodes.find((x) => x.label === label); assert.ok(n, `no node '${label}' in ${labels(nodes).join(', ')}`); return n; };

describe('tree model (no VS Code)', () => {
  it('Experiments: experiments with counts, runs newest first with status icons and headline metric', async () => {
    const state = await sampleState();
    const top = childrenOf([state], undefined, 'experiments', opts());
    assert.deepEqual(labels(top), ['baseline', 'tuning']);
    assert.equal(top[0].description, '2 runs');
    assert.equal(top[1].description, '1 run · 1 running');
    const runs = childrenOf([state], top[0], 'experiments', opts());
    assert.deepEqual(labels(runs), ['run-b', 'run-a']);
    const a = find(runs, 'run-a');
    assert.deepEqual(a.icon, { status: 'finished' });
    assert.equal(a.contextValue, 'mlops.run.finished');
    assert.match(a.description ?? '', /^loss 0\.2 · 3 h ago$/);
    assert.match(a.tooltip ?? '', /\*\*dirty\*\*/);
    assert.match(a.tooltip ?? '', /churn v1/);
    assert.match(a.tooltip ?? '', /churn\\-model v1 \(production\)/);
    assert.deepEqual(find(runs, 'run-b').icon, { status: 'failed' });
    const running = childrenOf([state], top[1], 'experiments', opts())[0];
    assert.deepEqual(running.icon, { status: 'running' });
  });

  it("a run's children: params, metrics (last/min/max), meta-metrics and lineage", async () => {
    const state = await sampleState();
    const exp = childrenOf([state], undefined, 'experiments', opts())[0];
    const run = find(childrenOf([state], exp, 'experiments', opts()), 'run-a');
    const groups = childrenOf([state], run, 'experiments', opts());
    assert.deepEqual(labels(groups), ['Params', 'Metrics', 'Meta-metrics', 'Lineage']);
    assert.deepEqual(childrenOf([state], groups[0], 'experiments', opts()).map((n) => `${n.label}=${n.description}`), ['lr=0.1']);
    const metrics = childrenOf([state], groups[1], 'experiments', opts());
    assert.deepEqual(labels(metrics), ['accuracy', 'loss']);
    assert.equal(find(metrics, 'loss').description, '0.2 @ 1   min 0.2   max 0.5');
    const meta = childrenOf([state], groups[2], 'experiments', opts());
    assert.deepEqual(meta.map((n) => `${n.label}: ${n.description}`), ['Duration: 1 min 0 s', 'Peak memory: 2.0 GiB']);
    const lineage = childrenOf([state], groups[3], 'experiments', opts());
    assert.deepEqual(lineage.map((n) => n.kind), ['commit', 'dataRef', 'modelRef']);
    assert.equal(lineage[0].label, 'commit aaaaaaaa');
    assert.equal(lineage[0].description, 'dirty');
    assert.equal(lineage[1].label, 'churn v1');
    assert.equal(lineage[2].label, 'churn-model v1');
  });

  it('Data: datasets → versions → runs that used them', async () => {
    const state = await sampleState();
    const ds = childrenOf([state], undefined, 'data', opts());
    assert.deepEqual(labels(ds), ['churn']);
    const versions = childrenOf([state], ds[0], 'data', opts());
    assert.equal(versions[0].label, 'v1');
    assert.match(versions[0].description ?? '', /^1 file · 8 B · /);
    const used = childrenOf([state], versions[0], 'data', opts()).filter((n) => n.kind === 'runRef');
    assert.deepEqual(labels(used), ['used by run-a']);
  });

  it('Data: a version written by a run (a pipeline step) names it first, so lineage reads backwards; a gone writer says so', async () => {
    const state = await sampleState();
    const store = state.store;
    const writer = await store.createRun({ experiment: 'retraining', name: 'retrain.prepare', status: 'finished', startTime: new Date(NOW - 60_000) });
    const out = tmpDir('mlops-prepared-');
    fs.writeFileSync(`${out}/prepared.csv`, 'a,b\n1,2\n3,4\n');
    const tagged = await store.tagData({ path: out, dataset: 'churn-prepared', profile: false });
    await store.updateDataVersion('churn-prepared', tagged.version.id, (v) => { v.run = writer.id; });
    const gone = tmpDir('mlops-gone-');
    fs.writeFileSync(`${gone}/x.csv`, 'a\n1\n');
    const orphan = await store.tagData({ path: gone, dataset: 'orphaned', profile: false });
    await store.updateDataVersion('orphaned', orphan.version.id, (v) => { v.run = '01ARZ3NDEKTSV4RRFFQ69G5FAV'; });
    await state.load();
    const ds = childrenOf([state], undefined, 'data', opts());
    const prepared = childrenOf([state], find(ds, 'churn-prepared'), 'data', opts())[0];
    assert.match(prepared.tooltip ?? '', new RegExp(`written by run \`${writer.id}\``));
    const kids = childrenOf([state], prepared, 'data', opts());
    const w = find(kids, 'written by retrain.prepare');
    assert.equal(w.kind, 'runRef');
    assert.equal(w.runId, writer.id);
    const orphanKids = childrenOf([state], childrenOf([state], find(ds, 'orphaned'), 'data', opts())[0], 'data', opts());
    assert.equal(find(orphanKids, 'written by run 01ARZ3NDEKTSV4RRFFQ69G5FAV').description, 'run not found in this store');
  });

  it('Models: models → versions with stage icon → producing run, commit, data', async () => {
    const state = await sampleState();
    const models = childrenOf([state], undefined, 'models', opts());
    assert.equal(models[0].description, '1 version · production v1');
    const v = childrenOf([state], models[0], 'models', opts())[0];
    assert.equal(v.label, 'v1');
    assert.deepEqual(v.icon, { stage: 'production' });
    assert.equal(v.contextValue, 'mlops.modelVersion.production');
    const kids = childrenOf([state], v, 'models', opts());
    assert.deepEqual(kids.map((n) => n.kind), ['info', 'runRef', 'commit', 'dataRef']);
    assert.equal(kids[1].label, 'run run-a');
  });

  it('filter, sort and paging of runs', async () => {
    const state = await sampleState();
    const exp = childrenOf([state], undefined, 'experiments', opts())[0];
    assert.deepEqual(labels(childrenOf([state], exp, 'experiments', opts({ filter: { statuses: ['failed'] } }))), ['run-b']);
    assert.deepEqual(labels(childrenOf([state], exp, 'experiments', opts({ filter: { metric: parseMetricThreshold('loss < 0.3') } }))), ['run-a']);
    assert.deepEqual(labels(childrenOf([state], exp, 'experiments', opts({ sort: 'metric-desc' }))), ['run-b', 'run-a']);
    assert.deepEqual(labels(childrenOf([state], exp, 'experiments', opts({ sort: 'oldest' }))), ['run-a', 'run-b']);
    const none = childrenOf([state], exp, 'experiments', opts({ filter: { tag: 'nope' } }));
    assert.deepEqual(none.map((n) => n.kind), ['info']);
    const paged = childrenOf([state], exp, 'experiments', opts({ pageSize: 1 }));
    assert.deepEqual(paged.map((n) => n.kind), ['run', 'more']);
    assert.equal(paged[1].description, '1 of 2');
    const twoPages = childrenOf([state], exp, 'experiments', opts({ pageSize: 1, pages: new Map([[exp.id, 2]]) }));
    assert.deepEqual(twoPages.map((n) => n.kind), ['run', 'run']);
  });

  it('damaged files show as one warning node whose children open the files', async () => {
    const state = await sampleState();
    const id = state.runs.list()[0].id;
    fs.writeFileSync(state.store.runFile(id), '{ broken');
    fs.writeFileSync(`${state.store.dir}/experiments/bad.json`, '[]');
    await state.load();
    const top = childrenOf([state], undefined, 'experiments', opts());
    assert.equal(top[0].kind, 'problems');
    assert.equal(top[0].label, '2 files could not be read');
    const files = childrenOf([state], top[0], 'experiments', opts());
    assert.deepEqual(files.map((n) => n.label).sort(), ['.mlops/experiments/bad.json', `.mlops/runs/${id}/run.json`]);
    assert.ok(files.every((n) => n.file && fs.existsSync(n.file)));
  });

  it('multi-root: one folder node per store', async () => {
    const a = await sampleState();
    const b = await sampleState();
    const top = childrenOf([a, b], undefined, 'experiments', opts({ multiRoot: true }));
    assert.deepEqual(top.map((n) => n.kind), ['folder', 'folder']);
    assert.deepEqual(labels(childrenOf([a, b], top[1], 'experiments', opts({ multiRoot: true }))), ['baseline', 'tuning']);
  });

  it('10,000 runs: the experiment node yields one page, not every run', async () => {
    const { store } = await Store.init(tmpDir());
    const state = new StoreState(store);
    const t0 = Date.now();
    for (let i = 0; i < 10_000; i++) {
      const id = `01M8${String(i).padStart(22, '0')}`.replace(/[ILOU]/g, '0');
      (state.runs.catalog as unknown as { entries: Map<string, { sig: null; run: Run }> }).entries.set(id, { sig: null, run: { formatVersion: 1, id, experiment: 'big', name: `r${i}`, status: 'finished', startTime: new Date(t0).toISOString(), params: {}, tags: [], dataVersions: [], meta: {} } });
    }
    const exp = childrenOf([state], undefined, 'experiments', opts())[0];
    assert.equal(exp.description, '10000 runs');
    const kids = childrenOf([state], exp, 'experiments', opts());
    assert.equal(kids.length, 201);
    assert.equal(kids[200].description, '200 of 10000');
  });
});

describe('store change routing', () => {
  it('maps paths under .mlops/ to what must be re-read', () => {
    const id = '01M8CNZ2K6YR0SF2611ZPY3V0E';
    const c = emptyChangeSet();
    classifyChange(`runs/${id}/run.json`, c);
    classifyChange(`runs/${id}/metrics.jsonl`, c);
    classifyChange(`runs/${id}/.run.json.123.abcd.tmp`, c);
    classifyChange(`runs/${id}/run.json.lock`, c);
    classifyChange('datasets/churn/versions/x.json', c);
    assert.deepEqual([...c.runs], [id]);
    assert.deepEqual([...c.metrics], [id]);
    assert.equal(c.data, true);
    assert.equal(c.models, false);
    assert.equal(c.full, false);
    assert.equal(classifyChange('mlops.json').full, true);
    assert.equal(classifyChange('models/m/versions/1.json').models, true);
    assert.equal(classifyChange('runs/not-an-id/run.json').runs.size, 0);
    assert.equal(classifyChange('policy.json').data, true, 'drift settings may live in policy.json');
  });

  it('StoreState.apply re-reads only the named run and the new metric lines', async () => {
    const { store } = await Store.init(tmpDir());
    const run = await store.createRun({ experiment: 'e' });
    const state = new StoreState(store);
    await state.load();
    await store.logMetrics(run.id, [{ name: 'loss', value: 1, step: 0 }]);
    await state.apply(classifyChange(`runs/${run.id}/metrics.jsonl`));
    assert.equal(state.metrics.peek(run.id)?.get('loss')?.last, 1);
    await store.logMetrics(run.id, [{ name: 'loss', value: 0.5, step: 1 }]);
    await state.apply(classifyChange(`runs/${run.id}/metrics.jsonl`));
    assert.equal(state.metrics.peek(run.id)?.get('loss')?.last, 0.5);
    assert.equal(state.metrics.peek(run.id)?.get('loss')?.count, 2);
    const other = await store.createRun({ experiment: 'e2' });
    await state.apply(classifyChange(`runs/${other.id}/run.json`));
    assert.equal(state.runs.size, 2);
    assert.deepEqual(state.experimentNames(), ['e', 'e2']);
  });

  it('StoreState.apply returns a metrics file it cannot read, with the cause, and still applies the rest', async () => {
    const { store } = await Store.init(tmpDir());
    const broken = await store.createRun({ experiment: 'e' });
    const fine = await store.createRun({ experiment: 'e' });
    const state = new StoreState(store);
    await state.load();
    // A metrics "file" that cannot be read: a folder in its place.
    fs.mkdirSync(store.metricsFile(broken.id));
    await store.logMetrics(fine.id, [{ name: 'loss', value: 0.25, step: 0 }]);
    const change = classifyChange(`runs/${broken.id}/metrics.jsonl`);
    classifyChange(`runs/${fine.id}/metrics.jsonl`, change);
    const problems = await state.apply(change);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].runId, broken.id);
    assert.equal(problems[0].file, store.metricsFile(broken.id));
    assert.match(problems[0].message, /EISDIR|directory/i);
    assert.equal(state.metrics.peek(fine.id)?.get('loss')?.last, 0.25);
  });

  it('a run whose record and metrics changed in the same batch (log, then end) gets its new metrics', async () => {
    const { store } = await Store.init(tmpDir());
    const run = await store.createRun({ experiment: 'e' });
    await store.logMetrics(run.id, [{ name: 'loss', value: 1, step: 0 }]);
    const state = new StoreState(store);
    await state.load();
    await state.metrics.get(run.id);
    await store.logMetrics(run.id, [{ name: 'loss', value: 0.5, step: 1 }]);
    await store.endRun(run.id, 'finished');
    const change = classifyChange(`runs/${run.id}/run.json`);
    classifyChange(`runs/${run.id}/metrics.jsonl`, change);
    await state.apply(change);
    assert.equal(state.runs.get(run.id)?.status, 'finished');
    assert.equal(state.metrics.peek(run.id)?.get('loss')?.last, 0.5);
  });

  it('the metric cache reads a half-written last line only once it is complete', async () => {
    const { store } = await Store.init(tmpDir());
    const run = await store.createRun({ experiment: 'e' });
    fs.writeFileSync(store.metricsFile(run.id), '{"name":"a","step":0,"value":1,"timestamp":1}\n{"name":"a","step":1,"va');
    const state = new StoreState(store);
    assert.equal((await state.metrics.get(run.id)).get('a')?.count, 1);
    fs.appendFileSync(store.metricsFile(run.id), 'lue":2,"timestamp":2}\n');
    const s = (await state.metrics.get(run.id)).get('a');
    assert.equal(s?.count, 2);
    assert.equal(s?.last, 2);
  });
});

describe('view text', () => {
  it('formats values, times and filters for people', () => {
    assert.equal(formatValue(0.123456), '0.1235');
    assert.equal(formatValue(0.00001234), '1.234e-5');
    assert.equal(formatValue(NaN), 'NaN');
    assert.equal(formatValue(true), 'true');
    assert.equal(relativeTime(new Date(NOW - 30_000).toISOString(), NOW), 'just now');
    assert.equal(relativeTime(new Date(NOW - 5 * 60_000).toISOString(), NOW), '5 min ago');
    assert.equal(describeFilter({ statuses: ['failed', 'killed'], tag: 'x', metric: { name: 'acc', op: '>=', value: 0.8 } }), 'failed|killed, #x, acc >= 0.8');
    assert.throws(() => parseMetricThreshold('accuracy is high'), /not a threshold/);
  });

  it('escapes user text in Markdown so names cannot inject links or HTML', () => {
    assert.equal(escapeMarkdown('[x](command:evil) <img>'), '\\[x\\]\\(command:evil\\) \\<img\\>');
    // Tooltips render theme icons: a name spelled like one stays text.
    assert.equal(escapeMarkdown('$(zap)'), '\\$\\(zap\\)');
  });

  it('text filter searches name, id, tags, notes and params', () => {
    const run = { formatVersion: 1, id: '01M8CNZ2K6YR0SF2611ZPY3V0E', experiment: 'e', name: 'alpha', status: 'finished', startTime: new Date().toISOString(), params: { optimizer: 'adamw' }, tags: ['gold'], notes: 'try warmup', dataVersions: [], meta: {} } as Run;
    for (const t of ['ALPHA', 'adamw', 'gold', 'warmup', '01m8cnz']) { assert.ok(matchesFilter(run, { text: t }), t); }
    assert.equal(matchesFilter(run, { text: 'beta' }), false);
    assert.deepEqual(sortRuns([run], 'name', undefined, () => undefined).length, 1);
  });
});
