// Pipfile (pipenv): `[packages]` and `[dev-packages]` (and other named categories), values `"*"`, `"==1.0"`,
// or tables with version / git+ref / path / file, extras and markers.
import { parse as parseToml } from 'smol-toml';
import type { DependencyEntry, InvalidLine, ParsedDependencies } from './deps';
import { keySpan, tableEnd, tableStart } from './locate';
import { describeSpec, isFullCommit, parseRequirement, urlPinned } from './pep508';
import { tomlError } from './pyproject';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const NOT_PACKAGES = new Set(['source', 'requires', 'scripts', 'pipenv']);

export function parsePipfile(text: string): ParsedDependencies {
  const entries: DependencyEntry[] = [];
  const invalid: InvalidLine[] = [];
  let doc: Record<string, unknown>;
  try { doc = parseToml(text); } catch (e) { return { format: 'pipfile', entries, invalid, unreadable: tomlError(e) }; }
  for (const [section, pkgs] of Object.entries(doc)) {
    if (NOT_PACKAGES.has(section) || !isObj(pkgs)) { continue; }
    const t = tableStart(text, [section]);
    const end = t >= 0 ? tableEnd(text, t) : text.length;
    for (const [name, value] of Object.entries(pkgs)) {
      const span = (t >= 0 ? keySpan(text, name, t, end) : undefined) ?? { start: Math.max(0, t), end: Math.max(0, t) };
      const entry: DependencyEntry = { name, spec: '*', pinned: false, kind: 'requirement', span, runtime: true, group: section, clauses: [], ecosystem: 'pypi' };
      const version = typeof value === 'string' ? value : isObj(value) && typeof value.version === 'string' ? value.version : undefined;
      if (isObj(value) && typeof value.git === 'string') {
        const ref = typeof value.ref === 'string' ? value.ref : undefined;
        Object.assign(entry, { kind: 'vcs', spec: `git ${value.git}${ref ? `@${ref}` : ''}`, pinned: isFullCommit(ref), ref });
      } else if (isObj(value) && typeof value.path === 'string') {
        Object.assign(entry, { kind: 'path', spec: `local path ${value.path}` });
      } else if (isObj(value) && typeof value.file === 'string') {
        Object.assign(entry, { kind: 'url', spec: `@ ${value.file}`, pinned: urlPinned(value.file) });
      } else if (version !== undefined && version !== '*') {
        const r = parseRequirement(`${name}${/^[<>=!~]/.test(version) ? '' : '=='}${version}`);
        if (!r.ok) { invalid.push({ span, reason: r.reason }); continue; }
        Object.assign(entry, { spec: describeSpec(r.req), clauses: r.req.clauses, pinned: r.req.clauses.length === 1 && (r.req.clauses[0].op === '===' || (r.req.clauses[0].op === '==' && !r.req.clauses[0].version.endsWith('.*'))) });
      }
      if (isObj(value) && typeof value.markers === 'string') { entry.marker = value.markers; }
      entries.push(entry);
    }
  }
  return { format: 'pipfile', entries, invalid };
}
