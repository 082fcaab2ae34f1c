import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { MlopsApi } from '../../src/extension';
import type { ViewNode } from '../../src/core';
import { activate, cli, stub, ui, until, workspaceRoot } from './helpers';

// Runs of its own (written by the CLI), so other suites' fixture runs stay untouched.
let C1 = '';
let C10 = '';

describe('Compare Runs panel (real extension host)', () => {
  let api: MlopsApi;
  before(async () => {
    api = await activate();
    await api.stores.ready();
    const log = (name: string, c: number, losses: number[]) => (JSON.parse(cli(['run', 'log', '-e', 'compare-test', '-n', name, '--param', `C=${c}`, '--param', 'solver=lbfgs', '--no-git',
      ...losses.flatMap((l, i) => ['--metric', `loss=${l}@${i}`]), '--metric', 'accuracy=0.8', '--json'], workspaceRoot())) as { id: string }).id;
    C1 = log('cmp-c1', 1, [0.69, 0.41, 0.33]);
    C10 = log('cmp-c10', 10, [0.69, 0.37, 0.29]);
    // Both runs must have reached the tree (the watcher may deliver them in two batches).
    await until(async () => {
      const exp = (await api.trees.experiments.tree.getChildren()).find((n) => n.label === 'compare-test');
      return exp && (await api.trees.experiments.tree.getChildren(exp)).filter((n) => n.runId === C1 || n.runId === C10).length === 2;
    }, 15_000, 'both runs in the tree');
  });
  after(() => { api.comparePanel()?.dispose(); });

  it('opens for the runs selected in the tree, answers ready, gets the data and draws it', async () => {
    const exp = (await api.trees.experiments.tree.getChildren()).find((n) => n.label === 'compare-test')!;
    const runs = (await api.trees.experiments.tree.getChildren(exp)).filter((n: ViewNode) => n.runId === C1 || n.runId === C10);
    assert.strictEqual(runs.length, 2);
    await vscode.commands.executeCommand('mlops.compareRuns', runs[0], runs);
    const panel = await until(() => api.comparePanel(), 10_000, 'panel');
    assert.deepStrictEqual([...panel.compared].sort(), [C1, C10].sort());
    await until(() => panel.received.some((m) => m.type === 'ready'), 30_000, 'ready handshake');
    const rendered = await until(() => panel.lastRender, 30_000, 'the page rendered the data');
    assert.ok(rendered.charts >= 2, `charts drawn: ${rendered.charts}`);
    assert.strictEqual(panel.panel.title, 'Compare 2 Runs');
    const headers = await ui<string[]>('/texts', { frame: 'webview', selector: '#summary thead th' });
    if (headers) {
      assert.ok(headers.some((h) => h.includes('cmp-c1')), headers.join(' | '));
      const bestCells = await ui<string[]>('/texts', { frame: 'webview', selector: '#summary tr[data-key="loss last"] td.best' });
      assert.deepStrictEqual(bestCells, ['0.29']);
      await ui('/screenshot', { name: 'compare-panel' });
    }
  });

  it('drops an invalid message and logs it', async () => {
    const panel = api.comparePanel()!;
    const before = panel.rejected;
    assert.strictEqual(await panel.handle({ type: 'bogus' }), false);
    assert.strictEqual(await panel.handle({ type: 'exportPng', name: 'x', dataUrl: 'javascript:alert(1)' }), false);
    assert.strictEqual(panel.rejected, before + 2);
  });

  it('follows new metric points of a compared run without reopening', async () => {
    const panel = api.comparePanel()!;
    const renders = panel.received.filter((m) => m.type === 'rendered').length;
    fs.appendFileSync(path.join(workspaceRoot(), '.mlops', 'runs', C1, 'metrics.jsonl'), `${JSON.stringify({ name: 'loss', step: 3, value: 0.21, timestamp: Date.now() })}\n`);
    await until(() => panel.received.filter((m) => m.type === 'rendered').length > renders, 15_000, 'a new render after the append');
    const best = await ui<string[]>('/texts', { frame: 'webview', selector: '#summary tr[data-key="loss last"] td.best' });
    if (best) { assert.deepStrictEqual(best, ['0.21']); }
  });

  it('exports the table as CSV through a save dialog, and removes a run', async () => {
    const panel = api.comparePanel()!;
    const target = path.join(workspaceRoot(), 'compare.csv');
    const restore = stub(vscode.window, 'showSaveDialog', (() => Promise.resolve(vscode.Uri.file(target))));
    try { assert.ok(await panel.handle({ type: 'exportCsv' })); } finally { restore(); }
    const csv = fs.readFileSync(target, 'utf8');
    assert.match(csv.split('\r\n')[0], /cmp-c1/);
    assert.match(csv, /param: C,1,10|param: C,10,1/);
    await panel.handle({ type: 'removeRun', runId: C10 });
    assert.deepStrictEqual([...panel.compared], [C1]);
    assert.strictEqual(panel.panel.title, 'Compare 1 Run');
  });

  it('comes back after a window reload from the state the page saved', async () => {
    api.comparePanel()?.dispose();
    const panel = vscode.window.createWebviewPanel('mlops.compare', 'Compare Runs', vscode.ViewColumn.Active, { enableScripts: true });
    await api.compareSerializer.deserializeWebviewPanel(panel, { runIds: [C1, C10], options: { logScale: true } });
    const restored = await until(() => api.comparePanel(), 10_000, 'restored panel');
    assert.deepStrictEqual([...restored.compared], [C1, C10]);
    await until(() => restored.lastRender, 30_000, 'restored panel rendered');
    restored.dispose();
  });
});
