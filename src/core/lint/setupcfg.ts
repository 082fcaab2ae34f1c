/**
 * setup.cfg `[options] install_requires` and `[options.extras_require]`: configparser-style multi-line values
 * (continuation lines are indented), comments on their own line or after whitespace, `%(name)s`
 * interpolations (references to other extras, not packages). A small hand-written reader: no maintained
 * JavaScript INI library keeps configparser's multi-line values with their positions.
 */
import type { DependencyEntry, InvalidLine, ParsedDependencies } from './deps';
import { describeSpec, isPinned, isVcsUrl, parseRequirement, requirementKind, vcsRef } from './pep508';

export function parseSetupCfg(text: string): ParsedDependencies {
  const entries: DependencyEntry[] = [];
  const invalid: InvalidLine[] = [];
  let section = '';
  let key: string | undefined;
  let offset = 0;
  for (const raw of text.split('\n')) {
    const lineStart = offset;
    offset += raw.length + 1;
    const line = raw.replace(/\r$/, '');
    if (/^\s*[#;]/.test(line) || !line.trim()) { continue; }
    const header = /^\[([^\]]+)\]/.exec(line);
    if (header) { section = header[1].trim(); key = undefined; continue; }
    let value: string;
    let valueAt: number;
    if (!/^\s/.test(line)) {
      const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
      if (!m) { key = undefined; continue; }
      key = m[1].trim();
      value = m[2];
      valueAt = lineStart + line.length - m[2].length;
    } else {
      value = line.trimStart();
      valueAt = lineStart + line.length - value.length;
    }
    const group = section === 'options' && key === 'install_requires' ? 'install_requires'
      : section === 'options.extras_require' && key ? `extras_require.${key}` : undefined;
    if (!group) { continue; }
    const noComment = value.replace(/(^|\s+)[#;].*$/, '').trimEnd();
    if (!noComment || /^%\([^)]*\)s$/.test(noComment)) { continue; }
    // One requirement per line (setuptools' "dangling list"; commas belong to version specifiers).
    {
      const req = noComment.trim();
      const start = valueAt + value.indexOf(req);
      const span = { start, end: start + req.length };
      const r = parseRequirement(req);
      if (!r.ok) { invalid.push({ span, reason: r.reason }); continue; }
      entries.push({ name: r.req.name, spec: describeSpec(r.req), pinned: isPinned(r.req), kind: requirementKind(r.req), span, runtime: true, group,
        clauses: r.req.clauses, marker: r.req.marker, ecosystem: 'pypi', ...(r.req.url && isVcsUrl(r.req.url) ? { ref: vcsRef(r.req.url) } : {}) });
    }
  }
  return { format: 'setup.cfg', entries, invalid };
}
