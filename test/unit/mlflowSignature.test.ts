// The poll fallback's fingerprint of an MLflow store: it must change with what a training script writes (a new run
// folder, metric lines of a running run, an updated db file) and stay the same when nothing changed.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openMlflowStore, type MlflowStoreRef } from '../../src/core/mlflow';
import { mlflowRef } from '../../src/core/mlflow/find';
import { storeSignature } from '../../src/core/mlflow/signature';
import { writeExperiment, writeRun } from './mlflowViewFixture';

async function signatureOf(ref: MlflowStoreRef): Promise<string> {
  const reader = await openMlflowStore(ref);
  try {
    const scan = await reader.scan();
    return await storeSignature(ref, scan.experiments, scan.runs);
  } finally { reader.close(); }
}

describe('MLflow store signature (poll fallback for file events)', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-sig-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('changes when a running run logs a metric line or a new run folder appears, and not otherwise', async () => {
    const mlruns = path.join(dir, 'mlruns');
    writeExperiment(mlruns, '1', 'tuning');
    const id = 'dddddddddddddddddddddddddddddd01';
    writeRun(mlruns, { id, experimentId: '1', name: 'live', status: 1, start: 1_700_000_000_000, metrics: { loss: [[1_700_000_000_001, 0.5, 0]] } });
    const ref = mlflowRef('file', mlruns, dir);
    const first = await signatureOf(ref);
    assert.strictEqual(await signatureOf(ref), first, 'nothing changed: same signature');
    const metricFile = path.join(mlruns, '1', id, 'metrics', 'loss');
    fs.appendFileSync(metricFile, '1700000000002 0.25 1\n');
    const later = Date.now() / 1000 + 5;
    fs.utimesSync(metricFile, later, later);
    const afterMetric = await signatureOf(ref);
    assert.notStrictEqual(afterMetric, first, 'a metric line of a running run changes it');
    writeRun(mlruns, { id: 'dddddddddddddddddddddddddddddd02', experimentId: '1', name: 'next', start: 1_700_000_001_000 });
    const expDir = path.join(mlruns, '1');
    fs.utimesSync(expDir, later + 5, later + 5);
    assert.notStrictEqual(await signatureOf(ref), afterMetric, 'a new run folder changes it');
  });

  it('a finished run is not polled file by file; an SQLite store is the db file and its journals', async () => {
    const mlruns = path.join(dir, 'mlruns');
    writeExperiment(mlruns, '1', 'tuning');
    const id = 'dddddddddddddddddddddddddddddd03';
    writeRun(mlruns, { id, experimentId: '1', name: 'done', status: 3, start: 1_700_000_000_000, end: 1_700_000_000_500, metrics: { loss: [[1_700_000_000_001, 0.5, 0]] } });
    const ref = mlflowRef('file', mlruns, dir);
    const sig = await signatureOf(ref);
    assert.ok(!sig.includes(id), 'a finished run adds nothing to the signature');
    const db = path.join(dir, 'mlflow.db');
    fs.writeFileSync(db, 'not read here');
    const dbRef = mlflowRef('sqlite', db, dir);
    const a = await storeSignature(dbRef, [], []);
    fs.appendFileSync(db, ' more');
    assert.notStrictEqual(await storeSignature(dbRef, [], []), a);
    fs.writeFileSync(`${db}-wal`, 'x');
    assert.match(await storeSignature(dbRef, [], []), /\|[0-9.]+:1\|-$/);
  });
});
