/**
 * One file store metric file, `mlruns/<exp>/<run>/metrics/<key>`: a line per point, `timestamp value [step
 * [dataset_name dataset_digest]]` separated by single spaces (MLflow splits on " " after stripping). Values are
 * Python floats as `str()` wrote them, `nan`, `inf` and `-inf` included. Files are read in chunks and never held
 * whole, so a long training curve costs only its summary.
 */
import { promises as fsp } from 'node:fs';
import { MLFLOW_MAX_FILE_BYTES, type MlflowMetricPoint, type MlflowMetricSummary } from './types';

const FLOAT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const INT = /^[-+]?\d+$/;

/** A Python float's text as a number; undefined when Python's `float()` would refuse it. */
export function parsePyFloat(s: string): number | undefined {
  if (FLOAT.test(s)) { return Number(s); }
  switch (s.toLowerCase()) {
    case 'nan': case '+nan': case '-nan': return NaN;
    case 'inf': case '+inf': case 'infinity': case '+infinity': return Infinity;
    case '-inf': case '-infinity': return -Infinity;
    default: return undefined;
  }
}

/** One line as a point, or why it is not one. */
export function parseMetricLine(line: string): MlflowMetricPoint | string {
  const parts = line.trim().split(' ');
  if (parts.length !== 2 && parts.length !== 3 && parts.length !== 5) {
    return `expected 2, 3 or 5 fields (timestamp value [step [dataset digest]]), found ${parts.length}`;
  }
  if (!INT.test(parts[0])) { return `timestamp "${clip(parts[0])}" is not an integer`; }
  const value = parsePyFloat(parts[1]);
  if (value === undefined) { return `value "${clip(parts[1])}" is not a number`; }
  if (parts.length >= 3 && !INT.test(parts[2])) { return `step "${clip(parts[2])}" is not an integer`; }
  const p: MlflowMetricPoint = { timestamp: Number(parts[0]), value, step: parts.length >= 3 ? Number(parts[2]) : 0 };
  if (parts.length === 5) { p.datasetName = parts[3]; p.datasetDigest = parts[4]; }
  return p;
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** Folds points into a summary: last = greatest (step, timestamp, value), the first one kept on ties (MLflow's max()). */
export class SummaryBuilder {
  count = 0;
  private last: MlflowMetricPoint | undefined;
  private min = NaN;
  private max = NaN;

  add(p: MlflowMetricPoint): void {
    this.count++;
    const l = this.last;
    if (!l || p.step > l.step || (p.step === l.step && (p.timestamp > l.timestamp || (p.timestamp === l.timestamp && p.value > l.value)))) {
      this.last = p;
    }
    if (!Number.isNaN(p.value)) {
      if (Number.isNaN(this.min) || p.value < this.min) { this.min = p.value; }
      if (Number.isNaN(this.max) || p.value > this.max) { this.max = p.value; }
    }
  }

  summary(key: string): MlflowMetricSummary | undefined {
    const l = this.last;
    if (!l) { return undefined; }
    return { key, count: this.count, last: l.value, lastStep: l.step, lastTimestamp: l.timestamp, min: this.min, max: this.max };
  }
}

export interface MetricFileResult {
  /** Why the whole file was skipped (too large, unreadable), if it was. */
  skipped?: string;
  /** The first bad line and how many there were; the good lines still count. */
  badLines?: string;
}

/**
 * Calls `onPoint` for every well-formed line of `file`, in file order. Bad lines are counted and the first one is
 * described; the rest of the file still counts.
 */
export async function readMetricFile(file: string, onPoint: (p: MlflowMetricPoint) => void, maxBytes = MLFLOW_MAX_FILE_BYTES): Promise<MetricFileResult> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, 'r');
  } catch (e) {
    return { skipped: `cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  try {
    const st = await fh.stat();
    if (st.size > maxBytes) {
      return { skipped: `${(st.size / 1024 / 1024).toFixed(0)} MiB is over the ${(maxBytes / 1024 / 1024).toFixed(0)} MiB limit for one file: skipped` };
    }
    const buf = Buffer.allocUnsafe(Math.min(Math.max(st.size, 1024), 1 << 20));
    let pending: Buffer | undefined;
    let lineNo = 0;
    let bad = 0;
    let firstBad = '';
    const onLine = (line: string): void => {
      lineNo++;
      if (line === '' || line === '\r') { return; }
      const p = parseMetricLine(line);
      if (typeof p === 'string') {
        if (bad++ === 0) { firstBad = `line ${lineNo}: ${p}`; }
      } else {
        onPoint(p);
      }
    };
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) { break; }
      // Cut at the last newline so a multi-byte character is never split across chunks.
      const lastNl = buf.lastIndexOf(10, bytesRead - 1);
      if (lastNl < 0) {
        const copy = Buffer.from(buf.subarray(0, bytesRead));
        pending = pending ? Buffer.concat([pending, copy]) : copy;
        continue;
      }
      const head = buf.subarray(0, lastNl);
      const text = (pending ? Buffer.concat([pending, head]) : head).toString('utf8');
      pending = lastNl + 1 < bytesRead ? Buffer.from(buf.subarray(lastNl + 1, bytesRead)) : undefined;
      let s = 0;
      for (;;) {
        const e = text.indexOf('\n', s);
        if (e < 0) { onLine(text.slice(s)); break; }
        onLine(text.slice(s, e));
        s = e + 1;
      }
    }
    if (pending) { onLine(pending.toString('utf8')); }
    return bad ? { badLines: bad === 1 ? `${firstBad}; skipped` : `${firstBad} (${bad} bad lines skipped)` } : {};
  } catch (e) {
    return { skipped: `cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  } finally {
    await fh.close();
  }
}
