// Store benchmark: 10,000 runs × 1,000 metric points, the list-view index against the floor of reading every
// run file, the index's memory, one changed run picked up without a rescan, and CLI start-up.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { RunIndex, Store, type MetricInput } from '../src/core';
import { mapLimit } from '../src/core/store/fsutil';
import { gc, line, median, mib, time } from './util';

const RUNS = Number(process.env.BENCH_RUNS ?? 10_000);
const POINTS = Number(process.env.BENCH_POINTS ?? 1_000);

export async function benchStore(repo: string): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-'));
  try {
    const { store } = await Store.init(root);
    console.log(`store: ${RUNS} runs × ${POINTS} metric points in ${root}`);
    const points: MetricInput[] = Array.from({ length: POINTS }, (_, i) => ({ name: i % 2 ? 'accuracy' : 'loss', step: i >> 1, value: Math.random(), timestamp: 1_700_000_000_000 + i }));
    const write = await time(async () => {
      await mapLimit(Array.from({ length: RUNS }, (_, i) => i), 16, async (i) => {
        const run = await store.createRun({ experiment: `exp-${i % 20}`, name: `run-${i}`, status: 'finished', params: { lr: 0.001 * (i % 10), batch: 32 << (i % 3), seed: i }, tags: i % 7 ? [] : ['candidate'] });
        await store.logMetrics(run.id, points);
      });
    });
    line(`write ${RUNS} runs (run.json + ${POINTS}-point metrics.jsonl each)`, `${(write.ms / 1000).toFixed(1)} s`);

    // Warm the page cache once so both sides measure the same thing.
    await new RunIndex(store).build();
    const runsDir = path.join(store.dir, 'runs');
    const floors: number[] = [];
    const builds: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      floors.push((await time(async () => {
        const ids = await fs.promises.readdir(runsDir);
        await mapLimit(ids, 64, (id) => fs.promises.readFile(path.join(runsDir, id, 'run.json'), 'utf8'));
      })).ms);
      builds.push((await time(() => new RunIndex(store).build())).ms);
    }
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const index = new RunIndex(store);
    await index.build();
    gc();
    const heap = process.memoryUsage().heapUsed - heapBefore;
    line('index heap (all run records, after GC)', `${mib(heap)} (${Math.round(heap / index.size)} B/run)`);
    const floor = median(floors);
    const build = median(builds);
    line('floor: read every run.json (same process, same concurrency)', `${floor.toFixed(0)} ms`);
    line(`index all ${index.size} runs for the list view (read + parse + validate)`, `${build.toFixed(0)} ms`);
    line('ratio index / floor', `${(build / floor).toFixed(2)}×`, '≤ 2×');

    const target = index.list()[RUNS >> 1];
    const refresh: number[] = [];
    for (let i = 0; i < 50; i++) {
      await store.updateRun(target.id, (r) => { r.tags = [`t${i}`]; });
      refresh.push((await time(() => index.refresh(target.id))).ms);
    }
    line('pick up one changed run without a rescan (median of 50)', `${median(refresh).toFixed(2)} ms`, '≤ 10 ms');
    const m = await time(() => store.readMetrics(target.id));
    line(`read one run's ${POINTS} metric points`, `${m.ms.toFixed(1)} ms`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }

  const cli = path.join(repo, 'dist', 'cli.js');
  const spawnMs = (args: string[]) => {
    const xs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      spawnSync(process.execPath, args, { stdio: 'ignore' });
      xs.push(performance.now() - t0);
    }
    return median(xs);
  };
  const bare = spawnMs(['-e', '']);
  const version = spawnMs([cli, '--version']);
  const help = spawnMs([cli, 'runs', 'list', '--help']);
  line("node -e ''", `${bare.toFixed(0)} ms`);
  line('mlops --version', `${version.toFixed(0)} ms`);
  line('mlops runs list --help (loads the whole CLI)', `${help.toFixed(0)} ms`);
}
