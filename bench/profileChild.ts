// Child process of the profile benchmark: profiles one file and prints its figures as JSON (peak RSS of a
// process that runs only the profiler).
import { performance } from 'node:perf_hooks';
import { profileFile } from '../src/core/data/profile';

async function main(): Promise<void> {
  const t0 = performance.now();
  const p = await profileFile(process.argv[2]);
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({
    ms, rows: p.rows, error: p.error, maxRssBytes: process.resourceUsage().maxRSS * 1024,
    columns: p.columns.map((c) => `${c.name}:${c.type}${c.distinctExact ? '' : '~'}${c.distinct}`),
  }) + '\n');
}

main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
