import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareManifests, isSame, verifyAgainst } from '../../src/core/data/compare';
import { hashPath } from '../../src/core/data/hash';
import { tmpDir } from './helpers';

function write(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
}

describe('data compare (src/core/data/compare, real temp folders)', () => {
  it('two manifests: added, removed and changed files by path, in code-point order', async () => {
    const a = tmpDir();
    const b = tmpDir();
    write(a, { 'train.csv': 'x\n1\n', 'test.csv': 'x\n2\n', 'sub/keep.txt': 'same', 'Z.txt': 'z' });
    write(b, { 'train.csv': 'x\n1\n3\n', 'sub/keep.txt': 'same', 'sub/new.txt': 'n', 'B.txt': 'b', 'Z.txt': 'z!' });
    const before = (await hashPath(a)).entries;
    const after = (await hashPath(b)).entries;
    const d = compareManifests(before, after);
    assert.deepEqual(d.added.map((e) => e.path), ['B.txt', 'sub/new.txt']);
    assert.deepEqual(d.removed.map((e) => e.path), ['test.csv']);
    assert.deepEqual(d.changed.map((c) => c.path), ['Z.txt', 'train.csv']);
    assert.equal(d.changed[1].before.size, 4);
    assert.equal(d.changed[1].after.size, 6);
    assert.equal(d.unchanged, 1);
    assert.equal(isSame(d), false);
    assert.equal(isSame(compareManifests(before, before)), true);
    assert.equal(compareManifests(before, before).unchanged, 4);
  });

  it('same size, other content is a change; paths such as __proto__ are plain names', () => {
    const e = (p: string, sha: string, size = 1) => ({ path: p, size, sha256: sha.repeat(64) });
    const d = compareManifests([e('__proto__', 'a'), e('constructor', 'b')], [e('__proto__', 'c'), e('constructor', 'b'), e('toString', 'd')]);
    assert.deepEqual(d.changed.map((c) => c.path), ['__proto__']);
    assert.deepEqual(d.added.map((x) => x.path), ['toString']);
    assert.equal(d.unchanged, 1);
  });

  it('verify re-hashes a folder: changed, missing and new files; an untouched copy verifies', async () => {
    const dir = tmpDir();
    write(dir, { 'a.csv': '1', 'b.csv': '2', 'c/d.csv': '3' });
    const manifest = (await hashPath(dir)).entries;
    const copy = tmpDir();
    write(copy, { 'a.csv': '1', 'b.csv': '2', 'c/d.csv': '3' });
    assert.equal(isSame(await verifyAgainst(manifest, copy)), true);
    fs.writeFileSync(path.join(dir, 'a.csv'), 'one');
    fs.rmSync(path.join(dir, 'c', 'd.csv'));
    write(dir, { 'e.csv': '5' });
    const d = await verifyAgainst(manifest, dir);
    assert.deepEqual([d.changed.map((c) => c.path), d.removed.map((x) => x.path), d.added.map((x) => x.path), d.unchanged], [['a.csv'], ['c/d.csv'], ['e.csv'], 1]);
  });

  it('verify of a one-file version compares content whatever the file is called now', async () => {
    const dir = tmpDir();
    write(dir, { 'data.csv': 'x\n1\n', 'renamed.csv': 'x\n1\n', 'other.csv': 'x\n2\n' });
    const manifest = (await hashPath(path.join(dir, 'data.csv'))).entries;
    assert.equal(isSame(await verifyAgainst(manifest, path.join(dir, 'renamed.csv'))), true);
    const d = await verifyAgainst(manifest, path.join(dir, 'other.csv'));
    assert.deepEqual(d.changed.map((c) => c.path), ['data.csv']);
  });

  it('a source that is gone is a clear not-found error', async () => {
    await assert.rejects(verifyAgainst([], path.join(tmpDir(), 'nope')), /cannot read .*nope/);
  });
});
