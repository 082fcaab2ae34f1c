/**
 * The `.mlops` store: plain JSON files in the workspace, one file per entity, so that two people's runs never touch
 * the same file and merge cleanly in git. See docs/format.md for the layout.
 *
 * Guarantees: whole-file writes are atomic; metric appends from many processes lose nothing; read-modify-write of a
 * file happens under a lock; reading never rewrites or deletes anything — bad files are returned as problems next to
 * the good entities.
 */
import { promises as fsp, existsSync } from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import { MlopsError, messageOf } from '../errors';
import { hashPath, type HashProgress } from '../data/hash';
import {
  appendLines, createFileExclusive, isErrno, listDir, mapLimit, parseJson, toJson, withFileLock, writeFileAtomic,
  type StoreProblem,
} from './fsutil';
import { assertId, assertName, assertText, isId, newId, printable } from './ids';
import { encodeMetricLines, parseMetricLines, type MetricInput, type MetricPoint } from './metrics';
import { randomRunName } from './names';
import {
  DataVersionSchema, DatasetSchema, ExperimentSchema, FORMAT_VERSION, ManifestEntrySchema, ModelSchema,
  ModelVersionSchema, PolicySchema, RunSchema, StoreManifestSchema,
  type DataVersion, type DataVersionRef, type Dataset, type Experiment, type GitInfo, type ManifestEntry, type MetaMetrics,
  type Model, type ModelStage, type ModelVersion, type ParamValue, type Policy, type Run, type RunStatus, type StoreManifest,
} from './schemas';

export const STORE_DIR = '.mlops';
const MANIFEST_FILE = 'mlops.json';

/** Entities that could be read, plus what could not and why. */
export interface ReadResult<T> {
  items: T[];
  problems: StoreProblem[];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: StoreProblem; missing?: boolean };

export interface NewRun {
  experiment: string;
  name?: string;
  status?: RunStatus;
  params?: Record<string, ParamValue>;
  tags?: string[];
  notes?: string;
  startTime?: Date;
  endTime?: Date;
  git?: GitInfo;
  dataVersions?: DataVersionRef[];
  meta?: MetaMetrics;
  source?: Run['source'];
  reproducedFrom?: string;
}

export interface TagDataInput {
  path: string;
  dataset: string;
  tags?: string[];
  description?: string;
  signal?: AbortSignal;
  onProgress?: (p: HashProgress) => void;
}

export interface RegisterModelInput {
  name: string;
  runId: string;
  artifactPath: string;
  description?: string;
  signal?: AbortSignal;
  onProgress?: (p: HashProgress) => void;
}

function nowIso(d: Date = new Date()): string {
  return d.toISOString();
}

/** One line describing what is wrong with a value according to a zod schema. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.slice(0, 3).map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ')
    + (error.issues.length > 3 ? `; and ${error.issues.length - 3} more` : '');
}

function byIdDesc<T extends { id: string }>(a: T, b: T): number {
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export class Store {
  /** The `.mlops` folder. */
  readonly dir: string;

  private constructor(
    /** The workspace folder that contains `.mlops`. */
    readonly root: string,
  ) {
    this.dir = path.join(root, STORE_DIR);
  }

  /** The nearest folder at or above `start` that holds `.mlops/mlops.json`. */
  static findRoot(start: string): string | undefined {
    let dir = path.resolve(start);
    for (;;) {
      if (existsSync(path.join(dir, STORE_DIR, MANIFEST_FILE))) { return dir; }
      const parent = path.dirname(dir);
      if (parent === dir) { return undefined; }
      dir = parent;
    }
  }

  /** Creates `.mlops/` in `root` (idempotent: an existing store is opened, never overwritten). */
  static async init(root: string): Promise<{ store: Store; created: boolean }> {
    const resolved = path.resolve(root);
    const st = await fsp.stat(resolved).catch(() => undefined);
    if (!st?.isDirectory()) { throw new MlopsError(`cannot initialise a store in '${root}': not a folder`, 'not-found'); }
    const store = new Store(resolved);
    await fsp.mkdir(store.dir, { recursive: true });
    const manifest: StoreManifest = { formatVersion: FORMAT_VERSION, createdAt: nowIso() };
    const created = await createFileExclusive(path.join(store.dir, MANIFEST_FILE), toJson(manifest));
    if (created) {
      // Locks and temp files are machine-local and must never be committed.
      await createFileExclusive(path.join(store.dir, '.gitignore'), '# machine-local files of MLOps Workbench\n*.lock/\n.*.tmp\n/trash/\n');
    }
    await Store.open(resolved);
    return { store, created };
  }

  /** Opens the store whose workspace folder is `root`; fails clearly when there is none or it is too new. */
  static async open(root: string): Promise<Store> {
    const store = new Store(path.resolve(root));
    const file = path.join(store.dir, MANIFEST_FILE);
    const parsed = await store.readEntity(file, StoreManifestSchema);
    if (!parsed.ok) {
      if (parsed.missing) {
        throw new MlopsError(`no MLOps store in '${store.root}' (expected ${STORE_DIR}/${MANIFEST_FILE}); run 'mlops init' there first`, 'no-store');
      }
      throw new MlopsError(`${parsed.problem.file}: ${parsed.problem.reason}`, parsed.problem.reason.includes('newer') ? 'newer-format' : 'corrupt');
    }
    return store;
  }

  // ---------------------------------------------------------------- paths

  /** Path relative to the workspace folder with `/` separators, as used in problems and in stored paths. */
  rel(file: string): string {
    return path.relative(this.root, file).split(path.sep).join('/');
  }

  runDir(id: string): string { return path.join(this.dir, 'runs', assertId(id)); }
  runFile(id: string): string { return path.join(this.runDir(id), 'run.json'); }
  metricsFile(id: string): string { return path.join(this.runDir(id), 'metrics.jsonl'); }
  experimentFile(name: string): string { return path.join(this.dir, 'experiments', `${assertName(name, 'experiment')}.json`); }
  datasetDir(name: string): string { return path.join(this.dir, 'datasets', assertName(name, 'dataset')); }
  dataVersionFile(dataset: string, id: string): string { return path.join(this.datasetDir(dataset), 'versions', `${assertId(id, 'data version id')}.json`); }
  manifestFile(dataset: string, id: string): string { return path.join(this.datasetDir(dataset), 'versions', `${assertId(id, 'data version id')}.manifest.jsonl`); }
  modelDir(name: string): string { return path.join(this.dir, 'models', assertName(name, 'model')); }
  modelVersionFile(name: string, version: number): string {
    if (!Number.isInteger(version) || version < 1) { throw new MlopsError(`invalid model version '${version}': expected a whole number ≥ 1`); }
    return path.join(this.modelDir(name), 'versions', `${version}.json`);
  }

  // ---------------------------------------------------------------- reading

  /**
   * Reads and validates one entity file. Never throws for a bad file: it becomes a problem. A file written by a
   * newer format is a problem too (it is skipped, and never rewritten by this version).
   */
  async readEntity<S extends z.ZodType>(file: string, schema: S): Promise<Parsed<z.infer<S>>> {
    let text: string;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (e) {
      const missing = isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR');
      return { ok: false, missing, problem: { file: this.rel(file), reason: missing ? 'file is missing' : `cannot read: ${messageOf(e)}` } };
    }
    return this.parseEntity(file, text, schema);
  }

  parseEntity<S extends z.ZodType>(file: string, text: string, schema: S): Parsed<z.infer<S>> {
    const json = parseJson(text);
    if (!json.ok) { return { ok: false, problem: { file: this.rel(file), reason: json.reason } }; }
    const fv = (json.value as { formatVersion?: unknown } | null)?.formatVersion;
    if (typeof fv === 'number' && fv > FORMAT_VERSION) {
      return { ok: false, problem: { file: this.rel(file), reason: `written by a newer MLOps Workbench (formatVersion ${fv}; this version reads ${FORMAT_VERSION}); update the extension or CLI to read it` } };
    }
    const r = schema.safeParse(json.value);
    if (!r.success) { return { ok: false, problem: { file: this.rel(file), reason: `does not match the ${path.basename(file)} format: ${describeIssues(r.error)}` } }; }
    return { ok: true, value: r.data };
  }

  private async strict<T>(parsed: Parsed<T>, notFound: string): Promise<T> {
    if (parsed.ok) { return Promise.resolve(parsed.value); }
    if (parsed.missing) { throw new MlopsError(notFound, 'not-found'); }
    throw new MlopsError(`${parsed.problem.file}: ${parsed.problem.reason}`, parsed.problem.reason.includes('newer MLOps') ? 'newer-format' : 'corrupt');
  }

  /** Reads every `*.json` entity directly inside `dir` (or `<dir>/<entry>/<fileName>` when given). */
  private async readAll<S extends z.ZodType>(dir: string, schema: S, opts: { fileName?: string; accept?: (entry: string) => boolean } = {}): Promise<ReadResult<z.infer<S>>> {
    const entries = (await listDir(dir)).filter((e) => !e.startsWith('.') && (opts.accept ? opts.accept(e) : true));
    const items: z.infer<S>[] = [];
    const problems: StoreProblem[] = [];
    const results = await mapLimit(entries, 64, (e) => this.readEntity(opts.fileName ? path.join(dir, e, opts.fileName) : path.join(dir, e), schema));
    for (const r of results) {
      if (r.ok) { items.push(r.value); } else { problems.push(r.problem); }
    }
    return { items, problems };
  }

  // ---------------------------------------------------------------- experiments

  async ensureExperiment(name: string, description?: string): Promise<Experiment> {
    return this.ensureNamed(this.experimentFile(name), name, description, ExperimentSchema);
  }

  /**
   * Creates a named entity file (experiment, dataset, model) unless it exists; an existing one is returned as it
   * is, and a damaged one is left alone (it is reported by the list functions) while callers go on with the name.
   */
  private async ensureNamed<S extends typeof ExperimentSchema | typeof DatasetSchema | typeof ModelSchema>(file: string, name: string, description: string | undefined, schema: S): Promise<z.infer<S>> {
    const fresh = { formatVersion: FORMAT_VERSION, name, createdAt: nowIso(), ...(description ? { description } : {}) } as z.infer<S>;
    await fsp.mkdir(path.dirname(file), { recursive: true });
    if (await createFileExclusive(file, toJson(fresh))) { return fresh; }
    const existing = await this.readEntity(file, schema);
    return existing.ok ? existing.value as z.infer<S> : fresh;
  }

  async listExperiments(): Promise<ReadResult<Experiment>> {
    const r = await this.readAll(path.join(this.dir, 'experiments'), ExperimentSchema, { accept: (e) => e.endsWith('.json') });
    r.items.sort((a, b) => a.name.localeCompare(b.name));
    return r;
  }

  // ---------------------------------------------------------------- runs

  async createRun(input: NewRun): Promise<Run> {
    assertName(input.experiment, 'experiment');
    const name = input.name ?? randomRunName();
    assertText(name, 'run name');
    const params = input.params ?? {};
    for (const k of Object.keys(params)) { assertText(k, 'param name'); }
    const tags = dedupe(input.tags ?? []);
    for (const t of tags) { assertText(t, 'tag', 100); }
    const start = input.startTime ?? new Date();
    const run: Run = {
      formatVersion: FORMAT_VERSION,
      id: newId(start.getTime()),
      experiment: input.experiment,
      name,
      status: input.status ?? 'running',
      startTime: nowIso(start),
      params,
      tags,
      dataVersions: input.dataVersions ?? [],
      meta: input.meta ?? {},
    };
    if (input.endTime) { run.endTime = nowIso(input.endTime); }
    if (input.notes) { run.notes = input.notes; }
    if (input.git) { run.git = input.git; }
    if (input.source) { run.source = input.source; }
    if (input.reproducedFrom) { run.reproducedFrom = assertId(input.reproducedFrom); }
    const valid = RunSchema.safeParse(run);
    if (!valid.success) { throw new MlopsError(`run is not valid: ${describeIssues(valid.error)}`); }
    await this.ensureExperiment(input.experiment);
    await fsp.mkdir(path.join(this.dir, 'runs'), { recursive: true });
    await fsp.mkdir(this.runDir(run.id));
    await writeFileAtomic(this.runFile(run.id), toJson(valid.data));
    return valid.data;
  }

  /** Full id from a full id or a unique prefix of at least 4 characters (case-insensitive), like short git hashes. */
  async resolveRunId(idOrPrefix: string): Promise<string> {
    const want = idOrPrefix.trim().toUpperCase();
    if (isId(want)) { return want; }
    if (!/^[0-9A-HJKMNP-TV-Z]{4,25}$/.test(want)) {
      throw new MlopsError(`invalid run id '${printable(idOrPrefix)}': expected a 26-character id or a unique prefix of at least 4 characters`);
    }
    const matches = (await listDir(path.join(this.dir, 'runs'))).filter((e) => e.startsWith(want) && isId(e));
    if (matches.length === 1) { return matches[0]; }
    if (matches.length === 0) { throw new MlopsError(`no run with id starting '${idOrPrefix}'`, 'not-found'); }
    throw new MlopsError(`run id prefix '${idOrPrefix}' is ambiguous: ${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', …' : ''}`);
  }

  async readRunParsed(id: string): Promise<Parsed<Run>> {
    return this.readEntity(this.runFile(id), RunSchema);
  }

  async readRun(id: string): Promise<Run> {
    return this.strict(await this.readRunParsed(id), `no run with id ${id}`);
  }

  /** Read-modify-write of run.json under its lock; fields unknown to this version are kept. */
  async updateRun(id: string, mutate: (run: Run) => Run | void): Promise<Run> {
    const file = this.runFile(id);
    return withFileLock(file, async () => {
      const current = await this.readRun(id);
      const draft = structuredClone(current);
      const next = mutate(draft) ?? draft;
      if (next.id !== current.id) { throw new MlopsError('a run id cannot be changed'); }
      const valid = RunSchema.safeParse(next);
      if (!valid.success) { throw new MlopsError(`run update is not valid: ${describeIssues(valid.error)}`); }
      await writeFileAtomic(file, toJson(valid.data));
      return valid.data;
    });
  }

  /** Marks a run ended; the duration is derived from its start unless already recorded. */
  async endRun(id: string, status: Exclude<RunStatus, 'running'>, meta: MetaMetrics = {}, at: Date = new Date()): Promise<Run> {
    return this.updateRun(id, (run) => {
      run.status = status;
      run.endTime = nowIso(at);
      run.meta = { ...run.meta, ...meta };
      if (run.meta.durationMs === undefined) { run.meta.durationMs = Math.max(0, at.getTime() - Date.parse(run.startTime)); }
    });
  }

  /** Appends metric points to a run (one write; safe with concurrent writers). */
  async logMetrics(id: string, points: readonly MetricInput[]): Promise<void> {
    const lines = encodeMetricLines(points);
    const runFile = this.runFile(id);
    if (!(await fsp.stat(runFile).catch(() => undefined))) { throw new MlopsError(`no run with id ${id}`, 'not-found'); }
    await appendLines(this.metricsFile(id), lines);
  }

  async readMetrics(id: string): Promise<{ points: MetricPoint[]; problems: StoreProblem[] }> {
    const file = this.metricsFile(id);
    let text: string;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT')) { return { points: [], problems: [] }; }
      return { points: [], problems: [{ file: this.rel(file), reason: `cannot read: ${messageOf(e)}` }] };
    }
    const { points, problems } = parseMetricLines(text);
    return { points, problems: problems.map((p) => ({ file: this.rel(file), reason: `line ${p.line}: ${p.reason}` })) };
  }

  /** Every run folder name under runs/ (ids), newest first. Foreign entries are problems. */
  async listRunIds(): Promise<{ ids: string[]; problems: StoreProblem[] }> {
    const dir = path.join(this.dir, 'runs');
    const ids: string[] = [];
    const problems: StoreProblem[] = [];
    for (const e of await listDir(dir)) {
      if (e.startsWith('.')) { continue; }
      if (isId(e)) { ids.push(e); } else { problems.push({ file: this.rel(path.join(dir, e)), reason: 'not a run folder (its name is not a run id); ignored' }); }
    }
    ids.sort().reverse();
    return { ids, problems };
  }

  /** All runs (newest first), optionally of one experiment. */
  async listRuns(filter: { experiment?: string } = {}): Promise<ReadResult<Run>> {
    const { ids, problems } = await this.listRunIds();
    const parsed = await mapLimit(ids, 64, (id) => this.readRunParsed(id));
    const items: Run[] = [];
    for (const p of parsed) {
      if (!p.ok) { problems.push(p.missing ? { ...p.problem, reason: 'run folder without run.json (an interrupted write?); ignored' } : p.problem); continue; }
      if (!filter.experiment || p.value.experiment === filter.experiment) { items.push(p.value); }
    }
    items.sort(byIdDesc);
    return { items, problems };
  }

  /** Moves a run's folder to `.mlops/trash/runs/` (one rename; restorable, and ignored by git). */
  async trashRun(id: string): Promise<void> {
    const from = this.runDir(id);
    if (!(await fsp.stat(from).catch(() => undefined))) { throw new MlopsError(`no run with id ${id}`, 'not-found'); }
    const trash = path.join(this.dir, 'trash', 'runs');
    await fsp.mkdir(trash, { recursive: true });
    const to = path.join(trash, id);
    if (await fsp.stat(to).catch(() => undefined)) { throw new MlopsError(`run ${id} is already in the trash; restore or empty it first`, 'conflict'); }
    await fsp.rename(from, to);
  }

  /** Runs in the trash that can still be read, newest first. */
  async listTrash(): Promise<ReadResult<Run>> {
    const dir = path.join(this.dir, 'trash', 'runs');
    const r = await this.readAll(dir, RunSchema, { fileName: 'run.json', accept: isId });
    r.items.sort(byIdDesc);
    return r;
  }

  /** Moves a trashed run back; refuses to overwrite a run with the same id. */
  async restoreRun(id: string): Promise<void> {
    const from = path.join(this.dir, 'trash', 'runs', assertId(id));
    if (!(await fsp.stat(from).catch(() => undefined))) { throw new MlopsError(`run ${id} is not in the trash`, 'not-found'); }
    const to = this.runDir(id);
    if (await fsp.stat(to).catch(() => undefined)) { throw new MlopsError(`a run with id ${id} already exists; it was not overwritten`, 'conflict'); }
    await fsp.mkdir(path.dirname(to), { recursive: true });
    await fsp.rename(from, to);
  }

  // ---------------------------------------------------------------- data versions

  private sourceOf(abs: string): string {
    const rel = path.relative(this.root, abs);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : abs;
  }

  async ensureDataset(name: string, description?: string): Promise<Dataset> {
    return this.ensureNamed(path.join(this.datasetDir(name), 'dataset.json'), name, description, DatasetSchema);
  }

  /**
   * Hashes a file or folder and records it as a version of `dataset`. Identical content (same content hash) reuses
   * the existing version and only adds the new tags. Cancelling (signal) before the end writes nothing.
   */
  async tagData(input: TagDataInput): Promise<{ version: DataVersion; reused: boolean; addedTags: string[] }> {
    assertName(input.dataset, 'dataset');
    const tags = dedupe(input.tags ?? []);
    for (const t of tags) { assertText(t, 'tag', 100); }
    const abs = path.resolve(input.path);
    const hashed = await hashPath(abs, { signal: input.signal, onProgress: input.onProgress });
    if (input.signal?.aborted) { throw new MlopsError('cancelled; nothing was written', 'cancelled'); }
    await this.ensureDataset(input.dataset, input.description);
    const existing = (await this.listDataVersions(input.dataset)).items.find((v) => v.contentHash === hashed.contentHash);
    if (existing) {
      const addedTags = tags.filter((t) => !existing.tags.includes(t));
      if (addedTags.length === 0) { return { version: existing, reused: true, addedTags }; }
      const version = await this.updateDataVersion(input.dataset, existing.id, (v) => { v.tags = dedupe([...v.tags, ...addedTags]); });
      return { version, reused: true, addedTags };
    }
    const version: DataVersion = {
      formatVersion: FORMAT_VERSION,
      id: newId(),
      dataset: input.dataset,
      contentHash: hashed.contentHash,
      sizeBytes: hashed.sizeBytes,
      fileCount: hashed.fileCount,
      tags,
      source: this.sourceOf(abs),
      createdAt: nowIso(),
    };
    // The manifest first: a version file never points at a manifest that is not there.
    await writeFileAtomic(this.manifestFile(input.dataset, version.id), hashed.entries.map((e) => JSON.stringify(e)).join('\n') + (hashed.entries.length ? '\n' : ''));
    await writeFileAtomic(this.dataVersionFile(input.dataset, version.id), toJson(version));
    return { version, reused: false, addedTags: tags };
  }

  async updateDataVersion(dataset: string, id: string, mutate: (v: DataVersion) => DataVersion | void): Promise<DataVersion> {
    const file = this.dataVersionFile(dataset, id);
    return withFileLock(file, async () => {
      const current = await this.strict(await this.readEntity(file, DataVersionSchema), `no version ${id} of dataset '${dataset}'`);
      const draft = structuredClone(current);
      const next = mutate(draft) ?? draft;
      const valid = DataVersionSchema.safeParse(next);
      if (!valid.success) { throw new MlopsError(`data version update is not valid: ${describeIssues(valid.error)}`); }
      await writeFileAtomic(file, toJson(valid.data));
      return valid.data;
    });
  }

  async listDatasets(): Promise<ReadResult<Dataset>> {
    const r = await this.readAll(path.join(this.dir, 'datasets'), DatasetSchema, { fileName: 'dataset.json' });
    r.items.sort((a, b) => a.name.localeCompare(b.name));
    return r;
  }

  /** Versions of one dataset, or of all datasets, newest first. */
  async listDataVersions(dataset?: string): Promise<ReadResult<DataVersion>> {
    const out = await this.readVersions('datasets', dataset, 'dataset', DataVersionSchema, (e) => e.endsWith('.json'));
    out.items.sort(byIdDesc);
    return out;
  }

  /** `<kind>/<name>/versions/*` of one name or of every name under `<kind>/`. */
  private async readVersions<S extends z.ZodType>(kind: 'datasets' | 'models', name: string | undefined, what: string, schema: S, accept: (entry: string) => boolean): Promise<ReadResult<z.infer<S>>> {
    const names = name ? [assertName(name, what)] : (await listDir(path.join(this.dir, kind))).filter((e) => !e.startsWith('.'));
    const out: ReadResult<z.infer<S>> = { items: [], problems: [] };
    for (const n of names) {
      const r = await this.readAll(path.join(this.dir, kind, n, 'versions'), schema, { accept });
      out.items.push(...r.items);
      out.problems.push(...r.problems);
    }
    return out;
  }

  /**
   * A version of a dataset by id, unique id prefix or tag (the newest version carrying the tag); without `ref`, the
   * newest version.
   */
  async resolveDataVersion(dataset: string, ref?: string): Promise<DataVersion> {
    const versions = (await this.listDataVersions(dataset)).items;
    if (versions.length === 0) { throw new MlopsError(`dataset '${dataset}' has no versions; tag one with 'mlops data tag PATH --dataset ${dataset}'`, 'not-found'); }
    if (!ref) { return versions[0]; }
    const upper = ref.toUpperCase();
    const byId = versions.filter((v) => v.id === upper || (upper.length >= 4 && v.id.startsWith(upper)));
    if (byId.length === 1) { return byId[0]; }
    const byTag = versions.find((v) => v.tags.includes(ref));
    if (byTag) { return byTag; }
    const tags = dedupe(versions.flatMap((v) => v.tags));
    throw new MlopsError(`dataset '${dataset}' has no version or tag '${ref}'${tags.length ? ` (tags: ${tags.slice(0, 10).join(', ')})` : ''}`, 'not-found');
  }

  async readManifest(dataset: string, id: string): Promise<{ entries: ManifestEntry[]; problems: StoreProblem[] }> {
    const file = this.manifestFile(dataset, id);
    const text = await fsp.readFile(file, 'utf8').catch((e: unknown) => { throw new MlopsError(`cannot read ${this.rel(file)}: ${messageOf(e)}`, 'not-found'); });
    const entries: ManifestEntry[] = [];
    const problems: StoreProblem[] = [];
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) { return; }
      const json = parseJson(line);
      const r = json.ok ? ManifestEntrySchema.safeParse(json.value) : undefined;
      if (r?.success) { entries.push(r.data); } else { problems.push({ file: this.rel(file), reason: `line ${i + 1}: not a manifest entry; skipped` }); }
    });
    return { entries, problems };
  }

  // ---------------------------------------------------------------- policy

  policyFile(): string { return path.join(this.dir, 'policy.json'); }

  /** The workspace policy; an absent file is the empty policy, a damaged one is an error (never overwritten). */
  async readPolicy(): Promise<Policy> {
    const parsed = await this.readEntity(this.policyFile(), PolicySchema);
    if (parsed.ok) { return parsed.value; }
    if (parsed.missing) { return { formatVersion: FORMAT_VERSION }; }
    throw new MlopsError(`${parsed.problem.file}: ${parsed.problem.reason}`, 'corrupt');
  }

  /** Adds packages to the policy's vetted list (read-modify-write under the file's lock, other fields kept). */
  async addVetted(names: readonly string[]): Promise<Policy> {
    const file = this.policyFile();
    return withFileLock(file, async () => {
      const policy = await this.readPolicy();
      const next: Policy = { ...policy, vetted: [...new Set([...(policy.vetted ?? []), ...names])].sort((a, b) => a.localeCompare(b)) };
      await writeFileAtomic(file, toJson(next));
      return next;
    });
  }

  // ---------------------------------------------------------------- models

  async ensureModel(name: string, description?: string): Promise<Model> {
    return this.ensureNamed(path.join(this.modelDir(name), 'model.json'), name, description, ModelSchema);
  }

  /** Registers an artifact produced by a run as the next version of a model (stage `none`). */
  async registerModel(input: RegisterModelInput): Promise<ModelVersion> {
    assertName(input.name, 'model');
    const run = await this.readRun(assertId(input.runId));
    const abs = path.resolve(input.artifactPath);
    const hashed = await hashPath(abs, { signal: input.signal, onProgress: input.onProgress });
    if (input.signal?.aborted) { throw new MlopsError('cancelled; nothing was written', 'cancelled'); }
    await this.ensureModel(input.name, input.description);
    const createdAt = nowIso();
    const artifact = {
      path: this.sourceOf(abs),
      sha256: hashed.kind === 'file' ? hashed.entries[0].sha256 : hashed.contentHash,
      sizeBytes: hashed.sizeBytes,
      fileCount: Math.max(1, hashed.fileCount),
    };
    // Version numbers are claimed by exclusive create, so two processes registering at once get 1 and 2.
    let version = (await this.listModelVersions(input.name)).items.reduce((m, v) => Math.max(m, v.version), 0) + 1;
    for (let attempt = 0; attempt < 1000; attempt++, version++) {
      const mv: ModelVersion = {
        formatVersion: FORMAT_VERSION, model: input.name, version, artifact, runId: run.id, stage: 'none', createdAt,
        stageHistory: [{ stage: 'none', at: createdAt }],
      };
      await fsp.mkdir(path.join(this.modelDir(input.name), 'versions'), { recursive: true });
      if (await createFileExclusive(this.modelVersionFile(input.name, version), toJson(mv))) { return mv; }
    }
    throw new MlopsError(`could not claim a version number for model '${input.name}'`, 'conflict');
  }

  async readModelVersion(name: string, version: number): Promise<ModelVersion> {
    return this.strict(await this.readEntity(this.modelVersionFile(name, version), ModelVersionSchema), `model '${name}' has no version ${version}`);
  }

  /**
   * Moves a model version to a stage. Promoting to production archives the versions that were in production
   * (unless `archiveExisting` is false), all under the model's lock so two promotions cannot both win.
   */
  async setModelStage(name: string, version: number, stage: ModelStage, opts: { archiveExisting?: boolean } = {}): Promise<{ version: ModelVersion; archived: ModelVersion[] }> {
    const archiveExisting = opts.archiveExisting ?? stage === 'production';
    const lockTarget = path.join(this.modelDir(name), 'model.json');
    await this.readModelVersion(name, version); // a clear "no such version" before any lock is taken
    return withFileLock(lockTarget, async () => {
      const target = await this.readModelVersion(name, version);
      const at = nowIso();
      const archived: ModelVersion[] = [];
      if (target.stage !== stage) {
        target.stage = stage;
        target.stageHistory = [...target.stageHistory, { stage, at }];
        await writeFileAtomic(this.modelVersionFile(name, version), toJson(target));
      }
      if (stage === 'production' && archiveExisting) {
        for (const other of (await this.listModelVersions(name)).items) {
          if (other.version === version || other.stage !== 'production') { continue; }
          other.stage = 'archived';
          other.stageHistory = [...other.stageHistory, { stage: 'archived', at }];
          await writeFileAtomic(this.modelVersionFile(name, other.version), toJson(other));
          archived.push(other);
        }
      }
      return { version: target, archived };
    });
  }

  async listModels(): Promise<ReadResult<Model>> {
    const r = await this.readAll(path.join(this.dir, 'models'), ModelSchema, { fileName: 'model.json' });
    r.items.sort((a, b) => a.name.localeCompare(b.name));
    return r;
  }

  /** Versions of one model, or of all models; by model name, then highest version first. */
  async listModelVersions(name?: string): Promise<ReadResult<ModelVersion>> {
    const out = await this.readVersions('models', name, 'model', ModelVersionSchema, (e) => /^\d+\.json$/.test(e));
    out.items.sort((a, b) => a.model.localeCompare(b.model) || b.version - a.version);
    return out;
  }

}

function dedupe(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}
