import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store } from '../../src/core';
import { parseGoals } from '../../src/core/goals';
import { emptyChangeSet, classifyChange, StoreState } from '../../src/core/views/storeState';
import { tmpDir } from './helpers';

async function store(): Promise<Store> {
  const root = tmpDir('mlops-goals-');
  return (await Store.init(root)).store;
}

const HAND_WRITTEN = `{
    "formatVersion": 1,
    "kpis": [
        {"name": "first", "formula": "a + b",   "owner": "Ana"}
    ],
    "gate": {"required": ["goals"]}
}
`;

describe('goals.json editing', () => {
  it('starts a file when there is none, and never overwrites one that exists', async () => {
    const s = await store();
    const r0 = await s.goals.read();
    assert.equal(r0.exists, false);
    assert.deepEqual(r0.doc.problems, []);
    const r1 = await s.goals.ensure();
    assert.equal(r1.exists, true);
    assert.equal(fs.readFileSync(s.goalsFile(), 'utf8'), '{\n  "formatVersion": 1\n}\n');
    fs.writeFileSync(s.goalsFile(), HAND_WRITTEN);
    await s.goals.ensure();
    assert.equal(fs.readFileSync(s.goalsFile(), 'utf8'), HAND_WRITTEN);
  });

  it('adds a KPI and a metric goal changing only those entries: the rest of the text is kept byte for byte', async () => {
    const s = await store();
    fs.writeFileSync(s.goalsFile(), HAND_WRITTEN);
    await s.goals.setKpi({ name: 'second', formula: 'recall * 2', goal: 'max', threshold: 1, unit: undefined });
    await s.goals.setMetricGoal({ name: 'accuracy@fold=1', goal: 'max', threshold: 0.8 });
    const text = fs.readFileSync(s.goalsFile(), 'utf8');
    assert.ok(text.includes('{"name": "first", "formula": "a + b",   "owner": "Ana"}'), text);
    assert.ok(text.includes('"gate": {"required": ["goals"]}'), text);
    assert.ok(!text.includes('unit'), 'undefined fields are not written');
    assert.ok(text.includes('        {\n            "name": "second",\n            "formula": "recall * 2",'), `the new entry is indented like the file (4 spaces): ${text}`);
    const doc = parseGoals(text);
    assert.deepEqual(doc.problems, []);
    assert.deepEqual(doc.goals!.kpis.map((k) => k.name), ['first', 'second']);
    assert.deepEqual(doc.goals!.metrics.map((m) => [m.name, m.threshold]), [['accuracy@fold=1', 0.8]]);
  });

  it('replaces the entry of the same name in place', async () => {
    const s = await store();
    fs.writeFileSync(s.goalsFile(), HAND_WRITTEN);
    await s.goals.setKpi({ name: 'first', formula: 'a * 3', goal: 'min' });
    const doc = parseGoals(fs.readFileSync(s.goalsFile(), 'utf8'));
    assert.equal(doc.goals!.kpis.length, 1);
    assert.deepEqual([doc.goals!.kpis[0].formula, doc.goals!.kpis[0].goal, doc.goals!.kpis[0].owner], ['a * 3', 'min', undefined]);
  });

  it('refuses to edit a file that is not valid JSON, saying where, and leaves it untouched', async () => {
    const s = await store();
    const broken = '{\n  "formatVersion": 1,\n  "kpis": [ { "name": "k" "formula": "1" } ]\n}\n';
    fs.writeFileSync(s.goalsFile(), broken);
    await assert.rejects(s.goals.setKpi({ name: 'x', formula: '1', goal: 'max' }), /\.mlops\/goals\.json:3:27: not valid JSON: expected ','; fix it first \(the file was not changed\)/);
    assert.equal(fs.readFileSync(s.goalsFile(), 'utf8'), broken);
    fs.writeFileSync(s.goalsFile(), '{"formatVersion": 1, "kpis": {"k": 1}}');
    await assert.rejects(s.goals.setKpi({ name: 'x', formula: '1', goal: 'max' }), /'kpis' in goals\.json is not a list/);
    fs.writeFileSync(s.goalsFile(), '{"formatVersion": 9}');
    await assert.rejects(s.goals.setMetricGoal({ name: 'x', goal: 'max' }), /newer MLOps Workbench/);
    assert.equal(fs.readFileSync(s.goalsFile(), 'utf8'), '{"formatVersion": 9}');
  });

  it('never writes through a goals.json that links out of the store', async () => {
    const s = await store();
    const outside = path.join(tmpDir('mlops-outside-'), 'goals.json');
    fs.writeFileSync(outside, '{"formatVersion": 1}');
    fs.symlinkSync(outside, s.goalsFile());
    await assert.rejects(s.goals.read(), /outside the store/);
    await assert.rejects(s.goals.setKpi({ name: 'x', formula: '1', goal: 'max' }), /symbolic link|outside/);
    assert.equal(fs.readFileSync(outside, 'utf8'), '{"formatVersion": 1}');
  });

  it('concurrent edits from two writers both land (they take the file lock)', async () => {
    const s = await store();
    const other = await Store.open(s.root);
    await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => s.goals.setKpi({ name: `k${i}`, formula: String(i), goal: 'max' })),
      ...Array.from({ length: 6 }, (_, i) => other.goals.setMetricGoal({ name: `m${i}`, goal: 'min' })),
    ]);
    const doc = parseGoals(fs.readFileSync(s.goalsFile(), 'utf8'));
    assert.equal(doc.goals!.kpis.length, 6);
    assert.equal(doc.goals!.metrics.length, 6);
  });
});

describe('goals in the in-memory store state', () => {
  it('classifies goals.json changes, reloads the goals and re-evaluates runs', async () => {
    const s = await store();
    assert.equal(classifyChange('goals.json').goals, true);
    assert.equal(classifyChange('runs/goals.json').goals, false);
    const runId = (await s.createRun({ experiment: 'e', name: 'r' })).id;
    await s.logMetrics(runId, [{ name: 'recall', value: 0.9, step: 0 }]);
    const state = new StoreState(s);
    await state.load();
    await state.metrics.get(runId);
    assert.equal(state.goals, undefined);
    assert.equal(state.goalsOf(runId), undefined);
    fs.writeFileSync(s.goalsFile(), JSON.stringify({ formatVersion: 1, metrics: [{ name: 'recall', goal: 'max', threshold: 0.95 }] }));
    const change = emptyChangeSet();
    change.goals = true;
    await state.apply(change);
    const first = state.goalsOf(runId)!;
    assert.equal(first.state, 'unmet');
    assert.equal(state.goalsOf(runId), first, 'cached while nothing changed');
    const goalsBefore = state.goals;
    await state.apply(change);
    assert.equal(state.goals, goalsBefore, 'a save with the same text keeps the goals');
    assert.equal(state.goalsOf(runId), first, 'and what was evaluated');
    fs.writeFileSync(s.goalsFile(), '{"formatVersion": 1, oops');
    await state.apply(change);
    assert.equal(state.goals, undefined, 'a broken file gives no goals');
    assert.match(state.goalsFile!.doc.problems[0].message, /not valid JSON/);
    fs.writeFileSync(s.goalsFile(), JSON.stringify({ formatVersion: 1, metrics: [{ name: 'recall', goal: 'max', threshold: 0.5 }] }));
    await state.apply(change);
    assert.equal(state.goalsOf(runId)!.state, 'met');
    assert.deepEqual([...state.loggedMetricNames()], ['recall']);
  });
});
