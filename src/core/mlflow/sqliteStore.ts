// Contract placeholder, replaced by the SQLite reader (issue 16, helper B).
import type { MlflowReader, MlflowStoreRef } from './types';

export function openSqliteStore(ref: MlflowStoreRef): Promise<MlflowReader> {
  return Promise.reject(new Error(`reading ${ref.path}: the SQLite reader is not built yet`));
}
