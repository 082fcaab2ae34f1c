/**
 * Teams sharing a store through git, in the editor: Resolve… and Set Up Git Merging for .mlops, the merge driver
 * kept pointing at this copy of the extension, and the conflict tracker the Models view marks its nodes from.
 */
import * as vscode from 'vscode';
import { Commands } from '../ids';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';
import { guarded } from '../ui';
import { TeamConflicts } from './conflicts';
import { checkMergeDriver, setUpAfterInit, setUpGitMergeCommand } from './gitMerge';
import { resolveModelConflict } from './resolve';

export { TeamConflicts } from './conflicts';

/** Registers the commands; the tracker is created first because the Models tree is built with it. */
export function registerTeam(context: vscode.ExtensionContext, stores: WorkspaceStores, log: Log, team: TeamConflicts): void {
  const reg = <A extends unknown[], R>(id: string, fn: (...args: A) => Promise<R>) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, guarded(log, id, fn)));
  reg(Commands.resolveModelConflict, (target?: unknown) => resolveModelConflict(stores, team, target));
  reg(Commands.setUpGitMerge, (arg?: unknown) => setUpGitMergeCommand(context, stores, arg));
  context.subscriptions.push(team);
  void stores.ready().then(() => {
    for (const s of stores.list()) { void checkMergeDriver(context, s, log); void team.check(s); }
  });
}

/** After Initialize Store: a store in a git repository gets the merge driver set up too. */
export async function afterInit(context: vscode.ExtensionContext, stores: WorkspaceStores, log: Log, dir: string | undefined): Promise<void> {
  const state = dir ? stores.list().find((s) => s.store.dir === dir) : undefined;
  if (state) { await setUpAfterInit(context, state, log); }
}
