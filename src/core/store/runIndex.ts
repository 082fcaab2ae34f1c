/**
 * An in-memory index of every run's record, for list views and lookups by experiment, backed by the run catalog
 * (a machine-local cache validated against the disk on every build). Afterwards a single changed run is picked up
 * by `refresh(id)` without rescanning the store, which is what a file watcher calls.
 */
import type { StoreProblem } from './fsutil';
import { RunCatalog } from './catalog';
import type { Run } from './schemas';
import type { Store } from './store';

export class RunIndex {
  readonly catalog: RunCatalog;

  constructor(store: Store, catalog?: RunCatalog) {
    this.catalog = catalog ?? RunCatalog.open(store);
  }

  /** Validates every run against the disk (a stat each), reading only what changed, and saves the cache. */
  async build(): Promise<void> {
    await this.catalog.refreshAsync();
    this.catalog.save();
  }

  /**
   * Re-reads one run. Returns what happened: `changed` (added or updated), `removed` (its folder is gone) or
   * `problem` (the file exists but cannot be read; the previous good record, if any, is dropped and reported).
   */
  refresh(id: string): Promise<'changed' | 'removed' | 'problem'> {
    const r = this.catalog.refreshOne(id);
    this.catalog.saveSoon();
    return Promise.resolve(r === 'unchanged' ? 'changed' : r);
  }

  get(id: string): Run | undefined {
    return this.catalog.get(id);
  }

  get size(): number {
    return this.catalog.size;
  }

  /** All runs in no particular order (no copy, no sort). */
  values(): IterableIterator<Run> {
    return this.catalog.values();
  }

  /** Runs newest first, optionally of one experiment. */
  list(experiment?: string): Run[] {
    return this.catalog.list(experiment);
  }

  /** Experiment names that have runs, with their run counts. */
  experiments(): Map<string, number> {
    return this.catalog.experiments();
  }

  problems(): StoreProblem[] {
    return this.catalog.problems();
  }
}
