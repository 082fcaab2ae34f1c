/**
 * Pipelines (`.mlops/pipelines/<name>.json`): reading with places for every problem, `when` conditions, planning
 * with up-to-date checks, and running with tracked step runs. See docs/format.md "Pipelines" and docs/cli.md.
 */
export * from './schema';
export * from './types';
export { pipelinesDir, pipelineFile, listPipelines, readPipeline, parsePipelineText, formatProblem, crossStepProblems } from './read';
export { parseCondition, evaluateCondition, conditionText, ConditionError, type Condition } from './condition';
export { planPipeline, formatPlan, resolveParams, commandOf, parseDataInput } from './plan';
export { executePipeline, markAbandonedRuns, parseTimeout, OUTPUT_LOG_BYTES, KILL_GRACE_MS } from './execute';
export { splitCommandLine } from './argv';
export { HashCache } from './hashes';
