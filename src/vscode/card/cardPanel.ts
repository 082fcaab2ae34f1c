import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { messageOf } from '../../core';
import { writeCardFile } from '../../core/card/write';
import { cardHtml, cardMarkdown, type ModelCard } from '../../core/card';
import { ModelCardStateSchema, ModelCardWebviewMessageSchema, type CardExportFormat, type ModelCardHostMessage, type ModelCardWebviewMessage } from '../../protocol/modelCard';
import type { Log } from '../log';
import { modelCardPage, type CardTarget } from './cardPage';

export const MODEL_CARD_VIEW_TYPE = 'mlops.modelCard';

function assertNever(x: never): never {
  throw new Error(`unhandled message ${JSON.stringify(x)}`);
}

/** Where the panel gets its card: the store read again and the gate run (without processes when untrusted). */
export interface ModelCardSource {
  load(target: CardTarget): Promise<ModelCard>;
}

const keyOf = (t: CardTarget) => JSON.stringify([t.root, t.model, t.version]);

/**
 * The Open Model Card panel: one per model version (opening it again reveals it and scrolls to the section asked
 * for). The page is the exported card's body with a toolbar; the card is rebuilt when the store changes, and each
 * rebuild replaces the page (the page keeps its scroll position). Messages from the page are validated; invalid ones
 * are dropped and logged.
 */
export class ModelCardPanel implements vscode.Disposable {
  static readonly open = new Map<string, ModelCardPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  private ready = false;
  private section: string | undefined;
  private loading: Promise<void> | undefined;
  private again = false;
  /** The card shown (also what the integration tests read). */
  card: ModelCard | undefined;
  /** Why the card could not be built, when it could not. */
  failure: string | undefined;

  static async show(ext: vscode.ExtensionContext, log: Log, source: ModelCardSource, target: CardTarget, section?: string): Promise<ModelCardPanel> {
    const existing = ModelCardPanel.open.get(keyOf(target));
    if (existing) {
      existing.panel.reveal(undefined, false);
      if (section) { await existing.scrollTo(section); }
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(MODEL_CARD_VIEW_TYPE, `Model card: ${target.model} v${target.version}`, vscode.ViewColumn.Active, ModelCardPanel.options(ext));
    const p = new ModelCardPanel(panel, ext, log, source, target);
    p.section = section;
    await p.refresh();
    return p;
  }

  static all(): ModelCardPanel[] {
    return [...ModelCardPanel.open.values()];
  }

  static options(ext: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, retainContextWhenHidden: false, enableFindWidget: true,
      localResourceRoots: [vscode.Uri.joinPath(ext.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(ext.extensionUri, 'media')] };
  }

  constructor(readonly panel: vscode.WebviewPanel, private readonly ext: vscode.ExtensionContext, private readonly log: Log,
    private readonly source: ModelCardSource, readonly target: CardTarget) {
    ModelCardPanel.open.set(keyOf(target), this);
    panel.iconPath = vscode.Uri.joinPath(ext.extensionUri, 'media', 'mlops.svg');
    panel.webview.options = ModelCardPanel.options(ext);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      // A hidden panel's page is gone (retainContextWhenHidden is off): it says it is ready again when it comes back.
      panel.onDidChangeViewState(() => { if (!panel.visible) { this.ready = false; } }),
      panel.webview.onDidReceiveMessage((m: unknown) => { void this.handle(m); }),
    );
  }

  get title(): string { return this.panel.title; }

  /** Builds the card again and replaces the page; a failure is shown in the page and logged. Calls in flight are shared. */
  refresh(): Promise<void> {
    if (this.loading) {
      // A change that arrives while a card is being built may have come after what that build read: build once more.
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      do { this.again = false; await this.load(); } while (this.again && !this.disposed);
    })().finally(() => { this.loading = undefined; });
    return this.loading;
  }

  private async load(): Promise<void> {
    try {
      this.card = await this.source.load(this.target);
      this.failure = undefined;
    } catch (e) {
      this.card = undefined;
      this.failure = messageOf(e);
      this.log.error(`model card ${this.target.model} v${this.target.version}: ${this.failure}`);
    }
    if (this.disposed) { return; }
    const w = this.panel.webview;
    this.ready = false;
    w.html = modelCardPage({
      cspSource: w.cspSource, nonce: randomBytes(16).toString('base64'),
      scriptUri: w.asWebviewUri(vscode.Uri.joinPath(this.ext.extensionUri, 'dist', 'webview', 'modelCard.js')).toString(),
      styleUri: w.asWebviewUri(vscode.Uri.joinPath(this.ext.extensionUri, 'media', 'modelCard.css')).toString(),
    }, this.target, this.card, this.failure);
  }

  async scrollTo(section: string): Promise<void> {
    this.section = section;
    // Kept until the page took it: a hidden panel's page is torn down, and the one that comes back asks again.
    if (this.ready && this.panel.visible && await this.post({ type: 'scrollTo', section })) { this.section = undefined; }
  }

  private async post(msg: ModelCardHostMessage): Promise<boolean> {
    return !this.disposed && await this.panel.webview.postMessage(msg);
  }

  /** Validates and acts on one message from the page; false when it was dropped. Never rejects. */
  async handle(raw: unknown): Promise<boolean> {
    const parsed = ModelCardWebviewMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.log.warn(`model card: dropped an invalid message from the webview: ${parsed.error.issues[0]?.message ?? ''}`);
      return false;
    }
    try {
      await this.dispatch(parsed.data);
    } catch (e) {
      this.log.error(`model card: ${parsed.data.type}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      void vscode.window.showErrorMessage(`MLOps: ${parsed.data.type === 'export' ? 'cannot export the model card' : 'cannot refresh the model card'}: ${messageOf(e)}`);
    }
    return true;
  }

  private async dispatch(msg: ModelCardWebviewMessage): Promise<void> {
    switch (msg.type) {
      case 'ready':
        this.ready = true;
        if (this.section) { await this.scrollTo(this.section); }
        break;
      case 'refresh': await this.refresh(); break;
      case 'export': await this.exportTo(msg.format); break;
      default: assertNever(msg);
    }
  }

  /** `churn-v3-model-card.html` */
  defaultFileName(format: CardExportFormat): string {
    return `${this.target.model.replace(/[^\w.-]+/g, '_')}-v${this.target.version}-model-card.${format}`;
  }

  /**
   * Saves the card (as exported: light, self-contained) to `file`, or to where the save dialog says. Returns the
   * path written, or undefined when the dialog was cancelled. Never writes over a folder.
   */
  async exportTo(format: CardExportFormat, file?: string): Promise<string | undefined> {
    if (!this.card) { await this.refresh(); }
    const card = this.card;
    if (!card) { throw new Error(this.failure ?? 'the card could not be built'); }
    let target = file;
    if (!target) {
      const picked = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.join(this.target.root, this.defaultFileName(format))),
        filters: format === 'html' ? { HTML: ['html'] } : { Markdown: ['md'] }, title: 'Export the model card' });
      if (!picked) { return undefined; }
      target = picked.fsPath;
    }
    await writeCardFile(target, format === 'html' ? cardHtml(card) : cardMarkdown(card));
    this.log.info(`model card: exported ${this.target.model} v${this.target.version} to ${target}`);
    await this.post({ type: 'status', text: `Saved ${path.basename(target)}` });
    return target;
  }

  dispose(): void {
    if (this.disposed) { return; }
    this.disposed = true;
    if (ModelCardPanel.open.get(keyOf(this.target)) === this) { ModelCardPanel.open.delete(keyOf(this.target)); }
    for (const d of this.disposables.splice(0)) { d.dispose(); }
    this.panel.dispose();
  }
}

/** Restores a card panel after a window reload from what the page saved. */
export class ModelCardPanelSerializer implements vscode.WebviewPanelSerializer {
  constructor(private readonly ext: vscode.ExtensionContext, private readonly log: Log, private readonly source: ModelCardSource) {}

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const parsed = ModelCardStateSchema.safeParse(state);
    if (!parsed.success) { panel.dispose(); return; }
    const target: CardTarget = { root: parsed.data.root, model: parsed.data.model, version: parsed.data.version };
    if (ModelCardPanel.open.has(keyOf(target))) { panel.dispose(); return; }
    await new ModelCardPanel(panel, this.ext, this.log, this.source, target).refresh();
  }
}
