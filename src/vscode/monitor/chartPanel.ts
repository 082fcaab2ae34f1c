import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { MonitorStateSchema, MonitorWebviewMessageSchema, type MonitorHostMessage, type MonitorWebviewMessage } from '../../protocol/monitor';
import type { Log } from '../log';
import { monitorHtml } from './html';
import { chartPayload } from './model';
import type { MonitorService } from './monitorService';

export const MONITOR_VIEW_TYPE = 'mlops.monitoring';

function assertNever(x: never): never {
  throw new Error(`unhandled message ${JSON.stringify(x)}`);
}

const keyOf = (root: string, model: string) => JSON.stringify([root, model]);

/**
 * The Monitoring chart panel: one per model (opening it again reveals it), its own disposables, a `ready` handshake
 * before any data is posted (again each time a hidden page comes back), every incoming message validated (invalid
 * ones dropped and logged), live updates when the service rebuilds the model's report, and a serializer so it
 * survives a window reload.
 */
export class MonitorChartPanel implements vscode.Disposable {
  static readonly open = new Map<string, MonitorChartPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private disposed = false;
  /** Messages the page posted that were dropped (for the tests) and what was last posted. */
  dropped = 0;
  lastPosted: MonitorHostMessage | undefined;
  /** What the page said it drew last. */
  rendered: { charts: number; ms: number } | undefined;

  static show(ext: vscode.ExtensionContext, service: MonitorService, log: Log, root: string, model: string): MonitorChartPanel {
    const existing = MonitorChartPanel.open.get(keyOf(root, model));
    if (existing) { existing.panel.reveal(undefined, false); return existing; }
    const panel = vscode.window.createWebviewPanel(MONITOR_VIEW_TYPE, `Monitoring: ${model}`, vscode.ViewColumn.Active, MonitorChartPanel.options(ext));
    return new MonitorChartPanel(panel, ext, service, log, root, model);
  }

  static all(): MonitorChartPanel[] {
    return [...MonitorChartPanel.open.values()];
  }

  static options(ext: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(ext.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(ext.extensionUri, 'media')] };
  }

  constructor(readonly panel: vscode.WebviewPanel, ext: vscode.ExtensionContext, private readonly service: MonitorService, private readonly log: Log,
    readonly root: string, readonly model: string) {
    MonitorChartPanel.open.get(keyOf(root, model))?.dispose();
    MonitorChartPanel.open.set(keyOf(root, model), this);
    panel.title = `Monitoring: ${model}`;
    panel.iconPath = vscode.Uri.joinPath(ext.extensionUri, 'media', 'mlops.svg');
    panel.webview.options = MonitorChartPanel.options(ext);
    panel.webview.html = monitorHtml({
      cspSource: panel.webview.cspSource, nonce: randomBytes(16).toString('base64'),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(ext.extensionUri, 'dist', 'webview', 'monitor.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(ext.extensionUri, 'media', 'monitor.css')).toString(),
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      // A hidden panel's page is gone (retainContextWhenHidden is off): it says it is ready again when it comes back.
      panel.onDidChangeViewState(() => { if (!panel.visible) { this.ready = false; } }),
      panel.webview.onDidReceiveMessage((m: unknown) => { void this.handle(m); }),
      service.onDidChange(() => { void this.post(); }),
    );
  }

  /** Posts the model's current report to the page, when the page is ready; what it posted, or undefined. */
  async post(): Promise<MonitorHostMessage | undefined> {
    if (!this.ready || this.disposed) { return undefined; }
    const entry = this.service.get(this.root, this.model);
    // Still being built: the page keeps saying so until the report arrives (the service fires then).
    if (entry && !entry.report && !entry.error) { return undefined; }
    const msg: MonitorHostMessage = entry?.report
      ? { type: 'load', payload: chartPayload(entry) }
      : { type: 'failed', message: entry?.error ?? `${this.model} is not monitored in ${this.root}` };
    // The same report again (a change to another model) is not posted: the page would redraw for nothing.
    if (this.lastPosted && JSON.stringify(this.lastPosted) === JSON.stringify(msg)) { return undefined; }
    if (await this.panel.webview.postMessage(msg)) { this.lastPosted = msg; return msg; }
    return undefined;
  }

  /** Validates and dispatches one message from the page; returns false when it was dropped. Never rejects. */
  async handle(raw: unknown): Promise<boolean> {
    const parsed = MonitorWebviewMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.dropped++;
      this.log.warn(`monitoring chart: dropped an invalid message from the webview: ${parsed.error.issues[0]?.message ?? ''}`);
      return false;
    }
    try {
      await this.dispatch(parsed.data);
    } catch (e) {
      this.log.error(`monitoring chart: cannot handle '${parsed.data.type}': ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    }
    return true;
  }

  private async dispatch(msg: MonitorWebviewMessage): Promise<void> {
    switch (msg.type) {
      case 'ready': this.ready = true; this.lastPosted = undefined; await this.service.ready(); await this.post(); break;
      case 'refresh': await this.service.refresh(this.root, this.model); break;
      case 'rendered': this.rendered = { charts: msg.charts, ms: msg.ms }; this.log.debug(`monitoring chart: the page drew ${msg.charts} charts in ${msg.ms} ms`); break;
      case 'error': this.log.warn(`monitoring chart webview: ${msg.message}`); break;
      default: assertNever(msg);
    }
  }

  dispose(): void {
    if (this.disposed) { return; }
    this.disposed = true;
    if (MonitorChartPanel.open.get(keyOf(this.root, this.model)) === this) { MonitorChartPanel.open.delete(keyOf(this.root, this.model)); }
    for (const d of this.disposables) { d.dispose(); }
    this.panel.dispose();
  }
}

/** Restores a chart panel after a window reload from the state the page saved (its store and model). */
export class MonitorChartSerializer implements vscode.WebviewPanelSerializer {
  constructor(private readonly ext: vscode.ExtensionContext, private readonly service: MonitorService, private readonly log: Log) {}

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const parsed = MonitorStateSchema.safeParse(state);
    if (!parsed.success) { panel.dispose(); return; }
    await this.service.ready();
    new MonitorChartPanel(panel, this.ext, this.service, this.log, parsed.data.root, parsed.data.model);
  }
}
