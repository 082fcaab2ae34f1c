import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendFeedback, cachedMonitorReport, monitorReport, REFERENCE_OUTPUTS_FILE, WINDOWS_FILE } from '../../src/core/monitor';
import { parseLabelFile } from '../../src/core/monitor/labels';
import { feedback, monitorFixture, prediction, writeLog } from './monitorFixture';

const at = (hhmm: string, day = '2026-11-30'): string => `${day}T${hhmm}:00.000Z`;

describe('monitor review fixes', function () {
  this.timeout(60_000);

  it('labels exported by pandas (True/False, any case) are booleans, so they match boolean predictions', () => {
    const r = parseLabelFile('id,label\na,True\nb,FALSE\nc,true\nd,1\ne,Truex\n');
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.items.map((i) => i.labels[0]), [true, false, true, 1, 'Truex']);
  });

  it('labels of an open window survive the cache: they are read again with the window\'s predictions (count window)', async () => {
    const f = await monitorFixture({ goals: { monitoring: { window: '100' } } });
    const preds = Array.from({ length: 150 }, (_, i) => prediction(new Date(Date.parse(at('08:00', '2026-11-29')) + i * 60_000), { outputs: [1] }));
    writeLog(f.dir, preds);
    const first = await monitorReport(f.store, f.model, { now: new Date(at('09:00')) });
    assert.deepEqual(first.windows.map((w) => [w.requests, w.closed]), [[100, true], [50, false]]);
    // Labels logged today for one prediction of the closed window and one of the open window.
    writeLog(f.dir, [feedback(preds[10], [1], at('09:10')), feedback(preds[120], [0], at('09:11'))]);
    for (const minute of ['09:20', '09:30', '09:40']) {
      const r = await monitorReport(f.store, f.model, { now: new Date(at(minute)) });
      assert.deepEqual(r.windows.map((w) => w.performance?.labelled ?? 0), [1, 1], `at ${minute}`);
      assert.equal(r.windows[1].performance?.accuracy, 0);
    }
  });

  it('a dataset tagged after a window says no version existed then (naming the newest), and the report has the age now', async () => {
    const f = await monitorFixture();
    const created = Date.parse((await f.store.listDataVersions('train')).items[0].createdAt);
    const before = new Date(created - 5 * 3_600_000);
    writeLog(f.dir, [prediction(before)]);
    const now = new Date(created + 2 * 3_600_000);
    const r = await monitorReport(f.store, f.model, { now, window: '1m' });
    const w = r.windows[0];
    assert.equal(w.dataAgeHours, null);
    assert.equal(w.dataAgeNote, `no data version existed at the window's end (newest: train@${f.dataVersion}, tagged ${new Date(created).toISOString()})`);
    assert.equal(r.dataAgeHoursNow, 2);
  });

  it('a torn line that was completed leaves the problems; a bad line before the cache\'s offsets stays listed', async () => {
    const f = await monitorFixture();
    const day1 = path.join(f.dir, '2026-11-29.jsonl');
    const torn = JSON.stringify(prediction(at('22:00', '2026-11-29')));
    fs.writeFileSync(day1, 'not json\n' + JSON.stringify(prediction(at('21:00', '2026-11-29'))) + '\n' + torn.slice(0, 20));
    writeLog(f.dir, [prediction(at('10:00'))]);
    const first = await monitorReport(f.store, f.model, { now: new Date(at('12:00')) });
    const lines = (r: typeof first) => r.problems.filter((p) => p.file.endsWith('2026-11-29.jsonl')).map((p) => [p.line, p.reason.slice(0, 20)]);
    assert.deepEqual(lines(first), [[1, 'not valid JSON (Unex'], [3, 'the last line is inc']]);
    fs.appendFileSync(day1, torn.slice(20) + '\n');
    const second = await monitorReport(f.store, f.model, { now: new Date(at('12:10')) });
    assert.deepEqual(lines(second), [[1, 'not valid JSON (Unex']]);
    assert.equal(second.windows.find((w) => w.start === at('22:00', '2026-11-29'))?.requests, 1, 'the completed line is read');
  });

  it('precision, recall and F1 use one positive class for the whole report, not one per window', async () => {
    const f = await monitorFixture();
    const a = prediction(at('10:00'), { outputs: [1] }), b = prediction(at('10:01'), { outputs: [0] });
    const c = prediction(at('11:00'), { outputs: [0] }), d = prediction(at('11:01'), { outputs: [1] });
    writeLog(f.dir, [a, b, c, d, feedback(a, [1], at('11:30')), feedback(b, [0], at('11:30')), feedback(c, [0], at('11:30')), feedback(d, [0], at('11:30'))]);
    // Window 11:00 alone has classes 0 and 1 too; make a window whose labels and outputs are all 0.
    const e = prediction(at('12:00'), { outputs: [0] });
    writeLog(f.dir, [e, feedback(e, [0], at('12:30'))]);
    const r = await monitorReport(f.store, f.model, { now: new Date(at('13:30')) });
    const p = r.windows.map((w) => [w.performance?.precision, w.performance?.recall, w.performance?.accuracy]);
    assert.deepEqual(p, [[1, 1, 1], [0, 0, 0.5], [0, 0, 1]], 'class 1 is positive in every window (a window of only 0s has no true positives)');
    assert.equal(r.windows[2].values.precision, 0);
    const cached = await cachedMonitorReport(f.store, f.model);
    assert.deepEqual(cached?.windows.map((w) => w.performance?.precision), [1, 0, 0]);
  });

  it('more than two classes in the report: macro means over the report\'s classes in every window', async () => {
    const f = await monitorFixture();
    const a = prediction(at('10:00'), { outputs: ['cat'] }), b = prediction(at('10:01'), { outputs: ['dog'] });
    const c = prediction(at('11:00'), { outputs: ['bird'] });
    writeLog(f.dir, [a, b, c, feedback(a, ['cat']), feedback(b, ['dog']), feedback(c, ['bird'])]);
    const r = await monitorReport(f.store, f.model, { now: new Date(at('12:30')) });
    // Window 10:00: cat and dog right, bird absent (precision/recall 0 for it) → macro 2/3.
    assert.deepEqual(r.windows.map((w) => w.performance?.precision), [2 / 3, 1 / 3]);
  });

  it('deleting old day files (retention) keeps the closed windows and the prediction-drift reference', async () => {
    const f = await monitorFixture();
    writeLog(f.dir, [
      prediction(at('10:00', '2026-11-28'), { outputs: [0] }), prediction(at('10:00', '2026-11-29'), { outputs: [1] }), prediction(at('10:00'), { outputs: [1] }),
    ]);
    const first = await monitorReport(f.store, f.model, { now: new Date(at('12:00')) });
    assert.equal(first.windows.length, 3);
    const refFile = path.join(f.dir, REFERENCE_OUTPUTS_FILE);
    const ref = fs.readFileSync(refFile, 'utf8');
    fs.rmSync(path.join(f.dir, '2026-11-28.jsonl'));
    writeLog(f.dir, [prediction(at('11:00'), { outputs: [1] })]);
    const second = await monitorReport(f.store, f.model, { now: new Date(at('12:10')) });
    assert.deepEqual(second.windows.map((w) => w.start), [at('10:00', '2026-11-28'), at('10:00', '2026-11-29'), at('10:00'), at('11:00')]);
    assert.equal(second.windows[3].predictionDrift?.reference, `first window (${at('10:00', '2026-11-28')})`);
    assert.equal(fs.readFileSync(refFile, 'utf8'), ref);
    // Even a rebuild from scratch (windows.jsonl gone) keeps the reference that was written.
    fs.rmSync(path.join(f.dir, WINDOWS_FILE));
    const rebuilt = await monitorReport(f.store, f.model, { now: new Date(at('12:20')) });
    assert.equal(rebuilt.windows[0].start, at('10:00', '2026-11-29'));
    assert.match(rebuilt.windows[0].predictionDrift?.reference ?? '', /2026-11-28/);
    assert.equal(fs.readFileSync(refFile, 'utf8'), ref);
  });

  it('labels imported twice count once; a later different label replaces the earlier one (open and closed windows)', async () => {
    const f = await monitorFixture();
    const a = prediction(at('09:00'), { outputs: [1] }), b = prediction(at('10:00'), { outputs: [1] });
    writeLog(f.dir, [a, b]);
    const items = [{ id: a.id, labels: [1] }, { id: b.id, labels: [1] }];
    const once = await appendFeedback(f.store, f.model, items, { now: new Date(at('10:10')) });
    assert.equal(once.written, 2);
    const twice = await appendFeedback(f.store, f.model, items, { now: new Date(at('10:20')) });
    assert.equal(twice.written, 0);
    assert.deepEqual(twice.already, [{ id: a.id }, { id: b.id }]);
    const r = await monitorReport(f.store, f.model, { now: new Date(at('10:30')) });
    assert.deepEqual(r.windows.map((w) => [w.closed, w.performance?.labelled, w.performance?.accuracy]), [[true, 1, 1], [false, 1, 1]]);
    // Even lines logged twice (a retried POST /feedback written by an older server) count once.
    writeLog(f.dir, [feedback(a, [1], at('10:31')), feedback(b, [1], at('10:31'))]);
    // A correction: both labels become 0.
    const fix = await appendFeedback(f.store, f.model, [{ id: a.id, labels: [0] }, { id: b.id, labels: [0] }], { now: new Date(at('10:40')) });
    assert.equal(fix.written, 2);
    for (const minute of ['10:45', '10:50']) {
      const again = await monitorReport(f.store, f.model, { now: new Date(at(minute)) });
      assert.deepEqual(again.windows.map((w) => [w.performance?.labelled, w.performance?.accuracy]), [[1, 0], [1, 0]], `at ${minute}`);
    }
  });

  it('a label for an hour that is over and had no request does not hold the cache\'s offsets back', async () => {
    const f = await monitorFixture();
    const lost = prediction(at('08:00'));
    writeLog(f.dir, [prediction(at('10:00')), feedback(lost, [1], at('10:05')), prediction(at('11:00'))]);
    await monitorReport(f.store, f.model, { now: new Date(at('11:30')) });
    const header = JSON.parse(fs.readFileSync(path.join(f.dir, WINDOWS_FILE), 'utf8').split('\n')[0]) as { offsets: Record<string, number> };
    const text = fs.readFileSync(path.join(f.dir, '2026-11-30.jsonl'), 'utf8');
    assert.equal(header.offsets['2026-11-30.jsonl'], text.length - text.split('\n').at(-2)!.length - 1, 'the open 11:00 window\'s line is where the next read starts');
  });
});
