/**
 * `MLOps: Resolve…` on a model (or version) that a git merge left in conflict, or from the palette (a pick of the
 * conflicts when there are several):
 *
 * - two versions in production: a quick pick of them (run, when created, who promoted it) → the chosen one stays,
 *   the others are archived (`resolveMultipleProduction`);
 * - a version number created on two machines: a modal confirmation saying which version keeps the number and which
 *   moves to which number → `resolveVersionClaim` keeps both and stages them for the merge commit.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import { MlopsError, type ModelVersion, type StoreState } from '../../core';
import { resolveMultipleProduction, resolveVersionClaim, type ProductionResolution, type TeamConflict, type VersionClaimResolution } from '../../core/team';
import { conflictSummary, conflictVersions, resolveHint } from '../../core/views/teamNodes';
import type { WorkspaceStores } from '../stores';
import { isViewNode, pickStore } from '../ui';
import { gitDirOf, gitOperation, type TeamConflicts } from './conflicts';

const run = promisify(execFile);

/** Who and when a version was last put in production, from its stage history. */
function promotedText(v: ModelVersion | undefined): string | undefined {
  const entry = v ? [...v.stageHistory].reverse().find((h) => h.stage === 'production') : undefined;
  if (!entry) { return undefined; }
  return `promoted ${entry.at.slice(0, 16).replace('T', ' ')}${entry.by ? ` by ${entry.by.name}` : ''}`;
}

const when = (iso: string) => iso.slice(0, 16).replace('T', ' ');

interface Target { state: StoreState; conflict: TeamConflict }

/** The conflict a command invocation is about: the clicked node's, the one named by `{ root, model, version? }`, or picked. */
async function resolveTarget(stores: WorkspaceStores, team: TeamConflicts, arg: unknown): Promise<Target | undefined> {
  let model: string | undefined;
  let version: number | undefined;
  let root: string | undefined;
  if (isViewNode(arg)) { model = arg.model; version = arg.kind === 'modelVersion' ? arg.version : undefined; root = arg.root; } else if (typeof arg === 'object' && arg !== null) {
    const a = arg as { model?: unknown; version?: unknown; root?: unknown };
    model = typeof a.model === 'string' ? a.model : undefined;
    version = typeof a.version === 'number' ? a.version : undefined;
    root = typeof a.root === 'string' ? a.root : undefined;
  }
  await stores.ready();
  if (model) {
    const state = await pickStore(stores, root);
    if (!state) { return undefined; }
    await team.check(state);
    const mine = team.of(state).filter((c) => c.model === model && (version === undefined || conflictVersions(c).includes(version)));
    if (!mine.length) { throw new MlopsError(`model '${model}'${version === undefined ? '' : ` v${version}`} has no conflict to resolve (nothing in production twice, no version number claimed twice)`, 'not-found'); }
    if (mine.length === 1) { return { state, conflict: mine[0] }; }
    return pickConflict(mine.map((conflict) => ({ state, conflict })));
  }
  for (const s of stores.list()) { await team.check(s); }
  const all = team.all();
  if (!all.length) { throw new MlopsError('no model has a conflict to resolve: no model has two versions in production and no version number was claimed twice by a merge', 'not-found'); }
  return all.length === 1 ? all[0] : pickConflict(all);
}

async function pickConflict(items: Target[]): Promise<Target | undefined> {
  const multi = new Set(items.map((i) => i.state.root)).size > 1;
  const pick = await vscode.window.showQuickPick(items.map((t) => ({
    label: `${t.conflict.model}: ${conflictSummary(t.conflict)}`, description: multi ? path.basename(t.state.root) : undefined, detail: resolveHint(t.conflict), t,
  })), { placeHolder: 'Conflict to resolve' });
  return pick?.t;
}

/** `MLOps: Resolve…`. Returns what was done, or undefined when the user backed out. */
export async function resolveModelConflict(stores: WorkspaceStores, team: TeamConflicts, arg?: unknown): Promise<ProductionResolution | VersionClaimResolution | undefined> {
  const target = await resolveTarget(stores, team, arg);
  if (!target) { return undefined; }
  const { state, conflict } = target;
  if (conflict.kind === 'unmergedFile') { await editByHand(state, conflict); return undefined; }
  const result = conflict.kind === 'multipleProduction' ? await keepOneInProduction(state, conflict) : await renumberClaim(state, conflict);
  await stores.notify(state.root, { models: true });
  await team.check(state);
  return result;
}

/** A file git left in conflict (or committed with markers): nothing to choose here, a person edits it. */
async function editByHand(state: StoreState, c: Extract<TeamConflict, { kind: 'unmergedFile' }>): Promise<void> {
  const choice = await vscode.window.showWarningMessage(`MLOps: ${c.file}: ${c.message}`, 'Open File');
  if (choice === 'Open File') { await vscode.window.showTextDocument(vscode.Uri.file(path.join(state.root, c.file))); }
}

async function keepOneInProduction(state: StoreState, c: Extract<TeamConflict, { kind: 'multipleProduction' }>): Promise<ProductionResolution | undefined> {
  const items = c.versions.map((n) => {
    const v = state.modelVersions.find((m) => m.model === c.model && m.version === n);
    const runName = v ? state.runs.get(v.runId)?.name ?? v.runId : undefined;
    return { label: `v${n}`, description: v ? `run ${runName} · created ${when(v.createdAt)}` : undefined, detail: promotedText(v), version: n };
  });
  const pick = await vscode.window.showQuickPick(items, {
    placeHolder: `Which version of ${c.model} stays in production? The others are archived`, title: `${c.model}: ${conflictSummary(c)} after a merge`,
  });
  if (!pick) { return undefined; }
  const r = await resolveMultipleProduction(state.store, c.model, pick.version);
  void vscode.window.showInformationMessage(`MLOps: ${r.model} v${r.kept} stays in production; archived ${r.archived.map((v) => `v${v}`).join(', ')}.`
    + ' Commit .mlops/ so your team sees the decision.');
  return r;
}

/** A side of an add/add conflict, read from git's index (stage 2 or 3). */
interface Side { runId: string; createdAt: string; stage?: string }

async function sideOf(cwd: string, stage: 2 | 3, file: string): Promise<Side | undefined> {
  try {
    const { stdout } = await run('git', ['show', `:${stage}:./${file}`], { cwd, maxBuffer: 16 * 1024 * 1024 });
    const v = JSON.parse(stdout) as Partial<Side>;
    return typeof v.runId === 'string' && typeof v.createdAt === 'string' ? { runId: v.runId, createdAt: v.createdAt, stage: v.stage } : undefined;
  } catch {
    return undefined;
  }
}

/** The next free version number of a model, from the files in its versions folder and what memory holds. */
function nextFreeNumber(state: StoreState, model: string, atLeast: number): number {
  let max = atLeast;
  const dir = path.dirname(state.store.modelVersionFile(model, 1));
  try {
    for (const f of fs.readdirSync(dir)) { const m = /^(\d+)\.json$/.exec(f); if (m) { max = Math.max(max, Number(m[1])); } }
  } catch { /* no folder: memory says enough */ }
  for (const v of state.modelVersions) { if (v.model === model) { max = Math.max(max, v.version); } }
  return max + 1;
}

async function renumberClaim(state: StoreState, c: Extract<TeamConflict, { kind: 'versionClaimedTwice' }>): Promise<VersionClaimResolution | undefined> {
  const [a, b] = await Promise.all([sideOf(state.root, 2, c.file), sideOf(state.root, 3, c.file)]);
  const runText = (s: Side) => `run ${state.runs.get(s.runId)?.name ?? s.runId}, created ${when(s.createdAt)}`;
  let detail: string;
  if (a && b) {
    // The core's rule (resolveVersionClaim): the pushed side keeps the number, the local one moves (ours in a merge,
    // theirs in a rebase), unless only the local one has left stage none.
    let [first, later] = gitOperation(gitDirOf(state.root)) === 'rebase' ? [a, b] : [b, a];
    if ((later.stage ?? 'none') !== 'none' && (first.stage ?? 'none') === 'none') { [first, later] = [later, first]; }
    detail = `Version ${c.version} was created on two machines. v${c.version} (${runText(first)}) keeps its number; `
      + `the other (${runText(later)}) becomes v${nextFreeNumber(state, c.model, c.version)}. Both are kept and staged for the merge commit.`;
  } else {
    detail = `Version ${c.version} was created on two machines. The version already pushed keeps its number; your local one moves to the next free number. Both are kept and staged for the merge commit.`;
  }
  const ok = await vscode.window.showWarningMessage(`Renumber one of the two versions ${c.version} of ${c.model}?`, { modal: true, detail }, 'Renumber');
  if (ok !== 'Renumber') { return undefined; }
  const r = await resolveVersionClaim(state.store, c.model, c.version);
  const name = (runId: string) => state.runs.get(runId)?.name ?? runId;
  const next = gitOperation(gitDirOf(state.root)) === 'rebase' ? 'continue with git rebase --continue' : 'finish the merge with Commit';
  void vscode.window.showInformationMessage(`MLOps: both kept: version ${r.kept.version} (run ${name(r.kept.runId)}, created ${when(r.kept.createdAt)}) `
    + `and version ${r.renumbered.to} (run ${name(r.renumbered.runId)}, created ${when(r.renumbered.createdAt)}, was ${r.renumbered.from}); staged — ${next}.`);
  return r;
}
