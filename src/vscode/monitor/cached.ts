/**
 * The quick read behind "the view opens in ≤ 200 ms": the summaries already in `windows.jsonl`, shown while the full
 * report (which first brings the cache up to date from the logs) is built behind them. Never writes; anything
 * unexpected (no file, another window size, a line of another shape) means "no quick read", never an error.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Goals } from '../../core';
import { parseWindow, type MonitorReport, type WindowSummary, type WindowsHeader } from '../../core/monitor/types';
import { evaluateAlerts, thresholdsOf, WINDOWS_FILE } from './coreApi';

export function monitoringDir(storeDir: string, model: string): string {
  return path.join(storeDir, 'monitoring', model);
}

/** A provisional report from `windows.jsonl`, or undefined when there is none for the goals' window. */
export async function readCachedReport(storeDir: string, model: string, goals: Goals | undefined): Promise<MonitorReport | undefined> {
  const windowText = goals?.monitoring.window ?? '1h';
  const spec = parseWindow(windowText);
  if (!spec) { return undefined; }
  let text: string;
  try {
    text = await fsp.readFile(path.join(monitoringDir(storeDir, model), WINDOWS_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  let header: WindowsHeader | undefined;
  const windows: WindowSummary[] = [];
  for (const line of lines) {
    if (!line.trim()) { continue; }
    let v: unknown;
    try { v = JSON.parse(line); } catch { continue; }
    if (!v || typeof v !== 'object') { continue; }
    const o = v as { kind?: unknown };
    if (o.kind === 'header' && !header) { header = v as WindowsHeader; continue; }
    if (o.kind === 'window' && isWindow(v)) { windows.push(v); }
  }
  if (!header || header.model !== model || header.window !== spec.text) { return undefined; }
  const rules = goals?.monitoring.alerts ?? [];
  const versions = [...new Set(windows.flatMap((w) => w.versions))].sort((a, b) => b - a);
  return {
    model, window: spec, windows, alerts: evaluateAlerts(windows, rules, model), reference: header.reference,
    thresholds: goals ? thresholdsOf(goals) : [],
    versions, ...(header.lastRequest ? { lastRequest: header.lastRequest } : {}), problems: header.problems ?? [],
  };
}

function isWindow(v: unknown): v is WindowSummary {
  const w = v as Partial<WindowSummary>;
  return typeof w.start === 'string' && typeof w.end === 'string' && typeof w.requests === 'number' && !!w.values && typeof w.values === 'object' && Array.isArray(w.versions);
}
