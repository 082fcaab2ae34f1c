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

/**
 * The label a run's hardware answers to: its recorded label; else `gpu` or `cpu-only` by its recorded GPU list;
 * else undefined. A run that recorded no GPU list (a writer that did not look) is not assumed to be CPU-only:
 * that would let a GPU run pass a `cpu-only` constraint and be priced at the CPU rate.
 */
export function hardwareLabels(run: Run): string[] | undefined {
  const hw = run.meta.hardware;
  if (!hw) { return undefined; }
  if (typeof hw.label === 'string') { return [hw.label]; }
  if (Array.isArray(hw.gpus)) { return [hw.gpus.length ? 'gpu' : 'cpu-only']; }
  return undefined;
}

const HOUR = 3_600_000;

/** A known cost whose explanation is written only when read (most runs are only summed). */
class KnownCost {
  readonly known = true as const;
  constructor(readonly amount: number, readonly currency: string, readonly basis: 'recorded' | 'rate', private readonly explain: () => string) {}
  get detail(): string { return this.explain(); }
  toJSON() { return { known: true, amount: this.amount, currency: this.currency, basis: this.basis, detail: this.detail }; }
}

function known(amount: number, currency: string, basis: 'recorded' | 'rate', explain: () => string): RunCost {
  // Finite rates can still multiply to Infinity (a rate of 1e308 for two hours).
  if (!Number.isFinite(amount)) { return { known: false, reason: 'the cost is too large to compute (check the rates in goals.json)' }; }
  return new KnownCost(amount, currency, basis, explain);
}

/** A run's cost: `meta.cost` when recorded, else duration × the rate of its hardware. */
export function runCost(goals: Goals, run: Run): RunCost {
  const budget = goals.budget;
  const recorded = run.meta.cost;
  if (recorded) {
    if (budget && recorded.currency !== budget.currency) { return { known: false, reason: `cost recorded in ${recorded.currency}; the budget counts ${budget.currency}` }; }
    return known(recorded.amount, recorded.currency, 'recorded', () => 'recorded by the run (meta.cost)');
  }
  if (!budget) { return { known: false, reason: 'no budget in goals.json to price runs by' }; }
  const ms = run.meta.durationMs;
  if (ms === undefined) { return { known: false, reason: run.status === 'running' ? 'still running: no duration yet' : 'no duration recorded' }; }
  const hours = ms / HOUR;
  const rates = budget.rates ?? {};
  const hw = run.meta.hardware;
  if (!hw) { return { known: false, reason: 'no hardware recorded, so no rate applies' }; }
  const labels = hardwareLabels(run) ?? [];
  const byLabel = rates.hardware;
  for (const label of labels) {
    const rate = byLabel && Object.hasOwn(byLabel, label) ? byLabel[label] : undefined;
    if (rate !== undefined) {
      return known(hours * rate, budget.currency, 'rate', () => `${formatDuration(ms)} × ${formatNumber(rate)} ${budget.currency}/h (${label})`);
    }
  }
  if (!Array.isArray(hw.gpus)) {
    return { known: false, reason: labels.length ? `no rate in the budget for this hardware (${labels.join(', ')})` : 'the run did not record whether it had GPUs, so no rate applies' };
  }
  const gpus = hw.gpus.length;
  const cores = hw.cores;
  if (gpus > 0 && rates.gpuHour !== undefined) {
    const cpu = cores !== undefined && rates.cpuCoreHour !== undefined ? cores * rates.cpuCoreHour : 0;
    const gpuHour = rates.gpuHour;
    return known(hours * (gpus * gpuHour + cpu), budget.currency, 'rate',
      () => `${formatDuration(ms)} × (${gpus} GPU × ${formatNumber(gpuHour)}${cpu ? ` + ${cores} cores × ${formatNumber(rates.cpuCoreHour!)}` : ''}) ${budget.currency}/h`);
  }
  if (gpus === 0 && cores !== undefined && rates.cpuCoreHour !== undefined) {
    const coreHour = rates.cpuCoreHour;
    return known(hours * cores * coreHour, budget.currency, 'rate', () => `${formatDuration(ms)} × ${cores} cores × ${formatNumber(coreHour)} ${budget.currency}/h`);
  }
  return { known: false, reason: `no rate in the budget for this hardware (${[...labels, `${gpus} GPU`].join(', ')}${gpus === 0 && cores === undefined ? ', core count not recorded' : ''})` };
}

function lastValue(metrics: RunFacts['metrics'], name: string): number | undefined {
  return metrics?.get(name)?.last;
}

// PEP 440 matching costs about 0.3 ms a call, and a store holds thousands of runs on a handful of Python versions.
const satisfiesMemo = new Map<string, boolean | undefined>();

function pythonSatisfies(version: string, range: string): boolean | undefined {
  const key = `${range}\u0000${version}`;
  if (satisfiesMemo.has(key)) { return satisfiesMemo.get(key); }
  let ok: boolean | undefined;
  try { ok = satisfies(version, range); } catch { ok = undefined; }
  if (satisfiesMemo.size >= 1000) { satisfiesMemo.clear(); }
  satisfiesMemo.set(key, ok);
  return ok;
}

/**
 * One check's result. A class so that thousands of runs cost little: every instance has the same shape, and the
 * text shown (`1.2 GiB`, `0.8123`) is made only when someone reads it. `toJSON` gives the plain fields.
 */
class Check implements GoalCheck {
  constructor(
    readonly kind: GoalCheck['kind'], readonly name: string, readonly label: string, readonly verdict: Verdict,
    readonly value: number | undefined, readonly bar: string | undefined, readonly threshold: number | undefined,
    readonly goal: 'min' | 'max' | undefined, readonly unit: string | undefined, readonly reason: string | undefined,
    private readonly show: ((n: number) => string) | string | undefined,
  ) {}

  get shown(): string | undefined {
    if (typeof this.show === 'string') { return this.show; }
    return this.value === undefined ? undefined : (this.show ?? formatNumber)(this.value);
  }

  toJSON(): GoalCheck {
    const out: GoalCheck = { kind: this.kind, name: this.name, label: this.label, verdict: this.verdict };
    if (this.value !== undefined) { out.value = this.value; }
    const shown = this.shown;
    if (shown !== undefined) { out.shown = shown; }
    if (this.bar !== undefined) { out.bar = this.bar; }
    if (this.threshold !== undefined) { out.threshold = this.threshold; }
    if (this.goal !== undefined) { out.goal = this.goal; }
    if (this.unit !== undefined) { out.unit = this.unit; }
    if (this.reason !== undefined) { out.reason = this.reason; }
    return out;
  }
}

const ms = (n: number) => `${formatNumber(n)} ms`;

function constraintChecks(goals: Goals, f: RunFacts, out: GoalCheck[]): void {
  const c = goals.constraints;
  const m = f.run.meta;
  const upper = (name: string, label: string, limit: number | undefined, value: number | undefined, show: (n: number) => string, missing: string) => {
    if (limit === undefined) { return; }
    const bar = `≤ ${show(limit)}`;
    out.push(value === undefined
      ? new Check('constraint', name, label, 'unknown', undefined, bar, limit, 'min', undefined, missing, show)
      : new Check('constraint', name, label, value <= limit ? 'pass' : 'fail', value, bar, limit, 'min', undefined, undefined, show));
  };
  upper('maxPeakMemoryBytes', 'Peak memory', c.maxPeakMemoryBytes, m.peakMemoryBytes, formatBytes, 'peak memory not recorded (Run Script records it)');
  upper('maxLatencyMsP95', 'Latency p95', c.maxLatencyMsP95, m.latencyMsP95, ms, 'latency not recorded (run.benchmark in the Python logger records it)');
  upper('maxModelSizeBytes', 'Model size', c.maxModelSizeBytes, m.modelSizeBytes ?? f.modelSizeBytes, formatBytes, 'no model logged by this run');
  upper('maxTrainingDurationMs', 'Training duration', c.maxTrainingDurationMs, m.durationMs, formatDuration, f.run.status === 'running' ? 'still running' : 'duration not recorded');
  if (c.hardware) {
    const labels = hardwareLabels(f.run);
    const bar = `one of ${c.hardware.join(', ')}`;
    out.push(!labels
      ? new Check('constraint', 'hardware', 'Hardware', 'unknown', undefined, bar, undefined, undefined, undefined, 'hardware not recorded', undefined)
      : new Check('constraint', 'hardware', 'Hardware', labels.some((l) => c.hardware!.includes(l)) ? 'pass' : 'fail', undefined, bar, undefined, undefined, undefined, undefined, labels[0]));
  }
  if (c.python !== undefined) {
    const v = m.python;
    const ok = v ? pythonSatisfies(v, c.python) : undefined;
    const reason = !v ? 'Python version not recorded' : ok === undefined ? `'${v}' is not a PEP 440 version` : undefined;
    out.push(new Check('constraint', 'python', 'Python', ok === undefined ? 'unknown' : ok ? 'pass' : 'fail', undefined, c.python, undefined, undefined, undefined, reason, v));
  }
}

/** Bars (`≥ 250`) depend only on the goal: made once per goal object, not once per run. */
const bars = new WeakMap<object, string | undefined>();

function barFor(g: { goal: 'min' | 'max'; threshold?: number }): string | undefined {
  if (bars.has(g)) { return bars.get(g); }
  const bar = g.threshold === undefined ? undefined : barOf(g.goal, g.threshold);
  bars.set(g, bar);
  return bar;
}

/** Every goal, KPI and constraint of `goals` for one run, and its cost. */
export function evaluateRun(goals: Goals, f: RunFacts): RunGoals {
  const checks: GoalCheck[] = [];
  const kpis = new Map<string, FormulaValue>();
  const lookup = (name: string) => lastValue(f.metrics, name);
  for (const k of goals.kpis) {
    const v: FormulaValue = k.parsed ? evaluateFormula(k.parsed, lookup) : { ok: false, reason: `the formula does not parse: ${k.formulaError ?? 'error'}` };
    kpis.set(k.name, v);
    const t = k.threshold;
    checks.push(v.ok
      ? new Check('kpi', k.name, k.name, t === undefined ? 'info' : meets(k.goal, v.value, t) ? 'pass' : 'fail', v.value, barFor(k), t, k.goal, k.unit, undefined, undefined)
      : new Check('kpi', k.name, k.name, t === undefined ? 'info' : 'unknown', undefined, barFor(k), t, k.goal, k.unit, v.reason, undefined));
  }
  for (const g of goals.metrics) {
    const v = lookup(g.name);
    const t = g.threshold;
    if (v === undefined || Number.isNaN(v)) {
      const reason = f.metrics === undefined ? 'metrics not loaded yet' : v === undefined ? 'not logged' : 'the last value is NaN';
      checks.push(new Check('metric', g.name, g.name, t === undefined ? 'info' : 'unknown', undefined, barFor(g), t, g.goal, undefined, reason, undefined));
    } else {
      checks.push(new Check('metric', g.name, g.name, t === undefined ? 'info' : meets(g.goal, v, t) ? 'pass' : 'fail', v, barFor(g), t, g.goal, undefined, undefined, undefined));
    }
  }
  constraintChecks(goals, f, checks);
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
  if (amount === 0) { return `0 ${currency}`; }
  // A one-second run on a laptop costs a fraction of a cent: say so rather than print 0.000.
  if (amount > 0 && amount < 0.0005) { return `< 0.001 ${currency}`; }
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
  return spent > limit ? 'over' : limit > 0 && spent >= limit * NEAR_LIMIT ? 'near' : 'ok';
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
