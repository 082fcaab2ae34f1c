/**
 * MLflow records as `.mlops` runs, one mapping shared by the sidebar, `mlops runs list --source mlflow` and the
 * importer, so a run reads the same wherever it is shown. What has no field of its own is kept in `source`
 * (every MLflow tag, the status MLflow recorded, the artifact URI), so an import loses nothing.
 */
import type { MetricSummary } from '../store/metrics';
import type { Run, RunStatus } from '../store/schemas';
import type { MlflowMetricSummary, MlflowRunHeader, MlflowRunRecord, MlflowRunStatus, MlflowStage } from './types';

/** The system tags whose content becomes a field of the run (the rest stay in `source.tags`). */
export const MLFLOW_TAGS = {
  runName: 'mlflow.runName',
  parentRunId: 'mlflow.parentRunId',
  user: 'mlflow.user',
  sourceName: 'mlflow.source.name',
  sourceType: 'mlflow.source.type',
  gitCommit: 'mlflow.source.git.commit',
  gitBranch: 'mlflow.source.git.branch',
  gitRepo: 'mlflow.source.git.repoURL',
  note: 'mlflow.note.content',
} as const;

/** `scheduled` has no `.mlops` status: it shows as running (MLflow's own status stays in `source.mlflowStatus`). */
export function runStatusOf(s: MlflowRunStatus): RunStatus {
  return s === 'scheduled' ? 'running' : s;
}

export function stageOf(s: MlflowStage): 'none' | 'staging' | 'production' | 'archived' {
  return s === 'Production' ? 'production' : s === 'Staging' ? 'staging' : s === 'Archived' ? 'archived' : 'none';
}

/** What a run with no name is called: MLflow 1.x often recorded `name: ''`. */
export function displayName(h: Pick<MlflowRunHeader, 'id' | 'name'>): string {
  const n = h.name.trim();
  return n ? n.slice(0, 200) : `run ${h.id.slice(0, 8)}`;
}

/** Times `.mlops` can store: from the epoch to the end of year 9999 (a bigger millisecond count would throw in toISOString, or print a 6-digit year no reader accepts). */
export const MAX_TIME_MS = 253402300799999;
const iso = (ms: number | undefined): string | undefined => (ms !== undefined && Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIME_MS ? new Date(ms).toISOString() : undefined);

/**
 * `source` of a run read from (or imported from) MLflow. `mlflowRunId` is what makes an import idempotent.
 * `store` is the store's path relative to the workspace (or absolute when outside it), `/` separators.
 */
export interface MlflowRunSource {
  kind: 'mlflow';
  mlflowRunId: string;
  mlflowExperimentId: string;
  mlflowStatus: MlflowRunStatus;
  store: string;
  user?: string;
  /** `mlflow.source.name`: the script or notebook that logged the run. */
  script?: string;
  artifactUri?: string;
  /** Every tag as MLflow stored it, system tags included. */
  tags?: Record<string, string>;
  /** MLflow's lifecycle: deleted runs are hidden unless a filter shows them. */
  deleted?: boolean;
  /**
   * Set by the importer: the metric points and end time MLflow had when the run was imported, so a re-import can
   * tell whether a run that was still running has more to bring over.
   */
  mlflowPoints?: number;
  mlflowEndTime?: number;
}

/**
 * User tags (not `mlflow.*`) as `.mlops` tags: `key=value`, or `key` when the value is empty. A `.mlops` tag is one
 * line of at most 100 characters, so line breaks and other control characters become spaces and a long value is
 * cut; the exact value stays in `source.tags`.
 */
export function userTags(tags: Record<string, string>): string[] {
  // eslint-disable-next-line no-control-regex
  const oneLine = (s: string): string => s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  const out = Object.entries(tags).filter(([k]) => !k.startsWith('mlflow.')).map(([k, v]) => oneLine(v === '' ? k : `${k}=${v}`).slice(0, 100)).filter((t) => t !== '');
  return [...new Set(out)];
}

/**
 * A `.mlops` name (experiment, model: a file name, see ids.ts) for an MLflow name, which may hold any character
 * (`/Users/me@x.com/churn`, `forecaster-{store_id}`): characters a file name cannot safely hold become `_`, leading
 * ones are dropped, and a name left empty or reserved on Windows gets `fallback`. The same MLflow name always gives
 * the same `.mlops` name, so a re-import finds what the first import wrote.
 */
export function mlopsNameOf(name: string, fallback: string): string {
  let n = name.replace(/[^A-Za-z0-9 ._-]/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 100).replace(/[ .]+$/, '');
  if (!n) { n = fallback; }
  if (/^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i.test(n)) { n = `${n}_`; }
  return n;
}

/**
 * A run as `.mlops` shows it. With only a header (the first level of the tree), params, tags and notes are empty
 * until the record is read. `id` stays MLflow's id here; the importer gives imported runs ids of their own.
 */
export function toRun(h: MlflowRunHeader | MlflowRunRecord, experimentName: string, storeRel: string): Run {
  const rec = 'params' in h ? h : undefined;
  const tags = rec?.tags ?? {};
  const commit = tags[MLFLOW_TAGS.gitCommit];
  const source: MlflowRunSource = {
    kind: 'mlflow', mlflowRunId: h.id, mlflowExperimentId: h.experimentId, mlflowStatus: h.status, store: storeRel,
    ...(h.userId || tags[MLFLOW_TAGS.user] ? { user: h.userId || tags[MLFLOW_TAGS.user] } : {}),
    ...(tags[MLFLOW_TAGS.sourceName] ? { script: tags[MLFLOW_TAGS.sourceName] } : {}),
    ...(h.artifactUri ? { artifactUri: h.artifactUri } : {}),
    ...(rec ? { tags } : {}),
    ...(h.lifecycle === 'deleted' ? { deleted: true } : {}),
  };
  const start = iso(h.startTime) ?? new Date(0).toISOString();
  return {
    formatVersion: 1,
    id: h.id,
    experiment: experimentName,
    name: displayName(h),
    status: runStatusOf(h.status),
    startTime: start,
    ...(h.status !== 'running' && h.status !== 'scheduled' && iso(h.endTime) ? { endTime: iso(h.endTime) } : {}),
    params: { ...(rec?.params ?? {}) },
    tags: userTags(tags),
    ...(tags[MLFLOW_TAGS.note] ? { notes: tags[MLFLOW_TAGS.note] } : {}),
    ...(commit && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit) ? { git: { commit, dirty: false, ...(tags[MLFLOW_TAGS.gitBranch] ? { branch: tags[MLFLOW_TAGS.gitBranch] } : {}) } } : {}),
    dataVersions: [],
    meta: h.startTime !== undefined && h.endTime !== undefined && h.endTime >= h.startTime ? { durationMs: h.endTime - h.startTime } : {},
    source: source as unknown as Run['source'],
    ...(h.parentRunId ? { parentRunId: h.parentRunId } : {}),
  };
}

export function toMetricSummaries(metrics: Record<string, MlflowMetricSummary>): Map<string, MetricSummary> {
  return new Map(Object.values(metrics).map((m) => [m.key, { name: m.key, count: m.count, last: m.last, lastStep: m.lastStep, lastTimestamp: m.lastTimestamp, min: m.min, max: m.max }]));
}

/** The MLflow source of a run, when it came from (or was imported from) MLflow. */
export function mlflowSourceOf(run: Pick<Run, 'source'>): MlflowRunSource | undefined {
  const s = run.source as Partial<MlflowRunSource> | undefined;
  return s?.kind === 'mlflow' && typeof s.mlflowRunId === 'string' ? (s as MlflowRunSource) : undefined;
}
