// A real temporary git repository with a store, goals, a data version and a helper that logs a run at the current
// commit and registers a model version from it: what the gate, its CLI and the model card are tested on.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store, simpleGitPort } from '../../src/core';
import { git, tmpDir } from './helpers';

export const GOALS = {
  formatVersion: 1,
  metrics: [{ name: 'accuracy', goal: 'max', threshold: 0.8 }],
  kpis: [{ name: 'retained', formula: 'accuracy * 100', goal: 'max', threshold: 70, description: 'customers kept per 100' }],
  constraints: { maxPeakMemoryBytes: 4 * 1024 ** 3, python: '>=3.9' },
};

export interface GateFixture {
  ws: string;
  store: Store;
  commit: () => Promise<string>;
  /** Logs a finished run at the current commit with the given metrics and registers `models/<file>` from it. */
  version: (name: string, metrics: Record<string, number>, opts?: { file?: string; meta?: Record<string, unknown>; data?: boolean }) => Promise<{ runId: string; version: number }>;
}

export async function gateFixture(goals: object = GOALS): Promise<GateFixture> {
  const ws = tmpDir('mlops-gate-');
  git(ws, 'init', '-q', '-b', 'main');
  git(ws, 'config', 'user.name', 'Ada Lovelace');
  git(ws, 'config', 'user.email', 'ada@example.com');
  fs.writeFileSync(path.join(ws, '.gitignore'), '/models/\n/data/\n');
  fs.writeFileSync(path.join(ws, 'requirements.txt'), 'scikit-learn==1.5.0\npandas==2.2.2\n');
  fs.writeFileSync(path.join(ws, 'train.py'), 'from sklearn.linear_model import LogisticRegression\nmodel = LogisticRegression()\nmodel.fit(X, y)\n');
  fs.mkdirSync(path.join(ws, 'data'));
  fs.writeFileSync(path.join(ws, 'data', 'train.csv'), 'a,b\n1,2\n3,4\n');
  const { store } = await Store.init(ws);
  fs.writeFileSync(store.goalsFile(), JSON.stringify(goals, null, 2));
  git(ws, 'add', '-A');
  git(ws, 'commit', '-qm', 'initial');
  const dv = await store.tagData({ path: path.join(ws, 'data'), dataset: 'churn', tags: ['v1'] });
  const commit = () => { git(ws, 'add', '-A'); git(ws, 'commit', '-qm', 'change', '--allow-empty'); return Promise.resolve(git(ws, 'rev-parse', 'HEAD').trim()); };
  const version = async (name: string, metrics: Record<string, number>, opts: { file?: string; meta?: Record<string, unknown>; data?: boolean } = {}) => {
    const info = await simpleGitPort.state(ws);
    const run = await store.createRun({
      experiment: 'churn', name, status: 'finished', git: info,
      dataVersions: opts.data === false ? [] : [{ dataset: 'churn', version: dv.version.id, contentHash: dv.version.contentHash }],
      meta: { durationMs: 60_000, peakMemoryBytes: 1024 ** 3, python: '3.11.4', environment: { hash: 'e'.repeat(64), file: 'environment.txt' }, ...opts.meta },
    });
    await store.logMetrics(run.id, Object.entries(metrics).map(([n, value]) => ({ name: n, value, step: 1 })));
    const file = path.join(ws, 'models', opts.file ?? `${name}.pkl`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `weights of ${name}\n`);
    const mv = await store.registerModel({ name: 'churn', runId: run.id, artifactPath: file });
    return { runId: run.id, version: mv.version };
  };
  return { ws, store, commit, version };
}

