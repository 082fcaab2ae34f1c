/**
 * How MLflow's SQL store records values, read back the same way by both SQLite readers (sql.js in memory,
 * sqliteStore.ts; the page reader for large files, sqliteLarge.ts): statuses, stages, ±DBL_MAX as ±Infinity, text.
 */
import * as path from 'node:path';
import { MLFLOW_STATUSES, type MlflowProblem, type MlflowRunStatus, type MlflowStage, type MlflowStoreRef } from './types';

/** A value of an SQLite row: sql.js gives number/string/Uint8Array/null; the page reader also bigint (> 2^53). */
export type SqliteValue = number | bigint | string | Uint8Array | null;

/** MLflow's SQL store writes ±Infinity as ±DBL_MAX (SQL has no infinity); read back, they are infinities again. */
const DBL_MAX = Number.MAX_VALUE;
/** Versions MLflow's SQL registry deleted (soft delete): not shown, as MLflow does not show them. */
export const STAGE_DELETED_INTERNAL = 'deleted_internal';

/** The db file as problems name it: relative to the root, `/` separators. */
export function relName(ref: MlflowStoreRef): string {
  const rel = path.relative(ref.root, ref.path);
  return (rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : ref.path).split(path.sep).join('/');
}

/** SQLite's wording for a damaged file, made plain. */
export function damaged(msg: string): string {
  if (/malformed|not a database|corrupt/i.test(msg)) { return `damaged (${msg})`; }
  return msg;
}

export function statusOf(v: SqliteValue): MlflowRunStatus | undefined {
  const s = typeof v === 'string' ? v.toLowerCase() : '';
  return (MLFLOW_STATUSES as readonly string[]).includes(s) ? s as MlflowRunStatus : undefined;
}

const STAGES: readonly MlflowStage[] = ['None', 'Staging', 'Production', 'Archived'];
export function stageOf(raw: string): MlflowStage | undefined {
  if (raw === '') { return 'None'; }
  return STAGES.find((s) => s.toLowerCase() === raw.toLowerCase());
}

export function metricValue(v: SqliteValue): number {
  const n = Number(v);
  return n === DBL_MAX ? Infinity : n === -DBL_MAX ? -Infinity : n;
}

export function num(v: SqliteValue): number | undefined {
  return v == null || v === '' ? undefined : Number(v);
}

export function text(v: SqliteValue): string {
  if (v == null) { return ''; }
  return v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v);
}

/** `{ [k]: v }` when v is defined, else `{}` (optional fields stay absent rather than undefined). */
export function opt<K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };
}

export function mb(n: number): string {
  return `${(n / 1048576).toFixed(0)} MB`;
}

/** A `-wal` file with changes not yet in the main file: neither reader shows them (both read the main file only). */
export function walNote(file: string, walSize: number): MlflowProblem {
  return { file: `${file}-wal`, reason: `${walSize} bytes of changes not yet written into the database file are not shown (MLflow writes them when its last connection closes)` };
}
