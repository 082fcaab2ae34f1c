import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FeedbackLine, MonitorReport } from '../../src/core/monitor';
import { CLI, mlops, tmpDir } from './helpers';
import { monitorFixture, prediction, writeLog } from './monitorFixture';

const minutesAgo = (m: number): Date => new Date(Date.now() - m * 60_000);

describe('mlops monitor, monitor label, data refresh (real processes)', function () {
  this.timeout(120_000);

  it('prints the windows and alerts; --fail-on alert exits 1 only when an alert-severity rule fires; --json parses', async () => {
    const f = await monitorFixture({ goals: {
      constraints: { maxLatencyMsP95: 10 },
      monitoring: { window: '2', alerts: [
        { name: 'errors', quantity: 'errorRate', comparator: 'gte', threshold: 0.5, windows: 2, severity: 'alert' },
        { name: 'slow', quantity: 'latencyMsP95', comparator: 'gt', threshold: 1000, severity: 'warning' },
      ] },
    } });
    writeLog(f.dir, [prediction(minutesAgo(30), { latencyMs: 50 }), prediction(minutesAgo(29), { status: 500 }), prediction(minutesAgo(28))]);
    const text = mlops(['monitor', 'churn'], f.ws);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^Model churn: 2 windows of 2, versions 1; input drift against train /);
    assert.match(text.stdout, /WINDOW\s+REQUESTS\s+ERRORS\s+P50 MS\s+P95 MS \(max 10\)\s+INPUT DRIFT/);
    assert.match(text.stdout, /^\S+ \S+Z\s+2\s+50%\s+26\s+47\.6 > 10\s+1\/2 major \(c\)/m);
    assert.match(text.stdout, /\(open\)\s+1\s+0%/);
    // Alerts judge complete windows: the open one (no errors so far) is not judged; the complete one meets the rule once.
    assert.match(text.stdout, /^ {2}ok {7}errors: errorRate 0\.5 ≥ 0\.5 for 1 window in a row; fires at 2$/m);
    const failing = mlops(['monitor', 'churn', '--fail-on', 'alert'], f.ws);
    assert.equal(failing.code, 0, 'one window in a row of the two the rule wants: nothing fires');
    writeLog(f.dir, [prediction(minutesAgo(27), { status: 500 })]);
    const fired = mlops(['monitor', 'churn', '--fail-on', 'alert'], f.ws);
    assert.equal(fired.code, 1, fired.stdout + fired.stderr);
    assert.match(fired.stdout, /ALERT {4}errors: errorRate 0\.5 ≥ 0\.5 for 2 windows in a row/);
    assert.equal(mlops(['monitor', 'churn', '--fail-on', 'warning'], f.ws).code, 1, 'warning or worse');
    const json = mlops(['monitor', 'churn', '--json'], f.ws);
    assert.equal(json.code, 0);
    const r = JSON.parse(json.stdout) as MonitorReport;
    assert.deepEqual([r.model, r.window.kind, r.windows.length, r.alerts.map((a) => a.firing)], ['churn', 'count', 2, [true, false]]);
    const bad = mlops(['monitor', 'churn', '--fail-on', 'page'], f.ws);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--fail-on is warning or alert/);
    assert.match(mlops(['monitor', 'nope'], f.ws).stderr, /no model 'nope'/);
    const list = mlops(['monitor'], f.ws);
    assert.match(list.stdout, /^churn\s+v1\s+yes$/m);
  });

  it('--window computes other windows without touching windows.jsonl', async () => {
    const f = await monitorFixture();
    writeLog(f.dir, [prediction(minutesAgo(130)), prediction(minutesAgo(5))]);
    const r = JSON.parse(mlops(['monitor', 'churn', '--window', '1d', '--json'], f.ws).stdout) as MonitorReport;
    assert.equal(r.window.text, '1d');
    assert.equal(fs.existsSync(path.join(f.dir, 'windows.jsonl')), false);
    const badWindow = mlops(['monitor', 'churn', '--window', '10s'], f.ws);
    assert.equal(badWindow.code, 2);
    assert.match(badWindow.stderr, /window '10s' is not a duration of at least a minute/);
  });

  it('label joins CSV and JSON Lines labels by request id, and says which ids are unknown', async () => {
    const f = await monitorFixture();
    const a = prediction(minutesAgo(10), { outputs: [1] });
    const b = prediction(minutesAgo(9), { inputs: [{ x: 1 }, { x: 2 }], outputs: [0, 1] });
    writeLog(f.dir, [a, b]);
    fs.writeFileSync(path.join(f.ws, 'labels.csv'), `id,label,row\n${a.id},1,\n${b.id},1,1\n${'e'.repeat(32)},0,\n`);
    const csv = mlops(['monitor', 'label', 'labels.csv', '--model', 'churn'], f.ws);
    assert.equal(csv.code, 1, 'an unknown id makes the exit code 1');
    assert.match(csv.stdout, /^Labelled 2 predictions of churn/);
    assert.match(csv.stdout, new RegExp(`Unknown request ids \\(1\\): ${'e'.repeat(32)}`));
    fs.writeFileSync(path.join(f.ws, 'labels.jsonl'), `${JSON.stringify({ id: b.id, labels: [0, 1] })}\n`);
    const jsonl = mlops(['monitor', 'label', 'labels.jsonl', '--json'], f.ws);
    assert.equal(jsonl.code, 0, jsonl.stderr);
    assert.deepEqual(JSON.parse(jsonl.stdout), { model: 'churn', written: 1, already: [], unknown: [], errors: [], problems: [] });
    const day = fs.readdirSync(f.dir).filter((n) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(n)).sort().pop()!;
    const fb = fs.readFileSync(path.join(f.dir, day), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as FeedbackLine).filter((l) => l.kind === 'feedback');
    // Row 1 of b already has the label 1: only row 0 is written, and each record counts once.
    assert.deepEqual(fb.map((l) => [l.id, l.labels]), [[a.id, [1]], [b.id, [null, 1]], [b.id, [0, null]]]);
    const r = JSON.parse(mlops(['monitor', 'churn', '--json'], f.ws).stdout) as MonitorReport;
    assert.equal(r.windows.reduce((s, w) => s + (w.performance?.labelled ?? 0), 0), 3);
    // The same file again (a retried cron job): nothing is written, and the text says why.
    const again = mlops(['monitor', 'label', 'labels.jsonl'], f.ws);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Labelled 0 predictions of churn\nAlready labelled with the same value, not written again: 1$/m);
    fs.writeFileSync(path.join(f.ws, 'empty.csv'), 'request,truth\n1,2\n');
    const empty = mlops(['monitor', 'label', 'empty.csv'], f.ws);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /the header needs the columns id and label/);
  });

  it('data refresh tags a new version only when the content changed; the second run is a no-op', () => {
    const ws = tmpDir('mlops-refresh-');
    {
      assert.equal(mlops(['init'], ws).code, 0);
      fs.writeFileSync(path.join(ws, 'train.csv'), 'x,y\n1,2\n');
      const first = mlops(['data', 'refresh', 'train', '--from', 'train.csv', '--tag', 'nightly'], ws);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /^changed: tagged train\.csv as dataset 'train' version (\S+) .*the first version\)$/m);
      const id = /version (\S+)/.exec(first.stdout)![1];
      const before = fs.readdirSync(path.join(ws, '.mlops', 'datasets', 'train', 'versions')).sort();
      const second = mlops(['data', 'refresh', 'train', '--from', 'train.csv'], ws);
      assert.equal(second.code, 0);
      assert.equal(second.stdout, `unchanged: ${id}\n`);
      assert.deepEqual(fs.readdirSync(path.join(ws, '.mlops', 'datasets', 'train', 'versions')).sort(), before, 'nothing written');
      fs.appendFileSync(path.join(ws, 'train.csv'), '3,4\n');
      const third = JSON.parse(mlops(['data', 'refresh', 'train', '--from', 'train.csv', '--json'], ws).stdout) as { changed: boolean; previous: string; version: { id: string } };
      assert.equal(third.changed, true);
      assert.equal(third.previous, id);
      assert.notEqual(third.version.id, id);
      assert.match(mlops(['data', 'refresh', 'train'], ws).stderr, /needs --from/);
    }
  });

  it('--watch prints what changed when the log grows, and stops on SIGTERM', async function () {
    if (process.platform === 'win32') { this.skip(); }
    const f = await monitorFixture({ goals: { monitoring: { window: '1', alerts: [{ name: 'errors', quantity: 'errorRate', comparator: 'gt', threshold: 0.5 }] } } });
    writeLog(f.dir, [prediction(minutesAgo(3))]);
    const child = spawn(process.execPath, [CLI, 'monitor', 'churn', '--watch'], { cwd: f.ws });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const waitFor = async (re: RegExp, what: string): Promise<void> => {
      for (let i = 0; i < 200 && !re.test(out + err); i++) { await new Promise((r) => setTimeout(r, 50)); }
      assert.match(out + err, re, what);
    };
    try {
      await waitFor(/watching \.mlops\/monitoring\/churn/, 'the watcher starts');
      const printed = out.length;
      writeLog(f.dir, [prediction(minutesAgo(1), { status: 500 })]);
      await waitFor(/WARNING\s+errors: errorRate 1 > 0\.5/, 'the new window and the alert that now fires are printed');
      assert.ok(!out.slice(printed).includes('0.000Z  1  0%'), 'unchanged windows are not printed again');
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally { if (child.exitCode === null) { child.kill('SIGKILL'); } }
  });
});
