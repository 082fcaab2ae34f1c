// Child process of the monitor benchmark: one monitorReport over a generated store, its figures as JSON (peak RSS of
// a process that runs only the monitor). Args: workspace, model, now (ISO), and `cache` or `nocache`.
import { performance } from 'node:perf_hooks';
import { Store } from '../src/core/store/store';
import { monitorReport } from '../src/core/monitor';

async function main(): Promise<void> {
  const [root, model, now, mode] = process.argv.slice(2);
  const t0 = performance.now();
  const store = await Store.open(root);
  const r = await monitorReport(store, model, { now: new Date(now), cache: mode !== 'nocache' });
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({
    ms, windows: r.windows.length, requests: r.windows.reduce((s, w) => s + w.requests, 0), problems: r.problems.length,
    drifted: r.windows.at(-1)?.inputDrift?.drifted ?? null, maxRssBytes: process.resourceUsage().maxRSS * 1024, heapUsedBytes: process.memoryUsage().heapUsed,
  }) + '\n');
}

main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
