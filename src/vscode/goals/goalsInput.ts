/**
 * What the Define Goals inputs check as the user types, kept apart from the `vscode` API so plain unit tests pin it:
 * a formula's error with the character it is at, metric names nothing has logged, KPI names, thresholds, and which
 * direction a metric name suggests.
 */
import { FormulaError, KPI_NAME, formatNumber, parseFormula, type MetricGoal } from '../../core/goals';
import type { MetricSummary } from '../../core';

/** A message for an input box: `error` blocks accepting the input, `warning` only informs. */
export interface InputCheck {
  severity: 'error' | 'warning';
  message: string;
}

/** Words in a metric name that mean lower is better (`val_loss`, `rmse`, `latency_p95_ms`, `false_positive_rate`). */
const LOWER_IS_BETTER = /(^|[^a-z])(loss|error|err|rmse|mse|mae|mape|fpr|fnr|latency|perplexity|cost|duration|time|memory|size)([^a-z]|$)|false_?positive|false_?negative|miss_?rate/i;

/** The direction a metric name suggests: `min` for losses, errors and latencies, `max` for everything else. */
export function suggestedDirection(metricName: string): 'min' | 'max' {
  return LOWER_IS_BETTER.test(metricName) ? 'min' : 'max';
}

/** An optional number: empty is fine (no threshold), anything else must be a finite number such as 0.8, -3 or 1e3. */
export function numberProblem(text: string, what = 'the threshold'): string | undefined {
  const t = text.trim();
  if (!t) { return undefined; }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) || !Number.isFinite(Number(t))) { return `${what} must be a number, e.g. 0.8 (or leave it empty)`; }
  return undefined;
}

/** The number typed, or undefined for an empty input. */
export function parseOptionalNumber(text: string): number | undefined {
  const t = text.trim();
  return t ? Number(t) : undefined;
}

/** A metric name typed by hand: one line of text, at most 200 characters (slices like `accuracy@fold=1` are fine). */
export function metricNameProblem(text: string): string | undefined {
  const t = text.trim();
  if (!t) { return 'enter the name of a metric, e.g. recall or accuracy@fold=1'; }
  if (t.length > 200) { return 'a metric name has at most 200 characters'; }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(t)) { return 'a metric name cannot hold line breaks or control characters'; }
  return undefined;
}

/** A KPI name: an identifier (formulas and filters name it); an existing name is a warning (going on replaces it). */
export function kpiNameCheck(text: string, existing: readonly string[]): InputCheck | undefined {
  const t = text.trim();
  if (!t) { return { severity: 'error', message: 'enter a name, e.g. retained_revenue' }; }
  if (t.length > 100) { return { severity: 'error', message: 'a KPI name has at most 100 characters' }; }
  if (!KPI_NAME.test(t)) {
    const bad = [...t].findIndex((c, i) => !(i === 0 ? /[A-Za-z]/ : /[A-Za-z0-9_]/).test(c));
    const at = bad >= 0 ? ` (character ${bad + 1}: '${[...t][bad]}')` : '';
    return { severity: 'error', message: `a KPI name starts with a letter and holds only letters, digits and _${at}` };
  }
  if (existing.includes(t)) { return { severity: 'warning', message: `a KPI named '${t}' exists already; going on replaces it` }; }
  return undefined;
}

/**
 * A formula as typed: an error names the character (1-based) and what is wrong there; metrics no run has logged yet
 * are a warning (they may be logged later).
 */
export function formulaCheck(text: string, known: ReadonlySet<string>): InputCheck | undefined {
  try {
    const f = parseFormula(text);
    const unknown = f.references.map((r) => r.name).filter((n) => !known.has(n));
    if (!unknown.length) { return undefined; }
    const list = unknown.slice(0, 3).map((n) => `'${n}'`).join(', ') + (unknown.length > 3 ? ` and ${unknown.length - 3} more` : '');
    return { severity: 'warning', message: `no run has logged ${list} yet; the KPI is unknown until one does` };
  } catch (e) {
    if (!(e instanceof FormulaError)) { throw e; }
    return { severity: 'error', message: `character ${e.index + 1}: ${e.reason}` };
  }
}

/** Optional free text with a length limit (a KPI's unit or description). */
export function optionalTextProblem(text: string, what: string, max: number): string | undefined {
  return text.trim().length > max ? `${what} has at most ${max} characters` : undefined;
}

/** How a metric goal reads in a picker: `max ≥ 0.7`, `min`. */
export function describeGoal(g: Pick<MetricGoal, 'goal' | 'threshold'>): string {
  return g.threshold === undefined ? g.goal : `${g.goal} ${g.goal === 'max' ? '≥' : '≤'} ${formatNumber(g.threshold)}`;
}

/** A logged metric for the picker: how many runs logged it and its value in the newest of them. */
export interface LoggedMetric {
  name: string;
  runs: number;
  latest: number;
  /** Best last value over the runs by the direction the name suggests. */
  best: number;
}

/** Every metric name in `summaries` (runs newest first), sorted, with its run count, newest and best last values. */
export function loggedMetrics(summariesNewestFirst: Iterable<ReadonlyMap<string, MetricSummary> | undefined>): LoggedMetric[] {
  const by = new Map<string, LoggedMetric>();
  for (const sums of summariesNewestFirst) {
    for (const [name, s] of sums ?? []) {
      const m = by.get(name);
      if (!m) { by.set(name, { name, runs: 1, latest: s.last, best: s.last }); continue; }
      m.runs++;
      m.best = suggestedDirection(name) === 'min' ? Math.min(m.best, s.last) : Math.max(m.best, s.last);
    }
  }
  return [...by.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
