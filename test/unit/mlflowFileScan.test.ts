// scan() of the file store reads run headers synchronously in time slices (fileStore.ts, SLICE_MS): these tests pin
// that it still lets the event loop run while it reads a store of a few thousand runs (the extension host stays
// responsive) and that its signal stops it. No timings are asserted: only the order of events.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openFileStore } from '../../src/core/mlflow/fileStore';
import { mlflowRef } from '../../src/core/mlflow/find';
import type { MlflowReader } from '../../src/core/mlflow/types';

const RUNS = 3000;

/** One experiment of RUNS runs as MLflow 2.x writes them; every tenth run is nested under run 0. */
function bigStore(root: string): { mlruns: string; ids: string[] } {
  const mlruns = path.join(root, 'mlruns');
  const exp = path.join(mlruns, '1');
  fs.mkdirSync(exp, { recursive: true });
  fs.writeFileSync(path.join(exp, 'meta.yaml'), "artifact_location: file:///tmp/mlruns/1\nexperiment_id: '1'\nlifecycle_stage: active\nname: many\n");
  const ids: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const id = `a${i.toString(16).padStart(31, '0')}`;
    ids.push(id);
    const dir = path.join(exp, id);
    fs.mkdirSync(path.join(dir, 'tags'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'meta.yaml'),
      `artifact_uri: file:///tmp/mlruns/1/${id}/artifacts\nend_time: 1700000001000\nexperiment_id: '1'\nlifecycle_stage: active\n` +
      `run_id: ${id}\nrun_name: run-${i}\nrun_uuid: ${id}\nstart_time: 1700000000000\nstatus: 3\ntags: []\nuser_id: ana\n`);
    if (i > 0 && i % 10 === 0) { fs.writeFileSync(path.join(dir, 'tags', 'mlflow.parentRunId'), ids[0]); }
  }
  return { mlruns, ids };
}

describe('MLflow file store scan(): time-sliced reads', () => {
  let tmp: string;
  let store: { mlruns: string; ids: string[] };
  let reader: MlflowReader;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-mlflow-scan-'));
    store = bigStore(tmp);
    reader = await openFileStore(mlflowRef('file', store.mlruns, tmp));
  });
  after(() => { reader.close(); fs.rmSync(tmp, { recursive: true, force: true }); });

  it('lets the event loop run while it reads the run headers, and still reads every run and its parent', async () => {
    let ticks = 0;
    let done = false;
    const tick = (): void => { if (!done) { ticks++; setImmediate(tick); } };
    setImmediate(tick);
    const s = await reader.scan().then((x) => { done = true; return x; });
    assert.ok(ticks > 0, 'a setImmediate callback ran before scan() resolved');
    assert.equal(s.runs.length, RUNS);
    assert.deepEqual(s.problems, []);
    const nested = s.runs.filter((r) => r.parentRunId === store.ids[0]).map((r) => r.id).sort();
    assert.deepEqual(nested, store.ids.filter((_, i) => i > 0 && i % 10 === 0).sort());
    assert.equal(s.runs.find((r) => r.id === store.ids[7])?.name, 'run-7');
  });

  it('stops with an AbortError when its signal is aborted while it reads, and reads again afterwards', async () => {
    const ctl = new AbortController();
    let aborted = false;
    setImmediate(() => { ctl.abort(); aborted = true; });
    await assert.rejects(reader.scan({ signal: ctl.signal }), (e: Error) => e.name === 'AbortError');
    assert.ok(aborted);
    const again = await reader.scan();
    assert.equal(again.runs.length, RUNS, 'an aborted scan leaves the reader usable');
  });

  it('an already aborted signal reads nothing', async () => {
    const ctl = new AbortController();
    ctl.abort();
    await assert.rejects(reader.scan({ signal: ctl.signal }), (e: Error) => e.name === 'AbortError');
  });
});
