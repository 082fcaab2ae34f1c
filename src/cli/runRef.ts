// A run named on the command line: an id, a unique id prefix, or a unique run name.
import { MlopsError, isMlopsError, type Run, type Store } from '../core';

const ID_PREFIX = /^[0-9A-HJKMNP-TV-Z]{4,26}$/i;

/**
 * The id of the run `ref` names. An id or unique id prefix wins; otherwise the run whose name is exactly `ref`
 * (within `experiment` when given). An ambiguous name lists the candidates.
 */
export async function resolveRunRef(store: Store, ref: string, experiment?: string): Promise<string> {
  if (ID_PREFIX.test(ref.trim())) {
    try {
      return await store.resolveRunId(ref);
    } catch (e) {
      if (!(isMlopsError(e) && e.kind === 'not-found')) { throw e; }
    }
  }
  const { items } = await store.listRuns({ experiment });
  return pickByName(items, ref, experiment, 'run');
}

/** The one run of `runs` named `ref`; used for runs in the store and in the trash alike. */
export function pickByName(runs: readonly Run[], ref: string, experiment: string | undefined, what: string): string {
  const named = runs.filter((r) => r.name === ref);
  if (named.length === 1) { return named[0].id; }
  if (named.length > 1) {
    const list = named.slice(0, 8).map((r) => `${r.id} (experiment '${r.experiment}', ${r.status})`).join(', ');
    throw new MlopsError(`${named.length} ${what}s are named '${ref}': ${list}${named.length > 8 ? ', …' : ''}; pass --experiment E or an id`);
  }
  throw new MlopsError(`no ${what} with id starting '${ref}' or named so${experiment ? ` in experiment '${experiment}'` : ''}`, 'not-found');
}
