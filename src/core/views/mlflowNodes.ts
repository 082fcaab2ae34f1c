/**
 * MLflow stores in the Experiments and Models views: one node per store (after the `.mlops` store's nodes), its
 * experiments, runs (nested under their parent by `mlflow.parentRunId`, as pipeline steps are), each run's Params,
 * Metrics, Tags and Lineage, and the registry's models and versions. Runs are `.mlops` runs made by `toRun`, so the
 * row text, filter and sort are the `.mlops` ones (describe.ts, runQuery.ts, pipelineNodes.ts). Every node carries
 * the store's key (`store`) and ids start with it; context values end in `.mlflow`, which greys out write commands.
 * Plain data, no VS Code, no disk access (records are read by the adapter before it asks for children:
 * `mlflowRecordsNeeded`).
 */
import * as path from 'node:path';
import { stageOf } from '../mlflow/convert';
import type { MlflowModelVersion, MlflowProblem } from '../mlflow/types';
import type { MlflowViewState } from '../mlflow/viewState';
import type { Run } from '../store/schemas';
import { escapeMarkdown, metricLeafText, relativeTime, runDescription, runTooltip } from './describe';
import { childRuns, isNestedRun, type RunLookup } from './pipelineNodes';
import { isFilterActive, isSearchActive, matchesFilter, newestByStartTime, sortRuns } from './runQuery';
import type { NodeSymbol, ViewName, ViewNode, ViewOptions } from './treeModel';

/** What the store node's tooltip says (also the reason write commands give). */
export const MLFLOW_READ_ONLY_TOOLTIP = 'Read-only: MLOps Workbench reads MLflow\'s store in place and never writes it. '
  + 'Import MLflow Runs… copies runs into .mlops to tag, register, promote or reproduce them.';

/** The nesting rules' view of an MLflow store's runs. */
/**
 * The runs as nesting sees them: a deleted run (or one of a deleted experiment) is not there unless the filter shows
 * deleted runs, so an active nested run whose parent was deleted is listed at its experiment's top level.
 */
function lookup(s: MlflowViewState, showDeleted = true): { runs: RunLookup } {
  const visible = (id: string) => showDeleted || !s.isDeleted(id);
  return { runs: { get: (id) => (visible(id) ? s.run(id) : undefined), values: () => s.runs().filter((r) => visible(r.id)) } };
}

/** The filter's own checks plus MLflow's lifecycle: deleted runs only when the filter asks for them. */
function shown(s: MlflowViewState, r: Run, filter: ViewOptions['filter']): boolean {
  return (filter.deleted || !s.isDeleted(r.id)) && matchesFilter(r, filter, s.metricSummaries(r.id));
}

function base(s: MlflowViewState, view: ViewName): Pick<ViewNode, 'view' | 'root' | 'store'> {
  return { view, root: s.root, store: s.key };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The store's node at the top of the Experiments or Models view. */
export function mlflowStoreNode(s: MlflowViewState, view: ViewName): ViewNode {
  // Counted from the run headers: converting 10,000 runs to `.mlops` runs just to count them was most of the first level.
  const runs = s.headerList().filter((h) => !s.isDeleted(h.id)).length;
  const models = s.registry?.models.length ?? 0;
  const what = view === 'models' ? plural(models, 'model') : plural(runs, 'run');
  // The label already names the store's folder (`MLflow — logs/mlruns`); the tooltip has the full path.
  return { ...base(s, view), id: `${s.key}|${view}|store`, kind: 'mlflowStore', label: s.label, description: what,
    tooltip: `**${escapeMarkdown(s.label)}** — \`${escapeMarkdown(s.ref.path)}\`\n\n${MLFLOW_READ_ONLY_TOOLTIP}`,
    icon: { symbol: 'mlflowStore' }, contextValue: 'mlops.mlflowStore', collapsible: 'collapsed' };
}

/** Problems shown in a view: the registry's in Models, the rest in Experiments; a store that cannot be read in both. */
export function mlflowProblems(s: MlflowViewState, view: ViewName): MlflowProblem[] {
  const registry = new Set(s.registry?.problems ?? []);
  const all = s.problems();
  return view === 'models' ? all.filter((p) => registry.has(p) || !s.loaded || (p.file === s.relPath && !s.experiments().length))
    : all.filter((p) => !registry.has(p));
}

function problemsNode(s: MlflowViewState, view: ViewName, n: number): ViewNode {
  return { ...base(s, view), id: `${s.key}|${view}|problems`, kind: 'problems', label: `${n} ${n === 1 ? 'entry' : 'entries'} could not be read`,
    icon: { symbol: 'problem' }, tooltip: 'These files or rows of the MLflow store are skipped; nothing was changed.', contextValue: 'mlops.problems.mlflow', collapsible: 'collapsed' };
}

function problemNodes(s: MlflowViewState, node: ViewNode): ViewNode[] {
  return mlflowProblems(s, node.view).map((p, i) => ({ ...base(s, node.view), id: `${node.id}|${i}|${p.file}`, kind: 'problem', label: p.file, description: p.reason,
    tooltip: `${escapeMarkdown(p.file)}\n\n${escapeMarkdown(p.reason)}`, icon: { symbol: 'problem' }, contextValue: 'mlops.problem.mlflow', collapsible: 'none',
    // A file of the store (a meta.yaml, a metric file) opens on click; a row of a db has no file of its own.
    ...(s.ref.kind === 'file' && !p.file.includes('#') ? { file: path.join(s.root, ...p.file.split('/')) } : {}) }));
}

/** Runs of an experiment shown at its top level: nested runs go under their parent unless a search is active. */
function visibleRuns(s: MlflowViewState, experimentId: string, opts: ViewOptions): Run[] {
  const flat = isSearchActive(opts.filter);
  const nest = lookup(s, Boolean(opts.filter.deleted));
  const runs = s.runs().filter((r) => s.header(r.id)?.experimentId === experimentId && (flat || !isNestedRun(nest, r)) && shown(s, r, opts.filter));
  return sortRuns(runs, opts.sort, opts.headline, (id) => s.metricSummaries(id), undefined, newestByStartTime);
}

function experimentNodes(s: MlflowViewState, opts: ViewOptions): ViewNode[] {
  // From the headers, as isNestedRun decides on runs: a run whose parent is visible in the same experiment is counted
  // with its parent. No run is converted here (the first level of a 10,000-run store).
  const showDeleted = Boolean(opts.filter.deleted);
  const counts = new Map<string, { n: number; live: number }>();
  for (const h of s.headerList()) {
    if (!showDeleted && s.isDeleted(h.id)) { continue; }
    const parent = h.parentRunId ? s.header(h.parentRunId) : undefined;
    if (parent && parent.experimentId === h.experimentId && (showDeleted || !s.isDeleted(parent.id))) { continue; }
    const c = counts.get(h.experimentId) ?? { n: 0, live: 0 };
    c.n++;
    if (h.status === 'running' || h.status === 'scheduled') { c.live++; }
    counts.set(h.experimentId, c);
  }
  return s.experiments().filter((e) => opts.filter.deleted || e.lifecycle !== 'deleted').map((e) => {
    const c = counts.get(e.id) ?? { n: 0, live: 0 };
    const name = s.experimentName(e.id);
    return { ...base(s, 'experiments'), id: `${s.key}|exp|${e.id}`, kind: 'experiment', experiment: name, mlflowExperimentId: e.id,
      label: e.lifecycle === 'deleted' ? `${name} (deleted)` : name,
      description: `${plural(c.n, 'run')}${c.live ? ` · ${c.live} running` : ''}`,
      tooltip: `**${escapeMarkdown(name)}** — MLflow experiment ${escapeMarkdown(e.id)}${e.lifecycle === 'deleted' ? ' (deleted)' : ''}\n\nread-only (MLflow)`,
      icon: { symbol: 'experiment' }, contextValue: 'mlops.experiment.mlflow', collapsible: 'collapsed' } satisfies ViewNode;
  });
}

/** A run's row. Nested runs get an id under their parent's node (`parentNodeId`). */
export function mlflowRunNode(s: MlflowViewState, run: Run, opts: Pick<ViewOptions, 'headline' | 'now'>, parentNodeId?: string): ViewNode {
  const sums = s.metricSummaries(run.id);
  const h = s.header(run.id);
  const deleted = s.isDeleted(run.id);
  const models = (s.registry?.versions ?? []).filter((v) => v.runId === run.id);
  const tooltip = runTooltip(run, sums, [], () => '');
  return { ...base(s, 'experiments'), id: parentNodeId ? `${parentNodeId}|child|${run.id}` : `${s.key}|run|${run.id}`, kind: 'run', runId: run.id, experiment: run.experiment,
    ...(h ? { mlflowExperimentId: h.experimentId } : {}), ...(parentNodeId ? { parentNodeId } : {}),
    label: run.name, description: `${runDescription(run, sums, opts.headline, opts.now)}${deleted ? ' · deleted' : ''}`,
    tooltip: `${tooltip}${models.length ? `\n\nRegistered as ${models.map((v) => `${escapeMarkdown(v.model)} v${v.version}`).join(', ')}` : ''}\n\n*read-only (MLflow)*${deleted ? ' · deleted in MLflow' : ''}`,
    icon: { status: run.status }, contextValue: `mlops.run.${run.status}.mlflow`, collapsible: 'collapsed',
    // The run's meta.yaml (Reveal File); a run of a SQLite store has no file of its own.
    ...(s.ref.kind === 'file' && h ? { file: path.join(s.ref.path, h.experimentId, run.id, 'meta.yaml') } : {}) };
}

function experimentChildren(s: MlflowViewState, node: ViewNode, opts: ViewOptions): ViewNode[] {
  const runs = visibleRuns(s, node.mlflowExperimentId!, opts);
  const pages = opts.pages.get(node.id) ?? 1;
  const shown = runs.slice(0, pages * opts.pageSize);
  const out = shown.map((r) => mlflowRunNode(s, r, opts));
  if (runs.length > shown.length) {
    out.push({ ...base(s, 'experiments'), id: `${node.id}|more`, kind: 'more', experiment: node.experiment, mlflowExperimentId: node.mlflowExperimentId,
      label: `Show ${Math.min(opts.pageSize, runs.length - shown.length)} more…`, description: `${shown.length} of ${runs.length}`,
      icon: { symbol: 'more' }, contextValue: 'mlops.more', collapsible: 'none' });
  }
  if (!runs.length) {
    out.push({ ...base(s, 'experiments'), id: `${node.id}|empty`, kind: 'info', label: isFilterActive(opts.filter) ? 'No runs match the filter' : 'No runs',
      icon: { symbol: isFilterActive(opts.filter) ? 'filter' : 'info' }, collapsible: 'none' });
  }
  return out;
}

function runChildren(s: MlflowViewState, node: ViewNode, opts: ViewOptions): ViewNode[] {
  const run = s.run(node.runId!);
  if (!run) { return []; }
  const rec = s.record(run.id);
  const group = (g: NonNullable<ViewNode['group']>, label: string, description?: string): ViewNode => ({ ...base(s, 'experiments'), id: `${node.id}|${g}`, kind: 'group',
    runId: run.id, group: g, label, description, icon: { symbol: g }, contextValue: `mlops.group.${g}.mlflow`, collapsible: 'collapsed' });
  const children = childRuns(lookup(s, Boolean(opts.filter.deleted)), run)
    .sort((a, b) => newestByStartTime(b, a)).map((c) => mlflowRunNode(s, c, opts, node.id));
  const sums = s.metricSummaries(run.id);
  return [
    ...children,
    group('params', 'Params', rec ? String(Object.keys(rec.params).length) : undefined),
    group('metrics', 'Metrics', sums ? String(sums.size) : undefined),
    group('tags', 'Tags', rec ? String(Object.keys(rec.tags).length) : undefined),
    group('lineage', 'Lineage'),
  ];
}

function groupChildren(s: MlflowViewState, node: ViewNode, opts: Pick<ViewOptions, 'now'>): ViewNode[] {
  const run = s.run(node.runId!);
  const rec = s.record(node.runId!);
  if (!run) { return []; }
  const leaf = (key: string, kind: ViewNode['kind'], label: string, description: string | undefined, symbol?: NodeSymbol, extra: Partial<ViewNode> = {}): ViewNode => ({
    ...base(s, 'experiments'), id: `${node.id}|${key}`, kind, runId: run.id, label, description, ...(symbol ? { icon: { symbol } } : {}),
    contextValue: `mlops.${kind}.mlflow`, collapsible: 'none', ...extra });
  if (!rec && node.group !== 'lineage') { return [leaf('loading', 'info', 'Reading the run…', undefined, 'loading')]; }
  switch (node.group) {
    case 'params': {
      const entries = Object.entries(rec!.params).sort(([a], [b]) => a.localeCompare(b));
      return entries.length ? entries.map(([k, v]) => leaf(k, 'param', k, v, undefined, { tooltip: `**${escapeMarkdown(k)}** = \`${escapeMarkdown(v)}\`` }))
        : [leaf('none', 'info', 'No params recorded', undefined)];
    }
    case 'metrics': {
      const sums = s.metricSummaries(run.id);
      if (!sums?.size) { return [leaf('none', 'info', 'No metrics logged yet', undefined)]; }
      return [...sums.values()].sort((a, b) => a.name.localeCompare(b.name)).map((m) => leaf(m.name, 'metric', m.name, ...metricLeafText(m)));
    }
    case 'tags': {
      const entries = Object.entries(rec!.tags).sort(([a], [b]) => (a.startsWith('mlflow.') === b.startsWith('mlflow.') ? a.localeCompare(b) : a.startsWith('mlflow.') ? 1 : -1));
      return entries.length ? entries.map(([k, v]) => leaf(k, 'param', k, v.split('\n')[0], 'tags', { tooltip: `**${escapeMarkdown(k)}**\n\n${escapeMarkdown(v)}` }))
        : [leaf('none', 'info', 'No tags recorded', undefined)];
    }
    case 'lineage': {
      const src = run.source as { user?: string; script?: string; tags?: Record<string, string> };
      const commit = run.git?.commit ?? src.tags?.['mlflow.source.git.commit'];
      const out: ViewNode[] = [commit
        ? leaf('commit', 'commit', `commit ${commit.slice(0, 8)}`, run.git?.branch, 'commit', { tooltip: `\`${escapeMarkdown(commit)}\`` })
        : leaf('commit', 'info', rec ? 'No git commit recorded' : 'Reading the run…', undefined, 'commit')];
      if (src.user) { out.push(leaf('user', 'info', `user ${src.user}`, undefined, 'user')); }
      if (src.script) { out.push(leaf('script', 'info', path.basename(src.script) || src.script, src.script, 'script', { tooltip: `\`${escapeMarkdown(src.script)}\`` })); }
      if (run.parentRunId) {
        const parent = s.run(run.parentRunId);
        out.push(leaf(`parent|${run.parentRunId}`, 'runRef', `parent ${parent?.name ?? run.parentRunId}`, parent ? relativeTime(parent.startTime, opts.now) : 'not in this store',
          parent ? 'reproducedFrom' : 'missing', parent ? { runId: parent.id, contextValue: 'mlops.runRef.mlflow' } : {}));
      }
      for (const v of (s.registry?.versions ?? []).filter((x) => x.runId === run.id)) {
        out.push(leaf(`model|${v.model}|${v.version}`, 'modelRef', `${v.model} v${v.version}`, v.stage, undefined,
          { icon: { stage: stageOf(v.stage) }, model: v.model, version: v.version }));
      }
      return out;
    }
    default:
      return [];
  }
}

// ---------------------------------------------------------------- models

function versionsOf(s: MlflowViewState, model: string): MlflowModelVersion[] {
  return (s.registry?.versions ?? []).filter((v) => v.model === model).sort((a, b) => b.version - a.version);
}

function modelNodes(s: MlflowViewState): ViewNode[] {
  return [...(s.registry?.models ?? [])].sort((a, b) => a.name.localeCompare(b.name)).map((m) => {
    const versions = versionsOf(s, m.name);
    const prod = versions.find((v) => v.stage === 'Production');
    const aliases = Object.keys(m.aliases);
    return { ...base(s, 'models'), id: `${s.key}|model|${m.name}`, kind: 'model', model: m.name, label: m.name,
      description: `${plural(versions.length, 'version')}${prod ? ` · production v${prod.version}` : ''}`,
      tooltip: `**${escapeMarkdown(m.name)}** — MLflow registered model${m.description ? `\n\n${escapeMarkdown(m.description)}` : ''}`
        + `${aliases.length ? `\n\naliases: ${aliases.map((a) => `${escapeMarkdown(a)} → v${m.aliases[a]}`).join(', ')}` : ''}\n\n*read-only (MLflow)*`,
      icon: { symbol: 'model' }, contextValue: 'mlops.model.mlflow', collapsible: 'collapsed' } satisfies ViewNode;
  });
}

/** `Production · alias champion`: what a version row says after `v3`. */
export function mlflowVersionDescription(v: MlflowModelVersion): string {
  return [v.stage === 'None' ? 'no stage' : v.stage, ...v.aliases.map((a) => `alias ${a}`)].join(' · ');
}

function modelChildren(s: MlflowViewState, node: ViewNode, opts: Pick<ViewOptions, 'now'>): ViewNode[] {
  return versionsOf(s, node.model!).map((v) => {
    const run = v.runId ? s.run(v.runId) : undefined;
    const when = v.creationTime !== undefined ? relativeTime(new Date(v.creationTime).toISOString(), opts.now) : undefined;
    return { ...base(s, 'models'), id: `${s.key}|mv|${v.model}|${v.version}`, kind: 'modelVersion', model: v.model, version: v.version, ...(v.runId ? { runId: v.runId } : {}),
      label: `v${v.version}`, description: [mlflowVersionDescription(v), when].filter(Boolean).join(' · '),
      tooltip: [`**${escapeMarkdown(v.model)} v${v.version}** — ${v.stage}  `, ...(v.aliases.length ? [`aliases: ${v.aliases.map(escapeMarkdown).join(', ')}  `] : []),
        ...(v.source ? [`source \`${escapeMarkdown(v.source)}\`  `] : []), ...(v.runId ? [`from run ${run ? `${escapeMarkdown(run.name)} ` : ''}\`${v.runId}\`  `] : []),
        ...(v.description ? ['', escapeMarkdown(v.description)] : []), '', '*read-only (MLflow)*'].join('\n'),
      icon: { stage: stageOf(v.stage) }, contextValue: `mlops.modelVersion.${stageOf(v.stage)}.mlflow`, collapsible: 'collapsed' } satisfies ViewNode;
  });
}

function versionChildren(s: MlflowViewState, node: ViewNode, opts: Pick<ViewOptions, 'now'>): ViewNode[] {
  const v = versionsOf(s, node.model!).find((x) => x.version === node.version);
  if (!v) { return []; }
  const leaf = (key: string, kind: ViewNode['kind'], label: string, description: string | undefined, extra: Partial<ViewNode> = {}): ViewNode => ({
    ...base(s, 'models'), id: `${node.id}|${key}`, kind, model: v.model, version: v.version, label, description, collapsible: 'none', ...extra });
  const out: ViewNode[] = [];
  const local = v.source ? s.artifactPath(v.source) : undefined;
  out.push(v.source
    ? leaf('artifact', 'info', v.source, local ? path.relative(s.root, local) || '.' : 'not in this workspace',
      { icon: { symbol: local ? 'artifact' : 'missing' }, tooltip: `recorded \`${escapeMarkdown(v.source)}\`${local ? `  \nhere \`${escapeMarkdown(local)}\`` : '  \nthe files are not here'}`,
        contextValue: 'mlops.artifact.mlflow', ...(local ? { file: local } : {}) })
    : leaf('artifact', 'info', 'No source recorded', undefined, { icon: { symbol: 'missing' } }));
  const run = v.runId ? s.run(v.runId) : undefined;
  out.push(run
    ? leaf('run', 'runRef', `run ${run.name}`, `${run.experiment} · ${relativeTime(run.startTime, opts.now)}`, { runId: run.id, icon: { status: run.status }, contextValue: 'mlops.runRef.mlflow' })
    : leaf('run', 'info', v.runId ? `run ${v.runId}` : 'No run recorded', v.runId ? 'not in this store' : undefined, { icon: { symbol: 'missing' } }));
  for (const [k, val] of Object.entries(v.tags).sort(([a], [b]) => a.localeCompare(b))) {
    out.push(leaf(`tag|${k}`, 'info', k, val.split('\n')[0], { icon: { symbol: 'tags' }, tooltip: `**${escapeMarkdown(k)}**\n\n${escapeMarkdown(val)}` }));
  }
  return out;
}

// ---------------------------------------------------------------- entry points

/** The MLflow store nodes of a view (none in the Data view: MLflow has no data versions). */
export function mlflowRootNodes(stores: readonly MlflowViewState[], view: ViewName): ViewNode[] {
  return view === 'data' ? [] : stores.map((s) => mlflowStoreNode(s, view));
}

/** Children of a node of an MLflow store. */
export function mlflowChildren(s: MlflowViewState, node: ViewNode, opts: ViewOptions): ViewNode[] {
  switch (node.kind) {
    case 'mlflowStore': {
      const problems = mlflowProblems(s, node.view);
      const nodes = node.view === 'models' ? modelNodes(s) : experimentNodes(s, opts);
      const empty = !nodes.length && s.loaded ? [{ ...base(s, node.view), id: `${node.id}|empty`, kind: 'info' as const,
        label: node.view === 'models' ? 'No registered models' : 'No experiments', icon: { symbol: 'info' as const }, collapsible: 'none' as const }] : [];
      return [...(problems.length ? [problemsNode(s, node.view, problems.length)] : []), ...nodes, ...empty];
    }
    case 'problems': return problemNodes(s, node);
    case 'experiment': return experimentChildren(s, node, opts);
    case 'run': return runChildren(s, node, opts);
    case 'group': return groupChildren(s, node, opts);
    case 'model': return modelChildren(s, node, opts);
    case 'modelVersion': return versionChildren(s, node, opts);
    default: return [];
  }
}

/**
 * The runs whose records (params, tags, metric summaries) a node's children need: the adapter reads them before
 * asking for the children. An experiment needs its shown page (all its runs when the filter or sort reads params,
 * tags or metrics); a run needs itself and its nested runs.
 */
export function mlflowRecordsNeeded(s: MlflowViewState, node: ViewNode, opts: ViewOptions): string[] {
  switch (node.kind) {
    case 'experiment': {
      const all = s.headerList().filter((h) => h.experimentId === node.mlflowExperimentId).map((h) => h.id);
      const f = opts.filter;
      if (f.text || f.tag || f.metric || opts.sort.startsWith('metric')) { return all; }
      const pages = opts.pages.get(node.id) ?? 1;
      return visibleRuns(s, node.mlflowExperimentId!, opts).slice(0, pages * opts.pageSize).map((r) => r.id);
    }
    case 'run': {
      const run = s.run(node.runId!);
      return run ? [run.id, ...childRuns(lookup(s), run).map((r) => r.id)] : [];
    }
    case 'group': return node.runId ? [node.runId] : [];
    default: return [];
  }
}
