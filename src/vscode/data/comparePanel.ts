import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import { messageOf } from '../../core';
import {
  DataComparePayloadSchema, DataCompareStateSchema, DataCompareWebviewMessageSchema,
  type DataCompareHostMessage, type DataComparePayload, type DataCompareWebviewMessage, type ExportFormat,
} from '../../protocol/dataCompare';
import type { Log } from '../log';
import { dataCompareHtml } from './compareHtml';

export const DATA_COMPARE_VIEW_TYPE = 'mlops.dataCompare';

function assertNever(x: never): never {
  throw new Error(`unhandled message ${JSON.stringify(x)}`);
}

/** Two data versions of one store, as `DATASET:VERSION_ID` refs; A is the reference side of the drift report. */
export interface DataComparePair {
  root: string;
  a: string;
  b: string;
}

/** What the panel needs from the rest of the extension: the report of a pair, and (optionally) a way to pick another pair. */
export interface DataCompareSource {
  /** Builds the report; rejects with a message a person can act on (a vanished version, an unreadable profile). */
  load(pair: DataComparePair): Promise<DataComparePayload>;
  /** The "Other Versions…" button: asks for two versions and opens (or reveals) their panel. */
  pickOther?(from: DataComparePair): Promise<void>;
}

const keyOf = (p: DataComparePair) => JSON.stringify([p.root, p.a, p.b]);

/**
 * The Compare Data Versions panel: one per pair of versions (showing the same pair again reveals it), its own
 * disposables, a `ready` handshake before the report is posted, every incoming message validated (invalid ones
 * dropped and logged) and the outgoing report checked against the same schema, so a core bug shows as a message
 * in the page instead of a report the page silently refuses. As the Compare Runs panel, it is not kept alive while
 * hidden: the page saves its view options and asks again when shown.
 */
export class DataComparePanel implements vscode.Disposable {
  static readonly open = new Map<string, DataComparePanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private disposed = false;
  /** The last report posted (also what the integration tests read). */
  report: DataComparePayload | undefined;
  /** Set when the last attempt to build the report failed. */
  failure: string | undefined;

  static show(ext: vscode.ExtensionContext, log: Log, source: DataCompareSource, pair: DataComparePair, title: string): DataComparePanel {
    const existing = DataComparePanel.open.get(keyOf(pair));
    if (existing) {
      existing.panel.reveal(undefined, false);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(DATA_COMPARE_VIEW_TYPE, title, vscode.ViewColumn.Active, DataComparePanel.options(ext));
    return new DataComparePanel(panel, ext, log, source, pair, title);
  }

  /** Every open panel, for the API and the tests. */
  static all(): DataComparePanel[] {
    return [...DataComparePanel.open.values()];
  }

  static options(ext: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(ext.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(ext.extensionUri, 'media')] };
  }

  constructor(readonly panel: vscode.WebviewPanel, ext: vscode.ExtensionContext, private readonly log: Log, private readonly source: DataCompareSource,
    readonly pair: DataComparePair, title: string) {
    DataComparePanel.open.set(keyOf(pair), this);
    panel.title = title;
    panel.iconPath = vscode.Uri.joinPath(ext.extensionUri, 'media', 'mlops.svg');
    panel.webview.options = DataComparePanel.options(ext);
    const nonce = randomBytes(16).toString('base64');
    panel.webview.html = dataCompareHtml({
      cspSource: panel.webview.cspSource, nonce,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(ext.extensionUri, 'dist', 'webview', 'dataCompare.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(ext.extensionUri, 'media', 'dataCompare.css')).toString(),
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => { void this.handle(m); }),
    );
  }

  get title(): string { return this.panel.title; }

  private async postMessage(msg: DataCompareHostMessage): Promise<void> {
    if (!this.disposed) { await this.panel.webview.postMessage(msg); }
  }

  /**
   * The store changed (a re-profile, a schema or drift settings): build the report again for a page that is showing.
   * A failure now (say a version was deleted) goes to the page and the log, not to a notification per change.
   */
  async refresh(): Promise<void> {
    await this.post(false);
  }

  /** Builds the report and posts it once the page is ready; a failure goes to the page, the log and a notification. */
  private async post(notify = true): Promise<void> {
    if (!this.ready) { return; }
    try {
      const built = await this.source.load(this.pair);
      // What JSON would do to it on the way (NaN and ±Infinity become null), then the page's own schema.
      const checked = DataComparePayloadSchema.safeParse(JSON.parse(JSON.stringify(built)));
      if (!checked.success) {
        const issue = checked.error.issues[0];
        throw new Error(`the report does not match the panel's protocol (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unknown'})`);
      }
      this.report = checked.data;
      this.failure = undefined;
      await this.postMessage({ type: 'load', payload: checked.data });
    } catch (e) {
      this.failure = messageOf(e);
      this.log.error(`data compare: ${this.pair.a} ↔ ${this.pair.b}: ${this.failure}`);
      await this.postMessage({ type: 'failed', message: this.failure });
      if (notify) { void vscode.window.showErrorMessage(`MLOps: cannot compare ${this.pair.a} with ${this.pair.b}: ${this.failure}`); }
    }
  }

  /**
   * Validates and dispatches one message from the page; returns false when it was dropped. Never rejects: what
   * fails while acting on a message (a save that cannot write) is shown to the user and logged.
   */
  async handle(raw: unknown): Promise<boolean> {
    const parsed = DataCompareWebviewMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.log.warn(`data compare: dropped an invalid message from the webview: ${parsed.error.issues[0]?.message ?? ''}`);
      return false;
    }
    const msg = parsed.data;
    try {
      await this.dispatch(msg);
    } catch (e) {
      const what = msg.type === 'export' ? `cannot export the ${msg.format === 'csv' ? 'CSV' : 'Markdown'}` : msg.type === 'pickVersions' ? 'cannot open the other versions' : `cannot handle '${msg.type}'`;
      this.log.error(`data compare: ${what}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      void vscode.window.showErrorMessage(`MLOps: ${what}: ${messageOf(e)}`);
    }
    return true;
  }

  private async dispatch(msg: DataCompareWebviewMessage): Promise<void> {
    switch (msg.type) {
      case 'ready': this.ready = true; await this.post(); break;
      case 'export': await this.save(msg.format, msg.text); break;
      case 'pickVersions': await this.source.pickOther?.(this.pair); break;
      case 'rendered': this.log.debug(`data compare: the page drew ${msg.columns} columns in ${msg.ms} ms`); break;
      case 'error': this.log.warn(`data compare webview: ${msg.message}`); break;
      default: assertNever(msg);
    }
  }

  /** A file name from the two refs, with anything a file system could object to replaced. */
  private defaultName(format: ExportFormat): string {
    const part = (ref: string) => ref.replace(/[^\w.-]+/g, '_').slice(0, 60);
    return `drift-${part(this.pair.a)}-vs-${part(this.pair.b)}.${format === 'csv' ? 'csv' : 'md'}`;
  }

  private async save(format: ExportFormat, text: string): Promise<void> {
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(vscode.Uri.file(this.pair.root), this.defaultName(format)),
      filters: format === 'csv' ? { CSV: ['csv'] } : { Markdown: ['md'] } });
    if (!target) { return; }
    await fsp.writeFile(target.fsPath, text, 'utf8');
    await this.postMessage({ type: 'exported', format, path: target.fsPath });
  }

  dispose(): void {
    if (this.disposed) { return; }
    this.disposed = true;
    if (DataComparePanel.open.get(keyOf(this.pair)) === this) { DataComparePanel.open.delete(keyOf(this.pair)); }
    for (const d of this.disposables.splice(0)) { d.dispose(); }
    this.panel.dispose();
  }
}

/** Restores a panel after a window reload from the refs the page saved. */
export class DataComparePanelSerializer implements vscode.WebviewPanelSerializer {
  constructor(private readonly ext: vscode.ExtensionContext, private readonly log: Log, private readonly source: DataCompareSource,
    private readonly resolve: (state: { a: string; b: string; root?: string }) => Promise<{ pair: DataComparePair; title: string } | undefined>) {}

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const parsed = DataCompareStateSchema.safeParse(state);
    const found = parsed.success ? await this.resolve(parsed.data).catch(() => undefined) : undefined;
    if (!found || DataComparePanel.open.has(keyOf(found.pair))) { panel.dispose(); return; }
    new DataComparePanel(panel, this.ext, this.log, this.source, found.pair, found.title);
  }
}
