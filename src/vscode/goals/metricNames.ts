// Metric names the goals editor checks against: every name some run in the store has logged.
import { mapLimit, type StoreState } from '../../core';

/**
 * Brings every run's metric summaries into memory (the tree loads them only for the rows it shows); runs already
 * loaded cost nothing, so calling this again after a change reads only the new runs. A run whose metrics cannot be
 * read is left out (the tree reports it).
 */
export async function loadAllMetricSummaries(state: StoreState): Promise<void> {
  const missing = state.runs.list().filter((r) => !state.metrics.peek(r.id)).map((r) => r.id);
  await mapLimit(missing, 8, (id) => state.metrics.get(id).then(() => undefined, () => undefined));
}
