/**
 * How one spelling of a category relates to another: the rules shared by schema validation (suggesting a mapping for
 * an unexpected value) and source comparison (proposing a mapping between two category sets).
 */

/** Lower case, trimmed, without trailing dots: `"Male. "` → `"male"`. */
export function normalizeCategory(v: string): string {
  return v.trim().replace(/[.\s]+$/u, '').toLowerCase();
}

/** Column names compared ignoring case and punctuation: `Sepal.Length` ~ `sepal_length`. */
export function normalizeName(v: string): string {
  return v.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

export type SpellingRelation = 'same' | 'case' | 'prefix' | 'abbreviation';

/** Why `from` may be a spelling of `to`, in words a person reads in a message. */
export const RELATION_WORDS: Record<SpellingRelation, string> = {
  same: 'same value',
  case: 'differs only in case, spaces or trailing dots',
  prefix: 'the same name with a prefix or suffix',
  abbreviation: 'an abbreviation',
};

const SEPARATORS = /[-_\s.:/|]/u;

/**
 * Whether `from` is a spelling of `to`: equal after normalization (case, trailing dots/spaces), the canonical value
 * with a prefix or suffix joined by a separator (`Iris-setosa` → `setosa`), or an abbreviation (`S` → `Southampton`,
 * `NY` → `New York`). Undefined when it is none of these.
 */
export function spellingRelation(from: string, to: string): SpellingRelation | undefined {
  if (from === to) { return 'same'; }
  const f = normalizeCategory(from);
  const t = normalizeCategory(to);
  if (!f || !t) { return undefined; }
  if (f === t) { return 'case'; }
  if (f.length > t.length) {
    if (f.endsWith(t) && SEPARATORS.test(f[f.length - t.length - 1])) { return 'prefix'; }
    if (f.startsWith(t) && SEPARATORS.test(f[t.length])) { return 'prefix'; }
  }
  if (f.length < t.length && /^\p{L}+$/u.test(f)) {
    if (t.startsWith(f)) { return 'abbreviation'; }
    const words = t.split(/[\s\-_.]+/u).filter(Boolean);
    if (words.length === f.length && words.length > 1 && words.every((w, i) => w[0] === f[i])) { return 'abbreviation'; }
  }
  return undefined;
}

const RELATION_RANK: Record<SpellingRelation, number> = { same: 0, case: 1, prefix: 2, abbreviation: 3 };

/**
 * The one canonical value `value` most plausibly spells, with why; undefined when none or more than one canonical
 * value fit equally well (an ambiguous abbreviation suggests nothing rather than a guess).
 */
export function suggestCanonical(value: string, canonical: readonly string[]): { to: string; relation: SpellingRelation } | undefined {
  let best: { to: string; relation: SpellingRelation } | undefined;
  let tie = false;
  for (const c of canonical) {
    const relation = spellingRelation(value, c);
    if (!relation) { continue; }
    if (!best || RELATION_RANK[relation] < RELATION_RANK[best.relation]) { best = { to: c, relation }; tie = false; } else if (RELATION_RANK[relation] === RELATION_RANK[best.relation] && c !== best.to) { tie = true; }
  }
  return tie ? undefined : best;
}

/** Markers people use for "no value"; a numeric column read as text because of one of these is explained as such. */
export const COMMON_MISSING_MARKERS = ['?', 'NA', 'N/A', 'n/a', 'na', 'NaN', 'nan', 'null', 'NULL', 'None', 'none', '-', '--', '.', 'missing', '#N/A'];

export function looksLikeMissingMarker(v: string): boolean {
  const t = v.trim();
  return t === '' || COMMON_MISSING_MARKERS.includes(t);
}
