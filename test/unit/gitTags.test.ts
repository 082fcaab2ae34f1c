import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { MlopsError } from '../../src/core';
import type { GateResult } from '../../src/core/gate';
import { createStageTag, createVersionTag, listModelTags, parseModelTag, stageTagName, tagMessage, tagNameProblem, versionTagName } from '../../src/core/git/tags';
import { git, tmpDir } from './helpers';

/** A repository with one commit per message and a configured user (annotated tags need a tagger). */
function repo(commits = ['init']): { dir: string; ids: string[] } {
  const dir = tmpDir('mlops-tags-');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Ada Tagger');
  git(dir, 'config', 'user.email', 'ada@example.com');
  const ids: string[] = [];
  commits.forEach((m, i) => {
    fs.writeFileSync(path.join(dir, 'train.py'), `print(${i})\n`);
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', m);
    ids.push(git(dir, 'rev-parse', 'HEAD').trim());
  });
  return { dir, ids };
}

const tags = (dir: string) => git(dir, 'tag', '-l').split('\n').filter(Boolean);

async function refuses(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof MlopsError, `an MlopsError, got ${String(e)}`);
    assert.match(e.message, re);
    return true;
  });
}

const gate: GateResult = {
  model: 'churn', version: 2, runId: 'r1', stage: 'production', evaluatedAt: '2026-11-30T00:00:00Z', commit: { id: 'a'.repeat(40), from: 'run' },
  passed: true, blocking: [], problems: [],
  checks: [
    { id: 'goals', title: 'Goals and KPIs', level: 'required', status: 'pass', summary: '3 of 3 goals met', evidence: [] },
    { id: 'slices', title: 'Slices', level: 'required', status: 'waived', summary: 'spread of accuracy across fold is 0.12 (> 0.05)', evidence: [], waiver: 'fold 3 is\nsynthetic' },
  ],
};

describe('model registry as git tags (GTO names, real temp repositories)', () => {
  it('names tags like GTO and reads them back', () => {
    assert.equal(versionTagName('churn', 3), 'churn@v3.0.0');
    assert.equal(stageTagName('churn', 'production', 2), 'churn#production#2');
    assert.deepEqual(parseModelTag('churn@v3.0.0'), { kind: 'version', model: 'churn', version: 3 });
    assert.deepEqual(parseModelTag('my-model.v2#staging#11'), { kind: 'stage', model: 'my-model.v2', stage: 'staging', n: 11 });
    for (const other of ['v1.0.0', 'churn@v1.2.0', 'churn@v0.0.0', 'churn#production', 'churn#production#0', 'release-1']) {
      assert.equal(parseModelTag(other), undefined, other);
    }
  });

  it('explains which model names git (or GTO\'s format) cannot use, agreeing with git check-ref-format', () => {
    const cases: [string, RegExp][] = [
      ['churn model', /space/], ['a..b', /'\.\.'/], ['model.', /ends with '\.'/], ['model.lock', /\.lock/], ['.hidden', /starts with '\.'/],
      ['a~1', /'~'/], ['a^b', /'\^'/], ['a:b', /':'/], ['a?', /'\?'/], ['a*', /'\*'/], ['a[0]', /'\['/], ['a\\b', /'\\'/], ['a\tb', /control/],
      ['a@b', /'@'/], ['a#b', /'#'/], ['a/b', /'\/'/], ['', /empty/], ['-rf', /option/],
    ];
    for (const [name, re] of cases) { assert.match(tagNameProblem(name) ?? '', re, JSON.stringify(name)); }
    for (const name of ['churn', 'Churn_Model-2', 'x.y', '7']) { assert.equal(tagNameProblem(name), undefined, name); }
    // What we accept, git accepts in a tag name; what git itself refuses there, we refuse too (we are stricter for
    // a trailing '.' or '.lock', which only git's own rule for the last part of a ref forbids).
    const gitAccepts = (name: string) => spawnSync('git', ['check-ref-format', `refs/tags/${versionTagName(name, 1)}`]).status === 0;
    for (const name of ['churn', 'Churn_Model-2', 'x.y', '7']) { assert.ok(gitAccepts(name), name); }
    for (const name of ['churn model', 'a..b', 'a~1', 'a^b', 'a:b', 'a?', 'a*', 'a[0]', 'a\\b', 'a\tb', '.hidden']) {
      assert.ok(!gitAccepts(name), `git refuses ${JSON.stringify(name)}`);
      assert.ok(tagNameProblem(name), `we refuse ${JSON.stringify(name)}`);
    }
  });

  it('creates an annotated version tag on the run\'s commit with the gate summary in its message', async () => {
    const { dir, ids } = repo(['first', 'second', 'third']);
    const made = await createVersionTag(dir, { model: 'churn', version: 2, commit: ids[0], message: tagMessage('Register churn v2 (run r1)', gate) });
    assert.deepEqual(made, { tag: 'churn@v2.0.0', commit: ids[0] });
    assert.deepEqual(tags(dir), ['churn@v2.0.0']);
    assert.equal(git(dir, 'cat-file', '-t', 'churn@v2.0.0').trim(), 'tag');
    assert.equal(git(dir, 'rev-parse', 'churn@v2.0.0^{commit}').trim(), ids[0]);
    const body = git(dir, 'for-each-ref', '--format=%(contents)', 'refs/tags/churn@v2.0.0');
    assert.match(body, /^Register churn v2 \(run r1\)\n\nGate: passed at aaaaaaaaaaaa\npass goals: 3 of 3 goals met\nwaived slices: spread of accuracy across fold is 0\.12 \(> 0\.05\) \(waived: fold 3 is synthetic\)\n/);
    assert.equal(git(dir, 'for-each-ref', '--format=%(taggername) %(taggeremail)', 'refs/tags/churn@v2.0.0').trim(), 'Ada Tagger <ada@example.com>');
  });

  it('tags HEAD, and says so, when the run\'s commit is not in the repository; HEAD when no commit is given', async () => {
    const { dir, ids } = repo(['one', 'two']);
    const missing = 'f'.repeat(40);
    const made = await createVersionTag(dir, { model: 'churn', version: 1, commit: missing, message: 'm' });
    assert.equal(made.commit, ids[1]);
    assert.match(made.fellBackToHead ?? '', /ffffffffffff is not in this repository.*tagged HEAD/);
    const plain = await createVersionTag(dir, { model: 'churn', version: 2, message: 'm' });
    assert.deepEqual(plain, { tag: 'churn@v2.0.0', commit: ids[1] });
  });

  it('numbers stage tags like GTO: 1 + the highest of that model\'s stage tags, whatever their stage; other models do not count', async () => {
    const { dir, ids } = repo(['a', 'b']);
    git(dir, 'tag', 'churn#production#4', ids[0]); // a lightweight one made by hand still takes its number
    git(dir, 'tag', '-a', '-m', 'x', 'other#production#9', ids[0]);
    git(dir, 'tag', '-a', '-m', 'x', 'churn#staging#7', ids[0]);
    const p1 = await createStageTag(dir, { model: 'churn', stage: 'production', commit: ids[0], message: 'Promote churn v1 to production' });
    assert.deepEqual(p1, { tag: 'churn#production#8', commit: ids[0] });
    const p2 = await createStageTag(dir, { model: 'churn', stage: 'production', message: 'Promote churn v2 to production' });
    assert.equal(p2.tag, 'churn#production#9');
    const s1 = await createStageTag(dir, { model: 'fresh', stage: 'staging', message: 'Promote fresh v1 to staging' });
    assert.equal(s1.tag, 'fresh#staging#1');
    assert.equal(git(dir, 'cat-file', '-t', 'churn#production#9').trim(), 'tag');
    assert.equal(git(dir, 'rev-parse', 'churn#production#9^{commit}').trim(), ids[1]);
    assert.deepEqual(tags(dir).filter((t) => t.startsWith('churn#production#')), ['churn#production#4', 'churn#production#8', 'churn#production#9']);
  });

  it('gives concurrent promotions of one model to one stage different numbers', async () => {
    const { dir } = repo();
    const made = await Promise.all([1, 2, 3, 4].map((v) => createStageTag(dir, { model: 'churn', stage: 'production', message: `Promote churn v${v} to production` })));
    assert.deepEqual(made.map((m) => m.tag).sort(), ['churn#production#1', 'churn#production#2', 'churn#production#3', 'churn#production#4']);
    assert.equal(tags(dir).length, 4);
  });

  it('lists the registry events from git for-each-ref', async () => {
    const { dir, ids } = repo(['a', 'b']);
    await createVersionTag(dir, { model: 'churn', version: 1, commit: ids[0], message: tagMessage('Register churn v1', gate) });
    await createStageTag(dir, { model: 'churn', stage: 'production', commit: ids[0], message: 'Promote churn v1 to production' });
    git(dir, 'tag', 'release-1');
    git(dir, 'tag', 'churn@v2.0.0', ids[1]);
    const events = await listModelTags(dir);
    assert.deepEqual(events.map((e) => [e.tag, e.kind, e.model, e.commit, e.annotated, e.message]), [
      ['churn#production#1', 'stage', 'churn', ids[0], true, 'Promote churn v1 to production'],
      ['churn@v1.0.0', 'version', 'churn', ids[0], true, 'Register churn v1'],
      ['churn@v2.0.0', 'version', 'churn', ids[1], false, 'b'],
    ]);
    const stage = events[0];
    assert.ok(stage.kind === 'stage');
    assert.equal(stage.stage, 'production');
    assert.equal(stage.n, 1);
    assert.deepEqual(stage.tagger, { name: 'Ada Tagger', email: 'ada@example.com' });
    assert.match(stage.date ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)$/);
    assert.equal(events[2].tagger, undefined);
    // From a sub-folder of the repository too.
    fs.mkdirSync(path.join(dir, 'sub'));
    assert.equal((await listModelTags(path.join(dir, 'sub'))).length, 3);
  });

  it('refuses, with one clear message and no tag: no repository, no commit, an existing tag, an invalid name, no identity', async () => {
    const plain = tmpDir('mlops-notrepo-');
    await refuses(createVersionTag(plain, { model: 'churn', version: 1, message: 'm' }), /is not in a git repository/);
    await refuses(listModelTags(plain), /is not in a git repository/);

    const empty = tmpDir('mlops-empty-');
    git(empty, 'init', '-q');
    await refuses(createStageTag(empty, { model: 'churn', stage: 'production', message: 'm' }), /has no commit yet/);

    const { dir } = repo();
    await createVersionTag(dir, { model: 'churn', version: 1, message: 'first' });
    const before = git(dir, 'for-each-ref', '--format=%(objectname) %(contents)', 'refs/tags');
    await refuses(createVersionTag(dir, { model: 'churn', version: 1, message: 'again' }), /tag churn@v1\.0\.0 already exists/);
    assert.equal(git(dir, 'for-each-ref', '--format=%(objectname) %(contents)', 'refs/tags'), before, 'the existing tag is untouched');
    await refuses(createVersionTag(dir, { model: 'churn model', version: 1, message: 'm' }), /cannot tag: the model name "churn model" contains a space/);
    await refuses(createStageTag(dir, { model: 'churn', stage: 'prod..x', message: 'm' }), /stage name "prod\.\.x" contains '\.\.'/);
    await refuses(createVersionTag(dir, { model: 'churn', version: 0, message: 'm' }), /whole number/);
    assert.deepEqual(tags(dir), ['churn@v1.0.0']);

    // No user.name/email anywhere: git cannot make an annotated tag, and we say how to fix it.
    const anon = repo();
    git(anon.dir, 'config', '--unset', 'user.name');
    git(anon.dir, 'config', '--unset', 'user.email');
    const saved = { ...process.env };
    try {
      for (const k of ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'EMAIL']) { delete process.env[k]; }
      const home = tmpDir('mlops-home-');
      process.env.HOME = home;
      process.env.XDG_CONFIG_HOME = home;
      process.env.GIT_CONFIG_NOSYSTEM = '1';
      fs.writeFileSync(path.join(home, '.gitconfig'), '[user]\n\tuseConfigOnly = true\n');
      await refuses(createVersionTag(anon.dir, { model: 'churn', version: 1, message: 'm' }), /set git config user\.name and user\.email/);
    } finally {
      for (const k of Object.keys(process.env)) { if (!(k in saved)) { delete process.env[k]; } }
      Object.assign(process.env, saved);
    }
    assert.deepEqual(tags(anon.dir), []);
  });

  it('never pushes: a repository with a remote keeps the remote\'s tags unchanged', async () => {
    const remote = tmpDir('mlops-remote-');
    git(remote, 'init', '-q', '--bare');
    const { dir } = repo();
    git(dir, 'remote', 'add', 'origin', remote);
    git(dir, 'push', '-q', 'origin', 'main');
    await createVersionTag(dir, { model: 'churn', version: 1, message: 'm' });
    await createStageTag(dir, { model: 'churn', stage: 'production', message: 'm' });
    assert.equal(tags(dir).length, 2);
    assert.equal(git(remote, 'tag', '-l'), '');
  });
});
