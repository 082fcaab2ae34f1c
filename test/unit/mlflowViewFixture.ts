// A small MLflow file store written by hand in MLflow's own on-disk format (what `mlflow` 2.x writes under
// `mlruns/`), for what the corpus does not have: nested runs, a deleted run, a deleted experiment, and a registry
// with stages, aliases and version tags. Used by the view-model unit tests and the host tests.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** `../shared/corpus/mlruns` next to the repository (this file runs from out/test/unit or out/test/integration). */
export const MLFLOW_CORPUS = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'corpus', 'mlruns');

export interface HandRun {
  id: string;
  experimentId: string;
  name: string;
  /** 1 running, 2 scheduled, 3 finished, 4 failed, 5 killed */
  status?: number;
  deleted?: boolean;
  start: number;
  end?: number;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  /** key → lines `timestamp value step` */
  metrics?: Record<string, [number, number, number][]>;
}

const w = (file: string, text: string) => { fs.mkdirSync(path.dirname(file), { recursive: true }); fs.writeFileSync(file, text); };

export function writeExperiment(mlruns: string, id: string, name: string, deleted = false): void {
  w(path.join(mlruns, id, 'meta.yaml'), [`artifact_location: file://${mlruns}/${id}`, 'creation_time: 1700000000000', `experiment_id: '${id}'`,
    'last_update_time: 1700000000000', `lifecycle_stage: ${deleted ? 'deleted' : 'active'}`, `name: ${name}`, ''].join('\n'));
}

export function writeRun(mlruns: string, r: HandRun): void {
  const dir = path.join(mlruns, r.experimentId, r.id);
  w(path.join(dir, 'meta.yaml'), [`artifact_uri: file://${dir}/artifacts`, `end_time: ${r.end ?? 'null'}`, "entry_point_name: ''", `experiment_id: '${r.experimentId}'`,
    `lifecycle_stage: ${r.deleted ? 'deleted' : 'active'}`, `run_id: ${r.id}`, `run_name: ${r.name}`, `run_uuid: ${r.id}`, "source_name: ''", 'source_type: 4',
    "source_version: ''", `start_time: ${r.start}`, `status: ${r.status ?? 3}`, 'tags: []', 'user_id: alice', ''].join('\n'));
  fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
  for (const [k, v] of Object.entries(r.params ?? {})) { w(path.join(dir, 'params', k), v); }
  for (const [k, v] of Object.entries({ 'mlflow.runName': r.name, 'mlflow.user': 'alice', ...r.tags })) { w(path.join(dir, 'tags', k), v); }
  for (const [k, pts] of Object.entries(r.metrics ?? {})) { w(path.join(dir, 'metrics', k), pts.map(([t, v, s]) => `${t} ${v} ${s}\n`).join('')); }
}

export function writeModel(mlruns: string, name: string, aliases: Record<string, number>, versions: { version: number; stage: string; runId: string; source: string; tags?: Record<string, string> }[]): void {
  const dir = path.join(mlruns, 'models', name);
  w(path.join(dir, 'meta.yaml'), ['creation_timestamp: 1700000000000', "description: ''", 'last_updated_timestamp: 1700000000000', `name: ${name}`, ''].join('\n'));
  for (const [a, v] of Object.entries(aliases)) { w(path.join(dir, 'aliases', a), String(v)); }
  for (const v of versions) {
    w(path.join(dir, `version-${v.version}`, 'meta.yaml'), ['creation_timestamp: 1700000000000', `current_stage: ${v.stage}`, "description: ''",
      'last_updated_timestamp: 1700000000000', `name: ${name}`, `run_id: ${v.runId}`, "run_link: ''", `source: ${v.source}`, 'status: READY',
      "status_message: ''", "user_id: ''", `version: ${v.version}`, ''].join('\n'));
    for (const [k, val] of Object.entries(v.tags ?? {})) { w(path.join(dir, `version-${v.version}`, 'tags', k), val); }
  }
}

export const PARENT = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1';
export const CHILD_A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2';
export const CHILD_B = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3';
export const DELETED = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa4';
export const IN_DELETED_EXP = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa5';
export const COMMIT = '0123456789abcdef0123456789abcdef01234567';

/**
 * `mlruns/` with experiment 1 `tuning` (a parent run with two nested runs, a deleted run), a deleted experiment 2,
 * and a registered model `clf` with v1 Archived, v2 Production (alias champion, a version tag) from the parent run.
 */
export function writeHandStore(mlruns: string): void {
  writeExperiment(mlruns, '0', 'Default');
  writeExperiment(mlruns, '1', 'tuning');
  writeExperiment(mlruns, '2', 'old', true);
  const t0 = 1700000000000;
  writeRun(mlruns, { id: PARENT, experimentId: '1', name: 'sweep', start: t0, end: t0 + 60_000, params: { optimizer: 'adam' },
    tags: { 'mlflow.source.git.commit': COMMIT, 'mlflow.source.name': 'train.py', team: 'vision' }, metrics: { loss: [[t0 + 1, 0.5, 0], [t0 + 2, 0.25, 1]] } });
  writeRun(mlruns, { id: CHILD_A, experimentId: '1', name: 'lr-0.1', start: t0 + 1000, end: t0 + 20_000, params: { lr: '0.1' },
    tags: { 'mlflow.parentRunId': PARENT }, metrics: { loss: [[t0 + 3, 0.4, 0], [t0 + 4, 0.3, 1], [t0 + 5, NaN, 2]] } });
  writeRun(mlruns, { id: CHILD_B, experimentId: '1', name: 'lr-1e-3', start: t0 + 2000, end: t0 + 30_000, status: 4, params: { lr: '1e-3' },
    tags: { 'mlflow.parentRunId': PARENT }, metrics: { loss: [[t0 + 6, 0.9, 0]] } });
  writeRun(mlruns, { id: DELETED, experimentId: '1', name: 'oops', start: t0 + 3000, end: t0 + 4000, deleted: true });
  writeRun(mlruns, { id: IN_DELETED_EXP, experimentId: '2', name: 'ancient', start: t0 - 1000, end: t0 });
  writeModel(mlruns, 'clf', { champion: 2 }, [
    { version: 1, stage: 'Archived', runId: PARENT, source: `file://${mlruns}/1/${PARENT}/artifacts/model` },
    { version: 2, stage: 'Production', runId: PARENT, source: `file:///C:/Users/someone/mlruns/1/${PARENT}/artifacts/model`, tags: { validated: 'yes' } },
  ]);
  fs.mkdirSync(path.join(mlruns, '1', PARENT, 'artifacts', 'model'), { recursive: true });
  fs.writeFileSync(path.join(mlruns, '1', PARENT, 'artifacts', 'model', 'MLmodel'), 'flavors: {}\n');
}
