/**
 * Validating a profiled file against its dataset's common schema. Only the profile is read (never the data again):
 * type counts, min/max, the numeric sample and the value counts. Where the profile holds every value (value counts
 * complete, or a sample that is the whole column) counts are exact; otherwise a finding says "at least".
 */
import type { ColumnProfile, ColumnType, FileProfile, ValueCount } from '../profile/schema';
import { looksLikeMissingMarker, normalizeName, RELATION_WORDS, suggestCanonical } from './categories';
import { formatAlternatives, isNativeNull } from './fromProfile';
import type { DataSchema, SchemaColumn, SchemaSource } from './schemaFile';
import type { DataFinding, FindingLocator } from './types';

// ---------------------------------------------------------------------------------------------------------------
// Sources

/** A path glob (`**` any folders, `*` anything but `/`, `?` one character but `/`) as a regular expression. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  const g = glob.replace(/\\/g, '/').replace(/^\.\//, '');
  for (let i = 0; i < g.length; i++) {
    const ch = g[i];
    if (ch === '*') {
      if (g[i + 1] === '*') {
        i++;
        if (g[i + 1] === '/') { i++; re += '(?:.*/)?'; } else { re += '.*'; }
      } else { re += '[^/]*'; }
    } else if (ch === '?') { re += '[^/]'; } else { re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&'); }
  }
  return new RegExp(`^${re}$`, 'u');
}

/** The first source whose `match` globs match the file (relative, `/`-separated). */
export function sourceFor(schema: DataSchema, relPath: string): SchemaSource | undefined {
  const p = relPath.replace(/\\/g, '/').replace(/^\.\//, '');
  return (schema.sources ?? []).find((s) => (s.match ?? []).some((g) => globToRegExp(g).test(p)));
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the profile

const quote = (v: string): string => JSON.stringify(v);
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const listOf = (vs: readonly string[], max = 5): string =>
  vs.slice(0, max).map(quote).join(', ') + (vs.length > max ? ` and ${vs.length - max} more` : '');
const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6))));

/** The values the profile knows with their counts: all of them when `complete`, else the most frequent. */
function observedValues(col: ColumnProfile): { items: ValueCount[]; complete: boolean } {
  if (col.values.complete) { return { items: col.values.counts, complete: true }; }
  return { items: col.top, complete: false };
}

const parseNumber = (v: string): number | undefined => {
  const t = v.trim();
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) { return undefined; }
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
};

/** Numeric values with counts: exact from value counts, else from the reservoir sample (`complete` when it is the whole column). */
function numericEvidence(col: ColumnProfile): { values: Map<number, number>; complete: boolean } | undefined {
  const numericCount = col.typeCounts.integer + col.typeCounts.float;
  if (col.values.complete) {
    const values = new Map<number, number>();
    for (const { value, count } of col.values.counts) {
      const n = parseNumber(value);
      if (n !== undefined) { values.set(n, (values.get(n) ?? 0) + count); }
    }
    return { values, complete: true };
  }
  if (col.numeric) {
    const values = new Map<number, number>();
    for (const n of col.numeric.sample) { values.set(n, (values.get(n) ?? 0) + 1); }
    return { values, complete: col.numeric.sample.length >= numericCount };
  }
  return undefined;
}

interface Context {
  fp: FileProfile;
  file: string;
  schema: DataSchema;
  source?: SchemaSource;
}

/** Markers this column accepts as missing: the column's own list or the schema's, plus the source's. */
function acceptedMarkers(ctx: Context, col: SchemaColumn): Set<string> {
  return new Set([...(col.missingMarkers ?? ctx.schema.missingMarkers ?? ['']), ...(ctx.source?.missingMarkers ?? [])]);
}

// ---------------------------------------------------------------------------------------------------------------
// Column checks

interface Matched {
  ctx: Context;
  col: SchemaColumn;
  prof: ColumnProfile;
  accepted: Set<string>;
  /** Values the profiler kept as data but the schema accepts as missing (e.g. `?` in a numeric column). */
  markerValues: ValueCount[];
  markerValueCount: number;
  where: string;
  /** Cells never offending: accepted markers and whatever the profiler read as missing. */
  skip: string[];
}

function locator(m: Matched, test: FindingLocator['test'], extra: Partial<FindingLocator> = {}): FindingLocator {
  return { fileColumn: m.prof.name, index: m.prof.index, test, skip: m.skip, ...extra };
}

function finding(m: Matched, f: Omit<DataFinding, 'file' | 'column'>): DataFinding {
  return { file: m.ctx.file, column: m.col.name, ...f };
}

function isWholeEvidence(m: Matched): { nonWhole: number; complete: boolean; examples: string[] } {
  const ev = numericEvidence(m.prof);
  if (!ev) { return { nonWhole: m.prof.typeCounts.float, complete: false, examples: [] }; }
  let nonWhole = 0;
  const examples: string[] = [];
  for (const [n, c] of ev.values) { if (!Number.isInteger(n)) { nonWhole += c; if (examples.length < 5) { examples.push(fmt(n)); } } }
  return { nonWhole, complete: ev.complete, examples };
}

function checkType(m: Matched): DataFinding[] {
  const { col, prof } = m;
  const tc = prof.typeCounts;
  const expected: ColumnType = col.type;
  if (expected === 'categorical' || expected === 'string') { return []; }
  let bad: number;
  let atLeast = false;
  let examples: string[];
  const nonMatching = (ok: (v: string) => boolean): string[] =>
    observedValues(prof).items.filter((i) => !m.accepted.has(i.value) && !ok(i.value)).map((i) => i.value).slice(0, 5);
  if (expected === 'float' || expected === 'integer') {
    bad = prof.count - tc.integer - tc.float - m.markerValueCount;
    examples = nonMatching((v) => parseNumber(v) !== undefined);
    if (expected === 'integer' && tc.float > 0) {
      const whole = isWholeEvidence(m);
      if (whole.nonWhole > 0) {
        bad += whole.complete ? whole.nonWhole : Math.max(1, whole.nonWhole);
        atLeast ||= !whole.complete;
        examples = [...examples, ...whole.examples].slice(0, 5);
      }
    }
  } else if (expected === 'boolean') {
    const zeroOne = prof.values.complete && prof.values.counts.every((c) => c.value === '0' || c.value === '1' || m.accepted.has(c.value));
    bad = zeroOne ? 0 : prof.count - tc.boolean - m.markerValueCount;
    examples = nonMatching((v) => /^(true|false|yes|no|t|f|y|n|0|1)$/i.test(v.trim()));
  } else {
    bad = prof.count - tc.datetime - m.markerValueCount;
    examples = nonMatching((v) => !Number.isNaN(Date.parse(v)));
  }
  if (bad <= 0) { return []; }
  const markerHint = examples.length > 0 && examples.every(looksLikeMissingMarker)
    ? `; if ${listOf(examples)} ${examples.length === 1 ? 'means' : 'mean'} "no value", add ${examples.length === 1 ? 'it' : 'them'} to missingMarkers`
    : '';
  const typeWord = expected === 'integer' ? 'whole numbers' : expected === 'float' ? 'numbers' : expected === 'boolean' ? 'true/false values' : 'dates';
  return [finding(m, {
    code: 'type-mismatch', severity: 'error', count: bad, examples,
    message: `${m.where} should hold ${typeWord} (${expected}), but ${atLeast ? 'at least ' : ''}${plural(bad, 'value')} ${bad === 1 ? 'is' : 'are'} not (read as ${prof.type}${examples.length ? `, e.g. ${listOf(examples, 3)}` : ''})${markerHint}`,
    locate: locator(m, 'not-type', { type: expected }),
  })];
}

function checkRange(m: Matched): DataFinding[] {
  const { col, prof } = m;
  const range = col.range;
  if (!range || (range.min === undefined && range.max === undefined)) { return []; }
  const lo = range.min ?? -Infinity;
  const hi = range.max ?? Infinity;
  const outside = (n: number) => n < lo || n > hi;
  const ev = numericEvidence(prof);
  let count = 0;
  const offenders: number[] = [];
  if (ev) { for (const [n, c] of ev.values) { if (outside(n)) { count += c; offenders.push(n); } } }
  const min = prof.numeric?.min;
  const max = prof.numeric?.max;
  const minMaxOutside = (min !== undefined && outside(min)) || (max !== undefined && outside(max));
  if (count === 0 && !minMaxOutside) { return []; }
  const exact = ev?.complete === true;
  if (!exact) { count = Math.max(count, 1); }
  offenders.sort((x, y) => x - y);
  const examples = [...offenders.slice(0, 3), ...offenders.slice(3).slice(-2)].map(fmt);
  const allowed = range.min !== undefined && range.max !== undefined ? `${fmt(range.min)} to ${fmt(range.max)}`
    : range.min !== undefined ? `at least ${fmt(range.min)}` : `at most ${fmt(range.max ?? 0)}`;
  const observed = min !== undefined && max !== undefined ? `; the file has ${fmt(min)} to ${fmt(max)}` : '';
  return [finding(m, {
    code: 'out-of-range', severity: 'error', count, examples,
    message: `${m.where}: ${exact ? '' : 'at least '}${plural(count, 'value')} outside the allowed range ${allowed}${observed}${col.unit ? ` (${col.unit})` : ''}`,
    locate: locator(m, 'outside', { ...(range.min !== undefined ? { min: range.min } : {}), ...(range.max !== undefined ? { max: range.max } : {}) }),
  })];
}

function checkCategories(m: Matched): DataFinding[] {
  const { col, prof } = m;
  if (!col.values) { return []; }
  const allowed = new Set(col.values);
  const mapping = new Map(col.mapping ?? []);
  const { items, complete } = observedValues(prof);
  const unexpected: ValueCount[] = [];
  for (const item of items) {
    if (m.accepted.has(item.value)) { continue; }
    const canonical = mapping.get(item.value) ?? item.value;
    if (!allowed.has(canonical)) { unexpected.push(item); }
  }
  if (!unexpected.length) { return []; }
  const count = unexpected.reduce((s, i) => s + i.count, 0);
  const suggestions: { from: string; to: string; why: string }[] = [];
  for (const u of unexpected) {
    const s = suggestCanonical(u.value, col.values);
    if (s && s.relation !== 'same') { suggestions.push({ from: u.value, to: s.to, why: RELATION_WORDS[s.relation] }); }
  }
  const shown = unexpected.slice(0, 5).map((u) => `${quote(u.value)} (${u.count})`).join(', ') + (unexpected.length > 5 ? ` and ${unexpected.length - 5} more` : '');
  const hint = suggestions.length
    ? `; add to its mapping: ${suggestions.slice(0, 5).map((s) => `${quote(s.from)} → ${quote(s.to)}`).join(', ')}${suggestions.length > 5 ? ', …' : ''}`
    : '';
  return [finding(m, {
    code: 'unexpected-category', severity: 'error', count, examples: unexpected.slice(0, 10).map((u) => u.value),
    message: `${m.where}: ${complete ? '' : 'at least '}${plural(count, 'value')} not among the allowed values (${listOf(col.values, 6)}): ${shown}${hint}`,
    ...(suggestions.length ? { suggestion: { mapping: suggestions.map(({ from, to }) => ({ from, to })) } } : {}),
    locate: locator(m, 'not-in', { values: [...col.values, ...mapping.keys()] }),
  })];
}

function checkNulls(m: Matched): DataFinding[] {
  const { col, prof, ctx } = m;
  const missing = prof.missing + m.markerValueCount;
  if (missing === 0) { return []; }
  const rows = Math.max(ctx.fp.rows, prof.count + prof.missing, 1);
  const rate = missing / rows;
  const pct = (r: number) => `${fmt(Math.round(r * 1000) / 10)}%`;
  const missingCells = [...new Set(['', ...prof.missingMarkers.map((x) => x.value), ...m.markerValues.map((x) => x.value), ...m.accepted])];
  const locate = locator(m, 'in', { values: missingCells, skip: [] });
  if (col.nullable === false) {
    return [finding(m, { code: 'null-rate', severity: 'error', count: missing, message: `${m.where} must not be empty, but ${plural(missing, 'value')} ${missing === 1 ? 'is' : 'are'} missing (${pct(rate)} of ${plural(rows, 'row')})`, locate })];
  }
  if (col.maxNullRate !== undefined && rate > col.maxNullRate) {
    return [finding(m, { code: 'null-rate', severity: 'warning', count: missing, message: `${m.where}: ${plural(missing, 'value')} missing (${pct(rate)} of ${plural(rows, 'row')}), above the allowed ${pct(col.maxNullRate)}`, locate })];
  }
  return [];
}

function checkDatetimeFormat(m: Matched): DataFinding[] {
  const { col, prof } = m;
  if (!col.format || !prof.datetime) { return []; }
  const format = col.format;
  const other = prof.datetime.formats.filter((f) => f.count > 0 && !formatAlternatives(f.value).includes(format));
  if (!other.length) { return []; }
  const count = other.reduce((s, f) => s + f.count, 0);
  return [finding(m, {
    code: 'datetime-format', severity: 'error', count, examples: other.map((f) => f.value),
    message: `${m.where}: ${plural(count, 'date')} not written as ${col.format}: ${other.map((f) => `${f.value} (${f.count})`).join(', ')}`,
    locate: locator(m, 'not-format', { format: col.format }),
  })];
}

function checkMarkers(m: Matched): DataFinding[] {
  const read = m.prof.missingMarkers.filter((x) => x.count > 0 && !m.accepted.has(x.value) && !isNativeNull(m.ctx.fp, x.value));
  if (!read.length) { return []; }
  const count = read.reduce((s, x) => s + x.count, 0);
  const accepted = [...m.accepted].map((x) => (x === '' ? 'empty cells' : quote(x)));
  const shown = read.map((x) => `${x.value === '' ? 'empty cells' : quote(x.value)} (${x.count})`).join(', ');
  return [finding(m, {
    code: 'missing-marker', severity: 'warning', count, examples: read.map((x) => x.value),
    message: `${m.where}: missing values written as ${shown}, which the schema does not accept as missing (it accepts ${accepted.length ? accepted.join(', ') : 'none'}); add ${read.length === 1 ? 'it' : 'them'} to missingMarkers${m.ctx.source ? ` of source ${quote(m.ctx.source.name)}` : ''} if that is what ${read.length === 1 ? 'it means' : 'they mean'}`,
    locate: locator(m, 'in', { values: read.map((x) => x.value), skip: [] }),
  })];
}

// ---------------------------------------------------------------------------------------------------------------
// The file

/**
 * Findings for one profiled file against the schema. The source (given, or found by `sourceFor`) renames columns
 * first; a source without a header takes columns by position in the schema's order.
 */
export function validateProfile(fp: FileProfile, schema: DataSchema, opts: { file: string; source?: SchemaSource }): DataFinding[] {
  if (fp.error) { return []; }
  const source = opts.source ?? sourceFor(schema, opts.file);
  const ctx: Context = { fp, file: opts.file, schema, ...(source ? { source } : {}) };
  const renames = new Map(source?.renames ?? []);
  const byName = new Map(schema.columns.map((c) => [c.name, c]));
  const fileColumns = [...fp.columns].sort((x, y) => x.index - y.index);
  const matched = new Map<string, ColumnProfile>();
  const extra: { prof: ColumnProfile; canonical: string }[] = [];
  fileColumns.forEach((prof, position) => {
    let canonical = renames.get(prof.name);
    if (canonical === undefined) { canonical = source?.header === false ? (schema.columns[position]?.name ?? prof.name) : prof.name; }
    if (byName.has(canonical) && !matched.has(canonical)) { matched.set(canonical, prof); } else { extra.push({ prof, canonical }); }
  });

  const findings: DataFinding[] = [];
  const missingCols = schema.columns.filter((c) => !matched.has(c.name));
  // A file column and a schema column whose names differ only by case or punctuation hint at a missing rename.
  const byNormalized = (names: string[]) => {
    const m = new Map<string, string>();
    for (const n of names) { const k = normalizeName(n); if (!m.has(k)) { m.set(k, n); } }
    return m;
  };
  const extraNames = byNormalized(extra.map((e) => e.prof.name));
  const missingNames = byNormalized(missingCols.map((c) => c.name));
  const nameHint = (name: string, candidates: Map<string, string>): string | undefined => {
    const c = candidates.get(normalizeName(name));
    return c !== name ? c : undefined;
  };
  for (const col of missingCols) {
    const near = nameHint(col.name, extraNames);
    const required = col.required !== false;
    findings.push({
      code: 'missing-column', severity: required ? 'error' : 'info', file: opts.file, column: col.name,
      message: `${opts.file}: ${required ? 'required ' : 'optional '}column ${quote(col.name)} is missing${near !== undefined ? `; the file has ${quote(near)}: add the rename [${quote(near)}, ${quote(col.name)}] to a source` : ''}`,
    });
  }
  for (const { prof, canonical } of extra) {
    const near = nameHint(prof.name, missingNames);
    const duplicate = byName.has(canonical) && matched.get(canonical) !== prof;
    findings.push({
      code: 'new-column', severity: schema.allowNewColumns ? 'info' : 'warning', file: opts.file, column: prof.name,
      message: duplicate
        ? `${opts.file}: column ${quote(prof.name)} (position ${prof.index + 1}) maps to ${quote(canonical)}, which another column already fills`
        : `${opts.file}: column ${quote(prof.name)} is not in the schema${near !== undefined ? ` (did you mean ${quote(near)}? add a rename)` : ''}`,
    });
  }

  for (const col of schema.columns) {
    const prof = matched.get(col.name);
    if (!prof || prof.error !== undefined) { continue; }
    const accepted = acceptedMarkers(ctx, col);
    const alreadyMissing = new Set(prof.missingMarkers.map((x) => x.value));
    const markerValues = observedValues(prof).items.filter((i) => accepted.has(i.value) && !alreadyMissing.has(i.value));
    const renamed = prof.name !== col.name ? ` (${quote(prof.name)} in the file)` : '';
    const m: Matched = {
      ctx, col, prof, accepted, markerValues, markerValueCount: markerValues.reduce((s, i) => s + i.count, 0),
      where: `${opts.file}: column ${quote(col.name)}${renamed}`,
      skip: [...new Set(['', ...accepted, ...alreadyMissing])],
    };
    findings.push(...checkType(m), ...checkRange(m), ...checkCategories(m), ...checkNulls(m), ...checkDatetimeFormat(m), ...checkMarkers(m));
  }
  return findings;
}
