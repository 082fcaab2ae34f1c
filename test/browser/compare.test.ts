/// <reference lib="dom" />
// The Compare Runs webview in a real browser (headless Debian Chromium via playwright-core), under the same CSP
// as in VS Code, with a stand-in for acquireVsCodeApi that records what the page posts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO, launchChromium, openWebview, serveWebview, themed } from './harness';
import { compareHtml } from '../../src/core/compare/html';
import { prepareComparison } from '../../src/core/compare/prepare';
import { parseGoals } from '../../src/core/goals';
import type { MetricPoint, Run } from '../../src/core';

const ARTIFACTS = path.join(REPO, 'test-artifacts', 'browser');
const XSS_NAME = '<img src=x onerror="window.__pwned=1">';
const XSS_PARAM = '</script><script>window.__pwned=1</script>';

const THEMES = {
  light: '--vscode-foreground:#3b3b3b;--vscode-editor-background:#ffffff;--vscode-editorWidget-background:#f8f8f8;--vscode-editorWidget-border:#d4d4d4;--vscode-descriptionForeground:#717171;--vscode-errorForeground:#a1260d;--vscode-charts-green:#388a34;--vscode-testing-iconPassed:#73c991;--vscode-testing-iconFailed:#f14c4c;--vscode-font-family:sans-serif;--vscode-font-size:13px;--vscode-focusBorder:#005fb8;--vscode-dropdown-background:#fff;--vscode-dropdown-foreground:#3b3b3b;--vscode-dropdown-border:#cecece;--vscode-editor-inactiveSelectionBackground:#e5ebf1;--vscode-button-background:#005fb8;--vscode-button-foreground:#ffffff;--vscode-button-secondaryBackground:#e5e5e5;--vscode-button-secondaryForeground:#3b3b3b;--vscode-checkbox-background:#f8f8f8;--vscode-checkbox-border:#cecece;--vscode-checkbox-foreground:#3b3b3b',
  dark: '--vscode-foreground:#cccccc;--vscode-editor-background:#1f1f1f;--vscode-editorWidget-background:#202020;--vscode-editorWidget-border:#454545;--vscode-descriptionForeground:#9d9d9d;--vscode-errorForeground:#f48771;--vscode-charts-green:#89d185;--vscode-testing-iconPassed:#73c991;--vscode-testing-iconFailed:#f14c4c;--vscode-font-family:sans-serif;--vscode-font-size:13px;--vscode-focusBorder:#0078d4;--vscode-dropdown-background:#313131;--vscode-dropdown-foreground:#cccccc;--vscode-dropdown-border:#3c3c3c;--vscode-editor-inactiveSelectionBackground:#3a3d41;--vscode-button-background:#0078d4;--vscode-button-foreground:#ffffff;--vscode-button-secondaryBackground:#313131;--vscode-button-secondaryForeground:#cccccc;--vscode-checkbox-background:#313131;--vscode-checkbox-border:#3c3c3c;--vscode-checkbox-foreground:#cccccc',
};

function run(id: string, name: string, params: Run['params'], extra: Partial<Run> = {}): Run {
  return { formatVersion: 1, id, experiment: 'baseline', name, status: 'finished', startTime: '2026-11-26T10:00:00.000Z', params, tags: [], dataVersions: [], meta: {}, ...extra };
}
function curve(name: string, n: number, f: (i: number) => number): MetricPoint[] {
  return Array.from({ length: n }, (_, i) => ({ name, step: i, value: f(i), timestamp: 1_700_000_000_000 + i * 1000 }));
}

function fixturePayload() {
  return prepareComparison([
    { run: run('01A', XSS_NAME, { lr: 0.1, opt: 'adam', note: XSS_PARAM }, { meta: { durationMs: 75_000, peakMemoryBytes: 2 ** 31 } }),
      points: [...curve('loss', 50, (i) => 1 / (i + 1) + 0.1), ...curve('accuracy', 50, (i) => 0.5 + i / 120), { name: 'accuracy@fold=1', step: 0, value: 0.92, timestamp: 1 }, { name: 'accuracy@fold=2', step: 0, value: 0.71, timestamp: 1 }] },
    { run: run('01B', 'lr-0.01', { lr: 0.01, opt: 'adam', note: 'plain' }, { git: { commit: 'c'.repeat(40), dirty: true } }),
      points: [...curve('loss', 50, (i) => 1 / (i + 2) + 0.05), ...curve('accuracy', 50, (i) => 0.55 + i / 110), { name: 'accuracy@fold=1', step: 0, value: 0.86, timestamp: 1 }, { name: 'accuracy@fold=2', step: 0, value: 0.84, timestamp: 1 }] },
  ]);
}

/** Two churn runs and the goals.json of issue 11: recall and false-positive-rate goals, a KPI from both, a budget. */
function goalsPayload() {
  const goals = parseGoals(JSON.stringify({
    formatVersion: 1,
    metrics: [{ name: 'recall', goal: 'max', threshold: 0.7 }, { name: 'false_positive_rate', goal: 'min', threshold: 0.2 }],
    kpis: [{ name: 'retained_revenue', description: 'EUR kept per 1,000 customers', unit: 'EUR/1k customers', formula: 'recall * 420 - false_positive_rate * 35', goal: 'max', threshold: 250, owner: 'Head of retention' }],
    constraints: { maxPeakMemoryBytes: 2 ** 31 },
    budget: { currency: 'EUR', rates: { cpuCoreHour: 0.05 } },
  })).goals!;
  return prepareComparison([
    { run: run('01G', 'gbm-depth6', { depth: 6 }, { meta: { durationMs: 5_400_000, peakMemoryBytes: 2 ** 30, hardware: { cores: 8, gpus: [] } } }),
      points: [...curve('recall', 30, (i) => 0.5 + 0.28 * (i / 29)), ...curve('false_positive_rate', 30, (i) => 0.45 - 0.15 * (i / 29)), ...curve('loss', 30, (i) => 1 / (i + 2))] },
    { run: run('01H', 'gbm-depth3', { depth: 3 }, { meta: { peakMemoryBytes: 3 * 2 ** 30 } }),
      points: [...curve('recall', 30, (i) => 0.45 + 0.17 * (i / 29)), ...curve('false_positive_rate', 30, (i) => 0.4 - 0.05 * (i / 29)), ...curve('loss', 30, (i) => 1 / (i + 1.5))] },
  ], { goalsFile: goals });
}

describe('Compare Runs webview in a real browser', function () {
  this.timeout(120_000);
  let server: http.Server;
  let browser: Browser;
  let origin = '';

  before(async function () {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    ({ origin, server } = await serveWebview('compare', (o, url) => themed(compareHtml(o), url.searchParams.get('theme') === 'dark' ? THEMES.dark : THEMES.light)));
    browser = await launchChromium();
  });
  after(async () => { await browser?.close(); server?.close(); });

  async function open(theme: 'light' | 'dark' = 'light'): Promise<{ page: Page; cspErrors: string[] }> {
    const { page, problems } = await openWebview(browser, `${origin}/?theme=${theme}`, { width: 1200, height: 1400 });
    return { page, cspErrors: problems };
  }

  async function load(page: Page, payload: unknown): Promise<{ charts: number; ms: number }> {
    await page.evaluate((p) => { (window as unknown as { __posted: unknown[] }).__posted.length = 0; window.postMessage({ type: 'load', payload: p }, '*'); }, payload);
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'rendered'), undefined, { timeout: 30_000 });
    return page.evaluate(() => (window as unknown as { __posted: { type: string; charts: number; ms: number }[] }).__posted.find((m) => m.type === 'rendered')!);
  }

  it('draws the charts, fills the table, hides equal params until asked, renders user text as text', async () => {
    const { page, cspErrors } = await open('light');
    const rendered = await load(page, fixturePayload());
    assert.equal(rendered.charts, 3, 'loss, accuracy and the scatter chart');
    const inked = await page.$$eval('canvas', (cs) => cs.map((c) => {
      const ctx = (c).getContext('2d')!;
      const { data } = ctx.getImageData(0, 0, (c).width, (c).height);
      let n = 0; for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) { n++; } }
      return n;
    }));
    assert.equal(inked.length, 3);
    for (const n of inked) { assert.ok(n > 500, `canvas has ink (${n} pixels)`); }

    const cells = (key: string) => page.$$eval(`#summary tr[data-key="${key}"] td`, (tds) => tds.map((t) => t.textContent));
    assert.deepEqual(await cells('lr'), ['0.1', '0.01']);
    assert.deepEqual(await cells('loss last'), ['0.12', '0.069608']);
    assert.deepEqual(await page.$$eval('#summary tr[data-key="loss last"] td.best', (tds) => tds.length), 1);
    assert.equal(await page.$$eval('#summary tr[data-key="opt"]', (trs) => trs.length), 0, 'equal param hidden');
    await page.click('#opt-diff');
    await page.waitForSelector('#summary tr[data-key="opt"]');
    assert.deepEqual(await cells('opt'), ['adam', 'adam']);
    assert.match((await cells('accuracy@fold'))[0] ?? '', /⚠ spread 0\.21 \(worst: 2\)/);
    assert.deepEqual(await cells('commit'), ['—', 'cccccccc (dirty)']);

    // User text: shown literally, never parsed as HTML.
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.ok((await page.$$eval('.run-name', (s) => s.map((x) => x.textContent))).includes(XSS_NAME));
    assert.equal(await page.$$eval('img', (i) => i.length), 0);
    assert.deepEqual(await cells('note'), [XSS_PARAM, 'plain']);
    assert.deepEqual(cspErrors, []);
    await page.screenshot({ path: path.join(ARTIFACTS, 'compare-light.png'), fullPage: true });
    await page.close();
  });

  it('posts removeRun and exportPng from its controls, and drops an invalid host message', async () => {
    const { page } = await open('dark');
    await load(page, fixturePayload());
    await page.screenshot({ path: path.join(ARTIFACTS, 'compare-dark.png'), fullPage: true });
    await page.click('.chip vscode-button');
    await page.click('[data-metric="loss"] vscode-button');
    await page.evaluate(() => window.postMessage({ type: 'load', payload: { runs: 'not a list' } }, '*'));
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'error'));
    const posted = await page.evaluate(() => (window as unknown as { __posted: { type: string; runId?: string; dataUrl?: string; name?: string; message?: string }[] }).__posted);
    assert.ok(posted.some((m) => m.type === 'removeRun' && m.runId === '01A'));
    const png = posted.find((m) => m.type === 'exportPng');
    assert.equal(png?.name, 'loss');
    assert.match(png?.dataUrl ?? '', /^data:image\/png;base64,/);
    assert.match(posted.find((m) => m.type === 'error')?.message ?? '', /dropped an invalid message/);
    assert.equal(await page.$$eval('#summary', (t) => t.length), 1, 'the previous view stays');
    await page.close();
  });

  it('an MLflow run next to a .mlops run: MLflow badge in its column header, text params plotted as numbers, refs saved for a reload', async () => {
    const { page, cspErrors } = await open('light');
    const payload = prepareComparison([
      { run: run('01M', 'mlops-run', { lr: 0.1 }), points: curve('loss', 20, (i) => 1 / (i + 1)), origin: { root: '/w' } },
      { run: run('d'.repeat(32), 'mlflow-run', { lr: '1e-2' }), points: curve('loss', 20, (i) => 1 / (i + 2)), origin: { root: '/w', store: 'mlflow:file:/w/mlruns', storeLabel: 'MLflow — mlruns' } },
    ]);
    const rendered = await load(page, payload);
    assert.equal(rendered.charts, 2, 'the loss curve and the scatter chart of lr (MLflow recorded it as text)');
    assert.deepEqual(await page.$$eval('#summary thead th', (ths) => ths.map((t) => t.textContent?.trim())), ['', 'mlops-run', 'mlflow-run MLflow']);
    assert.deepEqual(await page.$$eval('#summary thead th .store-badge', (b) => b.map((x) => x.getAttribute('title'))), ['Read from MLflow — mlruns (read-only)']);
    assert.equal(await page.$$eval('.chip .store-badge', (b) => b.length), 1);
    assert.deepEqual(await page.$$eval('#summary tr[data-key="lr"] td', (tds) => tds.map((t) => t.textContent)), ['0.1', '1e-2'], 'the text as MLflow recorded it');
    const state = await page.evaluate(() => (window as unknown as { acquireVsCodeApi(): { getState(): unknown } }).acquireVsCodeApi().getState());
    assert.deepEqual((state as { refs: unknown }).refs, [{ root: '/w', runId: '01M' }, { root: '/w', runId: 'd'.repeat(32), store: 'mlflow:file:/w/mlruns' }]);
    assert.deepEqual(cspErrors, []);
    await page.screenshot({ path: path.join(ARTIFACTS, 'compare-mlflow.png'), fullPage: true });
    await page.close();
  });

  it('goals.json: KPI, metric goal, constraint and cost rows with ✓/✗/? and theme colours; dashed threshold lines', async () => {
    const { page, cspErrors } = await open('light');
    const rendered = await load(page, goalsPayload());
    assert.equal(rendered.charts, 4, 'false_positive_rate, loss, recall and the scatter chart');
    type CellInfo = { text: string | null; cls: string; title: string; color: string; background: string };
    const cells = (key: string): Promise<CellInfo[]> => page.$$eval(`#summary tr[data-key="${key}"] td`, (tds) => tds.map((t): CellInfo => ({ text: t.textContent, cls: String(t.className), title: t.getAttribute('title') ?? '', color: String(getComputedStyle(t).color), background: String(getComputedStyle(t).backgroundColor) })));
    // The theme's colours for text (charts.green, errorForeground); the paler test icon colours only tint the cell.
    const passed = 'rgb(56, 138, 52)';
    const failed = 'rgb(161, 38, 13)';

    // KPI: gbm-depth6 0.78 × 420 − 0.30 × 35 = 317.1 meets ≥ 250; gbm-depth3 0.62 × 420 − 0.35 × 35 = 248.15 misses it.
    const kpi = await cells('kpi:retained_revenue');
    assert.deepEqual(kpi.map((c) => c.text), ['✓ 317.1', '✗ 248.15']);
    assert.deepEqual(kpi.map((c) => c.color), [passed, failed], 'the theme\'s pass / fail colours');
    // Tinted with testing.iconPassed / iconFailed (as color-mix results, whose notation is the browser's business).
    assert.ok(kpi.every((c) => c.background !== 'rgba(0, 0, 0, 0)') && kpi[0].background !== kpi[1].background, kpi.map((c) => c.background).join(' / '));
    assert.ok(kpi[0].cls.split(' ').includes('best') && !kpi[1].cls.split(' ').includes('best'), 'the best run is starred');
    assert.match(kpi[1].title, /bar ≥ 250 EUR\/1k customers: misses the goal/);
    const kpiHead = await page.$eval('#summary tr[data-key="kpi:retained_revenue"] th', (th) => ({ text: th.textContent, title: th.getAttribute('title') }));
    assert.equal(kpiHead.text, 'retained_revenue EUR/1k customers · ≥ 250');
    assert.match(kpiHead.title ?? '', /EUR kept per 1,000 customers\nformula: recall \* 420 - false_positive_rate \* 35\n.*owner: Head of retention/s);

    assert.deepEqual((await cells('metric:recall')).map((c) => c.text), ['✓ 0.78', '✗ 0.62']);
    assert.deepEqual((await cells('metric:false_positive_rate')).map((c) => [c.text, c.color]), [['✗ 0.3', failed], ['✗ 0.35', failed]]);
    assert.deepEqual((await cells('constraint:maxPeakMemoryBytes')).map((c) => c.text), ['✓ 1.0 GiB', '✗ 3.0 GiB']);
    assert.deepEqual((await cells('goals')).map((c) => c.text), ['✗ 1 unmet', '✗ 4 unmet']);

    // Cost: 1.5 h × 8 cores × 0.05 EUR; the other run has no duration, so its cost is unknown and says why.
    const cost = await cells('cost');
    assert.deepEqual(cost.map((c) => c.text), ['0.600 EUR', '? unknown']);
    assert.match(cost[0].title, /1 h 30 min × 8 cores × 0\.05 EUR\/h/);
    assert.equal(cost[1].title, 'unknown: no duration recorded');
    assert.equal(await page.$eval('#summary tr[data-key="cost"] th', (th) => th.textContent), 'cost total 0.600 EUR + 1 unknown');

    // Threshold lines: drawn (recorded by the plugin) on the charts of metrics with a threshold, inside the plot even
    // where no run's values reach the bar (false_positive_rate stays above 0.2), and nowhere else.
    const thresholds = (metric: string) => page.$eval(`[data-metric="${metric}"] canvas`, (c) => ({ drawn: c.dataset.thresholds, label: c.getAttribute('aria-label') }));
    const recall = await thresholds('recall');
    const recallLines = JSON.parse(recall.drawn ?? '[]') as { label: string; value: number; y: number }[];
    assert.deepEqual(recallLines.map((l) => [l.label, l.value]), [['threshold ≥ 0.7', 0.7]]);
    assert.match(recall.label ?? '', /; threshold ≥ 0\.7$/);
    assert.deepEqual((JSON.parse((await thresholds('false_positive_rate')).drawn ?? '[]') as { label: string }[]).map((l) => l.label), ['threshold ≤ 0.2']);
    assert.equal((await thresholds('loss')).drawn, undefined);
    // The dashed line is ink on the canvas: along its row, runs of the foreground colour with gaps between them.
    const row = await page.$eval('[data-metric="recall"] canvas', (el, y) => {
      const c = el as HTMLCanvasElement;
      const ctx = c.getContext('2d')!;
      const ratio = c.width / c.getBoundingClientRect().width;
      const { data } = ctx.getImageData(0, Math.round(y * ratio), c.width, 1);
      let dark = 0; let switches = 0; let prev = false;
      for (let i = 0; i < data.length; i += 4) {
        const on = data[i + 3] > 200 && data[i] < 110 && data[i + 1] < 110 && data[i + 2] < 110;
        if (on) { dark++; }
        if (on !== prev) { switches++; prev = on; }
      }
      return { dark, switches, width: c.width };
    }, recallLines[0].y);
    assert.ok(row.dark > row.width / 4, `the line covers the plot's width (${row.dark} of ${row.width} pixels)`);
    assert.ok(row.switches > 40, `and is dashed (${row.switches} switches)`);

    assert.deepEqual(cspErrors, []);
    await page.screenshot({ path: path.join(ARTIFACTS, 'compare-goals-light.png'), fullPage: true });
    await page.close();
    const dark = await open('dark');
    await load(dark.page, goalsPayload());
    await dark.page.screenshot({ path: path.join(ARTIFACTS, 'compare-goals-dark.png'), fullPage: true });
    await dark.page.close();
  });

  it('20 runs × 100,000 points: prepared, posted and drawn (figures printed, not asserted)', async () => {
    const t0 = performance.now();
    const payload = prepareComparison(Array.from({ length: 20 }, (_, r) => ({ run: run(`R${String(r).padStart(2, '0')}`, `run-${r}`, { lr: 0.001 * (r + 1) }), points: curve('loss', 100_000, (i) => 1 / Math.sqrt(i + 1) + r / 50 + 0.02 * Math.sin(i / 300)) })));
    const message = JSON.stringify({ type: 'load', payload });
    const prepMs = performance.now() - t0;
    const { page } = await open('light');
    const rendered = await load(page, payload);
    console.log(`      20 runs × 100,000 points: host preparation + serialisation ${prepMs.toFixed(0)} ms, message ${(message.length / 1024).toFixed(0)} KiB, chart drawn in the browser ${rendered.ms} ms`);
    assert.equal(rendered.charts, 2);
    await page.close();
  });
});
