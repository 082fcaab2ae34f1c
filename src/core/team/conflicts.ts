/**
 * Finding what a merge left for a person to resolve in the store: model version numbers claimed on two machines
 * (git's add/add conflict on `versions/<n>.json`, seen in the index, or conflict markers left in such a file),
 * models with two or more versions in production (two promotions merged), and any other store file left in conflict
 * or committed with conflict markers.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { ModelVersionSchema, type ModelVersion } from '../store/schemas';
import type { Store } from '../store/store';
import { runGit } from './gitRun';
import { productionConflict } from './production';
import type { TeamConflict } from './types';

/** One file git has in conflict (`git ls-files -u`), relative to the workspace root with `/`, and its index stages. */
export interface UnmergedFile {
  file: string;
  /** 1 = common ancestor, 2 = ours, 3 = theirs. */
  stages: number[];
}

/**
 * The store's files that git has in conflict (an unfinished merge, rebase or cherry-pick). Empty when the store is
 * not in a repository or git is not installed.
 */
export async function unmergedStoreFiles(store: Store): Promise<UnmergedFile[]> {
  const r = await runGit(store.root, ['ls-files', '-u', '-z', '--', store.rel(store.dir) || '.']);
  if (r.code !== 0) { return []; }
  const byFile = new Map<string, number[]>();
  for (const entry of r.stdout.split('\0')) {
    const m = /^\d+ [0-9a-f]+ (\d)\t(.+)$/s.exec(entry);
    if (!m) { continue; }
    const file = m[2];
    byFile.set(file, [...(byFile.get(file) ?? []), Number(m[1])]);
  }
  return [...byFile].map(([file, stages]) => ({ file, stages: stages.sort() }));
}

/** `{ model, version }` of a workspace-relative model version file (`.mlops/models/churn/versions/3.json`). */
export function versionFileParts(store: Store, rel: string): { model: string; version: number } | undefined {
  const prefix = `${store.rel(store.dir)}/models/`;
  if (!rel.startsWith(prefix)) { return undefined; }
  const m = /^([^/]+)\/versions\/([1-9]\d*)\.json$/.exec(rel.slice(prefix.length));
  return m ? { model: m[1], version: Number(m[2]) } : undefined;
}

/** The two sides of a file that holds git's conflict markers (`<<<<<<<`, `|||||||`, `=======`, `>>>>>>>`). */
export function splitConflictMarkers(text: string): { ours: string; theirs: string } | undefined {
  const ours: string[] = [];
  const theirs: string[] = [];
  let state: 'both' | 'ours' | 'base' | 'theirs' = 'both';
  let hunks = 0;
  const lines = text.split(/(?<=\n)/);
  for (const line of lines) {
    const marker = /^(<{7}|\|{7}|={7}|>{7})(?:[ \r\n]|$)/.exec(line)?.[1];
    if (marker?.startsWith('<') && state === 'both') { state = 'ours'; hunks++; continue; }
    if (marker?.startsWith('|') && state === 'ours') { state = 'base'; continue; }
    if (marker?.startsWith('=') && (state === 'ours' || state === 'base')) { state = 'theirs'; continue; }
    if (marker?.startsWith('>') && state === 'theirs') { state = 'both'; continue; }
    if (state === 'both' || state === 'ours') { ours.push(line); }
    if (state === 'both' || state === 'theirs') { theirs.push(line); }
  }
  if (hunks === 0 || state !== 'both') { return undefined; }
  return { ours: ours.join(''), theirs: theirs.join('') };
}

/** Parses one side of a version file as a model version (undefined when it is not one). */
export function parseVersionSide(store: Store, file: string, text: string): ModelVersion | undefined {
  const p = store.parseEntityText(file, text, ModelVersionSchema);
  return p.ok ? p.value : undefined;
}

/** Whether two sides are two different versions (another run or another registration), not one version edited twice. */
export function differentVersions(a: ModelVersion, b: ModelVersion): boolean {
  return a.runId !== b.runId || a.createdAt !== b.createdAt || a.artifact.sha256 !== b.artifact.sha256;
}

function claimMessage(version: number, how: string): string {
  return `version ${version} was created on two machines (${how}): Resolve… renumbers one, keeping both`;
}

/** What git is in the middle of in the store's repository (from the files it keeps in its git directory). */
export async function gitOperation(store: Store): Promise<'merge' | 'rebase' | 'cherry-pick' | undefined> {
  const r = await runGit(store.root, ['rev-parse', '--git-path', 'rebase-merge', '--git-path', 'rebase-apply', '--git-path', 'MERGE_HEAD', '--git-path', 'CHERRY_PICK_HEAD']);
  if (r.code !== 0) { return undefined; }
  const [rebaseMerge, rebaseApply, mergeHead, pickHead] = r.stdout.split(/\r?\n/).map((p) => path.resolve(store.root, p));
  const exists = (p: string | undefined) => p !== undefined && fsp.access(p).then(() => true, () => false);
  if (await exists(rebaseMerge) || await exists(rebaseApply)) { return 'rebase'; }
  if (await exists(mergeHead)) { return 'merge'; }
  if (await exists(pickHead)) { return 'cherry-pick'; }
  return undefined;
}

const THEIR_COMMIT = { merge: 'MERGE_HEAD', rebase: 'REBASE_HEAD', 'cherry-pick': 'CHERRY_PICK_HEAD' } as const;

/** What git left for a file in conflict that is not a number claimed twice, worded from its index stages. */
export function unmergedMessage(store: Store, u: UnmergedFile, op: 'merge' | 'rebase' | 'cherry-pick' | undefined): string {
  const runs = `${store.rel(store.dir)}/runs/`;
  // A run is a folder (run.json, metrics.jsonl): kept or removed whole, never one file of it.
  const target = u.file.startsWith(runs) && u.file.slice(runs.length).includes('/') ? u.file.slice(0, u.file.indexOf('/', runs.length)) : u.file;
  const what = target === u.file ? 'it' : `the run folder ${target}`;
  if (!u.stages.includes(2) || !u.stages.includes(3)) {
    // git checkout <commit> -- <path> restores every file of the folder from the side that kept it (the other side's
    // deletion of the unchanged files was already applied), and stages them.
    const side = u.stages.includes(2) ? 'HEAD' : THEIR_COMMIT[op ?? 'merge'];
    return `deleted on one side, changed on the other: keep ${what} with 'git checkout ${side} -- ${target}', or remove ${what} with 'git rm -r -- ${target}'`;
  }
  if (!u.stages.includes(1)) { return `created on both sides with different contents: edit it to keep what both sides meant, then 'git add' it`; }
  const rebaseAdvice = versionFileParts(store, u.file) && op === 'rebase'
    ? ` (when 'git pull --rebase' is replaying several of your commits onto a version number claimed twice: 'git rebase --abort', then 'git pull --no-rebase', then resolve)`
    : '';
  return `changed on both sides: edit it to keep what both sides meant, then 'git add' it${rebaseAdvice}`;
}

/**
 * Every problem a merge left in the store, by model: version numbers claimed twice (from git's index — stages 2 and
 * 3 without a common ancestor — or from conflict markers in a version file whose two sides are different versions),
 * models with ≥ 2 versions in production not promoted alongside each other (`productionConflict`), and every other
 * store file git has in conflict or that holds conflict markers (`unmergedFile`, with its model when it is a model
 * version file). `git: false` (an untrusted workspace) looks at the files only.
 */
export async function findTeamConflicts(store: Store, opts: { git?: boolean } = {}): Promise<TeamConflict[]> {
  const out: TeamConflict[] = [];
  const seen = new Set<string>();
  const unmerged = opts.git === false ? [] : await unmergedStoreFiles(store);
  const op = unmerged.length ? await gitOperation(store) : undefined;
  for (const u of unmerged) {
    const parts = versionFileParts(store, u.file);
    seen.add(u.file);
    if (parts && !u.stages.includes(1) && u.stages.includes(2) && u.stages.includes(3)) {
      out.push({ kind: 'versionClaimedTwice', ...parts, file: u.file, message: claimMessage(parts.version, 'git add/add conflict') });
    } else {
      out.push({ kind: 'unmergedFile', ...parts, file: u.file, message: unmergedMessage(store, u, op) });
    }
  }
  const listed = await store.listModelVersions();
  // A version file with conflict markers is a problem row of the listing (not valid JSON): look inside.
  for (const p of listed.problems) {
    const parts = versionFileParts(store, p.file);
    if (!parts || seen.has(p.file)) { continue; }
    const text = await fsp.readFile(path.join(store.root, p.file), 'utf8').catch(() => undefined);
    const sides = text === undefined ? undefined : splitConflictMarkers(text);
    if (!sides) { continue; }
    seen.add(p.file);
    const abs = path.join(store.root, p.file);
    const ours = parseVersionSide(store, abs, sides.ours);
    const theirs = parseVersionSide(store, abs, sides.theirs);
    if (ours && theirs && differentVersions(ours, theirs)) {
      out.push({ kind: 'versionClaimedTwice', ...parts, file: p.file, message: claimMessage(parts.version, 'conflict markers in the file') });
    } else {
      out.push({ kind: 'unmergedFile', ...parts, file: p.file, message: markersMessage(parts.version) });
    }
  }
  // Markers committed in any other store file git tracks (a run, a data version): each reported once.
  if (opts.git !== false) {
    for (const file of await filesWithMarkers(store)) {
      if (seen.has(file)) { continue; }
      seen.add(file);
      out.push({ kind: 'unmergedFile', ...versionFileParts(store, file), file, message: markersMessage() });
    }
  }
  for (const model of [...new Set(listed.items.filter((v) => v.stage === 'production').map((v) => v.model))]) {
    const c = productionConflict(model, listed.items);
    if (c) { out.push(c); }
  }
  const order = (c: TeamConflict): number => (c.kind === 'multipleProduction' ? 0 : c.version ?? 0);
  return out.sort((a, b) => (a.model ?? '').localeCompare(b.model ?? '') || a.kind.localeCompare(b.kind) || order(a) - order(b) || fileOf(a).localeCompare(fileOf(b)));
}

function fileOf(c: TeamConflict): string { return c.kind === 'multipleProduction' ? '' : c.file; }

function markersMessage(version?: number): string {
  return `${version === undefined ? 'this file' : `version ${version}`} holds git's conflict markers (it was committed in conflict) and cannot be read: edit the file to keep what both sides meant, then 'git add' it`;
}

/** Tracked store files with a line starting with a conflict marker (`<<<<<<< `), workspace-relative with `/`. */
async function filesWithMarkers(store: Store): Promise<string[]> {
  const r = await runGit(store.root, ['grep', '-l', '-z', '-I', '-E', '-e', '^<{7}( |$)', '--', store.rel(store.dir) || '.']);
  if (r.code !== 0) { return []; }
  // Named relative to the store's root, like `git ls-files -u` above.
  return r.stdout.split('\0').filter(Boolean);
}

/** The conflicts of one model. */
export async function modelTeamConflicts(store: Store, model: string, opts: { git?: boolean } = {}): Promise<TeamConflict[]> {
  return (await findTeamConflicts(store, opts)).filter((c) => c.model === model);
}

