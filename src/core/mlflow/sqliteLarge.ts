/**
 * `mlflow.db` files too large to copy into sql.js's memory (the issue's 10,000-run store is 1.9 GB), read through
 * the page reader (sqlitePages.ts): the file opened read-only, pages read on demand into a few MB of cache. Gives
 * exactly what the sql.js reader (sqliteStore.ts) gives for the same file — the tests compare both on every
 * fixture — so B's schema rules (sqliteSchema.ts) are reused by running the file's CREATE statements in an empty
 * sql.js database. Runs' params, tags and metrics are found through the `run_uuid` indexes MLflow creates; a
 * table without one is scanned.
 */
import * as fs from 'node:fs';
import { sqlEngine, sqlErrorText, type SqlDatabase, type SqlValue } from './sqliteEngine';
import { SqlitePages, compareValues, type Rowid, type SqliteMasterRow } from './sqlitePages';
import { MLFLOW_TABLES, hasColumn, hasTable, readSchema, type MlflowTable, type SqliteSchema } from './sqliteSchema';
import { STAGE_DELETED_INTERNAL, damaged, metricValue, num, opt, relName, stageOf, statusOf, text, walNote, type SqliteValue } from './sqliteValues';
import type {
  MlflowExperiment, MlflowMetricPoint, MlflowMetricSummary, MlflowModelVersion, MlflowProblem, MlflowReadOptions,
  MlflowReader, MlflowRegisteredModel, MlflowRegistry, MlflowRunHeader, MlflowRunRecord, MlflowScan, MlflowStoreRef,
} from './types';

/** Run ids per batch, as the sql.js reader chunks its `IN (…)` lists (its order within a batch is the same). */
const ID_CHUNK = 500;

/** One table of the file: where it starts, its columns in record order, and its indexes by first column. */
interface TableInfo {
  name: string;
  root: number;
  columns: Map<string, number>;
  /** The INTEGER PRIMARY KEY column (stored as the rowid, NULL in the record), if any. */
  rowidColumn: number;
  /** Values of columns added by ALTER TABLE after a row was written (the record is shorter). */
  defaults: SqliteValue[];
  /** Root page of an ascending BINARY index, by its first column. */
  indexByFirst: Map<string, number>;
}

/** A row of a table, read by column name; a column the table lacks reads as NULL (as colOrNull does in SQL). */
type Row = (column: string) => SqliteValue;

interface Loaded {
  pages: SqlitePages;
  schema: SqliteSchema;
  tables: Map<MlflowTable, TableInfo>;
  size: number;
  mtimeMs: number;
  notes: MlflowProblem[];
  experiments?: MlflowExperiment[];
  scan?: MlflowScan;
}

/** Opens `mlflow.db` through the page reader; rejects with the file and the reason when it cannot be read at all. */
export async function openLargeSqliteStore(ref: MlflowStoreRef): Promise<MlflowReader> {
  const reader = new LargeSqliteReader(ref);
  await reader.start();
  return reader;
}

/** `'x'`, `0`, `NULL` as PRAGMA table_info reports a column's DEFAULT. */
function defaultValue(sql: SqlValue, type: string): SqliteValue {
  if (sql == null) { return null; }
  const s = text(sql).trim();
  if (/^null$/i.test(s)) { return null; }
  const quoted = /^'(.*)'$/s.exec(s);
  const numeric = /INT|REAL|FLOA|DOUB|NUM|DEC|BOOL/i.test(type);
  const v = quoted ? quoted[1].replace(/''/g, "'") : s;
  return (numeric || !quoted) && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
}

function pragmaRows(db: SqlDatabase, sql: string): SqlValue[][] {
  const res = db.exec(sql);
  return res.length ? res[0].values : [];
}

class LargeSqliteReader implements MlflowReader {
  private current: Loaded | undefined;
  private loading: Promise<Loaded> | undefined;
  private closed = false;
  private readonly file: string;

  constructor(readonly ref: MlflowStoreRef) {
    this.file = relName(ref);
  }

  watchPaths(): string[] {
    return [this.ref.path, `${this.ref.path}-wal`, `${this.ref.path}-journal`];
  }

  close(): void {
    this.closed = true;
    this.current?.pages.close().catch(() => undefined);
    this.current = undefined;
  }

  async start(): Promise<void> {
    this.current = await this.load();
  }

  private fail(reason: string): Error {
    return new Error(`${this.ref.path}: ${reason}`);
  }

  private async load(): Promise<Loaded> {
    const st = await fs.promises.stat(this.ref.path).catch((e: NodeJS.ErrnoException) => { throw this.fail(e.code === 'ENOENT' ? 'no such file' : e.message); });
    if (!st.isFile()) { throw this.fail('not a file'); }
    let pages: SqlitePages | undefined;
    try {
      pages = await SqlitePages.open(this.ref.path);
      const { schema, tables } = await this.schemaOf(pages);
      const notes: MlflowProblem[] = [];
      for (const t of ['params', 'tags', 'metrics'] as const) {
        if (!hasTable(schema, t)) { notes.push({ file: `${this.file}#${t}`, reason: `no ${t} table: runs are shown without ${t}` }); }
      }
      const wal = await fs.promises.stat(`${this.ref.path}-wal`).catch(() => undefined);
      if (wal && wal.size > 0) { notes.push(walNote(this.file, wal.size)); }
      return { pages, schema, tables, size: st.size, mtimeMs: st.mtimeMs, notes };
    } catch (e) {
      await pages?.close().catch(() => undefined);
      throw this.fail(damaged(sqlErrorText(e)));
    }
  }

  /**
   * The file's schema: its CREATE statements run in an empty in-memory sql.js database (SQLite itself parses them),
   * so B's readSchema() decides what is readable with the same rules and messages, and PRAGMA table_info/index_xinfo
   * give the column order of records and the indexes' columns.
   */
  private async schemaOf(pages: SqlitePages): Promise<{ schema: SqliteSchema; tables: Map<MlflowTable, TableInfo> }> {
    const master = await pages.master();
    const SQL = await sqlEngine();
    const db = new SQL.Database();
    try {
      const wanted = new Set<string>([...MLFLOW_TABLES, 'alembic_version']);
      const byName = new Map<string, SqliteMasterRow>();
      for (const m of master) {
        if (m.type !== 'table' || !m.sql || m.name.startsWith('sqlite_')) { continue; }
        byName.set(m.name, m);
        if (wanted.has(m.name) && /\bWITHOUT\s+ROWID\s*$/i.test(m.sql.trim().replace(/;$/, ''))) {
          throw new Error(`table ${m.name} is WITHOUT ROWID, which MLflow never creates (not supported)`);
        }
        try { db.run(m.sql); } catch (e) {
          if (wanted.has(m.name)) { throw new Error(`damaged (the schema of table ${m.name} does not parse: ${sqlErrorText(e)})`, { cause: e }); }
        }
      }
      for (const m of master) {
        if (m.type === 'index' && m.sql && byName.has(m.tblName)) { try { db.run(m.sql); } catch { /* an index we do not need */ } }
      }
      const alembic = byName.get('alembic_version');
      if (alembic) {
        const versions: SqliteValue[] = [];
        await pages.scanTable(alembic.rootpage, (_id, r) => { versions.push(r[0] ?? null); });
        if (versions.length) { db.run('INSERT INTO alembic_version VALUES (?)', [versions[0] as string]); }
      }
      const schema = readSchema(db);
      const tables = new Map<MlflowTable, TableInfo>();
      for (const t of MLFLOW_TABLES) {
        const m = byName.get(t);
        if (!m || !hasTable(schema, t)) { continue; }
        const info = pragmaRows(db, `PRAGMA table_info("${t}")`);
        const columns = new Map<string, number>();
        const defaults: SqliteValue[] = [];
        const pk = info.filter((r) => Number(r[5]) > 0);
        let rowidColumn = -1;
        info.forEach((r, i) => {
          columns.set(String(r[1]), i);
          defaults.push(defaultValue(r[4], String(r[2] ?? '')));
        });
        if (pk.length === 1 && String(pk[0][2]).toUpperCase() === 'INTEGER') { rowidColumn = Number(pk[0][0]); }
        const indexByFirst = new Map<string, number>();
        for (const ix of master) {
          if (ix.type !== 'index' || ix.tblName !== t || ix.rootpage <= 0) { continue; }
          const cols = pragmaRows(db, `PRAGMA index_xinfo("${ix.name.replace(/"/g, '""')}")`).filter((r) => Number(r[5]) === 1);
          const first = cols[0];
          // Partial indexes (WHERE …) do not hold every row: not usable for a lookup.
          if (!first || first[2] == null || Number(first[3]) !== 0 || String(first[4]).toUpperCase() !== 'BINARY' || /\bWHERE\b/i.test(ix.sql ?? '')) { continue; }
          const name = String(first[2]);
          if (!indexByFirst.has(name)) { indexByFirst.set(name, ix.rootpage); }
        }
        tables.set(t, { name: t, root: m.rootpage, columns, rowidColumn, defaults, indexByFirst });
      }
      return { schema, tables };
    } finally {
      db.close();
    }
  }

  /** The loaded file, read again when its size or mtime changed (the page cache goes with the old one). */
  private async db(opts?: MlflowReadOptions): Promise<{ loaded: Loaded; stale?: MlflowProblem }> {
    if (this.closed) { throw new Error(`${this.ref.path}: the reader is closed`); }
    opts?.signal?.throwIfAborted();
    const st = await fs.promises.stat(this.ref.path).catch(() => undefined);
    const cur = this.current;
    if (cur && st && st.size === cur.size && st.mtimeMs === cur.mtimeMs) { return { loaded: cur }; }
    if (!st && cur) { return { loaded: cur, stale: { file: this.file, reason: 'the file is gone; showing what was read before' } }; }
    this.loading ??= this.load().finally(() => { this.loading = undefined; });
    try {
      const next = await this.loading;
      if (this.closed) { await next.pages.close().catch(() => undefined); throw new Error(`${this.ref.path}: the reader is closed`); }
      if (this.current !== next) {
        this.current?.pages.close().catch(() => undefined);
        this.current = next;
      }
      return { loaded: next };
    } catch (e) {
      if (!cur || this.closed) { throw e; }
      return { loaded: cur, stale: { file: this.file, reason: `could not be read again (${sqlErrorText(e)}); showing what was read before` } };
    }
  }

  /** Rows of a table: all of them, or those whose `column` is one of `values` (through an index when there is one). */
  private async rows(loaded: Loaded, table: MlflowTable, visit: (row: Row) => void, filter?: { column: string; values: readonly string[]; scan?: boolean }, signal?: AbortSignal): Promise<void> {
    const t = loaded.tables.get(table);
    if (!t) { return; }
    const reader = (rowid: Rowid, values: SqliteValue[]): Row => (column) => {
      const i = t.columns.get(column);
      if (i === undefined) { return null; }
      if (i === t.rowidColumn) { return rowid; }
      return i < values.length ? values[i] : t.defaults[i];
    };
    try {
      if (!filter) {
        await loaded.pages.scanTable(t.root, (rowid, values) => visit(reader(rowid, values)), signal);
        return;
      }
      const index = filter.scan ? undefined : t.indexByFirst.get(filter.column);
      const column = t.columns.get(filter.column);
      if (index === undefined) {
        if (column === undefined) { return; }
        const want = new Set(filter.values);
        if (column === t.rowidColumn) { throw new Error(`${table}.${filter.column} is the rowid: not a text column`); }
        await loaded.pages.scanTable(t.root, (rowid, values) => visit(reader(rowid, values)), signal, { column, values: want });
        return;
      }
      const rowids: Rowid[] = [];
      for (const v of new Set(filter.values)) {
        for (const entry of await loaded.pages.indexLookup(index, [v], signal)) {
          const rowid = entry[entry.length - 1];
          if (typeof rowid === 'number' || typeof rowid === 'bigint') { rowids.push(rowid); }
        }
      }
      await loaded.pages.rowsById(t.root, rowids, (rowid, values) => visit(reader(rowid, values)), signal);
    } catch (e) {
      if (e instanceof Error && e.name === 'AbortError') { throw e; }
      throw this.fail(damaged(sqlErrorText(e)));
    }
  }

  async scan(opts?: MlflowReadOptions): Promise<MlflowScan> {
    const { loaded, stale } = await this.db(opts);
    if (!loaded.scan) {
      const experiments = await this.experiments(loaded, opts);
      const { runs, problems } = await this.headers(loaded, new Set(experiments.map((x) => x.id)), undefined, opts);
      loaded.scan = { experiments, runs, problems: [...loaded.notes, ...problems] };
    }
    const { experiments, runs, problems } = loaded.scan;
    return { experiments: [...experiments], runs: [...runs], problems: [...(stale ? [stale] : []), ...problems] };
  }

  private async experiments(loaded: Loaded, opts?: MlflowReadOptions): Promise<MlflowExperiment[]> {
    if (loaded.experiments) { return loaded.experiments; }
    const tagRows: [string, SqliteValue, SqliteValue][] = [];
    await this.rows(loaded, 'experiment_tags', (r) => { tagRows.push([idText(r('experiment_id')), r('key'), r('value')]); }, undefined, opts?.signal);
    tagRows.sort((a, b) => compareValues(a[1], b[1]));
    const expTags = new Map<string, Record<string, string>>();
    for (const [id, k, v] of tagRows) {
      const tags = expTags.get(id) ?? {};
      tags[String(k)] = text(v);
      expTags.set(id, tags);
    }
    const rows: Row[] = [];
    await this.rows(loaded, 'experiments', (r) => { rows.push(r); }, undefined, opts?.signal);
    rows.sort((a, b) => compareValues(a('experiment_id'), b('experiment_id')));
    loaded.experiments = rows.map((r) => {
      const id = idText(r('experiment_id'));
      const artifact = r('artifact_location');
      return {
        id, name: text(r('name')), lifecycle: r('lifecycle_stage') === 'deleted' ? 'deleted' as const : 'active' as const,
        ...opt('artifactLocation', artifact == null ? undefined : text(artifact)),
        ...opt('creationTime', num(r('creation_time'))), ...opt('lastUpdateTime', num(r('last_update_time'))),
        tags: expTags.get(id) ?? {},
      };
    });
    return loaded.experiments;
  }

  /** Run headers (all runs, or these ids in batches of ID_CHUNK), with the name, parent and user tags. */
  private async headers(loaded: Loaded, experimentIds: ReadonlySet<string>, ids: readonly string[] | undefined, opts?: MlflowReadOptions): Promise<{ runs: MlflowRunHeader[]; problems: MlflowProblem[] }> {
    const runs: MlflowRunHeader[] = [];
    const problems: MlflowProblem[] = [];
    const chunks: (readonly string[] | undefined)[] = [];
    if (ids) { for (let i = 0; i < ids.length; i += ID_CHUNK) { chunks.push(ids.slice(i, i + ID_CHUNK)); } } else { chunks.push(undefined); }
    const identity = new Set(['mlflow.runName', 'mlflow.parentRunId', 'mlflow.user']);
    for (const chunk of chunks) {
      const filter = chunk && { column: 'run_uuid', values: chunk };
      const rows: Row[] = [];
      await this.rows(loaded, 'runs', (r) => { rows.push(r); }, filter, opts?.signal);
      // The identity tags of every run: one pass over the tags table (10 tags a run) costs about what 10,000 index
      // lookups do, since each run's tags sit on their own leaf page; for a few ids the run_uuid index is used.
      const tags = new Map<string, Map<string, SqliteValue>>();
      await this.rows(loaded, 'tags', (r) => {
        const k = r('key');
        if (typeof k !== 'string' || !identity.has(k)) { return; }
        const id = text(r('run_uuid'));
        const m = tags.get(id) ?? new Map<string, SqliteValue>();
        if (!m.has(k)) { m.set(k, r('value')); }
        tags.set(id, m);
      }, filter ?? { column: 'key', values: [...identity], scan: true }, opts?.signal);
      rows.sort((a, b) => compareValues(a('start_time'), b('start_time')) || compareValues(a('run_uuid'), b('run_uuid')));
      for (const r of rows) {
        const id = text(r('run_uuid'));
        const status = statusOf(r('status'));
        if (!status) { problems.push({ file: `${this.file}#runs/${id}`, reason: `unknown status ${JSON.stringify(r('status'))}: run skipped` }); continue; }
        const rawExp = r('experiment_id');
        const experimentId = rawExp == null ? '' : idText(rawExp);
        if (!experimentIds.has(experimentId)) { problems.push({ file: `${this.file}#runs/${id}`, reason: `experiment ${experimentId || '(none)'} does not exist` }); }
        const t = tags.get(id);
        const tag = (k: string): SqliteValue => t?.get(k) ?? null;
        const name = r('name');
        const user = r('user_id');
        const artifact = r('artifact_uri');
        const parent = tag('mlflow.parentRunId');
        runs.push({
          id, experimentId, name: name == null || name === '' ? text(tag('mlflow.runName')) : text(name), status,
          lifecycle: r('lifecycle_stage') === 'deleted' ? 'deleted' : 'active',
          ...opt('startTime', num(r('start_time'))), ...opt('endTime', num(r('end_time'))),
          ...opt('userId', user == null || user === '' ? (tag('mlflow.user') == null ? undefined : text(tag('mlflow.user'))) : text(user)),
          ...opt('artifactUri', artifact == null ? undefined : text(artifact)), ...opt('parentRunId', parent == null || parent === '' ? undefined : text(parent)),
        });
      }
    }
    return { runs, problems };
  }

  async runs(ids: readonly string[], opts?: MlflowReadOptions): Promise<{ runs: MlflowRunRecord[]; problems: MlflowProblem[] }> {
    const { loaded, stale } = await this.db(opts);
    const experiments = await this.experiments(loaded, opts);
    const head = await this.headers(loaded, new Set(experiments.map((x) => x.id)), [...new Set(ids)], opts);
    const problems: MlflowProblem[] = [...(stale ? [stale] : []), ...head.problems];
    const byId = new Map(head.runs.map((h): [string, MlflowRunRecord] => [h.id, { ...h, params: {}, tags: {}, metrics: {} }]));
    const wanted = [...byId.keys()];
    // A damaged page in one table loses that table's part of these runs (reported), not the runs.
    const part = async (table: 'params' | 'tags' | 'metrics', read: () => Promise<void>) => {
      if (!hasTable(loaded.schema, table)) { return; }
      try { await read(); } catch (e) {
        opts?.signal?.throwIfAborted();
        problems.push({ file: `${this.file}#${table}`, reason: sqlErrorText(e).replace(`${this.ref.path}: `, '') });
      }
    };
    const filter = { column: 'run_uuid', values: wanted };
    const keyed = (into: 'params' | 'tags') => async () => {
      const got: [string, SqliteValue, SqliteValue][] = [];
      await this.rows(loaded, into, (r) => { got.push([text(r('run_uuid')), r('key'), r('value')]); }, filter, opts?.signal);
      got.sort((a, b) => compareValues(a[1], b[1]));
      for (const [id, k, v] of got) { const rec = byId.get(id); if (rec) { rec[into][String(k)] = text(v); } }
    };
    await part('params', keyed('params'));
    await part('tags', keyed('tags'));
    await part('metrics', async () => {
      const acc = new Map<string, Summary>();
      await this.rows(loaded, 'metrics', (r) => { addPoint(acc, r); }, filter, opts?.signal);
      // Keys in the sql.js reader's order (ORDER BY run_uuid, "key"): the order a run's metrics are listed in.
      for (const [k, s] of [...acc].sort((a, b) => compareValues(a[1].key, b[1].key))) {
        const rec = byId.get(k.slice(0, k.indexOf('\u0000')));
        if (rec) { rec.metrics[s.key] = summaryOf(s); }
      }
    });
    return { runs: [...byId.values()], problems };
  }

  async metricHistory(runId: string, keys?: readonly string[], opts?: MlflowReadOptions): Promise<{ metrics: Record<string, MlflowMetricPoint[]>; problems: MlflowProblem[] }> {
    const { loaded, stale } = await this.db(opts);
    const problems: MlflowProblem[] = stale ? [stale] : [];
    const metrics: Record<string, MlflowMetricPoint[]> = {};
    if (!hasTable(loaded.schema, 'metrics')) { return { metrics, problems: [...problems, ...loaded.notes.filter((n) => n.file.endsWith('#metrics'))] }; }
    if (keys && !keys.length) { return { metrics, problems }; }
    const only = keys ? new Set(keys) : undefined;
    const hasStep = hasColumn(loaded.schema, 'metrics', 'step');
    const hasNan = hasColumn(loaded.schema, 'metrics', 'is_nan');
    // Rowid order: the order MLflow logged the points in, as the file store's lines are.
    await this.rows(loaded, 'metrics', (r) => {
      const k = r('key');
      if (only && !(typeof k === 'string' && only.has(k))) { return; }
      const v = r('value');
      const nan = hasNan ? r('is_nan') : 0;
      (metrics[String(k)] ??= []).push({ timestamp: Number(r('timestamp') ?? 0), value: truthy(nan) || v == null ? NaN : metricValue(v), step: hasStep ? Number(r('step') ?? 0) : 0 });
    }, { column: 'run_uuid', values: [runId] }, opts?.signal);
    return { metrics, problems };
  }

  async registry(opts?: MlflowReadOptions): Promise<MlflowRegistry> {
    const { loaded, stale } = await this.db(opts);
    const { schema } = loaded;
    const problems: MlflowProblem[] = stale ? [stale] : [];
    if (!hasTable(schema, 'registered_models')) { return { models: [], versions: [], problems }; }
    const all = async (t: MlflowTable): Promise<Row[]> => {
      const out: Row[] = [];
      await this.rows(loaded, t, (r) => { out.push(r); }, undefined, opts?.signal);
      return out;
    };
    const tagsOf = async (table: MlflowTable, keyCols: string[]): Promise<Map<string, Record<string, string>>> => {
      const out = new Map<string, Record<string, string>>();
      for (const r of await all(table)) {
        const id = keyCols.map((c) => String(r(c))).join('\u0000');
        const tags = out.get(id) ?? {};
        tags[String(r('key'))] = text(r('value'));
        out.set(id, tags);
      }
      return out;
    };
    const modelTags = await tagsOf('registered_model_tags', ['name']);
    const versionTags = await tagsOf('model_version_tags', ['name', 'version']);
    const aliases = new Map<string, Record<string, number>>();
    const aliasRows = await all('registered_model_aliases');
    aliasRows.sort((a, b) => compareValues(a('name'), b('name')) || compareValues(a('alias'), b('alias')));
    for (const r of aliasRows) {
      const a = aliases.get(String(r('name'))) ?? {};
      a[String(r('alias'))] = Number(r('version'));
      aliases.set(String(r('name')), a);
    }
    const modelRows = await all('registered_models');
    modelRows.sort((a, b) => compareValues(a('name'), b('name')));
    const models: MlflowRegisteredModel[] = modelRows.map((r) => {
      const name = text(r('name'));
      const description = r('description');
      return {
        name, ...opt('description', description == null ? undefined : text(description)),
        ...opt('creationTime', num(r('creation_time'))), ...opt('lastUpdatedTime', num(r('last_updated_time'))),
        tags: modelTags.get(name) ?? {}, aliases: aliases.get(name) ?? {},
      };
    });
    const versions: MlflowModelVersion[] = [];
    const versionRows = await all('model_versions');
    versionRows.sort((a, b) => compareValues(a('name'), b('name')) || compareValues(a('version'), b('version')));
    for (const r of versionRows) {
      const name = text(r('name'));
      const version = Number(r('version'));
      const rawStage = r('current_stage') == null ? '' : text(r('current_stage'));
      if (rawStage.toLowerCase() === STAGE_DELETED_INTERNAL) { continue; }
      const stage = stageOf(rawStage);
      if (!stage) { problems.push({ file: `${this.file}#model_versions/${name}/${version}`, reason: `unknown stage ${JSON.stringify(rawStage)}: shown as None` }); }
      const modelAliases = aliases.get(name) ?? {};
      const [description, source, runId, status] = [r('description'), r('source'), r('run_id'), r('status')];
      versions.push({
        model: name, version, stage: stage ?? 'None',
        ...opt('creationTime', num(r('creation_time'))), ...opt('lastUpdatedTime', num(r('last_updated_time'))),
        ...opt('description', description == null ? undefined : text(description)), ...opt('source', source == null ? undefined : text(source)),
        ...opt('runId', runId == null || runId === '' ? undefined : text(runId)), ...opt('status', status == null ? undefined : text(status)),
        tags: versionTags.get(`${name}\u0000${version}`) ?? {},
        aliases: Object.entries(modelAliases).filter(([, v]) => v === version).map(([a]) => a),
      });
    }
    return { models, versions, problems };
  }
}

/** `CAST(x AS TEXT)` of an id column: integers as digits (bigint beyond 2^53 keeps every digit). */
function idText(v: SqliteValue): string {
  return v == null ? '' : text(v);
}

/** SQL truth of a BOOLEAN column (`is_nan = 1`). */
function truthy(v: SqliteValue): boolean {
  return v === 1 || v === 1n;
}

/** Running summary of one run's key: what the sql.js reader's GROUP BY and ROW_NUMBER() compute. */
interface Summary {
  key: string;
  count: number;
  lo: SqliteValue;
  hi: SqliteValue;
  last?: { value: SqliteValue; nan: boolean; step: SqliteValue; timestamp: SqliteValue };
}

function addPoint(acc: Map<string, Summary>, r: Row): void {
  const key = text(r('key'));
  const id = `${text(r('run_uuid'))}\u0000${key}`;
  let s = acc.get(id);
  if (!s) { s = { key, count: 0, lo: null, hi: null }; acc.set(id, s); }
  const value = r('value');
  const nan = truthy(r('is_nan')) || value === null;
  s.count++;
  if (!nan) {
    if (s.lo === null || compareValues(value, s.lo) < 0) { s.lo = value; }
    if (s.hi === null || compareValues(value, s.hi) > 0) { s.hi = value; }
  }
  // A table without `step` reads 0 for every point (the sql.js reader's `0 AS step`).
  const step = r('step') ?? 0;
  const timestamp = r('timestamp');
  const l = s.last;
  if (!l || (compareValues(step, l.step) || compareValues(timestamp, l.timestamp) || compareValues(value, l.value)) > 0) {
    s.last = { value, nan, step, timestamp };
  }
}

function summaryOf(s: Summary): MlflowMetricSummary {
  const l = s.last!;
  return {
    key: s.key, count: s.count,
    min: s.lo == null ? NaN : metricValue(s.lo), max: s.hi == null ? NaN : metricValue(s.hi),
    last: l.nan ? NaN : metricValue(l.value), lastStep: Number(l.step ?? 0), lastTimestamp: Number(l.timestamp ?? 0),
  };
}
