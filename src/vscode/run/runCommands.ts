import * as vscode from 'vscode';
import {
  MlopsError, nameProblem, noGitPort, parseMetric, parseParam, simpleGitPort, textProblem, dataVersionLabel,
  type DataVersionRef, type GitInfo, type MetricInput, type ParamValue, type Run, type StoreState,
} from '../../core';
import { Commands, Settings } from '../ids';
import type { Log } from '../log';
import { reportRecordingProblems } from './recordingProblems';
import type { WorkspaceStores } from '../stores';
import { isViewNode, pickStore, resolveRun, selection, skipsConfirmation, type RunTarget } from '../ui';

/** Arguments of `mlops.logRun` for non-interactive use; any part left out is asked for. */
export interface LogRunArgs {
  folder?: string;
  experiment?: string;
  name?: string;
  params?: Record<string, ParamValue> | string;
  metrics?: MetricInput[] | string;
  tags?: string[] | string;
  notes?: string;
  /** Data version ids. */
  dataVersions?: string[];
}

const tokens = (s: string): string[] => s.split(/\s+/).filter(Boolean);
const tagList = (s: string): string[] => s.split(',').map((t) => t.trim()).filter(Boolean);

export function parseParamsText(text: string): Record<string, ParamValue> {
  return Object.fromEntries(tokens(text).map(parseParam));
}

export function parseMetricsText(text: string): MetricInput[] {
  return tokens(text).map(parseMetric);
}

/** For input boxes: the message of the first bad entry, or undefined when all are fine. */
function problemOf(fn: () => unknown): string | undefined {
  try { fn(); return undefined; } catch (e) { return e instanceof MlopsError ? e.message : String(e); }
}

function tagsProblem(text: string): string | undefined {
  for (const t of tagList(text)) { const p = textProblem(t, 'tag', 100); if (p) { return p; } }
  return undefined;
}

/** The workspace's git facts for a new run; a git failure is reported (output channel and a warning), the run goes ahead. */
export async function gitFor(state: StoreState, log: Log): Promise<GitInfo | undefined> {
  const record = vscode.workspace.getConfiguration(undefined, vscode.Uri.file(state.root)).get<boolean>(Settings.recordGit, true);
  // In an untrusted workspace no git process is started (a repository's config can run commands).
  const { info, problem } = await (record && vscode.workspace.isTrusted ? simpleGitPort : noGitPort).inspect(state.root);
  if (problem) { reportRecordingProblems(log, 'Log Run', [`git failed, so the run records no commit (${problem})`]); }
  return info;
}

const NEW_EXPERIMENT = '$(add) New experiment…';

async function askExperiment(state: StoreState): Promise<string | undefined> {
  const names = state.experimentNames();
  let choice: string | undefined = NEW_EXPERIMENT;
  if (names.length) {
    const pick = await vscode.window.showQuickPick([...names.map((n) => ({ label: n, description: `${state.runs.list(n).length} runs` })), { label: NEW_EXPERIMENT }],
      { placeHolder: 'Experiment of the run', title: 'Log Run (1/6)' });
    choice = pick?.label;
  }
  if (choice !== NEW_EXPERIMENT) { return choice; }
  return vscode.window.showInputBox({ title: 'Log Run (1/6)', prompt: 'Name of the new experiment', placeHolder: 'e.g. baseline',
    validateInput: (v) => nameProblem(v.trim(), 'experiment') });
}

export async function logRun(stores: WorkspaceStores, log: Log, args: LogRunArgs = {}): Promise<Run | undefined> {
  const state = await pickStore(stores, args.folder);
  if (!state) { return undefined; }
  const experiment = args.experiment ?? (await askExperiment(state))?.trim();
  if (!experiment) { return undefined; }
  const name = args.name ?? await vscode.window.showInputBox({ title: 'Log Run (2/6)', prompt: 'Run name (leave empty for a generated one)',
    validateInput: (v) => (v.trim() ? textProblem(v.trim(), 'run name') : undefined) });
  if (name === undefined) { return undefined; }
  const paramsText = typeof args.params === 'object' ? undefined : args.params ?? await vscode.window.showInputBox({ title: 'Log Run (3/6)',
    prompt: 'Params as key=value, separated by spaces', placeHolder: 'lr=0.01 batch_size=32 optimizer=adam', validateInput: (v) => problemOf(() => parseParamsText(v)) });
  if (paramsText === undefined && typeof args.params !== 'object') { return undefined; }
  const params = typeof args.params === 'object' ? args.params : parseParamsText(paramsText ?? '');
  const metricsText = Array.isArray(args.metrics) ? undefined : args.metrics ?? await vscode.window.showInputBox({ title: 'Log Run (4/6)',
    prompt: 'Metrics as name=value or name=value@step, separated by spaces', placeHolder: 'loss=0.25 accuracy=0.91 val_loss=0.31@10',
    validateInput: (v) => problemOf(() => parseMetricsText(v)) });
  if (metricsText === undefined && !Array.isArray(args.metrics)) { return undefined; }
  const metrics = Array.isArray(args.metrics) ? args.metrics : parseMetricsText(metricsText ?? '');
  const tagsText = Array.isArray(args.tags) ? undefined : args.tags ?? await vscode.window.showInputBox({ title: 'Log Run (5/6)',
    prompt: 'Tags, separated by commas (optional)', validateInput: tagsProblem });
  if (tagsText === undefined && !Array.isArray(args.tags)) { return undefined; }
  const tags = Array.isArray(args.tags) ? args.tags : tagList(tagsText ?? '');
  let dataIds = args.dataVersions;
  if (!dataIds) {
    if (state.dataVersions.length) {
      const picks = await vscode.window.showQuickPick(state.dataVersions.map((v) => ({ label: `${v.dataset} ${dataVersionLabel(v)}`, description: `${v.fileCount} files`, detail: v.id, v })),
        { title: 'Log Run (6/6)', placeHolder: 'Data versions the run used (optional; Enter to continue)', canPickMany: true });
      if (!picks) { return undefined; }
      dataIds = picks.map((p) => p.v.id);
    } else { dataIds = []; }
  }
  const dataVersions: DataVersionRef[] = dataIds.map((id) => {
    const v = state.dataVersion(id);
    if (!v) { throw new MlopsError(`no data version ${id} in this store`, 'not-found'); }
    return { dataset: v.dataset, version: v.id, contentHash: v.contentHash };
  });
  const now = new Date();
  const run = await state.store.createRun({
    experiment, name: name.trim() || undefined, params, tags, notes: args.notes, status: 'finished', startTime: now, endTime: now,
    git: await gitFor(state, log), dataVersions, source: { kind: 'extension' },
  });
  if (metrics.length) { await state.store.logMetrics(run.id, metrics); }
  await stores.notify(state.root, { runs: [run.id], metrics: [run.id], experiments: true });
  void vscode.window.showInformationMessage(`MLOps: logged run ${run.name} in ${run.experiment}`, 'Show Run').then((a) => {
    if (a) { void vscode.commands.executeCommand(Commands.revealRun, { runId: run.id, root: state.root }); }
  });
  return run;
}

async function update(stores: WorkspaceStores, t: RunTarget, mutate: (r: Run) => void): Promise<Run> {
  const run = await t.state.store.updateRun(t.run.id, mutate);
  await stores.notify(t.state.root, { runs: [run.id] });
  return run;
}

export async function addRunTag(stores: WorkspaceStores, target?: unknown, tag?: string): Promise<Run | undefined> {
  const t = await resolveRun(stores, target, 'Run to tag');
  if (!t) { return undefined; }
  const text = tag ?? await vscode.window.showInputBox({ title: `Add Tag to ${t.run.name}`, prompt: 'Tags, separated by commas', validateInput: (v) => (tagList(v).length ? tagsProblem(v) : 'enter a tag') });
  if (!text) { return undefined; }
  const problem = tagsProblem(text);
  if (problem) { throw new MlopsError(problem); }
  return update(stores, t, (r) => { r.tags = [...new Set([...r.tags, ...tagList(text)])]; });
}

export async function removeRunTag(stores: WorkspaceStores, target?: unknown, tag?: string): Promise<Run | undefined> {
  const t = await resolveRun(stores, target, 'Run to remove a tag from');
  if (!t) { return undefined; }
  if (!t.run.tags.length) { void vscode.window.showInformationMessage(`MLOps: ${t.run.name} has no tags`); return undefined; }
  const chosen = tag ?? (await vscode.window.showQuickPick(t.run.tags, { placeHolder: 'Tag to remove' }));
  if (!chosen) { return undefined; }
  if (!t.run.tags.includes(chosen)) { throw new MlopsError(`run ${t.run.name} has no tag '${chosen}'`, 'not-found'); }
  return update(stores, t, (r) => { r.tags = r.tags.filter((x) => x !== chosen); });
}

export async function renameRun(stores: WorkspaceStores, target?: unknown, newName?: string): Promise<Run | undefined> {
  const t = await resolveRun(stores, target, 'Run to rename');
  if (!t) { return undefined; }
  const name = newName ?? await vscode.window.showInputBox({ title: 'Rename Run', value: t.run.name, validateInput: (v) => textProblem(v.trim(), 'run name') });
  if (name === undefined) { return undefined; }
  const problem = textProblem(name.trim(), 'run name');
  if (problem) { throw new MlopsError(problem); }
  return update(stores, t, (r) => { r.name = name.trim(); });
}

export async function markRun(stores: WorkspaceStores, status: 'finished' | 'failed', target?: unknown): Promise<Run | undefined> {
  const t = await resolveRun(stores, target, `Run to mark ${status}`);
  if (!t) { return undefined; }
  return update(stores, t, (r) => {
    r.status = status;
    if (!r.endTime) {
      const end = new Date();
      r.endTime = end.toISOString();
      r.meta.durationMs ??= Math.max(0, end.getTime() - Date.parse(r.startTime));
    }
  });
}

export async function deleteRuns(stores: WorkspaceStores, clicked?: unknown, all?: unknown, opts?: unknown): Promise<string[]> {
  const picked = isViewNode(clicked) || (typeof clicked === 'object' && clicked !== null) ? selection(clicked, all) : [undefined];
  const targets: RunTarget[] = [];
  for (const p of picked) { const t = await resolveRun(stores, p, 'Run to delete'); if (t) { targets.push(t); } }
  if (!targets.length) { return []; }
  const confirm = skipsConfirmation(opts) || skipsConfirmation(all) ? 'Move to Trash' : await vscode.window.showWarningMessage(
    targets.length === 1 ? `Delete run '${targets[0].run.name}'?` : `Delete ${targets.length} runs?`,
    { modal: true, detail: 'The run folder is moved to .mlops/trash/ (not committed). Restore it with "MLOps: Restore Deleted Run".' }, 'Move to Trash');
  if (confirm !== 'Move to Trash') { return []; }
  const done: string[] = [];
  for (const t of targets) {
    await t.state.store.trashRun(t.run.id);
    await stores.notify(t.state.root, { runs: [t.run.id], trash: true });
    done.push(t.run.id);
  }
  return done;
}

export async function restoreRun(stores: WorkspaceStores, arg?: { runId?: string; root?: string }): Promise<string | undefined> {
  const state = await pickStore(stores, arg?.root);
  if (!state) { return undefined; }
  let runId = arg?.runId;
  if (!runId) {
    const trash = (await state.store.listTrash()).items;
    if (!trash.length) { void vscode.window.showInformationMessage('MLOps: the trash is empty'); return undefined; }
    const pick = await vscode.window.showQuickPick(trash.map((r) => ({ label: r.name, description: `${r.experiment} · ${r.status}`, detail: r.id, r })), { placeHolder: 'Deleted run to restore' });
    if (!pick) { return undefined; }
    runId = pick.r.id;
  }
  await state.store.restoreRun(runId);
  await stores.notify(state.root, { runs: [runId], metrics: [runId], trash: true });
  return runId;
}

export async function copyRunId(stores: WorkspaceStores, target?: unknown): Promise<string | undefined> {
  // An MLflow run's id is MLflow's own (32 hex), copied as it is.
  if (isViewNode(target) && target.store && target.runId) {
    await vscode.env.clipboard.writeText(target.runId);
    vscode.window.setStatusBarMessage(`Copied MLflow run id ${target.runId}`, 3000);
    return target.runId;
  }
  const t = await resolveRun(stores, target, 'Run whose id to copy');
  if (!t) { return undefined; }
  await vscode.env.clipboard.writeText(t.run.id);
  vscode.window.setStatusBarMessage(`Copied run id ${t.run.id}`, 3000);
  return t.run.id;
}

/** Opens the file behind a tree node (run.json, a data or model version file, a damaged file). */
export async function revealFile(stores: WorkspaceStores, target?: unknown): Promise<string | undefined> {
  let file = isViewNode(target) ? target.file : undefined;
  if (!file && isViewNode(target) && target.store) {
    throw new MlopsError(`${target.label} is a row of an MLflow database: it has no file of its own to reveal`, 'not-found');
  }
  if (!file) {
    const t = await resolveRun(stores, target, 'Run whose file to open');
    if (!t) { return undefined; }
    file = t.state.store.runFile(t.run.id);
  }
  await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
  return file;
}

