/**
 * MLflow's file store (`mlruns/`, MLflow 1.x–3.x) read in place. Layout (MLflow's `store/tracking/file_store.py`
 * and `store/model_registry/file_store.py`):
 *
 *   mlruns/<exp id>/meta.yaml                 experiment (name, artifact_location, lifecycle_stage, times)
 *   mlruns/<exp id>/tags/<key>                experiment tags (keys with `/` are sub-folders)
 *   mlruns/<exp id>/<run id>/meta.yaml        run (run_id | run_uuid, run_name | name, status 1–5, times, …)
 *   mlruns/<exp id>/<run id>/{params,tags}/<key>   one file per value, exactly as logged (no newline added)
 *   mlruns/<exp id>/<run id>/metrics/<key>    `timestamp value [step [dataset digest]]` per line
 *   mlruns/.trash/<exp id>/…                  deleted experiments, whatever their meta.yaml says
 *   mlruns/models/<name>/meta.yaml, tags/, aliases/<alias> (content: the version), version-<n>/meta.yaml, tags/
 *
 * Nothing here writes, creates or locks anything in the store. This runs in the extension host, so reads are async,
 * except scan()'s run headers and runs()/metricHistory(): tens of thousands of small files read synchronously in
 * slices of a few milliseconds, with a turn of the event loop between slices (see `SLICE_MS`, `TimeSlicer`; a sync
 * read costs a fraction of the CPU of an async one). Bad files become `MlflowProblem`s and the rest of the store still
 * reads.
 */
import * as fs from 'node:fs';
import { existsSync, promises as fsp, type Dirent } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isErrno, mapLimit } from '../store/fsutil';
import { errnoText, readFailure, readMetricFileSync, readWhole, readWholeSync, SummaryBuilder, type ReadWhole } from './metricFile';
import { TimeSlicer } from './timeSlice';
import {
  type MlflowExperiment, type MlflowLifecycle, type MlflowMetricPoint, type MlflowMetricSummary, type MlflowModelVersion,
  type MlflowProblem, type MlflowReadOptions, type MlflowReader, type MlflowRegisteredModel, type MlflowRegistry,
  type MlflowRunHeader, type MlflowRunRecord, type MlflowRunStatus, type MlflowScan, type MlflowStage, type MlflowStoreRef,
} from './types';
import { metaMs, metaText, parseMeta, type Meta } from './yamlMeta';

/** Folders of an experiment that are not runs (MLflow 2.x datasets/traces, 3.x logged models). */
const EXPERIMENT_RESERVED = new Set(['tags', 'datasets', 'traces', 'models']);
/** Folders of `mlruns/` that are not experiments. */
const ROOT_NOT_EXPERIMENTS = new Set(['models', 'mlartifacts', 'mlruns', '.trash']);
const STATUS_BY_INT: Record<number, MlflowRunStatus> = { 1: 'running', 2: 'scheduled', 3: 'finished', 4: 'failed', 5: 'killed' };
const STAGES: Record<string, MlflowStage> = { none: 'None', staging: 'Staging', production: 'Production', archived: 'Archived' };
/**
 * How many files scan() reads at once. Measured on the 10,000-run store: 4 in flight is several times slower than
 * 64 (each read is a round trip through libuv's four threads and completions batch when many are queued); 64 stays
 * far under ulimit -n.
 */
const IO_LIMIT = 64;
/**
 * scan() reads run headers synchronously for at most this long, then lets the event loop run (setImmediate) and
 * checks the abort signal. Synchronous reads because an async read of a small file costs about five times the CPU of
 * a sync one (a thread-pool round trip and a promise per call); the first level of a 10,000-run store was 4.6× the
 * floor of reading every meta.yaml with readFileSync, and this is what brings it within 2× (CHANGELOG has figures).
 */
const SLICE_MS = 8;
/** Value files of one folder read at once (experiment and registry tags). */
const VALUE_LIMIT = 16;

const RUN_NAME_TAG = 'mlflow.runName';
const PARENT_TAG = 'mlflow.parentRunId';

/** Opens an `mlruns/` folder for reading; rejects when it is not a folder that can be listed. */
export async function openFileStore(ref: MlflowStoreRef): Promise<MlflowReader> {
  let st;
  try {
    st = await fsp.stat(ref.path);
  } catch (e) {
    throw new Error(`${ref.path}: cannot open the MLflow store: ${isErrno(e, 'ENOENT') ? 'it does not exist' : errText(e)}`, { cause: e });
  }
  if (!st.isDirectory()) { throw new Error(`${ref.path}: cannot open the MLflow store: not a folder`); }
  try {
    await fsp.readdir(ref.path);
  } catch (e) {
    throw new Error(`${ref.path}: cannot open the MLflow store: ${errText(e)}`, { cause: e });
  }
  return new FileStoreReader(ref);
}

function errText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code ? errnoText(code) : e instanceof Error ? e.message : String(e);
}

function checkAbort(opts?: MlflowReadOptions): void {
  if (opts?.signal?.aborted) {
    const err = new Error('reading the MLflow store was cancelled');
    err.name = 'AbortError';
    throw err;
  }
}

interface RunDir {
  dir: string;
  expId: string;
  /** The experiment is in `.trash/`. */
  expDeleted: boolean;
}

interface ExperimentDir {
  dir: string;
  folder: string;
  deleted: boolean;
}

type ReadText = { ok: true; text: string } | { ok: false; missing: boolean; reason: string };

function readTextOf(r: ReadWhole): ReadText {
  return r.ok ? { ok: true, text: r.text } : { ok: false, missing: r.code === 'ENOENT', reason: readFailure(r) };
}

/** A run's header from meta.yaml alone, with the two names it may record (the caller picks the name). */
interface MetaHeader {
  h: MlflowRunHeader;
  runName: string;
  legacyName: string;
}

class FileStoreReader implements MlflowReader {
  /** run id → its folder, from the last scan (runs() and metricHistory() find runs through it). */
  private locations = new Map<string, RunDir>();
  private scanned = false;
  /** Experiment folders of the last scan: a run logged since is found in them without a full rescan. */
  private experimentFolders: { dir: string; id: string; deleted: boolean }[] = [];

  constructor(readonly ref: MlflowStoreRef) {}

  watchPaths(): string[] {
    return [this.ref.path];
  }

  close(): void {
    this.locations.clear();
  }

  /** A path relative to the workspace root, `/` separators (what problems name). */
  private rel(abs: string): string {
    const r = path.relative(this.ref.root, abs);
    return (r === '' ? '.' : r).split(path.sep).join('/');
  }

  // ---------- scan ----------

  async scan(opts?: MlflowReadOptions): Promise<MlflowScan> {
    const problems: MlflowProblem[] = [];
    const experiments: MlflowExperiment[] = [];
    const expDirs = await this.experimentDirs(problems);
    checkAbort(opts);
    const runDirs: RunDir[] = [];
    const found = await mapLimit(expDirs, IO_LIMIT, (d) => this.readExperiment(d, problems));
    const folders: { dir: string; id: string; deleted: boolean }[] = [];
    found.forEach((f, i) => { if (f) { folders.push({ dir: expDirs[i].dir, id: f.experiment.id, deleted: f.experiment.lifecycle === 'deleted' }); } });
    for (const f of found) {
      if (!f) { continue; }
      experiments.push(f.experiment);
      for (const dir of f.runDirs) { runDirs.push({ dir, expId: f.experiment.id, expDeleted: f.experiment.lifecycle === 'deleted' }); }
    }
    checkAbort(opts);
    const headers = await this.readHeadersSliced(runDirs, problems, opts);
    const runs: MlflowRunHeader[] = [];
    const locations = new Map<string, RunDir>();
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i];
      if (!h) { continue; }
      if (locations.has(h.id)) {
        problems.push({ file: this.rel(path.join(runDirs[i].dir, 'meta.yaml')), reason: `run id ${h.id} is also recorded by ${this.rel(locations.get(h.id)?.dir ?? '')}: this copy skipped` });
        continue;
      }
      locations.set(h.id, runDirs[i]);
      runs.push(h);
    }
    this.locations = locations;
    this.scanned = true;
    this.experimentFolders = folders;
    experiments.sort((a, b) => cmpId(a.id, b.id));
    runs.sort((a, b) => cmpId(a.experimentId, b.experimentId) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { experiments, runs, problems: sortProblems(problems) };
  }

  /** Experiment folders: `mlruns/<id>/` (active) and `mlruns/.trash/<id>/` (deleted). */
  private async experimentDirs(problems: MlflowProblem[]): Promise<ExperimentDir[]> {
    const out: ExperimentDir[] = [];
    const root = this.ref.path;
    for (const e of await this.readDir(root, problems)) {
      if (e.name === '.trash' && e.isDirectory()) {
        for (const t of await this.readDir(path.join(root, '.trash'), problems)) {
          if (t.name.startsWith('.')) { continue; }
          if (t.isSymbolicLink()) { problems.push(this.linkProblem(path.join(root, '.trash', t.name))); continue; }
          if (t.isDirectory()) { out.push({ dir: path.join(root, '.trash', t.name), folder: t.name, deleted: true }); }
        }
        continue;
      }
      if (ROOT_NOT_EXPERIMENTS.has(e.name) || e.name.startsWith('.')) { continue; }
      if (e.isSymbolicLink()) { problems.push(this.linkProblem(path.join(root, e.name))); continue; }
      if (e.isDirectory()) { out.push({ dir: path.join(root, e.name), folder: e.name, deleted: false }); }
    }
    return out;
  }

  private linkProblem(abs: string): MlflowProblem {
    return { file: this.rel(abs), reason: 'symbolic link: not followed (a link inside mlruns/ can loop or lead outside the store)' };
  }

  private async readDir(dir: string, problems: MlflowProblem[] | undefined): Promise<Dirent[]> {
    try {
      return await fsp.readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (!isErrno(e, 'ENOENT') && problems) { problems.push({ file: this.rel(dir), reason: `cannot be listed: ${errText(e)}` }); }
      return [];
    }
  }

  private readDirSync(dir: string, problems: MlflowProblem[] | undefined): Dirent[] {
    try {
      return fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      if (!isErrno(e, 'ENOENT') && problems) { problems.push({ file: this.rel(dir), reason: `cannot be listed: ${errText(e)}` }); }
      return [];
    }
  }

  private async readText(file: string): Promise<ReadText> {
    return readTextOf(await readWhole(file));
  }

  private async readMeta(file: string, problems: MlflowProblem[], what: string): Promise<Meta | undefined> {
    return this.metaOf(file, await this.readText(file), problems, what);
  }

  private metaOf(file: string, r: ReadText, problems: MlflowProblem[], what: string): Meta | undefined {
    if (!r.ok) {
      problems.push({ file: this.rel(file), reason: r.missing ? `${what} without meta.yaml: skipped` : `${r.reason}; ${what} skipped` });
      return undefined;
    }
    const m = parseMeta(r.text);
    if (!m.ok) {
      problems.push({ file: this.rel(file), reason: `${m.reason}; ${what} skipped` });
      return undefined;
    }
    return m.meta;
  }

  private async readExperiment(d: ExperimentDir, problems: MlflowProblem[]): Promise<{ experiment: MlflowExperiment; runDirs: string[] } | undefined> {
    const metaFile = path.join(d.dir, 'meta.yaml');
    if (!/^\d+$/.test(d.folder)) {
      // MLflow's experiment ids are integers; another folder with a meta.yaml is reported, one without is not ours.
      const probe = await this.readText(metaFile);
      if (probe.ok || !probe.missing) {
        problems.push({ file: this.rel(metaFile), reason: `experiment id "${d.folder}" is not a number: skipped` });
      }
      return undefined;
    }
    const [meta, entries] = await Promise.all([this.readMeta(metaFile, problems, 'experiment folder'), this.readDir(d.dir, problems)]);
    if (!meta) { return undefined; }
    const recordedId = metaText(meta.experiment_id);
    if (recordedId !== undefined && recordedId !== d.folder) {
      problems.push({ file: this.rel(metaFile), reason: `experiment_id ${recordedId} does not match its folder ${d.folder}: skipped` });
      return undefined;
    }
    const tags = await this.readValues(path.join(d.dir, 'tags'), problems);
    const lifecycle: MlflowLifecycle = d.deleted || metaText(meta.lifecycle_stage) === 'deleted' ? 'deleted' : 'active';
    const experiment: MlflowExperiment = { id: d.folder, name: metaText(meta.name) ?? '', lifecycle, tags };
    const loc = metaText(meta.artifact_location);
    if (loc !== undefined) { experiment.artifactLocation = loc; }
    const ct = metaMs(meta.creation_time);
    if (ct !== undefined) { experiment.creationTime = ct; }
    const ut = metaMs(meta.last_update_time);
    if (ut !== undefined) { experiment.lastUpdateTime = ut; }
    const runDirs: string[] = [];
    for (const e of entries) {
      if (EXPERIMENT_RESERVED.has(e.name) || e.name.startsWith('.')) { continue; }
      if (e.isSymbolicLink()) { problems.push(this.linkProblem(path.join(d.dir, e.name))); continue; }
      if (e.isDirectory()) { runDirs.push(d.dir + path.sep + e.name); } // a listed name: joining needs no normalising
    }
    runDirs.sort();
    return { experiment, runDirs };
  }

  /**
   * A run's header from its meta.yaml alone, with the two names it records: `run_name` (MLflow ≥ 1.29) and 1.x's
   * `name`. The header's name is left '' for the caller to resolve (run_name, then the mlflow.runName tag, then name).
   */
  private readMetaHeaderSync(rd: RunDir, problems: MlflowProblem[]): MetaHeader | undefined {
    const metaFile = path.join(rd.dir, 'meta.yaml');
    return this.headerOf(rd, metaFile, readTextOf(readWholeSync(metaFile)), problems);
  }

  private headerOf(rd: RunDir, metaFile: string, text: ReadText, problems: MlflowProblem[]): MetaHeader | undefined {
    const meta = this.metaOf(metaFile, text, problems, 'run folder');
    if (!meta) { return undefined; }
    const folder = path.basename(rd.dir);
    const id = metaText(meta.run_id) || metaText(meta.run_uuid) || folder;
    const expId = metaText(meta.experiment_id);
    if (expId !== undefined && expId !== rd.expId) {
      problems.push({ file: this.rel(metaFile), reason: `experiment_id ${expId} does not match its experiment folder ${rd.expId}: skipped` });
      return undefined;
    }
    const h: MlflowRunHeader = {
      id,
      experimentId: rd.expId,
      name: '',
      status: this.status(meta.status, metaFile, problems),
      lifecycle: metaText(meta.lifecycle_stage) === 'deleted' ? 'deleted' : 'active',
    };
    const st = metaMs(meta.start_time);
    if (st !== undefined) { h.startTime = st; }
    const et = metaMs(meta.end_time);
    if (et !== undefined) { h.endTime = et; }
    const user = metaText(meta.user_id);
    if (user) { h.userId = user; }
    const uri = metaText(meta.artifact_uri);
    if (uri) { h.artifactUri = uri; }
    return { h, runName: metaText(meta.run_name) ?? '', legacyName: metaText(meta.name) ?? '' };
  }

  /**
   * Every run's header, read synchronously in slices of `SLICE_MS` with a turn of the event loop between them; the
   * abort signal is checked after every slice.
   */
  private async readHeadersSliced(runDirs: readonly RunDir[], problems: MlflowProblem[], opts?: MlflowReadOptions): Promise<(MlflowRunHeader | undefined)[]> {
    const out = new Array<MlflowRunHeader | undefined>(runDirs.length);
    let i = 0;
    while (i < runDirs.length) {
      const until = performance.now() + SLICE_MS;
      do {
        out[i] = this.readHeaderSync(runDirs[i], problems);
        i++;
      } while (i < runDirs.length && performance.now() < until);
      await new Promise<void>((resolve) => setImmediate(resolve));
      checkAbort(opts);
    }
    return out;
  }

  /**
   * The header scan() gives: meta.yaml plus the identity tags, `tags/mlflow.runName` only when meta.yaml has no
   * run_name, and `tags/mlflow.parentRunId` always (nesting needs it). A tag is probed with existsSync before it is
   * opened: most runs have no parent, and a failed openSync costs twice the CPU of the probe (it throws).
   */
  private readHeaderSync(rd: RunDir, problems: MlflowProblem[]): MlflowRunHeader | undefined {
    // Concatenated, not path.join(): rd.dir is already normal and path.join's normalising showed in the profile.
    const metaFile = rd.dir + path.sep + 'meta.yaml';
    const r = this.headerOf(rd, metaFile, readTextOf(readWholeSync(metaFile)), problems);
    if (!r) { return undefined; }
    const tagDir = rd.dir + path.sep + 'tags' + path.sep;
    const nameTag = r.runName ? undefined : this.probeValueSync(tagDir + RUN_NAME_TAG, problems);
    r.h.name = r.runName || nameTag || r.legacyName;
    const parent = this.probeValueSync(tagDir + PARENT_TAG, problems);
    if (parent) { r.h.parentRunId = parent; }
    return r.h;
  }

  /** A tag's value read synchronously when the file exists (what `readValue` gives; undefined when absent). */
  private probeValueSync(file: string, problems: MlflowProblem[]): string | undefined {
    return existsSync(file) ? this.valueOf(file, readWholeSync(file), problems) : undefined;
  }

  private status(v: Meta[string] | undefined, file: string, problems: MlflowProblem[]): MlflowRunStatus {
    if (v === undefined || v === null) { return 'running'; } // MLflow's default when none was recorded
    if (typeof v === 'number' || typeof v === 'bigint') {
      const s = STATUS_BY_INT[Number(v)];
      if (s) { return s; }
    } else if (typeof v === 'string') {
      const t = v.trim().toLowerCase().replace(/^runstatus\./, '');
      if (/^\d+$/.test(t) && STATUS_BY_INT[Number(t)]) { return STATUS_BY_INT[Number(t)]; }
      if ((['running', 'scheduled', 'finished', 'failed', 'killed'] as const).includes(t as MlflowRunStatus)) { return t as MlflowRunStatus; }
    }
    problems.push({ file: this.rel(file), reason: `unknown status ${JSON.stringify(typeof v === 'bigint' ? String(v) : v)}: read as running` });
    return 'running';
  }

  /** One param/tag value as MLflow stored it; undefined when the file does not exist. Non-UTF-8 is reported. */
  private async readValue(file: string, problems: MlflowProblem[]): Promise<string | undefined> {
    return this.valueOf(file, await readWhole(file), problems);
  }

  private valueOf(file: string, r: ReadWhole, problems: MlflowProblem[]): string | undefined {
    if (!r.ok) {
      if (r.code !== 'ENOENT' && r.code !== 'ENOTDIR') {
        problems.push({ file: this.rel(file), reason: r.tooLarge !== undefined ? readFailure(r) : `${readFailure(r)}; skipped` });
      }
      return undefined;
    }
    if (r.notUtf8) { problems.push({ file: this.rel(file), reason: 'not UTF-8: read with U+FFFD in place of the invalid bytes' }); }
    return r.text;
  }

  /** Files under `dir` (recursively; keys with `/` are sub-folders), relative with `/`. Symlinked folders are not followed. */
  private async listKeys(dir: string, problems: MlflowProblem[]): Promise<string[]> {
    const keys: string[] = [];
    const walk = async (sub: string): Promise<void> => {
      const abs = sub ? path.join(dir, ...sub.split('/')) : dir;
      const entries = await this.readDir(abs, problems);
      const subdirs: string[] = [];
      for (const e of entries) {
        const key = sub ? `${sub}/${e.name}` : e.name;
        if (e.isFile()) { keys.push(key); continue; }
        if (e.isDirectory()) { subdirs.push(key); continue; }
        if (e.isSymbolicLink()) {
          try {
            const st = await fsp.stat(path.join(abs, e.name));
            if (st.isFile()) { keys.push(key); continue; }
          } catch { /* a dangling link is reported below */ }
          problems.push(this.linkProblem(path.join(abs, e.name)));
        }
      }
      for (const s of subdirs) { await walk(s); }
    };
    await walk('');
    return keys.sort();
  }

  /** Every value file under `dir` as key → value. */
  private async readValues(dir: string, problems: MlflowProblem[]): Promise<Record<string, string>> {
    const keys = await this.listKeys(dir, problems);
    const out: Record<string, string> = {};
    if (keys.length === 0) { return out; }
    const values = await mapLimit(keys, VALUE_LIMIT, (k) => this.readValue(path.join(dir, ...k.split('/')), problems));
    keys.forEach((k, i) => { const v = values[i]; if (v !== undefined) { out[k] = v; } });
    return out;
  }

  /** `listKeys` with synchronous calls. */
  private listKeysSync(dir: string, problems: MlflowProblem[]): string[] {
    const keys: string[] = [];
    const walk = (sub: string): void => {
      const abs = sub ? path.join(dir, ...sub.split('/')) : dir;
      const subdirs: string[] = [];
      for (const e of this.readDirSync(abs, problems)) {
        const key = sub ? `${sub}/${e.name}` : e.name;
        if (e.isFile()) { keys.push(key); continue; }
        if (e.isDirectory()) { subdirs.push(key); continue; }
        if (e.isSymbolicLink()) {
          try {
            if (fs.statSync(path.join(abs, e.name)).isFile()) { keys.push(key); continue; }
          } catch { /* a dangling link is reported below */ }
          problems.push(this.linkProblem(path.join(abs, e.name)));
        }
      }
      for (const s of subdirs) { walk(s); }
    };
    walk('');
    return keys.sort();
  }

  /** `readValues` with synchronous calls. */
  private readValuesSync(dir: string, problems: MlflowProblem[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k of this.listKeysSync(dir, problems)) {
      const file = path.join(dir, ...k.split('/'));
      const v = this.valueOf(file, readWholeSync(file), problems);
      if (v !== undefined) { out[k] = v; }
    }
    return out;
  }

  // ---------- runs ----------

  /**
   * Makes sure the runs' folders are known: the first call scans; later, an id the last scan did not see is looked
   * for as `<experiment>/<id>/meta.yaml` in the known experiments (a run started since), never by a rescan, so
   * asking for a run that does not exist stays cheap.
   */
  private async locate(ids: readonly string[]): Promise<void> {
    if (!this.scanned) { await this.scan(); return; }
    const missing = [...new Set(ids)].filter((id) => !this.locations.has(id) && /^[\w-]+$/.test(id));
    if (missing.length === 0) { return; }
    await mapLimit(missing, IO_LIMIT, async (id) => {
      for (const f of this.experimentFolders) {
        const dir = path.join(f.dir, id);
        try {
          if ((await fsp.stat(path.join(dir, 'meta.yaml'))).isFile()) {
            this.locations.set(id, { dir, expId: f.id, expDeleted: f.deleted });
            return;
          }
        } catch { /* not in this experiment */ }
      }
    });
  }

  /** Records read synchronously, one run at a time, in time slices (see the file comment). */
  async runs(ids: readonly string[], opts?: MlflowReadOptions): Promise<{ runs: MlflowRunRecord[]; problems: MlflowProblem[] }> {
    const problems: MlflowProblem[] = [];
    await this.locate(ids);
    checkAbort(opts);
    const summaries = opts?.summaries !== false;
    const slicer = new TimeSlicer(opts?.signal);
    const runs: MlflowRunRecord[] = [];
    for (const id of new Set(ids)) {
      const rd = this.locations.get(id);
      if (!rd) { continue; }
      await slicer.next();
      const rec = this.readRecordSync(rd, problems, summaries);
      if (rec) { runs.push(rec); }
    }
    return { runs, problems: sortProblems(problems) };
  }

  private readRecordSync(rd: RunDir, problems: MlflowProblem[], summaries: boolean): MlflowRunRecord | undefined {
    const head = this.readMetaHeaderSync(rd, problems);
    if (!head) { return undefined; }
    const params = this.readValuesSync(path.join(rd.dir, 'params'), problems);
    const tags = this.readValuesSync(path.join(rd.dir, 'tags'), problems);
    const metrics = summaries ? this.readSummariesSync(path.join(rd.dir, 'metrics'), problems) : {};
    const rec: MlflowRunRecord = { ...head.h, params, tags, metrics };
    rec.name = head.runName || tags[RUN_NAME_TAG] || head.legacyName;
    if (tags[PARENT_TAG]) { rec.parentRunId = tags[PARENT_TAG]; }
    return rec;
  }

  private readSummariesSync(dir: string, problems: MlflowProblem[]): Record<string, MlflowMetricSummary> {
    const out: Record<string, MlflowMetricSummary> = {};
    for (const key of this.listKeysSync(dir, problems)) {
      const file = path.join(dir, ...key.split('/'));
      const b = new SummaryBuilder();
      const r = readMetricFileSync(file, (p) => b.add(p));
      if (r.skipped) { problems.push({ file: this.rel(file), reason: r.skipped }); continue; }
      if (r.badLines) { problems.push({ file: this.rel(file), reason: r.badLines }); }
      const s = b.summary(key);
      if (s) { out[key] = s; } else if (!r.badLines) { problems.push({ file: this.rel(file), reason: 'empty metric file: no points' }); }
    }
    return out;
  }

  /** Points read synchronously, one metric file at a time, in time slices. */
  async metricHistory(runId: string, keys?: readonly string[], opts?: MlflowReadOptions): Promise<{ metrics: Record<string, MlflowMetricPoint[]>; problems: MlflowProblem[] }> {
    const problems: MlflowProblem[] = [];
    await this.locate([runId]);
    const rd = this.locations.get(runId);
    const metrics: Record<string, MlflowMetricPoint[]> = {};
    if (!rd) { return { metrics, problems }; }
    const slicer = new TimeSlicer(opts?.signal);
    await slicer.next();
    const dir = path.join(rd.dir, 'metrics');
    const all = this.listKeysSync(dir, problems);
    const chosen = keys ? all.filter((k) => keys.includes(k)) : all;
    for (const key of chosen) {
      await slicer.next();
      const file = path.join(dir, ...key.split('/'));
      const points: MlflowMetricPoint[] = [];
      const r = readMetricFileSync(file, (p) => points.push(p));
      if (r.skipped) { problems.push({ file: this.rel(file), reason: r.skipped }); continue; }
      if (r.badLines) { problems.push({ file: this.rel(file), reason: r.badLines }); }
      metrics[key] = points;
    }
    return { metrics, problems };
  }

  // ---------- registry ----------

  async registry(opts?: MlflowReadOptions): Promise<MlflowRegistry> {
    const problems: MlflowProblem[] = [];
    const models: MlflowRegisteredModel[] = [];
    const versions: MlflowModelVersion[] = [];
    const modelsDir = path.join(this.ref.path, 'models');
    const entries = await this.readDir(modelsDir, problems);
    for (const e of entries) {
      checkAbort(opts);
      if (e.name.startsWith('.')) { continue; }
      const dir = path.join(modelsDir, e.name);
      if (e.isSymbolicLink()) { problems.push(this.linkProblem(dir)); continue; }
      if (!e.isDirectory()) { continue; }
      const meta = await this.readMeta(path.join(dir, 'meta.yaml'), problems, 'registered model folder');
      if (!meta) { continue; }
      const name = metaText(meta.name) || e.name;
      const [tags, aliasFiles, children] = await Promise.all([
        this.readValues(path.join(dir, 'tags'), problems),
        this.readValues(path.join(dir, 'aliases'), problems),
        this.readDir(dir, problems),
      ]);
      const aliases: Record<string, number> = {};
      for (const [alias, v] of Object.entries(aliasFiles)) {
        const n = Number(v.trim());
        if (Number.isInteger(n) && n > 0) { aliases[alias] = n; } else { problems.push({ file: this.rel(path.join(dir, 'aliases', alias)), reason: `alias points at "${v.slice(0, 40)}", not a version number: skipped` }); }
      }
      const model: MlflowRegisteredModel = { name, tags, aliases };
      const desc = metaText(meta.description);
      if (desc) { model.description = desc; }
      const ct = metaMs(meta.creation_timestamp);
      if (ct !== undefined) { model.creationTime = ct; }
      const ut = metaMs(meta.last_updated_timestamp);
      if (ut !== undefined) { model.lastUpdatedTime = ut; }
      models.push(model);
      const vdirs = children.filter((c) => /^version-\d+$/.test(c.name));
      const read = await mapLimit(vdirs, 8, (c) => this.readVersion(path.join(dir, c.name), name, aliases, c, problems));
      for (const v of read) { if (v) { versions.push(v); } }
    }
    models.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    versions.sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : a.version - b.version));
    return { models, versions, problems: sortProblems(problems) };
  }

  private async readVersion(dir: string, model: string, aliases: Record<string, number>, entry: Dirent, problems: MlflowProblem[]): Promise<MlflowModelVersion | undefined> {
    if (entry.isSymbolicLink()) { problems.push(this.linkProblem(dir)); return undefined; }
    if (!entry.isDirectory()) { return undefined; }
    const metaFile = path.join(dir, 'meta.yaml');
    const meta = await this.readMeta(metaFile, problems, 'model version folder');
    if (!meta) { return undefined; }
    const rawStage = metaText(meta.current_stage) ?? 'None';
    if (rawStage.toLowerCase() === 'deleted_internal') { return undefined; } // deleted by MLflow, kept on disk
    let stage = STAGES[rawStage.toLowerCase()];
    if (!stage) {
      problems.push({ file: this.rel(metaFile), reason: `unknown stage "${rawStage}": read as None` });
      stage = 'None';
    }
    const version = Number(metaText(meta.version) ?? path.basename(dir).slice('version-'.length));
    const v: MlflowModelVersion = {
      model, version, stage,
      tags: await this.readValues(path.join(dir, 'tags'), problems),
      aliases: Object.entries(aliases).filter(([, n]) => n === version).map(([a]) => a).sort(),
    };
    const ct = metaMs(meta.creation_timestamp);
    if (ct !== undefined) { v.creationTime = ct; }
    const ut = metaMs(meta.last_updated_timestamp);
    if (ut !== undefined) { v.lastUpdatedTime = ut; }
    const desc = metaText(meta.description);
    if (desc) { v.description = desc; }
    const source = metaText(meta.source);
    if (source) { v.source = source; }
    const runId = metaText(meta.run_id);
    if (runId) { v.runId = runId; }
    const status = metaText(meta.status);
    if (status) { v.status = status; }
    return v;
  }
}

/** Numeric ids in numeric order (18-digit ids compared as text of equal length). */
function cmpId(a: string, b: string): number {
  if (a.length !== b.length && /^\d+$/.test(a) && /^\d+$/.test(b)) { return a.length - b.length; }
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortProblems(ps: MlflowProblem[]): MlflowProblem[] {
  return ps.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
}
