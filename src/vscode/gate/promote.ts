/**
 * Set Model Stage through the production gate. A gated stage (production always, staging when goals.json says so)
 * runs the gate with progress; a refusal is a notification naming the failed checks, with **Show Details** (the
 * model card at its gate section) and **Waive…** (pick the failed checks, write the reason — both recorded with
 * the git user in the version's stageHistory). In an untrusted workspace no git process is started: the code
 * checks are skipped, so production needs a waiver, as the issue asks.
 */
import * as vscode from 'vscode';
import type { ModelStage, ModelVersion, StoreState } from '../../core';
import { gitUser } from '../../core/gate/atCommit';
import { CHECK_TITLES, isGateCheck, type Actor, type GateCheckId, type GateResult, type Waiver } from '../../core/gate/types';
import { isGatedStage, promoteModel, validateWaivers, type PromoteOutcome } from '../../core/gate/promote';
import { Commands, Settings } from '../ids';
import type { WorkspaceStores } from '../stores';
import { tagPromotion } from './tags';
import { showConflictRefusal } from '../team/refusal';

/** What tests and other commands may pass: waivers to apply, or `waive: true` to ask for them. */
export interface GatedStageOptions {
  waivers?: { check: string; reason: string }[];
  waive?: boolean;
  archiveExisting?: boolean;
}

export function gatedStageOptions(opts: unknown): GatedStageOptions {
  if (typeof opts !== 'object' || opts === null) { return {}; }
  const o = opts as Record<string, unknown>;
  const waivers = Array.isArray(o.waivers) ? o.waivers.filter((w): w is { check: string; reason: string } => typeof (w as { check?: unknown })?.check === 'string' && typeof (w as { reason?: unknown })?.reason === 'string') : undefined;
  return { waivers, waive: o.waive === true, archiveExisting: typeof o.archiveExisting === 'boolean' ? o.archiveExisting : undefined };
}

/** Who is promoting: git's user.name / user.email; the OS user in an untrusted workspace (no git process). */
function actor(root: string): Promise<Actor> {
  return gitUser(root, { allowProcesses: vscode.workspace.isTrusted });
}

function trainingPatterns(): readonly string[] | undefined {
  const p = vscode.workspace.getConfiguration().get<string[]>(Settings.lintTrainingPatterns);
  return Array.isArray(p) && p.length ? p : undefined;
}

async function runPromotion(state: StoreState, mv: ModelVersion, stage: ModelStage, waivers: Waiver[], archiveExisting?: boolean): Promise<PromoteOutcome> {
  const by = await actor(state.root);
  const title = await isGatedStage(state.store, stage) ? `MLOps: checking ${mv.model} v${mv.version} against the ${stage} gate…` : `MLOps: moving ${mv.model} v${mv.version} to ${stage}…`;
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, () =>
    promoteModel(state.store, mv.model, mv.version, { stage, waivers, by, archiveExisting, allowProcesses: vscode.workspace.isTrusted, trainingPatterns: trainingPatterns() }));
}

/** Asks which failed checks to waive (all preselected) and why; undefined when the user backs out. */
export async function askWaivers(gate: GateResult): Promise<Waiver[] | undefined> {
  const candidates = gate.checks.filter((c) => c.status === 'fail' || c.status === 'skipped');
  if (!candidates.length) { return []; }
  const picked = await vscode.window.showQuickPick(
    candidates.map((c) => ({ label: c.id, description: `${c.level === 'required' ? 'required' : 'advisory'} · ${c.status === 'skipped' ? 'not checked' : 'failed'}`, detail: c.summary, picked: c.level === 'required' })),
    { canPickMany: true, title: `Waive gate checks for ${gate.model} v${gate.version}`, placeHolder: 'Checks to let through (the waiver, your name and the reason are recorded in the version\'s history)' },
  );
  if (!picked?.length) { return undefined; }
  const ids = picked.map((p) => p.label).filter(isGateCheck);
  const reason = await vscode.window.showInputBox({
    title: `Why may ${gate.model} v${gate.version} go to ${gate.stage} with ${ids.map((id) => CHECK_TITLES[id].toLowerCase()).join(', ')} waived?`,
    prompt: 'The reason is recorded with your git user name in the version\'s stage history and shown on the model card.',
    placeHolder: 'e.g. region south is 2 % of traffic; a fix is scheduled for the next release',
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim().length < 3 ? 'Write a reason: a sentence saying why it may go through' : v.length > 2000 ? 'At most 2000 characters' : undefined),
  });
  if (reason === undefined) { return undefined; }
  return ids.map((check) => ({ check, reason: reason.trim() }));
}

function blockingText(gate: GateResult): string {
  return gate.blocking.map((id) => {
    const c = gate.checks.find((x) => x.id === id);
    return `${CHECK_TITLES[id].toLowerCase()} ${c?.status === 'skipped' ? 'not checked' : 'failed'}`;
  }).join('; ');
}

/**
 * Moves a version to a stage through the gate. Returns the promoted version, or undefined when the gate refused it
 * (a notification says why, with Show Details and Waive…) or the user backed out of the waiver.
 */
export async function gatedSetStage(stores: WorkspaceStores, state: StoreState, mv: ModelVersion, stage: ModelStage, opts: GatedStageOptions): Promise<{ version: ModelVersion; archived: ModelVersion[] } | undefined> {
  let waivers = validateWaivers((opts.waivers ?? []).map((w) => ({ check: w.check as GateCheckId, reason: w.reason })));
  if (opts.waive && !waivers.length) {
    // Asked to waive: run the gate first to know what failed, then ask.
    const first = await runPromotion(state, mv, stage, [], opts.archiveExisting);
    if (first.promoted) { return done(stores, state, mv, stage, first); }
    const asked = await askWaivers(first.gate);
    if (!asked) { return undefined; }
    waivers = asked;
  }
  const r = await runPromotion(state, mv, stage, waivers, opts.archiveExisting);
  if (!r.promoted) {
    await stores.notify(state.root, { models: true });
    // A merge left the model in conflict: no waiver lets it through, Resolve… does.
    if (r.gate.teamConflicts?.length) { showConflictRefusal(state.root, mv, stage, r.gate.teamConflicts); return undefined; }
    const target = { root: state.root, model: mv.model, version: mv.version };
    // Not awaited: the buttons answer whenever the user gets to them, and the command is finished.
    void vscode.window.showErrorMessage(`MLOps: ${mv.model} v${mv.version} was not moved to ${stage}: ${blockingText(r.gate)}.`, 'Show Details', 'Waive…').then((choice) => {
      if (choice === 'Show Details') { void vscode.commands.executeCommand(Commands.openModelCard, { ...target, section: 'gate' }); }
      if (choice === 'Waive…') { void vscode.commands.executeCommand(Commands.setModelStage, target, stage, { waive: true }); }
    });
    return undefined;
  }
  return done(stores, state, mv, stage, r);
}

async function done(stores: WorkspaceStores, state: StoreState, mv: ModelVersion, stage: ModelStage, r: Extract<PromoteOutcome, { promoted: true }>): Promise<{ version: ModelVersion; archived: ModelVersion[] }> {
  for (const w of r.unusedWaivers) { void vscode.window.showWarningMessage(`MLOps: '${w}' did not fail, so it was not waived.`); }
  await stores.notify(state.root, { models: true });
  const tag = await tagPromotion(state.root, r.version, stage, r.gate);
  const waived = r.gate?.checks.filter((c) => c.status === 'waived').length ?? 0;
  void vscode.window.showInformationMessage(`MLOps: ${mv.model} v${mv.version} is now ${stage}`
    + `${r.gate ? ` (${r.gate.passed && !waived ? 'gate passed' : `gate passed with ${waived} waiver${waived === 1 ? '' : 's'}`})` : ''}`
    + `${r.archived.length ? `; archived ${r.archived.map((v) => `v${v.version}`).join(', ')}` : ''}${tag ? `; tagged ${tag}` : ''}`);
  return { version: r.version, archived: r.archived };
}
