/**
 * MLflow's tracking stores as they are on disk, read in place and never written: the file store (`mlruns/`,
 * MLflow 1.x–3.x) and the SQLite store (`mlflow.db`, read with sql.js: WebAssembly, no native module, the file's
 * bytes copied into memory so nothing can write back). Both readers give the same shapes below; `convert.ts`
 * turns them into `.mlops` runs for the views, `mlops runs list --source mlflow` and the importer.
 */

/** `file`: an `mlruns/` folder; `sqlite`: an `mlflow.db` file. */
export type MlflowStoreKind = 'file' | 'sqlite';

/** One MLflow store found in a workspace folder. */
export interface MlflowStoreRef {
  kind: MlflowStoreKind;
  /** Absolute path of the `mlruns` folder or of the `.db` file. */
  path: string;
  /** The workspace folder (or CLI working folder) it was found in. */
  root: string;
  /** `MLflow — mlruns`, `MLflow — mlflow.db` (with the relative folder when it is not at the root: `MLflow — sub/mlruns`). */
  label: string;
  /** Stable key across refreshes: `mlflow:<kind>:<absolute path>`. */
  key: string;
}

/** A file or row that was skipped, and why (shown in the tree's "could not be read" node and printed by the CLI). */
export interface MlflowProblem {
  /** Relative to the store's root folder (workspace) with `/` separators, or the db file plus `#table`/row. */
  file: string;
  reason: string;
}

export type MlflowLifecycle = 'active' | 'deleted';

/** MLflow's statuses: file store integers 1–5 and SQLite strings map to these. */
export const MLFLOW_STATUSES = ['running', 'scheduled', 'finished', 'failed', 'killed'] as const;
export type MlflowRunStatus = typeof MLFLOW_STATUSES[number];

export interface MlflowExperiment {
  /** As recorded: '0', '459562201803247328' (text, never a number: 18-digit ids exceed 2^53). */
  id: string;
  name: string;
  /** `deleted` also for experiments moved to `mlruns/.trash/`, whatever their meta.yaml says. */
  lifecycle: MlflowLifecycle;
  /** As recorded (may be another machine's `file:///C:/…`, `mlflow-artifacts:/…`). */
  artifactLocation?: string;
  creationTime?: number;
  lastUpdateTime?: number;
  tags: Record<string, string>;
}

/**
 * What the tree's first level and `runs list` need of a run, read from `meta.yaml` (file store) or the `runs`
 * table (SQLite). `name` and `parentRunId` may need the run's tags: the file store reader fills them from
 * `tags/mlflow.runName` and `tags/mlflow.parentRunId` (two small reads); SQLite from the tags table.
 */
export interface MlflowRunHeader {
  /** `run_id`, or `run_uuid` in MLflow 1.x. */
  id: string;
  experimentId: string;
  /** `run_name`, else the `mlflow.runName` tag, else `name` of 1.x; '' when none was recorded. */
  name: string;
  status: MlflowRunStatus;
  lifecycle: MlflowLifecycle;
  /** Milliseconds since the epoch. */
  startTime?: number;
  /** Absent while running (`end_time: null`). */
  endTime?: number;
  userId?: string;
  artifactUri?: string;
  /** `mlflow.parentRunId`: a nested run's parent. */
  parentRunId?: string;
}

/** One metric point. `value` keeps NaN and ±Infinity. */
export interface MlflowMetricPoint {
  timestamp: number;
  value: number;
  step: number;
  /** MLflow 2.x+ metric lines of 5 fields. */
  datasetName?: string;
  datasetDigest?: string;
}

/**
 * Per metric key: the last point (greatest step, then timestamp, then value — MLflow's own rule) and the range.
 * NaN points count but are not min/max.
 */
export interface MlflowMetricSummary {
  key: string;
  count: number;
  last: number;
  lastStep: number;
  lastTimestamp: number;
  min: number;
  max: number;
}

/** A run with everything but its metric points. */
export interface MlflowRunRecord extends MlflowRunHeader {
  params: Record<string, string>;
  /** Every tag, `mlflow.*` system tags included, values exactly as stored (multi-line kept, no trailing newline added). */
  tags: Record<string, string>;
  metrics: Record<string, MlflowMetricSummary>;
}

export interface MlflowRegisteredModel {
  name: string;
  description?: string;
  creationTime?: number;
  lastUpdatedTime?: number;
  tags: Record<string, string>;
  /** alias → version number */
  aliases: Record<string, number>;
}

/** MLflow's stages as recorded: `None`, `Staging`, `Production`, `Archived`. */
export type MlflowStage = 'None' | 'Staging' | 'Production' | 'Archived';

export interface MlflowModelVersion {
  model: string;
  version: number;
  stage: MlflowStage;
  creationTime?: number;
  lastUpdatedTime?: number;
  description?: string;
  /** As recorded: `file:///…/artifacts/model`, `runs:/<id>/model`, `mlflow-artifacts:/…`, `models:/m-…`. */
  source?: string;
  runId?: string;
  status?: string;
  tags: Record<string, string>;
  /** Aliases pointing at this version. */
  aliases: string[];
}

export interface MlflowRegistry {
  models: MlflowRegisteredModel[];
  versions: MlflowModelVersion[];
  problems: MlflowProblem[];
}

export interface MlflowScan {
  experiments: MlflowExperiment[];
  /** Every run, deleted ones and runs of deleted experiments included (callers filter). */
  runs: MlflowRunHeader[];
  problems: MlflowProblem[];
}

export interface MlflowReadOptions {
  signal?: AbortSignal;
  /**
   * runs(): compute each record's metric summaries (default true). False leaves `metrics` empty and skips reading
   * the points (the file store's metric files), for a caller that reads them through metricHistory() anyway.
   */
  summaries?: boolean;
}

/**
 * A store opened for reading. Nothing here writes, creates or locks a file in the store (tests compare the store's
 * bytes and mtimes before and after). Every method reports bad input as problems rather than throwing; it throws
 * only when the store as a whole cannot be read (not a folder, not SQLite, a future schema), with a message that
 * names the file and the reason.
 */
export interface MlflowReader {
  readonly ref: MlflowStoreRef;
  /** Experiments and run headers (file store: every `meta.yaml` plus the two identity tags; SQLite: two queries). */
  scan(opts?: MlflowReadOptions): Promise<MlflowScan>;
  /** Full records (params, tags, metric summaries) of these runs; unknown ids are left out. */
  runs(ids: readonly string[], opts?: MlflowReadOptions): Promise<{ runs: MlflowRunRecord[]; problems: MlflowProblem[] }>;
  /** Every point of a run's metrics (all keys, or the ones named), in file/row order. */
  metricHistory(runId: string, keys?: readonly string[], opts?: MlflowReadOptions): Promise<{ metrics: Record<string, MlflowMetricPoint[]>; problems: MlflowProblem[] }>;
  /** Registered models, versions, stages and aliases (file store: `mlruns/models/`; SQLite: the registry tables). */
  registry(opts?: MlflowReadOptions): Promise<MlflowRegistry>;
  /**
   * A file path whose change means "read again" (the watcher's pattern): file store → the `mlruns` folder;
   * SQLite → the db file (and its `-wal`/`-journal`).
   */
  watchPaths(): string[];
  /** Releases the in-memory database (SQLite). The reader must not be used afterwards. */
  close(): void;
}

/** Files larger than this in a store are skipped and reported instead of read (a 2 GB metrics file). */
export const MLFLOW_MAX_FILE_BYTES = 256 * 1024 * 1024;
