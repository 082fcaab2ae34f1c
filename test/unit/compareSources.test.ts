import * as assert from 'node:assert/strict';
import { paramNumber, prepareComparison, toCsv } from '../../src/core/compare/prepare';
import { refKey, uniqueRefs } from '../../src/core/compare/sources';
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
