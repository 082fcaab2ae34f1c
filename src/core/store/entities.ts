/**
 * Reading and creating entity files, shared by the stores of runs, data versions, models and policy. A bad file never
 * throws here: it becomes a (file, reason) problem, and nothing that reads ever writes.
 */
import { promises as fsp, constants as fsc } from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import { MlopsError, messageOf } from '../errors';
import { createFileExclusive, isErrno, mapLimit, NOFOLLOW, parseJson, toJson, type StoreProblem } from './fsutil';
import type { StoreGuard } from './guard';
import { FORMAT_VERSION, type DatasetSchema, type ExperimentSchema, type ModelSchema } from './schemas';

/** Entities that could be read, plus what could not and why. */
export interface ReadResult<T> {
  items: T[];
  problems: StoreProblem[];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: StoreProblem; missing?: boolean };

/** One line describing what is wrong with a value according to a zod schema. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.slice(0, 3).map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ')
    + (error.issues.length > 3 ? `; and ${error.issues.length - 3} more` : '');
}

export function nowIso(d: Date = new Date()): string {
  return d.toISOString();
}

export function byIdDesc<T extends { id: string }>(a: T, b: T): number {
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export function dedupe(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/** Says why an entity read from `file` is not the one its file name says it is, or undefined when it is. */
export type IdentityCheck<T> = (value: T, file: string) => string | undefined;

export class EntityFiles {
  constructor(readonly guard: StoreGuard) {}

  rel(file: string): string {
    return this.guard.rel(file);
  }

  /** A file's text, without following a symbolic link that leads out of the store. */
  async readText(file: string): Promise<{ ok: true; text: string } | { ok: false; missing: boolean; reason: string }> {
    let fh;
    try {
      fh = await fsp.open(file, fsc.O_RDONLY | NOFOLLOW);
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) { return { ok: false, missing: true, reason: 'file is missing' }; }
      if (isErrno(e, 'ELOOP')) {
        const real = await fsp.realpath(file).catch(() => undefined);
        if (!real) { return { ok: false, missing: false, reason: 'a broken symbolic link; not followed' }; }
        if (!(await this.guard.isInside(real))) { return { ok: false, missing: false, reason: `a symbolic link to '${real}', outside the store; not followed` }; }
        return this.readText(real);
      }
      return { ok: false, missing: false, reason: `cannot read: ${messageOf(e)}` };
    }
    try {
      return { ok: true, text: await fh.readFile('utf8') };
    } catch (e) {
      return { ok: false, missing: false, reason: `cannot read: ${messageOf(e)}` };
    } finally {
      await fh.close();
    }
  }

  /**
   * Reads and validates one entity file. Never throws for a bad file: it becomes a problem. A file written by a
   * newer format is a problem too (it is skipped, and never rewritten by this version).
   */
  async read<S extends z.ZodType>(file: string, schema: S, identity?: IdentityCheck<z.infer<S>>, opts: { folderChecked?: boolean } = {}): Promise<Parsed<z.infer<S>>> {
    if (!opts.folderChecked) {
      const leak = await this.folderLeak(file);
      if (leak) { return { ok: false, problem: { file: this.rel(file), reason: leak } }; }
    }
    const t = await this.readText(file);
    if (!t.ok) { return { ok: false, missing: t.missing, problem: { file: this.rel(file), reason: t.reason } }; }
    const parsed = this.parse(file, t.text, schema);
    if (parsed.ok && identity) {
      const mismatch = identity(parsed.value, file);
      if (mismatch) { return { ok: false, problem: { file: this.rel(file), reason: `${mismatch}; the file name is the identity, so this file is skipped (it was not changed)` } }; }
    }
    return parsed;
  }

  /**
   * Why the folder of `file` is outside the store (reached through a link that leads out), or undefined. Listings
   * check their folder once (StoreGuard.list) and pass `folderChecked`, so this costs nothing per entity there.
   */
  private async folderLeak(file: string): Promise<string | undefined> {
    let real: string;
    try {
      real = await fsp.realpath(path.dirname(file));
    } catch {
      return undefined; // a missing folder: the read reports the file as missing
    }
    return (await this.guard.isInside(real)) ? undefined : `reached through a symbolic link to '${real}', outside the store; not followed`;
  }

  parse<S extends z.ZodType>(file: string, text: string, schema: S): Parsed<z.infer<S>> {
    const json = parseJson(text);
    if (!json.ok) { return { ok: false, problem: { file: this.rel(file), reason: json.reason } }; }
    const fv = (json.value as { formatVersion?: unknown } | null)?.formatVersion;
    if (typeof fv === 'number' && fv > FORMAT_VERSION) {
      return { ok: false, problem: { file: this.rel(file), reason: `written by a newer MLOps Workbench (formatVersion ${fv}; this version reads ${FORMAT_VERSION}); update the extension or CLI to read it` } };
    }
    const proto = protoKeyPath(json.value);
    if (proto) {
      return { ok: false, problem: { file: this.rel(file), reason: `has a key named '__proto__' (${proto}), which this reader would drop; the file is skipped, so it is never rewritten without it` } };
    }
    const r = schema.safeParse(json.value);
    if (!r.success) { return { ok: false, problem: { file: this.rel(file), reason: `does not match the ${path.basename(file)} format: ${describeIssues(r.error)}` } }; }
    return { ok: true, value: r.data };
  }

  /** The value of a parse, or an error that says what is wrong (`notFound` when the file does not exist). */
  strict<T>(parsed: Parsed<T>, notFound: string): T {
    if (parsed.ok) { return parsed.value; }
    if (parsed.missing) { throw new MlopsError(notFound, 'not-found'); }
    throw new MlopsError(`${parsed.problem.file}: ${parsed.problem.reason}`, parsed.problem.reason.includes('newer MLOps') ? 'newer-format' : 'corrupt');
  }

  /** Reads every entity directly inside `dir` (or `<dir>/<entry>/<fileName>` when given). */
  async readAll<S extends z.ZodType>(dir: string, schema: S, opts: { fileName?: string; accept?: (entry: string) => boolean; identity?: IdentityCheck<z.infer<S>> } = {}): Promise<ReadResult<z.infer<S>>> {
    const listed = await this.guard.list(dir);
    const entries = listed.entries.map((d) => d.name).filter((e) => (opts.accept ? opts.accept(e) : true));
    const items: z.infer<S>[] = [];
    const problems: StoreProblem[] = [...listed.problems];
    // The listing checked the folder and every entry that is a link, so no entity needs its own realpath.
    const results = await mapLimit(entries, 64, (e) => this.read(opts.fileName ? path.join(dir, e, opts.fileName) : path.join(dir, e), schema, opts.identity, { folderChecked: true }));
    for (const r of results) {
      if (r.ok) { items.push(r.value); } else { problems.push(r.problem); }
    }
    return { items, problems };
  }

  /**
   * Creates a named entity file (experiment, dataset, model) unless it exists; an existing one is returned as it
   * is, and a damaged one is left alone (it is reported by the list functions) while callers go on with the name.
   */
  async ensureNamed<S extends typeof ExperimentSchema | typeof DatasetSchema | typeof ModelSchema>(file: string, name: string, description: string | undefined, schema: S): Promise<z.infer<S>> {
    const fresh = { formatVersion: FORMAT_VERSION, name, createdAt: nowIso(), ...(description ? { description } : {}) } as z.infer<S>;
    await this.guard.ensureDir(path.dirname(file));
    await this.guard.checkWrite(file);
    if (await createFileExclusive(file, toJson(fresh))) { return fresh; }
    const existing = await this.read(file, schema);
    return existing.ok ? existing.value as z.infer<S> : fresh;
  }
}

/**
 * Where a parsed JSON value has an own key `__proto__` (JSON.parse makes one; zod's records drop it), up to two levels
 * down — the depth of `params`, `meta` and the like — or undefined.
 */
function protoKeyPath(v: unknown, at = '', depth = 0): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || depth > 2) { return undefined; }
  if (Object.prototype.hasOwnProperty.call(v, '__proto__')) { return at ? `${at}.__proto__` : '__proto__'; }
  for (const [k, child] of Object.entries(v)) {
    const found = protoKeyPath(child, at ? `${at}.${k}` : k, depth + 1);
    if (found) { return found; }
  }
  return undefined;
}

/** The identity check of named entities: the `name` inside must be the file (or folder) name. */
export function nameMatches(expected: (file: string) => string): IdentityCheck<{ name: string }> {
  return (value, file) => {
    const want = expected(file);
    return value.name === want ? undefined : `its name '${value.name}' is not '${want}', the name its file says`;
  };
}
