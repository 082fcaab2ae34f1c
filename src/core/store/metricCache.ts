/**
 * Metric summaries (last/min/max per metric) per run, kept up to date incrementally: when a running run's
 * metrics.jsonl grows, only the appended bytes are read and folded in. A file that shrank or was replaced is read
 * again from the start. This is what keeps a live tree cheap while training scripts append thousands of points.
 */
import { promises as fsp } from 'node:fs';
import { foldMetrics, parseMetricLines, type MetricSummary } from './metrics';
import { isErrno } from './fsutil';

interface Entry {
  /** Bytes consumed so far (always at a line boundary). */
  offset: number;
  ino: number;
  summaries: Map<string, MetricSummary>;
  problems: number;
}

export class MetricSummaryCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Map<string, MetricSummary>>>();

  constructor(private readonly fileOf: (runId: string) => string) {}

  /** The cached summaries, without touching the disk (undefined when never loaded). */
  peek(runId: string): Map<string, MetricSummary> | undefined {
    return this.entries.get(runId)?.summaries;
  }

  /** Summaries brought up to date with the file (reads only what was appended since the last call). */
  get(runId: string): Promise<Map<string, MetricSummary>> {
    const inflight = this.pending.get(runId);
    if (inflight) { return inflight; }
    const p = this.update(runId).finally(() => this.pending.delete(runId));
    this.pending.set(runId, p);
    return p;
  }

  forget(runId: string): void {
    this.entries.delete(runId);
  }

  private async update(runId: string): Promise<Map<string, MetricSummary>> {
    const file = this.fileOf(runId);
    let fh;
    try {
      fh = await fsp.open(file, 'r');
    } catch (e) {
      if (isErrno(e, 'ENOENT')) { const empty = new Map<string, MetricSummary>(); this.entries.set(runId, { offset: 0, ino: 0, summaries: empty, problems: 0 }); return empty; }
      throw e;
    }
    try {
      const st = await fh.stat();
      let entry = this.entries.get(runId);
      if (!entry || st.ino !== entry.ino || st.size < entry.offset) {
        entry = { offset: 0, ino: st.ino, summaries: new Map(), problems: 0 };
        this.entries.set(runId, entry);
      }
      if (st.size === entry.offset) { return entry.summaries; }
      const buf = Buffer.alloc(st.size - entry.offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, entry.offset);
      const chunk = buf.subarray(0, bytesRead);
      // Only whole lines: a line still being written is read next time.
      const lastNl = chunk.lastIndexOf(0x0a);
      if (lastNl < 0) { return entry.summaries; }
      const { points, problems } = parseMetricLines(chunk.subarray(0, lastNl + 1).toString('utf8'));
      entry.offset += lastNl + 1;
      entry.problems += problems.length;
      foldMetrics(entry.summaries, points);
      return entry.summaries;
    } finally {
      await fh.close();
    }
  }
}
