// The Monitoring view's plain model (src/vscode/monitor/model.ts): tree text and icons, the chart payload, which
// windows an alert fires in, episode identity, offsets to positions. No VS Code: the module never imports it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MonitorPayloadSchema } from '../../src/protocol/monitor';
import { readCachedReport } from '../../src/vscode/monitor/cached';
import {
  alertChildren, chartPayload, firingByWindow, isOwnWrite, modelChildren, modelNode, positionAt, streakStart, windowChildren, windowLabel, WINDOWS_SHOWN,
} from '../../src/vscode/monitor/model';
import { FIXTURE_GOALS_TEXT, fixtureEntry, fixtureGoals, fixtureReport, fixtureWindow } from './viewMonitorFixture';

const HOSTILE = '<img src=x onerror="window.__pwned=1">';

describe('Monitoring view model', () => {
  it('marks the windows where a rule would fire: its condition met by the rule\'s number of windows in a row', () => {
    const goals = fixtureGoals();
    const windows = Array.from({ length: 12 }, (_, i) => fixtureWindow(i));
    const marks = firingByWindow(windows, goals.monitoring.alerts);
    // errorRate > 0.05 in windows 9, 10, 11; the rule wants 2 in a row: it fires at window 10, and not on window 11,
    // which is still open (alerts judge complete windows only).
    assert.deepEqual(marks.get('errorRate')?.map((m, i) => (m ? `${i}:${m}` : '')).filter(Boolean), ['10:alert']);
    // latency p95 > 150 only in window 6 (one window suffices): a warning there.
    assert.deepEqual(marks.get('latencyMsP95')?.map((m, i) => (m ? `${i}:${m}` : '')).filter(Boolean), ['6:warning']);
    assert.ok(marks.get('accuracy')?.every((m) => m === undefined), 'accuracy never below 0.8; windows without labels never fire');
    // Labels come late: windows without them neither break nor extend a streak of a performance rule.
    const twoInARow = { ...goals.monitoring.alerts[2], threshold: 0.9, windows: 2 };
    assert.deepEqual(firingByWindow(windows, [twoInARow]).get('accuracy')?.map((m, i) => (m ? i : -1)).filter((i) => i >= 0), [6, 9]);
  });

  it('a firing episode starts at the first window of its streak, however long the streak grows', () => {
    const report = fixtureReport('churn');
    const errors = report.alerts.find((a) => a.rule.name === 'errors')!;
    assert.equal(errors.firing, true);
    assert.equal(streakStart(report, errors), '2026-11-30T09:00:00.000Z');
    const longer = fixtureReport('churn', fixtureGoals(), 12);
    longer.windows.push({ ...fixtureWindow(12), values: { ...fixtureWindow(12).values, errorRate: 0.2 } });
    const status = { ...errors, streak: errors.streak + 1, windowStart: longer.windows[12].start };
    assert.equal(streakStart(longer, status), '2026-11-30T09:00:00.000Z');
  });

  it('model node: serving or production in the description, icon by state, context value for the menus', () => {
    const serving = modelNode(fixtureEntry('churn', { serving: { version: 3, url: 'http://127.0.0.1:8080' } }));
    assert.equal(serving.description, 'v3 · serving at http://127.0.0.1:8080 · 1 alert firing');
    assert.equal(serving.contextValue, 'mlops.monitor.model.serving');
    assert.deepEqual(serving.icon, { id: 'bell-dot', color: 'problemsErrorIcon.foreground' }, 'a firing alert outranks serving');
    const quiet = fixtureEntry('churn');
    quiet.report = { ...quiet.report!, alerts: quiet.report!.alerts.map((a) => ({ ...a, firing: false })) };
    assert.equal(modelNode(quiet).description, 'production v3');
    assert.equal(modelNode(quiet).contextValue, 'mlops.monitor.model');
    assert.equal(modelNode(quiet).icon.id, 'pass');
    assert.equal(modelNode({ ...quiet, serving: { version: 4, url: 'http://127.0.0.1:9' } }).icon.id, 'broadcast');
    assert.equal(modelNode({ ...quiet, report: undefined }).icon.id, 'loading~spin');
    // A hostile name is text in the label and escaped in the Markdown tooltip.
    const hostile = modelNode(fixtureEntry(HOSTILE));
    assert.equal(hostile.label, HOSTILE);
    assert.ok(hostile.tooltip?.includes('\\<img') && !/(^|[^\\])<img/.test(hostile.tooltip), hostile.tooltip);
  });

  it('model children: alerts, unreadable lines, the latest windows newest first (capped), then the chart', () => {
    const entry = fixtureEntry('churn');
    const kids = modelChildren(entry);
    assert.deepEqual(kids.slice(0, 2).map((k) => [k.kind, k.label, k.description]), [['alerts', 'Alerts', '1 of 3 firing'], ['problems', '1 log problem', 'lines skipped or not counted']]);
    const windows = kids.filter((k) => k.kind === 'window');
    assert.equal(windows.length, 12);
    assert.equal(windows[0].label, '2026-11-30 11:00–12:00 UTC');
    assert.match(windows[0].description ?? '', /^210 req · 12% err · p95 73 ms · drift 100% · open$/);
    assert.notEqual(windows[0].icon.id, 'error', 'the newest window is open: no rule judges it yet');
    assert.equal(windows[1].icon.id, 'error', 'the errors rule fires in the newest complete window');
    assert.equal(windows[5].icon.id, 'warning', 'window 6: latency p95 over 150 ms');
    assert.deepEqual(kids[kids.length - 1].action, { kind: 'openChart' });

    const many = fixtureEntry('churn', { report: fixtureReport('churn', fixtureGoals(), 30) });
    const manyKids = modelChildren(many);
    assert.equal(manyKids.filter((k) => k.kind === 'window').length, WINDOWS_SHOWN);
    assert.equal(manyKids[manyKids.length - 1].label, 'Show all 30 windows in chart');

    assert.deepEqual(modelChildren({ ...entry, report: undefined }).map((k) => k.label), ['Reading the prediction log…']);
    assert.deepEqual(modelChildren({ ...entry, report: undefined, error: 'EACCES' }).map((k) => [k.label, k.description]), [['Cannot read the monitoring data', 'EACCES']]);
  });

  it('alert rules: firing first, with the rule\'s message, severity icon and place in goals.json', () => {
    const entry = fixtureEntry('churn');
    const rules = alertChildren(entry);
    // Accuracy is judged on the latest labelled window (labels come late): known, and above 0.8.
    assert.deepEqual(rules.map((r) => [r.label, r.icon.id, r.description?.split(' · ')[0]]),
      [['errors', 'error', 'firing'], ['latencyMsP95 > 150', 'pass', 'ok'], ['accuracy drop', 'pass', 'ok']]);
    // The core names a named rule in its message; the view names every rule once.
    assert.match(rules[0].description ?? '', /^firing · errorRate 0\.1 > 0\.05 for 2 windows in a row \(since 2026-11-30T09:00Z\)$/);
    const noLabels = { ...entry, report: fixtureReport('churn', fixtureGoals(), 0) };
    assert.deepEqual(alertChildren(noLabels).map((r) => r.icon.id), ['question', 'question', 'question'], 'nothing logged: every rule unknown');
    const errors = rules[0];
    assert.match(errors.tooltip ?? '', /Customers see failed scores/);
    const action = errors.action as { kind: 'openRule'; offset: number; length: number };
    const text = FIXTURE_GOALS_TEXT.slice(action.offset, action.offset + action.length);
    assert.match(text, /^\{ "name": "errors".*"severity": "alert",\s+"description": .*\}$/s);
    assert.deepEqual(positionAt(FIXTURE_GOALS_TEXT, action.offset), { line: 7, character: 6 });
  });

  it('window children: each quantity with what it means and its threshold', () => {
    const entry = fixtureEntry('churn');
    const kids = windowChildren(entry, 6);
    assert.deepEqual(kids.map((k) => k.label), ['Volume', 'Error rate', 'Latency', 'Input drift', 'Prediction drift', 'Performance', 'Data freshness']);
    const by = (l: string) => kids.find((k) => k.label === l)!;
    assert.equal(by('Volume').description, '160 requests · 165 rows');
    assert.equal(by('Error rate').description, '1% (2 of 160)');
    assert.equal(by('Latency').description, 'p50 18 ms · p95 240 ms > 200 ms · max 480 ms');
    assert.equal(by('Latency').icon.id, 'warning');
    assert.match(by('Latency').tooltip ?? '', /Constraint maxLatencyMsP95: 200 ms — exceeded/);
    assert.match(by('Latency').tooltip ?? '', /Alert rule latencyMsP95 \\> 150: fires when latency p95 \(ms\) \\> 150 \(warning\)/);
    assert.equal(by('Input drift').description, '50% of 4 columns (major) · tenure');
    assert.equal(by('Performance').description, 'accuracy 0.87 · precision 0.8 · recall 0.75 · F1 0.77 (20 labelled)');
    assert.equal(by('Data freshness').description, '54 h old (limit 720 h)');
    assert.equal(windowChildren(entry, 7).find((k) => k.label === 'Performance')?.description, 'no labels yet');
  });

  it('chart payload: one series per quantity with values, thresholds from the report, firing and open points; valid for the page', () => {
    const payload = chartPayload(fixtureEntry(HOSTILE, { serving: { version: 3, url: 'http://127.0.0.1:8080' } }));
    assert.ok(MonitorPayloadSchema.safeParse(payload).success);
    assert.equal(payload.model, HOSTILE);
    assert.deepEqual(payload.series.map((s) => s.quantity), ['requests', 'errorRate', 'latencyMsP50', 'latencyMsP95', 'inputDriftShare', 'predictionDriftScore', 'accuracy', 'dataAgeHours']);
    const latency = payload.series.find((s) => s.quantity === 'latencyMsP95')!;
    assert.deepEqual(latency.thresholds, [{ value: 200, label: 'maxLatencyMsP95 ≤' }, { value: 150, label: 'alert latencyMsP95' }]);
    assert.deepEqual(latency.points.filter((p) => p.firing).map((p) => p.window), ['2026-11-30 06:00–07:00 UTC']);
    const errors = payload.series.find((s) => s.quantity === 'errorRate')!;
    assert.deepEqual(errors.points.map((p) => p.firing ?? '').join(','), ',,,,,,,,,,alert,', 'the open window is not judged');
    assert.equal(errors.points[11].open, true);
    assert.equal(payload.series.find((s) => s.quantity === 'accuracy')!.points.length, 4, 'only the windows with labels');
    assert.equal(payload.subtitle, 'v3 · serving at http://127.0.0.1:8080 · 1 alert firing · 1h windows');
    assert.deepEqual(payload.notes, ['2026-11-30.jsonl:77: torn last line (skipped)']);
  });

  it('window labels in UTC: across midnight, whole days', () => {
    assert.equal(windowLabel({ start: '2026-11-30T23:00:00.000Z', end: '2026-12-01T00:00:00.000Z' }), '2026-11-30 23:00–24:00 UTC');
    assert.equal(windowLabel({ start: '2026-11-30T23:30:00.000Z', end: '2026-12-01T01:10:00.000Z' }), '2026-11-30 23:30 – 2026-12-01 01:10 UTC');
    assert.equal(windowLabel({ start: '2026-11-30T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' }, { kind: 'time', ms: 86_400_000, text: '1d' }), '2026-11-30 UTC');
  });

  it('the report\'s own writes do not trigger a rebuild; log files do', () => {
    assert.equal(isOwnWrite('churn/windows.jsonl'), true);
    assert.equal(isOwnWrite('churn/reference-outputs.profile.json'), true);
    assert.equal(isOwnWrite('churn/windows.jsonl.1a2b.tmp'), true);
    assert.equal(isOwnWrite('churn/2026-11-30.jsonl'), false);
    assert.equal(isOwnWrite('churn'), false);
  });

  it('the quick read takes windows.jsonl as it is, and nothing when it is for another window size or missing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-viewmon-'));
    try {
      const goals = fixtureGoals();
      assert.equal(await readCachedReport(dir, 'churn', goals), undefined);
      const folder = path.join(dir, 'monitoring', 'churn');
      fs.mkdirSync(folder, { recursive: true });
      const header = { kind: 'header', formatVersion: 1, model: 'churn', window: '1h', reference: null, offsets: {}, problems: [], updatedAt: '2026-11-30T12:00:00.000Z' };
      const lines = [header, ...Array.from({ length: 3 }, (_, i) => fixtureWindow(i + 8))].map((l) => JSON.stringify(l));
      fs.writeFileSync(path.join(folder, 'windows.jsonl'), `${lines.join('\n')}\n{"kind": "window", "start": "torn`);
      const quick = await readCachedReport(dir, 'churn', goals);
      assert.equal(quick?.windows.length, 3);
      assert.equal(quick?.alerts.find((a) => a.rule.name === 'errors')?.firing, true);
      fs.writeFileSync(path.join(folder, 'windows.jsonl'), [{ ...header, window: '1d' }].map((l) => JSON.stringify(l)).join('\n'));
      assert.equal(await readCachedReport(dir, 'churn', goals), undefined, 'a cache of another window size is not shown');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
