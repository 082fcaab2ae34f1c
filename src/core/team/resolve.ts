/**
 * Resolving what a merge left: keeping one production version of a model (the others archived, with a note saying
 * why), and renumbering one of two versions created at the same number on two machines (both kept). Both write under
 * the model's lock, like a promotion, and only inside the store.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { MlopsError } from '../errors';
import { nowIso } from '../store/entities';
import { createFileExclusive, listDir, toJson, writeFileAtomic } from '../store/fsutil';
import { withFileLock } from '../store/lock';
import type { ModelVersion } from '../store/schemas';
import type { Store } from '../store/store';
import { differentVersions, gitOperation, parseVersionSide, splitConflictMarkers, unmergedStoreFiles } from './conflicts';
import { git, runGit } from './gitRun';
import type { ProductionResolution, VersionClaimResolution } from './types';

function lockTarget(store: Store, model: string): string {
  return path.join(store.modelDir(model), 'model.json');
}

async function writeVersion(store: Store, file: string, v: ModelVersion): Promise<void> {
  await store.guard.checkWrite(file);
  await writeFileAtomic(file, toJson(v));
}

/**
 * Keeps version `keep` in production and archives every other production version of the model, each with the
 * history entry `{ stage: 'archived', at, note: 'resolved after a merge: kept version N' }`.
 */
export async function resolveMultipleProduction(store: Store, model: string, keep: number): Promise<ProductionResolution> {
  await store.readModelVersion(model, keep); // a clear "no such version" before any lock
  const target = lockTarget(store, model);
  await store.guard.checkWrite(target);
  return withFileLock(target, async () => {
    const listed = await store.listModelVersions(model);
    const production = listed.items.filter((v) => v.stage === 'production').map((v) => v.version).sort((a, b) => a - b);
    if (!production.includes(keep)) {
      throw new MlopsError(`version ${keep} of model '${model}' is not in production${production.length ? ` (in production: ${production.join(', ')})` : ''}: keep one of the versions in production`, 'invalid-input');
    }
    const at = nowIso();
    const archived: number[] = [];
    for (const v of listed.items) {
      if (v.stage !== 'production' || v.version === keep) { continue; }
      v.stage = 'archived';
      v.stageHistory = [...v.stageHistory, { stage: 'archived', at, note: `resolved after a merge: kept version ${keep}` }];
      await writeVersion(store, store.modelVersionFile(model, v.version), v);
      archived.push(v.version);
    }
    return { model, kept: keep, archived: archived.sort((a, b) => a - b) };
  });
}

/** The two sides of a version file: from git's index (stages 2 and 3), else from conflict markers in the file. */
async function sidesOf(store: Store, model: string, version: number): Promise<{ ours: string; theirs: string; from: 'index' | 'markers' }> {
  const file = store.modelVersionFile(model, version);
  const rel = store.rel(file);
  const unmerged = (await unmergedStoreFiles(store)).find((u) => u.file === rel);
  if (unmerged) {
    if (unmerged.stages.includes(1)) {
      throw new MlopsError(`${rel} was changed on both sides (not created on both), so it is not renumbered: edit it to keep what both sides meant, then 'git add' it (when 'git pull --rebase' is replaying several of your commits onto a version number claimed twice: 'git rebase --abort', then 'git pull --no-rebase', then resolve)`, 'invalid-input');
    }
    if (!unmerged.stages.includes(2) || !unmerged.stages.includes(3)) {
      throw new MlopsError(`${rel} was deleted on one side and changed on the other: keep it with 'git add' or drop it with 'git rm'`, 'invalid-input');
    }
    const [ours, theirs] = await Promise.all([2, 3].map((n) => git(store.root, ['show', `:${n}:./${rel}`])));
    return { ours, theirs, from: 'index' };
  }
  const text = await fsp.readFile(file, 'utf8').catch(() => undefined);
  const sides = text === undefined ? undefined : splitConflictMarkers(text);
  if (!sides) { throw new MlopsError(`version ${version} of model '${model}' has no conflict to resolve (${rel} is not in conflict)`, 'invalid-input'); }
  return { ...sides, from: 'markers' };
}

/** Number of the next version file nobody has: past every `<n>.json` (readable or not) of the model. */
async function highestNumber(store: Store, model: string): Promise<number> {
  const names = await listDir(path.dirname(store.modelVersionFile(model, 1)));
  return names.map((n) => /^([1-9]\d*)\.json$/.exec(n)?.[1]).filter((n): n is string => n !== undefined).map(Number).reduce((m, n) => Math.max(m, n), 0);
}

/**
 * Two machines created version `version` of `model` (git's add/add conflict, or the markers it left): the one already
 * pushed (the other side of a merge; the upstream side of a rebase) keeps the number — unless only the local one has
 * left stage `none` — the other becomes the next free number (its `version` changed, its stageHistory kept, and
 * the run that registered it pointed at the new number), and both files are `git add`ed when the store is in a
 * repository, so `git commit` (or `git rebase --continue`) completes the merge.
 */
export async function resolveVersionClaim(store: Store, model: string, version: number): Promise<VersionClaimResolution> {
  const file = store.modelVersionFile(model, version);
  const target = lockTarget(store, model);
  await store.guard.checkWrite(target);
  return withFileLock(target, async () => {
    const sides = await sidesOf(store, model, version);
    const ours = parseVersionSide(store, file, sides.ours);
    const theirs = parseVersionSide(store, file, sides.theirs);
    if (!ours || !theirs) {
      throw new MlopsError(`${store.rel(file)}: ${!ours ? 'our' : 'their'} side is not a readable model version of '${model}' v${version}; resolve it by hand`, 'corrupt');
    }
    if (!differentVersions(ours, theirs)) {
      throw new MlopsError(`${store.rel(file)}: both sides are the same version (run ${ours.runId}), changed differently: edit it to keep what both meant, then 'git add' it`, 'invalid-input');
    }
    // The version already pushed keeps its number; the local, unpublished one moves. In a merge the local side is
    // ours (stage 2, the `<<<<<<<` side of markers); in a rebase it is theirs (stage 3: the commit being replayed).
    // A version already staged or promoted never moves for one that is not.
    const localIsTheirs = sides.from === 'index' && (await gitOperation(store)) === 'rebase';
    let [kept, moved] = localIsTheirs ? [ours, theirs] : [theirs, ours];
    if (moved.stage !== 'none' && kept.stage === 'none') { [kept, moved] = [moved, kept]; }
    await writeVersion(store, file, kept);
    let to = Math.max(await highestNumber(store, model), version) + 1;
    const renumbered: ModelVersion = { ...moved, version: to };
    for (;;) {
      const next = store.modelVersionFile(model, to);
      await store.guard.checkWrite(next);
      if (await createFileExclusive(next, toJson(renumbered))) { break; }
      renumbered.version = ++to;
    }
    const files = [store.rel(file), store.rel(store.modelVersionFile(model, to))];
    const runFile = await repointRun(store, moved.runId, model, version, to);
    if (runFile) { files.push(runFile); }
    if (sides.from === 'index' || (await runGit(store.root, ['rev-parse', '--is-inside-work-tree'])).code === 0) {
      await git(store.root, ['add', '--', ...files.map((f) => `./${f}`)]);
    }
    return {
      model,
      kept: { version, runId: kept.runId, createdAt: kept.createdAt },
      renumbered: { from: version, to, runId: moved.runId, createdAt: moved.createdAt },
      files,
    };
  });
}

/**
 * A pipeline run records the model versions it registered (`outputs.models`); the one renumbered is pointed at its
 * new number. Returns the run file when it changed (nothing when the run is not here or did not record it).
 */
async function repointRun(store: Store, runId: string, model: string, from: number, to: number): Promise<string | undefined> {
  const parsed = await store.readRunParsed(runId).catch(() => undefined);
  if (!parsed?.ok || !parsed.value.outputs?.models?.some((m) => m.model === model && m.version === from)) { return undefined; }
  await store.updateRun(runId, (run) => {
    for (const m of run.outputs?.models ?? []) { if (m.model === model && m.version === from) { m.version = to; } }
  });
  return store.rel(store.runFile(runId));
}
