// MLflow stores in the sidebar, in a real extension host: an `mlruns/` (written by hand in MLflow's format: nested
// runs, a deleted run, a registry with stages and an alias) and a copy of a real `mlflow.db` from the corpus show in
// the Experiments and Models views next to the fixture's `.mlops` store; a training script (a real python3 process)
// logging to either one updates the tree; write commands refuse MLflow nodes; nothing is written into the stores.
// The host suites share one workspace: the stores live under mlflow-it/ and are removed after.
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ViewNode } from '../../src/core';
import type { MlopsApi } from '../../src/extension';
import { CHILD_A, CHILD_B, DELETED, MLFLOW_CORPUS, PARENT, writeHandStore } from '../unit/mlflowViewFixture';
import { activate, stub, ui, until, workspaceRoot } from './helpers';

const PACKT = 'PacktPublishing__Machine-Learning-Engineering-with-Python-Second-Edition';

/** Path, size, mtime and sha256 of every file under a folder (or of one file). */
function fingerprint(p: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (f: string) => {
    const st = fs.statSync(f);
    if (st.isDirectory()) { for (const e of fs.readdirSync(f)) { visit(path.join(f, e)); } return; }
    out.set(f, `${st.size} ${st.mtimeMs} ${crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex')}`);
  };
  visit(p);
  return out;
}

function capture(kind: 'showErrorMessage' | 'showInformationMessage'): { messages: string[]; restore: () => void } {
  const messages: string[] = [];
  const restore = stub(vscode.window, kind, ((m: string) => { messages.push(m); return Promise.resolve(undefined); }));
  return { messages, restore };
}

/** A training script logging to the file store the way MLflow does: meta.yaml, tags, then metric lines, then the end. */
const FILE_SCRIPT = `
import os, sys, time
mlruns, run_id = sys.argv[1], sys.argv[2]
d = os.path.join(mlruns, '1', run_id)
os.makedirs(os.path.join(d, 'metrics'), exist_ok=True)
os.makedirs(os.path.join(d, 'tags'), exist_ok=True)
os.makedirs(os.path.join(d, 'params'), exist_ok=True)
t0 = int(time.time() * 1000)
def meta(status, end):
    with open(os.path.join(d, 'meta.yaml'), 'w') as f:
        f.write(f"artifact_uri: file://{d}/artifacts\\nend_time: {end}\\nentry_point_name: ''\\nexperiment_id: '1'\\nlifecycle_stage: active\\n"
                f"run_id: {run_id}\\nrun_name: live-run\\nrun_uuid: {run_id}\\nsource_name: ''\\nsource_type: 4\\nsource_version: ''\\n"
                f"start_time: {t0}\\nstatus: {status}\\ntags: []\\nuser_id: trainer\\n")
meta(1, 'null')
open(os.path.join(d, 'tags', 'mlflow.runName'), 'w').write('live-run')
open(os.path.join(d, 'params', 'lr'), 'w').write('0.05')
for step, loss in enumerate([0.9, 0.5, 0.125]):
    with open(os.path.join(d, 'metrics', 'loss'), 'a') as f:
        f.write(f"{int(time.time() * 1000)} {loss} {step}\\n")
    time.sleep(0.4)
meta(3, int(time.time() * 1000))
`;

/** A training script logging to mlflow.db through python's sqlite3 (what MLflow's SQL store does, minus SQLAlchemy). */
const DB_SCRIPT = `
import sqlite3, sys, time
db, run_id = sys.argv[1], sys.argv[2]
c = sqlite3.connect(db)
t = int(time.time() * 1000)
c.execute("insert into runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) values (?, 'db-live', 'LOCAL', '', '', 'trainer', 'RUNNING', ?, NULL, '', 'active', '', 0)", (run_id, t))
c.execute("insert into tags (key, value, run_uuid) values ('mlflow.runName', 'db-live', ?)", (run_id,))
c.execute("insert into params (key, value, run_uuid) values ('alpha', '0.5', ?)", (run_id,))
c.commit()
time.sleep(0.5)
c.execute("insert into metrics (key, value, timestamp, run_uuid, step, is_nan) values ('rmse', 3.25, ?, ?, 0, 0)", (t + 1, run_id))
c.execute("insert into latest_metrics (key, value, timestamp, step, is_nan, run_uuid) values ('rmse', 3.25, ?, 0, 0, ?)", (t + 1, run_id))
c.execute("update runs set status = 'FINISHED', end_time = ? where run_uuid = ?", (t + 2, run_id))
c.commit()
c.close()
`;

/**
 * Waits until the store's file watcher is live: VS Code starts a new watcher asynchronously, and events before that
 * are not reported. Touches a file's mtime (no content change) until the store is read again.
 */
async function watcherLive(api: MlopsApi, file: string): Promise<void> {
  let fired = false;
  let touched = 0;
  const sub = api.mlflow.onDidChange(() => { fired = true; });
  try {
    await until(() => {
      if (!fired && Date.now() - touched > 1000) { touched = Date.now(); fs.utimesSync(file, new Date(touched), new Date(touched)); }
      return fired;
    }, 30_000, `a change of ${file} noticed`);
  } finally { sub.dispose(); }
}

function runPython(script: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/python3', ['-c', script, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`python exited ${code}: ${err}`))));
  });
}

describe('MLflow stores in the sidebar (real extension host)', function () {
  this.timeout(120_000);
  let api: MlopsApi;
  let dir: string;
  let mlruns: string;
  let db: string;
  const kids = (view: 'experiments' | 'models', node?: ViewNode) => api.trees[view].tree.getChildren(node);
  const find = (nodes: ViewNode[], label: string) => { const n = nodes.find((x) => x.label === label); assert.ok(n, `'${label}' not among ${nodes.map((x) => x.label).join(', ')}`); return n; };
  const storeNode = async (view: 'experiments' | 'models', p: string) => {
    const n = (await kids(view)).find((x) => x.contextValue === 'mlops.mlflowStore' && api.mlflow.get(x.store!)?.ref.path === p);
    assert.ok(n, `store ${p} in ${view}`);
    return n;
  };

  before(async () => {
    api = await activate();
    await Promise.all([api.stores.ready(), api.mlflow.ready()]);
    await vscode.commands.executeCommand('mlops.clearRunFilter');
    dir = path.join(workspaceRoot(), 'mlflow-it');
    mlruns = path.join(dir, 'mlruns');
    writeHandStore(mlruns);
    fs.mkdirSync(path.join(dir, 'db'), { recursive: true });
    db = path.join(dir, 'db', 'mlflow.db');
    fs.copyFileSync(path.join(MLFLOW_CORPUS, PACKT, 'mlflow.db'), db);
    await vscode.commands.executeCommand('mlops.refreshMlflowStores');
    await until(() => api.mlflow.list().length >= 2, 20_000, 'both stores found');
  });

  after(async () => {
    await vscode.commands.executeCommand('mlops.clearRunFilter');
    fs.rmSync(dir, { recursive: true, force: true });
    await vscode.commands.executeCommand('mlops.refreshMlflowStores');
    await until(() => api.mlflow.list().length === 0, 20_000, 'the stores are gone from the views');
  });

  it('an mlruns/ and an mlflow.db show after the .mlops store, with nested runs and deleted runs filtered', async () => {
    const before = fingerprint(mlruns);
    const top = await kids('experiments');
    assert.ok(top.some((n) => n.label === 'baseline'), 'the .mlops store is still shown');
    const stores = top.filter((n) => n.contextValue === 'mlops.mlflowStore');
    assert.ok(top.indexOf(stores[0]) > top.findIndex((n) => n.label === 'baseline'), 'MLflow stores come after the .mlops nodes');
    const file = await storeNode('experiments', mlruns);
    assert.match(file.label, /^MLflow — .*mlruns$/);
    assert.match(`${file.label} ${file.description!}`, /MLflow — mlflow-it\/mlruns 3 runs/);
    assert.match(file.tooltip!, /Read-only: MLOps Workbench reads MLflow's store in place and never writes it/);
    const tuning = find(await kids('experiments', file), 'tuning');
    assert.strictEqual(tuning.contextValue, 'mlops.experiment.mlflow');
    const runs = await kids('experiments', tuning);
    assert.deepStrictEqual(runs.map((r) => r.label), ['sweep']);
    const nested = (await kids('experiments', runs[0])).filter((n) => n.kind === 'run');
    assert.deepStrictEqual(nested.map((n) => n.runId), [CHILD_A, CHILD_B]);
    assert.deepStrictEqual(nested.map((n) => n.contextValue), ['mlops.run.finished.mlflow', 'mlops.run.failed.mlflow']);
    // Show deleted runs (the Filter Runs… choice): the deleted run and the deleted experiment appear.
    await vscode.commands.executeCommand('mlops.filterRuns', { deleted: true });
    assert.ok((await kids('experiments', tuning)).some((n) => n.runId === DELETED));
    assert.ok((await kids('experiments', file)).some((n) => n.label === 'old (deleted)'));
    assert.match(api.trees.experiments.view.description ?? '', /deleted runs shown/);
    await vscode.commands.executeCommand('mlops.clearRunFilter');
    assert.ok(!(await kids('experiments', tuning)).some((n) => n.runId === DELETED));
    assert.deepStrictEqual(fingerprint(mlruns), before, 'nothing was written into mlruns/');
  });

  it('the registry of both stores: models, versions with stages and aliases, and the run they came from', async () => {
    const dbBefore = fingerprint(db);
    const file = await storeNode('models', mlruns);
    const clf = find(await kids('models', file), 'clf');
    assert.strictEqual(clf.contextValue, 'mlops.model.mlflow');
    const versions = await kids('models', clf);
    assert.deepStrictEqual(versions.map((v) => v.label), ['v2', 'v1']);
    assert.match(versions[0].description!, /^Production · alias champion/);
    assert.strictEqual(versions[0].contextValue, 'mlops.modelVersion.production.mlflow');
    const icon = api.trees.models.tree.getTreeItem(versions[0]).iconPath;
    assert.strictEqual(icon instanceof vscode.ThemeIcon ? icon.id : undefined, 'rocket');
    const runRef = (await kids('models', versions[0])).find((n) => n.kind === 'runRef')!;
    assert.strictEqual(runRef.runId, PARENT);
    // Clicking the run reveals the MLflow run in the Experiments view.
    const cmd = api.trees.models.tree.getTreeItem(runRef).command!;
    const args: unknown[] = cmd.arguments ?? [];
    assert.strictEqual(await vscode.commands.executeCommand(cmd.command, ...args), true);
    await until(() => api.trees.experiments.view.selection[0]?.runId === PARENT, 10_000, 'the MLflow run selected in Experiments');

    const sqlite = await storeNode('models', db);
    assert.match(sqlite.label, /mlflow\.db$/);
    const models = await kids('models', sqlite);
    assert.strictEqual(models.length, 5);
    let n = 0;
    const stages = new Set<string>();
    for (const m of models) { for (const v of await kids('models', m)) { n++; stages.add(v.contextValue!); } }
    assert.strictEqual(n, 21);
    assert.deepStrictEqual([...stages].sort(), ['mlops.modelVersion.archived.mlflow', 'mlops.modelVersion.none.mlflow', 'mlops.modelVersion.production.mlflow', 'mlops.modelVersion.staging.mlflow']);
    const dbNode = await storeNode('experiments', db);
    assert.match(`${dbNode.label} ${dbNode.description!}`, /MLflow — mlflow-it\/db\/mlflow\.db 28 runs/);
    const [dflt] = (await kids('experiments', dbNode)).filter((x) => x.kind === 'experiment');
    assert.strictEqual((await kids('experiments', dflt)).filter((x) => x.kind === 'run').length, 28);
    assert.deepStrictEqual(fingerprint(db), dbBefore, 'nothing was written into mlflow.db');
  });

  it('write commands refuse an MLflow node; Copy Run Id and Reveal File work', async () => {
    const before = fingerprint(mlruns);
    const tuning = find(await kids('experiments', await storeNode('experiments', mlruns)), 'tuning');
    const [sweep] = await kids('experiments', tuning);
    const errors = capture('showErrorMessage');
    try {
      await vscode.commands.executeCommand('mlops.renameRun', sweep, 'renamed');
      await vscode.commands.executeCommand('mlops.addRunTag', sweep, 'x');
      await vscode.commands.executeCommand('mlops.deleteRun', sweep, [sweep], { skipConfirmation: true });
      const clf = find(await kids('models', await storeNode('models', mlruns)), 'clf');
      const [v2] = await kids('models', clf);
      await vscode.commands.executeCommand('mlops.setModelStage', v2, 'staging');
    } finally { errors.restore(); }
    assert.strictEqual(errors.messages.length, 4, errors.messages.join(' | '));
    for (const m of errors.messages) { assert.match(m, /is read-only \(MLflow store\): import it first/); }
    assert.match(errors.messages[0], /run sweep is read-only/);
    assert.strictEqual(await vscode.commands.executeCommand('mlops.copyRunId', sweep), PARENT);
    assert.strictEqual(await vscode.env.clipboard.readText(), PARENT);
    assert.strictEqual(await vscode.commands.executeCommand('mlops.revealFile', sweep), path.join(mlruns, '1', PARENT, 'meta.yaml'));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.deepStrictEqual(fingerprint(mlruns), before, 'nothing was written into mlruns/');
  });

  it('a training script logging to mlruns/ updates the tree live', async () => {
    const id = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb1';
    const tuning = find(await kids('experiments', await storeNode('experiments', mlruns)), 'tuning');
    await watcherLive(api, path.join(mlruns, '1', 'meta.yaml'));
    const script = runPython(FILE_SCRIPT, [mlruns, id]);
    // While it runs the row appears (running or already finished: the test does not race the script).
    const row = await until(async () => (await kids('experiments', tuning)).find((n) => n.runId === id), 30_000, 'the new run in the tree');
    assert.strictEqual(row.label, 'live-run');
    await script;
    const done = await until(async () => {
      const n = (await kids('experiments', tuning)).find((x) => x.runId === id);
      return n?.contextValue === 'mlops.run.finished.mlflow' && /loss 0\.125/.test(n.description ?? '') ? n : undefined;
    }, 30_000, 'the run finished with its last loss');
    const metrics = find(await kids('experiments', done), 'Metrics');
    assert.deepStrictEqual((await kids('experiments', metrics)).map((m) => m.description), ['0.125 @ 2   min 0.125   max 0.9']);
    assert.match((await storeNode('experiments', mlruns)).description!, /4 runs/);
  });

  it('a training script writing to mlflow.db (sqlite3) updates the tree: the db is read again on change', async () => {
    const id = 'cccccccccccccccccccccccccccccccc';
    const dbNode = await storeNode('experiments', db);
    const [dflt] = (await kids('experiments', dbNode)).filter((x) => x.kind === 'experiment');
    await watcherLive(api, db);
    await runPython(DB_SCRIPT, [db, id]);
    const row = await until(async () => {
      const n = (await kids('experiments', dflt)).find((x) => x.runId === id);
      return n?.contextValue === 'mlops.run.finished.mlflow' ? n : undefined;
    }, 30_000, 'the db run finished in the tree');
    assert.strictEqual(row.label, 'db-live');
    assert.match(row.description!, /rmse 3\.25/);
    const params = await kids('experiments', find(await kids('experiments', row), 'Params'));
    assert.deepStrictEqual(params.map((p) => [p.label, p.description]), [['alpha', '0.5']]);
  });

  it('the workbench draws an MLflow store expanded to a nested run (screenshot)', async function () {
    if (!process.env.EXT_TEST_UI_BRIDGE) { this.skip(); }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await vscode.commands.executeCommand('workbench.action.closeAuxiliaryBar');
    const others = ['mlops.data', 'mlops.models', 'mlops.goals', 'mlops.monitoring'];
    await vscode.commands.executeCommand('mlops.experiments.focus');
    for (const v of others) { await vscode.commands.executeCommand(`${v}.removeView`).then(undefined, () => undefined); }
    try {
      // Collapse the .mlops experiments so the MLflow store fits, then open the nested run lr-0.1 and its metrics.
      await vscode.commands.executeCommand('workbench.actions.treeView.mlops.experiments.collapseAll');
      assert.strictEqual(await vscode.commands.executeCommand('mlops.revealRun', { runId: CHILD_A }), true);
      const child = api.trees.experiments.view.selection[0];
      await api.trees.experiments.view.reveal(child, { select: true, focus: true, expand: true });
      const metrics = (await kids('experiments', child)).find((n) => n.label === 'Metrics')!;
      await api.trees.experiments.view.reveal(metrics, { select: false, focus: false, expand: true });
      const rowsSel = '.pane:has(.pane-header[aria-label^="Experiments"]) .monaco-list-row';
      const rows = await until(async () => {
        const r = (await ui<string[]>('/texts', { frame: 'main', selector: rowsSel })) ?? [];
        return r.some((t) => t.includes('lr-0.1')) && r.some((t) => t.includes('MLflow')) && r.some((t) => t.includes('NaN @ 2')) ? r : undefined;
      }, 20_000, 'MLflow rows drawn');
      assert.ok(rows.some((t) => t.includes('sweep')), rows.join(' | '));
      await ui('/screenshot', { name: 'mlflow-tree' });
    } finally {
      for (const v of others) { await vscode.commands.executeCommand(`${v}.focus`).then(undefined, () => undefined); }
      await vscode.commands.executeCommand('mlops.experiments.focus');
    }
  });
});
