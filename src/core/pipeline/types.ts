/**
 * The pipeline contract shared by the planner (plan.ts), the runner (execute.ts), the CLI (`mlops pipeline …`) and
 * the editor (Run Pipeline…, the Experiments tree). Pure types.
 *
 * Flow: `readPipeline` (file → Pipeline, problems with line/column) → `planPipeline` (selection, conditions over the
 * trigger facts, fingerprints, up-to-date checks → PipelinePlan, no side effects) → `executePipeline` (runs the plan:
 * a pipeline run, one tracked step run per step, outputs tagged / registered, events for a terminal).
 */
import type { ParamValue, PipelineStepState, Run } from '../store/schemas';
import type { PipelineFile, PipelineStep } from './schema';

/** Trigger facts a `when` condition reads: nested plain values (`drift.class`, `kpi.missed_payments`). */
export type Facts = { [key: string]: FactValue };
export type FactValue = string | number | boolean | null | FactValue[] | { [key: string]: FactValue };

/** A problem in a pipeline file, with its place (1-based line and column) for terminals and the editor. */
export interface PipelineProblem {
  /** Workspace-relative path of the file (`.mlops/pipelines/retrain.json`). */
  file: string;
  line: number;
  column: number;
  /** UTF-16 offset and length in the file's text (for diagnostics). */
  offset: number;
  length: number;
  message: string;
}

/** A parsed, validated pipeline file. */
export interface Pipeline {
  name: string;
  /** Absolute path of the file. */
  file: string;
  doc: PipelineFile;
  steps: PipelineStep[];
}

/** How a condition evaluated, in words for the plan (`drift.class == "minor" → false (drift.class is "major")`). */
export interface ConditionResult {
  /** `manual` is false unless the step is picked. Unknown facts make a comparison false. */
  value: boolean;
  text: string;
  explanation: string;
}

export interface PlanOptions {
  /** `--steps a,c`: exactly these (conditions are not consulted; `manual` steps may be picked). */
  steps?: string[];
  /** `--from STEP`: this step and every later one whose condition holds. */
  from?: string;
  /** `--param key=value` / `--param step.key=value`. */
  params?: Record<string, ParamValue>;
  /** Facts the conditions read (from the retraining trigger, or the current monitoring state for a manual run). */
  facts?: Facts;
  /** Run selected steps even when up to date. */
  force?: boolean;
  signal?: AbortSignal;
}

export type PlannedAction = 'run' | 'upToDate' | 'skip';

export interface PlannedStep {
  step: PipelineStep;
  action: PlannedAction;
  /** Why: the condition's explanation, "not in --steps", "up to date since run 01J… (fingerprint unchanged)", "forced". */
  reason: string;
  condition: ConditionResult;
  /** The resolved params (file defaults + overrides). */
  params: Record<string, ParamValue>;
  /** The argv that will run: [executable, ...args]; for a script, the interpreter is resolved by the runner. */
  command: string[];
  /** SHA-256 over command, params, input content hashes and code hashes (undefined when an input is not there yet: an earlier step makes it). */
  fingerprint?: string;
  /** The successful run this step's fingerprint matched (action upToDate). */
  upToDateRun?: string;
  /** The data versions this step reads (resolved `data` inputs). */
  dataInputs: { dataset: string; version: string; contentHash: string }[];
}

export interface PipelinePlan {
  pipeline: Pipeline;
  steps: PlannedStep[];
  facts: Facts;
  /** Warnings that do not stop the plan (an input folder that is empty, a param override no step declares …). */
  warnings: string[];
}

/** What the runner reports while it works (a terminal prints these; the CLI writes them to stdout/stderr). */
export type PipelineEvent =
  | { kind: 'pipelineStarted'; runId: string; plan: PipelinePlan }
  | { kind: 'stepSkipped'; stepId: string; state: Extract<PipelineStepState, 'upToDate' | 'skipped' | 'notRun'>; reason: string }
  | { kind: 'stepStarted'; stepId: string; runId: string; command: string[] }
  | { kind: 'output'; stepId: string; stream: 'stdout' | 'stderr'; text: string }
  | { kind: 'stepEnded'; stepId: string; runId: string; state: Extract<PipelineStepState, 'ran' | 'failed' | 'killed'>; exitCode?: number; durationMs: number }
  | { kind: 'registered'; stepId: string; what: string }
  | { kind: 'pipelineEnded'; runId: string; status: Run['status']; message: string };

export interface ExecuteOptions {
  /** Aborting kills the running step's process tree; the pipeline ends `killed` and registers nothing. */
  signal?: AbortSignal;
  onEvent?: (e: PipelineEvent) => void;
  /** The Python interpreter for script steps (default `python3`, or `python` on Windows). */
  python?: string;
  /** Folder holding `mlops_log.py` (put on PYTHONPATH for the steps, like Run Script). */
  pythonLibDir?: string;
  /** Stage for registered model versions: `staging` for an automatic retrain (never production); default none. */
  stage?: 'none' | 'staging';
  /** What started the run (recorded on the pipeline run). */
  trigger?: { name: string; level?: string };
  /** Who runs it: `cli` or `extension` (run.source.kind is `pipeline`, this goes to source.via). */
  via?: 'cli' | 'extension';
  /** Environment for the steps (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface PipelineResult {
  runId: string;
  status: Run['status'];
  steps: { id: string; state: PipelineStepState; runId?: string; reason?: string }[];
  /** Model versions registered (only when the pipeline finished). */
  models: { model: string; version: number; stage: string }[];
  /** Data versions tagged by steps that ran. */
  dataVersions: { dataset: string; version: string; reused: boolean }[];
  message: string;
}
