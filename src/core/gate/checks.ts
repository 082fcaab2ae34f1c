/**
 * The gate's checks that need no file and no process: each takes the facts already read (the run, its metric
 * summaries, the goals) and gives one check's result with its evidence. A value nobody logged fails a bar: the gate
 * vouches for what it saw, never for what it did not.
 */
import { SLICE } from '../compare/reduce';
import { budgetReport, evaluateRun, formatCost, formatNumber, runCost, type GoalCheck, type Goals, type GoalsProblem } from '../goals';
import type { MetricSummary } from '../store/metrics';
import type { Run } from '../store/schemas';
import { CHECK_TITLES, type CheckLevel, type GateCheckId, type GateCheckResult, type GateEvidence, type GateSettings } from './types';

export type Level = Exclude<CheckLevel, 'off'>;

export function result(id: GateCheckId, level: Level, status: GateCheckResult['status'], summary: string, evidence: GateEvidence[] = [], reason?: string): GateCheckResult {
  return { id, title: CHECK_TITLES[id], level, status, summary, evidence, ...(reason !== undefined ? { reason } : {}) };
}

/** Where in goals.json something is declared: `metrics` / `kpis` by name, `constraints` / `gate` by key. */
export type GoalsLocator = (section: 'metrics' | 'kpis' | 'constraints' | 'gate', name: string) => Pick<GateEvidence, 'file' | 'line' | 'column'> | undefined;

/** `accuracy 0.81 ≥ 0.8`, `retained_revenue unknown: metric 'recall' was not logged`. */
function goalEvidence(c: GoalCheck, locate?: GoalsLocator): GateEvidence {
  const name = c.kind === 'constraint' ? c.label : c.name;
  const shown = c.shown ?? (c.value !== undefined ? formatNumber(c.value) : undefined);
  const at = locate?.(c.kind === 'metric' ? 'metrics' : c.kind === 'kpi' ? 'kpis' : 'constraints', c.name) ?? {};
  if (c.verdict === 'unknown') {
    return { text: `${name}: unknown (${c.reason ?? 'not recorded'}); the bar is ${c.bar ?? '?'}`, failing: true, ...(c.bar ? { bar: c.bar } : {}), ...at };
  }
  const met = c.verdict === 'pass';
  return {
    text: `${name} ${shown ?? ''}${c.unit ? ` ${c.unit}` : ''} ${met ? 'meets' : 'misses'} ${c.bar ?? ''}`.replace(/\s+/g, ' ').trim(),
    failing: !met,
    ...(c.value !== undefined ? { value: c.value } : {}),
    ...(c.bar ? { bar: c.bar } : {}),
    ...at,
  };
}

/** Problems of goals.json that make the gate's reading of it untrustworthy: its errors (the entries they dropped). */
export function goalsFileErrors(problems: readonly GoalsProblem[], rel: string, lineOf: (offset: number) => { line: number; column: number }): GateEvidence[] {
  return problems.filter((p) => p.severity === 'error').map((p) => {
    const at = lineOf(p.offset);
    return { text: `${rel}:${at.line}:${at.column}: ${p.path}: ${p.message}`, failing: true, file: rel, line: at.line, column: at.column, code: 'goals-error' };
  });
}

export interface GoalFacts {
  run: Run;
  metrics: ReadonlyMap<string, MetricSummary>;
  goals: Goals;
  /** The registered model version's artifact size (the model-size constraint's fallback). */
  modelSizeBytes?: number;
  /** Errors of goals.json as evidence (see goalsFileErrors); any of them fails goals and constraints. */
  fileErrors: GateEvidence[];
  /** Whether goals.json exists. */
  exists: boolean;
  locate?: GoalsLocator;
}

/** Every metric goal and KPI with a threshold met; unknown fails; a goals file with errors fails. */
export function goalsCheck(level: Level, f: GoalFacts): GateCheckResult {
  const evaluated = evaluateRun(f.goals, { run: f.run, metrics: f.metrics, modelSizeBytes: f.modelSizeBytes });
  const checks = evaluated.checks.filter((c) => c.kind !== 'constraint' && c.verdict !== 'info');
  const evidence = [...f.fileErrors, ...checks.map((c) => goalEvidence(c, f.locate))];
  if (!checks.length) {
    const why = f.exists ? 'goals.json sets no threshold for any metric or KPI' : 'there is no goals.json';
    return result('goals', level, 'fail', `${why}: nothing says what good enough is (define goals with MLOps: Define Goals… or in .mlops/goals.json)`, evidence);
  }
  const met = checks.filter((c) => c.verdict === 'pass').length;
  const missed = checks.filter((c) => c.verdict !== 'pass');
  const failed = missed.length > 0 || f.fileErrors.length > 0;
  let summary = `${met} of ${checks.length} goal${checks.length === 1 ? '' : 's'} met`;
  if (missed.length) { summary += `; ${missed.slice(0, 3).map((c) => (c.verdict === 'unknown' ? `${c.name} unknown` : `${c.name} ${c.shown ?? ''} misses ${c.bar ?? ''}`.replace(/\s+/g, ' ').trim())).join('; ')}${missed.length > 3 ? `; and ${missed.length - 3} more` : ''}`; }
  if (f.fileErrors.length) { summary += `; goals.json has ${f.fileErrors.length} error${f.fileErrors.length === 1 ? '' : 's'}`; }
  return result('goals', level, failed ? 'fail' : 'pass', summary, evidence);
}

/** Meta-metrics within the production constraints; a constraint the run did not record fails. */
export function constraintsCheck(level: Level, f: GoalFacts): GateCheckResult {
  const evaluated = evaluateRun(f.goals, { run: f.run, metrics: f.metrics, modelSizeBytes: f.modelSizeBytes });
  const checks = evaluated.checks.filter((c) => c.kind === 'constraint');
  const evidence = [...f.fileErrors, ...checks.map((c) => goalEvidence(c, f.locate))];
  if (!checks.length) {
    return result('constraints', level, f.fileErrors.length ? 'fail' : 'pass', f.fileErrors.length ? 'goals.json has errors' : 'no production constraints in goals.json', evidence);
  }
  const missed = checks.filter((c) => c.verdict !== 'pass');
  const summary = missed.length
    ? `${missed.length} of ${checks.length} constraint${checks.length === 1 ? '' : 's'} not met: ${missed.map((c) => (c.verdict === 'unknown' ? `${c.label} not recorded` : `${c.label} ${c.shown ?? ''} (${c.bar ?? ''})`)).join('; ')}`
    : `all ${checks.length} constraint${checks.length === 1 ? '' : 's'} met`;
  return result('constraints', level, missed.length || f.fileErrors.length ? 'fail' : 'pass', summary, evidence);
}

const LOWER_IS_BETTER = /(^|[_.\-/])(loss|error|err|rmse|mse|mae|mape|logloss|fpr|false_positive_rate|latency|brier)([_.\-/]|$)/i;

/** Whether a higher value of a metric is better: goals.json first, then the experiment's directions, then its name. */
export function higherIsBetter(metric: string, goals: Goals, declared?: Readonly<Record<string, 'min' | 'max'>>): boolean {
  const g = goals.metrics.find((m) => m.name === metric);
  if (g) { return g.goal === 'max'; }
  const d = declared && Object.hasOwn(declared, metric) ? declared[metric] : undefined;
  if (d) { return d === 'max'; }
  return !LOWER_IS_BETTER.test(metric);
}

export interface SliceGroup {
  /** `accuracy@fold` */
  group: string;
  metric: string;
  key: string;
  /** Slice values (`1`, `2`) with the last value logged for each, in name order; finite values only. */
  slices: { slice: string; value: number }[];
  /** Slices whose last value is NaN or infinite: unknown, so the group cannot be vouched for. */
  nonFinite: { slice: string; value: number }[];
  /** max − min of the finite slices (NaN when none is finite). */
  spread: number;
  threshold: number;
  flagged: boolean;
  /** The slice with the worst value (lowest when higher is better). */
  worst: string;
  worstValue: number;
  higherIsBetter: boolean;
}

/** Sliced metrics (`name@key=value`) of one run grouped by metric and key, with their spread and worst slice. */
export function sliceGroups(metrics: ReadonlyMap<string, MetricSummary>, goals: Goals, settings: GateSettings, declared?: Readonly<Record<string, 'min' | 'max'>>): SliceGroup[] {
  const groups = new Map<string, { metric: string; key: string; all: { slice: string; value: number }[] }>();
  for (const [name, s] of metrics) {
    const m = SLICE.exec(name);
    if (!m) { continue; }
    const group = `${m[1]}@${m[2]}`;
    let g = groups.get(group);
    if (!g) { g = { metric: m[1], key: m[2], all: [] }; groups.set(group, g); }
    g.all.push({ slice: m[3], value: s.last });
  }
  const out: SliceGroup[] = [];
  const byName = (a: { slice: string }, b: { slice: string }) => a.slice.localeCompare(b.slice, undefined, { numeric: true });
  for (const [group, g] of groups) {
    if (g.all.length < 2) { continue; }
    g.all.sort(byName);
    const slices = g.all.filter((x) => Number.isFinite(x.value));
    const nonFinite = g.all.filter((x) => !Number.isFinite(x.value));
    const up = higherIsBetter(g.metric, goals, declared);
    const threshold = settings.sliceSpread.get(g.metric) ?? settings.maxSliceSpread;
    let spread = NaN;
    let worst = nonFinite[0]?.slice ?? '';
    let worstValue = NaN;
    if (slices.length) {
      const values = slices.map((x) => x.value);
      spread = Number((Math.max(...values) - Math.min(...values)).toPrecision(12));
      const w = slices.reduce((a, x) => ((up ? x.value < a.value : x.value > a.value) ? x : a));
      if (!nonFinite.length) { worst = w.slice; worstValue = w.value; }
    }
    out.push({ group, metric: g.metric, key: g.key, slices, nonFinite, spread, threshold, flagged: nonFinite.length > 0 || spread > threshold, worst, worstValue, higherIsBetter: up });
  }
  return out.sort((a, b) => a.group.localeCompare(b.group));
}

function sliceText(g: SliceGroup): string {
  const unknown = g.nonFinite.map((x) => `${g.metric}@${g.key}=${x.slice} is ${formatNumber(x.value)}`).join(', ');
  if (g.nonFinite.length) {
    return `${g.metric} across ${g.key}: ${unknown}, so the spread across its ${g.slices.length + g.nonFinite.length} slices is unknown`;
  }
  return `${g.metric} across ${g.key}: spread ${formatNumber(g.spread)} ${g.flagged ? '>' : '≤'} ${formatNumber(g.threshold)}; worst ${g.key}=${g.worst} (${formatNumber(g.worstValue)}) of ${g.slices.length} slices`;
}

/** For every sliced metric, the spread across its slices within the threshold; the worst slice named. */
export function slicesCheck(level: Level, groups: readonly SliceGroup[], locate?: GoalsLocator): GateCheckResult {
  if (!groups.length) { return result('slices', level, 'pass', 'no sliced metrics logged (name@key=value), so there is no spread across data subsets to check'); }
  const evidence = groups.map((g): GateEvidence => ({
    text: sliceText(g),
    failing: g.flagged, ...(Number.isFinite(g.spread) ? { value: g.spread } : {}), bar: `≤ ${formatNumber(g.threshold)}`,
    ...(locate?.('gate', `sliceSpread.${g.metric}`) ?? locate?.('gate', 'maxSliceSpread') ?? {}),
  }));
  const flagged = groups.filter((g) => g.flagged);
  const summary = flagged.length
    ? flagged.map((g) => (g.nonFinite.length
      ? `${g.metric} across ${g.key} is unknown on ${g.nonFinite.map((x) => `${g.key}=${x.slice}`).join(', ')}`
      : `spread of ${g.metric} across ${g.key} is ${formatNumber(g.spread)} (> ${formatNumber(g.threshold)}); worst ${g.key}=${g.worst}`)).join('; ')
    : `${groups.length} sliced metric${groups.length === 1 ? ' within its spread' : 's within their spread'} (largest ${formatNumber(Math.max(...groups.map((g) => g.spread)))})`;
  return result('slices', level, flagged.length ? 'fail' : 'pass', summary, evidence);
}

/** The run's experiment within its budget (spend of all its runs, trashed runs not counted). */
export function budgetCheck(level: Level, goals: Goals, run: Run, experimentRuns: readonly Run[]): GateCheckResult {
  if (!goals.budget) { return result('budget', level, 'pass', 'no budget in goals.json'); }
  const report = budgetReport(goals, [run.experiment], experimentRuns.map((r) => ({ run: r, cost: runCost(goals, r) })));
  const spend = report?.experiments.find((e) => e.experiment === run.experiment);
  if (!spend) { return result('budget', level, 'pass', 'no budget applies'); }
  const cur = report!.currency;
  const unknown = spend.unknownRuns ? `; ${spend.unknownRuns} run${spend.unknownRuns === 1 ? '' : 's'} with an unknown cost not counted` : '';
  if (spend.limit === undefined) {
    return result('budget', level, 'pass', `experiment '${run.experiment}' has no limit; spent ${formatCost(spend.spent, cur)}${unknown}`,
      [{ text: `spent ${formatCost(spend.spent, cur)} over ${spend.knownRuns} run${spend.knownRuns === 1 ? '' : 's'}${unknown}`, value: spend.spent }]);
  }
  const over = spend.state === 'over';
  const text = `experiment '${run.experiment}' spent ${formatCost(spend.spent, cur)} of ${formatCost(spend.limit, cur)}${unknown}`;
  return result('budget', level, over ? 'fail' : 'pass', over ? `over budget: ${text}` : text,
    [{ text, failing: over, value: spend.spent, bar: `≤ ${formatCost(spend.limit, cur)}` }]);
}

/** Metric names a reproduction must match: the goal metrics and the metrics KPIs are computed from. */
export function goalMetricNames(goals: Goals): string[] {
  const names = new Set<string>(goals.metrics.map((m) => m.name));
  for (const k of goals.kpis) { for (const r of k.parsed?.references ?? []) { names.add(r.name); } }
  return [...names];
}

function within(a: number, b: number, tolerance: number): boolean {
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b)) + 1e-12;
}

/**
 * A reproduced run (Reproduce Run… records `reproducedFrom`) that finished with every goal metric within the
 * relative tolerance of the original's (every metric both logged when goals name none).
 */
export function reproducedCheck(level: Level, run: Run, metrics: ReadonlyMap<string, MetricSummary>, reproductions: readonly { run: Run; metrics: ReadonlyMap<string, MetricSummary> }[], goals: Goals, tolerance: number): GateCheckResult {
  const finished = reproductions.filter((r) => r.run.status === 'finished');
  if (!finished.length) {
    const others = reproductions.length ? ` (${reproductions.length} reproduction${reproductions.length === 1 ? '' : 's'} did not finish)` : '';
    return result('reproduced', level, 'fail', `no finished reproduction of run ${run.name}${others}: run Reproduce Run… on it`);
  }
  const wanted = goalMetricNames(goals);
  const evidence: GateEvidence[] = [];
  let best: { run: Run; bad: string[]; compared: number } | undefined;
  for (const r of finished) {
    const names = wanted.length ? wanted : [...metrics.keys()].filter((n) => r.metrics.has(n) && !SLICE.test(n));
    const bad: string[] = [];
    for (const n of names) {
      const a = metrics.get(n)?.last;
      const b = r.metrics.get(n)?.last;
      if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) { bad.push(`${n} missing in ${a === undefined || !Number.isFinite(a) ? 'the original' : 'the reproduction'}`); continue; }
      if (!within(a, b, tolerance)) { bad.push(`${n} ${formatNumber(a)} → ${formatNumber(b)}`); }
    }
    evidence.push({ text: `${r.run.name} (${r.run.id}): ${bad.length ? `differs — ${bad.join('; ')}` : `${names.length} metric${names.length === 1 ? '' : 's'} within ${formatNumber(tolerance * 100)} %`}`, failing: bad.length > 0 });
    if (!best || bad.length < best.bad.length) { best = { run: r.run, bad, compared: names.length }; }
  }
  if (best && best.bad.length === 0) {
    return result('reproduced', level, 'pass', `reproduced by ${best.run.name}: ${best.compared} metric${best.compared === 1 ? '' : 's'} within ${formatNumber(tolerance * 100)} %`, evidence);
  }
  return result('reproduced', level, 'fail', `no reproduction matches within ${formatNumber(tolerance * 100)} %: ${best!.bad.slice(0, 3).join('; ')}`, evidence.map((e) => ({ ...e, failing: true })));
}
