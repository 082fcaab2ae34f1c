import type * as vscode from 'vscode';
import type { Run } from '../../core';
import type { CompareLookup, MlflowCompareSource } from '../../core/compare/sources';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';

/** An MLflow store as Compare Runs reads it (`MlflowViewState` satisfies it). */
export interface MlflowCompareStore extends MlflowCompareSource {
  /** Every run, deleted ones included (the pickers leave those out). */
  runs(): Run[];
}

/** What Compare Runs needs of the MLflow stores registry (`MlflowStores` satisfies it). */
export interface MlflowStoresLike {
  ready(): Promise<void>;
  list(): readonly MlflowCompareStore[];
  get(key: string): MlflowCompareStore | undefined;
  /** After a store was (re)loaded. */
  readonly onDidChange: vscode.Event<readonly { readonly key: string }[]>;
}

/** Everything the Compare Runs command and panel work with. */
export interface CompareDeps {
  ext: vscode.ExtensionContext;
  stores: WorkspaceStores;
  /** Absent when MLflow stores are not shown (setting `mlops.mlflow.show`). */
  mlflow?: MlflowStoresLike;
  log: Log;
}

export function compareLookup(deps: Pick<CompareDeps, 'stores' | 'mlflow'>): CompareLookup {
  return { mlops: (root) => deps.stores.get(root), mlflow: (key) => deps.mlflow?.get(key) };
}

/** Deleted MLflow runs are hidden in the tree; the pickers leave them out too. */
export function isDeletedMlflowRun(run: Run): boolean {
  return (run.source as { deleted?: unknown } | undefined)?.deleted === true;
}
