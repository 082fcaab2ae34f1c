/**
 * The profile of a data version: each tabular file of its manifest profiled from the version's source, the rest
 * listed as skipped. Bad data never throws here: a file that cannot be profiled is a file profile with `error`.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { messageOf } from '../errors';
import type { DataVersion, ManifestEntry } from '../store/schemas';
import { profileFile, tabularFormat } from './profile';
import { describeIssues } from '../store/entities';
import { FileProfileSchema, PROFILE_FORMAT_VERSION, type DataProfile, type FileProfile } from './profile/schema';

/**
 * A file profile that its own schema accepts, or the file recorded with an error: a profile that readers would
 * refuse (say a statistic that overflowed to Infinity, written as null) must never make the whole version unreadable.
 */
function readable(fp: FileProfile): FileProfile {
  const ok = FileProfileSchema.safeParse(JSON.parse(JSON.stringify(fp)));
  if (ok.success) { return fp; }
  return { path: fp.path, sha256: fp.sha256, format: fp.format, rows: fp.rows, columns: [], error: `could not be profiled: its statistics are out of range (${describeIssues(ok.error)})` };
}

/** Tabular files profiled per version; a folder with more lists the rest as skipped. */
export const MAX_PROFILED_FILES = 200;

export interface ProfileProgress {
  file: string;
  index: number;
  total: number;
}

export async function buildVersionProfile(
  version: Pick<DataVersion, 'dataset' | 'id'>,
  source: string,
  entries: readonly ManifestEntry[],
  opts: { signal?: AbortSignal; onProgress?: (p: ProfileProgress) => void } = {},
): Promise<DataProfile> {
  const root = (await fsp.stat(source).catch(() => undefined))?.isFile() ? path.dirname(source) : source;
  const files: FileProfile[] = [];
  const skipped: { path: string; reason: string }[] = [];
  const tabular = entries.filter((e) => tabularFormat(e.path) !== undefined);
  for (const e of entries) {
    if (tabularFormat(e.path) === undefined) { skipped.push({ path: e.path, reason: 'not a tabular file (CSV, TSV, JSON Lines or Parquet)' }); }
  }
  for (const [index, e] of tabular.entries()) {
    if (opts.signal?.aborted) { break; }
    if (index >= MAX_PROFILED_FILES) {
      skipped.push({ path: e.path, reason: `beyond the first ${MAX_PROFILED_FILES} tabular files of the version` });
      continue;
    }
    opts.onProgress?.({ file: e.path, index, total: Math.min(tabular.length, MAX_PROFILED_FILES) });
    try {
      files.push(readable(await profileFile(path.join(root, ...e.path.split('/')), { relPath: e.path, sha256: e.sha256, signal: opts.signal })));
    } catch (err) {
      if (opts.signal?.aborted) { break; }
      files.push({ path: e.path, sha256: e.sha256, format: tabularFormat(e.path), rows: 0, columns: [], error: `could not be profiled: ${messageOf(err)}` });
    }
  }
  return {
    formatVersion: PROFILE_FORMAT_VERSION,
    dataset: version.dataset,
    versionId: version.id,
    createdAt: new Date().toISOString(),
    files,
    ...(skipped.length ? { skipped } : {}),
  };
}
