// Monitor benchmark: 1 M logged requests (20 features each, over two days of 1 h windows; MLOPS_BENCH_MONITOR_REQUESTS
// to change) in a temp store, summarised by `monitorReport` cold (no windows.jsonl) and warm (cache current) in child
// processes, next to floors measured on the same bytes in the same run. Figures are printed, never asserted.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Store } from '../src/core/store/store';
import { cachedMonitorReport, monitorReport } from '../src/core/monitor';
import { line, median, mib, time } from './util';
import { mulberry32 } from '../src/core/data/profile';

const NUMERIC = 15;
const CATEGORICAL = 5;
const CATS = ['red', 'green', 'blue', 'amber', 'violet', 'teal'];

/** A seeded generator (the profiles' own), so every run benchmarks the same bytes. */
const rng = mulberry32;

function record(r: () => number, shift: number): Record<string, number | string> {
  const rec: Record<string, number | string> = {};
  for (let i = 0; i < NUMERIC; i++) { rec[`f${i}`] = Math.round((r() * 10 + i + shift) * 1000) / 1000; }
  for (let i = 0; i < CATEGORICAL; i++) { rec[`c${i}`] = CATS[Math.floor(r() * (i === 0 && shift > 0 ? 6 : 4))]; }
  return rec;
}

export async function generateMonitorLog(root: string, requests: number): Promise<{ bytes: number; start: number; end: number; logDir: string }> {
  const { store } = await Store.init(root);
  const r = rng(42);
  const train = path.join(root, 'train.csv');
  const head = [...Array.from({ length: NUMERIC }, (_, i) => `f${i}`), ...Array.from({ length: CATEGORICAL }, (_, i) => `c${i}`), 'label'];
  const rows = Array.from({ length: 10_000 }, () => { const x = record(r, 0); return [...head.slice(0, -1).map((k) => x[k]), Math.round(r())].join(','); });
  fs.writeFileSync(train, [head.join(','), ...rows].join('\n') + '\n');
  const tagged = await store.tagData({ path: train, dataset: 'bench' });
  const run = await store.createRun({ experiment: 'bench', dataVersions: [{ dataset: 'bench', version: tagged.version.id }] });
  fs.writeFileSync(path.join(root, 'model.bin'), 'model');
  await store.registerModel({ name: 'bench', runId: run.id, artifactPath: path.join(root, 'model.bin') });
  await store.setModelStage('bench', 1, 'production');
  fs.writeFileSync(store.goalsFile(), JSON.stringify({ formatVersion: 1, monitoring: { window: '1h', label: 'label', alerts: [{ quantity: 'inputDriftShare', comparator: 'gte', threshold: 0.3 }] } }));
  const logDir = path.join(store.dir, 'monitoring', 'bench');
  fs.mkdirSync(logDir, { recursive: true });
  const start = Date.UTC(2026, 10, 28);
  const span = 2 * 86_400_000;
  let bytes = 0;
  let fd: number | undefined;
  let day = '';
  let chunk: string[] = [];
  const flush = (): void => { if (fd !== undefined && chunk.length) { const s = chunk.join(''); fs.writeSync(fd, s); bytes += Buffer.byteLength(s); chunk = []; } };
  for (let i = 0; i < requests; i++) {
    const t = new Date(start + Math.floor((i * span) / requests));
    const iso = t.toISOString();
    if (iso.slice(0, 10) !== day) { flush(); if (fd !== undefined) { fs.closeSync(fd); } day = iso.slice(0, 10); fd = fs.openSync(path.join(logDir, `${day}.jsonl`), 'a'); }
    const id = (i + 1).toString(16).padStart(32, '0');
    const status = r() < 0.01 ? 500 : 200;
    const shift = i > requests * 0.75 ? 3 : 0;
    chunk.push(`${JSON.stringify({ kind: 'prediction', id, time: iso, model: 'bench', version: 1, status, latencyMs: Math.round(r() * 4000) / 1000, rows: 1, inputs: [record(r, shift)], inputsMode: 'features', ...(status === 200 ? { outputs: [r() < 0.5 ? 0 : 1] } : { error: 'model raised' }) })}\n`);
    if (status === 200 && i % 50 === 0) { chunk.push(`${JSON.stringify({ kind: 'feedback', id, time: iso, predictionTime: iso, version: 1, outputs: [1], labels: [r() < 0.8 ? 1 : 0] })}\n`); }
    if (chunk.length >= 20_000) { flush(); }
  }
  flush();
  if (fd !== undefined) { fs.closeSync(fd); }
  return { bytes, start, end: start + span, logDir };
}

interface ChildFigures { ms: number; windows: number; requests: number; problems: number; drifted: number | null; maxRssBytes: number }

function child(root: string, now: string, mode: 'cache' | 'nocache'): ChildFigures | undefined {
  const c = spawnSync(process.execPath, [path.join(__dirname, 'monitorChild.js'), root, 'bench', now, mode], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (c.status !== 0) { console.log(`  monitor child failed: ${c.stderr}`); return undefined; }
  return JSON.parse(c.stdout) as ChildFigures;
}

/** Floors on the same bytes: read them, and read + JSON.parse every line (what any reader of the log must do). */
function floors(logDir: string): { readMs: number; parseMs: number; lines: number } {
  const files = fs.readdirSync(logDir).filter((f) => f.endsWith('.jsonl') && f !== 'windows.jsonl').sort();
  const buf = Buffer.allocUnsafe(4 << 20);
  let lines = 0;
  const t0 = performance.now();
  for (const f of files) {
    const fd = fs.openSync(path.join(logDir, f), 'r');
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) { for (let i = buf.indexOf(10); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) { lines++; } }
    fs.closeSync(fd);
  }
  const readMs = performance.now() - t0;
  const t1 = performance.now();
  for (const f of files) {
    const fd = fs.openSync(path.join(logDir, f), 'r');
    let carry = '';
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) {
      const text = carry + buf.toString('utf8', 0, n);
      const parts = text.split('\n');
      carry = parts.pop() ?? '';
      for (const p of parts) { if (p) { JSON.parse(p); } }
    }
    fs.closeSync(fd);
  }
  return { readMs, parseMs: performance.now() - t1, lines };
}

export async function benchMonitor(): Promise<void> {
  const requests = Number(process.env.MLOPS_BENCH_MONITOR_REQUESTS ?? 1_000_000);
  console.log(`monitor (${requests.toLocaleString('en')} logged requests, ${NUMERIC + CATEGORICAL} features, 1 h windows over 2 days):`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-monitor-bench-'));
  try {
    const gen = await generateMonitorLog(root, requests);
    line('generated prediction log', mib(gen.bytes));
    const now = new Date(gen.end + 30 * 60_000).toISOString();
    const f = floors(gen.logDir);
    line(`floor: read the bytes and count lines (${f.lines.toLocaleString('en')})`, `${(f.readMs / 1000).toFixed(2)} s`);
    line('floor: read + JSON.parse every line', `${(f.parseMs / 1000).toFixed(2)} s`);
    const cold = child(root, now, 'cache');
    if (!cold) { return; }
    line(`monitorReport cold (no windows.jsonl; ${cold.windows} windows)`, `${(cold.ms / 1000).toFixed(2)} s`, '≤ 3 s');
    line('monitorReport cold: peak RSS (child process)', mib(cold.maxRssBytes), '≤ 150 MB');
    line('monitorReport cold over the JSON.parse floor', `${(cold.ms / f.parseMs).toFixed(2)} ×`);
    const warm = child(root, now, 'cache');
    if (warm) {
      line('monitorReport warm (cache current), fresh process (the CLI)', `${warm.ms.toFixed(0)} ms`);
      line('monitorReport warm: peak RSS (child process)', mib(warm.maxRssBytes));
    }
    const store = await Store.open(root);
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) { runs.push((await time(() => monitorReport(store, 'bench', { now: new Date(now) }))).ms); }
    line('monitorReport warm, in process (median of 5): a view refresh', `${median(runs).toFixed(0)} ms`);
    const opens: number[] = [];
    for (let i = 0; i < 5; i++) { opens.push((await time(() => cachedMonitorReport(store, 'bench'))).ms); }
    line('cachedMonitorReport from windows.jsonl (median of 5): the view opening', `${median(opens).toFixed(1)} ms`, '≤ 200 ms');
    line('requests summarised', cold.requests.toLocaleString('en'));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
