// MLflow file store benchmark: the "first level of the tree" — from opening the store to the experiment nodes
// the tree model computes for it (openFileStore, MlflowViewState.load(): scan() with parent links and the registry,
// then mlflowChildren() of the store node: the experiments with their run counts) — on a generated store of 10,000
// runs, against the floor of reading every run's meta.yaml with readFileSync in the same process. scan() alone is
// printed too. Then the full records of one experiment and one run's history.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openFileStore } from '../src/core/mlflow/fileStore';
import { mlflowRef } from '../src/core/mlflow/find';
import { MlflowViewState } from '../src/core/mlflow/viewState';
import { mlflowChildren, mlflowStoreNode } from '../src/core/views/mlflowNodes';
import type { ViewOptions } from '../src/core/views/treeModel';
import { cachedMlflowFileStore } from './mlflowGen';
import { line, median, time } from './util';

const RUNS = Number(process.env.BENCH_MLFLOW_RUNS ?? 10_000);

export async function benchMlflow(): Promise<void> {
  const gen = await time(() => cachedMlflowFileStore({ runs: RUNS }));
  const store = gen.value;
  console.log(`mlflow: file store of ${store.runIds.length} runs in ${store.experimentIds.length} experiments (${store.path})`);
  line('generate (or reuse) the store', `${(gen.ms / 1000).toFixed(1)} s`);
  const ref = mlflowRef('file', store.path, path.dirname(store.path));

  // The floor: paths known, every run's meta.yaml read synchronously (no listing, no parsing).
  const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const floorCpu: number[] = [];
  const floorOnce = (): number => {
    const c0 = cpuMs();
    const t0 = performance.now();
    let bytes = 0;
    for (const f of store.metaFiles) { bytes += fs.readFileSync(f).length; }
    if (bytes === 0) { throw new Error('no meta.yaml read'); }
    floorCpu.push(cpuMs() - c0);
    return performance.now() - t0;
  };
  // The same with the listing scan() has to do to find them (readdirSync of mlruns/ and of every experiment).
  const floorListedOnce = (): number => {
    const t0 = performance.now();
    let n = 0;
    for (const e of fs.readdirSync(store.path, { withFileTypes: true })) {
      if (!e.isDirectory() || e.name.startsWith('.') || e.name === 'models') { continue; }
      const ed = path.join(store.path, e.name);
      for (const r of fs.readdirSync(ed, { withFileTypes: true })) {
        if (r.isDirectory()) { n += fs.readFileSync(path.join(ed, r.name, 'meta.yaml')).length > 0 ? 1 : 0; }
      }
    }
    if (n === 0) { throw new Error('no meta.yaml read'); }
    return performance.now() - t0;
  };
  const scanCpu: number[] = [];
  const scanOnce = async (): Promise<{ ms: number; experiments: number; runs: number; nested: number; problems: number }> => {
    const c0 = cpuMs();
    const t0 = performance.now();
    const reader = await openFileStore(ref);
    const s = await reader.scan();
    const ms = performance.now() - t0;
    scanCpu.push(cpuMs() - c0);
    reader.close();
    return { ms, experiments: s.experiments.length, runs: s.runs.length, nested: s.runs.filter((r) => r.parentRunId).length, problems: s.problems.length };
  };

  // The first level of the tree, as the Experiments view builds it for a store it has just found.
  const viewOpts: ViewOptions = { filter: {}, sort: 'newest', pageSize: 200, pages: new Map(), now: Date.now(), multiRoot: false };
  const levelCpu: number[] = [];
  const levelOnce = async (): Promise<{ ms: number; nodes: number; described: string }> => {
    const c0 = cpuMs();
    const t0 = performance.now();
    const state = new MlflowViewState(ref, await openFileStore(ref));
    await state.load();
    const nodes = mlflowChildren(state, mlflowStoreNode(state, 'experiments'), viewOpts).filter((n) => n.kind === 'experiment');
    const ms = performance.now() - t0;
    levelCpu.push(cpuMs() - c0);
    state.dispose();
    return { ms, nodes: nodes.length, described: nodes.slice(0, 1).map((n) => `${n.label}: ${n.description ?? ''}`).join('') };
  };

  floorOnce(); await scanOnce(); await levelOnce(); // warm the page cache and the JIT for all three
  floorCpu.length = 0; scanCpu.length = 0; levelCpu.length = 0;
  const floors: number[] = [];
  const listed: number[] = [];
  const scans: number[] = [];
  const levels: number[] = [];
  let last = await scanOnce();
  let level = await levelOnce();
  for (let rep = 0; rep < 7; rep++) {
    floors.push(floorOnce());
    listed.push(floorListedOnce());
    last = await scanOnce();
    scans.push(last.ms);
    level = await levelOnce();
    levels.push(level.ms);
  }
  const floor = median(floors);
  const cpuFloor = median(floorCpu);
  line('floor: readFileSync of every run meta.yaml (paths known)', `${floor.toFixed(0)} ms`);
  line('  the same with the readdirSync listing that finds them', `${median(listed).toFixed(0)} ms`);
  line(`first level of the tree: ${level.nodes} experiment nodes (${level.described})`, `${median(levels).toFixed(0)} ms  ${(median(levels) / floor).toFixed(2)}×`, '≤ 2× floor');
  line(`  scan() alone: ${last.experiments} experiments, ${last.runs} runs (${last.nested} nested)`, `${median(scans).toFixed(0)} ms  ${(median(scans) / floor).toFixed(2)}×`);
  line('  CPU time (all threads): floor / first level / scan()', `${cpuFloor.toFixed(0)} / ${median(levelCpu).toFixed(0)} / ${median(scanCpu).toFixed(0)} ms  ${(median(levelCpu) / cpuFloor).toFixed(2)}× / ${(median(scanCpu) / cpuFloor).toFixed(2)}×`);
  line('  problems reported', String(last.problems));

  const reader = await openFileStore(ref);
  const s = await reader.scan();
  const firstExp = s.experiments[1] ?? s.experiments[0];
  const ids = s.runs.filter((r) => r.experimentId === firstExp.id).map((r) => r.id);
  const recs = await time(() => reader.runs(ids));
  const points = recs.value.runs.reduce((n, r) => n + Object.values(r.metrics).reduce((m, x) => m + x.count, 0), 0);
  line(`runs(): ${ids.length} records of one experiment (${points} metric points summarised)`, `${recs.ms.toFixed(0)} ms`);
  const hist = await time(() => reader.metricHistory(ids[0]));
  line(`metricHistory(): one run, ${Object.values(hist.value.metrics).reduce((n, p) => n + p.length, 0)} points`, `${hist.ms.toFixed(1)} ms`);
  reader.close();
}
