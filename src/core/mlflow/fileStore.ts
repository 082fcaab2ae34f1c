// Contract placeholder, replaced by the file store reader (issue 16, helper A).
import type { MlflowReader, MlflowStoreRef } from './types';

export function openFileStore(ref: MlflowStoreRef): Promise<MlflowReader> {
  return Promise.reject(new Error(`reading ${ref.path}: the file store reader is not built yet`));
}
