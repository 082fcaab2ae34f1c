/**
 * What the views show of one MLflow store, held in memory: the scan (experiments and run headers), the registry,
 * and the full records (params, tags, metric summaries) of the runs the views asked for. `load()` reads the store
 * again after a change (the watcher calls it) and drops the records, which are read again when shown. Every run is
 * the `.mlops` shape made by `toRun` (convert.ts), so the views and Compare Runs treat it like any other run. Pure:
 * no VS Code, and nothing here writes a file.
 */
import * as path from 'node:path';
import { messageOf } from '../errors';
import { resolveArtifactUri } from './artifacts';
import type { MetricPoint, MetricSummary } from '../store/metrics';
import type { Run } from '../store/schemas';
import { toMetricSummaries, toRun } from './convert';
import type { MlflowExperiment, MlflowProblem, MlflowReader, MlflowRegistry, MlflowRunHeader, MlflowRunRecord, MlflowScan, MlflowStoreRef } from './types';

/** The store's path as `run.source.store` records it: relative to the workspace folder, `/` separators. */
export function storeRelPath(ref: MlflowStoreRef): string {
  const rel = path.relative(ref.root, ref.path);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : ref.path.split(path.sep).join('/');
}

/** The registry's recorded sources that exist here, found once per load (the tree does not touch the disk). */
async function localArtifacts(registry: MlflowRegistry, storePath: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const source of new Set(registry.versions.map((v) => v.source).filter((x): x is string => Boolean(x)))) {
    const { local } = await resolveArtifactUri(source, storePath).catch(() => ({ local: undefined }));
    if (local) { out.set(source, local); }
  }
  return out;
}

export class MlflowViewState {
  private scanned: MlflowScan = { experiments: [], runs: [], problems: [] };
  private readonly headers = new Map<string, MlflowRunHeader>();
  private readonly records = new Map<string, MlflowRunRecord>();
  private readonly converted = new Map<string, Run>();
  private summaries = new Map<string, Map<string, MetricSummary>>();
  private readonly recordProblems: MlflowProblem[] = [];
  private loadError: string | undefined;
  private readonly artifacts = new Map<string, string>();
  private generation = 0;
  /** The registry as last read (undefined until `load()` read it, or when it could not be read). */
  registry: MlflowRegistry | undefined;
  loaded = false;

  constructor(readonly ref: MlflowStoreRef, private readonly reader: MlflowReader) {
    this.rel = storeRelPath(ref);
  }

  /** The workspace folder the store was found in. */
  get root(): string { return this.ref.root; }
  /** `MlflowStoreRef.key`: what nodes of this store carry as `store`. */
  get key(): string { return this.ref.key; }
  get label(): string { return this.ref.label; }
  /** The store's path relative to its workspace folder (`mlruns`, `sub/mlflow.db`). */
  get relPath(): string { return this.rel; }
  /** Computed once: every run's conversion names it, and path.relative() per run showed in the first level's profile. */
  private readonly rel: string;

  /**
   * Reads experiments, run headers and the registry (again). Records read before are dropped: the next view that
   * shows a run reads it again, so params, tags and metrics follow a training script that is still logging.
   * Never throws: a store that cannot be read keeps what it showed and reports why in `problems()`.
   */
  async load(): Promise<void> {
    const gen = ++this.generation;
    try {
      const [scan, registry] = await Promise.all([
        this.reader.scan(),
        this.reader.registry().catch((e: unknown): MlflowRegistry => ({ models: [], versions: [], problems: [{ file: this.relPath, reason: `registry: ${messageOf(e)}` }] })),
      ]);
      if (gen !== this.generation) { return; }
      const found = await localArtifacts(registry, this.ref.path);
      if (gen !== this.generation) { return; }
      this.scanned = scan;
      this.registry = registry;
      this.artifacts.clear();
      for (const [k, v] of found) { this.artifacts.set(k, v); }
      this.loadError = undefined;
    } catch (e) {
      if (gen !== this.generation) { return; }
      this.loadError = messageOf(e);
    }
    this.headers.clear();
    for (const h of this.scanned.runs) { this.headers.set(h.id, h); }
    this.records.clear();
    this.converted.clear();
    this.summaries = new Map();
    this.recordProblems.length = 0;
    this.loaded = true;
  }

  experiments(): MlflowExperiment[] {
    return this.scanned.experiments;
  }

  /** The experiment a run belongs to, by MLflow id. */
  experiment(id: string): MlflowExperiment | undefined {
    return this.scanned.experiments.find((e) => e.id === id);
  }

  /** What `Run.experiment` says for a run of this experiment: its name, else its id. */
  experimentName(id: string): string {
    return this.experiment(id)?.name || `experiment ${id}`;
  }

  /** Names of the experiments, deleted ones included (views filter), in the store's order. */
  experimentNames(): string[] {
    return [...new Set(this.scanned.experiments.map((e) => e.name || `experiment ${e.id}`))];
  }

  /** Every run header of the last scan (deleted ones included). */
  headerList(): readonly MlflowRunHeader[] {
    return this.scanned.runs;
  }

  header(id: string): MlflowRunHeader | undefined {
    return this.headers.get(id);
  }

  record(id: string): MlflowRunRecord | undefined {
    return this.records.get(id);
  }

  /** A run as `.mlops` shows it: from its record once read, else from its header. */
  run(id: string): Run | undefined {
    const hit = this.converted.get(id);
    if (hit) { return hit; }
    const src = this.records.get(id) ?? this.headers.get(id);
    if (!src) { return undefined; }
    const run = toRun(src, this.experimentName(src.experimentId), this.relPath);
    this.converted.set(id, run);
    return run;
  }

  /** Every run, deleted ones and runs of deleted experiments included (views filter). */
  runs(): Run[] {
    return this.scanned.runs.map((h) => this.run(h.id)!);
  }

  /** Whether the run, or its experiment, was deleted in MLflow. */
  isDeleted(id: string): boolean {
    const h = this.headers.get(id);
    return h !== undefined && (h.lifecycle === 'deleted' || this.experiment(h.experimentId)?.lifecycle === 'deleted');
  }

  /** Where a model version's recorded source is in this workspace (absolute), when its files are here. */
  artifactPath(source: string): string | undefined {
    return this.artifacts.get(source);
  }

  /** Metric summaries of a run whose record was read; undefined before. */
  metricSummaries(id: string): Map<string, MetricSummary> | undefined {
    return this.summaries.get(id);
  }

  /** Reads the records (params, tags, metric summaries) of these runs that were not read since the last load. */
  async loadRecords(ids: readonly string[]): Promise<void> {
    const todo = [...new Set(ids)].filter((id) => this.headers.has(id) && !this.records.has(id));
    if (!todo.length) { return; }
    const gen = this.generation;
    let got: { runs: MlflowRunRecord[]; problems: MlflowProblem[] };
    try {
      got = await this.reader.runs(todo);
    } catch (e) {
      got = { runs: [], problems: [{ file: this.relPath, reason: `reading runs: ${messageOf(e)}` }] };
    }
    if (gen !== this.generation) { return; }
    for (const r of got.runs) {
      this.records.set(r.id, r);
      this.converted.delete(r.id);
      this.summaries.set(r.id, toMetricSummaries(r.metrics));
    }
    this.addProblems(got.problems);
  }

  /** Every point of a run's metrics as `.mlops` points (name, step, value, timestamp), in the store's order. */
  async points(id: string): Promise<MetricPoint[]> {
    const { metrics, problems } = await this.reader.metricHistory(id);
    this.addProblems(problems);
    return Object.entries(metrics).flatMap(([name, pts]) => pts.map((p) => ({ name, step: p.step, value: p.value, timestamp: p.timestamp })));
  }

  /** Problems met while reading records or points, once each (Compare reads the same run's points again and again). */
  private addProblems(problems: readonly MlflowProblem[]): void {
    for (const p of problems) {
      if (!this.recordProblems.some((q) => q.file === p.file && q.reason === p.reason)) { this.recordProblems.push(p); }
    }
  }

  /** Files and rows skipped while reading, and why the store could not be read at all when it could not. */
  problems(): MlflowProblem[] {
    return [
      ...(this.loadError ? [{ file: this.relPath, reason: this.loadError }] : []),
      ...this.scanned.problems, ...(this.registry?.problems ?? []), ...this.recordProblems,
    ];
  }

  /** Releases the reader (the in-memory database of a SQLite store). */
  dispose(): void {
    this.generation++;
    this.reader.close();
  }
}
