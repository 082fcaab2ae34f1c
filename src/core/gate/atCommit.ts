/**
 * Reading the code as it was at a run's commit, for the gate's `dependencies` and `notebooks` checks: which commit a
 * revision names (and why it cannot be used), the lint findings of the dependency files and notebooks of the
 * workspace's part of the tree at that commit (read from git's objects, never from the working tree, which may have
 * been fixed since), and who the user is (for stageHistory).
 *
 * Cost: whatever the history's length, a check is two git processes — one `ls-tree` of the commit and one batched
 * `cat-file --batch` for every file it reads (plus one `rev-parse` when given a revision rather than an id) — and one
 * more `cat-file --batch` for the Python scripts, only when a notebook has a training call no script was seen to
 * cover. simple-git feeds the batch's stdin through its `input` option, so no process is spawned by hand.
 *
 * Only plumbing commands that never touch the index or the working tree are run (rev-parse, ls-tree, cat-file,
 * config), so a repository's own configuration cannot make them start other programs (fsmonitor, filters, hooks).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import {
  LineIndex, dependencyFormat, isSkippedFolder, isVetted, lintKind, lintText, parseDependencies, scriptTrainingPatterns, unreadableFinding,
  DEFAULT_TRAINING_PATTERNS, type FileLintOptions, type Finding, type LintOptions,
} from '../lint';
import type { Actor } from './types';

/** A commit id (40 hex digits, or 64 in a SHA-256 repository). */
const COMMIT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/i;

const GIT_TIMEOUT = { block: 15_000 };

/**
 * simple-git 4 drops every ambient `GIT_*` variable unless it is listed here. The ones that only say which config
 * files git reads are kept, so `user.name` is what `git config user.name` says in the user's shell (a
 * GIT_CONFIG_GLOBAL setup, CI) and `safe.directory` set there applies; GIT_DIR and the rest stay dropped.
 */
const ALLOWED_ENV = ['GIT_CONFIG_GLOBAL', 'GIT_CONFIG_SYSTEM', 'GIT_CONFIG_NOSYSTEM'];

const gitOptions = (root: string) => ({ baseDir: root, timeout: GIT_TIMEOUT, allowEnvironment: ALLOWED_ENV });

/** What a revision names: the full commit id, or why it cannot be used (one sentence for the gate's output). */
export type CommitResolution = { id: string; problem?: undefined } | { id?: undefined; problem: string };

/** The dependency files and notebooks of the workspace at a commit, with their findings. */
export interface CommitLint {
  problem?: undefined;
  /** The full id of the commit read. */
  commit: string;
  /** Every dependency file (see `dependencyFormat`) at that commit, relative to the root, POSIX separators, sorted. */
  dependencyFiles: string[];
  /** Every `.ipynb` at that commit, the same way. */
  notebooks: string[];
  /** Every finding of the dependency files (all rules: the gate picks `unpinned-contrib`, `invalid`, …). */
  dependencies: Finding[];
  /** Every runtime dependency declared in them: where, what, whether pinned and vetted (for the model card). */
  declared: DeclaredDependency[];
  /**
   * Every finding of the notebooks (all notebook rules and contrib imports: the gate picks
   * `notebook-only-training`), judged against the training calls of the `.py` files at the same commit.
   */
  notebookFindings: Finding[];
  /**
   * What was not read and why, one sentence each: symbolic links and submodules where a checked file could be, a
   * workspace folder that did not exist yet at that commit, training patterns that are not regular expressions.
   */
  notes: string[];
}

export interface DeclaredDependency {
  file: string;
  line: number;
  name: string;
  spec: string;
  pinned: boolean;
  vetted: boolean;
}

export type CommitLintResult = CommitLint | { problem: string };

/** Options of `lintAtCommit`: the lint settings, and the training-call patterns (default DEFAULT_TRAINING_PATTERNS). */
export type CommitLintOptions = LintOptions & { trainingPatterns?: readonly string[] };

function messageOf(e: unknown): string {
  return e instanceof Error ? `${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}` : String(e);
}

/** git is not installed (or not on PATH): spawning it failed. */
function isGitMissing(e: unknown): boolean {
  return /\bENOENT\b/.test(messageOf(e));
}

/** git's own message, at most three lines, without the "fatal: " prefix (French puts a space before the colon). */
function gitMessage(e: unknown): string {
  const text = (e instanceof Error ? e.message : String(e)).trim();
  return text.split('\n').map((l) => l.trim().replace(/^(fatal|error)\s?: /, '')).filter(Boolean).slice(0, 3).join(' ') || 'git failed';
}

/** Why git could not be asked at all (missing, or a folder that does not exist), else undefined. */
function gitFor(root: string): { git: SimpleGit; problem?: undefined } | { git?: undefined; problem: string } {
  try {
    return { git: simpleGit(gitOptions(root)) };
  } catch (e) {
    return { problem: `cannot read git in ${root}: ${gitMessage(e)}` };
  }
}

function failure(root: string, e: unknown): { problem: string } {
  if (isGitMissing(e)) { return { problem: 'git is not installed (or not on PATH), so the code at the commit cannot be read' }; }
  if (/from promisor remote/.test(messageOf(e))) {
    return { problem: `this is a partial clone that does not hold the files at that commit, and git could not fetch them from its remote (${gitMessage(e)}); fetch them, or clone without --filter` };
  }
  return { problem: `git failed in ${root}: ${gitMessage(e)}` };
}

/** `rev-parse` answers with one line; only the final newline is git's (a folder name may end with a space). */
function oneLine(s: string): string {
  return s.replace(/\r?\n$/, '');
}

function shortRev(rev: string): string {
  return COMMIT_ID.test(rev) ? rev.slice(0, 12) : `'${rev.length > 80 ? `${rev.slice(0, 80)}…` : rev}'`;
}

/**
 * Whether a folder is in a git work tree, the way git finds one: a `.git` folder or file at or above it. Asked of
 * the file system, not of git, whose "not a git repository" is translated in the user's language (simple-git drops
 * GIT_DIR and GIT_CEILING_DIRECTORIES, so git finds repositories this same way).
 */
function inRepository(root: string): boolean {
  for (let dir = path.resolve(root); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.git'))) { return true; }
    if (path.dirname(dir) === dir) { return false; }
  }
}

/**
 * The full commit id a revision names in the repository holding `root` (a commit id, a branch, a tag, `HEAD~2`), or
 * the reason it cannot be used: git missing, not a repository, a repository without commits, a revision that names
 * no commit there — and, in a shallow clone, that the history must be fetched (`git fetch --unshallow`).
 */
export async function resolveCommit(root: string, rev: string): Promise<CommitResolution> {
  const r = rev.trim();
  if (!r) { return { problem: 'no commit given' }; }
  // Never an option for git, whatever a run record or --commit says.
  if (r.startsWith('-')) { return { problem: `'${r}' is not a revision` }; }
  const g = gitFor(root);
  if (!g.git) { return g; }
  const git = g.git;
  try {
    // One process when all is well; the reasons are looked for only when it is not. --verify -q: a revision that
    // names nothing is an empty answer. Outside a repository, and when peeling something that is not a commit
    // (`HEAD^{tree}`), git prints a message despite -q: that is an empty answer too, explained below.
    const id = oneLine(await git.raw(['rev-parse', '--verify', '-q', '--end-of-options', `${r}^{commit}`]).catch((e: unknown) => {
      if (isGitMissing(e)) { throw e; }
      return '';
    })).trim();
    if (COMMIT_ID.test(id)) { return { id: id.toLowerCase() }; }
    if (!inRepository(root)) { return { problem: `${root} is not in a git repository, so the code at commit ${shortRev(r)} cannot be read` }; }
    return { problem: await whyNoCommit(git, r) };
  } catch (e) {
    return failure(root, e);
  }
}

/** Why a revision names no commit: a shallow clone, an empty repository, something that is not a commit, or absent. */
async function whyNoCommit(git: SimpleGit, rev: string): Promise<string> {
  const shallow = oneLine(await git.raw(['rev-parse', '--is-shallow-repository'])).trim() === 'true';
  if (shallow) {
    return `commit ${shortRev(rev)} is not in this repository: it is a shallow clone that does not hold that part of the history; fetch the full history (git fetch --unshallow)`;
  }
  const head = oneLine(await git.raw(['rev-parse', '--verify', '-q', 'HEAD^{commit}'])).trim();
  if (!head) { return `the repository has no commit yet, so ${shortRev(rev)} cannot be read`; }
  const other = oneLine(await git.raw(['rev-parse', '--verify', '-q', '--end-of-options', rev])).trim();
  // A bare 40-hex id passes --verify whether or not the object exists: cat-file says whether it does.
  const type = COMMIT_ID.test(other) ? oneLine(await git.raw(['cat-file', '-t', other]).catch(() => '')).trim() : '';
  if (type) { return `${shortRev(rev)} names a ${type}, not a commit`; }
  return COMMIT_ID.test(rev)
    ? `commit ${shortRev(rev)} is not in this repository (made in another clone, or lost by a rebase?); fetch it from the repository it was made in (git fetch --all)`
    : `${shortRev(rev)} names no commit in this repository`;
}

/** The first line of a Git LFS pointer file (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md). */
export const LFS_POINTER = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\r?\n/;

/** One entry of `git ls-tree -r -z`. */
interface TreeEntry { mode: string; type: string; oid: string; path: string }

function parseLsTree(out: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const rec of out.split('\0')) {
    if (!rec) { continue; }
    const tab = rec.indexOf('\t');
    const [mode, type, oid] = rec.slice(0, tab).split(' ');
    if (tab < 0 || !oid) { continue; }
    entries.push({ mode, type, oid, path: rec.slice(tab + 1) });
  }
  return entries;
}

/**
 * The contents of blobs by id, read with one `git cat-file --batch` (ids on stdin, `<oid> blob <size>\n<bytes>\n`
 * back). An id git reports missing (a damaged or partial clone) is left out.
 */
async function readBlobs(root: string, oids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const unique = [...new Set(oids)];
  if (!unique.length) { return out; }
  const git = simpleGit({ ...gitOptions(root), input: () => `${unique.join('\n')}\n` });
  const answer: unknown = await git.binaryCatFile(['--batch']);
  if (!Buffer.isBuffer(answer)) { throw new Error('git cat-file --batch gave no bytes'); }
  const buf = answer;
  let at = 0;
  while (at < buf.length) {
    const nl = buf.indexOf(10, at);
    if (nl < 0) { break; }
    const header = buf.toString('utf8', at, nl).split(' ');
    at = nl + 1;
    if (header.length !== 3) { continue; } // `<oid> missing`
    const size = Number(header[2]);
    out.set(header[0], buf.toString('utf8', at, at + size));
    at += size + 1;
  }
  return out;
}

/** Whether a path (relative, POSIX) lies in a folder the linters never search. */
function inSkippedFolder(p: string): boolean {
  return p.split('/').slice(0, -1).some(isSkippedFolder);
}

function byPosition(a: Finding, b: Finding): number {
  return (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || (a.cell ?? 0) - (b.cell ?? 0) || a.line - b.line || a.column - b.column;
}

/**
 * `isLocal` for a notebook at the commit, as `mlops lint` judges it on disk: a module is the workspace's own when
 * `<m>.py`, `<m>/__init__.py` or `src/<m>` exists in the notebook's folder or one above it, up to the root.
 */
function localModuleCheck(notebook: string, files: ReadonlySet<string>, dirs: ReadonlySet<string>): (m: string) => boolean {
  return (m) => {
    const parts = notebook.split('/').slice(0, -1);
    for (let n = parts.length; n >= 0; n--) {
      const dir = parts.slice(0, n).map((p) => `${p}/`).join('');
      if (files.has(`${dir}${m}.py`) || files.has(`${dir}${m}/__init__.py`) || files.has(`${dir}src/${m}`) || dirs.has(`${dir}src/${m}`)) { return true; }
    }
    return false;
  };
}

/**
 * The lint findings of every dependency file and notebook in the workspace's part of the tree at `commit` (`root`
 * may be a sub-folder of the repository; SKIPPED_FOLDERS are skipped), read from git, never from the working tree.
 * Findings name files relative to `root` with POSIX separators. `notebook-only-training` is judged against the
 * training calls of the `.py` files at the same commit (read only when a notebook has an uncovered training call).
 * Never throws: git missing, not a repository, a commit that is not there (see resolveCommit) are a `problem`.
 */
export async function lintAtCommit(root: string, commit: string, opts: CommitLintOptions): Promise<CommitLintResult> {
  let id = commit.trim();
  if (!COMMIT_ID.test(id)) {
    const resolved = await resolveCommit(root, id);
    if (resolved.problem !== undefined) { return { problem: resolved.problem }; }
    id = resolved.id;
  }
  id = id.toLowerCase();
  const g = gitFor(root);
  if (!g.git) { return { problem: g.problem }; }
  const git = g.git;
  const notes: string[] = [];
  let entries: TreeEntry[];
  try {
    // Run in the root, ls-tree lists only the root's part of the tree, with paths relative to it (see --full-tree).
    entries = parseLsTree(await git.raw(['ls-tree', '-r', '-z', id]));
  } catch (e) {
    if (isGitMissing(e)) { return failure(root, e); }
    // Not a repository, a commit that is not there, git refusing the repository: resolveCommit says which, in the
    // same words as elsewhere.
    const resolved = await resolveCommit(root, id);
    return { problem: resolved.problem ?? failure(root, e).problem };
  }
  if (!entries.length) { notes.push(`the workspace folder held no file at commit ${id.slice(0, 12)} (it did not exist yet?)`); }

  const patterns: string[] = [];
  for (const p of opts.trainingPatterns ?? DEFAULT_TRAINING_PATTERNS) {
    try { new RegExp(p); patterns.push(p); } catch { notes.push(`the training pattern '${p}' is not a regular expression; it was ignored`); }
  }
  const lintOpts: FileLintOptions = { vetted: opts.vetted, severity: opts.severity, trainingPatterns: patterns };

  const files = new Set<string>();
  const dirs = new Set<string>();
  const deps: TreeEntry[] = [];
  const notebooks: TreeEntry[] = [];
  const scripts: TreeEntry[] = [];
  for (const e of entries) {
    files.add(e.path);
    const parts = e.path.split('/');
    for (let n = 1; n < parts.length; n++) { dirs.add(parts.slice(0, n).join('/')); }
    if (inSkippedFolder(e.path)) { continue; }
    const kind = lintKind(e.path);
    if (!kind) { continue; }
    if (e.type === 'commit') { notes.push(`${e.path} is a git submodule: its files were not checked`); continue; }
    if (e.type !== 'blob') { continue; }
    if (e.mode === '120000') {
      // A link's target, when it is a file in the tree, is checked under its own name.
      if (kind !== 'python') { notes.push(`${e.path} is a symbolic link at that commit: it was not read`); }
      continue;
    }
    (kind === 'dependencies' ? deps : kind === 'notebook' ? notebooks : scripts).push(e);
  }

  try {
    const blobs = await readBlobs(root, [...deps, ...notebooks].map((e) => e.oid));
    const textOf = (e: TreeEntry): string | undefined => {
      const t = blobs.get(e.oid);
      if (t === undefined) { notes.push(`${e.path} could not be read from git (its object is missing: a damaged or partial clone?)`); }
      return t;
    };
    // A file kept in Git LFS is only a pointer in git: not its content, so nothing in it can be judged at the commit.
    const lfs = (e: TreeEntry, text: string): Finding[] | undefined => {
      if (!LFS_POINTER.test(text)) { return undefined; }
      notes.push(`${e.path} is stored with Git LFS at that commit: git holds only a pointer to it, so it was not checked`);
      return unreadableFinding(e.path, 'git holds only a Git LFS pointer to it at that commit, not its content', lintOpts);
    };
    // A file whose object is missing (a damaged or partial clone) is unreadable: a finding, so the gate does not pass
    // what it could not read.
    const missing = (e: TreeEntry, why: string): Finding[] => unreadableFinding(e.path, why, lintOpts);
    const dependencies: Finding[] = [];
    const declared: DeclaredDependency[] = [];
    for (const e of deps) {
      const text = textOf(e);
      const format = dependencyFormat(e.path);
      if (text !== undefined && format && !LFS_POINTER.test(text)) {
        try {
          const lines = new LineIndex(text);
          for (const d of parseDependencies(text, format).entries) {
            if (!d.runtime) { continue; }
            declared.push({ file: e.path, line: lines.position(d.span.start).line, name: d.name, spec: d.spec, pinned: d.pinned, vetted: isVetted(d.name, opts.vetted) });
          }
        } catch { /* a file that does not parse is an unreadable finding already */ }
      }
      dependencies.push(...(text === undefined ? missing(e, 'its object is missing from git at that commit (a damaged or partial clone?)') : lfs(e, text) ?? lintText(e.path, text, lintOpts)));
    }
    const notebookTexts = notebooks.map((e) => ({ e, text: textOf(e) }));
    const lintNotebooks = (scriptTraining: ReadonlySet<string>, which: typeof notebookTexts) => which.flatMap(({ e, text }) =>
      text === undefined ? missing(e, 'its object is missing from git at that commit (a damaged or partial clone?)') : lfs(e, text) ?? lintText(e.path, text, { ...lintOpts, scriptTraining, isLocal: localModuleCheck(e.path, files, dirs) }));
    let notebookFindings = lintNotebooks(new Set(), notebookTexts);
    // Only a notebook with a training call no script covers needs the scripts: read them then, and judge again.
    const uncovered = new Set(notebookFindings.filter((f) => f.code === 'notebook-only-training').map((f) => f.file));
    if (uncovered.size && scripts.length) {
      const scriptBlobs = await readBlobs(root, scripts.map((e) => e.oid));
      const scriptTraining = new Set<string>();
      for (const text of scriptBlobs.values()) { for (const p of scriptTrainingPatterns(text, patterns)) { scriptTraining.add(p); } }
      if (scriptTraining.size) {
        const again = notebookTexts.filter(({ e }) => uncovered.has(e.path));
        notebookFindings = [...notebookFindings.filter((f) => !uncovered.has(f.file)), ...lintNotebooks(scriptTraining, again)];
      }
    }
    return {
      commit: id,
      dependencyFiles: deps.map((e) => e.path),
      declared,
      notebooks: notebooks.map((e) => e.path),
      dependencies: dependencies.sort(byPosition),
      notebookFindings: notebookFindings.sort(byPosition),
      notes,
    };
  } catch (e) {
    return failure(root, e);
  }
}

/** The OS user's name, for when git has none (a container without a passwd entry has no user info either). */
function osUserName(): string {
  try {
    const name = os.userInfo().username;
    if (name) { return name; }
  } catch { /* no passwd entry for this uid */ }
  return process.env.USER || process.env.USERNAME || process.env.LOGNAME || 'unknown user';
}

/**
 * Who is acting, for stageHistory: git's `user.name` and `user.email` as git would use them in `root` (the
 * repository's own config first, then the global one); without a git name, the OS user name. Never throws: no git,
 * no repository or no config is the OS user without an email. `allowProcesses: false` (an untrusted workspace)
 * runs no git and gives the OS user.
 */
export async function gitUser(root: string, opts: { allowProcesses?: boolean } = {}): Promise<Actor> {
  // An untrusted workspace starts no git process: the OS user, as when git is missing.
  const g: ReturnType<typeof gitFor> = opts.allowProcesses === false ? { problem: 'untrusted' } : gitFor(root);
  const get = async (key: string): Promise<string> => {
    if (!g.git) { return ''; }
    // --get exits 1 without a message when the key is not set: an empty answer.
    try { return oneLine(await g.git.raw(['config', '--get', key])).trim(); } catch { return ''; }
  };
  const name = await get('user.name');
  const email = await get('user.email');
  return { name: name || osUserName(), ...(email ? { email } : {}) };
}
