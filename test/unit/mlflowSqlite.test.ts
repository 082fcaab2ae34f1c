// The SQLite reader (mlflow.db): its corpus counts and samples are in mlflowCorpus.test.ts (with the file stores);
// here the schema revision of the corpus databases,
// MLflow's NaN/±Infinity encoding; the registry with and without its tables; bad files rejected with one message;
// re-reading after a change; and never a byte written, created or touched next to the database.
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { openSqliteStore } from '../../src/core/mlflow/sqliteStore';
import { openMlflowStore } from '../../src/core/mlflow';
import { sqlEngine } from '../../src/core/mlflow/sqliteEngine';
import { KNOWN_ALEMBIC_REVISIONS, readSchema } from '../../src/core/mlflow/sqliteSchema';
import type { MlflowStoreRef } from '../../src/core/mlflow/types';
import { REPO, tmpDir } from './helpers';
import { MLFLOW_DDL, runRow, writeMlflowDb } from './mlflowSqliteFixture';

const CORPUS = path.resolve(REPO, '..', 'shared', 'corpus', 'mlruns');

function refOf(file: string, root = path.dirname(file)): MlflowStoreRef {
  return { kind: 'sqlite', path: file, root, label: `MLflow — ${path.basename(file)}`, key: `mlflow:sqlite:${file}` };
}

/** EXPECTED.tsv's `alembic_version` rows: the one summary only an SQLite store has (mlflowCorpus.test.ts checks the rest). */
function expectedRevisions(): { file: string; revision: string }[] {
  return fs.readFileSync(path.join(CORPUS, 'EXPECTED.tsv'), 'utf8').split('\n').map((l) => l.split('\t'))
    .filter(([, store, record, key]) => store?.startsWith('sqlite:') && record === 'summary' && key === 'alembic_version')
    .map(([folder, store, , , revision]) => ({ file: path.join(CORPUS, folder, ...store.slice('sqlite:'.length).split('/')), revision }));
}

describe('MLflow SQLite reader: the corpus databases', function () {
  this.timeout(60_000);

  it('reads the alembic revision EXPECTED.tsv names (a known one) and opens through openMlflowStore', async () => {
    const expected = expectedRevisions();
    assert.equal(expected.length, 2);
    const SQL = await sqlEngine();
    for (const { file, revision } of expected) {
      const db = new SQL.Database(fs.readFileSync(file));
      try { assert.equal(readSchema(db).revision, revision, file); } finally { db.close(); }
      assert.ok(KNOWN_ALEMBIC_REVISIONS.has(revision), `${revision} is known`);
      const reader = await openMlflowStore(refOf(file, path.dirname(file)));
      try { assert.ok((await reader.scan()).runs.length > 0); } finally { reader.close(); }
    }
  });
});

/** Path, size, mtime and sha256 of every file in a folder (to prove nothing was written, created or touched). */
function folderState(dir: string): string[] {
  return fs.readdirSync(dir).sort().map((name) => {
    const p = path.join(dir, name);
    const st = fs.statSync(p);
    const sha = st.isFile() ? crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex') : 'dir';
    return `${name} ${st.size} ${st.mtimeMs} ${sha}`;
  });
}

async function rejects(file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(openSqliteStore(refOf(file)), (e: Error) => {
    assert.ok(e.message.startsWith(`${file}: `), `the message names the file: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('MLflow SQLite reader: values, registry and schemas across versions', function () {
  this.timeout(60_000);

  it('NaN (stored as is_nan=1, value 0) and ±Infinity (stored as ±DBL_MAX) come back as NaN and ±Infinity; NaN counts but is never min/max', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'mlflow.db');
    const run = 'a'.repeat(32);
    const m = (key: string, value: number, ts: number, step: number, nan = 0): [string, (string | number)[]] => ['INSERT INTO metrics VALUES (?,?,?,?,?,?)', [key, value, ts, run, step, nan]];
    await writeMlflowDb(file, [
      "INSERT INTO experiments VALUES (0, 'Default', '/tmp/mlruns/0', 'active', 1, 1)",
      runRow(run, 0, { name: 'r' }),
      m('loss', 0.5, 1000, 0), m('loss', 0, 1001, 1, 1), m('loss', 0.25, 1002, 2),
      m('loss', 0, 1003, 3, 1), // the last point is NaN
      m('grad', Number.MAX_VALUE, 1000, 0), m('grad', -Number.MAX_VALUE, 1001, 1), m('grad', 2, 1002, 2),
      m('allnan', 0, 1000, 0, 1),
      // Same step: the later timestamp wins; same step and timestamp: the greater value.
      m('tie', 1, 2000, 5), m('tie', 3, 2000, 5), m('tie', 2, 1999, 5), m('tie', 9, 5000, 4),
    ]);
    const reader = await openSqliteStore(refOf(file));
    try {
      const [rec] = (await reader.runs([run])).runs;
      assert.deepEqual(rec.metrics.loss, { key: 'loss', count: 4, min: 0.25, max: 0.5, last: NaN, lastStep: 3, lastTimestamp: 1003 });
      assert.deepEqual(rec.metrics.grad, { key: 'grad', count: 3, min: -Infinity, max: Infinity, last: 2, lastStep: 2, lastTimestamp: 1002 });
      assert.deepEqual(rec.metrics.allnan, { key: 'allnan', count: 1, min: NaN, max: NaN, last: NaN, lastStep: 0, lastTimestamp: 1000 });
      assert.deepEqual([rec.metrics.tie.last, rec.metrics.tie.lastStep, rec.metrics.tie.lastTimestamp], [3, 5, 2000]);
      const hist = await reader.metricHistory(run, ['loss', 'grad']);
      assert.deepEqual(hist.metrics.loss.map((p) => [p.step, p.value]), [[0, 0.5], [1, NaN], [2, 0.25], [3, NaN]]);
      assert.deepEqual(hist.metrics.grad.map((p) => p.value), [Infinity, -Infinity, 2]);
      assert.deepEqual(Object.keys(hist.metrics).sort(), ['grad', 'loss'], 'only the keys asked for');
      assert.deepEqual(Object.keys((await reader.metricHistory(run)).metrics).sort(), ['allnan', 'grad', 'loss', 'tie']);
      assert.deepEqual((await reader.metricHistory('f'.repeat(32))).metrics, {}, 'an unknown run has no points');
    } finally {
      reader.close();
    }
  });

  it('scan: statuses, deleted runs and experiments kept with their lifecycle, names and parents from tags (MLflow 1.x left name empty), experiment tags', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'mlflow.db');
    const [p, c, d, s] = ['1', '2', '3', '4'].map((x) => x.repeat(32));
    await writeMlflowDb(file, [
      "INSERT INTO experiments VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', 5, 6)",
      "INSERT INTO experiments VALUES (7, 'gone', NULL, 'deleted', NULL, NULL)",
      "INSERT INTO experiment_tags VALUES ('mlflow.note.content', 'line 1\nline 2', 0)",
      runRow(p, 0, { name: '', status: 'RUNNING', end: null, start: 10 }),
      ['INSERT INTO tags VALUES (?,?,?)', ['mlflow.runName', 'parent-from-tag', p]],
      runRow(c, 0, { name: 'child', status: 'SCHEDULED', start: 20 }),
      ['INSERT INTO tags VALUES (?,?,?)', ['mlflow.parentRunId', p, c]],
      runRow(d, 0, { name: 'deleted', status: 'KILLED', lifecycle: 'deleted', start: 30 }),
      runRow(s, 7, { name: 'in-deleted-exp', status: 'FAILED', start: 40, user: '' }),
      ['INSERT INTO tags VALUES (?,?,?)', ['mlflow.user', 'bob', s]],
    ]);
    const reader = await openSqliteStore(refOf(file));
    try {
      const scan = await reader.scan();
      assert.deepEqual(scan.problems, []);
      assert.deepEqual(scan.experiments, [
        { id: '0', name: 'Default', lifecycle: 'active', artifactLocation: 'mlflow-artifacts:/0', creationTime: 5, lastUpdateTime: 6, tags: { 'mlflow.note.content': 'line 1\nline 2' } },
        { id: '7', name: 'gone', lifecycle: 'deleted', tags: {} },
      ]);
      assert.deepEqual(scan.runs.map((r) => [r.id[0], r.name, r.status, r.lifecycle, r.experimentId, r.parentRunId ?? '-', r.endTime ?? '-', r.userId]), [
        ['1', 'parent-from-tag', 'running', 'active', '0', '-', '-', 'alice'],
        ['2', 'child', 'scheduled', 'active', '0', p, 1_700_000_100_000, 'alice'],
        ['3', 'deleted', 'killed', 'deleted', '0', '-', 1_700_000_100_000, 'alice'],
        ['4', 'in-deleted-exp', 'failed', 'active', '7', '-', 1_700_000_100_000, 'bob'],
      ]);
      const got = await reader.runs([c, 'nope', c]);
      assert.deepEqual(got.runs.map((r) => r.id), [c], 'unknown ids are left out, duplicates read once');
      assert.deepEqual(got.runs[0].tags, { 'mlflow.parentRunId': p });
    } finally {
      reader.close();
    }
  });

  it('registry: models, versions, stages, aliases, model and version tags; versions MLflow deleted (Deleted_Internal) are not shown', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'mlflow.db');
    const run = 'b'.repeat(32);
    const mv = (v: number, stage: string | null) => ['INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, current_stage, source, run_id, status) VALUES (?,?,?,?,?,?,?,?,?)',
      ['churn', v, 100 + v, 200 + v, v === 1 ? 'first' : null, stage, `runs:/${run}/model`, v === 3 ? '' : run, 'READY']] as [string, (string | number | null)[]];
    await writeMlflowDb(file, [
      "INSERT INTO experiments VALUES (0, 'Default', '/tmp/mlruns/0', 'active', 1, 1)",
      runRow(run, 0),
      "INSERT INTO registered_models VALUES ('churn', 1, 2, 'predicts churn')",
      "INSERT INTO registered_models VALUES ('empty', 3, 4, NULL)",
      "INSERT INTO registered_model_tags VALUES ('team', 'growth', 'churn')",
      mv(1, 'Archived'), mv(2, 'Production'), mv(3, null), mv(4, 'Deleted_Internal'),
      "INSERT INTO model_version_tags VALUES ('validated', 'yes', 'churn', 2)",
      "INSERT INTO registered_model_aliases VALUES ('champion', 2, 'churn')",
      "INSERT INTO registered_model_aliases VALUES ('prod', 2, 'churn')",
      "INSERT INTO registered_model_aliases VALUES ('old', 1, 'churn')",
    ]);
    const reader = await openSqliteStore(refOf(file));
    try {
      const reg = await reader.registry();
      assert.deepEqual(reg.problems, []);
      assert.deepEqual(reg.models, [
        { name: 'churn', description: 'predicts churn', creationTime: 1, lastUpdatedTime: 2, tags: { team: 'growth' }, aliases: { champion: 2, old: 1, prod: 2 } },
        { name: 'empty', creationTime: 3, lastUpdatedTime: 4, tags: {}, aliases: {} },
      ]);
      assert.deepEqual(reg.versions.map((v) => [v.version, v.stage, v.aliases, v.tags, v.runId ?? '-', v.description ?? '-']), [
        [1, 'Archived', ['old'], {}, run, 'first'],
        [2, 'Production', ['champion', 'prod'], { validated: 'yes' }, run, '-'],
        [3, 'None', [], {}, '-', '-'],
      ]);
      assert.deepEqual(reg.versions[0], { model: 'churn', version: 1, stage: 'Archived', creationTime: 101, lastUpdatedTime: 201, description: 'first', source: `runs:/${run}/model`, runId: run, status: 'READY', tags: {}, aliases: ['old'] });
    } finally {
      reader.close();
    }
  });

  it('an old schema (no registry tables, no aliases, no step/is_nan in metrics, no run name column) reads: registry empty, not an error', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'mlflow.db');
    const run = 'c'.repeat(32);
    // MLflow 1.0's first schema, before alembic's first migration (451aebb31d03 added metrics.step).
    const ddl = `
      CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);
      INSERT INTO alembic_version VALUES ('ff01da956556');
      CREATE TABLE experiments (experiment_id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(256) NOT NULL, artifact_location VARCHAR(256), lifecycle_stage VARCHAR(32));
      CREATE TABLE runs (run_uuid VARCHAR(32) NOT NULL PRIMARY KEY, source_type VARCHAR(20), user_id VARCHAR(256), status VARCHAR(20), start_time BIGINT, end_time BIGINT, lifecycle_stage VARCHAR(20), artifact_uri VARCHAR(200), experiment_id INTEGER);
      CREATE TABLE metrics ("key" VARCHAR(250), value FLOAT NOT NULL, timestamp BIGINT, run_uuid VARCHAR(32));
      CREATE TABLE params ("key" VARCHAR(250), value VARCHAR(250) NOT NULL, run_uuid VARCHAR(32));
      CREATE TABLE tags ("key" VARCHAR(250), value VARCHAR(250), run_uuid VARCHAR(32));`;
    await writeMlflowDb(file, [
      "INSERT INTO experiments VALUES (0, 'Default', '/tmp/0', 'active')",
      ['INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?)', [run, 'LOCAL', 'u', 'FINISHED', 1, 2, 'active', '/tmp/0/a', 0]],
      ['INSERT INTO tags VALUES (?,?,?)', ['mlflow.runName', 'old-run', run]],
      ['INSERT INTO metrics VALUES (?,?,?,?)', ['acc', 0.5, 10, run]],
      ['INSERT INTO metrics VALUES (?,?,?,?)', ['acc', 0.7, 20, run]],
      ['INSERT INTO params VALUES (?,?,?)', ['lr', '1e-3', run]],
    ], ddl);
    const reader = await openSqliteStore(refOf(file));
    try {
      const scan = await reader.scan();
      assert.deepEqual(scan.problems, []);
      assert.equal(scan.runs[0].name, 'old-run');
      const [rec] = (await reader.runs([run])).runs;
      assert.deepEqual(rec.params, { lr: '1e-3' }, 'params stay strings');
      assert.deepEqual(rec.metrics.acc, { key: 'acc', count: 2, min: 0.5, max: 0.7, last: 0.7, lastStep: 0, lastTimestamp: 20 });
      assert.deepEqual(await reader.registry(), { models: [], versions: [], problems: [] });
    } finally {
      reader.close();
    }
  });

  it('a table the runs need is missing (no params table): runs read without params, reported once', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'mlflow.db');
    await writeMlflowDb(file, ["INSERT INTO experiments VALUES (0, 'Default', '/tmp/0', 'active', 1, 1)", runRow('d'.repeat(32), 0), 'DROP TABLE params']);
    const reader = await openSqliteStore(refOf(file));
    try {
      const scan = await reader.scan();
      assert.deepEqual(scan.problems, [{ file: 'mlflow.db#params', reason: 'no params table: runs are shown without params' }]);
      assert.deepEqual((await reader.runs(['d'.repeat(32)])).runs[0].params, {});
    } finally {
      reader.close();
    }
  });
});

describe('MLflow SQLite reader: bad files are rejected with one message naming the file', function () {
  this.timeout(60_000);

  it('a text file named mlflow.db: "not an SQLite database"', async () => {
    const file = path.join(tmpDir(), 'mlflow.db');
    fs.writeFileSync(file, 'experiment_id,name\n0,Default\n'.repeat(20));
    await rejects(file, /not an SQLite database \(no "SQLite format 3" header\)$/);
  });

  it('an empty file: "not an SQLite database (the file is empty)"', async () => {
    const file = path.join(tmpDir(), 'mlflow.db');
    fs.writeFileSync(file, '');
    await rejects(file, /not an SQLite database \(the file is empty\)$/);
  });

  it('a truncated database: the header says more pages than the file has', async () => {
    const dir = tmpDir();
    const whole = path.join(dir, 'whole.db');
    await writeMlflowDb(whole, ["INSERT INTO experiments VALUES (0, 'Default', '/tmp/0', 'active', 1, 1)"]);
    const bytes = fs.readFileSync(whole);
    const file = path.join(dir, 'mlflow.db');
    fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await rejects(file, /: truncated: the header says \d+ pages of \d+ bytes \(\d+ bytes\), the file has \d+$/);
  });

  it('a damaged page: "damaged (database disk image is malformed)"', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'mlflow.db');
    await writeMlflowDb(file, ["INSERT INTO experiments VALUES (0, 'Default', '/tmp/0', 'active', 1, 1)"]);
    const bytes = fs.readFileSync(file);
    bytes.fill(0xff, 100, 4096); // the rest of page 1: sqlite_master's b-tree page header and cells
    fs.writeFileSync(file, bytes);
    await rejects(file, /: damaged \(.*malformed.*\)$/);
  });

  it('a damaged page in the params table: runs() still gives tags and metrics, and reports the params table', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'mlflow.db');
    const run = 'a'.repeat(32);
    await writeMlflowDb(file, [
      "INSERT INTO experiments VALUES (0, 'Default', '/tmp/0', 'active', 1, 1)", runRow(run, 0, { name: 'r' }),
      ['INSERT INTO params VALUES (?,?,?)', ['lr', '0.1', run]], ['INSERT INTO tags VALUES (?,?,?)', ['team', 'x', run]],
      ['INSERT INTO metrics VALUES (?,?,?,?,?,?)', ['acc', 0.9, 5, run, 0, 0]],
    ]);
    const SQL = await sqlEngine();
    const bytes = fs.readFileSync(file);
    const probe = new SQL.Database(bytes);
    const root = Number(probe.exec("SELECT rootpage FROM sqlite_master WHERE name = 'params'")[0].values[0][0]);
    probe.close();
    const pageSize = bytes.readUInt16BE(16);
    bytes.fill(0xff, (root - 1) * pageSize, root * pageSize);
    fs.writeFileSync(file, bytes);
    const reader = await openSqliteStore(refOf(file));
    try {
      const got = await reader.runs([run]);
      assert.equal(got.runs.length, 1);
      assert.deepEqual([got.runs[0].params, got.runs[0].tags, got.runs[0].metrics.acc.last], [{}, { team: 'x' }, 0.9]);
      assert.deepEqual(got.problems.map((p) => p.file), ['mlflow.db#params']);
      assert.match(got.problems[0].reason, /^damaged \(.*malformed.*\)$/);
    } finally {
      reader.close();
    }
  });

  it('a database from a future schema (unknown alembic revision and a required column gone) names the revision', async () => {
    const file = path.join(tmpDir(), 'mlflow.db');
    const ddl = MLFLOW_DDL.replace("INSERT INTO alembic_version VALUES ('3500859a5d39');", "INSERT INTO alembic_version VALUES ('ffffffffffff');")
      .replace('CREATE TABLE runs (run_uuid VARCHAR(32) NOT NULL,', 'CREATE TABLE runs (run_id VARCHAR(32) NOT NULL,')
      .replace('CONSTRAINT run_pk PRIMARY KEY (run_uuid)', 'CONSTRAINT run_pk PRIMARY KEY (run_id)');
    await writeMlflowDb(file, [], ddl);
    await rejects(file, /: from a future schema \(alembic revision ffffffffffff, unknown to this version\): missing column runs\.run_uuid$/);
  });

  it('an unknown revision that only added things reads (newer MLflow adds tables and columns)', async () => {
    const file = path.join(tmpDir(), 'mlflow.db');
    const ddl = MLFLOW_DDL.replace("VALUES ('3500859a5d39')", "VALUES ('0123456789ab')") + 'ALTER TABLE runs ADD COLUMN workspace VARCHAR(63); CREATE TABLE future_things (x INTEGER);';
    await writeMlflowDb(file, ["INSERT INTO experiments VALUES (0, 'Default', '/tmp/0', 'active', 1, 1)", runRow('e'.repeat(32), 0)], ddl);
    const reader = await openSqliteStore(refOf(file));
    try { assert.equal((await reader.scan()).runs.length, 1); } finally { reader.close(); }
  });

  it('an SQLite file that is not MLflow\'s: "not an MLflow tracking database"', async () => {
    const file = path.join(tmpDir(), 'mlflow.db');
    await writeMlflowDb(file, [], 'CREATE TABLE notes (x TEXT);');
    await rejects(file, /: not an MLflow tracking database \(no experiments, runs table\)$/);
  });

  it('a missing file and a folder named mlflow.db', async () => {
    const dir = tmpDir();
    await rejects(path.join(dir, 'mlflow.db'), /: no such file$/);
    fs.mkdirSync(path.join(dir, 'x.db'));
    await rejects(path.join(dir, 'x.db'), /: not a file$/);
  });
});

describe('MLflow SQLite reader: live files, locks, and nothing written', function () {
  this.timeout(60_000);

  it('re-reads the file when it changed (size/mtime): a run logged after opening shows at the next scan', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'mlflow.db');
    const first = ["INSERT INTO experiments VALUES (0, 'Default', '/tmp/0', 'active', 1, 1)", runRow('1'.repeat(32), 0)];
    await writeMlflowDb(file, first);
    const reader = await openSqliteStore(refOf(file));
    try {
      const once = await reader.scan();
      assert.equal(once.runs.length, 1);
      once.runs.pop(); // what a caller does with the lists is its own business: the next scan is whole
      assert.equal((await reader.scan()).runs.length, 1, 'an unchanged file answers from the first scan, as it was');
      await writeMlflowDb(file, [...first, runRow('2'.repeat(32), 0)]);
      const later = new Date(Date.now() + 5000);
      fs.utimesSync(file, later, later); // same size is possible; a new mtime is what a write leaves
      assert.equal((await reader.scan()).runs.length, 2);
      // A write caught halfway (damaged for a moment) keeps the last good copy and says so.
      fs.writeFileSync(file, 'garbage');
      const torn = await reader.scan();
      assert.equal(torn.runs.length, 2);
      assert.match(torn.problems.map((p) => p.reason).join('\n'), /could not be read again \(.*not an SQLite database.*\); showing what was read before/);
    } finally {
      reader.close();
    }
    await assert.rejects(reader.scan(), /the reader is closed/);
  });

  it('watchPaths: the db file, its -wal and its -journal', async () => {
    const file = path.join(tmpDir(), 'mlflow.db');
    await writeMlflowDb(file, []);
    const reader = await openSqliteStore(refOf(file));
    try { assert.deepEqual(reader.watchPaths(), [file, `${file}-wal`, `${file}-journal`]); } finally { reader.close(); }
  });

  it('a database locked by another process (python sqlite3, BEGIN EXCLUSIVE with a write pending) is read as last committed', async function () {
    const dir = tmpDir();
    const file = path.join(dir, 'mlflow.db');
    await writeMlflowDb(file, ["INSERT INTO experiments VALUES (0, 'Default', '/tmp/0', 'active', 1, 1)", runRow('1'.repeat(32), 0)]);
    const script = [
      'import sqlite3, sys',
      `c = sqlite3.connect(${JSON.stringify(file)}, isolation_level=None)`,
      "c.execute('BEGIN EXCLUSIVE')",
      "c.execute(\"INSERT INTO experiments VALUES (9, 'uncommitted', '', 'active', 1, 1)\")",
      "print('locked', flush=True)",
      'sys.stdin.read()',
    ].join('\n');
    const child = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const ready = await new Promise<boolean>((resolve) => {
        child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('locked')) { resolve(true); } });
        child.on('error', () => resolve(false));
        child.on('exit', () => resolve(false));
      });
      if (!ready) { this.skip(); }
      const before = folderState(dir);
      const reader = await openSqliteStore(refOf(file));
      try {
        const scan = await reader.scan();
        assert.deepEqual(scan.experiments.map((e) => e.name), ['Default'], 'the uncommitted write is not seen');
        assert.equal(scan.runs.length, 1);
      } finally {
        reader.close();
      }
      assert.deepEqual(folderState(dir), before, 'nothing of ours appeared next to the locked database');
    } finally {
      child.stdin.end();
      await new Promise((r) => child.on('close', r));
    }
  });

  it('no operation writes, creates or touches a file: size, mtime and sha256 of the folder before and after each one', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'mlflow.db');
    fs.copyFileSync(path.join(CORPUS, 'PacktPublishing__Machine-Learning-Engineering-with-Python-Second-Edition', 'mlflow.db'), file);
    fs.chmodSync(file, 0o644);
    const old = new Date('2023-04-13T20:00:00Z');
    fs.utimesSync(file, old, old);
    const start = folderState(dir);
    const same = (what: string) => assert.deepEqual(folderState(dir), start, `${what} left the folder as it was`);
    const reader = await openSqliteStore(refOf(file));
    same('open');
    const scan = await reader.scan();
    same('scan');
    await reader.runs(scan.runs.map((r) => r.id));
    same('runs');
    await reader.metricHistory(scan.runs[0].id);
    same('metricHistory');
    await reader.registry();
    same('registry');
    reader.watchPaths();
    reader.close();
    same('close');
    // Read-only permissions do not matter either: nothing is opened for writing.
    fs.chmodSync(file, 0o444);
    const ro = await openSqliteStore(refOf(file));
    try { assert.equal((await ro.scan()).runs.length, 28); } finally { ro.close(); }
    fs.chmodSync(file, 0o644);
    same('a read-only file');
  });

  it('a WAL-mode database (header bytes 18–19 = 2) reads from the main file; pending -wal bytes are reported', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'mlflow.db');
    await writeMlflowDb(file, ["INSERT INTO experiments VALUES (0, 'Default', '/tmp/0', 'active', 1, 1)", runRow('1'.repeat(32), 0)]);
    const bytes = fs.readFileSync(file);
    bytes[18] = 2;
    bytes[19] = 2;
    fs.writeFileSync(file, bytes);
    fs.writeFileSync(`${file}-wal`, Buffer.alloc(4096, 1));
    const before = folderState(dir);
    const reader = await openSqliteStore(refOf(file));
    try {
      const scan = await reader.scan();
      assert.equal(scan.runs.length, 1);
      assert.deepEqual(scan.problems.map((p) => p.file), ['mlflow.db-wal']);
      assert.match(scan.problems[0].reason, /^4096 bytes of changes not yet written into the database file are not shown/);
    } finally {
      reader.close();
    }
    assert.deepEqual(folderState(dir), before);
  });
});
