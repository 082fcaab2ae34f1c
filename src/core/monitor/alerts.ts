/**
 * Alert rules of goals.json over a model's windows: a rule fires when its quantity meets `comparator threshold` in
 * the latest `windows` complete windows in a row. The open window is shown but never judged: its partial counts would
 * make `requests lt 80` fire at the start of every hour, and one failed request of the first second a 100 % error
 * rate (a new episode, so a new notification, each time).
 *
 * Labels arrive late, so the performance quantities (accuracy … rmse) are judged over the windows that have labels:
 * an unlabelled latest window neither breaks nor extends a streak. Every other quantity unknown in the latest window
 * (no requests, inputs not logged, no datasets) makes the rule say so; an unknown value never fires.
 */
import { COMPARATOR_SYMBOLS, meets, type AlertRule, type AlertStatus, type MonitorQuantity, type WindowSummary } from './types';

const LABELLED: ReadonlySet<MonitorQuantity> = new Set(['accuracy', 'precision', 'recall', 'f1', 'mae', 'rmse']);

/** A number as a message shows it: up to 4 significant digits, no exponent for ordinary sizes. */
export function formatQuantity(v: number): string {
  if (!Number.isFinite(v)) { return String(v); }
  if (Number.isInteger(v)) { return String(v); }
  const a = Math.abs(v);
  return a >= 1000 ? v.toFixed(0) : String(Number(v.toPrecision(a >= 1 ? 4 : 3)));
}

/** `2026-11-30T10:00Z` (minutes; seconds when the time has them). */
const shortTime = (iso: string): string => iso.replace(/:00\.000Z$/, 'Z').replace(/\.000Z$/, 'Z');

function unknownReason(q: MonitorQuantity, w: WindowSummary | undefined): string {
  if (!w) { return 'no windows yet (nothing logged)'; }
  if (LABELLED.has(q)) { return 'no labels yet'; }
  switch (q) {
    case 'inputDriftShare': return w.inputDriftNote ?? 'no input drift measured';
    case 'predictionDriftScore': return w.predictionDriftNote ?? 'no prediction drift measured';
    case 'dataAgeHours': return w.dataAgeNote ?? 'no data version of the model\'s datasets is known';
    case 'latencyMsP50': case 'latencyMsP95': return 'no requests in the latest window';
    default: return 'no requests in the latest window';
  }
}

/** Where each rule stands over `windows` (oldest first, as in MonitorReport). */
export function evaluateAlerts(windows: readonly WindowSummary[], rules: readonly AlertRule[], model: string): AlertStatus[] {
  const judged = windows.filter((w) => w.closed);
  return rules.map((rule) => {
    const q = rule.quantity;
    const pool = LABELLED.has(q) ? judged.filter((w) => w.values[q] !== undefined) : judged;
    const latest = pool[pool.length - 1];
    const value = latest?.values[q];
    const name = rule.name ? `${rule.name}: ` : '';
    const cond = `${COMPARATOR_SYMBOLS[rule.comparator]} ${formatQuantity(rule.threshold)}`;
    if (value === undefined || Number.isNaN(value)) {
      return { rule, model, firing: false, streak: 0, value: undefined, ...(latest ? { windowStart: latest.start } : {}), message: `${name}${q} unknown: ${unknownReason(q, latest ?? judged[judged.length - 1])}` };
    }
    let streak = 0;
    for (let i = pool.length - 1; i >= 0 && meets(pool[i].values[q], rule.comparator, rule.threshold); i--) { streak++; }
    const firing = streak >= rule.windows;
    const since = streak > 0 ? pool[pool.length - streak].start : undefined;
    const rows = (n: number): string => `${n} window${n === 1 ? '' : 's'}`;
    const message = firing
      ? `${name}${q} ${formatQuantity(value)} ${cond} for ${rows(streak)} in a row (since ${shortTime(since!)})`
      : streak > 0
        ? `${name}${q} ${formatQuantity(value)} ${cond} for ${rows(streak)} in a row; fires at ${rule.windows}`
        : `${name}${q} ${formatQuantity(value)} (fires when ${cond}${rule.windows > 1 ? ` for ${rows(rule.windows)} in a row` : ''})`;
    return { rule, model, firing, streak, value, windowStart: latest.start, ...(since ? { since } : {}), message };
  });
}
