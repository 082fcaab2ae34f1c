import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { messageOf, type Goals, type StoreState } from '../../core';
import type { Log } from '../log';
import type { StoreChange, WorkspaceStores } from '../stores';
import { readCachedReport } from './cached';
import { monitorReport, monitoredModels } from './coreApi';
import { isOwnWrite, type MonitoredEntry } from './model';

const DEBOUNCE_MS = 300;

/**
 * The monitored models of every store and their reports. Models come from the monitor core (a production version or
 * a monitoring folder) plus those the serve command reports as serving. Reports are rebuilt when the prediction log
 * grows (file events under `.mlops/monitoring/`, debounced), when goals.json or the models change, and on request.
 * A model with a report keeps showing it while a newer one is built; the first time, the summaries already in
 * windows.jsonl are shown before the log is read. In an untrusted workspace the cache is read but never written.
 */
export class MonitorService implements vscode.Disposable {
  /** The live service, for `setServing` (the serve command calls it without a handle). */
  static current: MonitorService | undefined;
  private readonly entries = new Map<string, Map<string, MonitoredEntry>>();
  private readonly serving = new Map<string, Map<string, { version: number; url: string }>>();
  private readonly pending = new Map<string, Set<string>>();
  private readonly building = new Map<string, { run: Promise<void>; again: boolean }>();
  private timer: NodeJS.Timeout | undefined;
  private listing: Promise<void> | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private disposed = false;
  /** Node watchers (inotify, no polling) on `.mlops/monitoring` and each model's folder, by folder. */
  private readonly folderWatchers = new Map<string, fs.FSWatcher>();
  /** File events seen under .mlops/monitoring (for diagnostics in tests and the log). */
  watcherEvents = 0;
  /** Fires when a model appears or goes, or a report, error or serving state changes. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly stores: WorkspaceStores, private readonly log: Log) {
    MonitorService.current = this;
    this.disposables.push(
      stores.onDidChange((changes) => this.onStoreChange(changes)),
      stores.onDidChangeStores(() => { void this.reloadAll(); }),
      stores.onDidChangeFile(({ root, relPath }) => this.onFile(root, relPath)),
    );
  }

  /** Lists the models of every store (once; later calls share it) and starts building their reports. */
  ready(): Promise<void> {
    this.listing ??= this.reloadAll();
    return this.listing;
  }

  /** Every store's models again, and every report rebuilt (Refresh Monitoring). */
  async reloadAll(): Promise<void> {
    await this.stores.ready();
    const roots = new Set(this.stores.list().map((s) => s.root));
    for (const root of [...this.entries.keys()]) { if (!roots.has(root)) { this.entries.delete(root); } }
    await Promise.all([...roots].map((r) => this.reloadRoot(r)));
    this.changed.fire();
  }

  roots(): string[] {
    return [...this.entries.keys()].filter((r) => this.stores.get(r)).sort((a, b) => a.localeCompare(b));
  }

  list(root?: string): MonitoredEntry[] {
    const roots = root ? [root] : this.roots();
    return roots.flatMap((r) => [...(this.entries.get(r)?.values() ?? [])]).sort((a, b) => a.root.localeCompare(b.root) || a.model.localeCompare(b.model));
  }

  get(root: string, model: string): MonitoredEntry | undefined {
    return this.entries.get(root)?.get(model);
  }

  /** Called by the serve command: `url` undefined when the server stopped. The model is listed while it serves. */
  setServing(root: string, model: string, version: number, url: string | undefined): void {
    const byModel = this.serving.get(root) ?? new Map<string, { version: number; url: string }>();
    if (url === undefined) { byModel.delete(model); } else { byModel.set(model, { version, url }); }
    this.serving.set(root, byModel);
    const entry = this.get(root, model);
    if (entry) {
      if (url === undefined) { delete entry.serving; } else { entry.serving = { version, url }; }
      this.changed.fire();
      if (url !== undefined) { void this.build(entry); }
    } else {
      void this.reloadRoot(root).then(() => this.changed.fire());
    }
  }

  /** The full list of models serving in this window (the serve command's servers): the others stop being "serving". */
  syncServing(running: readonly { root: string; model: string; version: number; url: string }[]): void {
    const live = new Set(running.map((r) => JSON.stringify([r.root, r.model])));
    for (const [root, byModel] of this.serving) {
      for (const [model, s] of [...byModel]) { if (!live.has(JSON.stringify([root, model]))) { this.setServing(root, model, s.version, undefined); } }
    }
    for (const r of running) {
      const now = this.serving.get(r.root)?.get(r.model);
      if (!now || now.url !== r.url || now.version !== r.version) { this.setServing(r.root, r.model, r.version, r.url); }
    }
  }

  /** Rebuilds one model's report now (the chart's Refresh), or every report of a store. */
  async refresh(root: string, model?: string): Promise<void> {
    const entries = model ? [this.get(root, model)].filter((e): e is MonitoredEntry => !!e) : this.list(root);
    await Promise.all(entries.map((e) => this.build(e)));
  }

  /** Waits until no report is being built (tests and commands that need the settled state). */
  async settled(): Promise<void> {
    while (this.building.size || this.timer) {
      await Promise.all([...this.building.values()].map((b) => b.run));
      if (this.timer) { await new Promise((r) => setTimeout(r, DEBOUNCE_MS + 20)); }
    }
  }

  private limitsOf(goals: Goals | undefined): MonitoredEntry['limits'] {
    return { ...(goals?.constraints.maxLatencyMsP95 !== undefined ? { maxLatencyMsP95: goals.constraints.maxLatencyMsP95 } : {}),
      ...(goals?.monitoring.maxDataAgeHours !== undefined ? { maxDataAgeHours: goals.monitoring.maxDataAgeHours } : {}) };
  }

  /** goals.json as read, monitoring section included (state.goals is undefined for a file with only a monitoring section). */
  private goalsOf(state: StoreState): Goals | undefined {
    return state.goalsFile?.doc.goals;
  }

  private async reloadRoot(root: string): Promise<void> {
    const state = this.stores.get(root);
    if (!state) { this.entries.delete(root); return; }
    let listed: { model: string; productionVersion?: number }[] = [];
    try {
      listed = await monitoredModels(state.store);
    } catch (e) {
      this.log.warn(`monitoring: cannot list the monitored models of ${root}: ${messageOf(e)}`);
    }
    const serving = this.serving.get(root) ?? new Map<string, { version: number; url: string }>();
    const names = new Set([...listed.map((m) => m.model), ...serving.keys()]);
    const prev = this.entries.get(root) ?? new Map<string, MonitoredEntry>();
    const next = new Map<string, MonitoredEntry>();
    const limits = this.limitsOf(this.goalsOf(state));
    for (const model of [...names].sort((a, b) => a.localeCompare(b))) {
      const entry = prev.get(model) ?? { root, model, limits };
      const production = listed.find((m) => m.model === model)?.productionVersion;
      if (production !== undefined) { entry.productionVersion = production; } else { delete entry.productionVersion; }
      const s = serving.get(model);
      if (s) { entry.serving = s; } else { delete entry.serving; }
      entry.limits = limits;
      next.set(model, entry);
    }
    this.entries.set(root, next);
    this.watchLogFolders(root, state.store.dir, [...next.keys()]);
    this.changed.fire();
    // Not awaited: the view lists the models at once and each report appears when built (settled() waits for them).
    for (const e of next.values()) { void this.build(e); }
  }

  /**
   * Builds an entry's report. One build per model at a time: a request during a build runs once more after it
   * (the log may have grown after the build read it).
   */
  private build(entry: MonitoredEntry): Promise<void> {
    const key = `${entry.root}\n${entry.model}`;
    const running = this.building.get(key);
    if (running) { running.again = true; return running.run; }
    const job = { run: Promise.resolve(), again: false };
    job.run = (async () => {
      do { job.again = false; await this.buildOnce(entry); } while (job.again && !this.disposed);
    })().finally(() => { this.building.delete(key); });
    this.building.set(key, job);
    return job.run;
  }

  private async buildOnce(entry: MonitoredEntry): Promise<void> {
    const state = this.stores.get(entry.root);
    if (!state || this.disposed) { return; }
    const goals = this.goalsOf(state);
    if (!entry.report) {
      // First look: what windows.jsonl already holds, shown at once while the log is read.
      const quick = await readCachedReport(state.store.dir, entry.model, goals).catch(() => undefined);
      if (quick && !entry.report) { entry.report = quick; entry.stale = true; this.changed.fire(); }
    }
    try {
      const report = await monitorReport(state.store, entry.model, { goals, cache: vscode.workspace.isTrusted });
      entry.report = report;
      entry.stale = false;
      entry.error = undefined;
      for (const p of report.problems.slice(0, 5)) { this.log.debug(`monitoring ${entry.model}: ${p.file}:${p.line}: ${p.reason}`); }
    } catch (e) {
      entry.error = messageOf(e);
      this.log.warn(`monitoring: cannot build the report of ${entry.model} in ${entry.root}: ${entry.error}`);
    }
    if (!this.disposed) { this.changed.fire(); }
  }

  private onStoreChange(changes: StoreChange[]): void {
    for (const { state, change } of changes) {
      // goals.json: window, rules, limits; models: production versions (a model may start or stop being listed).
      if (change.full || change.goals || change.models || change.data) { void this.reloadRoot(state.root); }
    }
  }

  /**
   * Appends to the day files, seen directly: VS Code's workspace watcher was found to miss appends to files in folders
   * created after it started (a model's first request creates its folder), so each log folder also has a Node
   * watcher (inotify; no polling). Both feed the same debounced queue.
   */
  private watchLogFolders(root: string, storeDir: string, models: string[]): void {
    const base = path.join(storeDir, 'monitoring');
    const wanted = new Map<string, string>([[base, '']]);
    for (const m of models) { wanted.set(path.join(base, m), m); }
    for (const [dir, w] of [...this.folderWatchers]) {
      if (dir.startsWith(storeDir + path.sep) && !wanted.has(dir)) { w.close(); this.folderWatchers.delete(dir); }
    }
    for (const [dir, model] of wanted) {
      if (this.folderWatchers.has(dir) || this.disposed) { continue; }
      try {
        const w = fs.watch(dir, { persistent: false }, (_event, name) => {
          const file = typeof name === 'string' ? name : name ? String(name) : '';
          this.onFile(root, model ? `monitoring/${model}/${file}` : `monitoring/${file}`);
        });
        w.on('error', () => { w.close(); this.folderWatchers.delete(dir); });
        this.folderWatchers.set(dir, w);
      } catch { /* no such folder yet: the workspace watcher reports it when it appears */ }
    }
  }

  /** A file event under `.mlops/` (the stores' watcher, and the log folders' own watchers). */
  private onFile(root: string, relPath: string): void {
    if (!relPath.startsWith('monitoring/')) { return; }
    this.watcherEvents++;
    const rel = relPath.slice('monitoring/'.length);
    if (!rel || rel.endsWith('/') || isOwnWrite(rel)) { return; }
    const model = rel.split('/')[0];
    const set = this.pending.get(root) ?? new Set<string>();
    set.add(model);
    this.pending.set(root, set);
    // Not pushed back by later events: a server logging every request would otherwise never let it fire.
    this.timer ??= setTimeout(() => { this.timer = undefined; void this.flush(); }, DEBOUNCE_MS);
  }

  private async flush(): Promise<void> {
    const batch = [...this.pending];
    this.pending.clear();
    await Promise.all(batch.map(async ([root, models]) => {
      // A model folder not listed yet (the first request of a newly served model) lists the store again.
      if ([...models].some((m) => !this.get(root, m))) { await this.reloadRoot(root); return; }
      await Promise.all([...models].map((m) => this.build(this.get(root, m)!)));
    }));
  }

  dispose(): void {
    this.disposed = true;
    for (const w of this.folderWatchers.values()) { w.close(); }
    this.folderWatchers.clear();
    if (MonitorService.current === this) { MonitorService.current = undefined; }
    clearTimeout(this.timer);
    for (const d of this.disposables) { d.dispose(); }
  }
}

/**
 * For the serve command: the model `model` of the store in `root` is serving `version` at `url`, or stopped
 * (`url` undefined). The Monitoring view lists it while it serves and says where.
 */
export function setServing(root: string, model: string, version: number, url: string | undefined): void {
  MonitorService.current?.setServing(root, model, version, url);
}
