// A real temp store for the model card tests: a run with KPIs, sliced metrics, a profiled data version, lineage and
// a registered model version; optionally with hostile names. Shared by card.test.ts and cli-report.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store } from '../../src/core';
import type { GateResult } from '../../src/core/gate';
import { tmpDir } from './helpers';

export const HOSTILE = '<img src=x onerror="window.__pwned=1"> | `tick` *b* _i_ [l](javascript:alert(1))';

export const GOALS = {
  formatVersion: 1,
  metrics: [
    { name: 'recall', goal: 'max', threshold: 0.7 },
    { name: 'false_positive_rate', goal: 'min', threshold: 0.2 },
    { name: 'accuracy@fold=1', goal: 'max' },
  ],
  kpis: [
    { name: 'retained_revenue', description: 'EUR kept per 1,000 customers', unit: 'EUR/1k', formula: 'recall * 420 - false_positive_rate * 35',
      goal: 'max', threshold: 250, owner: 'Head of retention' },
    { name: 'missing_kpi', formula: 'not_logged * 2', goal: 'max', threshold: 1 },
  ],
  constraints: { maxPeakMemoryBytes: 2 * 1024 ** 3, python: '>=3.9' },
  gate: { maxSliceSpread: 0.05 },
  intendedUse: { description: 'Flag customers likely to churn', users: 'Retention team', outOfScope: 'Credit decisions', owner: 'Dana Retention' },
};

export interface CardFixture { store: Store; root: string; runId: string; model: string }

export async function cardFixture(opts: { hostile?: boolean; goals?: object | string | null; notes?: string } = {}): Promise<CardFixture> {
  const root = tmpDir('mlops-card-');
  const { store } = await Store.init(root);
  const h = opts.hostile ? HOSTILE : '';
  if (opts.goals !== null) {
    const goals = opts.goals ?? (opts.hostile ? { ...GOALS, intendedUse: { ...GOALS.intendedUse, description: `for ${HOSTILE}` } } : GOALS);
    fs.writeFileSync(path.join(root, '.mlops', 'goals.json'), typeof goals === 'string' ? goals : JSON.stringify(goals, null, 2));
  }
  const dataDir = path.join(root, 'data');
  fs.mkdirSync(dataDir);
  fs.writeFileSync(path.join(dataDir, 'train.csv'), 'id,age,city\n1,30,Paris\n2,41,Lyon\n3,25,Nice\n');
  const tagged = await store.tagData({ path: dataDir, dataset: 'churn', tags: ['v1'] });
  const run = await store.createRun({
    experiment: 'churn-gbm', name: opts.hostile ? `run ${h}` : 'gbm-1', status: 'finished', notes: opts.notes ?? 'trained on the March export',
    git: { commit: 'a'.repeat(40), dirty: false, branch: 'main' },
    dataVersions: [{ dataset: 'churn', version: tagged.version.id, contentHash: tagged.version.contentHash }],
    meta: { python: '3.11.4', peakMemoryBytes: 1024 ** 3, durationMs: 65_000, environment: { hash: 'b'.repeat(64), file: 'requirements.txt' },
      hardware: { cores: 4, gpus: [], label: 'cpu-only' } },
  });
  const metrics = [
    { name: 'recall', value: 0.8 }, { name: 'false_positive_rate', value: 0.1 },
    { name: 'accuracy@fold=1', value: 0.91 }, { name: 'accuracy@fold=2', value: 0.79 }, { name: 'accuracy@fold=3', value: 0.9 },
    { name: 'loss@region=eu', value: 0.2 }, { name: 'loss@region=us', value: 0.22 },
  ];
  if (opts.hostile) { metrics.push({ name: `acc@${h}=x`, value: 0.5 }, { name: `acc@${h}=y`, value: 0.6 }); }
  await store.logMetrics(run.id, metrics);
  const artifact = path.join(root, 'model.pkl');
  fs.writeFileSync(artifact, 'model bytes');
  const model = opts.hostile ? 'evil-model' : 'churn';
  await store.registerModel({ name: model, runId: run.id, artifactPath: artifact, description: opts.hostile ? `desc ${h}` : 'Churn classifier' });
  return { store, root, runId: run.id, model };
}

/** A gate result made by hand (the card is built against the contract, not the gate's implementation). */
export function handGate(over: Partial<GateResult> = {}, hostile = false): GateResult {
  const h = hostile ? ` ${HOSTILE}` : '';
  return {
    model: 'churn', version: 1, runId: 'X', stage: 'production', evaluatedAt: '2026-11-30T05:00:00.000Z',
    commit: { id: 'a'.repeat(40), from: 'run' },
    checks: [
      { id: 'goals', title: 'Goals and KPIs', level: 'required', status: 'fail', summary: `1 of 2 KPIs unknown${h}`, evidence: [{ text: 'missing_kpi unknown', failing: true, file: '.mlops/goals.json', line: 12 }] },
      { id: 'slices', title: 'Consistency across data slices', level: 'required', status: 'waived', waiver: `fold 2 is a holdout${h}`, summary: 'spread of accuracy across fold is 0.12 (> 0.05)', evidence: [] },
      { id: 'dependencies', title: "Dependencies at the run's commit", level: 'required', status: 'fail', summary: '1 unpinned contrib library',
        evidence: [{ text: `torchmetrics is not pinned (unpinned-contrib)${h}`, failing: true, file: 'requirements.txt', line: 3, code: 'unpinned-contrib' }, { text: 'numpy==1.26.4 pinned, vetted' }] },
      { id: 'notebooks', title: 'Training outside notebooks', level: 'required', status: 'skipped', reason: 'untrusted workspace: no git process', summary: 'not checked', evidence: [] },
    ],
    passed: false, blocking: ['goals', 'dependencies', 'notebooks'], problems: [],
    ...over,
  };
}
