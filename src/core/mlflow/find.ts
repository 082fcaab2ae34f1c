// Contract placeholder, replaced by helper A.
import type { MlflowStoreRef } from './types';

export interface FindMlflowOptions {
  /** How many folder levels below `root` to look (default 3); node_modules, .git, virtualenvs and `.mlops` are skipped. */
  maxDepth?: number;
}

/**
 * MLflow stores in a folder: `mlruns/` folders holding experiments or a registry, and SQLite stores (`mlflow.db`,
 * `mlruns.db`, any `*.db` directly inside an `mlruns/` folder that has MLflow's `alembic_version` table is not
 * checked here — the name decides, the reader reports a file that is not MLflow's). Sorted by path.
 */
export function findMlflowStores(root: string, opts: FindMlflowOptions = {}): Promise<MlflowStoreRef[]> {
  void root; void opts;
  return Promise.resolve([]);
}

/** A store given by path (CLI `PATH`): an `mlruns` folder, a `.db` file, or a folder holding one of them. */
export function mlflowStoreAt(p: string, root: string): Promise<MlflowStoreRef> {
  void root;
  return Promise.reject(new Error(`${p}: not built yet`));
}
