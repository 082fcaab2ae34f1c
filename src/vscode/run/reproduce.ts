import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { simpleGit } from 'simple-git';
import { MlopsError, messageOf, printable, type Run } from '../../core';
import { recordedScriptProblem, scriptInCheckout } from '../../core/run/scriptPath';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';
import { resolveRun, skipsConfirmation } from '../ui';
import { confirmBudget, executeScriptRun } from './runScript';

/**
 * `MLOps: Reproduce Run…`: checks the run's recorded commit out into a temporary git worktree (the user's working
 * tree is never touched), reruns the same script with the same params there, and records a new run linked to the
 * original (`reproducedFrom`). A run that was made with uncommitted changes is reproduced from its commit only,
 * after a warning. The worktree is removed afterwards.
 */
export async function reproduceRun(ext: vscode.ExtensionContext, stores: WorkspaceStores, log: Log, target?: unknown, opts?: unknown): Promise<Run | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('MLOps: runs are not reproduced in an untrusted workspace (that runs git and the script). Trust the workspace first.');
    return undefined;
  }
  const t = await resolveRun(stores, target, 'Run to reproduce');
  if (!t) { return undefined; }
  const { state, run } = t;
  const script = run.source?.script;
  if (!script || !run.git?.commit) {
    throw new MlopsError(`run ${run.name} cannot be reproduced: it has no recorded ${script ? 'commit' : 'script'} (runs made by "Run Script as Experiment" in a git repository can)`);
  }
  // Checked before git runs: a committed run.json could name '../../somewhere' to run a file outside the checkout.
  const problem = recordedScriptProblem(script);
  if (problem) { throw new MlopsError(`run ${run.name} cannot be reproduced: its recorded script '${printable(script)}' is refused: ${problem}`); }
  if (run.git.dirty && !skipsConfirmation(opts)) {
    const ok = await vscode.window.showWarningMessage(`Run ${run.name} was made with uncommitted changes.`,
      { modal: true, detail: `The reproduction runs commit ${run.git.commit.slice(0, 8)} without those changes, so its results may differ.` }, 'Reproduce Anyway');
    if (ok !== 'Reproduce Anyway') { return undefined; }
  }
  // A reproduction is a full training run: it costs what the experiment's runs cost.
  if (!(await confirmBudget(state, run.experiment))) { return undefined; }
  const git = simpleGit({ baseDir: state.root });
  const top = (await git.revparse(['--show-toplevel'])).trim();
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'mlops-reproduce-'));
  try {
    await git.raw(['worktree', 'add', '--detach', tmp, run.git.commit]);
    const workspaceInTree = path.join(tmp, path.relative(top, state.root));
    const scriptInTree = await scriptInCheckout(workspaceInTree, script).catch((e: unknown) => {
      throw e instanceof MlopsError && e.kind === 'not-found' ? new MlopsError(`${printable(script)} does not exist at commit ${run.git!.commit.slice(0, 8)}`, 'not-found') : e;
    });
    return await executeScriptRun(ext, stores, log, {
      state, script: scriptInTree, key: script, experiment: run.experiment, params: run.params, paramsAs: 'args', cwd: workspaceInTree,
      // The same command line as the original (params the script logged itself are not arguments).
      scriptArgs: run.source?.command?.slice(2) ?? [],
      git: { commit: run.git.commit, dirty: false, ...(run.git.branch ? { branch: run.git.branch } : {}) }, reproducedFrom: run.id,
    });
  } finally {
    try { await git.raw(['worktree', 'remove', '--force', tmp]); } catch (e) { log.warn(`reproduce: could not remove the worktree ${tmp}: ${messageOf(e)}`); }
    await fsp.rm(tmp, { recursive: true, force: true });
    try { await git.raw(['worktree', 'prune']); } catch (e) { log.warn(`reproduce: git worktree prune failed: ${messageOf(e)}`); }
  }
}
