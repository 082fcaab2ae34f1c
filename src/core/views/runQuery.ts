// Filtering and sorting of runs for the Experiments view: plain data in, plain data out.
import { MlopsError } from '../errors';
import type { MetricSummary } from '../store/metrics';
import { RUN_STATUSES, type Run, type RunStatus } from '../store/schemas';

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
}

export const RUN_SORTS = ['newest', 'oldest', 'name', 'metric-desc', 'metric-asc'] as const;
export type RunSort = (typeof RUN_SORTS)[number];

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
  return Boolean(f.statuses?.length || f.tag || f.text || f.metric);
}

export function describeFilter(f: RunFilter): string {
  const parts: string[] = [];
  if (f.statuses?.length) { parts.push(f.statuses.join('|')); }
  if (f.tag) { parts.push(`#${f.tag}`); }
  if (f.text) { parts.push(`"${f.text}"`); }
  if (f.metric) { parts.push(formatThreshold(f.metric)); }
  return parts.join(', ');
}

/** Whether the filter needs metric summaries (only a metric threshold does). */
export function needsMetrics(f: RunFilter): boolean {
  return f.metric !== undefined;
}

export function matchesFilter(run: Run, f: RunFilter, metrics?: Map<string, MetricSummary>): boolean {
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

/**
 * Sorts a copy. Metric sorts put runs without the metric (or without loaded summaries) last, newest first among
 * themselves, so the order is stable while summaries load.
 */
export function sortRuns(runs: readonly Run[], sort: RunSort, headline: string | undefined, metricsOf: (id: string) => Map<string, MetricSummary> | undefined): Run[] {
  const byNewest = (a: Run, b: Run) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
  const out = [...runs];
  switch (sort) {
    case 'newest': return out.sort(byNewest);
    case 'oldest': return out.sort((a, b) => byNewest(b, a));
    case 'name': return out.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }) || byNewest(a, b));
    case 'metric-desc':
    case 'metric-asc': {
      const sign = sort === 'metric-desc' ? -1 : 1;
      const val = (r: Run) => {
        const v = headline ? metricsOf(r.id)?.get(headline)?.last : undefined;
        return v === undefined || Number.isNaN(v) ? undefined : v;
      };
      return out.sort((a, b) => {
        const va = val(a);
        const vb = val(b);
        if (va === undefined && vb === undefined) { return byNewest(a, b); }
        if (va === undefined) { return 1; }
        if (vb === undefined) { return -1; }
        return sign * (va - vb) || byNewest(a, b);
      });
    }
  }
}

export function isRunStatus(s: string): s is RunStatus {
  return (RUN_STATUSES as readonly string[]).includes(s);
}
