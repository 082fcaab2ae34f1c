import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { GATE_CHECKS } from '../../src/core/gate/types';
import type { MlopsApi } from '../../src/extension';
import type { Run, ViewNode } from '../../src/core';
import { activate, cli, scriptInputs, ui, until, workspaceRoot } from './helpers';

const C1 = '01M8CNZ3Y3XGXE743R6VAVEHNQ'; // fixture run logreg-c1 (model churn v1 comes from it)
const C10 = '01M8CNZ2K6YR0SF2611ZPY3V0E'; // fixture run logreg-c10

function runJson(id: string): Run {
  return JSON.parse(fs.readFileSync(path.join(workspaceRoot(), '.mlops', 'runs', id, 'run.json'), 'utf8')) as Run;
}

function storeFiles(): string[] {
  const out: string[] = [];
  const walk = (d: string) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) { walk(p); } else { out.push(path.relative(workspaceRoot(), p)); } } };
  walk(path.join(workspaceRoot(), '.mlops'));
  return out.sort();
}

describe('sidebar: trees, live refresh and commands (real extension host)', () => {
  let api: MlopsApi;
  const kids = (view: 'experiments' | 'data' | 'models', node?: ViewNode) => api.trees[view].tree.getChildren(node);
  const labels = (nodes: ViewNode[]) => nodes.map((n) => n.label);
  /** The codicon the tree item of a node shows (what the user sees), through the tree's public getTreeItem. */
  const iconOf = (view: 'experiments' | 'data' | 'models', node: ViewNode | undefined) => {
    const icon = node && api.trees[view].tree.getTreeItem(node).iconPath;
    return icon instanceof vscode.ThemeIcon ? icon.id : undefined;
  };
  async function runNodes(experiment = 'baseline'): Promise<ViewNode[]> {
    const exp = (await kids('experiments')).find((n) => n.label === experiment);
    assert.ok(exp, `experiment ${experiment} shown`);
    return kids('experiments', exp);
  }

  before(async () => {
    api = await activate();
    await api.stores.ready();
    await vscode.commands.executeCommand('mlops.clearRunFilter');
  });

  it('each view shows the fixture store: experiments, datasets, models', async () => {
    assert.ok(labels(await kids('experiments')).includes('baseline'));
    const runs = await runNodes();
    assert.deepEqual(labels(runs).sort(), ['logreg-c1', 'logreg-c10']);
    const c1 = runs.find((n) => n.runId === C1)!;
    assert.strictEqual(c1.contextValue, 'mlops.run.finished');
    const data = await kids('data');
    assert.deepEqual(labels(data), ['train']);
    assert.deepEqual(labels(await kids('data', data[0])), ['v1']);
    const models = await kids('models');
    assert.deepEqual(labels(models), ['churn']);
    const versions = await kids('models', models[0]);
    assert.strictEqual(versions[0].label, 'v1');
    const lineage = await kids('models', versions[0]);
    assert.ok(lineage.some((n) => n.kind === 'runRef' && n.runId === C1), 'model version links to its run');
  });

  it("a run's children: params, metrics with last/min/max, meta-metrics, lineage", async () => {
    const c1 = (await runNodes()).find((n) => n.runId === C1)!;
    const groups = await kids('experiments', c1);
    assert.deepEqual(labels(groups), ['Params', 'Metrics', 'Meta-metrics', 'Lineage']);
    assert.deepEqual((await kids('experiments', groups[0])).map((n) => `${n.label}=${n.description}`), ['C=1', 'solver=lbfgs']);
    const metrics = await until(async () => { const m = await kids('experiments', groups[1]); return m.some((n) => n.kind === 'metric') ? m : undefined; }, 10_000, 'metrics loaded');
    assert.strictEqual(metrics.find((n) => n.label === 'loss')?.description, '0.33 @ 2   min 0.33   max 0.69');
    assert.strictEqual((await kids('experiments', groups[2]))[0].description, '12.5 s');
    const lineage = await kids('experiments', groups[3]);
    assert.deepEqual(lineage.map((n) => n.kind), ['info', 'dataRef', 'modelRef']);
    assert.strictEqual(lineage[1].label, 'train v1');
    const described = (await runNodes()).find((n) => n.runId === C1)!;
    assert.match(described.description ?? '', /^loss 0\.33 · /);
  });

  it('the workbench renders the Experiments view rows', async function () {
    if (!process.env.EXT_TEST_UI_BRIDGE) { this.skip(); }
    await vscode.commands.executeCommand('mlops.experiments.focus');
    await until(() => api.trees.experiments.view.visible, 20_000, 'view visible');
    const sel = '.pane:has(.pane-header[aria-label^="Experiments"]) .monaco-list-row';
    const rows = await until(async () => { const r = (await ui<string[]>('/texts', { frame: 'main', selector: sel })) ?? []; return r.some((t) => t.includes('baseline')) ? r : undefined; }, 20_000, 'rows rendered');
    assert.ok(rows.some((t) => t.includes('2 runs')), rows.join(' | '));
  });

  it('a run written by the CLI while the window is open appears without a refresh, and live metrics update its row', async () => {
    const out = cli(['run', 'log', '--experiment', 'baseline', '--name', 'from-cli', '--status', 'running', '--metric', 'loss=0.9@0', '--json'], workspaceRoot());
    const id = (JSON.parse(out) as Run).id;
    const node = await until(async () => (await runNodes()).find((n) => n.runId === id), 10_000, 'CLI run in the tree');
    assert.strictEqual(iconOf('experiments', node), 'sync~spin');
    if (process.env.EXT_TEST_UI_BRIDGE) {
      // The workbench asked the tree again and drew the new row (the experiment is expanded by revealing a run).
      await vscode.commands.executeCommand('mlops.revealRun', { runId: id });
      const sel = '.pane:has(.pane-header[aria-label^="Experiments"]) .monaco-list-row';
      await until(async () => ((await ui<string[]>('/texts', { frame: 'main', selector: sel })) ?? []).some((t) => t.includes('from-cli')), 20_000, 'the new row drawn');
    }
    await until(() => api.status.item.text.includes('1 running'), 10_000, 'status bar shows the running run');
    // A training script appends metrics: the row's headline value follows.
    fs.appendFileSync(path.join(workspaceRoot(), '.mlops', 'runs', id, 'metrics.jsonl'), `${JSON.stringify({ name: 'loss', step: 1, value: 0.42, timestamp: Date.now() })}\n`);
    await until(async () => ((await runNodes()).find((n) => n.runId === id)?.description ?? '').startsWith('loss 0.42'), 10_000, 'live metric in the row');
    await vscode.commands.executeCommand('mlops.markRunFinished', { runId: id });
    assert.strictEqual(runJson(id).status, 'finished');
    await until(() => api.status.item.text === '$(beaker) MLOps', 10_000, 'status bar back to idle');
  });

  it('Log Run through its quick inputs writes a run with params, metrics, tags and data; Esc writes nothing', async () => {
    const before = storeFiles();
    const cancelled = scriptInputs(['baseline', 'never', 'lr=0.1', undefined]);
    try { assert.strictEqual(await vscode.commands.executeCommand('mlops.logRun'), undefined); } finally { cancelled.restore(); }
    assert.deepEqual(storeFiles(), before, 'Esc at the metrics step wrote nothing');

    const dvId = api.stores.list()[0].dataVersions[0].id;
    const s = scriptInputs(['$(add) New experiment…', 'tuning', 'quick-run', 'lr=0.05 layers=3 opt=adam', 'loss=0.3@4 accuracy=0.88', 'manual, smoke', ['train v1']]);
    let run: Run | undefined;
    try { run = await vscode.commands.executeCommand<Run>('mlops.logRun'); } finally { s.restore(); }
    assert.ok(run, `logRun returned a run (asked: ${s.asked.join(' / ')})`);
    const saved = runJson(run.id);
    assert.strictEqual(saved.experiment, 'tuning');
    assert.deepStrictEqual(saved.params, { lr: 0.05, layers: 3, opt: 'adam' });
    assert.deepStrictEqual(saved.tags, ['manual', 'smoke']);
    assert.strictEqual(saved.dataVersions[0].version, dvId);
    assert.strictEqual(saved.source?.kind, 'extension');
    const metrics = fs.readFileSync(path.join(workspaceRoot(), '.mlops', 'runs', run.id, 'metrics.jsonl'), 'utf8').trim().split('\n');
    assert.strictEqual(metrics.length, 2);
    await until(async () => labels(await kids('experiments')).includes('tuning'), 5000, 'new experiment in the tree');
  });

  it('Log Run refuses bad params with the input box message and writes nothing', async () => {
    const before = storeFiles();
    const s = scriptInputs(['baseline', 'x', 'lr']);
    try { await vscode.commands.executeCommand('mlops.logRun'); } finally { s.restore(); }
    assert.deepStrictEqual(s.rejected, ["bad param 'lr': expected key=value, e.g. --param lr=0.01"]);
    assert.deepEqual(storeFiles(), before);
  });

  it('tag, rename, mark failed, remove tag, copy id, open file', async () => {
    await vscode.commands.executeCommand('mlops.addRunTag', { runId: C10 }, 'gold, candidate');
    assert.deepStrictEqual(runJson(C10).tags, ['gold', 'candidate']);
    await vscode.commands.executeCommand('mlops.removeRunTag', { runId: C10 }, 'gold');
    assert.deepStrictEqual(runJson(C10).tags, ['candidate']);
    const s = scriptInputs(['logreg-c10 (renamed)']);
    try { await vscode.commands.executeCommand('mlops.renameRun', (await runNodes()).find((n) => n.runId === C10)); } finally { s.restore(); }
    assert.strictEqual(runJson(C10).name, 'logreg-c10 (renamed)');
    const endTime = runJson(C10).endTime;
    await vscode.commands.executeCommand('mlops.markRunFailed', { runId: C10 });
    assert.strictEqual(runJson(C10).status, 'failed');
    assert.strictEqual(runJson(C10).endTime, endTime, 'an ended run keeps its end time');
    await until(async () => iconOf('experiments', (await runNodes()).find((n) => n.runId === C10)) === 'error', 5000, 'failed icon');
    assert.strictEqual(await vscode.commands.executeCommand('mlops.copyRunId', { runId: C10 }), C10);
    assert.strictEqual(await vscode.env.clipboard.readText(), C10);
    await vscode.commands.executeCommand('mlops.revealFile', { runId: C10 });
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, path.join(workspaceRoot(), '.mlops', 'runs', C10, 'run.json'));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('delete moves a run to the trash after confirmation; cancelling keeps it; restore brings it back', async () => {
    const id = (JSON.parse(cli(['run', 'log', '-e', 'baseline', '-n', 'to-delete', '--json'], workspaceRoot())) as Run).id;
    await until(async () => (await runNodes()).some((n) => n.runId === id), 10_000, 'run shown');
    const dir = path.join(workspaceRoot(), '.mlops', 'runs', id);
    const { stub } = await import('./helpers');
    const restoreWarn = stub(vscode.window, 'showWarningMessage', () => Promise.resolve(undefined));
    try { await vscode.commands.executeCommand('mlops.deleteRun', { runId: id }); } finally { restoreWarn(); }
    assert.ok(fs.existsSync(dir), 'cancelled delete keeps the run');
    await vscode.commands.executeCommand('mlops.deleteRun', { runId: id }, undefined, { skipConfirmation: true });
    assert.ok(!fs.existsSync(dir));
    assert.ok(fs.existsSync(path.join(workspaceRoot(), '.mlops', 'trash', 'runs', id, 'run.json')));
    await until(async () => !(await runNodes()).some((n) => n.runId === id), 5000, 'run gone from the tree');
    const s = scriptInputs(['to-delete']);
    try { assert.strictEqual(await vscode.commands.executeCommand('mlops.restoreRun'), id); } finally { s.restore(); }
    assert.ok(fs.existsSync(path.join(dir, 'run.json')));
    await until(async () => (await runNodes()).some((n) => n.runId === id), 5000, 'restored run back in the tree');
  });

  it('Tag Data Version from the Explorer hashes the folder; identical content reuses the version; Esc writes nothing', async () => {
    const folder = vscode.Uri.file(path.join(workspaceRoot(), 'data', 'train'));
    const before = storeFiles();
    const esc = scriptInputs(['train', undefined]);
    try { assert.strictEqual(await vscode.commands.executeCommand('mlops.tagData', folder, [folder]), undefined); } finally { esc.restore(); }
    assert.deepEqual(storeFiles(), before);
    const same = scriptInputs(['train', 'gold']);
    let v: { id: string; tags: string[] } | undefined;
    try { v = await vscode.commands.executeCommand('mlops.tagData', folder, [folder]); } finally { same.restore(); }
    assert.deepStrictEqual(v?.tags, ['v1', 'gold']);
    // The fixture's version predates profiles: tagging the same content again gives it one, and nothing else.
    assert.deepStrictEqual(storeFiles().filter((f) => !before.includes(f)), [path.join('.mlops', 'datasets', 'train', 'versions', `${v?.id}.profile.json`)], 'no new version for identical content');
    fs.writeFileSync(path.join(workspaceRoot(), 'data', 'train', 'part-2.csv'), 'x,y\n9,1\n');
    const v2 = await vscode.commands.executeCommand<{ id: string; fileCount: number }>('mlops.tagData', { path: folder.fsPath, dataset: 'train', tags: ['v2'] });
    assert.strictEqual(v2?.fileCount, 3);
    await until(async () => { const ds = await kids('data'); return labels(await kids('data', ds[0])).includes('v2'); }, 5000, 'v2 in the Data view');
  });

  it('Register Model from a run and promote: production demotes the previous production version', async () => {
    fs.mkdirSync(path.join(workspaceRoot(), 'models'), { recursive: true });
    fs.writeFileSync(path.join(workspaceRoot(), 'models', 'v2.pkl'), 'better weights');
    const mv = await vscode.commands.executeCommand<{ version: number; runId: string }>('mlops.registerModel', { runId: C10 }, { name: 'churn', artifact: 'models/v2.pkl' });
    assert.deepStrictEqual([mv?.version, mv?.runId], [2, C10]);
    // What is under test here is the stage change and the tree; the gate has its own suite (gate.test.ts).
    const goals = path.join(workspaceRoot(), '.mlops', 'goals.json');
    fs.writeFileSync(goals, JSON.stringify({ formatVersion: 1, gate: { checks: Object.fromEntries(GATE_CHECKS.map((c) => [c, 'off'])) } }));
    try {
      await vscode.commands.executeCommand('mlops.setModelStage', { model: 'churn', version: 1 }, 'production', { skipConfirmation: true });
      const s = scriptInputs(['production']);
      const { stub } = await import('./helpers');
      const confirm = stub(vscode.window, 'showWarningMessage', (msg: string) => Promise.resolve(msg.includes('v2 to production') ? 'Promote' : undefined));
      try { await vscode.commands.executeCommand('mlops.setModelStage', { model: 'churn', version: 2 }); } finally { s.restore(); confirm(); }
    } finally { fs.rmSync(goals, { force: true }); }
    const read = (n: number) => (JSON.parse(fs.readFileSync(path.join(workspaceRoot(), '.mlops', 'models', 'churn', 'versions', `${n}.json`), 'utf8')) as { stage: string }).stage;
    assert.deepStrictEqual([read(1), read(2)], ['archived', 'production']);
    await until(async () => { const m = await kids('models'); return iconOf('models', (await kids('models', m[0])).find((n) => n.label === 'v2')) === 'rocket'; }, 5000, 'stage icon');
  });

  it('filter and sort are applied to the tree and remembered for the workspace', async () => {
    await vscode.commands.executeCommand('mlops.filterRuns', { statuses: ['failed'] });
    assert.deepStrictEqual((await runNodes()).map((n) => n.runId), [C10]);
    assert.match(api.trees.experiments.view.description ?? '', /filtered: failed/);
    const s = scriptInputs(['$(search) Text…', 'c1']);
    try { await vscode.commands.executeCommand('mlops.filterRuns'); } finally { s.restore(); }
    assert.deepStrictEqual(api.viewState.filter, { statuses: ['failed'], text: 'c1' });
    await vscode.commands.executeCommand('mlops.filterRuns', { metric: { name: 'loss', op: '<', value: 0.31 } });
    assert.deepStrictEqual((await runNodes()).map((n) => n.runId), [C10]);
    await vscode.commands.executeCommand('mlops.clearRunFilter');
    await vscode.commands.executeCommand('mlops.sortRuns', 'name');
    const names = labels(await runNodes());
    assert.deepStrictEqual(names, [...names].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })));
    await vscode.commands.executeCommand('mlops.sortRuns', 'newest');
  });

  it('revealing a run selects it in the Experiments view', async () => {
    assert.strictEqual(await vscode.commands.executeCommand('mlops.revealRun', { runId: C1 }), true);
    await until(() => api.trees.experiments.view.selection[0]?.runId === C1, 10_000, 'selection');
  });

  it('a damaged store file shows as a warning node that opens it; nothing is rewritten', async () => {
    const bad = path.join(workspaceRoot(), '.mlops', 'experiments', 'broken.json');
    fs.writeFileSync(bad, '{ not json');
    const node = await until(async () => (await kids('experiments')).find((n) => n.kind === 'problems'), 10_000, 'warning node');
    assert.strictEqual(node.label, '1 file could not be read');
    const files = await kids('experiments', node);
    assert.strictEqual(files[0].label, '.mlops/experiments/broken.json');
    const item = api.trees.experiments.tree.getTreeItem(files[0]);
    assert.strictEqual(item.command?.command, 'vscode.open');
    assert.strictEqual(fs.readFileSync(bad, 'utf8'), '{ not json');
    fs.rmSync(bad);
    await until(async () => !(await kids('experiments')).some((n) => n.kind === 'problems'), 10_000, 'warning node gone');
  });
});
