/**
 * Pipeline runs in the Experiments tree. A pipeline run (`run.pipeline` set, no parent) shows as a run with a
 * pipeline marker and expands to its steps in plan order: a step that ran is its step run (a normal run node, so its
 * params, metrics and lineage groups work), a step that did not run is an info node saying why (up to date since
 * run X, skipped by its condition, not run because an earlier step failed). Step runs are nested under their
 * parent, not listed at the experiment's top level, unless a filter is active (then search finds them) or the
 * parent is gone. Plain data, no VS Code.
 */
import { isId } from '../store/ids';
import type { PipelineStepState, Run } from '../store/schemas';
import { escapeMarkdown } from './describe';
import type { StoreState } from './storeState';
import type { NodeSymbol, ViewNode } from './treeModel';

/**
 * The runs of a store as the nesting rules need them: a `.mlops` StoreState has them (`state.runs`), and so does an
 * MLflow store (its view state), whose nested runs name their parent by `mlflow.parentRunId`.
 */
export interface RunLookup {
  get(id: string): Run | undefined;
  values(): Iterable<Run>;
}

/** Whether a run shows under its parent run (a pipeline step, an MLflow child run) instead of at its experiment's top level. */
export function isNestedRun(state: { runs: RunLookup }, run: Run): boolean {
  if (!run.parentRunId) { return false; }
  const parent = state.runs.get(run.parentRunId);
  return parent !== undefined && parent.experiment === run.experiment;
}

/** A pipeline run: one that records a pipeline and is not itself a step of another run. */
export function isPipelineRun(run: Run): boolean {
  return run.pipeline !== undefined && !run.parentRunId;
}

/** The runs nested under `parent`, oldest first (the order steps ran in). */
export function childRuns(state: { runs: RunLookup }, parent: Run): Run[] {
  const out: Run[] = [];
  for (const r of state.runs.values()) {
    if (r.parentRunId === parent.id && r.experiment === parent.experiment) { out.push(r); }
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const STATE_WORDS: Record<PipelineStepState, string> = {
  ran: 'ran', failed: 'failed', killed: 'killed', upToDate: 'up to date', skipped: 'skipped', notRun: 'not run',
};

/** `pipeline · 3 steps · 1 up to date · 1 failed`: the marker a pipeline run's row starts with. */
export function pipelineSummary(run: Run): string {
  const steps = run.pipeline?.steps ?? [];
  const parts = ['pipeline'];
  if (steps.length) { parts.push(`${steps.length} step${steps.length === 1 ? '' : 's'}`); }
  const count = (s: PipelineStepState) => steps.filter((x) => x.state === s).length;
  for (const s of ['upToDate', 'skipped', 'failed', 'killed'] as const) {
    const n = count(s);
    if (n) { parts.push(`${n} ${STATE_WORDS[s]}`); }
  }
  return parts.join(' · ');
}

/** The pipeline part of a pipeline run's tooltip: its name, trigger and each step's state. */
export function pipelineTooltip(run: Run): string {
  const p = run.pipeline;
  if (!p) { return ''; }
  const md = [`**Pipeline** ${escapeMarkdown(p.name)}${p.trigger ? ` · started by ${escapeMarkdown(p.trigger.name)}${p.trigger.level ? ` (${escapeMarkdown(p.trigger.level)})` : ''}` : ''}`];
  if (p.steps?.length) {
    md.push('');
    for (const s of p.steps) { md.push(`- ${escapeMarkdown(s.id)}: ${STATE_WORDS[s.state]}${s.reason ? ` — ${escapeMarkdown(s.reason)}` : ''}`); }
  }
  return md.join('\n');
}

const STEP_SYMBOL: Record<PipelineStepState, NodeSymbol> = {
  ran: 'stepRan', failed: 'stepFailed', killed: 'stepKilled', upToDate: 'stepUpToDate', skipped: 'stepSkipped', notRun: 'stepNotRun',
};

/** The run an up-to-date step's entry points at: its runId, else a run id named in its reason. */
function upToDateRunOf(state: StoreState, entry: { runId?: string; reason?: string }): Run | undefined {
  if (entry.runId) { return state.runs.get(entry.runId); }
  const id = (entry.reason ?? '').split(/[^0-9A-Z]+/).find((w) => isId(w));
  return id ? state.runs.get(id) : undefined;
}

/**
 * The children a pipeline (or any parent) run shows before its Params/Metrics/Meta/Lineage groups: its steps in
 * plan order, then step runs the plan does not name yet (a step still running), each made by `stepRunNode`.
 */
export function stepNodes(state: StoreState, run: Run, base: string, stepRunNode: (child: Run, stepId: string | undefined, reason: string | undefined) => ViewNode): ViewNode[] {
  const children = childRuns(state, run);
  // A step's latest run under this pipeline run (an entry written before the step ended may not name it yet).
  const byStep = new Map(children.filter((c) => c.pipeline?.step).map((c) => [c.pipeline!.step!, c]));
  const shown = new Set<string>();
  const usedKeys = new Set<string>();
  const out: ViewNode[] = [];
  const info = (key: string, label: string, description: string, symbol: NodeSymbol, extra: Partial<ViewNode> = {}): ViewNode => ({
    id: `${base}|step|${key}`, kind: 'info', view: 'experiments', root: state.root, label, description, icon: { symbol },
    contextValue: 'mlops.pipelineStep', collapsible: 'none', ...extra });
  for (const entry of run.pipeline?.steps ?? []) {
    usedKeys.add(entry.id);
    const ran = entry.state === 'ran' || entry.state === 'failed' || entry.state === 'killed';
    const named = ran && entry.runId ? state.runs.get(entry.runId) : undefined;
    const stepRun = named && named.parentRunId === run.id && named.experiment === run.experiment ? named
      : ran || entry.state === 'notRun' ? byStep.get(entry.id) : undefined;
    if (stepRun) {
      shown.add(stepRun.id);
      out.push(stepRunNode(stepRun, entry.id, entry.reason));
      continue;
    }
    if (ran) {
      out.push(info(entry.id, entry.id, `${STATE_WORDS[entry.state]} · run ${entry.runId ?? '?'} is not in this store`, 'missing'));
      continue;
    }
    if (entry.state === 'upToDate') {
      const prev = upToDateRunOf(state, entry);
      const description = prev ? `up to date since run ${prev.name}` : entry.reason ?? 'up to date';
      out.push(info(entry.id, entry.id, description, STEP_SYMBOL.upToDate, {
        tooltip: `**${escapeMarkdown(entry.id)}** — up to date${entry.reason ? `  \n${escapeMarkdown(entry.reason)}` : ''}${prev ? `\n\nClick to show run ${escapeMarkdown(prev.name)}.` : ''}`,
        // A runRef: clicking it reveals the run whose result is reused.
        ...(prev ? { kind: 'runRef' as const, runId: prev.id, contextValue: 'mlops.runRef' } : {}),
      }));
      continue;
    }
    if (entry.state === 'notRun' && run.status === 'running') {
      // The runner lists every planned step when it starts: a step after the running one is waiting, not "not run".
      out.push(info(entry.id, entry.id, `waiting${entry.reason ? ` · ${entry.reason}` : ''}`, 'stepNotRun', { tooltip: `**${escapeMarkdown(entry.id)}** — waiting for the steps before it` }));
      continue;
    }
    const why = entry.reason ?? (entry.state === 'skipped' ? 'skipped by its condition' : 'not run because an earlier step failed');
    out.push(info(entry.id, entry.id, `${STATE_WORDS[entry.state]} · ${why}`, STEP_SYMBOL[entry.state],
      { tooltip: `**${escapeMarkdown(entry.id)}** — ${STATE_WORDS[entry.state]}  \n${escapeMarkdown(why)}` }));
  }
  for (const child of children) {
    if (shown.has(child.id)) { continue; }
    const step = child.pipeline?.step;
    // Node ids are keyed by step id; a second run of the same step (or one without a step) is keyed by its run id.
    out.push(stepRunNode(child, step && !usedKeys.has(step) ? step : undefined, undefined));
    if (step) { usedKeys.add(step); }
  }
  return out;
}
