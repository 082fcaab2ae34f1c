/**
 * What differs between two sources of the same data, read from their profiles only: how the columns line up (exact
 * name, name ignoring case and punctuation, likely rename by profile similarity, or position for files without a
 * header) and each discrepancy a person must decide about — row counts, header, format, columns on one side only,
 * types, category spellings, missing-value markers, unit scale and ranges.
 */
import type { ColumnProfile, FileProfile, ValueCount } from '../profile/schema';
import { looksLikeMissingMarker, normalizeName, RELATION_WORDS, spellingRelation, type SpellingRelation } from '../validate/categories';
import type { ColumnAlignment, Discrepancy, SourceComparison } from './types';

/** Category sets are compared when both sides have at most this many values (all counted). */
const MAX_CATEGORIES = 50;
/** A likely rename needs at least this profile similarity. */
const RENAME_SIMILARITY = 0.75;
/** Unmatched column pairs compared by profile similarity at most (250,000 = 500 × 500). */
const MAX_SIMILARITY_PAIRS = 250_000;

type Kind = 'numeric' | 'boolean' | 'datetime' | 'text';

const quote = (v: string): string => JSON.stringify(v);
const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6))));
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const isNumberText = (v: string): boolean => NUMBER.test(v.trim());
const markerWord = (m: string): string => (m === '' ? 'empty cells' : quote(m));

/** The format's own null ("null" in Parquet or JSON Lines) is the same thing as an empty CSV cell. */
const canonicalMarker = (fp: FileProfile, m: string): string => (m === 'null' && (fp.format === 'parquet' || fp.format === 'jsonl') ? '' : m);

function kindOf(t: ColumnProfile['type']): Kind {
  return t === 'integer' || t === 'float' ? 'numeric' : t === 'boolean' ? 'boolean' : t === 'datetime' ? 'datetime' : 'text';
}

function observed(col: ColumnProfile): { items: ValueCount[]; complete: boolean } {
  return col.values.complete ? { items: col.values.counts, complete: true } : { items: col.top, complete: false };
}

/**
 * A text column that would be numeric if a missing marker kept as text (e.g. `?`) were read as missing: the markers
 * and how often they occur, and the numeric type underneath.
 */
function textBecauseOfMarker(col: ColumnProfile): { markers: ValueCount[]; type: 'integer' | 'float' } | undefined {
  if (kindOf(col.type) !== 'text') { return undefined; }
  const numeric = col.typeCounts.integer + col.typeCounts.float;
  if (numeric === 0) { return undefined; }
  const { items } = observed(col);
  const nonNumeric = items.filter((i) => !isNumberText(i.value));
  const nonNumericTotal = col.count - numeric;
  if (!nonNumeric.length || !nonNumeric.every((i) => looksLikeMissingMarker(i.value))) { return undefined; }
  if (nonNumeric.reduce((s, i) => s + i.count, 0) < nonNumericTotal) { return undefined; }
  return { markers: nonNumeric, type: col.typeCounts.float > 0 ? 'float' : 'integer' };
}

/** The kind a column would have once markers are read as missing. */
function effectiveKind(col: ColumnProfile): Kind {
  return textBecauseOfMarker(col) ? 'numeric' : kindOf(col.type);
}

/** Categories with counts, when all of them are known and there are few enough to compare. */
function categorySet(col: ColumnProfile): ValueCount[] | undefined {
  if (!col.values.complete || col.values.counts.length === 0 || col.values.counts.length > MAX_CATEGORIES) { return undefined; }
  return col.values.counts;
}

/** Integer codes on one side, names on the other, with the same count profile (0/1/2 ↔ setosa/versicolor/virginica). */
function codesForNames(x: ColumnProfile, y: ColumnProfile): boolean {
  const cx = categorySet(x);
  const cy = categorySet(y);
  if (!cx || !cy || cx.length !== cy.length || cx.length < 2) { return false; }
  // Codes as encoders write them: 0..k-1 or 1..k.
  const codes = (c: ValueCount[]) => {
    if (!c.every((v) => /^\d+$/.test(v.value))) { return false; }
    const ns = c.map((v) => Number(v.value)).sort((p, q) => p - q);
    return ns.every((n, i) => n === ns[0] + i) && (ns[0] === 0 || ns[0] === 1);
  };
  const names = (c: ValueCount[]) => c.some((v) => !isNumberText(v.value));
  if (!((codes(cx) && names(cy)) || (codes(cy) && names(cx)))) { return false; }
  const counts = (c: ValueCount[]) => c.map((v) => v.count).sort((p, q) => p - q).join(',');
  return counts(cx) === counts(cy);
}

function compatible(x: ColumnProfile, y: ColumnProfile): boolean {
  return effectiveKind(x) === effectiveKind(y) || codesForNames(x, y);
}

const ratio = (p: number, q: number): number => (p === q ? 1 : Math.min(p, q) / Math.max(p, q));

/** 0–1: how alike two columns look from their profiles (type, missing share, distinct count, range/mean, categories). */
export function profileSimilarity(x: ColumnProfile, y: ColumnProfile, rowsX: number, rowsY: number): number {
  if (!compatible(x, y)) { return 0; }
  const parts: number[] = [];
  const missX = x.missing / Math.max(rowsX, 1);
  const missY = y.missing / Math.max(rowsY, 1);
  parts.push(1 - Math.min(1, Math.abs(missX - missY) * 2));
  parts.push(ratio(x.distinct, y.distinct));
  if (x.numeric && y.numeric) {
    const lo = Math.max(x.numeric.min, y.numeric.min);
    const hi = Math.min(x.numeric.max, y.numeric.max);
    const span = Math.max(x.numeric.max, y.numeric.max) - Math.min(x.numeric.min, y.numeric.min);
    parts.push(span === 0 ? 1 : Math.max(0, hi - lo) / span);
    const spread = Math.max(x.numeric.std, y.numeric.std, 1e-12);
    parts.push(1 - Math.min(1, Math.abs(x.numeric.mean - y.numeric.mean) / spread));
  } else if (codesForNames(x, y)) {
    parts.push(1);
  } else {
    const sx = observed(x).items;
    const sy = observed(y).items;
    if (sx.length && sy.length) {
      const setY = new Set(sy.map((v) => v.value));
      const inter = sx.filter((v) => setY.has(v.value)).length;
      parts.push(inter / (sx.length + sy.length - inter));
    }
  }
  return parts.reduce((s, p) => s + p, 0) / parts.length;
}

const headerless = (fp: FileProfile): boolean => fp.csv?.header === false;

function align(a: FileProfile, b: FileProfile): { pairs: { x: ColumnProfile; y: ColumnProfile; how: NonNullable<ColumnAlignment['how']>; similarity?: number }[]; onlyA: ColumnProfile[]; onlyB: ColumnProfile[]; skippedSimilarity?: boolean } {
  const colsA = [...a.columns].sort((p, q) => p.index - q.index);
  const colsB = [...b.columns].sort((p, q) => p.index - q.index);
  const pairs: { x: ColumnProfile; y: ColumnProfile; how: NonNullable<ColumnAlignment['how']>; similarity?: number }[] = [];
  if ((headerless(a) || headerless(b)) && colsA.length === colsB.length && colsA.every((c, i) => compatible(c, colsB[i]))) {
    colsA.forEach((x, i) => pairs.push({ x, y: colsB[i], how: 'position' }));
    return { pairs, onlyA: [], onlyB: [] };
  }
  const freeA = new Set(colsA);
  const freeB = new Set(colsB);
  const take = (x: ColumnProfile, y: ColumnProfile, how: NonNullable<ColumnAlignment['how']>, similarity?: number) => {
    pairs.push({ x, y, how, ...(similarity !== undefined ? { similarity } : {}) });
    freeA.delete(x);
    freeB.delete(y);
  };
  if (!headerless(a) && !headerless(b)) {
    const byNameB = new Map<string, ColumnProfile>();
    for (const y of colsB) { if (!byNameB.has(y.name)) { byNameB.set(y.name, y); } }
    for (const x of colsA) { const y = byNameB.get(x.name); if (y && freeB.has(y)) { take(x, y, 'exact'); } }
    const group = (cols: Set<ColumnProfile>) => {
      const m = new Map<string, ColumnProfile[]>();
      for (const c of cols) {
        const k = normalizeName(c.name);
        const list = m.get(k);
        if (!k) { continue; }
        if (list) { list.push(c); } else { m.set(k, [c]); }
      }
      return m;
    };
    const normB = group(freeB);
    for (const [k, xs] of group(freeA)) {
      const ys = normB.get(k);
      if (xs.length === 1 && ys?.length === 1) { take(xs[0], ys[0], 'normalized'); }
    }
  }
  const candidates: { x: ColumnProfile; y: ColumnProfile; s: number }[] = [];
  // Likely renames are judged pair by pair; beyond a few hundred unmatched columns on each side that is too slow to
  // be worth it, and the columns are reported as one-sided instead.
  if (freeA.size * freeB.size > MAX_SIMILARITY_PAIRS) { return { pairs: pairs.sort((p, q) => p.x.index - q.x.index), onlyA: [...freeA], onlyB: [...freeB], skippedSimilarity: true }; }
  for (const x of freeA) {
    for (const y of freeB) {
      const s = profileSimilarity(x, y, a.rows, b.rows);
      if (s >= RENAME_SIMILARITY) { candidates.push({ x, y, s }); }
    }
  }
  candidates.sort((p, q) => q.s - p.s || p.x.index - q.x.index);
  for (const c of candidates) {
    if (freeA.has(c.x) && freeB.has(c.y)) { take(c.x, c.y, 'profile', Math.round(c.s * 1000) / 1000); }
  }
  pairs.sort((p, q) => p.x.index - q.x.index);
  return { pairs, onlyA: [...freeA], onlyB: [...freeB] };
}

// ---------------------------------------------------------------------------------------------------------------
// Category mappings

/** Each category on side A with its spelling on side B and why; `complete` when every value on both sides is paired. */
function mapCategories(x: ColumnProfile, y: ColumnProfile): { mapping: { a: string; b: string; why: string }[]; onlyA: string[]; onlyB: string[] } | undefined {
  const cx = categorySet(x);
  const cy = categorySet(y);
  if (!cx || !cy) { return undefined; }
  const mapping: { a: string; b: string; why: string }[] = [];
  const usedB = new Set<string>();
  const setB = new Set(cy.map((v) => v.value));
  const rank: Record<SpellingRelation, number> = { same: 0, case: 1, prefix: 2, abbreviation: 3 };
  const pending: ValueCount[] = [];
  for (const v of cx) { if (setB.has(v.value)) { mapping.push({ a: v.value, b: v.value, why: RELATION_WORDS.same }); usedB.add(v.value); } else { pending.push(v); } }
  const stillPending: ValueCount[] = [];
  for (const v of pending) {
    let best: { b: string; r: SpellingRelation } | undefined;
    let tie = false;
    for (const w of cy) {
      if (usedB.has(w.value)) { continue; }
      const r = spellingRelation(v.value, w.value) ?? spellingRelation(w.value, v.value);
      if (!r) { continue; }
      if (!best || rank[r] < rank[best.r]) { best = { b: w.value, r }; tie = false; } else if (rank[r] === rank[best.r]) { tie = true; }
    }
    if (best && !tie) { mapping.push({ a: v.value, b: best.b, why: RELATION_WORDS[best.r] }); usedB.add(best.b); } else { stillPending.push(v); }
  }
  let restB = cy.filter((w) => !usedB.has(w.value));
  // Integer codes ↔ names with matching counts: pair by count; equal counts pair codes in ascending order with names
  // in alphabetical order (how scikit-learn and most encoders number classes).
  if (stillPending.length && stillPending.length === restB.length && codesForNames(
    { ...x, values: { complete: true, counts: stillPending } }, { ...y, values: { complete: true, counts: restB } })) {
    const codesOnA = stillPending.every((v) => /^-?\d+$/.test(v.value));
    const order = (vs: ValueCount[], codes: boolean) => [...vs].sort((p, q) => p.count - q.count || (codes ? Number(p.value) - Number(q.value) : p.value.localeCompare(q.value)));
    const sa = order(stillPending, codesOnA);
    const sb = order(restB, !codesOnA);
    sa.forEach((v, i) => {
      const w = sb[i];
      const tied = sa.filter((o) => o.count === v.count).length > 1;
      mapping.push({ a: v.value, b: w.value, why: tied ? `code ↔ name, ${v.count} rows each; codes in ascending order ↔ names in alphabetical order (check)` : `code ↔ name with the same count (${v.count})` });
    });
    stillPending.length = 0;
    restB = [];
  }
  return { mapping, onlyA: stillPending.map((v) => v.value), onlyB: restB.map((w) => w.value) };
}

// ---------------------------------------------------------------------------------------------------------------
// The comparison

function median(col: ColumnProfile): number | undefined {
  return col.numeric?.quantiles.find((q) => q.q === 0.5)?.value;
}

/** k when `b ≈ 10^k × a` for the column's median, mean and maximum alike (k ≠ 0). */
function unitScale(x: ColumnProfile, y: ColumnProfile): number | undefined {
  if (!x.numeric || !y.numeric) { return undefined; }
  const pairsToCheck: [number | undefined, number | undefined][] = [[median(x), median(y)], [x.numeric.mean, y.numeric.mean], [x.numeric.max, y.numeric.max]];
  const logs: number[] = [];
  for (const [p, q] of pairsToCheck) {
    if (p === undefined || q === undefined) { continue; }
    if (p === 0 || q === 0 || Math.sign(p) !== Math.sign(q)) { return undefined; }
    logs.push(Math.log10(q / p));
  }
  if (logs.length < 2) { return undefined; }
  const k = Math.round(logs[0]);
  if (k === 0) { return undefined; }
  return logs.every((l) => Math.abs(l - k) < 0.15) ? k : undefined;
}

function markersOf(fp: FileProfile): Map<string, { column: string; count: number }[]> {
  const out = new Map<string, { column: string; count: number }[]>();
  const add = (m: string, column: string, count: number) => {
    const list = out.get(m);
    if (list) { list.push({ column, count }); } else { out.set(m, [{ column, count }]); }
  };
  for (const col of fp.columns) {
    for (const m of col.missingMarkers) { if (m.count > 0) { add(canonicalMarker(fp, m.value), col.name, m.count); } }
    for (const m of textBecauseOfMarker(col)?.markers ?? []) { add(m.value, col.name, m.count); }
  }
  return out;
}

function describeMarkers(markers: Map<string, { column: string; count: number }[]>): string {
  return [...markers].map(([m, cols]) => `${markerWord(m)} (${cols.slice(0, 6).map((c) => `${c.column} ${c.count}`).join(', ')}${cols.length > 6 ? ', …' : ''})`).join('; ');
}

const FORMAT_NAME: Record<string, string> = { csv: 'CSV', tsv: 'TSV', jsonl: 'JSON Lines', parquet: 'Parquet' };
const LINE_ENDING: Record<string, string> = { lf: 'LF', crlf: 'CRLF', cr: 'CR', mixed: 'mixed', none: 'no' };

function formatDiscrepancies(a: FileProfile, b: FileProfile, la: string, lb: string): Discrepancy[] {
  const out: Discrepancy[] = [];
  const fa = a.format ?? 'unknown';
  const fb = b.format ?? 'unknown';
  if (fa !== fb) {
    const stored = (fp: FileProfile, l: string) => (fp.format === 'parquet' ? ` ${l} stores its types and nulls; the other's are read from text.` : '');
    out.push({ kind: 'format', severity: 'info', message: `${la} is ${FORMAT_NAME[fa] ?? fa}, ${lb} is ${FORMAT_NAME[fb] ?? fb}.${stored(a, la)}${stored(b, lb)}` });
  }
  const ca = a.csv;
  const cb = b.csv;
  if (ca && cb) {
    if (ca.delimiter !== cb.delimiter) { out.push({ kind: 'format', severity: 'info', message: `Delimiter: ${quote(ca.delimiter)} in ${la}, ${quote(cb.delimiter)} in ${lb}.` }); }
    if (ca.lineEnding !== cb.lineEnding) { out.push({ kind: 'format', severity: 'info', message: `Line endings: ${LINE_ENDING[ca.lineEnding]} in ${la}, ${LINE_ENDING[cb.lineEnding]} in ${lb}.` }); }
    if (ca.quote !== cb.quote) { out.push({ kind: 'format', severity: 'info', message: `Quote character: ${quote(ca.quote)} in ${la}, ${quote(cb.quote)} in ${lb}.` }); }
    const qa = (ca as { quoting?: unknown }).quoting;
    const qb = (cb as { quoting?: unknown }).quoting;
    if (typeof qa === 'string' && typeof qb === 'string' && qa !== qb) { out.push({ kind: 'format', severity: 'info', message: `Quoting: ${qa} in ${la}, ${qb} in ${lb}.` }); }
    if (ca.bom !== cb.bom) { out.push({ kind: 'format', severity: 'info', message: `${ca.bom ? la : lb} starts with a byte order mark, ${ca.bom ? lb : la} does not.` }); }
    if (ca.encoding !== cb.encoding) { out.push({ kind: 'format', severity: 'info', message: `Encoding: ${ca.encoding} in ${la}, ${cb.encoding} in ${lb}.` }); }
  }
  return out;
}

function pairDiscrepancies(x: ColumnProfile, y: ColumnProfile, la: string, lb: string): Discrepancy[] {
  const out: Discrepancy[] = [];
  const names = { a: x.name, b: y.name };
  const cx = `${quote(x.name)} in ${la}`;
  const cy = `${quote(y.name)} in ${lb}`;
  // Types
  const mx = textBecauseOfMarker(x);
  const my = textBecauseOfMarker(y);
  const codes = codesForNames(x, y);
  if (kindOf(x.type) !== kindOf(y.type)) {
    const explain = (side: ReturnType<typeof textBecauseOfMarker>, col: string, other: ColumnProfile) => side
      ? `; ${col} is text only because ${side.markers.map((m) => `${markerWord(m.value)} (${m.count})`).join(', ')} ${side.markers.length === 1 ? 'marks' : 'mark'} missing values — read as missing, it is ${side.type}${kindOf(other.type) === 'numeric' ? ' like the other' : ''}`
      : '';
    const why = codes ? '; the integers look like codes for the names (see the category mapping)' : explain(mx, cx, y) + explain(my, cy, x);
    out.push({ kind: 'type', severity: 'warning', ...names, message: `${cx} is ${x.type}, ${cy} is ${y.type}${why}.` });
  } else if (x.type !== y.type) {
    out.push({ kind: 'type', severity: 'info', ...names, message: `${cx} is ${x.type}, ${cy} is ${y.type}.` });
  }
  // Categories
  const bothText = kindOf(x.type) !== 'numeric' && kindOf(y.type) !== 'numeric';
  if (bothText || codes) {
    const m = mapCategories(x, y);
    if (m) {
      const differs = m.mapping.some((p) => p.a !== p.b);
      if (!m.onlyA.length && !m.onlyB.length && differs) {
        const shown = m.mapping.filter((p) => p.a !== p.b);
        out.push({ kind: 'category-mapping', severity: 'warning', ...names, mapping: m.mapping,
          message: `${cx} and ${cy} hold the same categories spelled differently: ${shown.slice(0, 6).map((p) => `${quote(p.a)} → ${quote(p.b)}`).join(', ')}${shown.length > 6 ? ', …' : ''}.` });
      } else if (m.onlyA.length || m.onlyB.length) {
        const list = (vs: string[]) => vs.slice(0, 8).map(quote).join(', ') + (vs.length > 8 ? ` and ${vs.length - 8} more` : '');
        const parts = [m.onlyA.length ? `only in ${la}: ${list(m.onlyA)}` : '', m.onlyB.length ? `only in ${lb}: ${list(m.onlyB)}` : ''].filter(Boolean);
        const mapped = m.mapping.filter((p) => p.a !== p.b);
        out.push({ kind: 'category-sets', severity: 'warning', ...names, ...(mapped.length ? { mapping: mapped } : {}),
          message: `${cx} / ${cy}: categories differ — ${parts.join('; ')}${mapped.length ? `; spelled differently: ${mapped.slice(0, 4).map((p) => `${quote(p.a)} → ${quote(p.b)}`).join(', ')}` : ''}.` });
      }
    }
  }
  // Numbers
  if (x.numeric && y.numeric) {
    const k = unitScale(x, y);
    if (k !== undefined) {
      const factor = 10 ** k;
      out.push({ kind: 'unit-scale', severity: 'warning', ...names, factor,
        message: `${cy} is about ${fmt(factor)} × ${cx} (median ${fmt(median(y) ?? y.numeric.mean)} vs ${fmt(median(x) ?? x.numeric.mean)}, max ${fmt(y.numeric.max)} vs ${fmt(x.numeric.max)}): probably a different unit.` });
    } else if (x.numeric.min !== y.numeric.min || x.numeric.max !== y.numeric.max) {
      const sx = categorySet(x);
      const sy = categorySet(y);
      let extra = '';
      if (sx && sy) {
        const vx = new Set(sx.map((v) => v.value));
        const vy = new Set(sy.map((v) => v.value));
        const onlyX = sx.filter((v) => !vy.has(v.value)).map((v) => v.value);
        const onlyY = sy.filter((v) => !vx.has(v.value)).map((v) => v.value);
        extra = [onlyX.length ? `; only in ${la}: ${onlyX.slice(0, 8).join(', ')}` : '', onlyY.length ? `; only in ${lb}: ${onlyY.slice(0, 8).join(', ')}` : ''].join('');
      }
      out.push({ kind: 'range', severity: 'info', ...names,
        message: `${cx} ranges ${fmt(x.numeric.min)} to ${fmt(x.numeric.max)}, ${cy} ${fmt(y.numeric.min)} to ${fmt(y.numeric.max)}${extra}.` });
    }
  }
  return out;
}

/**
 * Differences in how the same columns are laid out and written: column order, and whole numbers written with or
 * without a decimal part (`3.0` vs `3`) in float columns of text files.
 */
function layoutDiscrepancies(a: FileProfile, b: FileProfile, pairs: { x: ColumnProfile; y: ColumnProfile }[], la: string, lb: string): Discrepancy[] {
  const out: Discrepancy[] = [];
  const orderA = [...pairs].sort((p, q) => p.x.index - q.x.index);
  if (orderA.some((p, i) => i > 0 && p.y.index < orderA[i - 1].y.index)) {
    const firstB = [...pairs].sort((p, q) => p.y.index - q.y.index).slice(0, 3).map((p) => quote(p.y.name));
    const firstA = orderA.slice(0, 3).map((p) => quote(p.x.name));
    out.push({ kind: 'format', severity: 'info', message: `Column order differs: ${la} starts ${firstA.join(', ')}, ${lb} starts ${firstB.join(', ')}.` });
  }
  const textFormat = (fp: FileProfile) => fp.format === 'csv' || fp.format === 'tsv' || fp.format === 'jsonl';
  if (textFormat(a) && textFormat(b)) {
    let wholeInB = 0;
    let wholeInA = 0;
    const cols: string[] = [];
    for (const { x, y } of pairs) {
      if (x.type !== 'float' || y.type !== 'float') { continue; }
      if (x.typeCounts.integer === 0 && y.typeCounts.integer > 0) { wholeInB += y.typeCounts.integer; cols.push(y.name); }
      if (y.typeCounts.integer === 0 && x.typeCounts.integer > 0) { wholeInA += x.typeCounts.integer; cols.push(x.name); }
    }
    if (wholeInA + wholeInB > 0) {
      const [always, bare, n] = wholeInB > 0 ? [la, lb, wholeInB] : [lb, la, wholeInA];
      out.push({ kind: 'format', severity: 'info', message: `Number formatting: ${always} always writes a decimal part (3.0), ${bare} writes whole numbers without one (3): ${n} cells in ${cols.length === 1 ? 'column' : 'columns'} ${cols.map(quote).join(', ')}.` });
    }
  }
  return out;
}

/**
 * Compares two profiled files. `labels` name the sides in messages (e.g. `titanic:v1` and `legacy:v3`). Never throws:
 * a profile with `error` yields one discrepancy saying so.
 */
export function compareSources(a: FileProfile, b: FileProfile, labels: { a: string; b: string }): SourceComparison {
  try {
    return compareProfiles(a, b, labels);
  } catch (e) {
    // A profile that passed its schema should never get here; a hand-edited one might. Say so instead of crashing.
    return {
      a: { label: labels.a, rows: a?.rows ?? 0, file: a?.path }, b: { label: labels.b, rows: b?.rows ?? 0, file: b?.path },
      columns: [],
      discrepancies: [{ kind: 'format', severity: 'warning', message: `The profiles could not be compared: ${e instanceof Error ? e.message : String(e)}` }],
      summary: 'Nothing was compared: a profile is malformed.',
    };
  }
}

function compareProfiles(a: FileProfile, b: FileProfile, labels: { a: string; b: string }): SourceComparison {
  const la = labels.a;
  const lb = labels.b;
  const result: SourceComparison = {
    a: { label: la, rows: a.rows, file: a.path },
    b: { label: lb, rows: b.rows, file: b.path },
    columns: [],
    discrepancies: [],
  };
  const broken = [[a, la], [b, lb]].filter(([fp]) => (fp as FileProfile).error !== undefined) as [FileProfile, string][];
  if (broken.length) {
    for (const [fp, l] of broken) { result.discrepancies.push({ kind: 'format', severity: 'warning', message: `${l} (${fp.path}) could not be profiled: ${fp.error ?? ''}` }); }
    result.summary = 'Nothing was compared: a file could not be profiled.';
    return result;
  }
  const d = result.discrepancies;
  if (a.rows !== b.rows) {
    const diff = Math.abs(a.rows - b.rows);
    d.push({ kind: 'row-count', severity: 'info', message: `${la} has ${a.rows} rows, ${lb} has ${b.rows} (${diff} ${a.rows > b.rows ? 'fewer' : 'more'} in ${lb}).` });
  }
  const ha = !headerless(a);
  const hb = !headerless(b);
  if (ha !== hb) {
    const [without, reason] = ha ? [lb, b.csv?.headerReason] : [la, a.csv?.headerReason];
    d.push({ kind: 'header', severity: 'warning', message: `${without} has no header line${reason ? ` (${reason})` : ''}: its columns have no names and are lined up by position or by profile.` });
  } else if (!ha && !hb) {
    const why = [[a, la], [b, lb]].map(([fp, l]) => ((fp as FileProfile).csv?.headerReason ? `${l as string}: ${(fp as FileProfile).csv?.headerReason ?? ''}` : '')).filter(Boolean);
    d.push({ kind: 'header', severity: 'info', message: `Neither ${la} nor ${lb} has a header line${why.length ? ` (${why.join('; ')})` : ''}: columns are lined up by position or by profile.` });
  }
  d.push(...formatDiscrepancies(a, b, la, lb));

  const { pairs, onlyA, onlyB, skippedSimilarity } = align(a, b);
  if (skippedSimilarity) {
    d.push({ kind: 'rename', severity: 'info', message: `${onlyA.length} columns of ${la} and ${onlyB.length} of ${lb} have no match by name; there are too many to look for renames by profile.` });
  }
  for (const p of pairs) {
    result.columns.push({ a: p.x.name, b: p.y.name, how: p.how, ...(p.similarity !== undefined ? { similarity: p.similarity } : {}) });
    if (p.how === 'normalized') {
      d.push({ kind: 'rename', severity: 'info', a: p.x.name, b: p.y.name, message: `${quote(p.x.name)} in ${la} is ${quote(p.y.name)} in ${lb} (same name ignoring case and punctuation).` });
    } else if (p.how === 'profile') {
      d.push({ kind: 'rename', severity: 'warning', a: p.x.name, b: p.y.name, message: `${quote(p.x.name)} in ${la} looks like ${quote(p.y.name)} in ${lb} (profile similarity ${fmt(p.similarity ?? 0)}); confirm the rename.` });
    } else if (p.how === 'position' && p.x.name !== p.y.name) {
      d.push({ kind: 'rename', severity: 'info', a: p.x.name, b: p.y.name, message: `Column ${p.x.index + 1}: ${quote(p.x.name)} in ${la} lines up with ${quote(p.y.name)} in ${lb} by position.` });
    }
  }
  for (const x of onlyA) { result.columns.push({ a: x.name }); d.push({ kind: 'column-only', severity: 'warning', a: x.name, message: `${quote(x.name)} is only in ${la}.` }); }
  for (const y of onlyB) { result.columns.push({ b: y.name }); d.push({ kind: 'column-only', severity: 'warning', b: y.name, message: `${quote(y.name)} is only in ${lb}.` }); }
  for (const p of pairs) {
    const unread = ([[p.x, 'a'], [p.y, 'b']] as const).filter(([c]) => c.error !== undefined);
    if (unread.length) {
      for (const [c, side] of unread) { d.push({ kind: 'format', severity: 'warning', [side]: c.name, message: `${quote(c.name)} in ${side === 'a' ? la : lb} could not be read: ${c.error ?? ''}` }); }
      continue;
    }
    d.push(...pairDiscrepancies(p.x, p.y, la, lb));
  }

  d.push(...layoutDiscrepancies(a, b, pairs, la, lb));

  const ma = markersOf(a);
  const mb = markersOf(b);
  const keysA = [...ma.keys()].sort().join('\u0000');
  const keysB = [...mb.keys()].sort().join('\u0000');
  if (ma.size && mb.size && keysA !== keysB) {
    d.push({ kind: 'missing-markers', severity: 'warning', message: `Missing values are written differently: ${la} uses ${describeMarkers(ma)}; ${lb} uses ${describeMarkers(mb)}.` });
  }

  const nonData = d.filter((x) => x.kind === 'format' || x.kind === 'header' || (x.kind === 'rename' && x.severity === 'info'));
  const dataDifferences = d.length - nonData.length;
  if (d.length === 0) {
    result.summary = 'No difference found in the profiles.';
  } else if (dataDifferences === 0) {
    result.summary = nonData.every((x) => x.kind === 'format')
      ? 'No data difference: only the file format differs.'
      : 'No data difference: only the file format, header or column names differ.';
  } else {
    result.summary = `${d.length} ${d.length === 1 ? 'discrepancy' : 'discrepancies'}, ${dataDifferences} about the data.`;
  }
  return result;
}
