import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

/** The repository root (tests run from out/test/unit). */
export const REPO = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(REPO, 'dist', 'cli.js');

const made: string[] = [];

/** A fresh temp folder, removed after the test run. */
export function tmpDir(prefix = 'mlops-test-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

after(() => { for (const d of made) { fs.rmSync(d, { recursive: true, force: true }); } });

export interface CliResult { code: number; stdout: string; stderr: string }

/** Runs the built `mlops` bundle as a real process. */
export function mlops(args: string[], cwd: string): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, MLOPS_DEBUG: '' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Every file under a folder with its bytes, to prove that an operation changed nothing. `.mlops/cache/` is left out:
 * it holds machine-local copies that any reader may refresh, never user data.
 */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && e.name === 'cache' && path.basename(d) === '.mlops') { continue; }
      if (e.isDirectory()) { walk(p); } else { out.set(path.relative(dir, p), fs.readFileSync(p, 'base64')); }
    }
  };
  walk(dir);
  return out;
}

export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
  if (r.status !== 0) { throw new Error(`git ${args.join(' ')}: ${r.stderr}`); }
  return r.stdout;
}
