// Filtering and sorting of runs for the Experiments view: plain data in, plain data out.
import { MlopsError } from '../errors';
import type { RunGoals } from '../goals/evaluate';
import type { MetricSummary } from '../store/metrics';
import { RUN_STATUSES, type Run, type RunStatus } from '../store/schemas';
import { mlflowSourceOf } from '../mlflow/convert';

export const METRIC_OPS = ['>=', '<=', '>', '<'] as const;
export type MetricOp = (typeof METRIC_OPS)[number];

export interface MetricThreshold {
  name: string;
  op: MetricOp;
  value: number;
}

/** What the Experiments view shows; every part is optional and they combine with AND. */
export interface RunFilter {
  statuses?: RunStatus[];
  tag?: string;
  /** Case-insensitive text in the run's name, id, notes, tags or param values. */
  text?: string;
  /** Compares the metric's last value. Runs without that metric do not match. */
  metric?: MetricThreshold;
  /** Only runs that meet every goal, KPI and constraint of goals.json that has a bar (badge ✓). */
  meetsGoals?: boolean;
  /**
   * Also show runs deleted in MLflow (and experiments deleted there). They stay in MLflow's store and are hidden
   * unless this is on; `.mlops` runs in the trash are not affected (they are restored, not filtered).
   */
  deleted?: boolean;
}

export const RUN_SORTS = ['newest', 'oldest', 'name', 'metric-desc', 'metric-asc'] as const;
/** A fixed sort, or by a KPI of goals.json: `kpi-desc:retained_revenue` (highest first), `kpi-asc:NAME`. */
export type RunSort = (typeof RUN_SORTS)[number] | `kpi-desc:${string}` | `kpi-asc:${string}`;

const KPI_SORT = /^kpi-(desc|asc):(.+)$/;

/** The KPI a sort orders by, and which way; undefined for the fixed sorts. */
export function kpiSortOf(sort: string): { kpi: string; descending: boolean } | undefined {
  const m = KPI_SORT.exec(sort);
  return m ? { kpi: m[2], descending: m[1] === 'desc' } : undefined;
}

export function kpiSort(kpi: string, descending: boolean): RunSort {
  return `kpi-${descending ? 'desc' : 'asc'}:${kpi}`;
}

export function isRunSort(s: unknown): s is RunSort {
  return typeof s === 'string' && ((RUN_SORTS as readonly string[]).includes(s) || kpiSortOf(s) !== undefined);
}

/** What the sort quick pick and the view say about a sort. */
export function sortLabel(sort: RunSort): string {
  const k = kpiSortOf(sort);
  return k ? `KPI ${k.kpi}, ${k.descending ? 'highest' : 'lowest'} first` : SORT_LABELS[sort as (typeof RUN_SORTS)[number]];
}

/** Whether a sort reads metric summaries (headline metric and KPIs, which are computed from metrics). */
export function sortNeedsMetrics(sort: RunSort): boolean {
  return sort.startsWith('metric') || kpiSortOf(sort) !== undefined;
}

export const SORT_LABELS: Record<RunSort, string> = {
  'newest': 'Newest first',
  'oldest': 'Oldest first',
  'name': 'Name (A→Z)',
  'metric-desc': 'Headline metric, highest first',
  'metric-asc': 'Headline metric, lowest first',
};

/** Parses `accuracy >= 0.8` (also `loss<0.3`). */
export function parseMetricThreshold(text: string): MetricThreshold {
  const m = /^\s*(.+?)\s*(>=|<=|>|<)\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*$/.exec(text);
  if (!m) { throw new MlopsError(`'${text}' is not a threshold: write metric, comparison and number, e.g. accuracy >= 0.8`); }
  return { name: m[1], op: m[2] as MetricOp, value: Number(m[3]) };
}

export function formatThreshold(t: MetricThreshold): string {
  return `${t.name} ${t.op} ${t.value}`;
}

export function isFilterActive(f: RunFilter): boolean {
  return isSearchActive(f) || Boolean(f.deleted);
}

/**
 * Whether the filter narrows the runs down (everything but "show deleted runs"): then nested runs are listed flat
 * too, so a search finds them.
 */
export function isSearchActive(f: RunFilter): boolean {
  return Boolean(f.statuses?.length || f.tag || f.text || f.metric || f.meetsGoals);
}

export function describeFilter(f: RunFilter): string {
  const parts: string[] = [];
  if (f.statuses?.length) { parts.push(f.statuses.join('|')); }
  if (f.tag) { parts.push(`#${f.tag}`); }
  if (f.text) { parts.push(`"${f.text}"`); }
  if (f.metric) { parts.push(formatThreshold(f.metric)); }
  if (f.meetsGoals) { parts.push('meets all goals'); }
  if (f.deleted) { parts.push('deleted runs shown'); }
  return parts.join(', ');
}

/** Whether the filter needs metric summaries (a metric threshold does, and goals, which are checked on metrics). */
export function needsMetrics(f: RunFilter): boolean {
  return f.metric !== undefined || Boolean(f.meetsGoals);
}

/**
 * `goals` is the run's evaluation against goals.json (undefined without goals): "meets all goals" matches only a
 * run whose every goal with a bar is met, so an unknown value or a store without goals never matches.
 */
export function matchesFilter(run: Run, f: RunFilter, metrics?: Map<string, MetricSummary>, goals?: RunGoals): boolean {
  if (!f.deleted && mlflowSourceOf(run)?.deleted) { return false; }
  if (f.meetsGoals && goals?.state !== 'met') { return false; }
  if (f.statuses?.length && !f.statuses.includes(run.status)) { return false; }
  if (f.tag && !run.tags.includes(f.tag)) { return false; }
  if (f.text) {
    const needle = f.text.toLowerCase();
    const hay = [run.name, run.id, run.notes ?? '', ...run.tags, ...Object.entries(run.params).map(([k, v]) => `${k}=${String(v)}`)].join('\n').toLowerCase();
    if (!hay.includes(needle)) { return false; }
  }
  if (f.metric) {
    const s = metrics?.get(f.metric.name);
    if (!s || Number.isNaN(s.last)) { return false; }
    const v = s.last;
    const t = f.metric.value;
    const ok = f.metric.op === '>' ? v > t : f.metric.op === '>=' ? v >= t : f.metric.op === '<' ? v < t : v <= t;
    if (!ok) { return false; }
  }
  return true;
}

/** `.mlops` ids are ULIDs: they sort by creation time. */
const newestById = (a: Run, b: Run) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** MLflow's ids are random: newest first by start time, then by id so the order is stable. */
export const newestByStartTime = (a: Run, b: Run): number => (a.startTime < b.startTime ? 1 : a.startTime > b.startTime ? -1 : newestById(a, b));

/**
 * Sorts a copy. Metric and KPI sorts put runs without the value (not logged, not loaded yet, a KPI that cannot be
 * computed) last, newest first among themselves, so the order is stable while summaries load. `goalsOf` gives a
 * run's evaluation against goals.json (only KPI sorts ask).
 */
export function sortRuns(runs: readonly Run[], sort: RunSort, headline: string | undefined, metricsOf: (id: string) => Map<string, MetricSummary> | undefined,
  goalsOf: (id: string) => RunGoals | undefined = () => undefined, byNewest: (a: Run, b: Run) => number = newestById): Run[] {
  const out = [...runs];
  const byValue = (sign: number, val: (r: Run) => number | undefined) => {
    const values = new Map(out.map((r) => [r.id, val(r)]));
    return out.sort((a, b) => {
      const va = values.get(a.id);
      const vb = values.get(b.id);
      if (va === undefined && vb === undefined) { return byNewest(a, b); }
      if (va === undefined) { return 1; }
      if (vb === undefined) { return -1; }
      return sign * (va - vb) || byNewest(a, b);
    });
  };
  const k = kpiSortOf(sort);
  if (k) {
    return byValue(k.descending ? -1 : 1, (r) => {
      const v = goalsOf(r.id)?.kpis.get(k.kpi);
      return v?.ok && !Number.isNaN(v.value) ? v.value : undefined;
    });
  }
  switch (sort) {
    case 'newest': return out.sort(byNewest);
    case 'oldest': return out.sort((a, b) => byNewest(b, a));
    case 'name': return out.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }) || byNewest(a, b));
    case 'metric-desc':
    case 'metric-asc': {
      return byValue(sort === 'metric-desc' ? -1 : 1, (r) => {
        const v = headline ? metricsOf(r.id)?.get(headline)?.last : undefined;
        return v === undefined || Number.isNaN(v) ? undefined : v;
      });
    }
    default: return out.sort(byNewest);
  }
}

export function isRunStatus(s: string): s is RunStatus {
  return (RUN_STATUSES as readonly string[]).includes(s);
}
