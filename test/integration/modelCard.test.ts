import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { MlopsApi } from '../../src/extension';
import type { ModelCardPanel } from '../../src/vscode/card/cardPanel';
import { activate, cli, ui, until, workspaceRoot } from './helpers';

// A model of its own, registered by the CLI from the fixture's run (so the other suites' models stay as they were).
const MODEL = 'card-test';

/** Texts of the elements in webviews that match a selector (through the launcher's UI bridge). */
async function page(selector: string): Promise<string[]> {
  return (await ui<string[]>('/texts', { frame: 'webview', selector })) ?? [];
}

describe('Open Model Card panel (real extension host)', () => {
  let api: MlopsApi;
  let root = '';
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-card-export-'));

  before(async function () {
    api = await activate();
    await api.stores.ready();
    root = workspaceRoot();
    const runId = (JSON.parse(cli(['runs', 'list', '--json'], root)) as { id: string }[])[0].id;
    fs.writeFileSync(path.join(root, 'card-test.pkl'), 'weights');
    cli(['model', 'register', '--name', MODEL, '--run', runId, '--artifact', 'card-test.pkl'], root);
    await vscode.commands.executeCommand('mlops.refresh');
    await until(() => api.stores.list()[0]?.modelVersions.some((v) => v.model === MODEL), 15_000, 'the test model in the store');
  });
  afterEach(() => { for (const p of api.modelCardPanels()) { p.dispose(); } });
  after(async () => {
    fs.rmSync(path.join(root, '.mlops', 'models', MODEL), { recursive: true, force: true });
    fs.rmSync(path.join(root, 'card-test.pkl'), { force: true });
    fs.rmSync(out, { recursive: true, force: true });
    await vscode.commands.executeCommand('mlops.refresh');
    await until(() => !api.stores.list()[0]?.modelVersions.some((v) => v.model === MODEL), 15_000, 'the test model gone');
  });

  it('opens at the gate section, shows the card\'s sections in the page, and reveals the same panel when asked again', async () => {
    const panel = await vscode.commands.executeCommand<ModelCardPanel>('mlops.openModelCard', { root, model: MODEL, version: 1, section: 'gate' });
    assert.ok(panel, 'the command returns the panel');
    assert.strictEqual(panel.title, `Model card: ${MODEL} v1`);
    assert.strictEqual(panel.failure, undefined);
    assert.strictEqual(panel.card?.model, MODEL);
    assert.strictEqual(panel.card?.details.stage, 'none');
    assert.ok(panel.card?.gate, 'the gate ran for the card');
    assert.deepStrictEqual(panel.card.gate.checks.map((c) => c.id).slice(0, 2), ['goals', 'constraints']);
    if (process.env.EXT_TEST_UI_BRIDGE) {
      const headings = await until(async () => { const h = await page('section h2'); return h.length >= 11 && h; }, 20_000, 'the card in the webview');
      assert.deepStrictEqual(headings.slice(0, 11), ['Model details', 'Intended use', 'Business KPIs', 'Model metrics', 'Results by slice',
        'Training and evaluation data', 'Production constraints', 'Dependencies', 'Lineage', 'Production gate', 'Caveats']);
      assert.ok((await page('#details td')).includes(MODEL));
      assert.ok((await page('#gate .headline')).some((t) => t.startsWith('Ready for production') || t.startsWith('Not ready for production')));
      assert.ok((await page('#gate .check-head strong')).includes('Goals and KPIs'), 'each gate check is listed');
      // Scrolled to the gate: the page marks the section it was sent to.
      await until(async () => (await page('section.focus h2')).includes('Production gate'), 10_000, 'the gate section scrolled to');
    }
    const again = await vscode.commands.executeCommand<ModelCardPanel>('mlops.openModelCard', { root, model: MODEL, version: 1 });
    assert.strictEqual(again, panel);
    assert.strictEqual(api.modelCardPanels().length, 1);
  });

  it('follows the store: a stage change made outside the editor shows in the open card', async () => {
    const panel = await vscode.commands.executeCommand<ModelCardPanel>('mlops.openModelCard', { root, model: MODEL, version: 1 });
    assert.ok(panel);
    cli(['model', 'promote', MODEL, '1', '--stage', 'staging'], root);
    await until(() => panel.card?.details.stage === 'staging', 20_000, 'the card to show the new stage');
    if (process.env.EXT_TEST_UI_BRIDGE) {
      await until(async () => (await page('#details td')).includes('staging'), 20_000, 'the page to show the new stage');
    }
    assert.deepStrictEqual(panel.card?.history.map((h) => h.stage), ['none', 'staging']);
  });

  it('exports the card as HTML and Markdown to a path given in the arguments, and refuses a folder', async () => {
    const html = path.join(out, 'card.html');
    const panel = await vscode.commands.executeCommand<ModelCardPanel>('mlops.openModelCard', { root, model: MODEL, version: 1, export: { format: 'html', path: html } });
    assert.ok(panel);
    const text = fs.readFileSync(html, 'utf8');
    assert.match(text, /^<!DOCTYPE html>/);
    assert.ok(!/<script/i.test(text), 'the export has no script');
    assert.ok(text.includes('<section id="gate"'));
    const md = path.join(out, 'card.md');
    assert.strictEqual(await panel.exportTo('md', md), md);
    assert.match(fs.readFileSync(md, 'utf8'), new RegExp(`^# Model card: ${MODEL} v1\\n`));
    await assert.rejects(panel.exportTo('md', out), /is a folder/);
    assert.ok(fs.statSync(out).isDirectory());
  });

  it('drops messages that do not match the protocol', async () => {
    const panel = await vscode.commands.executeCommand<ModelCardPanel>('mlops.openModelCard', { root, model: MODEL, version: 1 });
    assert.ok(panel);
    assert.strictEqual(await panel.handle({ type: 'export', format: 'pdf' }), false);
    assert.strictEqual(await panel.handle({ type: 'rm -rf' }), false);
    assert.strictEqual(await panel.handle({ type: 'refresh' }), true);
  });

  it('says clearly when the version does not exist or the section is unknown', async () => {
    const shown: string[] = [];
    const original = vscode.window.showErrorMessage;
    Object.defineProperty(vscode.window, 'showErrorMessage', { value: (m: string) => { shown.push(m); return Promise.resolve(undefined); }, configurable: true, writable: true });
    try {
      assert.strictEqual(await vscode.commands.executeCommand('mlops.openModelCard', { root, model: MODEL, version: 9 }), undefined);
      assert.strictEqual(await vscode.commands.executeCommand('mlops.openModelCard', { root, model: MODEL, version: 1, section: 'nope' }), undefined);
    } finally {
      Object.defineProperty(vscode.window, 'showErrorMessage', { value: original, configurable: true, writable: true });
    }
    assert.strictEqual(shown.length, 2, shown.join('\n'));
    assert.match(shown[0], /has no version 9/);
    assert.match(shown[1], /no section 'nope'/);
    assert.strictEqual(api.modelCardPanels().length, 0);
  });
});
