// A temp workspace with a model whose producing run used a tabular data version, and a writer of prediction log
// lines as the server writes them (one JSON object per line, in the UTC day file of its time).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store } from '../../src/core';
import type { FeedbackLine, InputRecord, JsonValue, LogLine, PredictionLine } from '../../src/core/monitor';
import { tmpDir } from './helpers';

export interface MonitorFixture {
  ws: string;
  store: Store;
  model: string;
  /** `.mlops/monitoring/<model>` (created). */
  dir: string;
  dataVersion: string;
}

/** `data` is a CSV file's text (default: x,c,y with 200 rows, x uniform 0–10, c in a/b, y the label). */
export async function monitorFixture(opts: { csv?: string; csvFile?: string; model?: string; production?: boolean; goals?: object } = {}): Promise<MonitorFixture> {
  const ws = tmpDir('mlops-monitor-');
  const { store } = await Store.init(ws);
  fs.mkdirSync(path.join(ws, 'data'));
  const train = path.join(ws, 'data', 'train.csv');
  if (opts.csvFile) { fs.copyFileSync(opts.csvFile, train); } else {
    fs.writeFileSync(train, opts.csv ?? ['x,c,y', ...Array.from({ length: 200 }, (_, i) => `${(i * 7919) % 1000 / 100},${i % 3 === 0 ? 'a' : 'b'},${i % 2}`)].join('\n') + '\n');
  }
  const tagged = await store.tagData({ path: train, dataset: 'train' });
  const run = await store.createRun({ experiment: 'e', dataVersions: [{ dataset: 'train', version: tagged.version.id }] });
  const artifact = path.join(ws, 'model.bin');
  fs.writeFileSync(artifact, 'model');
  const model = opts.model ?? 'churn';
  await store.registerModel({ name: model, runId: run.id, artifactPath: artifact });
  if (opts.production !== false) { await store.setModelStage(model, 1, 'production'); }
  if (opts.goals) { fs.writeFileSync(store.goalsFile(), JSON.stringify({ formatVersion: 1, ...opts.goals }, null, 2)); }
  const dir = path.join(store.dir, 'monitoring', model);
  fs.mkdirSync(dir, { recursive: true });
  return { ws, store, model, dir, dataVersion: tagged.version.id };
}

let counter = 0;
/** A 32-hex request id, unique in the test run. */
export const requestId = (): string => (++counter).toString(16).padStart(32, '0');

export function prediction(time: string | Date, p: Partial<PredictionLine> & { inputs?: InputRecord[] } = {}): PredictionLine {
  const inputs = p.inputs ?? [{ x: 5, c: 'a' }];
  return {
    kind: 'prediction', id: p.id ?? requestId(), time: typeof time === 'string' ? time : time.toISOString(), model: 'churn', version: p.version ?? 1,
    status: p.status ?? 200, latencyMs: p.latencyMs ?? 2, rows: p.rows ?? inputs.length, inputsMode: p.inputsMode ?? 'features',
    ...(p.inputsMode === 'hash' || p.inputsMode === 'drop' ? {} : { inputs }),
    ...((p.status ?? 200) < 400 ? { outputs: p.outputs ?? inputs.map(() => 1) } : { error: 'bad request' }),
  };
}

export function feedback(p: PredictionLine, labels: JsonValue[], time?: string): FeedbackLine {
  return { kind: 'feedback', id: p.id, time: time ?? p.time, predictionTime: p.time, version: p.version, outputs: p.outputs ?? [], labels };
}

/** Appends lines to the day files of their times (what the server does). */
export function writeLog(dir: string, lines: LogLine[]): void {
  const byFile = new Map<string, string[]>();
  for (const l of lines) {
    const f = `${l.time.slice(0, 10)}.jsonl`;
    byFile.set(f, [...(byFile.get(f) ?? []), JSON.stringify(l)]);
  }
  for (const [f, ls] of byFile) { fs.appendFileSync(path.join(dir, f), ls.join('\n') + '\n'); }
}
