import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GoalsSchema, lineColumn, parseGoals, rawOffsetOf, unknownMetricProblems, type GoalsProblem } from '../../src/core/goals';
import { jsonSchemas } from '../../src/core/store/jsonSchema';
import { REPO } from './helpers';

const GOOD = {
  formatVersion: 1,
  metrics: [
    { name: 'recall', goal: 'max', threshold: 0.7, target: 0.9, description: 'share of churners caught' },
    { name: 'false_positive_rate', goal: 'min', threshold: 0.2 },
    { name: 'accuracy@fold=1', goal: 'max' },
  ],
  kpis: [
    { name: 'retained_revenue', description: 'EUR kept per 1,000 customers', unit: 'EUR/1k', formula: 'recall * 420 - false_positive_rate * 35', goal: 'max', threshold: 250, owner: 'Head of retention' },
  ],
  constraints: { maxPeakMemoryBytes: 2147483648, maxLatencyMsP95: 50, maxModelSizeBytes: 1e8, maxTrainingDurationMs: 600000, hardware: ['cpu-only'], python: '>=3.9,<3.14' },
  budget: { currency: 'EUR', rates: { cpuCoreHour: 0.05, gpuHour: 2.5, hardware: { 'cpu-only': 0.4 } }, limits: { total: 1000, perExperiment: 300, experiments: { 'churn-gbm': 500 } } },
  gate: { futureField: true },
};

/** The text each problem points at. */
function at(text: string, p: GoalsProblem): string {
  return text.slice(p.offset, p.offset + p.length);
}

function problems(text: string): GoalsProblem[] {
  return parseGoals(text).problems;
}

describe('goals.json reading', () => {
  it('reads a complete file with no problems, keeping fields a later version adds', () => {
    const doc = parseGoals(JSON.stringify(GOOD, null, 2));
    assert.deepEqual(doc.problems, []);
    const g = doc.goals!;
    assert.equal(g.metrics.length, 3);
    assert.equal(g.kpis[0].parsed?.references.length, 2);
    assert.equal(g.constraints.python, '>=3.9,<3.14');
    assert.equal(g.budget?.limits?.experiments?.['churn-gbm'], 500);
    assert.ok(GoalsSchema.safeParse(GOOD).success, 'the shipped schema accepts the example (unknown "gate" kept)');
  });

  it('a KPI without a goal direction is maximised', () => {
    const g = parseGoals('{"formatVersion":1,"kpis":[{"name":"k","formula":"1"}]}').goals!;
    assert.equal(g.kpis[0].goal, 'max');
  });

  it('a syntax error is one problem at its offset and gives no goals', () => {
    const text = '{\n  "formatVersion": 1,\n  "kpis": [ { "name": "k" "formula": "1" } ]\n}';
    const doc = parseGoals(text);
    assert.equal(doc.goals, undefined);
    assert.match(doc.problems[0].message, /not valid JSON: expected ','/);
    assert.deepEqual(lineColumn(text, doc.problems[0].offset), { line: 3, column: 27 });
    assert.match(problems('')[0].message, /not valid JSON/);
    assert.match(problems('{"formatVersion": 1,}')[0].message, /not valid JSON/, 'trailing commas are not JSON');
    assert.match(problems('// c\n{"formatVersion": 1}')[0].message, /comments are not allowed/);
    assert.match(problems('[1]')[0].message, /must hold an object/);
  });

  it('formatVersion: required, whole, and a newer one is refused whole', () => {
    assert.match(problems('{}')[0].message, /formatVersion is required/);
    assert.match(problems('{"formatVersion": "1"}')[0].message, /whole number/);
    const newer = parseGoals('{"formatVersion": 2, "kpis": []}');
    assert.equal(newer.goals, undefined);
    assert.match(newer.problems[0].message, /newer MLOps Workbench \(formatVersion 2\)/);
  });

  it('a bad entry is reported where it is and left out; the rest of the file still works', () => {
    const text = JSON.stringify({
      formatVersion: 1,
      metrics: [{ name: 'recall', goal: 'up' }, { name: 'precision', goal: 'max', threshold: 0.5 }],
      kpis: [{ name: 'a', formula: '1', threshold: 'high' }, { name: 'b', formula: 'precision * 2' }, { formula: '1' }, { name: '2fast', formula: '1' }],
    }, null, 2);
    const doc = parseGoals(text);
    assert.deepEqual(doc.goals!.metrics.map((m) => m.name), ['precision']);
    assert.deepEqual(doc.goals!.kpis.map((k) => k.name), ['b']);
    const byPath = new Map(doc.problems.map((p) => [p.path, p]));
    assert.match(byPath.get('metrics[0].goal')!.message, /goal must be "max"/);
    assert.equal(at(text, byPath.get('metrics[0].goal')!), '"up"');
    assert.equal(byPath.get('kpis[0].threshold')!.message, 'threshold must be a number');
    assert.equal(at(text, byPath.get('kpis[0].threshold')!), '"high"');
    assert.equal(byPath.get('kpis[2].name')!.message, 'name is required');
    assert.match(byPath.get('kpis[3].name')!.message, /starts with a letter/);
    assert.ok(doc.problems.every((p) => p.severity === 'error'));
  });

  it('a formula error points at the offending character inside the JSON string, escapes counted', () => {
    const text = '{"formatVersion": 1, "kpis": [{"name": "k", "formula": "\\"a b\\" * x@y"}]}';
    const [p] = problems(text);
    assert.match(p.message, /^formula: unexpected '@'/);
    assert.equal(at(text, p), '@');
    assert.equal(p.path, 'kpis[0].formula');
    const unicode = '{"formatVersion": 1, "kpis": [{"name": "k", "formula": "\\"\\u00e9t\\u00e9\\" + )"}]}';
    assert.equal(at(unicode, problems(unicode)[0]), ')');
    // A KPI whose formula does not parse is kept (so it shows as unknown, with the reason), not dropped.
    const doc = parseGoals(text);
    assert.equal(doc.goals!.kpis[0].parsed, undefined);
    assert.match(doc.goals!.kpis[0].formulaError!, /unexpected '@'/);
  });

  it('hostile formulas are errors with a place, not crashes', () => {
    const long = JSON.stringify({ formatVersion: 1, kpis: [{ name: 'k', formula: 'a+'.repeat(5000) + 'a' }] });
    const [p] = problems(long);
    assert.match(p.message, /at most 1000 are allowed/);
    assert.equal(p.offset, long.indexOf('a+a') + 1000);
    const nested = JSON.stringify({ formatVersion: 1, kpis: [{ name: 'k', formula: '('.repeat(10_000) + ')'.repeat(10_000) }] });
    assert.match(problems(nested)[0].message, /formula: /);
  });

  it('duplicate names: the first counts, the later one is reported', () => {
    const doc = parseGoals(JSON.stringify({ formatVersion: 1, metrics: [{ name: 'r', goal: 'max' }, { name: 'r', goal: 'min' }], kpis: [{ name: 'k', formula: '1' }, { name: 'k', formula: '2' }] }));
    assert.equal(doc.goals!.metrics[0].goal, 'max');
    assert.equal(doc.goals!.kpis[0].formula, '1');
    assert.deepEqual(doc.problems.map((p) => [p.severity, p.path]), [['warning', 'metrics[1].name'], ['error', 'kpis[1].name']]);
  });

  it('__proto__ and constructor: plain metric names; as budget keys __proto__ is refused (JSON readers drop it), constructor works', () => {
    const text = '{"formatVersion":1,"metrics":[{"name":"__proto__","goal":"max","threshold":1},{"name":"constructor","goal":"min"}],' +
      '"budget":{"currency":"EUR","rates":{"hardware":{"__proto__":1,"constructor":2}},"limits":{"experiments":{"__proto__":5}}}}';
    const doc = parseGoals(text);
    assert.deepEqual(doc.goals!.metrics.map((m) => m.name), ['__proto__', 'constructor']);
    assert.equal(doc.goals!.budget!.rates!.hardware!.constructor, 2);
    assert.equal(Object.getPrototypeOf(doc.goals!.budget!.rates!.hardware), Object.prototype);
    const protoProblems = doc.problems.filter((p) => /__proto__/.test(p.message));
    assert.equal(protoProblems.length, 2);
    assert.ok(protoProblems.every((p) => at(text, p) === '"__proto__"'));
  });

  it('checks constraints and budget values: numbers, non-negative, PEP 440 ranges', () => {
    const doc = parseGoals(JSON.stringify({ formatVersion: 1, constraints: { maxPeakMemoryBytes: -1, python: 'three', hardware: 'cpu' }, budget: { currency: 'EUR', rates: { gpuHour: '2' } } }));
    const messages = doc.problems.map((p) => `${p.path}: ${p.message}`);
    assert.ok(messages.some((m) => /maxPeakMemoryBytes cannot be negative/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => /hardware must be a list/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => /gpuHour must be a number/.test(m)), messages.join('\n'));
    const python = parseGoals(JSON.stringify({ formatVersion: 1, constraints: { python: 'three', maxLatencyMsP95: 20 } }));
    assert.match(python.problems[0].message, /'three' is not a PEP 440 version range/);
    assert.equal(python.goals!.constraints.maxLatencyMsP95, 20, 'the valid constraints stay');
    assert.equal(python.goals!.constraints.python, undefined);
    assert.equal(parseGoals(JSON.stringify({ formatVersion: 1, budget: { currency: 'EUR' } })).problems[0].severity, 'warning', 'a budget without rates is a warning');
  });

  it('warns (not errors) about formula metrics and metric goals nothing has logged, at their place', () => {
    const text = JSON.stringify(GOOD, null, 2);
    const doc = parseGoals(text);
    const warnings = unknownMetricProblems(text, doc.goals!, new Set(['recall', 'accuracy@fold=1']));
    assert.ok(warnings.every((w) => w.severity === 'warning'));
    assert.deepEqual(warnings.map((w) => at(text, w)), ['false_positive_rate', '"false_positive_rate"']);
    assert.match(warnings[0].message, /no run has logged a metric 'false_positive_rate' yet/);
    assert.deepEqual(unknownMetricProblems(text, doc.goals!, new Set()), [], 'an empty store warns about nothing');
  });

  it('a duplicate KPI\'s formula is not the one warned about', () => {
    const text = JSON.stringify({ formatVersion: 1, kpis: [{ name: 'a', formula: 'foo_metric + 1' }, { name: 'a', formula: 'x' }] });
    const warnings = unknownMetricProblems(text, parseGoals(text).goals!, new Set(['recall']));
    assert.deepEqual(warnings.map((w) => [w.path, at(text, w)]), [['kpis[0].formula', 'foo_metric']]);
  });

  it('rawOffsetOf maps decoded string positions to raw ones', () => {
    assert.equal(rawOffsetOf('"abc"', 0), 1);
    assert.equal(rawOffsetOf('"a\\"c"', 2), 4);
    assert.equal(rawOffsetOf('"\\u00e9x"', 1), 7);
  });

  it('the shipped JSON Schema is the one generated from the zod schema', () => {
    const shipped = JSON.parse(fs.readFileSync(path.join(REPO, 'schemas', 'goals.schema.json'), 'utf8')) as unknown;
    assert.deepEqual(shipped, jsonSchemas().goals);
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { contributes: { jsonValidation: { fileMatch: string; url: string }[] } };
    assert.ok(pkg.contributes.jsonValidation.some((j) => j.fileMatch === '.mlops/goals.json' && j.url === './schemas/goals.schema.json'));
  });
  it('monitoring: each setting is read on its own (a bad window keeps the label), each alert rule knows its place', () => {
    const text = JSON.stringify({ formatVersion: 1, monitoring: { window: '1hour', label: 'churned', maxDataAge: '2w', logInputs: 'hash',
      alerts: [{ name: 'drift', quantity: 'inputDriftShare', comparator: 'gte', threshold: 0.5, windows: 2, severity: 'alert' }, { quantity: 'nope', comparator: 'gt', threshold: 1 }] } }, null, 2);
    const doc = parseGoals(text);
    const m = doc.goals!.monitoring;
    assert.equal(m.window, '1h', 'the bad window falls back to the default');
    assert.equal(m.label, 'churned', 'and the label is still read');
    assert.equal(m.maxDataAgeHours, 14 * 24);
    assert.equal(m.logInputs, 'hash');
    assert.deepEqual(doc.problems.map((p) => p.path), ['monitoring.window', 'monitoring.alerts[1].quantity']);
    assert.equal(m.alerts.length, 1);
    const rule = m.alerts[0];
    assert.deepEqual([rule.index, rule.windows, rule.severity], [0, 2, 'alert']);
    assert.match(text.slice(rule.offset, rule.offset + rule.length), /^\{\s+"name": "drift"[\s\S]*"alert"\s+\}$/);
  });
});
