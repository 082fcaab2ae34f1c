import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store, noGitPort, simpleGitPort } from '../../src/core';
import { git, tmpDir } from './helpers';

describe('git state (real temp repository)', () => {
  it('is undefined outside a repository and in a repository without commits', async () => {
    const d = tmpDir();
    assert.equal(await simpleGitPort.state(d), undefined);
    git(d, 'init', '-q');
    assert.equal(await simpleGitPort.state(d), undefined);
    assert.equal(await noGitPort.state(d), undefined);
  });

  it('records the commit, the branch, and dirty with a diff hash that follows the change', async () => {
    const d = tmpDir();
    git(d, 'init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(d, 'train.py'), 'print(1)\n');
    git(d, 'add', '.');
    git(d, 'commit', '-qm', 'init');
    const head = git(d, 'rev-parse', 'HEAD').trim();
    const clean = await simpleGitPort.state(d);
    assert.deepEqual(clean, { commit: head, dirty: false, branch: 'main' });

    // Writing the store itself never makes the tree dirty.
    const { store } = await Store.init(d);
    await store.createRun({ experiment: 'e' });
    assert.equal((await simpleGitPort.state(d))?.dirty, false);

    fs.writeFileSync(path.join(d, 'train.py'), 'print(2)\n');
    const dirty1 = await simpleGitPort.state(d);
    assert.equal(dirty1?.dirty, true);
    assert.match(dirty1?.diffHash ?? '', /^[0-9a-f]{64}$/);
    fs.writeFileSync(path.join(d, 'train.py'), 'print(3)\n');
    const dirty2 = await simpleGitPort.state(d);
    assert.notEqual(dirty2?.diffHash, dirty1?.diffHash);

    // From a subfolder, the whole work tree counts.
    fs.mkdirSync(path.join(d, 'sub'));
    assert.equal((await simpleGitPort.state(path.join(d, 'sub')))?.dirty, true);
    // An untracked file is an uncommitted change too.
    git(d, 'checkout', '-q', 'train.py');
    fs.writeFileSync(path.join(d, 'new.py'), 'x = 1\n');
    assert.equal((await simpleGitPort.state(d))?.dirty, true);
  });
});
