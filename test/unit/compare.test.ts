import * as assert from 'node:assert/strict';
import { parseGoals, type Goals } from '../../src/core/goals';
import { csvCell, downsampleMinMax, metricDirection, metricWords, prepareComparison, toCsv, toSeries } from '../../src/core/compare/prepare';
import { ComparePayloadSchema, HostMessageSchema, WebviewMessageSchema } from '../../src/protocol/compare';
import type { MetricPoint, Run } from '../../src/core';
import { loadMessage, toPayload } from '../../src/vscode/compare/message';

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

  describe('goals.json rows', () => {
    // The example from issue 11: a KPI from recall and false-positive rate, thresholds, constraints and a budget.
    const GOALS = JSON.stringify({
      formatVersion: 1,
      metrics: [
        { name: 'recall', goal: 'max', threshold: 0.7 },
        { name: 'false_positive_rate', goal: 'min', threshold: 0.2 },
        { name: 'accuracy@fold=1', goal: 'max' },
      ],
      kpis: [
        { name: 'retained_revenue', description: 'EUR kept per 1,000 customers', unit: 'EUR/1k customers', formula: 'recall * 420 - false_positive_rate * 35', goal: 'max', threshold: 250, owner: 'Head of retention' },
        { name: 'recall_per_fpr', formula: 'recall / false_positive_rate', goal: 'max' },
      ],
      constraints: { maxPeakMemoryBytes: 2147483648, hardware: ['cpu-only'] },
      budget: { currency: 'EUR', rates: { cpuCoreHour: 0.05, gpuHour: 2.5 }, limits: { total: 1000, perExperiment: 300 } },
    });
    function goalsOf(text = GOALS): Goals {
      const doc = parseGoals(text);
      assert.deepEqual(doc.problems.filter((p) => p.severity === 'error'), []);
      return doc.goals!;
    }
    const GiB = 2 ** 30;
    const inputs = () => [
      // A meets everything and records its own cost.
      { run: run('A', 'a', {}, { meta: { peakMemoryBytes: GiB, hardware: { cores: 4, gpus: [] }, cost: { amount: 1.2, currency: 'EUR' } } }),
        points: [...pts('recall', [0.5, 0.78]), ...pts('false_positive_rate', [0.15]), ...pts('accuracy@fold=1', [0.9])] },
      // B misses recall, the KPI and peak memory; priced by the budget: 1 h × 4 cores × 0.05 EUR.
      { run: run('B', 'b', {}, { meta: { peakMemoryBytes: 3 * GiB, durationMs: 3_600_000, hardware: { cores: 4, gpus: [] } } }),
        points: [...pts('recall', [0.6]), ...pts('false_positive_rate', [0.3]), ...pts('accuracy@fold=1', [0.8])] },
      // C logged no false-positive rate, no duration, no hardware.
      { run: run('C', 'c', {}), points: [...pts('recall', [0.72]), ...pts('fpr_other', [0])] },
    ];

    it('a row per KPI, metric goal and constraint: values, verdicts, unknown with its reason, the best run', () => {
      const p = prepareComparison(inputs(), { goalsFile: goalsOf() });
      const g = p.goals!;
      assert.deepEqual(g.definitions.map((d) => [d.kind, d.name, d.bar ?? null]), [
        ['kpi', 'retained_revenue', '≥ 250'], ['kpi', 'recall_per_fpr', null],
        ['metric', 'recall', '≥ 0.7'], ['metric', 'false_positive_rate', '≤ 0.2'], ['metric', 'accuracy@fold=1', null],
        ['constraint', 'maxPeakMemoryBytes', '≤ 2.0 GiB'], ['constraint', 'hardware', 'one of cpu-only'],
      ]);
      const kpi = g.definitions[0];
      assert.deepEqual([kpi.unit, kpi.goal, kpi.threshold, kpi.owner, kpi.formula, kpi.description],
        ['EUR/1k customers', 'max', 250, 'Head of retention', 'recall * 420 - false_positive_rate * 35', 'EUR kept per 1,000 customers']);
      const col = (j: number) => g.runs.map((r) => [r.checks[j].verdict, r.checks[j].value, r.checks[j].reason ?? null]);
      assert.deepEqual(col(0).map(([v, x]) => [v, x === null ? null : Math.round((x as number) * 100) / 100]), [['pass', 322.35], ['fail', 241.5], ['unknown', null]]);
      assert.match(String(g.runs[2].checks[0].reason), /false_positive_rate/);
      assert.deepEqual(col(1).map(([v]) => v), ['info', 'info', 'info'], 'a KPI without a threshold is shown, not checked');
      assert.deepEqual(col(2), [['pass', 0.78, null], ['fail', 0.6, null], ['pass', 0.72, null]]);
      assert.deepEqual(col(3), [['pass', 0.15, null], ['fail', 0.3, null], ['unknown', null, 'not logged']]);
      assert.deepEqual(col(4), [['info', 0.9, null], ['info', 0.8, null], ['info', null, 'not logged']]);
      assert.deepEqual(g.runs.map((r) => r.checks[5].shown), ['1.0 GiB', '3.0 GiB', null]);
      assert.deepEqual(col(5).map(([v]) => v), ['pass', 'fail', 'unknown']);
      assert.deepEqual(g.best, [[0], [0], [0], [0], [0], [], []]);
      assert.deepEqual(g.runs.map((r) => [r.runId, r.state, r.badge]), [['A', 'met', '✓'], ['B', 'unmet', '✗ 4 unmet'], ['C', 'unknown', '? 4 unknown']]);
    });

    it('the cost row: recorded or priced by the budget, formatted, unknown with its reason, and the total', () => {
      const g = prepareComparison(inputs(), { goalsFile: goalsOf() }).goals!;
      assert.deepEqual(g.runs.map((r) => (r.cost.known ? r.cost.shown : `? ${r.cost.reason}`)), ['1.20 EUR', '0.200 EUR', '? no duration recorded']);
      assert.match(g.runs[1].cost.known ? g.runs[1].cost.detail : '', /4 cores × 0\.05 EUR\/h/);
      assert.deepEqual(g.totalCost, { shown: '1.40 EUR', unknownRuns: 1 });
    });

    it('goals.json decides which way a metric is better for the ★ of its metric rows, unless declared elsewhere', () => {
      const goalsFile = goalsOf();
      // By its name false_positive_rate would be "higher is better"; goals.json says min.
      assert.deepEqual(prepareComparison(inputs(), { goalsFile }).metrics.find((r) => r.key === 'false_positive_rate last')!.best, [0]);
      assert.deepEqual(prepareComparison(inputs()).metrics.find((r) => r.key === 'false_positive_rate last')!.best, [1]);
      assert.deepEqual(prepareComparison(inputs(), { goalsFile, goals: { false_positive_rate: 'max' } }).metrics.find((r) => r.key === 'false_positive_rate last')!.best, [1]);
    });

    it('without goals.json nothing changes: no goals rows, the recorded cost stays a meta row', () => {
      const p = prepareComparison(inputs());
      assert.equal(p.goals, undefined);
      assert.deepEqual(p.meta.find((r) => r.key === 'cost')?.values, ['1.2 EUR', null, null]);
      assert.equal(prepareComparison(inputs(), { goalsFile: goalsOf() }).meta.find((r) => r.key === 'cost'), undefined, 'the goals cost row replaces it');
    });

    it('the message carries the goals and the page schema accepts it; misaligned goals are rejected', () => {
      const p = prepareComparison(inputs(), { goalsFile: goalsOf() });
      const msg = loadMessage(p);
      const parsed = HostMessageSchema.safeParse(msg);
      assert.ok(parsed.success, parsed.success ? '' : parsed.error.message);
      assert.deepEqual(parsed.data.type === 'load' && parsed.data.payload.goals, JSON.parse(JSON.stringify(p.goals)));
      const payload = toPayload(p) as unknown as { goals: { runs: { checks: unknown[]; runId: string }[]; best: number[][] }; runs: unknown[] };
      const broken = structuredClone(payload);
      broken.goals.runs[1].checks.pop();
      assert.ok(!ComparePayloadSchema.safeParse(broken).success, 'a run with a cell missing');
      const reordered = structuredClone(payload);
      reordered.goals.runs.reverse();
      assert.ok(!ComparePayloadSchema.safeParse(reordered).success, 'goals of other runs');
      const outOfRange = structuredClone(payload);
      outOfRange.goals.best[0] = [7];
      assert.ok(!ComparePayloadSchema.safeParse(outOfRange).success, 'a best run that is not compared');
      const badVerdict = structuredClone(payload) as unknown as { goals: { runs: { checks: { verdict: string }[] }[] } };
      badVerdict.goals.runs[0].checks[0].verdict = 'maybe';
      assert.ok(!ComparePayloadSchema.safeParse(badVerdict).success);
    });

    it('a goals file with a broken KPI still gives the other rows; the broken KPI is unknown with the parse error', () => {
      const text = GOALS.replace('recall / false_positive_rate', 'recall / (');
      const p = prepareComparison(inputs(), { goalsFile: parseGoals(text).goals! });
      const j = p.goals!.definitions.findIndex((d) => d.name === 'recall_per_fpr');
      assert.ok(j >= 0);
      assert.deepEqual(p.goals!.runs.map((r) => r.checks[j].value), [null, null, null]);
      assert.match(p.goals!.runs[0].checks[j].reason ?? '', /does not parse/);
      assert.equal(p.goals!.runs[0].checks[0].verdict, 'pass');
    });

    it('the CSV gains the goals, KPI, goal, constraint and cost rows', () => {
      const csv = toCsv(prepareComparison(inputs(), { goalsFile: goalsOf() }));
      assert.match(csv, /\r\ngoals,✓,✗ 4 unmet,\? 4 unknown\r\n/);
      assert.match(csv, /\r\nkpi: retained_revenue \(≥ 250\),322\.35\d*,241\.5\d*,\r\n/);
      assert.match(csv, /\r\nmetric: recall \(≥ 0\.7\),0\.78,0\.6,0\.72\r\n/);
      assert.match(csv, /\r\nconstraint: Hardware \(one of cpu-only\),cpu-only,cpu-only,\r\n/);
      assert.match(csv, /\r\ncost,1\.20 EUR,0\.200 EUR,\r\n$/);
    });
  });
});
