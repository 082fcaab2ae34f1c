// `mlops lint [PATH…]`: the dependency, import (and notebook) rules over files and folders, for CI.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MlopsError, Store } from '../core';
import { SEVERITIES, lintKind, lintText, reaches, scriptTrainingPatterns, toSarif, vettedSet, type Finding, type LintOptions, type RuleCode } from '../core/lint';
import { VERSION } from './help';

const SKIP_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', '.venv', 'venv', 'env', '.env', '__pycache__', '.mlops', '.tox', '.nox',
  'site-packages', '.ipynb_checkpoints', '.mypy_cache', '.pytest_cache', 'build', 'dist', '.vscode-test']);

/** Supported files under the given paths (explicit files must be supported), sorted. */
export function collectFiles(paths: readonly string[], cwd: string): string[] {
  const out = new Set<string>();
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch (e) { throw new MlopsError(`cannot read folder ${dir}: ${(e as Error).message}`, 'io'); }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) { if (!SKIP_DIRS.has(e.name)) { walk(p); } } else if (e.isFile() && lintKind(p)) { out.add(p); }
    }
  };
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    const st = fs.statSync(abs, { throwIfNoEntry: false });
    if (!st) { throw new MlopsError(`no such file or folder: ${p}`, 'not-found'); }
    if (st.isDirectory()) { walk(abs); } else if (lintKind(abs)) { out.add(abs); } else {
      throw new MlopsError(`${p} is not a file mlops lint understands (requirements*.txt, *.in, pyproject.toml, Pipfile, setup.cfg, environment.yml, *.py, *.ipynb)`);
    }
  }
  return [...out].sort();
}

export async function lintOptionsFor(cwd: string, root?: string): Promise<LintOptions> {
  const storeRoot = root ?? Store.findRoot(cwd);
  const policy = storeRoot ? await (await Store.open(storeRoot)).readPolicy() : undefined;
  const severity: LintOptions['severity'] = {};
  for (const [code, sev] of Object.entries(policy?.lint?.severity ?? {})) { severity[code as RuleCode] = sev; }
  return { vetted: vettedSet(policy?.vetted ?? []), severity };
}

function localModuleCheck(file: string, stop: string): (m: string) => boolean {
  return (m) => {
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, `${m}.py`)) || fs.existsSync(path.join(dir, m, '__init__.py')) || fs.existsSync(path.join(dir, 'src', m))) { return true; }
      if (dir === stop || path.dirname(dir) === dir || !dir.startsWith(stop)) { return false; }
    }
  };
}

export async function runLint(args: { paths: string[]; format: string; failOn: string; cwd: string; root?: string },
  io: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<number> {
  if (!['text', 'json', 'sarif'].includes(args.format)) { throw new MlopsError(`unknown --format '${args.format}': use text, json or sarif`); }
  if (!['error', 'warning', 'info', 'none'].includes(args.failOn)) { throw new MlopsError(`unknown --fail-on '${args.failOn}': use error, warning, info or none`); }
  const files = collectFiles(args.paths.length ? args.paths : ['.'], args.cwd);
  const opts = await lintOptionsFor(args.cwd, args.root);
  // notebook-only-training: which training patterns the workspace's scripts already hold.
  // Only needed (and only walked) when there are notebooks to judge.
  const scriptTraining = new Set<string>();
  if (files.some((f) => f.endsWith('.ipynb'))) {
    for (const py of collectFiles([args.root ?? args.cwd], args.cwd).filter((f) => f.endsWith('.py'))) {
      for (const p of scriptTrainingPatterns(fs.readFileSync(py, 'utf8'))) { scriptTraining.add(p); }
    }
  }
  const findings: Finding[] = [];
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    const shown = path.relative(args.cwd, f) || f;
    for (const x of lintText(shown, text, { ...opts, scriptTraining, isLocal: localModuleCheck(f, args.root ?? args.cwd) })) {
      const { data: _data, ...stable } = x;
      findings.push(stable);
    }
  }
  if (args.format === 'json') { io.stdout(JSON.stringify(findings, null, 2) + '\n'); } else if (args.format === 'sarif') {
    io.stdout(JSON.stringify(toSarif(findings.map((f) => ({ ...f, file: path.resolve(args.cwd, f.file) })), { root: args.cwd, version: VERSION }), null, 2) + '\n');
  } else {
    for (const f of findings) { io.stdout(`${f.file}:${f.cell !== undefined ? `cell ${f.cell + 1}:` : ''}${f.line}:${f.column}: ${f.severity} [${f.code}] ${f.message}\n`); }
    const by = (s: string) => findings.filter((f) => f.severity === s).length;
    io.stdout(`${findings.length} finding${findings.length === 1 ? '' : 's'} (${SEVERITIES.map((s) => `${by(s)} ${s}`).join(', ')}) in ${files.length} file${files.length === 1 ? '' : 's'}\n`);
  }
  return findings.some((f) => reaches(f, args.failOn as 'error')) ? 1 : 0;
}
