// `mlops lint [PATH…]`: the dependency, import (and notebook) rules over files and folders, for CI.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MlopsError, Store } from '../core';
import {
  SEVERITIES, lintFileSync, lintKind, reaches, scriptTrainingPatterns, toSarif, unreadableFinding, vettedSet, walkFiles, workspaceOf,
  type FileLintOptions, type Finding, type LintOptions, type RuleCode, type WalkProblem,
} from '../core/lint';
import { VERSION } from './help';

/** A supported file to lint and the workspace it was found in (where its scripts and store policy are). */
export interface LintTarget { file: string; workspace: string }

/**
 * Supported files under the given paths (explicit files must be supported), sorted, each with its workspace:
 * `root` when given, else the workspace of the path it was found under (see workspaceOf). Folders that cannot be
 * listed go to `problems`; the walk goes on.
 */
export function collectFiles(paths: readonly string[], cwd: string, root?: string, problems: WalkProblem[] = []): LintTarget[] {
  const out = new Map<string, string>();
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    const st = fs.statSync(abs, { throwIfNoEntry: false });
    if (!st) { throw new MlopsError(`no such file or folder: ${p}`, 'not-found'); }
    const workspace = root ?? workspaceOf(abs);
    if (st.isDirectory()) {
      for (const f of walkFiles(abs, (f) => lintKind(f) !== undefined, problems)) { if (!out.has(f)) { out.set(f, workspace); } }
    } else if (lintKind(abs)) {
      if (!out.has(abs)) { out.set(abs, workspace); }
    } else {
      throw new MlopsError(`${p} is not a file mlops lint understands (requirements*.txt, *.in, pyproject.toml, Pipfile, setup.cfg, environment.yml, *.py, *.ipynb)`);
    }
  }
  return [...out].map(([file, workspace]) => ({ file, workspace })).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** Settings from the store policy of the workspace (its nearest store at or above it), if any. */
export async function lintOptionsFor(workspace: string): Promise<LintOptions> {
  const storeRoot = Store.findRoot(workspace);
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

/** Training patterns the workspace's Python files hold (for notebook-only-training); unreadable scripts are reported. */
function workspaceTraining(workspace: string, problems: WalkProblem[]): Set<string> {
  const patterns = new Set<string>();
  for (const py of walkFiles(workspace, (f) => f.endsWith('.py'), problems)) {
    let text: string;
    try { text = fs.readFileSync(py, 'utf8'); } catch (e) { problems.push({ path: py, reason: (e as Error).message }); continue; }
    for (const p of scriptTrainingPatterns(text)) { patterns.add(p); }
  }
  return patterns;
}

export async function runLint(args: { paths: string[]; format: string; failOn: string; cwd: string; root?: string },
  io: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<number> {
  if (!['text', 'json', 'sarif'].includes(args.format)) { throw new MlopsError(`unknown --format '${args.format}': use text, json or sarif`); }
  if (!['error', 'warning', 'info', 'none'].includes(args.failOn)) { throw new MlopsError(`unknown --fail-on '${args.failOn}': use error, warning, info or none`); }
  const problems: WalkProblem[] = [];
  const indexProblems: WalkProblem[] = [];
  const targets = collectFiles(args.paths.length ? args.paths : ['.'], args.cwd, args.root, problems);
  const findings: Finding[] = [];
  const shownPath = (f: string) => path.relative(args.cwd, f) || f;
  const byWorkspace = new Map<string, Promise<FileLintOptions>>();
  const optionsOf = (ws: string) => {
    let o = byWorkspace.get(ws);
    if (!o) {
      o = lintOptionsFor(ws).then((opts) => ({
        ...opts,
        // notebook-only-training: which training patterns the workspace's scripts hold. Walked only when that
        // workspace has notebooks to judge, and in the workspace, wherever mlops lint was started from.
        scriptTraining: targets.some((t) => t.workspace === ws && t.file.endsWith('.ipynb')) ? workspaceTraining(ws, indexProblems) : new Set<string>(),
      }));
      byWorkspace.set(ws, o);
    }
    return o;
  };
  for (const { file, workspace } of targets) {
    const opts = await optionsOf(workspace);
    for (const x of lintFileSync(file, { ...opts, isLocal: localModuleCheck(file, workspace) }, shownPath(file))) {
      const { data: _data, ...stable } = x;
      findings.push(stable);
    }
  }
  // A folder under the linted paths that cannot be listed is a finding like an unreadable file; one met only while
  // indexing the workspace's scripts is not a linted file, so it is a note on stderr (its scripts were not counted).
  for (const p of problems) { findings.push(...unreadableFinding(shownPath(p.path), p.reason, await optionsOf(args.root ?? workspaceOf(p.path)))); }
  for (const p of indexProblems) { io.stderr(`mlops: warning: ${shownPath(p.path)}: ${p.reason} (training code in it was not counted)\n`); }
  const files = targets;
  if (args.format === 'json') { io.stdout(JSON.stringify(findings, null, 2) + '\n'); } else if (args.format === 'sarif') {
    io.stdout(JSON.stringify(toSarif(findings.map((f) => ({ ...f, file: path.resolve(args.cwd, f.file) })), { root: args.cwd, version: VERSION }), null, 2) + '\n');
  } else {
    for (const f of findings) { io.stdout(`${f.file}:${f.cell !== undefined ? `cell ${f.cell + 1}:` : ''}${f.line}:${f.column}: ${f.severity} [${f.code}] ${f.message}\n`); }
    const by = (s: string) => findings.filter((f) => f.severity === s).length;
    io.stdout(`${findings.length} finding${findings.length === 1 ? '' : 's'} (${SEVERITIES.map((s) => `${by(s)} ${s}`).join(', ')}) in ${files.length} file${files.length === 1 ? '' : 's'}\n`);
  }
  return findings.some((f) => reaches(f, args.failOn as 'error')) ? 1 : 0;
}
