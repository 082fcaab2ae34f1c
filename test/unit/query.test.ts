import * as assert from 'node:assert/strict';
import {
  MAX_DEPTH, QueryError, RUN_FIELDS, compareForSort, matches, parseQuery, parseSortKey, type RunRow,
} from '../../src/core/query';
import { summarizeMetrics } from '../../src/core/store/metrics';
import type { Run } from '../../src/core/store/schemas';

function row(over: Partial<Run>, metrics: Record<string, number[]> = {}): RunRow {
  const run: Run = {
    formatVersion: 1, id: '01JD3Z8X4V6Q9M2K7T5R1N0B8C', experiment: 'baseline', name: 'r1', status: 'finished',
    startTime: '2026-01-01T00:00:00.000Z', params: {}, tags: [], dataVersions: [], meta: {}, ...over,
  };
  const points = Object.entries(metrics).flatMap(([name, values]) => values.map((value, step) => ({ name, value, step, timestamp: step })));
  return { run, metrics: summarizeMetrics(points) };
}

const q = (text: string, r: RunRow): boolean => matches(parseQuery(text, RUN_FIELDS), r, RUN_FIELDS);

function parseError(text: string): QueryError {
  try {
    parseQuery(text, RUN_FIELDS);
  } catch (e) {
    assert.ok(e instanceof QueryError, `a QueryError for ${text}, got ${String(e)}`);
    return e;
  }
  assert.fail(`'${text}' should not parse`);
}

describe('run filter language (src/core/query)', () => {
  const good = row({ params: { lr: 0.01, opt: 'adam', shuffle: true, seed: null }, tags: ['candidate', 'gpu'], meta: { durationMs: 5000 } },
    { 'accuracy': [0.5, 0.95], 'loss': [0.9, 0.2], 'accuracy@fold=1': [0.81] });
  const bad = row({ name: 'r2', status: 'failed', params: { lr: 0.1, opt: 'sgd' }, tags: [] }, { accuracy: [0.4], loss: [NaN] });

  it('the documented example: metrics (last value), params, tags, status', () => {
    const text = 'metrics.accuracy > 0.9 and params.lr <= 0.01 and tags has candidate and status = finished';
    assert.equal(q(text, good), true);
    assert.equal(q(text, bad), false);
  });

  it('metrics compare their last value, not their best', () => {
    assert.equal(q('metrics.loss < 0.3', good), true);
    assert.equal(q('metrics.loss >= 0.9', good), false);
  });

  it('and binds tighter than or; not and parentheses', () => {
    assert.equal(q('status = failed or status = finished and tags has gpu', bad), true);
    assert.equal(q('(status = failed or status = finished) and tags has gpu', bad), false);
    assert.equal(q('not status = failed', good), true);
    assert.equal(q('not (status = failed or name = r1)', good), false);
    assert.equal(q('NOT status = failed AND name = r1', good), true);
  });

  it('quoted metric names with @ and =, quoted values with spaces and escapes', () => {
    assert.equal(q('metrics."accuracy@fold=1" >= 0.8', good), true);
    assert.equal(q("metrics.'accuracy@fold=1' < 0.8", good), false);
    assert.equal(q('name = "r1"', good), true);
    const odd = row({ name: 'say "hi" \\ there' });
    assert.equal(q('name = "say \\"hi\\" \\\\ there"', odd), true);
  });

  it('all six comparisons on numbers, text in code-point order, numeric text as numbers', () => {
    for (const [op, want] of [['=', false], ['!=', true], ['<', true], ['<=', true], ['>', false], ['>=', false]] as const) {
      assert.equal(q(`params.lr ${op} 0.05`, good), want, `0.01 ${op} 0.05`);
    }
    assert.equal(q('params.lr == 0.01', good), true);
    assert.equal(q('params.opt < b', good), true);
    assert.equal(q('params.opt = adam', good), true);
    assert.equal(q('meta.durationMs > 4999', good), true);
    assert.equal(q('params.shuffle = true and params.seed = null', good), true);
    const textual = row({ params: { lr: '0.01' } });
    assert.equal(q('params.lr < 0.1', textual), true);
    assert.equal(q('start >= 2026-01-01', good), true);
  });

  it('a missing field or a NaN matches no comparison (not even !=), and not inverts that', () => {
    assert.equal(q('metrics.f1 > 0', good), false);
    assert.equal(q('metrics.f1 != 0', good), false);
    assert.equal(q('not metrics.f1 > 0', good), true);
    assert.equal(q('metrics.loss < 1', bad), false);
    assert.equal(q('metrics.loss > 1', bad), false);
    assert.equal(q('params.lr > abc', good), false);
  });

  it('has: a tag in the list, or text inside a text field', () => {
    assert.equal(q('tags has gpu', good), true);
    assert.equal(q('tags has gp', good), false);
    assert.equal(q('name has r', good), true);
    assert.equal(q('metrics.loss has 2', good), false);
    assert.equal(q('tags = candidate and tags != cpu', good), true);
  });

  it('__proto__, constructor and toString are names like any other, never the object machinery', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      assert.equal(q(`params.${name} = 1`, good), false, `params.${name}`);
      assert.equal(q(`meta.${name} != 1`, good), false, `meta.${name}`);
      assert.equal(q(`metrics.${name} > 0`, good), false, `metrics.${name}`);
    }
    const proto = row({ params: JSON.parse('{"__proto__": 7, "constructor": "x"}') as Run['params'] }, { ['__proto__']: [3] });
    assert.equal(q('params.__proto__ = 7 and params.constructor = x and metrics.__proto__ = 3', proto), true);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    parseError('__proto__ = 1');
    parseError('constructor = 1');
  });

  it('errors name the column: a missing value, an unknown field, a stray token, an unclosed parenthesis', () => {
    const e = parseError('metrics.accuracy > 0.9 and params.lr <= and x');
    assert.equal(e.column, 41);
    assert.match(e.message, /^expected a value, found 'and' at column 41$/);
    assert.match(parseError('metric.loss < 1').message, /unknown field 'metric' \(fields: metrics\.NAME, params\.NAME, meta\.NAME, status/);
    assert.match(parseError('metrics < 1').message, /'metrics' needs a name/);
    assert.match(parseError('status.x = 1').message, /'status' has no parts/);
    assert.match(parseError('status = finished finished').message, /expected 'and', 'or' or the end of the filter, found 'finished' at column 19/);
    assert.match(parseError('(status = failed').message, /expected '\)' to close the '\(' at column 1, found the end of the filter at column 17/);
    assert.match(parseError('status = failed)').message, /unmatched '\)' at column 16/);
    assert.match(parseError('status ! failed').message, /unexpected character '!' \(use 'not' or '!='\) at column 8/);
    assert.match(parseError('status').message, /expected a comparison .* found the end of the filter/);
    assert.match(parseError('').message, /expected a field/);
  });

  it('unterminated strings are reported at their opening quote', () => {
    assert.match(parseError('name = "abc').message, /unterminated string \(the " is never closed\) at column 8/);
    assert.match(parseError("metrics.'acc").message, /unterminated string .* at column 9/);
    assert.match(parseError('name = "abc\\"').message, /unterminated string/);
  });

  it('10,000 nested parentheses (or nots) are refused with a clear error, not a stack overflow', () => {
    const deep = '('.repeat(10_000) + 'status = finished' + ')'.repeat(10_000);
    const e = parseError(deep);
    assert.match(e.message, new RegExp(`nests deeper than ${MAX_DEPTH} levels at column ${MAX_DEPTH + 1}$`));
    assert.match(parseError('not '.repeat(10_000) + 'status = x').message, /nests deeper than/);
    assert.match(parseError('('.repeat(20_000)).message, /nests deeper/);
    assert.match(parseError('x'.repeat(100_001)).message, /100001 characters long; at most 100000 are allowed/);
    const ok = '('.repeat(MAX_DEPTH) + 'status = finished' + ')'.repeat(MAX_DEPTH);
    assert.equal(q(ok, good), true);
  });

  it('long and/or chains are flat: thousands of terms evaluate without deep recursion', () => {
    const terms = Array.from({ length: 1500 }, (_, i) => `name = x${i}`).join(' or ');
    assert.equal(q(`${terms} or name = r1`, good), true);
    assert.equal(q(terms, good), false);
  });

  it('fields are pluggable: a caller adds its own without touching the parser', () => {
    const fields = new Map([...RUN_FIELDS, ['kpis', { keyed: true, get: (_r: RunRow, k: string | undefined) => (k === 'latency' ? 12 : undefined) }]]);
    assert.equal(matches(parseQuery('kpis.latency < 20 and status = finished', fields), good, fields), true);
    assert.throws(() => parseQuery('kpis.latency < 20', RUN_FIELDS), /unknown field 'kpis'/);
  });

  it('sort keys: a field, - for descending; missing values last both ways', () => {
    assert.deepEqual(parseSortKey('-metrics.loss', RUN_FIELDS), { field: { root: 'metrics', key: 'loss', column: 2 }, descending: true });
    assert.deepEqual(parseSortKey('metrics."a@b=1"', RUN_FIELDS).field.key, 'a@b=1');
    assert.throws(() => parseSortKey('metrics.loss > 1', RUN_FIELDS), QueryError);
    assert.throws(() => parseSortKey('bogus', RUN_FIELDS), /unknown field 'bogus'/);
    const values = [3, undefined, 1, NaN, 2];
    assert.deepEqual([...values].sort((a, b) => compareForSort(a, b, false)).slice(0, 3), [1, 2, 3]);
    assert.deepEqual([...values].sort((a, b) => compareForSort(a, b, true)).slice(0, 3), [3, 2, 1]);
    assert.deepEqual(['b', 'a', 'B'].sort((a, b) => compareForSort(a, b, false)), ['B', 'a', 'b']);
  });
});
