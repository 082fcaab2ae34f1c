/// <reference lib="dom" />
// The Monitoring chart webview in a real browser (headless Debian Chromium via playwright-core), under the same CSP
// as in VS Code, with a stand-in for acquireVsCodeApi that records what the page posts. The payload is what the host
// posts for a hand-made MonitorReport.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO, launchChromium, openWebview, serveWebview, themed } from './harness';
import { monitorHtml } from '../../src/vscode/monitor/html';
import { chartPayload } from '../../src/vscode/monitor/model';
import { fixtureEntry, fixtureReport, fixtureGoals, fixtureWindow } from '../unit/viewMonitorFixture';

const ARTIFACTS = process.env.MONITOR_SHOTS ?? path.join(REPO, 'test-artifacts', 'browser');
const XSS_NAME = '<img src=x onerror="window.__pwned=1">';

const THEMES = {
  light: '--vscode-foreground:#3b3b3b;--vscode-editor-background:#ffffff;--vscode-editorWidget-background:#f8f8f8;--vscode-editorWidget-border:#d4d4d4;--vscode-descriptionForeground:#717171;--vscode-errorForeground:#a1260d;--vscode-editorWarning-foreground:#bf8803;--vscode-charts-blue:#1a85ff;--vscode-charts-green:#388a34;--vscode-font-family:sans-serif;--vscode-font-size:13px;--vscode-focusBorder:#005fb8;--vscode-button-background:#005fb8;--vscode-button-foreground:#ffffff;--vscode-button-secondaryBackground:#e5e5e5;--vscode-button-secondaryForeground:#3b3b3b',
  dark: '--vscode-foreground:#cccccc;--vscode-editor-background:#1f1f1f;--vscode-editorWidget-background:#202020;--vscode-editorWidget-border:#454545;--vscode-descriptionForeground:#9d9d9d;--vscode-errorForeground:#f48771;--vscode-editorWarning-foreground:#cca700;--vscode-charts-blue:#3794ff;--vscode-charts-green:#89d185;--vscode-font-family:sans-serif;--vscode-font-size:13px;--vscode-focusBorder:#0078d4;--vscode-button-background:#0078d4;--vscode-button-foreground:#ffffff;--vscode-button-secondaryBackground:#313131;--vscode-button-secondaryForeground:#cccccc',
};

type Posted = { type: string; charts?: number; ms?: number; message?: string };

describe('Monitoring chart webview in a real browser', function () {
  this.timeout(120_000);
  let server: http.Server;
  let browser: Browser;
  let origin = '';

  before(async function () {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    ({ origin, server } = await serveWebview('monitor', (o, url) => themed(monitorHtml(o), url.searchParams.get('theme') === 'dark' ? THEMES.dark : THEMES.light)));
    browser = await launchChromium();
  });
  after(async () => { await browser?.close(); server?.close(); });

  async function open(theme: 'light' | 'dark' = 'light'): Promise<{ page: Page; cspErrors: string[] }> {
    const { page, problems } = await openWebview(browser, `${origin}/?theme=${theme}`, { width: 1200, height: 1500 });
    return { page, cspErrors: problems };
  }

  async function post(page: Page, msg: unknown): Promise<Posted> {
    await page.evaluate((m) => { (window as unknown as { __posted: unknown[] }).__posted.length = 0; window.postMessage(m, '*'); }, msg);
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'rendered' || m.type === 'error'), undefined, { timeout: 30_000 });
    return page.evaluate(() => (window as unknown as { __posted: Posted[] }).__posted.find((m) => m.type === 'rendered' || m.type === 'error')!);
  }

  const drawnThresholds = (page: Page, quantity: string) =>
    page.$eval(`[data-quantity="${quantity}"] canvas`, (c) => JSON.parse((c as HTMLCanvasElement).dataset.thresholds ?? '[]') as { label: string; value: number; y: number }[]);

  /** Pixels of a colour (within a tolerance) on a chart's canvas. */
  const inkOf = (page: Page, quantity: string, rgb: [number, number, number]) => page.$eval(`[data-quantity="${quantity}"] canvas`, (el, want) => {
    const c = el as HTMLCanvasElement;
    const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && Math.abs(data[i] - want[0]) < 30 && Math.abs(data[i + 1] - want[1]) < 30 && Math.abs(data[i + 2] - want[2]) < 30) { n++; }
    }
    return n;
  }, rgb);

  it('draws one chart per quantity with its thresholds dashed, marks the firing windows, keeps a hostile model name as text', async () => {
    const { page, cspErrors } = await open('light');
    const payload = chartPayload(fixtureEntry(XSS_NAME, { serving: { version: 3, url: 'http://127.0.0.1:8080' } }));
    const rendered = await post(page, { type: 'load', payload });
    assert.equal(rendered.type, 'rendered');
    assert.equal(rendered.charts, 8, 'requests, error rate, latency p50/p95, input drift, prediction drift, accuracy, data age');
    assert.deepEqual(await page.$$eval('section.card', (s) => s.map((x) => x.getAttribute('data-quantity'))),
      ['requests', 'errorRate', 'latencyMsP50', 'latencyMsP95', 'inputDriftShare', 'predictionDriftScore', 'accuracy', 'dataAgeHours']);

    // Threshold lines: both of latency p95 (the constraint and the alert rule), the error rule, the data age limit.
    assert.deepEqual((await drawnThresholds(page, 'latencyMsP95')).map((t) => [t.label, t.value]), [['maxLatencyMsP95 ≤ 200', 200], ['alert latencyMsP95 150', 150]]);
    assert.deepEqual((await drawnThresholds(page, 'errorRate')).map((t) => t.label), ['alert errors 0.05']);
    assert.deepEqual((await drawnThresholds(page, 'dataAgeHours')).map((t) => t.label), ['maxDataAge 720'], 'a limit far above every value is still in view');
    assert.deepEqual(await drawnThresholds(page, 'requests'), []);
    // The dashed line is ink along its row, with gaps.
    const line = (await drawnThresholds(page, 'errorRate'))[0];
    const row = await page.$eval('[data-quantity="errorRate"] canvas', (el, y) => {
      const c = el as HTMLCanvasElement;
      const ratio = c.width / c.getBoundingClientRect().width;
      // The 1.5 px line may straddle two pixel rows: the best of the rows around it.
      let best = { on: 0, switches: 0, width: c.width };
      for (let dy = -2; dy <= 2; dy++) {
        const { data } = c.getContext('2d')!.getImageData(0, Math.round(y * ratio) + dy, c.width, 1);
        let on = 0; let switches = 0; let prev = false;
        for (let i = 0; i < data.length; i += 4) { const ink = data[i + 3] > 120 && data[i] < 110 && data[i + 1] < 110 && data[i + 2] < 110; if (ink) { on++; } if (ink !== prev) { switches++; prev = ink; } }
        if (on > best.on) { best = { on, switches, width: c.width }; }
      }
      return best;
    }, line.y);
    assert.ok(row.on > row.width / 4 && row.switches > 40, `a dashed line across the plot (${row.on} of ${row.width} pixels, ${row.switches} switches)`);

    // Firing windows: counted on the canvas and drawn in the theme's error / warning colours.
    const firing = await page.$$eval('section.card canvas', (cs): Record<string, number> => Object.fromEntries(cs.map((c) => [c.closest('section')!.getAttribute('data-quantity') ?? '', Number(c.getAttribute('data-firing'))])));
    // The open last window is shown but not judged (alerts judge complete windows): one firing error-rate point.
    assert.deepEqual(firing, { requests: 0, errorRate: 1, latencyMsP50: 0, latencyMsP95: 1, inputDriftShare: 0, predictionDriftScore: 0, accuracy: 0, dataAgeHours: 0 });
    assert.ok(await inkOf(page, 'errorRate', [0xa1, 0x26, 0x0d]) > 40, 'the firing error-rate points are red (errorForeground)');
    assert.equal(await inkOf(page, 'requests', [0xa1, 0x26, 0x0d]), 0, 'nothing fires on the request volume');
    assert.ok(await inkOf(page, 'latencyMsP95', [0xbf, 0x88, 0x03]) > 20, 'the latency warning point is amber (editorWarning.foreground)');

    // Alerts listed with their state; the hostile name is text everywhere.
    assert.deepEqual(await page.$$eval('#alerts li', (li): [string, string | null | undefined][] => li.map((l) => [l.className, l.querySelector('.alert-name')?.textContent])),
      [['firing alert', 'errors'], ['ok warning', 'latencyMsP95 > 150'], ['ok alert', 'accuracy drop']]);
    assert.equal(await page.textContent('#title'), `Monitoring: ${XSS_NAME}`);
    assert.match(await page.textContent('#subtitle') ?? '', /^v3 · serving at http:\/\/127\.0\.0\.1:8080 · 1 alert firing · 1h windows · 12 windows · last request 2026-11-30T12:00:00\.000Z$/);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await page.$$eval('img', (i) => i.length), 0);
    assert.deepEqual(await page.$$eval('#notes li', (li) => li.map((l) => l.textContent)), ['2026-11-30.jsonl:77: torn last line (skipped)']);
    // The page keeps its store and model for the panel serializer.
    assert.deepEqual(await page.evaluate(() => (window as unknown as { acquireVsCodeApi(): { getState(): unknown } }).acquireVsCodeApi().getState()), { root: '/ws', model: XSS_NAME });
    assert.deepEqual(cspErrors, []);
    await page.screenshot({ path: path.join(ARTIFACTS, 'monitor-chart-light.png'), fullPage: true });
    await page.close();
  });

  it('updates live: a later report with more windows redraws; a failure keeps the charts and says why; invalid messages are dropped', async () => {
    const { page, cspErrors } = await open('dark');
    await post(page, { type: 'load', payload: chartPayload(fixtureEntry('churn', { report: fixtureReport('churn', fixtureGoals(), 6) })) });
    const points = () => page.$eval('[data-quantity="requests"] header .muted', (s) => s.textContent);
    assert.equal(await points(), 'latest 150');
    assert.equal(await page.$eval('[data-quantity="errorRate"] canvas', (c) => c.getAttribute('data-firing')), '0');

    const grown = fixtureReport('churn', fixtureGoals(), 12);
    grown.windows[11] = { ...grown.windows[11], closed: true }; // the hour ended; a new one is open
    grown.windows.push({ ...fixtureWindow(12), values: { ...fixtureWindow(12).values, requests: 999 } });
    const rendered = await post(page, { type: 'load', payload: chartPayload(fixtureEntry('churn', { report: grown })) });
    assert.equal(rendered.type, 'rendered');
    assert.equal(await points(), 'latest 999');
    assert.equal(await page.$eval('[data-quantity="errorRate"] canvas', (c) => c.getAttribute('data-firing')), '2', 'windows 10 and 11 complete the rule; 12 is open');
    assert.match(await page.textContent('#subtitle') ?? '', / 13 windows /);
    await page.screenshot({ path: path.join(ARTIFACTS, 'monitor-chart-dark.png'), fullPage: true });

    await page.evaluate(() => { (window as unknown as { __posted: unknown[] }).__posted.length = 0; window.postMessage({ type: 'failed', message: 'windows.jsonl: permission denied' }, '*'); });
    await page.waitForSelector('p.failed');
    assert.equal(await page.textContent('p.failed'), 'The last refresh failed: windows.jsonl: permission denied');
    assert.equal(await page.$$eval('section.card', (s) => s.length), 8, 'the charts stay');

    const dropped = await post(page, { type: 'load', payload: { model: 42, series: 'no' } });
    assert.equal(dropped.type, 'error');
    assert.match(dropped.message ?? '', /dropped an invalid message/);
    assert.equal(await page.$$eval('section.card', (s) => s.length), 8, 'the previous view stays');

    await page.click('vscode-button');
    assert.ok((await page.evaluate(() => (window as unknown as { __posted: Posted[] }).__posted)).some((m) => m.type === 'refresh'));
    assert.deepEqual(cspErrors, []);
    await page.close();
  });

  it('a model with no window yet: says so, and draws only the thresholds it has', async () => {
    const { page } = await open('light');
    const empty = fixtureReport('fresh', fixtureGoals(), 0);
    await post(page, { type: 'load', payload: chartPayload(fixtureEntry('fresh', { report: { ...empty, problems: [] } })) });
    assert.equal(await page.$$eval('#alerts li .badge', (b) => b.map((x) => x.textContent).join(',')), '? unknown,? unknown,? unknown');
    assert.deepEqual(await page.$$eval('section.card', (s) => s.map((x) => x.getAttribute('data-quantity'))), ['errorRate', 'latencyMsP95', 'accuracy', 'dataAgeHours']);
    assert.equal(await page.$eval('[data-quantity="errorRate"] header .muted', (s) => s.textContent), 'no value yet');
    await page.close();
  });
});
