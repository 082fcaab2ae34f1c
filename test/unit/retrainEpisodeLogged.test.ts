import * as assert from 'node:assert/strict';
import { episodeLogged } from '../../src/core/retrain';
import type { RetrainLogLine } from '../../src/core/retrain/types';

const SINCE = '2026-11-30T10:00:00.000Z';

function line(time: string, decision: RetrainLogLine['decision'], over: Partial<RetrainLogLine> = {}): RetrainLogLine {
  return {
    formatVersion: 1, time, model: 'churn', trigger: 'drift', kind: 'drift', fired: decision !== 'quiet', summary: 's',
    facts: {}, level: 'ask', applied: 'ask', decision, source: 'cli', ...(decision !== 'quiet' ? { since: SINCE } : {}), ...over,
  };
}

describe('retraining: an episode already in the log is not logged again', () => {
  const e = { model: 'churn', trigger: { name: 'drift' }, since: SINCE };

  it('a fired asked line of the same episode (the CLI, another window, a teammate) counts', () => {
    assert.equal(episodeLogged([line('2026-11-30T10:05:00.000Z', 'asked')], e, 'asked'), true);
  });

  it('an empty log, a line of another episode, trigger or model, another decision, or a line without its episode does not', () => {
    assert.equal(episodeLogged([], e, 'asked'), false);
    assert.equal(episodeLogged([line('2026-11-30T10:05:00.000Z', 'asked', { since: '2026-11-30T09:00:00.000Z' })], e, 'asked'), false);
    assert.equal(episodeLogged([line('2026-11-30T10:05:00.000Z', 'asked', { trigger: 'schedule' })], e, 'asked'), false);
    assert.equal(episodeLogged([line('2026-11-30T10:05:00.000Z', 'asked', { model: 'other' })], e, 'asked'), false);
    assert.equal(episodeLogged([line('2026-11-30T10:05:00.000Z', 'notified')], e, 'asked'), false);
    const old = line('2026-11-30T10:05:00.000Z', 'asked'); delete old.since;
    assert.equal(episodeLogged([old], e, 'asked'), false, 'a line written before episodes were recorded');
    assert.equal(episodeLogged([line('2026-11-30T10:05:00.000Z', 'asked')], { model: 'churn', trigger: { name: 'drift' } }, 'asked'), false, 'an episode without a start');
  });

  it('a quiet line after the decision ends the episode: a new firing is logged again, whatever the order in the file', () => {
    const lines = [line('2026-11-30T10:05:00.000Z', 'asked'), line('2026-11-30T10:06:00.000Z', 'quiet')];
    assert.equal(episodeLogged(lines, e, 'asked'), false);
    assert.equal(episodeLogged([...lines].reverse(), e, 'asked'), false);
  });
});
