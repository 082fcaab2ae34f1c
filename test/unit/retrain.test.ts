import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseGoals, type Goals } from '../../src/core/goals';
import {
  appendRetrainLog, computeFacts, decide, episodeHandledBy, evaluateTriggers, logLineOf, readRetrainLog, retrainLogFile,
  type RetrainTrigger, type TriggerEvaluation,
} from '../../src/core/retrain';
import { feedback, writeLog } from './monitorFixture';
import { logWindows, retrainFixture, writePipeline, type RetrainFixture } from './retrainFixture';
import type { Run } from '../../src/core';

async function goalsOf(f: RetrainFixture): Promise<Goals> {
  const g = await f.store.goals.read();
  assert.deepEqual(g.doc.problems.filter((p) => p.severity === 'error'), []);
  return g.doc.goals!;
}

const DRIFT_AUTO = { pipeline: 'retrain', triggers: [{ kind: 'drift', name: 'input drift', description: 'agreed with retention', class: 'minor', automation: 'auto' }] };

describe('retraining: facts, triggers and the safety rule', function () {
  this.timeout(60_000);

  it('minor drift: the drift trigger fires and auto stays auto', async () => {
    const f = await retrainFixture({ goals: { retraining: DRIFT_AUTO } });
    logWindows(f.dir, ['none', 'minor']);
    const [e] = await evaluateTriggers(f.store, await goalsOf(f));
    assert.equal(e.model, 'churn');
    assert.equal(e.fired, true, e.summary);
    assert.match(e.summary, /^input drift minor \(1 of 4 columns: age\) for 1 window in a row$/);
    const drift = e.facts.drift as Record<string, unknown>;
    assert.equal(drift.class, 'minor');
    assert.deepEqual(drift.columns, ['age']);
    assert.deepEqual(e.facts.trigger, { name: 'input drift', kind: 'drift', level: 'auto' });
    assert.equal(e.facts.performanceDropped, false);
    assert.deepEqual(e.facts.model, { name: 'churn', version: 1, stage: 'production' });
    assert.ok(e.since, 'an episode start');
    const d = decide(e);
    assert.deepEqual([d.requested, d.applied, d.withheld, d.pipeline], ['auto', 'auto', undefined, 'retrain']);
  });

  it('major drift: auto is withheld and applied as ask, naming the major columns', async () => {
    const f = await retrainFixture({ goals: { retraining: DRIFT_AUTO } });
    logWindows(f.dir, ['none', 'major']);
    const [e] = await evaluateTriggers(f.store, await goalsOf(f));
    assert.equal(e.fired, true);
    assert.equal((e.facts.drift as Record<string, unknown>).class, 'major');
    const d = decide(e);
    assert.equal(d.applied, 'ask');
    assert.match(d.withheld ?? '', /^automation withheld: major drift in (age, income|income, age)/);
    assert.doesNotMatch(d.withheld ?? '', /tenure/);
  });

  it('a streak none, major, minor: the facts carry the worst class of the streak and auto is withheld', async () => {
    const f = await retrainFixture({ goals: { retraining: { pipeline: 'retrain', triggers: [{ kind: 'drift', name: 'drift', class: 'minor', windows: 2, automation: 'auto' }] } } });
    logWindows(f.dir, ['none', 'major', 'minor']);
    const [e] = await evaluateTriggers(f.store, await goalsOf(f));
    assert.equal(e.fired, true, e.summary);
    const drift = e.facts.drift as Record<string, unknown>;
    assert.deepEqual([drift.class, drift.worstClass], ['minor', 'major']);
    assert.ok((drift.worstColumns as string[]).includes('income'));
    const d = decide(e);
    assert.equal(d.applied, 'ask');
    assert.match(d.withheld ?? '', /^automation withheld: major drift in .*income.* in a window of the streak$/);
  });

  it('a request-count trigger firing is not a performance drop: a schedule auto is not withheld for it', async () => {
    const f = await retrainFixture({ goals: { retraining: { pipeline: 'retrain', triggers: [
      { kind: 'metric', name: 'busy', metric: 'requests', comparator: 'gte', threshold: 1, automation: 'notify' },
      { kind: 'drift', name: 'drift', class: 'minor', automation: 'auto' },
    ] } } });
    logWindows(f.dir, ['none', 'minor']);
    const [busy, drift] = await evaluateTriggers(f.store, await goalsOf(f));
    assert.equal(busy.fired, true, busy.summary);
    assert.equal(drift.facts.performanceDropped, false);
    assert.equal(decide(drift).applied, 'auto');
  });

  it('no drift: the trigger is quiet and says what it waits for', async () => {
    const f = await retrainFixture({ goals: { retraining: DRIFT_AUTO } });
    logWindows(f.dir, ['none', 'none']);
    const [e] = await evaluateTriggers(f.store, await goalsOf(f));
    assert.equal(e.fired, false);
    assert.match(e.summary, /^input drift none \(0 of 4 columns\) \(fires when class ≥ minor\)$/);
    assert.equal(decide(e).applied, 'auto', 'a quiet trigger keeps its level (nothing runs)');
  });

  it('performance dropped without input drift: auto is withheld because the cause is unclear', async () => {
    const f = await retrainFixture({ goals: { retraining: { pipeline: 'retrain', triggers: [
      { kind: 'metric', name: 'accuracy floor', metric: 'accuracy', comparator: 'lt', threshold: 0.8, windows: 2, automation: 'auto' },
      { kind: 'drift', name: 'drift', class: 'minor', automation: 'auto' },
    ] } } });
    // Every prediction is 1, every label 0: accuracy 0 in both windows.
    const lines = logWindows(f.dir, ['none', 'none', 'none'], { outputs: () => Array.from({ length: 100 }, () => 1) });
    writeLog(f.dir, lines.slice(1).map((p) => feedback(p, p.outputs!.map(() => 0))));
    const [metric, drift] = await evaluateTriggers(f.store, await goalsOf(f));
    assert.equal(metric.fired, true, metric.summary);
    assert.match(metric.summary, /^accuracy < 0\.8 for 2 windows in a row \(0, 0\)$/);
    assert.equal(metric.since, lines[1].time.replace(/Z$/, 'Z'));
    assert.equal(metric.facts.performanceDropped, true);
    assert.equal((metric.facts.metric as Record<string, number>).accuracy, 0);
    const d = decide(metric);
    assert.equal(d.applied, 'ask');
    assert.equal(d.withheld, 'automation withheld: performance dropped without input drift — the cause is unclear; look before retraining');
    assert.equal(drift.fired, false);
    assert.equal(drift.facts.performanceDropped, true, 'every trigger of the model sees that performance dropped');
  });

  it('performance dropped with minor drift: auto runs (the cause is known)', async () => {
    const f = await retrainFixture({ goals: { retraining: { pipeline: 'retrain', triggers: [
      { kind: 'metric', name: 'accuracy floor', metric: 'accuracy', comparator: 'lt', threshold: 0.8, automation: 'auto' },
    ] } } });
    const lines = logWindows(f.dir, ['none', 'minor'], { outputs: () => Array.from({ length: 100 }, () => 1) });
    writeLog(f.dir, [feedback(lines[1], lines[1].outputs!.map(() => 0))]);
    const [e] = await evaluateTriggers(f.store, await goalsOf(f));
    assert.equal(e.fired, true);
    assert.deepEqual([decide(e).applied, decide(e).withheld], ['auto', undefined]);
  });

  it('a KPI trigger computes the KPI per window from the monitored quantities', async () => {
    const f = await retrainFixture({ goals: {
      kpis: [{ name: 'missed_churners', formula: '(1 - recall) * 1000', goal: 'min' }],
      retraining: { triggers: [{ kind: 'kpi', name: 'missed', kpi: 'missed_churners', comparator: 'gt', threshold: 120, automation: 'notify' }] },
    } });
    const lines = logWindows(f.dir, ['none'], { outputs: () => Array.from({ length: 100 }, (_, k) => (k % 2)) });
    writeLog(f.dir, [feedback(lines[0], lines[0].outputs!.map(() => 1))]);
    const [e] = await evaluateTriggers(f.store, await goalsOf(f));
    assert.equal(e.fired, true, e.summary);
    assert.match(e.summary, /^kpi missed_churners > 120 for 1 window in a row \(500\)$/);
    assert.equal((e.facts.kpi as Record<string, number>).missed_churners, 500);
    assert.deepEqual([decide(e).applied, decide(e).pipeline], ['notify', undefined]);
  });

  it('a drift share over N windows in a row: the streak starts the episode; a report at hand is used as given', async () => {
    const f = await retrainFixture({ goals: { retraining: { triggers: [{ kind: 'drift', name: 'share', share: 0.25, windows: 2 }] } } });
    const lines = logWindows(f.dir, ['minor', 'none', 'minor', 'minor']);
    const goals = await goalsOf(f);
    const [e] = await evaluateTriggers(f.store, goals);
    assert.equal(e.fired, true, e.summary);
    assert.equal(e.summary, 'input drift minor (1 of 4 columns: age) for 2 windows in a row');
    assert.equal(e.since, lines[2].time, 'the first window of the run of two');
    // The editor passes the report it already has (here: only the first two windows): that is what is judged.
    const { monitorReport } = await import('../../src/core/monitor');
    const full = await monitorReport(f.store, 'churn');
    const partial = { ...full, windows: full.windows.slice(0, 2) };
    const [fromReport] = await evaluateTriggers(f.store, goals, { reports: new Map([['churn', partial]]) });
    assert.equal(fromReport.fired, false);
    assert.equal(fromReport.summary, 'input drift none (0 of 4 columns) (fires when share ≥ 0.25 for 2 windows in a row)');
  });

  it('an unknown metric never fires, and says why', async () => {
    const f = await retrainFixture({ goals: { retraining: { triggers: [
      { kind: 'metric', name: 'acc', metric: 'accuracy', comparator: 'lt', threshold: 0.8 },
    ] } } });
    logWindows(f.dir, ['none']);
    const [e] = await evaluateTriggers(f.store, await goalsOf(f));
    assert.equal(e.fired, false);
    assert.equal(e.summary, 'accuracy unknown: no labels yet (mlops monitor label FILE)');
    assert.equal((e.facts.metric as Record<string, unknown>).accuracy, undefined, 'absent, not 0');
  });

  it('dataAge, newData and schedule read the store; a retrain started since makes new data old news', async () => {
    const f = await retrainFixture({ goals: { retraining: { triggers: [
      { kind: 'dataAge', name: 'stale', maxAge: '30d' },
      { kind: 'newData', name: 'fresh data', dataset: 'churn-data' },
      { kind: 'schedule', name: 'weekly', every: 'every 7d' },
    ] } } });
    const goals = await goalsOf(f);
    const day = 86_400_000;
    let [age, fresh, weekly] = await evaluateTriggers(f.store, goals, { model: 'churn' });
    assert.deepEqual([age.fired, fresh.fired, weekly.fired], [false, false, false], [age.summary, fresh.summary, weekly.summary].join('\n'));
    assert.match(fresh.summary, /^no new version of churn-data since the one churn v1 was trained on$/);
    // 40 days on: the data is stale and the model was registered more than a week ago.
    [age, fresh, weekly] = await evaluateTriggers(f.store, goals, { model: 'churn', now: Date.now() + 40 * day });
    assert.equal(age.fired, true);
    assert.equal(fresh.fired, false, 'time alone brings no new data');
    assert.match(age.summary, /^training data 40 d old > 30 d \(newest: churn-data@/);
    assert.equal(weekly.fired, true);
    assert.match(weekly.summary, /^never retrained; v1 registered 40 d ago \(every 7 d\)$/);
    assert.ok(Math.abs((age.facts.data as Record<string, number>).ageHours - 960) < 1);
    // A new version of the data.
    fs.writeFileSync(path.join(f.ws, 'data', 'churn.csv'), fs.readFileSync(path.join(f.ws, 'data', 'churn.csv'), 'utf8') + '33,50000,2,pro,0\n');
    await f.store.tagData({ path: path.join(f.ws, 'data', 'churn.csv'), dataset: 'churn-data' });
    [, fresh] = await evaluateTriggers(f.store, goals, { model: 'churn', now: Date.now() + 1000 });
    assert.equal(fresh.fired, true);
    assert.match(fresh.summary, /^1 new version of churn-data since the one churn v1 was trained on \(newest /);
    assert.equal((fresh.facts.data as Record<string, number>).newVersions, 1);
    // A pipeline run for the model started after it: retrained on it, not news any more; the schedule counts from it.
    fs.mkdirSync(path.join(f.store.dir, 'pipelines'));
    fs.writeFileSync(path.join(f.store.dir, 'pipelines', 'retrain.json'), JSON.stringify({ formatVersion: 1, model: 'churn', steps: [{ id: 'a', run: 'true' }] }));
    const p = await f.store.createRun({ experiment: 'retrain', pipeline: { name: 'retrain', steps: [] }, startTime: new Date(Date.now() + 2000) });
    // Only a run that registered a version of the model retrained it.
    const step = await f.store.createRun({ experiment: 'retrain', parentRunId: p.id, pipeline: { name: 'retrain', step: 'a' } });
    await f.store.endRun(step.id, 'finished');
    fs.writeFileSync(path.join(f.ws, 'v2.pkl'), 'v2');
    await f.store.registerModel({ name: 'churn', runId: step.id, artifactPath: path.join(f.ws, 'v2.pkl') });
    await f.store.endRun(p.id, 'finished');
    [, fresh, weekly] = await evaluateTriggers(f.store, goals, { model: 'churn', now: Date.now() + 3000 });
    assert.equal(fresh.fired, false, fresh.summary);
    assert.match(fresh.summary, /since the last retrain/);
    assert.deepEqual((weekly.facts.schedule as Record<string, unknown>).lastPipelineRun, p.id);
    assert.match(weekly.summary, /^last retrain < 1 min ago \(every 7 d\)$/);
  });

  it('computeFacts leaves unknown facts out and never invents a 0', async () => {
    const f = await retrainFixture();
    const facts = await computeFacts(f.store, 'churn');
    assert.deepEqual(facts.model, { name: 'churn', version: 1, stage: 'production' });
    assert.equal(facts.drift, undefined, 'nothing logged: drift unknown');
    assert.equal(facts.metric, undefined);
    assert.equal(facts.performanceDropped, undefined);
    assert.equal((facts.data as Record<string, unknown>).newVersions, 0);
    assert.equal((facts.data as Record<string, unknown>).dataset, 'churn-data');
  });

  it('a trigger watches its own model, else retraining.model, else every monitored model', async () => {
    const f = await retrainFixture({ goals: { retraining: { triggers: [
      { kind: 'schedule', name: 'weekly', every: '7d' },
      { kind: 'schedule', name: 'other', every: '7d', model: 'fraud' },
    ] } } });
    const evals = await evaluateTriggers(f.store, await goalsOf(f));
    assert.deepEqual(evals.map((e) => [e.trigger.name, e.model]), [['weekly', 'churn'], ['other', 'fraud']]);
    assert.match(evals[1].summary, /^schedule unknown: fraud was never retrained and has no registered version$/);
    assert.deepEqual((await evaluateTriggers(f.store, await goalsOf(f), { model: 'churn' })).map((e) => e.trigger.name), ['weekly']);
  });
});

describe('retraining: the safety rule', () => {
  const trigger = (automation: RetrainTrigger['automation'], kind: RetrainTrigger['kind'] = 'drift'): RetrainTrigger => ({ index: 0, kind, name: 't', automation, pipeline: 'retrain', offset: 0, length: 0 });
  const evaluation = (t: RetrainTrigger, facts: TriggerEvaluation['facts'], fired = true): TriggerEvaluation => ({ trigger: t, model: 'm', fired, summary: 's', facts });

  it('auto with minor drift runs; with major drift it asks and names the major columns, else every drifted one', () => {
    assert.equal(decide(evaluation(trigger('auto'), { drift: { class: 'minor', columns: ['age'], majorColumns: [] }, performanceDropped: false })).applied, 'auto');
    const major = decide(evaluation(trigger('auto'), { drift: { class: 'major', columns: ['age', 'income', 'plan'], majorColumns: ['age', 'income'] }, performanceDropped: false }));
    assert.deepEqual([major.applied, major.withheld], ['ask', 'automation withheld: major drift in age, income']);
    const noClassColumns = decide(evaluation(trigger('auto'), { drift: { class: 'major', columns: ['a', 'b'], majorColumns: [] } }));
    assert.equal(noClassColumns.withheld, 'automation withheld: major drift in a, b');
  });

  it('performance dropped with drift none or unknown asks; notify and ask are never raised', () => {
    const none = decide(evaluation(trigger('auto', 'metric'), { drift: { class: 'none', columns: [] }, performanceDropped: true }));
    assert.deepEqual([none.applied, none.withheld], ['ask', 'automation withheld: performance dropped without input drift — the cause is unclear; look before retraining']);
    const unknown = decide(evaluation(trigger('auto', 'metric'), { performanceDropped: true }));
    assert.equal(unknown.applied, 'ask');
    assert.match(unknown.withheld!, /input drift is not measured/);
    assert.equal(decide(evaluation(trigger('auto', 'schedule'), { performanceDropped: false })).applied, 'auto', 'a schedule with nothing wrong runs');
    assert.equal(decide(evaluation(trigger('notify'), { drift: { class: 'minor' } })).applied, 'notify');
    assert.equal(decide(evaluation(trigger('ask'), { drift: { class: 'major' } })).withheld, undefined, 'ask is what auto is downgraded to: nothing withheld');
  });

  it('an episode is handled by a pipeline run that started at or after it began, not by an earlier one', () => {
    const t = trigger('auto');
    const at = (lastRetrain: string, since?: string): TriggerEvaluation => ({ ...evaluation(t, { schedule: { lastRetrain, lastPipelineRun: 'RUN' } }), ...(since ? { since } : {}) });
    assert.equal(episodeHandledBy(at('2026-11-30T10:05:00Z', '2026-11-30T10:00:00Z')), 'RUN');
    assert.equal(episodeHandledBy(at('2026-11-30T09:59:00Z', '2026-11-30T10:00:00Z')), undefined);
    assert.equal(episodeHandledBy(at('2026-11-30T10:05:00Z')), undefined, 'no episode start: never assumed handled');
    assert.equal(episodeHandledBy({ ...evaluation(t, { schedule: { lastRetrain: '2026-11-30T10:05:00Z' } }), since: '2026-11-30T10:00:00Z' }), undefined, 'a version registered is not a retrain');
  });

  it('auto without a pipeline asks and says so', () => {
    const t = { ...trigger('auto'), pipeline: undefined };
    const d = decide(evaluation(t, { drift: { class: 'minor' }, performanceDropped: false }));
    assert.equal(d.applied, 'ask');
    assert.match(d.withheld!, /no pipeline is named/);
  });
});

describe('retraining: goals.json retraining section', () => {
  const text = (retraining: unknown, extra: object = {}): string => JSON.stringify({ formatVersion: 1, ...extra, retraining }, null, 2);

  it('fills in defaults and resolves pipeline and model from the section', () => {
    const doc = parseGoals(text({ pipeline: 'retrain', model: 'churn', triggers: [
      { kind: 'drift', name: 'd' },
      { kind: 'metric', name: 'm', metric: 'f1', comparator: 'lt', threshold: 0.6, pipeline: 'other', model: 'fraud', automation: 'notify' },
      { kind: 'dataAge', name: 'a', maxAge: '2w' },
      { kind: 'schedule', name: 's', every: 'every 36h' },
      { kind: 'drift', name: 'share', share: 0.3, windows: 3 },
    ] }));
    assert.deepEqual(doc.problems, []);
    const [d, m, a, s, share] = doc.goals!.retraining.triggers;
    assert.deepEqual([d.automation, d.pipeline, d.model, d.driftClass, d.windows], ['ask', 'retrain', 'churn', 'minor', 1]);
    assert.deepEqual([m.automation, m.pipeline, m.model, m.metric, m.windows], ['notify', 'other', 'fraud', 'f1', 1]);
    assert.equal(a.maxAgeHours, 336);
    assert.equal(s.everyHours, 36);
    assert.deepEqual([share.driftClass, share.driftShare, share.windows], [undefined, 0.3, 3]);
    assert.deepEqual([doc.goals!.retraining.pipeline, doc.goals!.retraining.model], ['retrain', 'churn']);
  });

  it('a misspelled trigger key is reported at its place with the key it probably meant', () => {
    const text = JSON.stringify({ formatVersion: 1, retraining: { pipeline: 'retrain', triggers: [{ kind: 'drift', name: 'd', window: 3 }], triger: [] } }, null, 2);
    const doc = parseGoals(text);
    const warnings = doc.problems.filter((p) => p.severity === 'warning' && /unknown key/.test(p.message));
    assert.deepEqual(warnings.map((p) => [p.message, text.slice(p.offset, p.offset + p.length)]), [
      ["unknown key 'triger' (did you mean 'triggers'?); it is ignored", '"triger"'],
      ["unknown key 'window' (did you mean 'windows'?); it is ignored", '"window"'],
    ]);
    assert.equal(doc.goals!.retraining.triggers[0].windows, 1);
  });

  it('reports each bad trigger at its place and keeps the others', () => {
    const t = text({ pipeline: 'retrain', triggers: [
      { kind: 'kpi', name: 'k', kpi: 'nope', comparator: 'gt', threshold: 1 },
      { kind: 'drift', name: 'd', automation: 'always' },
      { kind: 'schedule', name: 'ok', every: '7d' },
      { kind: 'schedule', name: 'ok', every: '1d' },
      { kind: 'dataAge', name: 'age', maxAge: 'a month' },
      { kind: 'sometimes', name: 'x' },
    ] }, { kpis: [{ name: 'revenue', formula: 'recall * 2' }] });
    const doc = parseGoals(t);
    assert.deepEqual(doc.goals!.retraining.triggers.map((x) => x.name), ['ok']);
    const at = (p: { offset: number; length: number }): string => t.slice(p.offset, p.offset + p.length);
    const byPath = new Map(doc.problems.map((p) => [p.path, p]));
    assert.match(byPath.get('retraining.triggers[0].kpi')!.message, /no KPI named 'nope' in this file \(KPIs: revenue\)/);
    assert.equal(at(byPath.get('retraining.triggers[0].kpi')!), '"nope"');
    assert.match(byPath.get('retraining.triggers[1].automation')!.message, /automation is "notify", "ask" or "auto"/);
    assert.equal(at(byPath.get('retraining.triggers[1].automation')!), '"always"');
    assert.match(byPath.get('retraining.triggers[3].name')!.message, /a trigger named 'ok' is already declared above/);
    assert.match(byPath.get('retraining.triggers[4].maxAge')!.message, /maxAge is a duration such as "30d"/);
    assert.match(byPath.get('retraining.triggers[5].kind')!.message, /kind is one of metric, kpi, drift, dataAge, newData, schedule/);
    assert.ok(doc.problems.every((p) => p.severity === 'error'));
  });

  it('a section that is not an object, and auto without a pipeline, are reported; the rest of goals still applies', () => {
    const bad = parseGoals(text([1], { kpis: [{ name: 'k', formula: '1' }] }));
    assert.match(bad.problems[0].message, /retraining must be an object/);
    assert.equal(bad.goals!.kpis.length, 1);
    const noPipeline = parseGoals(text({ triggers: [{ kind: 'drift', name: 'd', automation: 'auto' }] }));
    assert.equal(noPipeline.problems[0].severity, 'warning');
    assert.match(noPipeline.problems[0].message, /automation 'auto' runs a pipeline: name one .* \(until then it only asks\)/);
    assert.equal(noPipeline.goals!.retraining.triggers.length, 1);
  });
});

describe('retraining: the log', () => {
  it('appends in one write, reads back by model and limit, and skips a torn last line without losing the next append', async () => {
    const f = await retrainFixture();
    const e: TriggerEvaluation = { trigger: { index: 0, kind: 'drift', name: 'd', automation: 'auto', pipeline: 'retrain', offset: 0, length: 0, description: 'why' }, model: 'churn', fired: true, summary: 'input drift minor', facts: { drift: { class: 'minor' } } };
    const d = decide(e);
    const a = logLineOf(d, { source: 'cli', time: '2026-11-30T10:00:00.000Z' });
    assert.deepEqual([a.decision, a.level, a.applied, a.pipeline, a.description, a.formatVersion], ['started', 'auto', 'auto', 'retrain', 'why', 1]);
    const quiet = logLineOf(decide({ ...e, fired: false, model: 'other' }), { source: 'extension' });
    assert.equal(quiet.decision, 'quiet');
    await appendRetrainLog(f.store, [a, quiet]);
    const file = retrainLogFile(f.store);
    assert.equal(file, path.join(f.store.dir, 'retraining', 'log.jsonl'));
    fs.appendFileSync(file, '{"formatVersion":1,"time":"2026');
    let read = await readRetrainLog(f.store);
    assert.equal(read.lines.length, 2);
    assert.deepEqual(read.problems, ['.mlops/retraining/log.jsonl:3: an unfinished last line (a write that was cut off); skipped']);
    await appendRetrainLog(f.store, [logLineOf(d, { source: 'cli', decision: 'finished', pipelineRunId: '01JABCDEFGHJKMNPQRSTVWXYZ0', models: [{ model: 'churn', version: 2, stage: 'staging' }] })]);
    read = await readRetrainLog(f.store, { model: 'churn' });
    assert.deepEqual(read.lines.map((l) => l.decision), ['started', 'finished']);
    assert.deepEqual(read.lines[1].models, [{ model: 'churn', version: 2, stage: 'staging' }]);
    assert.deepEqual(read.problems, ['.mlops/retraining/log.jsonl:3: not JSON (a write cut off by a crash; later lines were appended after it); skipped'], 'the torn line stays torn; the new line is whole');
    assert.deepEqual((await readRetrainLog(f.store, { limit: 1 })).lines.map((l) => l.decision), ['finished']);
  });

  it('never appends through a link out of the store', async () => {
    const f = await retrainFixture();
    const outside = fs.mkdtempSync(path.join(path.dirname(f.ws), 'outside-'));
    fs.symlinkSync(outside, path.join(f.store.dir, 'retraining'));
    const e: TriggerEvaluation = { trigger: { index: 0, kind: 'schedule', name: 's', automation: 'notify', offset: 0, length: 0 }, model: 'churn', fired: false, summary: 'x', facts: {} };
    await assert.rejects(appendRetrainLog(f.store, [logLineOf(decide(e), { source: 'cli' })]), /refusing to write through the symbolic link '\.mlops\/retraining'/);
    assert.deepEqual(fs.readdirSync(outside), []);
    fs.rmSync(outside, { recursive: true });
  });

  it('an absent log is empty; a newer format line is skipped and said', async () => {
    const f = await retrainFixture();
    assert.deepEqual(await readRetrainLog(f.store), { lines: [], problems: [] });
    fs.mkdirSync(path.join(f.store.dir, 'retraining'));
    fs.writeFileSync(retrainLogFile(f.store), '{"formatVersion":2}\n{"formatVersion":1}\n');
    const r = await readRetrainLog(f.store);
    assert.equal(r.lines.length, 0);
    assert.match(r.problems[0], /:1: written by a newer MLOps Workbench \(formatVersion 2\); skipped/);
    assert.match(r.problems[1], /:2: not a retraining log line/);
  });
});

describe('retraining: which pipeline runs count as a retrain', function () {
  this.timeout(60_000);
  const lastRun = async (f: RetrainFixture): Promise<Record<string, unknown>> => (await computeFacts(f.store, 'churn')).schedule as Record<string, unknown>;
  const pipelineRun = (f: RetrainFixture, runner?: { pid: number; host: string }): Promise<Run> =>
    f.store.createRun({ experiment: 'churn-retrain', pipeline: { name: 'retrain', ...(runner ? { runner } : {}) } });

  it('a running pipeline run whose runner died (kill -9) does not count; one whose runner is alive does', async () => {
    const f = await retrainFixture();
    writePipeline(f);
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const crashed = await pipelineRun(f, { pid: dead, host: os.hostname() });
    assert.equal((await f.store.readRun(crashed.id)).status, 'running');
    assert.equal((await lastRun(f)).lastPipelineRun, undefined, 'a crashed run is not a retrain');
    const live = await pipelineRun(f, { pid: process.pid, host: os.hostname() });
    assert.equal((await lastRun(f)).lastPipelineRun, live.id, 'a live run is retraining now');
  });

  it('a finished pipeline run counts only when it registered a version of the model; the stage is in the facts', async () => {
    const f = await retrainFixture();
    writePipeline(f);
    const partial = await pipelineRun(f);
    await f.store.endRun(partial.id, 'finished');
    assert.equal((await lastRun(f)).lastPipelineRun, undefined, 'a run that registered nothing (--steps prepare, train skipped) did not retrain');
    const full = await pipelineRun(f);
    const step = await f.store.createRun({ experiment: 'churn-retrain', parentRunId: full.id, pipeline: { name: 'retrain', step: 'train' } });
    await f.store.endRun(step.id, 'finished');
    const artifact = path.join(f.ws, 'v2.pkl');
    fs.writeFileSync(artifact, 'v2');
    await f.store.registerModel({ name: 'churn', runId: step.id, artifactPath: artifact });
    await f.store.setModelStage('churn', 2, 'staging');
    await f.store.endRun(full.id, 'finished');
    const s = await lastRun(f);
    assert.deepEqual([s.lastPipelineRun, s.lastVersion, s.lastVersionStage], [full.id, 2, 'staging']);
  });
});
