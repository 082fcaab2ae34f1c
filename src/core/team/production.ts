/**
 * The one rule for "two versions in production" (pure, no I/O), used by the team core (findTeamConflicts, the gate)
 * and by the editor (the Models view, Set Model Stage) so both always agree.
 *
 * A model may have several versions in production on purpose: `--keep-production` (setStage with archiveExisting
 * false) records in the promoted version's history entry the production versions it joined (`alongside: [1]`). Two
 * production versions are a conflict only when neither's production entry names the other: what a merge of two
 * promotions made on two machines leaves (each side archived the old one and promoted its own).
 */
import type { ModelVersion } from '../store/schemas';
import { multipleProductionMessage } from './text';
import type { TeamConflict } from './types';

/** The production versions the version's latest move to production was made alongside (none recorded: empty). */
function alongsideOf(v: ModelVersion): number[] {
  for (let i = v.stageHistory.length - 1; i >= 0; i--) {
    const entry = v.stageHistory[i];
    if (entry.stage === 'production') { return entry.alongside ?? []; }
  }
  return [];
}

/**
 * The multipleProduction conflict of one model's versions, or undefined: the production versions of a pair neither
 * of which was promoted alongside the other, ascending.
 */
export function productionConflict(model: string, versions: readonly ModelVersion[]): Extract<TeamConflict, { kind: 'multipleProduction' }> | undefined {
  const production = versions.filter((v) => v.model === model && v.stage === 'production').sort((a, b) => a.version - b.version);
  const unexplained = new Set<number>();
  for (let i = 0; i < production.length; i++) {
    for (let j = i + 1; j < production.length; j++) {
      const [a, b] = [production[i], production[j]];
      if (alongsideOf(a).includes(b.version) || alongsideOf(b).includes(a.version)) { continue; }
      unexplained.add(a.version).add(b.version);
    }
  }
  if (unexplained.size < 2) { return undefined; }
  const sorted = [...unexplained].sort((a, b) => a - b);
  return { kind: 'multipleProduction', model, versions: sorted, message: multipleProductionMessage(sorted) };
}

/** productionConflict of every model among the versions, by model name. */
export function productionConflicts(versions: readonly ModelVersion[]): TeamConflict[] {
  const models = [...new Set(versions.filter((v) => v.stage === 'production').map((v) => v.model))].sort((a, b) => a.localeCompare(b));
  return models.map((m) => productionConflict(m, versions)).filter((c): c is NonNullable<typeof c> => c !== undefined);
}
