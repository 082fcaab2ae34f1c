/**
 * Data versions: `datasets/<name>/dataset.json`, `datasets/<name>/versions/<id>.json` and its
 * `<id>.manifest.jsonl`. A version records what the data was (hashes), never a copy of it.
 */
import { promises as fsp, constants as fsc } from 'node:fs';
import * as path from 'node:path';
import { MlopsError, messageOf } from '../errors';
import { hashPath, type HashProgress } from '../data/hash';
import { createFileExclusive, NOFOLLOW, parseJson, toJson, writeFileAtomic, type StoreProblem } from './fsutil';
import { byIdDesc, dedupe, describeIssues, nameMatches, nowIso, type EntityFiles, type IdentityCheck, type Parsed, type ReadResult } from './entities';
import { DataProfileSchema, type DataProfile } from '../data/profile/schema';
import { buildVersionProfile, type ProfileProgress } from '../data/versionProfile';
import { assertId, assertName, assertText, newId, printable } from './ids';
import { withFileLock } from './lock';
import { DataVersionSchema, DatasetSchema, FORMAT_VERSION, ManifestEntrySchema, type DataVersion, type Dataset, type ManifestEntry } from './schemas';

export interface TagDataInput {
  path: string;
  dataset: string;
  tags?: string[];
  description?: string;
  signal?: AbortSignal;
  onProgress?: (p: HashProgress) => void;
  /** Profile the version's tabular files (default true); a file that cannot be profiled never fails the tagging. */
  profile?: boolean;
  /** Called before each tabular file is profiled. */
  onProfileProgress?: (p: ProfileProgress) => void;
}

export interface TagDataResult {
  version: DataVersion;
  reused: boolean;
  addedTags: string[];
  /** The version's profile: written now, or already there for a reused version; absent with `profile: false`. */
  profile?: DataProfile;
}

/** `versions/<id>.json` must carry that id, and the dataset of the folder it is in. */
const versionIdentity: IdentityCheck<DataVersion> = (v, file) => {
  const id = path.basename(file, '.json');
  const dataset = path.basename(path.dirname(path.dirname(file)));
  if (v.id !== id) { return `its id ${printable(v.id)} is not ${id}, the id its file name says`; }
  if (v.dataset !== dataset) { return `its dataset '${printable(v.dataset)}' is not '${dataset}', the dataset folder it is in`; }
  return undefined;
};

export class DataStore {
  constructor(private readonly files: EntityFiles, private readonly dir: string, private readonly root: string) {}

  get datasetsDir(): string { return path.join(this.dir, 'datasets'); }
  datasetDir(name: string): string { return path.join(this.datasetsDir, assertName(name, 'dataset')); }
  versionsDir(name: string): string { return path.join(this.datasetDir(name), 'versions'); }
  versionFile(dataset: string, id: string): string { return path.join(this.versionsDir(dataset), `${assertId(id, 'data version id')}.json`); }
  manifestFile(dataset: string, id: string): string { return path.join(this.versionsDir(dataset), `${assertId(id, 'data version id')}.manifest.jsonl`); }
  /** `<id>.profile.json`: what the version's tabular files hold, column by column (written when it is tagged). */
  profileFile(dataset: string, id: string): string { return path.join(this.versionsDir(dataset), `${assertId(id, 'data version id')}.profile.json`); }
  /** `datasets/<d>/schema.json`: the common schema every version and source of the dataset is checked against. */
  schemaFile(dataset: string): string { return path.join(this.datasetDir(dataset), 'schema.json'); }

  /** A path as stored: relative to the workspace with `/`, or absolute when outside it. */
  sourceOf(abs: string): string {
    const rel = path.relative(this.root, abs);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : abs;
  }

  async ensureDataset(name: string, description?: string): Promise<Dataset> {
    return this.files.ensureNamed(path.join(this.datasetDir(name), 'dataset.json'), name, description, DatasetSchema);
  }

  /**
   * Hashes a file or folder and records it as a version of `dataset`. Identical content (same content hash) reuses
   * the existing version and only adds the new tags. Cancelling (signal) before the end writes nothing.
   */
  async tag(input: TagDataInput): Promise<TagDataResult> {
    assertName(input.dataset, 'dataset');
    const tags = dedupe(input.tags ?? []);
    for (const t of tags) { assertText(t, 'tag', 100); }
    const abs = path.resolve(input.path);
    const hashed = await hashPath(abs, { signal: input.signal, onProgress: input.onProgress });
    if (input.signal?.aborted) { throw new MlopsError('cancelled; nothing was written', 'cancelled'); }
    await this.ensureDataset(input.dataset, input.description);
    const existing = (await this.listVersions(input.dataset)).items.find((v) => v.contentHash === hashed.contentHash);
    if (existing) {
      const addedTags = tags.filter((t) => !existing.tags.includes(t));
      const version = addedTags.length === 0 ? existing : await this.updateVersion(input.dataset, existing.id, (v) => { v.tags = dedupe([...v.tags, ...addedTags]); });
      // A version tagged before profiles existed gets its profile now, from the same content.
      const profile = input.profile === false ? undefined : await this.readProfile(input.dataset, existing.id).then((p) => (p.ok ? p.value : undefined))
        ?? await this.writeNewProfile(version, abs, hashed.entries, input);
      return { version, reused: true, addedTags, profile };
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
    await this.files.guard.ensureDir(this.versionsDir(input.dataset));
    const manifest = this.manifestFile(input.dataset, version.id);
    const file = this.versionFile(input.dataset, version.id);
    await this.files.guard.checkWrite(manifest);
    await this.files.guard.checkWrite(file);
    // The manifest first: a version file never points at a manifest that is not there.
    await writeFileAtomic(manifest, hashed.entries.map((e) => JSON.stringify(e)).join('\n') + (hashed.entries.length ? '\n' : ''));
    await writeFileAtomic(file, toJson(version));
    const profile = input.profile === false ? undefined : await this.writeNewProfile(version, abs, hashed.entries, input);
    return { version, reused: false, addedTags: tags, profile };
  }

  /**
   * Profiles the files of `source` (the version's manifest entries) and writes `<id>.profile.json`. Never throws for
   * bad data: a file that cannot be read is a file profile with `error`. Cancelling writes no profile (the version
   * stays; `mlops data profile` can make the profile later).
   */
  private async writeNewProfile(version: DataVersion, source: string, entries: readonly ManifestEntry[], input: Pick<TagDataInput, 'signal' | 'onProfileProgress'>): Promise<DataProfile | undefined> {
    const profile = await buildVersionProfile(version, source, entries, { signal: input.signal, onProgress: input.onProfileProgress });
    if (input.signal?.aborted) { return undefined; }
    await this.writeProfile(profile);
    return profile;
  }

  async writeProfile(profile: DataProfile): Promise<void> {
    const file = this.profileFile(profile.dataset, profile.versionId);
    await this.files.guard.checkWrite(file);
    await writeFileAtomic(file, toJson(profile));
  }

  /** The stored profile of a version; `missing` when it has none (tagged before profiles, or with profiling off). */
  readProfile(dataset: string, id: string): Promise<Parsed<DataProfile>> {
    return this.files.read(this.profileFile(dataset, id), DataProfileSchema);
  }

  /**
   * (Re-)profiles an existing version from its source, after checking that the files there still hold the
   * version's content (a profile must describe the version, not whatever the folder holds today).
   */
  async profileVersion(dataset: string, id: string, opts: { signal?: AbortSignal; onProgress?: (p: ProfileProgress) => void; source?: string } = {}): Promise<DataProfile> {
    const version = this.files.strict(await this.files.read(this.versionFile(dataset, id), DataVersionSchema, versionIdentity), `no version ${id} of dataset '${dataset}'`);
    const source = opts.source ?? path.resolve(this.root, version.source);
    const hashed = await hashPath(source, { signal: opts.signal });
    if (hashed.contentHash !== version.contentHash) {
      throw new MlopsError(`${source} no longer holds ${dataset} version ${id} (its content hash differs); profile it from a copy of that data with --source PATH`, 'conflict');
    }
    const profile = await buildVersionProfile(version, source, hashed.entries, { signal: opts.signal, onProgress: opts.onProgress });
    if (opts.signal?.aborted) { throw new MlopsError('cancelled; nothing was written', 'cancelled'); }
    await this.writeProfile(profile);
    return profile;
  }

  /** The dataset's schema.json as text; `missing` when the dataset has none. */
  readSchemaText(dataset: string): ReturnType<EntityFiles['readText']> {
    return this.files.readText(this.schemaFile(dataset));
  }

  /** Writes a new schema.json; never replaces one (it is edited by people). */
  async createSchema(dataset: string, text: string): Promise<string> {
    const file = this.schemaFile(dataset);
    await this.files.guard.ensureDir(this.datasetDir(dataset));
    await this.files.guard.checkWrite(file);
    if (!await createFileExclusive(file, text)) {
      throw new MlopsError(`${this.files.rel(file)} already exists; edit it, or delete it first to write a new one`, 'conflict');
    }
    return file;
  }

  /** Read-modify-write of one version under its lock, written back to the file it was read from. */
  async updateVersion(dataset: string, id: string, mutate: (v: DataVersion) => DataVersion | void): Promise<DataVersion> {
    const file = this.versionFile(dataset, id);
    await this.files.guard.checkWrite(file);
    return withFileLock(file, async () => {
      const current = this.files.strict(await this.files.read(file, DataVersionSchema, versionIdentity), `no version ${id} of dataset '${dataset}'`);
      const draft = structuredClone(current);
      const next = mutate(draft) ?? draft;
      if (next.id !== current.id || next.dataset !== current.dataset) { throw new MlopsError('a data version id or dataset cannot be changed'); }
      const valid = DataVersionSchema.safeParse(next);
      if (!valid.success) { throw new MlopsError(`data version update is not valid: ${describeIssues(valid.error)}`); }
      await this.files.guard.checkWrite(file);
      await writeFileAtomic(file, toJson(valid.data));
      return valid.data;
    });
  }

  async listDatasets(): Promise<ReadResult<Dataset>> {
    const r = await this.files.readAll(this.datasetsDir, DatasetSchema, { fileName: 'dataset.json', identity: nameMatches((file) => path.basename(path.dirname(file))) });
    r.items.sort((a, b) => a.name.localeCompare(b.name));
    return r;
  }

  /** Versions of one dataset, or of all datasets, newest first. */
  async listVersions(dataset?: string): Promise<ReadResult<DataVersion>> {
    const out = await readVersionFolders(this.files, this.datasetsDir, dataset, 'dataset', (dir) => this.files.readAll(dir, DataVersionSchema, {
      accept: (e) => e.endsWith('.json') && !e.endsWith('.profile.json'),
      identity: versionIdentity,
    }));
    out.items.sort(byIdDesc);
    return out;
  }

  /**
   * A version of a dataset by id, unique id prefix or tag (the newest version carrying the tag); without `ref`, the
   * newest version.
   */
  async resolveVersion(dataset: string, ref?: string): Promise<DataVersion> {
    const versions = (await this.listVersions(dataset)).items;
    if (versions.length === 0) { throw new MlopsError(`dataset '${dataset}' has no versions; tag one with 'mlops data tag PATH --dataset ${dataset}'`, 'not-found'); }
    if (!ref) { return versions[0]; }
    const upper = ref.toUpperCase();
    const byId = versions.filter((v) => v.id === upper || (upper.length >= 4 && v.id.startsWith(upper)));
    if (byId.length === 1) { return byId[0]; }
    const byTag = versions.find((v) => v.tags.includes(ref));
    if (byTag) { return byTag; }
    const tags = dedupe(versions.flatMap((v) => v.tags));
    throw new MlopsError(`dataset '${dataset}' has no version or tag '${printable(ref)}'${tags.length ? ` (tags: ${tags.slice(0, 10).join(', ')})` : ''}`, 'not-found');
  }

  async readManifest(dataset: string, id: string): Promise<{ entries: ManifestEntry[]; problems: StoreProblem[] }> {
    const file = this.manifestFile(dataset, id);
    let text: string;
    try {
      const fh = await fsp.open(file, fsc.O_RDONLY | NOFOLLOW);
      try { text = await fh.readFile('utf8'); } finally { await fh.close(); }
    } catch (e) {
      throw new MlopsError(`cannot read ${this.files.rel(file)}: ${messageOf(e)}`, 'not-found');
    }
    const entries: ManifestEntry[] = [];
    const problems: StoreProblem[] = [];
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) { return; }
      const json = parseJson(line);
      const r = json.ok ? ManifestEntrySchema.safeParse(json.value) : undefined;
      if (r?.success) { entries.push(r.data); } else { problems.push({ file: this.files.rel(file), reason: `line ${i + 1}: not a manifest entry; skipped` }); }
    });
    return { entries, problems };
  }
}

/**
 * Reads `<kind>/<name>/versions/` of one name or of every name under `<kind>/` (datasets and models share this
 * shape); a name folder that is a file or a link leading out is a problem.
 */
export async function readVersionFolders<T>(files: EntityFiles, kindDir: string, name: string | undefined, what: string, readDir: (versionsDir: string) => Promise<ReadResult<T>>): Promise<ReadResult<T>> {
  const out: ReadResult<T> = { items: [], problems: [] };
  let names: string[];
  if (name) {
    names = [assertName(name, what)];
  } else {
    const listed = await files.guard.list(kindDir);
    out.problems.push(...listed.problems);
    names = listed.entries.map((d) => d.name);
  }
  for (const n of names) {
    const r = await readDir(path.join(kindDir, n, 'versions'));
    out.items.push(...r.items);
    out.problems.push(...r.problems);
  }
  return out;
}
