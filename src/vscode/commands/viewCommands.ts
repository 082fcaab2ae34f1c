import * as vscode from 'vscode';
import {
  RUN_SORTS, RUN_STATUSES, describeFilter, formatThreshold, isFilterActive, isNestedRun, isSearchActive, isRunSort, isRunStatus, kpiSort, kpiSortOf, matchesFilter,
  parseMetricThreshold, sortLabel, MlopsError, type RunFilter, type RunSort, type ViewNode,
} from '../../core';
import type { GoalsNode } from '../../core/views/goalsModel';
import type { GoalsTree } from '../goals/goalsView';
import { Views } from '../ids';
import type { WorkspaceStores } from '../stores';
import type { MlopsTree } from '../tree';
import type { ViewState } from '../viewState';
import { isViewNode } from '../ui';
import type { MlflowStores } from '../mlflow/stores';
import type { MlflowViewState } from '../../core/mlflow/viewState';

export interface Trees {
  experiments: { tree: MlopsTree; view: vscode.TreeView<ViewNode> };
  data: { tree: MlopsTree; view: vscode.TreeView<ViewNode> };
  models: { tree: MlopsTree; view: vscode.TreeView<ViewNode> };
  goals: { tree: GoalsTree; view: vscode.TreeView<GoalsNode> };
}

/** KPI names declared in any store's goals.json, in file order, without repeats. */
function kpiNames(stores: WorkspaceStores | undefined): string[] {
  return [...new Set((stores?.list() ?? []).flatMap((s) => s.goals?.kpis.map((k) => k.name) ?? []))];
}

/** `MLOps: Filter Runs…`: a filter object for non-interactive use, or a menu of filter kinds. */
export async function filterRuns(viewState: ViewState, arg?: RunFilter, stores?: WorkspaceStores, mlflow?: MlflowStores): Promise<RunFilter | undefined> {
  if (arg && typeof arg === 'object' && !isViewNode(arg)) {
    await viewState.setFilter(arg);
    return viewState.filter;
  }
  const f = { ...viewState.filter };
  const pick = await vscode.window.showQuickPick([
    { label: '$(pulse) Status…', description: f.statuses?.join(', '), key: 'status' },
    { label: '$(tag) Tag…', description: f.tag, key: 'tag' },
    { label: '$(search) Text…', description: f.text, key: 'text' },
    { label: '$(graph-line) Metric threshold…', description: f.metric ? formatThreshold(f.metric) : undefined, key: 'metric' },
    { label: f.meetsGoals ? '$(pass) Any goals (turn off "meets all goals")' : '$(pass) Meets all goals',
      description: f.meetsGoals ? 'on' : stores && !stores.list().some((s) => s.goals) ? 'no goals.json yet' : 'every goal, KPI and constraint with a bar met (✓)', key: 'goals' },
    ...(mlflow?.list().length || f.deleted ? [{ label: f.deleted ? '$(trash) Hide deleted runs' : '$(trash) Show deleted runs',
      description: f.deleted ? 'on' : 'runs and experiments deleted in MLflow stay hidden unless shown', key: 'deleted' }] : []),
    ...(isFilterActive(f) ? [{ label: '$(clear-all) Clear filter', description: describeFilter(f), key: 'clear' }] : []),
  ], { placeHolder: 'Filter the Experiments view' });
  if (!pick) { return undefined; }
  switch (pick.key) {
    case 'status': {
      const s = await vscode.window.showQuickPick(RUN_STATUSES.map((x) => ({ label: x, picked: f.statuses?.includes(x) ?? false })), { canPickMany: true, placeHolder: 'Show runs with these statuses' });
      if (!s) { return undefined; }
      f.statuses = s.map((x) => x.label).filter(isRunStatus);
      if (!f.statuses?.length) { delete f.statuses; }
      break;
    }
    case 'tag': {
      const t = await vscode.window.showInputBox({ prompt: 'Show runs with this tag (empty: any)', value: f.tag ?? '' });
      if (t === undefined) { return undefined; }
      if (t.trim()) { f.tag = t.trim(); } else { delete f.tag; }
      break;
    }
    case 'text': {
      const t = await vscode.window.showInputBox({ prompt: 'Show runs whose name, id, notes, tags or params contain (empty: any)', value: f.text ?? '' });
      if (t === undefined) { return undefined; }
      if (t.trim()) { f.text = t.trim(); } else { delete f.text; }
      break;
    }
    case 'metric': {
      const t = await vscode.window.showInputBox({ prompt: 'Show runs whose last metric value passes, e.g. accuracy >= 0.8 (empty: none)', value: f.metric ? formatThreshold(f.metric) : '',
        validateInput: (v) => { if (!v.trim()) { return undefined; } try { parseMetricThreshold(v); return undefined; } catch (e) { return (e as Error).message; } } });
      if (t === undefined) { return undefined; }
      if (t.trim()) { f.metric = parseMetricThreshold(t); } else { delete f.metric; }
      break;
    }
    case 'goals':
      if (f.meetsGoals) { delete f.meetsGoals; } else { f.meetsGoals = true; }
      break;
    case 'deleted':
      if (f.deleted) { delete f.deleted; } else { f.deleted = true; }
      break;
    case 'clear':
      await viewState.setFilter({});
      return {};
  }
  await viewState.setFilter(f);
  return f;
}

/** `MLOps: Sort Runs…`: the fixed sorts, and highest/lowest first by each KPI of goals.json. */
export async function sortRuns(viewState: ViewState, arg?: string, stores?: WorkspaceStores): Promise<RunSort | undefined> {
  let sort = arg;
  const kpis = kpiNames(stores);
  if (!sort) {
    const current = viewState.sort;
    const choices: RunSort[] = [...RUN_SORTS, ...kpis.flatMap((k) => [kpiSort(k, true), kpiSort(k, false)])];
    sort = (await vscode.window.showQuickPick(choices.map((s) => ({ label: sortLabel(s), description: s === current ? '(current)' : undefined, s })), { placeHolder: 'Sort runs by' }))?.s;
    if (!sort) { return undefined; }
  }
  if (!isRunSort(sort)) {
    throw new MlopsError(`unknown sort '${sort}': use one of ${RUN_SORTS.join(', ')}, or kpi-desc:NAME / kpi-asc:NAME for a KPI of goals.json`);
  }
  const k = kpiSortOf(sort);
  if (k && stores && !kpis.includes(k.kpi)) {
    throw new MlopsError(`no KPI '${k.kpi}' in goals.json${kpis.length ? `: declared are ${kpis.join(', ')}` : ''}`, 'not-found');
  }
  await viewState.setSort(sort);
  return sort;
}

export function loadMore(viewState: ViewState, trees: Trees, node?: ViewNode): void {
  if (!node?.experiment) { return; }
  const expId = node.id.replace(/\|more$/, '');
  viewState.pages.set(expId, (viewState.pages.get(expId) ?? 1) + 1);
  const exp = trees.experiments.tree.node(expId);
  if (exp) { trees.experiments.tree.refreshNode(exp); } else { trees.experiments.tree.refresh(); }
}

const folderPrefix = (stores: WorkspaceStores, root: string, view: string): string[] => (stores.list().length > 1 ? [`${root}|${view}|folder`] : []);

/**
 * Shows a run in the Experiments view: expands its experiment, pages far enough, selects and focuses it. A run of
 * an MLflow store (`store` given, or an MLflow id found in no `.mlops` store) is shown under its store's node.
 */
export async function revealRun(stores: WorkspaceStores, viewState: ViewState, trees: Trees, arg: { runId: string; root?: string; store?: string }, mlflow?: MlflowStores): Promise<boolean> {
  await Promise.all([stores.ready(), mlflow?.ready()]);
  const ml = arg.store ? mlflow?.get(arg.store) : stores.findRun(arg.runId, arg.root) ? undefined : mlflow?.findRun(arg.runId);
  if (ml) { return revealMlflowRun(ml, viewState, trees, arg.runId); }
  if (arg.store) { throw new MlopsError(`no MLflow store ${arg.store}`, 'not-found'); }
  const state = stores.findRun(arg.runId, arg.root);
  const run = state?.runs.get(arg.runId);
  if (!state || !run) { throw new MlopsError(`no run with id ${arg.runId}`, 'not-found'); }
  if (!matchesFilter(run, viewState.filter, state.metrics.peek(run.id), state.goalsOf(run.id))) {
    const a = await vscode.window.showInformationMessage(`MLOps: run ${run.name} is hidden by the filter (${describeFilter(viewState.filter)})`, 'Clear Filter');
    if (a !== 'Clear Filter') { return false; }
    await viewState.setFilter({});
  }
  const expId = `${state.root}|exp|${run.experiment}`;
  const { tree, view } = trees.experiments;
  // A pipeline step is listed under its pipeline run (unless a filter lists every matching run flat).
  const parentId = !isFilterActive(viewState.filter) && isNestedRun(state, run) ? run.parentRunId : undefined;
  const topId = parentId ?? run.id;
  for (let i = 0; i < 1000; i++) {
    const exp = await tree.resolvePath([...folderPrefix(stores, state.root, 'experiments'), expId]);
    if (!exp) { break; }
    const kids = await tree.getChildren(exp);
    const top = kids.find((k) => k.runId === topId && k.kind === 'run');
    const node = top && parentId ? (await tree.getChildren(top)).find((k) => k.runId === run.id && k.kind === 'run') : top;
    if (node) {
      await vscode.commands.executeCommand(`${Views.experiments}.focus`);
      await view.reveal(node, { select: true, focus: true, expand: false });
      return true;
    }
    if (!kids.some((k) => k.kind === 'more')) { break; }
    viewState.pages.set(expId, (viewState.pages.get(expId) ?? 1) + 1);
  }
  return false;
}

/** An MLflow run under its store, experiment and (when nested) its parent runs. */
async function revealMlflowRun(ml: MlflowViewState, viewState: ViewState, trees: Trees, runId: string): Promise<boolean> {
  const run = ml.run(runId);
  const header = ml.header(runId);
  if (!run || !header) { throw new MlopsError(`no run with id ${runId} in ${ml.label}`, 'not-found'); }
  if (!matchesFilter(run, viewState.filter, ml.metricSummaries(run.id))) {
    const a = await vscode.window.showInformationMessage(`MLOps: run ${run.name} is hidden by the filter (${describeFilter(viewState.filter) || 'deleted runs hidden'})`, 'Show Deleted Runs', 'Clear Filter');
    if (!a) { return false; }
    await viewState.setFilter(a === 'Clear Filter' ? { deleted: ml.isDeleted(run.id) || undefined } : { ...viewState.filter, deleted: true });
  }
  // The chain of parents it is nested under (outermost first), unless a search lists every run flat.
  const lookup = { runs: { get: (id: string) => ml.run(id), values: () => ml.runs() } };
  const chain: string[] = [run.id];
  if (!isSearchActive(viewState.filter)) {
    for (let r = run; isNestedRun(lookup, r) && !chain.includes(r.parentRunId!);) { r = ml.run(r.parentRunId!)!; chain.unshift(r.id); }
  }
  const { tree, view } = trees.experiments;
  const expId = `${ml.key}|exp|${header.experimentId}`;
  for (let i = 0; i < 1000; i++) {
    const exp = await tree.resolvePath([`${ml.key}|experiments|store`, expId]);
    if (!exp) { return false; }
    const kids = await tree.getChildren(exp);
    let node = kids.find((k) => k.kind === 'run' && k.runId === chain[0]);
    for (const id of chain.slice(1)) { node = node && (await tree.getChildren(node)).find((k) => k.kind === 'run' && k.runId === id); }
    if (node) {
      await vscode.commands.executeCommand(`${Views.experiments}.focus`);
      await view.reveal(node, { select: true, focus: true, expand: false });
      return true;
    }
    if (!kids.some((k) => k.kind === 'more')) { return false; }
    viewState.pages.set(expId, (viewState.pages.get(expId) ?? 1) + 1);
  }
  return false;
}

/** Shows an experiment in the Experiments view, expanded (the Goals view's budget rows). */
export async function revealExperiment(stores: WorkspaceStores, trees: Trees, arg: { experiment: string; root?: string }): Promise<boolean> {
  await stores.ready();
  const state = stores.list().find((s) => (!arg?.root || s.root === arg.root) && s.experimentNames().includes(arg?.experiment));
  if (!state) { throw new MlopsError(`no experiment '${String(arg?.experiment)}'`, 'not-found'); }
  const node = await trees.experiments.tree.resolvePath([...folderPrefix(stores, state.root, 'experiments'), `${state.root}|exp|${arg.experiment}`]);
  if (!node) { return false; }
  await vscode.commands.executeCommand(`${Views.experiments}.focus`);
  await trees.experiments.view.reveal(node, { select: true, focus: true, expand: true });
  return true;
}

export async function revealDataVersion(stores: WorkspaceStores, trees: Trees, arg: { versionId: string; root?: string }): Promise<boolean> {
  await stores.ready();
  const state = stores.list().find((s) => (!arg.root || s.root === arg.root) && s.dataVersion(arg.versionId));
  const v = state?.dataVersion(arg.versionId);
  if (!state || !v) { throw new MlopsError(`no data version ${arg.versionId}`, 'not-found'); }
  const node = await trees.data.tree.resolvePath([...folderPrefix(stores, state.root, 'data'), `${state.root}|ds|${v.dataset}`, `${state.root}|dv|${v.id}`]);
  if (!node) { return false; }
  await vscode.commands.executeCommand(`${Views.data}.focus`);
  await trees.data.view.reveal(node, { select: true, focus: true });
  return true;
}

export async function revealModelVersion(stores: WorkspaceStores, trees: Trees, arg: { model: string; version: number; root?: string; store?: string }, mlflow?: MlflowStores): Promise<boolean> {
  await stores.ready();
  if (arg.store) {
    await mlflow?.ready();
    const ml = mlflow?.get(arg.store);
    if (!ml?.registry?.versions.some((v) => v.model === arg.model && v.version === arg.version)) { throw new MlopsError(`model '${arg.model}' has no version ${arg.version} in ${ml?.label ?? arg.store}`, 'not-found'); }
    const node = await trees.models.tree.resolvePath([`${ml.key}|models|store`, `${ml.key}|model|${arg.model}`, `${ml.key}|mv|${arg.model}|${arg.version}`]);
    if (!node) { return false; }
    await vscode.commands.executeCommand(`${Views.models}.focus`);
    await trees.models.view.reveal(node, { select: true, focus: true });
    return true;
  }
  const state = stores.list().find((s) => (!arg.root || s.root === arg.root) && s.modelVersions.some((m) => m.model === arg.model && m.version === arg.version));
  if (!state) { throw new MlopsError(`model '${arg.model}' has no version ${arg.version}`, 'not-found'); }
  const node = await trees.models.tree.resolvePath([...folderPrefix(stores, state.root, 'models'), `${state.root}|model|${arg.model}`, `${state.root}|mv|${arg.model}|${arg.version}`]);
  if (!node) { return false; }
  await vscode.commands.executeCommand(`${Views.models}.focus`);
  await trees.models.view.reveal(node, { select: true, focus: true });
  return true;
}
