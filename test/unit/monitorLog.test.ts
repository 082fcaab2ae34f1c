import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { monitorReport, readLogLines, type LogLine } from '../../src/core/monitor';
import { monitorFixture, prediction, writeLog } from './monitorFixture';
import { tmpDir } from './helpers';

const at = (hhmm: string, day = '2026-11-30'): string => `${day}T${hhmm}:00.000Z`;

async function readAll(dir: string, opts: Partial<Parameters<typeof readLogLines>[1]> = {}) {
  const lines: { id: string; file: string; line: number }[] = [];
  const r = await readLogLines(dir, { ...opts, onLine: (l: LogLine, p) => lines.push({ id: l.id, file: p.file, line: p.line }) });
  return { ...r, lines };
}

describe('monitor log reader', () => {
  it('reads day files in date order and resumes from the offsets it returned', async () => {
    const dir = tmpDir();
    const a = prediction(at('23:59', '2026-11-29'));
    const b = prediction(at('00:01'));
    writeLog(dir, [b, a]);
    const first = await readAll(dir);
    assert.deepEqual(first.lines.map((l) => [l.id, l.file, l.line]), [[a.id, '2026-11-29.jsonl', 1], [b.id, '2026-11-30.jsonl', 1]]);
    const c = prediction(at('00:02'));
    writeLog(dir, [c]);
    const from = Object.fromEntries(first.files.map((f) => [f.file, f.end]));
    const linesBefore = Object.fromEntries(first.files.map((f) => [f.file, f.lines]));
    const second = await readAll(dir, { from, linesBefore });
    assert.deepEqual(second.lines.map((l) => [l.id, l.line]), [[c.id, 2]]);
    assert.deepEqual(second.problems, []);
  });

  it('leaves a torn last line unread, and reports it only once it stays torn', async () => {
    const dir = tmpDir();
    const a = prediction(at('10:00'));
    const torn = JSON.stringify(prediction(at('10:01'))).slice(0, 40);
    fs.writeFileSync(path.join(dir, '2026-11-30.jsonl'), `${JSON.stringify(a)}\n${torn}`);
    const now = new Date();
    const fresh = await readAll(dir, { now });
    assert.deepEqual(fresh.lines.map((l) => l.id), [a.id]);
    assert.deepEqual(fresh.problems, [], 'a write in progress is not a problem');
    assert.equal(fresh.files[0].end, JSON.stringify(a).length + 1, 'the torn line is not consumed');
    const stale = await readAll(dir, { now: new Date(now.getTime() + 60_000) });
    assert.deepEqual(stale.problems.map((p) => [p.file, p.line]), [['2026-11-30.jsonl', 2]]);
    assert.match(stale.problems[0].reason, /incomplete/);
    // The writer finishes the line: it is read from where the last read stopped.
    const rest = JSON.stringify(prediction(at('10:01'), { id: 'f'.repeat(32) })).slice(40);
    fs.appendFileSync(path.join(dir, '2026-11-30.jsonl'), `${rest}\n`);
    const done = await readAll(dir, { from: { '2026-11-30.jsonl': stale.files[0].end }, linesBefore: { '2026-11-30.jsonl': 1 } });
    assert.equal(done.lines.length, 1);
    assert.equal(done.lines[0].line, 2);
  });

  it('a torn last line of an earlier day is reported at once: no writer will finish it', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, '2026-11-29.jsonl'), `${JSON.stringify(prediction(at('10:00', '2026-11-29')))}\n{"kind":"predic`);
    writeLog(dir, [prediction(at('10:00'))]);
    const r = await readAll(dir);
    assert.equal(r.lines.length, 2);
    assert.deepEqual(r.problems.map((p) => [p.file, p.line]), [['2026-11-29.jsonl', 2]]);
  });

  it('skips bad JSON and lines of another shape with file:line, and recovers a line glued to a torn fragment', async () => {
    const dir = tmpDir();
    const good = prediction(at('10:00'));
    const glued = prediction(at('10:02'));
    fs.writeFileSync(path.join(dir, '2026-11-30.jsonl'), [
      JSON.stringify(good), 'not json', '[1,2]', JSON.stringify({ kind: 'prediction', id: 'x' }), '',
      `{"kind":"prediction","id":"abc","inp${JSON.stringify(glued)}`, JSON.stringify({ kind: 'other' }),
    ].join('\n') + '\n');
    const r = await readAll(dir);
    assert.deepEqual(r.lines.map((l) => l.id), [good.id, glued.id]);
    assert.deepEqual(r.problems.map((p) => p.line), [2, 3, 4, 6, 7]);
    assert.match(r.problems[0].reason, /not valid JSON/);
    assert.match(r.problems[1].reason, /not a JSON object/);
    assert.match(r.problems[2].reason, /without a valid time/);
    assert.match(r.problems[3].reason, /torn fragment .* recovered/);
    assert.match(r.problems[4].reason, /not a prediction or feedback line/);
  });

  it('monitorReport reports log problems with the file relative to the workspace and its line', async () => {
    const f = await monitorFixture();
    writeLog(f.dir, [prediction(at('10:00'))]);
    fs.appendFileSync(path.join(f.dir, '2026-11-30.jsonl'), '{oops\n');
    writeLog(f.dir, [prediction(at('10:01'))]);
    const r = await monitorReport(f.store, f.model, { now: new Date(at('10:30')) });
    assert.equal(r.windows[0].requests, 2);
    assert.deepEqual(r.problems.map((p) => [p.file, p.line]), [['.mlops/monitoring/churn/2026-11-30.jsonl', 2]]);
  });

  it('does not follow a log folder or day file that links out of the store', async function () {
    if (process.platform === 'win32') { this.skip(); }
    const f = await monitorFixture();
    const outside = tmpDir();
    writeLog(outside, [prediction(at('10:00'))]);
    fs.symlinkSync(path.join(outside, '2026-11-30.jsonl'), path.join(f.dir, '2026-11-30.jsonl'));
    const r = await monitorReport(f.store, f.model, { now: new Date(at('10:30')) });
    assert.equal(r.windows.length, 0);
    assert.match(r.problems[0].reason, /outside the store; not followed/);
  });

  it('never reads or writes a windows.jsonl that links out of the store', async function () {
    if (process.platform === 'win32') { this.skip(); }
    const f = await monitorFixture();
    writeLog(f.dir, [prediction(at('10:00')), prediction(at('11:00'))]);
    const outside = path.join(tmpDir(), 'windows.jsonl');
    const planted = { kind: 'window', start: at('09:00'), end: at('10:00'), closed: true, versions: [1], requests: 99, rows: 99, errors: 0, errorRate: 0, latencyMs: null, inputDrift: null, predictionDrift: null, performance: null, dataAgeHours: null, values: { requests: 99 } };
    // A cache that would match in every other way: the real one, with a window planted before its own.
    await monitorReport(f.store, f.model, { now: new Date(at('11:30')) });
    const [header, ...windows] = fs.readFileSync(path.join(f.dir, 'windows.jsonl'), 'utf8').trim().split('\n');
    fs.writeFileSync(outside, [header, JSON.stringify(planted), ...windows].join('\n') + '\n');
    const before = fs.readFileSync(outside, 'utf8');
    fs.rmSync(path.join(f.dir, 'windows.jsonl'));
    fs.symlinkSync(outside, path.join(f.dir, 'windows.jsonl'));
    const r = await monitorReport(f.store, f.model, { now: new Date(at('11:30')) });
    assert.deepEqual(r.windows.map((w) => w.requests), [1, 1]);
    assert.equal(fs.readFileSync(outside, 'utf8'), before, 'the file outside is left alone');
    assert.ok(r.problems.some((p) => /not cached: refusing to write through the symbolic link/.test(p.reason)));
  });
});
