/**
 * File primitives of the store. Every whole-file write is atomic (write a temp file in the same folder, fsync,
 * rename over the target), so a reader or a crash never sees half a file. Appends are one `write` of whole lines
 * to a file opened with O_APPEND, so concurrent appenders from several processes never interleave inside a line.
 */
import { promises as fsp, constants as fsc } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { messageOf } from '../errors';

function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes a temp file next to `target`. The folder must exist: writers never create folders as a side effect. */
async function writeTemp(target: string, data: string): Promise<string> {
  const tmp = tempName(target);
  const fh = await fsp.open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(data, 'utf8');
    await fh.sync();
  } catch (e) {
    await fh.close();
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  return tmp;
}

/** Replaces `target` with `data` atomically. */
export async function writeFileAtomic(target: string, data: string): Promise<void> {
  const tmp = await writeTemp(target, data);
  try {
    await fsp.rename(tmp, target);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Creates `target` with `data` atomically, failing with `false` when it already exists (another writer won).
 * A hard link is atomic and exclusive on POSIX file systems, unlike rename, which would silently replace.
 */
export async function createFileExclusive(target: string, data: string): Promise<boolean> {
  const tmp = await writeTemp(target, data);
  try {
    await fsp.link(tmp, target);
    return true;
  } catch (e) {
    if (isErrno(e, 'EEXIST')) { return false; }
    if (isErrno(e, 'EPERM') || isErrno(e, 'ENOTSUP') || isErrno(e, 'EXDEV')) {
      // File systems without hard links (some network/FUSE mounts): exclusive open, then atomic rename is not
      // possible, so fall back to an exclusive create of the final file.
      try {
        await fsp.writeFile(target, data, { flag: 'wx' });
        return true;
      } catch (e2) {
        if (isErrno(e2, 'EEXIST')) { return false; }
        throw e2;
      }
    }
    throw e;
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** Appends whole lines in a single write; returns once the OS has accepted them. */
export async function appendLines(file: string, lines: string[]): Promise<void> {
  if (lines.length === 0) { return; }
  // O_NOFOLLOW: a metrics.jsonl that is a symbolic link (perhaps to a file outside the store) is never appended to.
  const fh = await fsp.open(file, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT | NOFOLLOW, 0o644);
  try {
    const buf = Buffer.from(lines.join('\n') + '\n', 'utf8');
    let offset = 0;
    while (offset < buf.length) {
      const { bytesWritten } = await fh.write(buf, offset, buf.length - offset);
      offset += bytesWritten;
    }
  } finally {
    await fh.close();
  }
}

/** `O_NOFOLLOW` where the platform has it (not on Windows, where links need privileges to create anyway). */
export const NOFOLLOW: number = fsc.O_NOFOLLOW ?? 0;

export function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

/** A problem found while reading the store: the file (relative to the store's workspace root) and why. */
export interface StoreProblem {
  file: string;
  reason: string;
}

/** JSON.parse with a message that says where the syntax error is. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, reason: `invalid JSON: ${messageOf(e)}` };
  }
}

export async function exists(p: string): Promise<boolean> {
  try { await fsp.access(p); return true; } catch { return false; }
}

/** Directory entries, or [] when the directory does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) { return []; }
    throw e;
  }
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}
