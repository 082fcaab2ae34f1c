// Pipeline benchmark: planning a 50-step pipeline whose steps read 10,000 input files (50 folders of 200) and each
// the previous step's output, when nothing changed since it ran — what `mlops pipeline run` and Run Pipeline… do
// before anything runs. Goal ≤ 300 ms, in a fresh process (the stat cache read from .mlops/cache/, not memory).
// The floor, measured in the same run: statSync of the same 10,000 files, which any up-to-date check must do.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Store } from '../src/core';
import { executePipeline, HashCache, planPipeline, readPipeline } from '../src/core/pipeline';
import { planState } from '../src/core/pipeline/plan';
import { line, median } from './util';

const STEPS = Number(process.env.BENCH_PIPELINE_STEPS ?? 50);
const FILES = Number(process.env.BENCH_PIPELINE_FILES ?? 10_000);

export async function benchPipeline(): Promise<void> {
  console.log(`\nPipeline (planning ${STEPS} steps over ${FILES.toLocaleString('en')} input files, nothing changed)`);
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-pipeline-'));
  try {
    const { store } = await Store.init(ws);
    const perStep = Math.ceil(FILES / STEPS);
    const files: string[] = [];
    for (let s = 0; s < STEPS; s++) {
      const dir = path.join(ws, 'data', `part-${s}`);
      fs.mkdirSync(dir, { recursive: true });
      for (let f = 0; f < perStep && files.length < FILES; f++) {
        const file = path.join(dir, `rows-${f}.csv`);
        fs.writeFileSync(file, `id,value\n${s},${f}\n`);
        files.push(file);
      }
    }
    fs.writeFileSync(path.join(ws, 'step.js'), "const fs = require('fs'); const k = process.argv[2]; fs.mkdirSync('out', { recursive: true }); fs.writeFileSync('out/s' + k + '.txt', 'step ' + k + ' ' + fs.readdirSync('data/part-' + k).length);\n");
    const steps = Array.from({ length: STEPS }, (_, k) => ({
      id: `s${k}`,
      run: `${JSON.stringify(process.execPath)} step.js ${k}`,
      inputs: [{ file: `data/part-${k}` }, ...(k > 0 ? [{ step: `s${k - 1}` }] : [])],
      outputs: [{ path: `out/s${k}.txt` }],
    }));
    fs.mkdirSync(path.join(store.dir, 'pipelines'));
    fs.writeFileSync(path.join(store.dir, 'pipelines', 'big.json'), JSON.stringify({ formatVersion: 1, steps }, null, 2));
    const pipeline = (await readPipeline(store, 'big')).pipeline!;

    let t = performance.now();
    const first = await executePipeline(store, await planPipeline(store, pipeline, {}), {});
    line(`first run (${STEPS} step processes, every file hashed)`, `${((performance.now() - t) / 1000).toFixed(1)} s`);
    if (first.status !== 'finished') { throw new Error(first.message); }

    const floor: number[] = [];
    const fresh: number[] = [];
    const warm: number[] = [];
    let read = 0;
    let upToDate = 0;
    for (let i = 0; i < 7; i++) {
      t = performance.now();
      for (const f of files) { fs.statSync(f); }
      floor.push(performance.now() - t);
      HashCache.forget();
      t = performance.now();
      const p = (await readPipeline(store, 'big')).pipeline!;
      const plan = await planPipeline(store, p, {});
      fresh.push(performance.now() - t);
      read = planState(plan)?.hashes.filesRead ?? -1;
      upToDate = plan.steps.filter((s) => s.action === 'upToDate').length;
      t = performance.now();
      await planPipeline(store, p, {});
      warm.push(performance.now() - t);
    }
    line(`floor: statSync of the ${FILES.toLocaleString('en')} input files`, `${median(floor).toFixed(0)} ms`);
    line('read + plan, fresh process (cache from .mlops/cache)', `${median(fresh).toFixed(0)} ms`, '≤ 300 ms');
    line('plan again in the same process', `${median(warm).toFixed(0)} ms`);
    line('  steps up to date / files read instead of stat-ed', `${upToDate} / ${read}`);
    fs.rmSync(path.join(store.dir, 'cache', 'pipeline-hashes.json'));
    HashCache.forget();
    t = performance.now();
    await planPipeline(store, pipeline, {});
    line('plan with no stat cache (every file read and hashed)', `${(performance.now() - t).toFixed(0)} ms`);
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
}
