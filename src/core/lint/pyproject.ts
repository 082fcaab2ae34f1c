/**
 * pyproject.toml: PEP 621 `[project] dependencies` and `optional-dependencies`, PEP 735 `[dependency-groups]`,
 * Poetry `[tool.poetry.dependencies]`, `dev-dependencies` and `[tool.poetry.group.<g>.dependencies]`, and
 * `[build-system] requires` (not a runtime dependency). TOML is parsed with smol-toml; a file it rejects is one
 * `invalid` finding with its reason.
 */
import { parse as parseToml } from 'smol-toml';
import type { DependencyEntry, InvalidLine, ParsedDependencies } from './deps';
import { findQuoted, keySpan, tableEnd, tableStart } from './locate';
import { describeSpec, isFullCommit, isPinned, isVcsUrl, parseRequirement, requirementKind, urlPinned, vcsRef, type Clause } from './pep508';
import type { Span } from './types';

type Toml = Record<string, unknown>;
const isObj = (v: unknown): v is Toml => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why smol-toml rejected a file, with the line and column it names. */
export function tomlError(e: unknown): string {
  const err = e as { line?: number; column?: number; message?: string };
  const msg = (err.message ?? String(e)).split('\n')[0].replace(/^Invalid TOML document:\s*/, '');
  return `not valid TOML${err.line ? ` (line ${err.line}${err.column ? `, column ${err.column}` : ''})` : ''}: ${msg}`;
}

/** PEP 508 strings of an array, located in the text after `from`. */
function pep508Array(text: string, values: unknown, group: string, from: number, entries: DependencyEntry[], invalid: InvalidLine[]): void {
  if (!Array.isArray(values)) { return; }
  let cursor = from;
  for (const v of values) {
    if (typeof v !== 'string') { continue; } // PEP 735 {include-group = …}
    const span = findQuoted(text, v, cursor) ?? { start: from, end: from };
    cursor = span.end;
    const r = parseRequirement(v);
    if (!r.ok) { invalid.push({ span, reason: r.reason }); continue; }
    entries.push({ name: r.req.name, spec: describeSpec(r.req), pinned: isPinned(r.req), kind: requirementKind(r.req),
      span, runtime: true, group, clauses: r.req.clauses, marker: r.req.marker, ecosystem: 'pypi', ...(r.req.url && isVcsUrl(r.req.url) ? { ref: vcsRef(r.req.url) } : {}) });
  }
}

function arraySection(text: string, table: string[], key: string): number {
  const t = tableStart(text, table);
  const s = t >= 0 ? keySpan(text, key, t, tableEnd(text, t)) : undefined;
  return s ? s.start : Math.max(0, t);
}

/**
 * A Poetry constraint: `1.2.3` and `==1.2.3` are exact; `^`, `~`, `*`, ranges and wildcards are not. Returned
 * as PEP 440 clauses where there is an equivalent, for duplicate detection.
 */
export function poetryConstraint(c: string): { pinned: boolean; clauses: Clause[]; problem?: string } {
  const s = c.trim();
  if (s === '' || s === '*') { return { pinned: false, clauses: [] }; }
  const parts = s.split(/\s*,\s*|\s+(?=[<>=!~^])/).filter(Boolean);
  if (s.includes('||')) { return { pinned: false, clauses: [] }; }
  const clauses: Clause[] = [];
  for (const p of parts) {
    const m = /^(\^|~=|~|===|==|!=|<=|>=|<|>|=)?\s*(\S+)$/.exec(p);
    if (!m) { return { pinned: false, clauses: [], problem: `'${c}' is not a Poetry version constraint` }; }
    const op = m[1] ?? '==';
    clauses.push({ op: op === '=' ? '==' : op, version: m[2] });
  }
  const exact = clauses.filter((x) => (x.op === '==' || x.op === '===') && !/[*x]$/.test(x.version));
  return { pinned: exact.length === 1 && clauses.length === 1, clauses };
}

function poetryTable(text: string, deps: unknown, table: string[], group: string, entries: DependencyEntry[]): void {
  if (!isObj(deps)) { return; }
  const t = tableStart(text, table);
  const end = t >= 0 ? tableEnd(text, t) : text.length;
  for (const [name, value] of Object.entries(deps)) {
    if (name.toLowerCase() === 'python') { continue; } // the interpreter constraint, not a package
    const span: Span = (t >= 0 ? keySpan(text, name, t, end) : undefined) ?? { start: Math.max(0, t), end: Math.max(0, t) };
    const specs = Array.isArray(value) ? value : [value];
    let pinned = true;
    let spec = '';
    let clauses: Clause[] = [];
    let kind: DependencyEntry['kind'] = 'requirement';
    let marker: string | undefined;
    let ref: string | undefined;
    for (const v of specs) {
      if (typeof v === 'string') {
        const pc = poetryConstraint(v);
        pinned &&= pc.pinned; clauses = pc.clauses; spec = v;
      } else if (isObj(v)) {
        if (typeof v.git === 'string') {
          kind = 'vcs';
          // Only `rev` can name a commit; `branch` and `tag` always name something that can move.
          const rev = typeof v.rev === 'string' ? v.rev : undefined;
          ref = rev ?? (typeof v.branch === 'string' ? v.branch : typeof v.tag === 'string' ? v.tag : undefined);
          pinned &&= isFullCommit(rev);
          spec = `git ${v.git}${rev ? `@${rev}` : typeof v.branch === 'string' ? ` branch ${v.branch}` : typeof v.tag === 'string' ? ` tag ${v.tag}` : ''}`;
        } else if (typeof v.path === 'string') {
          kind = 'path'; pinned = false; spec = `local path ${v.path}`;
        } else if (typeof v.url === 'string') {
          kind = 'url'; pinned &&= urlPinned(v.url); spec = `@ ${v.url}`;
        } else {
          const pc = poetryConstraint(typeof v.version === 'string' ? v.version : '*');
          pinned &&= pc.pinned; clauses = pc.clauses; spec = typeof v.version === 'string' ? v.version : '*';
        }
        if (typeof v.markers === 'string') { marker = v.markers; }
      }
    }
    // Several constraints for one name (per Python version or platform) pin only if each does.
    entries.push({ name, spec: specs.length > 1 ? `${specs.length} constraints` : spec || '*', pinned, kind, span, runtime: true, group, clauses, marker, ecosystem: 'pypi',
      ...(kind === 'vcs' ? { ref } : {}) });
  }
}

export function parsePyproject(text: string): ParsedDependencies {
  const entries: DependencyEntry[] = [];
  const invalid: InvalidLine[] = [];
  let doc: Toml;
  try { doc = parseToml(text); } catch (e) { return { format: 'pyproject', entries, invalid, unreadable: tomlError(e) }; }
  const project = isObj(doc.project) ? doc.project : undefined;
  if (project) {
    pep508Array(text, project.dependencies, 'dependencies', arraySection(text, ['project'], 'dependencies'), entries, invalid);
    if (isObj(project['optional-dependencies'])) {
      for (const [g, list] of Object.entries(project['optional-dependencies'])) {
        let from = arraySection(text, ['project', 'optional-dependencies'], g);
        if (from <= 0) { from = arraySection(text, ['project'], 'optional-dependencies'); }
        pep508Array(text, list, `optional-dependencies.${g}`, from, entries, invalid);
      }
    }
  }
  if (isObj(doc['dependency-groups'])) {
    for (const [g, list] of Object.entries(doc['dependency-groups'])) {
      pep508Array(text, list, `dependency-groups.${g}`, arraySection(text, ['dependency-groups'], g), entries, invalid);
    }
  }
  const poetry = isObj(doc.tool) && isObj(doc.tool.poetry) ? doc.tool.poetry : undefined;
  if (poetry) {
    poetryTable(text, poetry.dependencies, ['tool', 'poetry', 'dependencies'], 'tool.poetry.dependencies', entries);
    poetryTable(text, poetry['dev-dependencies'], ['tool', 'poetry', 'dev-dependencies'], 'tool.poetry.dev-dependencies', entries);
    if (isObj(poetry.group)) {
      for (const [g, body] of Object.entries(poetry.group)) {
        if (isObj(body)) { poetryTable(text, body.dependencies, ['tool', 'poetry', 'group', g, 'dependencies'], `tool.poetry.group.${g}`, entries); }
      }
    }
  }
  return { format: 'pyproject', entries, invalid };
}
