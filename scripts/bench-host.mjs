#!/usr/bin/env node
// Host-side scale figures: generates a store of BENCH_HOST_RUNS (default 10,000) runs in 10 experiments, each with
// a short loss curve, plus 20 runs of 100,000 points, opens it in the real VS Code extension host twice (without and
// with the run cache) and runs test/integration/scale.test.ts, which prints how long activation, the Experiments
// view and Compare take. Part of `npm run bench` when the test host is installed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!fs.existsSync(path.join(repo, '.vscode-test/cs'))) {
  console.log('host: skipped (the VS Code test host is not installed; run npm run test:setup)');
  process.exit(0);
}
const require = createRequire(import.meta.url);
const { Store, mapLimit } = require(path.join(repo, 'out/src/core/index.js'));
const N = Number(process.env.BENCH_HOST_RUNS || 10000);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-host-bench-'));
try {
  const { store } = await Store.init(root);
  const t0 = Date.now();
  await mapLimit(Array.from({ length: N }, (_, i) => i), 16, async (i) => {
    const run = await store.createRun({ experiment: `exp-${String(i % 10).padStart(2, '0')}`, name: `run-${i}`, status: 'finished', params: { lr: 0.001 * (i % 10), seed: i } });
    await store.logMetrics(run.id, Array.from({ length: 10 }, (_, s) => ({ name: 'loss', step: s, value: 1 / (s + 1) + (i % 100) / 1000 })));
  });
  // Compare: 20 runs × 100,000 points of one metric, in an experiment of their own.
  for (let r = 0; r < 20; r++) {
    const run = await store.createRun({ experiment: 'compare-bench', name: `big-${r}`, status: 'finished', params: { lr: 0.001 * (r + 1) } });
    for (let c = 0; c < 10; c++) {
      await store.logMetrics(run.id, Array.from({ length: 10_000 }, (_, k) => { const i = c * 10_000 + k; return { name: 'loss', step: i, value: 1 / Math.sqrt(i + 1) + r / 50, timestamp: 1_700_000_000_000 + i * 50 }; }));
    }
  }
  console.log(`host: generated ${N} runs (+20 of 100,000 points) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // Pass 1 opens the store for the first time (no cache: every run.json is read and the cache written);
  // pass 2 is a new VS Code start on the same store (the cache is there): the everyday cold start.
  for (const pass of ['no cache yet', 'cache present']) {
    const r = spawnSync(process.execPath, [path.join(repo, 'scripts/run-vscode-tests.mjs')], {
      encoding: 'utf8', env: { ...process.env, VSCODE_TEST_FOLDER: root, VSCODE_TEST_GREP: 'scale', MLOPS_SCALE_BENCH: String(N + 20), MLOPS_SCALE_PASS: `[${pass}] ` },
    });
    const lines = (r.stdout || '').split('\n').filter((l) => l.startsWith('SCALE '));
    console.log(lines.length ? lines.map((l) => `host: ${l.slice(6)}`).join('\n') : `host: no figures (launcher exit ${r.status})\n${r.stdout}\n${r.stderr}`);
  }
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
