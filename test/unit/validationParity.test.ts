// The TypeScript half of the writers' parity: test/fixtures/validation/cases.json holds names, texts, param values,
// metric points and manifest orderings with what must happen to each; python/tests/test_mlops_log.py reads the same
// file against mlops_log.py, so the CLI, the extension and the Python logger accept and store the same things.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeMetricLines, hashPath, nameProblem, paramNameProblem, parseParamValue, textProblem, validateMetricInput, type MetricInput } from '../../src/core';
import { REPO, tmpDir } from './helpers';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface Cases {
  names: { valid: string[]; invalid: string[] };
  texts: { text: string; max: number; valid: boolean }[];
  paramNames: { valid: string[]; invalid: string[] };
  paramValues: { text?: string; python?: string; stored: Json }[];
  metrics: { value: Json; step?: Json; valid: boolean; stored?: Json }[];
  manifestOrder: { paths: string[]; sorted: string[] }[];
}

const CASES = JSON.parse(fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'validation', 'cases.json'), 'utf8')) as Cases;

/** `{"float": "NaN"}` in the fixture stands for that number, which JSON cannot spell. */
function numberOf(v: Json): Json | number {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.float === 'string') { return Number(v.float); }
  return v;
}

describe('validation parity with the Python logger (test/fixtures/validation/cases.json)', () => {
  it('names: nameProblem accepts exactly the valid ones', () => {
    assert.ok(CASES.names.valid.length > 5 && CASES.names.invalid.length > 5);
    for (const n of CASES.names.valid) { assert.equal(nameProblem(n, 'experiment'), undefined, JSON.stringify(n)); }
    for (const n of CASES.names.invalid) { assert.ok(nameProblem(n, 'experiment'), `${JSON.stringify(n)} should be rejected`); }
  });

  it('param names: paramNameProblem refuses __proto__ (JSON readers drop it) and what textProblem refuses', () => {
    for (const n of CASES.paramNames.valid) { assert.equal(paramNameProblem(n), undefined, JSON.stringify(n)); }
    for (const n of CASES.paramNames.invalid) { assert.ok(paramNameProblem(n), `${JSON.stringify(n)} should be rejected`); }
  });

  it('free texts: textProblem accepts exactly the valid ones, counting UTF-16 units against the maximum', () => {
    for (const c of CASES.texts) {
      assert.equal(textProblem(c.text, 'tag', c.max) === undefined, c.valid, `${JSON.stringify(c.text)} (max ${c.max})`);
    }
  });

  it('param values typed as text are stored as the fixture says (big integers and inexact numbers stay text)', () => {
    const typed = CASES.paramValues.filter((c) => c.text !== undefined);
    assert.ok(typed.length > 10);
    for (const c of typed) {
      assert.deepStrictEqual(parseParamValue(c.text!), c.stored, `parseParamValue(${JSON.stringify(c.text)})`);
    }
  });

  it('metric points: validateMetricInput accepts exactly the valid ones, and the line holds the stored value', () => {
    for (const c of CASES.metrics) {
      const m = { name: 'm', value: numberOf(c.value), ...(c.step !== undefined ? { step: numberOf(c.step) } : {}) } as unknown as MetricInput;
      const problem = validateMetricInput(m);
      assert.equal(problem === undefined, c.valid, `${JSON.stringify(c)}: ${problem ?? 'accepted'}`);
      if (c.valid) {
        const line = JSON.parse(encodeMetricLines([m], 1)[0]) as { value: Json };
        assert.deepStrictEqual(line.value, c.stored);
      } else {
        assert.throws(() => encodeMetricLines([m], 1));
      }
    }
  });

  it('manifest entries are in code-point order', async () => {
    for (const c of CASES.manifestOrder) {
      const dir = tmpDir();
      for (const p of c.paths) {
        fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
        fs.writeFileSync(path.join(dir, p), p);
      }
      const r = await hashPath(dir);
      assert.deepEqual(r.entries.map((e) => e.path), c.sorted);
    }
  });
});
