/**
 * One lock per output path, so two pipeline runs never write the same file at once:
 * `.mlops/cache/pipeline-locks/<hash of the path>.json` holding pid, host, pipeline, start time and the path, made
 * by exclusive create. A lock whose process is gone (same host, dead pid) is taken over; a live one refuses with
 * who holds it. Locks of another host cannot be checked and count as live. Paths are compared normalised (no
 * trailing slash; case folded on Windows and macOS), and a live lock on a folder refuses a file inside it and the
 * other way round.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { MlopsError } from '../errors';
import { cacheDirOf, writeCacheFile } from '../store/cacheDir';

const SUB = 'pipeline-locks';

interface LockInfo { pid: number; host: string; pipeline: string; startedAt: string; path: string }

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

function readLock(file: string): LockInfo | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockInfo>;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? v as LockInfo : undefined;
  } catch { return undefined; }
}

/** The form paths are compared in: POSIX, no trailing slash, case folded where the file system folds it. */
export function lockKey(p: string, platform: NodeJS.Platform = process.platform): string {
  let k = path.posix.normalize(p.replace(/\\/g, '/'));
  while (k.length > 1 && k.endsWith('/')) { k = k.slice(0, -1); }
  return platform === 'win32' || platform === 'darwin' ? k.toLowerCase() : k;
}

/** Whether two lock keys name the same path or one lies inside the other (`out` and `out/a.csv`). */
function overlaps(a: string, b: string): boolean {
  return a === b || a === '.' || b === '.' || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/**
 * Makes `file` holding `text`, exclusively and complete: written to a temp file first and hard-linked into place
 * (fails with EEXIST when it is there), so no reader ever sees a lock without its holder. Where hard links are not
 * supported, an exclusive create; a reader then treats an unreadable young lock as live (see `young`).
 */
function createComplete(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, text, { flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') { throw e; }
    fs.writeFileSync(file, text, { flag: 'wx' });
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** An unreadable lock this young may be one being written: it counts as live. */
const UNREADABLE_LIVE_MS = 10_000;
function young(file: string): boolean {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st !== undefined && Date.now() - st.mtimeMs < UNREADABLE_LIVE_MS;
}

const hhmm = (iso: string): string => { const d = new Date(iso); return Number.isNaN(d.getTime()) ? iso : `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`; };

/** Held output locks; `release` removes the ones this process made. */
export class OutputLocks {
  private constructor(private readonly files: string[]) {}

  /**
   * Takes a lock for each output path (workspace-relative), all or none: a live holder of any of them makes this
   * throw a conflict naming the holder, after releasing what was taken.
   */
  static acquire(storeDir: string, pipeline: string, outputs: readonly string[]): OutputLocks {
    const dir = path.join(cacheDirOf(storeDir), SUB);
    if (outputs.length) {
      try { writeCacheFile(storeDir, `${SUB}/.keep`, ''); } catch (e) { throw new MlopsError(`cannot make ${dir} for the pipeline's output locks: ${(e as Error).message}`, 'io'); }
    }
    const taken: string[] = [];
    const me: Omit<LockInfo, 'path'> = { pid: process.pid, host: os.hostname(), pipeline, startedAt: new Date().toISOString() };
    const conflict = (holder: LockInfo, out: string): MlopsError =>
      new MlopsError(`pipeline '${holder.pipeline}' (pid ${holder.pid}${holder.host !== me.host ? ` on ${holder.host}` : ''}, started ${hhmm(holder.startedAt)}) is writing ${out}; wait for it or stop it`, 'conflict');
    const keys = [...new Set(outputs.map((o) => lockKey(o)))].sort();
    try {
      for (const out of keys) {
        const file = path.join(dir, `${createHash('sha256').update(out).digest('hex').slice(0, 24)}.json`);
        const text = JSON.stringify({ ...me, path: out } satisfies LockInfo);
        for (let attempt = 0; ; attempt++) {
          try {
            createComplete(file, text);
            taken.push(file);
            break;
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 3) { throw e; }
          }
          const holder = readLock(file);
          if (!holder && young(file)) {
            throw new MlopsError(`another pipeline is starting to write ${out} (its lock is being written); wait for it or stop it`, 'conflict');
          }
          const dead = !holder || (holder.host === me.host && !alive(holder.pid));
          if (!dead) { throw conflict(holder, out); }
          // The holder is gone: its lock is taken over (removed, then made again exclusively).
          fs.rmSync(file, { force: true });
        }
      }
      // Overlapping paths (`out` and `out/a.csv`) have different lock files: every other live lock is checked after
      // ours exist, so of two pipelines starting at once at least one sees the other.
      const mine = new Set(taken.map((f) => path.basename(f)));
      for (const name of keys.length ? fs.readdirSync(dir) : []) {
        if (!name.endsWith('.json') || mine.has(name)) { continue; }
        const holder = readLock(path.join(dir, name));
        if (!holder || typeof holder.path !== 'string') { continue; }
        if (holder.host === me.host && !alive(holder.pid)) { continue; }
        const theirs = lockKey(holder.path);
        if (keys.some((k) => overlaps(k, theirs))) { throw conflict(holder, holder.path); }
      }
    } catch (e) {
      for (const f of taken) { fs.rmSync(f, { force: true }); }
      throw e;
    }
    return new OutputLocks(taken);
  }

  release(): void {
    for (const f of this.files) {
      const holder = readLock(f);
      if (holder?.pid === process.pid) { fs.rmSync(f, { force: true }); }
    }
    this.files.length = 0;
  }
}
