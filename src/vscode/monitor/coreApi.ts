/**
 * The monitor core as the editor uses it: the one place that names `src/core/monitor`'s functions, so the view,
 * the chart and the alerts depend on these three signatures only.
 *
 * TEMPORARY stand-in until the monitor core lands on main ("Monitor ready:"): it reads `windows.jsonl` as it is and
 * evaluates rules the way the contract describes. Replaced by a re-export of the real functions at the merge.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Goals, Store } from '../../core';
import { defaultMonitoringSettings, meets, parseWindow, COMPARATOR_SYMBOLS, type AlertRule, type AlertStatus, type MonitorReport, type WindowSummary } from '../../core/monitor/types';
import { readCachedReport } from './cached';

export function evaluateAlerts(windows: WindowSummary[], rules: AlertRule[], model: string): AlertStatus[] {
  return rules.map((rule) => {
    let streak = 0;
    for (let i = windows.length - 1; i >= 0 && meets(windows[i].values[rule.quantity], rule.comparator, rule.threshold); i--) { streak++; }
    const last = windows[windows.length - 1];
    const value = last?.values[rule.quantity];
    const firing = streak >= rule.windows;
    return { rule, model, firing, streak, value, ...(last ? { windowStart: last.start } : {}),
      message: value === undefined ? `${rule.quantity} unknown` : `${rule.quantity} ${value} ${COMPARATOR_SYMBOLS[rule.comparator]} ${rule.threshold}${streak > 1 ? ` for ${streak} windows in a row` : ''}` };
  });
}

export async function monitoredModels(store: Store): Promise<{ model: string; productionVersion?: number; hasLog: boolean }[]> {
  const out = new Map<string, { model: string; productionVersion?: number; hasLog: boolean }>();
  try {
    for (const d of await fsp.readdir(path.join(store.dir, 'monitoring'), { withFileTypes: true })) {
      if (d.isDirectory()) { out.set(d.name, { model: d.name, hasLog: true }); }
    }
  } catch { /* no monitoring folder yet */ }
  for (const v of (await store.listModelVersions()).items) {
    if (v.stage !== 'production') { continue; }
    const e = out.get(v.model) ?? { model: v.model, hasLog: false };
    e.productionVersion = Math.max(e.productionVersion ?? 0, v.version);
    out.set(v.model, e);
  }
  return [...out.values()].sort((a, b) => a.model.localeCompare(b.model));
}

export async function monitorReport(store: Store, model: string, opts: { window?: string; goals?: Goals; now?: Date; signal?: AbortSignal; cache?: boolean }): Promise<MonitorReport> {
  const cached = await readCachedReport(store.dir, model, opts.goals);
  if (cached) { return cached; }
  const settings = opts.goals?.monitoring ?? defaultMonitoringSettings();
  const spec = parseWindow(settings.window)!;
  const windows = await roughWindows(path.join(store.dir, 'monitoring', model), spec.kind === 'time' ? spec.ms : 3_600_000);
  const thresholds = [
    ...(opts.goals?.constraints.maxLatencyMsP95 !== undefined ? [{ quantity: 'latencyMsP95' as const, value: opts.goals.constraints.maxLatencyMsP95, source: 'maxLatencyMsP95 ≤' }] : []),
    ...settings.alerts.map((r) => ({ quantity: r.quantity, value: r.threshold, source: `alert ${r.name ?? r.quantity}` })),
  ];
  return { model, window: spec, windows, alerts: evaluateAlerts(windows, settings.alerts, model), reference: null, thresholds, versions: [1], problems: [],
    ...(windows.length ? { lastRequest: windows[windows.length - 1].end } : {}) };
}

/** Volume, errors and latency per time window, straight from the logs (the stand-in's whole summariser). */
async function roughWindows(dir: string, ms: number): Promise<WindowSummary[]> {
  const by = new Map<number, { lat: number[]; n: number; errors: number; rows: number }>();
  let files: string[];
  try { files = (await fsp.readdir(dir)).filter((f) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(f)); } catch { return []; }
  for (const f of files) {
    for (const line of (await fsp.readFile(path.join(dir, f), 'utf8')).split('\n')) {
      let l: { kind?: string; time?: string; status?: number; latencyMs?: number; rows?: number };
      try { l = JSON.parse(line) as typeof l; } catch { continue; }
      if (l.kind !== 'prediction' || !l.time) { continue; }
      const start = Math.floor(Date.parse(l.time) / ms) * ms;
      const w = by.get(start) ?? { lat: [], n: 0, errors: 0, rows: 0 };
      w.n++; w.rows += l.rows ?? 0;
      if (l.status !== 200) { w.errors++; } else { w.lat.push(l.latencyMs ?? 0); }
      by.set(start, w);
    }
  }
  const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  return [...by.entries()].sort((a, b) => a[0] - b[0]).map(([start, w]) => {
    const lat = w.lat.sort((a, b) => a - b);
    const latencyMs = lat.length ? { p50: q(lat, 0.5), p95: q(lat, 0.95), max: lat[lat.length - 1] } : null;
    return { kind: 'window', start: new Date(start).toISOString(), end: new Date(start + ms).toISOString(), closed: start + ms <= Date.now(), versions: [1],
      requests: w.n, rows: w.rows, errors: w.errors, errorRate: w.errors / w.n, latencyMs, inputDrift: null, inputDriftNote: 'stand-in', predictionDrift: null,
      performance: null, dataAgeHours: null,
      values: { requests: w.n, errorRate: w.errors / w.n, ...(latencyMs ? { latencyMsP50: latencyMs.p50, latencyMsP95: latencyMs.p95 } : {}) } };
  });
}
