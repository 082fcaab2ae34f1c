/**
 * Where the compared runs come from: a `.mlops` store (its reduced-series cache) or an MLflow store read in place
 * (its full metric history, reduced here). A comparison may mix both; each run is named by a `RunRef`, which is also
 * what the panel persists across a window reload.
 */
import { messageOf } from '../errors';
import { mapLimit } from '../store/fsutil';
import type { MetricPoint } from '../store/metrics';
import type { Run } from '../store/schemas';
import type { StoreState } from '../views/storeState';
import { prepareComparison, type CompareContext, type CompareInput } from './prepare';
import { reducedMetricsOf } from './seriesCache';
import type { Comparison } from './types';

/**
 * One compared run: the workspace folder, the run id and, for a run of an MLflow store, that store's key
 * (`MlflowStoreRef.key`, as on the tree node's `store`). Without `store` the run is in the folder's `.mlops` store.
 */
export interface RunRef {
  root: string;
  runId: string;
  store?: string;
}

/** What Compare needs of an MLflow store (MlflowViewState satisfies it). */
export interface MlflowCompareSource {
  readonly key: string;
  readonly label: string;
  readonly root: string;
  run(id: string): Run | undefined;
  /** The run's full record once read (undefined: only its header is known). */
  record(id: string): unknown;
  loadRecords(ids: readonly string[]): Promise<void>;
  points(id: string): Promise<MetricPoint[]>;
}

/** Finds the stores a comparison reads. */
export interface CompareLookup {
  mlops(root: string): StoreState | undefined;
  mlflow(key: string): MlflowCompareSource | undefined;
}

/** Same run, same store: two refs naming one run are one column. */
export function refKey(r: RunRef): string {
  return `${r.store ?? 'mlops'}|${r.root}|${r.runId}`;
}

/** The refs without repeats, in their first order. */
export function uniqueRefs(refs: readonly RunRef[]): RunRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => { const k = refKey(r); if (seen.has(k)) { return false; } seen.add(k); return true; });
}

/** The run a ref names, or undefined when its store or the run is gone. */
export function runOf(lookup: CompareLookup, ref: RunRef): Run | undefined {
  return ref.store ? lookup.mlflow(ref.store)?.run(ref.runId) : lookup.mlops(ref.root)?.runs.get(ref.runId);
}

export interface GatherOptions {
  /** Metric directions from the settings (`mlops.compare.metricGoals`); experiments' metricGoals are added. */
  goals?: Readonly<Record<string, 'min' | 'max'>>;
  sliceThreshold?: number;
  maxPoints?: number;
  /** A bad line of a metrics file, an MLflow store that could not be read: reported, never fatal. */
  onProblem?: (message: string) => void;
}

export interface Gathered {
  comparison: Comparison;
  /** The refs whose run was found, in column order. */
  refs: RunRef[];
  /** Refs whose store or run is gone (left out of the comparison). */
  missing: RunRef[];
}

/**
 * Reads every referenced run and builds the comparison. `.mlops` runs come from the reduced-series cache; MLflow
 * runs from their store (records for params and tags, then every metric point). Data and model versions, goals.json
 * and experiment metric goals come from the `.mlops` stores involved, else from the `.mlops` store of the first
 * run's workspace folder, so goals and KPIs are evaluated on MLflow runs' metrics too.
 */
export async function gatherComparison(refs: readonly RunRef[], lookup: CompareLookup, opts: GatherOptions = {}): Promise<Gathered> {
  const wanted = uniqueRefs(refs);
  // MLflow records (params, tags) are read once per store for all of its compared runs.
  const byStore = new Map<string, string[]>();
  for (const r of wanted) { if (r.store) { byStore.set(r.store, [...(byStore.get(r.store) ?? []), r.runId]); } }
  for (const [key, ids] of byStore) {
    const source = lookup.mlflow(key);
    if (!source) { continue; }
    // A reload of the store (a training script still logging) drops the records read so far, and one that lands
    // while they are read discards them: read again then, a few times, rather than compare a run without params.
    for (let attempt = 0; attempt < 3 && ids.some((id) => source.run(id) && source.record(id) === undefined); attempt++) {
      try { await source.loadRecords(ids); } catch (e) { opts.onProblem?.(`${source.label}: cannot read the runs ${ids.join(', ')}: ${messageOf(e)}`); break; }
    }
  }
  const found = wanted.map((ref) => ({ ref, run: runOf(lookup, ref) }));
  // Columns, curves and the remove button are keyed by run id: a run id met in a second store (an mlruns/ folder
  // migrated into mlflow.db) is shown once, from the first store named.
  const ids = new Set<string>();
  const present = found.filter((f): f is { ref: RunRef; run: Run } => {
    if (f.run === undefined) { return false; }
    if (ids.has(f.run.id)) { opts.onProblem?.(`run ${f.run.id} is named twice (another store holds the same id): compared once`); return false; }
    ids.add(f.run.id);
    return true;
  });
  const missing = found.filter((f) => f.run === undefined).map((f) => f.ref);

  const inputs: CompareInput[] = await mapLimit(present, 4, async ({ ref, run }): Promise<CompareInput> => {
    if (ref.store) {
      const source = lookup.mlflow(ref.store)!;
      let points: MetricPoint[] = [];
      try { points = await source.points(ref.runId); } catch (e) { opts.onProblem?.(`${source.label}: cannot read the metrics of ${ref.runId}: ${messageOf(e)}`); }
      return { run, points, origin: { root: ref.root, store: ref.store, storeLabel: source.label } };
    }
    const state = lookup.mlops(ref.root)!;
    const out = await reducedMetricsOf(state.store, run.id, opts.maxPoints);
    for (const p of out.problems) { opts.onProblem?.(`${p.file}: ${p.reason}`); }
    return { run, reduced: out.reduced, modelSizeBytes: state.modelSizeOf(run.id), origin: { root: ref.root } };
  });

  const roots = [...new Set(present.filter(({ ref }) => !ref.store).map(({ ref }) => ref.root))];
  const home = wanted[0] ? lookup.mlops(wanted[0].root) : undefined;
  const states = roots.map((r) => lookup.mlops(r)).filter((s): s is StoreState => s !== undefined);
  if (home && !states.includes(home)) { states.push(home); }
  const goals: Record<string, 'min' | 'max'> = { ...opts.goals };
  for (const s of states) {
    for (const e of s.experiments) { if (present.some(({ ref, run }) => !ref.store && ref.root === s.root && run.experiment === e.name)) { Object.assign(goals, e.metricGoals ?? {}); } }
  }
  const ctx: CompareContext = {
    dataVersions: states.flatMap((s) => s.dataVersions), modelVersions: states.flatMap((s) => s.modelVersions), goals,
    goalsFile: (home ?? states[0])?.goals ?? states.find((s) => s.goals)?.goals,
    ...(opts.sliceThreshold !== undefined ? { sliceThreshold: opts.sliceThreshold } : {}),
    ...(opts.maxPoints !== undefined ? { maxPoints: opts.maxPoints } : {}),
  };
  return { comparison: prepareComparison(inputs, ctx), refs: present.map((p) => p.ref), missing };
}
