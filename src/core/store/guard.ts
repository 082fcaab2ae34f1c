/**
 * Keeps every write, and every read of a listing, inside the store (docs/format.md "Writing safely"): `.mlops`
 * itself may be a symbolic link (to a shared disk, say), but every path below it must stay below its real path.
 * A writer refuses to write through a link that leads out, and names the link; a reader reports it as a problem
 * and does not follow it.
 */
import { promises as fsp, type Dirent } from 'node:fs';
import * as path from 'node:path';
import { MlopsError } from '../errors';
import { isErrno, type StoreProblem } from './fsutil';

export class StoreGuard {
  private realStore: string | undefined;

  constructor(
    /** The workspace folder (paths in messages are relative to it). */
    readonly root: string,
    /** The `.mlops` folder. */
    readonly dir: string,
  ) {}

  rel(file: string): string {
    return path.relative(this.root, file).split(path.sep).join('/');
  }

  /** The real path of `.mlops` (resolved once; a store does not move while it is open). */
  async realDir(): Promise<string> {
    this.realStore ??= await fsp.realpath(this.dir);
    return this.realStore;
  }

  private static inside(p: string, base: string): boolean {
    return p === base || p.startsWith(base.endsWith(path.sep) ? base : base + path.sep);
  }

  /** Whether a real path lies inside the store. */
  async isInside(realPath: string): Promise<boolean> {
    return StoreGuard.inside(realPath, await this.realDir());
  }

  /** The first symbolic link on the way from `.mlops` down to `p` that leads outside, with where it points. */
  private async leakingLink(p: string): Promise<{ link: string; to: string } | undefined> {
    const base = await this.realDir();
    const parts = path.relative(this.dir, p).split(path.sep).filter(Boolean);
    let cur = this.dir;
    for (const part of parts) {
      cur = path.join(cur, part);
      let st;
      try { st = await fsp.lstat(cur); } catch (e) { if (isErrno(e, 'ENOENT')) { return undefined; } throw e; }
      if (!st.isSymbolicLink()) { continue; }
      const to = await fsp.readlink(cur);
      const real = await fsp.realpath(cur).catch(() => undefined);
      if (!real || !StoreGuard.inside(real, base)) { return { link: cur, to: real ?? path.resolve(path.dirname(cur), to) }; }
    }
    return undefined;
  }

  private async refuse(p: string): Promise<never> {
    const leak = await this.leakingLink(p);
    const link = leak ? this.rel(leak.link) : this.rel(p);
    const to = leak ? leak.to : '?';
    throw new MlopsError(`refusing to write through the symbolic link '${link}' (it points to '${to}', outside the store)`, 'invalid-input');
  }

  /**
   * Throws unless writing `target` stays inside the store: its folder's real path is below the store's, and the
   * target, when it is a link, resolves inside too (a dangling link is refused: writing would create its target).
   */
  async checkWrite(target: string): Promise<void> {
    const base = await this.realDir();
    const parent = path.dirname(target);
    let realParent: string;
    try {
      realParent = await fsp.realpath(parent);
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) { throw new MlopsError(`${this.rel(parent)} does not exist`, 'not-found'); }
      throw e;
    }
    if (!StoreGuard.inside(realParent, base)) { await this.refuse(parent); }
    let st;
    try { st = await fsp.lstat(target); } catch (e) { if (isErrno(e, 'ENOENT')) { return; } throw e; }
    if (st.isSymbolicLink()) {
      const real = await fsp.realpath(target).catch(() => undefined);
      if (!real || !StoreGuard.inside(real, base)) { await this.refuse(target); }
    }
  }

  /**
   * Creates the folder `dir` below the store one level at a time, checking every level that already exists: a link
   * that leads out is refused, and a file where a folder belongs is reported (never replaced).
   */
  async ensureDir(dir: string): Promise<void> {
    const base = await this.realDir();
    const rel = path.relative(this.dir, dir);
    if (rel.startsWith('..') || path.isAbsolute(rel)) { throw new MlopsError(`${dir} is outside the store`); }
    let cur = this.dir;
    for (const part of rel.split(path.sep).filter(Boolean)) {
      cur = path.join(cur, part);
      try {
        await fsp.mkdir(cur);
        continue;
      } catch (e) {
        if (!isErrno(e, 'EEXIST')) { throw e; }
      }
      const st = await fsp.lstat(cur);
      if (st.isSymbolicLink()) {
        const real = await fsp.realpath(cur).catch(() => undefined);
        if (!real || !StoreGuard.inside(real, base)) { await this.refuse(cur); }
        if (!(await fsp.stat(cur)).isDirectory()) { throw new MlopsError(`${this.rel(cur)} should be a folder but is a file; it was left as it is`, 'corrupt'); }
      } else if (!st.isDirectory()) {
        throw new MlopsError(`${this.rel(cur)} should be a folder but is a file; it was left as it is`, 'corrupt');
      }
    }
  }

  /**
   * Entries of a store folder for reading, with problems for what cannot be read: the folder replaced by a file,
   * the folder or an entry being a link that leads out of the store. A missing folder is simply empty.
   */
  async list(dir: string): Promise<{ entries: Dirent[]; problems: StoreProblem[] }> {
    const problems: StoreProblem[] = [];
    let st;
    try { st = await fsp.lstat(dir); } catch (e) { if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) { return { entries: [], problems }; } throw e; }
    if (st.isSymbolicLink()) {
      const real = await fsp.realpath(dir).catch(() => undefined);
      if (!real || !(await this.isInside(real))) {
        problems.push({ file: this.rel(dir), reason: `a symbolic link to '${real ?? (await fsp.readlink(dir))}', outside the store; not followed` });
        return { entries: [], problems };
      }
      st = await fsp.stat(dir);
    }
    if (!st.isDirectory()) {
      problems.push({ file: this.rel(dir), reason: 'should be a folder but is a file; what belongs in it cannot be read' });
      return { entries: [], problems };
    }
    const all = await fsp.readdir(dir, { withFileTypes: true });
    const entries: Dirent[] = [];
    for (const d of all) {
      if (d.name.startsWith('.')) { continue; }
      if (d.isSymbolicLink()) {
        const full = path.join(dir, d.name);
        const real = await fsp.realpath(full).catch(() => undefined);
        if (!real || !(await this.isInside(real))) {
          problems.push({ file: this.rel(full), reason: real ? `a symbolic link to '${real}', outside the store; not followed` : 'a broken symbolic link; ignored' });
          continue;
        }
      }
      entries.push(d);
    }
    return { entries, problems };
  }
}
