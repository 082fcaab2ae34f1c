import * as assert from 'node:assert/strict';
import { csvCell, downsampleMinMax, metricDirection, metricWords, prepareComparison, toCsv, toSeries } from '../../src/core/compare/prepare';
import { ComparePayloadSchema, HostMessageSchema, WebviewMessageSchema } from '../../src/protocol/compare';
import type { MetricPoint, Run } from '../../src/core';
import { loadMessage } from '../../src/vscode/compare/message';

function run(id: string, name: string, params: Run['params'], extra: Partial<Run> = {}): Run {
  return { formatVersion: 1, id, experiment: 'e', name, status: 'finished', startTime: '2026-11-26T10:00:00.000Z', params, tags: [], dataVersions: [], meta: {}, ...extra };
}
const pts = (name: string, values: number[], t0 = 1_700_000_000_000): MetricPoint[] => values.map((value, step) => ({ name, step, value, timestamp: t0 + step * 1000 }));

describe('compare: data preparation', () => {
  it('min/max downsampling keeps every peak and dip, the first and the last point', () => {
    const n = 100_000;
    const ys = Array.from({ length: n }, (_, i) => Math.sin(i / 500));
    ys[12_345] = 50; ys[77_777] = -50; ys[n - 1] = 3;
    const keep = downsampleMinMax([], ys, 1000);
    assert.ok(keep.length <= 1000, String(keep.length));
    const kept = keep.map((i) => ys[i]);
    assert.ok(kept.includes(50) && kept.includes(-50));
    assert.equal(keep[0], 0);
    assert.equal(keep[keep.length - 1], n - 1);
    assert.deepEqual(keep, [...keep].sort((a, b) => a - b), 'in x order');
    assert.deepEqual(downsampleMinMax([], [1, 2, 3], 1000), [0, 1, 2]);
  });

  it('series: one value per step (the latest), non-finite values dropped, seconds from the first point', () => {
    const s = toSeries([{ name: 'l', step: 1, value: 0.5, timestamp: 2000 }, { name: 'l', step: 0, value: 1, timestamp: 1000 }, { name: 'l', step: 1, value: 0.4, timestamp: 3000 }, { name: 'l', step: 2, value: NaN, timestamp: 4000 }]);
    assert.deepEqual(s, { steps: [0, 1], values: [1, 0.4], seconds: [0, 2], total: 4 });
  });

  it('directions: declared first, then by name', () => {
    assert.equal(metricDirection('val_loss'), 'min');
    assert.equal(metricDirection('accuracy'), 'max');
    assert.equal(metricDirection('rmse'), 'min');
    assert.equal(metricDirection('accuracy', { accuracy: 'min' }), 'min');
    assert.equal(metricDirection('auc@region=eu'), 'max');
  });

  it('directions: whole words of the name decide, not fragments inside a word', () => {
    assert.deepEqual(metricWords('valLoss/eval_RMSE-top.5@fold'), ['val', 'loss', 'eval', 'rmse', 'top', '5', 'fold']);
    assert.deepEqual(metricWords('HTTPLatency ms'), ['http', 'latency', 'ms']);
    // Each of these holds a "lower is better" fragment inside a word (wer, time, err, mse, cost): higher is better.
    for (const n of ['answer_accuracy', 'uptime', 'power', 'answer', 'referral_rate', 'ensemble_score', 'costume_f1']) {
      assert.equal(metricDirection(n), 'max', n);
    }
    for (const n of ['valLoss', 'train_time', 'eval/rmse', 'error-rate', 'p95.latency', 'test WER', 'inferenceTime', 'mean_squared_error', 'loss@fold=1']) {
      assert.equal(metricDirection(n), 'min', n);
    }
  });

  it('params flag differences, metric rows mark the best run by direction, slices show their spread', () => {
    const a = run('A', 'a', { lr: 0.1, opt: 'adam', seed: 1 }, { meta: { durationMs: 60_000 }, git: { commit: 'a'.repeat(40), dirty: true } });
    const b = run('B', 'b', { lr: 0.01, opt: 'adam' });
    const p = prepareComparison([
      { run: a, points: [...pts('loss', [1, 0.5, 0.3]), ...pts('accuracy', [0.8]), ...pts('accuracy@fold=1', [0.9]), ...pts('accuracy@fold=2', [0.7])] },
      { run: b, points: [...pts('loss', [1, 0.4, 0.2]), ...pts('accuracy', [0.85]), ...pts('accuracy@fold=1', [0.86]), ...pts('accuracy@fold=2', [0.84])] },
    ], { sliceThreshold: 0.05 });
    assert.deepEqual(p.params.map((r) => [r.key, r.values, r.differs]), [['lr', [0.1, 0.01], true], ['opt', ['adam', 'adam'], false], ['seed', [1, null], true]]);
    assert.deepEqual(p.numericParams, ['lr', 'seed']);
    const lossLast = p.metrics.find((r) => r.key === 'loss last')!;
    assert.deepEqual([lossLast.values, lossLast.best, lossLast.direction], [[0.3, 0.2], [1], 'min']);
    assert.deepEqual(p.metrics.find((r) => r.key === 'accuracy last')!.best, [1]);
    assert.deepEqual(p.metrics.find((r) => r.key === 'loss max')!.best, [0, 1], 'ties mark both');
    assert.ok(!p.metrics.some((r) => r.key.includes('@')), 'slice metrics are not metric rows');
    assert.deepEqual(p.slices.map((g) => [g.group, g.slices, g.perRun.map((r) => [r.spread, r.flagged, r.worst])]), [['accuracy@fold', ['1', '2'], [[0.2, true, '2'], [0.02, false, '2']]]]);
    assert.deepEqual(p.meta.find((r) => r.key === 'duration')!.values, ['1 min 0 s', null]);
    assert.deepEqual(p.lineage.find((r) => r.key === 'commit')!.values, ['aaaaaaaa (dirty)', null]);
    assert.deepEqual(Object.keys(p.series), ['accuracy', 'loss']);
    assert.deepEqual(p.series.loss.B.values, [1, 0.4, 0.2]);
    assert.notEqual(p.runs[0].color, p.runs[1].color);
    assert.ok(ComparePayloadSchema.safeParse(p).success);
    // The adapter's message is what the page validates.
    assert.ok(HostMessageSchema.safeParse(loadMessage(p)).success);
  });

  it('CSV quotes user text (commas, quotes, line breaks)', () => {
    const p = prepareComparison([{ run: run('A', 'a, "quoted"', { note: 'x\ny' }), points: [] }]);
    assert.equal(toCsv(p).split('\r\n')[0], ',"a, ""quoted"" (A)"');
    assert.match(toCsv(p), /param: note,"x\ny"/);
  });

  it('CSV defuses cells a spreadsheet would run as formulas, but plain negative numbers stay numbers', () => {
    for (const [cell, out] of [['=1+1', "'=1+1"], ['+SUM(A1)', "'+SUM(A1)"], ['-2+3', "'-2+3"], ['@cmd', "'@cmd"], ['\tx', "'\tx"], ['\rx', `"'\rx"`],
      ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`], ['-0.5', '-0.5'], ['+3', '+3'], ['-1e-4', '-1e-4'], ['a=b', 'a=b']] as const) {
      assert.equal(csvCell(cell), out, JSON.stringify(cell));
    }
    assert.equal(csvCell(-0.5), '-0.5');
    const p = prepareComparison([{ run: run('A', '=cmd|"/c calc"!A0', { formula: '@SUM(1)', lr: -0.5 }), points: pts('loss', [-1.5]) }]);
    const csv = toCsv(p);
    assert.equal(csv.split('\r\n')[0], `,"'=cmd|""/c calc""!A0 (A)"`);
    assert.match(csv, /param: formula,'@SUM\(1\)\r\n/);
    assert.match(csv, /param: lr,-0\.5\r\n/);
    assert.match(csv, /metric: loss last,-1\.5\r\n/);
  });

  it('protocol: valid messages parse, anything else is rejected', () => {
    assert.ok(WebviewMessageSchema.safeParse({ type: 'ready' }).success);
    assert.ok(!WebviewMessageSchema.safeParse({ type: 'bogus' }).success);
    assert.ok(!WebviewMessageSchema.safeParse({ type: 'exportPng', name: 'x', dataUrl: 'javascript:alert(1)' }).success);
    assert.ok(!HostMessageSchema.safeParse({ type: 'load', payload: { runs: 'no' } }).success);
  });

  it('20 runs × 100,000 points: the message stays under 2 MB', () => {
    const inputs = Array.from({ length: 20 }, (_, r) => ({ run: run(`R${r}`, `r${r}`, { lr: r }), points: pts('loss', Array.from({ length: 100_000 }, (_, i) => 1 / (i + 1) + r / 100)) }));
    const p = prepareComparison(inputs);
    const size = Buffer.byteLength(JSON.stringify({ type: 'load', payload: p }));
    assert.ok(size < 2 * 1024 * 1024, `${size} bytes`);
    assert.ok(p.series.loss.R0.steps.length <= 1000);
  });
});
