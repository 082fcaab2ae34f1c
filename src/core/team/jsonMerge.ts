/**
 * Three-way structural merge of one JSON record (a model version, a run, a data version…), what `mlops git
 * merge-driver` runs when git merges a `.mlops/**\/*.json` file both sides changed. Pure: text in, text out.
 *
 * Objects merge key by key; a value one side changed wins; both sides making the same change is no conflict.
 * Arrays that both sides only appended to (base a prefix of each) become base + ours' entries + theirs' entries,
 * an entry both sides added once (one side's own repeats stay), entries with an `at` time sorted by it — what two promotions that both archived the old
 * production version leave in its `stageHistory`. Two different values for one scalar are a conflict naming the JSON
 * path, except two ISO times, where the later wins (the earlier for `createdAt`). A file both sides added merges
 * the same way against an empty ancestor. The text is written as the store writes it (`toJson`: 2 spaces,
 * trailing newline; ours' byte-order mark kept), keys in ours' order with theirs' new keys after. A side holding a
 * number that JSON.parse would round (an integer beyond 2^53) is not merged: git's text merge keeps it exact.
 */
import { toJson } from '../store/fsutil';
import type { JsonMergeResult } from './types';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A value not present (a key one side removed or never had). */
const ABSENT = undefined;
type Slot = Json | typeof ABSENT;

class MergeConflict extends Error {}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function isObject(v: Slot): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepEqual(a: Slot, b: Slot): boolean {
  if (a === b) { return true; }
  if (Array.isArray(a)) { return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i])); }
  if (isObject(a)) {
    if (!isObject(b)) { return false; }
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** `stageHistory[2].stage`, `$` for the document itself. */
function pathText(p: readonly (string | number)[]): string {
  if (p.length === 0) { return '$'; }
  return p.map((s, i) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? (i === 0 ? s : `.${s}`) : `[${JSON.stringify(s)}]`)).join('');
}

function shown(v: Slot): string {
  if (v === ABSENT) { return 'removed'; }
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

function isPrefix(base: readonly Json[], of: readonly Json[]): boolean {
  return base.length <= of.length && base.every((x, i) => deepEqual(x, of[i]));
}

function atOf(v: Json): string | undefined {
  return isObject(v) && typeof v.at === 'string' ? v.at : undefined;
}

function mergeArrays(base: readonly Json[], ours: Json[], theirs: Json[], at: (string | number)[]): Json[] {
  if (!isPrefix(base, ours) || !isPrefix(base, theirs)) {
    throw new MergeConflict(`both sides changed the list ${pathText(at)} (not only added to its end)`);
  }
  // Ours' additions all stay (a side that appended the same entry twice meant it); each of theirs' is dropped when
  // it matches one of ours' not matched yet — the same change made on both sides, once.
  const added: Json[] = ours.slice(base.length);
  const unmatched = added.map((_, i) => i);
  for (const x of theirs.slice(base.length)) {
    const i = unmatched.findIndex((j) => deepEqual(added[j], x));
    if (i >= 0) { unmatched.splice(i, 1); } else { added.push(x); }
  }
  // History entries (`at` times) in time order, so both machines end with the same file; a stable sort keeps ours
  // before theirs at equal times. Entries without a time stay in the order they were added.
  if (added.every((x) => atOf(x) !== undefined)) {
    added.sort((a, b) => Date.parse(atOf(a) as string) - Date.parse(atOf(b) as string));
  }
  return [...base, ...added];
}

function mergeValue(base: Slot, ours: Slot, theirs: Slot, at: (string | number)[]): Slot {
  if (deepEqual(ours, theirs)) { return ours; }
  if (deepEqual(base, ours)) { return theirs; }
  if (deepEqual(base, theirs)) { return ours; }
  if (isObject(ours) && isObject(theirs) && (base === ABSENT || isObject(base))) {
    const b = base ?? {};
    // No prototype: a `__proto__` key (JSON.parse makes it an own key) is set as a key, not as the prototype.
    const out = Object.create(null) as { [key: string]: Json };
    const keys = [...Object.keys(ours), ...Object.keys(theirs).filter((k) => !Object.hasOwn(ours, k))];
    for (const k of keys) {
      const v = mergeValue(Object.hasOwn(b, k) ? b[k] : ABSENT, Object.hasOwn(ours, k) ? ours[k] : ABSENT, Object.hasOwn(theirs, k) ? theirs[k] : ABSENT, [...at, k]);
      if (v !== ABSENT) { out[k] = v; }
    }
    return out;
  }
  if (Array.isArray(ours) && Array.isArray(theirs) && (base === ABSENT || Array.isArray(base))) {
    return mergeArrays(base ?? [], ours, theirs, at);
  }
  if (typeof ours === 'string' && typeof theirs === 'string' && ISO_TIME.test(ours) && ISO_TIME.test(theirs)) {
    // The later time wins (an end, an update), except a creation time: the thing was created when it first was.
    const later = Date.parse(theirs) > Date.parse(ours) ? theirs : ours;
    const earlier = later === ours ? theirs : ours;
    return at[at.length - 1] === 'createdAt' ? earlier : later;
  }
  throw new MergeConflict(`both sides changed ${pathText(at)} differently (ours ${shown(ours)}, theirs ${shown(theirs)})`);
}

const BOM = '\uFEFF';

/** The significant digits of a number's text: `0.0150e3` → `15`. */
function significantDigits(n: string): string {
  return n.replace(/^-/, '').replace(/[eE].*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
}

/** The first number in a JSON text that a parse and stringify would change (an integer beyond 2^53, 1e400, 0.1000000000000000001). */
function lossyNumber(text: string): string | undefined {
  for (const m of text.matchAll(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g)) {
    const t = m[0];
    if (t.startsWith('"')) { continue; }
    if (significantDigits(t) !== significantDigits(String(Number(t)))) { return t; }
  }
  return undefined;
}

function parse(text: string, side: string, file: string): { ok: true; value: Json } | { ok: false; reason: string } {
  let value: Json;
  try {
    value = JSON.parse(text.startsWith(BOM) ? text.slice(1) : text) as Json;
  } catch (e) {
    return { ok: false, reason: `${file}: ${side} is not valid JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  const lossy = lossyNumber(text);
  if (lossy !== undefined) { return { ok: false, reason: `${file}: ${side} holds the number ${lossy}, which a structural merge would not keep exactly` }; }
  return { ok: true, value };
}

/**
 * Merges `ours` and `theirs`, both changed from `base` (undefined or empty: the file was added on both sides).
 * `file` only names the file in the reason of a conflict.
 */
export function mergeJson(base: string | undefined, ours: string, theirs: string, file: string): JsonMergeResult {
  const o = parse(ours, 'our side', file);
  if (!o.ok) { return o; }
  const t = parse(theirs, 'their side', file);
  if (!t.ok) { return t; }
  // Added on both sides (git passes an empty ancestor): merged key by key against nothing. Two machines that each
  // created experiment `e` (or dataset, model) differ only in its creation time and merge; two registrations of
  // version 3 differ in their run and artifact and stay a conflict, which Resolve… renumbers.
  const added = base === undefined || base.trim() === '';
  const b = added ? { ok: true as const, value: ABSENT } : parse(base, 'the common ancestor', file);
  if (!b.ok) { return b; }
  if (added && (!isObject(o.value) || !isObject(t.value)) && !deepEqual(o.value, t.value)) {
    return { ok: false, reason: `${file}: both sides added this file with different content` };
  }
  try {
    return { ok: true, text: `${ours.startsWith(BOM) ? BOM : ''}${toJson(mergeValue(b.value, o.value, t.value, []))}` };
  } catch (e) {
    if (e instanceof MergeConflict) { return { ok: false, reason: `${file}: ${added ? 'added on both sides; ' : ''}${e.message}` }; }
    throw e;
  }
}
