/**
 * What changed between two file lists of data (manifests): files added, removed and changed, by path. Used to
 * compare two data versions, and a version with the files on disk now (verify).
 */
import { hashPath, type HashOptions } from './hash';
import type { ManifestEntry } from '../store/schemas';

export interface ChangedFile {
  path: string;
  before: ManifestEntry;
  after: ManifestEntry;
}

export interface ManifestDiff {
  /** In `after` only. */
  added: ManifestEntry[];
  /** In `before` only. */
  removed: ManifestEntry[];
  /** In both, with another size or hash. */
  changed: ChangedFile[];
  unchanged: number;
}

const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Compares two manifests by path (code-point order in the result). Duplicate paths: the last entry counts. */
export function compareManifests(before: readonly ManifestEntry[], after: readonly ManifestEntry[]): ManifestDiff {
  const old = new Map(before.map((e) => [e.path, e]));
  const now = new Map(after.map((e) => [e.path, e]));
  const diff: ManifestDiff = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const [p, a] of now) {
    const b = old.get(p);
    if (!b) { diff.added.push(a); } else if (b.sha256 !== a.sha256 || b.size !== a.size) { diff.changed.push({ path: p, before: b, after: a }); } else { diff.unchanged++; }
  }
  for (const [p, b] of old) { if (!now.has(p)) { diff.removed.push(b); } }
  diff.added.sort(byPath);
  diff.removed.sort(byPath);
  diff.changed.sort(byPath);
  return diff;
}

export const isSame = (d: ManifestDiff): boolean => d.added.length === 0 && d.removed.length === 0 && d.changed.length === 0;

/**
 * Re-hashes `target` (a file or folder, with the same skipping rules as tagging) and compares it with a version's
 * manifest: `removed` are files missing now, `added` files that are new. A single file is compared by content
 * whatever its name, so a renamed copy of a one-file version still verifies.
 */
export async function verifyAgainst(manifest: readonly ManifestEntry[], target: string, opts: HashOptions = {}): Promise<ManifestDiff> {
  const hashed = await hashPath(target, opts);
  const entries = hashed.kind === 'file' && manifest.length === 1 && hashed.entries.length === 1
    ? [{ ...hashed.entries[0], path: manifest[0].path }]
    : hashed.entries;
  return compareManifests(manifest, entries);
}
