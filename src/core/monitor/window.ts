/**
 * One window being summarised: counts, latencies, the profile of its inputs and outputs, and labelled performance.
 * Only open windows hold accumulators; `finish` turns one into the `WindowSummary` that windows.jsonl keeps.
 */
import { quantileSorted } from '../data/profile/column';
import { WindowColumn } from './column';
import type { FileProfile } from '../data/profile/schema';
import { driftBetween } from '../data/drift/drift';
import type { DriftOptions, DriftReport } from '../data/drift/types';
import { addLabels, clonePerformance, emptyPerformance, mergePerformance, performanceOf, reportClasses, type PerformanceState } from './performance';
import type { FeedbackLine, LogInputMode, MonitorQuantity, PredictionLine, WindowDrift, WindowSummary } from './types';

/** The name of the prediction column in the outputs profile. */
export const OUTPUT_COLUMN = 'prediction';

/** What every window of one model is compared with. */
export interface SummaryContext {
  /** The training profile (features only) and its label for messages, or null with `trainingNote` saying why. */
  training: { profile: FileProfile; label: string; features: Set<string> } | null;
  trainingNote?: string;
  driftOptions: DriftOptions;
  /** The first window's outputs profile; undefined until the first window is finished. */
  referenceOutputs?: FileProfile;
  /** Hours between the newest data version (created by `atMs`) of the model's datasets and `atMs`, or null. */
  dataAgeHours: (atMs: number) => number | null;
  /** Why `dataAgeHours(atMs)` is null. */
  dataAgeNote?: (atMs: number) => string | undefined;
}

/** Latency arrays of finished windows, reused (they grow to the size of a window's requests). */
const latPool: Float64Array[] = [];

export class OpenWindow {
  firstMs = Infinity;
  lastMs = -Infinity;
  requests = 0;
  rows = 0;
  errors = 0;
  private lat = latPool.pop() ?? new Float64Array(1024);
  private latN = 0;
  readonly versions = new Set<number>();
  private readonly inputs = new Map<string, WindowColumn>();
  private inputRecords = 0;
  private readonly modes = new Set<LogInputMode>();
  private readonly outputs = new WindowColumn(OUTPUT_COLUMN, 0);
  private outputRecords = 0;
  perf: PerformanceState = emptyPerformance();

  constructor(
    /** Time windows: the window's index (start / size); count windows: its ordinal. */
    readonly key: number,
    /** Time windows: fixed bounds; count windows: undefined (the first and last request's times). */
    readonly bounds: { startMs: number; endMs: number } | undefined,
    private readonly ctx: SummaryContext,
  ) {}

  addPrediction(p: PredictionLine, timeMs: number): void {
    if (timeMs < this.firstMs) { this.firstMs = timeMs; }
    if (timeMs > this.lastMs) { this.lastMs = timeMs; }
    this.requests++;
    this.rows += p.rows;
    if (p.status >= 400) { this.errors++; }
    this.versions.add(p.version);
    if (this.latN === this.lat.length) { const next = new Float64Array(Math.max(1024, this.lat.length * 2)); next.set(this.lat); this.lat = next; }
    this.lat[this.latN++] = p.latencyMs;
    this.modes.add(p.inputsMode);
    const features = this.ctx.training?.features;
    // A request refused as invalid (4xx) did not reach the model: its records are not what the model saw.
    const refused = p.status >= 400 && p.status < 500;
    if (features && p.inputs && !refused && (p.inputsMode === 'features' || p.inputsMode === 'raw')) {
      for (const rec of p.inputs) {
        this.inputRecords++;
        for (const k in rec) {
          if (!features.has(k)) { continue; }
          let acc = this.inputs.get(k);
          if (!acc) { acc = new WindowColumn(k, this.inputs.size); this.inputs.set(k, acc); }
          acc.add(rec[k]);
        }
      }
    }
    if (p.outputs && p.status < 400) {
      for (const o of p.outputs) { this.outputRecords++; this.outputs.add(o); }
    }
  }

  addFeedback(f: FeedbackLine): void {
    addLabels(this.perf, f.labels, f.outputs, f.id);
  }

  mergePerformance(s: PerformanceState): void { mergePerformance(this.perf, s); }

  /** Gives the window's buffers back for reuse, once it is finished for good. */
  release(): void {
    for (const c of this.inputs.values()) { c.release(); }
    this.outputs.release();
    if (latPool.length < 8 && this.lat.length > 0) { latPool.push(this.lat); }
    this.lat = new Float64Array(0);
  }

  /** The summary; `outputs` is this window's predictions profile (the reference when it is the first window). */
  finish(closed: boolean, nowMs: number): { summary: WindowSummary; outputs?: FileProfile } {
    const startMs = this.bounds?.startMs ?? this.firstMs;
    const endMs = this.bounds?.endMs ?? this.lastMs;
    const lat = this.lat.subarray(0, this.latN).sort();
    const latencyMs = this.latN > 0 ? { p50: quantileSorted(lat, 0.5), p95: quantileSorted(lat, 0.95), max: lat[this.latN - 1] } : null;
    const startIso = new Date(startMs).toISOString();
    const label = `window ${startIso}`;

    let inputDrift: WindowDrift | null = null;
    let inputDriftNote: string | undefined;
    const training = this.ctx.training;
    if (!training) { inputDriftNote = this.ctx.trainingNote ?? 'no training profile to compare with'; } else if (this.inputRecords === 0) {
      const logged = [...this.modes].filter((m) => m === 'hash' || m === 'drop');
      inputDriftNote = logged.length > 0 && logged.length === this.modes.size ? `inputs are not logged (logInputs: ${logged.join(', ')})` : 'no input records in this window';
    } else {
      const current: FileProfile = { path: label, rows: this.inputRecords, columns: [...this.inputs.values()].map((c) => c.finish(this.inputRecords)) };
      inputDrift = windowDrift(driftBetween(training.profile, current, this.ctx.driftOptions, { reference: training.label, current: label }), training.label);
    }

    let outputs: FileProfile | undefined;
    let predictionDrift: WindowSummary['predictionDrift'] = null;
    let predictionDriftNote: string | undefined;
    if (this.outputRecords > 0) {
      outputs = { path: label, rows: this.outputRecords, columns: [this.outputs.finish(this.outputRecords)] };
      const ref = this.ctx.referenceOutputs;
      if (!ref) { predictionDriftNote = 'this is the first window: later windows\' predictions are compared with it'; } else {
        const d = windowDrift(driftBetween(ref, outputs, this.ctx.driftOptions, { reference: 'first window', current: label }), `first window (${ref.path.replace(/^window /, '')})`);
        const col = d.byColumn.find((c) => c.column === OUTPUT_COLUMN);
        if (col) { predictionDrift = { ...d, score: col.score }; } else { predictionDriftNote = d.skipped?.[0]?.reason ?? 'the predictions could not be compared'; }
      }
    } else { predictionDriftNote = 'no successful predictions in this window'; }

    const performance = performanceOf(clonePerformance(this.perf));
    const ageAt = Math.min(this.bounds?.endMs ?? this.lastMs, nowMs);
    const dataAgeHours = this.ctx.dataAgeHours(ageAt);
    const dataAgeNote = dataAgeHours === null ? this.ctx.dataAgeNote?.(ageAt) : undefined;
    const summary: WindowSummary = {
      kind: 'window',
      start: startIso,
      end: new Date(endMs).toISOString(),
      closed,
      versions: [...this.versions].sort((a, b) => a - b),
      requests: this.requests,
      rows: this.rows,
      errors: this.errors,
      errorRate: this.requests > 0 ? this.errors / this.requests : 0,
      latencyMs,
      inputDrift,
      ...(inputDriftNote ? { inputDriftNote } : {}),
      predictionDrift,
      ...(predictionDriftNote ? { predictionDriftNote } : {}),
      performance,
      dataAgeHours,
      ...(dataAgeNote ? { dataAgeNote } : {}),
      values: {},
    };
    summary.values = valuesOf(summary);
    return { summary, outputs };
  }
}

/** The drift report as a summary keeps it. */
export function windowDrift(r: DriftReport, reference: string): WindowDrift {
  const byColumn = r.columns.map((c) => ({ column: c.column, test: c.test, score: c.score, threshold: c.threshold, drifted: c.drifted, class: c.class }))
    .sort((a, b) => Number(b.drifted) - Number(a.drifted) || (a.column < b.column ? -1 : a.column > b.column ? 1 : 0));
  const skipped = [...r.skipped, ...r.onlyInCurrent.map((column) => ({ column, reason: 'not in the reference' }))];
  return {
    reference, columns: r.dataset.columns, drifted: r.dataset.drifted, share: r.dataset.share, drift: r.dataset.drift, class: r.dataset.class,
    byColumn, ...(skipped.length ? { skipped } : {}),
  };
}

/** Every known quantity of a summary (absent = unknown). */
export function valuesOf(w: WindowSummary): Partial<Record<MonitorQuantity, number>> {
  const v: Partial<Record<MonitorQuantity, number>> = { requests: w.requests };
  if (w.requests > 0) { v.errorRate = w.errorRate; }
  if (w.latencyMs) { v.latencyMsP50 = w.latencyMs.p50; v.latencyMsP95 = w.latencyMs.p95; }
  if (w.inputDrift && w.inputDrift.columns > 0) { v.inputDriftShare = w.inputDrift.share; }
  if (w.predictionDrift) { v.predictionDriftScore = w.predictionDrift.score; }
  const p = w.performance;
  if (p) {
    for (const k of ['accuracy', 'precision', 'recall', 'f1', 'mae', 'rmse'] as const) { if (p[k] !== undefined && Number.isFinite(p[k])) { v[k] = p[k]; } }
  }
  if (w.dataAgeHours !== null) { v.dataAgeHours = w.dataAgeHours; }
  return v;
}

/**
 * Windows with precision, recall and F1 recomputed from their confusion counts over one class set and positive
 * class for all of them (the report's), so the quantities mean the same in every window.
 */
export function withReportClasses(windows: readonly WindowSummary[]): WindowSummary[] {
  const cs = reportClasses(windows.map((w) => w.performance?.state));
  if (!cs) { return [...windows]; }
  return windows.map((w) => {
    if (w.performance?.task !== 'classification') { return w; }
    const next: WindowSummary = { ...w, performance: performanceOf(w.performance.state, cs) };
    next.values = valuesOf(next);
    return next;
  });
}

/** A closed window after late labels: its performance and values recomputed from the merged state. */
export function withLabels(w: WindowSummary, state: PerformanceState): WindowSummary {
  const merged = w.performance ? clonePerformance(w.performance.state) : emptyPerformance();
  mergePerformance(merged, state);
  const next: WindowSummary = { ...w, performance: performanceOf(merged) };
  next.values = valuesOf(next);
  return next;
}
