/**
 * `MLOps: Set Up Git Merging for .mlops` and what activation does about the merge driver:
 *
 * - the command writes `.mlops/.gitattributes` (JSON records merge structurally, logs by union) and points the
 *   repository's `merge.mlops.driver` at this extension's CLI, run by the editor's own Node
 *   (`ELECTRON_RUN_AS_NODE=1` under Electron);
 * - at activation, a driver that points at another installed copy of this extension (an update moved it) or at a
 *   CLI that is gone is rewritten silently (only `merge.mlops.driver`); a repository without a driver only gets a
 *   line in the output channel. Nothing runs git in an untrusted workspace.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import { MlopsError, messageOf, type StoreState } from '../../core';
import { gitMergeStatus, mergeDriverCommand, setUpGitMerge } from '../../core/team';
import { EXTENSION_ID } from '../ids';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';
import { isViewNode, pickStore } from '../ui';

const run = promisify(execFile);

/** The driver command of this copy of the extension: its bundled CLI run by the editor's Node. */
export function ourDriverCommand(extensionPath: string): string {
  return mergeDriverCommand(process.execPath, path.join(extensionPath, 'dist', 'cli.js'), Boolean(process.versions.electron));
}

/**
 * Whether a configured driver is ours but stale: it runs `git merge-driver` of a `cli.js` that no longer exists, or
 * that lives in another installed version of this extension (`…/<publisher.name>-<version>/dist/cli.js`). A driver
 * someone pointed at a CLI of their own (a clone, a global install) is left alone.
 */
export function isStaleDriver(driver: string, extensionPath: string, exists: (p: string) => boolean = fs.existsSync): boolean {
  if (!/\bgit merge-driver\b/.test(driver)) { return false; }
  const cli = /"([^"]*cli\.js)"/.exec(driver)?.[1];
  if (!cli) { return false; }
  if (!exists(cli)) { return true; }
  const extDir = path.dirname(path.dirname(cli));
  const installed = path.basename(extDir).toLowerCase().startsWith(`${EXTENSION_ID.toLowerCase()}-`);
  return installed && path.resolve(extDir) !== path.resolve(extensionPath);
}

/** `MLOps: Set Up Git Merging for .mlops` (from the palette, or with `{ root }`). */
export async function setUpGitMergeCommand(context: vscode.ExtensionContext, stores: WorkspaceStores, arg?: unknown): Promise<{ repoRoot: string; attributesWritten: boolean; configured: boolean } | undefined> {
  const root = isViewNode(arg) ? arg.root : typeof arg === 'object' && arg !== null && typeof (arg as { root?: unknown }).root === 'string' ? (arg as { root: string }).root : undefined;
  const state = await pickStore(stores, root);
  if (!state) { return undefined; }
  if (!vscode.workspace.isTrusted) { throw new MlopsError('setting up git merging runs git: trust this workspace first', 'invalid-input'); }
  const r = await setUpGitMerge(state.store, ourDriverCommand(context.extensionPath));
  void vscode.window.showInformationMessage(`MLOps: git now merges .mlops/ records structurally in ${r.repoRoot}`
    + `${r.attributesWritten ? ' (wrote .mlops/.gitattributes: commit it so teammates get it too)' : ''}.`);
  return r;
}

/** At activation: keeps a moved driver pointing at this copy; says in the output channel when a repository has none. */
export async function checkMergeDriver(context: vscode.ExtensionContext, state: StoreState, log: Log): Promise<void> {
  if (!vscode.workspace.isTrusted) { return; }
  try {
    const status = await gitMergeStatus(state.store);
    if (!status.repoRoot) { return; }
    const ours = ourDriverCommand(context.extensionPath);
    if (status.driver === ours) { return; }
    if (status.driver && isStaleDriver(status.driver, context.extensionPath)) {
      await run('git', ['config', '--local', 'merge.mlops.driver', ours], { cwd: status.repoRoot });
      log.info(`git merge driver for .mlops in ${status.repoRoot} now points at this extension (was: ${status.driver})`);
      return;
    }
    if (!status.driver) {
      log.info(`${status.repoRoot}: git merges .mlops/ files as text; 'MLOps: Set Up Git Merging for .mlops' makes it merge the JSON records structurally`);
    }
  } catch (e) {
    log.warn(`checking the git merge driver in ${state.root}: ${messageOf(e)}`);
  }
}

/** After Initialize Store in a git repository: set the driver up too (the store's .gitattributes is already written). */
export async function setUpAfterInit(context: vscode.ExtensionContext, state: StoreState, log: Log): Promise<void> {
  if (!vscode.workspace.isTrusted) { return; }
  try {
    const status = await gitMergeStatus(state.store);
    if (!status.repoRoot) { return; }
    const r = await setUpGitMerge(state.store, ourDriverCommand(context.extensionPath));
    log.info(`git merging for .mlops set up in ${r.repoRoot}`);
  } catch (e) {
    log.warn(`setting up git merging in ${state.root}: ${messageOf(e)}`);
  }
}
