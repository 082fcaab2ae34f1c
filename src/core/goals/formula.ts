/**
 * KPI formulas: arithmetic over logged metrics and constants, e.g. `recall * 420 - false_positive_rate * 35`.
 *
 *   numbers        12, 0.5, .5, 1e-3
 *   metric names   recall, val.loss, f1_macro; quoted when they hold anything else: "accuracy@fold=1", 'val loss'
 *                  (inside quotes `\` escapes the next character)
 *   operators      + - * / ^ (power, right-associative), unary minus, parentheses
 *   functions      min(a, b, …) max(a, b, …) abs(x) log(x) (natural) sqrt(x)
 *
 * Parsed once into a tree and evaluated by walking it — never `eval`ed. The parser is a small recursive-descent parser
 * whose recursion is bounded by MAX_FORMULA_DEPTH and whose input is bounded by MAX_FORMULA_LENGTH, so a hostile
 * formula is an error with a position, never a stack overflow. Evaluation never throws: a missing metric, a division
 * by zero or the log of a negative number makes the value unknown, with the reason.
 */
import { MlopsError } from '../errors';

export const MAX_FORMULA_LENGTH = 1000;
/** Parentheses, function calls, unary minus and powers nested deeper than this are refused. */
export const MAX_FORMULA_DEPTH = 40;

export const FORMULA_FUNCTIONS = ['min', 'max', 'abs', 'log', 'sqrt'] as const;
export type FormulaFunction = (typeof FORMULA_FUNCTIONS)[number];

/** A formula that cannot be parsed: `index` (0-based) and `length` locate the offending text. */
export class FormulaError extends MlopsError {
  constructor(readonly reason: string, readonly index: number, readonly length = 1) {
    super(`${reason} (at character ${index + 1})`, 'invalid-input');
  }
}

export type FormulaNode =
  | { k: 'num'; value: number }
  | { k: 'var'; name: string; index: number; length: number }
  | { k: 'neg'; arg: FormulaNode }
  | { k: 'bin'; op: '+' | '-' | '*' | '/' | '^'; left: FormulaNode; right: FormulaNode; index: number }
  | { k: 'call'; fn: FormulaFunction; args: FormulaNode[]; index: number };

/** Where a metric is named in the formula (for warnings about names nothing has logged). */
export interface FormulaReference {
  name: string;
  index: number;
  length: number;
}

export type FormulaValue = { ok: true; value: number } | { ok: false; reason: string };

export interface Formula {
  readonly text: string;
  readonly root: FormulaNode;
  /** Each metric the formula reads, once, at its first mention. */
  readonly references: readonly FormulaReference[];
}

type Tok =
  | { t: 'num'; value: number; i: number; n: number }
  | { t: 'name'; name: string; quoted: boolean; i: number; n: number }
  | { t: 'op'; op: '+' | '-' | '*' | '/' | '^'; i: number; n: number }
  | { t: '(' | ')' | ','; i: number; n: number }
  | { t: 'end'; i: number; n: number };

const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const BARE_NAME = /[A-Za-z_][A-Za-z0-9_.]*/y;

function describeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f ? `character U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `'${c}'`;
}

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if ('+-*/^'.includes(c)) { out.push({ t: 'op', op: c as '+', i, n: 1 }); i++; continue; }
    if (c === '(' || c === ')' || c === ',') { out.push({ t: c, i, n: 1 }); i++; continue; }
    if (c === '"' || c === "'") {
      let name = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) { throw new FormulaError(`unclosed quote: a quoted metric name ends with ${c}`, i); }
        const d = text[j];
        if (d === c) { break; }
        if (d === '\\' && j + 1 < text.length) { name += text[j + 1]; j += 2; continue; }
        name += d;
        j++;
      }
      if (!name) { throw new FormulaError('empty metric name', i, j + 1 - i); }
      out.push({ t: 'name', name, quoted: true, i, n: j + 1 - i });
      i = j + 1;
      continue;
    }
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(text);
    if (num) {
      const value = Number(num[0]);
      if (!Number.isFinite(value)) { throw new FormulaError(`number ${num[0]} is too large`, i, num[0].length); }
      out.push({ t: 'num', value, i, n: num[0].length });
      i += num[0].length;
      if (i < text.length && /[A-Za-z_]/.test(text[i])) { throw new FormulaError(`expected an operator after the number ${num[0]}; quote metric names that start with a digit`, i); }
      continue;
    }
    BARE_NAME.lastIndex = i;
    const word = BARE_NAME.exec(text);
    if (word) { out.push({ t: 'name', name: word[0], quoted: false, i, n: word[0].length }); i += word[0].length; continue; }
    const hint = c === '@' || c === '=' || c === '-' ? ' (quote metric names that hold it, e.g. "accuracy@fold=1")' : '';
    throw new FormulaError(`unexpected ${describeChar(c)}${hint}`, i);
  }
  out.push({ t: 'end', i: text.length, n: 0 });
  return out;
}

class Parser {
  private p = 0;
  private depth = 0;

  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok { return this.toks[this.p]; }

  private deeper(at: Tok): void {
    if (++this.depth > MAX_FORMULA_DEPTH) { throw new FormulaError(`nested deeper than ${MAX_FORMULA_DEPTH} levels`, at.i, at.n || 1); }
  }

  parse(): FormulaNode {
    if (this.peek().t === 'end') { throw new FormulaError('the formula is empty', 0, 0); }
    const node = this.expr();
    const t = this.peek();
    if (t.t !== 'end') { throw new FormulaError(t.t === ')' ? "')' without a matching '('" : `expected an operator, found ${this.show(t)}`, t.i, t.n); }
    return node;
  }

  /** `a + b - c`: a loop, so a long sum costs no stack. */
  private expr(): FormulaNode {
    let left = this.term();
    for (let t = this.peek(); t.t === 'op' && (t.op === '+' || t.op === '-'); t = this.peek()) {
      this.p++;
      left = { k: 'bin', op: t.op, left, right: this.term(), index: t.i };
    }
    return left;
  }

  /** `a * b / c`, binding tighter than + and -. */
  private term(): FormulaNode {
    let left = this.unary();
    for (let t = this.peek(); t.t === 'op' && (t.op === '*' || t.op === '/'); t = this.peek()) {
      this.p++;
      left = { k: 'bin', op: t.op, left, right: this.unary(), index: t.i };
    }
    return left;
  }

  /** Unary minus binds looser than `^`: `-x^2` is `-(x^2)`. */
  private unary(): FormulaNode {
    const t = this.peek();
    if (t.t === 'op' && (t.op === '-' || t.op === '+')) {
      this.p++;
      this.deeper(t);
      const arg = this.unary();
      this.depth--;
      return t.op === '-' ? { k: 'neg', arg } : arg;
    }
    return this.power();
  }

  private power(): FormulaNode {
    const base = this.primary();
    const t = this.peek();
    if (t.t === 'op' && t.op === '^') {
      this.p++;
      this.deeper(t);
      const exponent = this.unary();
      this.depth--;
      return { k: 'bin', op: '^', left: base, right: exponent, index: t.i };
    }
    return base;
  }

  private primary(): FormulaNode {
    const t = this.peek();
    switch (t.t) {
      case 'num': this.p++; return { k: 'num', value: t.value };
      case '(': {
        this.p++;
        this.deeper(t);
        const inner = this.expr();
        this.close(t, "'(' is never closed");
        this.depth--;
        return inner;
      }
      case 'name': {
        this.p++;
        if (!t.quoted && this.peek().t === '(') { return this.call(t); }
        return { k: 'var', name: t.name, index: t.i, length: t.n };
      }
      case 'end': throw new FormulaError('the formula ends too early: expected a number, a metric name or (', t.i, 0);
      default: throw new FormulaError(`expected a number, a metric name or (, found ${this.show(t)}`, t.i, t.n);
    }
  }

  private call(name: Extract<Tok, { t: 'name' }>): FormulaNode {
    const fn = name.name;
    if (!(FORMULA_FUNCTIONS as readonly string[]).includes(fn)) {
      throw new FormulaError(`unknown function '${fn}' (use ${FORMULA_FUNCTIONS.join(', ')})`, name.i, name.n);
    }
    const open = this.peek();
    this.p++;
    this.deeper(open);
    const args: FormulaNode[] = [];
    if (this.peek().t !== ')') {
      for (;;) {
        args.push(this.expr());
        if (this.peek().t !== ',') { break; }
        this.p++;
      }
    }
    this.close(open, `'${fn}(' is never closed`);
    this.depth--;
    const unary = fn === 'abs' || fn === 'log' || fn === 'sqrt';
    if (unary && args.length !== 1) { throw new FormulaError(`${fn}() takes exactly one argument, not ${args.length}`, name.i, name.n); }
    if (!unary && args.length === 0) { throw new FormulaError(`${fn}() needs at least one argument`, name.i, name.n); }
    return { k: 'call', fn: fn as FormulaFunction, args, index: name.i };
  }

  private close(open: Tok, unclosed: string): void {
    const t = this.peek();
    if (t.t === ')') { this.p++; return; }
    if (t.t === 'end') { throw new FormulaError(unclosed, open.i, 1); }
    throw new FormulaError(`expected ')' or an operator, found ${this.show(t)}`, t.i, t.n);
  }

  private show(t: Tok): string {
    switch (t.t) {
      case 'num': return `the number ${t.value}`;
      case 'name': return `'${t.name}'`;
      case 'op': return `'${t.op}'`;
      case 'end': return 'the end';
      default: return `'${t.t}'`;
    }
  }
}

/** Parses a formula or throws a FormulaError that says where and why. */
export function parseFormula(text: string): Formula {
  if (typeof text !== 'string') { throw new FormulaError('a formula must be text', 0, 0); }
  if (text.length > MAX_FORMULA_LENGTH) {
    throw new FormulaError(`the formula is ${text.length} characters long; at most ${MAX_FORMULA_LENGTH} are allowed`, MAX_FORMULA_LENGTH, text.length - MAX_FORMULA_LENGTH);
  }
  const root = new Parser(tokenize(text)).parse();
  const references: FormulaReference[] = [];
  const seen = new Set<string>();
  const stack: FormulaNode[] = [root];
  const found: FormulaReference[] = [];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.k === 'var') { found.push({ name: n.name, index: n.index, length: n.length }); } else if (n.k === 'neg') { stack.push(n.arg); } else if (n.k === 'bin') { stack.push(n.left, n.right); } else if (n.k === 'call') { stack.push(...n.args); }
  }
  for (const r of found.sort((a, b) => a.index - b.index)) {
    if (!seen.has(r.name)) { seen.add(r.name); references.push(r); }
  }
  return { text, root, references };
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

/**
 * The formula's value with each metric looked up by name (a Map or function; names are never looked up on an
 * object, so `__proto__` is just a name). Never throws.
 */
export function evaluateFormula(f: Formula, lookup: (name: string) => number | undefined): FormulaValue {
  // The first reason the value is unknown; the walk then returns NaN, which every operation carries to the top.
  let why: string | undefined;
  const unknown = (reason: string): number => { why ??= reason; return NaN; };
  const walk = (n: FormulaNode): number => {
    switch (n.k) {
      case 'num': return n.value;
      case 'var': {
        const v = lookup(n.name);
        if (v === undefined) { return unknown(`'${n.name}' is not logged`); }
        if (Number.isNaN(v)) { return unknown(`'${n.name}' is NaN`); }
        return v;
      }
      case 'neg': return -walk(n.arg);
      case 'bin': {
        const a = walk(n.left);
        const b = walk(n.right);
        if (why !== undefined) { return NaN; }
        switch (n.op) {
          case '+': return a + b;
          case '-': return a - b;
          case '*': return a * b;
          case '/': return b === 0 ? unknown(`division by zero (at character ${n.index + 1})`) : a / b;
          case '^': {
            const r = a ** b;
            return Number.isNaN(r) ? unknown(`${fmt(a)} ^ ${fmt(b)} is not a real number`) : r;
          }
        }
        break;
      }
      case 'call': {
        const args = n.args.map(walk);
        if (why !== undefined) { return NaN; }
        const x = args[0];
        switch (n.fn) {
          case 'min': return Math.min(...args);
          case 'max': return Math.max(...args);
          case 'abs': return Math.abs(x);
          case 'log': return x < 0 ? unknown(`log of a negative number (${fmt(x)})`) : x === 0 ? unknown('log of zero') : Math.log(x);
          case 'sqrt': return x < 0 ? unknown(`square root of a negative number (${fmt(x)})`) : Math.sqrt(x);
        }
      }
    }
    return unknown('unsupported expression');
  };
  const value = walk(f.root);
  if (why !== undefined) { return { ok: false, reason: why }; }
  if (!Number.isFinite(value)) { return { ok: false, reason: value > 0 ? 'the result is infinite' : value < 0 ? 'the result is -infinite' : 'the result is not a number' }; }
  return { ok: true, value };
}
