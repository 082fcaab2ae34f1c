import * as path from 'node:path';
import * as vscode from 'vscode';
import { MODEL_STAGES, MlopsError, nameProblem, type ModelStage, type ModelVersion, type StoreState } from '../../core';
import { gatedSetStage, gatedStageOptions } from '../gate/promote';
import { tagRegistration } from '../gate/tags';
import type { WorkspaceStores } from '../stores';
import { isViewNode, pickStore, resolveRun, skipsConfirmation } from '../ui';
import { productionConflicts } from '../../core/views/teamNodes';
import { showConflictRefusal } from '../team/refusal';

export interface RegisterModelArgs {
  name?: string;
  artifact?: string;
}

const NEW_MODEL = '$(add) New model…';

/** `MLOps: Register Model…` from a run: name (existing or new) and artifact file/folder; hashed with progress. */
export async function registerModel(stores: WorkspaceStores, target?: unknown, args: RegisterModelArgs = {}): Promise<ModelVersion | undefined> {
  const t = await resolveRun(stores, target, 'Run that produced the model');
  if (!t) { return undefined; }
  let name = args.name;
  if (!name) {
    const names = t.state.modelNames();
    let choice: string | undefined = NEW_MODEL;
    if (names.length) { choice = (await vscode.window.showQuickPick([...names.map((n) => ({ label: n })), { label: NEW_MODEL }], { placeHolder: `Model to register from ${t.run.name}` }))?.label; }
    if (choice === NEW_MODEL) { choice = (await vscode.window.showInputBox({ prompt: 'Name of the new model', validateInput: (v) => nameProblem(v.trim(), 'model') }))?.trim(); }
    if (!choice) { return undefined; }
    name = choice;
  }
  let artifact = args.artifact;
  if (!artifact) {
    const picked = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: true, canSelectMany: false, openLabel: 'Register Artifact', defaultUri: vscode.Uri.file(t.state.root) });
    if (!picked?.[0]) { return undefined; }
    artifact = picked[0].fsPath;
  }
  const abs = path.resolve(t.state.root, artifact);
  const mv = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Registering ${name}`, cancellable: true }, (_p, token) => {
    const ctl = new AbortController();
    token.onCancellationRequested(() => ctl.abort());
    return t.state.store.registerModel({ name, runId: t.run.id, artifactPath: abs, signal: ctl.signal });
  });
  await stores.notify(t.state.root, { models: true });
  const tag = await tagRegistration(t.state.root, mv);
  void vscode.window.showInformationMessage(`MLOps: registered ${mv.model} v${mv.version} from run ${t.run.name}${tag ? `; tagged ${tag}` : ''}`);
  return mv;
}

export async function resolveModelVersion(stores: WorkspaceStores, target: unknown): Promise<{ state: StoreState; mv: ModelVersion } | undefined> {
  let model: string | undefined;
  let version: number | undefined;
  let root: string | undefined;
  if (isViewNode(target)) { model = target.model; version = target.version; root = target.root; } else if (typeof target === 'object' && target !== null) {
    const t = target as { model?: string; version?: number; root?: string };
    model = t.model; version = t.version; root = t.root;
  }
  const state = await pickStore(stores, root);
  if (!state) { return undefined; }
  if (model && version) {
    const mv = state.modelVersions.find((v) => v.model === model && v.version === version);
    if (!mv) { throw new MlopsError(`model '${model}' has no version ${version}`, 'not-found'); }
    return { state, mv };
  }
  if (!state.modelVersions.length) { throw new MlopsError('no models are registered yet; register one from a run first', 'not-found'); }
  const pick = await vscode.window.showQuickPick(state.modelVersions.map((v) => ({ label: `${v.model} v${v.version}`, description: v.stage, v })), { placeHolder: 'Model version' });
  return pick ? { state, mv: pick.v } : undefined;
}

const STAGE_TEXT: Record<ModelStage, string> = {
  none: 'not in any stage',
  staging: 'being validated before production',
  production: 'serving; the current production version is archived',
  archived: 'kept for the record, no longer used',
};

/**
 * `MLOps: Set Model Stage…`. Promoting to production archives the version that was in production, after a
 * confirmation that names it (skipped with `{ skipConfirmation: true }`). A gated stage (production always) runs the
 * production gate first (gate/promote.ts); `{ waivers: [{check, reason}] }` or `{ waive: true }` let failed checks
 * through with a written reason.
 */
export async function setModelStage(stores: WorkspaceStores, target?: unknown, stageArg?: string, opts?: unknown): Promise<ModelVersion | undefined> {
  const r = await resolveModelVersion(stores, target);
  if (!r) { return undefined; }
  const { state, mv } = r;
  let stage = stageArg;
  if (!stage) {
    stage = (await vscode.window.showQuickPick(MODEL_STAGES.map((s) => ({ label: s, description: s === mv.stage ? '(current)' : STAGE_TEXT[s] })), { placeHolder: `Stage of ${mv.model} v${mv.version}` }))?.label;
    if (!stage) { return undefined; }
  }
  if (!(MODEL_STAGES as readonly string[]).includes(stage)) { throw new MlopsError(`unknown stage '${stage}': use one of ${MODEL_STAGES.join(', ')}`); }
  // Two versions in production after a merge: a person decides which stays (Resolve…) before anything else goes
  // there; refused here, before the confirmation that would offer to archive them both.
  const conflicts = stage === 'production' ? productionConflicts(state.modelVersions).filter((c) => c.model === mv.model) : [];
  if (conflicts.length) { showConflictRefusal(state.root, mv, stage, conflicts); return undefined; }
  const gateOpts = gatedStageOptions(opts);
  const current = state.modelVersions.filter((v) => v.model === mv.model && v.stage === 'production' && v.version !== mv.version);
  if (stage === 'production' && current.length && !skipsConfirmation(opts) && !gateOpts.waive) {
    const ok = await vscode.window.showWarningMessage(`Promote ${mv.model} v${mv.version} to production?`,
      { modal: true, detail: `${current.map((v) => `v${v.version}`).join(', ')} will leave production and be archived.` }, 'Promote');
    if (ok !== 'Promote') { return undefined; }
  }
  return (await gatedSetStage(stores, state, mv, stage as ModelStage, gateOpts))?.version;
}
