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
  return { model, window: parseWindow(settings.window)!, windows: [], alerts: evaluateAlerts([], settings.alerts, model), reference: null, thresholds: [], versions: [], problems: [] };
}
