/**
 * The checks on the code as it was at the run's commit: dependency files vetted and pinned, training not only in
 * notebooks. The files are read from git at that commit (atCommit.ts), not from the working tree, which may have
 * been fixed — or broken — since the model was trained.
 */
import { DEFAULT_SEVERITY, vettedSet, type Finding, type LintOptions } from '../lint';
import type { Policy } from '../store/schemas';
import type { DeclaredDependency } from './atCommit';
import { result, type Level } from './checks';
import type { GateCheckResult, GateEvidence } from './types';

/** What atCommit gave for the commit: the files and findings, or why they could not be read. */
export type CodeAtCommit =
  | { ok: true; commit: string; dependencyFiles: string[]; notebooks: string[]; dependencies: Finding[]; notebookFindings: Finding[]; declared?: DeclaredDependency[] }
  | { ok: false; reason: string };

/** Dependency findings that fail the gate; other unpinned ones are advisory evidence. */
const FAILING_DEPENDENCY = new Set(['unpinned-contrib', 'invalid', 'unreadable']);

/**
 * Lint options for the gate: the store's vetted list, with the rules the gate judges by always on at their default
 * severity — a team that silenced a lint rule in the editor has not decided to let it through the gate (the gate has
 * its own switch, `gate.checks` in goals.json).
 */
export function gateLintOptions(policy: Policy | undefined): LintOptions {
  const severity: NonNullable<LintOptions['severity']> = {};
  for (const [code, sev] of Object.entries(policy?.lint?.severity ?? {})) { severity[code as keyof typeof severity] = sev; }
  for (const code of ['unpinned', 'unpinned-contrib', 'invalid', 'unreadable', 'notebook-only-training'] as const) {
    if (severity[code] === 'off' || severity[code] === undefined) { severity[code] = DEFAULT_SEVERITY[code]; }
  }
  return { vetted: vettedSet(policy?.vetted ?? []), severity };
}

function findingEvidence(f: Finding, failing: boolean): GateEvidence {
  const where = `${f.file}:${f.cell !== undefined ? `cell ${f.cell + 1}:` : ''}${f.line}`;
  return {
    text: `${where}: ${f.message} (${f.code})`, failing, file: f.file, line: f.line, column: f.column, endLine: f.endLine, endColumn: f.endColumn,
    code: f.code, ...(f.cell !== undefined ? { cell: f.cell } : {}),
  };
}

const short = (c: string) => c.slice(0, 12);

export function dependenciesCheck(level: Level, code: CodeAtCommit): GateCheckResult {
  if (!code.ok) { return result('dependencies', level, 'skipped', `not checked: ${code.reason}`, [], code.reason); }
  const failing = code.dependencies.filter((f) => FAILING_DEPENDENCY.has(f.code));
  const advisory = code.dependencies.filter((f) => f.code === 'unpinned');
  // The pinned ones too, so the model card can list every library with whether it is pinned and vetted.
  const pinned = (code.declared ?? []).filter((d) => d.pinned).map((d): GateEvidence => ({
    text: `${d.file}:${d.line}: ${d.name}${d.spec.startsWith('(') ? ` ${d.spec}` : d.spec} — pinned, ${d.vetted ? 'vetted' : 'not vetted (review it, then add it to the vetted set)'}`,
    failing: false, file: d.file, line: d.line, code: d.vetted ? 'pinned' : 'contrib',
  }));
  const evidence = [...failing.map((f) => findingEvidence(f, true)), ...advisory.map((f) => findingEvidence(f, false)), ...pinned];
  const files = code.dependencyFiles.length;
  if (!files) {
    return result('dependencies', level, 'pass', `no dependency file (requirements*.txt, pyproject.toml, environment.yml, …) at commit ${short(code.commit)}`, evidence);
  }
  const count = (fs: readonly Finding[], c: string) => fs.filter((f) => f.code === c).length;
  const parts: string[] = [];
  const uc = count(failing, 'unpinned-contrib');
  if (uc) { parts.push(`${uc} unvetted and unpinned librar${uc === 1 ? 'y' : 'ies'} (${[...new Set(failing.filter((f) => f.code === 'unpinned-contrib').map((f) => f.package ?? '?'))].slice(0, 4).join(', ')})`); }
  const inv = count(failing, 'invalid');
  if (inv) { parts.push(`${inv} invalid line${inv === 1 ? '' : 's'}`); }
  const unr = count(failing, 'unreadable');
  if (unr) { parts.push(`${unr} unreadable file${unr === 1 ? '' : 's'}`); }
  const at = `${files} dependency file${files === 1 ? '' : 's'} at ${short(code.commit)}`;
  const adv = advisory.length ? `; ${advisory.length} other unpinned (advisory)` : '';
  return result('dependencies', level, failing.length ? 'fail' : 'pass', failing.length ? `${parts.join(', ')} in ${at}${adv}` : `${at}: vetted libraries pinned${adv}`, evidence);
}

export function notebooksCheck(level: Level, code: CodeAtCommit): GateCheckResult {
  if (!code.ok) { return result('notebooks', level, 'skipped', `not checked: ${code.reason}`, [], code.reason); }
  // A notebook that cannot be read (damaged JSON, a Git LFS pointer) cannot be judged: nobody can vouch for it.
  const failing = code.notebookFindings.filter((f) => f.code === 'notebook-only-training' || f.code === 'unreadable');
  const evidence = failing.map((f) => findingEvidence(f, true));
  const n = code.notebooks.length;
  if (!failing.length) {
    return result('notebooks', level, 'pass', n ? `${n} notebook${n === 1 ? '' : 's'} at ${short(code.commit)}: no training that exists only in a notebook` : `no notebooks at ${short(code.commit)}`, evidence);
  }
  const list = (fs: readonly Finding[]) => { const files = [...new Set(fs.map((f) => f.file))]; return `${files.slice(0, 3).join(', ')}${files.length > 3 ? ` and ${files.length - 3} more` : ''}`; };
  const training = failing.filter((f) => f.code === 'notebook-only-training');
  const unreadable = failing.filter((f) => f.code === 'unreadable');
  const parts = [
    ...(training.length ? [`training only in ${list(training)}: move it to a script`] : []),
    ...(unreadable.length ? [`cannot read ${list(unreadable)}`] : []),
  ];
  return result('notebooks', level, 'fail', `${parts.join('; ')} (at ${short(code.commit)})`, evidence);
}
