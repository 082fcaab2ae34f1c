/**
 * From a model reference to the serve spec the Python server reads: which version (`name`, `name:3`,
 * `name@production`), how its artifact is loaded (the recorded flavor, or one inferred from the file name), and the
 * columns it takes (the training data profile of the producing run, minus the label).
 */
import * as path from 'node:path';
import { MlopsError, messageOf } from '../errors';
import { hashPath } from '../data/hash';
import type { Goals } from '../goals/document';
import type { LogInputMode } from '../monitor/types';
import type { ColumnProfile, FileProfile } from '../data/profile/schema';
import { MODEL_STAGES, type ModelFlavor, type ModelStage, type ModelVersion, type Run } from '../store/schemas';
import type { Store } from '../store/store';
import { DEFAULT_PORT, MAX_BODY_BYTES, REQUEST_TIMEOUT_S, SERVE_SPEC_VERSION, type FeatureSpec, type ServeSpec } from './types';

/** `name`, `name:3` / `name:v3`, `name@production`: the parts. Model names never hold `:` or `@`. */
export function parseModelRef(ref: string): { model: string; version?: number; stage?: ModelStage } {
  const at = /^(.+)@([^@:]*)$/.exec(ref);
  if (at) {
    const stage = at[2];
    if (!(MODEL_STAGES as readonly string[]).includes(stage)) {
      throw new MlopsError(`unknown stage '${stage}' in '${ref}': use ${MODEL_STAGES.map((s) => `@${s}`).join(', ')}`);
    }
    return { model: at[1], stage: stage as ModelStage };
  }
  const colon = /^(.+):([^:]*)$/.exec(ref);
  if (colon) {
    const n = Number(colon[2].replace(/^v/i, ''));
    if (!/^v?\d+$/i.test(colon[2]) || !Number.isSafeInteger(n) || n < 1) {
      throw new MlopsError(`bad model version '${colon[2]}' in '${ref}': expected a whole number such as ${colon[1]}:3, or ${colon[1]}@production`);
    }
    return { model: colon[1], version: n };
  }
  if (!ref.trim()) { throw new MlopsError('no model given: name one as MODEL, MODEL:VERSION or MODEL@STAGE'); }
  return { model: ref };
}

/**
 * The model version a reference names. A bare name means the version in production, else the newest version.
 * Clear errors for no such model, no such version, nothing in that stage.
 */
export async function resolveModelRef(store: Store, ref: string): Promise<ModelVersion> {
  const { model, version, stage } = parseModelRef(ref);
  const { items } = await store.listModelVersions(model).catch((e: unknown) => {
    if (e instanceof MlopsError && e.kind === 'invalid-input') { throw e; }
    return { items: [] as ModelVersion[] };
  });
  if (!items.length) {
    const names = (await store.listModels()).items.map((m) => m.name);
    throw new MlopsError(`no model '${model}'${names.length ? ` (models: ${names.join(', ')})` : ' (no model is registered yet)'}`, 'not-found');
  }
  if (version !== undefined) {
    const found = items.find((v) => v.version === version);
    if (!found) { throw new MlopsError(`model '${model}' has no version ${version} (versions: ${items.map((v) => v.version).sort((a, b) => a - b).join(', ')})`, 'not-found'); }
    return found;
  }
  if (stage !== undefined) {
    const at = items.filter((v) => v.stage === stage);
    if (!at.length) { throw new MlopsError(`model '${model}' has no version in ${stage}`, 'not-found'); }
    return at.sort((a, b) => b.version - a.version)[0];
  }
  return items.find((v) => v.stage === 'production') ?? items[0];
}

/** The flavor recorded for the version, or one inferred from the artifact's file name (with a warning). */
export function flavorOf(mv: ModelVersion): { flavor: ModelFlavor; warning?: string } {
  if (mv.flavor) { return { flavor: mv.flavor }; }
  const ext = path.extname(mv.artifact.path).toLowerCase();
  const name = ext === '.pkl' || ext === '.pickle' ? 'pickle' : ext === '.joblib' ? 'joblib' : undefined;
  if (name) {
    return { flavor: { name }, warning: `${mv.model} v${mv.version} has no recorded flavor; loading ${mv.artifact.path} with ${name} because of its extension (record one with mlops model register … --flavor ${name}); unpickling runs code in the file, so serve only artifacts you trust` };
  }
  throw new MlopsError(`${mv.model} v${mv.version} has no recorded flavor, and ${mv.artifact.path} is not a .pkl or .joblib file: register the version with one, e.g. `
    + `mlops model register --name ${mv.model} --run ${mv.runId} --artifact ${mv.artifact.path} --flavor python --entry predict.py:predict`);
}

export interface TrainingProfile {
  dataset: string;
  versionId: string;
  file: FileProfile;
}

/**
 * The input drift reference of a run: its data version of `reference` (when given), else the first of its data
 * versions whose profile has a readable tabular file; that profile's first such file.
 */
export async function trainingProfile(store: Store, run: Pick<Run, 'dataVersions'>, reference?: string): Promise<{ profile?: TrainingProfile; note?: string }> {
  const refs = reference !== undefined ? run.dataVersions.filter((d) => d.dataset === reference) : run.dataVersions;
  if (!refs.length) {
    return { note: reference !== undefined ? `the producing run used no version of dataset '${reference}' (monitoring.reference)` : 'the producing run recorded no data version' };
  }
  for (const ref of refs) {
    const parsed = await store.readDataProfile(ref.dataset, ref.version).catch(() => undefined);
    if (!parsed?.ok) { continue; }
    const file = parsed.value.files.find((f) => !f.error && f.columns.length > 0);
    if (file) { return { profile: { dataset: ref.dataset, versionId: ref.version, file } }; }
  }
  return { note: `no profile with a tabular file for ${refs.map((r) => `${r.dataset}@${r.version}`).join(', ')} (mlops data profile DATASET:VERSION makes one)` };
}

/** The model's input columns from a profile: every column but the label, its type, and whether it had missing values. */
export function featuresOf(file: FileProfile, label?: string): FeatureSpec[] {
  return file.columns.filter((c: ColumnProfile) => c.name !== label && !c.error)
    .map((c) => ({ name: c.name, type: c.type, nullable: c.missing > 0 }));
}

export interface ServeSpecOptions {
  host?: string;
  port?: number;
  logInputs?: LogInputMode;
  /** The workspace's goals (monitoring.label, .reference, .logInputs); read from goals.json when absent. */
  goals?: Goals;
  /** False: no prediction log (`--no-log`). */
  log?: boolean;
  /** False: skip checking the artifact's sha256 against the registered one (a changed pickle is refused). */
  checkArtifact?: boolean;
}

/**
 * The serve spec of a model version in this workspace: absolute paths into the workspace, the log under
 * `.mlops/monitoring/<model>`, the features from the training profile. Warnings say what was guessed or is missing.
 */
export async function buildServeSpec(store: Store, mv: ModelVersion, opts: ServeSpecOptions = {}): Promise<{ spec: ServeSpec; warnings: string[] }> {
  const warnings: string[] = [];
  const { flavor, warning } = flavorOf(mv);
  if (warning) { warnings.push(warning); }
  const goals = opts.goals ?? (await store.goals.read().catch(() => undefined))?.doc.goals;
  const monitoring = goals?.monitoring;
  const label = monitoring?.label;
  const run = await store.readRun(mv.runId).catch((e: unknown) => {
    warnings.push(`the producing run ${mv.runId} cannot be read (${e instanceof Error ? e.message : String(e)}): no commit, data versions or input checks`);
    return undefined;
  });
  let features: FeatureSpec[] | null = null;
  if (run) {
    const found = await trainingProfile(store, run, monitoring?.reference);
    if (found.profile) {
      features = featuresOf(found.profile.file, label);
      if (label !== undefined && !found.profile.file.columns.some((c) => c.name === label)) {
        warnings.push(`the label column '${label}' (monitoring.label) is not in the training data ${found.profile.dataset}@${found.profile.versionId}`);
      }
      if (label === undefined) {
        const names = features.map((f) => f.name);
        warnings.push(`monitoring.label is not set in goals.json, so every column of the training data is a required input (${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}); if one of them is the ground truth, set it as monitoring.label`);
      }
    } else {
      warnings.push(`requests are not checked against training columns: ${found.note}`);
    }
  }
  const artifact = path.isAbsolute(mv.artifact.path) ? mv.artifact.path : path.join(store.root, ...mv.artifact.path.split('/'));
  if (opts.checkArtifact !== false) {
    // Loading a pickle runs code from the file: only the bytes that were registered (and gated) are loaded.
    const hashed = await hashPath(artifact).catch((e: unknown) => {
      throw new MlopsError(`the artifact ${mv.artifact.path} of ${mv.model} v${mv.version} cannot be read (${messageOf(e)}); serve it where it was trained`, 'not-found');
    });
    const hash = hashed.kind === 'file' ? hashed.entries[0]?.sha256 : hashed.contentHash;
    if (hash !== mv.artifact.sha256) {
      const what = `the artifact ${mv.artifact.path} changed since ${mv.model} v${mv.version} was registered (its sha256 differs)`;
      if (flavor.name !== 'python') { throw new MlopsError(`${what}; unpickling runs code in the file, so it is not loaded: register the new file as a new version`, 'conflict'); }
      warnings.push(`${what}; it is served as it is now`);
    }
  }
  const spec: ServeSpec = {
    formatVersion: SERVE_SPEC_VERSION,
    model: mv.model,
    version: mv.version,
    runId: mv.runId,
    ...(run?.git?.commit ? { commit: run.git.commit } : {}),
    dataVersions: (run?.dataVersions ?? []).map((d) => ({ dataset: d.dataset, id: d.version })),
    flavor,
    artifact,
    pythonPath: [store.root],
    features,
    ...(label !== undefined ? { label } : {}),
    logDir: opts.log === false ? null : path.join(store.dir, 'monitoring', mv.model),
    logInputs: opts.logInputs ?? monitoring?.logInputs ?? 'features',
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? DEFAULT_PORT,
    maxBodyBytes: MAX_BODY_BYTES,
    requestTimeoutS: REQUEST_TIMEOUT_S,
  };
  return { spec, warnings };
}

/** Whether a host only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
