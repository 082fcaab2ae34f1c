// mlops monitor with a goals.json whose monitoring settings have errors, and --watch with --fail-on (real processes).
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, mlops } from './helpers';
import { age } from '../../src/cli/monitor';
import { monitorFixture, prediction, writeLog } from './monitorFixture';

const minutesAgo = (m: number): Date => new Date(Date.now() - m * 60_000);

describe('mlops monitor: goals errors and --watch --fail-on (real processes)', function () {
  this.timeout(120_000);

  it('a rule goals.json cannot read is named on stderr with its line, and --fail-on exits 2 instead of reading "no alert"', async () => {
    const f = await monitorFixture();
    const goals = path.join(f.ws, '.mlops', 'goals.json');
    fs.writeFileSync(goals, JSON.stringify({ formatVersion: 1, monitoring: { window: '2', alerts: [{ name: 'drift', quantity: 'inputDrift', comparator: 'gte', threshold: 0.5, severity: 'alert' }] } }, null, 2));
    writeLog(f.dir, [prediction(minutesAgo(3)), prediction(minutesAgo(2)), prediction(minutesAgo(1))]);
    const plain = mlops(['monitor', 'churn'], f.ws);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stderr, /goals\.json:8:21: quantity: not a monitored quantity: use requests, /);
    const gated = mlops(['monitor', 'churn', '--fail-on', 'alert'], f.ws);
    assert.equal(gated.code, 2, gated.stdout + gated.stderr);
    assert.match(gated.stderr, /goals\.json has 1 error in its monitoring settings, so alert rules may be missing; fix it \(exit 2\)/);
  });

  it('--watch --fail-on alert ends with exit 1 once a rule of that severity fires', async () => {
    const f = await monitorFixture({ goals: { monitoring: { window: '2', alerts: [{ name: 'errors', quantity: 'errorRate', comparator: 'gte', threshold: 0.5, severity: 'alert' }] } } });
    writeLog(f.dir, [prediction(minutesAgo(5)), prediction(minutesAgo(4))]);
    const child = spawn(process.execPath, [CLI, 'monitor', 'churn', '--watch', '--fail-on', 'alert'], { cwd: f.ws, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Once it watches, two failed requests close a window with a 100 % error rate.
    for (let i = 0; i < 200 && !err.includes('watching'); i++) { await new Promise((r) => setTimeout(r, 50)); }
    assert.match(err, /watching/);
    writeLog(f.dir, [prediction(minutesAgo(3), { status: 500 }), prediction(minutesAgo(2), { status: 500 })]);
    const timeout = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await exited;
    clearTimeout(timeout);
    assert.equal(code, 1, err);
  });

  it('data age reads as minutes, hours or days, not a fraction of an hour', () => {
    assert.deepEqual([age(0.000978), age(0.5), age(5.24), age(72)], ['< 1 min', '30 min', '5.2 h', '3 d']);
  });
});
