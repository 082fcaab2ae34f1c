// Gate benchmark: `runGate` on a run with 100,000 metric points in a repository of 1,000 commits, the run's commit
// 500 commits back (so its files are read from history, not the working tree). Goal ≤ 1 s. The floor, measured in
// the same run: what any gate must do at least — list the tree at that commit and read the same files from git in
// one batch, hash the artifact, and read and parse every line of the metrics file synchronously.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Store } from '../src/core';
import { runGate } from '../src/core/gate/gate';
import { line, median } from './util';

const COMMITS = Number(process.env.BENCH_GATE_COMMITS ?? 1000);
const POINTS = Number(process.env.BENCH_GATE_POINTS ?? 100_000);

function git(cwd: string, args: string[], input?: string): string {
  const r = spawnSync('git', args, { cwd, input, encoding: 'utf8', maxBuffer: 1 << 28,
    env: { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@example.com' } });
  if (r.status !== 0) { throw new Error(`git ${args.join(' ')}: ${r.stderr}`); }
  return r.stdout;
}

/** 1,000 commits through `git fast-import`: 40 scripts, 3 notebooks, a requirements file and a changing module. */
function history(ws: string): void {
  git(ws, ['init', '-q', '-b', 'main']);
  const out: string[] = [];
  const blob = (text: string) => `data ${Buffer.byteLength(text)}\n${text}`;
  const nb = (i: number) => JSON.stringify({ cells: [{ cell_type: 'code', source: [`import pandas as pd\ndf = pd.read_csv('data/train.csv')\nprint(df.shape, ${i})\n`], metadata: {}, outputs: [], execution_count: 1 }], metadata: { kernelspec: { language: 'python', name: 'python3' } }, nbformat: 4, nbformat_minor: 5 });
  for (let c = 1; c <= COMMITS; c++) {
    out.push('commit refs/heads/main', `committer bench <b@example.com> ${1_700_000_000 + c} +0000`, blob(`commit ${c}`));
    if (c === 1) {
      out.push(`M 100644 inline .gitignore`, blob('/models/\n'));
      for (let i = 0; i < 40; i++) { out.push(`M 100644 inline src/module_${i}.py`, blob(`# module ${i}\nimport numpy as np\n\ndef f_${i}(x):\n    return np.asarray(x) * ${i}\n`)); }
      out.push('M 100644 inline train.py', blob('from sklearn.ensemble import RandomForestClassifier\nclf = RandomForestClassifier()\nclf.fit(X, y)\n'));
      for (let i = 0; i < 3; i++) { out.push(`M 100644 inline notebooks/explore_${i}.ipynb`, blob(nb(i))); }
    }
    out.push('M 100644 inline requirements.txt', blob(`scikit-learn==1.5.${c % 10}\npandas==2.2.2\nnumpy==2.1.0\nlightgbm>=4\n`));
    out.push('M 100644 inline src/changing.py', blob(`VERSION = ${c}\n`));
  }
  git(ws, ['fast-import', '--quiet'], out.join('\n') + '\n');
  git(ws, ['checkout', '-q', 'main']);
}

export async function benchGate(): Promise<void> {
  console.log(`\nGate (runGate: ${POINTS.toLocaleString('en')} metric points, ${COMMITS.toLocaleString('en')} commits, the run's commit ${Math.floor(COMMITS / 2)} back)`);
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-gate-'));
  try {
    let t = performance.now();
    history(ws);
    const commit = git(ws, ['rev-parse', `HEAD~${Math.floor(COMMITS / 2)}`]).trim();
    const { store } = await Store.init(ws);
    fs.writeFileSync(store.goalsFile(), JSON.stringify({
      formatVersion: 1, metrics: [{ name: 'accuracy', goal: 'max', threshold: 0.8 }, { name: 'loss', goal: 'min', threshold: 0.5 }],
      kpis: [{ name: 'value', formula: 'accuracy * 100 - loss * 10', threshold: 70 }], constraints: { maxPeakMemoryBytes: 8 * 1024 ** 3, python: '>=3.9' },
    }));
    fs.mkdirSync(path.join(ws, 'data'));
    fs.writeFileSync(path.join(ws, 'data', 'train.csv'), 'a,b\n1,2\n');
    const dv = await store.tagData({ path: path.join(ws, 'data'), dataset: 'd', noProfile: true } as Parameters<Store['tagData']>[0]);
    const run = await store.createRun({ experiment: 'bench', status: 'finished', git: { commit, dirty: false }, dataVersions: [{ dataset: 'd', version: dv.version.id }],
      meta: { durationMs: 1000, peakMemoryBytes: 1e9, python: '3.11.4', environment: { hash: 'e'.repeat(64) } } });
    const names = ['accuracy', 'loss', ...Array.from({ length: 8 }, (_, i) => `accuracy@fold=${i}`), ...Array.from({ length: 40 }, (_, i) => `m${i}`)];
    const perName = Math.ceil(POINTS / names.length);
    const points = [];
    for (let s = 0; s < perName; s++) { for (const n of names) { points.push({ name: n, value: n === 'loss' ? 0.3 : 0.85 + (s % 7) * 0.001, step: s }); } }
    for (let i = 0; i < points.length; i += 20_000) { await store.logMetrics(run.id, points.slice(i, i + 20_000)); }
    fs.mkdirSync(path.join(ws, 'models'));
    fs.writeFileSync(path.join(ws, 'models', 'model.bin'), Buffer.alloc(20 * 1024 * 1024, 7));
    await store.registerModel({ name: 'm', runId: run.id, artifactPath: path.join(ws, 'models', 'model.bin') });
    line('setup (fast-import history, 100k points, 20 MiB artifact)', `${((performance.now() - t) / 1000).toFixed(1)} s`);

    const cold: number[] = [];
    const warm: number[] = [];
    let verdict = '';
    for (let i = 0; i < 3; i++) {
      fs.rmSync(path.join(ws, '.mlops', 'cache'), { recursive: true, force: true });
      t = performance.now();
      const r = await runGate(store, 'm', 1);
      cold.push(performance.now() - t);
      verdict = `${r.passed ? 'passed' : `refused (${r.blocking.join(', ')})`}; ${r.checks.map((c) => `${c.id} ${c.status}`).join(', ')}`;
      t = performance.now();
      await runGate(store, 'm', 1);
      warm.push(performance.now() - t);
    }

    const floor: number[] = [];
    for (let i = 0; i < 3; i++) {
      t = performance.now();
      const files = git(ws, ['ls-tree', '-r', '-z', '--full-name', commit]).split('\0').filter(Boolean)
        .map((l) => l.split('\t')).filter(([, p]) => /requirements\.txt$|\.ipynb$|\.py$/.test(p)).map(([meta]) => meta.split(' ')[2]);
      git(ws, ['cat-file', '--batch'], files.join('\n') + '\n');
      createHash('sha256').update(fs.readFileSync(path.join(ws, 'models', 'model.bin'))).digest('hex');
      let n = 0;
      for (const l of fs.readFileSync(store.metricsFile(run.id), 'utf8').split('\n')) { if (l) { JSON.parse(l); n++; } }
      if (n < POINTS) { throw new Error(`floor read ${n} points`); }
      floor.push(performance.now() - t);
    }
    line('runGate, cold (no metric cache), median of 3', `${median(cold).toFixed(0)} ms`, '≤ 1000 ms');
    line('runGate, warm (metric summaries cached), median of 3', `${median(warm).toFixed(0)} ms`, '≤ 1000 ms');
    line('floor: ls-tree + cat-file --batch + sha256 + parse every point', `${median(floor).toFixed(0)} ms`);
    line('verdict', verdict.length > 60 ? `${verdict.slice(0, 60)}…` : verdict);
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
}
