import * as assert from 'node:assert/strict';
import {
  FormulaError, MAX_FORMULA_DEPTH, MAX_FORMULA_LENGTH, evaluateFormula, parseFormula, type FormulaValue,
} from '../../src/core/goals';

function value(text: string, vars: Record<string, number> = {}): FormulaValue {
  const m = new Map(Object.entries(vars));
  return evaluateFormula(parseFormula(text), (n) => m.get(n));
}

function num(text: string, vars: Record<string, number> = {}): number {
  const v = value(text, vars);
  assert.ok(v.ok, `expected a value for ${text}, got ${v.ok ? '' : v.reason}`);
  return v.value;
}

function error(text: string): FormulaError {
  try {
    parseFormula(text);
  } catch (e) {
    assert.ok(e instanceof FormulaError, `expected a FormulaError, got ${String(e)}`);
    return e;
  }
  assert.fail(`'${text.slice(0, 40)}' parsed`);
}

describe('KPI formulas', () => {
  it('computes the issue\'s example and respects precedence and associativity', () => {
    assert.equal(num('recall * 420 - false_positive_rate * 35', { recall: 0.8, false_positive_rate: 0.1 }), 0.8 * 420 - 0.1 * 35);
    assert.equal(num('1 + 2 * 3'), 7);
    assert.equal(num('(1 + 2) * 3'), 9);
    assert.equal(num('10 - 4 - 3'), 3, 'minus is left-associative');
    assert.equal(num('64 / 4 / 2'), 8, 'division is left-associative');
    assert.equal(num('2 ^ 3 ^ 2'), 512, 'power is right-associative');
    assert.equal(num('-2 ^ 2'), -4, 'unary minus binds looser than power');
    assert.equal(num('2 ^ -1'), 0.5);
    assert.equal(num('--3'), 3);
    assert.equal(num('+3'), 3);
    assert.equal(num('.5 + 1e-3 + 2E2'), 200.501);
  });

  it('has min, max (any number of arguments), abs, log (natural) and sqrt', () => {
    assert.equal(num('min(3, 1, 2)'), 1);
    assert.equal(num('max(a, b)', { a: 4, b: 9 }), 9);
    assert.equal(num('min(7)'), 7);
    assert.equal(num('abs(-2.5)'), 2.5);
    assert.equal(num('log(1)'), 0);
    assert.equal(num('sqrt(16) + log(x)', { x: Math.E }), 5);
    assert.equal(num('max(min(a, 2), abs(-1))', { a: 5 }), 2);
  });

  it('reads quoted metric names with @, =, spaces and escaped quotes, and bare names with dots and underscores', () => {
    assert.equal(num('"accuracy@fold=1" * 2', { 'accuracy@fold=1': 0.4 }), 0.8);
    assert.equal(num("'val loss' + val.acc + f1_macro", { 'val loss': 1, 'val.acc': 2, f1_macro: 3 }), 6);
    assert.equal(num('"say \\"hi\\"" + 1', { 'say "hi"': 1 }), 2);
    const f = parseFormula('recall * 2 + "accuracy@fold=1" - recall');
    assert.deepEqual(f.references.map((r) => [r.name, r.index, r.length]), [['recall', 0, 6], ['accuracy@fold=1', 13, 17]]);
  });

  it('a function name is an ordinary metric name when no parenthesis follows', () => {
    assert.equal(num('log + max', { log: 2, max: 3 }), 5);
  });

  it('names are looked up through the caller, never on an object: __proto__ and constructor are plain names', () => {
    assert.deepEqual(value('__proto__ + constructor'), { ok: false, reason: "'__proto__' is not logged" });
    const vars = new Map([['__proto__', 3], ['constructor', 1], ['toString', 1]]);
    const f = (t: string) => evaluateFormula(parseFormula(t), (n) => vars.get(n));
    assert.deepEqual(f('__proto__ * 2 + constructor'), { ok: true, value: 7 });
    assert.deepEqual(f('"toString" + 1'), { ok: true, value: 2 });
  });

  it('is unknown with a reason, never a number, when a metric is missing or NaN, or the arithmetic has no real value', () => {
    assert.deepEqual(value('recall * 2', {}), { ok: false, reason: "'recall' is not logged" });
    assert.deepEqual(value('a + 1', { a: NaN }), { ok: false, reason: "'a' is NaN" });
    assert.deepEqual(value('a / (b - 2)', { a: 1, b: 2 }), { ok: false, reason: 'division by zero (at character 3)' });
    assert.deepEqual(value('log(a - 5)', { a: 2 }), { ok: false, reason: 'log of a negative number (-3)' });
    assert.deepEqual(value('log(0)'), { ok: false, reason: 'log of zero' });
    assert.deepEqual(value('sqrt(-4)'), { ok: false, reason: 'square root of a negative number (-4)' });
    assert.deepEqual(value('(-8) ^ 0.5'), { ok: false, reason: '-8 ^ 0.5 is not a real number' });
    assert.deepEqual(value('10 ^ 400'), { ok: false, reason: 'the result is infinite' });
    assert.deepEqual(value('a * 2', { a: Infinity }), { ok: false, reason: 'the result is infinite' });
    // The first reason wins even when later parts are unknown too.
    assert.deepEqual(value('x + log(-1)'), { ok: false, reason: "'x' is not logged" });
  });

  it('reports what is wrong and where (0-based index, length) for every kind of bad formula', () => {
    const cases: [string, RegExp, number][] = [
      ['', /empty/, 0],
      ['recall *', /ends too early/, 8],
      ['recall * (2 + 3', /'\(' is never closed/, 9],
      ['min(1, 2', /'min\(' is never closed/, 3],
      ['(1))', /'\)' without a matching '\('/, 3],
      ['1 2', /expected an operator, found the number 2/, 2],
      ['accuracy@fold=1', /unexpected '@'.*quote metric names/, 8],
      ['a = b', /unexpected '='/, 2],
      ['foo(1)', /unknown function 'foo'/, 0],
      ['abs(1, 2)', /takes exactly one argument, not 2/, 0],
      ['max()', /needs at least one argument/, 0],
      ['3x', /quote metric names that start with a digit/, 1],
      ['"recall', /unclosed quote/, 0],
      ['a + ""', /empty metric name/, 4],
      ['a # b', /unexpected '#'/, 2],
      ['a \u0007 b', /unexpected character U\+0007/, 2],
      ['1e999', /too large/, 0],
      [', 1', /found ','/, 0],
    ];
    for (const [text, message, index] of cases) {
      const e = error(text);
      assert.match(e.message, message, text);
      assert.equal(e.index, index, `index of the error in '${text}'`);
      assert.match(e.message, new RegExp(`at character ${index + 1}\\)$`));
    }
  });

  it('refuses hostile sizes with an error instead of a stack overflow: 10,000 characters, 10,000 parentheses, long chains', () => {
    const long = error('a + '.repeat(2500));
    assert.match(long.message, new RegExp(`at most ${MAX_FORMULA_LENGTH}`));
    assert.equal(long.index, MAX_FORMULA_LENGTH);
    const parens = error('('.repeat(10_000) + '1' + ')'.repeat(10_000));
    assert.match(parens.message, /at most 1000/);
    // Within the length limit, depth is what stops it, at the first level too deep.
    const deep = error('('.repeat(MAX_FORMULA_DEPTH + 1) + '1' + ')'.repeat(MAX_FORMULA_DEPTH + 1));
    assert.match(deep.message, /nested deeper than 40 levels/);
    assert.equal(deep.index, MAX_FORMULA_DEPTH);
    assert.match(error('-'.repeat(300) + '1').message, /nested deeper/);
    assert.match(error('2^'.repeat(300) + '2').message, /nested deeper/);
    assert.match(error('abs('.repeat(100) + '1' + ')'.repeat(100)).message, /nested deeper/);
    // As deep as allowed still parses and evaluates.
    assert.equal(num('('.repeat(MAX_FORMULA_DEPTH) + '1' + ')'.repeat(MAX_FORMULA_DEPTH)), 1);
    // A long flat sum is a loop, not recursion: 499 terms within 1000 characters evaluate.
    assert.equal(num(Array(499).fill('1').join('+')), 499);
  });

  it('the reference list and errors count UTF-16 positions as editors do', () => {
    const f = parseFormula('"précision" + "😀x"');
    assert.deepEqual(f.references.map((r) => [r.name, r.index, r.length]), [['précision', 0, 11], ['😀x', 14, 5]]);
    assert.equal(error('"😀" @').index, 5);
  });
});
