/**
 * An in-memory index of every run's record, for list views and lookups by experiment. Built once by reading each
 * run.json; afterwards a single changed run is picked up by `refresh(id)` without rescanning the store, which is
 * what a file watcher calls.
 */
import type { StoreProblem } from './fsutil';
import type { Run } from './schemas';
import type { Store } from './store';

export class RunIndex {
  private readonly runs = new Map<string, Run>();
  private readonly problemsByFile = new Map<string, StoreProblem>();

  constructor(private readonly store: Store) {}

  /** Full (re)build from disk. */
  async build(): Promise<void> {
    const { items, problems } = await this.store.listRuns();
    this.runs.clear();
    this.problemsByFile.clear();
    for (const r of items) { this.runs.set(r.id, r); }
    for (const p of problems) { this.problemsByFile.set(p.file, p); }
  }

  /**
   * Re-reads one run. Returns what happened: `changed` (added or updated), `removed` (its folder is gone) or
   * `problem` (the file exists but cannot be read; the previous good record, if any, is dropped and reported).
   */
  async refresh(id: string): Promise<'changed' | 'removed' | 'problem'> {
    const file = this.store.rel(this.store.runFile(id));
    const parsed = await this.store.readRunParsed(id);
    if (parsed.ok) {
      this.runs.set(id, parsed.value);
      this.problemsByFile.delete(file);
      return 'changed';
    }
    this.runs.delete(id);
    if (parsed.missing) {
      this.problemsByFile.delete(file);
      return 'removed';
    }
    this.problemsByFile.set(file, parsed.problem);
    return 'problem';
  }

  get(id: string): Run | undefined {
    return this.runs.get(id);
  }

  get size(): number {
    return this.runs.size;
  }

  /** All runs in no particular order (no copy, no sort). */
  values(): IterableIterator<Run> {
    return this.runs.values();
  }

  /** Runs newest first, optionally of one experiment. */
  list(experiment?: string): Run[] {
    const out: Run[] = [];
    for (const r of this.runs.values()) { if (!experiment || r.experiment === experiment) { out.push(r); } }
    return out.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  /** Experiment names that have runs, with their run counts. */
  experiments(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.runs.values()) { out.set(r.experiment, (out.get(r.experiment) ?? 0) + 1); }
    return out;
  }

  problems(): StoreProblem[] {
    return [...this.problemsByFile.values()];
  }
}
