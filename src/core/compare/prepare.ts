/**
 * Turns runs and their metric points into what the Compare Runs panel shows: downsampled curves (peaks kept),
 * parameter rows with a "differs" flag, last/min/max rows with the best run marked per metric direction,
 * meta-metrics, lineage, and slice metrics (`accuracy@fold=1`) with their spread across slices.
 */
import { formatBytes, formatDuration } from '../format';
import type { MetricPoint, MetricSummary } from '../store/metrics';
import { MAX_POINTS, SLICE, reduceMetrics, round, type ReducedMetrics } from './reduce';

export { MAX_POINTS, downsampleIndices, downsampleMinMax, toSeries } from './reduce';
import type { DataVersion, ModelVersion, Run } from '../store/schemas';
import { evaluateRun, formatCost, goalsBadge, type RunGoals } from '../goals/evaluate';
import type { Goals } from '../goals/document';
import type { Cell, Comparison, ComparisonGoals, CostCell, GoalDefinition, Row, SliceGroup } from './types';


/**
 * Words that make a metric "lower is better". A metric name matches when one of its words is in this set, so
 * `val_loss`, `trainTime` and `eval/rmse` match while `answer_accuracy` (not "wer"), `uptime` (not "time") and
 * `power` do not.
 */
const LOWER_IS_BETTER = new Set([
  'loss', 'losses', 'logloss', 'nll', 'error', 'errors', 'err', 'mse', 'mae', 'rmse', 'mape', 'smape', 'msle', 'rmsle',
  'perplexity', 'ppl', 'wer', 'cer', 'latency', 'duration', 'time', 'runtime', 'seconds', 'cost', 'fpr', 'fnr', 'fdr', 'eer',
]);

/** The words of a metric name: split on `_ - . / @` and white space, and at camelCase boundaries; lower case. */
export function metricWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_\-./@]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** Whether lower or higher values of a metric are better: declared, else by the words of its name (loss, error, … lower). */
export function metricDirection(name: string, declared?: Readonly<Record<string, 'min' | 'max'>>): 'min' | 'max' {
  const base = name.split('@')[0];
  return declared?.[name] ?? declared?.[base] ?? (metricWords(base).some((w) => LOWER_IS_BETTER.has(w)) ? 'min' : 'max');
}


/** Stable, distinguishable colours (Tableau 10, then a golden-angle hue walk), assigned in run order. */
export function runColor(index: number): string {
  const base = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
  return index < base.length ? base[index] : `hsl(${Math.round((index * 137.508) % 360)}, 55%, 50%)`;
}

/**
 * A run to compare, with its metric points, or with them already reduced (from the series cache). `modelSizeBytes`:
 * its largest registered model artifact, which the model-size constraint falls back on.
 */
export type CompareInput = ({ run: Run; points: readonly MetricPoint[] } | { run: Run; reduced: ReducedMetrics }) & { modelSizeBytes?: number; origin?: RunOrigin };

/** Where a compared run is read from: its workspace folder and, for an MLflow run, the store's key and label. */
export interface RunOrigin {
  root: string;
  store?: string;
  /** `MLflow — mlruns`: shown as a badge in the run's column header. */
  storeLabel?: string;
}

/** A cell that is nothing but a decimal number (as a spreadsheet would read it): `-0.5`, `+3`, `1e-4`. */
const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A param value as a number when it is one or is written as one: MLflow records every param as text ("0.01",
 * "1e-3"), `.mlops` keeps numbers, so a learning rate logged both ways compares (and plots) as one number.
 */
export function paramNumber(v: Cell | undefined): number | undefined {
  if (typeof v === 'number') { return Number.isFinite(v) ? v : undefined; }
  if (typeof v === 'string' && PLAIN_NUMBER.test(v.trim())) { const n = Number(v.trim()); return Number.isFinite(n) ? n : undefined; }
  return undefined;
}

/**
 * What two param values must share to count as equal: the number ("1e-3" and 0.001), the truth value ("True" as
 * Python's MLflow logs it, and true), or the text/JSON otherwise. `null` (not recorded) differs from everything.
 */
function paramIdentity(v: Cell): string {
  const n = paramNumber(v);
  if (n !== undefined) { return `n:${n}`; }
  if (typeof v === 'boolean') { return `b:${v}`; }
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) { return `b:${v.trim().toLowerCase()}`; }
  return JSON.stringify(v);
}

export interface CompareContext {
  dataVersions?: readonly DataVersion[];
  modelVersions?: readonly ModelVersion[];
  /** Declared metric directions (experiment metricGoals or the setting). goals.json's metric goals count too. */
  goals?: Readonly<Record<string, 'min' | 'max'>>;
  /** The usable part of `.mlops/goals.json`: KPI, metric goal, constraint and cost rows, threshold lines. */
  goalsFile?: Goals;
  /** A slice group is flagged for a run when max − min across its slices exceeds this. */
  sliceThreshold?: number;
  maxPoints?: number;
}

function row(key: string, values: Row['values'], extra: Partial<Row> = {}): Row {
  const distinct = new Set(values.map((v) => JSON.stringify(v)));
  return { key, values, differs: distinct.size > 1, ...extra };
}

function bestOf(values: (number | null)[], dir: 'min' | 'max'): number[] {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length < 2) { return []; }
  const target = dir === 'min' ? Math.min(...finite) : Math.max(...finite);
  return values.flatMap((v, i) => (v === target ? [i] : []));
}

export function prepareComparison(inputs: readonly CompareInput[], ctx: CompareContext = {}): Comparison {
  const runs = inputs.map(({ run, origin }, i) => ({ id: run.id, name: run.name, experiment: run.experiment, status: run.status, color: runColor(i), startTime: run.startTime,
    ...(origin ? { root: origin.root } : {}), ...(origin?.store ? { store: origin.store } : {}), ...(origin?.storeLabel ? { storeLabel: origin.storeLabel } : {}) }));
  const maxPoints = ctx.maxPoints ?? MAX_POINTS;
  const reduced = inputs.map((i) => ('reduced' in i ? i.reduced : reduceMetrics(i.points, maxPoints)));
  const summaries = reduced.map((r) => r.summaries);
  // goals.json says which way a metric is better; a direction declared for the experiment or in the settings wins.
  const directions: Record<string, 'min' | 'max'> = {};
  for (const g of ctx.goalsFile?.metrics ?? []) { if (!Object.hasOwn(directions, g.name)) { directions[g.name] = g.goal; } }
  Object.assign(directions, ctx.goals);

  const paramKeys = [...new Set(inputs.flatMap(({ run }) => Object.keys(run.params)))].sort((a, b) => a.localeCompare(b));
  const params = paramKeys.map((k) => {
    const values = inputs.map(({ run }) => (k in run.params ? run.params[k] : null));
    const numbers = values.map((v) => paramNumber(v) ?? null);
    // A param is offered on the scatter chart's axis when a run recorded it as a number, or as text that is one.
    return { key: k, values, differs: new Set(values.map(paramIdentity)).size > 1, ...(numbers.some((n) => n !== null) ? { numbers } : {}) };
  });
  const numericParams = params.filter((r) => r.numbers).map((r) => r.key);

  const metricNames = [...new Set(summaries.flatMap((s) => [...s.keys()]))].filter((n) => !SLICE.test(n)).sort((a, b) => a.localeCompare(b));
  const metrics: Row[] = [];
  for (const name of metricNames) {
    const dir = metricDirection(name, directions);
    for (const stat of ['last', 'min', 'max'] as const) {
      const values = summaries.map((s) => { const m: MetricSummary | undefined = s.get(name); const v = m?.[stat]; return v === undefined || Number.isNaN(v) ? null : round(v); });
      metrics.push(row(`${name} ${stat}`, values, { best: bestOf(values, dir), direction: dir }));
    }
  }

  const meta: Row[] = [
    row('duration', inputs.map(({ run }) => (run.meta.durationMs === undefined ? null : formatDuration(run.meta.durationMs)))),
    row('peak memory', inputs.map(({ run }) => (run.meta.peakMemoryBytes === undefined ? null : formatBytes(run.meta.peakMemoryBytes)))),
    row('hardware', inputs.map(({ run }) => { const h = run.meta.hardware; return h ? [h.cpu, h.cores ? `${h.cores} cores` : undefined, ...(h.gpus ?? [])].filter(Boolean).join(', ') || null : null; })),
    // With goals.json the goals' cost row (recorded or priced by the budget's rates) takes the place of this one.
    ...(ctx.goalsFile ? [] : [row('cost', inputs.map(({ run }) => (run.meta.cost ? `${run.meta.cost.amount} ${run.meta.cost.currency}` : null)))]),
    row('status', inputs.map(({ run }) => run.status)),
  ].filter((r) => r.values.some((v) => v !== null));

  const dvLabel = (id: string, dataset: string) => { const v = ctx.dataVersions?.find((x) => x.id === id); return `${dataset} ${v?.tags.length ? v.tags.join(',') : id.slice(-6)}`; };
  const lineage: Row[] = [
    row('commit', inputs.map(({ run }) => (run.git ? `${run.git.commit.slice(0, 8)}${run.git.dirty ? ' (dirty)' : ''}` : null))),
    row('data', inputs.map(({ run }) => run.dataVersions.map((d) => dvLabel(d.version, d.dataset)).join(', ') || null)),
    row('models', inputs.map(({ run }) => (ctx.modelVersions ?? []).filter((m) => m.runId === run.id).map((m) => `${m.model} v${m.version} (${m.stage})`).join(', ') || null)),
  ];

  const threshold = ctx.sliceThreshold ?? 0.05;
  const groups = new Map<string, Set<string>>();
  for (const s of summaries) {
    for (const name of s.keys()) { const m = SLICE.exec(name); if (m) { const g = `${m[1]}@${m[2]}`; if (!groups.has(g)) { groups.set(g, new Set()); } groups.get(g)!.add(m[3]); } }
  }
  const slices: SliceGroup[] = [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([group, set]) => {
    const sliceNames = [...set].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    const dir = metricDirection(group.split('@')[0], directions);
    return {
      group,
      slices: sliceNames,
      perRun: summaries.map((s) => {
        const values = sliceNames.map((sl) => { const v = s.get(`${group}=${sl}`)?.last; return v === undefined || Number.isNaN(v) ? null : round(v); });
        const present = values.filter((v): v is number => v !== null);
        if (present.length < 2) { return { values, spread: null, flagged: false, worst: null }; }
        const spread = round(Math.max(...present) - Math.min(...present));
        const worstValue = dir === 'max' ? Math.min(...present) : Math.max(...present);
        return { values, spread, flagged: spread > threshold, worst: sliceNames[values.indexOf(worstValue)] };
      }),
    };
  });

  const series: Comparison['series'] = Object.fromEntries(metricNames.map((n) => [n, {}]));
  inputs.forEach(({ run }, i) => {
    for (const name of metricNames) {
      const sr = reduced[i].series.get(name);
      if (sr) { series[name][run.id] = sr; }
    }
  });
  const goals = ctx.goalsFile && inputs.length
    ? compareGoals(ctx.goalsFile, inputs.map((input, i) => evaluateRun(ctx.goalsFile!, { run: input.run, metrics: summaries[i], modelSizeBytes: input.modelSizeBytes })), inputs.map((i) => i.run.id))
    : undefined;
  return { runs, params, metrics, meta, lineage, slices, sliceThreshold: threshold, series, numericParams, ...(goals ? { goals } : {}) };
}

function costCell(g: RunGoals): CostCell {
  return g.cost.known ? { known: true, amount: g.cost.amount, shown: formatCost(g.cost.amount, g.cost.currency), detail: g.cost.detail } : { known: false, reason: g.cost.reason };
}

/**
 * The goals rows of a comparison from each run's evaluation (checks come in goals.json's order: KPIs, metric goals,
 * then constraints, the same for every run, so a check's index is its definition's).
 */
export function compareGoals(file: Goals, evaluated: readonly RunGoals[], runIds: readonly string[]): ComparisonGoals {
  const kpiByName = new Map(file.kpis.map((k) => [k.name, k]));
  const metricByName = new Map(file.metrics.map((m) => [m.name, m]));
  const definitions: GoalDefinition[] = (evaluated[0]?.checks ?? []).map((c) => {
    const d: GoalDefinition = { kind: c.kind, name: c.name, label: c.label };
    if (c.unit !== undefined) { d.unit = c.unit; }
    if (c.goal !== undefined) { d.goal = c.goal; }
    if (c.threshold !== undefined) { d.threshold = c.threshold; }
    if (c.bar !== undefined) { d.bar = c.bar; }
    const source = c.kind === 'kpi' ? kpiByName.get(c.name) : c.kind === 'metric' ? metricByName.get(c.name) : undefined;
    if (source?.description !== undefined) { d.description = source.description; }
    if (c.kind === 'kpi') {
      const k = kpiByName.get(c.name);
      if (k?.owner !== undefined) { d.owner = k.owner; }
      if (k) { d.formula = k.formula; }
    }
    return d;
  });
  const runs = evaluated.map((g, i) => ({
    runId: runIds[i],
    state: g.state,
    badge: goalsBadge(g),
    checks: definitions.map((_, j) => {
      const c = g.checks[j];
      const known = c?.value !== undefined && Number.isFinite(c.value);
      return { value: known ? c.value! : null, shown: c?.shown ?? (known ? String(c.value) : null), verdict: c?.verdict ?? 'unknown', ...(c?.reason !== undefined ? { reason: c.reason } : {}) };
    }),
    cost: costCell(g),
  }));
  const best = definitions.map((d, j) => (d.kind === 'constraint' || !d.goal ? [] : bestOf(runs.map((r) => r.checks[j].value), d.goal)));
  const known = evaluated.flatMap((g) => (g.cost.known ? [g.cost] : []));
  const currencies = new Set(known.map((c) => c.currency));
  const totalCost = known.length && currencies.size === 1
    ? { shown: formatCost(known.reduce((sum, c) => sum + c.amount, 0), known[0].currency), unknownRuns: evaluated.length - known.length }
    : undefined;
  return { definitions, runs, best, ...(totalCost ? { totalCost } : {}) };
}

/** First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell: text that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage
 * return) gets a leading `'`, except a plain number such as `-0.5`, which stays a number; then RFC 4180 quoting.
 */
export function csvCell(v: Cell | undefined): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (FORMULA_START.test(s) && !PLAIN_NUMBER.test(s)) { s = `'${s}`; }
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The summary table as CSV (RFC 4180 quoting, formula-looking text defused), one column per run. */
export function toCsv(p: Comparison): string {
  const q = csvCell;
  const lines = [['', ...p.runs.map((r) => `${r.name} (${r.id}${r.storeLabel ? `, ${r.storeLabel}` : ''})`)].map(q).join(',')];
  const add = (section: string, rows: Row[]) => { for (const r of rows) { lines.push([`${section}: ${r.key}`, ...r.values].map(q).join(',')); } };
  add('param', p.params);
  add('metric', p.metrics);
  add('meta', p.meta);
  add('lineage', p.lineage);
  for (const g of p.slices) { lines.push([`spread: ${g.group}`, ...g.perRun.map((r) => r.spread)].map(q).join(',')); }
  if (p.goals) {
    const goals = p.goals;
    lines.push(['goals', ...goals.runs.map((r) => r.badge)].map(q).join(','));
    goals.definitions.forEach((d, j) => { lines.push([`${d.kind}: ${d.label}${d.bar ? ` (${d.bar})` : ''}`, ...goals.runs.map((r) => r.checks[j].value ?? r.checks[j].shown)].map(q).join(',')); });
    lines.push(['cost', ...goals.runs.map((r) => (r.cost.known ? r.cost.shown : null))].map(q).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
