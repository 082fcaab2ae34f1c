import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import {
  Store, StoreState, childrenOf, type Run, type ViewNode, type ViewOptions,
} from '../../src/core';
import { tmpDir } from './helpers';

const NOW = Date.parse('2026-11-30T12:00:00Z');

function opts(over: Partial<ViewOptions> = {}): ViewOptions {
  return { filter: {}, sort: 'newest', headline: 'loss', pageSize: 200, pages: new Map(), now: NOW, multiRoot: false, ...over };
}

const FP = (c: string) => c.repeat(64);

/**
 * A store with an earlier pipeline run (prepare and train ran), a later one (prepare up to date since the earlier
 * prepare, train failed, evaluate not run, report skipped by its condition), a plain run, and an orphan step whose
 * pipeline run was deleted.
 */
async function pipelineState(): Promise<{ state: StoreState; first: Run; second: Run; prep1: Run; train2: Run; orphan: Run; plain: Run }> {
  const { store } = await Store.init(tmpDir());
  const t0 = NOW - 3 * 3600_000;
  const at = (min: number) => new Date(t0 + min * 60_000);
  const plain = await store.createRun({ experiment: 'retrain', name: 'by-hand', status: 'finished', startTime: at(0), endTime: at(1) });
  const first = await store.createRun({ experiment: 'retrain', name: 'retrain-20261130-090000', status: 'running', startTime: at(10), tags: ['pipeline'], pipeline: { name: 'retrain' } });
  const prep1 = await store.createRun({ experiment: 'retrain', name: 'prepare-1', status: 'finished', startTime: at(11), endTime: at(12), parentRunId: first.id,
    pipeline: { name: 'retrain', step: 'prepare', fingerprint: FP('a') }, params: { rows: 100 } });
  const train1 = await store.createRun({ experiment: 'retrain', name: 'train-1', status: 'finished', startTime: at(12), endTime: at(14), parentRunId: first.id,
    pipeline: { name: 'retrain', step: 'train', fingerprint: FP('b') } });
  await store.logMetrics(train1.id, [{ name: 'loss', value: 0.25, step: 1 }]);
  await store.updateRun(first.id, (r) => {
    r.status = 'finished'; r.endTime = at(15).toISOString();
    r.pipeline = { name: 'retrain', steps: [{ id: 'prepare', state: 'ran', runId: prep1.id }, { id: 'train', state: 'ran', runId: train1.id }] };
  });
  const second = await store.createRun({ experiment: 'retrain', name: 'retrain-20261130-100000', status: 'running', startTime: at(60), tags: ['pipeline'], pipeline: { name: 'retrain', trigger: { name: 'drift', level: 'auto' } } });
  const train2 = await store.createRun({ experiment: 'retrain', name: 'train-2', status: 'failed', startTime: at(61), endTime: at(62), parentRunId: second.id, meta: { exitCode: 3 },
    pipeline: { name: 'retrain', step: 'train', fingerprint: FP('c') } });
  await store.updateRun(second.id, (r) => {
    r.status = 'failed'; r.endTime = at(63).toISOString();
    r.pipeline = { name: 'retrain', trigger: { name: 'drift', level: 'auto' }, steps: [
      { id: 'prepare', state: 'upToDate', runId: prep1.id, reason: `up to date since run ${prep1.id} (fingerprint unchanged)` },
      { id: 'train', state: 'failed', runId: train2.id },
      { id: 'evaluate', state: 'notRun', reason: 'not run because train failed' },
      { id: 'report', state: 'skipped', reason: 'drift.class == "major" → false (drift.class is "minor")' },
    ] };
  });
  const orphan = await store.createRun({ experiment: 'retrain', name: 'orphan-step', status: 'finished', startTime: at(90), endTime: at(91), parentRunId: '01JZZZZZZZZZZZZZZZZZZZZZZZ',
    pipeline: { name: 'retrain', step: 'prepare', fingerprint: FP('d') } });
  const state = new StoreState(store);
  await state.load();
  for (const r of state.runs.list()) { await state.metrics.get(r.id); }
  return { state, first, second, prep1, train2, orphan, plain };
}

const labels = (nodes: ViewNode[]) => nodes.map((n) => n.label);

describe('Experiments tree: pipeline runs and their steps (no VS Code)', () => {
  it('with goals.json, a pipeline run (no metrics of its own) carries no goal badge; its step runs do', async () => {
    const { state, second, train2 } = await pipelineState();
    fs.writeFileSync(state.store.goalsFile(), JSON.stringify({ formatVersion: 1, metrics: [{ name: 'loss', goal: 'min', threshold: 0.3 }] }));
    await state.load();
    const [exp] = childrenOf([state], undefined, 'experiments', opts());
    const runs = childrenOf([state], exp, 'experiments', opts());
    const pipe = runs.find((n) => n.runId === second.id)!;
    assert.doesNotMatch(pipe.description ?? '', /unknown|✓|✗/);
    const steps = childrenOf([state], pipe, 'experiments', opts());
    const train = steps.find((n) => n.runId === train2.id)!;
    assert.match(train.description ?? '', /unknown/, 'a step run without the goal metric is judged like any run');
  });

  it('step runs are not listed at the experiment\'s top level, and the count agrees; an orphan step is', async () => {
    const { state } = await pipelineState();
    const [exp] = childrenOf([state], undefined, 'experiments', opts());
    // 7 runs in the store: 2 pipeline runs, 3 steps with their parent, 1 orphan step, 1 plain run.
    assert.equal(state.runs.size, 7);
    assert.equal(exp.description, '4 runs');
    const runs = childrenOf([state], exp, 'experiments', opts());
    assert.deepEqual(labels(runs), ['orphan-step', 'retrain-20261130-100000', 'retrain-20261130-090000', 'by-hand']);
    // Paging counts top-level rows only.
    const paged = childrenOf([state], exp, 'experiments', opts({ pageSize: 3 }));
    assert.deepEqual(paged.map((n) => n.kind), ['run', 'run', 'run', 'more']);
    assert.equal(paged[3].description, '3 of 4');
  });

  it('a pipeline run has a marker, a .pipeline context value (existing run menus still match), and its steps in the tooltip', async () => {
    const { state } = await pipelineState();
    const [exp] = childrenOf([state], undefined, 'experiments', opts());
    const runs = childrenOf([state], exp, 'experiments', opts());
    const second = runs.find((n) => n.label === 'retrain-20261130-100000')!;
    assert.match(second.description ?? '', /^pipeline · 4 steps · 1 up to date · 1 skipped · 1 failed · /);
    assert.equal(second.contextValue, 'mlops.run.failed.pipeline');
    assert.match(second.contextValue, /^mlops\.run\./);
    assert.doesNotMatch(second.contextValue, /^mlops\.run\.running.*\.pipeline/);
    assert.match(second.tooltip ?? '', /started by drift \(auto\)/);
    assert.match(second.tooltip ?? '', /- evaluate: not run — not run because train failed/);
    const plain = runs.find((n) => n.label === 'by-hand')!;
    assert.equal(plain.contextValue, 'mlops.run.finished');
    const orphan = runs.find((n) => n.label === 'orphan-step')!;
    assert.equal(orphan.contextValue, 'mlops.run.finished');
  });

  it('a running pipeline run matches the Stop Pipeline menu', async () => {
    const { store } = await Store.init(tmpDir());
    await store.createRun({ experiment: 'p', name: 'p-1', status: 'running', pipeline: { name: 'p' } });
    const state = new StoreState(store);
    await state.load();
    const [exp] = childrenOf([state], undefined, 'experiments', opts());
    const [run] = childrenOf([state], exp, 'experiments', opts());
    assert.match(run.contextValue!, /^mlops\.run\.running.*\.pipeline/);
    assert.equal(exp.description, '1 run · 1 running');
  });

  it('a pipeline run expands to its steps in plan order, then the usual groups', async () => {
    const { state, prep1, train2 } = await pipelineState();
    const [exp] = childrenOf([state], undefined, 'experiments', opts());
    const second = childrenOf([state], exp, 'experiments', opts()).find((n) => n.label === 'retrain-20261130-100000')!;
    const kids = childrenOf([state], second, 'experiments', opts());
    assert.deepEqual(labels(kids), ['prepare', 'train', 'evaluate', 'report', 'Params', 'Metrics', 'Meta-metrics', 'Lineage']);
    const [prepare, train, evaluate, report] = kids;
    // Up to date: a reference to the run whose result is reused (clicking reveals it).
    assert.equal(prepare.kind, 'runRef');
    assert.equal(prepare.runId, prep1.id);
    assert.equal(prepare.description, 'up to date since run prepare-1');
    assert.deepEqual(prepare.icon, { symbol: 'stepUpToDate' });
    // The step that ran is its step run: a normal run node whose groups work.
    assert.equal(train.kind, 'run');
    assert.equal(train.runId, train2.id);
    assert.equal(train.contextValue, 'mlops.run.failed');
    assert.deepEqual(train.icon, { status: 'failed' });
    assert.match(train.description ?? '', /^exit code 3 · \d+ h ago$/);
    assert.match(train.tooltip ?? '', /\*\*train\\-2\*\*/);
    assert.deepEqual(labels(childrenOf([state], train, 'experiments', opts())), ['Params', 'Metrics', 'Meta-metrics', 'Lineage']);
    assert.equal(evaluate.kind, 'info');
    assert.equal(evaluate.description, 'not run · not run because train failed');
    assert.deepEqual(evaluate.icon, { symbol: 'stepNotRun' });
    assert.equal(report.kind, 'info');
    assert.match(report.description ?? '', /^skipped · drift\.class == "major"/);
    // Ids are unique in the view.
    const ids = kids.map((k) => k.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('a step run\'s groups show its own params and metrics', async () => {
    const { state } = await pipelineState();
    const [exp] = childrenOf([state], undefined, 'experiments', opts());
    const first = childrenOf([state], exp, 'experiments', opts()).find((n) => n.label === 'retrain-20261130-090000')!;
    const [prepare, train] = childrenOf([state], first, 'experiments', opts());
    assert.equal(prepare.kind, 'run');
    const params = childrenOf([state], childrenOf([state], prepare, 'experiments', opts())[0], 'experiments', opts());
    assert.deepEqual(params.map((n) => `${n.label}=${n.description}`), ['rows=100']);
    const metrics = childrenOf([state], childrenOf([state], train, 'experiments', opts())[1], 'experiments', opts());
    assert.deepEqual(labels(metrics), ['loss']);
    assert.match(train.description ?? '', /loss 0\.25/);
  });

  it('while a pipeline runs: the running step is its step run, later steps wait', async () => {
    const { store } = await Store.init(tmpDir());
    const p = await store.createRun({ experiment: 'p', name: 'p-1', status: 'running', pipeline: { name: 'p', steps: [
      { id: 'prepare', state: 'notRun', reason: 'always' }, { id: 'train', state: 'notRun', reason: 'always' }] } });
    await store.createRun({ experiment: 'p', name: 'prep-1', status: 'running', parentRunId: p.id, pipeline: { name: 'p', step: 'prepare' } });
    const state = new StoreState(store);
    await state.load();
    const [exp] = childrenOf([state], undefined, 'experiments', opts());
    assert.equal(exp.description, '1 run · 1 running');
    const [pipelineRun] = childrenOf([state], exp, 'experiments', opts());
    assert.equal(pipelineRun.description?.startsWith('pipeline · '), true);
    const kids = childrenOf([state], pipelineRun, 'experiments', opts());
    // The runner wrote every planned step as notRun when it started: the running one is its run, the next one waits.
    assert.deepEqual(kids.map((k) => `${k.kind}:${k.label}`).slice(0, 3), ['run:prepare', 'info:train', 'group:Params']);
    assert.deepEqual(kids[0].icon, { status: 'running' });
    assert.equal(kids[1].description, 'waiting · always');
    assert.equal(new Set(kids.map((k) => k.id)).size, kids.length);
  });

  it('filtering finds step runs: every matching run is listed flat while a filter is active', async () => {
    const { state, train2 } = await pipelineState();
    const [exp] = childrenOf([state], undefined, 'experiments', opts());
    const failed = childrenOf([state], exp, 'experiments', opts({ filter: { statuses: ['failed'] } }));
    // Newest first: the step run was created after its pipeline run.
    assert.deepEqual(labels(failed), ['train-2', 'retrain-20261130-100000']);
    assert.equal(failed[0].runId, train2.id);
    const text = childrenOf([state], exp, 'experiments', opts({ filter: { text: 'prepare-1' } }));
    assert.deepEqual(labels(text), ['prepare-1']);
    // The flat row and the row under the pipeline run have different ids (both may be on screen).
    const underParent = childrenOf([state], failed[1], 'experiments', opts({ filter: { statuses: ['failed'] } })).find((n) => n.runId === train2.id)!;
    assert.notEqual(underParent.id, failed[0].id);
  });
});
