/**
 * Runs `git` (found on PATH) as a child process for the team module: the index stages of a conflicted file, `git
 * add`, the repository's local config. Never through a shell; the output is returned, never printed.
 */
import { execFile } from 'node:child_process';
import { MlopsError } from '../errors';

export interface GitOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs git in `cwd`; resolves with its exit code (git missing: code -1 and the reason in stderr). */
export function runGit(cwd: string, args: readonly string[]): Promise<GitOutput> {
  return new Promise((resolve) => {
    execFile('git', [...args], { cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', windowsHide: true }, (err, stdout, stderr) => {
      if (!err) { resolve({ code: 0, stdout, stderr }); return; }
      const code = (err as { code?: unknown }).code;
      resolve({ code: typeof code === 'number' ? code : -1, stdout: stdout ?? '', stderr: stderr || err.message });
    });
  });
}

/** Runs git and returns its stdout; a failure is an MlopsError quoting git's first lines. */
export async function git(cwd: string, args: readonly string[]): Promise<string> {
  const r = await runGit(cwd, args);
  if (r.code !== 0) {
    const why = r.stderr.trim().split('\n').filter((l) => l.trim()).slice(0, 3).join(' ') || `exit code ${r.code}`;
    throw new MlopsError(`git ${args[0]} failed: ${why}`, 'io');
  }
  return r.stdout;
}

/** The top folder of the git repository holding `dir`, or undefined when it is in none (or git is missing). */
export async function repoRootOf(dir: string): Promise<string | undefined> {
  const r = await runGit(dir, ['rev-parse', '--show-toplevel']);
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}
