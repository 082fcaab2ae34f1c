// `mlops import mlflow` of the generated file store (10,000 runs, 10M metric points; bench/mlflowGen.ts,
// cached in os.tmpdir()) into a fresh .mlops, as a child process of the built CLI (dist/cli.js), then again (every
// run already imported: all skipped). Wall time on a shared machine includes waiting for a core, so the child's CPU
// time (user + system, reported by the child itself on exit) is printed next to it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cachedMlflowFileStore } from './mlflowGen';
import { line } from './util';

const REPO = path.resolve(__dirname, '..', '..');
const CLI = path.join(REPO, 'dist', 'cli.js');

/** Runs the CLI; returns wall ms, the child's CPU ms and its last stdout line. */
function cli(args: string[], cwd: string, cpuFile: string): { ms: number; cpuMs: number; code: number; last: string } {
  const hook = `${cpuFile}.hook.js`;
  fs.writeFileSync(hook, `process.on('exit', () => { const u = process.cpuUsage(); require('fs').writeFileSync(${JSON.stringify(cpuFile)}, String((u.user + u.system) / 1000)); });\n`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--require', hook, CLI, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  const cpuMs = Number(fs.readFileSync(cpuFile, 'utf8'));
  return { ms, cpuMs, code: r.status ?? -1, last: r.stdout.trim().split('\n').filter((l) => l.startsWith('Total:')).pop() ?? r.stderr.trim().split('\n').pop() ?? '' };
}

export function benchMlflowImport(): Promise<void> {
  console.log('\nmlops import mlflow (10,000-run file store, a child process of dist/cli.js)');
  if (!fs.existsSync(CLI)) { console.log('  dist/cli.js is missing: run npm run build first'); return Promise.resolve(); }
  const g = cachedMlflowFileStore();
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-import-'));
  const cpuFile = path.join(ws, '..', `${path.basename(ws)}.cpu`);
  try {
    cli(['init'], ws, cpuFile);
    const first = cli(['import', 'mlflow', g.path], ws, cpuFile);
    line(`import: ${g.runIds.length} runs (exit ${first.code})`, `${(first.ms / 1000).toFixed(1)} s`, '≤ 60 s');
    line('import: CPU time of the child (user + system)', `${(first.cpuMs / 1000).toFixed(1)} s`);
    console.log(`  ${first.last}`);
    const again = cli(['import', 'mlflow', g.path], ws, cpuFile);
    line(`re-import, everything already there (exit ${again.code})`, `${(again.ms / 1000).toFixed(1)} s`);
    line('re-import: CPU time of the child', `${(again.cpuMs / 1000).toFixed(1)} s`);
    console.log(`  ${again.last}`);
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
    fs.rmSync(cpuFile, { force: true });
    fs.rmSync(`${cpuFile}.hook.js`, { force: true });
  }
  return Promise.resolve();
}
