/**
 * MLflow → `.mlops`: experiments, runs (params, tags, notes, git commit, parent run, every metric point with its step
 * and timestamp) and the model registry (versions, stages, aliases, the producing run, artifacts by reference),
 * converted by `convert.ts` so an imported run reads like the same run shown from MLflow. Nothing is ever written in
 * the MLflow store; artifacts are never copied (hashed in place when they are on this machine).
 *
 * Idempotent: a `.mlops` run whose `source` says `mlflow` with the same `mlflowRunId` is not imported again, and a
 * model version whose loose `mlflow` object has the same run id, source and version is not either. The one exception
 * is a run that was still running in MLflow when it was imported: a re-import brings its copy up to date (same id)
 * once MLflow has more of it, so importing during training never freezes a half-finished run.
 *
 * Speed: every MLflow file is read once (records without metric summaries, then each run's points through
 * metricHistory). Each run is written as two whole files (metrics.jsonl in one write, then run.json) into its folder
 * in `.mlops/cache/mlflow-import/`, fsynced, and the folder renamed into `runs/`, so a run appears whole or not at
 * all, even after a crash. The writes are synchronous (page cache) and the fsyncs go to libuv's thread pool while the
 * next runs are read and encoded; a few runs are in flight at once, the next batch of records is read while the
 * current one is written, and only one run's points are held in memory per run in flight.
 */
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { MlopsError, messageOf } from '../errors';
import { hashPath } from '../data/hash';
import { writeCacheFile, cacheDirOf } from '../store/cacheDir';
import { createFileExclusive, isErrno, mapLimit, toJson, writeFileAtomic } from '../store/fsutil';
import { newId } from '../store/ids';
import { withFileLock } from '../store/lock';
import { encodeValue } from '../store/metrics';
import { FORMAT_VERSION, ModelVersionSchema, RunSchema, type ModelStage, type ModelVersion, type Run } from '../store/schemas';
import type { Store } from '../store/store';
import { resolveArtifactUri } from './artifacts';
import { MAX_TIME_MS, mlflowSourceOf, mlopsNameOf, stageOf, toRun, type MlflowRunSource } from './convert';
import type {
  MlflowExperiment, MlflowMetricPoint, MlflowModelVersion, MlflowProblem, MlflowReader, MlflowRegisteredModel, MlflowRunHeader, MlflowRunRecord,
} from './types';

export interface MlflowImportOptions {
  /** Experiment names (or ids) to import; default every active experiment. */
  experiments?: readonly string[];
  /** Deleted runs and runs of deleted experiments too (default false). */
  includeDeleted?: boolean;
  /** Compute everything, write nothing (not even caches or locks). */
  dryRun?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number; message: string }) => void;
}

export interface MlflowImportItem {
  kind: 'experiment' | 'run' | 'model' | 'modelVersion';
  /** MLflow's id: experiment id, run id, model name, `model/version`. */
  mlflowId: string;
  /** The `.mlops` name (experiment, model), run name, or `model@version`. */
  name: string;
  /** The `.mlops` experiment of a run. */
  experiment?: string;
  action: 'import' | 'skip';
  /** Why it was skipped, or a note on what was imported (an update, a stage that was changed). */
  reason?: string;
  /** The `.mlops` run id, or `model@version`. */
  id?: string;
  /** Files written (or, in a dry run, that would be), relative to the workspace folder. */
  files?: string[];
  /** An imported run's params and metric points. */
  params?: number;
  metricPoints?: number;
}

export interface MlflowImportResult {
  items: MlflowImportItem[];
  counts: {
    /** Runs imported (new) or brought up to date. */
    runs: number;
    runsSkipped: number;
    /** Of the imported runs: metric points written. */
    metricPoints: number;
    params: number;
    /** Registered models something was imported from. */
    models: number;
    versions: number;
    versionsSkipped: number;
    /** Of `runs`: runs imported earlier while still running, brought up to date. */
    runsUpdated: number;
  };
  /** Files and rows that could not be read or written: these make `mlops import mlflow` exit 1. */
  problems: MlflowProblem[];
  dryRun: boolean;
}

/** Runs in flight at once: enough to keep fsyncs going while others are read, few enough to hold only a few runs' points. */
const CONCURRENCY = 16;
/** Run records fetched from the reader per call. */
const BATCH = 64;

interface Planned {
  header: MlflowRunHeader;
  experiment: string;
  id: string;
  /** Set when updating a copy imported while the run was running. */
  existing?: Run;
  /** Why a run outside the selection is imported: the producing run of a model version. */
  note?: string;
}

const rootRel = (store: Store, abs: string): string => store.data.sourceOf(abs);

/** The key metric lines carry in `.mlops` for a metric key, JSON-quoted once per key rather than once per point. */
function lineEncoder(): (name: string, p: MlflowMetricPoint) => string | undefined {
  const quoted = new Map<string, string>();
  return (name, p) => {
    if (!Number.isSafeInteger(p.step) || p.step < 0 || !Number.isFinite(p.timestamp) || p.timestamp < 0) { return undefined; }
    let q = quoted.get(name);
    if (q === undefined) { q = JSON.stringify(name); quoted.set(name, q); }
    // A finite number's text is the same from a template string as from JSON.stringify; NaN/±Infinity are strings.
    const v = p.value;
    const value = Number.isFinite(v) ? `${v}` : `"${encodeValue(v) as string}"`;
    const ds = p.datasetName !== undefined || p.datasetDigest !== undefined
      ? `,"dataset":${JSON.stringify({ ...(p.datasetName !== undefined ? { name: p.datasetName } : {}), ...(p.datasetDigest !== undefined ? { digest: p.datasetDigest } : {}) })}`
      : '';
    return `{"name":${q},"step":${p.step},"value":${value},"timestamp":${p.timestamp}${ds}}`;
  };
}

function metricNameOk(name: string): boolean {
  // eslint-disable-next-line no-control-regex
  return name.length >= 1 && name.length <= 200 && !/[\u0000-\u001f\u007f]/.test(name);
}

/** Parents before their children (a cycle, which MLflow cannot make but a hand edit can, is broken anywhere). */
function parentsFirst(runs: MlflowRunHeader[]): MlflowRunHeader[] {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const depth = new Map<string, number>();
  const depthOf = (r: MlflowRunHeader): number => {
    let d = 0;
    const seen = new Set<string>([r.id]);
    for (let p = r.parentRunId ? byId.get(r.parentRunId) : undefined; p && !seen.has(p.id); p = p.parentRunId ? byId.get(p.parentRunId) : undefined) { seen.add(p.id); d++; }
    return d;
  };
  for (const r of runs) { depth.set(r.id, depthOf(r)); }
  return [...runs].sort((a, b) => (depth.get(a.id) ?? 0) - (depth.get(b.id) ?? 0) || (a.startTime ?? 0) - (b.startTime ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function checkAbort(signal: AbortSignal | undefined, done: number): void {
  if (signal?.aborted) {
    throw new MlopsError(`import cancelled after ${done} run${done === 1 ? '' : 's'}; what was imported stays, and importing again adds the rest`, 'cancelled');
  }
}

/** Imports an MLflow store into a `.mlops` store (see the file comment). */
export async function importMlflow(store: Store, reader: MlflowReader, opts: MlflowImportOptions = {}): Promise<MlflowImportResult> {
  const dryRun = opts.dryRun === true;
  const signal = opts.signal;
  const items: MlflowImportItem[] = [];
  const problems: MlflowProblem[] = [];
  const counts: MlflowImportResult['counts'] = { runs: 0, runsSkipped: 0, metricPoints: 0, params: 0, models: 0, versions: 0, versionsSkipped: 0, runsUpdated: 0 };
  const storeRel = rootRel(store, reader.ref.path);
  const progress = (done: number, total: number, message: string): void => { opts.onProgress?.({ done, total, message }); };

  progress(0, 0, `reading ${reader.ref.label}`);
  const scan = await reader.scan({ signal });
  problems.push(...scan.problems);
  const registry = await reader.registry({ signal });
  problems.push(...registry.problems);
  checkAbort(signal, 0);

  // ---- which experiments
  const experiments = new Map(scan.experiments.map((e) => [e.id, e]));
  let chosen: MlflowExperiment[];
  if (opts.experiments?.length) {
    chosen = [];
    for (const want of opts.experiments) {
      const found = scan.experiments.filter((e) => e.name === want || e.id === want);
      if (!found.length) {
        const known = scan.experiments.filter((e) => opts.includeDeleted || e.lifecycle === 'active').map((e) => `'${e.name}'`).join(', ');
        throw new MlopsError(`${reader.ref.label} has no experiment named '${want}' (experiments: ${known || 'none'})`, 'invalid-input');
      }
      chosen.push(...found.filter((e) => !chosen.includes(e)));
    }
  } else {
    chosen = scan.experiments;
  }
  const expName = (id: string): string => {
    const e = experiments.get(id);
    return mlopsNameOf(e?.name ?? '', `mlflow-${id.replace(/[^A-Za-z0-9]/g, '')}`);
  };
  const chosenIds = new Set<string>();
  for (const e of chosen) {
    if (e.lifecycle === 'deleted' && !opts.includeDeleted) {
      items.push({ kind: 'experiment', mlflowId: e.id, name: expName(e.id), action: 'skip', reason: 'deleted in MLflow (--include-deleted imports it)' });
      continue;
    }
    chosenIds.add(e.id);
  }

  // ---- what is already here
  const existingRuns = await store.listRuns();
  const imported = new Map<string, Run>();
  for (const r of existingRuns.items) {
    const src = mlflowSourceOf(r);
    if (src) { imported.set(src.mlflowRunId, r); }
  }

  // ---- which runs, and which model versions
  const byMlflowId = new Map(scan.runs.map((r) => [r.id, r]));
  const candidates = new Map<string, { header: MlflowRunHeader; note?: string }>();
  for (const r of scan.runs) {
    if (!chosenIds.has(r.experimentId)) {
      continue;
    }
    const deleted = r.lifecycle === 'deleted' || experiments.get(r.experimentId)?.lifecycle === 'deleted';
    if (deleted && !opts.includeDeleted) {
      items.push({ kind: 'run', mlflowId: r.id, name: r.name, experiment: expName(r.experimentId), action: 'skip', reason: 'deleted in MLflow (--include-deleted imports it)' });
      counts.runsSkipped++;
      continue;
    }
    candidates.set(r.id, { header: r });
  }
  // A version whose run is in the selection, or every version when no experiment was named.
  const versions = registry.versions.filter((v) => !opts.experiments?.length || (v.runId !== undefined && candidates.has(v.runId)));
  for (const v of versions) {
    const r = v.runId ? byMlflowId.get(v.runId) : undefined;
    if (r && !candidates.has(r.id) && !imported.has(r.id)) {
      candidates.set(r.id, { header: r, note: `imported as the run that produced ${v.model} version ${v.version}` });
    }
  }

  const plan: Planned[] = [];
  for (const { header, note } of candidates.values()) {
    const have = imported.get(header.id);
    const haveStatus = have ? mlflowSourceOf(have)?.mlflowStatus : undefined;
    if (have && (haveStatus === 'running' || haveStatus === 'scheduled')) {
      // Imported while it ran: importRun compares it with MLflow's record and updates it when there is more.
      plan.push({ header, experiment: have.experiment, id: have.id, existing: have });
      continue;
    }
    if (have) {
      items.push({ kind: 'run', mlflowId: header.id, name: have.name, experiment: have.experiment, action: 'skip', reason: `already imported as ${have.id}`, id: have.id });
      counts.runsSkipped++;
      continue;
    }
    plan.push({ header, experiment: expName(header.experimentId), id: '', ...(note ? { note } : {}) });
  }
  // New ids in MLflow's start order, so `.mlops` lists them in the order they ran; parents are written first.
  const ordered = parentsFirst(plan.map((p) => p.header));
  const planById = new Map(plan.map((p) => [p.header.id, p]));
  for (const h of [...ordered].sort((a, b) => (a.startTime ?? 0) - (b.startTime ?? 0))) {
    const p = planById.get(h.id)!;
    if (!p.id) { p.id = newId(h.startTime !== undefined && h.startTime >= 0 && h.startTime <= MAX_TIME_MS ? h.startTime : Date.now()); }
  }
  // Runs written (or, in a dry run, that would be) by this import, by MLflow id: a child's parent, a version's run.
  const written = new Map<string, string>();
  const ulidOf = (mlflowId: string): string | undefined => written.get(mlflowId) ?? imported.get(mlflowId)?.id;

  // ---- experiments
  const usedExperiments = new Set(plan.map((p) => p.experiment));
  const existingExperiments = new Set((await store.listExperiments()).items.map((e) => e.name));
  for (const e of chosen) {
    if (!chosenIds.has(e.id)) { continue; }
    const name = expName(e.id);
    const isNew = !existingExperiments.has(name);
    const file = store.experimentFile(name);
    items.push(isNew ? { kind: 'experiment', mlflowId: e.id, name, action: 'import', files: [store.rel(file)] }
      : { kind: 'experiment', mlflowId: e.id, name, action: 'skip', reason: `'${name}' is already in .mlops; its runs go into it` });
    existingExperiments.add(name);
    if (!dryRun && isNew) { await store.ensureExperiment(name, describeExperiment(e, storeRel)); }
    usedExperiments.delete(name);
  }
  for (const name of usedExperiments) {
    // Experiments of runs imported for a model version only.
    if (!existingExperiments.has(name) && !dryRun) { await store.ensureExperiment(name); }
  }

  // ---- runs
  let stage: string | undefined;
  if (!dryRun && plan.length) { stage = await stagingDir(store); }
  const encode = lineEncoder();
  let done = 0;
  const total = ordered.length;
  const depthGroups: MlflowRunHeader[][] = [];
  {
    // Split the parents-first order into groups that can be written concurrently (all of one depth).
    const depth = new Map<string, number>();
    for (const h of ordered) {
      const parentDepth = h.parentRunId && planById.has(h.parentRunId) ? depth.get(h.parentRunId) : undefined;
      const d = parentDepth === undefined ? 0 : parentDepth + 1;
      depth.set(h.id, d);
      (depthGroups[d] ??= []).push(h);
    }
  }
  if (stage) { await store.guard.ensureDir(store.runs.runsDir); }
  // Records only (params, tags): the points are read once, by importRun through metricHistory.
  const readBatch = (batch: MlflowRunHeader[]) => reader.runs(batch.map((h) => h.id), { signal, summaries: false });
  for (const group of depthGroups) {
    let next: ReturnType<typeof readBatch> | undefined;
    for (let i = 0; i < group.length; i += BATCH) {
      checkAbort(signal, counts.runs);
      const batch = group.slice(i, i + BATCH);
      const read = await (next ?? readBatch(batch));
      // The next batch's records are read while this one's runs are written (its fsyncs run in the thread pool).
      next = i + BATCH < group.length ? readBatch(group.slice(i + BATCH, i + 2 * BATCH)) : undefined;
      next?.catch(() => undefined); // awaited on the next turn; an abort in between is reported there
      problems.push(...read.problems);
      const records = new Map(read.runs.map((r) => [r.id, r]));
      const results = await mapLimit(batch, CONCURRENCY, async (h): Promise<RunOutcome | undefined> => {
        const p = planById.get(h.id)!;
        const rec = records.get(h.id);
        if (!rec) {
          return { item: { kind: 'run', mlflowId: h.id, name: h.name, experiment: p.experiment, action: 'skip', reason: 'its record could not be read (see the problems)' }, skipped: true };
        }
        if (signal?.aborted) { return undefined; }
        return importRun(store, reader, rec, p, { storeRel, ulidOf, encode, dryRun, stage, signal, problems });
      });
      for (const r of results) {
        if (!r) { continue; }
        items.push(r.item);
        if (r.id) { written.set(r.item.mlflowId, r.id); }
        if (r.skipped) { counts.runsSkipped++; } else {
          counts.runs++;
          if (r.updated) { counts.runsUpdated++; }
          counts.metricPoints += r.points ?? 0;
          counts.params += r.params ?? 0;
        }
        done++;
      }
      progress(done, total, `${done} of ${total} runs`);
    }
  }
  checkAbort(signal, counts.runs);
  if (stage) { await fsp.rm(stage, { recursive: true, force: true }).catch(() => undefined); }

  // ---- models
  await importRegistry(store, reader, registry.models, versions, { storeRel, ulidOf, dryRun, signal, items, problems, counts });
  progress(total, total, 'done');
  // A file can be reported by the record read and again by the history read: once is enough.
  const seen = new Set<string>();
  const unique = problems.filter((q) => { const k = `${q.file}\0${q.reason}`; if (seen.has(k)) { return false; } seen.add(k); return true; });
  return { items, counts, problems: unique, dryRun };
}

function describeExperiment(e: MlflowExperiment, storeRel: string): string {
  return `Imported from MLflow: experiment '${e.name}' (id ${e.id}) of ${storeRel}`;
}

/** `.mlops/cache/mlflow-import/`: where runs are assembled before they are renamed into `runs/` whole. */
async function stagingDir(store: Store): Promise<string | undefined> {
  try {
    writeCacheFile(store.dir, 'mlflow-import/README', 'Runs being imported from MLflow are assembled here, then moved into runs/. Safe to delete.\n');
    const dir = path.join(cacheDirOf(store.dir), 'mlflow-import');
    await store.guard.checkWrite(path.join(dir, 'README'));
    return dir;
  } catch {
    return undefined; // no usable cache folder: runs are written in place (metrics first, run.json last)
  }
}

interface RunContext {
  storeRel: string;
  ulidOf: (mlflowId: string) => string | undefined;
  encode: (name: string, p: MlflowMetricPoint) => string | undefined;
  dryRun: boolean;
  stage: string | undefined;
  signal: AbortSignal | undefined;
  problems: MlflowProblem[];
}

interface RunOutcome { item: MlflowImportItem; skipped?: boolean; updated?: boolean; id?: string; points?: number; params?: number }

function runProblemFile(reader: MlflowReader, storeRel: string, h: MlflowRunHeader): string {
  return reader.ref.kind === 'file' ? `${storeRel}/${h.experimentId}/${h.id}` : `${storeRel}#runs/${h.id}`;
}

async function importRun(store: Store, reader: MlflowReader, rec: MlflowRunRecord, p: Planned, ctx: RunContext): Promise<RunOutcome> {
  const where = runProblemFile(reader, ctx.storeRel, rec);
  const base: MlflowImportItem = { kind: 'run', mlflowId: rec.id, name: rec.name, experiment: p.experiment, action: 'import', id: p.id };
  const history = await reader.metricHistory(rec.id, undefined, { signal: ctx.signal });
  const pointsInMlflow = Object.values(history.metrics).reduce((s, pts) => s + pts.length, 0);
  if (p.existing) {
    const src = mlflowSourceOf(p.existing);
    if (src && src.mlflowStatus === rec.status && src.mlflowPoints === pointsInMlflow && src.mlflowEndTime === rec.endTime) {
      return { item: { ...base, name: p.existing.name, action: 'skip', reason: `already imported as ${p.id} (still ${rec.status} in MLflow; nothing new)` }, skipped: true };
    }
  }
  let run = toRun(rec, p.experiment, ctx.storeRel);
  run.id = p.id;
  const parent = rec.parentRunId ? ctx.ulidOf(rec.parentRunId) : undefined;
  if (parent) { run.parentRunId = parent; } else { delete run.parentRunId; }
  const source = run.source as unknown as MlflowRunSource;
  source.mlflowPoints = pointsInMlflow;
  if (rec.endTime !== undefined) { source.mlflowEndTime = rec.endTime; }
  if ('__proto__' in run.params && Object.prototype.hasOwnProperty.call(run.params, '__proto__')) {
    delete (run.params as Record<string, unknown>).__proto__;
    ctx.problems.push({ file: where, reason: "param '__proto__' cannot be stored in .mlops (JSON readers drop it); it was left out" });
  }
  if (p.existing) {
    // Keep everything done to the copy in .mlops since it was imported (its name, notes, tags added or removed, any
    // other field); only what MLflow records moves on: status, end time, params, duration and the MLflow source.
    const fresh = run;
    run = { ...p.existing, status: fresh.status, params: { ...p.existing.params, ...fresh.params }, meta: { ...p.existing.meta, ...fresh.meta }, source: fresh.source };
    if (fresh.endTime) { run.endTime = fresh.endTime; } else { delete run.endTime; }
  }
  const valid = RunSchema.safeParse(run);
  if (!valid.success) {
    ctx.problems.push({ file: where, reason: `cannot be imported: ${valid.error.issues.slice(0, 2).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
    return { item: { ...base, action: 'skip', reason: 'not valid as a .mlops run (see the problems)' }, skipped: true };
  }
  ctx.problems.push(...history.problems);
  const lines: string[] = [];
  let dropped = 0;
  let badNames = 0;
  for (const [name, points] of Object.entries(history.metrics)) {
    if (!metricNameOk(name)) { badNames++; continue; }
    for (const pt of points) {
      const line = ctx.encode(name, pt);
      if (line === undefined) { dropped++; } else { lines.push(line); }
    }
  }
  if (dropped) { ctx.problems.push({ file: where, reason: `${dropped} metric point${dropped === 1 ? ' has' : 's have'} a negative or fractional step or timestamp, which .mlops cannot store; left out` }); }
  if (badNames) { ctx.problems.push({ file: where, reason: `${badNames} metric key${badNames === 1 ? ' is' : 's are'} longer than 200 characters or hold control characters; left out` }); }
  const runDir = store.runDir(p.id);
  const files = [store.rel(path.join(runDir, 'run.json')), ...(lines.length || p.existing ? [store.rel(path.join(runDir, 'metrics.jsonl'))] : [])];
  const item: MlflowImportItem = { ...base, name: run.name, files, params: Object.keys(valid.data.params).length, metricPoints: lines.length,
    ...(p.existing ? { reason: `updated: it was ${(mlflowSourceOf(p.existing)?.mlflowStatus) ?? 'running'} when imported, it is ${rec.status} now` } : p.note ? { reason: p.note } : {}) };
  if (!ctx.dryRun) {
    const metricsText = lines.length ? lines.join('\n') + '\n' : '';
    if (p.existing) {
      await updateRunFiles(store, p.id, valid.data, metricsText);
    } else {
      await writeNewRun(store, p.id, valid.data, metricsText, ctx.stage);
    }
  }
  return { item, id: p.id, updated: !!p.existing, points: lines.length, params: Object.keys(valid.data.params).length };
}

/**
 * A new run: assembled in the staging folder and renamed into `runs/` whole (in place, run.json last, without one).
 * In the staging folder the files are written directly (nothing reads that folder) and fsynced before the rename, so
 * a crash leaves either the whole run in `runs/` or none of it.
 */
async function writeNewRun(store: Store, id: string, run: Run, metricsText: string, stage: string | undefined): Promise<void> {
  const target = store.runDir(id);
  await store.guard.checkWrite(target);
  if (!stage) {
    await store.guard.ensureDir(store.runs.runsDir);
    await fsp.mkdir(target);
    if (metricsText) { await writeFileAtomic(path.join(target, 'metrics.jsonl'), metricsText); }
    await writeFileAtomic(path.join(target, 'run.json'), toJson(run));
    return;
  }
  const dir = path.join(stage, id);
  fs.mkdirSync(dir);
  const fds: number[] = [];
  try {
    const put = (name: string, text: string): void => {
      const fd = fs.openSync(path.join(dir, name), 'wx', 0o644);
      fds.push(fd);
      fs.writeFileSync(fd, text, 'utf8');
    };
    if (metricsText) { put('metrics.jsonl', metricsText); }
    put('run.json', toJson(run));
    await Promise.all(fds.map((fd) => new Promise<void>((resolve, reject) => { fs.fsync(fd, (e) => (e ? reject(e) : resolve())); })));
    for (const fd of fds.splice(0)) { fs.closeSync(fd); }
    await fsp.rename(dir, target);
  } catch (e) {
    for (const fd of fds) { try { fs.closeSync(fd); } catch { /* already failing */ } }
    await fsp.rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** A run imported while running, brought up to date under its lock: metrics replaced whole, then run.json. */
async function updateRunFiles(store: Store, id: string, run: Run, metricsText: string): Promise<void> {
  const file = store.runFile(id);
  await store.guard.checkWrite(file);
  await store.guard.checkWrite(store.metricsFile(id));
  await withFileLock(file, async () => {
    await writeFileAtomic(store.metricsFile(id), metricsText);
    await writeFileAtomic(file, toJson(run));
  });
}

// ------------------------------------------------------------------ registry

interface RegistryContext {
  storeRel: string;
  ulidOf: (mlflowId: string) => string | undefined;
  dryRun: boolean;
  signal: AbortSignal | undefined;
  items: MlflowImportItem[];
  problems: MlflowProblem[];
  counts: MlflowImportResult['counts'];
}

interface MlflowVersionRecord { source?: string; runId?: string; description?: string; status?: string; version?: number; stage?: string; model?: string }

async function importRegistry(store: Store, reader: MlflowReader, models: MlflowRegisteredModel[], versions: MlflowModelVersion[], ctx: RegistryContext): Promise<void> {
  const byModel = new Map<string, MlflowModelVersion[]>();
  for (const v of versions) { byModel.set(v.model, [...(byModel.get(v.model) ?? []), v]); }
  const modelInfo = new Map(models.map((m) => [m.name, m]));
  const names = [...new Set([...byModel.keys()])].sort();
  const existing = await store.listModelVersions();
  const existingModels = new Set((await store.listModels()).items.map((m) => m.name));
  for (const mlflowName of names) {
    const name = mlopsNameOf(mlflowName, 'mlflow-model');
    const mine = existing.items.filter((v) => v.model === name);
    const taken = new Set([...mine.map((v) => v.version), ...existing.problems.filter((p) => p.file.includes(`/models/${name}/`)).map((p) => Number(path.basename(p.file, '.json'))).filter(Number.isSafeInteger)]);
    const wanted = (byModel.get(mlflowName) ?? []).sort((a, b) => a.version - b.version);
    const todo: { v: MlflowModelVersion; runId: string }[] = [];
    for (const v of wanted) {
      const label = `${name}@${v.version}`;
      const already = mine.find((m) => {
        const rec = (m as ModelVersion & { mlflow?: MlflowVersionRecord }).mlflow;
        return rec !== undefined && rec.runId === v.runId && rec.source === v.source && rec.version === v.version;
      });
      if (already) {
        ctx.items.push({ kind: 'modelVersion', mlflowId: `${mlflowName}/${v.version}`, name: label, action: 'skip', reason: `already imported as ${name}@${already.version}`, id: `${name}@${already.version}` });
        ctx.counts.versionsSkipped++;
        continue;
      }
      const runId = v.runId ? ctx.ulidOf(v.runId) : undefined;
      if (!runId) {
        const why = v.runId ? `its run ${v.runId} is not in ${reader.ref.label} (or could not be imported)` : 'MLflow recorded no run for it';
        ctx.problems.push({ file: registryFile(reader, ctx.storeRel, v), reason: `not imported: ${why}; a .mlops model version needs the run that produced it` });
        ctx.items.push({ kind: 'modelVersion', mlflowId: `${mlflowName}/${v.version}`, name: label, action: 'skip', reason: why });
        ctx.counts.versionsSkipped++;
        continue;
      }
      todo.push({ v, runId });
    }
    const modelFile = path.join(store.modelDir(name), 'model.json');
    const modelIsNew = !existingModels.has(name);
    if (todo.length === 0 && !modelIsNew) { continue; }
    ctx.counts.models++;
    const m = modelInfo.get(mlflowName);
    ctx.items.push({ kind: 'model', mlflowId: mlflowName, name, action: 'import',
      ...(modelIsNew ? { files: [store.rel(modelFile)] } : { reason: `merged into the existing model '${name}'` }) });
    if (!ctx.dryRun && modelIsNew) {
      await store.guard.ensureDir(store.modelDir(name));
      await store.guard.checkWrite(modelFile);
      await createFileExclusive(modelFile, toJson({ formatVersion: FORMAT_VERSION, name, createdAt: isoOr(m?.creationTime), ...(m?.description ? { description: m.description } : {}),
        mlflow: { name: mlflowName, ...(Object.keys(m?.tags ?? {}).length ? { tags: m?.tags } : {}) } }));
    }
    existingModels.add(name);
    // One production version per model (docs/format.md "Model stages"): MLflow allows several; the newest stays.
    const hasProduction = mine.some((v) => v.stage === 'production');
    const newestProduction = [...todo].reverse().find((t) => t.v.stage === 'Production')?.v.version;
    for (const { v, runId } of todo) {
      if (ctx.signal?.aborted) { return; }
      let stage: ModelStage = stageOf(v.stage);
      let note: string | undefined;
      if (stage === 'production' && (hasProduction || v.version !== newestProduction)) {
        stage = 'archived';
        note = hasProduction ? `Production in MLflow; archived here because '${name}' already has a production version` : `Production in MLflow; archived here because version ${newestProduction} is the newest in Production (a .mlops model has one)`;
      }
      await importVersion(store, reader, v, { name, runId, stage, note, taken }, ctx);
    }
  }
}

function registryFile(reader: MlflowReader, storeRel: string, v: MlflowModelVersion): string {
  return reader.ref.kind === 'file' ? `${storeRel}/models/${v.model}/version-${v.version}/meta.yaml` : `${storeRel}#model_versions/${v.model}/${v.version}`;
}

const isoOr = (t: number | undefined): string => (t !== undefined && Number.isFinite(t) && t >= 0 && t <= MAX_TIME_MS ? new Date(t).toISOString() : new Date().toISOString());

async function importVersion(store: Store, reader: MlflowReader, v: MlflowModelVersion,
  target: { name: string; runId: string; stage: ModelStage; note?: string; taken: Set<number> }, ctx: RegistryContext): Promise<void> {
  const { name } = target;
  const artifact = await artifactOf(store, reader, v, ctx);
  const tags = [...v.aliases.map((a) => `alias=${a}`), ...Object.entries(v.tags).map(([k, val]) => (val === '' ? k : `${k}=${val}`))]
    // eslint-disable-next-line no-control-regex
    .map((t) => t.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 300));
  const createdAt = isoOr(v.creationTime);
  const mlflow: MlflowVersionRecord & { store: string } = {
    ...(v.source !== undefined ? { source: v.source } : {}), ...(v.runId !== undefined ? { runId: v.runId } : {}),
    ...(v.description ? { description: v.description } : {}), ...(v.status ? { status: v.status } : {}),
    version: v.version, stage: v.stage, ...(v.model !== name ? { model: v.model } : {}), store: ctx.storeRel,
  };
  // MLflow's number when it is free here; else the next free one (the original stays in `mlflow.version`).
  let version = target.taken.has(v.version) ? Math.max(0, ...target.taken) + 1 : v.version;
  const build = (n: number): ModelVersion => ({
    formatVersion: FORMAT_VERSION, model: name, version: n, artifact, runId: target.runId, stage: target.stage, createdAt,
    ...(tags.length ? { tags: [...new Set(tags)] } : {}),
    stageHistory: [{ stage: target.stage, at: isoOr(v.lastUpdatedTime ?? v.creationTime) }],
    mlflow,
  });
  const valid = ModelVersionSchema.safeParse(build(version));
  if (!valid.success) {
    ctx.problems.push({ file: registryFile(reader, ctx.storeRel, v), reason: `cannot be imported: ${valid.error.issues.slice(0, 2).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
    ctx.items.push({ kind: 'modelVersion', mlflowId: `${v.model}/${v.version}`, name: `${name}@${v.version}`, action: 'skip', reason: 'not valid as a .mlops model version (see the problems)' });
    ctx.counts.versionsSkipped++;
    return;
  }
  if (!ctx.dryRun) {
    await store.guard.ensureDir(store.models.versionsDir(name));
    for (let attempt = 0; ; attempt++, version = Math.max(version, ...target.taken) + 1) {
      const file = store.modelVersionFile(name, version);
      await store.guard.checkWrite(file);
      if (await createFileExclusive(file, toJson(build(version)))) { break; }
      target.taken.add(version);
      if (attempt > 1000) { throw new MlopsError(`could not claim a version number for model '${name}'`, 'conflict'); }
    }
  }
  target.taken.add(version);
  ctx.counts.versions++;
  const notes = [...(version !== v.version ? [`version ${v.version} in MLflow; ${name} already had a version ${v.version}`] : []), ...(target.note ? [target.note] : []),
    ...(artifact.sha256 === undefined ? [`artifact not on this machine: recorded by reference (${artifact.uri ?? artifact.path})`] : [])];
  ctx.items.push({ kind: 'modelVersion', mlflowId: `${v.model}/${v.version}`, name: `${name}@${version}`, action: 'import', id: `${name}@${version}`,
    files: [store.rel(store.modelVersionFile(name, version))], ...(notes.length ? { reason: notes.join('; ') } : {}) });
}

/** The artifact by reference: hashed where it is when the files are on this machine, else only where MLflow had it. */
async function artifactOf(store: Store, reader: MlflowReader, v: MlflowModelVersion, ctx: RegistryContext): Promise<ModelVersion['artifact']> {
  const recorded = v.source ?? '';
  const resolved = recorded ? await resolveArtifactUri(recorded, reader.ref.path) : undefined;
  if (resolved?.local) {
    try {
      const hashed = await hashPath(resolved.local, { signal: ctx.signal });
      return {
        path: store.data.sourceOf(resolved.local),
        sha256: hashed.kind === 'file' ? hashed.entries[0].sha256 : hashed.contentHash,
        sizeBytes: hashed.sizeBytes, fileCount: hashed.fileCount, uri: recorded,
      };
    } catch (e) {
      if (!(e instanceof MlopsError && e.kind === 'not-found') && !isErrno(e, 'ENOENT')) {
        ctx.problems.push({ file: registryFile(reader, ctx.storeRel, v), reason: `artifact ${resolved.local} could not be hashed (${messageOf(e)}); recorded by reference` });
      }
    }
  }
  return { path: recorded || `mlflow:${v.model}/${v.version}`, sizeBytes: 0, fileCount: 0, ...(recorded ? { uri: recorded } : {}) };
}
