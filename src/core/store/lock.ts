/**
 * Owned folder locks for read-modify-write of one file by several processes, the protocol of docs/format.md
 * "Locks" (python/mlops_log.py implements the same one):
 *
 * - a lock is the folder `<file>.lock` holding `owner.json` (pid, host, random token, acquiredAt); it appears by
 *   renaming a private, already filled folder, so exactly one writer wins and a visible lock always has an owner;
 * - a lock whose process has ended (same host) or that is older than 30 s is stale and is taken over by renaming it
 *   away — only one waiter can move it — and checking that what moved is the stale lock;
 * - only the owner releases, and a waiter waits longer than the stale limit, so a crashed writer's lock is always
 *   broken before anybody gives up.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { MlopsError, messageOf } from '../errors';
import { isErrno } from './fsutil';

export const LOCK_STALE_MS = 30_000;
export const LOCK_WAIT_MS = 60_000;
const OWNER_FILE = 'owner.json';

/** Who holds a lock. */
export interface LockOwner {
  pid: number;
  host: string;
  token: string;
  acquiredAt: number;
}

export interface LockOptions {
  /** Age after which a lock counts as abandoned (default 30 s). */
  staleMs?: number;
  /** How long to wait for a held lock before giving up (default 60 s; must exceed `staleMs`). */
  waitMs?: number;
}

/** Something noteworthy that happened to a lock; the extension writes these to its output channel. */
export interface LockEvent {
  kind: 'broken-stale' | 'lost' | 'restore-failed';
  lock: string;
  message: string;
}

const listeners = new Set<(e: LockEvent) => void>();

/** Subscribes to lock events; returns the unsubscribe function. */
export function onLockEvent(listener: (e: LockEvent) => void): () => void {
  listeners.add(listener);
  return () => { listeners.delete(listener); };
}

function emit(e: LockEvent): void {
  for (const l of listeners) { l(e); }
}

type Observed = { state: 'gone' } | { state: 'held'; owner: Partial<LockOwner>; since: number };

async function observe(lock: string): Promise<Observed> {
  let text: string | undefined;
  try {
    text = await fsp.readFile(path.join(lock, OWNER_FILE), 'utf8');
  } catch (e) {
    if (!isErrno(e, 'ENOENT') && !isErrno(e, 'ENOTDIR')) { throw e; }
  }
  if (text !== undefined) {
    const owner = parseOwner(text);
    if (owner?.acquiredAt !== undefined) { return { state: 'held', owner, since: owner.acquiredAt }; }
  }
  // No (readable) owner.json: a lock of an older version, or a damaged one. Its folder's age decides.
  try {
    const st = await fsp.stat(lock);
    return { state: 'held', owner: {}, since: st.mtimeMs };
  } catch (e) {
    if (isErrno(e, 'ENOENT')) { return { state: 'gone' }; }
    throw e;
  }
}

function parseOwner(text: string): Partial<LockOwner> | undefined {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (typeof v !== 'object' || v === null) { return undefined; }
    return {
      pid: typeof v.pid === 'number' ? v.pid : undefined,
      host: typeof v.host === 'string' ? v.host : undefined,
      token: typeof v.token === 'string' ? v.token : undefined,
      acquiredAt: typeof v.acquiredAt === 'number' ? v.acquiredAt : undefined,
    };
  } catch {
    return undefined; // unparseable owner.json is treated like a missing one: its folder's mtime decides
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return isErrno(e, 'EPERM'); // exists, but belongs to someone else
  }
}

/** Why a held lock is stale, or undefined when it is not. */
function staleReason(o: { owner: Partial<LockOwner>; since: number }, staleMs: number): string | undefined {
  if (o.owner.host === os.hostname() && typeof o.owner.pid === 'number' && !processAlive(o.owner.pid)) {
    return `its process ${o.owner.pid} has ended`;
  }
  const age = Date.now() - o.since;
  if (age > staleMs) { return `it is ${Math.round(age / 1000)} s old`; }
  return undefined;
}

function describeOwner(o: { owner: Partial<LockOwner>; since: number }): string {
  const who = o.owner.pid !== undefined ? `process ${o.owner.pid}${o.owner.host ? ` on ${o.owner.host}` : ''}` : 'an unknown process';
  return `${who} since ${new Date(o.since).toISOString()}`;
}

/** Moves a stale lock aside; only one waiter can, and one that moved a fresh lock by a race puts it back. */
async function takeOver(lock: string, seen: { owner: Partial<LockOwner>; since: number }, reason: string, myToken: string): Promise<void> {
  const aside = path.join(path.dirname(lock), `.${path.basename(lock)}.${seen.owner.token ?? `unreadable-${myToken}`}.stale`);
  // Look once more right before moving it: another waiter may already have broken this lock and taken a new one,
  // which must not be moved (this narrows the window; the token check after the move closes most of the rest).
  const now = await observe(lock);
  if (now.state === 'gone' || now.owner.token !== seen.owner.token) { return; }
  try {
    await fsp.rename(lock, aside);
  } catch (e) {
    // Another waiter moved it first (gone), or is moving the same stale lock (its aside folder exists).
    if (isErrno(e, 'ENOENT') || isErrno(e, 'EEXIST') || isErrno(e, 'ENOTEMPTY')) { return; }
    throw e;
  }
  const moved = await observe(aside);
  if (moved.state === 'held' && moved.owner.token !== seen.owner.token) {
    try {
      await fsp.rename(aside, lock);
    } catch (e) {
      emit({ kind: 'restore-failed', lock, message: `moved a fresh lock aside by a race and could not put it back (${messageOf(e)}); its holder may lose it` });
    }
    return;
  }
  await fsp.rm(aside, { recursive: true, force: true });
  emit({ kind: 'broken-stale', lock, message: `broke the lock ${lock} of ${describeOwner(seen)}: ${reason}` });
}

/**
 * Runs `fn` while holding `<file>.lock`. Throws `not-found` when the file's folder does not exist (locks never
 * create folders) and `conflict` when the lock stays held by a live writer for longer than the wait limit.
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const staleMs = opts.staleMs ?? LOCK_STALE_MS;
  const waitMs = Math.max(opts.waitMs ?? LOCK_WAIT_MS, staleMs + 1000);
  const lock = `${file}.lock`;
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), token: randomBytes(16).toString('hex'), acquiredAt: 0 };
  const prepared = path.join(path.dirname(lock), `.${path.basename(lock)}.${owner.token}`);
  try {
    await fsp.mkdir(prepared);
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) { throw new MlopsError(`${path.dirname(file)} does not exist (deleted or moved?)`, 'not-found'); }
    throw e;
  }
  const started = Date.now();
  let delay = 5;
  try {
    for (;;) {
      owner.acquiredAt = Date.now();
      try {
        await fsp.writeFile(path.join(prepared, OWNER_FILE), JSON.stringify(owner));
      } catch (e) {
        // The folder went away while waiting (a run sent to the trash meanwhile, with the prepared folder in it).
        if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) { throw new MlopsError(`${path.dirname(file)} does not exist (deleted or moved?)`, 'not-found'); }
        throw e;
      }
      if (await tryAcquire(prepared, lock, file)) { break; }
      const seen = await observe(lock);
      if (seen.state === 'gone') { continue; }
      const reason = staleReason(seen, staleMs);
      if (reason) { await takeOver(lock, seen, reason, owner.token); continue; }
      if (Date.now() - started > waitMs) {
        throw new MlopsError(`${path.basename(file)} is locked by ${describeOwner(seen)} (${lock}); if that process is not an MLOps writer that is still running, delete that folder`, 'conflict');
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 100);
    }
  } catch (e) {
    await fsp.rm(prepared, { recursive: true, force: true });
    throw e;
  }
  try {
    return await fn();
  } finally {
    await release(lock, owner.token);
  }
}

/**
 * Renames the prepared folder to the lock, unless a lock is there. Renaming onto an *empty* folder would succeed and
 * replace it: an empty lock (an older version's mkdir lock) is held by an unknown owner, so the rename is tried only
 * when no lock exists; renaming onto a lock with its owner inside fails, so one writer wins any race.
 */
async function tryAcquire(prepared: string, lock: string, file: string): Promise<boolean> {
  try {
    await fsp.lstat(lock);
    return false;
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) { throw e; }
  }
  try {
    await fsp.rename(prepared, lock);
    return true;
  } catch (e) {
    if (isErrno(e, 'EEXIST') || isErrno(e, 'ENOTEMPTY')) { return false; }
    if (isErrno(e, 'ENOENT')) { throw new MlopsError(`${path.dirname(file)} does not exist (deleted or moved?)`, 'not-found'); }
    throw e;
  }
}

/** Removes the lock if it is still ours; a lock taken over by another writer (or moved away with its folder) stays. */
async function release(lock: string, token: string): Promise<void> {
  let seen: Observed;
  try {
    seen = await observe(lock);
  } catch (e) {
    emit({ kind: 'lost', lock, message: `could not read the lock ${lock} to release it: ${messageOf(e)}` });
    return;
  }
  if (seen.state === 'gone') {
    // Moved with its folder (a run sent to the trash under its lock) — or set aside for a moment by a waiter that
    // raced another and is putting it back: look again briefly, so a lock put back is not left orphaned.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 10));
      let again: Observed;
      try { again = await observe(lock); } catch { return; } // unreadable: leave it (it is not provably ours)
      if (again.state === 'held') { return release(lock, token); }
    }
    return;
  }
  if (seen.owner.token !== token) {
    emit({ kind: 'lost', lock, message: `the lock ${lock} was taken over while held (held longer than ${LOCK_STALE_MS / 1000} s?); left to its new owner` });
    return;
  }
  const released = path.join(path.dirname(lock), `.${path.basename(lock)}.${token}.released`);
  try {
    await fsp.rename(lock, released);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) { return; }
    throw e;
  }
  // Taken over between the read and the rename: what moved is the new owner's lock, so it goes back.
  const moved = await observe(released);
  if (moved.state === 'held' && moved.owner.token !== token) {
    await fsp.rename(released, lock).catch((e: unknown) => {
      emit({ kind: 'restore-failed', lock, message: `moved another writer's lock aside while releasing and could not put it back (${messageOf(e)})` });
    });
    return;
  }
  await fsp.rm(released, { recursive: true, force: true });
}
