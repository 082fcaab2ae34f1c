import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { MlopsApi } from '../../src/extension';
import type { RunRef } from '../../src/core/compare/sources';
import { generateMlflowFileStore } from '../../bench/mlflowGen';
import { activate, cli, stub, ui, until, workspaceRoot } from './helpers';

/** What the import command returns (`MlflowImportResult`), as far as these tests read it. */
interface MlflowImportResult { counts: { runs: number; versions: number } }

// Compare Runs across a .mlops store and an MLflow store, and MLOps: Import MLflow Runs…, on copies of the shared
// corpus stores put in a subfolder of the shared test workspace. Everything added (the stores, the runs, experiments
// and models imported) is removed afterwards: the other suites count what the tree shows.
const REPO = process.env.EXT_TEST_REPO_ROOT ?? path.resolve(__dirname, '../../..');
const CORPUS = path.resolve(REPO, '..', 'shared', 'corpus', 'mlruns');
const SUB = 'mlflow-compare-test';
/** cr21: an MLflow 2.x file store (3 experiments, 11 runs, metric keys with `/`), and one of its sample runs. */
const FILE_STORE = 'cr21__MLOps_ExperimentTracking_HyperParameterOptimizations';
const SAMPLE = '1f9f0ec610b142ab8eff3eb836994def';

/** `metric.<key>` of a sample run in EXPECTED.tsv (an independent reader's values): key → last value. */
function expectedLast(folder: string, runId: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of fs.readFileSync(path.join(CORPUS, 'EXPECTED.tsv'), 'utf8').split('\n')) {
    const [f, , record, key, value] = line.split('\t');
    if (f === folder && record === `run:${runId}` && key?.startsWith('metric.')) { out.set(key.slice('metric.'.length), Number(value.split(' ')[0])); }
  }
  return out;
}

/** Every file under .mlops (cache left out), to remove exactly what this suite added. */
function listFiles(dir: string, base = dir, out = new Set<string>()): Set<string> {
  if (!fs.existsSync(dir)) { return out; }
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (!(e.name === 'cache' && dir === base)) { listFiles(p, base, out); } } else { out.add(path.relative(base, p)); }
  }
  return out;
}

/** Removes files not in `before`, then the folders left empty that did not exist before. */
function removeAdded(dir: string, before: Set<string>, dirsBefore: Set<string>): void {
  for (const f of listFiles(dir)) { if (!before.has(f)) { fs.rmSync(path.join(dir, f), { force: true }); } }
  const prune = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory()) { continue; }
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (rel === 'cache') { continue; }
      prune(p);
      if (!dirsBefore.has(rel) && fs.readdirSync(p).length === 0) { fs.rmdirSync(p); }
    }
  };
  prune(dir);
}

function listDirs(dir: string, base = dir, out = new Set<string>()): Set<string> {
  for (const e of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
    if (e.isDirectory()) { const p = path.join(dir, e.name); out.add(path.relative(base, p)); listDirs(p, base, out); }
  }
  return out;
}

/** Imported runs of one MLflow store (by its store path in `source.store`), from the files. */
function importedRuns(mlops: string, storeRel: string): { id: string; mlflowRunId: string; run: { status: string; source: { store: string; mlflowRunId: string } } }[] {
  const runsDir = path.join(mlops, 'runs');
  return fs.readdirSync(runsDir).flatMap((id) => {
    const f = path.join(runsDir, id, 'run.json');
    if (!fs.existsSync(f)) { return []; }
    const run = JSON.parse(fs.readFileSync(f, 'utf8')) as { status: string; source?: { kind?: string; store?: string; mlflowRunId?: string } };
    return run.source?.kind === 'mlflow' && run.source.store === storeRel ? [{ id, mlflowRunId: run.source.mlflowRunId!, run: run as never }] : [];
  });
}

describe('MLflow runs in Compare Runs and Import MLflow Runs (real extension host)', function () {
  this.timeout(120_000);
  let api: MlopsApi;
  let root = '';
  let mlops = '';
  let sub = '';
  let filesBefore = new Set<string>();
  let dirsBefore = new Set<string>();
  let mlopsRun = '';

  /** The registry's view of a store copied into the subfolder, once found. */
  async function storeAt(rel: string) {
    const abs = path.join(sub, rel);
    await vscode.commands.executeCommand('mlops.refreshMlflowStores');
    return until(() => api.mlflow.list().find((s) => s.ref.path === abs), 30_000, `the MLflow store ${rel} found`);
  }

  before(async () => {
    api = await activate();
    await api.stores.ready();
    root = workspaceRoot();
    mlops = path.join(root, '.mlops');
    sub = path.join(root, SUB);
    filesBefore = listFiles(mlops);
    dirsBefore = listDirs(mlops);
    fs.cpSync(path.join(CORPUS, FILE_STORE, 'mlruns'), path.join(sub, 'cr21', 'mlruns'), { recursive: true });
    mlopsRun = (JSON.parse(cli(['run', 'log', '-e', 'mlflow-compare-test', '-n', 'mlops-vit', '--param', 'learning_rate=0.001', '--no-git',
      '--metric', 'val/loss=2.5@0', '--metric', 'val/loss=2.1@1', '--metric', 'val/acc=0.2@1', '--json'], root)) as { id: string }).id;
    await vscode.commands.executeCommand('mlops.refresh');
    await until(() => api.stores.get(root)?.runs.get(mlopsRun), 15_000, 'the .mlops run in the store');
  });

  after(async () => {
    api?.comparePanel()?.dispose();
    fs.rmSync(sub, { recursive: true, force: true });
    if (mlops) {
      removeAdded(mlops, filesBefore, dirsBefore);
      if (!dirsBefore.has(path.join('cache', 'mlflow-import'))) { fs.rmSync(path.join(mlops, 'cache', 'mlflow-import'), { recursive: true, force: true }); }
    }
    await vscode.commands.executeCommand('mlops.refreshMlflowStores');
    await vscode.commands.executeCommand('mlops.refresh');
  });

  describe('Compare Runs', () => {
    let key = '';
    let refs: RunRef[] = [];

    before(async () => {
      const state = await storeAt('cr21/mlruns');
      key = state.key;
      assert.ok(state.run(SAMPLE), 'the sample run is in the store');
      refs = [{ root, runId: mlopsRun }, { root: state.root, runId: SAMPLE, store: key }];
    });

    it('compares an MLflow run with a .mlops run: both columns, metrics of both, the MLflow values as the store has them', async () => {
      await vscode.commands.executeCommand('mlops.compareRuns', { refs });
      const panel = await until(() => api.comparePanel(), 10_000, 'panel');
      assert.strictEqual(panel.panel.title, 'Compare 2 Runs');
      const c = await panel.build();
      assert.deepStrictEqual(c.runs.map((r) => [r.id, r.storeLabel ?? null]), [[mlopsRun, null], [SAMPLE, api.mlflow.get(key)!.label]]);
      const row = (k: string) => c.metrics.find((r) => r.key === k)?.values;
      assert.deepStrictEqual(row('val/loss last'), [2.1, Number(expectedLast(FILE_STORE, SAMPLE).get('val/loss')!.toPrecision(7))]);
      // Every metric of the MLflow run, with its last value as an independent reader found it (rounded as the table shows numbers).
      for (const [name, last] of expectedLast(FILE_STORE, SAMPLE)) {
        assert.strictEqual(row(`${name} last`)?.[1], Number(last.toPrecision(7)), name);
      }
      assert.ok(c.series['val/loss'][mlopsRun] && c.series['val/loss'][SAMPLE], 'curves of both runs');
      // MLflow's text "0.001" and the .mlops number 0.001 are the same learning rate.
      const lr = c.params.find((r) => r.key === 'learning_rate');
      assert.deepStrictEqual(lr && [lr.values, lr.differs], [[0.001, '0.001'], false]);
      if (process.env.EXT_TEST_UI_BRIDGE) {
        await until(async () => ((await ui<string[]>('/texts', { frame: 'webview', selector: '#summary thead th .store-badge' })) ?? []).length === 1, 30_000, 'the MLflow badge in the header');
        await ui('/screenshot', { name: 'compare-mlflow' });
      }
    });

    it('follows the MLflow store when a compared run gets a new metric point', async () => {
      const panel = api.comparePanel()!;
      await until(() => panel.shown, 30_000, 'the page got its first comparison');
      const state = api.mlflow.get(key)!;
      const header = state.run(SAMPLE)!;
      const expId = (header.source as unknown as { mlflowExperimentId: string }).mlflowExperimentId;
      const file = path.join(sub, 'cr21', 'mlruns', expId, SAMPLE, 'metrics', 'val', 'loss');
      fs.appendFileSync(file, `${Date.now()} 0.123 999\n`);
      // The registry reads the store again (its file watcher does the same after a write; calling it here keeps this
      // test about the panel, not about file events), and the panel compares again.
      await vscode.commands.executeCommand('mlops.refreshMlflowStores');
      await until(() => panel.shown?.metrics.find((r) => r.key === 'val/loss last')?.values[1] === 0.123, 30_000, 'the new last value in the panel');
    });

    it('comes back after a window reload with both runs in their stores', async () => {
      const saved = { runIds: refs.map((r) => r.runId), refs };
      api.comparePanel()?.dispose();
      const panel = vscode.window.createWebviewPanel('mlops.compare', 'Compare Runs', vscode.ViewColumn.Active, { enableScripts: true });
      await api.compareSerializer.deserializeWebviewPanel(panel, saved);
      const restored = await until(() => api.comparePanel(), 10_000, 'restored panel');
      assert.deepStrictEqual(restored.runRefs, refs);
      const c = await restored.build();
      assert.deepStrictEqual(c.runs.map((r) => r.id), [mlopsRun, SAMPLE]);
      // An older state (run ids only) finds the MLflow run in its store too.
      restored.dispose();
      const panel2 = vscode.window.createWebviewPanel('mlops.compare', 'Compare Runs', vscode.ViewColumn.Active, { enableScripts: true });
      await api.compareSerializer.deserializeWebviewPanel(panel2, { runIds: [mlopsRun, SAMPLE] });
      assert.deepStrictEqual((await until(() => api.comparePanel(), 10_000, 'restored panel')).runRefs, refs);
      api.comparePanel()?.dispose();
    });

    it('the palette lists the runs of every store, MLflow ones with the store in the description', async () => {
      type Item = vscode.QuickPickItem & { ref?: RunRef };
      let shown: readonly Item[] = [];
      const restore = stub(vscode.window, 'showQuickPick', ((items: readonly Item[] | Thenable<readonly Item[]>) => Promise.resolve(items).then((list) => {
        shown = list;
        return list.filter((i) => i.ref?.runId === mlopsRun || i.ref?.runId === SAMPLE);
      })) as unknown as typeof vscode.window.showQuickPick);
      try { await vscode.commands.executeCommand('mlops.compareRuns'); } finally { restore(); }
      const label = api.mlflow.get(key)!.label;
      assert.ok(shown.some((i) => i.ref?.runId === mlopsRun && !i.description?.includes('MLflow')));
      assert.match(shown.find((i) => i.ref?.runId === SAMPLE)?.description ?? '', new RegExp(`${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
      assert.deepStrictEqual(api.comparePanel()?.runRefs.map((r) => r.runId).sort(), [mlopsRun, SAMPLE].sort());
      api.comparePanel()?.dispose();
    });
  });

  describe('Import MLflow Runs…', () => {
    /** Answers the experiments pick with every item offered ticked, and the modal with `answer`; records messages. */
    function script(answer: string | undefined) {
      const infos: string[] = [];
      const picks: (readonly vscode.QuickPickItem[])[] = [];
      const r1 = stub(vscode.window, 'showQuickPick', ((items: readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>) => Promise.resolve(items).then((list) => {
        picks.push(list);
        return list.filter((i) => i.picked);
      })) as unknown as typeof vscode.window.showQuickPick);
      const r2 = stub(vscode.window, 'showInformationMessage', ((m: string, ...rest: unknown[]) => {
        infos.push(m);
        const modal = typeof rest[0] === 'object' && rest[0] !== null && (rest[0] as vscode.MessageOptions).modal;
        return Promise.resolve(modal ? answer : undefined);
      }));
      return { infos, picks, restore: () => { r1(); r2(); } };
    }

    it('imports a store from its node: experiments offered with run counts, a dry-run summary, then every run', async () => {
      const state = await storeAt('cr21/mlruns');
      const node = { id: `${state.key}|store`, kind: 'mlflowStore', view: 'experiments', root: state.root, label: state.label, store: state.key };
      const s = script('Import');
      let result: MlflowImportResult | undefined;
      try { result = await vscode.commands.executeCommand<MlflowImportResult | undefined>('mlops.importMlflowRuns', node); } finally { s.restore(); }
      assert.ok(result, 'imported');
      assert.deepStrictEqual(s.picks[0].map((i) => [i.label, i.description, i.picked]).sort(),
        [['Default', '0 runs', true], ['bird_classification', '10 runs', true], ['dogbreed_classification', '1 run', true]].sort());
      assert.match(s.infos[0], /^Import 11 runs into \.mlops\?$/);
      assert.strictEqual(result.counts.runs, 11);
      assert.match(s.infos[1], /imported 11 runs from MLflow/);
      const storeRel = path.relative(root, state.ref.path).split(path.sep).join('/');
      const runs = importedRuns(mlops, storeRel);
      assert.strictEqual(runs.length, 11);
      // The views got it without waiting for the watcher: the imported runs are in the store's state.
      const mlopsState = api.stores.get(root)!;
      await until(() => runs.every((r) => mlopsState.runs.get(r.id)), 15_000, 'the imported runs in the views');
      const sample = runs.find((r) => r.mlflowRunId === SAMPLE)!;
      const points = fs.readFileSync(path.join(mlops, 'runs', sample.id, 'metrics.jsonl'), 'utf8').trim().split('\n').length;
      // 84 points in the corpus, plus the one the live test above appended to val/loss.
      assert.strictEqual(points, 85);
    });

    it('a second import says there is nothing new to import and writes nothing', async () => {
      const before = listFiles(mlops);
      const s = script('Import');
      let result: MlflowImportResult | undefined;
      try { result = await vscode.commands.executeCommand<MlflowImportResult | undefined>('mlops.importMlflowRuns', { path: path.join(sub, 'cr21', 'mlruns') }); } finally { s.restore(); }
      assert.strictEqual(result?.counts.runs, 0);
      assert.strictEqual(s.infos.length, 1, s.infos.join(' | '));
      assert.match(s.infos[0], /nothing new to import \(11 runs already imported\)/);
      assert.deepStrictEqual([...listFiles(mlops)].filter((f) => !before.has(f)), []);
    });

    it('cancelled halfway, it leaves only whole runs and no staged files, and importing again adds the rest', async () => {
      // 200 generated runs: the importer reads them in batches of 64 and reports progress after each batch.
      const storePath = path.join(sub, 'generated', 'mlruns');
      const generated = generateMlflowFileStore(storePath, { runs: 200, experiments: 2, pointsPerRun: 20, keys: 2, params: 4, tags: 4, nestEvery: 0 });
      // The generator marks a few runs deleted in MLflow: those are not imported.
      const active = generated.metaFiles.filter((f) => fs.readFileSync(f, 'utf8').includes('lifecycle_stage: active')).length;
      assert.ok(active > 150, `${active} active runs`);
      const storeRel = path.relative(root, storePath).split(path.sep).join('/');
      // The progress notification's Cancel, pressed when the real import reports its first batch of runs done.
      let calls = 0;
      let reports = 0;
      const original = vscode.window.withProgress.bind(vscode.window);
      const restoreProgress = stub(vscode.window, 'withProgress', (<R>(o: vscode.ProgressOptions, task: (p: vscode.Progress<{ message?: string; increment?: number }>, t: vscode.CancellationToken) => Thenable<R>) => {
        // The views' own progress (a store read again meanwhile) goes on as usual; the command's notifications are scripted.
        if (o.location !== vscode.ProgressLocation.Notification) { return original(o, task); }
        calls++;
        const cancel = new vscode.CancellationTokenSource();
        return task({ report: (r) => { if (o.cancellable && /^\d+ of \d+ runs$/.test(r.message ?? '') && ++reports === 1) { cancel.cancel(); } } }, cancel.token);
      }));
      const s = script('Import');
      let result: MlflowImportResult | undefined;
      try { result = await vscode.commands.executeCommand<MlflowImportResult | undefined>('mlops.importMlflowRuns', { path: storePath }); } finally { s.restore(); restoreProgress(); }
      assert.strictEqual(calls, 2, 'the dry run, then the import');
      assert.strictEqual(s.infos[0], `Import ${active} runs into .mlops?`);
      assert.strictEqual(result, undefined, 'cancelled');
      assert.match(s.infos.at(-1) ?? '', /cancelled after \d+ runs/);
      const partial = importedRuns(mlops, storeRel);
      assert.ok(partial.length > 0 && partial.length < active, `cancelled in the middle (${partial.length} of ${active} imported)`);
      // Every run that is there is whole (runs are staged and renamed into place): the CLI reads each, metrics included
      // (`runs show` exits non-zero, and cli() throws, when a line cannot be read), and all 20 points are there.
      for (const r of partial.slice(0, 5)) {
        const shown = JSON.parse(cli(['runs', 'show', r.id, '--json'], root)) as { run: { id: string }; metrics: Record<string, { count: number }> };
        assert.strictEqual(shown.run.id, r.id);
        assert.strictEqual(Object.values(shown.metrics).reduce((n, m) => n + m.count, 0), 20, r.id);
      }
      const staging = path.join(mlops, 'cache', 'mlflow-import');
      // (Its README, which says what the folder is for, may stay: no run is left there.)
      assert.deepStrictEqual(fs.existsSync(staging) ? fs.readdirSync(staging).filter((f) => f !== 'README') : [], [], 'no half-written run left in the staging folder');
      const s2 = script('Import');
      try { result = await vscode.commands.executeCommand<MlflowImportResult | undefined>('mlops.importMlflowRuns', { path: storePath }); } finally { s2.restore(); }
      assert.strictEqual(result?.counts.runs, active - partial.length);
      assert.strictEqual(s2.infos[0], `Import ${active - partial.length} runs (${partial.length} already imported, skipped) into .mlops?`);
      const all = importedRuns(mlops, storeRel);
      assert.strictEqual(all.length, active);
      assert.strictEqual(new Set(all.map((r) => r.mlflowRunId)).size, active, 'no run imported twice');
    });
  });
});
