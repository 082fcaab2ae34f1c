/**
 * Data profiles: `profileFile` reads one CSV / TSV / JSON Lines / Parquet file in a single streaming pass and
 * returns its `FileProfile`; `profileFiles` does it for every tabular file of a data version. Bad data never
 * throws: the profile carries `error` (the file) or `warnings` (the file or a column). Only an abort throws.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { profileCsv, type PartialProfile } from './csv';
import { profileJsonl } from './jsonl';
import { profileParquet } from './parquet';
import type { FileFormat, FileProfile } from './schema';

export * from './schema';
export { ColumnAccumulator, mulberry32, quantileSorted, sampleSeedOf, QUANTILES } from './column';
export { HyperLogLog } from './hll';
export { DDSketch, type DDSketchJson } from './ddsketch';
export { MISSING_MARKERS } from './values';

const EXTENSIONS: readonly [string, FileFormat][] = [
  ['.csv', 'csv'], ['.tsv', 'tsv'], ['.tab', 'tsv'], ['.jsonl', 'jsonl'], ['.ndjson', 'jsonl'], ['.parquet', 'parquet'],
];

/** The tabular format of a file by its extension (case-insensitive), or undefined when it is not one we profile. */
export function tabularFormat(file: string): FileFormat | undefined {
  const ext = path.extname(file).toLowerCase();
  return EXTENSIONS.find(([e]) => e === ext)?.[1];
}

export interface ProfileFileOptions {
  /** The path recorded in the profile (relative to the version source); the base name by default. */
  relPath?: string;
  sha256?: string;
  signal?: AbortSignal;
  /** Read the file as this format whatever its extension. */
  format?: FileFormat;
}

export async function profileFile(absPath: string, opts: ProfileFileOptions = {}): Promise<FileProfile> {
  const t0 = performance.now();
  const rel = opts.relPath ?? path.basename(absPath);
  const head = { path: rel, ...(opts.sha256 ? { sha256: opts.sha256 } : {}) };
  const format = opts.format ?? tabularFormat(absPath);
  let body: PartialProfile;
  try {
    if (!format) {
      body = { error: `not a tabular file (${path.extname(absPath) || 'no extension'}): CSV, TSV, JSON Lines and Parquet are profiled`, rows: 0, columns: [] };
    } else if (format === 'csv' || format === 'tsv') {
      body = await profileCsv(absPath, format, opts.signal);
    } else if (format === 'jsonl') {
      body = await profileJsonl(absPath, opts.signal);
    } else {
      body = await profileParquet(absPath, opts.signal);
    }
  } catch (e) {
    if (opts.signal?.aborted) { throw e; }
    const err = e as NodeJS.ErrnoException;
    body = { ...(format ? { format } : {}), error: err.code ? `cannot read the file: ${err.code} ${err.message}` : `cannot profile the file: ${err.message ?? String(e)}`, rows: 0, columns: [] };
  }
  return { ...head, ...body, durationMs: Math.round(performance.now() - t0) };
}

export interface ProfileFilesOptions {
  signal?: AbortSignal;
  /** Files larger than this are skipped (listed in `skipped`); no limit by default. */
  maxBytes?: number;
  onFile?: (relPath: string, index: number, total: number) => void;
}

export interface ManifestEntryLike { path: string; size?: number; sha256?: string }

/** Profiles every tabular file of a version, in manifest order, one at a time (bounded memory); others are skipped. */
export async function profileFiles(root: string, entries: readonly ManifestEntryLike[], opts: ProfileFilesOptions = {}): Promise<{ files: FileProfile[]; skipped: { path: string; reason: string }[] }> {
  const files: FileProfile[] = [];
  const skipped: { path: string; reason: string }[] = [];
  const tabular = entries.filter((e) => tabularFormat(e.path));
  for (const e of entries) {
    if (!tabularFormat(e.path)) { skipped.push({ path: e.path, reason: `not a tabular file (${path.extname(e.path) || 'no extension'})` }); }
  }
  let i = 0;
  for (const e of tabular) {
    if (opts.signal?.aborted) { throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted'); }
    if (opts.maxBytes !== undefined && e.size !== undefined && e.size > opts.maxBytes) {
      skipped.push({ path: e.path, reason: `larger than the profiling limit (${e.size} > ${opts.maxBytes} bytes)` });
      continue;
    }
    opts.onFile?.(e.path, i++, tabular.length);
    const abs = path.join(root, ...e.path.split('/'));
    files.push(await profileFile(abs, { relPath: e.path, ...(e.sha256 ? { sha256: e.sha256 } : {}), ...(opts.signal ? { signal: opts.signal } : {}) }));
  }
  return { files, skipped };
}
