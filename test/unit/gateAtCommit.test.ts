// The gate reads the code at the run's commit: resolveCommit, lintAtCommit and gitUser on real temp repositories.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gitUser, lintAtCommit, resolveCommit, type CommitLint, type CommitLintResult } from '../../src/core/gate/atCommit';
import { vettedSet, type Finding } from '../../src/core/lint';
import { git, tmpDir } from './helpers';

const opts = { vetted: vettedSet(['numpy', 'scikit-learn']) };

function write(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
}

/** Writes the files, commits everything and returns the commit id. */
function commit(root: string, files: Record<string, string>, message = 'change'): string {
  write(root, files);
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', message, '--allow-empty');
  return git(root, 'rev-parse', 'HEAD').trim();
}

function repo(): string {
  const d = tmpDir('mlops-atcommit-');
  git(d, 'init', '-q', '-b', 'main');
  return d;
}

function notebook(...cells: string[]): string {
  return JSON.stringify({
    nbformat: 4, nbformat_minor: 5, metadata: { language_info: { name: 'python' } },
    cells: cells.map((source, i) => ({ cell_type: 'code', source, metadata: {}, execution_count: i + 1, outputs: [] })),
  });
}

function ok(r: CommitLintResult): CommitLint {
  if (r.problem !== undefined) { assert.fail(`lintAtCommit gave a problem: ${r.problem}`); }
  return r;
}

const codes = (fs_: readonly Finding[]) => fs_.map((f) => `${f.file}:${f.line}:${f.code}`);

describe('resolveCommit', () => {
  it('gives the full id of a commit id, a short id, a branch, a tag and HEAD~1', async () => {
    const d = repo();
    const first = commit(d, { 'a.txt': 'a\n' });
    git(d, 'tag', '-a', 'v1', '-m', 'annotated');
    const second = commit(d, { 'a.txt': 'b\n' });
    assert.deepEqual(await resolveCommit(d, first), { id: first });
    assert.deepEqual(await resolveCommit(d, first.slice(0, 10)), { id: first });
    assert.deepEqual(await resolveCommit(d, 'main'), { id: second });
    assert.deepEqual(await resolveCommit(d, 'v1'), { id: first }, 'an annotated tag is peeled to its commit');
    assert.deepEqual(await resolveCommit(d, 'HEAD~1'), { id: first });
    assert.deepEqual(await resolveCommit(path.join(d), ` ${second}\n`), { id: second });
  });

  it('a commit id that does not exist, a name that names nothing, a tree, an option-like revision, an empty one', async () => {
    const d = repo();
    commit(d, { 'a.txt': 'a\n' });
    const missing = await resolveCommit(d, '0123456789abcdef0123456789abcdef01234567');
    assert.match(missing.problem ?? '', /^commit 0123456789ab is not in this repository .*git fetch/);
    assert.match((await resolveCommit(d, 'no-such-branch')).problem ?? '', /'no-such-branch' names no commit in this repository/);
    assert.match((await resolveCommit(d, 'HEAD:a.txt')).problem ?? '', /names a blob, not a commit/);
    assert.match((await resolveCommit(d, 'HEAD^{tree}')).problem ?? '', /names a tree, not a commit/);
    assert.match((await resolveCommit(d, '--output=/tmp/x')).problem ?? '', /is not a revision/);
    assert.equal((await resolveCommit(d, '  ')).problem, 'no commit given');
  });

  it('a folder with no git, a missing folder, a repository without commits, git not installed', async () => {
    const plain = tmpDir();
    assert.match((await resolveCommit(plain, 'HEAD')).problem ?? '', /is not in a git repository/);
    assert.match((await resolveCommit(path.join(plain, 'gone'), 'HEAD')).problem ?? '', /cannot read git in .*gone/);
    const empty = repo();
    assert.match((await resolveCommit(empty, 'HEAD')).problem ?? '', /the repository has no commit yet/);
    const d = repo();
    const id = commit(d, { 'a.txt': 'a\n' });
    const savedPath = process.env.PATH;
    process.env.PATH = tmpDir();
    try {
      assert.match((await resolveCommit(d, id)).problem ?? '', /git is not installed/);
      assert.match((await lintAtCommit(d, id, opts)).problem ?? '', /git is not installed/);
    } finally { process.env.PATH = savedPath; }
  });

  it('a shallow clone missing the commit says to fetch the full history', async () => {
    const origin = repo();
    const old = commit(origin, { 'requirements.txt': 'numpy==1.26.4\n' }, 'old');
    commit(origin, { 'requirements.txt': 'numpy==1.26.4\nscikit-learn==1.4.0\n' }, 'new');
    const clone = path.join(tmpDir(), 'clone');
    git(origin, 'clone', '-q', '--depth', '1', `file://${origin}`, clone);
    const r = await resolveCommit(clone, old);
    assert.match(r.problem ?? '', /shallow clone.*fetch the full history \(git fetch --unshallow\)/);
    assert.match((await lintAtCommit(clone, old, opts)).problem ?? '', /git fetch --unshallow/);
    // After fetching the history, the same commit reads.
    git(clone, 'fetch', '-q', '--unshallow');
    assert.deepEqual(await resolveCommit(clone, old), { id: old });
  });
});

describe('lintAtCommit', () => {
  it('finds an unpinned contrib requirement at the commit even when the working tree fixed it since', async () => {
    const d = repo();
    const bad = commit(d, { 'requirements.txt': 'numpy==1.26.4\ntorchmetrics>=1.0\n' });
    write(d, { 'requirements.txt': 'numpy==1.26.4\ntorchmetrics==1.3.0\n' }); // fixed, not committed
    const r = ok(await lintAtCommit(d, bad, opts));
    assert.equal(r.commit, bad);
    assert.deepEqual(r.dependencyFiles, ['requirements.txt']);
    const f = r.dependencies.find((x) => x.code === 'unpinned-contrib');
    assert.ok(f, `no unpinned-contrib in ${JSON.stringify(codes(r.dependencies))}`);
    assert.deepEqual([f.file, f.line, f.package], ['requirements.txt', 2, 'torchmetrics']);
    // And committed later: the later commit is clean, the old one still is not.
    const fixed = commit(d, {});
    assert.equal(ok(await lintAtCommit(d, fixed, opts)).dependencies.filter((x) => x.code === 'unpinned-contrib').length, 0);
    assert.equal(ok(await lintAtCommit(d, bad, opts)).dependencies.filter((x) => x.code === 'unpinned-contrib').length, 1);
  });

  it('reports invalid lines with their line, in every dependency format, and reads a revision name too', async () => {
    const d = repo();
    commit(d, {
      'requirements.txt': 'numpy==1.26.4\nthis is not a requirement\n',
      'requirements/dev.txt': 'scikit-learn==1.4.0\n',
      'environment.yml': 'dependencies:\n  - numpy=1.26.4\n',
    });
    const r = ok(await lintAtCommit(d, 'main', opts));
    assert.deepEqual(r.dependencyFiles, ['environment.yml', 'requirements.txt', 'requirements/dev.txt']);
    assert.deepEqual(r.dependencies.filter((x) => x.code === 'invalid').map((x) => [x.file, x.line]), [['requirements.txt', 2]]);
  });

  it('a notebook-only training commit has the finding; a commit where a script holds the same training does not', async () => {
    const d = repo();
    const nb = notebook('from sklearn.linear_model import LogisticRegression\nm = LogisticRegression()\nm.fit(X, y)\n');
    const only = commit(d, { 'explore.ipynb': nb, 'util.py': 'def load():\n    return 1\n' });
    const r1 = ok(await lintAtCommit(d, only, opts));
    assert.deepEqual(r1.notebooks, ['explore.ipynb']);
    const f = r1.notebookFindings.filter((x) => x.code === 'notebook-only-training');
    assert.deepEqual(f.map((x) => [x.file, x.cell, x.line]), [['explore.ipynb', 0, 3]]);

    const scripted = commit(d, { 'train.py': 'model.fit(X, y)\n' });
    assert.deepEqual(ok(await lintAtCommit(d, scripted, opts)).notebookFindings.filter((x) => x.code === 'notebook-only-training'), []);
    // The script exists in the working tree only: the commit is still notebook-only.
    const d2 = repo();
    const c2 = commit(d2, { 'explore.ipynb': nb });
    write(d2, { 'train.py': 'model.fit(X, y)\n' });
    assert.equal(ok(await lintAtCommit(d2, c2, opts)).notebookFindings.filter((x) => x.code === 'notebook-only-training').length, 1);
    // A script in a skipped folder (a virtual environment) does not count, as for mlops lint.
    fs.rmSync(path.join(d2, 'train.py'));
    const c3 = commit(d2, { '.venv/lib/train.py': 'model.fit(X, y)\n' }, 'venv');
    assert.equal(ok(await lintAtCommit(d2, c3, opts)).notebookFindings.filter((x) => x.code === 'notebook-only-training').length, 1);
  });

  it('a notebook calling a training function it imports from a workspace module at that commit is covered', async () => {
    const d = repo();
    const c = commit(d, {
      'nb/run.ipynb': notebook('from pipeline import fit_model\n', 'fit_model(data).fit(X, y)\n'),
      'pipeline.py': 'def fit_model(d):\n    return d\n',
    });
    assert.deepEqual(ok(await lintAtCommit(d, c, opts)).notebookFindings.filter((x) => x.code === 'notebook-only-training'), []);
  });

  it('custom training patterns judge notebooks and scripts alike; a pattern that is not a regular expression is a note', async () => {
    const d = repo();
    const c = commit(d, { 'a.ipynb': notebook('booster = xgb_train(params)\n'), 'train.py': 'booster = xgb_train(params)\n' });
    const r = ok(await lintAtCommit(d, c, { ...opts, trainingPatterns: ['\\bxgb_train\\s*\\(', '(unclosed'] }));
    assert.deepEqual(r.notebookFindings.filter((x) => x.code === 'notebook-only-training'), []);
    assert.deepEqual(r.notes, ["the training pattern '(unclosed' is not a regular expression; it was ignored"]);
    const c2 = commit(d, { 'train.py': 'print(1)\n' });
    const r2 = ok(await lintAtCommit(d, c2, { ...opts, trainingPatterns: ['\\bxgb_train\\s*\\('] }));
    assert.deepEqual(codes(r2.notebookFindings.filter((x) => x.code === 'notebook-only-training')), ['a.ipynb:1:notebook-only-training']);
  });

  it('a sub-folder workspace reads only its part of the tree and names files relative to it', async () => {
    const d = repo();
    const c = commit(d, {
      'requirements.txt': 'torchmetrics\n', // outside the workspace
      'projects/churn/requirements.txt': 'numpy==1.26.4\nfancyboost>=4\n',
      'projects/churn/notebooks/eda.ipynb': notebook('m.fit(X, y)\n'),
      'projects/churn/node_modules/x/requirements.txt': 'junk\n',
      'projects/churn/notebooks/.ipynb_checkpoints/eda-checkpoint.ipynb': notebook('m.fit(X, y)\n'),
      'projects/churn/.venv/lib/requirements.txt': 'junk\n',
      'projects/other/train.py': 'm.fit(X, y)\n', // outside the workspace: does not cover the notebook
    });
    const ws = path.join(d, 'projects', 'churn');
    const r = ok(await lintAtCommit(ws, c, opts));
    assert.deepEqual(r.dependencyFiles, ['requirements.txt']);
    assert.deepEqual(r.notebooks, ['notebooks/eda.ipynb']);
    assert.deepEqual(codes(r.dependencies.filter((x) => x.code === 'unpinned-contrib')), ['requirements.txt:2:unpinned-contrib']);
    assert.deepEqual(codes(r.notebookFindings.filter((x) => x.code === 'notebook-only-training')), ['notebooks/eda.ipynb:1:notebook-only-training']);
  });

  it('a workspace folder that did not exist yet at the commit has nothing to check, and says so', async () => {
    const d = repo();
    const before = commit(d, { 'a.txt': 'a\n' });
    commit(d, { 'late/requirements.txt': 'numpy==1.26.4\n' });
    const r = ok(await lintAtCommit(path.join(d, 'late'), before, opts));
    assert.deepEqual([r.dependencyFiles, r.notebooks, r.dependencies], [[], [], []]);
    assert.match(r.notes.join('\n'), /the folder late did not exist at commit/);
  });

  it('file names with spaces and unicode, in a folder with spaces and unicode, are read and named as they are', async () => {
    const d = repo();
    const c = commit(d, {
      'données d\'été/requirements-prod.txt': 'numpy==1.26.4\ntörch-x>=1\n',
      'données d\'été/Exploration (v2) ✓.ipynb': notebook('m.fit(X, y)\n'),
    });
    for (const root of [d, path.join(d, 'données d\'été')]) {
      const r = ok(await lintAtCommit(root, c, opts));
      const p = root === d ? 'données d\'été/' : '';
      assert.deepEqual(r.dependencyFiles, [`${p}requirements-prod.txt`]);
      assert.deepEqual(r.notebooks, [`${p}Exploration (v2) ✓.ipynb`]);
      assert.ok(r.dependencies.some((x) => x.file === `${p}requirements-prod.txt` && x.line === 2), JSON.stringify(codes(r.dependencies)));
      assert.ok(r.notebookFindings.some((x) => x.file === `${p}Exploration (v2) ✓.ipynb` && x.code === 'notebook-only-training'));
    }
  });

  it('a commit id that does not exist and a folder with no git are problems, not throws', async () => {
    const d = repo();
    commit(d, { 'requirements.txt': 'numpy==1.26.4\n' });
    assert.match((await lintAtCommit(d, 'fedcba9876543210fedcba9876543210fedcba98', opts)).problem ?? '', /commit fedcba987654 is not in this repository/);
    assert.match((await lintAtCommit(tmpDir(), 'fedcba9876543210fedcba9876543210fedcba98', opts)).problem ?? '', /is not in a git repository/);
    assert.match((await lintAtCommit(d, 'nope', opts)).problem ?? '', /'nope' names no commit/);
  });

  it('a partial clone reads what it lacks from its remote, and says so clearly when the remote is gone', async () => {
    const origin = repo();
    git(origin, 'config', 'uploadpack.allowFilter', 'true');
    git(origin, 'config', 'uploadpack.allowAnySHA1InWant', 'true');
    const old = commit(origin, { 'requirements.txt': 'torchmetrics\n' }, 'old');
    commit(origin, { 'requirements.txt': 'numpy==1.26.4\n' }, 'new');
    const clone = path.join(tmpDir(), 'clone');
    git(origin, 'clone', '-q', '--filter=blob:none', `file://${origin}`, clone);
    const gone = path.join(tmpDir(), 'clone2');
    git(origin, 'clone', '-q', '--filter=blob:none', `file://${origin}`, gone);
    assert.deepEqual(codes(ok(await lintAtCommit(clone, old, opts)).dependencies.filter((x) => x.code === 'unpinned-contrib')), ['requirements.txt:1:unpinned-contrib']);
    git(gone, 'remote', 'set-url', 'origin', `file://${path.join(tmpDir(), 'no-such-repo')}`);
    assert.match((await lintAtCommit(gone, old, opts)).problem ?? '', /partial clone that does not hold the files at that commit/);
  });

  it('symbolic links are not followed and submodules are not entered; each is a note', async () => {
    const d = repo();
    write(d, { 'real/requirements.txt': 'torchmetrics\n' });
    fs.symlinkSync('real/requirements.txt', path.join(d, 'requirements.txt'));
    const sub = repo();
    commit(sub, { 'requirements.txt': 'x\n' });
    git(d, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', `file://${sub}`, 'vendor/requirements.txt');
    const c = commit(d, {});
    const r = ok(await lintAtCommit(d, c, opts));
    assert.deepEqual(r.dependencyFiles, ['real/requirements.txt']);
    assert.deepEqual(r.notes.sort(), [
      'requirements.txt is a symbolic link at that commit: it was not read',
      'vendor/requirements.txt is a git submodule: its files were not checked',
    ]);
  });

  it('unreadable files and the rule settings are the lint core\'s: a broken notebook is one finding, a rule set off is gone', async () => {
    const d = repo();
    const c = commit(d, { 'broken.ipynb': '{"cells": [', 'requirements.txt': 'torchmetrics\n' });
    const r = ok(await lintAtCommit(d, c, { ...opts, severity: { 'unpinned-contrib': 'off' } }));
    assert.deepEqual(codes(r.notebookFindings), ['broken.ipynb:1:unreadable']);
    assert.deepEqual(r.dependencies.filter((x) => x.code === 'unpinned-contrib'), []);
  });

  it('the same content in two files is read once and reported for both; an empty file between them reads as empty', async () => {
    const d = repo();
    const c = commit(d, { 'a/requirements.txt': 'torchmetrics\n', 'a/requirements-empty.txt': '', 'b/requirements.txt': 'torchmetrics\n' });
    const r = ok(await lintAtCommit(d, c, opts));
    assert.deepEqual(r.dependencyFiles, ['a/requirements-empty.txt', 'a/requirements.txt', 'b/requirements.txt']);
    assert.deepEqual(codes(r.dependencies), ['a/requirements.txt:1:unpinned-contrib', 'b/requirements.txt:1:unpinned-contrib']);
  });
});

describe('gitUser', () => {
  it('reads the global config git is pointed at by GIT_CONFIG_GLOBAL, as git config does in the user\'s shell', async () => {
    const cfg = path.join(tmpDir(), 'gitconfig');
    fs.writeFileSync(cfg, '[user]\n\tname = From Env\n\temail = env@example.com\n');
    const saved = process.env.GIT_CONFIG_GLOBAL;
    process.env.GIT_CONFIG_GLOBAL = cfg;
    try {
      assert.deepEqual(await gitUser(tmpDir()), { name: 'From Env', email: 'env@example.com' });
    } finally { if (saved === undefined) { delete process.env.GIT_CONFIG_GLOBAL; } else { process.env.GIT_CONFIG_GLOBAL = saved; } }
  });

  it('starts no git when processes are not allowed (an untrusted workspace): the OS user', async () => {
    const d = repo();
    git(d, 'config', 'user.name', 'Repo Config Name');
    const u = await gitUser(d, { allowProcesses: false });
    assert.notEqual(u.name, 'Repo Config Name');
    assert.equal(u.email, undefined);
  });

  it('is the repository\'s user.name and user.email, the repository config first', async () => {
    const d = repo();
    git(d, 'config', 'user.name', 'Ada Lovelace');
    git(d, 'config', 'user.email', 'ada@example.com');
    assert.deepEqual(await gitUser(d), { name: 'Ada Lovelace', email: 'ada@example.com' });
    // From a sub-folder of the repository too.
    fs.mkdirSync(path.join(d, 'sub'));
    assert.deepEqual(await gitUser(path.join(d, 'sub')), { name: 'Ada Lovelace', email: 'ada@example.com' });
  });

  it('falls back to the OS user name without an email: no git config, no repository, no git', async () => {
    const home = tmpDir();
    const saved = { HOME: process.env.HOME, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME, PATH: process.env.PATH, GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL };
    const osName = (() => { try { return os.userInfo().username; } catch { return undefined; } })();
    try {
      // An empty home: no global user.name or user.email.
      process.env.HOME = home;
      process.env.XDG_CONFIG_HOME = path.join(home, '.config');
      delete process.env.GIT_CONFIG_GLOBAL;
      const d = repo();
      const u = await gitUser(d);
      assert.equal(u.email, undefined);
      assert.ok(u.name.length > 0);
      if (osName) { assert.equal(u.name, osName); }
      // Only an email configured: the OS name with git's email.
      git(d, 'config', 'user.email', 'me@example.com');
      assert.deepEqual(await gitUser(d), { name: u.name, email: 'me@example.com' });
      assert.deepEqual(await gitUser(tmpDir()), { name: u.name });
      assert.deepEqual(await gitUser(path.join(home, 'no-such-folder')), { name: u.name });
      process.env.PATH = tmpDir();
      assert.deepEqual(await gitUser(d), { name: u.name });
    } finally {
      for (const [k, v] of Object.entries(saved)) { if (v === undefined) { delete process.env[k]; } else { process.env[k] = v; } }
    }
  });
});
