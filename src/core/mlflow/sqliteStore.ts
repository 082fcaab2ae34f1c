/**
 * The SQLite tracking store (`mlflow.db`) read in place. The file's bytes are copied into an in-memory sql.js
 * database: nothing is exported back, no lock or journal is taken on the user's file (a lock held by a training
 * script does not stop us), and the copy is read again when the file's size or mtime changes (the tree's
 * "re-query on change"). Queries are built from the columns this database has (sqliteSchema.ts).
 */
import * as fs from 'node:fs';
import { ident, openSqliteBytes, queryRows, sqlErrorText, sqliteHeaderProblem, type SqlDatabase, type SqlValue } from './sqliteEngine';
import { colOrNull, hasColumn, hasTable, readSchema, type MlflowTable, type SqliteSchema } from './sqliteSchema';
import { openLargeSqliteStore } from './sqliteLarge';
import { STAGE_DELETED_INTERNAL, damaged, mb, metricValue, num, opt, relName, stageOf, statusOf, text, walNote } from './sqliteValues';
import {
  MLFLOW_MAX_FILE_BYTES,
  type MlflowExperiment, type MlflowMetricPoint, type MlflowMetricSummary, type MlflowModelVersion, type MlflowProblem,
  type MlflowReadOptions, type MlflowReader, type MlflowRegisteredModel, type MlflowRegistry, type MlflowRunHeader,
  type MlflowRunRecord, type MlflowScan, type MlflowStoreRef,
} from './types';

/** Run ids per `IN (…)` list (SQLite's default limit on bound parameters is 32766). */
const ID_CHUNK = 500;
/** SQLite's page cache per open database, KiB. */
const PAGE_CACHE_KIB = 32 * 1024;

interface Loaded {
  db: SqlDatabase;
  schema: SqliteSchema;
  size: number;
  mtimeMs: number;
  /** Problems of the file as a whole (a table missing, a WAL not yet checkpointed), repeated by scan(). */
  notes: MlflowProblem[];
  /** scan() of this copy: the tree asks again on every refresh, the file is what changes it. */
  scan?: Omit<MlflowScan, 'problems'> & { problems: MlflowProblem[] };
}

/**
 * Files up to this size are copied into sql.js (open + scan of a 64 MB file takes about 0.5 s); larger ones are read
 * through the page reader (sqliteLarge.ts), which reads only the pages a question needs.
 */
export const SQLITE_IN_MEMORY_MAX_BYTES = 64 * 1024 * 1024;

export interface OpenSqliteOptions {
  /** `memory`: sql.js over a copy of the file; `pages`: the page reader; default: by the file's size. */
  reader?: 'memory' | 'pages';
}

/** Opens `mlflow.db` for reading; rejects with the file and the reason when it cannot be read at all. */
export async function openSqliteStore(ref: MlflowStoreRef, opts: OpenSqliteOptions = {}): Promise<MlflowReader> {
  let use = opts.reader;
  if (!use) {
    const st = await fs.promises.stat(ref.path).catch(() => undefined);
    use = st && st.isFile() && st.size > SQLITE_IN_MEMORY_MAX_BYTES ? 'pages' : 'memory';
  }
  if (use === 'pages') { return openLargeSqliteStore(ref); }
  const reader = new SqliteReader(ref);
  await reader.start();
  return reader;
}

class SqliteReader implements MlflowReader {
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
    this.current?.db.close();
    this.current = undefined;
  }

  /** The first copy (openSqliteStore). */
  async start(): Promise<void> {
    this.current = await this.load();
  }

  /** Reads the file (first open, or again after it changed). Rejects with `<path>: <reason>`. */
  private async load(): Promise<Loaded> {
    const st = await fs.promises.stat(this.ref.path).catch((e: NodeJS.ErrnoException) => { throw this.fail(e.code === 'ENOENT' ? 'no such file' : e.message); });
    if (!st.isFile()) { throw this.fail('not a file'); }
    if (st.size > MLFLOW_MAX_FILE_BYTES) {
      throw this.fail(`too large to read (${mb(st.size)}; the limit is ${mb(MLFLOW_MAX_FILE_BYTES)}, the whole file is held in memory)`);
    }
    const bytes = await fs.promises.readFile(this.ref.path);
    const headerProblem = sqliteHeaderProblem(bytes);
    if (headerProblem) { throw this.fail(headerProblem); }
    let db: SqlDatabase | undefined;
    try {
      db = await openSqliteBytes(bytes);
      // The copy is never written (query_only makes that SQLite's rule too); a larger page cache than the default
      // 2 MB keeps the tables a scan touches in wasm memory between queries.
      db.run('PRAGMA query_only = 1');
      db.run(`PRAGMA cache_size = -${PAGE_CACHE_KIB}`);
      const schema = readSchema(db);
      const notes = await this.fileNotes(schema);
      return { db, schema, size: st.size, mtimeMs: st.mtimeMs, notes };
    } catch (e) {
      db?.close();
      throw this.fail(damaged(sqlErrorText(e)));
    }
  }

  private fail(reason: string): Error {
    return new Error(`${this.ref.path}: ${reason}`);
  }

  private async fileNotes(schema: SqliteSchema): Promise<MlflowProblem[]> {
    const notes: MlflowProblem[] = [];
    for (const t of ['params', 'tags', 'metrics'] as const) {
      if (!hasTable(schema, t)) { notes.push({ file: `${this.file}#${t}`, reason: `no ${t} table: runs are shown without ${t}` }); }
    }
    const wal = await fs.promises.stat(`${this.ref.path}-wal`).catch(() => undefined);
    if (wal && wal.size > 0) {
      notes.push(walNote(this.file, wal.size));
    }
    return notes;
  }

  /**
   * The database to query: the loaded copy, read again when the file's size or mtime changed. A file caught in the
   * middle of a write (damaged for a moment) keeps the previous copy, with a problem saying so.
   */
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
      if (this.closed) { next.db.close(); throw new Error(`${this.ref.path}: the reader is closed`); }
      if (this.current !== next) {
        this.current?.db.close();
        this.current = next;
      }
      return { loaded: next };
    } catch (e) {
      if (!cur || this.closed) { throw e; }
      return { loaded: cur, stale: { file: this.file, reason: `could not be read again (${sqlErrorText(e)}); showing what was read before` } };
    }
  }

  async scan(opts?: MlflowReadOptions): Promise<MlflowScan> {
    const { loaded, stale } = await this.db(opts);
    if (!loaded.scan) {
      const experiments = this.experiments(loaded);
      opts?.signal?.throwIfAborted();
      const { runs, problems } = this.headers(loaded, new Set(experiments.map((x) => x.id)));
      loaded.scan = { experiments, runs, problems: [...loaded.notes, ...problems] };
    }
    const { experiments, runs, problems } = loaded.scan;
    return { experiments: [...experiments], runs: [...runs], problems: [...(stale ? [stale] : []), ...problems] };
  }

  private experiments({ db, schema }: Loaded): MlflowExperiment[] {
    const e = (c: string) => colOrNull(schema, 'experiments', c);
    const expTags = new Map<string, Record<string, string>>();
    if (hasTable(schema, 'experiment_tags')) {
      for (const [id, k, v] of this.rows(db, 'SELECT CAST(experiment_id AS TEXT), "key", value FROM experiment_tags ORDER BY "key"')) {
        const tags = expTags.get(String(id)) ?? {};
        tags[String(k)] = text(v);
        expTags.set(String(id), tags);
      }
    }
    const sql = `SELECT CAST(experiment_id AS TEXT), name, ${e('lifecycle_stage')}, ${e('artifact_location')}, ${e('creation_time')}, ${e('last_update_time')} FROM experiments ORDER BY experiment_id`;
    return this.rows(db, sql).map((r) => ({
      id: String(r[0]), name: text(r[1]), lifecycle: r[2] === 'deleted' ? 'deleted' as const : 'active' as const,
      ...opt('artifactLocation', r[3] == null ? undefined : text(r[3])),
      ...opt('creationTime', num(r[4])), ...opt('lastUpdateTime', num(r[5])),
      tags: expTags.get(String(r[0])) ?? {},
    }));
  }

  /**
   * Run headers: the `runs` row, with the name, parent and user from the tags table when the row has none (MLflow
   * 1.x left `name` empty and kept the name in `mlflow.runName`). `ids`: only these runs (all when absent).
   */
  private headers({ db, schema }: Loaded, experimentIds: ReadonlySet<string>, ids?: readonly string[]): { runs: MlflowRunHeader[]; problems: MlflowProblem[] } {
    const runs: MlflowRunHeader[] = [];
    const problems: MlflowProblem[] = [];
    const chunks = ids ? chunked(ids) : [undefined];
    const c = (col: string) => colOrNull(schema, 'runs', col);
    for (const chunk of chunks) {
      const where = chunk ? `run_uuid IN (${chunk.map(() => '?').join(',')})` : '1';
      const params: SqlValue[] = chunk ? [...chunk] : [];
      // The three identity tags by the tags table's primary key (key, run_uuid): one lookup each per run, instead of
      // a pass over every tag of the store.
      const tag = (k: string) => (hasTable(schema, 'tags') ? `(SELECT t.value FROM tags t WHERE t."key" = '${k}' AND t.run_uuid = runs.run_uuid)` : 'NULL');
      const sql = `SELECT run_uuid, CAST(experiment_id AS TEXT), ${c('name')}, status, lifecycle_stage, ${c('start_time')}, ${c('end_time')}, ${c('user_id')}, ${c('artifact_uri')}, ${tag('mlflow.runName')}, ${tag('mlflow.parentRunId')}, ${tag('mlflow.user')} FROM runs WHERE ${where} ORDER BY ${c('start_time')}, run_uuid`;
      for (const r of this.rows(db, sql, params)) {
        const id = text(r[0]);
        const status = statusOf(r[3]);
        if (!status) { problems.push({ file: `${this.file}#runs/${id}`, reason: `unknown status ${JSON.stringify(r[3])}: run skipped` }); continue; }
        const experimentId = r[1] == null ? '' : String(r[1]);
        if (!experimentIds.has(experimentId)) { problems.push({ file: `${this.file}#runs/${id}`, reason: `experiment ${experimentId || '(none)'} does not exist` }); }
        runs.push({
          id, experimentId, name: r[2] == null || r[2] === '' ? text(r[9]) : text(r[2]), status,
          lifecycle: r[4] === 'deleted' ? 'deleted' : 'active',
          ...opt('startTime', num(r[5])), ...opt('endTime', num(r[6])),
          ...opt('userId', r[7] == null || r[7] === '' ? (r[11] == null ? undefined : text(r[11])) : text(r[7])),
          ...opt('artifactUri', r[8] == null ? undefined : text(r[8])), ...opt('parentRunId', r[10] == null || r[10] === '' ? undefined : text(r[10])),
        });
      }
    }
    return { runs, problems };
  }

  async runs(ids: readonly string[], opts?: MlflowReadOptions): Promise<{ runs: MlflowRunRecord[]; problems: MlflowProblem[] }> {
    const { loaded, stale } = await this.db(opts);
    const { db, schema } = loaded;
    const head = this.headers(loaded, new Set(this.experiments(loaded).map((x) => x.id)), [...new Set(ids)]);
    const problems: MlflowProblem[] = [...(stale ? [stale] : []), ...head.problems];
    const byId = new Map(head.runs.map((h): [string, MlflowRunRecord] => [h.id, { ...h, params: {}, tags: {}, metrics: {} }]));
    // A damaged page in one table loses that table's part of these runs (reported), not the runs.
    const part = (table: 'params' | 'tags' | 'metrics', read: () => void) => {
      if (!hasTable(schema, table)) { return; }
      try { read(); } catch (e) { problems.push({ file: `${this.file}#${table}`, reason: sqlErrorText(e).replace(`${this.ref.path}: `, '') }); }
    };
    for (const chunk of chunked([...byId.keys()])) {
      opts?.signal?.throwIfAborted();
      const marks = chunk.map(() => '?').join(',');
      part('params', () => {
        for (const [id, k, v] of this.rows(db, `SELECT run_uuid, "key", value FROM params WHERE run_uuid IN (${marks}) ORDER BY "key"`, chunk)) {
          byId.get(String(id))!.params[String(k)] = text(v);
        }
      });
      part('tags', () => {
        for (const [id, k, v] of this.rows(db, `SELECT run_uuid, "key", value FROM tags WHERE run_uuid IN (${marks}) ORDER BY "key"`, chunk)) {
          byId.get(String(id))!.tags[String(k)] = text(v);
        }
      });
      if (opts?.summaries === false) { continue; }
      part('metrics', () => {
        for (const s of this.summaries(db, schema, chunk)) { byId.get(s.runId)!.metrics[s.summary.key] = s.summary; }
      });
    }
    return { runs: [...byId.values()], problems };
  }

  /** Per run and key: count, min/max without NaN, and the last point by (step, timestamp, value). */
  private summaries(db: SqlDatabase, schema: SqliteSchema, runIds: string[]): { runId: string; summary: MlflowMetricSummary }[] {
    const m = (col: string, dflt: string) => (hasColumn(schema, 'metrics', col) ? ident(col) : dflt);
    const isNan = m('is_nan', '0');
    const step = m('step', '0');
    const marks = runIds.map(() => '?').join(',');
    // A NULL value has no number: it counts like NaN.
    const nanExpr = `(${isNan} = 1 OR value IS NULL)`;
    const sql = `
      WITH pts AS (SELECT run_uuid, "key", value, timestamp, ${step} AS step, ${nanExpr} AS nan FROM metrics WHERE run_uuid IN (${marks})),
      agg AS (SELECT run_uuid, "key", COUNT(*) AS n, MIN(CASE WHEN nan THEN NULL ELSE value END) AS lo, MAX(CASE WHEN nan THEN NULL ELSE value END) AS hi FROM pts GROUP BY run_uuid, "key"),
      last AS (SELECT run_uuid, "key", value, nan, step, timestamp,
                 ROW_NUMBER() OVER (PARTITION BY run_uuid, "key" ORDER BY step DESC, timestamp DESC, value DESC) AS rn FROM pts)
      SELECT agg.run_uuid, agg."key", agg.n, agg.lo, agg.hi, last.value, last.nan, last.step, last.timestamp
      FROM agg JOIN last ON last.run_uuid = agg.run_uuid AND last."key" = agg."key" AND last.rn = 1
      ORDER BY agg.run_uuid, agg."key"`;
    return this.rows(db, sql, runIds).map((r) => ({
      runId: String(r[0]),
      summary: {
        key: String(r[1]), count: Number(r[2]),
        min: r[3] == null ? NaN : metricValue(r[3]), max: r[4] == null ? NaN : metricValue(r[4]),
        last: r[6] ? NaN : metricValue(r[5]), lastStep: Number(r[7] ?? 0), lastTimestamp: Number(r[8] ?? 0),
      },
    }));
  }

  async metricHistory(runId: string, keys?: readonly string[], opts?: MlflowReadOptions): Promise<{ metrics: Record<string, MlflowMetricPoint[]>; problems: MlflowProblem[] }> {
    const { loaded, stale } = await this.db(opts);
    const { db, schema } = loaded;
    const problems: MlflowProblem[] = stale ? [stale] : [];
    const metrics: Record<string, MlflowMetricPoint[]> = {};
    if (!hasTable(schema, 'metrics')) { return { metrics, problems: [...problems, ...loaded.notes.filter((n) => n.file.endsWith('#metrics'))] }; }
    const isNan = hasColumn(schema, 'metrics', 'is_nan') ? ident('is_nan') : '0';
    const step = hasColumn(schema, 'metrics', 'step') ? ident('step') : '0';
    const params: SqlValue[] = [runId];
    let where = 'run_uuid = ?';
    if (keys) {
      if (!keys.length) { return { metrics, problems }; }
      where += ` AND "key" IN (${keys.map(() => '?').join(',')})`;
      params.push(...keys);
    }
    // Row order is insertion order (rowid): the order MLflow logged the points in, as the file store's lines are.
    for (const [k, v, ts, st, nan] of this.rows(db, `SELECT "key", value, timestamp, ${step}, ${isNan} FROM metrics WHERE ${where} ORDER BY rowid`, params)) {
      const key = String(k);
      (metrics[key] ??= []).push({ timestamp: Number(ts ?? 0), value: nan || v == null ? NaN : metricValue(v), step: Number(st ?? 0) });
    }
    return { metrics, problems };
  }

  async registry(opts?: MlflowReadOptions): Promise<MlflowRegistry> {
    const { loaded, stale } = await this.db(opts);
    const { db, schema } = loaded;
    const problems: MlflowProblem[] = stale ? [stale] : [];
    if (!hasTable(schema, 'registered_models')) { return { models: [], versions: [], problems }; }
    const rm = (c: string) => colOrNull(schema, 'registered_models', c);
    const tagsOf = (table: MlflowTable, keyCols: string[]): Map<string, Record<string, string>> => {
      const out = new Map<string, Record<string, string>>();
      if (!hasTable(schema, table)) { return out; }
      for (const r of this.rows(db, `SELECT ${keyCols.map(ident).join(', ')}, "key", value FROM ${ident(table)}`)) {
        const id = r.slice(0, keyCols.length).map(String).join('\u0000');
        const tags = out.get(id) ?? {};
        tags[String(r[keyCols.length])] = text(r[keyCols.length + 1]);
        out.set(id, tags);
      }
      return out;
    };
    const modelTags = tagsOf('registered_model_tags', ['name']);
    const versionTags = tagsOf('model_version_tags', ['name', 'version']);
    const aliases = new Map<string, Record<string, number>>();
    if (hasTable(schema, 'registered_model_aliases')) {
      for (const [name, alias, version] of this.rows(db, 'SELECT name, alias, version FROM registered_model_aliases ORDER BY name, alias')) {
        const a = aliases.get(String(name)) ?? {};
        a[String(alias)] = Number(version);
        aliases.set(String(name), a);
      }
    }
    const models: MlflowRegisteredModel[] = this.rows(db, `SELECT name, ${rm('description')}, ${rm('creation_time')}, ${rm('last_updated_time')} FROM registered_models ORDER BY name`).map((r) => ({
      name: text(r[0]), ...opt('description', r[1] == null ? undefined : text(r[1])),
      ...opt('creationTime', num(r[2])), ...opt('lastUpdatedTime', num(r[3])),
      tags: modelTags.get(text(r[0])) ?? {}, aliases: aliases.get(text(r[0])) ?? {},
    }));
    const versions: MlflowModelVersion[] = [];
    if (hasTable(schema, 'model_versions')) {
      const mv = (c: string) => colOrNull(schema, 'model_versions', c);
      const sql = `SELECT name, version, ${mv('current_stage')}, ${mv('creation_time')}, ${mv('last_updated_time')}, ${mv('description')}, ${mv('source')}, ${mv('run_id')}, ${mv('status')} FROM model_versions ORDER BY name, version`;
      for (const r of this.rows(db, sql)) {
        const name = text(r[0]);
        const version = Number(r[1]);
        const rawStage = r[2] == null ? '' : text(r[2]);
        if (rawStage.toLowerCase() === STAGE_DELETED_INTERNAL) { continue; }
        const stage = stageOf(rawStage);
        if (!stage) { problems.push({ file: `${this.file}#model_versions/${name}/${version}`, reason: `unknown stage ${JSON.stringify(rawStage)}: shown as None` }); }
        const modelAliases = aliases.get(name) ?? {};
        versions.push({
          model: name, version, stage: stage ?? 'None',
          ...opt('creationTime', num(r[3])), ...opt('lastUpdatedTime', num(r[4])),
          ...opt('description', r[5] == null ? undefined : text(r[5])), ...opt('source', r[6] == null ? undefined : text(r[6])),
          ...opt('runId', r[7] == null || r[7] === '' ? undefined : text(r[7])), ...opt('status', r[8] == null ? undefined : text(r[8])),
          tags: versionTags.get(`${name}\u0000${version}`) ?? {},
          aliases: Object.entries(modelAliases).filter(([, v]) => v === version).map(([a]) => a),
        });
      }
    }
    return { models, versions, problems };
  }

  /** A query on the loaded copy; an SQLite error here (a damaged page) names the file. */
  private rows(db: SqlDatabase, sql: string, params: SqlValue[] = []): SqlValue[][] {
    try {
      return queryRows(db, sql, params);
    } catch (e) {
      throw this.fail(damaged(sqlErrorText(e)));
    }
  }
}

function chunked<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += ID_CHUNK) { out.push(xs.slice(i, i + ID_CHUNK)); }
  return out;
}
