/**
 * Monitoring a served model: the prediction log the server appends to, the windows it is summarised into, and the
 * alert rules of goals.json evaluated over those windows. Pure types and small parsers; the reader, the summariser
 * and the alert evaluation live beside this file.
 *
 * Files (all under `.mlops/monitoring/<model>/`):
 * - `<yyyy-mm-dd>.jsonl` (UTC day of the line's `time`): one `PredictionLine` per request and one `FeedbackLine`
 *   per label that arrived, appended by the server (`python/mlops_serve.py`) or `mlops monitor label`. A torn last
 *   line (a crash mid-write) is skipped and reported, never fatal.
 * - `windows.jsonl`: the summary cache (`WindowsHeader` line, then one `WindowSummary` per closed window), rebuilt
 *   or extended from the logs so the view and the CLI read O(windows), not O(requests).
 * - `reference-outputs.profile.json`: the profile of the first window's predictions (the prediction drift
 *   reference), kept so later summaries do not need the first window's requests again.
 */

/** What alert rules and the chart can watch, per window. */
export const MONITOR_QUANTITIES = [
  'requests', 'errorRate', 'latencyMsP50', 'latencyMsP95', 'inputDriftShare', 'predictionDriftScore',
  'accuracy', 'precision', 'recall', 'f1', 'mae', 'rmse', 'dataAgeHours',
] as const;
export type MonitorQuantity = typeof MONITOR_QUANTITIES[number];

export const QUANTITY_LABELS: Record<MonitorQuantity, string> = {
  requests: 'requests', errorRate: 'error rate', latencyMsP50: 'latency p50 (ms)', latencyMsP95: 'latency p95 (ms)',
  inputDriftShare: 'input drift (share of drifted columns)', predictionDriftScore: 'prediction drift (score)',
  accuracy: 'accuracy', precision: 'precision', recall: 'recall', f1: 'F1', mae: 'MAE', rmse: 'RMSE', dataAgeHours: 'data age (hours)',
};

export const COMPARATORS = ['lt', 'lte', 'gt', 'gte', 'eq'] as const;
export type Comparator = typeof COMPARATORS[number];
export const COMPARATOR_SYMBOLS: Record<Comparator, string> = { lt: '<', lte: '≤', gt: '>', gte: '≥', eq: '=' };

export const ALERT_SEVERITIES = ['warning', 'alert'] as const;
export type AlertSeverity = typeof ALERT_SEVERITIES[number];

/**
 * What the server writes of a request's inputs: `features` (default) only the columns of the training profile,
 * `raw` every field as sent, `hash` one SHA-256 per record (no values: no input drift), `drop` nothing.
 */
export const LOG_INPUT_MODES = ['features', 'raw', 'hash', 'drop'] as const;
export type LogInputMode = typeof LOG_INPUT_MODES[number];

// ---------------------------------------------------------------------------------------------------------------
// The prediction log (written by python/mlops_serve.py; the TypeScript side only reads it, and appends feedback).

export const MONITOR_FORMAT_VERSION = 1;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };
export type InputRecord = Record<string, JsonValue>;

/** One request to `/predict`. A batch is one line with `rows` records. */
export interface PredictionLine {
  kind: 'prediction';
  /** The request id, returned to the client in the response and the `X-Request-Id` header; feedback joins on it. */
  id: string;
  /** ISO 8601 UTC with milliseconds, when the request arrived. */
  time: string;
  model: string;
  version: number;
  /** HTTP status returned: 200, or 400 / 413 / 500 … for failures (which count in the error rate). */
  status: number;
  /** Server time from the parsed request to the serialised answer, ms (the model's own predict included). */
  latencyMs: number;
  /** Records in the batch (0 when the body could not be read). */
  rows: number;
  /** `features`/`raw` modes: the records (columns as sent; `features` keeps only training columns). */
  inputs?: InputRecord[];
  /** `hash` mode: SHA-256 (hex) of each record's canonical JSON (sorted keys). */
  inputHashes?: string[];
  /** Which mode wrote this line. */
  inputsMode: LogInputMode;
  /** One prediction per record (numbers, strings or booleans as the model returned them). */
  outputs?: JsonValue[];
  /** Why the request failed, as answered to the client. */
  error?: string;
}

/** Ground truth for an earlier prediction, joined by request id (`POST /feedback`, `mlops monitor label`). */
export interface FeedbackLine {
  kind: 'feedback';
  /** The request id of the prediction. */
  id: string;
  /** When the label arrived. */
  time: string;
  /** Copied from the prediction so a summary never has to look the prediction up again. */
  predictionTime: string;
  version: number;
  outputs: JsonValue[];
  /** One label per record of the prediction (null where no label is known). */
  labels: JsonValue[];
}

export type LogLine = PredictionLine | FeedbackLine;

/** A line that could not be read: where, and why (a torn last line, bad JSON, a line of another shape). */
export interface LogProblem {
  file: string;
  line: number;
  reason: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Windows.

/** `1h`, `30m`, `1d` (fixed time windows aligned to UTC) or a number (that many requests per window). */
export type WindowSpec = { kind: 'time'; ms: number; text: string } | { kind: 'count'; requests: number; text: string };

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** Parses `90s`, `30m`, `1h`, `1d`, `2w` into milliseconds, or undefined. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/.exec(text);
  if (!m) { return undefined; }
  const ms = Number(m[1]) * UNIT_MS[m[2]];
  return ms > 0 && Number.isFinite(ms) ? ms : undefined;
}

/** Parses a window size: a duration (`1h`, `1d`) or a whole number of requests (`500`). */
export function parseWindow(text: string): WindowSpec | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return Number.isSafeInteger(n) && n >= 1 ? { kind: 'count', requests: n, text: t } : undefined;
  }
  const ms = parseDuration(t);
  return ms !== undefined && ms >= 60_000 ? { kind: 'time', ms, text: t } : undefined;
}

export const DEFAULT_WINDOW = '1h';

/** Drift of one window against its reference, as the summary keeps it (the full report is not stored). */
export interface WindowDrift {
  /** What it was compared with, e.g. `churn-data@3f2a…` (training data) or `first window`. */
  reference: string;
  columns: number;
  drifted: number;
  share: number;
  /** Dataset drift at share ≥ driftShare (the data issue's rule). */
  drift: boolean;
  class: 'none' | 'minor' | 'major';
  /** Per column: test, score (p-value or distance), drifted, class. Sorted drifted first, then by name. */
  byColumn: { column: string; test: string; score: number; threshold: number; drifted: boolean; class: 'none' | 'minor' | 'major' }[];
  /** Columns not tested and why (missing from the reference, too few values). */
  skipped?: { column: string; reason: string }[];
}

/** Performance once labels exist: classification counts or regression errors, whichever the labels are. */
export interface WindowPerformance {
  labelled: number;
  task: 'classification' | 'regression';
  accuracy?: number;
  /** Binary (positive = the label `1`, `true` or `yes`, else the larger class by sort order) or macro-averaged. */
  precision?: number;
  recall?: number;
  f1?: number;
  mae?: number;
  rmse?: number;
  /** Additive state so late labels update a closed window: confusion counts (actual → predicted → n) or error sums. */
  state: {
    confusion?: Record<string, Record<string, number>>; absErr?: number; sqErr?: number; n: number;
    /** The label and output counted per `<row>:<request id>`: a later label for the same record replaces it (a
     *  correction) instead of adding to it, and the same label again changes nothing. */
    labels?: Record<string, [JsonValue, JsonValue]>;
  };
}

export interface WindowSummary {
  kind: 'window';
  /** Inclusive start and exclusive end (ISO); for count windows the times of the first and last request. */
  start: string;
  end: string;
  /** True once no more requests can fall in it (a later request exists, or its end has passed). */
  closed: boolean;
  /** Model versions that answered in the window. */
  versions: number[];
  requests: number;
  rows: number;
  errors: number;
  errorRate: number;
  latencyMs: { p50: number; p95: number; max: number } | null;
  inputDrift: WindowDrift | null;
  /** Why input drift is absent: inputs not logged (hash/drop), no training profile, no rows. */
  inputDriftNote?: string;
  predictionDrift: (WindowDrift & { score: number }) | null;
  predictionDriftNote?: string;
  performance: WindowPerformance | null;
  /** Age in hours of the newest version of the model's datasets at the window's end. */
  dataAgeHours: number | null;
  /** Why `dataAgeHours` is null: no data version at all, or none yet at the window's end (the newest named). */
  dataAgeNote?: string;
  /** The monitored quantities of this window, as alert rules and the chart read them (absent = unknown). */
  values: Partial<Record<MonitorQuantity, number>>;
}

/** First line of `windows.jsonl`: what the summary was built from, so a reader knows whether it is current. */
export interface WindowsHeader {
  kind: 'header';
  formatVersion: number;
  model: string;
  window: string;
  /** The training data version used for input drift, or null. */
  reference: { dataset: string; versionId: string } | null;
  /** Per log file, bytes already summarised into closed windows (the open window is rebuilt from there). */
  offsets: Record<string, number>;
  /** Log problems found so far (torn lines and the like), at most 50. */
  problems: LogProblem[];
  updatedAt: string;
  /** Per log file, bytes read so far (≥ `offsets`): lines between the two that belong to a cached window are not applied again. */
  applied?: Record<string, number>;
  /** Per log file, the number of lines before `offsets` (so problems found later keep their line numbers). */
  lines?: Record<string, number>;
  /** What else the summaries depend on (drift options, label column): a change rebuilds them. */
  settings?: string;
  /** Start of the window whose predictions are in `reference-outputs.profile.json`, once it is written. */
  outputsReference?: string;
  /** The newest request's time seen so far. */
  lastRequest?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Alerts.

/** A rule of `goals.json` `monitoring.alerts`, validated, with where it is written (for Problems). */
export interface AlertRule {
  /** Index in monitoring.alerts; the rule's identity in the view and in "fired once" bookkeeping. */
  index: number;
  name?: string;
  quantity: MonitorQuantity;
  comparator: Comparator;
  threshold: number;
  /** Fires when this many windows in a row (the latest included) meet the condition. Default 1. */
  windows: number;
  severity: AlertSeverity;
  description?: string;
  /** The rule's object in goals.json (UTF-16 offsets), for a Problems entry on its line. */
  offset: number;
  length: number;
}

/** Where a rule stands over the windows of one model. */
export interface AlertStatus {
  rule: AlertRule;
  model: string;
  firing: boolean;
  /** The windows in a row (latest first) that met the condition, and the latest value. */
  streak: number;
  value: number | undefined;
  /** Start of the latest window evaluated. */
  windowStart?: string;
  /** Start of the first window of the streak (a firing episode is this, the model and the rule). */
  since?: string;
  /** One sentence: "errorRate 0.12 > 0.05 for 3 windows in a row (since 10:00)", or why it cannot be evaluated. */
  message: string;
}

/** The `monitoring` section of goals.json with defaults filled in. */
export interface MonitoringSettings {
  window: string;
  /** Hours; undefined = no freshness limit. */
  maxDataAgeHours?: number;
  /** The ground-truth column of the training data: not a model input, what feedback labels are compared with. */
  label?: string;
  /** The dataset (among the producing run's data versions) whose version is the input drift reference. */
  reference?: string;
  logInputs: LogInputMode;
  alerts: AlertRule[];
}

export function defaultMonitoringSettings(): MonitoringSettings {
  return { window: DEFAULT_WINDOW, logInputs: 'features', alerts: [] };
}

/** Whether a value meets a rule's condition. NaN and undefined never do. */
export function meets(value: number | undefined, comparator: Comparator, threshold: number): boolean {
  if (value === undefined || Number.isNaN(value)) { return false; }
  switch (comparator) {
    case 'lt': return value < threshold;
    case 'lte': return value <= threshold;
    case 'gt': return value > threshold;
    case 'gte': return value >= threshold;
    case 'eq': return value === threshold;
  }
}

/**
 * Everything the Monitoring view, the chart and `mlops monitor` show of one model: built by
 * `monitorReport(store, model, opts)` (monitor/report.ts), which brings `windows.jsonl` up to date first.
 */
export interface MonitorReport {
  model: string;
  window: WindowSpec;
  /** Oldest first; the last one may be open (`closed: false`). */
  windows: WindowSummary[];
  alerts: AlertStatus[];
  /** The training data version input drift is measured against, or why there is none. */
  reference: { dataset: string; versionId: string } | null;
  referenceNote?: string;
  /** Lines to draw on the chart: from constraints (latencyMsP95 ← maxLatencyMsP95), goals (accuracy ← a metric goal's
   *  threshold), monitoring.maxDataAge (dataAgeHours) and alert rules (their threshold, named by the rule). */
  thresholds: { quantity: MonitorQuantity; value: number; source: string }[];
  /** Model versions seen in the log, newest first. */
  versions: number[];
  /** The newest request's time, or undefined when nothing was logged. */
  lastRequest?: string;
  /** Age in hours of the newest version of the model's datasets now (the report's time), when there is one. */
  dataAgeHoursNow?: number;
  /** Torn or unreadable log lines, and other things a reader should know (at most 50). */
  problems: LogProblem[];
  /** True when read from `windows.jsonl` alone (`cachedMonitorReport`): closed windows only, the log not read. */
  fromCache?: boolean;
}
