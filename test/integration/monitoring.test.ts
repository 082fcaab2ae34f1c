// The Monitoring view, the chart panel and the alerts in the real extension host: prediction log lines written into
// the workspace's .mlops/monitoring/<model>/ (as the model server writes them) become windows in the view; an alert
// rule of goals.json that fires shows in the status bar, once as a notification and in Problems on the rule's line,
// and goes when the rule is fixed.
import * as assert from 'assert';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { MlopsApi } from '../../src/extension';
import type { PredictionLine } from '../../src/core/monitor/types';
import type { MonitorNode } from '../../src/vscode/monitor/model';
import { activate, stub, ui, until, workspaceRoot } from './helpers';

const MODEL = 'churn-monitored';
const H = 3_600_000;
const DESCRIPTION = 'Failed scores mean the retention team calls nobody.';

/** One request as python/mlops_serve.py logs it. */
function prediction(time: number, status: number, latencyMs: number, x: number): PredictionLine {
  return { kind: 'prediction', id: randomBytes(16).toString('hex'), time: new Date(time).toISOString(), model: MODEL, version: 1, status, latencyMs, rows: 1,
    inputs: [{ tenure: x, plan: x % 2 ? 'basic' : 'pro' }], inputsMode: 'features', ...(status === 200 ? { outputs: [x % 2] } : { error: 'the model raised' }) };
}

function goalsText(threshold: number): string {
  return `{
  "formatVersion": 1,
  "constraints": { "maxLatencyMsP95": 250 },
  "monitoring": {
    "window": "1h",
    "alerts": [
      { "name": "request volume", "quantity": "requests", "comparator": "lt", "threshold": 0 },
      { "name": "errors", "quantity": "errorRate", "comparator": "gt", "threshold": ${threshold}, "severity": "alert",
        "description": "${DESCRIPTION}" }
    ]
  }
}
`;
}

describe('Monitoring view, chart and alerts (real extension host)', function () {
  this.timeout(120_000);
  let api: MlopsApi;
  let root: string;
  let dir: string;
  let goalsFile: string;
  const shown: { severity: 'error' | 'warning'; message: string }[] = [];
  const restores: (() => void)[] = [];

  /** Appends lines to the day files they belong to, as the server does (one write per line). */
  function append(lines: PredictionLine[]): void {
    fs.mkdirSync(dir, { recursive: true });
    for (const l of lines) { fs.appendFileSync(path.join(dir, `${l.time.slice(0, 10)}.jsonl`), `${JSON.stringify(l)}\n`); }
  }
  const entry = () => api.monitoring.service.get(root, MODEL);
  const kids = (n?: MonitorNode) => api.monitoring.tree.getChildren(n);
  const diagnostics = () => vscode.languages.getDiagnostics(vscode.Uri.file(goalsFile)).filter((d) => d.code === 'monitoring-alert');

  before(async () => {
    api = await activate();
    await api.stores.ready();
    root = workspaceRoot();
    dir = path.join(root, '.mlops', 'monitoring', MODEL);
    goalsFile = path.join(root, '.mlops', 'goals.json');
    fs.rmSync(dir, { recursive: true, force: true });
    restores.push(
      stub(vscode.window, 'showErrorMessage', ((m: string) => { shown.push({ severity: 'error', message: m }); return Promise.resolve(undefined); })),
      stub(vscode.window, 'showWarningMessage', ((m: string) => { shown.push({ severity: 'warning', message: m }); return Promise.resolve(undefined); })),
    );
  });

  after(async () => {
    for (const r of restores) { r(); }
    if (!api) { return; }
    for (const p of api.monitoring.chartPanels()) { p.dispose(); }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(goalsFile, { force: true });
    await vscode.commands.executeCommand('mlops.refreshMonitoring');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('prediction log lines become windows in the view: volume, error rate, latency against maxLatencyMsP95', async () => {
    fs.writeFileSync(goalsFile, goalsText(0.9));
    // Three hours of traffic, the last two with failures; the latest window is the current hour.
    const hour = Math.floor(Date.now() / H) * H;
    const lines: PredictionLine[] = [];
    for (let i = 0; i < 20; i++) { lines.push(prediction(hour - 2 * H + i * 60_000, 200, 20 + i, i)); }
    for (let i = 0; i < 20; i++) { lines.push(prediction(hour - H + i * 60_000, i % 2 ? 500 : 200, 30 + i, i)); }
    const now = Date.now();
    for (let i = 0; i < 10; i++) { lines.push(prediction(Math.max(hour, now - 60_000) + i * 100, i % 2 ? 500 : 200, 300, i)); }
    append(lines);

    const model = await until(async () => (await kids()).find((n) => n.kind === 'model' && n.label === MODEL), 30_000, 'the model in the Monitoring view');
    assert.equal(model.contextValue, 'mlops.monitor.model');
    const windows = await until(async () => {
      const list = (await kids(model)).filter((n) => n.kind === 'window');
      return list.length >= 3 && list;
    }, 30_000, 'three windows');
    // Newest first: the current hour's 10 requests, half of them failed.
    assert.match(windows[0].description ?? '', /^10 req · 50% err · p95 300 ms/);
    assert.match(windows[1].description ?? '', /^20 req · 50% err/);
    assert.match(windows.find((w) => /^20 req · 0% err/.test(w.description ?? '')) ? 'ok' : '', /ok/, 'the oldest window had no failure');
    const quantities = await kids(windows[0]);
    assert.deepEqual(quantities.map((q) => q.label), ['Volume', 'Error rate', 'Latency', 'Input drift', 'Prediction drift', 'Performance', 'Data freshness']);
    // goals.json (written first) may reach the store after the log: its latency limit then arrives with it.
    const latency = await until(async () => (await kids(windows[0])).find((q) => q.label === 'Latency' && /p95 300 ms > 250 ms/.test(q.description ?? '')), 10_000, 'the latency limit');
    assert.match(api.monitoring.tree.getTreeItem(latency).tooltip instanceof vscode.MarkdownString ? (api.monitoring.tree.getTreeItem(latency).tooltip as vscode.MarkdownString).value : '', /maxLatencyMsP95: 250 ms — exceeded/);
    assert.equal(quantities.find((q) => q.label === 'Error rate')?.description, '50% (5 of 10)');
    // Nothing fires yet (errors > 0.9): no status bar item, no Problems entry, no notification.
    assert.equal(api.monitoring.alerts.firing().length, 0);
    assert.deepEqual(diagnostics(), []);
    assert.deepEqual(shown, []);
  });

  it('a firing rule: status bar count, exactly one notification with the rule\'s description, a Problems entry on its line', async () => {
    const text = goalsText(0.2);
    fs.writeFileSync(goalsFile, text);
    await until(() => api.monitoring.alerts.firing().length === 1, 30_000, 'the errors rule firing');
    assert.equal(api.monitoring.alerts.item.text, '$(bell) 1');
    assert.deepEqual(api.monitoring.alerts.item.backgroundColor, new vscode.ThemeColor('statusBarItem.errorBackground'));
    // In the rendered workbench: the bell item with its count (the status bar redraws a moment later).
    if (process.env.EXT_TEST_UI_BRIDGE) {
      await until(async () => (await ui<string[]>('/texts', { selector: '.statusbar-item[aria-label*="monitoring alert"]', frame: 'main' }))?.some((t) => /\b1\b/.test(t ?? '')), 10_000, 'the bell in the status bar');
    }

    const diags = await until(() => diagnostics().length === 1 && diagnostics(), 10_000, 'a Problems entry');
    const ruleLine = text.split('\n').findIndex((l) => l.includes('"name": "errors"'));
    assert.equal(diags[0].range.start.line, ruleLine);
    assert.equal(diags[0].severity, vscode.DiagnosticSeverity.Error);
    assert.match(diags[0].message, new RegExp(`Monitoring alert firing for ${MODEL}: errors: .*${DESCRIPTION}`));

    await until(() => shown.length >= 1, 10_000, 'the notification');
    // Refreshes and more traffic in the same episode do not notify again.
    await vscode.commands.executeCommand('mlops.refreshMonitoring');
    append([prediction(Date.now(), 500, 40, 1)]);
    await until(async () => { await api.monitoring.service.settled(); return (entry()?.report?.windows.at(-1)?.requests ?? 0) >= 11; }, 30_000, 'the new request read');
    await api.monitoring.service.settled();
    assert.equal(shown.length, 1, shown.map((s) => s.message).join('\n'));
    assert.equal(shown[0].severity, 'error');
    assert.match(shown[0].message, new RegExp(`${MODEL}: errors — .*${DESCRIPTION}`));

    // The model and the rule show it in the view.
    const model = (await kids()).find((n) => n.label === MODEL)!;
    assert.equal(model.icon.id, 'bell-dot');
    const alerts = (await kids(model)).find((n) => n.kind === 'alerts')!;
    assert.equal(alerts.description, '1 of 2 firing');
    assert.deepEqual((await kids(alerts)).map((r) => [r.label, r.icon.id]), [['errors', 'error'], ['request volume', 'pass']]);
  });

  it('the chart panel: one chart per quantity with thresholds, live update; restored by the serializer', async () => {
    await vscode.commands.executeCommand('mlops.openMonitoringChart', { root, model: MODEL });
    const panel = await until(() => api.monitoring.chartPanels().find((p) => p.model === MODEL), 10_000, 'the chart panel');
    const loaded = await until(() => panel.lastPosted?.type === 'load' && panel.lastPosted.payload, 30_000, 'the report posted to the page');
    const errorRate = loaded.series.find((s) => s.quantity === 'errorRate');
    assert.ok(errorRate && errorRate.points.length >= 3);
    assert.deepEqual(errorRate.thresholds.map((t) => t.value), [0.2]);
    assert.ok(errorRate.points.some((p) => p.firing === 'alert'));
    assert.deepEqual(loaded.series.find((s) => s.quantity === 'latencyMsP95')?.thresholds.some((t) => t.value === 250), true, 'maxLatencyMsP95 drawn');
    await until(() => panel.rendered, 30_000, 'the page drew');
    const cards = await ui<number[]>('/eval', { expression: 'document.querySelectorAll("section.card[data-quantity]").length || undefined' });
    if (cards) { assert.ok(cards.some((n) => n >= 4), `charts drawn in the webview: ${cards.join(',')}`); }
    await ui('/screenshot', { name: 'monitoring-chart' });

    // Live: a new request changes the latest window's volume in the posted payload.
    const before = errorRate.points.length;
    const requestsBefore = loaded.series.find((s) => s.quantity === 'requests')!.points.at(-1)!.y;
    append([prediction(Date.now(), 200, 10, 2)]);
    const postedRequests = () => (panel.lastPosted?.type === 'load' ? panel.lastPosted.payload : undefined)?.series.find((s) => s.quantity === 'requests')?.points;
    await until(() => { const req = postedRequests(); return req && (req.length > before || req.at(-1)!.y > requestsBefore); }, 30_000, 'the chart updated').catch((e: unknown) => {
      const seen = api.monitoring.service.watcherEvents;
      return api.monitoring.service.refresh(root, MODEL).then(() => {
        throw new Error(`${String(e)}; report's latest window: ${entry()?.report?.windows.at(-1)?.requests}, posted: ${postedRequests()?.at(-1)?.y}, watcher events ${seen}`);
      });
    });

    // An invalid message from the page is dropped.
    assert.equal(await panel.handle({ type: 'rendered', charts: 'many' }), false);
    // After a reload VS Code hands the serializer a new panel and the state the page saved.
    panel.dispose();
    const restored = vscode.window.createWebviewPanel('mlops.monitoring', 'Monitoring', vscode.ViewColumn.Active, { enableScripts: true });
    await api.monitoring.serializer.deserializeWebviewPanel(restored, { root, model: MODEL });
    const again = await until(() => api.monitoring.chartPanels().find((p) => p.model === MODEL), 10_000, 'the restored panel');
    await until(() => again.lastPosted?.type === 'load', 30_000, 'the restored page loaded');
  });

  it('the Monitoring view in the workbench (screenshot for the lead)', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('mlops.monitoring.focus');
    // The serve command reports the model as serving: its URL in the description, the menus' serving context value.
    api.monitoring.setServing(root, MODEL, 1, 'http://127.0.0.1:8089');
    const model = (await kids()).find((n) => n.label === MODEL)!;
    assert.equal(model.description, 'v1 · serving at http://127.0.0.1:8089 · 1 alert firing');
    assert.equal(model.contextValue, 'mlops.monitor.model.serving');
    await api.monitoring.view.reveal(model, { expand: true, focus: true });
    const windows = (await kids(model)).filter((n) => n.kind === 'window');
    await api.monitoring.view.reveal(windows[0], { expand: true });
    // Room for the view in the screenshot (the sidebar shares its height with four other views).
    for (let i = 0; i < 6; i++) { await vscode.commands.executeCommand('workbench.action.increaseViewSize').then(undefined, () => undefined); }
    const texts = await ui<string[]>('/texts', { selector: '.monaco-list-row', frame: 'main' });
    if (texts) { assert.ok(texts.some((t) => (t ?? '').includes(MODEL)), 'the model row is rendered'); }
    await ui('/screenshot', { name: 'monitoring-view' });
    api.monitoring.syncServing([]);
    const stopped = (await kids()).find((n) => n.label === MODEL)!;
    assert.equal(stopped.contextValue, 'mlops.monitor.model');
    assert.equal(stopped.description, '1 alert firing');
    for (let i = 0; i < 6; i++) { await vscode.commands.executeCommand('workbench.action.decreaseViewSize').then(undefined, () => undefined); }
  });

  it('fixing the rule clears the Problems entry and the status bar; the episode is not notified again', async () => {
    fs.writeFileSync(goalsFile, goalsText(0.9));
    await until(() => diagnostics().length === 0, 30_000, 'the Problems entry gone');
    assert.equal(api.monitoring.alerts.firing().length, 0);
    assert.equal(shown.length, 1);
    // The notified episode is kept in workspaceState (a window reload does not repeat it).
    assert.equal(api.monitoring.alerts.notified.filter((k) => k.includes(MODEL)).length, 1);
  });
});
