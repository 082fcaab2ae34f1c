import * as path from 'node:path';
import * as vscode from 'vscode';
import { STORE_DIR, Store, StoreState, classifyChange, emptyChangeSet, isEmptyChange, messageOf, type ChangeSet } from '../core';
import type { Log } from './log';

export interface StoreChange {
  state: StoreState;
  change: ChangeSet;
}

const DEBOUNCE_MS = 100;

/** What a command just wrote, so the views update without waiting for the file watcher. */
export interface NotifyChange {
  full?: boolean;
  runs?: string[];
  metrics?: string[];
  data?: boolean;
  models?: boolean;
  experiments?: boolean;
  trash?: boolean;
  goals?: boolean;
}

/**
 * The stores of the open workspace folders, loaded once and then kept current from file-system events on
 * `.mlops/**`. Events are batched per store for 100 ms and applied incrementally (only the runs, metrics, data or
 * models that changed are re-read), whoever wrote the files: this extension, the CLI or a training script.
 */
export class WorkspaceStores implements vscode.Disposable {
  private readonly states = new Map<string, StoreState>();
  private readonly watchers = new Map<string, vscode.FileSystemWatcher>();
  private readonly pending = new Map<string, ChangeSet>();
  private timer: NodeJS.Timeout | undefined;
  private readonly changed = new vscode.EventEmitter<StoreChange[]>();
  private readonly storesChanged = new vscode.EventEmitter<void>();
  private readonly fileChanged = new vscode.EventEmitter<{ root: string; relPath: string }>();
  private readonly disposables: vscode.Disposable[] = [this.changed, this.storesChanged, this.fileChanged];
  private loading: Promise<void> | undefined;
  /** Roots whose store is being loaded: changes seen meanwhile wait for the load instead of being dropped. */
  private readonly loadingRoots = new Set<string>();

  /** Fires after changes were applied to the in-memory state. */
  readonly onDidChange = this.changed.event;
  /** Fires when stores appear or disappear (init, folders added or removed). */
  readonly onDidChangeStores = this.storesChanged.event;
  /**
   * Every file event under `.mlops/` as it arrives (path relative to `.mlops/`, `/` separators), for features whose
   * files the store state does not track (the prediction logs under monitoring/). Not debounced.
   */
  readonly onDidChangeFile = this.fileChanged.event;

  constructor(private readonly log: Log) {
    this.disposables.push(vscode.workspace.onDidChangeWorkspaceFolders(() => { void this.reload(); }));
  }

  /** When the first load finished (`performance.now()` of the extension host), for the output channel and the bench. */
  readyAt: number | undefined;

  /** Finds and loads every store; the first call is shared by everyone awaiting `ready()`. */
  ready(): Promise<void> {
    this.loading ??= this.reload().then(() => { this.readyAt ??= performance.now(); });
    return this.loading;
  }

  async reload(): Promise<void> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const live = new Set(folders.map((f) => f.uri.fsPath));
    for (const root of [...this.watchers.keys()]) {
      if (!live.has(root)) { this.watchers.get(root)?.dispose(); this.watchers.delete(root); this.states.delete(root); }
    }
    for (const f of folders) {
      if (f.uri.scheme !== 'file') { continue; }
      this.watch(f);
      await this.loadFolder(f.uri.fsPath);
    }
    this.storesChanged.fire();
  }

  private async loadFolder(root: string): Promise<void> {
    this.loadingRoots.add(root);
    try {
      const store = await Store.open(root);
      // A store already loaded keeps its in-memory run catalog: a reload then only re-checks every file (a stat
      // each) instead of parsing the cache file again.
      const existing = this.states.get(root);
      const state = existing && existing.store.dir === store.dir ? existing : new StoreState(store);
      await state.load();
      this.states.set(root, state);
      const catalog = state.runs.catalog;
      this.log.info(`store loaded: ${store.dir} (${state.runs.size} runs)`);
      if (catalog.loadNote) { this.log.info(`run cache ${catalog.cacheFile}: ${catalog.loadNote}`); }
      if (catalog.lastSaveError) { this.log.warn(`run cache not saved (the next start reads every run again): ${catalog.lastSaveError}`); }
    } catch (e) {
      this.states.delete(root);
      if (!/no MLOps store/.test(messageOf(e))) { this.log.warn(`cannot open the store in ${root}: ${messageOf(e)}`); }
    } finally {
      this.loadingRoots.delete(root);
    }
  }

  private watch(folder: vscode.WorkspaceFolder): void {
    const root = folder.uri.fsPath;
    if (this.watchers.has(root)) { return; }
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, `${STORE_DIR}/**`));
    const on = (uri: vscode.Uri) => this.queue(root, uri);
    w.onDidCreate(on);
    w.onDidChange(on);
    w.onDidDelete(on);
    this.watchers.set(root, w);
  }

  private queue(root: string, uri: vscode.Uri): void {
    const rel = path.relative(path.join(root, STORE_DIR), uri.fsPath).split(path.sep).join('/');
    if (rel.startsWith('..')) { return; }
    this.fileChanged.fire({ root, relPath: rel });
    const set = this.pending.get(root) ?? emptyChangeSet();
    classifyChange(rel, set);
    this.pending.set(root, set);
    this.timer ??= setTimeout(() => { this.timer = undefined; void this.flush(); }, DEBOUNCE_MS);
  }

  /** Applies a change right away (commands call this after writing, so the views do not wait for the watcher). */
  async notify(root: string, change: NotifyChange): Promise<void> {
    const set = this.pending.get(root) ?? emptyChangeSet();
    if (change.full) { set.full = true; }
    for (const id of change.runs ?? []) { set.runs.add(id); }
    for (const id of change.metrics ?? []) { set.metrics.add(id); }
    set.data ||= Boolean(change.data);
    set.models ||= Boolean(change.models);
    set.experiments ||= Boolean(change.experiments);
    set.trash ||= Boolean(change.trash);
    set.goals ||= Boolean(change.goals);
    this.pending.set(root, set);
    await this.flush();
  }

  private async flush(): Promise<void> {
    const batch = [...this.pending];
    this.pending.clear();
    const applied: StoreChange[] = [];
    let storesChanged = false;
    for (const [root, change] of batch) {
      if (isEmptyChange(change)) { continue; }
      const state = this.states.get(root);
      try {
        if (!state) {
          if (this.loadingRoots.has(root)) {
            // The store is still loading: apply this once it is there (the load may have read the files before
            // they changed).
            this.requeue(root, change);
            continue;
          }
          if (change.full) { await this.loadFolder(root); storesChanged = this.states.has(root); }
          continue;
        }
        const problems = await state.apply(change);
        for (const p of problems) { this.log.warn(`cannot read the metrics of run ${p.runId} (${p.file}): ${p.message}`); }
        applied.push({ state, change });
      } catch (e) {
        this.log.error(`applying changes in ${root}: ${messageOf(e)}`);
      }
    }
    if (storesChanged) { this.storesChanged.fire(); }
    if (applied.length) { this.changed.fire(applied); }
  }

  private requeue(root: string, change: ChangeSet): void {
    const set = this.pending.get(root) ?? emptyChangeSet();
    set.full ||= change.full;
    set.data ||= change.data;
    set.models ||= change.models;
    set.experiments ||= change.experiments;
    set.trash ||= change.trash;
    set.goals ||= change.goals;
    for (const id of change.runs) { set.runs.add(id); }
    for (const id of change.metrics) { set.metrics.add(id); }
    this.pending.set(root, set);
    this.timer ??= setTimeout(() => { this.timer = undefined; void this.flush(); }, DEBOUNCE_MS);
  }

  list(): StoreState[] {
    return [...this.states.values()].sort((a, b) => a.root.localeCompare(b.root));
  }

  get(root: string): StoreState | undefined {
    return this.states.get(root);
  }

  /** The state holding a run, searching every store. */
  findRun(runId: string, root?: string): StoreState | undefined {
    if (root) { return this.states.get(root)?.runs.get(runId) ? this.states.get(root) : undefined; }
    return this.list().find((s) => s.runs.get(runId));
  }

  dispose(): void {
    if (this.timer) { clearTimeout(this.timer); }
    for (const w of this.watchers.values()) { w.dispose(); }
    for (const d of this.disposables) { d.dispose(); }
  }
}
