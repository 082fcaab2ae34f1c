/**
 * The one place that asks git about the workspace (through simple-git). Everything here degrades to "no git
 * information" rather than failing: a folder that is not a repository, a repository without commits, or a machine
 * without git still gets its runs recorded.
 */
import { createHash } from 'node:crypto';
import { simpleGit } from 'simple-git';
import type { GitInfo } from '../store/schemas';

/** Port used by the store's callers, so tests and untrusted workspaces can supply "no git". */
export interface GitPort {
  state(dir: string): Promise<GitInfo | undefined>;
}

/** Changes to the store itself never make a run "dirty": logging a run writes `.mlops/`. */
const EXCLUDE_STORE = ':(exclude).mlops';

export const simpleGitPort: GitPort = {
  async state(dir: string): Promise<GitInfo | undefined> {
    try {
      const git = simpleGit({ baseDir: dir, timeout: { block: 15_000 } });
      if (!(await git.checkIsRepo())) { return undefined; }
      const commit = (await git.revparse(['HEAD'])).trim();
      if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit)) { return undefined; }
      const top = (await git.revparse(['--show-toplevel'])).trim();
      const g = simpleGit({ baseDir: top, timeout: { block: 15_000 } });
      const status = (await g.raw(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', '.', EXCLUDE_STORE, ':(exclude)**/.mlops/**']));
      const dirty = status.length > 0;
      let branch: string | undefined;
      try {
        const b = (await g.raw(['symbolic-ref', '--short', '-q', 'HEAD'])).trim();
        if (b) { branch = b; }
      } catch { /* detached HEAD */ }
      const info: GitInfo = { commit, dirty };
      if (branch) { info.branch = branch; }
      if (dirty) {
        const diff = await g.raw(['diff', 'HEAD', '--binary', '--', '.', EXCLUDE_STORE, ':(exclude)**/.mlops/**']);
        const h = createHash('sha256').update(diff).update('\0untracked\0');
        for (const entry of status.split('\0')) { if (entry.startsWith('?? ')) { h.update(entry).update('\0'); } }
        info.diffHash = h.digest('hex');
      }
      return info;
    } catch {
      return undefined;
    }
  },
};

/** For untrusted workspaces and callers that must not start processes. */
export const noGitPort: GitPort = { state: () => Promise.resolve(undefined) };
