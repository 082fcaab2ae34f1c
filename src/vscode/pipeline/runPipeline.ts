/**
 * MLOps: Run Pipeline… — pick a pipeline of `.mlops/pipelines/`, see its steps preselected by their conditions over
 * the current trigger facts, see the plan before anything runs, then run it in a terminal. MLOps: Stop Pipeline
 * stops a running one.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MlopsError, type ParamValue, type StoreState } from '../../core';
import {
  formatPlan, formatProblem, listPipelines, planPipeline, readPipeline, type Facts, type Pipeline, type PipelinePlan, type PipelineResult,
} from '../../core/pipeline';
import { isViewNode, pickStore } from '../ui';
import { factsFor } from './facts';
import { pipelineRuns, runPipelineInTerminal, type PipelineRunnerDeps, type RunningPipeline } from './runner';

/** Arguments for tests and other commands (the retraining notifications); every one optional. */
export interface RunPipelineArgs {
  /** Workspace folder of the store. */
  root?: string;
  pipeline?: string;
  /** Exactly these steps (conditions not consulted); no step pick. */
  steps?: string[];
  force?: boolean;
  params?: Record<string, ParamValue>;
  /** Facts for the conditions (default: the current facts of the pipeline's model). */
  facts?: Facts;
  stage?: 'none' | 'staging';
  trigger?: { name: string; level?: string };
  /** `false`: no step pick and no plan confirmation. */
  confirm?: false;
  /** Show the terminal (default true). */
  reveal?: boolean;
}

export const RUN = 'Run';
export const RUN_ALL_FORCED = 'Run All (force)';
export const OPEN_FILE = 'Open File';

const UNTRUSTED = 'MLOps: pipelines are not run in an untrusted workspace: their steps would execute code from this folder. Trust the workspace to run them.';

/** `MLOps: Run Pipeline…`. Resolves with the result when the pipeline has ended, undefined when nothing ran. */
export async function runPipeline(deps: PipelineRunnerDeps, args: RunPipelineArgs = {}): Promise<PipelineResult | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(UNTRUSTED);
    return undefined;
  }
  const state = await pickStore(deps.stores, args.root);
  if (!state) { return undefined; }
  const name = args.pipeline ?? await pickPipeline(state);
  if (!name) { return undefined; }
  const pipeline = await readOrReport(state, name);
  if (!pipeline) { return undefined; }
  const facts = args.facts ?? await factsFor(state.store, pipeline);
  const base = { facts, params: args.params, force: args.force };
  let steps = args.steps;
  let plan = await planPipeline(state.store, pipeline, { ...base, steps });
  if (args.confirm !== false) {
    if (!steps) {
      const picked = await pickSteps(plan);
      if (!picked?.length) { return undefined; }
      // The preselection unchanged: the conditions decide (and the plan says why); else exactly the picked steps.
      const preselected = plan.steps.filter((s) => s.action !== 'skip').map((s) => s.step.id);
      if (picked.join(',') !== preselected.join(',')) {
        steps = picked;
        plan = await planPipeline(state.store, pipeline, { ...base, steps });
      }
    }
    const answer = await confirmPlan(plan);
    if (!answer) { return undefined; }
    if (answer === RUN_ALL_FORCED && !args.force) { plan = await planPipeline(state.store, pipeline, { ...base, steps, force: true }); }
  }
  return runPipelineInTerminal(deps, state, plan, { via: 'extension', stage: args.stage, trigger: args.trigger ?? { name: 'manual' }, reveal: args.reveal });
}

async function pickPipeline(state: StoreState): Promise<string | undefined> {
  const all = await listPipelines(state.store);
  if (!all.length) {
    void vscode.window.showInformationMessage(`MLOps: this store has no pipelines yet. Write one as .mlops/pipelines/<name>.json in ${path.basename(state.root)} (ordered steps of scripts; see docs/format.md, "Pipelines").`);
    return undefined;
  }
  if (all.length === 1) { return all[0].name; }
  const items = await Promise.all(all.map(async (p) => {
    const r = await readPipeline(state.store, p.name).catch(() => undefined);
    const doc = r?.pipeline?.doc;
    return { label: p.name, name: p.name,
      description: r?.pipeline ? `${doc!.steps.length} step${doc!.steps.length === 1 ? '' : 's'}${doc!.model ? ` · retrains ${doc!.model}` : ''}` : `$(warning) ${r?.problems.length ?? 1} problem(s)`,
      detail: doc?.description };
  }));
  return (await vscode.window.showQuickPick(items, { title: 'Run Pipeline', placeHolder: 'Which pipeline?', matchOnDescription: true }))?.name;
}

/** The pipeline, or undefined after an error message naming file:line:column with Open File. */
async function readOrReport(state: StoreState, name: string): Promise<Pipeline | undefined> {
  const r = await readPipeline(state.store, name);
  if (r.pipeline) { return r.pipeline; }
  const first = r.problems[0];
  const more = r.problems.length > 1 ? ` (and ${r.problems.length - 1} more problem${r.problems.length === 2 ? '' : 's'}; see Problems)` : '';
  const message = first ? `MLOps: pipeline '${name}' was not run: ${formatProblem(first)}${more}` : `MLOps: pipeline '${name}' cannot be read`;
  void vscode.window.showErrorMessage(message, OPEN_FILE).then(async (a) => {
    if (a !== OPEN_FILE || !first) { return; }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(state.root, ...first.file.split('/'))));
    const at = new vscode.Position(Math.max(0, first.line - 1), Math.max(0, first.column - 1));
    await vscode.window.showTextDocument(doc, { selection: new vscode.Range(at, at) });
  });
  return undefined;
}

/** Multi-select of the steps, preselected by the plan (their conditions); undefined on Esc. */
async function pickSteps(plan: PipelinePlan): Promise<string[] | undefined> {
  const items = plan.steps.map((s) => {
    const manual = s.condition.text === 'manual';
    const description = s.action === 'upToDate' ? 'up to date' : manual ? 'manual' : s.condition.text === 'always' ? 'always' : s.condition.explanation;
    return { label: s.step.id, id: s.step.id, picked: s.action !== 'skip', description, detail: s.step.description };
  });
  const picked = await vscode.window.showQuickPick(items, { canPickMany: true, title: `Run Pipeline ${plan.pipeline.name}`, placeHolder: 'Steps to run (preselected by their conditions; up-to-date steps are skipped unless forced)' });
  return picked?.map((p) => p.id);
}

/** The plan, before anything runs: Run, Run All (force), or undefined. */
async function confirmPlan(plan: PipelinePlan): Promise<string | undefined> {
  const runs = plan.steps.filter((s) => s.action === 'run').length;
  const fresh = plan.steps.filter((s) => s.action === 'upToDate').length;
  const detail = [...formatPlan(plan), ...plan.warnings.map((w) => `warning: ${w}`)].join('\n');
  return vscode.window.showInformationMessage(
    `Run pipeline '${plan.pipeline.name}'? ${runs} step${runs === 1 ? '' : 's'} to run${fresh ? `, ${fresh} up to date` : ''}.`,
    { modal: true, detail }, RUN, RUN_ALL_FORCED);
}

/**
 * `MLOps: Stop Pipeline`: the pipeline of a tree node or `{ runId }`, the only running one, or one picked from the
 * running ones. Resolves with what was stopped.
 */
export async function stopPipeline(arg?: unknown): Promise<RunningPipeline | undefined> {
  const running = pipelineRuns.list();
  const runId = isViewNode(arg) ? arg.runId : typeof arg === 'object' && arg !== null && 'runId' in arg ? String((arg).runId) : undefined;
  let target: RunningPipeline | undefined;
  if (runId) {
    target = running.find((p) => p.runId === runId);
    if (!target) { throw new MlopsError(`run ${runId} is not a pipeline running in this window (one started elsewhere, e.g. by the CLI, is stopped there)`, 'not-found'); }
  } else if (running.length === 1) {
    target = running[0];
  } else if (running.length === 0) {
    void vscode.window.showInformationMessage('MLOps: no pipeline is running in this window.');
    return undefined;
  } else {
    target = (await vscode.window.showQuickPick(running.map((p) => ({ label: p.pipeline, description: `${path.basename(p.root)} · run ${p.runId ?? '(starting)'}`, p })), { placeHolder: 'Stop which pipeline?' }))?.p;
  }
  target?.stop();
  return target;
}
