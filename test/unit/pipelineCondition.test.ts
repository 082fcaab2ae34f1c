// `when` conditions of pipeline steps: the grammar, precedence, unknown facts, type mismatches and error positions.
import * as assert from 'node:assert/strict';
import { ConditionError, evaluateCondition, parseCondition, type Facts } from '../../src/core/pipeline';

const FACTS: Facts = {
  drift: { class: 'minor', share: 0.25, columns: ['age', 'income'] },
  kpi: { missed_payments: 130 },
  trigger: { name: 'weekly' },
  flag: true,
  nothing: null,
};

const ev = (text: string, facts: Facts = FACTS, picked = false) => evaluateCondition(parseCondition(text), facts, { picked });

function errorOf(text: string): ConditionError {
  try { parseCondition(text); } catch (e) { if (e instanceof ConditionError) { return e; } throw e; }
  assert.fail(`'${text}' parsed`);
}

describe('pipeline conditions (when)', () => {
  it('always and manual: manual is true only when the step is picked', () => {
    assert.equal(ev('always').value, true);
    assert.equal(ev('always').explanation, 'always');
    assert.equal(ev('manual').value, false);
    assert.match(ev('manual').explanation, /only when picked/);
    assert.equal(ev('manual', FACTS, true).value, true);
    assert.equal(ev('manual or drift.class == "major"').value, false);
  });

  it('comparisons of strings and numbers, with the facts read in the explanation', () => {
    const r = ev('drift.class == "minor"');
    assert.equal(r.value, true);
    assert.equal(r.text, 'drift.class == "minor"');
    assert.equal(r.explanation, 'drift.class == "minor" → true (drift.class is "minor")');
    assert.equal(ev("drift.class != 'major'").value, true);
    assert.equal(ev('kpi.missed_payments > 120').value, true);
    assert.equal(ev('kpi.missed_payments >= 130').value, true);
    assert.equal(ev('kpi.missed_payments < 130').value, false);
    assert.equal(ev('drift.share <= .25').value, true);
    assert.equal(ev('drift.share > -1').value, true);
    assert.equal(ev('nothing == null').value, true);
    assert.equal(ev('flag == true').value, true);
  });

  it('precedence: not binds tighter than and, and tighter than or; parentheses group', () => {
    // false and true or true = (false and true) or true = true
    assert.equal(ev('drift.class == "major" and flag or kpi.missed_payments > 100').value, true);
    // false and (true or true) = false
    assert.equal(ev('drift.class == "major" and (flag or kpi.missed_payments > 100)').value, false);
    // not false and false = (not false) and false = false
    assert.equal(ev('not drift.class == "major" and flag == false').value, false);
    assert.equal(ev('not (drift.class == "major" and flag == false)').value, true);
  });

  it('in-lists and not in; a list fact on the right', () => {
    assert.equal(ev('drift.class in ["minor", "none"]').value, true);
    assert.equal(ev('drift.class in ["major"]').value, false);
    assert.equal(ev('drift.class not in ["major"]').value, true);
    assert.equal(ev('"age" in drift.columns').value, true);
    assert.equal(ev('"zip" in drift.columns').value, false);
    assert.equal(ev('kpi.missed_payments in [1, 130]').value, true);
    assert.equal(ev('drift.class in []').value, false);
  });

  it('an absent fact makes a comparison false and is named as unknown; a bare path is truthiness', () => {
    const r = ev('kpi.churn > 3');
    assert.equal(r.value, false);
    assert.match(r.explanation, /kpi\.churn is unknown/);
    assert.equal(ev('drift.class == "minor"', {}).value, false);
    assert.match(ev('drift.class == "minor"', {}).explanation, /drift\.class is unknown/);
    assert.equal(ev('flag').value, true);
    assert.equal(ev('missing').value, false);
    assert.equal(ev('drift.columns').value, true);
    assert.equal(ev('drift.columns', { drift: { columns: [] } }).value, false);
  });

  it('unknown facts are unknown through not, and, or (as SQL): not over an unknown fact is not true', () => {
    const none: Facts = {};
    const negated = ev('not drift.class == "major"', none);
    assert.equal(negated.value, false);
    assert.equal(negated.explanation, 'not drift.class == "major" → unknown, so false (drift.class is unknown)');
    assert.equal(ev('drift.class != "major"', none).value, false);
    assert.equal(ev('not missing', none).value, false);
    assert.equal(ev('drift.class not in ["major"]', none).value, false);
    assert.equal(ev('not (drift.class in ["major"])', none).value, false);
    // false and unknown = false; true or unknown = true; true and unknown = unknown; not (false and unknown) = true.
    assert.equal(ev('flag == false and kpi.churn > 3').value, false);
    assert.equal(ev('not (flag == false and kpi.churn > 3)').value, true);
    assert.equal(ev('flag or kpi.churn > 3').value, true);
    assert.match(ev('flag and kpi.churn > 3').explanation, /→ unknown, so false \(flag is true; kpi\.churn is unknown\)/);
    assert.equal(ev('not (flag and kpi.churn > 3)').value, false);
  });

  it('a type mismatch (string against number) is false, and says so', () => {
    const r = ev('drift.class > 3');
    assert.equal(r.value, false);
    assert.match(r.explanation, /compares a string with a number: false/);
    const eq = ev('kpi.missed_payments == "130"');
    assert.equal(eq.value, false);
    assert.match(eq.explanation, /compares a number with a string/);
  });

  it('errors carry the position of the offending text', () => {
    const e = errorOf('drift.class == ');
    assert.equal(e.message, "expected a value after '==', got the end at column 16");
    assert.equal(e.index, 15);
    const eq = errorOf('drift.class = "minor"');
    assert.match(eq.message, /'=' is not an operator; compare with '=='/);
    assert.equal(eq.index, 12);
    assert.equal(errorOf('drift.class == "minor').index, 15);
    assert.match(errorOf('a and (b or c').message, /expected '\)' to close the '\(' at column 7/);
    assert.match(errorOf('a b').message, /expected and, or or the end, got 'b' at column 3/);
    assert.match(errorOf('a in ["x", ').message, /expected a literal value in the list/);
    assert.match(errorOf('a && b').message, /write and, or, not/);
    assert.match(errorOf('').message, /empty/);
    assert.match(errorOf('('.repeat(60) + 'a' + ')'.repeat(60)).message, /nested deeper than 40/);
    assert.match(errorOf('a == and').message, /expected a value after '==', got 'and'/);
  });
});
