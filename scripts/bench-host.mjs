#!/usr/bin/env node
// Host-side scale figures: generates a store of BENCH_HOST_RUNS (default 10,000) runs in 10 experiments, each with
// a short loss curve, opens it in the real VS Code extension host and runs test/integration/scale.test.ts, which
// prints how long the Experiments view takes. Part of `npm run bench` when the test host is installed.
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
  console.log(`host: generated ${N} runs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const r = spawnSync(process.execPath, [path.join(repo, 'scripts/run-vscode-tests.mjs')], {
    encoding: 'utf8', env: { ...process.env, VSCODE_TEST_FOLDER: root, VSCODE_TEST_GREP: 'scale', MLOPS_SCALE_BENCH: String(N) },
  });
  const line = (r.stdout || '').split('\n').find((l) => l.startsWith('SCALE '));
  console.log(line ? `host: ${line.slice(6)}` : `host: no figures (launcher exit ${r.status})\n${r.stdout}\n${r.stderr}`);
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
