// Store benchmark: 10,000 runs × 1,000 metric points. `mlops runs list --json` and `mlops experiments list` as whole
// processes against the honest floor (one process reading and parsing every run.json synchronously), the run
// catalog in process with and without its cache, the index's memory, one changed run picked up without a rescan,
// a metrics.jsonl larger than a JavaScript string can hold, and CLI start-up.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { RunCatalog, RunIndex, Store, type MetricInput } from '../src/core';
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

    const cli = path.join(repo, 'dist', 'cli.js');
    // The honest floor: one process that lists runs/ and reads and JSON.parses every run.json synchronously.
    const floorScript = `const fs=require('fs'),p=require('path');const d=p.join(${JSON.stringify(store.dir)},'runs');let n=0;`
      + `for(const id of fs.readdirSync(d)){n+=JSON.parse(fs.readFileSync(p.join(d,id,'run.json'),'utf8')).id.length>0?1:0;}`
      + `process.stdout.write(String(n));`;
    const proc = (args: string[]) => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30 });
      if (r.status !== 0) { throw new Error(`${args.join(' ')}: ${r.stderr}`); }
      return { ms: performance.now() - t0, out: r.stdout };
    };
    // The first listing builds the catalog's cache (every run.json and every metrics.jsonl read once).
    fs.rmSync(path.join(store.dir, 'cache'), { recursive: true, force: true });
    const cold = proc([cli, 'runs', 'list', '--json']);
    line('mlops runs list --json, first call (builds the cache; reads all metrics)', `${cold.ms.toFixed(0)} ms`);
    const floors: number[] = [];
    const lists: number[] = [];
    const exps: number[] = [];
    let listBytes = 0;
    for (let rep = 0; rep < 5; rep++) {
      floors.push(proc(['-e', floorScript]).ms);
      const l = proc([cli, 'runs', 'list', '--json']);
      lists.push(l.ms);
      listBytes = Buffer.byteLength(l.out);
      exps.push(proc([cli, 'experiments', 'list']).ms);
    }
    const floor = median(floors);
    line('floor: one process, sync read + JSON.parse of every run.json', `${floor.toFixed(0)} ms`);
    line(`mlops runs list --json (${(listBytes / 1048576).toFixed(1)} MiB of JSON, metrics included)`, `${median(lists).toFixed(0)} ms  ${(median(lists) / floor).toFixed(2)}×`, '≤ 1.5× floor');
    line('mlops experiments list', `${median(exps).toFixed(0)} ms  ${(median(exps) / floor).toFixed(2)}×`, '≤ 1.5× floor');

    // In process: the catalog behind the views, with its cache (warm) and without (cold), and its memory.
    const primed = RunCatalog.open(store);
    primed.refresh();
    primed.save();
    const inproc: number[] = [];
    for (let rep = 0; rep < 3; rep++) { inproc.push((await time(() => { const c = RunCatalog.open(store); c.refresh(); })).ms); }
    const noCache: number[] = [];
    for (let rep = 0; rep < 3; rep++) { noCache.push((await time(() => { RunCatalog.open(store, { persist: false }).refresh(); })).ms); }
    const floorIn: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      floorIn.push((await time(() => {
        const runsDir = path.join(store.dir, 'runs');
        for (const id of fs.readdirSync(runsDir)) { JSON.parse(fs.readFileSync(path.join(runsDir, id, 'run.json'), 'utf8')); }
      })).ms);
    }
    line('in process: floor (sync read + parse of every run.json)', `${median(floorIn).toFixed(0)} ms`);
    line('in process: run catalog from its cache (list + stat each run.json)', `${median(inproc).toFixed(0)} ms`);
    line('in process: run catalog without a cache (read + validate all)', `${median(noCache).toFixed(0)} ms`);
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const index = new RunIndex(store);
    await index.build();
    gc();
    const heap = process.memoryUsage().heapUsed - heapBefore;
    line('index heap (all run records, after GC)', `${mib(heap)} (${Math.round(heap / index.size)} B/run)`);

    const target = index.list()[RUNS >> 1];
    const refresh: number[] = [];
    for (let i = 0; i < 50; i++) {
      await store.updateRun(target.id, (r) => { r.tags = [`t${i}`]; });
      refresh.push((await time(() => index.refresh(target.id))).ms);
    }
    line('pick up one changed run without a rescan (median of 50)', `${median(refresh).toFixed(2)} ms`, '≤ 10 ms');
    const m = await time(() => store.readMetrics(target.id));
    line(`read one run's ${POINTS} metric points`, `${m.ms.toFixed(1)} ms`);

    // A metrics.jsonl past the ~512 MB limit of one JavaScript string: summarised as a stream, in bounded memory.
    const bigMb = Number(process.env.BENCH_BIG_MB ?? 600);
    const big = await store.createRun({ experiment: 'big', name: 'big' });
    const fd = fs.openSync(store.metricsFile(big.id), 'w');
    const block = Array.from({ length: 10_000 }, (_, i) => `{"name":"loss","step":${i},"value":0.${String(i).padStart(5, '0')}123,"timestamp":1700000000000}\n`).join('');
    let written = 0;
    while (written < bigMb * 1048576) { written += fs.writeSync(fd, block); }
    fs.closeSync(fd);
    gc();
    const rssBefore = process.memoryUsage().rss;
    const cat = RunCatalog.open(store, { persist: false });
    cat.refresh();
    const sum = await time(() => cat.summaries(big.id));
    const rss = process.memoryUsage().rss - rssBefore;
    line(`summarise a ${(written / 1048576).toFixed(0)} MiB metrics.jsonl (${sum.value.get('loss')?.count ?? 0} points)`, `${(sum.ms / 1000).toFixed(1)} s, +${mib(Math.max(0, rss))} RSS`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }

  const cliPath = path.join(repo, 'dist', 'cli.js');
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
  const version = spawnMs([cliPath, '--version']);
  const help = spawnMs([cliPath, 'runs', 'list', '--help']);
  line("node -e ''", `${bare.toFixed(0)} ms`);
  line('mlops --version', `${version.toFixed(0)} ms`);
  line('mlops runs list --help (loads the whole CLI)', `${help.toFixed(0)} ms`);
}
