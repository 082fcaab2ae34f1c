/**
 * The one place that asks git about the workspace (through simple-git). Nothing here fails a run: a folder that
 * is not a repository, a repository without commits, or a machine without git simply has no git information, and a
 * git that fails for another reason is reported as `problem` (with git's own message) next to no information.
 */
import { createHash } from 'node:crypto';
import { simpleGit } from 'simple-git';
import type { GitInfo } from '../store/schemas';

/**
 * What asking git gave: the commit facts, or nothing. `problem` is set when git itself failed (a damaged
 * repository, an index it cannot read, a repository git refuses to use); it is not set for the ordinary "no git"
 * cases — git not installed, a folder that is not a repository, a repository without commits yet.
 */
export interface GitInspection {
  info?: GitInfo;
  problem?: string;
}

/** Port used by the store's callers, so tests and untrusted workspaces can supply "no git". */
export interface GitPort {
  /** The commit facts, or undefined for "no git information" (a git failure is not told apart: use `inspect`). */
  state(dir: string): Promise<GitInfo | undefined>;
  /** The commit facts, and why there are none when git failed. */
  inspect(dir: string): Promise<GitInspection>;
}

/** Changes to the store itself never make a run "dirty": logging a run writes `.mlops/`. */
const EXCLUDE_STORE = ':(exclude).mlops';

/** git (or the shell) is not there: spawning it failed. */
function isGitMissing(e: unknown): boolean {
  const text = e instanceof Error ? `${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}` : String(e);
  return /\bENOENT\b/.test(text);
}

function describeFailure(e: unknown): string {
  const text = (e instanceof Error ? e.message : String(e)).trim();
  return text.split('\n').filter((l) => l.trim()).slice(0, 3).join(' ') || 'git failed';
}

async function inspect(dir: string): Promise<GitInspection> {
  try {
    const git = simpleGit({ baseDir: dir, timeout: { block: 15_000 } });
    if (!(await git.checkIsRepo())) { return {}; }
    // --verify -q: a branch without a commit yet is an empty answer (exit 1, no message), whatever language git
    // speaks; a real failure still has a message, and throws.
    const commit = (await git.raw(['rev-parse', '--verify', '-q', 'HEAD'])).trim();
    if (!commit) { return {}; }
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit)) { return { problem: `git rev-parse HEAD gave '${commit.slice(0, 80)}', not a commit id` }; }
    const top = (await git.revparse(['--show-toplevel'])).trim();
    const g = simpleGit({ baseDir: top, timeout: { block: 15_000 } });
    const status = (await g.raw(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', '.', EXCLUDE_STORE, ':(exclude)**/.mlops/**']));
    const dirty = status.length > 0;
    // -q: a detached HEAD is an empty answer (exit 1 without a message), not an error.
    const branch = (await g.raw(['symbolic-ref', '--short', '-q', 'HEAD']).catch((e: unknown) => {
      if (/\S/.test(e instanceof Error ? e.message : String(e))) { throw e; }
      return '';
    })).trim();
    const info: GitInfo = { commit, dirty };
    if (branch) { info.branch = branch; }
    if (dirty) {
      const diff = await g.raw(['diff', 'HEAD', '--binary', '--', '.', EXCLUDE_STORE, ':(exclude)**/.mlops/**']);
      const h = createHash('sha256').update(diff).update('\0untracked\0');
      for (const entry of status.split('\0')) { if (entry.startsWith('?? ')) { h.update(entry).update('\0'); } }
      info.diffHash = h.digest('hex');
    }
    return { info };
  } catch (e) {
    if (isGitMissing(e)) { return {}; }
    return { problem: describeFailure(e) };
  }
}

export const simpleGitPort: GitPort = {
  inspect,
  async state(dir: string): Promise<GitInfo | undefined> {
    return (await inspect(dir)).info;
  },
};

/** For untrusted workspaces and callers that must not start processes. */
export const noGitPort: GitPort = { state: () => Promise.resolve(undefined), inspect: () => Promise.resolve({}) };
