// The MLflow part of the Experiments and Models views as plain data: store nodes, experiments, nested runs, the
// deleted-runs filter, the groups of a run, the registry, ids and read-only context values. The same expectations
// run on the hand-written store read by the real file-store reader and on a small in-test reader giving the same
// records (which pins the view model alone); the corpus stores are read by the real readers.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { childrenOf, type RunFilter, type ViewNode, type ViewOptions } from '../../src/core';
import { findMlflowStores, openMlflowStore, type MlflowReader, type MlflowRegistry, type MlflowRunRecord, type MlflowStoreRef } from '../../src/core/mlflow';
import { MlflowViewState } from '../../src/core/mlflow/viewState';
import { MLFLOW_READ_ONLY_TOOLTIP, mlflowRecordsNeeded } from '../../src/core/views/mlflowNodes';
import { snapshot, tmpDir } from './helpers';
import { CHILD_A, CHILD_B, COMMIT, DELETED, IN_DELETED_EXP, MLFLOW_CORPUS, PARENT, writeHandStore } from './mlflowViewFixture';

const opts = (filter: RunFilter = {}, extra: Partial<ViewOptions> = {}): ViewOptions => ({
  filter, sort: 'newest', headline: 'loss', pageSize: 200, pages: new Map(), now: Date.UTC(2026, 10, 30), multiRoot: false, ...extra,
});

/** Children of a node after reading the records it needs (what the adapter does). */
async function kids(s: MlflowViewState, node: ViewNode | undefined, view: 'experiments' | 'models', o = opts()): Promise<ViewNode[]> {
  if (node) { await s.loadRecords(mlflowRecordsNeeded(s, node, o)); }
  return childrenOf([], node, view, o, [s]);
}

/** Every node under a node, depth first (runs' groups included). */
async function walk(s: MlflowViewState, view: 'experiments' | 'models', o = opts()): Promise<ViewNode[]> {
  const out: ViewNode[] = [];
  const visit = async (n: ViewNode | undefined) => {
    for (const k of await kids(s, n, view, o)) { out.push(k); if (k.collapsible !== 'none') { await visit(k); } }
  };
  await visit(undefined);
  return out;
}

const byLabel = (nodes: ViewNode[], label: string) => { const n = nodes.find((x) => x.label === label); assert.ok(n, `no node '${label}' in ${nodes.map((x) => x.label).join(', ')}`); return n; };

function ref(p: string, root: string, kind: 'file' | 'sqlite' = 'file'): MlflowStoreRef {
  return { kind, path: p, root, label: `MLflow — ${path.basename(p)}`, key: `mlflow:${kind}:${p}` };
}

/** The hand store's records as a reader would give them (the view model alone, without a reader's parsing). */
function handReader(r: MlflowStoreRef): MlflowReader {
  const t0 = 1700000000000;
  const sum = (key: string, pts: [number, number, number][]) => {
    const real = pts.map(([, v]) => v).filter((v) => !Number.isNaN(v));
    const last = [...pts].sort((a, b) => a[2] - b[2] || a[0] - b[0] || a[1] - b[1]).at(-1)!;
    return { key, count: pts.length, last: last[1], lastStep: last[2], lastTimestamp: last[0], min: Math.min(...real), max: Math.max(...real) };
  };
  const rec = (id: string, experimentId: string, name: string, status: MlflowRunRecord['status'], start: number, end: number, params: Record<string, string>,
    tags: Record<string, string>, metrics: Record<string, [number, number, number][]>, deleted = false): MlflowRunRecord => ({
    id, experimentId, name, status, lifecycle: deleted ? 'deleted' : 'active', startTime: start, endTime: end, userId: 'alice', params,
    tags: { 'mlflow.runName': name, 'mlflow.user': 'alice', ...tags }, metrics: Object.fromEntries(Object.entries(metrics).map(([k, p]) => [k, sum(k, p)])),
    ...(tags['mlflow.parentRunId'] ? { parentRunId: tags['mlflow.parentRunId'] } : {}),
  });
  const runs = [
    rec(PARENT, '1', 'sweep', 'finished', t0, t0 + 60_000, { optimizer: 'adam' }, { 'mlflow.source.git.commit': COMMIT, 'mlflow.source.name': 'train.py', team: 'vision' }, { loss: [[t0 + 1, 0.5, 0], [t0 + 2, 0.25, 1]] }),
    rec(CHILD_A, '1', 'lr-0.1', 'finished', t0 + 1000, t0 + 20_000, { lr: '0.1' }, { 'mlflow.parentRunId': PARENT }, { loss: [[t0 + 3, 0.4, 0], [t0 + 4, 0.3, 1], [t0 + 5, NaN, 2]] }),
    rec(CHILD_B, '1', 'lr-1e-3', 'failed', t0 + 2000, t0 + 30_000, { lr: '1e-3' }, { 'mlflow.parentRunId': PARENT }, { loss: [[t0 + 6, 0.9, 0]] }),
    rec(DELETED, '1', 'oops', 'finished', t0 + 3000, t0 + 4000, {}, {}, {}, true),
    rec(IN_DELETED_EXP, '2', 'ancient', 'finished', t0 - 1000, t0, {}, {}, {}),
  ];
  const exp = (id: string, name: string, deleted = false) => ({ id, name, lifecycle: deleted ? 'deleted' as const : 'active' as const, tags: {} });
  return {
    ref: r,
    scan: () => Promise.resolve({ experiments: [exp('0', 'Default'), exp('1', 'tuning'), exp('2', 'old', true)],
      runs: runs.map(({ params: _p, tags: _t, metrics: _m, ...h }) => h), problems: [] }),
    runs: (ids) => Promise.resolve({ runs: runs.filter((x) => ids.includes(x.id)), problems: [] }),
    metricHistory: () => Promise.resolve({ metrics: {}, problems: [] }),
    registry: () => Promise.resolve<MlflowRegistry>({
      models: [{ name: 'clf', tags: {}, aliases: { champion: 2 }, creationTime: t0 }],
      versions: [
        { model: 'clf', version: 1, stage: 'Archived', creationTime: t0, runId: PARENT, source: `file://${r.path}/1/${PARENT}/artifacts/model`, tags: {}, aliases: [] },
        { model: 'clf', version: 2, stage: 'Production', creationTime: t0, runId: PARENT, source: `file:///C:/Users/someone/mlruns/1/${PARENT}/artifacts/model`, tags: { validated: 'yes' }, aliases: ['champion'] },
      ],
      problems: [] }),
    watchPaths: () => [r.path],
    close: () => undefined,
  };
}

for (const reader of ['in-test reader', 'file-store reader'] as const) {
  describe(`MLflow store in the views (hand-written mlruns/, ${reader})`, () => {
    let s: MlflowViewState;
    let mlruns: string;
    let untouched: Map<string, string>;

    before(async () => {
      const root = tmpDir('mlops-mlflow-view-');
      mlruns = path.join(root, 'mlruns');
      writeHandStore(mlruns);
      untouched = snapshot(mlruns);
      const r = ref(mlruns, root);
      s = new MlflowViewState(r, reader === 'in-test reader' ? handReader(r) : await openMlflowStore(r));
      await s.load();
    });

    after(() => {
      s.dispose();
      assert.deepEqual(snapshot(mlruns), untouched, 'the store was not written');
    });

    it('a store node per view, labelled and read-only, counting active runs only', async () => {
      const [exp] = await kids(s, undefined, 'experiments');
      assert.equal(exp.label, 'MLflow — mlruns');
      assert.equal(exp.contextValue, 'mlops.mlflowStore');
      assert.equal(exp.description, '3 runs');
      assert.ok(exp.tooltip?.includes(MLFLOW_READ_ONLY_TOOLTIP));
      assert.equal(exp.store, s.key);
      const [models] = await kids(s, undefined, 'models');
      assert.equal(models.description, '1 model');
      assert.deepEqual(await kids(s, undefined, 'experiments', opts()).then(() => childrenOf([], undefined, 'data', opts(), [s])), [], 'MLflow has no data versions');
    });

    it('experiments: deleted ones hidden unless the filter shows deleted runs', async () => {
      const [store] = await kids(s, undefined, 'experiments');
      const exps = await kids(s, store, 'experiments');
      assert.deepEqual(exps.map((e) => [e.label, e.description, e.contextValue]), [['Default', '0 runs', 'mlops.experiment.mlflow'], ['tuning', '1 run', 'mlops.experiment.mlflow']]);
      const all = await kids(s, store, 'experiments', opts({ deleted: true }));
      assert.deepEqual(all.map((e) => [e.label, e.description]), [['Default', '0 runs'], ['tuning', '2 runs'], ['old (deleted)', '1 run']]);
    });

    it('nested runs show under their parent, deleted runs only with the filter', async () => {
      const [store] = await kids(s, undefined, 'experiments');
      const tuning = byLabel(await kids(s, store, 'experiments'), 'tuning');
      const runs = await kids(s, tuning, 'experiments');
      assert.deepEqual(runs.map((r) => r.label), ['sweep']);
      const sweep = runs[0];
      assert.equal(sweep.contextValue, 'mlops.run.finished.mlflow');
      assert.match(sweep.description!, /^loss 0\.25 · /);
      assert.match(sweep.tooltip!, /read-only \(MLflow\)/);
      assert.match(sweep.tooltip!, /Registered as clf v1, clf v2/);
      const under = await kids(s, sweep, 'experiments');
      assert.deepEqual(under.map((n) => [n.kind, n.label]), [['run', 'lr-0.1'], ['run', 'lr-1e-3'], ['group', 'Params'], ['group', 'Metrics'], ['group', 'Tags'], ['group', 'Lineage']]);
      // In the order they started, as pipeline steps are.
      assert.equal(under[1].contextValue, 'mlops.run.failed.mlflow');
      assert.equal(under[0].id, `${sweep.id}|child|${CHILD_A}`);
      const shown = await kids(s, tuning, 'experiments', opts({ deleted: true }));
      assert.deepEqual(shown.map((r) => r.label).sort(), ['oops', 'sweep']);
      assert.match(byLabel(shown, 'oops').description!, / · deleted$/);
      // A search lists every matching run flat, nested ones included.
      const found = await kids(s, tuning, 'experiments', opts({ text: 'lr-' }));
      assert.deepEqual(found.map((r) => r.label).sort(), ['lr-0.1', 'lr-1e-3']);
      const params = await kids(s, tuning, 'experiments', opts({ text: '1e-3' }));
      assert.deepEqual(params.map((r) => r.label), ['lr-1e-3'], 'params stay strings: 1e-3 is found as written');
    });

    it('a run shows its params, metrics with steps, every tag and its lineage', async () => {
      const [store] = await kids(s, undefined, 'experiments');
      const sweep = (await kids(s, byLabel(await kids(s, store, 'experiments'), 'tuning'), 'experiments'))[0];
      const groups = await kids(s, sweep, 'experiments');
      const child = byLabel(groups, 'lr-0.1');
      const childGroups = await kids(s, child, 'experiments');
      const metrics = await kids(s, byLabel(childGroups, 'Metrics'), 'experiments');
      // The NaN at step 2 is the last point; min and max skip it.
      assert.deepEqual(metrics.map((m) => [m.label, m.description]), [['loss', 'NaN @ 2   min 0.3   max 0.4']]);
      assert.match(metrics[0].tooltip!, /3 points/);
      assert.deepEqual((await kids(s, byLabel(childGroups, 'Params'), 'experiments')).map((p) => [p.label, p.description]), [['lr', '0.1']]);
      const tags = await kids(s, byLabel(groups, 'Tags'), 'experiments');
      assert.deepEqual(tags.map((t) => t.label), ['team', 'mlflow.runName', 'mlflow.source.git.commit', 'mlflow.source.name', 'mlflow.user'], 'user tags first, system tags kept');
      const lineage = await kids(s, byLabel(groups, 'Lineage'), 'experiments');
      assert.deepEqual(lineage.map((n) => n.label), ['commit 01234567', 'user alice', 'train.py', 'clf v1', 'clf v2']);
      const childLineage = await kids(s, byLabel(childGroups, 'Lineage'), 'experiments');
      const parent = byLabel(childLineage, 'parent sweep');
      assert.equal(parent.kind, 'runRef');
      assert.equal(parent.runId, PARENT);
      assert.equal(parent.store, s.key);
    });

    it('the registry: models, versions with stage and alias, their source and run', async () => {
      const [store] = await kids(s, undefined, 'models');
      const [clf] = await kids(s, store, 'models');
      assert.deepEqual([clf.label, clf.description, clf.contextValue], ['clf', '2 versions · production v2', 'mlops.model.mlflow']);
      const versions = await kids(s, clf, 'models');
      assert.deepEqual(versions.map((v) => [v.label, v.description?.split(' · ').slice(0, 2).join(' · '), v.contextValue, v.icon]), [
        ['v2', 'Production · alias champion', 'mlops.modelVersion.production.mlflow', { stage: 'production' }],
        ['v1', 'Archived · 2023-11-14', 'mlops.modelVersion.archived.mlflow', { stage: 'archived' }],
      ]);
      const v2 = await kids(s, versions[0], 'models');
      assert.deepEqual(v2.map((n) => n.kind), ['info', 'runRef', 'info']);
      // Recorded on another machine (C:\Users\…\mlruns\…): found here by its path inside mlruns/.
      assert.equal(v2[0].file, path.join(mlruns, '1', PARENT, 'artifacts', 'model'));
      assert.equal(v2[0].description, path.join('mlruns', '1', PARENT, 'artifacts', 'model'));
      assert.deepEqual([v2[1].label, v2[1].runId, v2[1].store], ['run sweep', PARENT, s.key]);
      assert.deepEqual([v2[2].label, v2[2].description], ['validated', 'yes']);
    });

    it('every node carries the store key, ids are unique and start with it, write menus see .mlflow', async () => {
      for (const view of ['experiments', 'models'] as const) {
        const nodes = await walk(s, view, opts({ deleted: true }));
        assert.ok(nodes.length > (view === 'models' ? 8 : 20), `${view}: ${nodes.length} nodes`);
        assert.equal(new Set(nodes.map((n) => n.id)).size, nodes.length, 'unique ids');
        for (const n of nodes) {
          assert.equal(n.store, s.key, n.id);
          assert.ok(n.id.startsWith(`${s.key}|`), n.id);
          if (n.contextValue && n.contextValue !== 'mlops.mlflowStore' && n.contextValue !== 'mlops.more') { assert.match(n.contextValue, /\.mlflow$/, n.id); }
        }
      }
    });

    it('paging and sorting work as for .mlops runs', async () => {
      const [store] = await kids(s, undefined, 'experiments');
      const tuning = byLabel(await kids(s, store, 'experiments'), 'tuning');
      const o = opts({ text: 'lr' }, { pageSize: 1 });
      const page = await kids(s, tuning, 'experiments', o);
      assert.deepEqual(page.map((n) => n.kind), ['run', 'more']);
      assert.equal(page[0].label, 'lr-1e-3', 'newest first by start time');
      assert.equal(page[1].description, '1 of 2');
      const byMetric = await kids(s, tuning, 'experiments', opts({ text: 'lr' }, { sort: 'metric-asc' }));
      assert.deepEqual(byMetric.map((n) => n.label), ['lr-1e-3', 'lr-0.1'], 'a NaN last value sorts after the numbers');
    });
  });
}

describe('MLflow stores that cannot be read', () => {
  it('a store that cannot be opened is a problem node under the store, not a crash', async () => {
    const root = tmpDir('mlops-mlflow-bad-');
    const db = path.join(root, 'mlflow.db');
    fs.writeFileSync(db, 'this is not SQLite');
    const r = ref(db, root, 'sqlite');
    const reader = await openMlflowStore(r).catch((e: unknown): MlflowReader => {
      const fail = () => Promise.reject(e instanceof Error ? e : new Error(String(e)));
      return { ref: r, scan: fail, runs: fail, metricHistory: fail, registry: fail, watchPaths: () => [db], close: () => undefined };
    });
    const s = new MlflowViewState(r, reader);
    await s.load();
    const [store] = await kids(s, undefined, 'experiments');
    const [problems, ...rest] = await kids(s, store, 'experiments');
    assert.equal(problems.kind, 'problems');
    assert.equal(problems.contextValue, 'mlops.problems.mlflow');
    assert.deepEqual(rest.map((n) => n.label), ['No experiments']);
    const [p] = await kids(s, problems, 'experiments');
    assert.match(`${p.label} ${p.description}`, /mlflow\.db/);
    const [modelsStore] = await kids(s, undefined, 'models');
    assert.equal((await kids(s, modelsStore, 'models'))[0].kind, 'problems', 'the Models view says so too');
    assert.equal(fs.readFileSync(db, 'utf8'), 'this is not SQLite');
  });
});

describe('MLflow corpus stores in the views (real readers)', () => {
  const expected = fs.readFileSync(path.join(MLFLOW_CORPUS, 'EXPECTED.tsv'), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split('\t'));
  const summary = (folder: string, store: string, key: string) => expected.find((r) => r[0] === folder && r[1] === store && r[2] === 'summary' && r[3] === key)?.[4];
  const stores = [...new Set(expected.map((r) => `${r[0]}\t${r[1]}`))].map((x) => x.split('\t'));

  for (const [folder, store] of stores) {
    it(`${folder} ${store}: store node, experiments and top-level runs match EXPECTED.tsv`, async () => {
      const dir = path.join(MLFLOW_CORPUS, folder);
      const rel = store.replace(/^(file|sqlite):/, '');
      const refs = await findMlflowStores(dir, { maxDepth: 2 });
      const r = refs.find((x) => path.relative(dir, x.path).split(path.sep).join('/') === rel);
      assert.ok(r, `found ${refs.map((x) => x.path).join(', ')}`);
      const s = new MlflowViewState(r, await openMlflowStore(r));
      try {
        await s.load();
        const runsActive = Number(summary(folder, store, 'runs_active'));
        const [node] = await kids(s, undefined, 'experiments');
        assert.equal(node.description, `${runsActive} run${runsActive === 1 ? '' : 's'}`);
        assert.ok(node.label.endsWith(rel), `${node.label} names ${rel}`);
        const exps = (await kids(s, node, 'experiments')).filter((n) => n.kind === 'experiment');
        assert.equal(exps.length, Number(summary(folder, store, 'experiments_active')));
        let top = 0;
        for (const e of exps) { top += (await kids(s, e, 'experiments', opts({}, { pageSize: 1000 }))).filter((n) => n.kind === 'run').length; }
        assert.equal(top, runsActive - Number(summary(folder, store, 'runs_child')));
        const [modelsNode] = await kids(s, undefined, 'models');
        const models = (await kids(s, modelsNode, 'models')).filter((n) => n.kind === 'model');
        assert.equal(models.length, Number(summary(folder, store, 'registered_models')));
        let versions = 0;
        for (const m of models) { versions += (await kids(s, m, 'models')).length; }
        assert.equal(versions, Number(summary(folder, store, 'model_versions')));
        // A sample run's params and last metric values, as EXPECTED.tsv has them.
        const sample = expected.find((x) => x[0] === folder && x[1] === store && x[2].startsWith('run:'));
        if (sample) {
          const id = sample[2].slice(4);
          const runNode = { ...node, id: `${s.key}|run|${id}`, kind: 'run' as const, runId: id, contextValue: undefined };
          const groups = await kids(s, runNode, 'experiments');
          const params = await kids(s, byLabel(groups, 'Params'), 'experiments');
          const metrics = await kids(s, byLabel(groups, 'Metrics'), 'experiments');
          for (const [, , rec, key, value] of expected.filter((x) => x[0] === folder && x[1] === store && x[2] === sample[2])) {
            if (key.startsWith('param.')) {
              const p = params.find((n) => n.label === key.slice(6));
              assert.equal(p?.description, value.replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\\\/g, '\\'), `${rec} ${key}`);
            }
            if (key.startsWith('metric.')) {
              const m = metrics.find((n) => n.label === key.slice(7));
              const [last, step] = /^(\S+) \(step=(-?\d+)/.exec(value)!.slice(1);
              assert.ok(m?.description?.startsWith(`${String(Number(last))}`) || m?.tooltip?.includes(`at step ${step}`), `${rec} ${key}: ${m?.description} vs ${value}`);
              assert.match(m!.tooltip!, new RegExp(`at step ${step},`));
            }
          }
        }
      } finally {
        s.dispose();
      }
    });
  }
});
