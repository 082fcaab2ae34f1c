// The one place `runs list` gets its rows from. Today: every run.json and a summary of each metrics.jsonl; the run
// catalog (a cached index validated by stat) will replace this body without any other CLI code changing.
import { mapLimit, summarizeMetrics, type Store, type StoreProblem } from '../core';
import type { RunRow } from '../core/query';

export interface RunRowsOptions {
  /** Only the runs of this experiment. */
  experiment?: string;
}

/** Runs (newest first) with their metric summaries, and every file that could not be read. */
export async function loadRunRows(store: Store, opts: RunRowsOptions = {}): Promise<{ rows: RunRow[]; problems: StoreProblem[] }> {
  const { items, problems } = await store.listRuns({ experiment: opts.experiment });
  const read = await mapLimit(items, 16, async (run) => ({ run, read: await store.readMetrics(run.id) }));
  const rows: RunRow[] = [];
  for (const { run, read: m } of read) {
    problems.push(...m.problems);
    rows.push({ run, metrics: summarizeMetrics(m.points) });
  }
  return { rows, problems };
}
