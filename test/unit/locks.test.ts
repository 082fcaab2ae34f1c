// Owned locks (docs/format.md "Locks") and crash safety of promotion, with real processes and real SIGKILLs.
import { GATE_CHECKS } from '../../src/core/gate/types';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { Store, MlopsError } from '../../src/core';
import { withFileLock, onLockEvent, type LockEvent } from '../../src/core/store/lock';
import { CLI, tmpDir } from './helpers';

const WRITER = path.join(__dirname, 'child', 'writer.js');

/** The pid of a process that has certainly ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function plantLock(file: string, owner: Record<string, unknown> | undefined, mtime?: Date): string {
  const lock = `${file}.lock`;
  fs.mkdirSync(lock);
  if (owner) { fs.writeFileSync(path.join(lock, 'owner.json'), JSON.stringify(owner)); }
  if (mtime) { fs.utimesSync(lock, mtime, mtime); }
  return lock;
}

function ownerToken(lock: string): string | undefined {
  try { return (JSON.parse(fs.readFileSync(path.join(lock, 'owner.json'), 'utf8')) as { token: string }).token; } catch { return undefined; }
}

describe('locks: owned, taken over atomically, released only by their owner', function () {
  this.timeout(30_000);
  let events: LockEvent[] = [];
  let off: () => void = () => undefined;
  beforeEach(() => { events = []; off = onLockEvent((e) => events.push(e)); });
  afterEach(() => off());

  it('a lock left by a process that has ended (this host) is broken at once', async () => {
    const file = path.join(tmpDir(), 'run.json');
    plantLock(file, { pid: deadPid(), host: os.hostname(), token: 'a'.repeat(32), acquiredAt: Date.now() });
    const started = Date.now();
    assert.equal(await withFileLock(file, () => Promise.resolve('in')), 'in');
    assert.ok(Date.now() - started < 10_000);
    assert.equal(fs.existsSync(`${file}.lock`), false);
    assert.ok(events.some((e) => e.kind === 'broken-stale' && /has ended/.test(e.message)));
  });

  it('a lock of another host older than the stale limit is broken; a legacy lock without owner by its age', async () => {
    const dir = tmpDir();
    const a = path.join(dir, 'a.json');
    plantLock(a, { pid: 1, host: 'elsewhere', token: 'b'.repeat(32), acquiredAt: Date.now() - 40_000 });
    assert.equal(await withFileLock(a, () => Promise.resolve(1)), 1);
    const b = path.join(dir, 'b.json');
    // A lock folder of version 0.1 (empty: no owner) is replaced by the rename that acquires.
    plantLock(b, undefined, new Date(Date.now() - 40_000));
    assert.equal(await withFileLock(b, () => Promise.resolve(2)), 2);
    assert.ok(events.some((e) => e.kind === 'broken-stale' && /elsewhere/.test(e.message)));
    assert.equal(fs.existsSync(`${b}.lock`), false);
  });

  it('the wait outlasts the stale limit: a waiter never gives up before a crashed holder\'s lock counts as stale', async () => {
    const file = path.join(tmpDir(), 'c.json');
    plantLock(file, { pid: 4242, host: 'elsewhere', token: 'c'.repeat(32), acquiredAt: Date.now() });
    // Asked to wait only 0.2 s, it still waits past the 1.5 s stale limit and then breaks the lock.
    assert.equal(await withFileLock(file, () => Promise.resolve('late'), { staleMs: 1500, waitMs: 200 }), 'late');
    assert.ok(events.some((e) => e.kind === 'broken-stale' && /elsewhere/.test(e.message)));
  });

  it('a lock that stays fresh (a live writer) ends the wait with a message naming its owner', async () => {
    const file = path.join(tmpDir(), 'f.json');
    const lock = plantLock(file, { pid: 4242, host: 'elsewhere', token: 'f'.repeat(32), acquiredAt: Date.now() + 3_600_000 });
    await assert.rejects(withFileLock(file, () => Promise.resolve(0), { staleMs: 300, waitMs: 300 }), (e: unknown) => e instanceof MlopsError && e.kind === 'conflict' && /process 4242 on elsewhere/.test(e.message));
    assert.equal(ownerToken(lock), 'f'.repeat(32), 'the live lock was left alone');
  });

  it('a holder whose lock was taken over does not delete the new holder\'s lock on release', async () => {
    const file = path.join(tmpDir(), 'd.json');
    const lock = `${file}.lock`;
    let secondToken: string | undefined;
    let secondHolding: () => void = () => undefined;
    const secondIn = new Promise<void>((r) => { secondHolding = r; });
    let releaseSecond: () => void = () => undefined;
    const secondMayGo = new Promise<void>((r) => { releaseSecond = r; });
    let second: Promise<void> | undefined;
    await withFileLock(file, async () => {
      // This holder is "hung" past the stale limit: age its owner record.
      const owner = JSON.parse(fs.readFileSync(path.join(lock, 'owner.json'), 'utf8')) as { acquiredAt: number; host: string };
      owner.acquiredAt = Date.now() - 60_000;
      owner.host = 'elsewhere';
      fs.writeFileSync(path.join(lock, 'owner.json'), JSON.stringify(owner));
      second = withFileLock(file, async () => {
        secondToken = ownerToken(lock);
        secondHolding();
        await secondMayGo;
      });
      await secondIn;
    });
    // The first holder has "released": the second's lock must still be there, with its token.
    assert.ok(secondToken);
    assert.equal(ownerToken(lock), secondToken);
    assert.ok(events.some((e) => e.kind === 'lost'));
    releaseSecond();
    await second;
    assert.equal(fs.existsSync(lock), false);
  });

  it('a waiter whose folder is moved away meanwhile (a run sent to the trash) fails as not-found', async () => {
    const dir = tmpDir();
    const runDir = path.join(dir, 'run');
    fs.mkdirSync(runDir);
    const file = path.join(runDir, 'run.json');
    let waiter: Promise<unknown> | undefined;
    await withFileLock(file, async () => {
      waiter = withFileLock(file, () => Promise.resolve('never'));
      await new Promise((r) => setTimeout(r, 50)); // the waiter has its private folder in run/ and is waiting
      fs.renameSync(runDir, path.join(dir, 'trashed'));
    });
    await assert.rejects(waiter!, (e: unknown) => e instanceof MlopsError && e.kind === 'not-found');
  });

  it('locking a file whose folder is gone fails as not-found and creates nothing', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'gone', 'run.json');
    await assert.rejects(withFileLock(file, () => Promise.resolve(0)), (e: unknown) => e instanceof MlopsError && e.kind === 'not-found');
    assert.equal(fs.existsSync(path.join(dir, 'gone')), false);
  });

  it('six processes updating one run, with a stale lock present at the start, lose no update', async () => {
    const { store } = await Store.init(tmpDir());
    const run = await store.createRun({ experiment: 'locks' });
    plantLock(store.runFile(run.id), { pid: deadPid(), host: os.hostname(), token: 'e'.repeat(32), acquiredAt: Date.now() });
    const procs = Array.from({ length: 6 }, (_, i) => new Promise<number | null>((resolve) => {
      const p = spawn(process.execPath, [WRITER, 'tags', store.root, run.id, `p${i}`, '12'], { stdio: 'ignore' });
      p.on('close', resolve);
    }));
    assert.deepEqual(await Promise.all(procs), [0, 0, 0, 0, 0, 0]);
    const tags = (await store.readRun(run.id)).tags;
    assert.equal(tags.length, 72);
    const leftovers = fs.readdirSync(store.runDir(run.id)).filter((e) => e.includes('.lock'));
    assert.deepEqual(leftovers, []);
  });
});

describe('promotion survives SIGKILL at any point (real processes)', function () {
  this.timeout(180_000);

  function productionVersions(store: Store, model: string): number[] {
    const dir = path.join(store.modelDir(model), 'versions');
    return fs.readdirSync(dir).filter((f) => /^\d+\.json$/.test(f))
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { version: number; stage: string })
      .filter((v) => v.stage === 'production').map((v) => v.version).sort();
  }

  async function modelWithVersions(n: number): Promise<Store> {
    const { store } = await Store.init(tmpDir());
    const run = await store.createRun({ experiment: 'kill' });
    const artifact = path.join(store.root, 'model.bin');
    fs.writeFileSync(artifact, 'weights');
    for (let i = 0; i < n; i++) { await store.registerModel({ name: 'm', runId: run.id, artifactPath: artifact }); }
    // What is under test is the promotion's writes, not the gate (gate.test.ts): every check is off.
    fs.writeFileSync(store.goalsFile(), JSON.stringify({ formatVersion: 1, gate: { checks: Object.fromEntries(GATE_CHECKS.map((c) => [c, 'off'])) } }));
    return store;
  }

  it('a process promoting in a loop, killed 30 times at random moments, never leaves two production versions', async () => {
    const store = await modelWithVersions(3);
    let kills = 0;
    let acks = 0;
    for (let round = 0; round < 30; round++) {
      const p = spawn(process.execPath, [WRITER, 'promote', store.root, 'm', '3', '100000'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let started: () => void = () => undefined;
      const firstAck = new Promise<void>((r) => { started = r; });
      p.stdout.on('data', (d: Buffer) => { acks += d.toString().split('\n').filter(Boolean).length; started(); });
      const closed = new Promise<NodeJS.Signals | null>((r) => p.on('close', (_code, signal) => r(signal)));
      await Promise.race([firstAck, closed]);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
      p.kill('SIGKILL');
      if ((await closed) === 'SIGKILL') { kills++; }
      const prod = productionVersions(store, 'm');
      assert.ok(prod.length <= 1, `round ${round}: production versions ${prod.join(', ')}`);
    }
    assert.ok(kills >= 30, `only ${kills} kills landed`);
    assert.ok(acks > 30, 'the loop promoted');
    // The locks of killed processes are broken at once (their pids are gone): the next promotion just works.
    const r = spawnSync(process.execPath, [CLI, 'model', 'promote', 'm', '2', '--stage', 'production'], { cwd: store.root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(productionVersions(store, 'm'), [2]);
  });

  it('`mlops model promote` killed 30 times during its run never leaves two production versions', async () => {
    const store = await modelWithVersions(3);
    let kills = 0;
    for (let round = 0; round < 30; round++) {
      const p = spawn(process.execPath, [CLI, 'model', 'promote', 'm', String((round % 3) + 1), '--stage', 'production'], { cwd: store.root, stdio: 'ignore' });
      const closed = new Promise<NodeJS.Signals | null>((r) => p.on('close', (_code, signal) => r(signal)));
      // Spread the kills over start-up and the promotion itself.
      await new Promise((r) => setTimeout(r, 60 + Math.floor(Math.random() * 200)));
      p.kill('SIGKILL');
      if ((await closed) === 'SIGKILL') { kills++; }
      const prod = productionVersions(store, 'm');
      assert.ok(prod.length <= 1, `round ${round}: production versions ${prod.join(', ')}`);
    }
    assert.ok(kills > 0);
  });
});
