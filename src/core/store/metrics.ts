/**
 * Metric series: `metrics.jsonl`, one JSON object per line, appended by any number of writers.
 *
 * Reading tolerates damage instead of failing: an empty line is ignored; a line that is not valid JSON is reported
 * and skipped. One case is repaired rather than skipped: a writer killed in the middle of a line leaves a fragment
 * without a newline, and the next writer's whole line is then glued to it. The reader recovers that glued line by
 * taking the longest suffix that is a valid record, so an acknowledged point is never lost to another's crash.
 */
import type { MetricPointRecord } from './schemas';
import { MlopsError } from '../errors';
import { textProblem } from './ids';

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

/** Parses a whole metrics.jsonl text. */
export function parseMetricLines(text: string): { points: MetricPoint[]; problems: MetricLineProblem[] } {
  const points: MetricPoint[] = [];
  const problems: MetricLineProblem[] = [];
  let lineNo = 0;
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
