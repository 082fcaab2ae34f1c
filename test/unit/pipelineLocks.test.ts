// Output locks of pipeline runs on a real store folder: overlapping paths, normalised paths, half-written locks.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store } from '../../src/core';
import { OutputLocks, lockKey } from '../../src/core/pipeline/locks';
import { tmpDir } from './helpers';

describe('pipeline output locks', () => {
  it('a live lock on a folder refuses the same folder written differently, a file inside it, and a folder around it', async () => {
    const { store } = await Store.init(tmpDir('mlops-locks-'));
    const held = OutputLocks.acquire(store.dir, 'prepare', ['out']);
    for (const other of ['out/', 'out//', './out', 'out/a.csv', 'out/deep/b.csv']) {
      assert.throws(() => OutputLocks.acquire(store.dir, 'other', [other]), /pipeline 'prepare' \(pid \d+, started \d\d:\d\d\) is writing out; wait for it or stop it/, other);
    }
    // Not inside: a sibling whose name starts the same.
    OutputLocks.acquire(store.dir, 'other', ['outside', 'data/out']).release();
    held.release();
    const inner = OutputLocks.acquire(store.dir, 'inner', ['out/a.csv']);
    assert.throws(() => OutputLocks.acquire(store.dir, 'outer', ['out']), /pipeline 'inner' .* is writing out\/a\.csv/);
    inner.release();
    OutputLocks.acquire(store.dir, 'outer', ['out/']).release();
  });

  it('a lock file that exists but is not written yet counts as live while young; an old unreadable one is taken over', async () => {
    const { store } = await Store.init(tmpDir('mlops-locks-'));
    OutputLocks.acquire(store.dir, 'p', []).release();
    const dir = path.join(store.dir, 'cache', 'pipeline-locks');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${createHash('sha256').update('out').digest('hex').slice(0, 24)}.json`);
    fs.writeFileSync(file, ''); // another process between its exclusive create and its write
    assert.throws(() => OutputLocks.acquire(store.dir, 'second', ['out']), /another pipeline is starting to write out \(its lock is being written\); wait for it or stop it/);
    assert.equal(fs.readFileSync(file, 'utf8'), '', 'the other process\'s lock was taken');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file, old, old);
    const taken = OutputLocks.acquire(store.dir, 'second', ['out']);
    assert.match(fs.readFileSync(file, 'utf8'), /"pipeline":"second"/);
    taken.release();
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f !== '.keep'), [], 'no temp files are left');
  });

  it('paths are compared without trailing slashes, and case-folded where the file system folds case', () => {
    assert.equal(lockKey('data/prepared/'), 'data/prepared');
    assert.equal(lockKey('data\\prepared'), 'data/prepared');
    assert.equal(lockKey('Data/Prepared/', 'darwin'), 'data/prepared');
    assert.equal(lockKey('Data/Prepared', 'win32'), 'data/prepared');
    assert.equal(lockKey('Data/Prepared', 'linux'), 'Data/Prepared');
  });
});
