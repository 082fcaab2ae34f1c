/**
 * The `.mlops` store: plain JSON files in the workspace, one file per entity, so that two people's runs never touch
 * the same file and merge cleanly in git. See docs/format.md for the layout.
 *
 * `Store` is the facade; each entity lives in its own module (runs.ts: runs, metrics, experiments, trash;
 * dataVersions.ts; models.ts; policy.ts), sharing the reading rules of entities.ts and the write guard of guard.ts.
 *
 * Guarantees: whole-file writes are atomic; metric appends from many processes lose nothing; read-modify-write of a
 * file happens under an owned lock; no write leaves the store, even through a symbolic link; reading never rewrites
 * or deletes anything — bad files are returned as problems next to the good entities.
 */
import { promises as fsp, existsSync } from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import { MlopsError } from '../errors';
import { createFileExclusive, toJson } from './fsutil';
import { EntityFiles, nowIso, type Parsed, type ReadResult } from './entities';
import { StoreGuard } from './guard';
import { RunStore, type NewRun } from './runs';
import { DataStore, type TagDataInput, type TagDataResult } from './dataVersions';
import type { DataProfile } from '../data/profile/schema';
import { ModelStore, type RegisterModelInput } from './models';
import { PolicyStore } from './policy';
import { GoalsFileStore } from '../goals/file';
import type { MetricInput, MetricPoint } from './metrics';
import type { StoreProblem } from './fsutil';
import {
  FORMAT_VERSION, StoreManifestSchema,
  type DataVersion, type Dataset, type Experiment, type ManifestEntry, type MetaMetrics,
  type Model, type ModelStage, type ModelVersion, type Policy, type Run, type RunStatus, type StoreManifest,
} from './schemas';

export { describeIssues, type Parsed, type ReadResult } from './entities';
export type { NewRun } from './runs';
export type { TagDataInput, TagDataResult } from './dataVersions';
export type { RegisterModelInput } from './models';

export const STORE_DIR = '.mlops';
const MANIFEST_FILE = 'mlops.json';

/**
 * `.mlops/.gitignore`: machine-local files stay out of git, and the store's own folders are kept in even when the
 * repository ignores folders of those names (a root `.gitignore` saying `models/` or `data/` would otherwise hide
 * the model registry from the team, without a word).
 */
export const STORE_GITIGNORE = '# machine-local files of MLOps Workbench\n*.lock/\n.*.lock.*/\n.*.tmp\n/trash/\n/cache/\n'
  + '# prediction logs of a served model: they hold request inputs and grow with traffic\n/monitoring/\n'
  + '# the store itself is shared, whatever names the repository ignores elsewhere\n!/runs/\n!/experiments/\n!/datasets/\n!/models/\n';

/**
 * `.mlops/.gitattributes`: the JSON records merge through the `mlops` merge driver (`mlops git setup` configures it
 * on a machine; without it git falls back to its text merge, so the file is harmless), the append-only logs by
 * keeping both sides' lines.
 */
export const STORE_GITATTRIBUTES_RULES = ['*.json merge=mlops', '*.jsonl merge=union'] as const;
export const STORE_GITATTRIBUTES = '# MLOps Workbench: JSON records merge structurally (mlops git merge-driver); append-only logs keep both sides\' lines\n'
  + `${STORE_GITATTRIBUTES_RULES.join('\n')}\n`;

export class Store {
  /** The `.mlops` folder. */
  readonly dir: string;

  readonly guard: StoreGuard;
  private readonly files: EntityFiles;
  /** Runs, their metrics, experiments and the trash. */
  readonly runs: RunStore;
  /** Datasets, their versions and manifests. */
  readonly data: DataStore;
  /** Models and their versions and stages. */
  readonly models: ModelStore;
  readonly policy: PolicyStore;
  /** `.mlops/goals.json`: metric goals, KPIs, production constraints and budget. */
  readonly goals: GoalsFileStore;

  private constructor(
    /** The workspace folder that contains `.mlops`. */
    readonly root: string,
  ) {
    this.dir = path.join(root, STORE_DIR);
    this.guard = new StoreGuard(root, this.dir);
    this.files = new EntityFiles(this.guard);
    this.runs = new RunStore(this.files, this.dir);
    this.data = new DataStore(this.files, this.dir, root);
    this.models = new ModelStore(this.files, this.dir, this.runs, (abs) => this.data.sourceOf(abs));
    this.policy = new PolicyStore(this.files, this.dir);
    this.goals = new GoalsFileStore(this.files, this.dir);
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
      await createFileExclusive(path.join(store.dir, '.gitignore'), STORE_GITIGNORE);
      // Merges of the store through git (docs/team.md).
      await createFileExclusive(path.join(store.dir, '.gitattributes'), STORE_GITATTRIBUTES);
    }
    await Store.open(resolved);
    return { store, created };
  }

  /** Opens the store whose workspace folder is `root`; fails clearly when there is none or it is too new. */
  static async open(root: string): Promise<Store> {
    const store = new Store(path.resolve(root));
    const file = path.join(store.dir, MANIFEST_FILE);
    const parsed = await store.files.read(file, StoreManifestSchema);
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
  rel(file: string): string { return this.guard.rel(file); }

  runDir(id: string): string { return this.runs.runDir(id); }
  runFile(id: string): string { return this.runs.runFile(id); }
  metricsFile(id: string): string { return this.runs.metricsFile(id); }
  experimentFile(name: string): string { return this.runs.experimentFile(name); }
  datasetDir(name: string): string { return this.data.datasetDir(name); }
  dataVersionFile(dataset: string, id: string): string { return this.data.versionFile(dataset, id); }
  manifestFile(dataset: string, id: string): string { return this.data.manifestFile(dataset, id); }
  dataProfileFile(dataset: string, id: string): string { return this.data.profileFile(dataset, id); }
  dataSchemaFile(dataset: string): string { return this.data.schemaFile(dataset); }
  modelDir(name: string): string { return this.models.modelDir(name); }
  modelVersionFile(name: string, version: number): string { return this.models.versionFile(name, version); }
  policyFile(): string { return this.policy.file; }
  goalsFile(): string { return this.goals.file; }

  // ---------------------------------------------------------------- the facade (one line each; the logic is in the entity modules)

  /** Reads and validates one entity file; a bad file becomes a problem, never an exception. */
  readEntity<S extends z.ZodType>(file: string, schema: S): Promise<Parsed<z.infer<S>>> { return this.files.read(file, schema); }
  /** Validates an entity file's text (already read) by the same rules as `readEntity`. */
  parseEntityText<S extends z.ZodType>(file: string, text: string, schema: S): Parsed<z.infer<S>> { return this.files.parse(file, text, schema); }

  ensureExperiment(name: string, description?: string): Promise<Experiment> { return this.runs.ensureExperiment(name, description); }
  listExperiments(): Promise<ReadResult<Experiment>> { return this.runs.listExperiments(); }

  createRun(input: NewRun): Promise<Run> { return this.runs.create(input); }
  resolveRunId(idOrPrefix: string): Promise<string> { return this.runs.resolveId(idOrPrefix); }
  readRunParsed(id: string): Promise<Parsed<Run>> { return this.runs.readParsed(id); }
  readRun(id: string): Promise<Run> { return this.runs.read(id); }
  updateRun(id: string, mutate: (run: Run) => Run | void): Promise<Run> { return this.runs.update(id, mutate); }
  endRun(id: string, status: Exclude<RunStatus, 'running'>, meta?: MetaMetrics, at?: Date): Promise<Run> { return this.runs.end(id, status, meta, at); }
  logMetrics(id: string, points: readonly MetricInput[]): Promise<void> { return this.runs.logMetrics(id, points); }
  readMetrics(id: string): Promise<{ points: MetricPoint[]; problems: StoreProblem[] }> { return this.runs.readMetrics(id); }
  listRunIds(): Promise<{ ids: string[]; problems: StoreProblem[] }> { return this.runs.listIds(); }
  listRuns(filter: { experiment?: string } = {}): Promise<ReadResult<Run>> { return this.runs.list(filter); }
  trashRun(id: string): Promise<void> { return this.runs.trash(id); }
  listTrash(): Promise<ReadResult<Run>> { return this.runs.listTrash(); }
  restoreRun(id: string): Promise<void> { return this.runs.restore(id); }

  ensureDataset(name: string, description?: string): Promise<Dataset> { return this.data.ensureDataset(name, description); }
  tagData(input: TagDataInput): Promise<TagDataResult> { return this.data.tag(input); }
  readDataProfile(dataset: string, id: string): Promise<Parsed<DataProfile>> { return this.data.readProfile(dataset, id); }
  profileDataVersion(dataset: string, id: string, opts?: Parameters<DataStore['profileVersion']>[2]): Promise<DataProfile> { return this.data.profileVersion(dataset, id, opts); }
  updateDataVersion(dataset: string, id: string, mutate: (v: DataVersion) => DataVersion | void): Promise<DataVersion> { return this.data.updateVersion(dataset, id, mutate); }
  listDatasets(): Promise<ReadResult<Dataset>> { return this.data.listDatasets(); }
  listDataVersions(dataset?: string): Promise<ReadResult<DataVersion>> { return this.data.listVersions(dataset); }
  resolveDataVersion(dataset: string, ref?: string): Promise<DataVersion> { return this.data.resolveVersion(dataset, ref); }
  readManifest(dataset: string, id: string): Promise<{ entries: ManifestEntry[]; problems: StoreProblem[] }> { return this.data.readManifest(dataset, id); }

  readPolicy(): Promise<Policy> { return this.policy.read(); }
  addVetted(names: readonly string[]): Promise<Policy> { return this.policy.addVetted(names); }

  ensureModel(name: string, description?: string): Promise<Model> { return this.models.ensureModel(name, description); }
  registerModel(input: RegisterModelInput): Promise<ModelVersion> { return this.models.register(input); }
  readModelVersion(name: string, version: number): Promise<ModelVersion> { return this.models.readVersion(name, version); }
  setModelStage(name: string, version: number, stage: ModelStage, opts: Parameters<ModelStore['setStage']>[3] = {}): Promise<{ version: ModelVersion; archived: ModelVersion[] }> { return this.models.setStage(name, version, stage, opts); }
  listModels(): Promise<ReadResult<Model>> { return this.models.listModels(); }
  listModelVersions(name?: string): Promise<ReadResult<ModelVersion>> { return this.models.listVersions(name); }
}
