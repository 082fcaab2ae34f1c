/**
 * MLflow's SQL schema as found in one `mlflow.db`: which of the tables we read exist and which of their columns.
 * MLflow adds columns and tables over its versions (alembic migrations under `mlflow/store/db_migrations`); the
 * reader builds its queries from what is present. Only the columns MLflow's first schema already had are required.
 */
import { ident, queryRows, type SqlDatabase } from './sqliteEngine';

/** Tables the reader uses. */
export const MLFLOW_TABLES = [
  'experiments', 'experiment_tags', 'runs', 'metrics', 'latest_metrics', 'params', 'tags',
  'registered_models', 'registered_model_tags', 'registered_model_aliases', 'model_versions', 'model_version_tags',
] as const;
export type MlflowTable = typeof MLFLOW_TABLES[number];

/**
 * Columns without which a table cannot be read. Every one of these was in MLflow's initial schema and is still in
 * 3.x; a database without one is either damaged or from a schema newer than this reader knows.
 */
export const REQUIRED_COLUMNS: Partial<Record<MlflowTable, readonly string[]>> = {
  experiments: ['experiment_id', 'name'],
  runs: ['run_uuid', 'experiment_id', 'status', 'lifecycle_stage'],
  metrics: ['key', 'value', 'timestamp', 'run_uuid'],
  params: ['key', 'value', 'run_uuid'],
  tags: ['key', 'value', 'run_uuid'],
  experiment_tags: ['key', 'value', 'experiment_id'],
  registered_models: ['name'],
  model_versions: ['name', 'version'],
  registered_model_tags: ['key', 'value', 'name'],
  model_version_tags: ['key', 'value', 'name', 'version'],
  registered_model_aliases: ['alias', 'version', 'name'],
};

/** Tables an MLflow tracking database always has; without them the file is not one. */
const TRACKING_TABLES: readonly MlflowTable[] = ['experiments', 'runs'];

/**
 * Alembic revisions of MLflow's migrations (1.x to 3.x) that this reader was written against. A revision outside
 * this list is fine as long as the required columns are there (newer MLflow adds, rarely removes); when one is
 * missing too, the database is reported as being from a future schema.
 */
export const KNOWN_ALEMBIC_REVISIONS: ReadonlySet<string> = new Set([
  // 1.x
  '451aebb31d03', '90e64c465722', '181f10493468', 'df50e92ffc5e', '7ac759974ad8', '89d4b8295536', '2b4d017a5e9b',
  'cfd24bdc0731', '0a8213491aaa', '728d730b5ebd', '27a6a02d2cf1', '84291f40a231', 'a8c4a736bde6', '39d1c3be5f05',
  'c48cb773bb87', 'bd07f7e963c5', '0c779009ac13', 'cc1f77228345', '97727af70f4d',
  // 2.x
  '3500859a5d39', '7f2a7d5fae7d', '2d6e25af4d3e', '0584bdc529eb', '4465047574b1', '5b0e9adcef9c', '867495a8f9d4',
  'acf3f17fdcc7', 'f5a4f2784254', '9eae7ec868c3',
  // 3.x
  '2c7e13772396', '6dca653c92e6', '400f98739977', '0f1a2b3c4d5e', 'a1b2c3d4e5f6', '534353b11cbc', '6953534de441',
  '770bee3ae1dd', '71994744cf8e', '1a0cddfcaa16', 'de4033877273', 'cbc13b556ace', '3da73c924c2f', 'bf29a5ff90ea',
  '1b49d398cd23', '1bd49d398cd23', '1b5f0d9ad7c1', '5d2d30f0abce', '2c33131f4dae', '76601a5f987d', '89d3d66ed43f',
  'a8b9c0d1e2f3', 'ae8bbe7743c9', 'b0ec69213791', 'b7c8d9e0f1a2', 'b7e4c1a90f23', 'b8c9d0e1f2a3', 'bda7b8c39065',
  '17e22815139b', 'a5b4c3d2e1f0', 'c3a777925173', '0e7f11fcd8ac', '10a0b9ab53e2', '4209a452f04b', 'a1b2c3d4e5f7',
  'a1c2e3f40b56', '7d34483879f0', '3f4e5d6c7b8a', '6f8d9c3b2a1e',
]);

/** The columns of each table present in one database (lower-case names → as declared). */
export interface SqliteSchema {
  revision?: string;
  tables: Map<MlflowTable, Set<string>>;
}

export function hasTable(s: SqliteSchema, t: MlflowTable): boolean {
  return s.tables.has(t);
}

export function hasColumn(s: SqliteSchema, t: MlflowTable, c: string): boolean {
  return s.tables.get(t)?.has(c) ?? false;
}

/** `"col"` when the table has it, else `NULL` (so one query shape serves every schema version). */
export function colOrNull(s: SqliteSchema, t: MlflowTable, c: string, wrap?: (q: string) => string): string {
  if (!hasColumn(s, t, c)) { return 'NULL'; }
  return wrap ? wrap(ident(c)) : ident(c);
}

/**
 * Reads `sqlite_master`, `PRAGMA table_info` of our tables and `alembic_version`. Throws (with the reason, without
 * the file: the caller names it) when the file is not an MLflow tracking database or is from a future schema.
 */
export function readSchema(db: SqlDatabase): SqliteSchema {
  const names = new Set(queryRows(db, "SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => String(r[0])));
  const tables = new Map<MlflowTable, Set<string>>();
  for (const t of MLFLOW_TABLES) {
    if (!names.has(t)) { continue; }
    tables.set(t, new Set(queryRows(db, `PRAGMA table_info(${ident(t)})`).map((r) => String(r[1]))));
  }
  let revision: string | undefined;
  if (names.has('alembic_version')) {
    const rows = queryRows(db, 'SELECT version_num FROM alembic_version');
    revision = rows.length ? String(rows[0][0]) : undefined;
  }
  const schema: SqliteSchema = { revision, tables };
  const missingTables = TRACKING_TABLES.filter((t) => !tables.has(t));
  if (missingTables.length) {
    if (revision && !KNOWN_ALEMBIC_REVISIONS.has(revision)) {
      throw new Error(`from a future schema (alembic revision ${revision}, unknown to this version): no ${missingTables.join(', ')} table`);
    }
    throw new Error(`not an MLflow tracking database (no ${missingTables.join(', ')} table)`);
  }
  const missing: string[] = [];
  for (const [t, cols] of Object.entries(REQUIRED_COLUMNS) as [MlflowTable, readonly string[]][]) {
    if (!tables.has(t)) { continue; }
    for (const c of cols) { if (!hasColumn(schema, t, c)) { missing.push(`${t}.${c}`); } }
  }
  if (missing.length) {
    const what = `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
    if (revision !== undefined && !KNOWN_ALEMBIC_REVISIONS.has(revision)) {
      throw new Error(`from a future schema (alembic revision ${revision}, unknown to this version): ${what}`);
    }
    throw new Error(`not a readable MLflow schema (alembic revision ${revision ?? 'none'}): ${what}`);
  }
  return schema;
}
