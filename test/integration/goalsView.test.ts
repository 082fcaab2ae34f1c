import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { MlopsApi } from '../../src/extension';
import type { ViewNode } from '../../src/core';
import type { GoalsNode } from '../../src/core/views/goalsModel';
import { activate, scriptInputs, ui, until, workspaceRoot } from './helpers';

const C1 = '01M8CNZ3Y3XGXE743R6VAVEHNQ'; // fixture run logreg-c1: loss 0.33, accuracy 0.81, 12.5 s
const C10 = '01M8CNZ2K6YR0SF2611ZPY3V0E'; // fixture run logreg-c10: loss 0.29, accuracy 0.84, 14 s

/** score = accuracy * 100 - loss * 10: logreg-c10 81.1 (meets ≥ 80), logreg-c1 77.7 (does not). */
function goals(threshold = 80): object {
  return {
    formatVersion: 1,
    metrics: [{ name: 'accuracy', goal: 'max', threshold: 0.82 }, { name: 'loss', goal: 'min', threshold: 0.3 }],
    kpis: [{ name: 'score', description: 'what the business *gets*', unit: 'pts', formula: 'accuracy * 100 - loss * 10', goal: 'max', threshold, owner: 'Ops' }],
    constraints: { maxTrainingDurationMs: 60_000 },
    budget: { currency: 'EUR', rates: { cpuCoreHour: 0.05 }, limits: { perExperiment: 10, total: 100 } },
  };
}

describe('goals in the sidebar: run badges and the Goals view (real extension host)', () => {
  let api: MlopsApi;
  let file: string;
  /** Writes goals.json when its content differs (an unchanged file would only cause a redundant refresh). */
  const write = (g: object | string) => {
    const text = typeof g === 'string' ? g : JSON.stringify(g, null, 2);
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) { fs.writeFileSync(file, text); }
  };
  const goalsKids = (node?: GoalsNode) => api.trees.goals.tree.getChildren(node);
  async function runNodes(): Promise<ViewNode[]> {
    const exp = (await api.trees.experiments.tree.getChildren()).find((n) => n.label === 'baseline');
    assert.ok(exp, 'experiment baseline shown');
    return api.trees.experiments.tree.getChildren(exp);
  }
  const row = async (id: string) => (await runNodes()).find((n) => n.runId === id);
  const tooltipOf = (node: ViewNode | GoalsNode, tree: { getTreeItem(n: never): vscode.TreeItem }) => {
    const t = tree.getTreeItem(node as never).tooltip;
    return t instanceof vscode.MarkdownString ? t.value : String(t ?? '');
  };
  async function section(label: string): Promise<GoalsNode> {
    return until(async () => (await goalsKids()).find((n) => n.label === label), 10_000, `Goals section ${label}`);
  }

  before(async () => {
    api = await activate();
    await api.stores.ready();
    file = path.join(workspaceRoot(), '.mlops', 'goals.json');
    await vscode.commands.executeCommand('mlops.clearRunFilter');
    await vscode.commands.executeCommand('mlops.sortRuns', 'newest');
  });

  after(async () => {
    if (!api) { return; }
    fs.rmSync(file, { force: true });
    await vscode.commands.executeCommand('mlops.clearRunFilter');
    await vscode.commands.executeCommand('mlops.sortRuns', 'newest');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // Leave the tree as the other suites expect it: no goals, so no badges.
    await until(async () => !((await row(C1))?.description ?? '').includes('score'), 10_000, 'badges gone');
  });

  it('without goals.json: the Goals view is empty (its welcome shows) and run rows are as before', async () => {
    // (A suite before this one may just have removed its goals.json: wait for the watcher to tell the store.)
    fs.rmSync(file, { force: true });
    await until(async () => (await goalsKids()).length === 0, 10_000, 'an empty Goals view');
    assert.deepStrictEqual(await goalsKids(), []);
    const c1 = await until(async () => { const n = await row(C1); return n?.description?.startsWith('loss') ? n : undefined; }, 10_000, 'metrics loaded');
    assert.match(c1.description ?? '', /^loss 0\.33 · [^·]+$/);
  });

  it('writing goals.json puts a badge and the first KPI on each run row, every goal in its tooltip; the icon stays the status', async () => {
    write(goals());
    const c10 = await until(async () => { const n = await row(C10); return n?.description?.includes('score') ? n : undefined; }, 10_000, 'badge on logreg-c10');
    assert.match(c10.description ?? '', /^loss 0\.29 · score 81\.1 · ✓ · /);
    const c1 = (await row(C1))!;
    assert.match(c1.description ?? '', /^loss 0\.33 · score 77\.7 · ✗ 3 unmet · /);
    const tip = tooltipOf(c1, api.trees.experiments.tree);
    assert.ok(tip.includes('- ✗ **score** 77\\.7 pts (≥ 80)'), tip);
    assert.ok(tip.includes('- ✗ **accuracy** 0\\.81 (≥ 0\\.82)'), tip);
    assert.ok(tip.includes('- ✓ **Training duration** 12\\.5 s (≤ 1 min 0 s)'), tip);
    assert.match(tip, /Cost: unknown, no hardware recorded/);
    const icon = api.trees.experiments.tree.getTreeItem(c1).iconPath;
    assert.strictEqual(icon instanceof vscode.ThemeIcon ? icon.id : undefined, 'pass');
  });

  it('the Goals view lists the KPI with its best run, metric goals, constraints and budget; clicking opens the run or the experiment', async () => {
    write(goals());
    const kpis = await section('KPIs');
    const [kpi] = await goalsKids(kpis);
    assert.strictEqual(kpi.label, 'score');
    assert.match(kpi.description ?? '', /^best 81\.1 pts · 1 of \d+ runs meet ≥ 80/);
    assert.match(tooltipOf(kpi, api.trees.goals.tree), /what the business \\\*gets\\\*/);
    const item = api.trees.goals.tree.getTreeItem(kpi);
    assert.strictEqual(item.command?.command, 'mlops.revealRun');
    assert.deepStrictEqual(item.command?.arguments, [{ runId: C10, root: workspaceRoot() }]);
    assert.strictEqual(await vscode.commands.executeCommand(item.command.command, ...(item.command.arguments as unknown[])), true, 'revealRun found the best run');
    await until(() => api.trees.experiments.view.selection[0]?.runId === C10, 10_000, 'best run selected in Experiments');

    const metricGoals = await goalsKids(await section('Metric goals'));
    assert.deepStrictEqual(metricGoals.map((n) => n.label), ['accuracy', 'loss']);
    assert.match(metricGoals[0].description ?? '', /^best 0\.84 · 1 of \d+ runs meet ≥ 0\.82/);
    const constraints = await goalsKids(await section('Constraints'));
    assert.match(constraints[0].description ?? '', /^≤ 1 min 0 s · \d+ of \d+ runs satisfy/);
    const spend = (await goalsKids(await section('Budget'))).find((n) => n.label === 'baseline');
    assert.ok(spend, 'baseline has a budget row');
    assert.match(spend.description ?? '', / \/ 10\.00 EUR/);
    const open = api.trees.goals.tree.getTreeItem(spend).command;
    assert.strictEqual(open?.command, 'mlops.revealExperiment');
    assert.strictEqual(await vscode.commands.executeCommand(open.command, ...((open.arguments ?? []) as unknown[])), true);
    await until(() => api.trees.experiments.view.selection[0]?.kind === 'experiment' && api.trees.experiments.view.selection[0]?.label === 'baseline', 10_000, 'experiment selected');
  });

  it('"meets all goals" and sort by a KPI, from the commands and their quick picks', async () => {
    write(goals());
    await until(async () => ((await row(C10))?.description ?? '').includes('✓'), 10_000, 'badges');
    await vscode.commands.executeCommand('mlops.filterRuns', { meetsGoals: true });
    assert.deepStrictEqual((await runNodes()).map((n) => n.runId), [C10]);
    assert.match(api.trees.experiments.view.description ?? '', /filtered: meets all goals/);
    const off = scriptInputs(['$(pass) Any goals (turn off "meets all goals")']);
    try { await vscode.commands.executeCommand('mlops.filterRuns'); } finally { off.restore(); }
    assert.deepStrictEqual(api.viewState.filter, {});
    const on = scriptInputs(['$(pass) Meets all goals']);
    try { await vscode.commands.executeCommand('mlops.filterRuns'); } finally { on.restore(); }
    assert.deepStrictEqual(api.viewState.filter, { meetsGoals: true });
    await vscode.commands.executeCommand('mlops.clearRunFilter');

    const asc = scriptInputs(['KPI score, lowest first']);
    try { await vscode.commands.executeCommand('mlops.sortRuns'); } finally { asc.restore(); }
    assert.strictEqual(api.viewState.sort, 'kpi-asc:score');
    const ids = (await runNodes()).map((n) => n.runId);
    assert.ok(ids.indexOf(C1) < ids.indexOf(C10), `lowest score first: ${ids.join(', ')}`);
    await vscode.commands.executeCommand('mlops.sortRuns', 'kpi-desc:score');
    const desc = (await runNodes()).map((n) => n.runId);
    assert.deepStrictEqual(desc.slice(0, 2), [C10, C1], 'highest first, runs without the KPI after them');
    assert.strictEqual(await vscode.commands.executeCommand('mlops.sortRuns', 'kpi-desc:nope'), undefined, 'an undeclared KPI is refused');
    assert.strictEqual(api.viewState.sort, 'kpi-desc:score');
    await vscode.commands.executeCommand('mlops.sortRuns', 'newest');
  });

  it('editing goals.json updates the Goals view and the rows; a broken file shows its problems and never breaks the Experiments tree', async () => {
    write(goals());
    await until(async () => /1 of \d+ runs meet ≥ 80/.test((await goalsKids(await section('KPIs')))[0]?.description ?? ''), 10_000, 'KPI at 80');
    write(goals(70));
    // logreg-c1 (77.7) now meets it too, and so may runs other suites logged.
    const meeting = await until(async () => /(\d+) of \d+ runs meet ≥ 70/.exec((await goalsKids(await section('KPIs')))[0]?.description ?? '') ?? undefined, 10_000, 'KPI at 70 after the edit');
    assert.ok(Number(meeting[1]) >= 2, meeting[0]);
    await until(async () => /score 77\.7 · ✗ 2 unmet/.test((await row(C1))?.description ?? ''), 10_000, 'row follows the edit');

    const broken = '{\n  "formatVersion": 1,\n  "kpis": [{ "name": "score", "formula": "accuracy * * 2" }]\n}\n';
    write(broken);
    const problems = await until(async () => (await goalsKids()).find((n) => n.kind === 'problems'), 10_000, 'problems node');
    assert.strictEqual(problems.label, 'goals.json: 1 problem');
    const [p] = await goalsKids(problems);
    assert.match(p.label, /^formula: /);
    // The Experiments tree keeps working: the KPI that does not parse is unknown, and no row disappears.
    const c1 = await until(async () => { const n = await row(C1); return n?.description?.includes('score ?') ? n : undefined; }, 10_000, 'row without a KPI value');
    assert.match(c1.description ?? '', /^loss 0\.33 · score \? · /);
    const cmd = api.trees.goals.tree.getTreeItem(p).command!;
    assert.strictEqual(cmd.command, 'vscode.open');
    await vscode.commands.executeCommand(cmd.command, ...((cmd.arguments ?? []) as unknown[]));
    const editor = await until(() => vscode.window.activeTextEditor?.document.uri.fsPath === file && vscode.window.activeTextEditor, 10_000, 'goals.json open');
    const sel = editor.selection;
    assert.strictEqual(sel.start.line, 2);
    assert.strictEqual(editor.document.getText(sel), '*', 'the selection is the character the formula trips on');

    write('{ "formatVersion": 1, "kpis": [');
    await until(async () => { const top = await goalsKids(); return top.length === 1 && /^goals\.json: \d+ problems?$/.test(top[0].label); }, 10_000, 'not-JSON problems');
    assert.match((await goalsKids((await goalsKids())[0]))[0].label, /^not valid JSON/);
    await until(async () => /^loss 0\.33 · [^·]+$/.test((await row(C1))?.description ?? ''), 10_000, 'rows as without goals');
    assert.ok((await runNodes()).length >= 2, 'every run still listed');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('the workbench draws the badges and the Goals view (screenshots)', async function () {
    if (!process.env.EXT_TEST_UI_BRIDGE) { this.skip(); }
    write({ ...goals(), budget: { currency: 'EUR', rates: { cpuCoreHour: 0.05 }, limits: { perExperiment: 10, total: 400, experiments: { 'churn-gbm': 300 } } } });
    // A run another tool wrote with its cost recorded, so the budget shows an experiment over its limit.
    const costly = path.join(workspaceRoot(), '.mlops', 'runs', '01M8CP0000000000000000000B');
    fs.mkdirSync(costly, { recursive: true });
    fs.writeFileSync(path.join(costly, 'run.json'), JSON.stringify({ formatVersion: 1, id: '01M8CP0000000000000000000B', experiment: 'churn-gbm', name: 'gbm-depth8',
      status: 'finished', startTime: '2026-11-26T20:00:00.000Z', endTime: '2026-11-26T20:40:00.000Z', params: {}, tags: [], dataVersions: [],
      meta: { durationMs: 2_400_000, cost: { amount: 312, currency: 'EUR' } } }));
    await until(async () => ((await row(C10))?.description ?? '').includes('✓'), 10_000, 'badges');
    // Room for the descriptions: no editors, no secondary side bar, Data and Models hidden, a wider side bar.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.action.closeAuxiliaryBar');
    await vscode.commands.executeCommand('mlops.data.removeView');
    await vscode.commands.executeCommand('mlops.models.removeView');
    try {
      await vscode.commands.executeCommand('mlops.revealRun', { runId: C10 });
      // The headless page never has the side bar "focused" for the resize commands, so they size the editor area:
      // shrinking it widens the side bar.
      for (let i = 0; i < 8; i++) { await vscode.commands.executeCommand('workbench.action.decreaseViewWidth'); }
      const rowsSel = '.pane:has(.pane-header[aria-label^="Experiments"]) .monaco-list-row';
      const rows = await until(async () => { const r = (await ui<string[]>('/texts', { frame: 'main', selector: rowsSel })) ?? []; return r.some((t) => t.includes('score 81.1') && t.includes('✓')) ? r : undefined; }, 20_000, 'badge rows drawn');
      assert.ok(rows.some((t) => t.includes('✗ 3 unmet')), rows.join(' | '));
      await ui('/screenshot', { name: 'goals-experiments-tree' });
      await vscode.commands.executeCommand('mlops.goals.focus');
      const goalsSel = '.pane:has(.pane-header[aria-label^="Goals"]) .monaco-list-row';
      const drawn = await until(async () => { const r = (await ui<string[]>('/texts', { frame: 'main', selector: goalsSel })) ?? []; return r.some((t) => t.includes('best 81.1')) ? r : undefined; }, 20_000, 'Goals view drawn');
      assert.ok(drawn.some((t) => t.includes('churn-gbm') && t.includes('312 / 300 EUR') && t.includes('over budget')), drawn.join(' | '));
      await ui('/screenshot', { name: 'goals-view' });
    } finally {
      fs.rmSync(costly, { recursive: true, force: true });
      await vscode.commands.executeCommand('mlops.data.focus');
      await vscode.commands.executeCommand('mlops.models.focus');
      await vscode.commands.executeCommand('mlops.experiments.focus');
    }
  });
});
