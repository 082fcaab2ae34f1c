/**
 * Metric series: `metrics.jsonl`, one JSON object per line, appended by any number of writers.
 *
 * Reading tolerates damage instead of failing: an empty line is ignored; a line that is not valid JSON is reported
 * and skipped. One case is repaired rather than skipped: a writer killed in the middle of a line leaves a fragment
 * without a newline, and the next writer's whole line is then glued to it. The reader recovers that glued line by
 * taking the longest suffix that is a valid record, so an acknowledged point is never lost to another's crash.
 */
import * as fs from 'node:fs';
import { promises as fsp, constants as fsc } from 'node:fs';
import type { MetricPointRecord } from './schemas';
import { MlopsError } from '../errors';
import { textProblem } from './ids';
import { NOFOLLOW } from './fsutil';

/** A metric point as used in memory: `value` is a number (NaN and ±Infinity included). */
export interface MetricPoint {
  name: string;
  step: number;
  value: number;
  timestamp: number;
}

export interface MetricInput {
  name: string;
  value: number;
  step?: number;
  timestamp?: number;
}

export interface MetricLineProblem {
  line: number;
  reason: string;
}

export function encodeValue(v: number): MetricPointRecord['value'] {
  if (Number.isNaN(v)) { return 'NaN'; }
  if (v === Infinity) { return 'Infinity'; }
  if (v === -Infinity) { return '-Infinity'; }
  return v;
}

export function validateMetricInput(m: MetricInput): string | undefined {
  const p = textProblem(m.name, 'metric name');
  if (p) { return p; }
  if (typeof m.value !== 'number') { return `metric '${m.name}' has a non-numeric value`; }
  if (m.step !== undefined && !(Number.isInteger(m.step) && m.step >= 0)) {
    return `metric '${m.name}' step must be a whole number ≥ 0, got ${String(m.step)}`;
  }
  if (m.step !== undefined && m.step > Number.MAX_SAFE_INTEGER) {
    return `metric '${m.name}' step ${String(m.step)} is above 2^53 − 1 (${Number.MAX_SAFE_INTEGER}), the largest whole number a 64-bit float holds exactly`;
  }
  if (m.timestamp !== undefined && !(Number.isFinite(m.timestamp) && m.timestamp >= 0)) {
    return `metric '${m.name}' timestamp must be milliseconds since the epoch`;
  }
  return undefined;
}

/** Serialises points to lines (no trailing newline), validating each. */
export function encodeMetricLines(points: readonly MetricInput[], now = Date.now()): string[] {
  return points.map((m) => {
    const problem = validateMetricInput(m);
    if (problem) { throw new MlopsError(problem); }
    const rec: MetricPointRecord = { name: m.name, step: m.step ?? 0, value: encodeValue(m.value), timestamp: m.timestamp ?? now };
    return JSON.stringify(rec);
  });
}

function parseRecord(text: string): MetricPoint | undefined {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch { return undefined; }
  // The checks of MetricPointSchema, written out: this runs once per line of files with millions of lines, and
  // building zod's result object per line costs more than the JSON parse itself. A unit test keeps both in step.
  if (typeof raw !== 'object' || raw === null) { return undefined; }
  const r = raw as Record<string, unknown>;
  const { name, step, value, timestamp } = r;
  if (typeof name !== 'string' || name.length < 1 || name.length > 200) { return undefined; }
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) { return undefined; }
  if (typeof timestamp !== 'number' || !(timestamp >= 0)) { return undefined; }
  let v: number;
  if (typeof value === 'number') { v = value; } else if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') { v = Number(value); } else { return undefined; }
  return { name, step, value: v, timestamp };
}

/** Whether a parsed line is a valid record (exported for the test that keeps parseRecord and the schema in step). */
export function isMetricRecord(text: string): boolean {
  return parseRecord(text) !== undefined;
}

/**
 * Parses metrics.jsonl text: a whole file, or a run of whole lines from it (`firstLine` numbers them). Text that does
 * not end in a newline ends in a torn line.
 */
export function parseMetricLines(text: string, firstLine = 1): { points: MetricPoint[]; problems: MetricLineProblem[] } {
  const points: MetricPoint[] = [];
  const problems: MetricLineProblem[] = [];
  let lineNo = firstLine - 1;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    const torn = end === -1;
    if (torn) { end = text.length; }
    lineNo++;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line.length === 0) { continue; }
    const p = parseRecord(line);
    if (p) { points.push(p); continue; }
    // A fragment glued to a whole record: recover the record from the last '{"' that parses.
    let recovered: MetricPoint | undefined;
    for (let i = line.lastIndexOf('{"'); i > 0 && !recovered; i = line.lastIndexOf('{"', i - 1)) {
      recovered = parseRecord(line.slice(i));
    }
    if (recovered) {
      points.push(recovered);
      problems.push({ line: lineNo, reason: 'a torn fragment from an interrupted writer precedes a record here; the record was recovered, the fragment skipped' });
    } else if (torn) {
      problems.push({ line: lineNo, reason: 'the last line is incomplete (a writer was interrupted); it was skipped' });
    } else {
      problems.push({ line: lineNo, reason: 'not a valid metric record; skipped' });
    }
  }
  return { points, problems };
}

/** Bytes read at a time by the streaming reader: memory stays bounded whatever the file's size. */
export const METRIC_CHUNK_BYTES = 4 << 20;

/** Where a streaming read ended: `end` is the byte offset after the last whole line, `lines` how many it passed. */
export interface MetricReadResult {
  end: number;
  lines: number;
  problems: MetricLineProblem[];
  size: number;
  ino: number;
}

/**
 * Turns chunks of metrics.jsonl bytes into points, one run of whole lines at a time. Splitting at a newline byte
 * never splits a UTF-8 sequence, so each run decodes on its own; a line cut by a chunk boundary waits for the next.
 */
class MetricChunkParser {
  private carry: Buffer = Buffer.alloc(0);
  readonly problems: MetricLineProblem[] = [];

  constructor(private readonly onPoints: (points: MetricPoint[]) => void, public end: number, public lines: number) {}

  push(bytes: Buffer): void {
    const chunk = this.carry.length ? Buffer.concat([this.carry, bytes]) : bytes;
    const nl = chunk.lastIndexOf(0x0a);
    if (nl < 0) { this.carry = Buffer.from(chunk); return; }
    this.take(chunk.toString('utf8', 0, nl + 1));
    this.end += nl + 1;
    this.lines += countNewlines(chunk, nl + 1);
    this.carry = Buffer.from(chunk.subarray(nl + 1));
  }

  /** With `final`, a last line without its newline is parsed (and reported as torn); else it is left unread. */
  finish(final: boolean): void {
    if (final && this.carry.length) { this.take(this.carry.toString('utf8')); }
  }

  private take(text: string): void {
    const r = parseMetricLines(text, this.lines + 1);
    for (const p of r.problems) { this.problems.push(p); }
    if (r.points.length) { this.onPoints(r.points); }
  }
}

function countNewlines(b: Buffer, upTo: number): number {
  let n = 0;
  for (let i = b.indexOf(0x0a); i >= 0 && i < upTo; i = b.indexOf(0x0a, i + 1)) { n++; }
  return n;
}

export interface MetricReadOptions {
  /** Byte offset to start at (a line boundary from an earlier read's `end`). */
  from?: number;
  /** Number of the first line read (for problem messages). */
  firstLine?: number;
  /** Parse a last line that has no newline yet (default true); false leaves it for the next read. */
  final?: boolean;
  chunkBytes?: number;
}

/**
 * Reads a metrics.jsonl file as a stream, handing the points of each chunk of whole lines to `onPoints`, so that a
 * file of any size (one JavaScript string stops at ~512 MB) is read in bounded memory. Opens with O_NOFOLLOW: a link
 * is an error (ELOOP) for the caller to report.
 */
export async function readMetricFile(file: string, onPoints: (points: MetricPoint[]) => void, opts: MetricReadOptions = {}): Promise<MetricReadResult> {
  const fh = await fsp.open(file, fsc.O_RDONLY | NOFOLLOW);
  try {
    const st = await fh.stat();
    const parser = new MetricChunkParser(onPoints, opts.from ?? 0, (opts.firstLine ?? 1) - 1);
    // No bigger than what is left to read: a small file must not cost a 4 MB buffer.
    const buf = Buffer.allocUnsafe(Math.max(16, Math.min(opts.chunkBytes ?? METRIC_CHUNK_BYTES, st.size - (opts.from ?? 0) + 1)));
    for (let pos = opts.from ?? 0; ;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) { break; }
      pos += bytesRead;
      parser.push(buf.subarray(0, bytesRead));
    }
    parser.finish(opts.final !== false);
    return { end: parser.end, lines: parser.lines, problems: parser.problems, size: st.size, ino: st.ino };
  } finally {
    await fh.close();
  }
}

/** The same as `readMetricFile`, synchronously (for the run catalog, which reads many small files in one pass). */
export function readMetricFileSync(file: string, onPoints: (points: MetricPoint[]) => void, opts: MetricReadOptions = {}): MetricReadResult {
  const fd = fs.openSync(file, fsc.O_RDONLY | NOFOLLOW);
  try {
    const st = fs.fstatSync(fd);
    const parser = new MetricChunkParser(onPoints, opts.from ?? 0, (opts.firstLine ?? 1) - 1);
    const buf = Buffer.allocUnsafe(Math.max(16, Math.min(opts.chunkBytes ?? METRIC_CHUNK_BYTES, st.size - (opts.from ?? 0) + 1)));
    for (let pos = opts.from ?? 0; ;) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) { break; }
      pos += n;
      parser.push(buf.subarray(0, n));
    }
    parser.finish(opts.final !== false);
    return { end: parser.end, lines: parser.lines, problems: parser.problems, size: st.size, ino: st.ino };
  } finally {
    fs.closeSync(fd);
  }
}

export interface MetricSummary {
  name: string;
  count: number;
  last: number;
  lastStep: number;
  lastTimestamp: number;
  min: number;
  max: number;
}

/**
 * Last/min/max per metric. "Last" is the point with the highest step (ties: the later timestamp, then the later
 * line), so points appended out of order by parallel workers still give the right last value. NaN points count
 * but do not become min or max.
 */
export function summarizeMetrics(points: readonly MetricPoint[]): Map<string, MetricSummary> {
  return foldMetrics(new Map(), points);
}

/** Folds more points into existing summaries (used for incremental reads of a growing file). */
export function foldMetrics(into: Map<string, MetricSummary>, points: readonly MetricPoint[]): Map<string, MetricSummary> {
  for (const p of points) {
    let s = into.get(p.name);
    if (!s) {
      s = { name: p.name, count: 0, last: p.value, lastStep: p.step, lastTimestamp: p.timestamp, min: NaN, max: NaN };
      into.set(p.name, s);
    }
    s.count++;
    if (p.step > s.lastStep || (p.step === s.lastStep && p.timestamp >= s.lastTimestamp)) {
      s.last = p.value; s.lastStep = p.step; s.lastTimestamp = p.timestamp;
    }
    if (!Number.isNaN(p.value)) {
      if (Number.isNaN(s.min) || p.value < s.min) { s.min = p.value; }
      if (Number.isNaN(s.max) || p.value > s.max) { s.max = p.value; }
    }
  }
  return into;
}
