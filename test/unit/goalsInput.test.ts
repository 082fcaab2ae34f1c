import * as assert from 'node:assert/strict';
import type { MetricSummary } from '../../src/core';
import {
  describeGoal, formulaCheck, kpiNameCheck, loggedMetrics, metricNameProblem, numberProblem, optionalTextProblem,
  parseOptionalNumber, suggestedDirection,
} from '../../src/vscode/goals/goalsInput';

const sum = (name: string, last: number): MetricSummary => ({ name, count: 1, last, lastStep: 0, lastTimestamp: 0, min: last, max: last });
const sums = (o: Record<string, number>) => new Map(Object.entries(o).map(([n, v]) => [n, sum(n, v)]));

describe('Define Goals input checks', () => {
  it('suggests min for losses, errors, latencies and false-positive rates, max for the rest', () => {
    for (const n of ['loss', 'val_loss', 'train/loss', 'error_rate', 'rmse', 'mae', 'fpr', 'latency_ms_p95', 'false_positive_rate', 'RMSE@fold=1']) {
      assert.equal(suggestedDirection(n), 'min', n);
    }
    for (const n of ['accuracy', 'recall', 'f1_macro', 'auc', 'accuracy@fold=1', 'glossary_coverage', 'precision']) {
      assert.equal(suggestedDirection(n), 'max', n);
    }
  });

  it('a threshold is empty or a finite number', () => {
    for (const ok of ['', '  ', '0.8', '-3', '+2', '1e3', '.5', '12.', '1E-4']) { assert.equal(numberProblem(ok), undefined, ok); }
    for (const bad of ['abc', '0.8x', '1,5', 'NaN', 'Infinity', '1e999', '0x10', '--1', '1 2']) { assert.match(numberProblem(bad) ?? '', /must be a number/, bad); }
    assert.equal(parseOptionalNumber(' 0.25 '), 0.25);
    assert.equal(parseOptionalNumber(''), undefined);
  });

  it('a formula error names the character it is at and what is wrong there', () => {
    const c = formulaCheck('recall * 420 @ fpr', new Set(['recall', 'fpr']));
    assert.deepEqual(c, { severity: 'error', message: c?.message });
    assert.match(c?.message ?? '', /^character 14: unexpected '@'/);
    assert.match(formulaCheck('(recall + 1', new Set(['recall']))?.message ?? '', /^character 1: '\(' is never closed/);
    assert.match(formulaCheck('', new Set())?.message ?? '', /empty/);
  });

  it('hostile formulas are an error, not a hang or a stack overflow', () => {
    const long = formulaCheck(`${'recall + '.repeat(1111)}1`, new Set(['recall']));
    assert.equal(long?.severity, 'error');
    assert.match(long?.message ?? '', /at most 1000/);
    const deep = formulaCheck(`${'('.repeat(10_000)}1${')'.repeat(10_000)}`, new Set());
    assert.equal(deep?.severity, 'error');
    assert.match(deep?.message ?? '', /the formula is 20001 characters long|nested deeper/);
    const deepShort = formulaCheck(`${'('.repeat(400)}1${')'.repeat(400)}`, new Set());
    assert.match(deepShort?.message ?? '', /^character 41: nested deeper than 40 levels/);
  });

  it('metrics nothing has logged are a warning that does not block; known ones pass', () => {
    assert.equal(formulaCheck('recall * 420 - false_positive_rate * 35', new Set(['recall', 'false_positive_rate'])), undefined);
    const w = formulaCheck('recall * 420 - "fpr@fold=1" * 35', new Set(['recall']));
    assert.equal(w?.severity, 'warning');
    assert.match(w?.message ?? '', /'fpr@fold=1'/);
    const many = formulaCheck('a + b + c + d + e', new Set(['x']));
    assert.match(many?.message ?? '', /'a', 'b', 'c' and 2 more/);
  });

  it('a KPI name is an identifier; an existing one is a warning (going on replaces it)', () => {
    assert.equal(kpiNameCheck('retained_revenue', []), undefined);
    assert.deepEqual(kpiNameCheck('retained_revenue', ['retained_revenue']), { severity: 'warning', message: "a KPI named 'retained_revenue' exists already; going on replaces it" });
    assert.match(kpiNameCheck('retained revenue', [])?.message ?? '', /character 9: ' '/);
    assert.match(kpiNameCheck('1st', [])?.message ?? '', /character 1: '1'/);
    assert.equal(kpiNameCheck('', [])?.severity, 'error');
    assert.equal(kpiNameCheck('x'.repeat(101), [])?.severity, 'error');
    // Plain names: no prototype lookups make these "exist".
    assert.equal(kpiNameCheck('constructor', []), undefined);
    assert.equal(kpiNameCheck('__proto__', [])?.severity, 'error');
  });

  it('a typed metric name is one line of at most 200 characters; slices are names', () => {
    assert.equal(metricNameProblem('accuracy@fold=1'), undefined);
    assert.match(metricNameProblem('  ') ?? '', /enter the name/);
    assert.match(metricNameProblem('a\nb') ?? '', /line breaks/);
    assert.match(metricNameProblem('m'.repeat(201)) ?? '', /200/);
    assert.match(optionalTextProblem('u'.repeat(41), 'a unit', 40) ?? '', /at most 40/);
    assert.equal(optionalTextProblem('EUR', 'a unit', 40), undefined);
  });

  it('lists logged metrics sorted, with run count, newest value and best by the suggested direction', () => {
    const list = loggedMetrics([sums({ loss: 0.3, recall: 0.6 }), undefined, sums({ loss: 0.2, recall: 0.8, accuracy: 0.9 })]);
    assert.deepEqual(list, [
      { name: 'accuracy', runs: 1, latest: 0.9, best: 0.9 },
      { name: 'loss', runs: 2, latest: 0.3, best: 0.2 },
      { name: 'recall', runs: 2, latest: 0.6, best: 0.8 },
    ]);
    assert.equal(describeGoal({ goal: 'max', threshold: 0.7 }), 'max ≥ 0.7');
    assert.equal(describeGoal({ goal: 'min' }), 'min');
  });
});
