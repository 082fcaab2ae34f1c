// The sidebar's goals (issue 11): badges and tooltips of run rows, "meets all goals" and KPI sorts, and the Goals
// view's nodes, built from a real store in a temp folder with a real goals.json.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Store, StoreState, childrenOf, describeFilter, isRunSort, kpiSort, matchesFilter, sortRuns, type ViewNode, type ViewOptions,
} from '../../src/core';
import { goalsChildrenOf, goalsRootNodes, spendText, type GoalsNode } from '../../src/core/views/goalsModel';
import { tmpDir } from './helpers';

const NOW = Date.parse('2026-11-26T12:00:00Z');

function opts(over: Partial<ViewOptions> = {}): ViewOptions {
  return { filter: {}, sort: 'newest', headline: 'loss', pageSize: 200, pages: new Map(), now: NOW, multiRoot: false, ...over };
}

const GOALS = {
  formatVersion: 1,
  metrics: [
    { name: 'recall', goal: 'max', threshold: 0.7 },
    { name: 'false_positive_rate', goal: 'min', threshold: 0.2 },
    { name: 'accuracy@fold=1', goal: 'max' },
  ],
  kpis: [
    { name: 'retained_revenue', description: 'EUR kept per 1,000 customers *not* churned', unit: 'EUR/1k customers',
      formula: 'recall * 420 - false_positive_rate * 35', goal: 'max', threshold: 250, owner: 'Head of retention' },
  ],
  constraints: { maxTrainingDurationMs: 600000 },
  budget: { currency: 'EUR', rates: { cpuCoreHour: 0.05 }, limits: { total: 1000, perExperiment: 500, experiments: { baseline: 350 } } },
};

/** Three runs: `good` meets everything, `poor` misses, `blank` has logged nothing (unknown). */
async function goalsState(goals: unknown = GOALS): Promise<{ state: StoreState; ids: Record<string, string> }> {
  const { store } = await Store.init(tmpDir());
  const t0 = NOW - 3 * 3600_000;
  const good = await store.createRun({ experiment: 'baseline', name: 'good', status: 'finished', startTime: new Date(t0), endTime: new Date(t0 + 60_000),
    meta: { durationMs: 60_000, cost: { amount: 312, currency: 'EUR' } } });
  await store.logMetrics(good.id, [{ name: 'loss', value: 0.2, step: 1 }, { name: 'recall', value: 0.8, step: 1 }, { name: 'false_positive_rate', value: 0.1, step: 1 },
    { name: 'accuracy@fold=1', value: 0.81, step: 1 }]);
  const poor = await store.createRun({ experiment: 'baseline', name: 'poor', status: 'finished', startTime: new Date(t0 + 1000), endTime: new Date(t0 + 61_000),
    meta: { durationMs: 700_000 } });
  await store.logMetrics(poor.id, [{ name: 'loss', value: 0.7, step: 0 }, { name: 'recall', value: 0.5, step: 0 }, { name: 'false_positive_rate', value: 0.3, step: 0 }]);
  const blank = await store.createRun({ experiment: 'tuning', name: 'blank', status: 'finished', startTime: new Date(t0 + 2000), endTime: new Date(t0 + 62_000),
    meta: { cost: { amount: 600, currency: 'EUR' } } });
  if (goals !== null) { fs.writeFileSync(path.join(store.dir, 'goals.json'), typeof goals === 'string' ? goals : JSON.stringify(goals, null, 2)); }
  const state = new StoreState(store);
  await state.load();
  for (const r of state.runs.list()) { await state.metrics.get(r.id); }
  return { state, ids: { good: good.id, poor: poor.id, blank: blank.id } };
}

const labels = (nodes: { label: string }[]) => nodes.map((n) => n.label);
function find<N extends { label: string }>(nodes: N[], label: string): N {
  const n = nodes.find((x) => x.label === label);
  assert.ok(n, `no node '${label}' in ${labels(nodes).join(', ')}`);
  return n;
}

function runRows(state: StoreState, o = opts()): ViewNode[] {
  const exps = childrenOf([state], undefined, 'experiments', o);
  return exps.flatMap((e) => childrenOf([state], e, 'experiments', o)).filter((n) => n.kind === 'run');
}

/** All Goals view nodes below a top node, one level. */
const below = (state: StoreState, node: GoalsNode) => goalsChildrenOf([state], node, false);

describe('goals in the Experiments tree', () => {
  it('a run row shows the first KPI and the goal badge after the headline metric; the icon stays the status', async () => {
    const { state } = await goalsState();
    const rows = runRows(state);
    assert.equal(find(rows, 'good').description, 'loss 0.2 · retained_revenue 332.5 · ✓ · 3 h ago');
    assert.equal(find(rows, 'poor').description, 'loss 0.7 · retained_revenue 199.5 · ✗ 4 unmet · 3 h ago');
    // Nothing logged: the KPI is unknown ("?"), and so are both metric goals and the duration constraint.
    assert.equal(find(rows, 'blank').description, 'retained_revenue ? · ? 4 unknown · 3 h ago');
    assert.deepEqual(find(rows, 'poor').icon, { status: 'finished' });
  });

  it('without goals.json a row is as before: no badge, no KPI, no Goals in the tooltip', async () => {
    const { state } = await goalsState(null);
    const rows = runRows(state);
    assert.equal(find(rows, 'good').description, 'loss 0.2 · 3 h ago');
    assert.doesNotMatch(find(rows, 'good').tooltip ?? '', /Goals/);
  });

  it('the tooltip lists every KPI, metric goal and constraint with value, bar and verdict, the reason for unknowns, and the cost', async () => {
    const { state } = await goalsState();
    const rows = runRows(state);
    const good = find(rows, 'good').tooltip ?? '';
    assert.match(good, /\*\*Goals\*\*: 4 met/);
    assert.ok(good.includes('- ✓ **retained\\_revenue** 332\\.5 EUR/1k customers (≥ 250)'), good);
    assert.ok(good.includes('- ✓ **recall** 0\\.8 (≥ 0\\.7)'), good);
    assert.ok(good.includes('- ✓ **false\\_positive\\_rate** 0\\.1 (≤ 0\\.2)'), good);
    // A goal without a threshold is information, not a verdict.
    assert.ok(good.includes('- · **accuracy@fold=1** 0\\.81 (higher is better, no threshold)'), good);
    assert.ok(good.includes('- ✓ **Training duration** 1 min 0 s (≤ 10 min 0 s)'), good);
    assert.ok(good.includes('Cost: 312 EUR · recorded by the run \\(meta\\.cost\\)'), good);
    const blank = find(rows, 'blank').tooltip ?? '';
    assert.ok(blank.includes('- ? **recall** (≥ 0\\.7): unknown, not logged'), blank);
    assert.ok(blank.includes('- ? **Training duration** (≤ 10 min 0 s): unknown, duration not recorded'), blank);
    assert.ok(blank.includes('- · **accuracy@fold=1** (higher is better, no threshold): not logged'), blank);
    const poor = find(rows, 'poor').tooltip ?? '';
    assert.ok(poor.includes('- ✗ **recall** 0\\.5 (≥ 0\\.7)'), poor);
    assert.ok(poor.includes('- ✗ **Training duration** 11 min 40 s (≤ 10 min 0 s)'), poor);
    assert.match(poor, /Cost: unknown, /);
  });

  it('user text in goal names is escaped in the tooltip', async () => {
    const { state } = await goalsState({ formatVersion: 1, metrics: [{ name: '**bold** [x](http://evil)', goal: 'max', threshold: 1 }] });
    const tip = find(runRows(state), 'good').tooltip ?? '';
    assert.ok(tip.includes('**\\*\\*bold\\*\\* \\[x\\]\\(http://evil\\)**'), tip);
  });

  it('filter "meets all goals": only runs whose every goal with a bar is met; unknown never matches; described in the view', async () => {
    const { state, ids } = await goalsState();
    const o = opts({ filter: { meetsGoals: true } });
    assert.deepEqual(labels(runRows(state, o)), ['good']);
    assert.equal(describeFilter({ statuses: ['finished'], meetsGoals: true }), 'finished, meets all goals');
    const run = state.runs.get(ids.good)!;
    assert.equal(matchesFilter(run, { meetsGoals: true }, undefined, undefined), false, 'no goals: nothing meets them');
    const tuning = childrenOf([state], undefined, 'experiments', o).find((n) => n.label === 'tuning')!;
    assert.deepEqual(childrenOf([state], tuning, 'experiments', o).map((n) => n.label), ['No runs match the filter']);
  });

  it('sort by a KPI, highest or lowest first; runs where it is unknown come last either way', async () => {
    const { state, ids } = await goalsState();
    const runs = state.runs.list();
    const byKpi = (desc: boolean) => sortRuns(runs, kpiSort('retained_revenue', desc), 'loss', (id) => state.metrics.peek(id), (id) => state.goalsOf(id)).map((r) => r.name);
    assert.deepEqual(byKpi(true), ['good', 'poor', 'blank']);
    assert.deepEqual(byKpi(false), ['poor', 'good', 'blank']);
    // An unknown KPI name: every run unknown, so newest first.
    assert.deepEqual(sortRuns(runs, kpiSort('nope', true), 'loss', () => undefined, (id) => state.goalsOf(id)).map((r) => r.id), [ids.blank, ids.poor, ids.good]);
    assert.ok(isRunSort('kpi-desc:retained_revenue'));
    assert.ok(!isRunSort('kpi-sideways:x'));
    const exp = childrenOf([state], undefined, 'experiments', opts())[0];
    assert.deepEqual(labels(childrenOf([state], exp, 'experiments', opts({ sort: kpiSort('retained_revenue', false) }))), ['poor', 'good']);
  });
});

describe('Goals view nodes', () => {
  it('no goals.json: no nodes (the welcome content shows)', async () => {
    const { state } = await goalsState(null);
    assert.deepEqual(goalsRootNodes([state], false), []);
  });

  it('sections, and each KPI and metric goal with its best run and how many runs meet it', async () => {
    const { state, ids } = await goalsState();
    const top = goalsRootNodes([state], false);
    assert.deepEqual(labels(top), ['KPIs', 'Metric goals', 'Constraints', 'Budget']);
    const kpis = below(state, top[0]);
    assert.equal(kpis.length, 1);
    const kpi = kpis[0];
    assert.equal(kpi.label, 'retained_revenue');
    assert.equal(kpi.description, 'best 332.5 EUR/1k customers · 1 of 3 runs meet ≥ 250 (1 unknown)');
    assert.equal(kpi.runId, ids.good, 'clicking it shows the best run');
    assert.deepEqual(kpi.icon, { symbol: 'goalMet' });
    assert.equal(kpi.contextValue, 'mlops.goals.kpi.best');
    assert.match(kpi.tooltip ?? '', /EUR kept per 1,000 customers \\\*not\\\* churned/);
    assert.match(kpi.tooltip ?? '', /Formula: recall \\\* 420 \\- false\\_positive\\_rate \\\* 35/);
    assert.match(kpi.tooltip ?? '', /Owner: Head of retention/);
    assert.match(kpi.tooltip ?? '', /Best run: \*\*good\*\* \(baseline\) with 332\\\.5 EUR\/1k customers/);
    const goals = below(state, top[1]);
    assert.deepEqual(goals.map((n) => `${n.label}: ${n.description}`), [
      'recall: best 0.8 · 1 of 3 runs meet ≥ 0.7 (1 unknown)',
      'false_positive_rate: best 0.1 · 1 of 3 runs meet ≤ 0.2 (1 unknown)',
      'accuracy@fold=1: best 0.81 · higher is better, no threshold (2 unknown)',
    ]);
    assert.deepEqual(goals.map((n) => n.icon), [{ symbol: 'goalMet' }, { symbol: 'goalMet' }, { symbol: 'goalInfo' }]);
    assert.equal(goals[2].runId, kpi.runId);
  });

  it('a goal no run meets is flagged, and constraints show their bar and how many runs satisfy them', async () => {
    const g = { ...GOALS, metrics: [{ name: 'recall', goal: 'max', threshold: 0.95 }], constraints: { maxTrainingDurationMs: 600000, hardware: ['cpu-only'] } };
    const { state } = await goalsState(g);
    const top = goalsRootNodes([state], false);
    const recall = below(state, find(top, 'Metric goals'))[0];
    assert.equal(recall.description, 'best 0.8 · 0 of 3 runs meet ≥ 0.95 (1 unknown)');
    assert.deepEqual(recall.icon, { symbol: 'goalUnmet' });
    const constraints = below(state, find(top, 'Constraints'));
    assert.deepEqual(constraints.map((n) => `${n.label}: ${n.description}`), [
      'Training duration: ≤ 10 min 0 s · 1 of 3 runs satisfy (1 unknown)',
      'Hardware: one of cpu-only · 0 of 3 runs satisfy (3 unknown)',
    ]);
    assert.deepEqual(constraints.map((n) => n.icon), [{ symbol: 'goalMet' }, { symbol: 'goalUnknown' }]);
  });

  it('budget: spend per experiment against its limit, near and over said in words (not colour alone), and the total', async () => {
    const { state } = await goalsState();
    const top = goalsRootNodes([state], false);
    const budget = find(top, 'Budget');
    assert.equal(budget.description, '912 / 1000 EUR total · near limit');
    assert.deepEqual(budget.icon, { symbol: 'budgetNear' });
    const rows = below(state, budget);
    assert.deepEqual(rows.map((n) => `${n.label}: ${n.description}`), [
      'baseline: 312 / 350 EUR · near limit (89%) · 1 of unknown cost',
      'tuning: 600 / 500 EUR · over budget',
      'Total: 912 / 1000 EUR · near limit (91%) · 1 of unknown cost',
    ]);
    assert.deepEqual(rows.map((n) => n.icon), [{ symbol: 'budgetNear' }, { symbol: 'budgetOver' }, { symbol: 'budgetNear' }]);
    assert.equal(rows[1].experiment, 'tuning', 'clicking it shows the experiment');
    assert.equal(rows[1].contextValue, 'mlops.goals.spend.over');
    assert.match(rows[1].tooltip ?? '', /\*\*over budget\*\*/);
    assert.match(rows[0].tooltip ?? '', /1 run of unknown cost/);
    assert.equal(spendText({ spent: 0, limit: 10, state: 'ok', knownRuns: 0, unknownRuns: 2 }, 'EUR'), '0 / 10.00 EUR', 'nothing spent reads 0, not 0.000');
  });

  it('an experiment without a limit shows its spend and "no limit"', async () => {
    const { state } = await goalsState({ formatVersion: 1, budget: { currency: 'EUR', rates: { cpuCoreHour: 1 } } });
    const top = goalsRootNodes([state], false);
    assert.deepEqual(labels(top), ['Budget']);
    assert.deepEqual(below(state, top[0]).map((n) => n.description), ['312 EUR · no limit · 1 of unknown cost', '600 EUR · no limit', '912 EUR · no limit · 1 of unknown cost']);
  });

  it('goals.json with problems: a node "goals.json: N problems" whose children open the file at each problem; the rest still works', async () => {
    const text = JSON.stringify({ ...GOALS, kpis: [...GOALS.kpis, { name: 'broken', formula: 'recall * * 2' }], metrics: [...GOALS.metrics, { name: 'loss', goal: 'min', threshold: 'low' }] }, null, 2);
    const { state } = await goalsState(text);
    const top = goalsRootNodes([state], false);
    assert.equal(top[0].kind, 'problems');
    assert.equal(top[0].label, 'goals.json: 2 problems');
    assert.equal(top[0].description, '2 errors');
    assert.deepEqual(top[0].icon, { symbol: 'error' });
    const problems = below(state, top[0]);
    const lines = text.split('\n');
    const at = (n: GoalsNode) => lines[n.range!.line].slice(n.range!.character, n.range!.endCharacter);
    const formula = problems.find((p) => p.label.startsWith('formula:'))!;
    assert.ok(formula, labels(problems).join(' | '));
    assert.equal(at(formula), '*', 'the range is the unexpected character inside the formula string');
    const threshold = problems.find((p) => /threshold/.test(p.label))!;
    assert.equal(at(threshold), '"low"');
    assert.ok(problems.every((p) => p.file === path.join(state.store.dir, 'goals.json')));
    assert.match(threshold.description ?? '', /^metrics\[3\]\.threshold · line \d+:\d+$/);
    // The valid entries still show; the KPI whose formula does not parse says so.
    assert.deepEqual(labels(top.slice(1)), ['KPIs', 'Metric goals', 'Constraints', 'Budget']);
    const broken = find(below(state, top[1]), 'broken');
    assert.equal(broken.description, 'the formula does not parse (see goals.json)');
    assert.deepEqual(broken.icon, { symbol: 'error' });
  });

  it('a formula naming a metric nobody logged is a warning node, not an error', async () => {
    const { state } = await goalsState({ formatVersion: 1, kpis: [{ name: 'k', formula: 'recal * 2', threshold: 1 }] });
    const top = goalsRootNodes([state], false);
    assert.equal(top[0].label, 'goals.json: 1 problem');
    assert.equal(top[0].description, '1 warning');
    assert.deepEqual(top[0].icon, { symbol: 'problem' });
    assert.match(below(state, top[0])[0].label, /no run has logged a metric 'recal'/);
  });

  it('goals.json that is not JSON: only the problem node; the Experiments tree shows runs as without goals', async () => {
    const { state } = await goalsState('{ "formatVersion": 1, "kpis": [ ');
    const top = goalsRootNodes([state], false);
    assert.deepEqual(top.map((n) => n.kind), ['problems']);
    assert.match(below(state, top[0])[0].label, /^not valid JSON/);
    assert.equal(find(runRows(state), 'good').description, 'loss 0.2 · 3 h ago');
  });

  it('__proto__ and constructor as names are plain names', async () => {
    const g = { formatVersion: 1, metrics: [{ name: '__proto__', goal: 'max', threshold: 1 }, { name: 'constructor', goal: 'min', threshold: 1 }],
      kpis: [{ name: 'constructor', formula: '"__proto__" + 1', threshold: 0 }],
      budget: { currency: 'EUR', limits: { experiments: { constructor: 5 } } } };
    const { state } = await goalsState(g);
    const ctor = await state.store.createRun({ experiment: 'constructor', name: 'ctor', status: 'finished', startTime: new Date(NOW), meta: { cost: { amount: 7, currency: 'EUR' } } });
    await state.store.logMetrics(ctor.id, [{ name: '__proto__', value: 2, step: 0 }, { name: 'constructor', value: 0.5, step: 0 }]);
    await state.load();
    for (const r of state.runs.list()) { await state.metrics.get(r.id); }
    const top = goalsRootNodes([state], false);
    const kpi = below(state, find(top, 'KPIs'))[0];
    assert.equal(kpi.label, 'constructor');
    assert.equal(kpi.description, 'best 3 · 1 of 4 runs meet ≥ 0 (3 unknown)');
    assert.equal(kpi.runId, ctor.id);
    assert.deepEqual(below(state, find(top, 'Metric goals')).map((n) => `${n.label}: ${n.description}`),
      ['__proto__: best 2 · 1 of 4 runs meet ≥ 1 (3 unknown)', 'constructor: best 0.5 · 1 of 4 runs meet ≤ 1 (3 unknown)']);
    const spend = find(below(state, find(top, 'Budget')), 'constructor');
    assert.equal(spend.description, '7.00 / 5.00 EUR · over budget');
    assert.equal(Object.getPrototypeOf({}), Object.prototype);
    assert.equal(typeof ({} as { constructor: unknown }).constructor, 'function');
    const rows = runRows(state);
    assert.equal(find(rows, 'ctor').description, '__proto__ 2 · constructor 3 · ✓ · just now');
  });

  it('multi-root: one folder node per store; a store without goals says so', async () => {
    const a = await goalsState();
    const b = await goalsState(null);
    const top = goalsRootNodes([a.state, b.state], true);
    assert.deepEqual(top.map((n) => n.kind), ['folder', 'folder']);
    assert.deepEqual(labels(goalsChildrenOf([a.state, b.state], top[0], true)), ['KPIs', 'Metric goals', 'Constraints', 'Budget']);
    assert.deepEqual(labels(goalsChildrenOf([a.state, b.state], top[1], true)), ['No goals.json in this folder']);
  });
});
