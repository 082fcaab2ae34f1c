import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendFeedback, monitorReport, monitoredModels, type FeedbackLine, type InputRecord } from '../../src/core/monitor';
import { monitorFixture, prediction, requestId, writeLog } from './monitorFixture';

const at = (hhmm: string, day = '2026-11-30'): string => `${day}T${hhmm}:00.000Z`;
const CORPUS = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'corpus', 'data', 'titanic', 'mljar-supervised');

/** Titanic rows as the server logs them (features only: the training columns minus the label). */
function titanicRecords(file: string, change: (r: InputRecord) => InputRecord = (r) => r): InputRecord[] {
  const [head, ...rows] = fs.readFileSync(file, 'utf8').replace(/\r/g, '').trim().split('\n');
  const cols = head.split(',');
  return rows.map((line) => {
    // Names hold quoted commas: split on commas outside quotes.
    const cells = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, '').replace(/^"|"$/g, ''));
    const r: InputRecord = {};
    cols.forEach((c, i) => {
      if (c === 'Survived') { return; }
      const v = cells[i];
      r[c] = v === '' ? null : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    });
    return change(r);
  });
}

describe('monitor report: drift, freshness, feedback, models', function () {
  this.timeout(60_000);

  it('input drift against a real training file: unseen rows of the same data do not drift, shifted ones do', async () => {
    const f = await monitorFixture({ csvFile: path.join(CORPUS, 'train.csv'), goals: { monitoring: { label: 'Survived' } } });
    const same = titanicRecords(path.join(CORPUS, 'test_with_Survived.csv'));
    const shifted = titanicRecords(path.join(CORPUS, 'test_with_Survived.csv'), (r) => ({ ...r, Age: typeof r.Age === 'number' ? r.Age + 25 : r.Age, Fare: typeof r.Fare === 'number' ? r.Fare * 4 : r.Fare, Sex: 'female' }));
    const lines = [
      ...same.map((rec, i) => prediction(new Date(Date.parse(at('10:00')) + i * 1000), { inputs: [rec], outputs: [i % 2] })),
      ...shifted.map((rec, i) => prediction(new Date(Date.parse(at('11:00')) + i * 1000), { inputs: [rec], outputs: [1] })),
    ];
    writeLog(f.dir, lines);
    const r = await monitorReport(f.store, f.model, { now: new Date(at('12:30')) });
    assert.deepEqual(r.reference, { dataset: 'train', versionId: f.dataVersion });
    const [w1, w2] = r.windows;
    assert.ok(w1.inputDrift && w2.inputDrift);
    assert.ok(!w1.inputDrift.byColumn.some((c) => c.column === 'Survived'), 'the label is not a feature');
    const drifted = (w: typeof w1) => w.inputDrift!.byColumn.filter((c) => c.drifted).map((c) => c.column);
    for (const c of ['Age', 'Fare', 'Sex']) { assert.ok(!drifted(w1).includes(c), `${c} does not drift between two samples of the same data`); }
    for (const c of ['Age', 'Fare', 'Sex']) { assert.ok(drifted(w2).includes(c), `${c} drifts once shifted (drifted: ${drifted(w2).join(', ')})`); }
    assert.ok(w2.inputDrift.share > w1.inputDrift.share);
    assert.equal(w2.values.inputDriftShare, w2.inputDrift.share);
    assert.match(w2.inputDrift.reference, /^train@/);
    // Prediction drift: the first window is the reference; the second predicts only 1.
    assert.equal(w1.predictionDrift, null);
    assert.match(w1.predictionDriftNote ?? '', /first window/);
    assert.ok(w2.predictionDrift?.byColumn[0].drifted);
    assert.equal(w2.values.predictionDriftScore, w2.predictionDrift?.score);
  });

  it('records of requests refused as invalid (4xx) are not profiled; those the model failed on (5xx) are', async () => {
    const f = await monitorFixture();
    writeLog(f.dir, [
      prediction(at('10:00'), { inputs: [{ x: 1, c: 'a' }] }), prediction(at('10:01'), { status: 400, inputs: [{ x: 'oops', c: 'zzz' }] }),
      prediction(at('10:02'), { status: 500, inputs: [{ x: 2, c: 'b' }] }),
    ]);
    const [w] = (await monitorReport(f.store, f.model, { now: new Date(at('10:30')) })).windows;
    const x = w.inputDrift?.byColumn.find((c) => c.column === 'x');
    assert.equal(x?.test, 'ks', 'x stays numeric: the refused "oops" is not in the profile');
    assert.equal(w.errors, 2);
  });

  it('hash-logged inputs have no input drift, and say why', async () => {
    const f = await monitorFixture();
    writeLog(f.dir, [prediction(at('10:00'), { inputsMode: 'hash' })]);
    const [w] = (await monitorReport(f.store, f.model, { now: new Date(at('10:30')) })).windows;
    assert.equal(w.inputDrift, null);
    assert.equal(w.inputDriftNote, 'inputs are not logged (logInputs: hash)');
    assert.equal(w.values.inputDriftShare, undefined);
  });

  it('data age is the time from the newest version of the run\'s datasets (created by then) to the window\'s end', async () => {
    const f = await monitorFixture();
    const created = Date.parse((await f.store.listDataVersions('train')).items[0].createdAt);
    const t = new Date(created + 3 * 3_600_000 + 60_000);
    writeLog(f.dir, [prediction(t)]);
    const r = await monitorReport(f.store, f.model, { now: new Date(t.getTime() + 10 * 3_600_000) });
    const w = r.windows[0];
    const end = Date.parse(w.end);
    assert.equal(w.dataAgeHours, (end - created) / 3_600_000);
    assert.ok(w.values.dataAgeHours! > 3 && w.values.dataAgeHours! <= 4);
  });

  it('alerts from goals.json fire over the windows, and thresholds come from constraints, goals and rules', async () => {
    const f = await monitorFixture({ goals: {
      constraints: { maxLatencyMsP95: 50 }, metrics: [{ name: 'accuracy', goal: 'max', threshold: 0.8 }],
      monitoring: { maxDataAge: '30d', alerts: [{ name: 'errors', quantity: 'errorRate', comparator: 'gt', threshold: 0.05, windows: 2, severity: 'alert' }] },
    } });
    writeLog(f.dir, [
      prediction(at('10:00'), { status: 500 }), prediction(at('10:01')),
      prediction(at('11:00'), { status: 400 }), prediction(at('11:01')),
    ]);
    // At 12:30 the 11:00 window is complete: alerts judge complete windows only.
    const open = await monitorReport(f.store, f.model, { now: new Date(at('11:30')), cache: false });
    assert.equal(open.alerts[0].firing, false, open.alerts[0].message);
    const r = await monitorReport(f.store, f.model, { now: new Date(at('12:30')) });
    assert.equal(r.alerts.length, 1);
    assert.equal(r.alerts[0].firing, true);
    assert.equal(r.alerts[0].message, 'errors: errorRate 0.5 > 0.05 for 2 windows in a row (since 2026-11-30T10:00Z)');
    assert.deepEqual(r.thresholds, [
      { quantity: 'latencyMsP95', value: 50, source: 'constraints.maxLatencyMsP95' },
      { quantity: 'accuracy', value: 0.8, source: 'goal accuracy (max)' },
      { quantity: 'dataAgeHours', value: 720, source: 'monitoring.maxDataAge' },
      { quantity: 'errorRate', value: 0.05, source: 'alert errors' },
    ]);
    assert.deepEqual(r.versions, [1]);
    assert.equal(r.lastRequest, at('11:01'));
  });

  it('appendFeedback joins labels by request id, reports unknown ids and label counts that do not match', async () => {
    const f = await monitorFixture();
    const batch = prediction(at('10:00', '2026-11-29'), { inputs: [{ x: 1 }, { x: 2 }], outputs: [0, 1] });
    const single = prediction(at('10:05'), { outputs: [1] });
    const failed = prediction(at('10:06'), { status: 500 });
    writeLog(f.dir, [batch, single, failed]);
    const now = new Date(at('12:00'));
    const missing = requestId();
    const r = await appendFeedback(f.store, f.model, [
      { id: batch.id, labels: [0, 0] }, { id: single.id, labels: [1] }, { id: missing, labels: [1] },
      { id: batch.id, labels: [1, 2, 3] }, { id: batch.id, labels: [1], row: 1 }, { id: failed.id, labels: [1] }, { id: batch.id, labels: [1], row: 5 },
    ], { now });
    assert.equal(r.written, 3);
    assert.deepEqual(r.unknown, [missing]);
    assert.deepEqual(r.errors.map((e) => e.id), [batch.id, failed.id, batch.id]);
    assert.match(r.errors[0].reason, /3 label\(s\) for a batch of 2/);
    const written = fs.readFileSync(path.join(f.dir, '2026-11-30.jsonl'), 'utf8').trim().split('\n').slice(2).map((l) => JSON.parse(l) as FeedbackLine);
    assert.deepEqual(written.map((l) => [l.kind, l.id, l.predictionTime, l.outputs, l.labels, l.time]), [
      ['feedback', batch.id, batch.time, [0, 1], [0, 0], now.toISOString()],
      ['feedback', single.id, single.time, [1], [1], now.toISOString()],
      ['feedback', batch.id, batch.time, [0, 1], [null, 1], now.toISOString()],
    ]);
    const rep = await monitorReport(f.store, f.model, { now });
    const w = rep.windows.find((x) => x.start === at('10:00', '2026-11-29'))!;
    // Row 1 was labelled 0, then 1: the later label is a correction that replaces the first, so two records count.
    assert.equal(w.performance?.labelled, 2, 'labels count in the window of their prediction, a day earlier');
    assert.equal(w.performance?.accuracy, 1);
  });

  it('monitoredModels lists production models and models with a log folder', async () => {
    const f = await monitorFixture();
    fs.mkdirSync(path.join(f.store.dir, 'monitoring', 'other'));
    writeLog(path.join(f.store.dir, 'monitoring', 'other'), [prediction(at('10:00'))]);
    assert.deepEqual(await monitoredModels(f.store), [{ model: 'churn', productionVersion: 1, hasLog: false }, { model: 'other', hasLog: true }]);
    await assert.rejects(monitorReport(f.store, 'nope'), /no model 'nope' and no monitoring log/);
  });
});
