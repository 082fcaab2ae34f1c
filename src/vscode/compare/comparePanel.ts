import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import { messageOf } from '../../core';
import { compareHtml } from '../../core/compare/html';
import { toCsv } from '../../core/compare/prepare';
import { gatherComparison, refKey, uniqueRefs, type RunRef } from '../../core/compare/sources';
import type { Comparison } from '../../core/compare/types';
import { CompareStateSchema, WebviewMessageSchema, type HostMessage, type WebviewMessage } from '../../protocol/compare';
import { ContextKeys } from '../ids';
import { loadMessage } from './message';
import { pickCompareRuns } from './pickRuns';
import { compareLookup, type CompareDeps } from './sources';

export const COMPARE_VIEW_TYPE = 'mlops.compare';

function assertNever(x: never): never {
  throw new Error(`unhandled message ${JSON.stringify(x)}`);
}

/**
 * The Compare Runs panel: one instance, its own disposables, a `ready` handshake before any data is posted,
 * every incoming message validated (invalid ones dropped and logged), live updates while a compared run writes
 * metrics (in `.mlops` or in an MLflow store), and a serializer so it survives a window reload. The compared runs
 * are `RunRef`s, so one comparison can hold runs of several `.mlops` stores and MLflow stores.
 */
export class ComparePanel implements vscode.Disposable {
  static current: ComparePanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private comparison: Comparison | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  /** The payload last posted, so a reload of an MLflow store that did not touch the compared runs posts nothing. */
  private posted: string | undefined;
  private refs: RunRef[];

  static show(deps: CompareDeps, refs: readonly RunRef[]): ComparePanel {
    void vscode.commands.executeCommand('setContext', ContextKeys.walkthroughCompared, true); // the walkthrough's step
    if (ComparePanel.current) {
      ComparePanel.current.setRefs(refs);
      ComparePanel.current.panel.reveal(undefined, false);
      return ComparePanel.current;
    }
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, 'Compare Runs', vscode.ViewColumn.Active, ComparePanel.options(deps.ext));
    return new ComparePanel(panel, deps, refs);
  }

  static options(ext: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(ext.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(ext.extensionUri, 'media')] };
  }

  constructor(readonly panel: vscode.WebviewPanel, private readonly deps: CompareDeps, refs: readonly RunRef[]) {
    const { ext, stores, mlflow } = deps;
    this.refs = uniqueRefs(refs);
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
        const touched = changes.some(({ state, change }) => this.refs.some((r) => r.root === state.root) &&
          (change.goals || change.full || this.refs.some((r) => !r.store && r.root === state.root && (change.metrics.has(r.runId) || change.runs.has(r.runId)))));
        if (touched) { this.scheduleRefresh(); }
      }),
    );
    if (mlflow) {
      // An MLflow store re-read after a training script wrote to it: rebuild, and post only when a compared run changed.
      this.disposables.push(mlflow.onDidChange((reloaded) => {
        if (reloaded.some((s) => this.refs.some((r) => r.store === s.key))) {
          deps.log.debug(`compare: ${reloaded.map((s) => s.key).join(', ')} was read again; comparing again`);
          this.scheduleRefresh(true);
        }
      }));
    }
    this.updateTitle();
  }

  /** The compared runs, in column order. */
  get runRefs(): readonly RunRef[] { return this.refs; }

  /** The comparison the page was last sent (undefined before its ready message). */
  get shown(): Comparison | undefined { return this.posted === undefined ? undefined : this.comparison; }

  private updateTitle(): void {
    this.panel.title = `Compare ${this.refs.length} Run${this.refs.length === 1 ? '' : 's'}`;
  }

  setRefs(refs: readonly RunRef[]): void {
    this.refs = uniqueRefs(refs);
    this.updateTitle();
    void this.post();
  }

  private scheduleRefresh(onlyIfChanged = false): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => { void this.post(onlyIfChanged); }, 300);
  }

  /** Builds the comparison from the stores (runs that vanished are left out). */
  async build(): Promise<Comparison> {
    await this.deps.stores.ready();
    await this.deps.mlflow?.ready();
    const settings = vscode.workspace.getConfiguration('mlops.compare');
    // KPIs and verdicts are evaluated on the summaries read here rather than taken from state.goalsOf, whose
    // metrics may not be loaded yet (then every metric goal would read "unknown").
    const { comparison, missing } = await gatherComparison(this.refs, compareLookup(this.deps), {
      goals: settings.get<Record<string, 'min' | 'max'>>('metricGoals', {}), sliceThreshold: settings.get<number>('sliceSpreadThreshold', 0.05),
      onProblem: (m) => this.deps.log.warn(`compare: ${m}`),
    });
    if (missing.length) { this.deps.log.debug(`compare: left out (no longer in their store): ${missing.map((r) => r.runId).join(', ')}`); }
    return comparison;
  }

  /** Posts the comparison once the page is ready; `onlyIfChanged`: not when it equals what the page already shows. */
  private async post(onlyIfChanged = false): Promise<void> {
    if (!this.ready) { return; }
    try {
      this.comparison = await this.build();
      const msg = loadMessage(this.comparison);
      const text = JSON.stringify(msg);
      if (onlyIfChanged && text === this.posted) { this.deps.log.debug('compare: the compared runs did not change'); return; }
      this.posted = text;
      await this.panel.webview.postMessage(msg);
    } catch (e) {
      this.deps.log.error(`compare: ${messageOf(e)}`);
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
      this.deps.log.warn(`compare: dropped an invalid message from the webview: ${parsed.error.issues[0]?.message ?? ''}`);
      return false;
    }
    const msg = parsed.data;
    try {
      await this.dispatch(msg);
    } catch (e) {
      const what = msg.type === 'exportCsv' ? 'cannot export the CSV' : msg.type === 'exportPng' ? 'cannot save the chart' : `cannot ${msg.type === 'addRuns' ? 'add runs' : `handle '${msg.type}'`}`;
      this.deps.log.error(`compare: ${what}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      void vscode.window.showErrorMessage(`MLOps: ${what}: ${messageOf(e)}`);
    }
    return true;
  }

  private async dispatch(msg: WebviewMessage): Promise<void> {
    switch (msg.type) {
      case 'ready': this.ready = true; await this.post(); break;
      case 'removeRun': this.setRefs(this.refs.filter((r) => r.runId !== msg.runId)); break;
      case 'addRuns': {
        const shown = new Set(this.refs.map(refKey));
        const picked = await pickCompareRuns(this.deps, { placeHolder: 'Run to add to the comparison', canPickMany: false, filter: (r) => !shown.has(refKey(r)) });
        if (picked?.length) { this.setRefs([...this.refs, ...picked]); }
        break;
      }
      case 'exportCsv': await this.save('csv', 'runs.csv', Buffer.from(toCsv(this.comparison ?? await this.build()), 'utf8')); break;
      case 'exportPng': await this.save('png', `${msg.name.replace(/[^\w.-]+/g, '_')}.png`, Buffer.from(msg.dataUrl.slice('data:image/png;base64,'.length), 'base64')); break;
      case 'rendered': this.deps.log.debug(`compare: the page drew ${msg.charts} charts in ${msg.ms} ms`); break;
      case 'error': this.deps.log.warn(`compare webview: ${msg.message}`); break;
      default: assertNever(msg);
    }
  }

  private async save(what: 'csv' | 'png', name: string, data: Buffer): Promise<void> {
    const folder = this.refs[0]?.root ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const target = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(vscode.Uri.file(folder), name) : undefined, filters: what === 'csv' ? { CSV: ['csv'] } : { PNG: ['png'] } });
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

/**
 * The runs a saved page state names: its refs (store included) when it has them; an older state's run ids are
 * looked up in the `.mlops` stores (its `root` first), then in the MLflow stores.
 */
export function refsOfState(deps: Pick<CompareDeps, 'stores' | 'mlflow'>, state: unknown): RunRef[] {
  const parsed = CompareStateSchema.safeParse(state);
  if (!parsed.success) { return []; }
  if (parsed.data.refs) { return parsed.data.refs.map((r) => ({ root: r.root, runId: r.runId, ...(r.store ? { store: r.store } : {}) })); }
  return parsed.data.runIds.flatMap((runId): RunRef[] => {
    const mlops = (parsed.data.root ? deps.stores.get(parsed.data.root) : undefined)?.runs.get(runId) ? deps.stores.get(parsed.data.root!) : deps.stores.list().find((s) => s.runs.get(runId));
    if (mlops) { return [{ root: mlops.root, runId }]; }
    const mlflow = deps.mlflow?.list().find((s) => s.run(runId));
    return mlflow ? [{ root: mlflow.root, runId, store: mlflow.key }] : [];
  });
}

/** Restores the panel after a window reload from the state the page saved (its compared runs and their stores). */
export class ComparePanelSerializer implements vscode.WebviewPanelSerializer {
  constructor(private readonly deps: CompareDeps) {}

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    await this.deps.stores.ready();
    await this.deps.mlflow?.ready();
    const refs = refsOfState(this.deps, state);
    if (!refs.length && !this.deps.stores.list().length && !this.deps.mlflow?.list().length) { panel.dispose(); return; }
    new ComparePanel(panel, this.deps, refs);
  }
}
