/**
 * Goals applied to runs: each KPI's value, each metric goal and production constraint as pass / fail / unknown
 * (a value nobody logged is unknown, never a pass), the run's cost, and per experiment the spend against its budget.
 * Pure and cheap: one run's evaluation is a few map lookups and a formula walk, so the views evaluate thousands of
 * runs on every refresh.
 */
import { satisfies } from '@renovatebot/pep440';
import { formatBytes, formatDuration } from '../format';
import type { MetricSummary } from '../store/metrics';
import type { Run } from '../store/schemas';
import type { Goals } from './document';
import { evaluateFormula, type FormulaValue } from './formula';

/** `info`: a goal without a threshold (it says which way is better, nothing to pass or fail). */
export type Verdict = 'pass' | 'fail' | 'unknown' | 'info';

export interface GoalCheck {
  kind: 'metric' | 'kpi' | 'constraint';
  /** The metric or KPI name, or the constraint's key (`maxPeakMemoryBytes`). */
  name: string;
  /** What people read: the name, or `Peak memory` for a constraint. */
  label: string;
  value?: number;
  /** The value as shown (bytes, durations, hardware labels). */
  shown?: string;
  /** The bar as shown: `≥ 0.8`, `≤ 2.0 GiB`, `one of cpu-only`. */
  bar?: string;
  threshold?: number;
  goal?: 'min' | 'max';
  unit?: string;
  verdict: Verdict;
  /** Why the verdict is unknown. */
  reason?: string;
}

export type RunCost =
  | { known: true; amount: number; currency: string; basis: 'recorded' | 'rate'; detail: string }
  | { known: false; reason: string };

/** The badge a run row shows: all met, some unmet, or some unknown (nothing failed but something is not known). */
export type GoalsState = 'met' | 'unmet' | 'unknown' | 'none';

export interface RunGoals {
  checks: GoalCheck[];
  kpis: ReadonlyMap<string, FormulaValue>;
  met: number;
  unmet: number;
  unknown: number;
  state: GoalsState;
  cost: RunCost;
}

export interface RunFacts {
  run: Run;
  metrics: ReadonlyMap<string, MetricSummary> | undefined;
  /** Largest artifact registered from this run, when meta.modelSizeBytes is not recorded. */
  modelSizeBytes?: number;
}

export function formatNumber(v: number): string {
  if (Number.isInteger(v)) { return String(v); }
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-4 || a >= 1e15) ? v.toExponential(3) : String(Number(v.toPrecision(6)));
}

function meets(goal: 'min' | 'max', value: number, threshold: number): boolean {
  return goal === 'max' ? value >= threshold : value <= threshold;
}

function barOf(goal: 'min' | 'max', threshold: number, show: (n: number) => string = formatNumber): string {
  return `${goal === 'max' ? '≥' : '≤'} ${show(threshold)}`;
}

/** The labels a run's hardware answers to: its recorded label, and `gpu` or `cpu-only` by what it had. */
export function hardwareLabels(run: Run): string[] | undefined {
  const hw = run.meta.hardware;
  if (!hw) { return undefined; }
  const out: string[] = [];
  if (typeof hw.label === 'string') { out.push(hw.label); }
  out.push(hw.gpus?.length ? 'gpu' : 'cpu-only');
  return out;
}

const HOUR = 3_600_000;

/** A run's cost: `meta.cost` when recorded, else duration × the rate of its hardware. */
export function runCost(goals: Goals, run: Run): RunCost {
  const budget = goals.budget;
  const recorded = run.meta.cost;
  if (recorded) {
    if (budget && recorded.currency !== budget.currency) { return { known: false, reason: `cost recorded in ${recorded.currency}; the budget counts ${budget.currency}` }; }
    return { known: true, amount: recorded.amount, currency: recorded.currency, basis: 'recorded', detail: 'recorded by the run (meta.cost)' };
  }
  if (!budget) { return { known: false, reason: 'no budget in goals.json to price runs by' }; }
  const ms = run.meta.durationMs;
  if (ms === undefined) { return { known: false, reason: run.status === 'running' ? 'still running: no duration yet' : 'no duration recorded' }; }
  const hours = ms / HOUR;
  const rates = budget.rates ?? {};
  const labels = hardwareLabels(run);
  if (!labels) { return { known: false, reason: 'no hardware recorded, so no rate applies' }; }
  const byLabel = rates.hardware;
  for (const label of labels) {
    const rate = byLabel && Object.hasOwn(byLabel, label) ? byLabel[label] : undefined;
    if (rate !== undefined) {
      return { known: true, amount: hours * rate, currency: budget.currency, basis: 'rate', detail: `${formatDuration(ms)} × ${formatNumber(rate)} ${budget.currency}/h (${label})` };
    }
  }
  const hw = run.meta.hardware!;
  const gpus = hw.gpus?.length ?? 0;
  const cores = hw.cores;
  if (gpus > 0 && rates.gpuHour !== undefined) {
    const cpu = cores !== undefined && rates.cpuCoreHour !== undefined ? cores * rates.cpuCoreHour : 0;
    return { known: true, amount: hours * (gpus * rates.gpuHour + cpu), currency: budget.currency, basis: 'rate',
      detail: `${formatDuration(ms)} × ${gpus} GPU × ${formatNumber(rates.gpuHour)}${cpu ? ` + ${cores} cores × ${formatNumber(rates.cpuCoreHour!)}` : ''} ${budget.currency}/h` };
  }
  if (gpus === 0 && cores !== undefined && rates.cpuCoreHour !== undefined) {
    return { known: true, amount: hours * cores * rates.cpuCoreHour, currency: budget.currency, basis: 'rate',
      detail: `${formatDuration(ms)} × ${cores} cores × ${formatNumber(rates.cpuCoreHour)} ${budget.currency}/h` };
  }
  return { known: false, reason: `no rate in the budget for this hardware (${labels.join(', ')}${gpus === 0 && cores === undefined ? ', core count not recorded' : ''})` };
}

function lastValue(metrics: RunFacts['metrics'], name: string): number | undefined {
  return metrics?.get(name)?.last;
}

// PEP 440 matching costs ~50 µs a call, more than the whole rest of a run's evaluation, while a store holds a handful of
// distinct Python versions: remember each (version, range) answer. Bounded, so hostile data cannot grow it forever.
const pythonMatches = new Map<string, boolean | undefined>();

function pythonSatisfies(version: string, range: string): boolean | undefined {
  const key = `${version}\u0000${range}`;
  if (pythonMatches.has(key)) { return pythonMatches.get(key); }
  let ok: boolean | undefined;
  try { ok = satisfies(version, range); } catch { ok = undefined; }
  if (pythonMatches.size >= 1000) { pythonMatches.clear(); }
  pythonMatches.set(key, ok);
  return ok;
}

function constraintChecks(goals: Goals, f: RunFacts): GoalCheck[] {
  const c = goals.constraints;
  const m = f.run.meta;
  const out: GoalCheck[] = [];
  const upper = (name: string, label: string, limit: number | undefined, value: number | undefined, show: (n: number) => string, missing: string) => {
    if (limit === undefined) { return; }
    const bar = `≤ ${show(limit)}`;
    if (value === undefined) { out.push({ kind: 'constraint', name, label, bar, threshold: limit, goal: 'min', verdict: 'unknown', reason: missing }); return; }
    out.push({ kind: 'constraint', name, label, value, shown: show(value), bar, threshold: limit, goal: 'min', verdict: value <= limit ? 'pass' : 'fail' });
  };
  upper('maxPeakMemoryBytes', 'Peak memory', c.maxPeakMemoryBytes, m.peakMemoryBytes, formatBytes, 'peak memory not recorded (Run Script records it)');
  upper('maxLatencyMsP95', 'Latency p95', c.maxLatencyMsP95, m.latencyMsP95, (n) => `${formatNumber(n)} ms`, 'latency not recorded (run.benchmark in the Python logger records it)');
  upper('maxModelSizeBytes', 'Model size', c.maxModelSizeBytes, m.modelSizeBytes ?? f.modelSizeBytes, formatBytes, 'no model logged by this run');
  upper('maxTrainingDurationMs', 'Training duration', c.maxTrainingDurationMs, m.durationMs, formatDuration, f.run.status === 'running' ? 'still running' : 'duration not recorded');
  if (c.hardware) {
    const labels = hardwareLabels(f.run);
    const bar = `one of ${c.hardware.join(', ')}`;
    if (!labels) {
      out.push({ kind: 'constraint', name: 'hardware', label: 'Hardware', bar, verdict: 'unknown', reason: 'hardware not recorded' });
    } else {
      const ok = labels.some((l) => c.hardware!.includes(l));
      out.push({ kind: 'constraint', name: 'hardware', label: 'Hardware', shown: labels[0], bar, verdict: ok ? 'pass' : 'fail' });
    }
  }
  if (c.python !== undefined) {
    const v = m.python;
    const bar = c.python;
    if (!v) {
      out.push({ kind: 'constraint', name: 'python', label: 'Python', bar, verdict: 'unknown', reason: 'Python version not recorded' });
    } else {
      const ok = pythonSatisfies(v, c.python);
      out.push(ok === undefined
        ? { kind: 'constraint', name: 'python', label: 'Python', shown: v, bar, verdict: 'unknown', reason: `'${v}' is not a PEP 440 version` }
        : { kind: 'constraint', name: 'python', label: 'Python', shown: v, bar, verdict: ok ? 'pass' : 'fail' });
    }
  }
  return out;
}

/** Every goal, KPI and constraint of `goals` for one run, and its cost. */
export function evaluateRun(goals: Goals, f: RunFacts): RunGoals {
  const checks: GoalCheck[] = [];
  const kpis = new Map<string, FormulaValue>();
  const lookup = (name: string) => lastValue(f.metrics, name);
  for (const k of goals.kpis) {
    const v: FormulaValue = k.parsed ? evaluateFormula(k.parsed, lookup) : { ok: false, reason: `the formula does not parse: ${k.formulaError ?? 'error'}` };
    kpis.set(k.name, v);
    // Object literals spelled out rather than `{ ...base, … }`: spreading is the slowest part of an evaluation (about
    // three quarters of it in `npm run bench`), and the views evaluate every run on each refresh.
    const bar = k.threshold === undefined ? undefined : barOf(k.goal, k.threshold);
    if (!v.ok) {
      checks.push({ kind: 'kpi', name: k.name, label: k.name, unit: k.unit, goal: k.goal, threshold: k.threshold, bar,
        verdict: k.threshold === undefined ? 'info' : 'unknown', reason: v.reason });
      continue;
    }
    checks.push({ kind: 'kpi', name: k.name, label: k.name, unit: k.unit, goal: k.goal, threshold: k.threshold, bar,
      value: v.value, shown: formatNumber(v.value), verdict: k.threshold === undefined ? 'info' : meets(k.goal, v.value, k.threshold) ? 'pass' : 'fail' });
  }
  for (const g of goals.metrics) {
    const v = lookup(g.name);
    const bar = g.threshold === undefined ? undefined : barOf(g.goal, g.threshold);
    if (v === undefined || Number.isNaN(v)) {
      const reason = f.metrics === undefined ? 'metrics not loaded yet' : v === undefined ? 'not logged' : 'the last value is NaN';
      checks.push({ kind: 'metric', name: g.name, label: g.name, goal: g.goal, threshold: g.threshold, bar,
        verdict: g.threshold === undefined ? 'info' : 'unknown', reason });
      continue;
    }
    checks.push({ kind: 'metric', name: g.name, label: g.name, goal: g.goal, threshold: g.threshold, bar,
      value: v, shown: formatNumber(v), verdict: g.threshold === undefined ? 'info' : meets(g.goal, v, g.threshold) ? 'pass' : 'fail' });
  }
  checks.push(...constraintChecks(goals, f));
  let met = 0;
  let unmet = 0;
  let unknown = 0;
  for (const c of checks) {
    if (c.verdict === 'pass') { met++; } else if (c.verdict === 'fail') { unmet++; } else if (c.verdict === 'unknown') { unknown++; }
  }
  const state: GoalsState = unmet ? 'unmet' : unknown ? 'unknown' : met ? 'met' : 'none';
  return { checks, kpis, met, unmet, unknown, state, cost: runCost(goals, f.run) };
}

/** `✓`, `2 unmet`, `1 unknown`, or nothing when no goal has a bar to meet. */
export function goalsBadge(g: RunGoals): string {
  switch (g.state) {
    case 'met': return '✓';
    case 'unmet': return `✗ ${g.unmet} unmet`;
    case 'unknown': return `? ${g.unknown} unknown`;
    case 'none': return '';
  }
}

export function formatCost(amount: number, currency: string): string {
  const digits = amount >= 100 ? 0 : amount >= 1 ? 2 : 3;
  return `${amount.toFixed(digits)} ${currency}`;
}

// ---------------------------------------------------------------- experiments and budget

export type SpendState = 'ok' | 'near' | 'over' | 'no-limit';

/** Spend from this fraction of the limit on is "near" it. */
export const NEAR_LIMIT = 0.8;

export interface Spend {
  spent: number;
  limit?: number;
  state: SpendState;
  knownRuns: number;
  /** Runs whose cost is unknown (not counted in `spent`). */
  unknownRuns: number;
}

export interface ExperimentSpend extends Spend {
  experiment: string;
}

export interface BudgetReport {
  currency: string;
  experiments: ExperimentSpend[];
  total: Spend;
}

function spendState(spent: number, limit: number | undefined): SpendState {
  if (limit === undefined) { return 'no-limit'; }
  return spent > limit ? 'over' : spent >= limit * NEAR_LIMIT ? 'near' : 'ok';
}

export function experimentLimit(goals: Goals, experiment: string): number | undefined {
  const limits = goals.budget?.limits;
  const own = limits?.experiments && Object.hasOwn(limits.experiments, experiment) ? limits.experiments[experiment] : undefined;
  return own ?? limits?.perExperiment;
}

/**
 * Spend per experiment and in total. `experiments` lists every experiment to report (those without runs show 0);
 * `runs` are the runs with their costs.
 */
export function budgetReport(goals: Goals, experiments: readonly string[], runs: Iterable<{ run: Run; cost: RunCost }>): BudgetReport | undefined {
  const budget = goals.budget;
  if (!budget) { return undefined; }
  const per = new Map<string, { spent: number; known: number; unknown: number }>();
  for (const e of experiments) { per.set(e, { spent: 0, known: 0, unknown: 0 }); }
  const total = { spent: 0, known: 0, unknown: 0 };
  for (const { run, cost } of runs) {
    let p = per.get(run.experiment);
    if (!p) { p = { spent: 0, known: 0, unknown: 0 }; per.set(run.experiment, p); }
    if (cost.known) { p.spent += cost.amount; p.known++; total.spent += cost.amount; total.known++; } else { p.unknown++; total.unknown++; }
  }
  const out: ExperimentSpend[] = [...per.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([experiment, p]) => {
    const limit = experimentLimit(goals, experiment);
    return { experiment, spent: p.spent, limit, state: spendState(p.spent, limit), knownRuns: p.known, unknownRuns: p.unknown };
  });
  const limit = budget.limits?.total;
  return { currency: budget.currency, experiments: out, total: { spent: total.spent, limit, state: spendState(total.spent, limit), knownRuns: total.known, unknownRuns: total.unknown } };
}

/** How many of an experiment's latest known costs the estimate of its next run looks at. */
export const ESTIMATE_WINDOW = 5;

/** The median known cost of the latest runs (newest first in `costs`), or undefined with none known. */
export function estimateNextCost(costsNewestFirst: readonly RunCost[]): number | undefined {
  const known: number[] = [];
  for (const c of costsNewestFirst) {
    if (c.known) { known.push(c.amount); }
    if (known.length === ESTIMATE_WINDOW) { break; }
  }
  if (!known.length) { return undefined; }
  known.sort((a, b) => a - b);
  const mid = known.length >> 1;
  return known.length % 2 ? known[mid] : (known[mid - 1] + known[mid]) / 2;
}

/**
 * Why starting another run of `experiment` should be confirmed first, or undefined: its budget (or the total) is
 * spent, or the estimated cost of one more run would exceed it.
 */
export function budgetWarning(report: BudgetReport | undefined, experiment: string, estimate: number | undefined): string | undefined {
  if (!report) { return undefined; }
  const cur = report.currency;
  const exp = report.experiments.find((e) => e.experiment === experiment);
  const check = (what: string, s: Spend | undefined): string | undefined => {
    if (!s || s.limit === undefined) { return undefined; }
    if (s.spent >= s.limit) { return `${what} has spent ${formatCost(s.spent, cur)} of its ${formatCost(s.limit, cur)} budget.`; }
    if (estimate !== undefined && s.spent + estimate > s.limit) {
      return `${what} has spent ${formatCost(s.spent, cur)} of ${formatCost(s.limit, cur)}; another run costs about ${formatCost(estimate, cur)} (the median of its latest runs), which would exceed the budget.`;
    }
    return undefined;
  };
  return check(`Experiment '${experiment}'`, exp) ?? check('All experiments together', report.total);
}

// ---------------------------------------------------------------- goals across runs

export interface GoalBest {
  runId: string;
  runName: string;
  experiment: string;
  value: number;
}

export interface GoalSummary {
  kind: 'metric' | 'kpi';
  name: string;
  goal: 'min' | 'max';
  threshold?: number;
  target?: number;
  unit?: string;
  description?: string;
  owner?: string;
  formula?: string;
  formulaError?: string;
  /** The best run by this goal's direction among runs where it is known. */
  best?: GoalBest;
  /** Runs that meet the threshold (0 without a threshold). */
  meeting: number;
  /** Runs where the value is known. */
  known: number;
  runs: number;
}

/** For each KPI and metric goal: the best run, and how many runs meet it. */
export function summarizeGoals(goals: Goals, evaluated: Iterable<{ run: Run; goals: RunGoals }>): GoalSummary[] {
  const out: GoalSummary[] = [
    ...goals.kpis.map((k): GoalSummary => ({ kind: 'kpi', name: k.name, goal: k.goal, threshold: k.threshold, target: k.target, unit: k.unit,
      description: k.description, owner: k.owner, formula: k.formula, formulaError: k.formulaError, meeting: 0, known: 0, runs: 0 })),
    ...goals.metrics.map((g): GoalSummary => ({ kind: 'metric', name: g.name, goal: g.goal, threshold: g.threshold, target: g.target,
      description: g.description, meeting: 0, known: 0, runs: 0 })),
  ];
  const index = new Map(out.map((s, i) => [`${s.kind}\u0000${s.name}`, i]));
  for (const { run, goals: g } of evaluated) {
    for (const c of g.checks) {
      if (c.kind === 'constraint') { continue; }
      const i = index.get(`${c.kind}\u0000${c.name}`);
      if (i === undefined) { continue; }
      const s = out[i];
      s.runs++;
      if (c.value === undefined) { continue; }
      s.known++;
      if (c.verdict === 'pass') { s.meeting++; }
      const better = !s.best || (s.goal === 'max' ? c.value > s.best.value : c.value < s.best.value) || (c.value === s.best.value && run.id > s.best.runId);
      if (better) { s.best = { runId: run.id, runName: run.name, experiment: run.experiment, value: c.value }; }
    }
  }
  return out;
}
