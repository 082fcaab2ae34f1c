/**
 * Metric summaries (last/min/max per metric) per run, kept up to date incrementally by the run catalog: when a
 * running run's metrics.jsonl grows, only the appended bytes are read and folded in; a file that shrank or was
 * replaced is read again from the start. Summaries persist in the catalog's cache, so a restart reads nothing that
 * has not changed. This is what keeps a live tree cheap while training scripts append thousands of points.
 */
import type { RunCatalog } from './catalog';
import type { MetricSummary } from './metrics';

export class MetricSummaryCache {
  private readonly pending = new Map<string, Promise<Map<string, MetricSummary>>>();
  private readonly followUp = new Map<string, Promise<Map<string, MetricSummary>>>();

  constructor(private readonly catalog: RunCatalog) {}

  /** The cached summaries, without touching the disk (undefined when never loaded). */
  peek(runId: string): Map<string, MetricSummary> | undefined {
    return this.catalog.peekSummaries(runId);
  }

  /** Summaries brought up to date with the file (reads only what was appended since the last call). */
  get(runId: string): Promise<Map<string, MetricSummary>> {
    const inflight = this.pending.get(runId);
    if (inflight) {
      // The read under way may have passed the end of the file before what this caller saw was appended: one
      // follow-up read after it, shared by every caller that arrives meanwhile.
      let next = this.followUp.get(runId);
      if (!next) {
        next = inflight.catch(() => undefined).then(() => { this.followUp.delete(runId); return this.get(runId); });
        this.followUp.set(runId, next);
      }
      return next;
    }
    // Read asynchronously: a metrics file of millions of lines must not block the extension host.
    const p = this.catalog.summariesAsync(runId)
      .then((s) => { this.catalog.saveSoon(); return s; })
      .finally(() => this.pending.delete(runId));
    this.pending.set(runId, p);
    return p;
  }

  forget(runId: string): void {
    this.catalog.forgetSummaries(runId);
  }
}
