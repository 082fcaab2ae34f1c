import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import { MlopsError, Store, budgetWarning, estimateNextCost, nameProblem, simpleGitPort, type GitInfo, type GitInspection, type ParamValue, type Run, type RunCost, type StoreState } from '../../core';
import { describeHardware, describePython } from '../../core/run/environment';
import { PeakMemorySampler } from '../../core/run/processTree';
import { parseParamsText } from './runCommands';
import { selectedPython } from '../lint/python';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';
import { pickStore } from '../ui';
import { reportRecordingProblems } from './recordingProblems';

export interface RunScriptArgs {
  experiment?: string;
  params?: Record<string, ParamValue> | string;
  /** How the script receives params: `--key=value` arguments (default) or MLOPS_PARAMS (JSON) only. */
  paramsAs?: 'args' | 'env';
}

const MEMO = 'mlops.runScript.last';

/** The command line that hands params to the script. */
export function paramArgs(params: Record<string, ParamValue>): string[] {
  return Object.entries(params).map(([k, v]) => `--${k}=${v === null ? '' : String(v)}`);
}

/**
 * `MLOps: Run Script as Experiment`: creates a run (commit, dirty flag and diff hash, Python version, a hash and
 * copy of `pip freeze`, hardware), runs the script as a VS Code task so its output shows in a terminal, and
 * records duration, exit status (finished / failed / killed when stopped) and peak memory of its process tree.
 * The script's own `mlops_log` calls attach to this run (MLOPS_RUN_ID, MLOPS_ROOT; mlops_log is on PYTHONPATH).
 * Resolves with the ended run.
 */
export async function runScriptAsExperiment(ext: vscode.ExtensionContext, stores: WorkspaceStores, log: Log, uri?: vscode.Uri, args: RunScriptArgs = {}): Promise<Run | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('MLOps: scripts are not run in an untrusted workspace (running one, git and pip would execute code from this folder). Trust the workspace to run scripts as experiments.');
    return undefined;
  }
  const script = uri?.fsPath ?? vscode.window.activeTextEditor?.document.uri.fsPath;
  if (!script || !script.endsWith('.py')) { throw new MlopsError('open or select a Python script (.py) to run it as an experiment'); }
  await stores.ready();
  const rootGuess = Store.findRoot(path.dirname(script));
  const state = (rootGuess && stores.get(rootGuess)) || await pickStore(stores);
  if (!state) { return undefined; }
  const memo = ext.workspaceState.get<Record<string, { experiment: string; params: string }>>(MEMO, {});
  const key = path.relative(state.root, script);
  const last = memo[key];

  let experiment = args.experiment;
  if (!experiment) {
    experiment = (await vscode.window.showInputBox({ title: `Run ${path.basename(script)} as an experiment (1/2)`, prompt: 'Experiment',
      value: last?.experiment ?? path.basename(script, '.py'), validateInput: (v) => nameProblem(v.trim(), 'experiment') }))?.trim();
    if (!experiment) { return undefined; }
  }
  let params: Record<string, ParamValue>;
  let paramsText: string;
  if (typeof args.params === 'object') { params = args.params; paramsText = Object.entries(params).map(([k, v]) => `${k}=${String(v)}`).join(' '); } else {
    const text = args.params ?? await vscode.window.showInputBox({ title: `Run ${path.basename(script)} as an experiment (2/2)`, prompt: 'Params as key=value separated by spaces (the script gets them as --key=value, or in MLOPS_PARAMS; see mlops.runScript.paramsAs)',
      value: last?.params ?? '', validateInput: (v) => { try { parseParamsText(v); return undefined; } catch (e) { return (e as Error).message; } } });
    if (text === undefined) { return undefined; }
    params = parseParamsText(text);
    paramsText = text;
  }
  await ext.workspaceState.update(MEMO, { ...memo, [key]: { experiment, params: paramsText } });
  if (!(await confirmBudget(state, experiment))) { return undefined; }

  const paramsAs = args.paramsAs ?? (vscode.workspace.getConfiguration('mlops.runScript', vscode.Uri.file(script)).get<string>('paramsAs', 'args') === 'env' ? 'env' : 'args');
  return executeScriptRun(ext, stores, log, { state, script, key, experiment, params, paramsAs });
}

export const RUN_ANYWAY = 'Run anyway';

/**
 * When goals.json has a budget and the experiment's (or the total) budget is spent, or one more run at the median
 * cost of its latest runs would exceed it: a modal warning. Resolves true to go ahead.
 */
async function confirmBudget(state: StoreState, experiment: string): Promise<boolean> {
  const report = state.budget();
  if (!report) { return true; }
  const costs: RunCost[] = [];
  for (const r of state.runs.list(experiment)) { const c = state.goalsOf(r.id)?.cost; if (c) { costs.push(c); } }
  const warning = budgetWarning(report, experiment, estimateNextCost(costs));
  if (!warning) { return true; }
  const runAnyway: vscode.MessageItem = { title: RUN_ANYWAY };
  const cancel: vscode.MessageItem = { title: 'Cancel', isCloseAffordance: true };
  const answer = await vscode.window.showWarningMessage(`MLOps: ${warning}`, { modal: true,
    detail: `Spend counts the runs with a known cost (recorded meta.cost, or duration × the rate of their hardware in .mlops/goals.json). Start another run of '${experiment}'?` },
  runAnyway, cancel);
  return answer === runAnyway;
}

interface ScriptRunPlan {
  state: StoreState;
  /** The script to execute (in a worktree when reproducing). */
  script: string;
  /** The script's path relative to the workspace, as recorded. */
  key: string;
  experiment: string;
  params: Record<string, ParamValue>;
  paramsAs: 'args' | 'env';
  /** The exact arguments after the script (a reproduction repeats the original command line). */
  scriptArgs?: string[];
  /** Working directory (default: the workspace folder). */
  cwd?: string;
  /** Git facts to record instead of asking git about the workspace (a reproduction records the original commit). */
  git?: GitInfo;
  reproducedFrom?: string;
}

/** Creates the run, runs the script as a task, and records how it ended. */
export async function executeScriptRun(ext: vscode.ExtensionContext, stores: WorkspaceStores, log: Log, plan: ScriptRunPlan): Promise<Run> {
  const { state, script, key, experiment, params } = plan;
  const python = await selectedPython(vscode.Uri.file(script));
  const [gitFacts, env, machine] = await Promise.all([plan.git ? Promise.resolve<GitInspection>({ info: plan.git }) : simpleGitPort.inspect(state.root), describePython(python), describeHardware()]);
  const git = gitFacts.info;
  const hardware = machine.hardware;
  reportRecordingProblems(log, path.basename(script), [
    ...(gitFacts.problem ? [`git failed, so the run records no commit (${gitFacts.problem})`] : []), ...env.problems, ...machine.problems]);
  const scriptArgs = plan.scriptArgs ?? (plan.paramsAs === 'env' ? [] : paramArgs(params));
  const run = await state.store.createRun({
    experiment, name: `${path.basename(script, '.py')}-${new Date().toISOString().slice(11, 19).replace(/:/g, '')}`, params, status: 'running', git,
    meta: { hardware, ...(env.python ? { python: env.python } : {}), ...(env.freezeHash ? { environment: { hash: env.freezeHash, file: 'environment.txt' } } : {}) },
    source: { kind: 'extension', script: key.split(path.sep).join('/'), command: [python, key, ...scriptArgs] },
    ...(plan.reproducedFrom ? { reproducedFrom: plan.reproducedFrom } : {}),
  });
  if (env.freeze) { await fsp.writeFile(path.join(state.store.runDir(run.id), 'environment.txt'), env.freeze, 'utf8'); }
  await stores.notify(state.root, { runs: [run.id], experiments: true });

  const pythonPath = [path.join(ext.extensionPath, 'python'), process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
  const task = new vscode.Task({ type: 'mlops-run', runId: run.id }, vscode.TaskScope.Workspace, `${path.basename(script)} (run ${run.name})`, 'MLOps',
    new vscode.ProcessExecution(python, [script, ...scriptArgs], { cwd: plan.cwd ?? state.root, env: {
      MLOPS_RUN_ID: run.id, MLOPS_ROOT: state.root, MLOPS_PARAMS: JSON.stringify(params), PYTHONPATH: pythonPath, PYTHONUNBUFFERED: '1' } }));
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true };

  const started = Date.now();
  let sampler: PeakMemorySampler | undefined;
  const ended = new Promise<number | undefined>((resolve) => {
    const subs: vscode.Disposable[] = [];
    subs.push(vscode.tasks.onDidStartTaskProcess((e) => {
      if (e.execution.task.definition.runId === run.id && e.processId) { sampler = new PeakMemorySampler(e.processId).start(); }
    }));
    subs.push(vscode.tasks.onDidEndTaskProcess((e) => {
      if (e.execution.task.definition.runId !== run.id) { return; }
      for (const s of subs) { s.dispose(); }
      resolve(e.exitCode);
    }));
  });
  await vscode.tasks.executeTask(task);
  const exitCode = await ended;
  const peak = sampler?.stop();
  const status = exitCode === 0 ? 'finished' : exitCode === undefined || exitCode > 128 ? 'killed' : 'failed';
  const final = await state.store.updateRun(run.id, (r) => {
    // The script's logger may have ended the run already; the process's fate wins when it failed.
    if (r.status === 'running' || (status !== 'finished' && r.status === 'finished')) { r.status = status; }
    r.endTime ??= new Date().toISOString();
    r.meta = { ...r.meta, durationMs: Date.now() - started, ...(peak ? { peakMemoryBytes: peak } : {}), ...(exitCode !== undefined ? { exitCode } : {}) };
  });
  await stores.notify(state.root, { runs: [run.id], metrics: [run.id] });
  log.info(`run ${run.id} of ${key} ended: ${final.status} (exit ${String(exitCode)})`);
  if (final.status !== 'finished') { void vscode.window.showWarningMessage(`MLOps: ${path.basename(script)} ${final.status === 'killed' ? 'was stopped' : `failed (exit code ${String(exitCode)})`}; run ${final.name} is marked ${final.status}.`); }
  return final;
}
