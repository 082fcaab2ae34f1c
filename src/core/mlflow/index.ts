// MLflow's own stores read in place (never written): see types.ts.
import { openFileStore } from './fileStore';
import { openSqliteStore } from './sqliteStore';
import type { MlflowReader, MlflowStoreRef } from './types';

export * from './types';
export * from './convert';
export { findMlflowStores, mlflowStoreAt, type FindMlflowOptions } from './find';

/** Opens a store for reading; rejects (with the file and reason) when it cannot be read at all. */
export function openMlflowStore(ref: MlflowStoreRef): Promise<MlflowReader> {
  return ref.kind === 'file' ? openFileStore(ref) : openSqliteStore(ref);
}
