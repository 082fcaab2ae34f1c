// The page reader for large mlflow.db files (sqlitePages.ts + sqliteLarge.ts) against the sql.js reader: on the
// corpus databases and on fixtures covering NaN/±Inf, an 18-digit experiment id, deleted runs, the registry with
// aliases, MLflow 1.0's schema, columns added by ALTER TABLE, tables without their run_uuid index, 20 kB values on
// overflow pages at 512 B, 4 kB and 64 kB pages, and more than 500 runs (the readers' id batches) — scan, runs (all
// ids), metricHistory and registry must deep-equal. Then bad files (damaged page 1, truncated, UTF-16), a damaged
// table, re-reading after a change, and nothing written next to the database.
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SQLITE_IN_MEMORY_MAX_BYTES, openSqliteStore } from '../../src/core/mlflow/sqliteStore';
import { sqlEngine } from '../../src/core/mlflow/sqliteEngine';
import type { MlflowReader, MlflowStoreRef } from '../../src/core/mlflow/types';
import { REPO, tmpDir } from './helpers';
import { MLFLOW_DDL, runRow, writeMlflowDb, type Statement } from './mlflowSqliteFixture';

const CORPUS = path.resolve(REPO, '..', 'shared', 'corpus', 'mlruns');

function refOf(file: string, root = path.dirname(file)): MlflowStoreRef {
  return { kind: 'sqlite', path: file, root, label: `MLflow — ${path.basename(file)}`, key: `mlflow:sqlite:${file}` };
}

const pages = (file: string) => openSqliteStore(refOf(file), { reader: 'pages' });
const memory = (file: string) => openSqliteStore(refOf(file), { reader: 'memory' });

/** Everything a reader answers about a store: scan, runs of every id, every run's metric history, the registry. */
async function everything(reader: MlflowReader): Promise<unknown> {
  const scan = await reader.scan();
  const ids = scan.runs.map((r) => r.id);
  const runs = await reader.runs([...ids, 'f'.repeat(32)]);
  const histories = [];
  for (const id of ids) { histories.push(await reader.metricHistory(id)); }
  const someKeys = runs.runs.length ? Object.keys(runs.runs[0].metrics).sort().slice(0, 1) : [];
  const oneKey = ids.length ? await reader.metricHistory(ids[0], someKeys) : undefined;
  return { scan, runs, histories, oneKey, registry: await reader.registry() };
}

async function sameAnswers(file: string): Promise<unknown> {
  const a = await memory(file);
  const b = await pages(file);
  try {
    const want = await everything(a);
    const got = await everything(b);
    assert.deepEqual(got, want, `${file}: the page reader answers as sql.js does`);
    // Listing order too (deepEqual ignores the order of an object's keys): params, tags and metrics by key.
    assert.equal(JSON.stringify(got), JSON.stringify(want));
    return want;
  } finally {
    a.close();
    b.close();
  }
}

const m = (run: string, key: string, value: number, ts: number, step: number, nan = 0): Statement => ['INSERT INTO metrics VALUES (?,?,?,?,?,?)', [key, value, ts, run, step, nan]];
const tag = (run: string, k: string, v: string): Statement => ['INSERT INTO tags VALUES (?,?,?)', [k, v, run]];
const param = (run: string, k: string, v: string): Statement => ['INSERT INTO params VALUES (?,?,?)', [k, v, run]];

/** A store touching every path of both readers (the registry, NaN/±Inf, deleted runs, nested runs, long values). */
export function richStore(runs: number, long = 20_000): Statement[] {
  const out: Statement[] = [
    "INSERT INTO experiments VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', 5, 6)",
    "INSERT INTO experiments VALUES (459562201803247328, 'big id', 'file:///C:/Users/x/mlruns/459562201803247328', 'active', 7, 8)",
    "INSERT INTO experiments VALUES (7, 'gone', NULL, 'deleted', NULL, NULL)",
    "INSERT INTO experiment_tags VALUES ('mlflow.note.content', 'line 1\nline 2', 0)",
    ['INSERT INTO experiment_tags VALUES (?,?,?)', ['long', 'é'.repeat(long / 2), '459562201803247328']],
    "INSERT INTO registered_models VALUES ('churn', 1, 2, 'predicts churn')",
    "INSERT INTO registered_models VALUES ('empty', 3, 4, NULL)",
    "INSERT INTO registered_model_tags VALUES ('team', 'growth', 'churn')",
    "INSERT INTO model_version_tags VALUES ('validated', 'yes', 'churn', 2)",
    "INSERT INTO registered_model_aliases VALUES ('prod', 2, 'churn')",
    "INSERT INTO registered_model_aliases VALUES ('champion', 2, 'churn')",
    "INSERT INTO registered_model_aliases VALUES ('old', 1, 'churn')",
  ];
  const statuses = ['FINISHED', 'RUNNING', 'SCHEDULED', 'FAILED', 'KILLED'];
  for (let i = 0; i < runs; i++) {
    const id = crypto.createHash('md5').update(String(i)).digest('hex');
    const exp = i % 3 === 0 ? 0 : i % 3 === 1 ? '459562201803247328' : 7; // text: INTEGER affinity stores every digit
    out.push(['INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)',
      [id, i % 4 === 0 ? '' : `run-${i}`, 'LOCAL', '', '', i % 5 === 0 ? '' : 'alice', statuses[i % 5], i % 7 === 0 ? null : 1_700_000_000_000 + (i % 11) * 1000, i % 5 === 1 ? null : 1_700_000_100_000, '', i % 6 === 0 ? 'deleted' : 'active', `file:///tmp/mlruns/${exp}/${id}/artifacts`, exp]]);
    out.push(tag(id, 'mlflow.runName', `from-tag-${i}`));
    if (i % 5 === 0) { out.push(tag(id, 'mlflow.user', `user-${i}`)); }
    if (i > 0 && i % 4 === 1) { out.push(tag(id, 'mlflow.parentRunId', crypto.createHash('md5').update(String(i - 1)).digest('hex'))); }
    // Keys in code point order that UTF-16 order gets wrong (U+FF5E vs an astral character), multi-line values.
    out.push(tag(id, '\uff5e', 'wide'), tag(id, '\u{1f600}', 'astral'), tag(id, 'note', 'a\nb\n'));
    out.push(param(id, 'lr', '1e-3'), param(id, 'layers', String(i)));
    if (i % 10 === 0) { out.push(param(id, 'long', 'x'.repeat(long)), tag(id, 'mlflow.note.content', `${i}:`.padEnd(long, 'n'))); }
    out.push(m(id, 'loss', 0.5, 1000, 0), m(id, 'loss', 0, 1001, 1, 1), m(id, 'loss', 0.25 + i, 1002, 2));
    out.push(m(id, 'grad', Number.MAX_VALUE, 1000, 0), m(id, 'grad', -Number.MAX_VALUE, 1001, 1), m(id, 'grad', 2, 1002, 2));
    out.push(m(id, 'tie', 1, 2000, 5), m(id, 'tie', 3, 2000, 5), m(id, 'tie', 2, 1999, 5), m(id, 'tie', 9, 5000, 4));
    if (i % 3 === 0) { out.push(m(id, 'allnan', 0, 1000, 0, 1), m(id, 'late nan', 1, 1, 0), m(id, 'late nan', 0, 2, 1, 1)); }
    if (i < 5) {
      out.push(['INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, current_stage, source, run_id, status) VALUES (?,?,?,?,?,?,?,?,?)',
        ['churn', i + 1, 100 + i, 200 + i, i === 0 ? 'first' : null, ['Archived', 'Production', null, 'Deleted_Internal', 'Weird'][i], `runs:/${id}/model`, i === 2 ? '' : id, 'READY']]);
    }
  }
  return out;
}

describe('MLflow SQLite page reader: the same answers as sql.js', function () {
  this.timeout(120_000);

  it('the corpus databases', async () => {
    const files = [
      path.join(CORPUS, 'PacktPublishing__Machine-Learning-Engineering-with-Python-Second-Edition', 'mlflow.db'),
      path.join(CORPUS, 'Nattawut30__MLOps-Port-Optimization-Python', 'mlruns', 'mlflow.db'),
    ];
    for (const file of files) {
      const got = await sameAnswers(file) as { scan: { runs: unknown[] } };
      assert.ok(got.scan.runs.length > 0, `${file} has runs`);
    }
  });

  for (const pageSize of [512, 4096, 65536]) {
    it(`a rich store with ${pageSize}-byte pages: 20 kB values on overflow pages, 600 runs, the registry, NaN/±Inf, an 18-digit experiment id`, async () => {
      const file = path.join(tmpDir(), 'mlflow.db');
      await writeMlflowDb(file, richStore(600), `PRAGMA page_size = ${pageSize};${MLFLOW_DDL}`);
      assert.equal(fs.readFileSync(file).readUInt16BE(16), pageSize === 65536 ? 1 : pageSize);
      const got = await sameAnswers(file) as { scan: { experiments: { id: string }[]; runs: unknown[] }; registry: { versions: unknown[]; problems: unknown[] }; runs: { runs: { params: Record<string, string> }[] } };
      assert.deepEqual(got.scan.experiments.map((e) => e.id), ['0', '7', '459562201803247328'], 'ids as text, every digit');
      assert.equal(got.scan.runs.length, 600);
      assert.equal(got.registry.versions.length, 4, 'Deleted_Internal left out');
      assert.equal(got.registry.problems.length, 1, 'the unknown stage reported');
      assert.equal(got.runs.runs.filter((r) => r.params.long?.length === 20_000).length, 60, 'every 20 kB param read whole');
    });
  }

  it('MLflow 1.0\'s schema (no step/is_nan, no name column, no indexes) and columns added by ALTER TABLE after rows were written', async () => {
    const run = 'c'.repeat(32);
    const ddl = `
      CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);
      INSERT INTO alembic_version VALUES ('ff01da956556');
      CREATE TABLE experiments (experiment_id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(256) NOT NULL, artifact_location VARCHAR(256), lifecycle_stage VARCHAR(32));
      CREATE TABLE runs (run_uuid VARCHAR(32) NOT NULL PRIMARY KEY, source_type VARCHAR(20), user_id VARCHAR(256), status VARCHAR(20), start_time BIGINT, end_time BIGINT, lifecycle_stage VARCHAR(20), artifact_uri VARCHAR(200), experiment_id INTEGER);
      CREATE TABLE metrics ("key" VARCHAR(250), value FLOAT NOT NULL, timestamp BIGINT, run_uuid VARCHAR(32));
      CREATE TABLE params ("key" VARCHAR(250), value VARCHAR(250) NOT NULL, run_uuid VARCHAR(32));
      CREATE TABLE tags ("key" VARCHAR(250), value VARCHAR(250), run_uuid VARCHAR(32));`;
    const rows: Statement[] = [
      "INSERT INTO experiments VALUES (0, 'Default', '/tmp/0', 'active')",
      ['INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?)', [run, 'LOCAL', 'u', 'FINISHED', 1, 2, 'active', '/tmp/0/a', 0]],
      ['INSERT INTO tags VALUES (?,?,?)', ['mlflow.runName', 'old-run', run]],
      ['INSERT INTO metrics VALUES (?,?,?,?)', ['acc', 0.5, 10, run]],
      ['INSERT INTO metrics VALUES (?,?,?,?)', ['acc', 0.7, 20, run]],
      ['INSERT INTO params VALUES (?,?,?)', ['lr', '1e-3', run]],
    ];
    const old = path.join(tmpDir(), 'mlflow.db');
    await writeMlflowDb(old, rows, ddl);
    await sameAnswers(old);
    // The first migration's ALTER TABLE: rows written before it are shorter records and read the column's DEFAULT.
    const altered = path.join(tmpDir(), 'mlflow.db');
    await writeMlflowDb(altered, [...rows,
      "ALTER TABLE metrics ADD COLUMN step BIGINT DEFAULT '0' NOT NULL",
      "ALTER TABLE metrics ADD COLUMN is_nan BOOLEAN DEFAULT '0' NOT NULL",
      "ALTER TABLE runs ADD COLUMN name VARCHAR(250) DEFAULT 'unnamed'",
      "UPDATE alembic_version SET version_num = '451aebb31d03'",
      ['INSERT INTO metrics VALUES (?,?,?,?,?,?)', ['acc', 0.1, 5, run, 3, 0]],
    ], ddl);
    const got = await sameAnswers(altered) as { runs: { runs: { name: string; metrics: Record<string, { lastStep: number }> }[] } };
    assert.deepEqual([got.runs.runs[0].name, got.runs.runs[0].metrics.acc.lastStep], ['unnamed', 3]);
  });

  it('tables without their run_uuid index are scanned instead', async () => {
    const file = path.join(tmpDir(), 'mlflow.db');
    await writeMlflowDb(file, [...richStore(40, 6000), 'DROP INDEX index_params_run_uuid', 'DROP INDEX index_tags_run_uuid', 'DROP INDEX index_metrics_run_uuid']);
    await sameAnswers(file);
  });
});

/** Path, size, mtime and sha256 of every file in a folder. */
function folderState(dir: string): string[] {
  return fs.readdirSync(dir).sort().map((name) => {
    const p = path.join(dir, name);
    const st = fs.statSync(p);
    return `${name} ${st.size} ${st.mtimeMs} ${crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`;
  });
}

async function rejects(file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(pages(file), (e: Error) => {
    assert.ok(e.message.startsWith(`${file}: `), `the message names the file: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('MLflow SQLite page reader: bad files, live files, nothing written', function () {
  this.timeout(60_000);
  const one = ["INSERT INTO experiments VALUES (0, 'Default', '/tmp/0', 'active', 1, 1)", runRow('1'.repeat(32), 0)];

  it('page 1 damaged: "damaged (page 1: …)"', async () => {
    const file = path.join(tmpDir(), 'mlflow.db');
    await writeMlflowDb(file, one);
    const bytes = fs.readFileSync(file);
    bytes.fill(0xff, 100, 4096);
    fs.writeFileSync(file, bytes);
    await rejects(file, /: damaged \(page 1: .*\)$/);
  });

  it('a truncated file, a text file, an empty file', async () => {
    const dir = tmpDir();
    const whole = path.join(dir, 'whole.db');
    await writeMlflowDb(whole, one);
    const cut = path.join(dir, 'mlflow.db');
    fs.writeFileSync(cut, fs.readFileSync(whole).subarray(0, 4096 * 3));
    await rejects(cut, /: truncated: the header says \d+ pages of 4096 bytes/);
    fs.writeFileSync(path.join(dir, 'text.db'), 'hello');
    await rejects(path.join(dir, 'text.db'), /: not an SQLite database \(no "SQLite format 3" header\)$/);
    fs.writeFileSync(path.join(dir, 'empty.db'), '');
    await rejects(path.join(dir, 'empty.db'), /: not an SQLite database \(the file is empty\)$/);
  });

  it('a UTF-16 database is refused, naming the encoding (sql.js reads it; the page reader reads UTF-8 only, as MLflow writes)', async () => {
    const file = path.join(tmpDir(), 'mlflow.db');
    await writeMlflowDb(file, one, `PRAGMA encoding = 'UTF-16le';${MLFLOW_DDL}`);
    assert.equal(fs.readFileSync(file).readUInt32BE(56), 2);
    await rejects(file, /: text encoding UTF-16le is not supported \(MLflow writes UTF-8\)$/);
  });

  it('openSqliteStore picks the page reader above 64 MB and sql.js below (a UTF-16 file tells which read it)', async () => {
    const file = path.join(tmpDir(), 'mlflow.db');
    await writeMlflowDb(file, one, `PRAGMA encoding = 'UTF-16le';${MLFLOW_DDL}`);
    const small = await openSqliteStore(refOf(file));
    try { assert.equal((await small.scan()).runs.length, 1, 'sql.js reads UTF-16'); } finally { small.close(); }
    // Bytes past the header's page count are not part of the database (sparse: no disk used).
    fs.truncateSync(file, SQLITE_IN_MEMORY_MAX_BYTES + 4096);
    await assert.rejects(openSqliteStore(refOf(file)), /: text encoding UTF-16le is not supported/);
  });

  it('a damaged page in the params table: runs() keeps tags and metrics and reports the params table with the page', async () => {
    const file = path.join(tmpDir(), 'mlflow.db');
    const run = 'a'.repeat(32);
    await writeMlflowDb(file, [...one, runRow(run, 0, { name: 'r' }), param(run, 'lr', '0.1'), tag(run, 'team', 'x'), m(run, 'acc', 0.9, 5, 0)]);
    const SQL = await sqlEngine();
    const bytes = fs.readFileSync(file);
    const probe = new SQL.Database(bytes);
    const root = Number(probe.exec("SELECT rootpage FROM sqlite_master WHERE name = 'params'")[0].values[0][0]);
    probe.close();
    bytes.fill(0xff, (root - 1) * 4096, root * 4096);
    fs.writeFileSync(file, bytes);
    const reader = await pages(file);
    try {
      const got = await reader.runs([run]);
      assert.deepEqual([got.runs[0].params, got.runs[0].tags, got.runs[0].metrics.acc.last], [{}, { team: 'x' }, 0.9]);
      assert.deepEqual(got.problems, [{ file: 'mlflow.db#params', reason: `damaged (page ${root}: not a b-tree page of the expected kind (type 0xff))` }]);
    } finally {
      reader.close();
    }
  });

  it('re-reads the file when it changed (size/mtime): a run logged after opening shows at the next scan', async () => {
    const file = path.join(tmpDir(), 'mlflow.db');
    await writeMlflowDb(file, one);
    const reader = await pages(file);
    try {
      assert.equal((await reader.scan()).runs.length, 1);
      await writeMlflowDb(file, [...one, runRow('2'.repeat(32), 0)]);
      const later = new Date(Date.now() + 5000);
      fs.utimesSync(file, later, later);
      assert.deepEqual((await reader.scan()).runs.map((r) => r.id).sort(), ['1'.repeat(32), '2'.repeat(32)]);
    } finally {
      reader.close();
    }
  });

  it('no operation writes, creates or touches a file, read-only permissions included', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'mlflow.db');
    await writeMlflowDb(file, richStore(30));
    const old = new Date('2023-04-13T20:00:00Z');
    fs.utimesSync(file, old, old);
    fs.chmodSync(file, 0o444);
    const start = folderState(dir);
    const reader = await pages(file);
    try {
      assert.deepEqual(folderState(dir), start, 'open');
      await everything(reader);
      assert.deepEqual(folderState(dir), start, 'scan, runs, metricHistory, registry');
    } finally {
      reader.close();
    }
    assert.deepEqual(folderState(dir), start, 'close');
    fs.chmodSync(file, 0o644);
  });
});
