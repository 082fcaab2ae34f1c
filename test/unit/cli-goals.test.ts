import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Store, type MetaMetrics } from '../../src/core';
import { CLI, snapshot, tmpDir } from './helpers';

// `mlops goals`, `mlops budget` and what goals add to `mlops runs list` / `runs show`, as real processes on real
// files. The runs are written through the store (the CLI has no way to record hardware or a cost), then only read.

interface Result { code: number; stdout: string; stderr: string }

function cli(args: string[], cwd: string): Result {
  const env: Record<string, string | undefined> = { ...process.env, MLOPS_DEBUG: '', MLOPS_ROOT: undefined, MLOPS_RUN_ID: undefined };
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function ok(args: string[], cwd: string): Result {
  const r = cli(args, cwd);
  assert.equal(r.code, 0, `mlops ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

const GIB = 1024 ** 3;

const GOALS = `{
  "formatVersion": 1,
  "metrics": [
    { "name": "recall", "goal": "max", "threshold": 0.7 },
    { "name": "false_positive_rate", "goal": "min", "threshold": 0.2 },
    { "name": "accuracy@fold=1", "goal": "max" }
  ],
  "kpis": [
    { "name": "retained_revenue", "description": "EUR kept per 1,000 customers", "unit": "EUR/1k customers",
      "formula": "recall * 420 - false_positive_rate * 35", "goal": "max", "threshold": 250, "owner": "Head of retention" }
  ],
  "constraints": { "maxPeakMemoryBytes": 2147483648, "maxTrainingDurationMs": 7200000, "hardware": ["cpu-only"], "python": ">=3.9" },
  "budget": { "currency": "EUR", "rates": { "cpuCoreHour": 0.05, "gpuHour": 2.5 },
    "limits": { "total": 1000, "perExperiment": 300, "experiments": { "baseline": 100 } } }
}
`;

interface RunSpec { experiment: string; name: string; metrics: Record<string, number>; meta: MetaMetrics }

/**
 * good: every goal met, cost by rate (1 h × 4 cores × 0.05 = 0.2 EUR). weak: misses all metric and KPI bars, too much
 * memory, an old Python; records 250 EUR. over: KPI met, records 400 EUR (baseline's limit is 100), no hardware or
 * Python, so unknown. unknown: logs neither recall nor the false-positive rate, and no duration: cost unknown.
 */
const RUNS: RunSpec[] = [
  { experiment: 'churn-gbm', name: 'good', metrics: { recall: 0.8, false_positive_rate: 0.1 },
    meta: { durationMs: 3_600_000, peakMemoryBytes: GIB, python: '3.11.2', hardware: { cores: 4, label: 'cpu-only', gpus: [] } } },
  { experiment: 'churn-gbm', name: 'weak', metrics: { recall: 0.6, false_positive_rate: 0.3 },
    meta: { durationMs: 60_000, peakMemoryBytes: 3 * GIB, python: '3.8.10', hardware: { cores: 2, label: 'cpu-only', gpus: [] }, cost: { amount: 250, currency: 'EUR' } } },
  { experiment: 'baseline', name: 'over', metrics: { recall: 0.75, false_positive_rate: 0.15 },
    meta: { durationMs: 120_000, cost: { amount: 400, currency: 'EUR' } } },
  { experiment: 'baseline', name: 'unknown', metrics: { accuracy: 0.5 }, meta: {} },
];

async function makeStore(goals: string | undefined): Promise<string> {
  const ws = tmpDir('mlops-goals-cli-');
  const { store } = await Store.init(ws);
  let t = Date.parse('2026-05-01T10:00:00Z');
  for (const r of RUNS) {
    const run = await store.createRun({ experiment: r.experiment, name: r.name, status: 'finished', meta: r.meta, startTime: new Date(t += 60_000) });
    await store.logMetrics(run.id, Object.entries(r.metrics).map(([name, value]) => ({ name, value, step: 0 })));
  }
  if (goals !== undefined) { fs.writeFileSync(path.join(ws, '.mlops', 'goals.json'), goals); }
  return ws;
}

/** `file:line:column` of the first occurrence of `needle` in `text` (1-based, as the CLI prints it). */
function at(text: string, needle: string, shift = 0): string {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, `${needle} not in the goals file`);
  const before = text.slice(0, offset + shift).split('\n');
  return `.mlops/goals.json:${before.length}:${before[before.length - 1].length + 1}`;
}

interface Row { name: string; kpis: Record<string, number | null>; goals: { state: string; met: number; unmet: number; unknown: number; checks: { kind: string; name: string; verdict: string; value: number | null; reason: string | null; bar: string | null }[] }; cost: { amount: number; currency: string; basis: string } | null; costReason?: string }

const rows = (args: string[], cwd: string): Row[] => JSON.parse(ok([...args, '--json'], cwd).stdout) as Row[];
const names = (rs: Row[]): string[] => rs.map((r) => r.name);

describe('mlops goals / budget / runs list with goals (real processes)', function () {
  this.timeout(180_000);
  let ws: string;

  before(async () => { ws = await makeStore(GOALS); });

  it('goals --json: each KPI and metric goal with its best run and how many runs meet it; constraints counted', () => {
    const r = ok(['goals', '--json'], ws);
    const out = JSON.parse(r.stdout) as {
      exists: boolean; runs: number;
      kpis: { name: string; formula: string; unit: string; owner: string; threshold: number; best: { runName: string; experiment: string; value: number; runId: string } | null; meeting: number; known: number; runs: number }[];
      metrics: { name: string; threshold: number | null; best: { runName: string; value: number } | null; meeting: number; known: number }[];
      constraints: { name: string; satisfied: number; failed: number; unknown: number; runs: number }[];
      problems: { severity: string; message: string; line: number; column: number }[];
    };
    assert.equal(out.exists, true);
    assert.equal(out.runs, 4);
    const kpi = out.kpis[0];
    assert.deepEqual([kpi.name, kpi.unit, kpi.owner, kpi.threshold, kpi.formula], ['retained_revenue', 'EUR/1k customers', 'Head of retention', 250, 'recall * 420 - false_positive_rate * 35']);
    assert.deepEqual([kpi.best?.runName, kpi.best?.experiment, kpi.best?.value], ['good', 'churn-gbm', 332.5]);
    assert.deepEqual([kpi.meeting, kpi.known, kpi.runs], [2, 3, 4]);
    const recall = out.metrics.find((m) => m.name === 'recall');
    assert.deepEqual([recall?.best?.runName, recall?.best?.value, recall?.meeting, recall?.known], ['good', 0.8, 2, 3]);
    const fpr = out.metrics.find((m) => m.name === 'false_positive_rate');
    assert.deepEqual([fpr?.best?.runName, fpr?.best?.value, fpr?.meeting], ['good', 0.1, 2]);
    assert.equal(out.metrics.find((m) => m.name === 'accuracy@fold=1')?.best, null);
    const c = (name: string) => { const x = out.constraints.find((k) => k.name === name); return x && [x.satisfied, x.failed, x.unknown, x.runs]; };
    assert.deepEqual(c('python'), [1, 1, 2, 4]);
    assert.deepEqual(c('maxPeakMemoryBytes'), [1, 1, 2, 4]);
    assert.deepEqual(c('hardware'), [2, 0, 2, 4]);
    assert.deepEqual(c('maxTrainingDurationMs'), [3, 0, 1, 4]);
    // A metric goal on a name no run has logged is a warning (it may be logged later), not an error: exit 0.
    const warn = `${at(GOALS, '"accuracy@fold=1"')}: warning: no run has logged a metric 'accuracy@fold=1' yet`;
    assert.equal(r.stderr, `${warn}\n`);
    assert.deepEqual(out.problems.map((p) => p.severity), ['warning']);
  });

  it('goals (text): formula, unit, owner, bar, best run and how many meet it; constraints with counts', () => {
    const r = ok(['goals'], ws);
    const t = r.stdout;
    assert.match(t, /^ {2}retained_revenue \[EUR\/1k customers\] {2}owner: Head of retention$/m);
    assert.match(t, /^ {4}formula {2}recall \* 420 - false_positive_rate \* 35$/m);
    assert.match(t, /^ {4}goal {5}≥ 250$/m);
    assert.match(t, /^ {4}best {5}332\.5 by good \([0-9A-Z]{8}\) in churn-gbm$/m);
    assert.match(t, /^ {4}meet it {2}2 of 3 \(4 runs\)$/m);
    assert.match(t, /^ {2}recall\s+≥ 0\.7\s+0\.8\s+good \([0-9A-Z]{8}\)\s+churn-gbm\s+2 of 3 \(4 runs\)$/m);
    assert.match(t, /^ {2}false_positive_rate\s+≤ 0\.2\s+0\.1\s+good/m);
    assert.match(t, /^ {2}Python\s+>=3\.9\s+1 of 4\s+1\s+2$/m);
    assert.match(t, /^ {2}Peak memory\s+≤ 2\.0 GiB\s+1 of 4\s+1\s+2$/m);
    assert.match(r.stderr, /goals\.json:\d+:\d+: warning: no run has logged a metric 'accuracy@fold=1' yet/);
  });

  it('goals --experiment counts only that experiment\'s runs', () => {
    const out = JSON.parse(ok(['goals', '--experiment', 'baseline', '--json'], ws).stdout) as { runs: number; kpis: { best: { runName: string } | null; meeting: number; runs: number }[] };
    assert.equal(out.runs, 2);
    assert.deepEqual([out.kpis[0].best?.runName, out.kpis[0].meeting, out.kpis[0].runs], ['over', 1, 2]);
  });

  it('budget: spend against each limit, near and OVER flagged, unknown costs counted and explained, the total', () => {
    const r = ok(['budget'], ws);
    const lines = r.stdout.split('\n');
    assert.match(lines[0], /^EXPERIMENT\s+SPENT \/ LIMIT\s+USED\s+STATE\s+RUNS\s+UNKNOWN COST$/);
    assert.match(r.stdout, /^baseline\s+400 \/ 100 EUR\s+400%\s+OVER\s+2\s+1$/m);
    assert.match(r.stdout, /^churn-gbm\s+250 \/ 300 EUR\s+83%\s+near limit\s+2\s+-$/m);
    assert.match(r.stdout, /^Total {2}650 \/ 1000 EUR {2}65% {2}ok {2}from 3 runs with a known cost$/m);
    assert.match(r.stdout, /^Over budget: baseline by 300 EUR\.$/m);
    assert.match(r.stdout, /^1 run with an unknown cost, not counted above:\n {2}1 {2}no duration recorded$/m);
    const j = JSON.parse(ok(['budget', '--json'], ws).stdout) as { currency: string; experiments: { experiment: string; spent: number; limit: number; state: string; knownRuns: number; unknownRuns: number }[]; total: { spent: number; limit: number; state: string }; unknownCost: { runName: string; reason: string }[] };
    assert.equal(j.currency, 'EUR');
    assert.deepEqual(j.experiments.map((e) => [e.experiment, Math.round(e.spent * 1000) / 1000, e.limit, e.state, e.knownRuns, e.unknownRuns]),
      [['baseline', 400, 100, 'over', 1, 1], ['churn-gbm', 250.2, 300, 'near', 2, 0]]);
    assert.deepEqual([Math.round(j.total.spent * 1000) / 1000, j.total.limit, j.total.state], [650.2, 1000, 'ok']);
    assert.deepEqual(j.unknownCost.map((u) => [u.runName, u.reason]), [['unknown', 'no duration recorded']]);
  });

  it('runs list --json: kpis, goal counts and cost on every row; runs show --json: every check with its reason', () => {
    const all = rows(['runs', 'list'], ws);
    const by = (n: string) => all.find((r) => r.name === n)!;
    assert.deepEqual(by('good').kpis, { retained_revenue: 332.5 });
    assert.deepEqual([by('good').goals.state, by('good').goals.met, by('good').goals.unmet], ['met', 7, 0]);
    assert.deepEqual([by('weak').goals.state, by('weak').goals.unmet], ['unmet', 5]);
    assert.equal(by('over').goals.state, 'unknown');
    assert.equal(by('unknown').kpis.retained_revenue, null);
    assert.ok(all.every((r) => r.goals.checks === undefined), 'list rows carry the counts, not every check');
    const shown = JSON.parse(ok(['runs', 'show', 'unknown', '--json'], ws).stdout) as Row;
    const check = shown.goals.checks.find((c) => c.kind === 'kpi' && c.name === 'retained_revenue');
    assert.deepEqual([check?.verdict, check?.reason, check?.bar], ['unknown', "'recall' is not logged", '≥ 250']);
    assert.deepEqual(by('weak').cost, { amount: 250, currency: 'EUR', basis: 'recorded', detail: 'recorded by the run (meta.cost)' });
    assert.equal(by('good').cost?.basis, 'rate');
    assert.ok(Math.abs((by('good').cost?.amount ?? 0) - 0.2) < 1e-9);
    assert.deepEqual([by('unknown').cost, by('unknown').costReason], [null, 'no duration recorded']);
  });

  it('runs list --filter and --sort: kpis.NAME, goals and cost', () => {
    assert.deepEqual(names(rows(['runs', 'list', '--filter', 'kpis.retained_revenue > 300'], ws)), ['over', 'good']);
    assert.deepEqual(names(rows(['runs', 'list', '--filter', 'goals = met'], ws)), ['good']);
    assert.deepEqual(names(rows(['runs', 'list', '--filter', 'goals = unmet or goals = unknown'], ws)), ['unknown', 'over', 'weak']);
    assert.deepEqual(names(rows(['runs', 'list', '--filter', 'cost < 5'], ws)), ['good']);
    assert.deepEqual(names(rows(['runs', 'list', '--filter', 'cost >= 250 and experiment = churn-gbm'], ws)), ['weak']);
    assert.deepEqual(names(rows(['runs', 'list', '--sort', '-kpis.retained_revenue'], ws)), ['good', 'over', 'weak', 'unknown']);
    assert.deepEqual(names(rows(['runs', 'list', '--sort', 'cost'], ws)), ['good', 'weak', 'over', 'unknown']);
    // A KPI that goals.json does not declare is a usage error, not a filter that silently matches nothing.
    const bad = cli(['runs', 'list', '--filter', 'kpis.revenue > 1'], ws);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^mlops: --filter: no KPI named 'revenue' in \.mlops\/goals\.json \(KPIs: retained_revenue\)/);
  });

  it('runs list (text): a GOALS badge, the KPI and a COST column', () => {
    const t = ok(['runs', 'list'], ws).stdout;
    const [header, ...lines] = t.trimEnd().split('\n');
    assert.match(header, /^ID\s+EXPERIMENT\s+NAME\s+STATUS\s+GOALS\s+STARTED\s+retained_revenue\s+\S+\s+\S+\s+\S+\s+COST EUR\s+COMMIT$/);
    const line = (n: string) => lines.find((l) => new RegExp(`\\s${n}\\s`).test(l)) ?? '';
    assert.match(line('good'), /\sfinished\s+✓\s+\S+ \S+\s+332\.5\s.*\s0\.200$/);
    assert.match(line('weak'), /\sfinished\s+✗ 5 unmet\s+\S+ \S+\s+241\.5\s.*\s250$/);
    assert.match(line('over'), /\sfinished\s+\? 3 unknown\s/);
    assert.match(line('unknown'), /\sfinished\s+\? \d+ unknown\s+\S+ \S+\s+-\s.*\s-$/);
  });

  it('runs show: each goal with value, bar and verdict, and the cost', () => {
    const t = ok(['runs', 'show', 'weak'], ws).stdout;
    assert.match(t, /^Goals \(2 met, 5 unmet, 0 unknown; \.mlops\/goals\.json\)$/m);
    assert.match(t, /^ {2}✗ retained_revenue\s+241\.5 EUR\/1k customers\s+≥ 250$/m);
    assert.match(t, /^ {2}✗ recall\s+0\.6\s+≥ 0\.7$/m);
    assert.match(t, /^ {2}· accuracy@fold=1\s+-\s+max \(no threshold\)\s+not logged$/m);
    assert.match(t, /^ {2}✗ Python\s+3\.8\.10\s+>=3\.9$/m);
    assert.match(t, /^ {2}✓ Hardware\s+cpu-only\s+one of cpu-only$/m);
    assert.match(t, /^Cost {2}250 EUR \(recorded by the run \(meta\.cost\)\)$/m);
    const good = ok(['runs', 'show', 'good'], ws).stdout;
    assert.match(good, /^Cost {2}0\.200 EUR \(1 h 0 min × 4 cores × 0\.05 EUR\/h\)$/m);
    const j = JSON.parse(ok(['runs', 'show', 'unknown', '--json'], ws).stdout) as Row & { run: { name: string } };
    assert.equal(j.run.name, 'unknown');
    assert.deepEqual([j.kpis.retained_revenue, j.goals.state, j.cost, j.costReason], [null, 'unknown', null, 'no duration recorded']);
    assert.match(ok(['runs', 'show', 'unknown'], ws).stdout, /^ {2}\? Peak memory\s+-\s+≤ 2\.0 GiB\s+peak memory not recorded/m);
  });

  it('usage errors exit 2', () => {
    for (const args of [['goals', 'extra'], ['budget', '--bogus'], ['goals', '--experiment']]) {
      const r = cli(args, ws);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^mlops: .*\(see 'mlops (goals|budget) --help'\)\n$/);
    }
  });
});

describe('mlops goals with a broken or missing goals.json (real processes)', function () {
  this.timeout(180_000);

  it('no goals.json: a hint how to create one (exit 0), no goals columns, JSON rows say none', async () => {
    const ws = await makeStore(undefined);
    const g = ok(['goals'], ws);
    assert.match(g.stdout, /^No goals yet: \.mlops\/goals\.json does not exist\. Create it, e\.g\./);
    assert.match(g.stdout, /"formatVersion": 1/);
    assert.deepEqual(JSON.parse(ok(['goals', '--json'], ws).stdout), { file: '.mlops/goals.json', exists: false, kpis: [], metrics: [], constraints: [], problems: [] });
    assert.match(ok(['budget'], ws).stdout, /^No budget: \.mlops\/goals\.json does not exist\./);
    assert.deepEqual(JSON.parse(ok(['budget', '--json'], ws).stdout), { file: '.mlops/goals.json', currency: null, experiments: [], total: null, unknownCost: [] });
    assert.match(ok(['runs', 'list'], ws).stdout.split('\n')[0], /^ID\s+EXPERIMENT\s+NAME\s+STATUS\s+STARTED\s+\S/);
    assert.doesNotMatch(ok(['runs', 'list'], ws).stdout, /GOALS|COST/);
    const all = rows(['runs', 'list'], ws);
    assert.deepEqual(all.map((r) => [r.name, r.goals.state, r.kpis]), [['unknown', 'none', {}], ['over', 'none', {}], ['weak', 'none', {}], ['good', 'none', {}]]);
    // A recorded cost is known without a budget; nothing else can be priced.
    assert.equal(all.find((r) => r.name === 'weak')?.cost?.amount, 250);
    assert.equal(all.find((r) => r.name === 'good')?.costReason, 'no budget in goals.json to price runs by');
    assert.ok(!fs.existsSync(path.join(ws, '.mlops', 'goals.json')), 'reading goals never creates the file');
  });

  it('a syntax error: line:column on stderr, exit 1, runs still listed, the file left as it was', async () => {
    const text = '{\n  "formatVersion": 1,\n  "metrics": [ { "name": "recall" "goal": "max" } ]\n}\n';
    const ws = await makeStore(text);
    const before = snapshot(ws);
    const g = cli(['goals'], ws);
    assert.equal(g.code, 1);
    assert.equal(g.stderr, `${at(text, '"goal"')}: error: not valid JSON: expected ','\n`);
    assert.match(g.stdout, /cannot be used until the errors below are fixed/);
    const b = cli(['budget'], ws);
    assert.equal(b.code, 1);
    assert.match(b.stderr, /^\.mlops\/goals\.json:3:35: error: not valid JSON/);
    const list = cli(['runs', 'list'], ws);
    assert.equal(list.code, 1);
    assert.match(list.stdout, /\sgood\s/);
    assert.doesNotMatch(list.stdout.split('\n')[0], /GOALS/);
    assert.match(list.stderr, /^\.mlops\/goals\.json:3:35: error: not valid JSON: expected ','\n$/);
    assert.deepEqual(snapshot(ws), before);
  });

  it('a formula error and a threshold that is not a number: each at its place, exit 1, the rest of the goals still used', async () => {
    const text = GOALS
      .replace('"recall * 420 - false_positive_rate * 35"', '"recall * 420 - (false_positive_rate * 35"')
      .replace('"threshold": 0.2 }', '"threshold": "low" }')
      .replace('"kpis": [', '"kpis": [\n    { "name": "recall_value", "formula": "recall * 100", "threshold": 70 },');
    const ws = await makeStore(text);
    const before = snapshot(ws);
    const r = cli(['goals', '--json'], ws);
    assert.equal(r.code, 1, r.stderr);
    const errors = r.stderr.split('\n').filter((l) => l.includes(': error: '));
    // The formula error points at the unclosed '(' inside the string; the threshold error at the value.
    assert.deepEqual(errors, [
      `${at(text, '"low"')}: error: threshold must be a number`,
      `${at(text, '(false_positive_rate')}: error: formula: '(' is never closed (at character 16)`,
    ]);
    const out = JSON.parse(r.stdout) as { kpis: { name: string; formulaError: string | null; best: { runName: string } | null }[]; metrics: { name: string }[]; problems: { severity: string; line: number; column: number; message: string }[] };
    assert.deepEqual(out.kpis.map((k) => [k.name, k.formulaError, k.best?.runName ?? null]),
      [['recall_value', null, 'good'], ['retained_revenue', "'(' is never closed (at character 16)", null]]);
    // The bad metric goal is left out; the others still count.
    assert.deepEqual(out.metrics.map((m) => m.name), ['recall', 'accuracy@fold=1']);
    assert.deepEqual(out.problems.filter((p) => p.severity === 'error').map((p) => p.message), ['threshold must be a number', "formula: '(' is never closed (at character 16)"]);
    // runs list keeps working with the usable goals, reports the errors and exits 1.
    const list = cli(['runs', 'list', '--json', '--filter', 'kpis.recall_value >= 70'], ws);
    assert.equal(list.code, 1);
    assert.deepEqual(names(JSON.parse(list.stdout) as Row[]), ['over', 'good']);
    assert.equal(list.stderr.split('\n').filter(Boolean).length, 2);
    const text2 = cli(['goals'], ws);
    assert.match(text2.stdout, /formula {2}recall \* 420 - \(false_positive_rate \* 35 {3}\(does not parse: '\(' is never closed/);
    assert.deepEqual(snapshot(ws), before);
  });

  it('__proto__ and constructor are plain names: an error where a name cannot be one, a value where it can', async () => {
    const text = `{
  "formatVersion": 1,
  "metrics": [ { "name": "__proto__", "goal": "min", "threshold": 0.2 }, { "name": "constructor", "goal": "max", "threshold": 0.5 } ],
  "kpis": [
    { "name": "constructor", "formula": "recall * 2", "threshold": 1.5 },
    { "name": "__proto__", "formula": "recall", "threshold": 1 }
  ],
  "budget": { "currency": "EUR", "rates": { "hardware": { "__proto__": 1, "cpu-only": 0.4 } }, "limits": { "experiments": { "constructor": 5 } } }
}
`;
    const ws = await makeStore(text);
    const r = cli(['goals', '--json'], ws);
    assert.equal(r.code, 1);
    const errors = r.stderr.split('\n').filter((l) => l.includes(': error: '));
    assert.equal(errors.length, 2, r.stderr);
    assert.match(errors[0], new RegExp(`^${at(text, '{ "name": "__proto__", "formula"', 10).replace(/\./g, '\\.')}: error: name: a KPI name starts with a letter`));
    assert.equal(errors[1], `${at(text, '"__proto__": 1')}: error: '__proto__' cannot be used as a name here`);
    const out = JSON.parse(r.stdout) as { kpis: { name: string; best: { runName: string; value: number } | null }[]; metrics: { name: string; known: number }[] };
    assert.deepEqual(out.kpis.map((k) => [k.name, k.best?.runName, k.best?.value]), [['constructor', 'good', 1.6]]);
    assert.deepEqual(out.metrics.map((m) => [m.name, m.known]), [['__proto__', 0], ['constructor', 0]]);
    const list = cli(['runs', 'list', '--json', '--filter', 'kpis.constructor >= 1.5'], ws);
    const listed = JSON.parse(list.stdout) as Row[];
    assert.deepEqual(names(listed), ['over', 'good']);
    assert.ok(Object.hasOwn(listed[1].kpis, 'constructor'));
    assert.equal(listed[1].kpis.constructor, 1.6);
    assert.equal(Object.getPrototypeOf(listed[1].kpis), Object.prototype);
    // The rate named __proto__ is reported and never used as a rate; the run is priced by its label's rate.
    const b = cli(['budget'], ws);
    assert.equal(b.code, 1);
    assert.match(b.stdout, /^churn-gbm\s+250 EUR\s+-\s+no limit\s+2\s+-$/m);
    assert.match(cli(['runs', 'show', 'good'], ws).stdout, /^Cost {2}0\.400 EUR \(1 h 0 min × 0\.4 EUR\/h \(cpu-only\)\)$/m);
    // A budget entry that cannot be used is left out as a whole; the command says why instead of "no budget".
    fs.writeFileSync(path.join(ws, '.mlops', 'goals.json'), '{ "formatVersion": 1, "budget": { "currency": "EUR", "limits": { "experiments": { "constructor": "x" } } } }\n');
    const broken = cli(['budget'], ws);
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /^The budget in \.mlops\/goals\.json cannot be used until the errors below are fixed\.$/m);
    assert.match(broken.stderr, /^\.mlops\/goals\.json:1:\d+: error: constructor: an experiment limit must be a number$/m);
  });
});
