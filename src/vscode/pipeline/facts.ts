import type { Store } from '../../core';
import type { Facts, Pipeline } from '../../core/pipeline';

/**
 * The trigger facts a manual Run Pipeline… plans with (the conditions of the steps read them). Returns {} for now:
 * the lead wires `computeFacts(store, pipeline.doc.model)` from src/core/retrain here when it lands on this branch
 * (this is the editor's one integration point, like `factsFor` in src/cli/pipeline.ts).
 */
export function factsFor(_store: Store, _pipeline: Pipeline): Promise<Facts> {
  return Promise.resolve({});
}
