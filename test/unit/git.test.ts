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

  it('the ordinary "no git" cases are silent: not a repository, no commit yet, git not installed', async () => {
    const d = tmpDir();
    assert.deepEqual(await simpleGitPort.inspect(d), {});
    git(d, 'init', '-q');
    assert.deepEqual(await simpleGitPort.inspect(d), {});
    fs.writeFileSync(path.join(d, 'a.txt'), 'a\n');
    git(d, 'add', '.');
    git(d, 'commit', '-qm', 'init');
    const savedPath = process.env.PATH;
    process.env.PATH = tmpDir();
    try {
      assert.deepEqual(await simpleGitPort.inspect(d), {}, 'no git on PATH');
    } finally { process.env.PATH = savedPath; }
    assert.equal((await simpleGitPort.inspect(d)).problem, undefined);
  });

  it('a detached HEAD is a commit without a branch, not a failure', async () => {
    const d = tmpDir();
    git(d, 'init', '-q');
    fs.writeFileSync(path.join(d, 'a.txt'), 'a\n');
    git(d, 'add', '.');
    git(d, 'commit', '-qm', 'init');
    const head = git(d, 'rev-parse', 'HEAD').trim();
    git(d, 'checkout', '-q', '--detach');
    assert.deepEqual(await simpleGitPort.inspect(d), { info: { commit: head, dirty: false } });
  });

  it('a repository without commits is "no git" whatever language git speaks', async () => {
    const saved = { LANG: process.env.LANG, LANGUAGE: process.env.LANGUAGE, LC_ALL: process.env.LC_ALL, LC_MESSAGES: process.env.LC_MESSAGES };
    process.env.LANG = 'C.UTF-8';
    process.env.LANGUAGE = 'fr:de';
    delete process.env.LC_ALL;
    delete process.env.LC_MESSAGES;
    try {
      const d = tmpDir();
      git(d, 'init', '-q');
      assert.deepEqual(await simpleGitPort.inspect(d), {});
    } finally {
      for (const [k, v] of Object.entries(saved)) { if (v === undefined) { delete process.env[k]; } else { process.env[k] = v; } }
    }
  });

  it('a real git failure is reported with git\'s message instead of passing for "no commit"', async () => {
    const d = tmpDir();
    git(d, 'init', '-q');
    fs.writeFileSync(path.join(d, 'a.txt'), 'a\n');
    git(d, 'add', '.');
    git(d, 'commit', '-qm', 'init');
    // A damaged index: git status cannot read it.
    fs.writeFileSync(path.join(d, '.git', 'index'), 'this is not an index file');
    const r = await simpleGitPort.inspect(d);
    assert.equal(r.info, undefined);
    assert.match(r.problem ?? '', /index/i);
    assert.equal(await simpleGitPort.state(d), undefined, 'state() keeps its old contract: no information');
  });
});
