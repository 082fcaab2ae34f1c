/// <reference lib="dom" />
// The model card in a real browser (headless Debian Chromium via playwright-core): the exported HTML file as a person
// opening the attachment would see it, and the Open Model Card panel's page under the webview CSP with a stand-in for
// acquireVsCodeApi. The card comes from a real temp store with hostile run, model, metric and slice names.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { REPO, launchChromium, requireBundle, withStubApi } from './harness';
import { buildModelCard, cardHtml, type ModelCard } from '../../src/core/card';
import { modelCardPage } from '../../src/vscode/card/cardPage';
import { cardFixture, handGate } from '../unit/cardFixture';

const ARTIFACTS = path.join(REPO, 'test-artifacts', 'browser');

const DARK = '--vscode-foreground:#cccccc;--vscode-editor-background:#1f1f1f;--vscode-editorWidget-background:#252526;--vscode-panel-border:#454545;--vscode-descriptionForeground:#9d9d9d;--vscode-errorForeground:#f48771;--vscode-editorWarning-foreground:#cca700;--vscode-testing-iconPassed:#73c991;--vscode-charts-blue:#3794ff;--vscode-charts-red:#f14c4c;--vscode-textLink-foreground:#4daafc;--vscode-font-family:sans-serif;--vscode-font-size:13px;--vscode-button-secondaryBackground:#313131;--vscode-button-secondaryForeground:#cccccc;--vscode-button-secondaryHoverBackground:#3c3c3c;--vscode-focusBorder:#0078d4';

describe('Model card in a real browser', function () {
  this.timeout(120_000);
  let server: http.Server;
  let browser: Browser;
  let origin = '';
  let hostile: ModelCard;
  let plain: ModelCard;
  let exported = '';

  before(async function () {
    const bundle = requireBundle('modelCard');
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const h = await cardFixture({ hostile: true, notes: 'retrained after the <b>March</b> export; fold 2 is the holdout' });
    hostile = await buildModelCard(h.store, h.model, 1, { gate: handGate({}, true), now: new Date('2026-11-30T05:00:00Z') });
    const p = await cardFixture();
    await p.store.setModelStage('churn', 1, 'production', { record: { by: { name: 'Ada Lovelace', email: 'ada@example.com' },
      waivers: [{ check: 'slices', reason: 'fold 2 is a holdout of the oldest customers; tracked in CHURN-42' }],
      gate: { passed: true, commit: 'a'.repeat(40), checks: [] } } });
    plain = await buildModelCard(p.store, 'churn', 1, { gate: handGate({ passed: true, blocking: [], checks: handGate().checks.map((c) => ({ ...c, status: c.id === 'notebooks' ? 'pass' as const : c.id === 'slices' ? 'waived' as const : c.status === 'fail' ? 'waived' as const : c.status, ...(c.status === 'fail' ? { waiver: 'accepted for the pilot' } : {}) })) }), now: new Date('2026-11-30T05:00:00Z') });
    exported = path.join(ARTIFACTS, 'model-card-hostile.html');
    fs.writeFileSync(exported, cardHtml(hostile));
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/modelCard.js') { res.setHeader('content-type', 'text/javascript'); res.end(fs.readFileSync(bundle)); return; }
      if (url.pathname === '/modelCard.css') { res.setHeader('content-type', 'text/css'); res.end(fs.readFileSync(path.join(REPO, 'media/modelCard.css'))); return; }
      const card = url.searchParams.get('card') === 'plain' ? plain : hostile;
      if (url.pathname === '/export') { res.setHeader('content-type', 'text/html'); res.end(cardHtml(card)); return; }
      const nonce = randomBytes(16).toString('base64');
      const html = modelCardPage({ cspSource: origin, nonce, scriptUri: '/modelCard.js', styleUri: '/modelCard.css' }, { root: '/ws', model: card.model, version: card.version }, card)
        .replace('<html lang="en">', `<html lang="en" style="${DARK}">`).replace('<body>', '<body class="vscode-dark">');
      res.setHeader('content-type', 'text/html');
      res.end(withStubApi(html, nonce));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    browser = await launchChromium();
  });
  after(async () => { await browser?.close(); server?.close(); });

  async function open(url: string, width = 1100): Promise<{ page: Page; problems: string[]; requests: string[] }> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') { problems.push(m.text()); } });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url);
    return { page, problems, requests };
  }

  it('the exported file keeps hostile names as text: no injected element, no script run, nothing loaded', async () => {
    const { page, problems, requests } = await open(`file://${exported}`);
    const found = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      imgs: document.querySelectorAll('img').length,
      scripts: document.querySelectorAll('script').length,
      links: Array.from(document.querySelectorAll('a')).map((a) => a.getAttribute('href')),
      text: document.body.innerText,
      sections: Array.from(document.querySelectorAll('section')).map((s) => s.id),
      svgs: document.querySelectorAll('svg.chart').length,
      worst: Array.from(document.querySelectorAll('svg.chart .bar.worst title')).map((t) => t.textContent),
    }));
    assert.equal(found.pwned, undefined);
    assert.equal(found.imgs, 0);
    assert.equal(found.scripts, 0);
    assert.deepEqual(found.links, ['#gate'], 'the only link is the headline to the gate section');
    assert.ok(found.text.includes('run <img src=x onerror="window.__pwned=1"> | `tick` *b* _i_ [l](javascript:alert(1))'), 'the run name is shown as written');
    assert.ok(found.text.includes('desc <img src=x'), 'the model description too');
    assert.ok(found.text.includes('retrained after the <b>March</b> export'), 'the run notes keep their tags as text');
    assert.deepEqual(found.sections, ['details', 'intended-use', 'kpis', 'metrics', 'slices', 'data', 'constraints', 'dependencies', 'lineage', 'gate', 'caveats']);
    assert.equal(found.svgs, 3, 'accuracy by fold, the hostile slice key, loss by region');
    assert.ok(found.worst.includes('accuracy@fold=2: 0.79 (worst slice)'), found.worst.join(' / '));
    assert.deepEqual(requests.filter((u) => !u.startsWith('file://')), [], 'the file loads nothing from anywhere');
    assert.deepEqual(problems, []);
    await page.screenshot({ path: path.join(ARTIFACTS, 'model-card-hostile.png'), fullPage: true });
    await page.close();
  });

  it('reads well exported (light) and printed', async () => {
    const { page, problems } = await open(`${origin}/export?card=plain`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the card fits the window (overflows by ${overflow}px)`);
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(255, 255, 255)');
    await page.screenshot({ path: path.join(ARTIFACTS, 'model-card-light.png'), fullPage: true });
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: path.join(ARTIFACTS, 'model-card-print.png'), fullPage: true });
    const narrow = await browser.newPage({ viewport: { width: 560, height: 900 } });
    await narrow.goto(`${origin}/export?card=plain`);
    const narrowOverflow = await narrow.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(narrowOverflow <= 0, `no sideways scrolling at 560px (overflows by ${narrowOverflow}px)`);
    await narrow.screenshot({ path: path.join(ARTIFACTS, 'model-card-narrow.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await narrow.close();
    await page.close();
  });

  it('the panel page runs only its nonce\'d script: the toolbar posts, the host scrolls it to the gate, the theme applies', async () => {
    const { page, problems } = await open(`${origin}/panel`);
    await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
    assert.equal(await page.evaluate(() => document.querySelectorAll('section img, section script').length), 0);
    await page.click('button[data-action="refresh"]');
    await page.click('button[data-action="export-html"]');
    await page.click('button[data-action="export-md"]');
    const posted = await page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted);
    assert.deepEqual(posted, [{ type: 'ready' }, { type: 'refresh' }, { type: 'export', format: 'html' }, { type: 'export', format: 'md' }]);
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(31, 31, 31)', 'the editor\'s background, not the export\'s white');
    await page.evaluate(() => window.postMessage({ type: 'scrollTo', section: 'gate' }, '*'));
    await page.waitForFunction(() => Math.abs(document.getElementById('gate')!.getBoundingClientRect().top) < 80);
    await page.screenshot({ path: path.join(ARTIFACTS, 'model-card-panel-dark-gate.png') });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(ARTIFACTS, 'model-card-panel-dark.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  });
});
