/**
 * A small filter language over rows (runs today), e.g.
 *
 *     metrics.accuracy > 0.9 and params.lr <= 0.01 and tags has candidate and not status = failed
 *
 * Comparisons `= != < <= > >=`, `has` (a list holds the value; a text contains it), `and`, `or`, `not`,
 * parentheses, quoted strings ('…' or "…", `\` escapes the next character), numbers, bare words. A field is a name
 * (`status`) or a name, a dot and a key (`metrics.loss`, `metrics."accuracy@fold=1"`). Which fields exist is not
 * fixed here: the caller passes a FieldSet, so new kinds of field are added without touching the parser.
 *
 * Pure: no I/O, no recursion deeper than MAX_DEPTH, keys looked up as own properties only.
 */
import { MlopsError } from '../errors';

export type QueryValue = number | string | boolean | null | undefined | readonly string[];

/** One kind of field: `status` (plain) or `metrics.NAME` (keyed). */
export interface FieldSpec<R> {
  keyed: boolean;
  get: (row: R, key: string | undefined) => QueryValue;
}

export type FieldSet<R> = ReadonlyMap<string, FieldSpec<R>>;

export const COMPARE_OPS = ['=', '!=', '<', '<=', '>', '>='] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];

export interface FieldRef {
  root: string;
  key?: string;
  /** 1-based column where the field starts. */
  column: number;
}

export interface Literal {
  /** The number when the literal was written as one (unquoted). */
  number?: number;
  text: string;
}

export type Expr =
  | { type: 'and' | 'or'; items: Expr[] }
  | { type: 'not'; expr: Expr }
  | { type: 'compare'; field: FieldRef; op: CompareOp; value: Literal }
  | { type: 'has'; field: FieldRef; value: Literal };

/** Nesting (parentheses and `not`) deeper than this is refused rather than risking the stack. */
export const MAX_DEPTH = 64;
/** Longer filters are refused: nobody types them, and parsing stays cheap. */
export const MAX_LENGTH = 100_000;

/** A filter that cannot be parsed; `column` is 1-based. */
export class QueryError extends MlopsError {
  constructor(readonly reason: string, readonly column: number) {
    super(`${reason} at column ${column}`);
  }
}

type Token =
  | { kind: 'word'; text: string; col: number; end: number }
  | { kind: 'string'; text: string; col: number; end: number }
  | { kind: 'op'; text: CompareOp; col: number; end: number }
  | { kind: '(' | ')'; col: number; end: number }
  | { kind: 'end'; col: number; end: number };

const WORD = /[A-Za-z0-9_.+\-/:]/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) { i++; continue; }
    const col = i + 1;
    if (c === '(' || c === ')') { out.push({ kind: c, col, end: i + 1 }); i++; continue; }
    if (c === '"' || c === "'") {
      let s = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) { throw new QueryError(`unterminated string (the ${c} is never closed)`, col); }
        const d = text[j];
        if (d === '\\' && j + 1 < text.length) { s += text[j + 1]; j += 2; continue; }
        if (d === c) { break; }
        s += d; j++;
      }
      out.push({ kind: 'string', text: s, col, end: j + 1 });
      i = j + 1;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '<=' || two === '>=' || two === '!=' || two === '==') {
      out.push({ kind: 'op', text: two === '==' ? '=' : two, col, end: i + 2 }); i += 2; continue;
    }
    if (c === '<' || c === '>' || c === '=') { out.push({ kind: 'op', text: c, col, end: i + 1 }); i++; continue; }
    if (WORD.test(c)) {
      let j = i;
      while (j < text.length && WORD.test(text[j])) { j++; }
      out.push({ kind: 'word', text: text.slice(i, j), col, end: j });
      i = j;
      continue;
    }
    throw new QueryError(`unexpected character '${c === '!' ? '!' : c}'${c === '!' ? " (use 'not' or '!=')" : ''}`, col);
  }
  out.push({ kind: 'end', col: text.length + 1, end: text.length + 1 });
  return out;
}

const isKeyword = (t: Token, word: string): boolean => t.kind === 'word' && t.text.toLowerCase() === word;

function describe(t: Token): string {
  switch (t.kind) {
    case 'end': return 'the end of the filter';
    case 'word': case 'op': return `'${t.text}'`;
    case 'string': return 'a quoted string';
    default: return `'${t.kind}'`;
  }
}

/** Parses a filter against a set of fields; unknown fields and bad syntax are QueryErrors with a column. */
export function parseQuery<R>(text: string, fields: FieldSet<R>): Expr {
  if (text.length > MAX_LENGTH) { throw new QueryError(`the filter is ${text.length} characters long; at most ${MAX_LENGTH} are allowed`, MAX_LENGTH + 1); }
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token => tokens[pos];
  const next = (): Token => tokens[pos++];

  const parseOr = (depth: number): Expr => {
    const items = [parseAnd(depth)];
    while (isKeyword(peek(), 'or')) { next(); items.push(parseAnd(depth)); }
    return items.length === 1 ? items[0] : { type: 'or', items };
  };
  const parseAnd = (depth: number): Expr => {
    const items = [parseUnary(depth)];
    while (isKeyword(peek(), 'and')) { next(); items.push(parseUnary(depth)); }
    return items.length === 1 ? items[0] : { type: 'and', items };
  };
  const parseUnary = (depth: number): Expr => {
    const t = peek();
    if (depth >= MAX_DEPTH && (t.kind === '(' || isKeyword(t, 'not'))) {
      throw new QueryError(`the filter nests deeper than ${MAX_DEPTH} levels`, t.col);
    }
    if (isKeyword(t, 'not')) { next(); return { type: 'not', expr: parseUnary(depth + 1) }; }
    if (t.kind === '(') {
      next();
      const inner = parseOr(depth + 1);
      const close = next();
      if (close.kind !== ')') { throw new QueryError(`expected ')' to close the '(' at column ${t.col}, found ${describe(close)}`, close.col); }
      return inner;
    }
    return parsePredicate();
  };
  const parsePredicate = (): Expr => {
    const field = parseField(next());
    const t = next();
    if (isKeyword(t, 'has')) { return { type: 'has', field, value: parseValue() }; }
    if (t.kind !== 'op') { throw new QueryError(`expected a comparison (= != < <= > >=) or 'has', found ${describe(t)}`, t.col); }
    return { type: 'compare', field, op: t.text, value: parseValue() };
  };
  const parseField = (t: Token): FieldRef => {
    if (t.kind !== 'word' || isKeyword(t, 'and') || isKeyword(t, 'or') || isKeyword(t, 'has')) {
      throw new QueryError(`expected a field (${[...fields.keys()].join(', ')}), found ${describe(t)}`, t.col);
    }
    const dot = t.text.indexOf('.');
    const root = dot < 0 ? t.text : t.text.slice(0, dot);
    let key = dot < 0 ? undefined : t.text.slice(dot + 1);
    const spec = fields.get(root);
    if (!spec) { throw new QueryError(`unknown field '${root}' (fields: ${[...fields.keys()].map((f) => (fields.get(f)?.keyed ? `${f}.NAME` : f)).join(', ')})`, t.col); }
    const quoted = peek();
    if (key === '' && quoted.kind === 'string' && quoted.col === t.end + 1) { next(); key = quoted.text; }
    if (spec.keyed && !key) { throw new QueryError(`'${root}' needs a name: ${root}.NAME, or ${root}."NAME" for names with other characters`, t.col); }
    if (!spec.keyed && key !== undefined) { throw new QueryError(`'${root}' has no parts: write just '${root}'`, t.col); }
    return { root, key, column: t.col };
  };
  const parseValue = (): Literal => {
    const t = next();
    if (t.kind === 'string') { return { text: t.text }; }
    if (t.kind === 'word' && !isKeyword(t, 'and') && !isKeyword(t, 'or')) {
      return NUMBER.test(t.text) ? { number: Number(t.text), text: t.text } : { text: t.text };
    }
    throw new QueryError(`expected a value, found ${describe(t)}`, t.col);
  };

  const expr = parseOr(0);
  const rest = peek();
  if (rest.kind !== 'end') {
    throw new QueryError(rest.kind === ')' ? "unmatched ')'" : `expected 'and', 'or' or the end of the filter, found ${describe(rest)}`, rest.col);
  }
  return expr;
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function ordered(a: number | string, b: number | string, op: CompareOp): boolean {
  switch (op) {
    case '=': return a === b;
    case '!=': return a !== b;
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '>=': return a >= b;
  }
}

/**
 * One comparison. A missing field matches nothing (not even `!=`); numbers compare as numbers (NaN equals
 * nothing), text in code-point order; text that is a JSON number compares with a number as that number; true,
 * false and null compare as those words; a list is `=` to a value it holds.
 */
export function compareValue(a: QueryValue, op: CompareOp, lit: Literal): boolean {
  if (a === undefined) { return false; }
  if (Array.isArray(a)) {
    if (op === '=') { return a.includes(lit.text); }
    if (op === '!=') { return !a.includes(lit.text); }
    return false;
  }
  if (typeof a === 'number') {
    if (lit.number === undefined) { return op === '!='; }
    if (Number.isNaN(a)) { return op === '!='; }
    return ordered(a, lit.number, op);
  }
  if (typeof a === 'string') {
    if (lit.number !== undefined && JSON_NUMBER.test(a)) { return ordered(Number(a), lit.number, op); }
    return ordered(a, lit.text, op);
  }
  // booleans and null
  const word = String(a);
  if (op === '=') { return word === lit.text.toLowerCase(); }
  if (op === '!=') { return word !== lit.text.toLowerCase(); }
  return false;
}

function hasValue(a: QueryValue, lit: Literal): boolean {
  if (Array.isArray(a)) { return a.includes(lit.text); }
  if (typeof a === 'string') { return a.includes(lit.text); }
  return false;
}

/** Whether a row matches; iterative for and/or chains, recursive only as deep as the parser allowed. */
export function matches<R>(expr: Expr, row: R, fields: FieldSet<R>): boolean {
  const value = (f: FieldRef): QueryValue => fields.get(f.root)?.get(row, f.key);
  switch (expr.type) {
    case 'and': return expr.items.every((e) => matches(e, row, fields));
    case 'or': return expr.items.some((e) => matches(e, row, fields));
    case 'not': return !matches(expr.expr, row, fields);
    case 'compare': return compareValue(value(expr.field), expr.op, expr.value);
    case 'has': return hasValue(value(expr.field), expr.value);
  }
}

/** `metrics.loss` (ascending) or `-metrics.loss` (descending); the field as in a filter. */
export interface SortKey {
  field: FieldRef;
  descending: boolean;
}

export function parseSortKey<R>(text: string, fields: FieldSet<R>): SortKey {
  const descending = text.startsWith('-');
  const body = descending ? text.slice(1) : text;
  const expr = parseQuery(`${body} = 0`, fields);
  if (expr.type !== 'compare' || expr.value.text !== '0') { throw new QueryError('expected one field, e.g. metrics.loss or -metrics.loss', 1); }
  return { field: { ...expr.field, column: expr.field.column + (descending ? 1 : 0) }, descending };
}

/** Sort key values: numbers before text; missing values (and NaN) always last, whatever the direction. */
export function compareForSort(a: QueryValue, b: QueryValue, descending: boolean): number {
  const rank = (v: QueryValue): number => (v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v)) ? 2 : typeof v === 'number' ? 0 : 1);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb || ra === 2) { return ra - rb; }
  const sa = ra === 0 ? (a as number) : Array.isArray(a) ? a.join(',') : String(a);
  const sb = rb === 0 ? (b as number) : Array.isArray(b) ? b.join(',') : String(b);
  const c = sa < sb ? -1 : sa > sb ? 1 : 0;
  return descending ? -c : c;
}
