import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  childrenOf, describeFilter, isFilterActive, mapLimit, messageOf, needsMetrics, refreshedRunNode, sortNeedsMetrics, type StoreState, type ViewName, type ViewNode,
  type ViewOptions,
} from '../core';
import { baseTreeItem } from './icons';
import { Commands, Views } from './ids';
import type { Log } from './log';
import type { StoreChange, WorkspaceStores } from './stores';
import type { MlflowStores } from './mlflow/stores';
import { mlflowRecordsNeeded } from '../core/views/mlflowNodes';
import { headlineSetting, pageSizeSetting, type ViewState } from './viewState';
import type { TeamConflict } from '../core/team/types';
import { markTeamConflicts } from '../core/views/teamNodes';

/** The conflicts a git merge left in a store (team/conflicts.ts), marked on the Models view's nodes. */
export interface ConflictSource {
  of(state: StoreState): TeamConflict[];
  readonly onDidChange: vscode.Event<unknown>;
}

const VIEW_IDS: Record<ViewName, string> = { experiments: Views.experiments, data: Views.data, models: Views.models };

/**
 * One of the three MLOps trees. All structure and text come from the pure core (treeModel.ts); this class only
 * maps nodes to TreeItems, keeps one object per node id (VS Code identifies refreshed elements by object), and
 * decides which nodes to refresh when the store changes: a changed run refreshes its experiment's children, new
 * metric points only that run's row.
 */
export class MlopsTree implements vscode.TreeDataProvider<ViewNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ViewNode | ViewNode[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly nodes = new Map<string, ViewNode>();
  private readonly parents = new Map<string, string | undefined>();
  private readonly loadingMetrics = new Set<string>();
  /** Node ids showing a run (`root|runId` → ids): a step run shows under its pipeline run, and also flat while filtering. */
  private readonly runNodeIds = new Map<string, Set<string>>();
  private readonly disposables: vscode.Disposable[] = [this.emitter];

  constructor(readonly view: ViewName, private readonly stores: WorkspaceStores, private readonly viewState: ViewState, private readonly log: Log,
    private readonly mlflow?: MlflowStores, private readonly team?: ConflictSource) {
    this.disposables.push(
      ...(team && view === 'models' ? [team.onDidChange(() => this.refresh())] : []),
      // An MLflow store found, or read again after a training script wrote to it: its nodes are computed again.
      ...(mlflow && view !== 'data' ? [mlflow.onDidChange(() => this.refresh())] : []),
      stores.onDidChange((changes) => this.onStoreChange(changes)),
      stores.onDidChangeStores(() => this.refresh()),
      viewState.onDidChange(() => { if (view === 'experiments') { this.refresh(); } }),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('mlops')) { this.refresh(); } }),
    );
  }

  options(): ViewOptions {
    return { filter: this.viewState.filter, sort: this.viewState.sort, headline: headlineSetting(), pageSize: pageSizeSetting(),
      pages: this.viewState.pages, now: Date.now(), multiRoot: this.stores.list().length > 1 };
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }

  refreshNode(node: ViewNode): void {
    this.emitter.fire(node);
  }

  async getChildren(element?: ViewNode): Promise<ViewNode[]> {
    await Promise.all([this.stores.ready(), this.mlflow?.ready()]);
    const states = this.stores.list();
    const opts = this.options();
    const mlflow = this.mlflow?.list() ?? [];
    if (element?.store) {
      // An MLflow node: read the records (params, tags, metric summaries) its children show, then build them.
      const state = this.mlflow?.get(element.store);
      const ids = state ? mlflowRecordsNeeded(state, element, opts) : [];
      if (state && ids.length) {
        await vscode.window.withProgress({ location: { viewId: VIEW_IDS[this.view] } }, () => state.loadRecords(ids));
      }
      return childrenOf(states, element, this.view, opts, mlflow).map((n) => this.canonical(n, element.id));
    }
    if (element?.kind === 'experiment' && (needsMetrics(opts.filter) || sortNeedsMetrics(opts.sort))) {
      // Filtering or sorting by a metric, a KPI or goals needs every run's summary: load them first, with progress on the view.
      const state = states.find((s) => s.root === element.root);
      if (state) {
        await vscode.window.withProgress({ location: { viewId: VIEW_IDS[this.view] } }, () => this.loadMetrics(state, state.runs.list(element.experiment).map((r) => r.id)));
      }
    }
    if (element?.kind === 'dataset' || element?.kind === 'dataVersion') {
      // Profiles, the schema and drift against the previous version are read lazily, when a dataset or version opens.
      const state = states.find((s) => s.root === element.root);
      const versions = state?.dataVersions.filter((v) => (element.kind === 'dataset' ? v.dataset === element.dataset : v.id === element.versionId)) ?? [];
      const prev = element.kind === 'dataVersion' && versions[0] ? state?.quality.previous(versions[0]) : undefined;
      if (state) { await state.quality.prepare(prev ? [...versions, prev] : versions, { drift: true }).catch((e: unknown) => this.log.warn(`reading data profiles: ${messageOf(e)}`)); }
    }
    const children = childrenOf(states, element, this.view, opts, mlflow).map((n) => this.canonical(this.withConflicts(n), element?.id));
    const needMetrics = children.filter((n) => n.kind === 'run' && !n.store && !this.stateOf(n)?.metrics.peek(n.runId!));
    if (needMetrics.length) { void this.loadMetricsFor(needMetrics); }
    if (element?.kind === 'group' && element.group === 'metrics') {
      const state = this.stateOf(element);
      if (state && !state.metrics.peek(element.runId!)) { void this.loadMetricsFor([this.nodes.get(element.id.replace(/\|metrics$/, ''))!].filter(Boolean)); }
    }
    return children;
  }

  /** A model or version node of the Models view with its merge conflicts marked (warning, description, Resolve…). */
  private withConflicts(n: ViewNode): ViewNode {
    const state = this.team && this.view === 'models' && !n.store ? this.stores.get(n.root) : undefined;
    return state ? markTeamConflicts(n, this.team!.of(state)) : n;
  }

  getTreeItem(node: ViewNode): vscode.TreeItem {
    const item = baseTreeItem(node);
    item.command = this.commandFor(node);
    if (node.file && (node.kind === 'problem' || node.kind === 'info') && !node.store) { item.resourceUri = vscode.Uri.file(node.file); }
    return item;
  }

  private commandFor(node: ViewNode): vscode.Command | undefined {
    switch (node.kind) {
      // A row of an MLflow database has no file of its own.
      case 'problem': return node.file ? { command: 'vscode.open', title: 'Open File', arguments: [vscode.Uri.file(node.file)] } : undefined;
      // An MLflow version's artifacts may be a folder: shown in the Explorer rather than opened.
      case 'info': return node.file ? node.store ? { command: 'revealInExplorer', title: 'Reveal in Explorer', arguments: [vscode.Uri.file(node.file)] }
        : { command: 'vscode.open', title: 'Open File', arguments: [vscode.Uri.file(node.file)] } : undefined;
      case 'more': return { command: Commands.loadMoreRuns, title: 'Show More', arguments: [node] };
      case 'runRef': return { command: Commands.revealRun, title: 'Show Run', arguments: [{ runId: node.runId, root: node.root, ...(node.store ? { store: node.store } : {}) }] };
      case 'dataRef': return { command: Commands.revealDataVersion, title: 'Show Data Version', arguments: [{ versionId: node.versionId, root: node.root }] };
      case 'gate': return { command: Commands.openModelCard, title: 'Open Model Card', arguments: [{ root: node.root, model: node.model, version: node.version, section: 'gate' }] };
      case 'modelRef': return { command: Commands.revealModelVersion, title: 'Show Model Version', arguments: [{ model: node.model, version: node.version, root: node.root, ...(node.store ? { store: node.store } : {}) }] };
      case 'schemaStatus': return node.file ? { command: 'vscode.open', title: 'Open Schema', arguments: [vscode.Uri.file(node.file)] } : undefined;
      case 'finding': return node.dataFile ? { command: 'vscode.open', title: 'Open Data File', arguments: [vscode.Uri.file(path.resolve(node.root, node.dataFile)),
        ...(node.line ? [{ selection: new vscode.Range(node.line - 1, 0, node.line - 1, 0) }] : [])] } : undefined;
      case 'drift': return { command: Commands.compareDataVersions, title: 'Compare Data Versions',
        arguments: [{ root: node.root, a: `${node.dataset}:${node.otherVersionId}`, b: `${node.dataset}:${node.versionId}` }] };
      default: return undefined;
    }
  }

  getParent(node: ViewNode): ViewNode | undefined {
    const parentId = this.parents.get(node.id);
    return parentId ? this.nodes.get(parentId) : undefined;
  }

  /** The canonical node for an id, after its children chain was computed (used by reveal). */
  node(id: string): ViewNode | undefined {
    return this.nodes.get(id);
  }

  /**
   * Makes sure the nodes from the root down to `path` (ids, outermost first) exist so that TreeView.reveal can
   * resolve them; returns the last one.
   */
  async resolvePath(ids: string[]): Promise<ViewNode | undefined> {
    let parent: ViewNode | undefined;
    for (const id of ids) {
      const kids = await this.getChildren(parent);
      parent = kids.find((k) => k.id === id);
      if (!parent) { return undefined; }
    }
    return parent;
  }

  private canonical(n: ViewNode, parentId: string | undefined): ViewNode {
    this.parents.set(n.id, parentId);
    if (n.kind === 'run' && n.runId && !n.store) {
      const key = `${n.root}|${n.runId}`;
      const ids = this.runNodeIds.get(key) ?? new Set<string>();
      ids.add(n.id);
      this.runNodeIds.set(key, ids);
    }
    const existing = this.nodes.get(n.id);
    if (!existing) { this.nodes.set(n.id, n); return n; }
    for (const k of Object.keys(existing) as (keyof ViewNode)[]) { if (!(k in n)) { delete existing[k]; } }
    Object.assign(existing, n);
    return existing;
  }

  private stateOf(node: ViewNode): StoreState | undefined {
    return this.stores.get(node.root);
  }

  private async loadMetrics(state: StoreState, ids: string[]): Promise<void> {
    await mapLimit(ids.filter((id) => !state.metrics.peek(id)), 8, (id) => state.metrics.get(id));
  }

  /** Loads metric summaries of visible runs in the background, then refreshes just those rows. */
  private async loadMetricsFor(runNodes: ViewNode[]): Promise<void> {
    const todo = runNodes.filter((n) => !this.loadingMetrics.has(n.id));
    if (!todo.length) { return; }
    for (const n of todo) { this.loadingMetrics.add(n.id); }
    try {
      await mapLimit(todo, 8, async (n) => { await this.stateOf(n)?.metrics.get(n.runId!); });
      this.refreshRuns(todo);
    } catch (e) {
      this.log.warn(`loading metrics: ${messageOf(e)}`);
    } finally {
      for (const n of todo) { this.loadingMetrics.delete(n.id); }
    }
  }

  /** Recomputes run rows in place and fires them (plus their open Metrics groups). */
  private refreshRuns(runNodes: ViewNode[]): void {
    const opts = this.options();
    const fire: ViewNode[] = [];
    for (const n of runNodes) {
      const state = this.stateOf(n);
      const fresh = state ? refreshedRunNode(state, n, opts) : undefined;
      if (!fresh) { continue; }
      fire.push(this.canonical(fresh, this.parents.get(n.id)));
      const metricsGroup = this.nodes.get(`${n.id}|metrics`);
      if (metricsGroup) { fire.push(metricsGroup); }
      const groups = ['params', 'meta', 'lineage'].map((g) => this.nodes.get(`${n.id}|${g}`)).filter((g): g is ViewNode => Boolean(g));
      fire.push(...groups);
    }
    if (fire.length) { this.emitter.fire(fire); }
  }

  private onStoreChange(changes: StoreChange[]): void {
    if (this.view !== 'experiments') {
      // Data and model views are small: any change that can affect them redraws them.
      // Drift settings live in goals.json, so the data view also redraws when it changes.
      if (changes.some(({ change }) => change.full || change.runs.size > 0 || (this.view === 'data' ? change.data || change.goals : change.models))) { this.refresh(); }
      return;
    }
    const fire = new Set<ViewNode>();
    let root = false;
    for (const { state, change } of changes) {
      // goals.json changes every run row's badge, KPI and tooltip (and what "meets all goals" or a KPI sort shows).
      if (change.full || change.experiments || change.models || change.data || change.goals) { root = true; continue; }
      for (const id of change.runs) {
        const run = state.runs.get(id);
        const expId = run ? `${state.root}|exp|${run.experiment}` : this.parents.get(`${state.root}|run|${id}`);
        const exp = expId ? this.nodes.get(expId) : undefined;
        if (exp) { fire.add(exp); } else { root = true; }
      }
      const metricRuns = [...change.metrics].flatMap((id) => [...this.runNodeIds.get(`${state.root}|${id}`) ?? []])
        .map((nodeId) => this.nodes.get(nodeId)).filter((n): n is ViewNode => Boolean(n));
      if (metricRuns.length) { this.refreshRuns(metricRuns); }
      if (sortNeedsMetrics(this.viewState.sort) || needsMetrics(this.viewState.filter)) {
        for (const n of metricRuns) { const exp = this.nodes.get(this.parents.get(n.id) ?? ''); if (exp) { fire.add(exp); } }
      }
    }
    if (root) { this.refresh(); return; }
    if (fire.size) {
      // Experiment rows show run counts: recompute them in place before VS Code asks for their TreeItems again.
      const states = this.stores.list();
      const opts = this.options();
      for (const exp of fire) {
        const parent = this.getParent(exp);
        for (const n of childrenOf(states, parent, this.view, opts)) { if (n.id === exp.id) { this.canonical(n, parent?.id); } }
      }
      this.emitter.fire([...fire]);
    }
  }

  /** The view's description line: the active filter. */
  description(): string | undefined {
    const f = this.viewState.filter;
    return this.view === 'experiments' && isFilterActive(f) ? `filtered: ${describeFilter(f)}` : undefined;
  }

  dispose(): void {
    for (const d of this.disposables) { d.dispose(); }
  }
}
