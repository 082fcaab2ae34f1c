/**
 * What the Monitoring view, the chart and the alerts show of the monitored models, as plain data: tree nodes with
 * their text, tooltips and icons, the chart payload, and the firing alerts. No `vscode` import, so it is unit-tested
 * on Node; monitorTree.ts, chartPanel.ts and alerts.ts map it to the editor.
 */
import {
  COMPARATOR_SYMBOLS, QUANTITY_LABELS, meets, type AlertRule, type AlertSeverity, type AlertStatus, type MonitorQuantity,
  type MonitorReport, type WindowDrift, type WindowSpec, type WindowSummary,
} from '../../core/monitor/types';
import type { MonitorPayload, MonitorPoint, MonitorSeries } from '../../protocol/monitor';

/** A model the view lists, and what is known of it so far. */
export interface MonitoredEntry {
  root: string;
  model: string;
  productionVersion?: number;
  /** Set while the serve command reports the model as serving (from this window). */
  serving?: { version: number; url: string };
  /** The latest report; kept while a newer one is being built. */
  report?: MonitorReport;
  /** Why the latest build failed. */
  error?: string;
  /** The report shown is provisional (read from windows.jsonl while the full report is built). */
  stale?: boolean;
  /** Limits from goals.json shown next to their quantities (the chart draws report.thresholds). */
  limits: { maxLatencyMsP95?: number; maxDataAgeHours?: number };
}

export interface Picture { id: string; color?: string }

export type MonitorNodeKind = 'store' | 'model' | 'message' | 'alerts' | 'alert' | 'window' | 'quantity' | 'more' | 'problems'
  /** Retraining (src/vscode/retrain/view.ts): the model's node, its triggers, its log entries. */
  | 'retraining' | 'trigger' | 'retrainLog';

/** One row of the Monitoring view. */
export interface MonitorNode {
  id: string;
  kind: MonitorNodeKind;
  root: string;
  model?: string;
  label: string;
  description?: string;
  /** Markdown. */
  tooltip?: string;
  icon: Picture;
  collapsible: 'none' | 'collapsed' | 'expanded';
  contextValue?: string;
  /** What a click does (the tree maps it to a command). */
  action?: { kind: 'openChart' } | { kind: 'openRule'; offset: number; length: number } | { kind: 'openFile'; file: string; line?: number }
    | { kind: 'revealRun'; runId: string } | { kind: 'openRetrainingLog' };
  /** For window nodes: the window's index in report.windows. */
  windowIndex?: number;
  /** For alert nodes: the rule's index in goals.json. */
  ruleIndex?: number;
}

/** Windows listed under a model (newest first); the rest are in the chart. */
export const WINDOWS_SHOWN = 12;

export const ICONS = {
  serving: { id: 'broadcast', color: 'charts.blue' },
  alert: { id: 'bell-dot', color: 'problemsErrorIcon.foreground' },
  warning: { id: 'bell-dot', color: 'problemsWarningIcon.foreground' },
  ok: { id: 'pass', color: 'testing.iconPassed' },
  loading: { id: 'loading~spin' },
  error: { id: 'error', color: 'problemsErrorIcon.foreground' },
  info: { id: 'info' },
  folder: { id: 'root-folder' },
  ruleAlert: { id: 'error', color: 'problemsErrorIcon.foreground' },
  ruleWarning: { id: 'warning', color: 'problemsWarningIcon.foreground' },
  ruleOk: { id: 'pass', color: 'testing.iconPassed' },
  ruleUnknown: { id: 'question', color: 'disabledForeground' },
  alerts: { id: 'bell' },
  window: { id: 'pulse' },
  windowOpen: { id: 'debug-start', color: 'charts.blue' },
  more: { id: 'graph-line' },
  volume: { id: 'symbol-number' },
  errors: { id: 'error' },
  latency: { id: 'watch' },
  drift: { id: 'pulse' },
  driftNone: { id: 'pulse', color: 'testing.iconPassed' },
  driftMinor: { id: 'pulse', color: 'problemsWarningIcon.foreground' },
  driftMajor: { id: 'pulse', color: 'problemsErrorIcon.foreground' },
  performance: { id: 'target' },
  freshness: { id: 'calendar' },
  over: { id: 'warning', color: 'problemsWarningIcon.foreground' },
  problems: { id: 'warning', color: 'problemsWarningIcon.foreground' },
} satisfies Record<string, Picture>;

// ---------------------------------------------------------------------------------------------------------------
// Formatting.

/** Numbers as people read them: integers plainly, others to 3 significant digits (never `1e-7` style noise). */
export function num(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || Number.isNaN(v)) { return '—'; }
  if (!Number.isFinite(v)) { return v > 0 ? '∞' : '−∞'; }
  if (Number.isInteger(v)) { return String(v); }
  return String(Number(v.toPrecision(digits)));
}

export function pct(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) { return '—'; }
  const p = v * 100;
  return `${p === 0 || p >= 10 ? num(Math.round(p * 10) / 10) : num(p, 2)}%`;
}

const pad = (n: number) => String(n).padStart(2, '0');
function dayOf(d: Date): string { return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`; }
function hm(d: Date): string { return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`; }

/** `2026-11-30 08:00–09:00 UTC`; a window across midnight names both days; a whole-day window only its day. */
export function windowLabel(w: Pick<WindowSummary, 'start' | 'end'>, spec?: WindowSpec): string {
  const s = new Date(w.start);
  const e = new Date(w.end);
  if (Number.isNaN(s.getTime())) { return w.start; }
  if (Number.isNaN(e.getTime())) { return `${dayOf(s)} ${hm(s)} UTC`; }
  if (spec?.kind === 'time' && spec.ms % 86_400_000 === 0 && hm(s) === '00:00') {
    return spec.ms === 86_400_000 ? `${dayOf(s)} UTC` : `${dayOf(s)} – ${dayOf(new Date(e.getTime() - 1))} UTC`;
  }
  // A time window ends exactly at midnight of the next day: still written as "–24:00" on the start's day.
  const endsAtMidnight = hm(e) === '00:00' && e.getTime() - s.getTime() <= 86_400_000 && dayOf(new Date(e.getTime() - 1)) === dayOf(s);
  if (dayOf(s) === dayOf(e) || endsAtMidnight) { return `${dayOf(s)} ${hm(s)}–${endsAtMidnight && dayOf(s) !== dayOf(e) ? '24:00' : hm(e)} UTC`; }
  return `${dayOf(s)} ${hm(s)} – ${dayOf(e)} ${hm(e)} UTC`;
}

export function windowSpecText(spec: WindowSpec): string {
  return spec.kind === 'time' ? `${spec.text} windows` : `windows of ${spec.requests} requests`;
}

export function ruleName(rule: AlertRule): string {
  return rule.name ?? `${rule.quantity} ${COMPARATOR_SYMBOLS[rule.comparator]} ${num(rule.threshold)}`;
}

/** A status's message without the rule's name in front (the core prefixes named rules; the UI names every rule itself). */
export function bareMessage(status: AlertStatus): string {
  const prefix = status.rule.name ? `${status.rule.name}: ` : '';
  return prefix && status.message.startsWith(prefix) ? status.message.slice(prefix.length) : status.message;
}

export function ruleCondition(rule: AlertRule): string {
  const n = rule.windows;
  return `${QUANTITY_LABELS[rule.quantity]} ${COMPARATOR_SYMBOLS[rule.comparator]} ${num(rule.threshold)}${n > 1 ? ` for ${n} windows in a row` : ''}`;
}

/** `v3 · serving at http://127.0.0.1:8080`, `production v3`, or what else is known. */
export function modelDescription(e: MonitoredEntry): string {
  const parts: string[] = [];
  if (e.serving) { parts.push(`v${e.serving.version} · serving at ${e.serving.url}`); } else if (e.productionVersion !== undefined) { parts.push(`production v${e.productionVersion}`); }
  const firing = firingOf(e);
  if (firing.length) { parts.push(`${firing.length} alert${firing.length === 1 ? '' : 's'} firing`); }
  if (!parts.length && e.report?.versions.length) { parts.push(`v${e.report.versions[0]}`); }
  return parts.join(' · ');
}

export function firingOf(e: MonitoredEntry): AlertStatus[] {
  return e.report?.alerts.filter((a) => a.firing) ?? [];
}

/** The worst severity among firing alerts, or undefined when none fires. */
export function worstSeverity(statuses: readonly AlertStatus[]): AlertSeverity | undefined {
  const firing = statuses.filter((a) => a.firing);
  if (!firing.length) { return undefined; }
  return firing.some((a) => a.rule.severity === 'alert') ? 'alert' : 'warning';
}

// ---------------------------------------------------------------------------------------------------------------
// Alerts over the windows' history.

const LABELLED: ReadonlySet<MonitorQuantity> = new Set(['accuracy', 'precision', 'recall', 'f1', 'mae', 'rmse']);

/**
 * Per window, the severity of the rules that would fire with that window as the latest: the rule's condition met by
 * this window and the `rule.windows − 1` before it. The same rule `evaluateAlerts` applies, at every point in time.
 */
export function firingByWindow(windows: readonly WindowSummary[], rules: readonly AlertRule[]): Map<MonitorQuantity, (AlertSeverity | undefined)[]> {
  const out = new Map<MonitorQuantity, (AlertSeverity | undefined)[]>();
  for (const rule of rules) {
    const marks = out.get(rule.quantity) ?? windows.map(() => undefined);
    let run = 0;
    windows.forEach((w, i) => {
      // As evaluateAlerts: the open window is never judged.
      if (!w.closed) { return; }
      const v = w.values[rule.quantity];
      // As evaluateAlerts: labels come late, so a window without them neither breaks nor extends a performance streak.
      if (v === undefined && LABELLED.has(rule.quantity)) { return; }
      run = meets(v, rule.comparator, rule.threshold) ? run + 1 : 0;
      if (run >= rule.windows && marks[i] !== 'alert') { marks[i] = rule.severity; }
    });
    out.set(rule.quantity, marks);
  }
  return out;
}

/**
 * The start of the first window of a firing alert's streak: with the model and the rule, what identifies one
 * firing episode (a notification is shown once per episode).
 */
export function streakStart(report: MonitorReport, status: AlertStatus): string {
  if (status.since) { return status.since; }
  const idx = status.windowStart !== undefined ? report.windows.findIndex((w) => w.start === status.windowStart) : report.windows.length - 1;
  const last = idx >= 0 ? idx : report.windows.length - 1;
  const first = Math.max(0, last - Math.max(1, status.streak) + 1);
  return report.windows[first]?.start ?? status.windowStart ?? '';
}

// ---------------------------------------------------------------------------------------------------------------
// The chart payload.

const CHART_ORDER: readonly MonitorQuantity[] = ['requests', 'errorRate', 'latencyMsP50', 'latencyMsP95', 'inputDriftShare', 'predictionDriftScore',
  'accuracy', 'precision', 'recall', 'f1', 'mae', 'rmse', 'dataAgeHours'];

/** One series per quantity that has a value in some window or a threshold; thresholds from report.thresholds. */
export function chartPayload(e: MonitoredEntry): MonitorPayload {
  const r = e.report;
  const windows = r?.windows ?? [];
  const marks = firingByWindow(windows, r?.alerts.map((a) => a.rule) ?? []);
  const series: MonitorSeries[] = [];
  for (const q of CHART_ORDER) {
    const points: MonitorPoint[] = [];
    windows.forEach((w, i) => {
      const y = w.values[q];
      const x = Date.parse(w.start);
      if (typeof y !== 'number' || !Number.isFinite(y) || Number.isNaN(x)) { return; }
      const firing = marks.get(q)?.[i];
      points.push({ x, y, window: windowLabel(w, r?.window), ...(firing ? { firing } : {}), ...(w.closed ? {} : { open: true }) });
    });
    const thresholds = (r?.thresholds ?? []).filter((t) => t.quantity === q && Number.isFinite(t.value)).map((t) => ({ value: t.value, label: t.source }));
    if (!points.length && !thresholds.length) { continue; }
    series.push({ quantity: q, label: QUANTITY_LABELS[q], points, thresholds });
  }
  return {
    root: e.root,
    model: e.model,
    window: r ? r.window.text : '',
    windowKind: r?.window.kind ?? 'time',
    ...(r?.window.kind === 'time' ? { windowMs: r.window.ms } : {}),
    subtitle: [modelDescription(e), r ? windowSpecText(r.window) : ''].filter(Boolean).join(' · '),
    windows: windows.length,
    ...(r?.lastRequest ? { lastRequest: r.lastRequest } : {}),
    alerts: (r?.alerts ?? []).map((a) => ({ name: ruleName(a.rule), quantity: a.rule.quantity, severity: a.rule.severity, firing: a.firing, known: a.firing || a.value !== undefined, message: bareMessage(a),
      ...(a.rule.description ? { description: a.rule.description } : {}) })),
    series,
    notes: [...(r?.referenceNote ? [r.referenceNote] : []), ...(r?.problems ?? []).slice(0, 50).map((p) => `${p.file}${p.line > 0 ? `:${p.line}` : ''}: ${p.reason}`), ...(e.error ? [e.error] : [])],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The tree.

/** Workspace text as literal Markdown (HTML is not rendered in tree tooltips either way). */
const md = (s: string) => s.replace(/[\\`*_{}[\]#|<>]/g, '\\$&').replace(/^([-+])/, '\\$1');

function modelIcon(e: MonitoredEntry): Picture {
  if (!e.report) { return e.error ? ICONS.error : ICONS.loading; }
  const worst = worstSeverity(e.report.alerts);
  if (worst) { return worst === 'alert' ? ICONS.alert : ICONS.warning; }
  return e.serving ? ICONS.serving : ICONS.ok;
}

export function modelNode(e: MonitoredEntry): MonitorNode {
  const r = e.report;
  const lines = [`**${md(e.model)}**`];
  if (e.serving) { lines.push(`Serving v${e.serving.version} at ${md(e.serving.url)}`); }
  if (e.productionVersion !== undefined) { lines.push(`Production: v${e.productionVersion}`); }
  if (r) {
    lines.push(`${r.windows.length} window${r.windows.length === 1 ? '' : 's'} (${md(windowSpecText(r.window))})${r.lastRequest ? `, last request ${md(r.lastRequest)}` : ', no request logged yet'}`);
    for (const a of firingOf(e)) { lines.push(`${a.rule.severity === 'alert' ? '$(error)' : '$(warning)'} ${md(ruleName(a.rule))}: ${md(bareMessage(a))}`); }
  }
  if (e.error) { lines.push(`Cannot read the monitoring data: ${md(e.error)}`); }
  return {
    id: `${e.root}|${e.model}`, kind: 'model', root: e.root, model: e.model, label: e.model, description: modelDescription(e), tooltip: lines.join('\n\n'),
    icon: modelIcon(e), collapsible: 'collapsed', contextValue: e.serving ? 'mlops.monitor.model.serving' : 'mlops.monitor.model',
  };
}

export function storeNode(root: string, name: string, entries: readonly MonitoredEntry[]): MonitorNode {
  const firing = entries.reduce((n, e) => n + firingOf(e).length, 0);
  return { id: `store|${root}`, kind: 'store', root, label: name, description: firing ? `${firing} firing` : undefined, tooltip: md(root), icon: ICONS.folder, collapsible: 'expanded' };
}

/** Children of a model: a status line while loading or failing, Alerts, the latest windows, "show all". */
export function modelChildren(e: MonitoredEntry): MonitorNode[] {
  const base = { root: e.root, model: e.model };
  const id = (s: string) => `${e.root}|${e.model}|${s}`;
  const out: MonitorNode[] = [];
  const r = e.report;
  if (e.error) { out.push({ ...base, id: id('error'), kind: 'message', label: 'Cannot read the monitoring data', description: e.error, tooltip: md(e.error), icon: ICONS.error, collapsible: 'none' }); }
  if (!r) {
    if (!e.error) { out.push({ ...base, id: id('loading'), kind: 'message', label: 'Reading the prediction log…', icon: ICONS.loading, collapsible: 'none' }); }
    return out;
  }
  const firing = firingOf(e);
  const rules = r.alerts.length;
  out.push({ ...base, id: id('alerts'), kind: 'alerts', label: 'Alerts',
    description: rules === 0 ? 'no rules in goals.json' : firing.length ? `${firing.length} of ${rules} firing` : `${rules} rule${rules === 1 ? '' : 's'}, none firing`,
    tooltip: rules === 0 ? 'Add rules under `monitoring.alerts` in `.mlops/goals.json` to be alerted when a quantity crosses a threshold.' : undefined,
    icon: firing.length ? (worstSeverity(r.alerts) === 'alert' ? ICONS.alert : ICONS.warning) : ICONS.alerts, collapsible: rules ? (firing.length ? 'expanded' : 'collapsed') : 'none' });
  if (r.problems.length) {
    out.push({ ...base, id: id('problems'), kind: 'problems', label: `${r.problems.length} log problem${r.problems.length === 1 ? '' : 's'}`, description: 'lines skipped or not counted',
      tooltip: r.problems.slice(0, 10).map((p) => `${md(p.file)}${p.line > 0 ? `:${p.line}` : ''}: ${md(p.reason)}`).join('\n\n'), icon: ICONS.problems, collapsible: 'collapsed' });
  }
  if (!r.windows.length) {
    out.push({ ...base, id: id('none'), kind: 'message', label: 'No requests logged yet', description: windowSpecText(r.window), icon: ICONS.info, collapsible: 'none' });
    return out;
  }
  const marks = firingByWindow(r.windows, r.alerts.map((a) => a.rule));
  const from = Math.max(0, r.windows.length - WINDOWS_SHOWN);
  for (let i = r.windows.length - 1; i >= from; i--) { out.push(windowNode(e, r, i, marks)); }
  out.push({ ...base, id: id('more'), kind: 'more', label: r.windows.length > WINDOWS_SHOWN ? `Show all ${r.windows.length} windows in chart` : 'Show in chart',
    icon: ICONS.more, collapsible: 'none', action: { kind: 'openChart' } });
  return out;
}

function windowNode(e: MonitoredEntry, r: MonitorReport, i: number, marks: Map<MonitorQuantity, (AlertSeverity | undefined)[]>): MonitorNode {
  const w = r.windows[i];
  let worst: AlertSeverity | undefined;
  for (const m of marks.values()) { if (m[i] === 'alert' || (m[i] === 'warning' && !worst)) { worst = m[i]; } }
  const bits = [`${w.requests} req`, `${pct(w.errorRate)} err`];
  if (w.latencyMs) { bits.push(`p95 ${num(w.latencyMs.p95)} ms`); }
  if (w.inputDrift) { bits.push(`drift ${pct(w.inputDrift.share)}`); }
  if (!w.closed) { bits.push('open'); }
  return {
    id: `${e.root}|${e.model}|w|${w.start}`, kind: 'window', root: e.root, model: e.model, label: windowLabel(w, r.window), description: bits.join(' · '),
    tooltip: `Window ${md(w.start)} – ${md(w.end)}${w.closed ? '' : ' (open: more requests may fall in it)'}\n\nVersions: ${w.versions.map((v) => `v${v}`).join(', ') || '—'}${worst ? `\n\nAn alert rule ${worst === 'alert' ? '(alert)' : '(warning)'} fires in this window.` : ''}`,
    icon: worst === 'alert' ? ICONS.ruleAlert : worst === 'warning' ? ICONS.ruleWarning : w.closed ? ICONS.window : ICONS.windowOpen,
    collapsible: 'collapsed', windowIndex: i,
  };
}

function driftText(d: WindowDrift): string {
  const cols = d.byColumn.filter((c) => c.drifted).map((c) => c.column);
  return `${pct(d.share)} of ${d.columns} columns (${d.class})${cols.length ? ` · ${cols.slice(0, 5).join(', ')}${cols.length > 5 ? ` +${cols.length - 5}` : ''}` : ''}`;
}

function driftIcon(d: WindowDrift): Picture {
  return d.class === 'major' ? ICONS.driftMajor : d.class === 'minor' ? ICONS.driftMinor : ICONS.driftNone;
}

/** Alert rules and limits on a quantity, one line each, for its tooltip. */
function limitsText(r: MonitorReport, quantities: readonly MonitorQuantity[]): string {
  const lines = r.thresholds.filter((t) => quantities.includes(t.quantity)).map((t) => `${md(t.source)}: ${num(t.value)}`);
  for (const a of r.alerts) { if (quantities.includes(a.rule.quantity)) { lines.push(`Alert rule ${md(ruleName(a.rule))}: fires when ${md(ruleCondition(a.rule))} (${a.rule.severity})`); } }
  return lines.length ? `\n\n${[...new Set(lines)].join('\n\n')}` : '\n\nNo threshold or alert rule on this quantity.';
}

/** Volume, error rate, latency, input and prediction drift, performance and data freshness of one window. */
export function windowChildren(e: MonitoredEntry, i: number): MonitorNode[] {
  const r = e.report;
  const w = r?.windows[i];
  if (!r || !w) { return []; }
  const id = (s: string) => `${e.root}|${e.model}|w|${w.start}|${s}`;
  const node = (key: string, label: string, description: string, tooltip: string, icon: Picture): MonitorNode =>
    ({ id: id(key), kind: 'quantity', root: e.root, model: e.model, label, description, tooltip, icon, collapsible: 'none' });
  const out: MonitorNode[] = [];
  out.push(node('volume', 'Volume', `${w.requests} request${w.requests === 1 ? '' : 's'} · ${w.rows} row${w.rows === 1 ? '' : 's'}`,
    `**Volume**: requests to \`/predict\` in this window, and the records they carried (a batch is one request with several rows).${limitsText(r, ['requests'])}`, ICONS.volume));
  out.push(node('errors', 'Error rate', `${pct(w.errorRate)} (${w.errors} of ${w.requests})`,
    `**Error rate**: share of requests answered with an error (400 bad input, 413 too large, 500 the model raised …).${limitsText(r, ['errorRate'])}`, w.errors ? ICONS.errors : ICONS.ok));
  if (w.latencyMs) {
    const limit = e.limits.maxLatencyMsP95;
    const over = limit !== undefined && w.latencyMs.p95 > limit;
    out.push(node('latency', 'Latency', `p50 ${num(w.latencyMs.p50)} ms · p95 ${num(w.latencyMs.p95)} ms${limit !== undefined ? ` ${over ? '>' : '≤'} ${num(limit)} ms` : ''} · max ${num(w.latencyMs.max)} ms`,
      `**Latency**: server time from the parsed request to the serialised answer (the model's own predict included). Half the requests took at most p50, 95% at most p95.${limit !== undefined ? `\n\nConstraint maxLatencyMsP95: ${num(limit)} ms — ${over ? 'exceeded' : 'met'}.` : ''}${limitsText(r, ['latencyMsP50', 'latencyMsP95'])}`,
      over ? ICONS.over : ICONS.latency));
  } else {
    out.push(node('latency', 'Latency', 'no successful request', '**Latency** is measured on answered requests; none in this window.', ICONS.latency));
  }
  if (w.inputDrift) {
    const d = w.inputDrift;
    const cols = d.byColumn.map((c) => `${md(c.column)}: ${md(c.test)} ${num(c.score)} (threshold ${num(c.threshold)})${c.drifted ? ` — drifted, ${c.class}` : ''}`);
    out.push(node('inputDrift', 'Input drift', driftText(d),
      `**Input drift** against ${md(d.reference)}: ${d.drifted} of ${d.columns} columns drifted (share ${pct(d.share)}, dataset drift ${d.drift ? 'yes' : 'no'}, class ${d.class}).\n\n${cols.slice(0, 20).join('\n\n')}${limitsText(r, ['inputDriftShare'])}`,
      driftIcon(d)));
  } else {
    out.push(node('inputDrift', 'Input drift', w.inputDriftNote ?? 'not measured', `**Input drift** is not measured here: ${md(w.inputDriftNote ?? r.referenceNote ?? 'no reference')}.`, ICONS.drift));
  }
  if (w.predictionDrift) {
    const d = w.predictionDrift;
    out.push(node('predictionDrift', 'Prediction drift', `score ${num(d.score)} (${d.class}) vs ${d.reference}`,
      `**Prediction drift**: the distribution of this window's predictions against ${md(d.reference)} (${md(d.byColumn[0]?.test ?? 'test')}; score ${num(d.score)}).${limitsText(r, ['predictionDriftScore'])}`, driftIcon(d)));
  } else {
    out.push(node('predictionDrift', 'Prediction drift', w.predictionDriftNote ?? 'not measured', `**Prediction drift** is not measured here: ${md(w.predictionDriftNote ?? 'no predictions')}.`, ICONS.drift));
  }
  const p = w.performance;
  if (p) {
    const parts = p.task === 'classification'
      ? [['accuracy', p.accuracy], ['precision', p.precision], ['recall', p.recall], ['F1', p.f1]] as const
      : [['MAE', p.mae], ['RMSE', p.rmse]] as const;
    out.push(node('performance', 'Performance', `${parts.filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${num(v)}`).join(' · ')} (${p.labelled} labelled)`,
      `**Performance** on the ${p.labelled} predictions of this window whose ground truth arrived (\`POST /feedback\`, \`mlops monitor label\`); ${p.task}.${limitsText(r, ['accuracy', 'precision', 'recall', 'f1', 'mae', 'rmse'])}`, ICONS.performance));
  } else {
    out.push(node('performance', 'Performance', 'no labels yet', '**Performance** needs ground truth: send labels with `POST /feedback` or `mlops monitor label FILE`.', ICONS.performance));
  }
  const limit = e.limits.maxDataAgeHours;
  const age = w.dataAgeHours;
  const stale = age !== null && limit !== undefined && age > limit;
  out.push(node('freshness', 'Data freshness', age === null ? 'unknown' : `${num(age)} h old${limit !== undefined ? ` (limit ${num(limit)} h)` : ''}`,
    `**Data freshness**: age of the newest version of the model's datasets at the window's end.${limit !== undefined ? `\n\nmonitoring.maxDataAge: ${num(limit)} h — ${age === null ? 'unknown' : stale ? 'exceeded' : 'met'}.` : ''}${limitsText(r, ['dataAgeHours'])}`,
    stale ? ICONS.over : ICONS.freshness));
  return out;
}

/** The alert rules of a model, firing first. */
export function alertChildren(e: MonitoredEntry): MonitorNode[] {
  const r = e.report;
  if (!r) { return []; }
  return [...r.alerts].sort((a, b) => Number(b.firing) - Number(a.firing) || a.rule.index - b.rule.index).map((a) => {
    const unknown = !a.firing && a.value === undefined;
    return {
      id: `${e.root}|${e.model}|rule|${a.rule.index}`, kind: 'alert', root: e.root, model: e.model, label: ruleName(a.rule),
      description: `${a.firing ? 'firing' : unknown ? 'unknown' : 'ok'} · ${bareMessage(a)}`,
      tooltip: [`**${md(ruleName(a.rule))}** (${a.rule.severity}): fires when ${md(ruleCondition(a.rule))}.`, a.rule.description ? md(a.rule.description) : '',
        `${a.firing ? 'Firing' : 'Not firing'}: ${md(bareMessage(a))}`].filter(Boolean).join('\n\n'),
      icon: a.firing ? (a.rule.severity === 'alert' ? ICONS.ruleAlert : ICONS.ruleWarning) : unknown ? ICONS.ruleUnknown : ICONS.ruleOk,
      collapsible: 'none', ruleIndex: a.rule.index, action: { kind: 'openRule', offset: a.rule.offset, length: a.rule.length },
    };
  });
}

export function problemChildren(e: MonitoredEntry): MonitorNode[] {
  return (e.report?.problems ?? []).slice(0, 50).map((p, i) => ({
    id: `${e.root}|${e.model}|problem|${i}`, kind: 'message', root: e.root, model: e.model,
    label: `${p.file.split(/[\\/]/).pop() ?? p.file}${p.line > 0 ? `:${p.line}` : ''}`, description: p.reason,
    tooltip: `${md(p.file)}${p.line > 0 ? `:${p.line}` : ''}: ${md(p.reason)}`, icon: ICONS.problems, collapsible: 'none',
    // Problems with a line are in a log file (paths relative to the workspace folder); the others name a folder or a setting.
    ...(p.line > 0 ? { action: { kind: 'openFile' as const, file: p.file, line: p.line } } : {}),
  }));
}

// ---------------------------------------------------------------------------------------------------------------

/** Files under `.mlops/monitoring/<model>/` that a report build writes itself: a change to them is not news. */
export function isOwnWrite(relPath: string): boolean {
  const base = relPath.split('/').pop() ?? '';
  // Temp files of atomic writes carry the target's name (windows.jsonl.<id>.tmp and the like).
  return base.includes('windows.jsonl') || base.includes('.profile.json') || /\.tmp\b|\btmp-/.test(base) || relPath.split('/').some((p) => p.endsWith('.lock'));
}

/** Zero-based line and UTF-16 column of an offset in a text (what a vscode.Position takes). */
export function positionAt(text: string, offset: number): { line: number; character: number } {
  const o = Math.max(0, Math.min(offset, text.length));
  let line = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < o; i = text.indexOf('\n', i + 1)) { line++; lineStart = i + 1; }
  return { line, character: o - lineStart };
}
