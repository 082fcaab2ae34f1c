/**
 * Content hashes of step inputs, outputs and code, with a stat cache (`.mlops/cache/pipeline-hashes.json`: path →
 * size, mtimeMs, inode, sha256) so an unchanged 10,000-file input folder is stat-ed, not read. The content hash is
 * the one data versions use (hashPath: SHA-256 over the sorted manifest lines), so a step output's hash equals the
 * contentHash of the data version it is tagged as.
 *
 * The cache is a machine-local copy: a file whose size, mtime or inode differs is read again, and the cache file
 * can be deleted at any time. Planning never writes it (a dry run writes nothing); the runner saves it. Within one
 * process the cache is also kept in memory per store, so the editor's repeated plans stay fast before any run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareCodePoints, hashFile, manifestHash } from '../data/hash';
import { readCacheFile, writeCacheFile } from '../store/cacheDir';
import type { ManifestEntry } from '../store/schemas';

const CACHE_FILE = 'pipeline-hashes.json';
const SKIP = new Set(['.git', '.mlops', '.hg', '.svn', '__pycache__', '.ipynb_checkpoints']);

/** [size, mtimeMs, ino, sha256] */
type Entry = [number, number, number, string];

interface CacheFile { formatVersion: 1; files: Record<string, Entry> }

const memory = new Map<string, Map<string, Entry>>();

export interface PathHash {
  /** Undefined when the path does not exist. */
  contentHash?: string;
  kind?: 'file' | 'directory';
  fileCount: number;
  sizeBytes: number;
}


export class HashCache {
  private readonly entries: Map<string, Entry>;
  private dirty = false;
  /** Files read (not answered from the cache) since this cache was opened: for tests and the bench. */
  filesRead = 0;

  private constructor(private readonly storeDir: string, entries: Map<string, Entry>) {
    this.entries = entries;
  }

  /** The cache of a store: this process's copy, else the cache file, else empty. Reads only. */
  static open(storeDir: string): HashCache {
    let entries = memory.get(storeDir);
    if (!entries) {
      entries = new Map();
      const text = readCacheFile(storeDir, CACHE_FILE);
      if (text) {
        try {
          const parsed = JSON.parse(text) as Partial<CacheFile>;
          if (parsed.formatVersion === 1 && parsed.files && typeof parsed.files === 'object') {
            for (const [k, v] of Object.entries(parsed.files)) {
              if (Array.isArray(v) && v.length === 4 && typeof v[3] === 'string' && /^[0-9a-f]{64}$/.test(v[3])) { entries.set(k, v); }
            }
          }
        } catch { /* a damaged cache is an empty one; it is rebuilt from the files */ }
      }
      memory.set(storeDir, entries);
    }
    return new HashCache(storeDir, entries);
  }

  /** Forgets this process's copy (tests: "a fresh process"). */
  static forget(storeDir?: string): void {
    if (storeDir) { memory.delete(storeDir); } else { memory.clear(); }
  }

  /** Writes the cache file when anything was hashed anew; a cache that cannot be written is simply not saved. */
  save(): void {
    if (!this.dirty) { return; }
    const files: Record<string, Entry> = {};
    for (const [k, v] of this.entries) { files[k] = v; }
    try { writeCacheFile(this.storeDir, CACHE_FILE, JSON.stringify({ formatVersion: 1, files } satisfies CacheFile)); this.dirty = false; } catch { /* not cached: the next plan reads the files again */ }
  }

  /** The cached SHA-256 of a file whose size, mtime and inode are unchanged (no promise: the common case stays cheap). */
  private cached(abs: string, size: number, mtimeMs: number, ino: number): string | undefined {
    const hit = this.entries.get(abs);
    return hit && hit[0] === size && hit[1] === mtimeMs && hit[2] === ino ? hit[3] : undefined;
  }

  private async fileHash(abs: string, size: number, mtimeMs: number, ino: number, signal?: AbortSignal): Promise<string> {
    const hit = this.cached(abs, size, mtimeMs, ino);
    if (hit) { return hit; }
    const sha = await hashFile(abs, signal);
    this.filesRead++;
    this.entries.set(abs, [size, mtimeMs, ino, sha]);
    this.dirty = true;
    return sha;
  }

  /** The content hash of a file or folder (the data-version hash), or no hash when it does not exist. */
  async hash(abs: string, signal?: AbortSignal): Promise<PathHash> {
    const st = fs.statSync(abs, { throwIfNoEntry: false });
    if (!st) { return { fileCount: 0, sizeBytes: 0 }; }
    if (st.isFile()) {
      const sha = await this.fileHash(abs, st.size, st.mtimeMs, st.ino, signal);
      return { contentHash: manifestHash([{ path: path.basename(abs), size: st.size, sha256: sha }]), kind: 'file', fileCount: 1, sizeBytes: st.size };
    }
    if (!st.isDirectory()) { return { fileCount: 0, sizeBytes: 0 }; }
    const files: { abs: string; rel: string; size: number; mtimeMs: number; ino: number }[] = [];
    const walk = (dir: string, relDir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        const rel = relDir ? `${relDir}/${e.name}` : e.name;
        if (e.isDirectory()) {
          if (!SKIP.has(e.name)) { walk(full, rel); }
        } else if (e.isFile() || e.isSymbolicLink()) {
          // A link to a file counts as that file (as hashPath does); links to folders are not followed.
          const fst = fs.statSync(full, { throwIfNoEntry: false });
          if (fst?.isFile()) { files.push({ abs: full, rel, size: fst.size, mtimeMs: fst.mtimeMs, ino: fst.ino }); }
        }
      }
    };
    walk(abs, '');
    files.sort((a, b) => compareCodePoints(a.rel, b.rel));
    const entries: ManifestEntry[] = [];
    let size = 0;
    for (const f of files) {
      const sha256 = this.cached(f.abs, f.size, f.mtimeMs, f.ino) ?? await this.fileHash(f.abs, f.size, f.mtimeMs, f.ino, signal);
      entries.push({ path: f.rel, size: f.size, sha256 });
      size += f.size;
    }
    return { contentHash: manifestHash(entries), kind: 'directory', fileCount: files.length, sizeBytes: size };
  }
}
