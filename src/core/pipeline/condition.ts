/**
 * A step's `when`: the condition over the trigger facts that decides whether the step is called.
 *
 *   always                      the default: the step is called
 *   manual                      only when a person picks it (Run Pipeline…, `--steps`)
 *   drift.class == "minor"      comparisons: == != < <= > >=, with "str" / 'str', numbers, true, false, null
 *   kpi.missed_payments > 120   dotted fact paths; a bare path is its truthiness
 *   drift.class in ["minor", "none"]
 *   not (a or b) and c          `not` binds tighter than `and`, `and` tighter than `or`; parentheses group
 *
 * A hand-written tokenizer and recursive-descent parser (never `eval`): an error carries the 0-based index and
 * length of the offending text, so the pipeline reader can point at the character inside the JSON string.
 * Evaluation never throws. A comparison with a fact that is absent is unknown, and unknown propagates through
 * not/and/or as in SQL (`not unknown` is unknown; `false and unknown` is false; `true or unknown` is true); an
 * unknown condition counts as false, and the explanation says "unknown" and which fact. A comparison across types
 * (a string with a number) is false, and says why.
 */
import { MlopsError } from '../errors';
import type { ConditionResult, FactValue, Facts } from './types';

export const MAX_CONDITION_LENGTH = 1000;
const MAX_DEPTH = 40;

/** A `when` that does not parse: `index` (0-based) and `length` locate the offending text. */
export class ConditionError extends MlopsError {
  constructor(readonly reason: string, readonly index: number, readonly length = 1) {
    super(`${reason} at column ${index + 1}`, 'invalid-input');
  }
}

export type Literal = string | number | boolean | null;
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** The parsed condition. */
export type Condition =
  | { k: 'always' }
  | { k: 'manual' }
  | { k: 'lit'; value: Literal }
  | { k: 'fact'; path: string[] }
  | { k: 'not'; arg: Condition }
  | { k: 'and' | 'or'; left: Condition; right: Condition }
  | { k: 'cmp'; op: CompareOp; left: Condition; right: Condition }
  | { k: 'in'; left: Condition; list: Condition[] | Condition; negated: boolean };

type Token =
  | { t: 'str'; value: string; index: number; length: number }
  | { t: 'num'; value: number; index: number; length: number }
  | { t: 'word'; value: string; index: number; length: number }
  | { t: 'op'; value: string; index: number; length: number }
  | { t: 'end'; index: number; length: number };

const OPS = ['==', '!=', '<=', '>=', '<', '>', '(', ')', '[', ']', ',', '.'];

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\' && j + 1 < text.length) { value += text[j + 1]; j += 2; continue; }
        value += text[j++];
      }
      if (j >= text.length) { throw new ConditionError(`the string starting here has no closing ${c}`, i, text.length - i); }
      out.push({ t: 'str', value, index: i, length: j + 1 - i });
      i = j + 1;
      continue;
    }
    const num = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i));
    if (num && (c !== '-' || /[\d.]/.test(text[i + 1] ?? ''))) {
      out.push({ t: 'num', value: Number(num[0]), index: i, length: num[0].length });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i));
    if (word) {
      out.push({ t: 'word', value: word[0], index: i, length: word[0].length });
      i += word[0].length;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op) { out.push({ t: 'op', value: op, index: i, length: op.length }); i += op.length; continue; }
    if (c === '=') { throw new ConditionError("'=' is not an operator; compare with '=='", i); }
    if (c === '&' || c === '|' || c === '!') { throw new ConditionError(`'${c}' is not an operator; write and, or, not`, i); }
    throw new ConditionError(`unexpected character '${c}'`, i);
  }
  out.push({ t: 'end', index: text.length, length: 0 });
  return out;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'true', 'false', 'null', 'always', 'manual']);

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private get tok(): Token { return this.tokens[this.pos]; }
  private isWord(w: string): boolean { return this.tok.t === 'word' && this.tok.value === w; }
  private isOp(o: string): boolean { return this.tok.t === 'op' && this.tok.value === o; }
  private describe(t: Token): string { return t.t === 'end' ? 'the end' : t.t === 'str' ? `"${t.value}"` : `'${String(t.value)}'`; }

  parse(): Condition {
    const c = this.or();
    if (this.tok.t !== 'end') {
      throw new ConditionError(`expected and, or or the end, got ${this.describe(this.tok)}`, this.tok.index, this.tok.length || 1);
    }
    return c;
  }

  private nest<T>(f: () => T): T {
    if (++this.depth > MAX_DEPTH) { throw new ConditionError(`nested deeper than ${MAX_DEPTH} levels`, this.tok.index); }
    try { return f(); } finally { this.depth--; }
  }

  private or(): Condition {
    let left = this.and();
    while (this.isWord('or')) { this.pos++; left = { k: 'or', left, right: this.and() }; }
    return left;
  }

  private and(): Condition {
    let left = this.not();
    while (this.isWord('and')) { this.pos++; left = { k: 'and', left, right: this.not() }; }
    return left;
  }

  private not(): Condition {
    if (this.isWord('not')) {
      this.pos++;
      return this.nest(() => ({ k: 'not', arg: this.not() }));
    }
    return this.comparison();
  }

  private comparison(): Condition {
    const left = this.operand('a value');
    const t = this.tok;
    if (t.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.value)) {
      this.pos++;
      const right = this.operand(`a value after '${t.value}'`);
      return { k: 'cmp', op: t.value as CompareOp, left, right };
    }
    const negated = this.isWord('not') && this.tokens[this.pos + 1]?.t === 'word' && (this.tokens[this.pos + 1] as { value: string }).value === 'in';
    if (this.isWord('in') || negated) {
      this.pos += negated ? 2 : 1;
      if (this.isOp('[')) { return { k: 'in', left, list: this.list(), negated }; }
      if (this.tok.t === 'word' && !KEYWORDS.has(this.tok.value)) { return { k: 'in', left, list: this.operand('a list'), negated }; }
      throw new ConditionError(`expected a list like ["a", "b"] after '${negated ? 'not in' : 'in'}'`, this.tok.index, this.tok.length || 1);
    }
    return left;
  }

  private list(): Condition[] {
    const open = this.tok;
    this.pos++; // [
    const items: Condition[] = [];
    if (this.isOp(']')) { this.pos++; return items; }
    for (;;) {
      const t = this.tok;
      if (t.t === 'str' || t.t === 'num' || (t.t === 'word' && ['true', 'false', 'null'].includes(t.value))) {
        items.push(this.operand('a value'));
      } else {
        throw new ConditionError(`expected a literal value in the list, got ${this.describe(t)}`, t.index, t.length || 1);
      }
      if (this.isOp(',')) { this.pos++; continue; }
      if (this.isOp(']')) { this.pos++; return items; }
      throw new ConditionError(this.tok.t === 'end' ? `the list opened at column ${open.index + 1} is not closed with ']'` : `expected ',' or ']' in the list, got ${this.describe(this.tok)}`, this.tok.index, this.tok.length || 1);
    }
  }

  private operand(what: string): Condition {
    const t = this.tok;
    if (t.t === 'str' || t.t === 'num') { this.pos++; return { k: 'lit', value: t.value }; }
    if (t.t === 'op' && t.value === '(') {
      this.pos++;
      const inner = this.nest(() => this.or());
      if (!this.isOp(')')) { throw new ConditionError(`expected ')' to close the '(' at column ${t.index + 1}, got ${this.describe(this.tok)}`, this.tok.index, this.tok.length || 1); }
      this.pos++;
      return inner;
    }
    if (t.t === 'word') {
      switch (t.value) {
        case 'true': this.pos++; return { k: 'lit', value: true };
        case 'false': this.pos++; return { k: 'lit', value: false };
        case 'null': this.pos++; return { k: 'lit', value: null };
        case 'always': this.pos++; return { k: 'always' };
        case 'manual': this.pos++; return { k: 'manual' };
        case 'and': case 'or': case 'not': case 'in':
          throw new ConditionError(`expected ${what}, got '${t.value}'`, t.index, t.length);
      }
      const parts = [t.value];
      this.pos++;
      while (this.isOp('.')) {
        this.pos++;
        const next = this.tok;
        if (next.t !== 'word' && next.t !== 'num') { throw new ConditionError(`expected a name after '.', got ${this.describe(next)}`, next.index, next.length || 1); }
        parts.push(String(next.value));
        this.pos++;
      }
      return { k: 'fact', path: parts };
    }
    throw new ConditionError(`expected ${what}, got ${this.describe(t)}`, t.index, t.length || 1);
  }
}

/** Parses a `when`; throws ConditionError with the place of the problem. */
export function parseCondition(text: string): Condition {
  if (text.length > MAX_CONDITION_LENGTH) { throw new ConditionError(`a condition has at most ${MAX_CONDITION_LENGTH} characters`, MAX_CONDITION_LENGTH, text.length - MAX_CONDITION_LENGTH); }
  if (!text.trim()) { throw new ConditionError('the condition is empty; write always, manual or an expression', 0, Math.max(1, text.length)); }
  return new Parser(tokenize(text)).parse();
}

// ---------------------------------------------------------------- evaluation

type Val = { known: true; value: FactValue } | { known: false; path: string };

function lookup(facts: Facts, parts: readonly string[]): Val {
  let v: FactValue | undefined = facts;
  for (const p of parts) {
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, p)) { v = v[p]; } else if (Array.isArray(v) && /^\d+$/.test(p) && Number(p) < v.length) { v = v[Number(p)]; } else { return { known: false, path: parts.join('.') }; }
  }
  return { known: true, value: v as FactValue };
}

export function showValue(v: FactValue): string {
  if (typeof v === 'string') { return JSON.stringify(v); }
  if (v === null || typeof v !== 'object') { return String(v); }
  const json = JSON.stringify(v);
  return json.length > 60 ? `${json.slice(0, 57)}…` : json;
}

function kind(v: FactValue): string {
  return v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v === 'object' ? 'object' : typeof v;
}

function truthy(v: FactValue): boolean {
  if (Array.isArray(v)) { return v.length > 0; }
  if (v && typeof v === 'object') { return Object.keys(v).length > 0; }
  return Boolean(v);
}

function equal(a: FactValue, b: FactValue): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') { return a === b; }
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Renders a condition back to text (normalised spacing), for plans and logs. */
export function conditionText(c: Condition): string {
  const wrap = (x: Condition, parentPrec: number): string => {
    const prec = x.k === 'or' ? 1 : x.k === 'and' ? 2 : x.k === 'not' ? 3 : 4;
    const s = conditionText(x);
    return prec < parentPrec ? `(${s})` : s;
  };
  switch (c.k) {
    case 'always': return 'always';
    case 'manual': return 'manual';
    case 'lit': return c.value === null ? 'null' : typeof c.value === 'string' ? JSON.stringify(c.value) : String(c.value);
    case 'fact': return c.path.join('.');
    case 'not': return `not ${wrap(c.arg, 3)}`;
    case 'and': return `${wrap(c.left, 2)} and ${wrap(c.right, 3)}`;
    case 'or': return `${wrap(c.left, 1)} or ${wrap(c.right, 2)}`;
    case 'cmp': return `${wrap(c.left, 4)} ${c.op} ${wrap(c.right, 4)}`;
    case 'in': return `${wrap(c.left, 4)} ${c.negated ? 'not in' : 'in'} ${Array.isArray(c.list) ? `[${c.list.map((x) => conditionText(x)).join(', ')}]` : conditionText(c.list)}`;
  }
}

/**
 * Evaluates a condition over the facts. `picked`: the step was chosen by a person (a `manual` step is then called).
 * The explanation names every fact the condition read and its value, or that it is unknown.
 */
export function evaluateCondition(cond: Condition, facts: Facts, opts: { picked?: boolean } = {}): ConditionResult {
  const notes: string[] = [];
  const note = (s: string): void => { if (!notes.includes(s)) { notes.push(s); } };

  const value = (c: Condition): Val => {
    if (c.k === 'lit') { return { known: true, value: c.value }; }
    if (c.k === 'fact') {
      const v = lookup(facts, c.path);
      note(v.known ? `${c.path.join('.')} is ${showValue(v.value)}` : `${c.path.join('.')} is unknown`);
      return v;
    }
    const t = test(c);
    return t === undefined ? { known: false, path: conditionText(c) } : { known: true, value: t };
  };

  // Three-valued, as SQL: undefined is "unknown". Unknown propagates through not, and, or (false and unknown is
  // false, true or unknown is true), so `not drift.class == "major"` is not true when the drift class is unknown.
  const test = (c: Condition): boolean | undefined => {
    switch (c.k) {
      case 'always': return true;
      case 'manual': note(opts.picked ? 'picked by hand' : 'manual: runs only when picked'); return opts.picked === true;
      case 'lit': return truthy(c.value);
      case 'fact': { const v = value(c); return v.known ? truthy(v.value) : undefined; }
      case 'not': { const a = test(c.arg); return a === undefined ? undefined : !a; }
      case 'and': {
        const a = test(c.left);
        const b = test(c.right);
        return a === false || b === false ? false : a === undefined || b === undefined ? undefined : true;
      }
      case 'or': {
        const a = test(c.left);
        const b = test(c.right);
        return a === true || b === true ? true : a === undefined || b === undefined ? undefined : false;
      }
      case 'cmp': {
        const a = value(c.left);
        const b = value(c.right);
        if (!a.known || !b.known) { return undefined; }
        if (c.op === '==' || c.op === '!=') {
          if (a.value !== null && b.value !== null && kind(a.value) !== kind(b.value)) {
            note(`${conditionText(c)} compares a ${kind(a.value)} with a ${kind(b.value)}: false`);
            return false;
          }
          return c.op === '==' ? equal(a.value, b.value) : !equal(a.value, b.value);
        }
        const ka = kind(a.value);
        const kb = kind(b.value);
        if (ka !== kb || (ka !== 'number' && ka !== 'string')) {
          note(`${conditionText(c)} compares a ${ka} with a ${kb}: false`);
          return false;
        }
        const x = a.value as number | string;
        const y = b.value as number | string;
        switch (c.op) {
          case '<': return x < y;
          case '<=': return x <= y;
          case '>': return x > y;
          case '>=': return x >= y;
        }
        return false;
      }
      case 'in': {
        const a = value(c.left);
        if (!a.known) { return undefined; }
        let items: FactValue[];
        if (Array.isArray(c.list)) {
          items = c.list.map((x) => (x.k === 'lit' ? x.value : null));
        } else {
          const l = value(c.list);
          if (!l.known) { return undefined; }
          if (!Array.isArray(l.value)) { note(`${conditionText(c.list)} is not a list: false`); return false; }
          items = l.value;
        }
        const found = items.some((x) => equal(x, a.value));
        return c.negated ? !found : found;
      }
    }
  };

  const result = test(cond);
  const text = conditionText(cond);
  const shown = result === undefined ? 'unknown, so false' : String(result);
  const explanation = cond.k === 'always' ? 'always' : `${text} → ${shown}${notes.length ? ` (${notes.join('; ')})` : ''}`;
  return { value: result === true, text, explanation };
}
