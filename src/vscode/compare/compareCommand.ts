import * as vscode from 'vscode';
import { MlopsError, type ViewNode } from '../../core';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';
import { isViewNode, pickStore } from '../ui';
import { ComparePanel } from './comparePanel';

/**
 * `MLOps: Compare Runs`: the runs selected in the Experiments tree (multi-select, from its menu or, from the
 * palette, its current selection when two or more runs are selected), or `{ runIds, root? }`, or runs picked from
 * a list (with the one selected run already ticked). Opens (or updates) the Compare Runs panel.
 */
export async function compareRuns(ext: vscode.ExtensionContext, stores: WorkspaceStores, log: Log, clicked?: unknown, all?: unknown,
  treeSelection: () => readonly ViewNode[] = () => []): Promise<ComparePanel | undefined> {
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
    // From the palette: what is selected in the Experiments view (runs of one store, the first run's).
    const selectedRuns = treeSelection().filter((n) => n.kind === 'run' && n.runId);
    const selectedRoot = selectedRuns[0]?.root;
    const selectedIds = selectedRuns.filter((n) => n.root === selectedRoot).map((n) => n.runId!);
    if (selectedIds.length >= 2) {
      runIds = selectedIds;
      root = selectedRoot;
    } else {
      const state = (selectedRoot && stores.get(selectedRoot)) || await pickStore(stores);
      if (!state) { return undefined; }
      const picks = await vscode.window.showQuickPick(state.runs.list().map((r) => ({ label: r.name, description: `${r.experiment} · ${r.status}`, detail: r.id, id: r.id,
        picked: selectedIds.includes(r.id) })), { canPickMany: true, placeHolder: 'Runs to compare (select two or more)', matchOnDescription: true });
      if (!picks?.length) { return undefined; }
      runIds = picks.map((p) => p.id);
      root = state.root;
    }
  }
  if (!root) { throw new MlopsError('those runs are not in an open store', 'not-found'); }
  const state = stores.get(root);
  const missing = runIds.filter((id) => !state?.runs.get(id));
  if (missing.length) { throw new MlopsError(`no run with id ${missing.join(', ')}`, 'not-found'); }
  return ComparePanel.show(ext, stores, log, root, runIds);
}
