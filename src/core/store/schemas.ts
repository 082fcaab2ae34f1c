/**
 * The `.mlops` store, format version 1: one zod schema per file kind. These schemas are the single source of truth:
 * the TypeScript types, the runtime validation and the shipped JSON Schemas (`schemas/*.schema.json`) all come
 * from here. Objects are "loose": fields this version does not know are kept on read and written back unchanged,
 * so a newer writer's additions survive an older reader's update.
 */
import { z } from 'zod';

export const FORMAT_VERSION = 1;

const formatVersion = z.number().int().min(1).describe('Format version of this file; readers skip files newer than they understand.');
const isoTime = z.iso.datetime({ offset: true }).describe('ISO 8601 date-time, e.g. 2026-11-26T19:31:22.123Z');
const id = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/).describe('ULID: 26 characters of Crockford base32, sorts by creation time');
const name = z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/).describe('lower-case hex SHA-256');

/** `.mlops/mlops.json`: marks the store and its format. */
export const StoreManifestSchema = z.looseObject({
  formatVersion,
  createdAt: isoTime,
}).meta({ title: 'MLOps Workbench store manifest' });
export type StoreManifest = z.infer<typeof StoreManifestSchema>;

/** `.mlops/experiments/<name>.json` */
export const ExperimentSchema = z.looseObject({
  formatVersion,
  name,
  description: z.string().optional(),
  createdAt: isoTime,
  /** Metric directions declared for this experiment: `loss: "min"`, `accuracy: "max"`. */
  metricGoals: z.record(z.string(), z.enum(['min', 'max'])).optional(),
}).meta({ title: 'MLOps Workbench experiment' });
export type Experiment = z.infer<typeof ExperimentSchema>;

export const RUN_STATUSES = ['running', 'finished', 'failed', 'killed'] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const ParamValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type ParamValue = z.infer<typeof ParamValueSchema>;

export const GitInfoSchema = z.looseObject({
  commit: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/).describe('full commit hash (SHA-1 or SHA-256)'),
  dirty: z.boolean().describe('true when the work tree had uncommitted changes'),
  branch: z.string().optional(),
  /** SHA-256 of `git diff HEAD` output when dirty, so the exact uncommitted change can be recognised later. */
  diffHash: sha256.optional(),
});
export type GitInfo = z.infer<typeof GitInfoSchema>;

export const DataVersionRefSchema = z.looseObject({
  dataset: name,
  version: id,
  contentHash: sha256.optional(),
});
export type DataVersionRef = z.infer<typeof DataVersionRefSchema>;

export const HardwareSchema = z.looseObject({
  cpu: z.string().optional(),
  cores: z.number().int().positive().optional(),
  memoryBytes: z.number().nonnegative().optional(),
  gpus: z.array(z.string()).optional(),
  platform: z.string().optional(),
  /** A name for this machine class that budgets and constraints refer to, e.g. `cpu-only`, `a100`. */
  label: z.string().min(1).max(100).optional(),
});

export const MetaMetricsSchema = z.looseObject({
  durationMs: z.number().nonnegative().optional(),
  peakMemoryBytes: z.number().nonnegative().optional(),
  hardware: HardwareSchema.optional(),
  cost: z.looseObject({ amount: z.number().nonnegative(), currency: z.string().min(1).max(10) }).optional(),
  python: z.string().optional(),
  environment: z.looseObject({ hash: sha256, file: z.string().optional() }).optional(),
  exitCode: z.number().int().optional(),
  /** Inference latency of the trained model, median and 95th percentile over repeated calls (`run.benchmark`). */
  latencyMsP50: z.number().nonnegative().optional(),
  latencyMsP95: z.number().nonnegative().optional(),
  /** Bytes of the model artifact the run logged (`log_model`). */
  modelSizeBytes: z.number().int().nonnegative().optional(),
});
export type MetaMetrics = z.infer<typeof MetaMetricsSchema>;

export const PIPELINE_STEP_STATES = ['ran', 'failed', 'killed', 'upToDate', 'skipped', 'notRun'] as const;
export type PipelineStepState = typeof PIPELINE_STEP_STATES[number];

/**
 * `run.pipeline`. On the pipeline run: the pipeline's name, the trigger that started it, and one entry per step of
 * the plan (how it ended, its run, why it was skipped). On a step run: the pipeline's name, the step id and the
 * step's fingerprint (inputs, params and code), which is what "up to date" compares.
 */
export const PipelineRunInfoSchema = z.looseObject({
  name,
  /** Step runs only: the step's id. */
  step: z.string().min(1).max(100).optional(),
  /** Step runs only: SHA-256 over the step's command, params, input content hashes and code hashes. */
  fingerprint: sha256.optional(),
  /** Pipeline runs only: what started it (`manual`, or a retraining trigger's name) and with which automation level. */
  trigger: z.looseObject({ name: z.string(), level: z.string().optional() }).optional(),
  /** Pipeline runs only: the process running it, so a run whose runner died can be told from one still going. */
  runner: z.looseObject({ pid: z.number().int().positive(), host: z.string() }).optional(),
  /** Pipeline runs only: the plan as it ran, in order. */
  steps: z.array(z.looseObject({
    id: z.string(),
    state: z.enum(PIPELINE_STEP_STATES),
    runId: id.optional(),
    /** Why it did not run (its condition, not selected, up to date since run X, an earlier step failed). */
    reason: z.string().optional(),
  })).optional(),
});
export type PipelineRunInfo = z.infer<typeof PipelineRunInfoSchema>;

/** `.mlops/runs/<id>/run.json` */
export const RunSchema = z.looseObject({
  formatVersion,
  id,
  experiment: name,
  name: z.string().min(1).max(200),
  status: RunStatusSchema,
  startTime: isoTime,
  endTime: isoTime.optional(),
  params: z.record(z.string(), ParamValueSchema),
  tags: z.array(z.string()),
  notes: z.string().optional(),
  git: GitInfoSchema.optional(),
  dataVersions: z.array(DataVersionRefSchema),
  meta: MetaMetricsSchema,
  /** What created the run: `cli`, `extension`, `python`, or another writer's name. */
  source: z.looseObject({ kind: z.string(), script: z.string().optional(), command: z.array(z.string()).optional() }).optional(),
  /** The run this one reproduces (Reproduce Run). */
  reproducedFrom: id.optional(),
  /** The run this one is part of: a pipeline step's pipeline run (and MLflow's nested runs when imported). */
  parentRunId: id.optional(),
  /** Set on a pipeline run and on each of its step runs (`.mlops/pipelines/<name>.json`). */
  pipeline: PipelineRunInfoSchema.optional(),
  /** What the run produced, recorded by the pipeline runner: data versions it tagged, model versions it registered. */
  outputs: z.looseObject({
    dataVersions: z.array(DataVersionRefSchema).optional(),
    models: z.array(z.looseObject({ model: name, version: z.number().int().positive() })).optional(),
  }).optional(),
}).meta({ title: 'MLOps Workbench run' });
export type Run = z.infer<typeof RunSchema>;

/**
 * One line of `.mlops/runs/<id>/metrics.jsonl`. Non-finite values are written as the strings
 * `"NaN"`, `"Infinity"`, `"-Infinity"` because JSON has no literal for them.
 */
export const MetricPointSchema = z.looseObject({
  name: z.string().min(1).max(200),
  step: z.number().int().nonnegative(),
  value: z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]),
  timestamp: z.number().nonnegative().describe('milliseconds since the Unix epoch'),
}).meta({ title: 'MLOps Workbench metric point (one line of metrics.jsonl)' });
export type MetricPointRecord = z.infer<typeof MetricPointSchema>;

/** `.mlops/datasets/<name>/dataset.json` */
export const DatasetSchema = z.looseObject({
  formatVersion,
  name,
  description: z.string().optional(),
  createdAt: isoTime,
}).meta({ title: 'MLOps Workbench dataset' });
export type Dataset = z.infer<typeof DatasetSchema>;

/** `.mlops/datasets/<name>/versions/<id>.json`; its file list is in `<id>.manifest.jsonl` beside it. */
export const DataVersionSchema = z.looseObject({
  formatVersion,
  id,
  dataset: name,
  contentHash: sha256.describe('SHA-256 over the sorted manifest lines: identical content ⇒ identical hash'),
  sizeBytes: z.number().int().nonnegative(),
  fileCount: z.number().int().nonnegative(),
  tags: z.array(z.string()),
  /** Where the data was hashed from: a path relative to the workspace (POSIX separators) or an absolute path/URL. */
  source: z.string(),
  createdAt: isoTime,
  /** The run that wrote this data (a pipeline step tagging its output), when one did: lineage reads through it. */
  run: id.optional(),
}).meta({ title: 'MLOps Workbench data version' });
export type DataVersion = z.infer<typeof DataVersionSchema>;

/** One line of a data version's `<id>.manifest.jsonl`. */
export const ManifestEntrySchema = z.object({
  path: z.string().min(1).describe('POSIX path relative to the data version source'),
  size: z.number().int().nonnegative(),
  sha256,
}).meta({ title: 'MLOps Workbench data manifest entry (one line of <id>.manifest.jsonl)' });
export type ManifestEntry = z.infer<typeof ManifestEntrySchema>;

/** `.mlops/models/<name>/model.json` */
export const ModelSchema = z.looseObject({
  formatVersion,
  name,
  description: z.string().optional(),
  createdAt: isoTime,
}).meta({ title: 'MLOps Workbench model' });
export type Model = z.infer<typeof ModelSchema>;

export const MODEL_STAGES = ['none', 'staging', 'production', 'archived'] as const;
export const ModelStageSchema = z.enum(MODEL_STAGES);
export type ModelStage = z.infer<typeof ModelStageSchema>;

/** How a model version's artifact is loaded to serve predictions (`mlops serve`, `mlops package`). */
export const MODEL_FLAVORS = ['pickle', 'joblib', 'python'] as const;
export type ModelFlavorName = typeof MODEL_FLAVORS[number];
export const ModelFlavorSchema = z.looseObject({
  name: z.enum(MODEL_FLAVORS).describe('pickle / joblib: an object with .predict (scikit-learn style); python: `entry` loads the artifact'),
  entry: z.string().min(1).max(500).optional()
    .describe('python flavor: `path/to/file.py:function` (relative to the workspace) or `package.module:function`; the function gets the artifact path and returns predict(records) -> list'),
});
export type ModelFlavor = z.infer<typeof ModelFlavorSchema>;

/** `.mlops/models/<name>/versions/<n>.json` */
export const ModelVersionSchema = z.looseObject({
  formatVersion,
  model: name,
  version: z.number().int().positive(),
  artifact: z.looseObject({
    path: z.string().min(1).describe('relative to the workspace (POSIX separators) when inside it'),
    /**
     * For a folder: the same content hash as a data version of it. Absent only for a version imported from MLflow
     * whose artifact is not on this machine (recorded by reference: `uri` says where MLflow had it).
     */
    sha256: sha256.optional().describe('for a folder: the same content hash as a data version of it; absent when the artifact was not here to hash (imported by reference)'),
    sizeBytes: z.number().int().nonnegative(),
    /** 0 only when the artifact was not here to hash. */
    fileCount: z.number().int().nonnegative(),
    /** Where the artifact was recorded, as written by the tool that logged it (an MLflow `source`, e.g. `file:///C:/…`, `mlflow-artifacts:/…`). */
    uri: z.string().optional(),
  }),
  runId: id,
  stage: ModelStageSchema,
  createdAt: isoTime,
  /** How to load the artifact to serve it; recorded at registration (`--flavor`, `log_model(flavor=…)`). */
  flavor: ModelFlavorSchema.optional(),
  /** Free tags; a version imported from MLflow carries its aliases as `alias=<name>` and its tags as `key=value`. */
  tags: z.array(z.string().max(300)).optional(),
  stageHistory: z.array(z.looseObject({
    stage: ModelStageSchema,
    at: isoTime,
    /**
     * Production versions this one was promoted alongside on purpose (`--keep-production`): together they are not a
     * merge conflict (two promotions from two machines have no such entry).
     */
    alongside: z.array(z.number().int().positive()).optional(),
    /** Who changed the stage (git user.name / user.email), recorded by gated promotions. */
    by: z.looseObject({ name: z.string(), email: z.string().optional() }).optional(),
    /** Failed gate checks let through, each with the written reason. */
    waivers: z.array(z.looseObject({ check: z.string(), reason: z.string().min(1) })).optional(),
    /** The production gate's result when the change was gated: passed, the commit checked, each check's status. */
    gate: z.looseObject({
      passed: z.boolean(),
      commit: z.string().optional(),
      checks: z.array(z.looseObject({ id: z.string(), status: z.string(), summary: z.string() })),
    }).optional(),
  })),
}).meta({ title: 'MLOps Workbench model version' });
export type ModelVersion = z.infer<typeof ModelVersionSchema>;

/**
 * `.mlops/policy.json`: workspace rules for `mlops lint` and the editor: libraries vetted for production on top
 * of the default set, and per-rule severities (`"off"` disables a rule).
 */
export const PolicySchema = z.looseObject({
  formatVersion,
  vetted: z.array(z.string().min(1).max(200)).optional(),
  lint: z.looseObject({
    severity: z.record(z.string(), z.enum(['error', 'warning', 'info', 'hint', 'off'])).optional(),
  }).optional(),
}).meta({ title: 'MLOps Workbench workspace policy' });
export type Policy = z.infer<typeof PolicySchema>;

/** Every schema that describes a whole file or a line, by the JSON Schema file name it is shipped as. */
export const FILE_SCHEMAS = {
  'store': StoreManifestSchema,
  'experiment': ExperimentSchema,
  'run': RunSchema,
  'metric-point': MetricPointSchema,
  'dataset': DatasetSchema,
  'data-version': DataVersionSchema,
  'manifest-entry': ManifestEntrySchema,
  'model': ModelSchema,
  'model-version': ModelVersionSchema,
  'policy': PolicySchema,
} as const;
