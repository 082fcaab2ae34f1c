import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { Store } from '../../src/core';
import { tmpDir } from './helpers';

const WRITER = path.join(__dirname, 'child', 'writer.js');

interface Writer { proc: ChildProcess; acked: number[]; done: Promise<number | null> }

function startWriter(args: string[]): Writer {
  const proc = spawn(process.execPath, [WRITER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked: number[] = [];
  let buf = '';
  proc.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const m = /^ack (\d+)$/.exec(buf.slice(0, nl));
      if (m) { acked.push(Number(m[1])); }
      buf = buf.slice(nl + 1);
    }
  });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const done = new Promise<number | null>((resolve) => proc.on('close', (code) => {
    if (code !== 0 && code !== null) { console.error(stderr); }
    resolve(code);
  }));
  return { proc, acked, done };
}

describe('concurrent writers (real processes)', function () {
  this.timeout(120_000);

  it('several processes append metrics to one run; one is SIGKILLed mid-way; every acknowledged point is there', async () => {
    const { store } = await Store.init(tmpDir());
    const run = await store.createRun({ experiment: 'concurrency' });
    const names = ['w0', 'w1', 'w2', 'w3'];
    const writers = names.map((n) => startWriter(['metrics', store.root, run.id, n, '400']));
    const victim = writers[1];
    while (victim.acked.length < 40) { await new Promise((r) => setTimeout(r, 5)); }
    victim.proc.kill('SIGKILL');
    const codes = await Promise.all(writers.map((w) => w.done));
    assert.deepEqual(codes, [0, null, 0, 0]);
    assert.ok(victim.acked.length < 400, 'the victim was killed before it finished');

    const { points, problems } = await store.readMetrics(run.id);
    // Lines never interleave: at most a torn tail from the killed writer could be reported.
    assert.ok(problems.length <= 1, JSON.stringify(problems));
    for (const [i, w] of writers.entries()) {
      const present = new Set(points.filter((p) => p.name === names[i]).map((p) => p.step));
      const lost = w.acked.filter((s) => !present.has(s));
      assert.deepEqual(lost, [], `${names[i]} lost acknowledged points`);
    }
    assert.equal(points.filter((p) => p.name === 'w0').length, 400);
  });

  it('several processes updating one run.json under its lock lose no update', async () => {
    const { store } = await Store.init(tmpDir());
    const run = await store.createRun({ experiment: 'concurrency' });
    const writers = ['a', 'b', 'c'].map((n) => startWriter(['tags', store.root, run.id, n, '15']));
    assert.deepEqual(await Promise.all(writers.map((w) => w.done)), [0, 0, 0]);
    const tags = (await store.readRun(run.id)).tags;
    assert.equal(tags.length, 45);
    assert.equal(new Set(tags).size, 45);
  });
});
