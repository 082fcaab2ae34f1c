/**
 * A run's metrics reduced to what Compare Runs shows of them: last/min/max per metric and each curve downsampled to
 * at most `maxPoints` points, with every peak and dip kept.
 */
import { summarizeMetrics, type MetricPoint, type MetricSummary } from '../store/metrics';
import type { Series } from './types';

/** Slice metrics: `accuracy@fold=1` → metric `accuracy`, slice key `fold`, slice `1`. */
export const SLICE = /^(.+)@([^=@]+)=(.+)$/;

/** Series longer than this are downsampled (min and max per bucket, so peaks and dips survive). */
export const MAX_POINTS = 1000;

/**
 * Min/max per bucket: the series is cut into `max/2` buckets of consecutive points; from each the lowest and the
 * highest point are kept (in x order), plus the first and the last point. Every extreme of the original
 * survives, which averaging or plain striding would lose.
 */
export function downsampleMinMax(_xs: readonly number[], ys: readonly number[], max = MAX_POINTS): number[] {
  return downsampleIndices(ys.length, (i) => ys[i], max);
}

/** The same over an accessor, so a series can be reduced without copying it first. Non-finite values are skipped. */
export function downsampleIndices(n: number, y: (i: number) => number, max = MAX_POINTS): number[] {
  const finite: number[] = [];
  if (n <= max) {
    for (let i = 0; i < n; i++) { if (Number.isFinite(y(i))) { finite.push(i); } }
    return finite;
  }
  const buckets = Math.max(1, Math.floor((max - 2) / 2));
  const size = (n - 2) / buckets;
  const keep: number[] = [];
  if (Number.isFinite(y(0))) { keep.push(0); }
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor(b * size);
    const to = Math.min(n - 1, 1 + Math.floor((b + 1) * size));
    let lo = -1;
    let hi = -1;
    let loV = Infinity;
    let hiV = -Infinity;
    for (let i = from; i < to; i++) {
      const v = y(i);
      if (v < loV) { loV = v; lo = i; }
      if (v > hiV) { hiV = v; hi = i; }
    }
    if (lo < 0) { continue; }
    if (lo === hi) { keep.push(lo); } else { keep.push(Math.min(lo, hi), Math.max(lo, hi)); }
  }
  if (Number.isFinite(y(n - 1))) { keep.push(n - 1); }
  return keep;
}

/** One run's points of one metric as a series: by step, the latest point per step, finite values only. */
export function toSeries(points: readonly MetricPoint[], max = MAX_POINTS): Series {
  // Usually points come one per step in step order: then no map, sort or copy is needed.
  let ordered = true;
  for (let i = 1; i < points.length && ordered; i++) { ordered = points[i].step > points[i - 1].step; }
  let sorted: readonly MetricPoint[] = points;
  if (!ordered) {
    const byStep = new Map<number, MetricPoint>();
    for (const p of points) {
      const prev = byStep.get(p.step);
      if (!prev || p.timestamp >= prev.timestamp) { byStep.set(p.step, p); }
    }
    sorted = [...byStep.values()].sort((a, b) => a.step - b.step);
  }
  let t0 = Infinity;
  for (const p of sorted) { if (p.timestamp < t0) { t0 = p.timestamp; } }
  const keep = downsampleIndices(sorted.length, (i) => sorted[i].value, max);
  return {
    steps: keep.map((i) => sorted[i].step),
    values: keep.map((i) => round(sorted[i].value)),
    seconds: keep.map((i) => Math.round((sorted[i].timestamp - t0) / 100) / 10),
    total: points.length,
  };
}

/** 7 significant digits: enough for any chart or table, and a much smaller message. */
export function round(v: number): number {
  return Number(v.toPrecision(7));
}

/** Summaries of every metric and the downsampled curve of every metric that is not a slice metric. */
export interface ReducedMetrics {
  summaries: Map<string, MetricSummary>;
  series: Map<string, Series>;
}

export function reduceMetrics(points: readonly MetricPoint[], maxPoints = MAX_POINTS): ReducedMetrics {
  const byName = new Map<string, MetricPoint[]>();
  for (const p of points) { let a = byName.get(p.name); if (!a) { a = []; byName.set(p.name, a); } a.push(p); }
  const series = new Map<string, Series>();
  for (const [name, pts] of byName) { if (!SLICE.test(name)) { series.set(name, toSeries(pts, maxPoints)); } }
  return { summaries: summarizeMetrics(points), series };
}
