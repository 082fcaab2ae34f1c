/**
 * Content hashing for data versions and model artifacts: a manifest of every file (relative POSIX path, size,
 * SHA-256), never a copy. Files are streamed, so a folder of any size hashes in constant memory; progress is
 * reported in bytes and an AbortSignal cancels between chunks.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { MlopsError, messageOf } from '../errors';
import type { ManifestEntry } from '../store/schemas';

export interface HashProgress {
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
}

export interface HashOptions {
  signal?: AbortSignal;
  onProgress?: (p: HashProgress) => void;
  /** Folder names skipped anywhere in the tree. */
  skipDirs?: readonly string[];
}

export interface HashResult {
  entries: ManifestEntry[];
  /** SHA-256 over the manifest lines `"<sha256> <size> <path>\n"`, sorted by path. */
  contentHash: string;
  sizeBytes: number;
  fileCount: number;
  kind: 'file' | 'directory';
}

const DEFAULT_SKIP = ['.git', '.mlops', '.hg', '.svn', '__pycache__', '.ipynb_checkpoints'];

function cancelled(): MlopsError {
  return new MlopsError('hashing was cancelled; nothing was written', 'cancelled');
}

export function hashFile(file: string, signal?: AbortSignal, onBytes?: (n: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    const stream = createReadStream(file, { highWaterMark: 1 << 20 });
    const onAbort = () => stream.destroy(cancelled());
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (chunk) => { h.update(chunk); onBytes?.(chunk.length); });
    stream.on('error', (e) => { signal?.removeEventListener('abort', onAbort); reject(e); });
    stream.on('end', () => { signal?.removeEventListener('abort', onAbort); resolve(h.digest('hex')); });
  });
}

interface FileToHash { abs: string; rel: string; size: number }

async function walk(dir: string, relDir: string, skip: ReadonlySet<string>, out: FileToHash[], signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) { throw cancelled(); }
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const abs = path.join(dir, e.name);
    const rel = relDir ? `${relDir}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!skip.has(e.name)) { await walk(abs, rel, skip, out, signal); }
    } else if (e.isFile()) {
      out.push({ abs, rel, size: (await fsp.stat(abs)).size });
    } else if (e.isSymbolicLink()) {
      // A link to a file is hashed as that file's content; links to folders are not followed (no cycles).
      try {
        const st = await fsp.stat(abs);
        if (st.isFile()) { out.push({ abs, rel, size: st.size }); }
      } catch { /* dangling link: nothing to hash */ }
    }
  }
}

/**
 * Unicode code-point order, the manifest order of docs/format.md (and Python's, Go's and Rust's string order).
 * JavaScript's `<` compares UTF-16 code units, which puts a character above U+FFFF (a surrogate pair, 0xD800–0xDFFF)
 * before U+E000–U+FFFF: `😀` (U+1F600) before `ａ` (U+FF41).
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) { return xs ? 1 : -1; }
      return x - y;
    }
  }
  return a.length - b.length;
}

export function manifestHash(entries: readonly ManifestEntry[]): string {
  const h = createHash('sha256');
  for (const e of entries) { h.update(`${e.sha256} ${e.size} ${e.path}\n`); }
  return h.digest('hex');
}

/** Hashes a file or a folder. */
export async function hashPath(target: string, opts: HashOptions = {}): Promise<HashResult> {
  let st;
  try {
    st = await fsp.stat(target);
  } catch (e) {
    throw new MlopsError(`cannot read '${target}': ${messageOf(e)}`, 'not-found');
  }
  const files: FileToHash[] = [];
  let kind: HashResult['kind'];
  if (st.isFile()) {
    kind = 'file';
    files.push({ abs: target, rel: path.basename(target), size: st.size });
  } else if (st.isDirectory()) {
    kind = 'directory';
    await walk(target, '', new Set(opts.skipDirs ?? DEFAULT_SKIP), files, opts.signal);
  } else {
    throw new MlopsError(`'${target}' is neither a file nor a folder`);
  }
  files.sort((a, b) => compareCodePoints(a.rel, b.rel));
  const progress: HashProgress = { bytesDone: 0, bytesTotal: files.reduce((s, f) => s + f.size, 0), filesDone: 0, filesTotal: files.length };
  let lastReport = 0;
  const report = (force = false) => {
    const now = Date.now();
    if (opts.onProgress && (force || now - lastReport > 100)) { lastReport = now; opts.onProgress({ ...progress }); }
  };
  report(true);
  const entries: ManifestEntry[] = [];
  for (const f of files) {
    if (opts.signal?.aborted) { throw cancelled(); }
    const sha256 = await hashFile(f.abs, opts.signal, (n) => { progress.bytesDone += n; report(); });
    entries.push({ path: f.rel, size: f.size, sha256 });
    progress.filesDone++;
    report();
  }
  report(true);
  return { entries, contentHash: manifestHash(entries), sizeBytes: progress.bytesTotal, fileCount: files.length, kind };
}
