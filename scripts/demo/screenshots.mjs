// The demo's screenshot mode: opens the workbench (served by code-server, see ../demo.mjs) in headless Chromium
// and takes named shots, each in a fresh browser context so no shot inherits another's layout. The README's
// pictures in media/screenshots/ are made with
//
//   npm run demo -- --screenshots media/screenshots            (every shot)
//   npm run demo -- --screenshots DIR --shots compare,gate     (some of them)
//   npm run demo -- --screenshot FILE [--shot NAME]            (one shot into FILE; default: experiments)
//
// Each shot waits for what it shows (tree rows, the webview's charts or section) instead of sleeping blindly, and
// fails loudly when that never appears, so a half-loaded picture is not saved silently.
import os from 'node:os';
import path from 'node:path';

const VIEWPORT = { width: 1400, height: 900 };
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The shots, in the order `--screenshots` takes them; `file` is the name under the output folder. */
export const SHOTS = {
  start: { file: 'start.png', what: 'the workbench as `npm run demo` opens it: the demo README, Source Control clean, no panel' },
  experiments: { file: 'experiments.png', what: 'the Experiments view: runs with their headline metric, first KPI and goal badge; one run open' },
  goals: { file: 'goals.png', what: 'the Goals view: KPIs, metric goals, production constraints and each experiment\'s budget' },
  registry: { file: 'registry.png', what: 'the MLOps side bar: data versions, models with their stages, monitoring' },
  compare: { file: 'compare.png', what: 'Compare Runs: one chart per metric and the summary table' },
  'model-card': { file: 'model-card.png', what: 'the model card of the production version: KPIs against their goals' },
  gate: { file: 'gate.png', what: 'the production gate refusing the staging version, on its model card' },
  monitoring: { file: 'monitoring.png', what: 'the monitoring chart of the production model: drift, latency and performance per window' },
};

class Workbench {
  constructor(page) { this.page = page; }

  async open(url) {
    const { page } = this;
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench', { timeout: 120_000 });
    // The secondary side bar (chat) stays closed: the pictures are about the extension.
    const aux = page.locator('.part.auxiliarybar');
    if (await aux.isVisible().catch(() => false)) { await page.keyboard.press('Control+Alt+KeyB'); }
    // The workspace opens on its README (startupEditor); it must be there before a shot opens its own editor, or
    // it takes the focus from it.
    await page.locator('.editor-group-container .tab', { hasText: 'README' }).first().waitFor({ timeout: 60_000 }).catch(() => {});
  }

  /** Closes every editor (the README the workspace opens on), so the shot's own editor is alone. */
  async closeEditors() {
    await this.command('View: Close All Editors');
    await this.page.locator('.editor-group-container .tab').first().waitFor({ state: 'detached', timeout: 15_000 }).catch(() => {});
  }

  /** Shows the MLOps container and waits until the extension has filled the Experiments view. */
  async showMlops() {
    const { page } = this;
    await page.locator('.activitybar [aria-label^="MLOps"]').first().click({ timeout: 60_000 });
    await this.row('baseline').waitFor({ timeout: 120_000 });
  }

  /** A tree row of the side bar whose label is exactly `label` (not a run whose name starts with it). */
  row(label) {
    const { page } = this;
    return page.locator('.part.sidebar .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRe(label)}$`) }) }).first();
  }

  async expand(label) {
    const r = this.row(label);
    await r.waitFor({ timeout: 30_000 });
    if ((await r.getAttribute('aria-expanded')) === 'false') { await r.click(); }
    await this.page.waitForTimeout(300);
  }

  /** Opens or folds a view of the side bar by its title. */
  async pane(title, open) {
    const header = this.page.locator(`.part.sidebar .pane-header[aria-label^="${title}"]`).first();
    await header.waitFor({ timeout: 30_000 });
    if (((await header.getAttribute('aria-expanded')) === 'true') !== open) { await header.click(); }
    await this.page.waitForTimeout(300);
  }

  /** Drags the sash on the side bar's right edge to `x`. */
  async sideBarWidth(x) {
    const { page } = this;
    const side = await page.locator('.part.sidebar').first().boundingBox();
    for (const sash of await page.locator('.monaco-sash.vertical').all()) {
      const box = await sash.boundingBox();
      if (!box || !side || Math.abs(box.x + box.width / 2 - (side.x + side.width)) > 6) { continue; }
      const y = box.y + box.height / 2;
      await page.mouse.move(box.x + box.width / 2, y); await page.mouse.down(); await page.mouse.move(x, y, { steps: 10 }); await page.mouse.up();
      return;
    }
  }

  async hideSideBar() {
    if (await this.page.locator('.part.sidebar').isVisible()) { await this.page.keyboard.press('Control+KeyB'); }
  }

  /** Runs a command from the palette by its title, e.g. `MLOps: Compare Runs`. */
  async command(title) {
    const { page } = this;
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ timeout: 15_000 });
    await input.fill(`>${title}`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
  }

  /** Answers the open quick pick with the item whose label is `label`. */
  async pick(label) {
    const { page } = this;
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ timeout: 30_000 });
    await input.fill(label);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
  }

  /** The document inside the active webview panel (VS Code nests it in two iframes). */
  webview() {
    return this.page.frameLocator('iframe.webview.ready:visible').last().frameLocator('#active-frame');
  }

  /** Closes the notifications toasts (they cover the bottom right corner). */
  async quietNotifications() {
    const { page } = this;
    for (const close of await page.locator('.notification-toast .codicon-notifications-clear, .notification-toast .action-label.codicon-close').all()) {
      await close.click().catch(() => {});
    }
  }
}

const RECIPES = {
  async start(wb) {
    // As a person sees it: no clicks but the wait for the extension (its status bar entries) and the README.
    await wb.page.locator('.statusbar-item', { hasText: 'MLOps' }).first().waitFor({ timeout: 120_000 });
    await wb.page.waitForTimeout(4000);
  },
  async experiments(wb) {
    await wb.showMlops();
    await wb.sideBarWidth(900);
    // Only Experiments open: a tree row outside the view is not rendered, so it could not be clicked.
    for (const pane of ['Data', 'Models', 'Goals', 'Monitoring']) { await wb.pane(pane, false); }
    for (const label of ['baseline', 'gbm-tuning']) { await wb.expand(label); }
    await wb.expand('gbm-d5-slow');
    await wb.expand('Metrics');
    await wb.page.waitForTimeout(1500);
    return { clip: 'sidebar' };
  },
  async goals(wb) {
    await wb.showMlops();
    await wb.sideBarWidth(900);
    for (const pane of ['Experiments', 'Data', 'Models', 'Monitoring']) { await wb.pane(pane, false); }
    await wb.pane('Goals', true);
    await wb.row('Budget').waitFor({ timeout: 60_000 });
    await wb.page.waitForTimeout(1500);
    return { clip: 'sidebar' };
  },
  async registry(wb) {
    await wb.showMlops();
    await wb.sideBarWidth(900);
    await wb.pane('Experiments', false);
    await wb.pane('Goals', false);
    for (const pane of ['Data', 'Models', 'Monitoring']) { await wb.pane(pane, true); }
    await wb.expand('churn');
    await wb.expand('churn-classifier');
    await wb.page.waitForTimeout(1500);
    return { clip: 'sidebar' };
  },
  async compare(wb) {
    await wb.showMlops();
    await wb.closeEditors();
    for (const pane of ['Data', 'Models', 'Goals', 'Monitoring']) { await wb.pane(pane, false); }
    for (const label of ['baseline', 'gbm-tuning']) { await wb.expand(label); }
    // Selected in the tree, Compare Runs from the palette takes them (two or more).
    await wb.row('logreg-C10').click();
    for (const label of ['logreg-C1', 'gbm-d5', 'gbm-d5-slow']) { await wb.row(label).click({ modifiers: ['Control'] }); }
    await wb.command('MLOps: Compare Runs');
    await wb.hideSideBar();
    await wb.webview().locator('canvas').nth(1).waitFor({ timeout: 60_000 });
    await wb.page.waitForTimeout(2500);
  },
  async 'model-card'(wb) {
    await wb.showMlops();
    await wb.closeEditors();
    await wb.command('MLOps: Open Model Card');
    await wb.pick('churn-classifier v2');
    await wb.hideSideBar();
    await wb.webview().locator('#kpis').waitFor({ timeout: 60_000 });
    await wb.page.waitForTimeout(2500);
  },
  async gate(wb) {
    await wb.showMlops();
    await wb.closeEditors();
    await wb.command('MLOps: Open Model Card');
    await wb.pick('churn-classifier v3');
    await wb.hideSideBar();
    const gate = wb.webview().locator('#gate');
    await gate.waitFor({ timeout: 60_000 });
    await gate.scrollIntoViewIfNeeded();
    await gate.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await wb.page.waitForTimeout(2500);
  },
  async monitoring(wb) {
    await wb.showMlops();
    await wb.closeEditors();
    await wb.command('MLOps: Open Monitoring Chart');
    // One monitored model opens straight away; with several, a pick.
    await wb.pick('churn-classifier').catch(() => {});
    await wb.hideSideBar();
    await wb.webview().locator('canvas').first().waitFor({ timeout: 60_000 });
    await wb.page.waitForTimeout(2500);
  },
};

/**
 * Takes `names` (keys of SHOTS) from the workbench at `url`; `out(name)` gives each file's path. Returns the files
 * written. A shot that fails is reported and skipped; the others are still taken.
 */
export async function takeShots({ url, names, out, executablePath }) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'] });
  const written = [];
  const failed = [];
  try {
    for (const name of names) {
      const recipe = RECIPES[name];
      if (!recipe) { throw new Error(`no shot named '${name}' (shots: ${Object.keys(SHOTS).join(', ')})`); }
      const context = await browser.newContext({ viewport: VIEWPORT });
      const page = await context.newPage();
      const wb = new Workbench(page);
      try {
        await wb.open(url);
        const how = (await recipe(wb)) ?? {};
        await wb.quietNotifications();
        // No hover tooltip from the last click over the picture.
        await page.mouse.move(VIEWPORT.width - 8, VIEWPORT.height / 2);
        await page.waitForTimeout(800);
        // What a person would see at once: a panel (Output, terminal) left open at start is reported.
        if (name === 'start' && await page.locator('.part.panel').isVisible().catch(() => false)) { console.log('[demo] note: the panel is open at start'); }
        const file = path.resolve(out(name));
        let clip;
        if (how.clip === 'sidebar') {
          const side = await page.locator('.part.sidebar').first().boundingBox();
          if (side) { clip = { x: 0, y: 0, width: Math.ceil(side.x + side.width), height: VIEWPORT.height }; }
        }
        await page.screenshot({ path: file, ...(clip ? { clip } : {}) });
        written.push(file);
        console.log(`[demo] ${name}: ${file}`);
      } catch (e) {
        failed.push(name);
        const file = path.join(os.tmpdir(), `mlops-demo-${name}.failed.png`);
        await page.screenshot({ path: file }).catch(() => {});
        console.error(`[demo] shot '${name}' failed (what the page showed: ${file}): ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
  return { written, failed };
}
