// The MLflow readers against the real stores of ../shared/corpus/mlruns: every summary count and every sample run of
// EXPECTED.tsv (written by an independent reader) must match exactly. One table maps a store kind to its reader;
// the SQLite reader registers itself in OPENERS and its rows of EXPECTED.tsv are then checked the same way.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openFileStore } from '../../src/core/mlflow/fileStore';
import { mlflowRef } from '../../src/core/mlflow/find';
import { openSqliteStore } from '../../src/core/mlflow/sqliteStore';
import type { MlflowReader, MlflowRunHeader, MlflowRunRecord, MlflowStoreKind, MlflowStoreRef } from '../../src/core/mlflow/types';

const REPO = path.resolve(__dirname, '..', '..', '..');
export const MLFLOW_CORPUS = path.resolve(REPO, '..', 'shared', 'corpus', 'mlruns');

/** Store kind → how to open it. The SQLite reader adds `sqlite` here. */
export const OPENERS: Partial<Record<MlflowStoreKind, (ref: MlflowStoreRef) => Promise<MlflowReader>>> = {
  file: openFileStore,
  sqlite: openSqliteStore,
};

/** Summary keys that only one kind of store can answer (checked by that kind's own test). */
const KIND_SPECIFIC = new Set(['alembic_version']);

/** EXPECTED.tsv's escapes: `\\`, `\t`, `\n`, `\r`. */
export function unescapeTsv(s: string): string {
  return s.replace(/\\([\\tnr])/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'));
}

export interface ExpectedStore {
  folder: string;
  /** `file:mlruns`, `sqlite:mlflow.db`, `sqlite:mlruns/mlflow.db` */
  store: string;
  kind: MlflowStoreKind;
  /** Absolute path of the store. */
  path: string;
  summary: Map<string, string>;
  registry: Map<string, string>;
  runs: Map<string, Map<string, string>>;
}

export function readExpected(): ExpectedStore[] {
  const lines = fs.readFileSync(path.join(MLFLOW_CORPUS, 'EXPECTED.tsv'), 'utf8').split('\n').filter((l) => l !== '');
  const header = lines.shift();
  assert.equal(header, 'folder\tstore\trecord\tkey\tvalue');
  const stores = new Map<string, ExpectedStore>();
  for (const line of lines) {
    const cols = line.split('\t');
    assert.equal(cols.length, 5, `EXPECTED.tsv line: ${line}`);
    const [folder, store, record, key, value] = cols.map(unescapeTsv);
    const id = `${folder}\t${store}`;
    let s = stores.get(id);
    if (!s) {
      const colon = store.indexOf(':');
      const kind = store.slice(0, colon) as MlflowStoreKind;
      s = { folder, store, kind, path: path.join(MLFLOW_CORPUS, folder, ...store.slice(colon + 1).split('/')), summary: new Map(), registry: new Map(), runs: new Map() };
      stores.set(id, s);
    }
    if (record === 'summary') { s.summary.set(key, value); }
    else if (record === 'registry') { s.registry.set(key, value); }
    else if (record.startsWith('run:')) {
      const runId = record.slice(4);
      let r = s.runs.get(runId);
      if (!r) { r = new Map(); s.runs.set(runId, r); }
      r.set(key, value);
    } else { assert.fail(`unknown record ${record}`); }
  }
  return [...stores.values()];
}

const byKey = <T>(m: Record<string, T>): string[] => Object.keys(m);
const countBy = (xs: string[]): string => {
  const c = new Map<string, number>();
  for (const x of xs) { c.set(x, (c.get(x) ?? 0) + 1); }
  return [...c.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k}=${n}`).join(', ');
};
const sortedList = (s: string): string[] => (s === '' ? [] : s.split('; ').sort());

/** A number as EXPECTED.tsv writes it (Python's repr: `2.0`, `nan`, `inf`). */
function expectedNumber(s: string): number {
  if (s === 'nan') { return NaN; }
  if (s === 'inf') { return Infinity; }
  if (s === '-inf') { return -Infinity; }
  return Number(s);
}

/** Everything the summary rows count, computed from what the reader gives. */
async function summarize(reader: MlflowReader): Promise<Map<string, string>> {
  const scan = await reader.scan();
  assert.deepEqual(scan.problems, [], 'the corpus reads without problems');
  const activeExp = new Set(scan.experiments.filter((e) => e.lifecycle === 'active').map((e) => e.id));
  const live = (h: MlflowRunHeader): boolean => h.lifecycle === 'active' && activeExp.has(h.experimentId);
  const { runs, problems } = await reader.runs(scan.runs.map((r) => r.id));
  assert.deepEqual(problems, [], 'the corpus runs read without problems');
  assert.equal(runs.length, scan.runs.length, 'every scanned run has a record');
  const active = runs.filter(live);
  const points = (rs: MlflowRunRecord[]): number => rs.reduce((n, r) => n + Object.values(r.metrics).reduce((m, s) => m + s.count, 0), 0);
  const count = (rs: MlflowRunRecord[], f: (r: MlflowRunRecord) => number): number => rs.reduce((n, r) => n + f(r), 0);
  let withDataset = 0;
  for (const r of active) {
    const h = await reader.metricHistory(r.id);
    for (const ps of Object.values(h.metrics)) { withDataset += ps.filter((p) => p.datasetName !== undefined).length; }
  }
  const reg = await reader.registry();
  const exps = (lc: 'active' | 'deleted'): string[] => scan.experiments.filter((e) => e.lifecycle === lc).map((e) => `${e.id}=${e.name}`);
  return new Map<string, string>([
    ['experiments_active', String(exps('active').length)],
    ['experiments_active_list', exps('active').sort().join('; ')],
    ['experiments_deleted', String(exps('deleted').length)],
    ['experiments_deleted_list', exps('deleted').sort().join('; ')],
    ['experiment_tags', String(scan.experiments.reduce((n, e) => n + byKey(e.tags).length, 0))],
    ['runs_active', String(scan.runs.filter(live).length)],
    ['runs_deleted', String(scan.runs.filter((h) => h.lifecycle === 'deleted' && activeExp.has(h.experimentId)).length)],
    ['runs_in_deleted_experiments', String(scan.runs.filter((h) => !activeExp.has(h.experimentId)).length)],
    ['runs_child', String(scan.runs.filter((h) => live(h) && h.parentRunId).length)],
    ['runs_active_by_status', countBy(scan.runs.filter(live).map((h) => h.status.toUpperCase()))],
    ['metric_keys', String(count(active, (r) => byKey(r.metrics).length))],
    ['metric_points', String(points(active))],
    ['metric_max_points_one_key', String(Math.max(0, ...active.flatMap((r) => Object.values(r.metrics).map((m) => m.count))))],
    ['params', String(count(active, (r) => byKey(r.params).length))],
    ['tags', String(count(active, (r) => byKey(r.tags).length))],
    ['tags_mlflow_system', String(count(active, (r) => byKey(r.tags).filter((k) => k.startsWith('mlflow.')).length))],
    ['metric_lines_with_dataset', String(withDataset)],
    ['metric_points_all_runs', String(points(runs))],
    ['params_all_runs', String(count(runs, (r) => byKey(r.params).length))],
    ['tags_all_runs', String(count(runs, (r) => byKey(r.tags).length))],
    ['registered_models', String(reg.models.length)],
    ['model_versions', String(reg.versions.length)],
  ]);
}

describe('MLflow readers on the real corpus (EXPECTED.tsv)', () => {
  const expected = readExpected();

  it('EXPECTED.tsv names file stores and SQLite stores', () => {
    assert.ok(expected.filter((s) => s.kind === 'file').length >= 5);
    assert.equal(expected.filter((s) => s.kind === 'sqlite').length, 2);
  });

  for (const exp of expected) {
    const open = OPENERS[exp.kind];
    if (!open) { continue; }
    describe(`${exp.folder} ${exp.store}`, () => {
      let reader: MlflowReader;
      before(async () => { reader = await open(mlflowRef(exp.kind, exp.path, path.join(MLFLOW_CORPUS, exp.folder))); });
      after(() => reader.close());

      it('matches every summary count', async () => {
        const got = await summarize(reader);
        for (const [key, want] of exp.summary) {
          if (KIND_SPECIFIC.has(key)) { continue; }
          assert.ok(got.has(key), `summary key ${key} is computed`);
          if (key.endsWith('_list')) { assert.deepEqual(sortedList(got.get(key) ?? ''), sortedList(want), key); }
          else { assert.equal(got.get(key), want, key); }
        }
      });

      if (exp.registry.size > 0) {
        it('matches every registered model', async () => {
          const reg = await reader.registry();
          assert.deepEqual(reg.problems, []);
          for (const [name, want] of exp.registry) {
            const model = reg.models.find((m) => m.name === name);
            assert.ok(model, `model ${name}`);
            const vs = reg.versions.filter((v) => v.model === name);
            const aliases = Object.entries(model.aliases).sort(([a], [b]) => (a < b ? -1 : 1)).map(([a, n]) => `${a}=${n}`).join(', ') || '-';
            const got = `versions=${vs.length}; stages: ${countBy(vs.map((v) => v.stage))}; aliases: ${aliases}; model tags=${byKey(model.tags).length}; version tags=${vs.reduce((n, v) => n + byKey(v.tags).length, 0)}`;
            assert.equal(got, want, name);
          }
          assert.equal(reg.models.length, exp.registry.size, 'no other models');
        });
      }

      for (const [runId, fields] of exp.runs) {
        it(`run ${runId}: fields, params, counts and last metric values`, async () => {
          const scan = await reader.scan();
          const header = scan.runs.find((r) => r.id === runId);
          assert.ok(header, 'the run is in scan()');
          const { runs } = await reader.runs([runId]);
          assert.equal(runs.length, 1);
          const r = runs[0];
          assert.equal(header.name, r.name, 'scan() and runs() agree on the name');
          assert.equal(header.parentRunId, r.parentRunId, 'scan() and runs() agree on the parent');
          let params = 0;
          let metrics = 0;
          for (const [key, want] of fields) {
            if (key === 'experiment_id') { assert.equal(r.experimentId, want); }
            else if (key === 'lifecycle') { assert.equal(r.lifecycle, want); }
            else if (key === 'name') { assert.equal(r.name, want); }
            else if (key === 'status') { assert.equal(r.status.toUpperCase(), want); }
            else if (key === 'counts') {
              const pts = Object.values(r.metrics).reduce((n, m) => n + m.count, 0);
              assert.equal(`params=${byKey(r.params).length} tags=${byKey(r.tags).length} metric_keys=${byKey(r.metrics).length} metric_points=${pts}`, want);
            } else if (key.startsWith('param.')) {
              params++;
              assert.equal(r.params[key.slice('param.'.length)], want, key);
            } else if (key.startsWith('metric.')) {
              metrics++;
              const m = /^(\S+) \(step=(-?\d+), timestamp=(-?\d+), points=(\d+)\)$/.exec(want);
              assert.ok(m, `EXPECTED metric value ${want}`);
              const s = r.metrics[key.slice('metric.'.length)];
              assert.ok(s, key);
              assert.ok(Object.is(s.last, expectedNumber(m[1])) || s.last === expectedNumber(m[1]), `${key}: ${s.last} vs ${m[1]}`);
              assert.deepEqual([s.lastStep, s.lastTimestamp, s.count], [Number(m[2]), Number(m[3]), Number(m[4])], key);
            } else { assert.fail(`unknown run field ${key}`); }
          }
          assert.equal(params, byKey(r.params).length, 'EXPECTED lists every param');
          assert.equal(metrics, byKey(r.metrics).length, 'EXPECTED lists every metric');
        });
      }
    });
  }
});
