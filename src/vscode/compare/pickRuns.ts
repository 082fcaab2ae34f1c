import * as path from 'node:path';
import * as vscode from 'vscode';
import { MlopsError, relativeTime, type Run } from '../../core';
import { refKey, type RunRef } from '../../core/compare/sources';
import { isDeletedMlflowRun, type CompareDeps } from './sources';

export interface RunPickItem extends vscode.QuickPickItem { id: string; ref: RunRef }

/**
 * Every run Compare Runs can show, as quick-pick items: the runs of each `.mlops` store, then those of each MLflow
 * store (their description ends with the store's label, `MLflow — mlruns`; deleted MLflow runs are left out, as
 * in the tree). With several workspace folders, a `.mlops` run's description names its folder.
 */
export function compareRunItems(deps: Pick<CompareDeps, 'stores' | 'mlflow'>, now = Date.now()): RunPickItem[] {
  const mlops = deps.stores.list();
  const item = (r: Run, ref: RunRef, where: string | undefined): RunPickItem => ({
    label: r.name, description: [r.experiment, r.status, relativeTime(r.startTime, now), where].filter(Boolean).join(' · '), detail: r.id, id: r.id, ref,
  });
  return [
    ...mlops.flatMap((s) => s.runs.list().map((r) => item(r, { root: s.root, runId: r.id }, mlops.length > 1 ? path.basename(s.root) : undefined))),
    ...(deps.mlflow?.list() ?? []).flatMap((s) => s.runs().filter((r) => !isDeletedMlflowRun(r)).map((r) => item(r, { root: s.root, runId: r.id, store: s.key }, s.label))),
  ];
}

/** Asks for runs to compare among every store's runs; undefined when dismissed. */
export async function pickCompareRuns(deps: Pick<CompareDeps, 'stores' | 'mlflow'>, opts: { placeHolder: string; canPickMany: boolean; preselected?: readonly RunRef[]; filter?: (r: RunRef) => boolean }): Promise<RunRef[] | undefined> {
  await deps.stores.ready();
  await deps.mlflow?.ready();
  const ticked = new Set((opts.preselected ?? []).map(refKey));
  const items = compareRunItems(deps).filter((i) => opts.filter?.(i.ref) ?? true).map((i) => ({ ...i, picked: ticked.has(refKey(i.ref)) }));
  if (!items.length) {
    throw new MlopsError(deps.stores.list().length || deps.mlflow?.list().length ? 'there are no runs to choose from' : "this workspace has no MLOps store yet; run 'MLOps: Initialize Store' first", deps.stores.list().length || deps.mlflow?.list().length ? 'not-found' : 'no-store');
  }
  if (opts.canPickMany) {
    const picks = await vscode.window.showQuickPick(items, { canPickMany: true, placeHolder: opts.placeHolder, matchOnDescription: true, matchOnDetail: true });
    return picks?.length ? picks.map((p) => p.ref) : undefined;
  }
  const pick = await vscode.window.showQuickPick(items, { placeHolder: opts.placeHolder, matchOnDescription: true, matchOnDetail: true });
  return pick ? [pick.ref] : undefined;
}
