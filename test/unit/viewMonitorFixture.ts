// A hand-made MonitorReport (what the monitor core returns) for the Monitoring view's model and the chart's browser
// test: twelve 1-hour windows of a model whose error rate climbs over its alert rule in the last three, latency p95
// crossing maxLatencyMsP95 in one, input drift rising, labels for some windows.
import { parseGoals, type Goals } from '../../src/core';
import type { MonitorQuantity, MonitorReport, WindowSummary } from '../../src/core/monitor/types';
import { evaluateAlerts } from '../../src/vscode/monitor/coreApi';
import type { MonitoredEntry } from '../../src/vscode/monitor/model';

export const FIXTURE_GOALS_TEXT = `{
  "formatVersion": 1,
  "constraints": { "maxLatencyMsP95": 200 },
  "monitoring": {
    "window": "1h",
    "maxDataAge": "30d",
    "alerts": [
      { "name": "errors", "quantity": "errorRate", "comparator": "gt", "threshold": 0.05, "windows": 2, "severity": "alert",
        "description": "Customers see failed scores; the retention team calls the wrong people." },
      { "quantity": "latencyMsP95", "comparator": "gt", "threshold": 150 },
      { "name": "accuracy drop", "quantity": "accuracy", "comparator": "lt", "threshold": 0.8, "severity": "alert" }
    ]
  }
}
`;

export function fixtureGoals(): Goals {
  return parseGoals(FIXTURE_GOALS_TEXT).goals!;
}

const START = Date.parse('2026-11-30T00:00:00.000Z');
const H = 3_600_000;

export function fixtureWindow(i: number, over: Partial<WindowSummary> = {}): WindowSummary {
  const requests = 100 + i * 10;
  const errorRate = i >= 9 ? 0.08 + (i - 9) * 0.02 : 0.01;
  const p95 = i === 6 ? 240 : 40 + i * 3;
  const share = Math.min(1, i / 12);
  const accuracy = i % 3 === 0 ? 0.9 - i * 0.005 : undefined;
  const values: Partial<Record<MonitorQuantity, number>> = {
    requests, errorRate, latencyMsP50: 12 + i, latencyMsP95: p95, inputDriftShare: share, predictionDriftScore: 0.02 * i, dataAgeHours: 48 + i,
    ...(accuracy !== undefined ? { accuracy } : {}),
  };
  return {
    kind: 'window', start: new Date(START + i * H).toISOString(), end: new Date(START + (i + 1) * H).toISOString(), closed: i < 11, versions: [3],
    requests, rows: requests + 5, errors: Math.round(requests * errorRate), errorRate, latencyMs: { p50: 12 + i, p95, max: p95 * 2 },
    inputDrift: { reference: 'churn-data@3f2a91c0', columns: 4, drifted: Math.round(share * 4), share: Math.round(share * 4) / 4, drift: share >= 0.5, class: share >= 0.5 ? 'major' : share > 0 ? 'minor' : 'none',
      byColumn: [{ column: 'tenure', test: 'ks', score: 0.001, threshold: 0.05, drifted: share > 0, class: 'minor' }, { column: 'plan', test: 'chi2', score: 0.4, threshold: 0.05, drifted: false, class: 'none' }] },
    predictionDrift: { reference: 'first window', columns: 1, drifted: 0, share: 0, drift: false, class: 'none', score: 0.02 * i,
      byColumn: [{ column: 'prediction', test: 'psi', score: 0.02 * i, threshold: 0.1, drifted: false, class: 'none' }] },
    performance: accuracy !== undefined ? { labelled: 20, task: 'classification', accuracy, precision: 0.8, recall: 0.75, f1: 0.77, state: { n: 20 } } : null,
    dataAgeHours: 48 + i, values, ...over,
  };
}

export function fixtureReport(model: string, goals: Goals = fixtureGoals(), count = 12): MonitorReport {
  const windows = Array.from({ length: count }, (_, i) => fixtureWindow(i));
  return {
    model, window: { kind: 'time', ms: H, text: '1h' }, windows, alerts: evaluateAlerts(windows, goals.monitoring.alerts, model),
    reference: { dataset: 'churn-data', versionId: '3f2a91c0' },
    thresholds: [
      { quantity: 'latencyMsP95', value: 200, source: 'maxLatencyMsP95 ≤' },
      ...goals.monitoring.alerts.map((r) => ({ quantity: r.quantity, value: r.threshold, source: `alert ${r.name ?? r.quantity}` })),
      { quantity: 'dataAgeHours', value: 720, source: 'maxDataAge' },
    ],
    versions: [3], lastRequest: windows[windows.length - 1]?.end, problems: [{ file: '2026-11-30.jsonl', line: 77, reason: 'torn last line (skipped)' }],
  };
}

export function fixtureEntry(model: string, over: Partial<MonitoredEntry> = {}): MonitoredEntry {
  return { root: '/ws', model, productionVersion: 3, report: fixtureReport(model), limits: { maxLatencyMsP95: 200, maxDataAgeHours: 720 }, ...over };
}
