import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cachedMonitorReport, monitorReport, WINDOWS_FILE, REFERENCE_OUTPUTS_FILE, type LogLine, type WindowSummary } from '../../src/core/monitor';
import { feedback, monitorFixture, prediction, writeLog } from './monitorFixture';

const at = (hhmm: string, day = '2026-11-30'): string => `${day}T${hhmm}:00.000Z`;
const brief = (ws: WindowSummary[]) => ws.map((w) => ({ start: w.start, requests: w.requests, closed: w.closed }));
/** Summaries without the time they were made, for comparing two computations. */
const stable = (ws: WindowSummary[]) => JSON.parse(JSON.stringify(ws)) as unknown;

describe('monitor windows', function () {
  this.timeout(60_000);

  it('time windows are aligned to UTC multiples of their size; the last one is open until its end has passed', async () => {
    const f = await monitorFixture();
    writeLog(f.dir, [prediction(at('10:05')), prediction(at('10:59')), prediction(at('11:00')), prediction(at('12:30')), prediction(at('12:31'))]);
    const r = await monitorReport(f.store, f.model, { now: new Date(at('12:40')) });
    assert.deepEqual(brief(r.windows), [
      { start: at('10:00'), requests: 2, closed: true },
      { start: at('11:00'), requests: 1, closed: true },
      { start: at('12:00'), requests: 2, closed: false },
    ]);
    assert.equal(r.windows[0].end, at('11:00'));
    const later = await monitorReport(f.store, f.model, { now: new Date(at('13:05')) });
    assert.equal(later.windows[2].closed, true, 'an hour window closes once its end (plus the grace for slow requests) has passed');
    const daily = await monitorReport(f.store, f.model, { now: new Date(at('12:40')), window: '1d' });
    assert.deepEqual(brief(daily.windows), [{ start: at('00:00'), requests: 5, closed: false }]);
  });

  it('count windows hold N requests each, from the first and last request\'s times', async () => {
    const f = await monitorFixture({ goals: { monitoring: { window: '2' } } });
    writeLog(f.dir, [prediction(at('10:05')), prediction(at('10:07')), prediction(at('11:00')), prediction(at('12:30')), prediction(at('12:31'))]);
    const r = await monitorReport(f.store, f.model, { now: new Date(at('13:00')) });
    assert.deepEqual(r.windows.map((w) => [w.start, w.end, w.requests, w.closed]), [
      [at('10:05'), at('10:07'), 2, true], [at('11:00'), at('12:30'), 2, true], [at('12:31'), at('12:31'), 1, false],
    ]);
  });

  it('counts errors, rows and latency percentiles per window', async () => {
    const f = await monitorFixture();
    const lines = Array.from({ length: 100 }, (_, i) => prediction(`2026-11-30T10:${String(Math.floor(i / 2)).padStart(2, '0')}:0${i % 2}.000Z`, { latencyMs: i + 1, status: i < 10 ? 500 : 200 }));
    writeLog(f.dir, lines);
    const [w] = (await monitorReport(f.store, f.model, { now: new Date(at('11:30')) })).windows;
    assert.equal(w.requests, 100);
    assert.equal(w.errors, 10);
    assert.equal(w.errorRate, 0.1);
    assert.equal(w.rows, 100);
    assert.deepEqual(w.latencyMs, { p50: 50.5, p95: 95.05, max: 100 });
    assert.equal(w.values.latencyMsP95, 95.05);
  });

  it('a label arriving after its window closed updates that window, in the cache too', async () => {
    const f = await monitorFixture();
    const p1 = prediction(at('10:05'), { inputs: [{ x: 1, c: 'a' }, { x: 2, c: 'b' }], outputs: [1, 0] });
    const p2 = prediction(at('10:10'), { outputs: [1] });
    writeLog(f.dir, [p1, p2, prediction(at('11:05'))]);
    const first = await monitorReport(f.store, f.model, { now: new Date(at('11:30')) });
    assert.equal(first.windows[0].closed, true);
    assert.equal(first.windows[0].performance, null);
    writeLog(f.dir, [feedback(p1, [1, 1], at('11:40')), feedback(p2, [1], at('11:41'))]);
    const second = await monitorReport(f.store, f.model, { now: new Date(at('11:45')) });
    const perf = second.windows[0].performance;
    assert.equal(perf?.task, 'classification');
    assert.equal(perf?.labelled, 3);
    assert.equal(perf?.accuracy, 2 / 3);
    assert.equal(second.windows[0].values.accuracy, 2 / 3);
    assert.equal(second.windows[1].performance, null, 'the labels belong to the window of their prediction time');
    const cachedLines = fs.readFileSync(path.join(f.dir, WINDOWS_FILE), 'utf8').trim().split('\n');
    assert.equal((JSON.parse(cachedLines[1]) as WindowSummary).performance?.labelled, 3);
    // Read again: the labels are not applied twice.
    const third = await monitorReport(f.store, f.model, { now: new Date(at('11:50')) });
    assert.equal(third.windows[0].performance?.labelled, 3);
  });

  it('a request logged a little after a later one still counts in its window; one logged after its window closed is reported', async () => {
    const f = await monitorFixture();
    writeLog(f.dir, [
      prediction(at('10:30')), prediction('2026-11-30T11:00:00.100Z'),
      prediction('2026-11-30T10:59:59.900Z'), // slow: written after a faster later request, within the grace
      prediction(at('11:30')), prediction(at('10:40')), // 50 minutes late: its window has closed
    ]);
    const r = await monitorReport(f.store, f.model, { now: new Date(at('11:45')) });
    assert.deepEqual(brief(r.windows), [{ start: at('10:00'), requests: 2, closed: true }, { start: at('11:00'), requests: 2, closed: false }]);
    assert.match(r.problems.map((p) => p.reason).join('\n'), /1 request\(s\) logged after their window had closed .* are not counted/);
  });

  it('in raw mode only the training columns are profiled; extra fields do not count as drift', async () => {
    const f = await monitorFixture();
    writeLog(f.dir, Array.from({ length: 40 }, (_, i) => prediction(new Date(Date.parse(at('10:00')) + i * 1000), { inputsMode: 'raw', inputs: [{ x: (i * 7) % 10, c: i % 3 ? 'b' : 'a', secret: `s${i}` }] })));
    const [w] = (await monitorReport(f.store, f.model, { now: new Date(at('10:30')) })).windows;
    assert.deepEqual(w.inputDrift?.byColumn.map((c) => c.column).sort(), ['c', 'x']);
    assert.equal(w.inputDrift?.columns, 2);
  });

  it('regression labels give MAE and RMSE', async () => {
    const f = await monitorFixture();
    const p = prediction(at('10:05'), { inputs: [{ x: 1 }, { x: 2 }], outputs: [1.5, 4.0] });
    writeLog(f.dir, [p, feedback(p, [1.0, 2.0])]);
    const [w] = (await monitorReport(f.store, f.model, { now: new Date(at('10:30')) })).windows;
    assert.equal(w.performance?.task, 'regression');
    assert.equal(w.values.mae, 1.25);
    assert.equal(w.values.rmse, Math.sqrt((0.25 + 4) / 2));
  });

  it('the cache extended line by line gives the same windows as a rebuild from scratch', async () => {
    const f = await monitorFixture();
    const preds = Array.from({ length: 60 }, (_, i) => prediction(new Date(Date.parse(at('08:00')) + i * 7 * 60_000), {
      inputs: [{ x: (i * 37) % 10, c: i % 2 ? 'a' : 'b' }], outputs: [i % 3], latencyMs: (i % 7) + 1, status: i % 11 === 0 ? 400 : 200,
    }));
    const all: LogLine[] = [...preds];
    for (let i = 0; i < 60; i += 4) { if (preds[i].status === 200) { all.push(feedback(preds[i], [i % 2], new Date(Date.parse(preds[i].time) + 50 * 60_000).toISOString())); } }
    all.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
    const now = new Date(Date.parse(at('16:00')));
    for (let i = 0; i < all.length; i += 5) {
      writeLog(f.dir, all.slice(i, i + 5));
      await monitorReport(f.store, f.model, { now: new Date(Date.parse(all[Math.min(i + 4, all.length - 1)].time) + 1000) });
    }
    const incremental = await monitorReport(f.store, f.model, { now });
    const rebuilt = await monitorReport(f.store, f.model, { now, cache: false, window: '60m' });
    assert.ok(incremental.windows.length >= 7);
    assert.deepEqual(stable(incremental.windows), stable(rebuilt.windows));
    assert.ok(fs.existsSync(path.join(f.dir, REFERENCE_OUTPUTS_FILE)));
    assert.ok(incremental.windows.some((w) => (w.performance?.labelled ?? 0) > 0));
  });

  it('a log file that shrank rebuilds the cache instead of trusting it', async () => {
    const f = await monitorFixture();
    writeLog(f.dir, [prediction(at('10:05')), prediction(at('10:06')), prediction(at('11:05'))]);
    const before = await monitorReport(f.store, f.model, { now: new Date(at('11:30')) });
    assert.equal(before.windows[0].requests, 2);
    fs.writeFileSync(path.join(f.dir, '2026-11-30.jsonl'), JSON.stringify(prediction(at('10:05'))) + '\n');
    const after = await monitorReport(f.store, f.model, { now: new Date(at('11:30')) });
    assert.deepEqual(brief(after.windows), [{ start: at('10:00'), requests: 1, closed: true }]);
  });

  it('cachedMonitorReport reads the closed windows and alerts from windows.jsonl alone', async () => {
    const f = await monitorFixture({ goals: { monitoring: { alerts: [{ quantity: 'errorRate', comparator: 'gt', threshold: 0.1 }] } } });
    assert.equal(await cachedMonitorReport(f.store, f.model), undefined, 'no cache yet');
    writeLog(f.dir, [prediction(at('10:05'), { status: 500 }), prediction(at('11:05')), prediction(at('12:05'))]);
    const full = await monitorReport(f.store, f.model, { now: new Date(at('12:30')) });
    const quick = await cachedMonitorReport(f.store, f.model);
    assert.equal(quick?.fromCache, true);
    assert.deepEqual(stable(quick.windows), stable(full.windows.filter((w) => w.closed)));
    assert.deepEqual(quick.alerts.map((a) => a.message), ['errorRate 0 (fires when > 0.1)']);
    assert.equal(quick.lastRequest, at('12:05'));
    // The log moved on without the cache: the quick report still shows what windows.jsonl holds, nothing more.
    fs.rmSync(path.join(f.dir, '2026-11-30.jsonl'));
    assert.equal((await cachedMonitorReport(f.store, f.model))?.windows.length, 2);
  });

  it('cache: false and another window never write windows.jsonl', async () => {
    const f = await monitorFixture();
    writeLog(f.dir, [prediction(at('10:05')), prediction(at('11:05'))]);
    await monitorReport(f.store, f.model, { now: new Date(at('11:30')), cache: false });
    await monitorReport(f.store, f.model, { now: new Date(at('11:30')), window: '30m' });
    assert.equal(fs.existsSync(path.join(f.dir, WINDOWS_FILE)), false);
    await monitorReport(f.store, f.model, { now: new Date(at('11:30')) });
    assert.equal(fs.existsSync(path.join(f.dir, WINDOWS_FILE)), true);
  });
});
