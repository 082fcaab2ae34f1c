// A churn workspace for retraining: training data with four features and a label, a model in production trained on
// it, and a prediction log whose windows (one request of 100 records each) show no, minor or major input drift.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store } from '../../src/core';
import type { InputRecord, PredictionLine } from '../../src/core/monitor';
import { tmpDir } from './helpers';
import { requestId, writeLog } from './monitorFixture';

export interface RetrainFixture {
  ws: string;
  store: Store;
  model: string;
  /** `.mlops/monitoring/churn`. */
  dir: string;
  dataVersion: string;
  runId: string;
  /** Training rows (features and label). */
  rows: Row[];
}

export interface Row { age: number; income: number; tenure: number; plan: string; churn: number }

/** Deterministic rows: the same `i` gives the same row. */
export function row(i: number): Row {
  return {
    age: 20 + ((i * 37) % 50),
    income: 20000 + ((i * 7919) % 80000),
    tenure: (i * 13) % 11,
    plan: ['basic', 'plus', 'pro'][(i * 7) % 3],
    churn: (i * 31) % 5 === 0 ? 1 : 0,
  };
}

export const TRAIN_ROWS = 400;

export function csvOf(rows: readonly Row[]): string {
  return ['age,income,tenure,plan,churn', ...rows.map((r) => `${r.age},${r.income},${r.tenure},${r.plan},${r.churn}`)].join('\n') + '\n';
}

export const DEFAULT_GOALS = { monitoring: { window: '1', label: 'churn' } };

export async function retrainFixture(opts: { goals?: object; noProduction?: boolean } = {}): Promise<RetrainFixture> {
  const ws = tmpDir('mlops-retrain-');
  const { store } = await Store.init(ws);
  fs.mkdirSync(path.join(ws, 'data'));
  const rows = Array.from({ length: TRAIN_ROWS }, (_, i) => row(i));
  const train = path.join(ws, 'data', 'churn.csv');
  fs.writeFileSync(train, csvOf(rows));
  const tagged = await store.tagData({ path: train, dataset: 'churn-data', tags: ['v1'] });
  const run = await store.createRun({ experiment: 'churn', dataVersions: [{ dataset: 'churn-data', version: tagged.version.id }] });
  await store.endRun(run.id, 'finished');
  const artifact = path.join(ws, 'model.pkl');
  fs.writeFileSync(artifact, 'model');
  await store.registerModel({ name: 'churn', runId: run.id, artifactPath: artifact });
  if (!opts.noProduction) { await store.setModelStage('churn', 1, 'production'); }
  fs.writeFileSync(store.goalsFile(), JSON.stringify({ formatVersion: 1, ...DEFAULT_GOALS, ...(opts.goals ?? {}) }, null, 2));
  const dir = path.join(store.dir, 'monitoring', 'churn');
  fs.mkdirSync(dir, { recursive: true });
  return { ws, store, model: 'churn', dir, dataVersion: tagged.version.id, runId: run.id, rows };
}

export type Shift = 'none' | 'minor' | 'major';

/**
 * 100 production records. `minor`: only `age` moves (+40 years: one column of four drifted, dataset class minor);
 * `major`: `age` and `income` move and `plan` is always `pro` (three of four: dataset drift, class major).
 */
export function records(shift: Shift, offset = 0): InputRecord[] {
  return Array.from({ length: 100 }, (_, k) => {
    const r = row((k * 4 + offset) % TRAIN_ROWS);
    const rec: InputRecord = { age: r.age, income: r.income, tenure: r.tenure, plan: r.plan };
    if (shift !== 'none') { rec.age = r.age + 40; }
    if (shift === 'major') { rec.income = r.income * 3 + 200000; rec.plan = 'pro'; }
    return rec;
  });
}

/** One prediction line per shift (a window each with `monitoring.window: "1"`), a minute apart, ending `endMinutesAgo` ago. */
export function logWindows(dir: string, shifts: readonly Shift[], opts: { endMinutesAgo?: number; outputs?: (i: number) => number[]; model?: string } = {}): PredictionLine[] {
  const end = Date.now() - (opts.endMinutesAgo ?? 5) * 60_000;
  const lines = shifts.map((s, i): PredictionLine => {
    const inputs = records(s, i);
    return {
      kind: 'prediction', id: requestId(), time: new Date(end - (shifts.length - 1 - i) * 60_000).toISOString(), model: opts.model ?? 'churn', version: 1,
      status: 200, latencyMs: 3, rows: inputs.length, inputsMode: 'features', inputs, outputs: opts.outputs?.(i) ?? inputs.map(() => 0),
    };
  });
  writeLog(dir, lines);
  return lines;
}

/**
 * `.mlops/pipelines/retrain.json` for the model: prepare (copies the newest churn-data to data/prepared.csv, tagged as
 * churn-prepared) → train (writes models/churn.pkl, registered as churn) → evaluate. `failTrain` makes train exit 3;
 * `slowTrain` makes it sleep a minute first (to be stopped).
 */
export function writePipeline(f: RetrainFixture, opts: { failTrain?: boolean; slowTrain?: boolean; trainWhen?: string } = {}): void {
  fs.mkdirSync(path.join(f.store.dir, 'pipelines'), { recursive: true });
  fs.writeFileSync(path.join(f.ws, 'prepare.py'), 'import shutil\nshutil.copyfile("data/churn.csv", "data/prepared.csv")\nprint("prepared")\n');
  fs.writeFileSync(path.join(f.ws, 'train.py'), `import os, sys, time\n${opts.failTrain ? 'print("diverged", file=sys.stderr)\nsys.exit(3)\n' : ''}${opts.slowTrain ? 'print("training slowly", flush=True)\ntime.sleep(60)\n' : ''}os.makedirs("models", exist_ok=True)\nopen("models/churn.pkl", "w").write(open("data/prepared.csv").read()[:64])\nprint("trained")\n`);
  fs.writeFileSync(path.join(f.ws, 'evaluate.py'), 'print("evaluated")\n');
  fs.writeFileSync(path.join(f.store.dir, 'pipelines', 'retrain.json'), JSON.stringify({
    formatVersion: 1, model: 'churn', experiment: 'churn-retrain',
    steps: [
      { id: 'prepare', run: { script: 'prepare.py' }, inputs: [{ data: 'churn-data' }], outputs: [{ path: 'data/prepared.csv', dataset: 'churn-prepared' }] },
      { id: 'train', run: { script: 'train.py' }, inputs: [{ step: 'prepare' }], outputs: [{ path: 'models/churn.pkl', model: 'churn', flavor: { name: 'pickle' } }], ...(opts.trainWhen ? { when: opts.trainWhen } : {}) },
      { id: 'evaluate', run: { script: 'evaluate.py' }, inputs: [{ step: 'train' }] },
    ],
  }, null, 2));
}
