/**
 * MLflow's `meta.yaml` files, read fast. PyYAML writes them as flat `key: value` lines (sorted keys, quoted strings
 * where needed, `null`, integers, `[]`), and a store of 10,000 runs has 10,000 of them, so the flat form is parsed
 * by hand; anything else (a folded long value, a nested mapping, a double-quoted escape, a tab) goes to the `yaml`
 * package, whose error message is what the user sees when the file is not YAML at all.
 */
import { parse as parseYaml } from 'yaml';
import { messageOf } from '../errors';

/** A scalar or list of a meta.yaml. Integers beyond 2^53 stay exact as bigint (18-digit experiment ids). */
export type MetaValue = string | number | bigint | boolean | null | unknown[] | Record<string, unknown>;
export type Meta = Record<string, MetaValue>;

export type MetaParse = { ok: true; meta: Meta } | { ok: false; reason: string };

const INT = /^[-+]?\d+$/;
const NUMBER_LIKE = /^[-+]?(\.(inf|nan)|0[xob][\da-f_]+|[\d_]*\.?[\d_]*([eE][-+]?\d+)?|\d[\d_]*(:[0-5]?\d)+(\.[\d_]*)?)$/i;
const DATE_LIKE = /^\d{4}-\d\d?-\d\d?/;
const PLAIN_SAFE = /^[^-?:,[\]{}#&*!|>'"%@`\s][^#]*$/;

/** Parses a meta.yaml's text (a leading BOM is dropped). */
export function parseMeta(text: string): MetaParse {
  if (text.charCodeAt(0) === 0xfeff) { text = text.slice(1); }
  const fast = parseFlat(text);
  if (fast) { return { ok: true, meta: fast }; }
  if (text.includes('\t')) {
    // YAML forbids tabs in indentation; PyYAML never writes them, so a tab means someone edited the file.
    try {
      const v: unknown = parseYaml(text, { intAsBigInt: true, uniqueKeys: false });
      if (isRecord(v)) { return { ok: true, meta: v as Meta }; }
    } catch (e) {
      return { ok: false, reason: `not valid YAML (it contains a tab; YAML allows none in indentation): ${firstLine(messageOf(e))}` };
    }
    return { ok: false, reason: 'not valid YAML (it contains a tab): not a mapping of keys to values' };
  }
  try {
    const v: unknown = parseYaml(text, { intAsBigInt: true, uniqueKeys: false });
    if (isRecord(v)) { return { ok: true, meta: v as Meta }; }
    return { ok: false, reason: v === null || v === undefined ? 'empty file' : 'not a mapping of keys to values' };
  } catch (e) {
    return { ok: false, reason: `not valid YAML: ${firstLine(messageOf(e))}` };
  }
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The flat form PyYAML writes, or undefined when a line is anything else (the caller then uses the yaml package). */
function parseFlat(text: string): Meta | undefined {
  const out: Meta = {};
  let start = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end < 0) { end = n; }
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) { line = line.slice(0, -1); }
    if (line === '') { continue; }
    const c0 = line.charCodeAt(0);
    // Indented (a folded value or nested block), a comment, a document marker, a tab: not the flat form.
    if (c0 === 32 || c0 === 9 || c0 === 35 || c0 === 45 || line.includes('\t')) { return undefined; }
    const colon = line.indexOf(': ');
    let key: string;
    let raw: string;
    if (colon < 0) {
      if (!line.endsWith(':')) { return undefined; }
      key = line.slice(0, -1);
      raw = '';
    } else {
      key = line.slice(0, colon);
      raw = line.slice(colon + 2);
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) { return undefined; }
    const v = scalar(raw);
    if (v === undefined) { return undefined; }
    out[key] = v;
  }
  return out;
}

function scalar(raw: string): MetaValue | undefined {
  if (raw === '' || raw === 'null' || raw === '~' || raw === 'Null' || raw === 'NULL') { return null; }
  if (raw === '[]') { return []; }
  if (raw === '{}') { return {}; }
  const c0 = raw.charCodeAt(0);
  if (c0 === 39 /* ' */) {
    if (raw.length < 2 || !raw.endsWith("'")) { return undefined; }
    const body = raw.slice(1, -1);
    // A lone quote inside means the value continues or is malformed; '' is an escaped quote.
    if (body.replace(/''/g, '').includes("'")) { return undefined; }
    return body.replace(/''/g, "'");
  }
  if (c0 === 34 /* " */) {
    if (raw.length < 2 || !raw.endsWith('"')) { return undefined; }
    const body = raw.slice(1, -1);
    if (body.includes('\\') || body.includes('"')) { return undefined; }
    return body;
  }
  if (INT.test(raw)) {
    // Leading zeros: text (an id of digits must not lose them; PyYAML quotes such strings anyway).
    if (/^[-+]?0\d/.test(raw)) { return raw; }
    const digits = raw.replace(/^[+-]/, '').length;
    return digits <= 15 ? Number(raw) : BigInt(raw);
  }
  if (raw === 'true' || raw === 'True') { return true; }
  if (raw === 'false' || raw === 'False') { return false; }
  // What YAML would read as a number, a date or a time, and anything with YAML punctuation, goes to the full
  // parser; a run id such as 9172026…af that merely starts with a digit is a plain string.
  if (NUMBER_LIKE.test(raw) || DATE_LIKE.test(raw) || !PLAIN_SAFE.test(raw) || raw.includes(': ') || raw.endsWith(':') || raw.endsWith(' ')) { return undefined; }
  return raw;
}

/** A meta value as text (ids: `'0'`, `0` and an 18-digit bigint all give the digits); undefined when absent. */
export function metaText(v: MetaValue | undefined): string | undefined {
  if (v === undefined || v === null) { return undefined; }
  if (typeof v === 'string') { return v; }
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') { return String(v); }
  return undefined;
}

/** A meta value as milliseconds (integers, or digits in a string); undefined when absent or not a number. */
export function metaMs(v: MetaValue | undefined): number | undefined {
  if (typeof v === 'number') { return Number.isFinite(v) ? v : undefined; }
  if (typeof v === 'bigint') { return Number(v); }
  if (typeof v === 'string' && /^\s*[-+]?\d+(\.\d+)?\s*$/.test(v)) { return Number(v); }
  return undefined;
}
