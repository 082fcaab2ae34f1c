import * as assert from 'node:assert/strict';
import {
  budgetReport, budgetWarning, estimateNextCost, evaluateRun, goalsBadge, hardwareLabels, parseGoals, runCost, summarizeGoals,
  type GoalCheck, type Goals, type RunCost,
} from '../../src/core/goals';
import { summarizeMetrics } from '../../src/core/store/metrics';
import type { Run } from '../../src/core/store/schemas';

let seq = 0;
function run(over: Partial<Run> = {}): Run {
  seq++;
  return {
    formatVersion: 1, id: `01JD3Z8X4V6Q9M2K7T5R1N${String(seq).padStart(4, '0')}`, experiment: 'churn', name: `r${seq}`, status: 'finished',
    startTime: '2026-01-01T00:00:00.000Z', params: {}, tags: [], dataVersions: [], meta: {}, ...over,
  };
}

function metrics(values: Record<string, number>) {
  return summarizeMetrics(Object.entries(values).map(([name, value]) => ({ name, value, step: 0, timestamp: 0 })));
}

function goals(obj: object): Goals {
  const doc = parseGoals(JSON.stringify({ formatVersion: 1, ...obj }));
  assert.deepEqual(doc.problems.filter((p) => p.severity === 'error'), []);
  return doc.goals!;
}

const G = goals({
  metrics: [
    { name: 'recall', goal: 'max', threshold: 0.7 },
    { name: 'false_positive_rate', goal: 'min', threshold: 0.2 },
    { name: 'accuracy', goal: 'max' },
  ],
  kpis: [
    { name: 'retained_revenue', formula: 'recall * 420 - false_positive_rate * 35', goal: 'max', threshold: 250, unit: 'EUR' },
    { name: 'risk', formula: 'false_positive_rate / (1 - recall)', goal: 'min' },
  ],
});

function check(checks: GoalCheck[], name: string): GoalCheck {
  const c = checks.find((x) => x.name === name);
  assert.ok(c, `no check ${name}`);
  return c;
}

describe('goal verdicts for a run', () => {
  it('computes KPIs and gives pass / fail by direction and threshold', () => {
    const g = evaluateRun(G, { run: run(), metrics: metrics({ recall: 0.8, false_positive_rate: 0.3, accuracy: 0.9 }) });
    const kpi = g.kpis.get('retained_revenue');
    assert.ok(kpi?.ok);
    assert.ok(Math.abs(kpi.value - (0.8 * 420 - 0.3 * 35)) < 1e-9);
    assert.equal(check(g.checks, 'retained_revenue').verdict, 'pass');
    assert.equal(check(g.checks, 'retained_revenue').bar, '≥ 250');
    assert.equal(check(g.checks, 'recall').verdict, 'pass');
    assert.equal(check(g.checks, 'false_positive_rate').verdict, 'fail');
    assert.equal(check(g.checks, 'false_positive_rate').bar, '≤ 0.2');
    assert.equal(check(g.checks, 'accuracy').verdict, 'info', 'no threshold: a direction only');
    assert.equal(check(g.checks, 'risk').verdict, 'info');
    assert.deepEqual([g.met, g.unmet, g.unknown, g.state], [2, 1, 0, 'unmet']);
    assert.equal(goalsBadge(g), '✗ 1 unmet');
  });

  it('exactly at the threshold meets it, for both directions', () => {
    const g = evaluateRun(G, { run: run(), metrics: metrics({ recall: 0.7, false_positive_rate: 0.2 }) });
    assert.equal(check(g.checks, 'recall').verdict, 'pass');
    assert.equal(check(g.checks, 'false_positive_rate').verdict, 'pass');
  });

  it('a metric nobody logged, or whose last value is NaN, is unknown — never a pass', () => {
    const g = evaluateRun(G, { run: run(), metrics: metrics({ recall: NaN }) });
    assert.equal(check(g.checks, 'recall').verdict, 'unknown');
    assert.equal(check(g.checks, 'recall').reason, 'the last value is NaN');
    assert.equal(check(g.checks, 'false_positive_rate').reason, 'not logged');
    assert.equal(check(g.checks, 'retained_revenue').verdict, 'unknown');
    assert.equal(check(g.checks, 'retained_revenue').reason, "'recall' is NaN");
    assert.deepEqual([g.met, g.unmet, g.unknown, g.state], [0, 0, 3, 'unknown']);
    assert.equal(goalsBadge(g), '? 3 unknown');
    const notLoaded = evaluateRun(G, { run: run(), metrics: undefined });
    assert.equal(check(notLoaded.checks, 'recall').reason, 'metrics not loaded yet');
  });

  it('division by zero makes that KPI unknown with the reason, the rest still evaluates', () => {
    const g = evaluateRun(G, { run: run(), metrics: metrics({ recall: 1, false_positive_rate: 0.1 }) });
    assert.equal(g.kpis.get('risk')?.ok, false);
    assert.match(check(g.checks, 'risk').reason!, /division by zero/);
    assert.equal(check(g.checks, 'retained_revenue').verdict, 'pass');
    assert.equal(g.state, 'met', 'an info-only KPI that is unknown does not count as an unknown goal');
    assert.equal(goalsBadge(g), '✓');
  });

  it('a KPI whose formula does not parse is unknown with the parse error as reason', () => {
    const doc = parseGoals(JSON.stringify({ formatVersion: 1, kpis: [{ name: 'k', formula: 'recall *', threshold: 1 }] }));
    const g = evaluateRun(doc.goals!, { run: run(), metrics: metrics({ recall: 2 }) });
    assert.equal(check(g.checks, 'k').verdict, 'unknown');
    assert.match(check(g.checks, 'k').reason!, /does not parse: the formula ends too early/);
  });

  it('sliced metric names are goals like any other', () => {
    const g = evaluateRun(goals({ metrics: [{ name: 'accuracy@fold=1', goal: 'max', threshold: 0.8 }], kpis: [{ name: 'k', formula: '"accuracy@fold=1" * 100' }] }),
      { run: run(), metrics: metrics({ 'accuracy@fold=1': 0.75 }) });
    assert.equal(check(g.checks, 'accuracy@fold=1').verdict, 'fail');
    assert.equal(check(g.checks, 'k').value, 75);
  });

  it('a run with no goals to meet has no badge', () => {
    const g = evaluateRun(goals({ metrics: [{ name: 'accuracy', goal: 'max' }] }), { run: run(), metrics: metrics({ accuracy: 1 }) });
    assert.equal(g.state, 'none');
    assert.equal(goalsBadge(g), '');
  });
});

describe('production constraints', () => {
  const C = goals({ constraints: { maxPeakMemoryBytes: 1000, maxLatencyMsP95: 50, maxModelSizeBytes: 500, maxTrainingDurationMs: 60_000, hardware: ['cpu-only', 'a100'], python: '>=3.10,<3.13' } });

  it('checks each recorded meta-metric against its limit', () => {
    const ok = evaluateRun(C, { run: run({ meta: { peakMemoryBytes: 1000, latencyMsP95: 12.5, modelSizeBytes: 400, durationMs: 59_000, hardware: { cores: 8, gpus: [] }, python: '3.11.4' } }), metrics: new Map() });
    assert.deepEqual(ok.checks.map((c) => [c.name, c.verdict]), [
      ['maxPeakMemoryBytes', 'pass'], ['maxLatencyMsP95', 'pass'], ['maxModelSizeBytes', 'pass'], ['maxTrainingDurationMs', 'pass'], ['hardware', 'pass'], ['python', 'pass'],
    ]);
    assert.equal(check(ok.checks, 'maxLatencyMsP95').shown, '12.5 ms');
    assert.equal(check(ok.checks, 'maxPeakMemoryBytes').bar, '≤ 1000 B');
    const bad = evaluateRun(C, { run: run({ meta: { peakMemoryBytes: 1001, latencyMsP95: 51, modelSizeBytes: 501, durationMs: 61_000, hardware: { gpus: ['Tesla T4'] }, python: '3.13.0' } }), metrics: new Map() });
    assert.ok(bad.checks.every((c) => c.verdict === 'fail'), JSON.stringify(bad.checks));
    assert.equal(bad.unmet, 6);
  });

  it('what was not recorded is unknown, with what would record it', () => {
    const g = evaluateRun(C, { run: run({ status: 'running' }), metrics: new Map() });
    assert.ok(g.checks.every((c) => c.verdict === 'unknown'));
    assert.match(check(g.checks, 'maxLatencyMsP95').reason!, /run\.benchmark/);
    assert.equal(check(g.checks, 'maxTrainingDurationMs').reason, 'still running');
    assert.equal(check(g.checks, 'python').reason, 'Python version not recorded');
  });

  it('model size falls back on the registered model version; hardware answers to its label and its class', () => {
    const g = evaluateRun(C, { run: run({ meta: { hardware: { label: 'a100', gpus: ['A100'] } } }), metrics: new Map(), modelSizeBytes: 900 });
    assert.equal(check(g.checks, 'maxModelSizeBytes').verdict, 'fail');
    assert.equal(check(g.checks, 'hardware').verdict, 'pass');
    assert.deepEqual(hardwareLabels(run({ meta: { hardware: { label: 'a100', gpus: ['A100'] } } })), ['a100'], 'a recorded label is the label');
    assert.deepEqual(hardwareLabels(run({ meta: { hardware: { cores: 2, gpus: [] } } })), ['cpu-only']);
    assert.deepEqual(hardwareLabels(run({ meta: { hardware: { cores: 2, gpus: ['T4'] } } })), ['gpu']);
    assert.equal(hardwareLabels(run({ meta: { hardware: { cores: 2 } } })), undefined, 'no GPU list recorded: not assumed CPU-only');
    assert.equal(hardwareLabels(run()), undefined);
  });

  it('a GPU run whose writer did not record its GPUs, or that is labelled, does not pass as cpu-only', () => {
    const cpuOnly = goals({ constraints: { hardware: ['cpu-only'] } });
    const check1 = evaluateRun(cpuOnly, { run: run({ meta: { hardware: { cores: 8 } } }), metrics: new Map() }).checks[0];
    assert.deepEqual([check1.verdict, check1.reason], ['unknown', 'hardware not recorded']);
    const check2 = evaluateRun(cpuOnly, { run: run({ meta: { hardware: { cores: 8, label: 'a100' } } }), metrics: new Map() }).checks[0];
    assert.equal(check2.verdict, 'fail');
  });

  it('a Python version that is not PEP 440 is unknown, not a crash', () => {
    const g = evaluateRun(C, { run: run({ meta: { python: 'CPython three' } }), metrics: new Map() });
    assert.equal(check(g.checks, 'python').verdict, 'unknown');
  });
});

describe('cost and budget', () => {
  const B = goals({ budget: { currency: 'EUR', rates: { cpuCoreHour: 0.05, gpuHour: 2, hardware: { 'cpu-only': 0.4, a100: 3 } }, limits: { total: 100, perExperiment: 10, experiments: { big: 50 } } } });
  const hour = 3_600_000;

  it('uses the recorded cost first, then the rate of the hardware label, then GPUs and cores', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(runCost(B, run({ meta: { cost: { amount: 7, currency: 'EUR' }, durationMs: hour } })))), { known: true, amount: 7, currency: 'EUR', basis: 'recorded', detail: 'recorded by the run (meta.cost)' });
    const byLabel = runCost(B, run({ meta: { durationMs: 2 * hour, hardware: { label: 'a100', gpus: ['A100'] } } }));
    assert.ok(byLabel.known && byLabel.amount === 6, JSON.stringify(byLabel));
    const byClass = runCost(B, run({ meta: { durationMs: hour / 2, hardware: { cores: 16, gpus: [] } } }));
    assert.ok(byClass.known && byClass.amount === 0.2, 'cpu-only label rate beats per-core rate');
    const C2 = goals({ budget: { currency: 'EUR', rates: { cpuCoreHour: 0.05, gpuHour: 2 } } });
    const gpu = runCost(C2, run({ meta: { durationMs: hour, hardware: { cores: 4, gpus: ['T4', 'T4'] } } }));
    assert.ok(gpu.known && Math.abs(gpu.amount - (2 * 2 + 4 * 0.05)) < 1e-12, JSON.stringify(gpu));
    assert.equal(gpu.detail, '1 h 0 min × (2 GPU × 2 + 4 cores × 0.05) EUR/h');
    const cpu = runCost(C2, run({ meta: { durationMs: 3 * hour, hardware: { cores: 4, gpus: [] } } }));
    assert.ok(cpu.known && Math.abs(cpu.amount - 0.6) < 1e-12);
  });

  it('is unknown without a duration, without hardware, without a matching rate, or in another currency', () => {
    const why = (c: RunCost) => (c.known ? 'known' : c.reason);
    assert.equal(why(runCost(B, run({ meta: { hardware: { cores: 2 } } }))), 'no duration recorded');
    assert.equal(why(runCost(B, run({ status: 'running', meta: { hardware: { cores: 2 } } }))), 'still running: no duration yet');
    assert.equal(why(runCost(B, run({ meta: { durationMs: hour } }))), 'no hardware recorded, so no rate applies');
    assert.match(why(runCost(goals({ budget: { currency: 'EUR', rates: { gpuHour: 1 } } }), run({ meta: { durationMs: hour, hardware: { cores: 2, gpus: [] } } }))), /no rate in the budget for this hardware \(cpu-only, 0 GPU\)/);
    assert.equal(why(runCost(B, run({ meta: { durationMs: hour, hardware: { cores: 2 } } }))), 'the run did not record whether it had GPUs, so no rate applies');
    assert.equal(why(runCost(goals({ budget: { currency: 'EUR', rates: { cpuCoreHour: 1e308 } } }), run({ meta: { durationMs: 2 * hour, hardware: { cores: 8, gpus: [] } } }))),
      'the cost is too large to compute (check the rates in goals.json)');
    assert.equal(why(runCost(B, run({ meta: { cost: { amount: 1, currency: 'USD' } } }))), 'cost recorded in USD; the budget counts EUR');
    assert.equal(why(runCost(goals({}), run({ meta: { durationMs: 1 } }))), 'no budget in goals.json to price runs by');
  });

  it('sums spend per experiment and in total against their limits, counting unknown costs apart', () => {
    const runs = [
      run({ experiment: 'small', meta: { cost: { amount: 6, currency: 'EUR' } } }),
      run({ experiment: 'small', meta: { cost: { amount: 5, currency: 'EUR' } } }),
      run({ experiment: 'big', meta: { cost: { amount: 41, currency: 'EUR' } } }),
      run({ experiment: 'big' }),
      run({ experiment: 'cheap', meta: { cost: { amount: 1, currency: 'EUR' } } }),
    ];
    const report = budgetReport(B, ['cheap', 'big', 'small', 'unused'], runs.map((r) => ({ run: r, cost: runCost(B, r) })))!;
    assert.deepEqual(report.experiments.map((e) => [e.experiment, e.spent, e.limit, e.state, e.knownRuns, e.unknownRuns]), [
      ['big', 41, 50, 'near', 1, 1], ['cheap', 1, 10, 'ok', 1, 0], ['small', 11, 10, 'over', 2, 0], ['unused', 0, 10, 'ok', 0, 0],
    ]);
    assert.deepEqual([report.total.spent, report.total.limit, report.total.state, report.total.unknownRuns], [53, 100, 'ok', 1]);
    assert.equal(budgetReport(goals({}), [], []), undefined);
    const zero = budgetReport(goals({ budget: { currency: 'EUR', limits: { perExperiment: 0 } } }), ['none'], [])!;
    assert.equal(zero.experiments[0].state, 'ok', 'nothing spent of a zero budget is not "near" it');
  });

  it('estimates the next run as the median of the latest five known costs', () => {
    const c = (amount: number): RunCost => ({ known: true, amount, currency: 'EUR', basis: 'recorded', detail: '' });
    const u: RunCost = { known: false, reason: 'x' };
    assert.equal(estimateNextCost([]), undefined);
    assert.equal(estimateNextCost([u]), undefined);
    assert.equal(estimateNextCost([c(3), u, c(1), c(2)]), 2);
    assert.equal(estimateNextCost([c(1), c(2), c(3), c(4)]), 2.5);
    assert.equal(estimateNextCost([c(1), c(1), c(1), c(1), c(1), c(100), c(100)]), 1, 'only the latest five count');
  });

  it('warns before a run when the budget is spent or the estimate would exceed it', () => {
    const runs = [run({ experiment: 'e', meta: { cost: { amount: 8, currency: 'EUR' } } })];
    const report = budgetReport(B, ['e'], runs.map((r) => ({ run: r, cost: runCost(B, r) })));
    assert.equal(budgetWarning(report, 'e', 1), undefined);
    assert.match(budgetWarning(report, 'e', 3)!, /Experiment 'e' has spent 8\.00 EUR of 10\.00 EUR; another run costs about 3\.00 EUR/);
    const spent = budgetReport(B, ['e'], [{ run: runs[0], cost: { known: true, amount: 10, currency: 'EUR', basis: 'recorded', detail: '' } }]);
    assert.match(budgetWarning(spent, 'e', undefined)!, /has spent 10\.00 EUR of its 10\.00 EUR budget/);
    const total = budgetReport(B, ['big'], [{ run: run({ experiment: 'big' }), cost: { known: true, amount: 99, currency: 'EUR', basis: 'recorded', detail: '' } }]);
    assert.match(budgetWarning(total, 'big', 2)!, /^Experiment 'big' has spent 99/);
    assert.equal(budgetWarning(undefined, 'e', 100), undefined);
  });
});

describe('goals across runs', () => {
  it('names the best run per KPI and metric goal by direction and counts who meets them', () => {
    const rows = [
      run({ name: 'a' }), run({ name: 'b' }), run({ name: 'c' }),
    ];
    const values: Record<string, number>[] = [{ recall: 0.6, false_positive_rate: 0.1 }, { recall: 0.9, false_positive_rate: 0.25 }, {}];
    const evaluated = rows.map((r, i) => ({ run: r, goals: evaluateRun(G, { run: r, metrics: metrics(values[i]) }) }));
    const s = summarizeGoals(G, evaluated);
    const by = new Map(s.map((x) => [`${x.kind}:${x.name}`, x]));
    assert.equal(by.get('kpi:retained_revenue')!.best!.runName, 'b');
    assert.deepEqual([by.get('kpi:retained_revenue')!.meeting, by.get('kpi:retained_revenue')!.known, by.get('kpi:retained_revenue')!.runs], [1, 2, 3]);
    assert.equal(by.get('metric:false_positive_rate')!.best!.runName, 'a', 'min goal: lowest is best');
    assert.equal(by.get('metric:false_positive_rate')!.meeting, 1);
    assert.equal(by.get('metric:accuracy')!.best, undefined);
    assert.equal(by.get('kpi:risk')!.best!.runName, 'a', 'a KPI without threshold still has a best run');
  });
});

describe('goal results as JSON', () => {
  it('a check and a cost serialise to their plain fields, with the text shown', () => {
    const g = evaluateRun(goals({ metrics: [{ name: 'recall', goal: 'max', threshold: 0.7 }], constraints: { maxPeakMemoryBytes: 2048 },
      budget: { currency: 'EUR', rates: { cpuCoreHour: 1 } } }), { run: run({ meta: { peakMemoryBytes: 4096, durationMs: 1_800_000, hardware: { cores: 2, gpus: [] } } }), metrics: metrics({ recall: 0.75 }) });
    const json = JSON.parse(JSON.stringify(g)) as { checks: unknown[]; cost: unknown };
    assert.deepEqual(json.checks, [
      { kind: 'metric', name: 'recall', label: 'recall', verdict: 'pass', value: 0.75, shown: '0.75', bar: '≥ 0.7', threshold: 0.7, goal: 'max' },
      { kind: 'constraint', name: 'maxPeakMemoryBytes', label: 'Peak memory', verdict: 'fail', value: 4096, shown: '4.0 KiB', bar: '≤ 2.0 KiB', threshold: 2048, goal: 'min' },
    ]);
    assert.deepEqual(json.cost, { known: true, amount: 1, currency: 'EUR', basis: 'rate', detail: '30 min 0 s × 2 cores × 1 EUR/h' });
  });
});

describe('cost text', () => {
  it('whole amounts above 100, cents above 1, three decimals below, and no misleading 0.000', async () => {
    const { formatCost } = await import('../../src/core/goals');
    assert.deepEqual([formatCost(312.4, 'EUR'), formatCost(12.5, 'EUR'), formatCost(0.125, 'EUR'), formatCost(0, 'EUR'), formatCost(0.00004, 'EUR'), formatCost(0.0005, 'EUR')],
      ['312 EUR', '12.50 EUR', '0.125 EUR', '0 EUR', '< 0.001 EUR', '0.001 EUR']);
  });
});
