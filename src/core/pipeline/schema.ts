/**
 * `.mlops/pipelines/<name>.json`, format version 1: a retraining (or any) pipeline written down as ordered steps of
 * scripts and command lines. The zod schema is the source of the shipped JSON Schema (`schemas/pipeline.schema.json`,
 * wired to the editor by `jsonValidation`) and of the runtime validation; the cross-step rules (unique ids, inputs
 * that name earlier steps, no cycles, conditions that parse) are checked by the planner, with the file's line and
 * column in every message.
 */
import { z } from 'zod';

export const PIPELINE_FORMAT_VERSION = 1;

/** A step id: also a file-name-safe word used in `--steps`, `--from` and `--param step.key=value`. */
export const STEP_ID = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

const paramValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const relPath = z.string().min(1).max(1000).describe('a path relative to the workspace folder (POSIX separators)');
const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]*$/;

/** How a step runs: a command line (split into words like a shell would, but never run through one) or a script. */
export const StepRunSchema = z.union([
  z.string().min(1).max(4000).describe('A command line, e.g. "python evaluate.py --model models/churn.json". Words are split like a POSIX shell (quotes, backslashes) but no shell runs: no pipes, globs or $VARS. ${name} is replaced by the step param `name`.'),
  z.strictObject({
    script: relPath.describe('A Python script run with the workspace interpreter (the one Run Script uses), e.g. "train.py".'),
    args: z.array(z.string()).optional().describe('Extra arguments after the params.'),
  }).describe('A Python script; the step params reach it as --key=value arguments and in MLOPS_PARAMS (JSON).'),
]);
export type StepRun = z.infer<typeof StepRunSchema>;

export const StepInputSchema = z.union([
  z.strictObject({ data: z.string().min(1).max(200).describe('A dataset, optionally with a version: "churn-raw", "churn-raw@latest", "churn-raw@v3", "churn-raw@01J…".') }),
  z.strictObject({ file: relPath.describe('A file or folder the step reads; its content hash is part of the step fingerprint.') }),
  z.strictObject({
    step: z.string().regex(STEP_ID).describe('An earlier step whose outputs this step reads.'),
    output: relPath.optional().describe('One of that step\'s output paths (default: all of them).'),
  }),
]);
export type StepInput = z.infer<typeof StepInputSchema>;

export const StepOutputSchema = z.union([
  z.strictObject({
    path: relPath,
    dataset: z.string().min(1).max(100).regex(DATASET_NAME).describe('Tag the path as a new version of this dataset after the step succeeds.'),
    tags: z.array(z.string().min(1).max(100)).optional(),
  }),
  z.strictObject({
    path: relPath,
    model: z.string().min(1).max(100).regex(DATASET_NAME).describe('Register the path as a new version of this model when the whole pipeline has finished.'),
    flavor: z.strictObject({ name: z.enum(['pickle', 'joblib', 'python']), entry: z.string().min(1).max(500).optional() }).optional(),
  }),
  z.strictObject({ path: relPath.describe('A file the step writes that later steps may read; hashed, not tagged.') }),
]);
export type StepOutput = z.infer<typeof StepOutputSchema>;

export const PipelineStepSchema = z.strictObject({
  id: z.string().regex(STEP_ID, 'a step id starts with a letter and holds letters, digits, - and _ (at most 64)'),
  description: z.string().max(2000).optional(),
  run: StepRunSchema,
  params: z.record(z.string(), paramValue).optional().describe('The step\'s params with their defaults; `--param key=value` or `--param step.key=value` overrides them for one pipeline run.'),
  inputs: z.array(StepInputSchema).optional(),
  outputs: z.array(StepOutputSchema).optional(),
  code: z.array(relPath).optional().describe('Files or folders that are this step\'s code (default: the script, or the command\'s first file argument that exists in the workspace). Their content is part of the fingerprint.'),
  when: z.string().min(1).max(1000).optional().describe('When the step is called: "always" (default), "manual" (only when picked), or a condition over the trigger facts, e.g. drift.class == "minor" and kpi.missed_payments > 120.'),
  optional: z.boolean().optional().describe('A failing optional step is reported but does not stop the pipeline.'),
  timeout: z.string().regex(/^\d+(\.\d+)?\s*[smhd]$/).optional().describe('Kill the step after this long, e.g. "2h".'),
});
export type PipelineStep = z.infer<typeof PipelineStepSchema>;

export const PipelineFileSchema = z.looseObject({
  formatVersion: z.number().int().min(1).describe('Format version of this file; readers skip files newer than they understand.'),
  description: z.string().max(2000).optional(),
  model: z.string().min(1).max(100).regex(DATASET_NAME).optional().describe('The model this pipeline retrains: the trigger facts (drift, monitored metrics, KPIs) are read for it.'),
  experiment: z.string().min(1).max(100).regex(DATASET_NAME).optional().describe('The experiment the pipeline run and its step runs are recorded in (default: the pipeline name).'),
  steps: z.array(PipelineStepSchema).min(1),
}).meta({ title: 'MLOps Workbench pipeline' });
export type PipelineFile = z.infer<typeof PipelineFileSchema>;
