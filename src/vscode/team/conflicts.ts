/**
 * The conflicts a git merge left in each store, kept current for the Models view and Resolve…:
 *
 * - two or more versions of a model in production: computed from the versions already in memory (no disk, no git),
 *   so it is always as fresh as the tree itself;
 * - a version number claimed on two machines (git add/add on `versions/N.json`): read with the team core's
 *   `findTeamConflicts` (`git ls-files -u`), but only when a change to the store's models arrives while git is in
 *   the middle of a merge, rebase or cherry-pick, or a model version file cannot be read (conflict markers). A
 *   10,000-run store's ordinary file events never start a git process. A model version file otherwise in conflict
 *   (changed on both sides, markers committed) comes with it (`unmergedFile`): shown on its model, edited by hand.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findTeamConflicts, type TeamConflict } from '../../core/team';
import { messageOf, type StoreState } from '../../core';
import { productionConflicts } from '../../core/views/teamNodes';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';

/** What git is in the middle of in a repository, from the files it keeps in its git directory. */
export type GitOperation = 'merge' | 'rebase' | 'cherry-pick' | undefined;

/** The git directory of the repository holding `dir` (a `.git` folder, or the folder a `.git` file names). */
export function gitDirOf(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const dotGit = path.join(d, '.git');
    try {
      const st = fs.statSync(dotGit);
      if (st.isDirectory()) { return dotGit; }
      const m = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(dotGit, 'utf8'));
      if (m) { return path.resolve(d, m[1].trim()); }
    } catch { /* not here: look further up */ }
    if (path.dirname(d) === d) { return undefined; }
  }
}

export function gitOperation(gitDir: string | undefined): GitOperation {
  if (!gitDir) { return undefined; }
  const has = (name: string) => fs.existsSync(path.join(gitDir, name));
  if (has('rebase-merge') || has('rebase-apply')) { return 'rebase'; }
  if (has('MERGE_HEAD')) { return 'merge'; }
  if (has('CHERRY_PICK_HEAD')) { return 'cherry-pick'; }
  return undefined;
}

const VERSION_FILE = /(^|\/)models\/[^/]+\/versions\/\d+\.json$/;

export class TeamConflicts implements vscode.Disposable {
  /** Version numbers claimed twice, per store root, as git's index last said. */
  private readonly claims = new Map<string, TeamConflict[]>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly gitWatchers = new Map<string, vscode.Disposable>();
  private readonly emitter = new vscode.EventEmitter<string>();
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  /** Fires with a store root when the conflicts read from git changed there. */
  readonly onDidChange = this.emitter.event;

  constructor(private readonly stores: WorkspaceStores, private readonly log: Log) {
    this.disposables.push(
      stores.onDidChange((changes) => {
        for (const { state, change } of changes) { if (change.full || change.models) { void this.check(state); } }
      }),
      stores.onDidChangeStores(() => { for (const s of stores.list()) { void this.check(s); } }),
    );
  }

  /** Every conflict of a store: two in production (from memory) and version claims (from git's index). */
  of(state: StoreState): TeamConflict[] {
    return [...productionConflicts(state.modelVersions), ...this.claims.get(state.root) ?? []];
  }

  /** Conflicts of every store, with their store. */
  all(): { state: StoreState; conflict: TeamConflict }[] {
    return this.stores.list().flatMap((state) => this.of(state).map((conflict) => ({ state, conflict })));
  }

  /** Whether git must be asked: a merge is in progress, or a version file could not be read. */
  private needsGit(state: StoreState): boolean {
    if (gitOperation(gitDirOf(state.root))) { return true; }
    return state.problems('models').some((p) => VERSION_FILE.test(p.file.split('\\').join('/')));
  }

  /**
   * Reads the version claims of a store again (serialised per store: a check asked for while one runs runs once
   * more after it). Resolves when the answer is in.
   */
  check(state: StoreState): Promise<void> {
    const root = state.root;
    this.watchGitState(state);
    const current = this.running.get(root);
    if (current) { this.again.add(root); return current; }
    const job = (async () => {
      try {
        do {
          this.again.delete(root);
          await this.readClaims(state);
        } while (this.again.has(root));
      } finally {
        this.running.delete(root);
      }
    })();
    this.running.set(root, job);
    return job;
  }

  /**
   * git writes MERGE_HEAD (or its rebase folder) after the files it merged, and removes it on commit or abort without
   * touching `.mlops/`: watching those few names in the git directory is how a check after the last file event
   * still sees the merge.
   */
  private watchGitState(state: StoreState): void {
    if (this.gitWatchers.has(state.root)) { return; }
    const gitDir = gitDirOf(state.root);
    if (!gitDir) { return; }
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(gitDir), '{MERGE_HEAD,CHERRY_PICK_HEAD,rebase-merge,rebase-apply}'));
    const on = () => { const s = this.stores.get(state.root); if (s) { void this.check(s); } };
    w.onDidCreate(on);
    w.onDidDelete(on);
    this.gitWatchers.set(state.root, w);
  }

  private async readClaims(state: StoreState): Promise<void> {
    const before = this.claims.get(state.root) ?? [];
    let next: TeamConflict[] = [];
    if (this.needsGit(state)) {
      try {
        // git is a process: not started in an untrusted workspace (like the gate's git checks); the files still show markers.
        next = (await findTeamConflicts(state.store, { git: vscode.workspace.isTrusted })).filter((c) => c.kind !== 'multipleProduction' && c.model !== undefined);
      } catch (e) {
        this.log.warn(`looking for merge conflicts in ${state.root}: ${messageOf(e)}`);
        next = before;
      }
    }
    if (JSON.stringify(next) === JSON.stringify(before)) { return; }
    if (next.length) { this.claims.set(state.root, next); } else { this.claims.delete(state.root); }
    for (const c of next) { this.log.info(`${state.root}: ${c.model}: ${c.message}`); }
    this.emitter.fire(state.root);
  }

  dispose(): void {
    for (const w of this.gitWatchers.values()) { w.dispose(); }
    for (const d of this.disposables) { d.dispose(); }
  }
}
