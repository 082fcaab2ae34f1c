import { MlopsError, type ViewNode } from '../../core';
import { runOf, uniqueRefs, type RunRef } from '../../core/compare/sources';
import { isViewNode } from '../ui';
import { ComparePanel } from './comparePanel';
import { pickCompareRuns } from './pickRuns';
import { compareLookup, type CompareDeps } from './sources';

/** The runs among tree nodes: `.mlops` runs and MLflow runs (their node's `store`) alike. */
export function refsOfNodes(nodes: readonly ViewNode[]): RunRef[] {
  return nodes.filter((n) => n.kind === 'run' && n.runId).map((n) => ({ root: n.root, runId: n.runId!, ...(n.store ? { store: n.store } : {}) }));
}

/** `{ refs }` or `{ runIds, root? }` (tests, other commands): the runs they name. */
function refsOfArgument(deps: Pick<CompareDeps, 'stores' | 'mlflow'>, arg: unknown): RunRef[] | undefined {
  if (typeof arg !== 'object' || arg === null) { return undefined; }
  const a = arg as { refs?: unknown; runIds?: unknown; root?: unknown };
  if (Array.isArray(a.refs)) {
    return a.refs.filter((r): r is RunRef => typeof r === 'object' && r !== null && typeof (r as RunRef).root === 'string' && typeof (r as RunRef).runId === 'string');
  }
  if (!Array.isArray(a.runIds)) { return undefined; }
  const runIds = a.runIds.filter((x): x is string => typeof x === 'string');
  const root = typeof a.root === 'string' ? a.root : undefined;
  return runIds.map((runId) => {
    const state = root ? deps.stores.get(root) : deps.stores.list().find((s) => s.runs.get(runId));
    if (state?.runs.get(runId)) { return { root: state.root, runId }; }
    const mlflow = deps.mlflow?.list().find((s) => s.run(runId) && (!root || s.root === root));
    return mlflow ? { root: mlflow.root, runId, store: mlflow.key } : { root: root ?? state?.root ?? '', runId };
  });
}

/**
 * `MLOps: Compare Runs`: the runs selected in the Experiments tree (multi-select, from its menu or, from the
 * palette, its current selection when two or more runs are selected) — `.mlops` and MLflow runs may be mixed —, or
 * `{ refs }` / `{ runIds, root? }`, or runs picked from a list of every store's runs (with the one selected run
 * already ticked). Opens (or updates) the Compare Runs panel.
 */
export async function compareRuns(deps: CompareDeps, clicked?: unknown, all?: unknown, treeSelection: () => readonly ViewNode[] = () => []): Promise<ComparePanel | undefined> {
  await deps.stores.ready();
  await deps.mlflow?.ready();
  const nodes = Array.isArray(all) && all.every(isViewNode) ? all : isViewNode(clicked) ? [clicked] : [];
  let refs = nodes.length ? refsOfNodes(nodes) : refsOfArgument(deps, clicked) ?? [];
  if (!refs.length) {
    // From the palette: what is selected in the Experiments view, whichever stores its runs are in.
    const selected = refsOfNodes(treeSelection());
    if (selected.length >= 2) {
      refs = selected;
    } else {
      const picked = await pickCompareRuns(deps, { placeHolder: 'Runs to compare (select two or more)', canPickMany: true, preselected: selected });
      if (!picked) { return undefined; }
      refs = picked;
    }
  }
  refs = uniqueRefs(refs);
  const lookup = compareLookup(deps);
  const missing = refs.filter((r) => !runOf(lookup, r));
  if (missing.length) {
    const gone = missing.filter((r) => r.store && !deps.mlflow?.get(r.store));
    if (gone.length) { throw new MlopsError(`the MLflow store of run ${gone.map((r) => r.runId).join(', ')} is not open`, 'not-found'); }
    throw new MlopsError(`no run with id ${missing.map((r) => r.runId).join(', ')}`, 'not-found');
  }
  return ComparePanel.show(deps, refs);
}
