// Serve benchmark: python/mlops_serve.py with a trivial python-flavor model (it returns a constant), on loopback
// with keep-alive (one Node http.Agent socket, sequential requests). Goals: the server's overhead over the model's
// own predict ≤ 1 ms at p50; ≥ 500 requests/s with logging on; logging costs ≤ 5 % of throughput. The model's own
// predict time is measured in the same Python (timeit of the same function), so overhead = round trip − predict.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startServer, type ServeSpec, type ServerHandle } from '../src/core/serve';
import { MAX_BODY_BYTES, REQUEST_TIMEOUT_S, SERVE_SPEC_VERSION } from '../src/core/serve/types';
import { line, median } from './util';

const PYTHON = process.env.MLOPS_PYTHON || 'python3';
const SECONDS = Number(process.env.BENCH_SERVE_SECONDS ?? 3);
const MODEL = 'def load(path):\n    def predict(records):\n        return [1] * len(records)\n    return predict\n';
const BODY = JSON.stringify([{ x: 1.5, flag: true, city: 'oslo' }]);

function spec(dir: string, log: boolean): ServeSpec {
  return {
    formatVersion: SERVE_SPEC_VERSION, model: 'bench', version: 1, runId: 'bench', dataVersions: [],
    flavor: { name: 'python', entry: 'model.py:load' }, artifact: path.join(dir, 'weights.json'), pythonPath: [dir],
    features: [{ name: 'x', type: 'float', nullable: false }, { name: 'flag', type: 'boolean', nullable: false }, { name: 'city', type: 'categorical', nullable: false }],
    logDir: log ? path.join(dir, 'monitoring') : null, logInputs: 'features', host: '127.0.0.1', port: 0,
    maxBodyBytes: MAX_BODY_BYTES, requestTimeoutS: REQUEST_TIMEOUT_S,
  };
}

function call(agent: http.Agent, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/predict', method: 'POST', agent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(BODY) } }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(BODY);
  });
}

/** Sequential keep-alive requests for `seconds`: the round trips (ms) and the rate. */
async function measure(h: ServerHandle, seconds: number): Promise<{ p50: number; p95: number; rps: number; n: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < 200; i++) { await call(agent, h.port); } // warm-up
    const times: number[] = [];
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      const t = performance.now();
      await call(agent, h.port);
      times.push(performance.now() - t);
    }
    const elapsed = (performance.now() - t0) / 1000;
    const sorted = [...times].sort((a, b) => a - b);
    return { p50: median(times), p95: sorted[Math.floor(sorted.length * 0.95)], rps: times.length / elapsed, n: times.length };
  } finally {
    agent.destroy();
  }
}

export async function benchServe(): Promise<void> {
  console.log('\nServe (python/mlops_serve.py, trivial python-flavor model, loopback, keep-alive, sequential)');
  const probe = spawnSync(PYTHON, ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) { console.log(`  skipped: ${PYTHON} cannot be run`); return; }
  const dir = fs.mkdtempSync(path.join(process.env.BENCH_SERVE_TMP ?? os.tmpdir(), 'mlops-bench-serve-'));
  try {
    fs.writeFileSync(path.join(dir, 'model.py'), MODEL);
    fs.writeFileSync(path.join(dir, 'weights.json'), '{}');
    // The model's own predict, timed in the same Python.
    const own = spawnSync(PYTHON, ['-c', `import sys, timeit; sys.path.insert(0, ${JSON.stringify(dir)}); import model; p = model.load("w");
r = [{"x": 1.5, "flag": True, "city": "oslo"}]; n = 100000; print(min(timeit.repeat(lambda: p(r), number=n, repeat=5)) / n * 1000)`], { encoding: 'utf8' });
    const predictMs = Number(own.stdout.trim());
    const runs: { log: boolean; p50: number; p95: number; rps: number; n: number }[] = [];
    // Interleaved, three times each, so a neighbour's load on a shared machine hits both modes alike; medians.
    for (const log of [true, false, true, false, true, false]) {
      const h = await startServer(spec(dir, log), { python: PYTHON, specFile: path.join(dir, `spec-${log}.json`), serverFile: path.join(__dirname, '..', '..', 'python', 'mlops_serve.py') });
      try {
        runs.push({ log, ...await measure(h, SECONDS) });
      } finally {
        await h.stop();
      }
    }
    const best = (log: boolean) => { const rs = runs.filter((r) => r.log === log).sort((a, b) => b.rps - a.rps); return rs[Math.floor(rs.length / 2)]; };
    const on = best(true);
    const off = best(false);
    const logged = fs.readdirSync(path.join(dir, 'monitoring')).reduce((n, f) => n + fs.readFileSync(path.join(dir, 'monitoring', f), 'utf8').split('\n').filter(Boolean).length, 0);
    line('model predict (own time, p50 of timeit)', `${predictMs.toFixed(4)} ms`);
    line('/predict round trip p50 / p95, logging on', `${on.p50.toFixed(3)} / ${on.p95.toFixed(3)} ms`);
    line('server overhead p50 (round trip − predict)', `${(on.p50 - predictMs).toFixed(3)} ms`, '≤ 1 ms');
    line('requests/s, logging on', on.rps.toFixed(0), '≥ 500');
    line('requests/s, --no-log', off.rps.toFixed(0));
    line('logging cost (throughput)', `${(((off.rps - on.rps) / off.rps) * 100).toFixed(1)} %`, '≤ 5 %');
    line('lines logged (both logging runs, warm-up included)', String(logged));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchServe().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
}
