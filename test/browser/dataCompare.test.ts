/// <reference lib="dom" />
// The Compare Data Versions webview in a real browser (headless Debian Chromium via playwright-core), under the
// same CSP as in VS Code, with a stand-in for acquireVsCodeApi that records what the page posts. The report is made
// by hand against the core's types (hostile column names and categories included).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO, launchChromium, openWebview, serveWebview, themed } from './harness';
import { dataCompareHtml } from '../../src/vscode/data/compareHtml';
import type { ColumnDrift, DriftReport } from '../../src/core/data/drift/types';
import type { SourceComparison } from '../../src/core/data/sources/types';
import type { DataComparePayload } from '../../src/protocol/dataCompare';

const ARTIFACTS = path.join(REPO, 'test-artifacts', 'browser');

const XSS_ALERT = '<img src=x onerror=alert(1)>';
const XSS_FLAG = '<img src=x onerror="window.__pwned=1">';
const PROTO = '__proto__';
const QUOTED = '"quoted"';
const COMMA_NEWLINE = 'city,\nzip';
const FORMULA = '=HYPERLINK("http://x","y")';
const LONG = `very_long_${'column_name_'.repeat(30)}end`;
const RTL = 'מחיר_ממוצע';
const SCRIPT_CATEGORY = '</script><script>window.__pwned=2</script>';

const THEMES = {
  light: '--vscode-foreground:#3b3b3b;--vscode-editor-background:#ffffff;--vscode-editorWidget-background:#f8f8f8;--vscode-editorWidget-border:#d4d4d4;--vscode-descriptionForeground:#717171;--vscode-errorForeground:#a1260d;--vscode-editorWarning-foreground:#bf8803;--vscode-charts-green:#388a34;--vscode-charts-blue:#1a85ff;--vscode-charts-orange:#d18616;--vscode-font-family:sans-serif;--vscode-font-size:13px;--vscode-focusBorder:#005fb8;--vscode-list-hoverBackground:#f2f2f2;--vscode-list-inactiveSelectionBackground:#e4e6f1;--vscode-editor-inactiveSelectionBackground:#e5ebf1;--vscode-inputValidation-errorBackground:#f2dede;--vscode-inputValidation-errorBorder:#be1100;--vscode-button-background:#005fb8;--vscode-button-foreground:#ffffff;--vscode-button-secondaryBackground:#e5e5e5;--vscode-button-secondaryForeground:#3b3b3b;--vscode-checkbox-background:#f8f8f8;--vscode-checkbox-border:#cecece;--vscode-checkbox-foreground:#3b3b3b',
  dark: '--vscode-foreground:#cccccc;--vscode-editor-background:#1f1f1f;--vscode-editorWidget-background:#202020;--vscode-editorWidget-border:#454545;--vscode-descriptionForeground:#9d9d9d;--vscode-errorForeground:#f48771;--vscode-editorWarning-foreground:#cca700;--vscode-charts-green:#89d185;--vscode-charts-blue:#3794ff;--vscode-charts-orange:#d18616;--vscode-font-family:sans-serif;--vscode-font-size:13px;--vscode-focusBorder:#0078d4;--vscode-list-hoverBackground:#2a2d2e;--vscode-list-inactiveSelectionBackground:#37373d;--vscode-editor-inactiveSelectionBackground:#3a3d41;--vscode-inputValidation-errorBackground:#5a1d1d;--vscode-inputValidation-errorBorder:#be1100;--vscode-button-background:#0078d4;--vscode-button-foreground:#ffffff;--vscode-button-secondaryBackground:#313131;--vscode-button-secondaryForeground:#cccccc;--vscode-checkbox-background:#313131;--vscode-checkbox-border:#3c3c3c;--vscode-checkbox-foreground:#cccccc',
};

const psi = (value: number): ColumnDrift['psi'] => ({ value, threshold: 0.1, drifted: value >= 0.1, binning: { kind: 'sturges', bins: 10 } });

function numeric(column: string, score: number, psiValue: number, cls: ColumnDrift['class'], shift = 0): ColumnDrift {
  const edges = Array.from({ length: 11 }, (_, i) => i * 10);
  const bell = (mu: number) => { const w = edges.slice(0, -1).map((e) => Math.exp(-(((e + 5 - mu) / 18) ** 2))); const s = w.reduce((x, y) => x + y, 0); return w.map((x) => x / s); };
  return { column, kind: 'num', referenceType: 'float', currentType: 'float', test: 'ks', statistic: 0.2, score, threshold: 0.05, rule: 'p ≤ 0.05', drifted: score <= 0.05,
    psi: psi(psiValue), class: cls, referenceN: 891, currentN: 418, referenceMissing: 2, currentMissing: 0, distinctCombined: 88, sampled: false,
    chart: { kind: 'histogram', edges, reference: bell(40), current: bell(40 + shift) } };
}

function categorical(column: string, score: number, psiValue: number, cls: ColumnDrift['class'], labels: string[]): ColumnDrift {
  const ref = labels.map((_, i) => (i + 1) / ((labels.length * (labels.length + 1)) / 2));
  return { column, kind: 'cat', referenceType: 'categorical', currentType: 'string', test: 'chisquare', statistic: 12.5, score, threshold: 0.05, rule: 'p < 0.05', drifted: score < 0.05,
    psi: { ...psi(psiValue), binning: { kind: 'values', bins: labels.length } }, class: cls, referenceN: 891, currentN: 418, referenceMissing: 0, currentMissing: 3, distinctCombined: labels.length, sampled: false,
    chart: { kind: 'categories', labels, reference: ref, current: [...ref].reverse(), otherReference: 0, otherCurrent: 0.02 } };
}

/** Eight columns, five drifted; every hostile name is a real column of the report. */
function report(): DataComparePayload {
  const columns: ColumnDrift[] = [
    numeric('age', 0.31, 0.02, 'none'),
    numeric(XSS_ALERT, 0.001, 0.31, 'major', 25),
    categorical(PROTO, 0.0004, 0.18, 'minor', ['S', 'C', 'Q']),
    categorical(QUOTED, 0.5, 0.01, 'none', ['male', 'female']),
    numeric(LONG, 0.02, 0.12, 'minor', 8),
    // The report's optional explanation of the test and its notes.
    Object.assign(categorical(RTL, 0.003, 0.4, 'major', [SCRIPT_CATEGORY, XSS_FLAG, 'שלום', 'plain']), { choice: 'reference has 891 values (≤ 1000), categorical with 4 categories (> 2)', notes: [`top categories + other (${XSS_FLAG})`] }),
    { ...numeric(COMMA_NEWLINE, 0.6, 0.03, 'none'), test: 'wasserstein', score: 0.04, threshold: 0.1, rule: 'distance ≥ 0.1', drifted: false },
    { ...numeric(FORMULA, 0.01, 0.11, 'minor', 6), statistic: undefined },
  ];
  const drift: DriftReport = {
    reference: { label: 'titanic v1', rows: 891 }, current: { label: 'titanic v2', rows: 418 },
    options: { method: 'auto', driftShare: 0.5, psiMinor: 0.1, psiMajor: 0.25 },
    columns, onlyInReference: [XSS_FLAG], onlyInCurrent: ['boat'], skipped: [{ column: 'embarked_at', reason: 'datetime columns are not tested' }],
    dataset: { columns: 8, drifted: columns.filter((c) => c.drifted).length, share: 5 / 8, driftShare: 0.5, drift: true, class: 'major' },
  };
  const sources: SourceComparison = {
    a: { label: 'titanic v1', rows: 891 }, b: { label: 'titanic v2', rows: 418 },
    columns: [{ a: 'age', b: 'age', how: 'exact' }, { a: PROTO, b: '__PROTO__', how: 'normalized' }, { a: XSS_FLAG, how: undefined }, { a: 'Sex', b: 'gender', how: 'profile', similarity: 0.93 }, { b: 'boat' }],
    discrepancies: [
      { kind: 'category-mapping', severity: 'warning', a: PROTO, b: PROTO, message: `categories of ${PROTO} differ only by spelling`, mapping: [{ a: 'S', b: 'Southampton', why: 'known abbreviation' }, { a: XSS_FLAG, b: 'c', why: 'case' }] },
      { kind: 'unit-scale', severity: 'warning', a: 'fare', b: 'fare_cents', message: 'B looks like A in another unit', factor: 100 },
      { kind: 'row-count', severity: 'info', message: 'A has 891 rows, B 418' },
      { kind: 'rename', severity: 'info', a: 'Sex', b: 'gender', message: `likely rename ${XSS_ALERT}` },
    ],
  };
  return { problems: [`goals.json drift.share: expected a number, got ${XSS_FLAG}`], drift, sources, a: { label: 'titanic v1', dataset: 'titanic', versionId: '01JAAAAAAAAAAAAAAAAAAAAAAA' }, b: { label: `titanic ${RTL}`, dataset: 'titanic', versionId: '01JBBBBBBBBBBBBBBBBBBBBBBB' } };
}

/** RFC 4180, as a spreadsheet reads it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = []; let cell = ''; let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') { quoted = false; } else { cell += ch; }
    } else if (ch === '"') { quoted = true; } else if (ch === ',') { row.push(cell); cell = ''; } else if (ch === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; } else { cell += ch; }
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

type Posted = { type: string; text?: string; format?: string; message?: string; columns?: number };

describe('Compare Data Versions webview in a real browser', function () {
  this.timeout(120_000);
  let server: http.Server;
  let browser: Browser;
  let origin = '';

  before(async function () {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    ({ origin, server } = await serveWebview('dataCompare', (o, url) => themed(dataCompareHtml(o), url.searchParams.get('theme') === 'dark' ? THEMES.dark : THEMES.light)));
    browser = await launchChromium();
  });
  after(async () => { await browser?.close(); server?.close(); });

  async function open(theme: 'light' | 'dark' = 'light'): Promise<{ page: Page; problems: string[] }> {
    const { page, problems } = await openWebview(browser, `${origin}/?theme=${theme}`, { width: 1280, height: 1000 });
    return { page, problems: problems };
  }

  const posted = (page: Page) => page.evaluate(() => (window as unknown as { __posted: Posted[] }).__posted);
  const clearPosted = (page: Page) => page.evaluate(() => { (window as unknown as { __posted: unknown[] }).__posted.length = 0; });

  async function load(page: Page, payload: unknown): Promise<void> {
    await clearPosted(page);
    await page.evaluate((p) => window.postMessage({ type: 'load', payload: p }, '*'), payload);
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'rendered'), undefined, { timeout: 30_000 });
  }

  const rowNames = (page: Page) => page.$$eval('#columns tbody th.column-name', (ths) => ths.map((t) => t.textContent ?? ''));

  /** Pixels with any ink on the chart's canvas. */
  const ink = (page: Page) => page.$eval('#chart canvas', (c) => {
    const canvas = c as HTMLCanvasElement;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let n = 0; for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) { n++; } }
    return n;
  });

  it('renders hostile column names, categories and messages as text; nothing runs', async () => {
    const { page, problems } = await open('light');
    await load(page, report());
    assert.deepEqual(await rowNames(page), ['age', XSS_ALERT, PROTO, QUOTED, LONG, RTL, COMMA_NEWLINE, FORMULA]);
    // Header: A vs B, the dataset verdict with its class and the share of drifted columns.
    assert.equal(await page.$eval('h1', (h) => h.textContent), `A titanic v1 · 891 rows ↔ B titanic ${RTL} · 418 rows`);
    assert.equal(await page.$eval('#dataset-verdict', (p) => p.textContent), 'Dataset drift class major 5 of 8 columns drifted (62.5%); dataset drift at ≥ 50%');
    // One row in full: type, test, score, threshold, verdict, PSI, class.
    assert.deepEqual(await page.$$eval('#columns tbody tr[data-index="2"] td', (tds) => tds.map((t) => t.textContent)),
      ['categorical / string', 'chi-square', '0.0004', '0.05', 'drift', '0.18', 'minor']);
    // Discrepancies and alignment, names as text.
    assert.deepEqual(await page.$$eval('#discrepancies tbody tr', (trs) => trs.map((t) => t.getAttribute('data-kind'))), ['category-mapping', 'unit-scale', 'row-count', 'rename']);
    assert.deepEqual(await page.$$eval('#discrepancies tbody tr:first-child td.mapping li', (lis) => lis.map((l) => l.textContent)),
      ['S → Southampton (known abbreviation)', `${XSS_FLAG} → c (case)`]);
    assert.equal(await page.$eval('#discrepancies tbody tr[data-kind="unit-scale"] td.mapping', (t) => t.textContent), 'B ≈ 100 × A');
    assert.equal(await page.$eval('#discrepancies tbody tr[data-kind="rename"] td:nth-child(3)', (t) => t.textContent), `likely rename ${XSS_ALERT}`);
    assert.deepEqual(await page.$$eval('#alignment tbody tr', (trs) => trs.map((t) => Array.from(t.querySelectorAll('td')).slice(0, 3).map((td) => td.textContent).join(' | '))), [
      'age | age | same name', `${PROTO} | __PROTO__ | name ignoring case and punctuation`, `${XSS_FLAG} | — | only in A`, 'Sex | gender | likely rename (profile similarity)', '— | boat | only in B']);
    assert.deepEqual(await page.$$eval('#settings-problems li', (lis) => lis.map((l) => l.textContent)), [`goals.json drift.share: expected a number, got ${XSS_FLAG}`]);
    assert.deepEqual(await page.$$eval('#untested li', (lis) => lis.map((l) => l.textContent)), [`${XSS_FLAG}: only in A`, 'boat: only in B', 'embarked_at: datetime columns are not tested']);

    // Nothing was parsed as HTML or ran: no <img>, no flag, no alert, no CSP violation, no page error.
    assert.equal(await page.$$eval('img', (i) => i.length), 0);
    assert.equal(await page.$$eval('script', (s) => s.length), 2, 'only the page\'s own two scripts');
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    // The RTL name keeps its own direction and cannot reorder the cells around it; the long name wraps inside the table.
    assert.equal(await page.$eval('#columns tbody tr[data-index="5"] th', (th) => th.getAttribute('dir')), 'auto');
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, view: window.innerWidth }));
    assert.ok(widths.page <= widths.view, `no horizontal scroll from the long name (${widths.page} > ${widths.view})`);
    // __proto__ is a column like any other (its row selects, its chart draws).
    await page.click('#columns tbody tr[data-index="2"]');
    await page.waitForFunction((name) => document.querySelector('#chart header .column-name')?.textContent === name, PROTO);
    assert.ok(await ink(page) > 500);
    assert.deepEqual(problems, []);
    await page.screenshot({ path: path.join(ARTIFACTS, 'data-compare-light.png'), fullPage: true });
    await page.close();
  });

  it('"Only drifted" keeps the drifted columns; headers sort; the view options and the refs are saved in the webview state', async () => {
    const { page, problems } = await open('dark');
    await load(page, report());
    await page.click('#opt-drifted');
    await page.waitForFunction(() => document.querySelectorAll('#columns tbody tr').length === 5);
    assert.deepEqual(await rowNames(page), [XSS_ALERT, PROTO, LONG, RTL, FORMULA]);
    assert.ok((await page.$$eval('#columns tbody td.verdict', (tds) => tds.map((t) => t.textContent))).every((t) => t === 'drift'));
    // PSI ascending, then descending, then back to the report's order.
    await page.click('#columns th[data-key="psi"] button');
    assert.deepEqual(await rowNames(page), [FORMULA, LONG, PROTO, XSS_ALERT, RTL]);
    assert.equal(await page.$eval('#columns th[data-key="psi"]', (th) => th.getAttribute('aria-sort')), 'ascending');
    await page.click('#columns th[data-key="psi"] button');
    assert.deepEqual(await rowNames(page), [RTL, XSS_ALERT, PROTO, LONG, FORMULA]);
    await page.click('#columns th[data-key="class"] button');
    assert.deepEqual(await rowNames(page), [FORMULA, LONG, PROTO, XSS_ALERT, RTL], 'minor before major, by PSI within a class');
    await page.screenshot({ path: path.join(ARTIFACTS, 'data-compare-dark-drifted.png'), fullPage: true });
    // What VS Code gives back to the page when it shows the hidden panel again (and the serializer after a reload).
    const state = await page.evaluate(() => (window as unknown as { acquireVsCodeApi(): { getState(): unknown } }).acquireVsCodeApi().getState());
    assert.deepEqual(state, { view: { onlyDrifted: true, sort: { key: 'class', dir: 'asc' }, selected: XSS_ALERT }, a: 'titanic:01JAAAAAAAAAAAAAAAAAAAAAAA', b: 'titanic:01JBBBBBBBBBBBBBBBBBBBBBBB' });
    await page.click('#opt-drifted');
    await page.waitForFunction(() => document.querySelectorAll('#columns tbody tr').length === 8);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('selecting a column draws its overlaid histogram or its category bars', async () => {
    const { page, problems } = await open('light');
    await load(page, report());
    // The first drifted column is selected to begin with.
    assert.equal(await page.$eval('#chart header .column-name', (s) => s.textContent), XSS_ALERT);
    assert.equal(await page.$eval('#columns tbody tr.selected th', (th) => th.textContent), XSS_ALERT);
    const histogramInk = await ink(page);
    assert.ok(histogramInk > 500, `the histogram has ink (${histogramInk} pixels)`);
    // Keyboard: focus another row and press Enter.
    await page.focus('#columns tbody tr[data-index="5"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction((name) => document.querySelector('#chart header .column-name')?.textContent === name, RTL);
    assert.equal(await page.$eval('#columns tbody tr[data-index="5"]', (tr) => tr.getAttribute('aria-selected')), 'true');
    assert.match(await page.$eval('#chart header .muted', (s) => s.textContent ?? ''), /^chi-square p-value 0\.003 \(p < 0\.05\): drift · PSI 0\.4, major$/);
    assert.equal(await page.$eval('#chart header .choice', (s) => s.textContent), 'Test chosen because reference has 891 values (≤ 1000), categorical with 4 categories (> 2)');
    assert.deepEqual(await page.$$eval('#chart header .notes li', (lis) => lis.map((l) => l.textContent)), [`top categories + other (${XSS_FLAG})`]);
    const categoryInk = await ink(page);
    assert.ok(categoryInk > 500, `the category bars have ink (${categoryInk} pixels)`);
    // What Chart.js was given: the categories as labels (painted on the canvas, not in the DOM), "(other)" for B's tail.
    assert.equal(await page.$$eval('#chart *', (els) => els.filter((e) => e.textContent?.includes('window.__pwned=2') && e.tagName !== 'HEADER').length), 0);
    await page.click('#columns tbody tr[data-index="0"]');
    await page.waitForFunction(() => document.querySelector('#chart header .column-name')?.textContent === 'age');
    assert.ok(await ink(page) > 500);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.deepEqual(problems, []);
    await page.click('#columns tbody tr[data-index="5"]');
    await page.waitForFunction((name) => document.querySelector('#chart header .column-name')?.textContent === name, RTL);
    await page.screenshot({ path: path.join(ARTIFACTS, 'data-compare-categories.png'), fullPage: false });
    await page.close();
  });

  it('shows a malformed report or a failure as a visible error, posts it, and keeps working', async () => {
    const { page, problems } = await open('light');
    // Nothing shown yet: the error takes the place of the loading line.
    const bad = report() as unknown as { drift: { columns: { score: unknown }[] } };
    bad.drift.columns[1].score = 'high';
    await page.evaluate((p) => window.postMessage({ type: 'load', payload: p }, '*'), bad);
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await page.$eval('#error', (e) => e.textContent ?? ''), /^The comparison could not be shown: the report is malformed \(payload\.drift\.columns\.1\.score: .+\)\.$/);
    assert.match((await posted(page)).find((m) => m.type === 'error')?.message ?? '', /dropped an invalid message: payload\.drift\.columns\.1\.score/);
    // A histogram whose shares do not fit its edges is refused as well, not drawn wrong.
    const ragged = report() as unknown as { drift: { columns: { chart: { reference: number[] } }[] } };
    ragged.drift.columns[0].chart.reference.push(0.5);
    await page.evaluate((p) => window.postMessage({ type: 'load', payload: p }, '*'), ragged);
    await page.waitForFunction(() => /one share per bin/.test(document.getElementById('error')?.textContent ?? ''));
    assert.equal(await page.$$eval('#columns', (t) => t.length), 0);
    // A good report clears the error; a bad one afterwards keeps the report on screen under the error.
    await load(page, report());
    assert.equal(await page.$eval('#error', (e) => (e as HTMLElement).hidden), true);
    await page.evaluate(() => window.postMessage({ type: 'load', payload: { drift: 'nope' } }, '*'));
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await page.$eval('#error', (e) => e.textContent ?? ''), /The previous report stays below\.$/);
    assert.equal(await page.$$eval('#columns tbody tr', (t) => t.length), 8);
    // The host could not build the report.
    await page.evaluate(() => window.postMessage({ type: 'failed', message: 'titanic:v9 has no profile <b>x</b>' }, '*'));
    await page.waitForFunction(() => document.getElementById('error')?.textContent === 'The comparison could not be made: titanic:v9 has no profile <b>x</b>');
    assert.equal(await page.$$eval('#error b', (b) => b.length), 0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'data-compare-error.png'), fullPage: false });
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('exports the table as shown to CSV (hostile names quoted) and the report to Markdown (names escaped)', async () => {
    const { page, problems } = await open('light');
    await load(page, report());
    await clearPosted(page);
    await page.click('vscode-button:has-text("Export CSV")');
    await page.click('vscode-button:has-text("Export Markdown")');
    await page.click('vscode-button:has-text("Other Versions")');
    const out = await posted(page);
    assert.ok(out.some((m) => m.type === 'pickVersions'));
    const csv = out.find((m) => m.type === 'export' && m.format === 'csv')?.text ?? '';
    const rows = parseCsv(csv);
    assert.deepEqual(rows[0], ['column', 'type A', 'type B', 'test', 'score', 'score kind', 'threshold', 'rule', 'drifted', 'PSI', 'class', 'rows A', 'rows B', 'missing A', 'missing B', 'sampled']);
    // Every name comes back exactly (the formula defused with an apostrophe, as in the run compare's CSV).
    assert.deepEqual(rows.slice(1).map((r) => r[0]), ['age', XSS_ALERT, PROTO, QUOTED, LONG, RTL, COMMA_NEWLINE, `'${FORMULA}`]);
    assert.ok(rows.slice(1).every((r) => r.length === 16), 'every row has all 16 cells');
    assert.deepEqual(rows[3], [PROTO, 'categorical', 'string', 'chisquare', '0.0004', 'p-value', '0.05', 'p < 0.05', 'true', '0.18', 'minor', '891', '418', '0', '3', 'false']);
    assert.ok(csv.includes('"""quoted"""'), 'quotes doubled inside a quoted cell');
    assert.ok(csv.includes('"city,\nzip"'), 'comma and line break inside one quoted cell');
    assert.ok(csv.endsWith('\r\n'));
    // Only drifted: the export follows what is shown.
    await page.click('#opt-drifted');
    await page.waitForFunction(() => document.querySelectorAll('#columns tbody tr').length === 5);
    await clearPosted(page);
    await page.click('vscode-button:has-text("Export CSV")');
    assert.equal(parseCsv((await posted(page)).find((m) => m.type === 'export')?.text ?? '').length, 6);

    const markdown = out.find((m) => m.type === 'export' && m.format === 'markdown')?.text ?? '';
    assert.match(markdown, /^# titanic v1 ↔ titanic מחיר\\_ממוצע\n/);
    assert.ok(markdown.includes('| \\<img src=x onerror=alert(1)\\> | float | float | Kolmogorov–Smirnov | 0.001 (p-value) | 0.05 | drift | 0.31 | major |'), markdown);
    assert.ok(markdown.includes('| \\_\\_proto\\_\\_ |'));
    assert.ok(markdown.includes('| city, zip |'), 'line breaks folded inside a table cell');
    assert.ok(!/(^|[^\\])<img/.test(markdown), 'no unescaped HTML tag');
    assert.ok(markdown.includes('- **category-mapping** (warning) \\_\\_proto\\_\\_: categories of \\_\\_proto\\_\\_ differ only by spelling — S → Southampton (known abbreviation); \\<img'));
    assert.ok(markdown.includes('- **unit-scale** (warning) fare → fare\\_cents: B looks like A in another unit — B ≈ 100 × A'));
    assert.ok(markdown.includes('| Sex | gender | profile | 0.93 |'));
    // Every table row has the header's number of cells: no name broke out of its cell.
    for (const line of markdown.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---'))) {
      const cells = line.replace(/\\\|/g, '').split('|').length - 2;
      assert.ok(cells === 9 || cells === 4, `${cells} cells in ${line}`);
    }
    // The host's answer.
    await page.evaluate(() => window.postMessage({ type: 'exported', format: 'csv', path: '/tmp/drift.csv' }, '*'));
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'Saved /tmp/drift.csv');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
