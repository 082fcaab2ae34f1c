import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands, Views } from '../ids';
import { alertChildren, modelChildren, modelNode, positionAt, problemChildren, storeNode, windowChildren, type MonitorNode } from './model';
import type { MonitorService } from './monitorService';
import type { WorkspaceStores } from '../stores';
import { retrainingChildren, retrainingNode, type RetrainingView } from '../retrain/view';

/** What the view reads of retraining (src/vscode/retrain/service.ts). */
export interface RetrainingSource {
  viewOf(root: string, model: string): RetrainingView | undefined;
  readonly onDidChange: vscode.Event<void>;
}

/**
 * The Monitoring view (`mlops.monitoring`): per monitored model its alerts and latest windows, each window
 * expandable to its quantities. Text, tooltips and icons come from model.ts; this class maps them to TreeItems and
 * redraws when the service reports a change.
 */
export class MonitorTree implements vscode.TreeDataProvider<MonitorNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<MonitorNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly parents = new Map<string, MonitorNode | undefined>();
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  private retraining: RetrainingSource | undefined;

  constructor(private readonly service: MonitorService, private readonly stores: WorkspaceStores) {
    this.disposables.push(service.onDidChange(() => this.emitter.fire(undefined)));
  }

  /** Adds a "Retraining" node under each model a trigger watches (registered after the view). */
  attachRetraining(source: RetrainingSource): void {
    this.retraining = source;
    this.disposables.push(source.onDidChange(() => this.emitter.fire(undefined)));
    this.emitter.fire(undefined);
  }

  async getChildren(element?: MonitorNode): Promise<MonitorNode[]> {
    const children = await this.childrenOf(element);
    for (const c of children) { this.parents.set(c.id, element); }
    return children;
  }

  private async childrenOf(element?: MonitorNode): Promise<MonitorNode[]> {
    if (!element) {
      // Lists models only (fast); reports are built behind and the view redraws as each one arrives.
      await vscode.window.withProgress({ location: { viewId: Views.monitoring } }, () => this.service.ready());
      const roots = this.service.roots().filter((r) => this.service.list(r).length);
      if (roots.length > 1 || (this.stores.list().length > 1 && roots.length)) {
        return roots.map((r) => storeNode(r, path.basename(r), this.service.list(r)));
      }
      return this.service.list().map(modelNode);
    }
    const entry = element.model !== undefined ? this.service.get(element.root, element.model) : undefined;
    switch (element.kind) {
      case 'store': return this.service.list(element.root).map(modelNode);
      case 'model': return entry ? this.withRetraining(modelChildren(entry), element) : [];
      case 'retraining': {
        const v = element.model !== undefined ? this.retraining?.viewOf(element.root, element.model) : undefined;
        return v ? retrainingChildren(v, Date.now()) : [];
      }
      case 'alerts': return entry ? alertChildren(entry) : [];
      case 'problems': return entry ? problemChildren(entry) : [];
      case 'window': return entry && element.windowIndex !== undefined ? windowChildren(entry, element.windowIndex) : [];
      default: return [];
    }
  }

  /** The model's children with its Retraining node after Alerts (first when there is no report yet). */
  private withRetraining(children: MonitorNode[], model: MonitorNode): MonitorNode[] {
    const v = model.model !== undefined ? this.retraining?.viewOf(model.root, model.model) : undefined;
    if (!v) { return children; }
    const at = children.findIndex((c) => c.kind === 'alerts');
    const out = [...children];
    out.splice(at >= 0 ? at + 1 : 0, 0, retrainingNode(v, Date.now()));
    return out;
  }

  getParent(node: MonitorNode): MonitorNode | undefined {
    return this.parents.get(node.id);
  }

  getTreeItem(node: MonitorNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label, node.collapsible === 'none' ? vscode.TreeItemCollapsibleState.None
      : node.collapsible === 'expanded' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    item.description = node.description;
    if (node.tooltip) { item.tooltip = new vscode.MarkdownString(node.tooltip, true); }
    item.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
    item.contextValue = node.contextValue ?? `mlops.monitor.${node.kind}`;
    item.command = this.commandFor(node);
    return item;
  }

  private commandFor(node: MonitorNode): vscode.Command | undefined {
    const a = node.action;
    if (!a) { return undefined; }
    switch (a.kind) {
      case 'openChart': return { command: Commands.openMonitoringChart, title: 'Open Monitoring Chart', arguments: [{ root: node.root, model: node.model }] };
      case 'openRule': {
        const text = this.stores.get(node.root)?.goalsFile?.text;
        const file = this.stores.get(node.root)?.store.goalsFile();
        if (!file) { return undefined; }
        if (text === undefined) { return { command: 'vscode.open', title: 'Open goals.json', arguments: [vscode.Uri.file(file)] }; }
        const s = positionAt(text, a.offset);
        const e = positionAt(text, a.offset + a.length);
        return { command: 'vscode.open', title: 'Show the rule in goals.json', arguments: [vscode.Uri.file(file), { selection: new vscode.Range(s.line, s.character, e.line, e.character) }] };
      }
      case 'revealRun': return { command: Commands.revealRun, title: 'Show the pipeline run', arguments: [{ runId: a.runId, root: node.root }] };
      case 'openRetrainingLog': return { command: Commands.openRetrainingLog, title: 'Open the retraining log', arguments: [{ root: node.root }] };
      case 'openFile': {
        const file = path.isAbsolute(a.file) ? a.file : path.join(node.root, a.file);
        const line = Math.max(0, (a.line ?? 1) - 1);
        return { command: 'vscode.open', title: 'Open the log file', arguments: [vscode.Uri.file(file), { selection: new vscode.Range(line, 0, line, 0) }] };
      }
    }
  }

  dispose(): void {
    for (const d of this.disposables) { d.dispose(); }
  }
}
