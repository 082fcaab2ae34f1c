import * as vscode from 'vscode';
import { MlopsError } from '../../core';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';
import { isViewNode, pickStore } from '../ui';
import { ComparePanel } from './comparePanel';

/**
 * `MLOps: Compare Runs`: the runs selected in the Experiments tree (multi-select), or `{ runIds, root? }`, or
 * runs picked from a list. Opens (or updates) the Compare Runs panel.
 */
export async function compareRuns(ext: vscode.ExtensionContext, stores: WorkspaceStores, log: Log, clicked?: unknown, all?: unknown): Promise<ComparePanel | undefined> {
  await stores.ready();
  let runIds: string[] = [];
  let root: string | undefined;
  const nodes = Array.isArray(all) && all.every(isViewNode) ? all : isViewNode(clicked) ? [clicked] : [];
  if (nodes.length) {
    runIds = nodes.filter((n) => n.kind === 'run' && n.runId).map((n) => n.runId!);
    root = nodes[0].root;
  } else if (typeof clicked === 'object' && clicked !== null && Array.isArray((clicked as { runIds?: unknown }).runIds)) {
    runIds = (clicked as { runIds: string[] }).runIds;
    root = (clicked as { root?: string }).root ?? stores.list().find((s) => runIds.some((id) => s.runs.get(id)))?.root;
  }
  if (!runIds.length) {
    const state = await pickStore(stores);
    if (!state) { return undefined; }
    const picks = await vscode.window.showQuickPick(state.runs.list().map((r) => ({ label: r.name, description: `${r.experiment} · ${r.status}`, detail: r.id, id: r.id })),
      { canPickMany: true, placeHolder: 'Runs to compare (select two or more)', matchOnDescription: true });
    if (!picks?.length) { return undefined; }
    runIds = picks.map((p) => p.id);
    root = state.root;
  }
  if (!root) { throw new MlopsError('those runs are not in an open store', 'not-found'); }
  const state = stores.get(root);
  const missing = runIds.filter((id) => !state?.runs.get(id));
  if (missing.length) { throw new MlopsError(`no run with id ${missing.join(', ')}`, 'not-found'); }
  return ComparePanel.show(ext, stores, log, root, runIds);
}
