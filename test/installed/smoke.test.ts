// Smoke tests of the INSTALLED extension: scripts/run-vscode-tests.mjs --installed installs the packed .vsix into
// the host's extensions folder and opens an empty workspace; nothing here loads the repository's dist/. What a
// user does first: open the folder, initialise the store, log runs (CLI and Python logger from the installed copy),
// see them, compare them, look at an MLflow store already in the folder.
import * as assert from 'assert';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import * as vscode from 'vscode';
import type { ViewNode } from '../../src/core';
import type { MlopsApi } from '../../src/extension';
import { ui, until } from '../integration/helpers';

const ID = 'mlops-workbench.mlops-workbench';
const REPO = process.env.EXT_TEST_REPO_ROOT ?? path.resolve(__dirname, '../../..');
const CORPUS = path.resolve(REPO, '..', 'shared', 'corpus');
const PACKT_DB = path.join(CORPUS, 'mlruns', 'PacktPublishing__Machine-Learning-Engineering-with-Python-Second-Edition', 'mlflow.db');
const PACKT_FILES = path.join(CORPUS, 'mlruns', 'PacktPublishing__Practical-Deep-Learning-at-Scale-with-MLFlow', 'mlruns');
const PARQUET = path.join(CORPUS, 'data', 'titanic', 'parquet-from-mljar-train', 'train.parquet');

describe('the installed .vsix (real extension host)', function () {
  this.timeout(120_000);
  let ext: vscode.Extension<MlopsApi>;
  let api: MlopsApi;
  let ws: string;
  const installed = (...p: string[]) => path.join(ext.extensionPath, ...p);
  /** The installed `mlops` CLI, run the way the README tells users to (node <extension>/dist/cli.js), as its own process. */
  const mlops = async (args: string[]) => (await promisify(execFile)(process.execPath, [installed('dist', 'cli.js'), ...args], { cwd: ws, encoding: 'utf8' })).stdout;
  const kids = (view: 'experiments' | 'data' | 'models', node?: ViewNode) => api.trees[view].tree.getChildren(node);
  async function runsOf(experiment: string): Promise<ViewNode[]> {
    const exp = (await kids('experiments')).find((n) => n.label === experiment);
    return exp ? kids('experiments', exp) : [];
  }

  before(() => {
    const found = vscode.extensions.getExtension<MlopsApi>(ID);
    assert.ok(found, `${ID} is not installed in the host`);
    ext = found;
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    ws = folder.uri.fsPath;
  });

  it('is the copy installed from the .vsix, not the repository', async () => {
    const extDir = process.env.EXT_TEST_EXTENSIONS_DIR;
    assert.ok(extDir, 'the launcher names the extensions folder (installed mode)');
    const real = fs.realpathSync(ext.extensionPath);
    assert.ok(real.startsWith(fs.realpathSync(extDir) + path.sep), `${real} is not inside ${extDir}`);
    assert.ok(!real.startsWith(fs.realpathSync(REPO) + path.sep), `${real} is inside the repository`);
    const repoPkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    assert.strictEqual((ext.packageJSON as { version: string }).version, repoPkg.version);
    // Only what the .vsix ships: bundles, no sources.
    assert.ok(fs.existsSync(installed('dist', 'extension.js')) && !fs.existsSync(installed('src')) && !fs.existsSync(installed('out')));
    assert.strictEqual(ext.extensionKind, vscode.ExtensionKind.Workspace);
    api = await ext.activate();
    assert.ok(ext.isActive);
    await api.stores.ready();
  });

  it('Initialize Store creates .mlops/ in the workspace', async () => {
    assert.ok(!fs.existsSync(path.join(ws, '.mlops')), 'the workspace starts without a store');
    const dir = await vscode.commands.executeCommand<string>('mlops.initStore', vscode.Uri.file(ws));
    assert.strictEqual(dir, path.join(ws, '.mlops'));
    assert.ok(fs.existsSync(path.join(ws, '.mlops', 'mlops.json')));
    await until(() => api.storeRoots().includes(ws), 10_000, 'the store is loaded');
  });

  it('the installed mlops CLI prints its version and logs runs that the Experiments view shows', async () => {
    assert.strictEqual((await mlops(['--version'])).trim(), (ext.packageJSON as { version: string }).version);
    for (const [name, lr, losses] of [['smoke-a', '0.1', [0.7, 0.4]], ['smoke-b', '0.01', [0.7, 0.3]]] as const) {
      await mlops(['run', 'log', '-e', 'smoke', '-n', name, '--param', `lr=${lr}`, '--no-git', ...losses.flatMap((l, i) => ['--metric', `loss=${l}@${i}`])]);
    }
    await vscode.commands.executeCommand('mlops.refresh');
    const runs = await until(async () => { const r = await runsOf('smoke'); return r.length === 2 && r; }, 20_000, 'both runs in the Experiments view');
    assert.deepStrictEqual(runs.map((r) => r.label).sort(), ['smoke-a', 'smoke-b']);
  });

  it('Compare Runs opens its panel and the production webview bundle renders the runs', async () => {
    const runs = await runsOf('smoke');
    await vscode.commands.executeCommand('mlops.compareRuns', runs[0], runs);
    const panel = await until(() => api.comparePanel(), 15_000, 'the Compare Runs panel');
    assert.strictEqual(panel.panel.title, 'Compare 2 Runs');
    if (process.env.EXT_TEST_UI_BRIDGE) { // the rendered page, read from the webview's DOM by the launcher
      let shown = '';
      await until(async () => {
        shown = ((await ui<string[]>('/texts', { frame: 'webview', selector: '#summary thead th' })) ?? []).map((t) => t.trim()).filter(Boolean).sort().join(' | ');
        return shown === 'smoke-a | smoke-b';
      }, 30_000, `the page to show both runs (it shows '${shown}')`);
      await ui('/screenshot', { name: 'installed-compare' });
    }
    panel.dispose();
  });

  it('the Python logger shipped in the .vsix writes a run into the store', async () => {
    const out = (await promisify(execFile)('python3', ['-c', [
      'import mlops_log',
      'with mlops_log.start_run("py-smoke", record_git=False) as r:',
      '    r.log_metric("loss", 0.25)',
      'print(r.id)',
      'print(mlops_log.__file__)',
    ].join('\n')], { cwd: ws, encoding: 'utf8', env: { ...process.env, PYTHONPATH: installed('python') } })).stdout.trim().split('\n');
    assert.strictEqual(fs.realpathSync(out[1]), fs.realpathSync(installed('python', 'mlops_log.py')));
    const run = JSON.parse(fs.readFileSync(path.join(ws, '.mlops', 'runs', out[0], 'run.json'), 'utf8')) as { status: string; experiment: string };
    assert.deepStrictEqual([run.status, run.experiment], ['finished', 'py-smoke']);
    await vscode.commands.executeCommand('mlops.refresh');
    await until(async () => (await runsOf('py-smoke')).some((n) => n.runId === out[0]), 20_000, 'the Python run in the Experiments view');
  });

  it('reads an mlflow.db (sql.js and its wasm ship) and an mlruns/ folder (yaml) found in the workspace', async () => {
    fs.mkdirSync(path.join(ws, 'mlflow-db'), { recursive: true });
    const db = path.join(ws, 'mlflow-db', 'mlflow.db');
    fs.copyFileSync(PACKT_DB, db);
    const mlruns = path.join(ws, 'mlflow-files', 'mlruns');
    fs.cpSync(PACKT_FILES, mlruns, { recursive: true });
    await vscode.commands.executeCommand('mlops.refreshMlflowStores');
    for (const p of [db, mlruns]) {
      const store = await until(async () => (await kids('experiments')).find((n) => n.contextValue === 'mlops.mlflowStore' && api.mlflow.get(n.store!)?.ref.path === p),
        20_000, `the MLflow store ${p} in the Experiments view`);
      const experiments = await kids('experiments', store);
      const runs = (await Promise.all(experiments.map((e) => kids('experiments', e)))).flat().filter((n) => n.kind === 'run');
      assert.ok(runs.length > 0, `runs of ${p} listed (experiments: ${experiments.map((e) => e.label).join(', ')})`);
    }
    // The installed CLI reads the same database with its own copy of the engine.
    const listed = JSON.parse(await mlops(['runs', 'list', '--source', 'mlflow', db, '--json'])) as unknown[];
    assert.ok(listed.length > 0, 'mlops runs list --source mlflow lists the database\'s runs');
  });

  it('Tag Data Version profiles a Parquet file in the host (hyparquet loads from dist/vendor/) and the Data view shows it', async () => {
    fs.copyFileSync(PARQUET, path.join(ws, 'train.parquet'));
    const version = await vscode.commands.executeCommand<{ id: string } | undefined>('mlops.tagData', { path: path.join(ws, 'train.parquet'), dataset: 'titanic', tags: ['v1'] });
    assert.ok(version?.id, 'a data version was tagged');
    const profile = JSON.parse(fs.readFileSync(path.join(ws, '.mlops', 'datasets', 'titanic', 'versions', `${version.id}.profile.json`), 'utf8')) as
      { files: { format?: string; rows?: number; error?: string }[] };
    assert.deepStrictEqual(profile.files.map((f) => [f.format, f.rows, f.error]), [['parquet', 891, undefined]]);
    await vscode.commands.executeCommand('mlops.refresh');
    const dataset = await until(async () => (await kids('data')).find((n) => n.label === 'titanic'), 20_000, 'the dataset in the Data view');
    assert.deepStrictEqual((await kids('data', dataset)).map((n) => n.label), ['v1']);
  });

  it('the installed CLI profiles a CSV file', async () => {
    fs.writeFileSync(path.join(ws, 'scores.csv'), 'id,score\n1,0.5\n2,0.75\n3,0.25\n');
    assert.match(await mlops(['data', 'tag', 'scores.csv', '--dataset', 'scores', '--tag', 'v1']), /Profiled scores\.csv: 3 rows × 2 columns/);
  });
});
