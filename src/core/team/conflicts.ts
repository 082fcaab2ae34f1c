/**
 * Finding what a merge left for a person to resolve in the store: model version numbers claimed on two machines
 * (git's add/add conflict on `versions/<n>.json`, seen in the index, or conflict markers left in such a file) and
 * models with two or more versions in production (two promotions merged).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { ModelVersionSchema, type ModelVersion } from '../store/schemas';
import type { Store } from '../store/store';
import { runGit } from './gitRun';
import { multipleProductionMessage } from './text';
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

/**
 * Every problem a merge left in the store, by model: version numbers claimed twice (from git's index — stages 2 and
 * 3 without a common ancestor — or from conflict markers in a version file whose two sides are different versions)
 * and models with ≥ 2 versions in production. `git: false` (an untrusted workspace) looks at the files only.
 */
export async function findTeamConflicts(store: Store, opts: { git?: boolean } = {}): Promise<TeamConflict[]> {
  const out: TeamConflict[] = [];
  const claimed = new Set<string>();
  const unmerged = opts.git === false ? [] : await unmergedStoreFiles(store);
  for (const u of unmerged) {
    const parts = versionFileParts(store, u.file);
    if (!parts || u.stages.includes(1) || !u.stages.includes(2) || !u.stages.includes(3)) { continue; }
    claimed.add(u.file);
    out.push({ kind: 'versionClaimedTwice', ...parts, file: u.file, message: claimMessage(parts.version, 'git add/add conflict') });
  }
  const listed = await store.listModelVersions();
  // A version file with conflict markers is a problem row of the listing (not valid JSON): look inside.
  for (const p of listed.problems) {
    const parts = versionFileParts(store, p.file);
    if (!parts || claimed.has(p.file)) { continue; }
    const text = await fsp.readFile(path.join(store.root, p.file), 'utf8').catch(() => undefined);
    const sides = text === undefined ? undefined : splitConflictMarkers(text);
    if (!sides) { continue; }
    const abs = path.join(store.root, p.file);
    const ours = parseVersionSide(store, abs, sides.ours);
    const theirs = parseVersionSide(store, abs, sides.theirs);
    if (!ours || !theirs || !differentVersions(ours, theirs)) { continue; }
    out.push({ kind: 'versionClaimedTwice', ...parts, file: p.file, message: claimMessage(parts.version, 'conflict markers in the file') });
  }
  const production = new Map<string, number[]>();
  for (const v of listed.items) {
    if (v.stage === 'production') { production.set(v.model, [...(production.get(v.model) ?? []), v.version]); }
  }
  for (const [model, versions] of production) {
    if (versions.length < 2) { continue; }
    versions.sort((a, b) => a - b);
    out.push({ kind: 'multipleProduction', model, versions, message: multipleProductionMessage(versions) });
  }
  const order = (c: TeamConflict): number => (c.kind === 'versionClaimedTwice' ? c.version : 0);
  return out.sort((a, b) => a.model.localeCompare(b.model) || a.kind.localeCompare(b.kind) || order(a) - order(b));
}

/** The conflicts of one model. */
export async function modelTeamConflicts(store: Store, model: string, opts: { git?: boolean } = {}): Promise<TeamConflict[]> {
  return (await findTeamConflicts(store, opts)).filter((c) => c.model === model);
}

