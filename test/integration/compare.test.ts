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

/** Texts of the elements in the Compare webview that match a selector (through the launcher's UI bridge). */
async function page(selector: string): Promise<string[]> {
  return (await ui<string[]>('/texts', { frame: 'webview', selector })) ?? [];
}

/** The run names in the page's table header, once they are `expected` (sorted). */
async function shownRuns(expected: string[], what = 'the page shows the compared runs'): Promise<void> {
  const want = [...expected].sort().join(' | ');
  let last = '';
  try {
    await until(async () => { last = (await page('#summary thead th')).map((t) => t.trim()).filter(Boolean).sort().join(' | '); return last === want; }, 30_000, what);
  } catch (e) { throw new Error(`${(e as Error).message}: want ${want}, the page shows ${last || 'nothing'}`, { cause: e }); }
}

describe('Compare Runs panel (real extension host)', () => {
  let api: MlopsApi;
  before(async function () {
    // What the panel shows is read from the real webview DOM, which only the offline launcher's bridge can see.
    if (!process.env.EXT_TEST_UI_BRIDGE) { this.skip(); }
    api = await activate();
    await api.stores.ready();
    const log = (name: string, c: number, losses: number[]) => (JSON.parse(cli(['run', 'log', '-e', 'compare-test', '-n', name, '--param', `C=${c}`, '--param', 'solver=lbfgs', '--no-git',
      ...losses.flatMap((l, i) => ['--metric', `loss=${l}@${i}`]), '--metric', 'accuracy=0.8', '--json'], workspaceRoot())) as { id: string }).id;
    C1 = log('cmp-c1', 1, [0.69, 0.41, 0.33]);
    C10 = log('cmp-c10', 10, [0.69, 0.37, 0.29]);
    // Both runs must have reached the tree. Live pick-up by the file watcher is the sidebar suite's subject; here
    // (possibly the first suite, right after activation, while the watcher may still be starting) reload instead.
    await vscode.commands.executeCommand('mlops.refresh');
    await until(async () => {
      const exp = (await api.trees.experiments.tree.getChildren()).find((n) => n.label === 'compare-test');
      return exp && (await api.trees.experiments.tree.getChildren(exp)).filter((n) => n.runId === C1 || n.runId === C10).length === 2;
    }, 15_000, 'both runs in the tree');
  });
  after(() => { api?.comparePanel()?.dispose(); });

  it('opens for the runs selected in the tree, answers ready, gets the data and draws it', async () => {
    const exp = (await api.trees.experiments.tree.getChildren()).find((n) => n.label === 'compare-test')!;
    const runs = (await api.trees.experiments.tree.getChildren(exp)).filter((n: ViewNode) => n.runId === C1 || n.runId === C10);
    assert.strictEqual(runs.length, 2);
    await vscode.commands.executeCommand('mlops.compareRuns', runs[0], runs);
    const panel = await until(() => api.comparePanel(), 10_000, 'panel');
    assert.strictEqual(panel.panel.title, 'Compare 2 Runs');
    // The page only gets data after its ready message, so run names in the table prove the handshake.
    await shownRuns(['cmp-c1', 'cmp-c10'], 'the page rendered the data');
    assert.deepStrictEqual((await page('.charts section.card header > span')).sort(), ['accuracy', 'loss']);
    assert.deepStrictEqual(await page('#summary tr[data-key="loss last"] td.best'), ['0.29']);
    await ui('/screenshot', { name: 'compare-panel' });
  });

  it('drops an invalid message', async () => {
    const panel = api.comparePanel()!;
    assert.strictEqual(await panel.handle({ type: 'bogus' }), false);
    assert.strictEqual(await panel.handle({ type: 'exportPng', name: 'x', dataUrl: 'javascript:alert(1)' }), false);
  });

  it('follows new metric points of a compared run without reopening', async () => {
    fs.appendFileSync(path.join(workspaceRoot(), '.mlops', 'runs', C1, 'metrics.jsonl'), `${JSON.stringify({ name: 'loss', step: 3, value: 0.21, timestamp: Date.now() })}\n`);
    await until(async () => (await page('#summary tr[data-key="loss last"] td.best')).join() === '0.21', 15_000, 'the new best value on the page');
  });

  it('a save that fails is shown with its cause instead of being lost', async () => {
    const panel = api.comparePanel()!;
    const target = path.join(workspaceRoot(), 'no-such-folder', 'compare.csv');
    const shown: string[] = [];
    const restoreSave = stub(vscode.window, 'showSaveDialog', (() => Promise.resolve(vscode.Uri.file(target))));
    const restoreError = stub(vscode.window, 'showErrorMessage', ((m: string) => { shown.push(m); return Promise.resolve(undefined); }));
    try {
      assert.strictEqual(await panel.handle({ type: 'exportCsv' }), true);
    } finally { restoreSave(); restoreError(); }
    assert.strictEqual(shown.length, 1, shown.join(' | '));
    assert.match(shown[0], /cannot export the CSV: .*ENOENT/);
    assert.ok(!fs.existsSync(target));
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
    assert.strictEqual(panel.panel.title, 'Compare 1 Run');
    await shownRuns(['cmp-c1'], 'the page shows one run');
  });

  it('comes back after a window reload from the state the page saved', async () => {
    api.comparePanel()?.dispose();
    const panel = vscode.window.createWebviewPanel('mlops.compare', 'Compare Runs', vscode.ViewColumn.Active, { enableScripts: true });
    await api.compareSerializer.deserializeWebviewPanel(panel, { runIds: [C1, C10], options: { logScale: true } });
    const restored = await until(() => api.comparePanel(), 10_000, 'restored panel');
    assert.strictEqual(restored.panel.title, 'Compare 2 Runs');
    await shownRuns(['cmp-c1', 'cmp-c10'], 'restored panel rendered');
    restored.dispose();
  });

  describe('from the palette', () => {
    type Item = vscode.QuickPickItem & { id?: string };
    /** Records the quick picks shown and answers each with what `answer` chooses from its items. */
    function recordPicks(answer: (items: readonly Item[]) => Item[] | undefined): { shown: (readonly Item[])[]; restore: () => void } {
      const shown: (readonly Item[])[] = [];
      const restore = stub(vscode.window, 'showQuickPick', ((items: readonly Item[] | Thenable<readonly Item[]>) => Promise.resolve(items).then((list) => {
        shown.push(list);
        return answer(list);
      })) as unknown as typeof vscode.window.showQuickPick);
      return { shown, restore };
    }
    const selectedRunIds = () => api.trees.experiments.view.selection.filter((n) => n.kind === 'run').map((n) => n.runId!).sort();

    afterEach(() => { api.comparePanel()?.dispose(); });

    it('compares the two runs selected in the Experiments view without asking', async () => {
      // Select C10 (the newer run, listed first), then extend the selection to the row below (C1), as a user would.
      await vscode.commands.executeCommand('mlops.revealRun', { runId: C10 });
      await ui('/press', { key: 'Shift+ArrowDown' });
      await until(() => selectedRunIds().length === 2, 10_000, 'two runs selected in the tree');
      assert.deepStrictEqual(selectedRunIds(), [C1, C10].sort());
      const picks = recordPicks(() => undefined);
      try {
        await vscode.commands.executeCommand('mlops.compareRuns');
      } finally { picks.restore(); }
      assert.strictEqual(picks.shown.length, 0, 'no picker for a selection of two runs');
      const panel = await until(() => api.comparePanel(), 10_000, 'panel');
      assert.strictEqual(panel.panel.title, 'Compare 2 Runs');
      await shownRuns(['cmp-c1', 'cmp-c10']);
    });

    it('with one run selected, opens the picker with that run ticked', async () => {
      await vscode.commands.executeCommand('mlops.revealRun', { runId: C1 });
      await until(() => selectedRunIds().join() === C1, 10_000, 'one run selected');
      const picks = recordPicks((items) => items.filter((i) => i.picked || i.id === C10));
      try {
        await vscode.commands.executeCommand('mlops.compareRuns');
      } finally { picks.restore(); }
      assert.strictEqual(picks.shown.length, 1);
      assert.deepStrictEqual(picks.shown[0].filter((i) => i.picked).map((i) => i.id), [C1]);
      const panel = await until(() => api.comparePanel(), 10_000, 'panel');
      assert.strictEqual(panel.panel.title, 'Compare 2 Runs');
      await shownRuns(['cmp-c1', 'cmp-c10']);
    });
  });
});

describe('Compare Runs panel with goals.json (real extension host)', () => {
  let api: MlopsApi;
  let G1 = '';
  let G2 = '';
  let goalsFile = '';
  let before_: string | undefined;
  const goals = (accuracyThreshold: number) => JSON.stringify({
    formatVersion: 1,
    metrics: [{ name: 'loss', goal: 'min', threshold: 0.3 }, { name: 'accuracy', goal: 'max', threshold: accuracyThreshold }],
    kpis: [{ name: 'value_eur', description: 'EUR per 100 customers', unit: 'EUR', formula: 'accuracy * 100 - loss * 20', goal: 'max', threshold: 75 }],
    budget: { currency: 'EUR', rates: { cpuCoreHour: 0.05 } },
  }, null, 2);
  const cells = (key: string) => page(`#summary tr[data-key="${key}"] td`);

  before(async function () {
    if (!process.env.EXT_TEST_UI_BRIDGE) { this.skip(); }
    api = await activate();
    await api.stores.ready();
    const root = workspaceRoot();
    goalsFile = path.join(root, '.mlops', 'goals.json');
    before_ = fs.existsSync(goalsFile) ? fs.readFileSync(goalsFile, 'utf8') : undefined;
    fs.writeFileSync(goalsFile, goals(0.85));
    const log = (name: string, losses: number[], accuracy: number) => (JSON.parse(cli(['run', 'log', '-e', 'compare-goals', '-n', name, '--no-git', '--duration', '90',
      ...losses.flatMap((l, i) => ['--metric', `loss=${l}@${i}`]), '--metric', `accuracy=${accuracy}`, '--json'], root)) as { id: string }).id;
    G1 = log('goals-g1', [0.69, 0.35, 0.25], 0.88);
    G2 = log('goals-g2', [0.69, 0.42, 0.36], 0.8);
    // G1 recorded its own cost (as a trainer with a billing API would); G2 has no hardware, so no rate prices it.
    const runFile = path.join(root, '.mlops', 'runs', G1, 'run.json');
    const run = JSON.parse(fs.readFileSync(runFile, 'utf8')) as { meta: Record<string, unknown> };
    run.meta.cost = { amount: 1.25, currency: 'EUR' };
    fs.writeFileSync(runFile, JSON.stringify(run, null, 2));
    await vscode.commands.executeCommand('mlops.refresh');
    await until(() => {
      const s = api.stores.get(root);
      return s?.goals?.metrics.find((m) => m.name === 'accuracy')?.threshold === 0.85 && s.runs.get(G1)?.meta.cost && s.runs.get(G2);
    }, 15_000, 'the runs and goals.json in the store');
  });
  after(async () => {
    api?.comparePanel()?.dispose();
    if (!goalsFile) { return; }
    if (before_ === undefined) { fs.rmSync(goalsFile, { force: true }); } else { fs.writeFileSync(goalsFile, before_); }
    // The workspace is shared by every suite: these runs would become other suites' best runs.
    const root = workspaceRoot();
    for (const id of [G1, G2].filter(Boolean)) { fs.rmSync(path.join(root, '.mlops', 'runs', id), { recursive: true, force: true }); }
    fs.rmSync(path.join(root, '.mlops', 'experiments', 'compare-goals.json'), { force: true });
    await vscode.commands.executeCommand('mlops.refresh');
  });

  it('sends the KPI, goal and cost rows and draws them with ✓/✗, the best run starred, threshold lines on the charts', async () => {
    await vscode.commands.executeCommand('mlops.compareRuns', { runIds: [G1, G2], root: workspaceRoot() });
    const panel = await until(() => api.comparePanel(), 10_000, 'panel');
    // What the host sends: the goal definitions and, per run, values, verdicts and cost.
    const c = await panel.build();
    assert.deepStrictEqual(c.goals?.definitions.map((d) => [d.kind, d.name, d.unit ?? null, d.goal, d.threshold]),
      [['kpi', 'value_eur', 'EUR', 'max', 75], ['metric', 'loss', null, 'min', 0.3], ['metric', 'accuracy', null, 'max', 0.85]]);
    assert.deepStrictEqual(c.goals?.runs.map((r) => [r.runId, r.checks.map((x) => x.verdict), r.cost.known ? r.cost.shown : r.cost.reason]), [
      [G1, ['pass', 'pass', 'pass'], '1.25 EUR'],
      [G2, ['fail', 'fail', 'fail'], 'no hardware recorded, so no rate applies'],
    ]);

    // What the page shows. KPI: 0.88 × 100 − 0.25 × 20 = 83 ≥ 75; 0.8 × 100 − 0.36 × 20 = 72.8 misses it.
    await until(async () => (await cells('kpi:value_eur')).join(' | ') === '✓ 83 | ✗ 72.8', 30_000, 'the KPI row');
    assert.deepStrictEqual(await page('#summary tr[data-key="kpi:value_eur"] td.best'), ['✓ 83']);
    assert.deepStrictEqual(await cells('metric:loss'), ['✓ 0.25', '✗ 0.36']);
    assert.deepStrictEqual(await cells('metric:accuracy'), ['✓ 0.88', '✗ 0.8']);
    assert.deepStrictEqual(await cells('cost'), ['1.25 EUR', '? unknown']);
    assert.deepStrictEqual(await cells('goals'), ['✓', '✗ 3 unmet']);
    const drawn = await ui<string[]>('/eval', { expression: 'document.querySelector(\'[data-metric="loss"] canvas\')?.dataset.thresholds' });
    assert.deepStrictEqual(drawn?.map((d) => (JSON.parse(d) as { label: string }[]).map((l) => l.label)), [['threshold ≤ 0.3']]);
    await ui('/eval', { expression: 'document.querySelector(\'[data-metric="loss"]\')?.scrollIntoView()' });
    await ui('/screenshot', { name: 'compare-goals-charts' });
    await ui('/eval', { expression: 'document.querySelector(\'#summary\')?.scrollIntoView()' });
    await ui('/screenshot', { name: 'compare-goals' });
  });

  it('follows an edit of goals.json without reopening', async () => {
    fs.writeFileSync(goalsFile, goals(0.75));
    await until(async () => (await cells('metric:accuracy')).join(' | ') === '✓ 0.88 | ✓ 0.8', 15_000, 'the new verdict on the page');
    assert.match((await page('#summary tr[data-key="metric:accuracy"] th')).join(), /≥ 0\.75/);
    assert.deepStrictEqual(await cells('goals'), ['✓', '✗ 2 unmet']);
  });
});
