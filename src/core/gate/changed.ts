/**
 * Which model versions a change touched: every `.mlops/models/<model>/versions/<n>.json` that differs from a
 * revision (a pull request's base) or is new, kept when the version is in production or staging — what CI gates.
 */
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { MlopsError, messageOf } from '../errors';
import type { ModelStage } from '../store/schemas';
import type { Store } from '../store/store';

export interface ChangedVersions {
  versions: { model: string; version: number; stage: ModelStage }[];
  problems: string[];
}

const VERSION_FILE = /^models\/([^/]+)\/versions\/(\d+)\.json$/;

export async function changedModelVersions(store: Store, rev: string, stages: readonly ModelStage[] = ['production', 'staging']): Promise<ChangedVersions> {
  if (rev.startsWith('-')) { throw new MlopsError(`'${rev}' is not a revision`, 'invalid-input'); }
  const git = simpleGit({ baseDir: store.root, timeout: { block: 30_000 } });
  const storeDir = path.join(store.root, '.mlops');
  let listed: string;
  try {
    if (!(await git.checkIsRepo())) { throw new MlopsError(`${store.root} is not in a git repository, so nothing can be compared with '${rev}'`, 'invalid-input'); }
    // --quiet: an unknown revision is an empty answer (git exits 1 without a message, which simple-git does not throw on).
    const id = await git.raw(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]).catch(() => '');
    if (!id.trim()) { throw new MlopsError(`'${rev}' is not a commit in this repository (in CI, fetch it first: actions/checkout with fetch-depth: 0)`, 'invalid-input'); }
    const diff = await git.raw(['diff', '--name-only', '-z', '--no-renames', '--relative', rev, '--', storeDir]);
    const untracked = await git.raw(['ls-files', '-z', '--others', '--exclude-standard', '--', storeDir]);
    listed = `${diff}\0${untracked}`;
  } catch (e) {
    if (e instanceof MlopsError) { throw e; }
    if (/\bENOENT\b/.test(`${(e as NodeJS.ErrnoException).code ?? ''} ${messageOf(e)}`)) {
      throw new MlopsError('git is not installed (or not on PATH), so what changed since a revision cannot be found', 'io');
    }
    throw new MlopsError(`git could not list what changed since '${rev}': ${messageOf(e).split('\n')[0]}`, 'io');
  }
  const rel = path.relative(store.root, storeDir).split(path.sep).join('/');
  const seen = new Set<string>();
  const out: ChangedVersions = { versions: [], problems: [] };
  for (const file of listed.split('\0')) {
    if (!file.startsWith(`${rel}/`)) { continue; }
    const m = VERSION_FILE.exec(file.slice(rel.length + 1));
    if (!m || seen.has(file)) { continue; }
    seen.add(file);
    const version = Number(m[2]);
    try {
      const mv = await store.readModelVersion(m[1], version);
      if (stages.includes(mv.stage)) { out.versions.push({ model: mv.model, version, stage: mv.stage }); }
    } catch (e) {
      // Deleted since the revision: nothing to gate. Damaged: say so; CI should not pass silently over it.
      if (!(e instanceof MlopsError && e.kind === 'not-found')) { out.problems.push(`${file}: ${messageOf(e)}`); }
    }
  }
  out.versions.sort((a, b) => a.model.localeCompare(b.model) || a.version - b.version);
  return out;
}
