/**
 * conda environment.yml: `dependencies` holds conda match specs (`numpy`, `numpy=1.21`, `numpy==1.21.5`,
 * `numpy>=1.21,<2`, `numpy 1.21.*`, `numpy=1.21.5=py39h_0`, `conda-forge::numpy=1.21.5`) and a `pip:` list of
 * requirements-file lines. Parsed with the `yaml` library, whose nodes carry their exact ranges.
 *
 * Pinned, for conda: `==V`, or `=V=BUILD`, or `=V` where V has at least three release parts (`=1.21.5`). conda's
 * single `=` is a prefix match, so `=1.21` admits every 1.21.x and is not pinned; a full major.minor.patch leaves
 * only that release. `python` and `pip` are the environment's interpreter and installer, not dependencies.
 */
import { parseDocument, isMap, isScalar, isSeq, type Node } from 'yaml';
import type { DependencyEntry, InvalidLine, ParsedDependencies } from './deps';
import { parseRequirementsFile } from './requirements';

const CONDA_SPEC = /^(?:([A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*)::)?([A-Za-z0-9_][A-Za-z0-9_.+-]*)\s*(.*)$/;

export function condaPinned(spec: string): boolean {
  const s = spec.trim();
  if (!s) { return false; }
  if (/[*<>!~|,]/.test(s)) { return false; }
  if (/^==\s*[^=\s]+$/.test(s)) { return true; }
  const m = /^=?\s*([^=\s]+)(?:[=\s]+(\S+))?$/.exec(s);
  if (!m) { return false; }
  if (m[2]) { return true; } // version and build string
  if (!s.startsWith('=')) { return true; } // "numpy 1.21.5": a bare version is an exact match
  return m[1].split('.').filter((x) => /^\d/.test(x)).length >= 3;
}

export function parseConda(text: string): ParsedDependencies {
  const entries: DependencyEntry[] = [];
  const invalid: InvalidLine[] = [];
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const at = e.linePos?.[0];
    return { format: 'conda', entries, invalid, unreadable: `not valid YAML${at ? ` (line ${at.line}, column ${at.col})` : ''}: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}` };
  }
  const root = doc.contents;
  if (!isMap(root)) { return { format: 'conda', entries, invalid }; }
  const deps = root.get('dependencies', true) as Node | undefined;
  if (!deps) { return { format: 'conda', entries, invalid }; }
  if (!isSeq(deps)) { invalid.push({ span: rangeOf(deps), reason: "'dependencies' must be a list" }); return { format: 'conda', entries, invalid }; }
  for (const item of deps.items) {
    if (isScalar(item)) {
      const raw = scalarText(item.value).trim();
      const span = rangeOf(item as Node);
      const m = CONDA_SPEC.exec(raw);
      if (!m) { invalid.push({ span, reason: `'${raw}' is not a conda package spec` }); continue; }
      const name = m[2];
      const version = m[3].trim();
      const runtime = !['python', 'pip'].includes(name.toLowerCase());
      entries.push({ name, spec: version || '(any version)', pinned: condaPinned(version), kind: 'conda', span, runtime, group: m[1] ? `conda (${m[1]})` : 'conda',
        clauses: version.startsWith('==') ? [{ op: '==', version: version.slice(2).trim() }] : [], ecosystem: 'conda' });
    } else if (isMap(item)) {
      const pip = item.get('pip', true) as Node | undefined;
      if (!pip) { continue; }
      if (!isSeq(pip)) { invalid.push({ span: rangeOf(pip), reason: "'pip' must be a list" }); continue; }
      for (const p of pip.items) {
        if (!isScalar(p)) { continue; }
        const [start] = rangeOfTuple(p as Node);
        const lineText = scalarText(p.value);
        // Each item is one line of a requirements file; offsets are shifted to where the item sits in the YAML.
        const parsed = parseRequirementsFile(lineText, 'pip');
        for (const e of parsed.entries) { entries.push({ ...e, span: { start: e.span.start + start, end: e.span.end + start } }); }
        for (const inv of parsed.invalid) { invalid.push({ ...inv, span: { start: inv.span.start + start, end: inv.span.end + start } }); }
      }
    }
  }
  return { format: 'conda', entries, invalid };
}

function rangeOfTuple(n: Node): [number, number] {
  const r = n.range;
  return r ? [r[0], r[1]] : [0, 0];
}

function rangeOf(n: Node) {
  const [start, end] = rangeOfTuple(n);
  return { start, end };
}

function scalarText(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}
