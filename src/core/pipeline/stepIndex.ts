/**
 * "The last finished run of this step" without reading every run.json on each plan: a small index in
 * `.mlops/cache/pipeline-steps.json` of the run ids it has seen, the runs it could not judge yet (still running, or
 * unreadable), and per pipeline step the newest finished run with its fingerprint and output hashes.
 *
 * Runs are the truth: on load the index is checked against the listing of `.mlops/runs/` (one readdir); runs that
 * appeared since (another process, a git pull) are read, runs still pending are read again, and a removed run that
 * was some step's newest sends the index to a full rebuild. The planner reads the chosen run itself once more before
 * trusting it, so a hand-edited run.json cannot make a step look up to date.
 */
import type { Store } from '../store/store';
import type { Run } from '../store/schemas';
import { mapLimit } from '../store/fsutil';
import { readCacheFile, writeCacheFile } from '../store/cacheDir';

const INDEX_FILE = 'pipeline-steps.json';

/** A finished step run as the index keeps it. */
export interface StepRecord {
  runId: string;
  fingerprint?: string;
  /** Output path (workspace-relative) → content hash, as the step left them. */
  outputHashes: Record<string, string>;
}

interface IndexFile {
  formatVersion: 1;
  ids: string[];
  pending: string[];
  steps: Record<string, StepRecord>;
}

const keyOf = (pipeline: string, step: string): string => `${pipeline}\u0000${step}`;

/** The output hashes a step run recorded (`run.pipeline.outputHashes`, written by the runner). */
export function outputHashesOf(run: Run): Record<string, string> {
  const raw = (run.pipeline as { outputHashes?: unknown } | undefined)?.outputHashes;
  const out: Record<string, string> = {};
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw)) { if (typeof v === 'string') { out[k] = v; } }
  }
  return out;
}

export class StepIndex {
  private changed = false;

  private constructor(private readonly store: Store, private data: IndexFile) {}

  /** Loads the index and brings it up to date with the runs folder; writes nothing. */
  static async load(store: Store): Promise<StepIndex> {
    let data: IndexFile | undefined;
    const text = readCacheFile(store.dir, INDEX_FILE);
    if (text) {
      try {
        const parsed = JSON.parse(text) as Partial<IndexFile>;
        if (parsed.formatVersion === 1 && Array.isArray(parsed.ids) && Array.isArray(parsed.pending) && parsed.steps && typeof parsed.steps === 'object') {
          data = parsed as IndexFile;
        }
      } catch { /* a damaged index is rebuilt */ }
    }
    const index = new StepIndex(store, data ?? { formatVersion: 1, ids: [], pending: [], steps: {} });
    await index.sync(data === undefined);
    return index;
  }

  private async sync(rebuild: boolean): Promise<void> {
    const { ids } = await this.store.listRunIds();
    const now = new Set(ids);
    const known = new Set(this.data.ids);
    const removed = this.data.ids.filter((id) => !now.has(id));
    const chosen = new Set(Object.values(this.data.steps).map((s) => s.runId));
    if (rebuild || removed.some((id) => chosen.has(id))) {
      this.data = { formatVersion: 1, ids: [], pending: [], steps: {} };
      known.clear();
    }
    const toRead = [...ids.filter((id) => !known.has(id)), ...this.data.pending.filter((id) => now.has(id) && known.has(id))];
    if (removed.length || toRead.length) { this.changed = true; }
    const pending: string[] = [];
    const runs = await mapLimit(toRead, 32, async (id) => ({ id, parsed: await this.store.readRunParsed(id) }));
    for (const { id, parsed } of runs) {
      if (!parsed.ok) { pending.push(id); continue; }
      if (parsed.value.status === 'running') { pending.push(id); continue; }
      this.consider(parsed.value);
    }
    this.data.ids = ids.slice().sort();
    this.data.pending = pending.sort();
  }

  private consider(run: Run): void {
    const p = run.pipeline;
    if (!p?.step || run.status !== 'finished') { return; }
    const key = keyOf(p.name, p.step);
    const current = this.data.steps[key];
    if (current && current.runId > run.id) { return; }
    this.data.steps[key] = { runId: run.id, ...(p.fingerprint ? { fingerprint: p.fingerprint } : {}), outputHashes: outputHashesOf(run) };
    this.changed = true;
  }

  /** Runs that were still running (or unreadable) when last read: the only ones that can be abandoned. */
  pendingRuns(): readonly string[] {
    return this.data.pending;
  }

  /** The newest finished run of a pipeline's step, as indexed. */
  last(pipeline: string, step: string): StepRecord | undefined {
    return this.data.steps[keyOf(pipeline, step)];
  }

  /** A step run that just ended (the runner calls this so the next plan does not have to read it). */
  record(run: Run): void {
    if (!this.data.ids.includes(run.id)) { this.data.ids.push(run.id); this.data.ids.sort(); }
    this.data.pending = this.data.pending.filter((id) => id !== run.id);
    if (run.status === 'running') { this.data.pending.push(run.id); }
    this.consider(run);
    this.changed = true;
  }

  /** Writes the index when it changed; an index that cannot be written is simply rebuilt next time. */
  save(): void {
    if (!this.changed) { return; }
    try { writeCacheFile(this.store.dir, INDEX_FILE, JSON.stringify(this.data)); this.changed = false; } catch { /* not cached */ }
  }
}
