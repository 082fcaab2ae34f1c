/**
 * Which files the linters look at, shared by `mlops lint` and the editor's workspace scan: the folders never
 * searched (one list, so the CLI and the editor agree), a folder walker that reports what it cannot read instead of
 * stopping, and the workspace a path belongs to (where its training scripts and its store policy are).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Folders never searched: version control, installed packages and virtual environments, build output, caches,
 * Jupyter's checkpoint copies, the store itself. Matched on the folder's own name, at any depth.
 */
export const SKIPPED_FOLDERS: readonly string[] = [
  '.git', '.hg', '.svn', 'node_modules', '.venv', 'venv', 'env', '.env', '.tox', '.nox', 'build', 'dist', 'site-packages',
  '.ipynb_checkpoints', '__pycache__', '.mypy_cache', '.pytest_cache', '.mlops', '.vscode-test',
];

const SKIPPED = new Set(SKIPPED_FOLDERS);

export function isSkippedFolder(name: string): boolean {
  return SKIPPED.has(name);
}

/** The same list as a glob for VS Code's `findFiles` exclude: `**\/{.git,node_modules,…}/**`. */
export function skippedFoldersGlob(): string {
  return `**/{${SKIPPED_FOLDERS.join(',')}}/**`;
}

/** Whether `file` lies inside a skipped folder below `root` (for file-watcher events, which have no exclude). */
export function isInSkippedFolder(file: string, root: string): boolean {
  const rel = path.relative(root, file);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) { return false; }
  return rel.split(/[\\/]/).slice(0, -1).some(isSkippedFolder);
}

/** A folder the walker could not list, with the reason. */
export interface WalkProblem { path: string; reason: string }

/**
 * Every regular file under `dir` that `accept` takes, skipping SKIPPED_FOLDERS. A sub-folder that cannot be listed
 * is reported in `problems` and the walk goes on; symbolic links are not followed.
 */
export function walkFiles(dir: string, accept: (file: string) => boolean, problems: WalkProblem[] = []): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch (e) { problems.push({ path: d, reason: (e as Error).message }); return; }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) { if (!isSkippedFolder(e.name)) { walk(p); } } else if (e.isFile() && accept(p)) { out.push(p); }
    }
  };
  walk(dir);
  return out;
}

/**
 * The workspace a path belongs to: the nearest folder at or above it that holds `.mlops/`, else the nearest
 * holding a `.git` entry (a folder, or a file in a git worktree; no git process is run), else the path itself (its
 * folder when it is a file).
 */
export function workspaceOf(p: string): string {
  const abs = path.resolve(p);
  const start = fs.statSync(abs, { throwIfNoEntry: false })?.isDirectory() ? abs : path.dirname(abs);
  const up = (has: (dir: string) => boolean): string | undefined => {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (has(dir)) { return dir; }
      if (path.dirname(dir) === dir) { return undefined; }
    }
  };
  return up((d) => fs.statSync(path.join(d, '.mlops'), { throwIfNoEntry: false })?.isDirectory() === true)
    ?? up((d) => fs.existsSync(path.join(d, '.git')))
    ?? start;
}
