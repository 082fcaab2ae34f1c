/**
 * What "Add CI Workflow" writes, and writing it: the workflow at the repository's top folder and the vendored CLI
 * bundle next to it (see workflow.ts for why the CLI is vendored). Reads `.git` as files, starts no process, so it
 * works the same in an untrusted workspace.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MlopsError } from '../errors';
import { CI_CLI_DIR, GITHUB_WORKFLOW_PATH, githubWorkflow, type CiWorkflowOptions } from './workflow';

/** Where a folder's repository is, read from `.git` without running git. */
export interface RepositoryFacts {
  /** The repository's top folder, or the folder itself when it is not in a repository. */
  top: string;
  inRepository: boolean;
  /** `origin`'s default branch when the clone knows it, else the checked-out branch; undefined when neither. */
  defaultBranch?: string;
}

function readText(file: string): string | undefined {
  try { return fs.readFileSync(file, 'utf8'); } catch { return undefined; }
}

export function repositoryFacts(dir: string): RepositoryFacts {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const dotGit = path.join(d, '.git');
    let stat: fs.Stats | undefined;
    try { stat = fs.statSync(dotGit); } catch { stat = undefined; }
    if (stat) {
      // A worktree or submodule has a `.git` file naming its git folder; a worktree's shared refs are in `commondir`.
      let gitDir = dotGit;
      if (stat.isFile()) {
        const m = /^gitdir:\s*(.+?)\s*$/m.exec(readText(dotGit) ?? '');
        if (m) { gitDir = path.resolve(d, m[1]); }
      }
      const common = readText(path.join(gitDir, 'commondir'))?.trim();
      const commonDir = common ? path.resolve(gitDir, common) : gitDir;
      const ref = (file: string, prefix: string) => {
        const m = /^ref:\s*(\S+)/.exec(readText(file) ?? '');
        return m?.[1].startsWith(prefix) ? m[1].slice(prefix.length) : undefined;
      };
      const defaultBranch = ref(path.join(commonDir, 'refs', 'remotes', 'origin', 'HEAD'), 'refs/remotes/origin/') ?? ref(path.join(gitDir, 'HEAD'), 'refs/heads/');
      return { top: d, inRepository: true, ...(defaultBranch ? { defaultBranch } : {}) };
    }
    if (path.dirname(d) === d) { return { top: path.resolve(dir), inRepository: false }; }
  }
}

/** One file to write, with a path relative to the repository's top folder (POSIX). */
export interface CiFile {
  path: string;
  content: string;
  /** The workflow is the user's to edit (replaced only after asking); the vendored CLI is ours to refresh. */
  kind: 'workflow' | 'cli';
}

export interface CiSetup {
  top: string;
  inRepository: boolean;
  files: CiFile[];
  /** The workflow file's absolute path. */
  workflowPath: string;
  /** The workflow as it is on disk when there is one that differs from ours: replacing it needs the user's yes. */
  existingWorkflow?: string;
}

const CLI_BUNDLES = ['cli.js', 'cli-commands.js'];

/**
 * The CLI bundle files as they go into `.mlops-ci/`: the two bundles (without their source map reference, the map is
 * not copied), a package.json saying they are CommonJS — a repository whose own package.json says `"type": "module"`
 * would otherwise make Node load them as ES modules and fail — and a README saying what the folder is.
 */
export function vendoredCli(distDir: string, version?: string): CiFile[] {
  const files: CiFile[] = [];
  for (const name of CLI_BUNDLES) {
    const file = path.join(distDir, name);
    const text = readText(file);
    if (text === undefined) { throw new MlopsError(`the mlops CLI bundle is missing from the extension (${file})`, 'not-found'); }
    files.push({ path: `${CI_CLI_DIR}/${name}`, content: text.replace(/\n\/\/# sourceMappingURL=[^\n]*\n?$/, '\n'), kind: 'cli' });
  }
  files.push({ path: `${CI_CLI_DIR}/package.json`, content: `${JSON.stringify({ private: true, type: 'commonjs', description: 'The mlops CLI used by CI (MLOps Workbench)', ...(version ? { version } : {}) }, null, 2)}\n`, kind: 'cli' });
  files.push({ path: `${CI_CLI_DIR}/README.md`, kind: 'cli', content: [
    `# The mlops CLI for CI${version ? ` (MLOps Workbench ${version})` : ''}`,
    '',
    'Written by "MLOps: Add CI Workflow". `.github/workflows/mlops.yml` runs `node .mlops-ci/cli.js …`: the whole CLI is',
    'these two files and needs only Node ≥ 20, so CI installs nothing and runs the version you use in the editor.',
    'Commit this folder. Run the command again after updating the extension to refresh it. Do not edit the files.',
    '',
  ].join('\n') });
  return files;
}

/** What Add CI Workflow would write for the store at `storeRoot`, with the extension's (or the CLI's) `distDir`. */
export function planCiSetup(storeRoot: string, distDir: string, opts: Omit<CiWorkflowOptions, 'workingDirectory'> = {}): CiSetup {
  const repo = repositoryFacts(storeRoot);
  const rel = path.relative(repo.top, path.resolve(storeRoot)).split(path.sep).join('/');
  const workflow = githubWorkflow({ ...opts, defaultBranch: opts.defaultBranch ?? repo.defaultBranch ?? 'main', workingDirectory: rel });
  const workflowPath = path.join(repo.top, ...GITHUB_WORKFLOW_PATH.split('/'));
  const existing = readText(workflowPath);
  return {
    top: repo.top,
    inRepository: repo.inRepository,
    files: [{ path: GITHUB_WORKFLOW_PATH, content: workflow, kind: 'workflow' }, ...vendoredCli(distDir, opts.version)],
    workflowPath,
    ...(existing !== undefined && existing !== workflow ? { existingWorkflow: existing } : {}),
  };
}

/**
 * Refuses a path below `top` that goes through a symbolic link (a folder or the file itself): writing through it
 * could replace a file anywhere on the machine.
 */
function refuseLinks(top: string, target: string, shown: string): void {
  const parts = path.relative(top, target).split(path.sep);
  let at = top;
  for (const part of parts) {
    at = path.join(at, part);
    if (fs.lstatSync(at, { throwIfNoEntry: false })?.isSymbolicLink()) {
      throw new MlopsError(`${shown}: ${path.relative(top, at) || at} is a symbolic link; nothing is written through it`, 'conflict');
    }
  }
}

/**
 * Writes the planned files (each through a temp file and a rename, so a reader never sees half a file). Refuses when
 * a different workflow exists and `overwriteWorkflow` is not set, or when a path to write is a folder. Returns the
 * absolute paths written.
 */
export async function writeCiSetup(setup: CiSetup, opts: { overwriteWorkflow?: boolean } = {}): Promise<string[]> {
  if (setup.existingWorkflow !== undefined && !opts.overwriteWorkflow) {
    throw new MlopsError(`${GITHUB_WORKFLOW_PATH} already exists and differs: not replaced`, 'conflict');
  }
  // Every path is checked before anything is written, so a refusal leaves no half-written setup.
  for (const f of setup.files) {
    const target = path.join(setup.top, ...f.path.split('/'));
    refuseLinks(setup.top, target, f.path);
    if (fs.statSync(target, { throwIfNoEntry: false })?.isDirectory()) { throw new MlopsError(`${f.path} is a folder: not replaced`, 'conflict'); }
  }
  const written: string[] = [];
  for (const f of setup.files) {
    const target = path.join(setup.top, ...f.path.split('/'));
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    await fs.promises.writeFile(tmp, f.content, 'utf8');
    await fs.promises.rename(tmp, target);
    written.push(target);
  }
  return written;
}
