import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { paramNumber, prepareComparison, toCsv } from '../../src/core/compare/prepare';
import { gatherComparison, refKey, uniqueRefs, type CompareLookup } from '../../src/core/compare/sources';
import { mlflowStoreAt, openMlflowStore } from '../../src/core/mlflow';
import { MlflowViewState } from '../../src/core/mlflow/viewState';
import { Store, StoreState } from '../../src/core';
import { REPO, tmpDir } from './helpers';
import { ComparePayloadSchema, CompareStateSchema } from '../../src/protocol/compare';
import { toPayload } from '../../src/vscode/compare/message';
import type { MetricPoint, Run } from '../../src/core';

function run(id: string, name: string, params: Run['params'], extra: Partial<Run> = {}): Run {
  return { formatVersion: 1, id, experiment: 'e', name, status: 'finished', startTime: '2026-11-26T10:00:00.000Z', params, tags: [], dataVersions: [], meta: {}, ...extra };
}
const pts = (name: string, values: number[]): MetricPoint[] => values.map((value, step) => ({ name, step, value, timestamp: 1_700_000_000_000 + step * 1000 }));

describe('compare: runs of MLflow and .mlops together', () => {
  it('params recorded as text by MLflow and as numbers by .mlops compare by value, and keep what was recorded', () => {
    const mlops = run('01JDMLOPS', 'mlops', { lr: 0.001, epochs: 10, opt: 'adam', amp: true, note: 'a' });
    const mlflow = run('a'.repeat(32), 'mlflow', { lr: '1e-3', epochs: '10', opt: 'adam', amp: 'True', note: 'b' });
    const c = prepareComparison([{ run: mlops, points: [] }, { run: mlflow, points: [] }]);
    const row = (k: string) => c.params.find((r) => r.key === k)!;
    assert.deepEqual(row('lr').values, [0.001, '1e-3'], 'MLflow text stays as recorded');
    assert.equal(row('lr').differs, false, '"1e-3" and 0.001 are the same learning rate');
    assert.equal(row('epochs').differs, false);
    assert.equal(row('amp').differs, false, "Python's True as MLflow logs it equals true");
    assert.equal(row('opt').differs, false);
    assert.equal(row('note').differs, true);
    assert.deepEqual(row('lr').numbers, [0.001, 0.001], 'numbers for the scatter chart');
    assert.equal(row('opt').numbers, undefined);
    assert.deepEqual(c.numericParams, ['epochs', 'lr']);
  });

  it('a param recorded in one run only differs; text that only looks numeric in part is text', () => {
    assert.equal(paramNumber('0.01'), 0.01);
    assert.equal(paramNumber(' -2 '), -2);
    assert.equal(paramNumber('1e-3'), 0.001);
    for (const v of ['0.01abc', '', 'NaN', 'Infinity', '0x10', '1,5', null, true]) { assert.equal(paramNumber(v), undefined, String(v)); }
    const c = prepareComparison([{ run: run('A', 'a', { lr: '0.1', sched: 'cosine' }), points: [] }, { run: run('B', 'b', { lr: '0.10' }), points: [] }]);
    assert.deepEqual(c.params.map((r) => [r.key, r.differs]), [['lr', false], ['sched', true]]);
    assert.deepEqual(c.params.find((r) => r.key === 'sched')!.values, ['cosine', null]);
  });

  it('an MLflow run carries its store to the column header, the payload and the CSV; a .mlops run does not', () => {
    const c = prepareComparison([
      { run: run('01JDMLOPS', 'mlops-run', {}), points: pts('loss', [1, 0.5]), origin: { root: '/w' } },
      { run: run('b'.repeat(32), 'mlflow-run', {}), points: pts('loss', [1, 0.4]), origin: { root: '/w', store: 'mlflow:file:/w/mlruns', storeLabel: 'MLflow — mlruns' } },
    ]);
    assert.deepEqual(c.runs.map((r) => [r.root, r.store, r.storeLabel]), [['/w', undefined, undefined], ['/w', 'mlflow:file:/w/mlruns', 'MLflow — mlruns']]);
    const payload = toPayload(c);
    assert.ok(ComparePayloadSchema.safeParse(payload).success);
    assert.equal(payload.runs[1].storeLabel, 'MLflow — mlruns');
    assert.ok(!('store' in payload.runs[0]));
    assert.deepEqual(c.metrics.find((r) => r.key === 'loss last')?.best, [1]);
    const header = toCsv(c).split('\r\n')[0];
    assert.equal(header, `,mlops-run (01JDMLOPS),"mlflow-run (${'b'.repeat(32)}, MLflow — mlruns)"`);
  });

  it('goals.json metric goals are evaluated on an MLflow run’s metrics', () => {
    const goalsFile = { kpis: [], metrics: [{ name: 'accuracy', goal: 'max' as const, threshold: 0.8 }], constraints: {} };
    const c = prepareComparison([
      { run: run('01JDMLOPS', 'mlops', {}), points: pts('accuracy', [0.7, 0.75]) },
      { run: run('c'.repeat(32), 'mlflow', { lr: '0.1' }), points: pts('accuracy', [0.7, 0.9]), origin: { root: '/w', store: 'k', storeLabel: 'MLflow — mlflow.db' } },
    ], { goalsFile: goalsFile as unknown as NonNullable<Parameters<typeof prepareComparison>[1]>['goalsFile'] });
    assert.deepEqual(c.goals?.runs.map((r) => r.checks.map((x) => [x.value, x.verdict])), [[[0.75, 'fail']], [[0.9, 'pass']]]);
  });

  it('refs: the same run in the same store is one column; the same id in another store is another ref', () => {
    const a = { root: '/w', runId: 'x' };
    const b = { root: '/w', runId: 'x', store: 'mlflow:sqlite:/w/mlflow.db' };
    assert.deepEqual(uniqueRefs([a, b, { ...a }, { ...b }]), [a, b]);
    assert.notEqual(refKey(a), refKey(b));
  });

  it('the saved page state holds the refs of a mixed comparison; an older state (run ids only) still parses', () => {
    const state = { runIds: ['x', 'y'], refs: [{ root: '/w', runId: 'x' }, { root: '/w', runId: 'y', store: 'mlflow:file:/w/mlruns' }], options: { logScale: true } };
    const parsed = CompareStateSchema.safeParse(state);
    assert.ok(parsed.success);
    assert.deepEqual(parsed.data.refs?.[1], { root: '/w', runId: 'y', store: 'mlflow:file:/w/mlruns' });
    const old = CompareStateSchema.safeParse({ runIds: ['x'] });
    assert.ok(old.success);
    assert.equal(old.data.refs, undefined);
    assert.equal(CompareStateSchema.safeParse({ runIds: [], refs: [{ runId: 'x' }] }).success, false, 'a ref needs its folder');
  });
});

describe('compare: gathering runs from a .mlops store and a real MLflow store (the corpus, read in place)', () => {
  const CORPUS = path.resolve(REPO, '..', 'shared', 'corpus', 'mlruns');
  const FOLDER = 'cr21__MLOps_ExperimentTracking_HyperParameterOptimizations';
  const SAMPLE = '1f9f0ec610b142ab8eff3eb836994def';
  /** `metric.<key>` of the sample run in EXPECTED.tsv (an independent reader): key → last value. */
  const expected = new Map(fs.readFileSync(path.join(CORPUS, 'EXPECTED.tsv'), 'utf8').split('\n').map((l) => l.split('\t'))
    .filter(([f, , rec, key]) => f === FOLDER && rec === `run:${SAMPLE}` && key?.startsWith('metric.')).map(([, , , key, value]) => [key.slice(7), Number(value.split(' ')[0])]));
  let root = '';
  let state: StoreState;
  let view: MlflowViewState;
  let mlopsId = '';

  before(async () => {
    root = tmpDir('mlops-compare-mlflow-');
    const { store } = await Store.init(root);
    const run = await store.createRun({ experiment: 'vit', name: 'mlops-vit', params: { learning_rate: 0.001, depth: 6 } });
    await store.logMetrics(run.id, [{ name: 'val/acc', step: 0, value: 0.1 }, { name: 'val/acc', step: 1, value: 0.15 }, { name: 'val/loss', step: 1, value: 2.3 }]);
    await store.endRun(run.id, 'finished');
    mlopsId = run.id;
    fs.writeFileSync(path.join(root, '.mlops', 'goals.json'), JSON.stringify({ formatVersion: 1, metrics: [{ name: 'val/acc', goal: 'max', threshold: 0.16 }] }));
    state = new StoreState(store);
    await state.load();
    const ref = await mlflowStoreAt(path.join(CORPUS, FOLDER, 'mlruns'), path.join(CORPUS, FOLDER));
    view = new MlflowViewState(ref, await openMlflowStore(ref));
    await view.load();
  });
  after(() => view?.dispose());

  const lookup = (): CompareLookup => ({ mlops: (r) => (r === root ? state : undefined), mlflow: (k) => (k === view.key ? view : undefined) });

  it('an MLflow run and a .mlops run: both columns, the MLflow values as the store has them, params by value, goals on both', async () => {
    assert.ok(expected.size >= 5, 'EXPECTED.tsv has the sample run');
    const { comparison: c, refs, missing } = await gatherComparison([{ root, runId: mlopsId }, { root: view.root, runId: SAMPLE, store: view.key }], lookup());
    assert.deepEqual(missing, []);
    assert.equal(refs.length, 2);
    assert.deepEqual(c.runs.map((r) => [r.id, r.store ?? null, r.storeLabel ?? null]), [[mlopsId, null, null], [SAMPLE, view.key, view.label]]);
    for (const [name, last] of expected) {
      assert.equal(c.metrics.find((r) => r.key === `${name} last`)?.values[1], Number(last.toPrecision(7)), name);
    }
    assert.deepEqual(c.metrics.find((r) => r.key === 'val/acc last')?.values[0], 0.15);
    const lr = c.params.find((r) => r.key === 'learning_rate')!;
    assert.deepEqual([lr.values, lr.differs], [[0.001, '0.001'], false], "MLflow's text \"0.001\" is the .mlops number 0.001");
    assert.ok(c.series['val/loss'][SAMPLE].total >= 10, 'the MLflow curve is the full history');
    // goals.json of the .mlops store judges the MLflow run too: val/acc ≥ 0.16.
    const valAcc = expected.get('val/acc')!;
    assert.deepEqual(c.goals?.runs.map((r) => r.checks[0].verdict), ['fail', valAcc >= 0.16 ? 'pass' : 'fail']);
    assert.equal(c.goals?.runs[1].checks[0].value, valAcc);
  });

  it('with the MLflow run first (its folder has no .mlops store), goals still come from the .mlops store compared', async () => {
    const { comparison: c } = await gatherComparison([{ root: view.root, runId: SAMPLE, store: view.key }, { root, runId: mlopsId }], lookup());
    assert.equal(c.goals?.definitions[0]?.name, 'val/acc');
    assert.deepEqual(c.runs.map((r) => r.id), [SAMPLE, mlopsId]);
  });

  it('runs gone from their store are left out and named; a run id met in a second store is compared once', async () => {
    const problems: string[] = [];
    const twin = Object.create(view, { key: { value: 'mlflow:file:elsewhere' } }) as MlflowViewState;
    const both: CompareLookup = { mlops: (r) => (r === root ? state : undefined), mlflow: (k) => (k === view.key ? view : k === twin.key ? twin : undefined) };
    const { comparison: c, missing } = await gatherComparison([
      { root: view.root, runId: SAMPLE, store: view.key }, { root: view.root, runId: SAMPLE, store: twin.key },
      { root, runId: 'NO_SUCH_RUN' }, { root: view.root, runId: 'f'.repeat(32), store: 'mlflow:file:gone' },
    ], both, { onProblem: (m) => problems.push(m) });
    assert.deepEqual(c.runs.map((r) => r.id), [SAMPLE]);
    assert.deepEqual(missing.map((r) => r.runId), ['NO_SUCH_RUN', 'f'.repeat(32)]);
    assert.match(problems.join('\n'), /named twice/);
  });
});
