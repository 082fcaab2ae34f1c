import * as assert from 'node:assert/strict';
import { evaluateAlerts, type AlertRule, type MonitorQuantity, type WindowSummary } from '../../src/core/monitor';

function win(start: string, values: Partial<Record<MonitorQuantity, number>>, extra: Partial<WindowSummary> = {}): WindowSummary {
  return {
    kind: 'window', start, end: start, closed: true, versions: [1], requests: values.requests ?? 10, rows: 10, errors: 0, errorRate: 0,
    latencyMs: null, inputDrift: null, predictionDrift: null, performance: null, dataAgeHours: null, values: { requests: 10, ...values }, ...extra,
  };
}
const rule = (r: Partial<AlertRule> & Pick<AlertRule, 'quantity' | 'comparator' | 'threshold'>): AlertRule => ({ index: 0, windows: 1, severity: 'warning', offset: 0, length: 0, ...r });
const t = (h: number): string => `2026-11-30T${String(h).padStart(2, '0')}:00:00.000Z`;

describe('monitor alert rules', () => {
  it('fires when the latest N windows in a row meet the condition, and says since when', () => {
    const ws = [win(t(8), { errorRate: 0.2 }), win(t(9), { errorRate: 0.01 }), win(t(10), { errorRate: 0.12 }), win(t(11), { errorRate: 0.3 }), win(t(12), { errorRate: 0.06 })];
    const [s] = evaluateAlerts(ws, [rule({ quantity: 'errorRate', comparator: 'gt', threshold: 0.05, windows: 3 })], 'churn');
    assert.equal(s.firing, true);
    assert.equal(s.streak, 3);
    assert.equal(s.value, 0.06);
    assert.equal(s.model, 'churn');
    assert.equal(s.message, 'errorRate 0.06 > 0.05 for 3 windows in a row (since 2026-11-30T10:00Z)');
    const [notYet] = evaluateAlerts(ws, [rule({ quantity: 'errorRate', comparator: 'gt', threshold: 0.05, windows: 4 })], 'churn');
    assert.equal(notYet.firing, false);
    assert.equal(notYet.streak, 3);
    assert.match(notYet.message, /for 3 windows in a row; fires at 4/);
    const [broken] = evaluateAlerts(ws, [rule({ quantity: 'errorRate', comparator: 'gt', threshold: 0.1, windows: 1 })], 'churn');
    assert.equal(broken.firing, false, 'the latest window (0.06) breaks the streak');
    assert.equal(broken.streak, 0);
  });

  it('each comparator means what it says at the threshold', () => {
    const ws = [win(t(8), { latencyMsP95: 100 })];
    const fires = (comparator: AlertRule['comparator'], threshold: number) => evaluateAlerts(ws, [rule({ quantity: 'latencyMsP95', comparator, threshold })], 'm')[0].firing;
    assert.deepEqual([fires('lt', 100), fires('lte', 100), fires('gt', 100), fires('gte', 100), fires('eq', 100)], [false, true, false, true, true]);
    assert.deepEqual([fires('lt', 101), fires('gt', 99), fires('eq', 99)], [true, true, false]);
  });

  it('an unknown quantity says why and never fires', () => {
    const ws = [win(t(8), {}, { inputDriftNote: 'inputs are not logged (logInputs: hash)' })];
    const [drift, acc] = evaluateAlerts(ws, [
      rule({ quantity: 'inputDriftShare', comparator: 'gte', threshold: 0 }), rule({ index: 1, quantity: 'accuracy', comparator: 'lt', threshold: 2, name: 'acc' }),
    ], 'm');
    assert.equal(drift.firing, false);
    assert.equal(drift.value, undefined);
    assert.equal(drift.message, 'inputDriftShare unknown: inputs are not logged (logInputs: hash)');
    assert.equal(acc.firing, false);
    assert.equal(acc.message, 'acc: accuracy unknown: no labels yet');
    assert.match(evaluateAlerts([], [rule({ quantity: 'requests', comparator: 'lt', threshold: 1 })], 'm')[0].message, /no windows yet/);
  });

  it('performance rules judge the labelled windows: a window still without labels neither breaks nor extends a streak', () => {
    const ws = [win(t(8), { accuracy: 0.7 }), win(t(9), { accuracy: 0.6 }), win(t(10), {})];
    const [s] = evaluateAlerts(ws, [rule({ quantity: 'accuracy', comparator: 'lt', threshold: 0.8, windows: 2, severity: 'alert' })], 'm');
    assert.equal(s.firing, true);
    assert.equal(s.value, 0.6);
    assert.equal(s.windowStart, t(9));
  });

  it('the open window is never judged: partial counts would fire volume and rate rules at the start of every window', () => {
    const closedOk = win(t(8), { requests: 100, errorRate: 0 });
    const openPartial = win(t(9), { requests: 3, errorRate: 1 }, { closed: false, requests: 3 });
    const [volume, errors] = evaluateAlerts([closedOk, openPartial], [
      rule({ quantity: 'requests', comparator: 'lt', threshold: 80 }), rule({ index: 1, quantity: 'errorRate', comparator: 'gt', threshold: 0.1 }),
    ], 'm');
    assert.equal(volume.firing, false, volume.message);
    assert.equal(volume.value, 100);
    assert.equal(errors.firing, false, errors.message);
    assert.equal(errors.windowStart, t(8));
    // Once the window closes with the same numbers, it is judged.
    const closedBad = win(t(9), { requests: 3, errorRate: 1 }, { requests: 3 });
    const [v2, e2] = evaluateAlerts([closedOk, closedBad], [
      rule({ quantity: 'requests', comparator: 'lt', threshold: 80 }), rule({ index: 1, quantity: 'errorRate', comparator: 'gt', threshold: 0.1 }),
    ], 'm');
    assert.deepEqual([v2.firing, e2.firing], [true, true]);
  });
});
