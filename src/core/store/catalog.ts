/**
 * The run catalog: every run's record and metric summaries (last/min/max per metric), kept in a machine-local cache
 * file, `.mlops/cache/runs-v1.json` (git-ignored by the `.gitignore` in its folder), so that listing 10,000 runs costs
 * one file read and a `stat` per file instead of parsing every run.json and every metrics.jsonl.
 *
 * Nothing is ever shown stale: each cached entry carries the (size, mtime, ctime, inode) of the file it was computed
 * from, and every refresh lists `runs/` and stats each file. A run changed by `git pull`, another process or a hand
 * edit has another signature and is read again; a metrics.jsonl that only grew is read from where the last read
 * stopped. Entries are computed from a stat taken *before* the read, so a file changing during a read is simply read
 * again next time. The cache is only ever a copy: a damaged, foreign or newer cache file is ignored and rebuilt.
 *
 * Reads are synchronous on purpose: one pass over many small files is several times faster synchronously than with
 * concurrent promises; `refreshAsync` yields to the event loop between slices for callers that must stay responsive.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { MlopsError, messageOf } from '../errors';
import { NOFOLLOW, type StoreProblem } from './fsutil';
import { cacheDirOf, readCacheFile, writeCacheFile } from './cacheDir';
import { isId } from './ids';
import { encodeValue, foldMetrics, readMetricFile, readMetricFileSync, type MetricReadResult, type MetricSummary } from './metrics';
import { RunSchema, FORMAT_VERSION, type Run } from './schemas';
import { runIdentity } from './runs';
import type { Store } from './store';

export const CATALOG_VERSION = 1;
const CACHE_FILE = `runs-v${CATALOG_VERSION}.json`;

/** [size, mtimeMs, ctimeMs, ino] of a file, or null when there is no file. */
type Signature = [number, number, number, number] | null;

type EncodedNumber = number | 'NaN' | 'Infinity' | '-Infinity';
/** [name, count, last, lastStep, lastTimestamp, min, max] */
type EncodedSummary = [string, number, EncodedNumber, number, number, EncodedNumber, EncodedNumber];

interface Entry {
  /** Signature of run.json when `run` / `problem` were computed. */
  sig: Signature;
  run?: Run;
  /** Why run.json could not be used (its reason; the file is the run's run.json). */
  problem?: string;
  /** Signature of metrics.jsonl when the summaries were last brought up to date (absent: never read). */
  msig?: Signature;
  /** Byte offset after the last whole line read, and the number of lines read. */
  mend?: number;
  mlines?: number;
  /** Lines that were not valid records. */
  mbad?: number;
  /** A fingerprint of the bytes before `mend`: an edit in place, not an append, changes it and forces a full read. */
  mtail?: string;
  sums?: EncodedSummary[];
}

interface CacheFile {
  catalogVersion: number;
  formatVersion: number;
  entries: Record<string, Entry>;
}

interface SummaryPlan {
  file: string;
  sig: [number, number, number, number];
  grown: boolean;
  base: Map<string, MetricSummary>;
  read: { from?: number; firstLine: number; final: false };
}

/** What a refresh found. */
export interface CatalogRefresh {
  /** Runs read again (new or changed on disk). */
  read: number;
  /** Runs whose cached entry was still valid. */
  reused: number;
  removed: number;
}

function signatureOf(st: fs.Stats | undefined): Signature {
  return st ? [st.size, st.mtimeMs, st.ctimeMs, st.ino] : null;
}

function sameSignature(a: Signature | undefined, b: Signature): boolean {
  if (a === undefined) { return false; }
  if (a === null || b === null) { return a === b; }
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

/**
 * A short fingerprint of the (up to) 64 bytes of a file before `end` ('' when `end` is 0 or the file cannot be
 * read): an edit in place, not an append, changes those bytes.
 */
function tailOf(file: string, end: number): string {
  if (end <= 0) { return ''; }
  const n = Math.min(64, end);
  const buf = Buffer.alloc(n);
  try {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | NOFOLLOW);
    try { fs.readSync(fd, buf, 0, n, end - n); } finally { fs.closeSync(fd); }
  } catch {
    return ''; // unreadable: the caller reads the whole file, which reports why
  }
  return createHash('sha1').update(buf).digest('base64').slice(0, 12);
}

/** Where a link points, for messages ('?' when it cannot be read). */
function linkTarget(p: string): string {
  try { return fs.realpathSync(p); } catch { try { return fs.readlinkSync(p); } catch { return '?'; } }
}

function decodeNumber(v: EncodedNumber): number {
  return typeof v === 'number' ? v : Number(v);
}

function encodeSummaries(m: Map<string, MetricSummary>): EncodedSummary[] {
  return [...m.values()].map((s) => [s.name, s.count, encodeValue(s.last), s.lastStep, s.lastTimestamp, encodeValue(s.min), encodeValue(s.max)]);
}

function decodeSummaries(xs: EncodedSummary[] | undefined): Map<string, MetricSummary> {
  const out = new Map<string, MetricSummary>();
  for (const [name, count, last, lastStep, lastTimestamp, min, max] of xs ?? []) {
    out.set(name, { name, count, last: decodeNumber(last), lastStep, lastTimestamp, min: decodeNumber(min), max: decodeNumber(max) });
  }
  return out;
}

export class RunCatalog {
  private entries = new Map<string, Entry>();
  /** Decoded summaries, so repeated lookups do not decode again. */
  private readonly decoded = new Map<string, Map<string, MetricSummary>>();
  /**
   * Runs whose summaries were checked against their metrics.jsonl since this catalog was opened. Summaries loaded
   * from the cache file are not shown until checked (a stat; a read of what was appended), so a run that went on
   * logging while the editor was closed never shows its old values.
   */
  private readonly checked = new Set<string>();
  /** Entries of runs/ that are not run folders, links leading out, a runs/ that is a file: found by each refresh. */
  private listingProblems: StoreProblem[] = [];
  private dirty = false;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  /** Why the cache could not be written the last time, if it could not (the catalog works without it). */
  lastSaveError: string | undefined;
  /** Why an existing cache file was not used, if it was not. */
  readonly loadNote: string | undefined;

  private constructor(private readonly store: Store, private readonly persist: boolean) {
    this.loadNote = persist ? this.load() : undefined;
  }

  /** Opens the catalog of a store, loading its cache file (nothing is validated until `refresh`). */
  static open(store: Store, opts: { persist?: boolean } = {}): RunCatalog {
    return new RunCatalog(store, opts.persist ?? true);
  }

  get cacheFile(): string {
    return path.join(cacheDirOf(this.store.dir), CACHE_FILE);
  }

  private load(): string | undefined {
    const text = readCacheFile(this.store.dir, CACHE_FILE);
    if (text === undefined) { return undefined; }
    try {
      const c = JSON.parse(text) as Partial<CacheFile>;
      if (c.catalogVersion !== CATALOG_VERSION || c.formatVersion !== FORMAT_VERSION || typeof c.entries !== 'object' || c.entries === null) {
        return 'cache of another version; rebuilt';
      }
      for (const [id, e] of Object.entries(c.entries)) {
        if (isId(id) && typeof e === 'object' && e !== null && (e.sig === null || Array.isArray(e.sig))) { this.entries.set(id, e); }
      }
      return undefined;
    } catch (e) {
      return `cache damaged (${messageOf(e)}); rebuilt`;
    }
  }

  // ---------------------------------------------------------------- runs

  private insideStore(p: string): boolean {
    try {
      const real = fs.realpathSync(p);
      const base = fs.realpathSync(this.store.dir);
      return real === base || real.startsWith(base + path.sep);
    } catch {
      return false; // a broken link
    }
  }

  private listRunFolders(): string[] {
    const runsDir = path.join(this.store.dir, 'runs');
    this.listingProblems = [];
    let st: fs.Stats | undefined;
    try { st = fs.lstatSync(runsDir); } catch { return []; }
    if (st.isSymbolicLink()) {
      if (!this.insideStore(runsDir)) {
        this.listingProblems.push({ file: this.store.rel(runsDir), reason: `a symbolic link to '${linkTarget(runsDir)}', outside the store; not followed` });
        return [];
      }
      st = fs.statSync(runsDir);
    }
    if (!st.isDirectory()) {
      this.listingProblems.push({ file: this.store.rel(runsDir), reason: 'should be a folder but is a file; what belongs in it cannot be read' });
      return [];
    }
    const ids: string[] = [];
    for (const d of fs.readdirSync(runsDir, { withFileTypes: true })) {
      if (d.name.startsWith('.')) { continue; }
      const full = path.join(runsDir, d.name);
      if (!isId(d.name) || !(d.isDirectory() || d.isSymbolicLink())) {
        this.listingProblems.push({ file: this.store.rel(full), reason: 'not a run folder (its name is not a run id); ignored' });
        continue;
      }
      if (d.isSymbolicLink() && !this.insideStore(full)) {
        this.listingProblems.push({ file: this.store.rel(full), reason: `a symbolic link to '${linkTarget(full)}', outside the store (or broken); not followed` });
        continue;
      }
      ids.push(d.name);
    }
    return ids;
  }

  /** Brings one run's entry up to date with its run.json; returns whether it had to be read. */
  private syncRun(id: string): boolean {
    const file = path.join(this.store.dir, 'runs', id, 'run.json');
    let st: fs.Stats | undefined;
    try { st = fs.lstatSync(file); } catch { st = undefined; }
    const sig = signatureOf(st);
    const old = this.entries.get(id);
    if (old && sameSignature(old.sig, sig)) { return false; }
    const entry: Entry = { sig };
    if (old?.msig !== undefined) { entry.msig = old.msig; entry.mend = old.mend; entry.mlines = old.mlines; entry.mbad = old.mbad; entry.sums = old.sums; }
    if (!st) {
      entry.problem = 'run folder without run.json (an interrupted write?); ignored';
    } else {
      const parsed = this.readRunFile(file);
      if (parsed.ok) { entry.run = parsed.run; } else { entry.problem = parsed.reason; }
    }
    this.entries.set(id, entry);
    this.dirty = true;
    return true;
  }

  private readRunFile(file: string): { ok: true; run: Run } | { ok: false; reason: string } {
    let text: string;
    try {
      const fd = fs.openSync(file, fs.constants.O_RDONLY | NOFOLLOW);
      try { text = fs.readFileSync(fd, 'utf8'); } finally { fs.closeSync(fd); }
    } catch (e) {
      if ((e as { code?: string }).code === 'ELOOP') { return { ok: false, reason: 'a symbolic link; not followed' }; }
      return { ok: false, reason: `cannot read: ${messageOf(e)}` };
    }
    const parsed = this.store.parseEntityText(file, text, RunSchema);
    if (!parsed.ok) { return { ok: false, reason: parsed.problem.reason }; }
    const mismatch = runIdentity(parsed.value, file);
    if (mismatch) { return { ok: false, reason: `${mismatch}; the file name is the identity, so this file is skipped (it was not changed)` }; }
    return { ok: true, run: parsed.value };
  }

  /** Validates every entry against the disk (list runs/, stat each run.json) and reads what changed. */
  refresh(): CatalogRefresh {
    const ids = this.listRunFolders();
    const out = this.dropRemoved(ids);
    for (const id of ids) { if (this.syncRun(id)) { out.read++; } else { out.reused++; } }
    return out;
  }

  /** `refresh`, yielding to the event loop every `slice` runs. */
  async refreshAsync(slice = 5000): Promise<CatalogRefresh> {
    const ids = this.listRunFolders();
    const out = this.dropRemoved(ids);
    for (let i = 0; i < ids.length; i++) {
      if (this.syncRun(ids[i])) { out.read++; } else { out.reused++; }
      if ((i + 1) % slice === 0) { await new Promise((r) => setImmediate(r)); }
    }
    return out;
  }

  private dropRemoved(ids: string[]): CatalogRefresh {
    const present = new Set(ids);
    let removed = 0;
    for (const id of [...this.entries.keys()]) {
      if (!present.has(id)) { this.entries.delete(id); this.decoded.delete(id); removed++; this.dirty = true; }
    }
    return { read: 0, reused: 0, removed };
  }

  /** Re-checks one run (a watcher saw it change): `changed`, `removed`, `problem` or `unchanged`. */
  refreshOne(id: string): 'changed' | 'removed' | 'problem' | 'unchanged' {
    const dir = path.join(this.store.dir, 'runs', id);
    // A run folder replaced by a link that leads out of the store is not read (the full refresh reports it).
    if (fs.lstatSync(dir, { throwIfNoEntry: false })?.isSymbolicLink() && !this.insideStore(dir)) {
      const had = this.entries.delete(id);
      this.decoded.delete(id);
      if (had) { this.dirty = true; }
      return 'problem';
    }
    if (!fs.existsSync(dir)) {
      const had = this.entries.delete(id);
      this.decoded.delete(id);
      if (had) { this.dirty = true; }
      return 'removed';
    }
    if (!this.syncRun(id)) { return this.entries.get(id)?.run ? 'unchanged' : 'problem'; }
    return this.entries.get(id)?.run ? 'changed' : 'problem';
  }

  get(id: string): Run | undefined {
    return this.entries.get(id)?.run;
  }

  get size(): number {
    let n = 0;
    for (const e of this.entries.values()) { if (e.run) { n++; } }
    return n;
  }

  /** All readable runs, in no particular order. */
  *values(): IterableIterator<Run> {
    for (const e of this.entries.values()) { if (e.run) { yield e.run; } }
  }

  /** Runs newest first, optionally of one experiment. */
  list(experiment?: string): Run[] {
    const out: Run[] = [];
    for (const r of this.values()) { if (!experiment || r.experiment === experiment) { out.push(r); } }
    return out.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  /** Experiment names that have runs, with their run counts. */
  experiments(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.values()) { out.set(r.experiment, (out.get(r.experiment) ?? 0) + 1); }
    return out;
  }

  /** run.json files that could not be used, and entries of runs/ that are not runs. */
  problems(): StoreProblem[] {
    const out = [...this.listingProblems];
    for (const [id, e] of this.entries) {
      if (e.problem) { out.push({ file: this.store.rel(path.join(this.store.dir, 'runs', id, 'run.json')), reason: e.problem }); }
    }
    return out;
  }

  // ---------------------------------------------------------------- metric summaries

  /**
   * A run's summaries without touching the disk: undefined when they were never computed, or not yet checked against
   * the file since this catalog was opened (then `summaries` / `summariesAsync` bring them up to date).
   */
  peekSummaries(id: string): Map<string, MetricSummary> | undefined {
    const e = this.entries.get(id);
    if (!e || e.msig === undefined || !this.checked.has(id)) { return undefined; }
    let d = this.decoded.get(id);
    if (!d) { d = decodeSummaries(e.sums); this.decoded.set(id, d); }
    return d;
  }

  /**
   * A run's summaries, brought up to date with its metrics.jsonl: unchanged → from the cache; grown (same file) →
   * only the appended whole lines are read; replaced or shrunk → read again from the start. A last line still being
   * written is read once it is complete. Throws when the file is there but cannot be read (a folder, a link, no
   * permission), so the caller can say why.
   */
  summaries(id: string): Map<string, MetricSummary> {
    const plan = this.planSummaries(id);
    if ('done' in plan) { return plan.done; }
    let r: MetricReadResult;
    try {
      r = readMetricFileSync(plan.file, (points) => { foldMetrics(plan.base, points); }, plan.read);
    } catch (err) {
      this.forgetSummaries(id); // unreadable now (a race with a delete?): the caller says why; the next look retries
      throw err;
    }
    return this.finishSummaries(id, plan, r);
  }

  /** `summaries` reading the file asynchronously, so a file of millions of lines does not block the caller's loop. */
  async summariesAsync(id: string): Promise<Map<string, MetricSummary>> {
    const plan = this.planSummaries(id);
    if ('done' in plan) { return plan.done; }
    let r: MetricReadResult;
    try {
      r = await readMetricFile(plan.file, (points) => { foldMetrics(plan.base, points); }, plan.read);
    } catch (err) {
      this.forgetSummaries(id);
      throw err;
    }
    return this.finishSummaries(id, plan, r);
  }

  /** What a summaries update has to read: nothing (`done`), the appended lines, or the whole file. */
  private planSummaries(id: string): { done: Map<string, MetricSummary> } | SummaryPlan {
    const file = path.join(this.store.dir, 'runs', id, 'metrics.jsonl');
    let st: fs.Stats | undefined;
    try { st = fs.lstatSync(file); } catch { st = undefined; }
    const sig = signatureOf(st);
    if (!this.entries.has(id)) { this.syncRun(id); }
    const e = this.entries.get(id)!;
    if (sameSignature(e.msig, sig)) {
      this.checked.add(id);
      return { done: this.peekSummaries(id) ?? new Map<string, MetricSummary>() };
    }
    if (!st || !sig) {
      e.msig = null; e.mend = 0; e.mlines = 0; e.mbad = 0; e.sums = []; delete e.mtail;
      this.decoded.delete(id);
      this.checked.add(id);
      this.dirty = true;
      return { done: new Map<string, MetricSummary>() };
    }
    if (!st.isFile()) {
      this.forgetSummaries(id);
      throw new MlopsError(st.isSymbolicLink() ? `${this.store.rel(file)} is a symbolic link; it is not followed` : `${this.store.rel(file)} is not a file (EISDIR)`, 'corrupt');
    }
    // Grown = the same file, at least as long, and the bytes before where the last read stopped unchanged.
    const grown = !!e.msig && sig[3] === e.msig[3] && sig[0] >= (e.mend ?? 0) && e.mtail === tailOf(file, e.mend ?? 0);
    return {
      file, sig, grown,
      base: grown ? decodeSummaries(e.sums) : new Map<string, MetricSummary>(),
      read: { from: grown ? e.mend : 0, firstLine: (grown ? e.mlines ?? 0 : 0) + 1, final: false },
    };
  }

  private finishSummaries(id: string, plan: SummaryPlan, r: MetricReadResult): Map<string, MetricSummary> {
    const e = this.entries.get(id);
    if (!e) { return plan.base; } // the run went away meanwhile
    e.mend = r.end;
    e.mtail = tailOf(plan.file, r.end);
    e.mlines = r.lines;
    e.mbad = (plan.grown ? e.mbad ?? 0 : 0) + r.problems.length;
    e.sums = encodeSummaries(plan.base);
    // The signature of what was read: a line still being written makes it differ, so it is read next time.
    e.msig = r.end === plan.sig[0] ? plan.sig : [r.end, -1, -1, plan.sig[3]];
    this.decoded.delete(id);
    this.checked.add(id);
    this.dirty = true;
    return this.peekSummaries(id) ?? new Map<string, MetricSummary>();
  }

  /** Number of metric lines of a run that were not valid records (after `summaries`). */
  badMetricLines(id: string): number {
    return this.entries.get(id)?.mbad ?? 0;
  }

  /** Forgets a run's summaries (its metrics file was replaced); the next `summaries` reads it from the start. */
  forgetSummaries(id: string): void {
    const e = this.entries.get(id);
    if (e) { delete e.msig; delete e.sums; delete e.mend; delete e.mlines; delete e.mbad; delete e.mtail; }
    this.decoded.delete(id);
    this.checked.delete(id);
  }

  // ---------------------------------------------------------------- persistence

  /** Writes the cache file if anything changed (atomically; a failure only means the next start reads more). */
  save(): void {
    if (this.saveTimer) { clearTimeout(this.saveTimer); this.saveTimer = undefined; }
    if (!this.persist || !this.dirty) { return; }
    const entries: Record<string, Entry> = {};
    for (const [id, e] of this.entries) { entries[id] = e; }
    const body: CacheFile = { catalogVersion: CATALOG_VERSION, formatVersion: FORMAT_VERSION, entries };
    try {
      writeCacheFile(this.store.dir, CACHE_FILE, JSON.stringify(body));
      this.dirty = false;
      this.lastSaveError = undefined;
    } catch (e) {
      this.lastSaveError = messageOf(e);
    }
  }

  /** Saves after `ms` of quiet (for the extension, where many small updates arrive). */
  saveSoon(ms = 2000): void {
    if (!this.persist || this.saveTimer) { return; }
    this.saveTimer = setTimeout(() => { this.saveTimer = undefined; this.save(); }, ms);
    this.saveTimer.unref?.();
  }

  dispose(): void {
    this.save();
  }
}
