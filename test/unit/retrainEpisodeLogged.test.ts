import * as assert from 'node:assert/strict';
import { episodeLogged } from '../../src/core/retrain';
import type { RetrainLogLine } from '../../src/core/retrain/types';

function line(time: string, decision: RetrainLogLine['decision'], over: Partial<RetrainLogLine> = {}): RetrainLogLine {
  return {
    formatVersion: 1, time, model: 'churn', trigger: 'drift', kind: 'drift', fired: decision !== 'quiet', summary: 's',
    facts: {}, level: 'ask', applied: 'ask', decision, source: 'cli', ...over,
  };
}

describe('retraining: an episode already in the log is not logged again', () => {
  const e = { model: 'churn', trigger: { name: 'drift' }, since: '2026-11-30T10:00:00.000Z' };

  it('a fired asked line at or after the episode start (the CLI, another window, a teammate) counts', () => {
    assert.equal(episodeLogged([line('2026-11-30T10:05:00.000Z', 'asked')], e, 'asked'), true);
    assert.equal(episodeLogged([line('2026-11-30T10:00:00.000Z', 'asked')], e, 'asked'), true);
  });

  it('an empty log, a line of an earlier episode, another trigger or model, or another decision does not', () => {
    assert.equal(episodeLogged([], e, 'asked'), false);
    assert.equal(episodeLogged([line('2026-11-30T09:59:59.000Z', 'asked')], e, 'asked'), false);
    assert.equal(episodeLogged([line('2026-11-30T10:05:00.000Z', 'asked', { trigger: 'schedule' })], e, 'asked'), false);
    assert.equal(episodeLogged([line('2026-11-30T10:05:00.000Z', 'asked', { model: 'other' })], e, 'asked'), false);
    assert.equal(episodeLogged([line('2026-11-30T10:05:00.000Z', 'notified')], e, 'asked'), false);
  });

  it('a quiet line after the decision ends the episode: a new firing is logged again', () => {
    const lines = [line('2026-11-30T10:05:00.000Z', 'asked'), line('2026-11-30T10:06:00.000Z', 'quiet')];
    assert.equal(episodeLogged(lines, e, 'asked'), false);
    // order in the file does not matter: the newest line by time decides
    assert.equal(episodeLogged([...lines].reverse(), e, 'asked'), false);
  });

  it('an episode without a start time is logged when the newest line of its trigger is that decision', () => {
    assert.equal(episodeLogged([line('2026-11-30T10:05:00.000Z', 'notified')], { model: 'churn', trigger: { name: 'drift' } }, 'notified'), true);
  });
});
