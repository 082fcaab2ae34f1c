import * as vscode from 'vscode';
import { mapLimit, messageOf, type StoreState } from '../../core';
import { goalsChildrenOf, type GoalsNode } from '../../core/views/goalsModel';
import { baseTreeItem } from '../icons';
import { Commands, InternalCommands, Views } from '../ids';
import type { Log } from '../log';
import type { StoreChange, WorkspaceStores } from '../stores';

/**
 * The Goals view (`mlops.goals`): KPIs, metric goals, constraints and budget of each store's goals.json. All
 * structure and text come from the pure core (goalsModel.ts); this class maps nodes to TreeItems, loads the metric
 * summaries the goals are computed from, and redraws when goals.json, runs, metrics or models change.
 */
export class GoalsTree implements vscode.TreeDataProvider<GoalsNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<GoalsNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly parents = new Map<string, GoalsNode | undefined>();
  private readonly disposables: vscode.Disposable[] = [this.emitter];

  constructor(private readonly stores: WorkspaceStores, private readonly log: Log) {
    this.disposables.push(
      stores.onDidChange((changes) => this.onStoreChange(changes)),
      stores.onDidChangeStores(() => this.refresh()),
    );
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }

  async getChildren(element?: GoalsNode): Promise<GoalsNode[]> {
    await this.stores.ready();
    const states = this.stores.list();
    if (!element) {
      // Best runs and "N of M runs meet" need every run's last metric values: read the summaries not read yet.
      const todo = states.filter((s) => (s.goals?.kpis.length ?? 0) + (s.goals?.metrics.length ?? 0) > 0 && [...s.runs.values()].some((r) => !s.metrics.peek(r.id)));
      if (todo.length) {
        await vscode.window.withProgress({ location: { viewId: Views.goals } }, () => Promise.all(todo.map((s) => this.loadMetrics(s))));
      }
    }
    const children = goalsChildrenOf(states, element, states.length > 1);
    for (const c of children) { this.parents.set(c.id, element); }
    return children;
  }

  getParent(node: GoalsNode): GoalsNode | undefined {
    return this.parents.get(node.id);
  }

  getTreeItem(node: GoalsNode): vscode.TreeItem {
    const item = baseTreeItem(node);
    item.command = this.commandFor(node);
    return item;
  }

  private commandFor(node: GoalsNode): vscode.Command | undefined {
    if ((node.kind === 'kpi' || node.kind === 'metricGoal') && node.runId) {
      return { command: Commands.revealRun, title: 'Show Best Run', arguments: [{ runId: node.runId, root: node.root }] };
    }
    if (node.kind === 'spend' && node.experiment !== undefined) {
      return { command: InternalCommands.revealExperiment, title: 'Show Experiment', arguments: [{ experiment: node.experiment, root: node.root }] };
    }
    if (node.file && (node.kind === 'problem' || node.kind === 'info')) {
      const r = node.range;
      const options: vscode.TextDocumentShowOptions | undefined = r ? { selection: new vscode.Range(r.line, r.character, r.endLine, r.endCharacter) } : undefined;
      return { command: 'vscode.open', title: 'Open goals.json', arguments: options ? [vscode.Uri.file(node.file), options] : [vscode.Uri.file(node.file)] };
    }
    return undefined;
  }

  private async loadMetrics(state: StoreState): Promise<void> {
    const ids = [...state.runs.values()].map((r) => r.id).filter((id) => !state.metrics.peek(id));
    // One unreadable metrics file leaves that run's goals unknown; it does not keep the view from drawing.
    await mapLimit(ids, 8, (id) => state.metrics.get(id).then(() => undefined, (e: unknown) => { this.log.warn(`goals: cannot read the metrics of run ${id}: ${messageOf(e)}`); }));
  }

  private onStoreChange(changes: StoreChange[]): void {
    // Anything goals are computed from: goals.json, runs (status, duration, hardware), metrics, models (size).
    if (changes.some(({ change: c }) => c.full || c.goals || c.runs.size > 0 || c.metrics.size > 0 || c.models || c.experiments)) { this.refresh(); }
  }

  dispose(): void {
    for (const d of this.disposables) { d.dispose(); }
  }
}
