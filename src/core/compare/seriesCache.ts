/**
 * The reduced metrics of finished runs never change, so they are cached in `.mlops/cache/series/<run id>.json`,
 * keyed by the metrics.jsonl signature (size, mtime, ctime, inode) and the point budget: opening Compare on 20 runs of
 * 100,000 points then reads 20 small files instead of 2,000,000 lines. A run still being written has another
 * signature at every look and is reduced again from its file.
 */
import * as fs from 'node:fs';
import { messageOf } from '../errors';
import { encodeValue, type MetricSummary } from '../store/metrics';
import { readCacheFile, writeCacheFile } from '../store/cacheDir';
import type { Store } from '../store/store';
import type { StoreProblem } from '../store/fsutil';
import { MAX_POINTS, reduceMetrics, type ReducedMetrics } from './reduce';
import type { Series } from './types';

const CACHE_VERSION = 1;
type Enc = number | 'NaN' | 'Infinity' | '-Infinity';

interface CachedReduction {
  v: number;
  sig: [number, number, number, number];
  maxPoints: number;
  summaries: [string, number, Enc, number, number, Enc, Enc][];
  series: [string, Series][];
}

function signature(file: string): [number, number, number, number] | undefined {
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  return st?.isFile() ? [st.size, st.mtimeMs, st.ctimeMs, st.ino] : undefined;
}

function decode(c: CachedReduction): ReducedMetrics {
  const summaries = new Map<string, MetricSummary>();
  for (const [name, count, last, lastStep, lastTimestamp, min, max] of c.summaries) {
    summaries.set(name, { name, count, last: Number(last), lastStep, lastTimestamp, min: Number(min), max: Number(max) });
  }
  return { summaries, series: new Map(c.series) };
}

function encode(r: ReducedMetrics, sig: [number, number, number, number], maxPoints: number): CachedReduction {
  return {
    v: CACHE_VERSION, sig, maxPoints,
    summaries: [...r.summaries.values()].map((s) => [s.name, s.count, encodeValue(s.last), s.lastStep, s.lastTimestamp, encodeValue(s.min), encodeValue(s.max)]),
    series: [...r.series],
  };
}

function sameSig(a: unknown, b: [number, number, number, number]): boolean {
  return Array.isArray(a) && a.length === 4 && a.every((x, i) => x === b[i]);
}

/**
 * The reduced metrics of one run, from the cache when its metrics.jsonl has not changed since, else from the file
 * (and then cached). `problems` are the file's bad lines, as `store.readMetrics` reports them (a cached reduction
 * was made from a file without any). A cache that cannot be written only costs speed next time; its reason is in
 * `cacheError`.
 */
export async function reducedMetricsOf(store: Store, runId: string, maxPoints = MAX_POINTS): Promise<{ reduced: ReducedMetrics; problems: StoreProblem[]; cached: boolean; cacheError?: string }> {
  const file = store.metricsFile(runId);
  const rel = `series/${runId}.json`;
  const before = signature(file);
  if (before) {
    const text = readCacheFile(store.dir, rel);
    if (text !== undefined) {
      try {
        const c = JSON.parse(text) as CachedReduction;
        if (c.v === CACHE_VERSION && c.maxPoints === maxPoints && sameSig(c.sig, before) && Array.isArray(c.summaries) && Array.isArray(c.series)) {
          return { reduced: decode(c), problems: [], cached: true };
        }
      } catch {
        // A damaged cache entry is a miss: the file is reduced again and the entry replaced.
      }
    }
  }
  const { points, problems } = await store.readMetrics(runId);
  const reduced = reduceMetrics(points, maxPoints);
  let cacheError: string | undefined;
  // Cache only what was read from an unchanged, clean file (the signature taken before the read still holds).
  const after = signature(file);
  if (before && after && sameSig(before, after) && problems.length === 0) {
    try { writeCacheFile(store.dir, rel, JSON.stringify(encode(reduced, before, maxPoints))); } catch (e) { cacheError = messageOf(e); }
  }
  return { reduced, problems, cached: false, cacheError };
}
