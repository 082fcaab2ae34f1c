/**
 * Retraining: triggers (goals.json `retraining.triggers`) evaluated over the facts of a model in production (its
 * monitoring windows, input drift, data freshness, new data, the last retrain), a decision per fired trigger at a
 * deliberate automation level (with the safety rule that withholds `auto`), and the log of every evaluation and
 * decision in `.mlops/retraining/log.jsonl`. Pure types.
 */
import type { Facts } from '../pipeline/types';
import type { Comparator, MonitorQuantity } from '../monitor/types';
import type { AutomationLevel, TriggerKind } from './schema';

/** One trigger as read from goals.json, defaults filled in, with its place in the file. */
export interface RetrainTrigger {
  index: number;
  kind: TriggerKind;
  name: string;
  description?: string;
  /** Default `ask`. */
  automation: AutomationLevel;
  /** Resolved: the trigger's own, else retraining.pipeline (undefined: none named). */
  pipeline?: string;
  /** The trigger's own model, else retraining.model (undefined: every monitored model). */
  model?: string;
  metric?: MonitorQuantity;
  kpi?: string;
  comparator?: Comparator;
  threshold?: number;
  windows?: number;
  driftClass?: 'minor' | 'major';
  driftShare?: number;
  maxAgeHours?: number;
  dataset?: string;
  everyHours?: number;
  /** UTF-16 offset and length of the trigger object in goals.json. */
  offset: number;
  length: number;
}

export interface RetrainingSettings {
  pipeline?: string;
  model?: string;
  triggers: RetrainTrigger[];
}

/**
 * The facts of one model that triggers and pipeline `when` conditions read. Unknown values are absent (a condition
 * over an absent fact is false, and says so).
 *
 * - `model`: { name, version, stage } — the version in production (else the newest).
 * - `trigger`: { name, kind, level } — set when a trigger started the pipeline.
 * - `drift`: { class: none|minor|major, share, columns: drifted column names, reference } — input drift of the
 *   latest complete monitoring window.
 * - `metric`: { accuracy, f1, …, errorRate, requests, … } — the latest complete window's monitored quantities.
 * - `kpi`: { <name>: value } — each goals.json KPI computed from the latest complete window's metrics.
 * - `data`: { ageHours, dataset, newVersions } — newest training data age; versions newer than the model's.
 * - `schedule`: { hoursSinceRetrain } — since the last pipeline run for this model (else the version's creation).
 * - `performanceDropped`: true when a metric/KPI trigger fired.
 */
export type RetrainFacts = Facts;

export interface TriggerEvaluation {
  trigger: RetrainTrigger;
  model: string;
  fired: boolean;
  /** One line: `accuracy < 0.8 for 3 windows in a row (0.71, 0.74, 0.69)`, `no new version of churn-data`. */
  summary: string;
  /** Start of the episode (first window of the run of N, the data version's time …): notifications are keyed by it. */
  since?: string;
  facts: RetrainFacts;
  /** The `model` the trigger's pipeline file is bound to, when it names one (a pipeline for another model must not run). */
  pipelineModel?: string;
}

/** What is done about a fired trigger. `withheld` explains a downgrade of `auto` to `ask`. */
export interface RetrainDecision {
  evaluation: TriggerEvaluation;
  /** The level goals.json asks for. */
  requested: AutomationLevel;
  /** The level applied after the safety rule. */
  applied: AutomationLevel;
  /** `automation withheld: major drift in age, income` / `automation withheld: performance dropped without input drift (cause unclear)`. */
  withheld?: string;
  /** The pipeline that would run (undefined: none configured; the decision says so). */
  pipeline?: string;
}

/**
 * One line of `.mlops/retraining/log.jsonl` (appended, never rewritten; committed with the store so the team sees
 * every decision). `decision`:
 * - `quiet`: evaluated, did not fire;
 * - `notified` / `asked`: a person was told (notify / ask, or auto withheld);
 * - `started`: an automatic (or accepted) pipeline run began — `pipelineRunId` set;
 * - `finished` / `failed` / `killed`: how that pipeline run ended — `pipelineRunId`, `models` set.
 */
export interface RetrainLogLine {
  formatVersion: 1;
  time: string;
  model: string;
  trigger: string;
  kind: TriggerKind;
  fired: boolean;
  summary: string;
  description?: string;
  facts: RetrainFacts;
  level: AutomationLevel;
  applied: AutomationLevel;
  decision: 'quiet' | 'notified' | 'asked' | 'started' | 'finished' | 'failed' | 'killed';
  withheld?: string;
  pipeline?: string;
  pipelineRunId?: string;
  /**
   * A fired `auto` trigger whose episode a pipeline run already took on (started after the episode began, or earlier in
   * the same check): that run's id. Nothing is started again; a person promotes the staging version through the gate.
   */
  handledBy?: string;
  /** Model versions the pipeline registered (staging for an automatic run). */
  models?: { model: string; version: number; stage: string }[];
  /** `cli` (mlops retrain check) or `extension` (live), and who asked for an accepted run. */
  source: 'cli' | 'extension';
  /** The start of the firing episode the line decides about (TriggerEvaluation.since), so another window or a teammate recognises it. */
  since?: string;
}
