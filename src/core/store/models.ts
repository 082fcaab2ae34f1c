/**
 * Models: `models/<name>/model.json` and `models/<name>/versions/<n>.json`. The number in the file name is the
 * version's identity; promotion writes in an order that never leaves two production versions, whatever is killed.
 */
import * as path from 'node:path';
import { MlopsError } from '../errors';
import { hashPath, type HashProgress } from '../data/hash';
import { createFileExclusive, toJson, writeFileAtomic } from './fsutil';
import { nameMatches, nowIso, type EntityFiles, type IdentityCheck, type ReadResult } from './entities';
import { readVersionFolders } from './dataVersions';
import { assertId, assertName, printable } from './ids';
import { withFileLock } from './lock';
import { ModelSchema, ModelVersionSchema, FORMAT_VERSION, type Model, type ModelFlavor, type ModelStage, type ModelVersion } from './schemas';
import type { RunStore } from './runs';

/** What a gated stage change adds to its history entry: who, the waivers and the gate's result (gate/types.ts). */
export type StageRecord = Omit<ModelVersion['stageHistory'][number], 'stage' | 'at'>;

export interface RegisterModelInput {
  name: string;
  runId: string;
  artifactPath: string;
  description?: string;
  /** How the artifact is loaded to serve it (see ModelFlavorSchema). */
  flavor?: ModelFlavor;
  signal?: AbortSignal;
  onProgress?: (p: HashProgress) => void;
}

/** `versions/<n>.json` must say version n of the model whose folder it is in. */
const versionIdentity: IdentityCheck<ModelVersion> = (v, file) => {
  const n = Number(path.basename(file, '.json'));
  const model = path.basename(path.dirname(path.dirname(file)));
  if (v.version !== n) { return `it says version ${v.version}, but its file is version ${n}`; }
  if (v.model !== model) { return `it says model '${printable(v.model)}', but it is in the folder of model '${model}'`; }
  return undefined;
};

export class ModelStore {
  constructor(
    private readonly files: EntityFiles,
    private readonly dir: string,
    private readonly runs: RunStore,
    private readonly sourceOf: (abs: string) => string,
  ) {}

  get modelsDir(): string { return path.join(this.dir, 'models'); }
  modelDir(name: string): string { return path.join(this.modelsDir, assertName(name, 'model')); }
  versionsDir(name: string): string { return path.join(this.modelDir(name), 'versions'); }
  versionFile(name: string, version: number): string {
    if (!Number.isSafeInteger(version) || version < 1) { throw new MlopsError(`invalid model version '${version}': expected a whole number ≥ 1`); }
    return path.join(this.versionsDir(name), `${version}.json`);
  }

  async ensureModel(name: string, description?: string): Promise<Model> {
    return this.files.ensureNamed(path.join(this.modelDir(name), 'model.json'), name, description, ModelSchema);
  }

  /** Registers an artifact produced by a run as the next version of a model (stage `none`). */
  async register(input: RegisterModelInput): Promise<ModelVersion> {
    assertName(input.name, 'model');
    const run = await this.runs.read(assertId(input.runId));
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
    await this.files.guard.ensureDir(this.versionsDir(input.name));
    // Version numbers are claimed by exclusive create, so two processes registering at once get 1 and 2. Numbers
    // of files that could not be read count as taken.
    const listed = await this.listVersions(input.name);
    const taken = [...listed.items.map((v) => v.version), ...listed.problems.map((p) => Number(path.basename(p.file, '.json'))).filter(Number.isSafeInteger)];
    let version = taken.reduce((m, v) => Math.max(m, v), 0) + 1;
    for (let attempt = 0; attempt < 1000; attempt++, version++) {
      const mv: ModelVersion = {
        formatVersion: FORMAT_VERSION, model: input.name, version, artifact, runId: run.id, stage: 'none', createdAt,
        ...(input.flavor ? { flavor: input.flavor } : {}),
        stageHistory: [{ stage: 'none', at: createdAt }],
      };
      const file = this.versionFile(input.name, version);
      await this.files.guard.checkWrite(file);
      if (await createFileExclusive(file, toJson(mv))) { return mv; }
    }
    throw new MlopsError(`could not claim a version number for model '${input.name}'`, 'conflict');
  }

  async readVersion(name: string, version: number): Promise<ModelVersion> {
    return this.files.strict(await this.files.read(this.versionFile(name, version), ModelVersionSchema, versionIdentity), `model '${name}' has no version ${version}`);
  }

  /**
   * Moves a model version to a stage, under the model's lock so two promotions cannot both win. Promoting to
   * production first archives the versions that are in production (unless `archiveExisting` is false), then writes
   * the new stage: a crash between any two writes leaves at most one production version.
   */
  async setStage(name: string, version: number, stage: ModelStage, opts: { archiveExisting?: boolean; record?: StageRecord } = {}): Promise<{ version: ModelVersion; archived: ModelVersion[] }> {
    const archiveExisting = opts.archiveExisting ?? stage === 'production';
    await this.readVersion(name, version); // a clear "no such version" before any lock is taken
    const lockTarget = path.join(this.modelDir(name), 'model.json');
    await this.files.guard.checkWrite(lockTarget);
    return withFileLock(lockTarget, async () => {
      const target = await this.readVersion(name, version);
      const at = nowIso();
      const archived: ModelVersion[] = [];
      let alongside: number[] = [];
      if (stage === 'production' && !archiveExisting) {
        // Kept in production on purpose: recorded, so a later look (findTeamConflicts) can tell it from a merge.
        alongside = (await this.listVersions(name)).items.filter((v) => v.version !== version && v.stage === 'production').map((v) => v.version).sort((a, b) => a - b);
      }
      if (stage === 'production' && archiveExisting) {
        const listed = await this.listVersions(name);
        for (const other of listed.items) {
          if (other.version === version || other.stage !== 'production') { continue; }
          other.stage = 'archived';
          other.stageHistory = [...other.stageHistory, { stage: 'archived', at }];
          await this.write(name, other);
          archived.push(other);
        }
      }
      if (target.stage !== stage || opts.record) {
        target.stage = stage;
        target.stageHistory = [...target.stageHistory, { stage, at, ...(alongside.length ? { alongside } : {}), ...opts.record }];
        await this.write(name, target);
      }
      return { version: target, archived };
    });
  }

  private async write(name: string, v: ModelVersion): Promise<void> {
    const file = this.versionFile(name, v.version);
    await this.files.guard.checkWrite(file);
    await writeFileAtomic(file, toJson(v));
  }

  async listModels(): Promise<ReadResult<Model>> {
    const r = await this.files.readAll(this.modelsDir, ModelSchema, { fileName: 'model.json', identity: nameMatches((file) => path.basename(path.dirname(file))) });
    r.items.sort((a, b) => a.name.localeCompare(b.name));
    return r;
  }

  /** Versions of one model, or of all models; by model name, then highest version first. */
  async listVersions(name?: string): Promise<ReadResult<ModelVersion>> {
    const out = await readVersionFolders(this.files, this.modelsDir, name, 'model', (dir) => this.files.readAll(dir, ModelVersionSchema, {
      accept: (e) => /^\d+\.json$/.test(e),
      identity: versionIdentity,
    }));
    out.items.sort((a, b) => a.model.localeCompare(b.model) || b.version - a.version);
    return out;
  }
}
