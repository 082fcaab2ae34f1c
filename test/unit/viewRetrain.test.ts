// The Monitoring view's retraining rows as plain data (src/vscode/retrain/view.ts): the Retraining node under a model,
// its triggers and log lines, and the episode keys that decide whether a firing trigger is news.
import * as assert from 'node:assert/strict';
import type { RetrainDecision, RetrainLogLine, RetrainTrigger, TriggerEvaluation } from '../../src/core/retrain/types';
import { LOG_SHOWN, checkItems, decisionText, episodeKey, retrainingChildren, retrainingNode, timeLabel, triggerKey, type RetrainingView } from '../../src/vscode/retrain/view';

const ROOT = '/ws';
const NOW = Date.parse('2026-11-30T12:00:00Z');

function trigger(p: Partial<RetrainTrigger> = {}): RetrainTrigger {
  return { index: 0, kind: 'drift', name: 'input drift', automation: 'auto', pipeline: 'retrain', model: 'churn', driftClass: 'minor', offset: 120, length: 80, ...p };
}

function evaluation(t: RetrainTrigger, fired: boolean, p: Partial<TriggerEvaluation> = {}): TriggerEvaluation {
  return { trigger: t, model: 'churn', fired, summary: fired ? 'input drift major: age, income (share 0.5)' : 'input drift none', since: fired ? '2026-11-30T09:00:00.000Z' : undefined,
    facts: { drift: { class: fired ? 'major' : 'none' } }, ...p };
}

function decision(e: TriggerEvaluation, p: Partial<RetrainDecision> = {}): RetrainDecision {
  return { evaluation: e, requested: e.trigger.automation, applied: e.trigger.automation, pipeline: e.trigger.pipeline, ...p };
}

function line(p: Partial<RetrainLogLine>): RetrainLogLine {
  return { formatVersion: 1, time: '2026-11-30T10:31:00.000Z', model: 'churn', trigger: 'input drift', kind: 'drift', fired: true, summary: 's', facts: {},
    level: 'auto', applied: 'auto', decision: 'asked', source: 'extension', ...p };
}

describe('Retraining in the Monitoring view (view model)', () => {
  const drift = trigger();
  const kpi = trigger({ index: 1, kind: 'kpi', name: 'missed payments', kpi: 'missed_payments', comparator: 'gt', threshold: 120, automation: 'ask', driftClass: undefined, offset: 300, length: 90,
    description: 'Finance agreed: above 120 missed payments a week costs more than a retrain.' });
  const firingDrift = evaluation(drift, true);
  const withheld = decision(firingDrift, { applied: 'ask', withheld: 'automation withheld: major drift in age, income' });
  const base: RetrainingView = {
    root: ROOT, model: 'churn',
    triggers: [{ evaluation: evaluation(kpi, false, { summary: 'missed_payments 80 ≤ 120' }) }, { evaluation: firingDrift, decision: withheld }],
    log: [
      line({ time: '2026-11-30T11:00:00.000Z', decision: 'finished', pipelineRunId: '01JPIPELINERUN000000ABCDEF', models: [{ model: 'churn', version: 4, stage: 'staging' }] }),
      line({ time: '2026-11-30T10:31:00.000Z', decision: 'asked', applied: 'ask', withheld: 'automation withheld: major drift in age, income' }),
      line({ time: '2026-11-29T08:00:00.000Z', decision: 'quiet', fired: false }),
    ],
  };

  it('the Retraining node says how many triggers fire and the last decision, and opens when one fires', () => {
    const n = retrainingNode(base, NOW);
    assert.equal(n.kind, 'retraining');
    assert.equal(n.label, 'Retraining');
    assert.equal(n.description, '1 of 2 triggers firing · last: finished 11:00 UTC');
    assert.equal(n.collapsible, 'expanded');
    assert.equal(n.icon.id, 'sync');
    assert.equal(n.icon.color, 'problemsWarningIcon.foreground');
    assert.match(n.tooltip ?? '', /input drift: input drift major: age, income/);

    const quiet = retrainingNode({ ...base, triggers: [base.triggers[0]], log: [base.log[2]] }, NOW);
    assert.equal(quiet.description, '1 trigger, none firing', 'a quiet line is not a decision');
    assert.equal(quiet.collapsible, 'collapsed');

    const running = retrainingNode({ ...base, running: { pipeline: 'retrain', trigger: 'input drift' } }, NOW);
    assert.equal(running.icon.id, 'sync~spin');
    assert.match(running.description ?? '', /^running retrain · /);
    assert.match(running.tooltip ?? '', /Pipeline retrain is running for trigger input drift/);
  });

  it('expands to the triggers (firing first, with the applied level and why automation was withheld), then the log, newest first', () => {
    const kids = retrainingChildren(base, NOW);
    assert.deepEqual(kids.map((k) => [k.kind, k.label]), [
      ['trigger', 'input drift'], ['trigger', 'missed payments'],
      ['retrainLog', '11:00 UTC input drift'], ['retrainLog', '10:31 UTC input drift'], ['retrainLog', '2026-11-29 08:00 UTC input drift'],
      ['more', 'Open the retraining log'],
    ]);
    const [d, k, finished, asked, quiet, open] = kids;
    assert.equal(d.description, 'firing · auto → ask · input drift major: age, income (share 0.5)');
    assert.match(d.tooltip ?? '', /automation withheld: major drift in age, income/);
    assert.deepEqual(d.action, { kind: 'openRule', offset: 120, length: 80 });
    assert.equal(d.contextValue, 'mlops.monitor.trigger.firing');
    assert.equal(k.description, 'quiet · ask · missed_payments 80 ≤ 120');
    assert.match(k.tooltip ?? '', /Finance agreed/);
    assert.match(k.tooltip ?? '', /KPI missed\\_payments \\> 120/, 'the condition in words, Markdown escaped');

    assert.equal(finished.description, 'finished: churn v4 → staging · auto · run ABCDEF');
    assert.deepEqual(finished.action, { kind: 'revealRun', runId: '01JPIPELINERUN000000ABCDEF' });
    assert.equal(finished.icon.id, 'pass');
    assert.equal(asked.description, 'asked · auto → ask · automation withheld: major drift in age, income');
    assert.equal(asked.action, undefined, 'no pipeline run to reveal');
    assert.equal(quiet.description, 'not firing · auto');
    assert.deepEqual(open.action, { kind: 'openRetrainingLog' });
    assert.equal(new Set(kids.map((x) => x.id)).size, kids.length, 'ids are unique');
  });

  it('lists at most LOG_SHOWN log lines and says the file holds more; a model without triggers says so', () => {
    const log = Array.from({ length: LOG_SHOWN + 5 }, (_, i) => line({ time: new Date(NOW - i * 60_000).toISOString() }));
    const kids = retrainingChildren({ ...base, triggers: [], log }, NOW);
    assert.equal(kids[0].label, 'No retraining trigger watches this model');
    assert.equal(kids.filter((x) => x.kind === 'retrainLog').length, LOG_SHOWN);
    assert.equal(kids.at(-1)!.label, `Open the retraining log (${LOG_SHOWN + 5}+ entries)`);
    const broken = retrainingChildren({ ...base, logProblems: ['line 3: not JSON'] }, NOW);
    assert.ok(broken.some((x) => x.label === '1 unreadable log line' && x.action?.kind === 'openRetrainingLog'));
    const failed = retrainingChildren({ ...base, triggers: [], log: [], error: 'goals.json: KPI missing' }, NOW);
    assert.deepEqual(failed.map((x) => x.label), ['Cannot evaluate the triggers']);
    assert.equal(retrainingNode({ ...base, triggers: [], log: [], error: 'x' }, NOW).description, 'cannot evaluate');
  });

  it('workspace text in tooltips is literal Markdown', () => {
    const t = trigger({ name: 'drift *now*', description: '<img src=x> [link](http://x)' });
    const kids = retrainingChildren({ ...base, triggers: [{ evaluation: evaluation(t, true) }], log: [] }, NOW);
    assert.match(kids[0].tooltip ?? '', /\*\*drift \\\*now\\\*\*\*/);
    assert.match(kids[0].tooltip ?? '', /\\<img src=x\\> \\\[link\\\]\(http:\/\/x\)/);
  });

  it('an episode is the trigger by what it watches, its start and the applied level: moving or re-describing it is the same episode; a new threshold, start or level is not', () => {
    const e = evaluation(drift, true);
    const key = episodeKey(ROOT, e, 'auto');
    const moved = evaluation(trigger({ index: 3, offset: 999, length: 10, description: 'reworded' }), true);
    assert.equal(episodeKey(ROOT, moved, 'auto'), key);
    assert.notEqual(episodeKey(ROOT, evaluation(trigger({ driftClass: 'major' }), true), 'auto'), key);
    assert.notEqual(episodeKey(ROOT, { ...e, since: '2026-11-30T10:00:00.000Z' }, 'auto'), key);
    assert.notEqual(episodeKey(ROOT, { ...e, model: 'other' }, 'auto'), key);
    assert.notEqual(episodeKey('/other', e, 'auto'), key);
    assert.notEqual(episodeKey(ROOT, e, 'ask'), key, 'minor drift turning major in the same streak (auto withheld) is news');
    assert.equal(triggerKey(ROOT, { ...e }), triggerKey(ROOT, { ...e, since: 'x' } as TriggerEvaluation), 'the trigger key ignores the start');
  });

  it('times read as the hour today and with the day otherwise; the Check summary lists firing triggers first', () => {
    assert.equal(timeLabel('2026-11-30T07:05:00Z', NOW), '07:05 UTC');
    assert.equal(timeLabel('2026-11-28T23:59:00Z', NOW), '2026-11-28 23:59 UTC');
    assert.equal(timeLabel('yesterday', NOW), 'yesterday');
    assert.equal(decisionText(line({ decision: 'killed', models: [] })), 'killed');
    const items = checkItems(base.triggers);
    assert.deepEqual(items.map((i) => [i.label, i.description, i.fired]), [
      ['$(warning) churn · input drift', 'firing · auto → ask', true],
      ['$(pass) churn · missed payments', 'quiet', false],
    ]);
    assert.match(items[0].detail ?? '', /major drift in age, income/);
  });
});
