// The one place `runs list` gets its rows from: the run catalog (`.mlops/cache/runs-v1.json`, validated by a stat of
// every run.json and metrics.jsonl), so a listing reads only what changed since the last one.
import * as path from 'node:path';
import { RunCatalog, messageOf, type Store, type StoreProblem } from '../core';
import type { RunRow } from '../core/query';

export interface RunRowsOptions {
  /** Only the runs of this experiment. */
  experiment?: string;
}

/** Runs (newest first) with their metric summaries, and every file that could not be read. */
export function loadRunRows(store: Store, opts: RunRowsOptions = {}): Promise<{ rows: RunRow[]; problems: StoreProblem[] }> {
  const catalog = RunCatalog.open(store);
  catalog.refresh();
  const problems = catalog.problems();
  const rows: RunRow[] = [];
  for (const run of catalog.list(opts.experiment)) {
    try {
      rows.push({ run, metrics: catalog.summaries(run.id) });
      const bad = catalog.badMetricLines(run.id);
      if (bad) { problems.push({ file: store.rel(path.join(store.runDir(run.id), 'metrics.jsonl')), reason: `${bad} line${bad === 1 ? ' is' : 's are'} not valid metric records; skipped` }); }
    } catch (e) {
      rows.push({ run, metrics: new Map() });
      problems.push({ file: store.rel(store.metricsFile(run.id)), reason: messageOf(e) });
    }
  }
  // A cache that cannot be written (a read-only checkout) only costs speed: the listing itself is complete.
  catalog.save();
  return Promise.resolve({ rows, problems });
}
