import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { messageOf } from '../../core';
import { findMlflowStores, openMlflowStore, type MlflowReader, type MlflowStoreRef } from '../../core/mlflow';
import { MlflowViewState } from '../../core/mlflow/viewState';
import { ContextKeys, Settings } from '../ids';
import type { Log } from '../log';

/** File events are many while a script logs: a store is read again once they pause this long. */
const DEBOUNCE_MS = 300;

/** A reader for a store that could not be opened: every read fails with why, so the tree shows it as a problem. */
function unreadable(ref: MlflowStoreRef, message: string): MlflowReader {
  const fail = () => Promise.reject(new Error(message));
  return { ref, scan: fail, runs: fail, metricHistory: fail, registry: fail, watchPaths: () => [ref.path], close: () => undefined };
}

function showSetting(): boolean {
  return vscode.workspace.getConfiguration().get<boolean>(Settings.mlflowShow, true);
}

function depthSetting(): number {
  const n = vscode.workspace.getConfiguration().get<number>(Settings.mlflowSearchDepth, 3);
  return Number.isInteger(n) && n >= 0 ? Math.min(n, 10) : 3;
}

/**
 * The MLflow stores (`mlruns/` folders, `mlflow.db` files) of the open workspace folders, read in place and kept
 * current: each store has a file watcher (the `mlruns` folder, or the db file with its `-wal`/`-journal`), and a
 * change reads the store again after the events pause (300 ms). Folder watchers notice a store appearing. Nothing
 * here writes into a store.
 */
export class MlflowStores implements vscode.Disposable {
  private readonly states = new Map<string, MlflowViewState>();
  private readonly storeWatchers = new Map<string, vscode.Disposable[]>();
  private readonly folderWatchers: vscode.Disposable[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private findTimer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;
  private finding: Promise<void> = Promise.resolve();
  private readonly changed = new vscode.EventEmitter<MlflowViewState[]>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private disposed = false;

  /** Fires after stores were found or one was read again. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly log: Log) {
    this.disposables.push(
      vscode.workspace.onDidChangeWorkspaceFolders(() => { this.watchFolders(); void this.refresh(); }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(Settings.mlflowShow) || e.affectsConfiguration(Settings.mlflowSearchDepth)) { void this.refresh(); }
      }),
    );
    this.watchFolders();
  }

  /** Finds and loads the stores once; everyone awaiting `ready()` shares the first load. */
  ready(): Promise<void> {
    this.loading ??= this.find();
    return this.loading;
  }

  /** Finds the stores again and reads every one again (MLOps: Refresh MLflow Stores). */
  async refresh(): Promise<void> {
    await this.ready();
    await this.find(true);
  }

  list(): MlflowViewState[] {
    return [...this.states.values()].sort((a, b) => a.label.localeCompare(b.label) || a.key.localeCompare(b.key));
  }

  get(key: string): MlflowViewState | undefined {
    return this.states.get(key);
  }

  /** The store holding a run with this MLflow id. */
  findRun(runId: string): MlflowViewState | undefined {
    return this.list().find((s) => s.header(runId));
  }

  /** Serialised: a folder event during a find waits for it, so two finds never open the same store twice. */
  private find(reloadAll = false): Promise<void> {
    this.finding = this.finding.then(() => this.findNow(reloadAll), () => this.findNow(reloadAll));
    return this.finding;
  }

  private async findNow(reloadAll: boolean): Promise<void> {
    if (this.disposed) { return; }
    const refs: MlflowStoreRef[] = [];
    if (showSetting()) {
      for (const f of vscode.workspace.workspaceFolders ?? []) {
        if (f.uri.scheme !== 'file') { continue; }
        try {
          refs.push(...await findMlflowStores(f.uri.fsPath, { maxDepth: depthSetting() }));
        } catch (e) {
          this.log.warn(`looking for MLflow stores in ${f.uri.fsPath}: ${messageOf(e)}`);
        }
      }
    }
    const live = new Set(refs.map((r) => r.key));
    for (const key of [...this.states.keys()]) {
      if (!live.has(key)) { this.drop(key); }
    }
    const touched: MlflowViewState[] = [];
    for (const ref of refs) {
      let state = this.states.get(ref.key);
      if (!state) {
        state = await this.open(ref);
        this.states.set(ref.key, state);
        this.watchStore(state);
      } else if (!reloadAll) {
        continue;
      }
      await state.load();
      this.reportProblems(state);
      touched.push(state);
    }
    await vscode.commands.executeCommand('setContext', ContextKeys.hasMlflowStore, this.states.size > 0);
    this.changed.fire(touched);
  }

  private async open(ref: MlflowStoreRef): Promise<MlflowViewState> {
    try {
      return new MlflowViewState(ref, await openMlflowStore(ref));
    } catch (e) {
      this.log.warn(`cannot open the MLflow store ${ref.path}: ${messageOf(e)}`);
      return new MlflowViewState(ref, unreadable(ref, messageOf(e)));
    }
  }

  private reportProblems(state: MlflowViewState): void {
    const problems = state.problems();
    this.log.info(`MLflow store ${state.ref.path}: ${state.runs().length} runs${problems.length ? `, ${problems.length} skipped` : ''}`);
    for (const p of problems.slice(0, 20)) { this.log.warn(`MLflow ${state.relPath}: ${p.file}: ${p.reason}`); }
  }

  private drop(key: string): void {
    for (const d of this.storeWatchers.get(key) ?? []) { d.dispose(); }
    this.storeWatchers.delete(key);
    const t = this.timers.get(key);
    if (t) { clearTimeout(t); this.timers.delete(key); }
    this.states.get(key)?.dispose();
    this.states.delete(key);
  }

  /** One watcher per store: the whole `mlruns` folder, or the db file and its journals. */
  private watchStore(state: MlflowViewState): void {
    const ref = state.ref;
    // Relative to the workspace folder, as the `.mlops/**` watcher is: VS Code serves it from the folder's own
    // recursive watcher (a pattern based on the store's own path was not reported in the test host).
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(ref.path));
    const rel = folder ? path.relative(folder.uri.fsPath, ref.path).split(path.sep).join('/') : '';
    const base: vscode.WorkspaceFolder | vscode.Uri = folder ?? vscode.Uri.file(path.dirname(ref.path));
    const name = folder ? rel : path.basename(ref.path);
    const patterns = ref.kind === 'file'
      // An `mlruns` opened as the workspace folder itself is the whole folder.
      ? [new vscode.RelativePattern(base, name ? `${name}/**` : '**')]
      : [new vscode.RelativePattern(base, `${name}{,-wal,-journal}`)];
    const out: vscode.Disposable[] = [];
    for (const p of patterns) {
      const w = vscode.workspace.createFileSystemWatcher(p);
      const on = () => this.queueReload(ref.key);
      out.push(w, w.onDidCreate(on), w.onDidChange(on), w.onDidDelete(on));
    }
    this.storeWatchers.set(ref.key, out);
  }

  private queueReload(key: string): void {
    const t = this.timers.get(key);
    if (t) { clearTimeout(t); }
    this.timers.set(key, setTimeout(() => { this.timers.delete(key); void this.reload(key); }, DEBOUNCE_MS));
  }

  private async reload(key: string): Promise<void> {
    const state = this.states.get(key);
    if (!state || this.disposed) { return; }
    if (!fs.existsSync(state.ref.path)) { await this.find(); return; }
    try {
      await state.load();
    } catch (e) {
      this.log.error(`reading the MLflow store ${state.ref.path}: ${messageOf(e)}`);
    }
    if (this.states.get(key) === state) { this.changed.fire([state]); }
  }

  /** A store appearing (a first `mlflow.log_*` in a new folder) or disappearing: find again. */
  private watchFolders(): void {
    for (const d of this.folderWatchers.splice(0)) { d.dispose(); }
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      if (f.uri.scheme !== 'file') { continue; }
      for (const glob of ['**/mlruns/*/meta.yaml', '**/mlflow.db', '**/mlruns/models/*/meta.yaml']) {
        const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(f, glob), false, true, false);
        const on = (uri: vscode.Uri) => this.queueFind(uri);
        this.folderWatchers.push(w, w.onDidCreate(on), w.onDidDelete(on));
      }
    }
  }

  private queueFind(uri: vscode.Uri): void {
    const p = uri.fsPath;
    // Inside a store already known (a new experiment): its own watcher reads it again.
    // (or the db file itself, which its watcher covers; a store that is gone is dropped by `reload`).
    if ([...this.states.values()].some((s) => p === s.ref.path || p.startsWith(s.ref.path + path.sep))) { return; }
    if (this.findTimer) { clearTimeout(this.findTimer); }
    this.findTimer = setTimeout(() => { this.findTimer = undefined; if (this.loading) { void this.find(); } }, DEBOUNCE_MS);
  }

  dispose(): void {
    this.disposed = true;
    if (this.findTimer) { clearTimeout(this.findTimer); }
    for (const key of [...this.states.keys()]) { this.drop(key); }
    for (const d of this.folderWatchers) { d.dispose(); }
    for (const d of this.disposables) { d.dispose(); }
  }
}
