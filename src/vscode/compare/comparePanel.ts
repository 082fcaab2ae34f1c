import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import { MlopsError, mapLimit, messageOf, type StoreState } from '../../core';
import { compareHtml } from '../../core/compare/html';
import { prepareComparison, toCsv } from '../../core/compare/prepare';
import { reducedMetricsOf } from '../../core/compare/seriesCache';
import type { Comparison } from '../../core/compare/types';
import { CompareStateSchema, WebviewMessageSchema, type HostMessage, type WebviewMessage } from '../../protocol/compare';
import { loadMessage } from './message';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';
import { pickRun } from '../ui';

export const COMPARE_VIEW_TYPE = 'mlops.compare';

function assertNever(x: never): never {
  throw new Error(`unhandled message ${JSON.stringify(x)}`);
}

/**
 * The Compare Runs panel: one instance, its own disposables, a `ready` handshake before any data is posted,
 * every incoming message validated (invalid ones dropped and logged), live updates while a compared run writes
 * metrics, and a serializer so it survives a window reload.
 */
export class ComparePanel implements vscode.Disposable {
  static current: ComparePanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private comparison: Comparison | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;

  static show(ext: vscode.ExtensionContext, stores: WorkspaceStores, log: Log, root: string, runIds: string[]): ComparePanel {
    if (ComparePanel.current) {
      ComparePanel.current.setRuns(root, runIds);
      ComparePanel.current.panel.reveal(undefined, false);
      return ComparePanel.current;
    }
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, 'Compare Runs', vscode.ViewColumn.Active, ComparePanel.options(ext));
    return new ComparePanel(panel, ext, stores, log, root, runIds);
  }

  static options(ext: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(ext.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(ext.extensionUri, 'media')] };
  }

  constructor(readonly panel: vscode.WebviewPanel, ext: vscode.ExtensionContext, private readonly stores: WorkspaceStores, private readonly log: Log,
    private root: string, private runIds: string[]) {
    ComparePanel.current = this;
    panel.iconPath = vscode.Uri.joinPath(ext.extensionUri, 'media', 'mlops.svg');
    panel.webview.options = ComparePanel.options(ext);
    const nonce = randomBytes(16).toString('base64');
    panel.webview.html = compareHtml({
      cspSource: panel.webview.cspSource, nonce,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(ext.extensionUri, 'dist', 'webview', 'compare.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(ext.extensionUri, 'media', 'compare.css')).toString(),
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => { void this.handle(m); }),
      stores.onDidChange((changes) => {
        // goals.json changes the KPI, goal and cost rows and the threshold lines of every compared run.
        const touched = changes.some(({ state, change }) => state.root === this.root && (change.goals || this.runIds.some((id) => change.metrics.has(id) || change.runs.has(id))));
        if (touched) { this.scheduleRefresh(); }
      }),
    );
    this.updateTitle();
  }

  private updateTitle(): void {
    this.panel.title = `Compare ${this.runIds.length} Run${this.runIds.length === 1 ? '' : 's'}`;
  }

  setRuns(root: string, runIds: string[]): void {
    this.root = root;
    this.runIds = [...new Set(runIds)];
    this.updateTitle();
    void this.post();
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => { void this.post(); }, 300);
  }

  private state(): StoreState {
    const s = this.stores.get(this.root);
    if (!s) { throw new MlopsError(`the store in ${this.root} is not open`, 'no-store'); }
    return s;
  }

  /** Builds the comparison from the store (runs that vanished are left out) and posts it once the page is ready. */
  async build(): Promise<Comparison> {
    await this.stores.ready();
    const state = this.state();
    const runs = this.runIds.map((id) => state.runs.get(id)).filter((r): r is NonNullable<typeof r> => Boolean(r));
    // Reduced curves and summaries come from .mlops/cache/series when a run's metrics file has not changed.
    const reduced = await mapLimit(runs, 4, async (r) => {
      const out = await reducedMetricsOf(state.store, r.id);
      for (const p of out.problems) { this.log.warn(`compare: ${p.file}: ${p.reason}`); }
      if (out.cacheError) { this.log.debug(`compare: the reduced metrics of ${r.id} were not cached: ${out.cacheError}`); }
      return out.reduced;
    });
    const goals: Record<string, 'min' | 'max'> = { ...vscode.workspace.getConfiguration('mlops.compare').get<Record<string, 'min' | 'max'>>('metricGoals', {}) };
    for (const e of state.experiments) { if (runs.some((r) => r.experiment === e.name)) { Object.assign(goals, e.metricGoals ?? {}); } }
    // KPIs and verdicts are evaluated on the summaries just read rather than taken from state.goalsOf, whose
    // metrics may not be loaded yet (then every metric goal would read "unknown").
    return prepareComparison(runs.map((run, i) => ({ run, reduced: reduced[i], modelSizeBytes: state.modelSizeOf(run.id) })), {
      dataVersions: state.dataVersions, modelVersions: state.modelVersions, goals, goalsFile: state.goals,
      sliceThreshold: vscode.workspace.getConfiguration('mlops.compare').get<number>('sliceSpreadThreshold', 0.05),
    });
  }

  private async post(): Promise<void> {
    if (!this.ready) { return; }
    try {
      this.comparison = await this.build();
      await this.panel.webview.postMessage(loadMessage(this.comparison));
    } catch (e) {
      this.log.error(`compare: ${messageOf(e)}`);
      void vscode.window.showErrorMessage(`MLOps: cannot compare the runs: ${messageOf(e)}`);
    }
  }

  /**
   * Validates and dispatches one message from the page; returns false when it was dropped. Never rejects: what
   * fails while acting on a message (a save that cannot write, a store that is gone) is shown to the user and
   * written to the MLOps output channel, as a command's error would be.
   */
  async handle(raw: unknown): Promise<boolean> {
    const parsed = WebviewMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.log.warn(`compare: dropped an invalid message from the webview: ${parsed.error.issues[0]?.message ?? ''}`);
      return false;
    }
    const msg = parsed.data;
    try {
      await this.dispatch(msg);
    } catch (e) {
      const what = msg.type === 'exportCsv' ? 'cannot export the CSV' : msg.type === 'exportPng' ? 'cannot save the chart' : `cannot ${msg.type === 'addRuns' ? 'add runs' : `handle '${msg.type}'`}`;
      this.log.error(`compare: ${what}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      void vscode.window.showErrorMessage(`MLOps: ${what}: ${messageOf(e)}`);
    }
    return true;
  }

  private async dispatch(msg: WebviewMessage): Promise<void> {
    switch (msg.type) {
      case 'ready': this.ready = true; await this.post(); break;
      case 'removeRun': this.setRuns(this.root, this.runIds.filter((id) => id !== msg.runId)); break;
      case 'addRuns': {
        const picked = await pickRun(this.state(), 'Run to add to the comparison', (r) => !this.runIds.includes(r.id));
        if (picked) { this.setRuns(this.root, [...this.runIds, picked.run.id]); }
        break;
      }
      case 'exportCsv': await this.save('csv', 'runs.csv', Buffer.from(toCsv(this.comparison ?? await this.build()), 'utf8')); break;
      case 'exportPng': await this.save('png', `${msg.name.replace(/[^\w.-]+/g, '_')}.png`, Buffer.from(msg.dataUrl.slice('data:image/png;base64,'.length), 'base64')); break;
      case 'rendered': this.log.debug(`compare: the page drew ${msg.charts} charts in ${msg.ms} ms`); break;
      case 'error': this.log.warn(`compare webview: ${msg.message}`); break;
      default: assertNever(msg);
    }
  }

  private async save(what: 'csv' | 'png', name: string, data: Buffer): Promise<void> {
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(vscode.Uri.file(this.root), name), filters: what === 'csv' ? { CSV: ['csv'] } : { PNG: ['png'] } });
    if (!target) { return; }
    await fsp.writeFile(target.fsPath, data);
    const msg: HostMessage = { type: 'exported', what, path: target.fsPath };
    await this.panel.webview.postMessage(msg);
  }

  dispose(): void {
    if (ComparePanel.current === this) { ComparePanel.current = undefined; }
    clearTimeout(this.refreshTimer);
    for (const d of this.disposables) { d.dispose(); }
    this.panel.dispose();
  }
}

/** Restores the panel after a window reload from the state the page saved (its compared run ids). */
export class ComparePanelSerializer implements vscode.WebviewPanelSerializer {
  constructor(private readonly ext: vscode.ExtensionContext, private readonly stores: WorkspaceStores, private readonly log: Log) {}

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    await this.stores.ready();
    const parsed = CompareStateSchema.safeParse(state);
    const runIds = parsed.success ? parsed.data.runIds : [];
    const root = (parsed.success && parsed.data.root) || this.stores.list().find((s) => runIds.some((id) => s.runs.get(id)))?.root || this.stores.list()[0]?.root;
    if (!root) { panel.dispose(); return; }
    new ComparePanel(panel, this.ext, this.stores, this.log, root, runIds);
  }
}
