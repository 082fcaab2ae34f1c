// Goals benchmark: every goal, KPI and constraint of a realistic goals.json evaluated (evaluateRun) for 10,000 runs
// with realistic metrics, against the honest floor — a plain loop that reads the same values from the same Maps and
// does the same comparisons and arithmetic by hand — and `mlops runs list` with goals.json against the same store
// without one.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Store, evaluateRun, parseGoals, type Goals, type MetricSummary, type Run } from '../src/core';
import { mapLimit } from '../src/core/store/fsutil';
import { line, median } from './util';

const RUNS = Number(process.env.BENCH_GOALS_RUNS ?? 10_000);
const CLI_RUNS = Number(process.env.BENCH_GOALS_CLI_RUNS ?? 2_000);

/** The goals of the churn example: three metric goals, one KPI, six constraints (Python included), a budget. */
export const BENCH_GOALS = `{
  "formatVersion": 1,
  "metrics": [
    { "name": "recall", "goal": "max", "threshold": 0.7 },
    { "name": "false_positive_rate", "goal": "min", "threshold": 0.2 },
    { "name": "accuracy@fold=1", "goal": "max" }
  ],
  "kpis": [
    { "name": "retained_revenue", "unit": "EUR/1k customers", "formula": "recall * 420 - false_positive_rate * 35", "goal": "max", "threshold": 250 }
  ],
  "constraints": { "maxPeakMemoryBytes": 2147483648, "maxLatencyMsP95": 50, "maxModelSizeBytes": 104857600, "maxTrainingDurationMs": 600000,
    "hardware": ["cpu-only"], "python": ">=3.9" },
  "budget": { "currency": "EUR", "rates": { "cpuCoreHour": 0.05, "gpuHour": 2.5 }, "limits": { "total": 1000, "perExperiment": 300 } }
}`;

const METRICS = ['recall', 'false_positive_rate', 'accuracy', 'accuracy@fold=1', 'precision', 'f1', 'auc', 'loss'];

/** A pseudo-random but repeatable value in [0, 1). */
function rnd(i: number, k: number): number {
  const x = Math.sin(i * 12.9898 + k * 78.233) * 43758.5453;
  return x - Math.floor(x);
}

interface Synthetic { run: Run; metrics: Map<string, MetricSummary> }

function syntheticRuns(n: number): Synthetic[] {
  const out: Synthetic[] = [];
  for (let i = 0; i < n; i++) {
    const metrics = new Map<string, MetricSummary>();
    METRICS.forEach((name, k) => {
      // One run in ten has not logged the false-positive rate: its KPI is unknown, as in real stores.
      if (name === 'false_positive_rate' && i % 10 === 3) { return; }
      const last = rnd(i, k);
      metrics.set(name, { name, count: 100, last, lastStep: 99, lastTimestamp: 1_700_000_000_000 + i, min: last / 2, max: Math.min(1, last * 1.5) });
    });
    const run = {
      formatVersion: 1, id: `01BENCH${String(i).padStart(19, '0')}`, experiment: `exp-${i % 20}`, name: `run-${i}`, status: 'finished',
      startTime: '2026-05-01T10:00:00.000Z', params: { lr: 0.001 * (i % 10) }, tags: [], dataVersions: [],
      meta: {
        durationMs: 60_000 + (i % 100) * 10_000, peakMemoryBytes: (1 + (i % 3)) * 2 ** 30,
        latencyMsP95: 10 + (i % 60), modelSizeBytes: (i % 200) * 2 ** 20,
        python: i % 7 ? '3.11.4' : '3.8.18',
        hardware: i % 5 ? { cores: 8, label: 'cpu-only' } : { cores: 8, gpus: ['A100'] },
      },
    } as Run;
    out.push({ run, metrics });
  }
  return out;
}

/**
 * The floor: the same lookups, comparisons and arithmetic written out by hand for this one goals file — no check
 * objects, no formula walk, Python's version compared as two integers.
 */
function handWritten(runs: readonly Synthetic[]): number {
  let met = 0;
  for (const { run, metrics } of runs) {
    const m = run.meta;
    const recall = metrics.get('recall')?.last;
    const fpr = metrics.get('false_positive_rate')?.last;
    metrics.get('accuracy@fold=1');
    let pass = 0;
    let fail = 0;
    if (recall !== undefined && fpr !== undefined) { if (recall * 420 - fpr * 35 >= 250) { pass++; } else { fail++; } }
    if (recall !== undefined) { if (recall >= 0.7) { pass++; } else { fail++; } }
    if (fpr !== undefined) { if (fpr <= 0.2) { pass++; } else { fail++; } }
    if (m.peakMemoryBytes !== undefined) { if (m.peakMemoryBytes <= 2147483648) { pass++; } else { fail++; } }
    if (m.latencyMsP95 !== undefined) { if (m.latencyMsP95 <= 50) { pass++; } else { fail++; } }
    if (m.modelSizeBytes !== undefined) { if (m.modelSizeBytes <= 104857600) { pass++; } else { fail++; } }
    if (m.durationMs !== undefined) { if (m.durationMs <= 600000) { pass++; } else { fail++; } }
    const gpus = m.hardware?.gpus?.length ?? 0;
    if (m.hardware) { if (m.hardware.label === 'cpu-only' || gpus === 0) { pass++; } else { fail++; } }
    if (m.python) {
      const [major, minor] = m.python.split('.').map(Number);
      if (major > 3 || (major === 3 && minor >= 9)) { pass++; } else { fail++; }
    }
    const cost = m.durationMs !== undefined && m.hardware ? (m.durationMs / 3_600_000) * (gpus ? gpus * 2.5 + (m.hardware.cores ?? 0) * 0.05 : (m.hardware.cores ?? 0) * 0.05) : NaN;
    if (fail === 0 && pass > 0 && cost >= 0) { met++; }
  }
  return met;
}

function evaluateAll(goals: Goals, runs: readonly Synthetic[]): number {
  let met = 0;
  for (const r of runs) { if (evaluateRun(goals, { run: r.run, metrics: r.metrics }).state === 'met') { met++; } }
  return met;
}

function timed(fn: () => number, reps = 7): { ms: number; value: number } {
  fn();
  fn();
  const xs: number[] = [];
  let value = 0;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    value = fn();
    xs.push(performance.now() - t0);
  }
  return { ms: median(xs), value };
}

export async function benchGoals(repo: string): Promise<void> {
  const doc = parseGoals(BENCH_GOALS);
  if (!doc.goals || doc.problems.length) { throw new Error(`bench goals do not parse: ${JSON.stringify(doc.problems)}`); }
  const goals = doc.goals;
  const runs = syntheticRuns(RUNS);
  console.log(`goals: ${RUNS} runs × ${METRICS.length} metrics; 3 metric goals, 1 KPI, 6 constraints, a budget`);
  const floor = timed(() => handWritten(runs));
  const all = timed(() => evaluateAll(goals, runs));
  const noPython: Goals = { ...goals, constraints: { ...goals.constraints, python: undefined } };
  delete noPython.constraints.python;
  const withoutPython = timed(() => evaluateAll(noPython, runs));
  line('floor: the same lookups and arithmetic by hand', `${floor.ms.toFixed(1)} ms`);
  line(`evaluateRun, all goals, KPIs, constraints and cost (${all.value} met)`, `${all.ms.toFixed(1)} ms  ${(all.ms / floor.ms).toFixed(1)}×`, '≤ 50 ms');
  line('  the same without the Python range (PEP 440 matching)', `${withoutPython.ms.toFixed(1)} ms  ${(withoutPython.ms / floor.ms).toFixed(1)}×`);

  // The CLI as a whole process: runs list with goals.json (badges, KPI and cost columns) and without it.
  const cli = path.join(repo, 'dist', 'cli.js');
  if (!fs.existsSync(cli)) { console.log('  (dist/cli.js not built: skipping the runs list figures)'); return; }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-goals-'));
  try {
    const { store } = await Store.init(root);
    const sample = syntheticRuns(CLI_RUNS);
    await mapLimit(sample, 16, async ({ run, metrics }) => {
      const created = await store.createRun({ experiment: run.experiment, name: run.name, status: 'finished', params: run.params, meta: run.meta });
      await store.logMetrics(created.id, [...metrics.values()].map((s) => ({ name: s.name, value: s.last, step: 0 })));
    });
    const proc = (args: string[]): number => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30 });
      if (r.status !== 0) { throw new Error(`mlops ${args.join(' ')}: ${r.stderr}`); }
      return performance.now() - t0;
    };
    const goalsFile = path.join(store.dir, 'goals.json');
    const measure = (args: string[]): { without: number; with: number } => {
      proc(args);
      const without: number[] = [];
      const withGoals: number[] = [];
      for (let rep = 0; rep < 5; rep++) {
        fs.rmSync(goalsFile, { force: true });
        without.push(proc(args));
        fs.writeFileSync(goalsFile, BENCH_GOALS);
        withGoals.push(proc(args));
      }
      return { without: median(without), with: median(withGoals) };
    };
    // The filter reads the goals state and the cost of every run: `goals = met or cost < 0.1`.
    for (const args of [['runs', 'list'], ['runs', 'list', '--json'], ['runs', 'list', '--filter', 'goals = met or cost < 0.1']]) {
      const m = measure(args);
      line(`mlops ${args.slice(0, 3).join(' ')}${args.length > 3 ? ' …' : ''}, ${CLI_RUNS} runs, no goals.json`, `${m.without.toFixed(0)} ms`);
      line('  with goals.json', `${m.with.toFixed(0)} ms  +${(m.with - m.without).toFixed(0)} ms`);
    }
    fs.writeFileSync(goalsFile, BENCH_GOALS);
    const g = measure(['goals']);
    line(`mlops goals, ${CLI_RUNS} runs`, `${g.with.toFixed(0)} ms`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
