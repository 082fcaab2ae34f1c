/**
 * `.mlops/cache/`: machine-local copies that make the store fast to read (the run catalog, reduced metric series).
 * Everything here can be deleted at any time and is rebuilt from the store's own files; the folder carries a
 * `.gitignore` of `*`, so it is never committed, whatever the store's own `.gitignore` says. A cache folder that is a
 * link or a file is never written through: the caches then simply are not saved.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { NOFOLLOW } from './fsutil';

export const CACHE_DIR = 'cache';

/** The cache folder of a store (`<store>/.mlops/cache`). */
export function cacheDirOf(storeDir: string): string {
  return path.join(storeDir, CACHE_DIR);
}

/** Creates the cache folder (and its `.gitignore`) unless it exists; throws when it exists but is not a folder. */
function ensureCacheDir(storeDir: string, sub?: string): string {
  const dir = cacheDirOf(storeDir);
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) { throw new Error(`${path.join(path.basename(storeDir), CACHE_DIR)} is not a folder`); }
  if (!st) {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, '.gitignore'), '# machine-local cache of MLOps Workbench: safe to delete, never committed\n*\n', { flag: 'wx' });
  }
  if (!sub) { return dir; }
  const subDir = path.join(dir, sub);
  const sst = fs.lstatSync(subDir, { throwIfNoEntry: false });
  if (sst && !sst.isDirectory()) { throw new Error(`${path.join(path.basename(storeDir), CACHE_DIR, sub)} is not a folder`); }
  if (!sst) { fs.mkdirSync(subDir); }
  return subDir;
}

/** Writes `<cache>/<sub>/<name>` atomically. Throws on failure; callers treat that as "not cached". */
export function writeCacheFile(storeDir: string, rel: string, text: string): void {
  const parts = rel.split('/');
  const dir = ensureCacheDir(storeDir, parts.length > 1 ? parts[0] : undefined);
  const file = path.join(dir, parts[parts.length - 1]);
  const tmp = path.join(dir, `.${parts[parts.length - 1]}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    fs.writeFileSync(tmp, text, { flag: 'wx', mode: 0o644 });
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Reads `<cache>/<rel>` without following a link; undefined when it is not there or cannot be read. */
export function readCacheFile(storeDir: string, rel: string): string | undefined {
  // A cache folder that is a link could hold anybody's file: only a real folder is read.
  if (!fs.lstatSync(cacheDirOf(storeDir), { throwIfNoEntry: false })?.isDirectory()) { return undefined; }
  try {
    const fd = fs.openSync(path.join(cacheDirOf(storeDir), ...rel.split('/')), fs.constants.O_RDONLY | NOFOLLOW);
    try { return fs.readFileSync(fd, 'utf8'); } finally { fs.closeSync(fd); }
  } catch {
    return undefined; // absent or unreadable: a cache miss, and the caller rebuilds from the store's files
  }
}
