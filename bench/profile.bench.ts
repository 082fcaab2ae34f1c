// Profile benchmark: a generated CSV (1 GB by default; MLOPS_BENCH_PROFILE_MB=100 for a quick run) profiled in a
// child process that runs only the profiler, next to pandas read_csv + describe(include="all") on the same file.
// Figures are printed, never asserted.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateCsv } from './profileData';
import { line, mib } from './util';

const PANDAS = `
import resource, sys, time
import pandas as pd
t0 = time.time()
df = pd.read_csv(sys.argv[1])
t1 = time.time()
d = df.describe(include="all")
t2 = time.time()
print("%f %f %d %d" % (t1 - t0, t2 - t1, len(df), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))
`;

function pythonWithPandas(): string | undefined {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import pandas'], { encoding: 'utf8' });
    if (r.status === 0) { return py; }
  }
  return undefined;
}

export async function benchProfile(): Promise<void> {
  const mb = Number(process.env.MLOPS_BENCH_PROFILE_MB ?? 1000);
  console.log(`profile (${mb} MB CSV; set MLOPS_BENCH_PROFILE_MB to change):`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-profile-bench-'));
  try {
    const file = path.join(dir, 'bench.csv');
    const gen = await generateCsv(file, mb * 1e6);
    line(`generated CSV (${mib(gen.bytes)}, 10 columns): rows`, gen.rows.toLocaleString('en'));
    const child = spawnSync(process.execPath, [path.join(__dirname, 'profileChild.js'), file], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (child.status !== 0) { console.log(`  profiler failed: ${child.stderr}`); return; }
    const ours = JSON.parse(child.stdout) as { ms: number; rows: number; error?: string; maxRssBytes: number; columns: string[] };
    if (ours.error) { console.log(`  profile error: ${ours.error}`); }
    line('profileFile: wall time', `${(ours.ms / 1000).toFixed(1)} s`);
    line('profileFile: throughput', `${(gen.bytes / 1e6 / (ours.ms / 1000)).toFixed(1)} MB/s`, '≥ pandas');
    line('profileFile: peak RSS (child process)', mib(ours.maxRssBytes), '≤ 300 MB');
    line('profileFile: rows', ours.rows.toLocaleString('en'));
    console.log(`  columns: ${ours.columns.join(' ')}`);
    const py = pythonWithPandas();
    if (!py) { console.log('  pandas: skipped (no python3 with pandas; apt-get install python3-pandas)'); return; }
    const pd = spawnSync(py, ['-c', PANDAS, file], { encoding: 'utf8' });
    if (pd.status !== 0) { console.log(`  pandas failed: ${pd.stderr.trim().split('\n').pop() ?? ''}`); return; }
    const [read, describe, rows, rss] = pd.stdout.trim().split(' ').map(Number);
    line(`pandas read_csv ${read.toFixed(1)} s + describe(include="all") ${describe.toFixed(1)} s`, `${(read + describe).toFixed(1)} s`);
    line('pandas: throughput', `${(gen.bytes / 1e6 / (read + describe)).toFixed(1)} MB/s`);
    line(`pandas: peak RSS (${rows.toLocaleString('en')} rows)`, mib(rss));
    line('profileFile speed-up over pandas', `${((read + describe) / (ours.ms / 1000)).toFixed(2)} ×`, '≥ 1');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
