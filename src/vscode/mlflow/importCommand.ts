// MLOps: Import MLflow Runs… — copies runs (and registered models) of an MLflow store into the workspace's `.mlops`
// store: pick the store, the experiments, read a dry run's summary, then import with a cancellable progress.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MlopsError, isMlopsError, messageOf, type ViewNode } from '../../core';
import { mlflowStoreAt, openMlflowStore, type MlflowExperiment, type MlflowReader, type MlflowStoreRef } from '../../core/mlflow';
import { importMlflow, type MlflowImportOptions, type MlflowImportResult } from '../../core/mlflow/import';
import { Commands, InternalCommands } from '../ids';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';
import { isViewNode } from '../ui';

/** What the command needs of the MLflow stores registry (`MlflowStores` satisfies it). */
export interface MlflowStoreList {
  ready(): Promise<void>;
  list(): readonly { readonly ref: MlflowStoreRef; readonly key: string }[];
  get(key: string): { readonly ref: MlflowStoreRef } | undefined;
}

export interface ImportDeps {
  stores: WorkspaceStores;
  mlflow?: MlflowStoreList;
  log: Log;
}

/** `{ path, root? }`: a store given by path (an `mlruns` folder, a `.db` file or a folder holding one). */
interface PathArgument { path: string; root?: string; experiments?: string[] }

const BROWSE = 'Browse…';

/** A run item of the dry run was skipped because an earlier import brought it in. */
const alreadyImported = (reason: string | undefined) => reason !== undefined && reason.startsWith('already imported');

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The workspace folder holding a path, else undefined. */
function folderOf(p: string): string | undefined {
  return vscode.workspace.getWorkspaceFolder(vscode.Uri.file(p))?.uri.fsPath;
}

/** Which MLflow store: the node's, the argument's, or picked among the stores found (plus Browse… for one elsewhere). */
async function resolveSource(deps: ImportDeps, arg: unknown): Promise<{ ref: MlflowStoreRef; preselect?: string; experiments?: string[] } | undefined> {
  if (isViewNode(arg)) {
    const node: ViewNode = arg;
    if (!node.store) { throw new MlopsError('Import MLflow Runs works on an MLflow store, experiment or run', 'invalid-input'); }
    await deps.mlflow?.ready();
    const state = deps.mlflow?.get(node.store);
    if (!state) { throw new MlopsError(`the MLflow store of '${node.label}' is not open any more; refresh the MLflow stores`, 'not-found'); }
    return { ref: state.ref, ...(node.experiment ? { preselect: node.experiment } : {}) };
  }
  if (typeof arg === 'object' && arg !== null && typeof (arg as PathArgument).path === 'string') {
    const a = arg as PathArgument;
    const root = a.root ?? folderOf(a.path) ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? path.dirname(a.path);
    return { ref: await mlflowStoreAt(a.path, root), ...(a.experiments ? { experiments: a.experiments } : {}) };
  }
  await deps.mlflow?.ready();
  const found = deps.mlflow?.list() ?? [];
  const items: (vscode.QuickPickItem & { ref?: MlflowStoreRef })[] = [
    ...found.map((s) => ({ label: s.ref.label, description: path.relative(s.ref.root, s.ref.path) || s.ref.path, detail: s.ref.path, ref: s.ref })),
    { label: BROWSE, description: 'an mlruns folder or an mlflow.db elsewhere' },
  ];
  const pick = await vscode.window.showQuickPick(items, { placeHolder: 'MLflow store to import from' });
  if (!pick) { return undefined; }
  if (pick.ref) { return { ref: pick.ref }; }
  const chosen = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: true, canSelectMany: false, openLabel: 'Import from this MLflow store',
    title: 'An mlruns folder, an mlflow.db file or a folder holding one' });
  const p = chosen?.[0]?.fsPath;
  if (!p) { return undefined; }
  const root = folderOf(p) ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? path.dirname(p);
  return { ref: await mlflowStoreAt(p, root) };
}

/** The `.mlops` store runs go into: the one of the MLflow store's workspace folder, initialized on request. */
async function targetStore(deps: ImportDeps, ref: MlflowStoreRef) {
  await deps.stores.ready();
  const folders = vscode.workspace.workspaceFolders ?? [];
  let root = folderOf(ref.path) ?? (folders.some((f) => f.uri.fsPath === ref.root) ? ref.root : undefined);
  if (!root) {
    // A store from outside the workspace goes into the store of a workspace folder: the only one, or the one picked.
    const withStore = deps.stores.list();
    if (withStore.length === 1) { root = withStore[0].root; } else if (folders.length === 1) { root = folders[0].uri.fsPath; } else {
      root = (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Workspace folder whose .mlops store receives the runs' }))?.uri.fsPath;
      if (!root) { return undefined; }
    }
  }
  let state = deps.stores.get(root);
  if (!state) {
    const init = 'Initialize Store';
    const answer = await vscode.window.showInformationMessage(`${path.basename(root)} has no .mlops store yet. Initialize one to import the MLflow runs into?`, { modal: true }, init);
    if (answer !== init) { return undefined; }
    await vscode.commands.executeCommand(Commands.initStore, vscode.Uri.file(root));
    await deps.stores.ready();
    state = deps.stores.get(root);
    if (!state) { throw new MlopsError(`no .mlops store in ${root} after initializing it`, 'no-store'); }
  }
  return state;
}

/** The experiments to import: a multi-select with run counts, every active one ticked (or just the one preselected). */
async function pickExperiments(experiments: readonly MlflowExperiment[], runsOf: Map<string, number>, preselect: string | undefined): Promise<string[] | undefined> {
  const active = experiments.filter((e) => e.lifecycle === 'active');
  if (!active.length) { throw new MlopsError('this MLflow store has no active experiment to import', 'not-found'); }
  const wanted = preselect !== undefined && active.some((e) => e.name === preselect || e.id === preselect) ? preselect : undefined;
  const items = active.map((e) => ({ label: e.name, description: plural(runsOf.get(e.id) ?? 0, 'run'), detail: `MLflow experiment ${e.id}`, id: e.id,
    picked: wanted === undefined || e.name === wanted || e.id === wanted }));
  const picks = await vscode.window.showQuickPick(items, { canPickMany: true, placeHolder: 'Experiments to import' });
  return picks?.length ? picks.map((p) => p.id) : undefined;
}

/** Writes what was skipped and why to the output channel; returns how many items that was. */
function logSkipped(log: Log, label: string, result: MlflowImportResult): number {
  const skipped = result.items.filter((i) => i.action === 'skip' && i.kind !== 'experiment' && !alreadyImported(i.reason));
  for (const i of skipped) { log.warn(`import ${label}: ${i.kind} ${i.name} (${i.mlflowId}) skipped: ${i.reason ?? 'no reason given'}`); }
  for (const p of result.problems) { log.warn(`import ${label}: ${p.file}: ${p.reason}`); }
  return skipped.length + result.problems.length;
}

/** "Import 52 runs (4 already imported, skipped), 3 models with 21 versions into .mlops?" from a dry run. */
export function importQuestion(result: MlflowImportResult): string {
  const already = result.items.filter((i) => i.kind === 'run' && i.action === 'skip' && alreadyImported(i.reason)).length;
  const models = result.counts.versions ? `, ${plural(result.counts.models, 'model')} with ${plural(result.counts.versions, 'version')}` : '';
  return `Import ${plural(result.counts.runs, 'run')}${already ? ` (${already} already imported, skipped)` : ''}${models} into .mlops?`;
}

/**
 * `MLOps: Import MLflow Runs…` from an MLflow store node, an MLflow experiment or run node (its experiment
 * preselected), the Experiments view's title, the palette, or `{ path, root?, experiments? }`. Returns the import's
 * result (undefined when cancelled before importing).
 */
export async function importMlflowRuns(deps: ImportDeps, arg?: unknown): Promise<MlflowImportResult | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('MLOps: MLflow runs are not imported in an untrusted workspace (importing writes runs and models into its .mlops store). Trust the workspace to import.');
    return undefined;
  }
  const source = await resolveSource(deps, arg);
  if (!source) { return undefined; }
  const state = await targetStore(deps, source.ref);
  if (!state) { return undefined; }
  const label = source.ref.label;
  let reader: MlflowReader;
  try { reader = await openMlflowStore(source.ref); } catch (e) { throw new MlopsError(`cannot open ${label}: ${messageOf(e)}`, 'invalid-input'); }
  try {
    const scan = await reader.scan();
    const runsOf = new Map<string, number>();
    for (const r of scan.runs) { if (r.lifecycle === 'active') { runsOf.set(r.experimentId, (runsOf.get(r.experimentId) ?? 0) + 1); } }
    const experiments = source.experiments ?? await pickExperiments(scan.experiments, runsOf, source.preselect);
    if (!experiments) { return undefined; }
    // Every active experiment ticked: the importer's default, which also brings every registered model version.
    const all = scan.experiments.filter((e) => e.lifecycle === 'active').every((e) => experiments.includes(e.id) || experiments.includes(e.name));
    const opts: MlflowImportOptions = all ? {} : { experiments };

    const dry = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Reading ${label}…` }, () => importMlflow(state.store, reader, { ...opts, dryRun: true }));
    if (dry.counts.runs === 0 && dry.counts.versions === 0) {
      const already = dry.items.filter((i) => i.kind === 'run' && alreadyImported(i.reason)).length;
      const skipped = logSkipped(deps.log, label, dry);
      void vscode.window.showInformationMessage(`MLOps: ${label}: nothing new to import${already ? ` (${plural(already, 'run')} already imported)` : ''}.${skipped ? ` ${plural(skipped, 'item was', 'items were')} skipped (see Output).` : ''}`);
      return dry;
    }
    const go = 'Import';
    const answer = await vscode.window.showInformationMessage(importQuestion(dry), { modal: true, detail: `From ${label} (${source.ref.path}) into ${state.store.dir}. Runs get new ids; nothing in the MLflow store is changed, artifacts are referenced, not copied.` }, go);
    if (answer !== go) { return undefined; }

    const controller = new AbortController();
    let result: MlflowImportResult;
    try {
      result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Importing ${label}`, cancellable: true }, async (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        let shown = 0;
        return importMlflow(state.store, reader, { ...opts, signal: controller.signal, onProgress: (p) => {
          const pct = p.total ? Math.min(100, (100 * p.done) / p.total) : 0;
          progress.report({ message: p.message, increment: Math.max(0, pct - shown) });
          shown = Math.max(shown, pct);
        } });
      });
    } catch (e) {
      await deps.stores.notify(state.root, { full: true });
      if (isMlopsError(e) && e.kind === 'cancelled') {
        deps.log.info(`import ${label}: ${e.message}`);
        void vscode.window.showInformationMessage(`MLOps: ${e.message}.`);
        return undefined;
      }
      throw e;
    }
    await deps.stores.notify(state.root, { full: true });
    const skipped = logSkipped(deps.log, label, result);
    const firstRun = result.items.find((i) => i.kind === 'run' && i.action === 'import');
    deps.log.info(`import ${label}: ${result.counts.runs} runs, ${result.counts.metricPoints} metric points, ${result.counts.versions} model versions into ${state.store.dir}`);
    const models = result.counts.versions ? `, ${plural(result.counts.models, 'model')} with ${plural(result.counts.versions, 'version')}` : '';
    const show = 'Show Runs';
    void vscode.window.showInformationMessage(`MLOps: imported ${plural(result.counts.runs, 'run')}${models} from ${label}.${skipped ? ` ${plural(skipped, 'item was', 'items were')} skipped (see Output).` : ''}`,
      ...(firstRun?.experiment ? [show] : [])).then(async (a) => {
      if (a === show && firstRun?.experiment) { await vscode.commands.executeCommand(InternalCommands.revealExperiment, { experiment: firstRun.experiment, root: state.root }); }
    });
    return result;
  } finally {
    reader.close();
  }
}
