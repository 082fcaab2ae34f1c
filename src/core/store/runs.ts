/**
 * Runs: `runs/<id>/run.json` and `runs/<id>/metrics.jsonl`, experiments (`experiments/<name>.json`), and the trash
 * (`trash/runs/<id>/`). The folder name is the run's identity; a run.json that says otherwise is a problem.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { MlopsError, messageOf } from '../errors';
import { appendLines, isErrno, mapLimit, toJson, writeFileAtomic, type StoreProblem } from './fsutil';
import { byIdDesc, dedupe, describeIssues, nameMatches, nowIso, type EntityFiles, type IdentityCheck, type Parsed, type ReadResult } from './entities';
import { assertId, assertName, assertText, isId, newId, paramNameProblem, printable } from './ids';
import { withFileLock } from './lock';
import { encodeMetricLines, readMetricFile, type MetricInput, type MetricPoint } from './metrics';
import { randomRunName } from './names';
import {
  ExperimentSchema, FORMAT_VERSION, RunSchema,
  type DataVersionRef, type Experiment, type GitInfo, type MetaMetrics, type ParamValue, type Run, type RunStatus,
} from './schemas';

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
  /** The pipeline run a step belongs to. */
  parentRunId?: string;
  pipeline?: Run['pipeline'];
}

/** A run.json must carry the id of its folder. */
export const runIdentity: IdentityCheck<Run> = (run, file) => {
  const folder = path.basename(path.dirname(file));
  return run.id === folder ? undefined : `its id ${printable(run.id)} is not ${folder}, the run folder it is in`;
};

export class RunStore {
  constructor(private readonly files: EntityFiles, private readonly dir: string) {}

  get runsDir(): string { return path.join(this.dir, 'runs'); }
  get trashDir(): string { return path.join(this.dir, 'trash', 'runs'); }
  runDir(id: string): string { return path.join(this.runsDir, assertId(id)); }
  runFile(id: string): string { return path.join(this.runDir(id), 'run.json'); }
  metricsFile(id: string): string { return path.join(this.runDir(id), 'metrics.jsonl'); }
  experimentFile(name: string): string { return path.join(this.dir, 'experiments', `${assertName(name, 'experiment')}.json`); }

  // ---------------------------------------------------------------- experiments

  async ensureExperiment(name: string, description?: string): Promise<Experiment> {
    return this.files.ensureNamed(this.experimentFile(name), name, description, ExperimentSchema);
  }

  async listExperiments(): Promise<ReadResult<Experiment>> {
    const r = await this.files.readAll(path.join(this.dir, 'experiments'), ExperimentSchema, {
      accept: (e) => e.endsWith('.json'),
      identity: nameMatches((file) => path.basename(file, '.json')),
    });
    r.items.sort((a, b) => a.name.localeCompare(b.name));
    return r;
  }

  // ---------------------------------------------------------------- runs

  async create(input: NewRun): Promise<Run> {
    assertName(input.experiment, 'experiment');
    const name = input.name ?? randomRunName();
    assertText(name, 'run name');
    const params = input.params ?? {};
    for (const k of Object.keys(params)) { const problem = paramNameProblem(k); if (problem) { throw new MlopsError(problem); } }
    const tags = dedupe(input.tags ?? []);
    for (const t of tags) { assertText(t, 'tag', 100); }
    const start = input.startTime ?? new Date();
    if (Number.isNaN(start.getTime())) { throw new MlopsError('the run start time is not a valid date'); }
    if (input.endTime && Number.isNaN(input.endTime.getTime())) { throw new MlopsError('the run end time is not a valid date'); }
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
    if (input.parentRunId) { run.parentRunId = assertId(input.parentRunId); }
    if (input.pipeline) { run.pipeline = input.pipeline; }
    const valid = RunSchema.safeParse(run);
    if (!valid.success) { throw new MlopsError(`run is not valid: ${describeIssues(valid.error)}`); }
    await this.ensureExperiment(input.experiment);
    await this.files.guard.ensureDir(this.runsDir);
    await fsp.mkdir(this.runDir(run.id)); // exclusive: the one place a run folder is made
    const file = this.runFile(run.id);
    await this.files.guard.checkWrite(file);
    await writeFileAtomic(file, toJson(valid.data));
    return valid.data;
  }

  /** Full id from a full id or a unique prefix of at least 4 characters (case-insensitive), like short git hashes. */
  async resolveId(idOrPrefix: string): Promise<string> {
    const want = idOrPrefix.trim().toUpperCase();
    if (isId(want)) { return want; }
    if (!/^[0-9A-HJKMNP-TV-Z]{4,25}$/.test(want)) {
      throw new MlopsError(`invalid run id '${printable(idOrPrefix)}': expected a 26-character id or a unique prefix of at least 4 characters`);
    }
    const matches = (await this.files.guard.list(this.runsDir)).entries.map((d) => d.name).filter((e) => e.startsWith(want) && isId(e));
    if (matches.length === 1) { return matches[0]; }
    if (matches.length === 0) { throw new MlopsError(`no run with id starting '${printable(idOrPrefix)}'`, 'not-found'); }
    throw new MlopsError(`run id prefix '${printable(idOrPrefix)}' is ambiguous: ${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', …' : ''}`);
  }

  /** Reads a run; `folderChecked` when a listing already checked that runs/<id> is not a link leading out. */
  async readParsed(id: string, folderChecked = false): Promise<Parsed<Run>> {
    return this.files.read(this.runFile(id), RunSchema, runIdentity, { folderChecked });
  }

  async read(id: string): Promise<Run> {
    return this.files.strict(await this.readParsed(id), `no run with id ${id}`);
  }

  /**
   * Read-modify-write of run.json under its lock; fields unknown to this version are kept. The run is written back
   * to the file it was read from, and a run folder that is gone stays gone.
   */
  async update(id: string, mutate: (run: Run) => Run | void): Promise<Run> {
    const file = this.runFile(id);
    await this.files.guard.checkWrite(file).catch((e: unknown) => { throw notFoundAs(e, `no run with id ${id}`); });
    return withFileLock(file, async () => {
      const current = await this.read(id);
      const draft = structuredClone(current);
      const next = mutate(draft) ?? draft;
      if (next.id !== current.id) { throw new MlopsError('a run id cannot be changed'); }
      const valid = RunSchema.safeParse(next);
      if (!valid.success) { throw new MlopsError(`run update is not valid: ${describeIssues(valid.error)}`); }
      await this.files.guard.checkWrite(file);
      await writeFileAtomic(file, toJson(valid.data));
      return valid.data;
    }).catch((e: unknown) => { throw notFoundAs(e, `no run with id ${id}`); });
  }

  /** Marks a run ended; the duration is derived from its start unless already recorded. */
  async end(id: string, status: Exclude<RunStatus, 'running'>, meta: MetaMetrics = {}, at: Date = new Date()): Promise<Run> {
    if (Number.isNaN(at.getTime())) { throw new MlopsError('the run end time is not a valid date'); }
    return this.update(id, (run) => {
      run.status = status;
      run.endTime = nowIso(at);
      run.meta = { ...run.meta, ...meta };
      if (run.meta.durationMs === undefined) { run.meta.durationMs = Math.max(0, at.getTime() - Date.parse(run.startTime)); }
    });
  }

  // ---------------------------------------------------------------- metrics

  /** Appends metric points to a run (one write; safe with concurrent writers; never recreates a deleted run). */
  async logMetrics(id: string, points: readonly MetricInput[]): Promise<void> {
    const lines = encodeMetricLines(points);
    const runFile = this.runFile(id);
    if (!(await fsp.stat(runFile).catch(() => undefined))) { throw new MlopsError(`no run with id ${id}`, 'not-found'); }
    const file = this.metricsFile(id);
    await this.files.guard.checkWrite(file);
    try {
      await appendLines(file, lines);
    } catch (e) {
      if (isErrno(e, 'ELOOP')) { throw new MlopsError(`refusing to append through the symbolic link '${this.files.rel(file)}'`); }
      if (isErrno(e, 'ENOENT')) { throw new MlopsError(`no run with id ${id}`, 'not-found'); }
      throw e;
    }
  }

  /** Every point of a run (read as a stream: no limit on the file's size but memory for the points). */
  async readMetrics(id: string): Promise<{ points: MetricPoint[]; problems: StoreProblem[] }> {
    const file = this.metricsFile(id);
    const points: MetricPoint[] = [];
    try {
      const { problems } = await readMetricFile(file, (batch) => { for (const p of batch) { points.push(p); } });
      return { points, problems: problems.map((p) => ({ file: this.files.rel(file), reason: `line ${p.line}: ${p.reason}` })) };
    } catch (e) {
      if (isErrno(e, 'ENOENT')) { return { points: [], problems: [] }; }
      if (isErrno(e, 'ELOOP')) { return { points: [], problems: [{ file: this.files.rel(file), reason: 'a symbolic link; not followed' }] }; }
      return { points, problems: [{ file: this.files.rel(file), reason: `cannot read: ${messageOf(e)}` }] };
    }
  }

  // ---------------------------------------------------------------- listing

  /** Every run folder name under runs/ (ids), newest first. Foreign entries and links leading out are problems. */
  async listIds(): Promise<{ ids: string[]; problems: StoreProblem[] }> {
    // The listing reports and drops run folders that are links leading out of the store.
    const { entries, problems } = await this.files.guard.list(this.runsDir);
    const ids: string[] = [];
    for (const d of entries) {
      if (isId(d.name) && (d.isDirectory() || d.isSymbolicLink())) { ids.push(d.name); } else { problems.push({ file: this.files.rel(path.join(this.runsDir, d.name)), reason: 'not a run folder (its name is not a run id); ignored' }); }
    }
    ids.sort().reverse();
    return { ids, problems };
  }

  /** All runs (newest first), optionally of one experiment. */
  async list(filter: { experiment?: string } = {}): Promise<ReadResult<Run>> {
    const { ids, problems } = await this.listIds();
    const parsed = await mapLimit(ids, 64, (id) => this.readParsed(id, true));
    const items: Run[] = [];
    for (const p of parsed) {
      if (!p.ok) { problems.push(p.missing ? { ...p.problem, reason: 'run folder without run.json (an interrupted write?); ignored' } : p.problem); continue; }
      if (!filter.experiment || p.value.experiment === filter.experiment) { items.push(p.value); }
    }
    items.sort(byIdDesc);
    return { items, problems };
  }

  // ---------------------------------------------------------------- trash

  /**
   * Moves a run's folder to `.mlops/trash/runs/` (one rename; restorable, and ignored by git), under the run's lock so
   * that no update is half-way through it; writers never recreate the folder afterwards.
   */
  async trash(id: string): Promise<void> {
    const from = this.runDir(id);
    if (!(await fsp.stat(from).catch(() => undefined))) { throw new MlopsError(`no run with id ${id}`, 'not-found'); }
    await this.files.guard.checkWrite(this.runFile(id));
    await this.files.guard.ensureDir(this.trashDir);
    const to = path.join(this.trashDir, id);
    await withFileLock(this.runFile(id), async () => {
      if (await fsp.lstat(to).catch(() => undefined)) { throw new MlopsError(`run ${id} is already in the trash; restore it or empty the trash first`, 'conflict'); }
      await fsp.rename(from, to);
      // The lock moved with the folder; it is ours, so it goes.
      await fsp.rm(path.join(to, 'run.json.lock'), { recursive: true, force: true });
    }).catch((e: unknown) => { throw notFoundAs(e, `no run with id ${id}`); });
  }

  /** Runs in the trash that can still be read, newest first. */
  async listTrash(): Promise<ReadResult<Run>> {
    const r = await this.files.readAll(this.trashDir, RunSchema, { fileName: 'run.json', accept: isId, identity: runIdentity });
    r.items.sort(byIdDesc);
    return r;
  }

  /** Moves a trashed run back (under its lock); refuses to overwrite a run with the same id. */
  async restore(id: string): Promise<void> {
    const from = path.join(this.trashDir, assertId(id));
    if (!(await fsp.stat(from).catch(() => undefined))) { throw new MlopsError(`run ${id} is not in the trash`, 'not-found'); }
    const to = this.runDir(id);
    await this.files.guard.ensureDir(this.runsDir);
    await this.files.guard.checkWrite(path.join(from, 'run.json'));
    await withFileLock(path.join(from, 'run.json'), async () => {
      if (await fsp.lstat(to).catch(() => undefined)) { throw new MlopsError(`a run with id ${id} already exists; it was not overwritten`, 'conflict'); }
      await fsp.rename(from, to);
      await fsp.rm(path.join(to, 'run.json.lock'), { recursive: true, force: true });
    });
  }

  /**
   * Deletes trashed runs for good: all of them, or those moved to the trash before `olderThan` (the time of the move
   * is the folder's change time). Returns the ids deleted.
   */
  async emptyTrash(olderThan?: Date): Promise<string[]> {
    const { entries } = await this.files.guard.list(this.trashDir);
    const deleted: string[] = [];
    for (const d of entries) {
      if (!isId(d.name) || !d.isDirectory()) { continue; }
      const full = path.join(this.trashDir, d.name);
      if (olderThan) {
        const st = await fsp.stat(full);
        if (st.ctimeMs >= olderThan.getTime()) { continue; }
      }
      await fsp.rm(full, { recursive: true, force: true });
      deleted.push(d.name);
    }
    return deleted.sort();
  }
}

/** Maps "the folder does not exist" from a lock or a write check to the caller's not-found message. */
function notFoundAs(e: unknown, message: string): unknown {
  return e instanceof MlopsError && e.kind === 'not-found' ? new MlopsError(message, 'not-found') : e;
}
