/**
 * The facts of one model that retraining triggers and pipeline `when` conditions read (see RetrainFacts in types.ts):
 * the monitored version, input drift and monitored quantities of the latest complete window, KPIs computed from them,
 * the freshness of its training data and new versions of it, and when it was last retrained. Unknown is absent —
 * never a made-up 0 — so a condition over it is false and says the fact is unknown.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { emptyGoals, type Goals } from '../goals/document';
import { evaluateFormula } from '../goals/formula';
import { monitoredVersion } from '../monitor/reference';
import { RunCatalog } from '../store/catalog';
import { monitorReport } from '../monitor/report';
import type { MonitorQuantity, MonitorReport, WindowSummary } from '../monitor/types';
import type { FactValue, Facts } from '../pipeline/types';
import type { DataVersion, ModelVersion, Run } from '../store/schemas';
import type { Store } from '../store/store';
import { readRetrainLog } from './log';

/** Quantities known only once labels arrive: judged over the windows that have them (as alert rules are). */
export const LABELLED: ReadonlySet<MonitorQuantity> = new Set(['accuracy', 'precision', 'recall', 'f1', 'mae', 'rmse']);

/** A data version with its creation time parsed. */
export interface TimedVersion { version: DataVersion; t: number }

/** Everything known about one model that triggers are judged on (shared by all triggers of one evaluation). */
export interface ModelState {
  model: string;
  now: number;
  goals: Goals;
  report?: MonitorReport;
  /** Why there is no report (no model and no log, a bad window …). */
  reportNote?: string;
  version?: ModelVersion;
  run?: Run;
  /** Complete windows, oldest first. */
  closed: WindowSummary[];
  /** Versions of a dataset, oldest first (read once per evaluation). */
  versionsOf: (dataset: string) => Promise<TimedVersion[]>;
  /** The last retraining of this model (a pipeline run for it, a `started` log line), if any. */
  lastRetrain?: { time: string; t: number; runId?: string; version?: ModelVersion };
  facts: Facts;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The windows a quantity is judged over: complete ones, and for labelled quantities only those with labels. */
export function poolOf(closed: readonly WindowSummary[], labelled: readonly MonitorQuantity[]): WindowSummary[] {
  return labelled.length ? closed.filter((w) => labelled.every((q) => w.values[q] !== undefined)) : [...closed];
}

/** A window's value of a monitored quantity (`accuracy`, `errorRate` …) by name, for KPI formulas. */
export function windowLookup(w: WindowSummary): (name: string) => number | undefined {
  return (name) => (Object.hasOwn(w.values, name) ? w.values[name as MonitorQuantity] : undefined);
}

/** The `model` of a pipeline file, read loosely (the planner validates the file; here only the name matters). */
export async function pipelineModel(store: Store, name: string, memo: Map<string, string | undefined> = new Map()): Promise<string | undefined> {
  if (memo.has(name)) { return memo.get(name); }
  let model: string | undefined;
  if (/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/.test(name)) {
    try {
      const raw = JSON.parse(await fsp.readFile(path.join(store.dir, 'pipelines', `${name}.json`), 'utf8')) as { model?: unknown };
      model = typeof raw.model === 'string' ? raw.model : undefined;
    } catch { model = undefined; }
  }
  memo.set(name, model);
  return model;
}

/** A day: a `running` pipeline run whose runner cannot be asked counts as under way for this long after it started. */
const UNVERIFIABLE_RUN_MS = 24 * 3_600_000;

/**
 * Whether a `running` pipeline run is really under way. A run whose process was killed (kill -9, a power cut) stays
 * `running` on disk forever, so the record alone proves nothing: its runner (`pipeline.runner`: pid and host, written
 * by the pipeline runner) is asked. On this host, `process.kill(pid, 0)` tells (EPERM: it exists under another user).
 * On another host, or for a run from before the runner was recorded, nothing can be asked: it counts for a day after
 * it started (longer than any retrain should take, short enough that a crash does not silence the triggers for good).
 */
export function runnerAlive(run: Run, now = Date.now()): boolean {
  const runner = (run.pipeline as { runner?: { pid?: unknown; host?: unknown } } | undefined)?.runner;
  if (runner && typeof runner.pid === 'number' && Number.isSafeInteger(runner.pid) && runner.pid > 0 && runner.host === os.hostname()) {
    try { process.kill(runner.pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
  }
  const t = Date.parse(run.startTime);
  return Number.isFinite(t) && now - t < UNVERIFIABLE_RUN_MS;
}

/**
 * The last retraining of a model: the newest pipeline run that finished and registered a version of it (a partial
 * run, a failed or killed one, or one whose train step was skipped did not retrain it), or one still running whose
 * runner is alive (it is retraining now), or the newest `started` line of the retraining log for such a run.
 */
async function lastRetrainOf(store: Store, model: string, now: number): Promise<ModelState['lastRetrain']> {
  let best: ModelState['lastRetrain'];
  const consider = (time: string, runId?: string, version?: ModelVersion): void => {
    const t = Date.parse(time);
    if (Number.isFinite(t) && (!best || t > best.t)) { best = { time, t, ...(runId ? { runId } : {}), ...(version ? { version } : {}) }; }
  };
  // The run catalog (machine-local cache, validated by a stat per run) instead of reading every run.json each time
  // the editor re-evaluates.
  let runs: Run[];
  try {
    const catalog = RunCatalog.open(store);
    await catalog.refreshAsync();
    catalog.save();
    runs = [...catalog.values()];
  } catch {
    runs = (await store.listRuns().catch(() => ({ items: [] as Run[] }))).items;
  }
  const byId = new Map(runs.map((r) => [r.id, r]));
  const memo = new Map<string, string | undefined>();
  const isPipelineRun = (r: Run | undefined): r is Run => !!r && !!r.pipeline && !r.parentRunId;
  // Versions of the model registered by a step of a pipeline run, by that pipeline run.
  const { items: versions } = await store.listModelVersions(model).catch(() => ({ items: [] as ModelVersion[] }));
  const registered = new Map<string, ModelVersion>();
  for (const v of versions) {
    const parent = byId.get(byId.get(v.runId)?.parentRunId ?? '');
    if (isPipelineRun(parent)) { const had = registered.get(parent.id); if (!had || v.version > had.version) { registered.set(parent.id, v); } }
  }
  const counts = (r: Run): boolean => (r.status === 'finished' && registered.has(r.id)) || (r.status === 'running' && runnerAlive(r, now));
  for (const r of runs) {
    if (!isPipelineRun(r) || !counts(r)) { continue; }
    if (registered.has(r.id) || (await pipelineModel(store, r.pipeline!.name, memo)) === model) { consider(r.startTime, r.id, registered.get(r.id)); }
  }
  // A run the log says started counts while it does by its record (a line whose run record is not here: as logged,
  // unless a later line says it failed or was killed).
  const log = await readRetrainLog(store, { model }).catch(() => ({ lines: [] }));
  const ended = new Set(log.lines.filter((l) => l.decision === 'failed' || l.decision === 'killed').map((l) => l.pipelineRunId));
  for (const l of log.lines) {
    if (l.decision !== 'started' || ended.has(l.pipelineRunId)) { continue; }
    const r = l.pipelineRunId ? byId.get(l.pipelineRunId) : undefined;
    if (r && !counts(r)) { continue; }
    consider(l.time, l.pipelineRunId, r ? registered.get(r.id) : undefined);
  }
  return best;
}

/** Reads everything triggers of one model are judged on, and its facts. */
export async function modelState(store: Store, model: string, opts: { goals?: Goals; report?: MonitorReport; now?: number } = {}): Promise<ModelState> {
  const now = opts.now ?? Date.now();
  const goals = opts.goals ?? (await store.goals.read().then((g) => g.doc.goals).catch(() => undefined)) ?? emptyGoals();
  let report = opts.report;
  let reportNote: string | undefined;
  if (!report) {
    try { report = await monitorReport(store, model, { goals, now: new Date(now) }); } catch (e) { reportNote = (e as Error).message; }
  }
  const closed = (report?.windows ?? []).filter((w) => w.closed && Date.parse(w.start) <= now);
  const version = await monitoredVersion(store, model);
  const run = version ? await store.readRun(version.runId).catch(() => undefined) : undefined;
  const versionCache = new Map<string, Promise<TimedVersion[]>>();
  const versionsOf = (dataset: string): Promise<TimedVersion[]> => {
    let p = versionCache.get(dataset);
    if (!p) {
      p = store.listDataVersions(dataset).catch(() => ({ items: [] as DataVersion[] })).then(({ items }) => items
        .filter((v) => v.dataset === dataset)
        .map((v) => ({ version: v, t: Date.parse(v.createdAt) }))
        .filter((v) => Number.isFinite(v.t) && v.t <= now)
        .sort((a, b) => a.t - b.t || byName(a.version.id, b.version.id)));
      versionCache.set(dataset, p);
    }
    return p;
  };
  const lastRetrain = await lastRetrainOf(store, model, now);
  const state: ModelState = { model, now, goals, ...(report ? { report } : {}), ...(reportNote ? { reportNote } : {}), ...(version ? { version } : {}), ...(run ? { run } : {}), closed, versionsOf, ...(lastRetrain ? { lastRetrain } : {}), facts: {} };
  state.facts = await factsOf(state);
  return state;
}

async function factsOf(s: ModelState): Promise<Facts> {
  const facts: Facts = {};
  facts.model = { name: s.model, ...(s.version ? { version: s.version.version, stage: s.version.stage } : {}) };

  // Input drift of the latest complete window.
  const latest = s.closed[s.closed.length - 1];
  const d = latest?.inputDrift;
  if (d) {
    const drifted = d.byColumn.filter((c) => c.drifted);
    facts.drift = {
      class: d.class, share: d.share,
      columns: drifted.map((c) => c.column),
      majorColumns: drifted.filter((c) => c.class === 'major').map((c) => c.column),
      reference: d.reference, window: latest.start,
    };
  }

  // Monitored quantities: the latest complete window's; labelled ones from the latest window that has labels.
  const metric: Record<string, FactValue> = {};
  for (const w of s.closed) {
    for (const [q, v] of Object.entries(w.values)) { if (typeof v === 'number' && Number.isFinite(v)) { metric[q] = v; } }
  }
  for (const q of Object.keys(metric)) {
    if (!LABELLED.has(q as MonitorQuantity) && latest?.values[q as MonitorQuantity] === undefined) { delete metric[q]; }
  }
  if (Object.keys(metric).length) { facts.metric = Object.fromEntries(Object.entries(metric).sort(([a], [b]) => byName(a, b))); }

  // KPIs of goals.json over the same windows their formulas' quantities are judged on.
  const kpi: [string, FactValue][] = [];
  for (const k of s.goals.kpis) {
    if (!k.parsed) { continue; }
    const pool = poolOf(s.closed, k.parsed.references.map((r) => r.name as MonitorQuantity).filter((q) => LABELLED.has(q)));
    const w = pool[pool.length - 1];
    if (!w) { continue; }
    const v = evaluateFormula(k.parsed, windowLookup(w));
    if (v.ok) { kpi.push([k.name, v.value]); }
  }
  if (kpi.length) { facts.kpi = Object.fromEntries(kpi); }

  // Training data: its freshness and versions newer than the one the model version was trained on.
  const data: Record<string, FactValue> = {};
  const refs = s.run?.dataVersions ?? [];
  const datasets = [...new Set(refs.map((r) => r.dataset))];
  let newest: TimedVersion | undefined;
  for (const ds of datasets) {
    const vs = await s.versionsOf(ds);
    const last = vs[vs.length - 1];
    if (last && (!newest || last.t > newest.t)) { newest = last; }
  }
  if (newest) { data.ageHours = (s.now - newest.t) / 3_600_000; data.newest = `${newest.version.dataset}@${newest.version.id}`; }
  const main = refs.find((r) => r.dataset === s.goals.monitoring.reference) ?? refs[0];
  if (main) {
    data.dataset = main.dataset;
    data.trainedVersion = main.version;
    const vs = await s.versionsOf(main.dataset);
    const trained = vs.find((v) => v.version.id === main.version);
    if (trained) {
      const newer = vs.filter((v) => v.t > trained.t && v.version.id !== main.version);
      data.newVersions = newer.length;
      if (newer.length) { data.newestVersion = newer[newer.length - 1].version.id; }
    }
  }
  if (Object.keys(data).length) { facts.data = data; }

  // When it was last retrained (else when the version was registered).
  const since = s.lastRetrain ?? (s.version ? { time: s.version.createdAt, t: Date.parse(s.version.createdAt) } : undefined);
  if (since && Number.isFinite(since.t)) {
    facts.schedule = {
      hoursSinceRetrain: Math.max(0, (s.now - since.t) / 3_600_000), lastRetrain: since.time,
      ...(s.lastRetrain?.runId ? { lastPipelineRun: s.lastRetrain.runId } : {}),
      ...(s.lastRetrain?.version ? { lastVersion: s.lastRetrain.version.version, lastVersionStage: s.lastRetrain.version.stage } : {}),
    };
  }
  return facts;
}

/** The facts of a model now (see RetrainFacts): what a manual pipeline run's conditions and triggers read. */
export async function computeFacts(store: Store, model: string, opts: { goals?: Goals; report?: MonitorReport; now?: number } = {}): Promise<Facts> {
  return (await modelState(store, model, opts)).facts;
}
