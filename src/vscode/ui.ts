// Shared pieces of the commands: error reporting, picking a store or a run, and argument resolution so every
// command works from the palette (asks), from a tree context menu (gets a node) and from tests or other
// extensions (gets plain arguments).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MlopsError, isMlopsError, messageOf, relativeTime, type Run, type StoreState, type ViewNode } from '../core';
import { Commands } from './ids';
import type { Log } from './log';
import type { WorkspaceStores } from './stores';

/**
 * Commands that write a run or model version (or need one of `.mlops`): greyed out on MLflow nodes by their
 * `enablement`, and refused with the reason when called anyway (a keybinding, the palette with a selection).
 */
const WRITE_COMMANDS: ReadonlySet<string> = new Set([
  Commands.addRunTag, Commands.removeRunTag, Commands.renameRun, Commands.markRunFinished, Commands.markRunFailed, Commands.deleteRun,
  Commands.restoreRun, Commands.registerModel, Commands.setModelStage, Commands.openModelCard, Commands.reproduceRun, Commands.serveModel,
  Commands.packageModel,
]);

/** The MLflow node among a command's arguments (the clicked node, or one of the selected ones), if any. */
export function mlflowNodeIn(args: readonly unknown[]): ViewNode | undefined {
  for (const a of args.slice(0, 2)) {
    for (const x of Array.isArray(a) ? a : [a]) {
      if (isViewNode(x) && x.store) { return x; }
    }
  }
  return undefined;
}

/** The one message a write command gives for a node of a read-only MLflow store. */
export function readOnlyError(node: ViewNode): MlopsError {
  const what = node.kind === 'run' ? `run ${node.label}` : node.kind === 'modelVersion' ? `${node.model ?? ''} ${node.label}`.trim()
    : node.kind === 'model' ? `model ${node.label}` : node.label;
  return new MlopsError(`${what} is read-only (MLflow store): import it first with 'MLOps: Import MLflow Runs…'`, 'conflict');
}

/** Wraps a command: expected errors become one error notification, unexpected ones are logged with their stack. */
export function guarded<A extends unknown[], R>(log: Log, name: string, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R | undefined> {
  return async (...args: A) => {
    try {
      const mlflowNode = WRITE_COMMANDS.has(name) ? mlflowNodeIn(args) : undefined;
      if (mlflowNode) { throw readOnlyError(mlflowNode); }
      return await fn(...args);
    } catch (e) {
      if (isMlopsError(e)) {
        if (e.kind !== 'cancelled') { void vscode.window.showErrorMessage(`MLOps: ${e.message}`); }
        log.warn(`${name}: ${e.message}`);
      } else {
        void vscode.window.showErrorMessage(`MLOps: ${name} failed: ${messageOf(e)}`);
        log.error(`${name}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      }
      return undefined;
    }
  };
}

/** A run named by a tree node, by `{ runId, root? }`, or picked by the user. */
export interface RunTarget { state: StoreState; run: Run }

export function isViewNode(x: unknown): x is ViewNode {
  return typeof x === 'object' && x !== null && 'kind' in x && 'view' in x && 'root' in x;
}

export async function pickStore(stores: WorkspaceStores, root?: string): Promise<StoreState | undefined> {
  await stores.ready();
  const all = stores.list();
  if (root) {
    const s = stores.get(root);
    if (!s) { throw new MlopsError(`no MLOps store in ${root}`, 'no-store'); }
    return s;
  }
  if (all.length === 0) { throw new MlopsError("this workspace has no MLOps store yet; run 'MLOps: Initialize Store' first", 'no-store'); }
  if (all.length === 1) { return all[0]; }
  const pick = await vscode.window.showQuickPick(all.map((s) => ({ label: path.basename(s.root), description: s.root, state: s })), { placeHolder: 'Which workspace folder?' });
  return pick?.state;
}

export async function resolveRun(stores: WorkspaceStores, arg: unknown, placeHolder = 'Select a run'): Promise<RunTarget | undefined> {
  await stores.ready();
  let runId: string | undefined;
  let root: string | undefined;
  // An MLflow run is not in a `.mlops` store: whatever asks for one to change it cannot use it.
  if (isViewNode(arg) && arg.store) { throw readOnlyError(arg); }
  if (isViewNode(arg)) { runId = arg.runId; root = arg.root; } else if (typeof arg === 'object' && arg !== null && 'runId' in arg) {
    runId = String((arg).runId);
    root = (arg as { root?: string }).root;
  } else if (typeof arg === 'string') { runId = arg; }
  if (runId) {
    const state = stores.findRun(runId, root);
    const run = state?.runs.get(runId);
    if (!state || !run) { throw new MlopsError(`no run with id ${runId}`, 'not-found'); }
    return { state, run };
  }
  const state = await pickStore(stores);
  if (!state) { return undefined; }
  return pickRun(state, placeHolder);
}

export async function pickRun(state: StoreState, placeHolder: string, filter: (r: Run) => boolean = () => true): Promise<RunTarget | undefined> {
  const now = Date.now();
  const runs = state.runs.list().filter(filter);
  if (!runs.length) { throw new MlopsError('there are no runs to choose from', 'not-found'); }
  const pick = await vscode.window.showQuickPick(runs.map((r) => ({
    label: r.name, description: `${r.experiment} · ${r.status} · ${relativeTime(r.startTime, now)}`, detail: r.id, run: r,
  })), { placeHolder, matchOnDescription: true, matchOnDetail: true });
  return pick ? { state, run: pick.run } : undefined;
}

/** Selected tree nodes for multi-select menus: VS Code passes (clicked, allSelected). */
export function selection(clicked: unknown, all: unknown): unknown[] {
  if (Array.isArray(all) && all.length > 1 && all.every(isViewNode)) { return all; }
  return [clicked];
}

/** Whether an options argument asks to skip confirmations (tests, scripts). */
export function skipsConfirmation(opts: unknown): boolean {
  return typeof opts === 'object' && opts !== null && (opts as { skipConfirmation?: unknown }).skipConfirmation === true;
}
