/**
 * Promotion through the gate, shared by `mlops model promote` and Set Model Stage: a stage that is gated (production
 * always, staging when goals.json says so) runs the gate first; a required check that fails or could not be checked
 * refuses the change unless it is waived with a written reason. Who changed the stage, the waivers and the gate's
 * result go into the version's stageHistory, so the decision can be read back later (the model card shows it).
 */
import { MlopsError } from '../errors';
import { emptyGoals } from '../goals';
import type { ModelStage, ModelVersion } from '../store/schemas';
import type { StageRecord } from '../store/models';
import type { Store } from '../store/store';
import { runGate, type GateOptions } from './gate';
import { applyWaivers, gateRecordOf, isGateCheck, type Actor, type GateCheckId, type GateResult, type Waiver } from './types';

export interface PromoteOptions extends Omit<GateOptions, 'commit' | 'recordedWaivers'> {
  stage: ModelStage;
  /** Failed checks to let through, each with its written reason. */
  waivers?: Waiver[];
  /** Archive the versions in production (default when promoting to production). */
  archiveExisting?: boolean;
  /** Who is promoting (git user.name / user.email); recorded in stageHistory. */
  by: Actor;
}

export type PromoteOutcome =
  | { promoted: true; version: ModelVersion; archived: ModelVersion[]; gate?: GateResult; unusedWaivers: GateCheckId[] }
  | { promoted: false; gate: GateResult; unusedWaivers: GateCheckId[] };

/** Checks waivers before anything runs: known checks, one reason each, a reason that says something. */
export function validateWaivers(waivers: readonly Waiver[]): Waiver[] {
  const seen = new Set<string>();
  const out: Waiver[] = [];
  for (const w of waivers) {
    if (!isGateCheck(w.check)) { throw new MlopsError(`cannot waive '${String(w.check)}': not a gate check (checks: goals, constraints, slices, lineage, dependencies, notebooks, budget, reproduced)`, 'invalid-input'); }
    // One line of plain text: control characters (a lone CR breaks Markdown tables in CI summaries) become spaces.
    // eslint-disable-next-line no-control-regex
    const reason = w.reason.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
    if (reason.length < 3) { throw new MlopsError(`a waiver of '${w.check}' needs a written reason (a sentence saying why it may go through)`, 'invalid-input'); }
    if (reason.length > 2000) { throw new MlopsError('a waiver reason has at most 2000 characters', 'invalid-input'); }
    if (seen.has(w.check)) { throw new MlopsError(`'${w.check}' is waived twice`, 'invalid-input'); }
    seen.add(w.check);
    out.push({ check: w.check, reason });
  }
  return out;
}

/** Whether moving to `stage` runs the gate (production always; others when goals.json's `gate.stages` lists them). */
export async function isGatedStage(store: Store, stage: ModelStage): Promise<boolean> {
  if (stage === 'production') { return true; }
  if (stage === 'none' || stage === 'archived') { return false; }
  const read = await store.goals.read().catch(() => undefined);
  const gate = (read?.doc.goals ?? emptyGoals()).gate;
  // A gate section with errors is not read; staging is then gated rather than silently let through.
  return gate.stages.includes(stage) || (gate.invalid === true && stage === 'staging');
}

/** Runs the gate when the stage is gated, then promotes — or refuses, leaving every file as it was. */
export async function promoteModel(store: Store, model: string, version: number, opts: PromoteOptions): Promise<PromoteOutcome> {
  const waivers = validateWaivers(opts.waivers ?? []);
  await store.readModelVersion(model, version); // a clear "no such version" first
  if (!(await isGatedStage(store, opts.stage))) {
    if (waivers.length) { throw new MlopsError(`'${opts.stage}' is not a gated stage, so there is nothing to waive`, 'invalid-input'); }
    const r = await store.setModelStage(model, version, opts.stage, { archiveExisting: opts.archiveExisting, record: { by: opts.by } });
    return { promoted: true, ...r, unusedWaivers: [] };
  }
  // A promotion is a new decision: waivers recorded by an earlier promotion do not carry over (they would be applied
  // but not written into the new entry, and the record would show a waiver with nobody's reason).
  const raw = await runGate(store, model, version, { ...opts, stage: opts.stage, recordedWaivers: false, commit: undefined });
  const { result, unused } = applyWaivers(raw, waivers);
  if (!result.passed) { return { promoted: false, gate: result, unusedWaivers: unused }; }
  const used = waivers.filter((w) => !unused.includes(w.check));
  const r = await store.setModelStage(model, version, opts.stage, { archiveExisting: opts.archiveExisting, record: { ...gateRecordOf(result, opts.by, used) } satisfies StageRecord });
  return { promoted: true, ...r, gate: result, unusedWaivers: unused };
}
