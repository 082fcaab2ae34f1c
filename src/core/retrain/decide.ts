/**
 * The safety rule: how much of a retrain may run unattended. A trigger asks for a level (notify, ask, auto); `auto`
 * is applied only when the cause is understood and small. It is withheld — applied as `ask`, with the reason — when
 * the input drift is major (tuning and retraining on the same features will not fix a changed world: a person looks
 * first), or when performance dropped without input drift (or without drift being measured): the cause is unclear.
 */
import type { FactValue, Facts } from '../pipeline/types';
import type { RetrainDecision, TriggerEvaluation } from './types';

function obj(v: FactValue | undefined): Record<string, FactValue> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

function names(v: FactValue | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Why `auto` must not run on these facts, or undefined when it may. */
export function withheldReason(facts: Facts): string | undefined {
  const drift = obj(facts.drift);
  const cls = drift?.class;
  if (cls === 'major') {
    const cols = names(drift?.majorColumns);
    const shown = cols.length ? cols : names(drift?.columns);
    return `automation withheld: major drift${shown.length ? ` in ${shown.join(', ')}` : ''}`;
  }
  // A window of the firing streak was major, though the latest is not: the world changed; a person looks first.
  if (drift?.worstClass === 'major') {
    const shown = names(drift.worstColumns);
    return `automation withheld: major drift${shown.length ? ` in ${shown.join(', ')}` : ''} in a window of the streak`;
  }
  if (facts.performanceDropped === true) {
    if (cls === 'none') { return 'automation withheld: performance dropped without input drift — the cause is unclear; look before retraining'; }
    if (cls === undefined) { return 'automation withheld: performance dropped and input drift is not measured — the cause is unclear; look before retraining'; }
  }
  return undefined;
}

/**
 * Why the trigger's pipeline must not run for this evaluation's model: its file is bound to another model (a trigger
 * watching every model fired for fraud, but the pipeline retrains churn), or undefined.
 */
export function wrongModelReason(evaluation: TriggerEvaluation, pipeline = evaluation.trigger.pipeline, bound = evaluation.pipelineModel): string | undefined {
  return pipeline && bound !== undefined && bound !== evaluation.model ? `pipeline '${pipeline}' retrains ${bound}, not ${evaluation.model}` : undefined;
}

/** The level applied to an evaluation: the requested one, or `ask` when the safety rule withholds `auto`. */
export function decide(evaluation: TriggerEvaluation): RetrainDecision {
  const t = evaluation.trigger;
  const requested = t.automation;
  const base: RetrainDecision = { evaluation, requested, applied: requested, ...(t.pipeline ? { pipeline: t.pipeline } : {}) };
  if (requested !== 'auto' || !evaluation.fired) { return base; }
  const wrong = wrongModelReason(evaluation);
  if (wrong) { return { ...base, applied: 'ask', withheld: `automation withheld: ${wrong}` }; }
  const why = withheldReason(evaluation.facts);
  if (why) { return { ...base, applied: 'ask', withheld: why }; }
  if (!t.pipeline) { return { ...base, applied: 'ask', withheld: 'automation withheld: no pipeline is named (the trigger\'s "pipeline" or retraining.pipeline in goals.json)' }; }
  return base;
}

/**
 * The pipeline run that already took on this evaluation's episode — one for the model that started at or after the
 * episode began (facts `schedule.lastPipelineRun` / `lastRetrain`; a failed or killed run does not count) — or
 * undefined. An automatic retrain runs once per episode: while the new version waits in staging, the same drift
 * must not start another run at every check.
 */
export function episodeHandledBy(evaluation: TriggerEvaluation): string | undefined {
  const schedule = obj(evaluation.facts.schedule);
  const run = schedule?.lastPipelineRun;
  const last = schedule?.lastRetrain;
  if (typeof run !== 'string' || typeof last !== 'string' || !evaluation.since) { return undefined; }
  return Date.parse(last) >= Date.parse(evaluation.since) ? run : undefined;
}
