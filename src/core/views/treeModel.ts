/**
 * The three MLOps trees as plain data: which nodes exist, their text, icons and context values. The VS Code
 * adapter turns a ViewNode into a TreeItem one to one and holds no logic of its own, so everything here is
 * unit-tested without VS Code. Children are computed on demand from the in-memory StoreState (no disk access).
 */
import * as path from 'node:path';
import { formatBytes, formatDuration } from '../format';
import type { StoreProblem } from '../store/fsutil';
import type { MetricSummary } from '../store/metrics';
import type { ModelVersion, Run } from '../store/schemas';
import {
  dataVersionDescription, dataVersionLabel, dataVersionTooltip, escapeMarkdown, formatValue, metricLeafText,
  modelVersionTooltip, relativeTime, runDescription, runTooltip,
} from './describe';
import { isSearchActive, matchesFilter, sortRuns, type RunFilter, type RunSort } from './runQuery';
import { mlflowChildren, mlflowRootNodes } from './mlflowNodes';
import type { MlflowViewState } from '../mlflow/viewState';
import { isNestedRun, isPipelineRun, pipelineSummary, pipelineTooltip, stepNodes } from './pipelineNodes';
import { columnNodes, dataQualityNodes, findingNodes, versionBadges } from './dataNodes';
import type { StoreState } from './storeState';

export type NodeKind =
  | 'folder' | 'experiment' | 'run' | 'group' | 'param' | 'metric' | 'commit' | 'meta' | 'info' | 'more'
  | 'problems' | 'problem' | 'dataset' | 'dataVersion' | 'model' | 'modelVersion' | 'runRef' | 'dataRef' | 'modelRef'
  | 'columns' | 'column' | 'schemaStatus' | 'finding' | 'drift' | 'gate' | 'mlflowStore';

export type ViewName = 'experiments' | 'data' | 'models';

/**
 * What a node's icon stands for, in the core's words. The adapter chooses the picture and colour for each
 * (codicons and theme colours are VS Code's vocabulary and stay out of the core).
 */
export type NodeSymbol =
  | 'workspaceFolder' | 'problem' | 'missing' | 'experiment' | 'more' | 'filter' | 'loading' | 'info'
  | 'params' | 'metrics' | 'meta' | 'lineage'
  | 'duration' | 'memory' | 'hardware' | 'cost' | 'python' | 'environment' | 'exitCode'
  | 'commit' | 'dataset' | 'dataVersion' | 'hash' | 'reproducedFrom' | 'model' | 'artifact'
  // The Goals view (goalsModel.ts): a goal some run meets, none meets, none knows, one without a bar; spend states.
  | 'error' | 'goalMet' | 'goalUnmet' | 'goalUnknown' | 'goalInfo' | 'kpis' | 'metricGoals' | 'constraints'
  | 'budget' | 'budgetOk' | 'budgetNear' | 'budgetOver'
  // Data versions (dataNodes.ts): columns by type, schema findings, drift classes.
  | 'columns' | 'columnNumber' | 'columnBoolean' | 'columnDate' | 'columnCategory' | 'columnText'
  | 'findingError' | 'findingWarning' | 'findingInfo' | 'schemaOk' | 'driftNone' | 'driftMinor' | 'driftMajor'
  // Model versions: how the current stage was reached through the production gate.
  | 'gatePassed' | 'gateWaived'
  // Steps of a pipeline run, by how they ended (pipelineNodes.ts).
  | 'stepRan' | 'stepFailed' | 'stepKilled' | 'stepUpToDate' | 'stepSkipped' | 'stepNotRun'
  // MLflow stores (mlflowNodes.ts): the store, a run's tags, who and what logged it.
  | 'mlflowStore' | 'tags' | 'user' | 'script';

/** A run's status, a model version's stage, or another kind of thing. */
export type NodeIcon = { status: Run['status'] } | { stage: ModelVersion['stage'] } | { symbol: NodeSymbol };

/** What every node of every MLOps view has: the adapter turns these into a TreeItem the same way for each view. */
export interface BaseNode {
  /** Unique within its view and stable across refreshes (the adapter uses it as TreeItem.id). */
  id: string;
  /** Workspace folder of the store this node belongs to. */
  root: string;
  /**
   * Set on nodes of a read-only MLflow store: its key (`MlflowStoreRef.key`). Absent on `.mlops` nodes. Commands
   * receiving a node with `store` set must not write (the menus grey them out; a command called anyway says why).
   */
  store?: string;
  label: string;
  description?: string;
  /** Markdown; user text inside is escaped. */
  tooltip?: string;
  icon?: NodeIcon;
  /** `mlops.<kind>` plus qualifiers, matched by menus in package.json. */
  contextValue?: string;
  collapsible: 'none' | 'collapsed' | 'expanded';
}

export interface ViewNode extends BaseNode {
  kind: NodeKind;
  view: ViewName;
  runId?: string;
  experiment?: string;
  dataset?: string;
  versionId?: string;
  model?: string;
  version?: number;
  group?: 'params' | 'metrics' | 'lineage' | 'meta' | 'tags';
  /** An MLflow experiment's id (experiment, run and "more" nodes of an MLflow store). */
  mlflowExperimentId?: string;
  /** A file to open when the node is clicked. */
  file?: string;
  /** The profiled file of a data version a `columns` node stands for. */
  fileIndex?: number;
  /** A schema finding's data file (workspace-relative or absolute) and 1-based line. */
  dataFile?: string;
  line?: number;
  /** The data version a `drift` node compares with. */
  otherVersionId?: string;
  /** A step run shown under its pipeline run: the pipeline run's node id and the step's id. */
  parentNodeId?: string;
  stepId?: string;
}

export interface ViewOptions {
  filter: RunFilter;
  sort: RunSort;
  /** Configured headline metric (may be empty). */
  headline?: string;
  pageSize: number;
  /** How many pages of runs are shown per experiment node id. */
  pages: ReadonlyMap<string, number>;
  now: number;
  /** Show one folder node per store (multi-root workspaces with more than one store). */
  multiRoot: boolean;
}

const rootKey = (root: string) => root;

function folderNode(state: StoreState, view: ViewName): ViewNode {
  return { id: `${rootKey(state.root)}|${view}|folder`, kind: 'folder', view, root: state.root, label: path.basename(state.root),
    description: path.dirname(state.root), tooltip: escapeMarkdown(state.root), icon: { symbol: 'workspaceFolder' }, contextValue: 'mlops.folder', collapsible: 'expanded' };
}

function problemsNode(state: StoreState, view: ViewName, problems: readonly StoreProblem[]): ViewNode {
  const n = problems.length;
  return { id: `${rootKey(state.root)}|${view}|problems`, kind: 'problems', view, root: state.root,
    label: `${n} file${n === 1 ? '' : 's'} could not be read`, icon: { symbol: 'problem' },
    tooltip: 'These files are skipped; nothing was changed. Open one to see or fix it.', contextValue: 'mlops.problems', collapsible: 'collapsed' };
}

export function problemNodes(state: StoreState, view: ViewName): ViewNode[] {
  return state.problems(view).map((p) => ({
    id: `${rootKey(state.root)}|${view}|problem|${p.file}`, kind: 'problem', view, root: state.root, label: p.file, description: p.reason,
    tooltip: `${escapeMarkdown(p.file)}\n\n${escapeMarkdown(p.reason)}`, icon: { symbol: 'problem' },
    contextValue: 'mlops.problem', collapsible: 'none', file: path.join(state.root, ...p.file.split('/')),
  }));
}

/**
 * Top level of a view: one folder node per store in a multi-root workspace, else that store's top nodes; then one
 * node per MLflow store (read-only), also when the workspace has no `.mlops` store.
 */
export function rootNodes(states: readonly StoreState[], view: ViewName, opts: ViewOptions, mlflow: readonly MlflowViewState[] = []): ViewNode[] {
  const own = opts.multiRoot && states.length > 1 ? states.map((s) => folderNode(s, view)) : states.flatMap((s) => topNodes(s, view, opts));
  return [...own, ...mlflowRootNodes(mlflow, view)];
}

export function topNodes(state: StoreState, view: ViewName, opts: ViewOptions): ViewNode[] {
  const problems = state.problems(view);
  const nodes = view === 'experiments' ? experimentNodes(state, opts) : view === 'data' ? datasetNodes(state) : modelNodes(state);
  return problems.length ? [problemsNode(state, view, problems), ...nodes] : nodes;
}

// ---------------------------------------------------------------- experiments

function experimentNodes(state: StoreState, _opts: ViewOptions): ViewNode[] {
  const counts = new Map(state.runs.experiments());
  const running = new Map<string, number>();
  for (const r of state.runs.values()) {
    // Pipeline steps are counted with their pipeline run, as the experiment's children list them.
    if (isNestedRun(state, r)) { counts.set(r.experiment, (counts.get(r.experiment) ?? 1) - 1); continue; }
    if (r.status === 'running') { running.set(r.experiment, (running.get(r.experiment) ?? 0) + 1); }
  }
  return state.experimentNames().map((name) => {
    const n = counts.get(name) ?? 0;
    const live = running.get(name) ?? 0;
    const exp = state.experiments.find((e) => e.name === name);
    return {
      id: `${rootKey(state.root)}|exp|${name}`, kind: 'experiment', view: 'experiments', root: state.root, experiment: name, label: name,
      description: `${n} run${n === 1 ? '' : 's'}${live ? ` · ${live} running` : ''}`,
      tooltip: `**${escapeMarkdown(name)}**${exp?.description ? `\n\n${escapeMarkdown(exp.description)}` : ''}`,
      icon: { symbol: 'experiment' }, contextValue: 'mlops.experiment', collapsible: 'collapsed',
      file: path.join(state.store.dir, 'experiments', `${name}.json`),
    } satisfies ViewNode;
  });
}

/**
 * The runs an experiment node shows after filter and sort. Pipeline steps show under their pipeline run, except
 * while a filter is active: then every matching run is listed, steps included, so a search finds them.
 */
export function visibleRuns(state: StoreState, experiment: string, opts: ViewOptions): Run[] {
  const goalsOf = (id: string) => state.goalsOf(id);
  // "Show deleted runs" only concerns MLflow stores: it does not flatten pipeline steps.
  const filtering = isSearchActive(opts.filter);
  const runs = state.runs.list(experiment).filter((r) => (filtering || !isNestedRun(state, r))
    && matchesFilter(r, opts.filter, state.metrics.peek(r.id), opts.filter.meetsGoals ? goalsOf(r.id) : undefined));
  return sortRuns(runs, opts.sort, opts.headline, (id) => state.metrics.peek(id), goalsOf);
}

export function experimentChildren(state: StoreState, experimentNode: ViewNode, opts: ViewOptions): ViewNode[] {
  const runs = visibleRuns(state, experimentNode.experiment!, opts);
  const pages = opts.pages.get(experimentNode.id) ?? 1;
  const shown = runs.slice(0, pages * opts.pageSize);
  const nodes = shown.map((r) => runNode(state, r, opts));
  if (runs.length > shown.length) {
    nodes.push({ id: `${experimentNode.id}|more`, kind: 'more', view: 'experiments', root: state.root, experiment: experimentNode.experiment,
      label: `Show ${Math.min(opts.pageSize, runs.length - shown.length)} more…`, description: `${shown.length} of ${runs.length}`,
      icon: { symbol: 'more' }, contextValue: 'mlops.more', collapsible: 'none' });
  }
  if (runs.length === 0) {
    nodes.push({ id: `${experimentNode.id}|empty`, kind: 'info', view: 'experiments', root: state.root, label: 'No runs match the filter',
      icon: { symbol: 'filter' }, collapsible: 'none' });
  }
  return nodes;
}

export function runNode(state: StoreState, run: Run, opts: Pick<ViewOptions, 'headline' | 'now'>): ViewNode {
  const summaries = state.metrics.peek(run.id);
  // With goals.json: the goal badge and first KPI in the row, every goal in the tooltip. The icon stays the status.
  const goals = state.goalsOf(run.id);
  const pipeline = isPipelineRun(run);
  // A pipeline run logs no metrics of its own (its steps do): goals judged on it would read "? N unknown".
  const ownGoals = pipeline && !summaries?.size ? undefined : goals;
  const description = runDescription(run, summaries, opts.headline, opts.now, ownGoals);
  const tooltip = runTooltip(run, summaries, state.modelVersionsOfRun(run.id), (d) => dataRefLabel(state, d), goals);
  return {
    id: `${rootKey(state.root)}|run|${run.id}`, kind: 'run', view: 'experiments', root: state.root, runId: run.id, experiment: run.experiment,
    label: run.name, description: pipeline ? `${pipelineSummary(run)} · ${description}` : description,
    tooltip: pipeline ? `${tooltip}\n\n${pipelineTooltip(run)}` : tooltip,
    // `.pipeline` after the status: menus for every run (`^mlops\.run\.`) still match; Stop Pipeline matches `.pipeline`.
    icon: { status: run.status }, contextValue: `mlops.run.${run.status}${pipeline ? '.pipeline' : ''}`, collapsible: 'collapsed', file: state.store.runFile(run.id),
  };
}

/**
 * A step run under its pipeline run: a normal run node (its groups, menus and commands work) labelled by the step
 * id, with an id of its own under the parent so the same run can also be listed flat while a filter is active.
 */
export function stepRunNode(state: StoreState, run: Run, parentNodeId: string, stepId: string | undefined, reason: string | undefined, opts: Pick<ViewOptions, 'headline' | 'now'>): ViewNode {
  const node = runNode(state, run, opts);
  // Keyed by step id when given (unique within the pipeline run), else by the run's id.
  const step = stepId ?? run.pipeline?.step;
  return { ...node, id: `${parentNodeId}|step|${stepId ?? run.id}`, parentNodeId, stepId,
    // The run's own name (`<pipeline>.<step>`) is in the tooltip; the row shows the step's result and time.
    label: step ?? run.name, description: run.status === 'failed' && run.meta.exitCode !== undefined ? `exit code ${run.meta.exitCode} · ${node.description ?? ''}` : node.description,
    tooltip: reason ? `${node.tooltip ?? ''}\n\n${escapeMarkdown(reason)}` : node.tooltip };
}

/** A run node computed again from the store (the tree refreshes rows in place when metrics arrive). */
export function refreshedRunNode(state: StoreState, node: ViewNode, opts: Pick<ViewOptions, 'headline' | 'now'>): ViewNode | undefined {
  const run = node.runId ? state.runs.get(node.runId) : undefined;
  if (!run) { return undefined; }
  return node.parentNodeId ? stepRunNode(state, run, node.parentNodeId, node.stepId, undefined, opts) : runNode(state, run, opts);
}

function dataRefLabel(state: StoreState, d: Run['dataVersions'][number]): string {
  const v = state.dataVersion(d.version);
  return `${d.dataset} ${v ? dataVersionLabel(v) : d.version.slice(-6)}`;
}

export function runChildren(state: StoreState, runNodeArg: ViewNode, opts: Pick<ViewOptions, 'headline' | 'now'>): ViewNode[] {
  const run = state.runs.get(runNodeArg.runId!);
  if (!run) { return []; }
  const base = runNodeArg.id;
  const group = (g: NonNullable<ViewNode['group']>, label: string, description?: string): ViewNode => ({
    id: `${base}|${g}`, kind: 'group', view: 'experiments', root: state.root, runId: run.id, group: g, label, description, icon: { symbol: g },
    contextValue: `mlops.group.${g}`, collapsible: 'collapsed' });
  const nParams = Object.keys(run.params).length;
  const nMetrics = state.metrics.peek(run.id)?.size;
  const lineageCount = (run.git ? 1 : 0) + run.dataVersions.length + state.modelVersionsOfRun(run.id).length;
  // A pipeline run's steps (or any parent's nested runs) come first, in plan order.
  const steps = stepNodes(state, run, base, (child, stepId, reason) => stepRunNode(state, child, base, stepId, reason, opts));
  return [
    ...steps,
    group('params', 'Params', String(nParams)),
    group('metrics', 'Metrics', nMetrics === undefined ? undefined : String(nMetrics)),
    group('meta', 'Meta-metrics'),
    group('lineage', 'Lineage', String(lineageCount)),
  ];
}

export function groupChildren(state: StoreState, groupNode: ViewNode, opts: Pick<ViewOptions, 'now'>): ViewNode[] {
  const run = state.runs.get(groupNode.runId!);
  if (!run) { return []; }
  const base = groupNode.id;
  const leaf = (key: string, kind: NodeKind, label: string, description: string | undefined, icon?: NodeSymbol | NodeIcon, extra: Partial<ViewNode> = {}): ViewNode => ({
    id: `${base}|${key}`, kind, view: 'experiments', root: state.root, runId: run.id, label, description, icon: typeof icon === 'string' ? { symbol: icon } : icon,
    contextValue: `mlops.${kind}`, collapsible: 'none', ...extra });
  switch (groupNode.group) {
    case 'params': {
      const entries = Object.entries(run.params);
      if (!entries.length) { return [leaf('none', 'info', 'No params recorded', undefined)]; }
      return entries.map(([k, v]) => leaf(k, 'param', k, formatValue(v)));
    }
    case 'metrics': {
      const sums = state.metrics.peek(run.id);
      if (!sums) { return [leaf('loading', 'info', 'Loading metrics…', undefined, 'loading')]; }
      if (!sums.size) { return [leaf('none', 'info', 'No metrics logged yet', undefined)]; }
      return [...sums.values()].sort((a, b) => a.name.localeCompare(b.name)).map((s: MetricSummary) => leaf(s.name, 'metric', s.name, ...metricLeafText(s)));
    }
    case 'meta': {
      const m = run.meta;
      const out: ViewNode[] = [];
      if (m.durationMs !== undefined) { out.push(leaf('duration', 'meta', 'Duration', formatDuration(m.durationMs), 'duration')); }
      if (m.peakMemoryBytes !== undefined) { out.push(leaf('memory', 'meta', 'Peak memory', formatBytes(m.peakMemoryBytes), 'memory')); }
      if (m.hardware) {
        const hw = [m.hardware.cpu, m.hardware.cores ? `${m.hardware.cores} cores` : undefined, m.hardware.memoryBytes ? formatBytes(m.hardware.memoryBytes) : undefined, ...(m.hardware.gpus ?? [])].filter(Boolean).join(', ');
        out.push(leaf('hardware', 'meta', 'Hardware', hw, 'hardware'));
      }
      if (m.cost) { out.push(leaf('cost', 'meta', 'Cost', `${m.cost.amount} ${m.cost.currency}`, 'cost')); }
      if (m.python) { out.push(leaf('python', 'meta', 'Python', m.python, 'python')); }
      if (m.environment) { out.push(leaf('env', 'meta', 'Environment', `sha256 ${m.environment.hash.slice(0, 12)}`, 'environment')); }
      if (m.exitCode !== undefined) { out.push(leaf('exit', 'meta', 'Exit code', String(m.exitCode), 'exitCode')); }
      return out.length ? out : [leaf('none', 'info', 'No meta-metrics recorded', undefined)];
    }
    case 'lineage': {
      const out: ViewNode[] = [];
      out.push(run.git
        ? leaf('commit', 'commit', `commit ${run.git.commit.slice(0, 8)}`, [run.git.dirty ? 'dirty' : 'clean', run.git.branch].filter(Boolean).join(' · '), 'commit',
          { tooltip: `\`${run.git.commit}\`${run.git.dirty ? '\n\nThe work tree had uncommitted changes when this run started.' : ''}` })
        : leaf('commit', 'info', 'No git commit recorded', undefined, 'commit'));
      for (const d of run.dataVersions) {
        const v = state.dataVersion(d.version);
        out.push(leaf(`data|${d.version}`, 'dataRef', `${d.dataset} ${v ? dataVersionLabel(v) : d.version}`, v ? dataVersionDescription(v, opts.now) : 'version not found in this store', 'dataset',
          { dataset: d.dataset, versionId: d.version, tooltip: v ? dataVersionTooltip(v) : undefined }));
      }
      for (const mv of state.modelVersionsOfRun(run.id)) {
        out.push(leaf(`model|${mv.model}|${mv.version}`, 'modelRef', `${mv.model} v${mv.version}`, mv.stage, { stage: mv.stage }, { model: mv.model, version: mv.version }));
      }
      if (run.reproducedFrom) {
        const orig = state.runs.get(run.reproducedFrom);
        out.push(leaf(`from|${run.reproducedFrom}`, 'runRef', `reproduces ${orig?.name ?? run.reproducedFrom}`, orig?.experiment, 'reproducedFrom', { runId: run.reproducedFrom }));
      }
      return out;
    }
    default:
      return [];
  }
}

// ---------------------------------------------------------------- data

function datasetNodes(state: StoreState): ViewNode[] {
  return state.datasetNames().map((name) => {
    const n = state.dataVersions.filter((v) => v.dataset === name).length;
    return { id: `${rootKey(state.root)}|ds|${name}`, kind: 'dataset', view: 'data', root: state.root, dataset: name, label: name,
      description: `${n} version${n === 1 ? '' : 's'}`, icon: { symbol: 'dataset' }, contextValue: 'mlops.dataset', collapsible: 'collapsed' } satisfies ViewNode;
  });
}

export function datasetChildren(state: StoreState, node: ViewNode, opts: Pick<ViewOptions, 'now'>): ViewNode[] {
  return state.dataVersions.filter((v) => v.dataset === node.dataset).map((v) => ({
    id: `${rootKey(state.root)}|dv|${v.id}`, kind: 'dataVersion', view: 'data', root: state.root, dataset: v.dataset, versionId: v.id,
    label: dataVersionLabel(v), description: [dataVersionDescription(v, opts.now), versionBadges(state, v)].filter(Boolean).join(' · '), tooltip: dataVersionTooltip(v), icon: { symbol: 'dataVersion' },
    contextValue: 'mlops.dataVersion', collapsible: 'collapsed', file: state.store.dataVersionFile(v.dataset, v.id),
  }));
}

export function dataVersionChildren(state: StoreState, node: ViewNode, opts: Pick<ViewOptions, 'now'>): ViewNode[] {
  const v = state.dataVersion(node.versionId!);
  if (!v) { return []; }
  const out: ViewNode[] = [{ id: `${node.id}|hash`, kind: 'info', view: 'data', root: state.root, label: `sha256 ${v.contentHash.slice(0, 16)}…`,
    description: v.source, tooltip: dataVersionTooltip(v), icon: { symbol: 'hash' }, collapsible: 'none' }, ...dataQualityNodes(state, node, v)];
  // Lineage backwards: the pipeline step (or other run) that wrote this data, when one did.
  const writer = v.run ? state.runs.get(v.run) : undefined;
  if (v.run) {
    out.push(writer
      ? { id: `${node.id}|writer|${writer.id}`, kind: 'runRef', view: 'data', root: state.root, runId: writer.id, label: `written by ${writer.name}`,
        description: `${writer.experiment} · ${relativeTime(writer.startTime, opts.now)}`, icon: { status: writer.status }, contextValue: 'mlops.runRef', collapsible: 'none' }
      : { id: `${node.id}|writer|${v.run}`, kind: 'info', view: 'data', root: state.root, label: `written by run ${v.run}`,
        description: 'run not found in this store', icon: { symbol: 'missing' }, collapsible: 'none' });
  }
  const runs = state.runsUsingDataVersion(v.id);
  for (const r of runs) {
    out.push({ id: `${node.id}|run|${r.id}`, kind: 'runRef', view: 'data', root: state.root, runId: r.id, label: `used by ${r.name}`,
      description: `${r.experiment} · ${relativeTime(r.startTime, opts.now)}`, icon: { status: r.status }, contextValue: 'mlops.runRef', collapsible: 'none' });
  }
  if (!runs.length) { out.push({ id: `${node.id}|unused`, kind: 'info', view: 'data', root: state.root, label: 'Not used by any run yet', icon: { symbol: 'info' }, collapsible: 'none' }); }
  return out;
}

// ---------------------------------------------------------------- models

function modelNodes(state: StoreState): ViewNode[] {
  return state.modelNames().map((name) => {
    const versions = state.modelVersions.filter((v) => v.model === name);
    const prod = versions.find((v) => v.stage === 'production');
    return { id: `${rootKey(state.root)}|model|${name}`, kind: 'model', view: 'models', root: state.root, model: name, label: name,
      description: `${versions.length} version${versions.length === 1 ? '' : 's'}${prod ? ` · production v${prod.version}` : ''}`,
      icon: { symbol: 'model' }, contextValue: 'mlops.model', collapsible: 'collapsed' } satisfies ViewNode;
  });
}

export function modelChildren(state: StoreState, node: ViewNode, opts: Pick<ViewOptions, 'now'>): ViewNode[] {
  return state.modelVersions.filter((v) => v.model === node.model).map((v) => ({
    id: `${rootKey(state.root)}|mv|${v.model}|${v.version}`, kind: 'modelVersion', view: 'models', root: state.root, model: v.model, version: v.version, runId: v.runId,
    label: `v${v.version}`, description: `${v.stage === 'none' ? 'no stage' : v.stage} · ${relativeTime(v.createdAt, opts.now)}`,
    tooltip: modelVersionTooltip(v, state.runs.get(v.runId)?.name), icon: { stage: v.stage }, contextValue: `mlops.modelVersion.${v.stage}`,
    collapsible: 'collapsed', file: state.store.modelVersionFile(v.model, v.version),
  }));
}

/**
 * How the version reached its current stage, when a gated promotion recorded it: who, the gate's verdict and the
 * waivers with their reasons. Clicking it opens the model card at its gate section.
 */
function gateNode(v: ModelVersion, base: string, root: string): ViewNode | undefined {
  const entry = [...v.stageHistory].reverse().find((h) => h.stage === v.stage);
  if (!entry || (!entry.gate && !entry.by)) { return undefined; }
  const waivers = entry.waivers ?? [];
  const verdict = entry.gate ? (waivers.length ? `gate passed with ${waivers.length} waiver${waivers.length === 1 ? '' : 's'}` : entry.gate.passed ? 'gate passed' : 'gate not passed') : 'not gated';
  const tooltip = [`**${escapeMarkdown(v.stage)}** since ${entry.at.slice(0, 16).replace('T', ' ')}${entry.by ? ` by ${escapeMarkdown(entry.by.name)}` : ''}  `, `${verdict}  `,
    ...(entry.gate?.checks ?? []).map((c) => `${c.status === 'pass' ? '✓' : c.status === 'waived' ? '~' : c.status === 'skipped' ? '–' : '✗'} ${escapeMarkdown(c.id)}: ${escapeMarkdown(c.summary)}  `),
    ...waivers.map((w) => `waived ${escapeMarkdown(w.check)}: *${escapeMarkdown(w.reason)}*  `)].join('\n');
  return { id: `${base}|gate`, kind: 'gate', view: 'models', root, model: v.model, version: v.version,
    label: `${v.stage}${entry.by ? ` by ${entry.by.name}` : ''}`, description: `${verdict}${waivers.length ? ` · waived ${waivers.map((w) => w.check).join(', ')}` : ''}`,
    tooltip, icon: { symbol: waivers.length ? 'gateWaived' : 'gatePassed' }, contextValue: 'mlops.gate', collapsible: 'none' };
}

export function modelVersionChildren(state: StoreState, node: ViewNode, opts: Pick<ViewOptions, 'now'>): ViewNode[] {
  const v = state.modelVersions.find((m) => m.model === node.model && m.version === node.version);
  if (!v) { return []; }
  const base = node.id;
  const out: ViewNode[] = [];
  const artifactAbs = path.isAbsolute(v.artifact.path) ? v.artifact.path : path.join(state.root, ...v.artifact.path.split('/'));
  out.push({ id: `${base}|artifact`, kind: 'info', view: 'models', root: state.root, label: v.artifact.path, description: `${formatBytes(v.artifact.sizeBytes)} · ${v.artifact.sha256 ? `sha256 ${v.artifact.sha256.slice(0, 12)}` : 'not hashed (not here when imported)'}`,
    icon: { symbol: 'artifact' }, collapsible: 'none', file: v.artifact.fileCount === 1 ? artifactAbs : undefined, contextValue: 'mlops.artifact' });
  const run = state.runs.get(v.runId);
  out.push(run
    ? { id: `${base}|run`, kind: 'runRef', view: 'models', root: state.root, runId: run.id, label: `run ${run.name}`, description: `${run.experiment} · ${relativeTime(run.startTime, opts.now)}`,
      icon: { status: run.status }, contextValue: 'mlops.runRef', collapsible: 'none' }
    : { id: `${base}|run`, kind: 'info', view: 'models', root: state.root, label: `run ${v.runId}`, description: 'not in this store (deleted?)', icon: { symbol: 'missing' }, collapsible: 'none' });
  if (run?.git) {
    out.push({ id: `${base}|commit`, kind: 'commit', view: 'models', root: state.root, label: `commit ${run.git.commit.slice(0, 8)}`, description: run.git.dirty ? 'dirty' : 'clean',
      tooltip: `\`${run.git.commit}\``, icon: { symbol: 'commit' }, contextValue: 'mlops.commit', collapsible: 'none' });
  }
  const gated = gateNode(v, base, state.root);
  if (gated) { out.push(gated); }
  for (const d of run?.dataVersions ?? []) {
    const dv = state.dataVersion(d.version);
    out.push({ id: `${base}|data|${d.version}`, kind: 'dataRef', view: 'models', root: state.root, dataset: d.dataset, versionId: d.version,
      label: `${d.dataset} ${dv ? dataVersionLabel(dv) : d.version}`, description: dv ? dataVersionDescription(dv, opts.now) : undefined, icon: { symbol: 'dataset' },
      contextValue: 'mlops.dataRef', collapsible: 'none' });
  }
  return out;
}

/** Children of any node: the single entry point the adapter calls. */
export function childrenOf(states: readonly StoreState[], node: ViewNode | undefined, view: ViewName, opts: ViewOptions, mlflow: readonly MlflowViewState[] = []): ViewNode[] {
  if (!node) { return rootNodes(states, view, opts, mlflow); }
  if (node.store) {
    const s = mlflow.find((m) => m.key === node.store);
    return s ? mlflowChildren(s, node, opts) : [];
  }
  const state = states.find((s) => s.root === node.root);
  if (!state) { return []; }
  switch (node.kind) {
    case 'folder': return topNodes(state, view, opts);
    case 'problems': return problemNodes(state, view);
    case 'experiment': return experimentChildren(state, node, opts);
    case 'run': return runChildren(state, node, opts);
    case 'group': return groupChildren(state, node, opts);
    case 'dataset': return datasetChildren(state, node, opts);
    case 'dataVersion': return dataVersionChildren(state, node, opts);
    case 'columns': return columnNodes(state, node);
    case 'schemaStatus': return findingNodes(state, node);
    case 'model': return modelChildren(state, node, opts);
    case 'modelVersion': return modelVersionChildren(state, node, opts);
    default: return [];
  }
}
