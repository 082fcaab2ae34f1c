// Hardening of `mlops lint` and the shared lint core: unreadable files, VCS requirements without a commit, the
// workspace of a linted path, and the one list of skipped folders.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  RULES, SKIPPED_FOLDERS, isInSkippedFolder, lintFileSync, lintText, parseDependencies, skippedFoldersGlob, toSarif, vettedSet, walkFiles, workspaceOf,
  type Finding,
} from '../../src/core/lint';
import { REPO, mlops, tmpDir } from './helpers';

const vetted = vettedSet(['x', 'pkg']);
const lint = (file: string, text: string) => lintText(file, text, { vetted });
const SHA = '0123456789abcdef0123456789abcdef01234567';

function write(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
}

function notebook(src: string): string {
  return JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', source: src, metadata: {}, execution_count: 1, outputs: [] }] });
}

describe('unreadable files are one finding each', () => {
  it('Pipfile (TOML) and environment.yml (YAML) that cannot be parsed: one error on line 1 with where it fails', () => {
    for (const [file, text, reason] of [
      ['Pipfile', '[packages]\nrequests = \n', /not valid TOML \(line 2/],
      ['environment.yml', 'dependencies:\n  - numpy\n bad: [\n', /not valid YAML \(line \d+, column \d+\)/],
      ['pyproject.toml', 'a = 1\na = 2\n', /not valid TOML/],
    ] as const) {
      const f = lint(file, text);
      assert.equal(f.length, 1, file);
      assert.deepEqual([f[0].code, f[0].severity, f[0].line, f[0].column], ['unreadable', 'error', 1, 1], file);
      assert.match(f[0].message, reason, file);
    }
  });

  it('a file that cannot be read (here a folder with a dependency file name) is an unreadable finding with the system reason', () => {
    const d = tmpDir();
    fs.mkdirSync(path.join(d, 'requirements.txt'));
    const f = lintFileSync(path.join(d, 'requirements.txt'), { vetted }, 'requirements.txt');
    assert.deepEqual(f.map((x) => [x.file, x.code, x.line]), [['requirements.txt', 'unreadable', 1]]);
    assert.match(f[0].message, /EISDIR/);
  });

  it('the rule can be turned off like the others, and is listed in SARIF', () => {
    assert.deepEqual(lintText('a.ipynb', '{', { vetted, severity: { unreadable: 'off' } }), []);
    assert.ok((RULES as readonly string[]).includes('unreadable'));
    const sarif = toSarif([...lint('/w/a.ipynb', '{')], { root: '/w', version: '0' }) as { runs: { tool: { driver: { rules: { id: string; defaultConfiguration: { level: string } }[] } }; results: { ruleId: string; ruleIndex: number; level: string }[] }[] };
    const rules = sarif.runs[0].tool.driver.rules;
    const at = rules.findIndex((r) => r.id === 'unreadable');
    assert.equal(rules[at].defaultConfiguration.level, 'error');
    assert.deepEqual(sarif.runs[0].results.map((r) => [r.ruleId, r.ruleIndex, r.level]), [['unreadable', at, 'error']]);
  });

  it('every rule, unreadable included, can be set in the mlops.lint.severity setting (package.json) and nothing else', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { properties?: Record<string, unknown> }> } | { properties: Record<string, { properties?: Record<string, unknown> }> }[] } };
    const sections = Array.isArray(pkg.contributes.configuration) ? pkg.contributes.configuration : [pkg.contributes.configuration];
    const severity = sections.map((c) => c.properties['mlops.lint.severity']).find(Boolean);
    assert.deepEqual(Object.keys(severity?.properties ?? {}).sort(), [...RULES].sort());
  });
});

describe('VCS requirements without a full commit are unpinned', () => {
  const unpinned = (fs: Finding[]) => fs.filter((f) => f.code === 'unpinned' || f.code === 'unpinned-contrib');
  const why = /version-control repository .*(default branch|branch, tag).*Pin a full 40-character commit hash/;

  it('requirements files: bare URL, name @ URL, #egg only, -e, a branch or a tag, a short hash; a full commit pins', () => {
    const lines = [
      'git+https://github.com/org/x.git', 'x @ git+https://github.com/org/x.git', 'git+https://github.com/org/x.git#egg=x',
      '-e git+https://github.com/org/x.git#egg=x', 'x @ git+https://github.com/org/x.git@main', 'git+ssh://git@github.com/org/x.git@v1.0#egg=x',
      'x @ git+https://github.com/org/x.git@0123456', `x @ git+https://github.com/org/x.git@${SHA}`, `git+https://github.com/org/x.git@${SHA}#egg=x`,
    ];
    for (const [i, line] of lines.entries()) {
      const f = unpinned(lint('requirements.txt', line + '\n'));
      if (i >= 7) { assert.deepEqual(f, [], line); continue; }
      assert.equal(f.length, 1, line);
      assert.equal(f[0].code, 'unpinned', line);
      assert.match(f[0].message, why, line);
    }
    assert.match(unpinned(lint('requirements.txt', 'x @ git+https://github.com/org/x.git@main\n'))[0].message, /at 'main'/);
    assert.match(unpinned(lint('requirements.txt', 'git+https://github.com/org/x.git\n'))[0].message, /without a commit/);
    // An unvetted library: the headline rule, with the same reason.
    const contrib = lintText('requirements.txt', 'git+https://github.com/org/y.git\n', { vetted: vettedSet() });
    assert.deepEqual(contrib.map((f) => f.code), ['unpinned-contrib']);
    assert.match(contrib[0].message, why);
  });

  it('pip refuses --hash on a VCS requirement, so a hash does not pin it (it still pins an archive URL)', () => {
    assert.equal(unpinned(lint('requirements.txt', `x @ git+https://github.com/org/x.git@main --hash=sha256:${'a'.repeat(64)}\n`)).length, 1);
    assert.equal(unpinned(lint('requirements.txt', `x @ https://x.org/x-1.0.tar.gz --hash=sha256:${'a'.repeat(64)}\n`)).length, 0);
  });

  it('pyproject: PEP 621 strings and Poetry git tables (no rev, branch, tag, short rev); a full rev pins', () => {
    const text = [
      '[project]', 'dependencies = ["x @ git+https://github.com/org/x.git", "pkg @ git+https://github.com/org/pkg.git@' + SHA + '"]',
      '[tool.poetry.dependencies]', 'a = { git = "https://github.com/org/a.git" }', 'b = { git = "https://github.com/org/b.git", branch = "dev" }',
      'c = { git = "https://github.com/org/c.git", tag = "v2" }', 'd = { git = "https://github.com/org/d.git", rev = "abc1234" }',
      `e = { git = "https://github.com/org/e.git", rev = "${SHA}" }`, '',
    ].join('\n');
    const f = unpinned(lintText('pyproject.toml', text, { vetted: vettedSet(['x', 'pkg', 'a', 'b', 'c', 'd', 'e']) }));
    assert.deepEqual(f.map((x) => [x.line, x.package]), [[2, 'x'], [4, 'a'], [5, 'b'], [6, 'c'], [7, 'd']]);
    for (const x of f) { assert.match(x.message, why); }
    assert.match(f[2].message, /at 'dev'/);
    assert.equal(parseDependencies(text, 'pyproject').entries.filter((e) => e.kind === 'vcs').length, 7);
  });

  it('Pipfile git tables, the pip: list of environment.yml, and setup.cfg', () => {
    const pip = unpinned(lint('Pipfile', `[packages]\nx = { git = "https://github.com/org/x.git", ref = "main" }\npkg = { git = "https://github.com/org/pkg.git", ref = "${SHA}" }\n`));
    assert.deepEqual(pip.map((f) => [f.line, f.package]), [[2, 'x']]);
    assert.match(pip[0].message, /at 'main'/);
    const conda = unpinned(lint('environment.yml', 'dependencies:\n  - pip:\n    - git+https://github.com/org/x.git\n    - -e git+https://github.com/org/pkg.git#egg=pkg\n'));
    assert.deepEqual(conda.map((f) => f.line), [3, 4]);
    for (const x of conda) { assert.match(x.message, why); }
    const cfg = unpinned(lint('setup.cfg', '[options]\ninstall_requires =\n    x @ git+https://github.com/org/x.git@main\n'));
    assert.equal(cfg.length, 1);
    assert.match(cfg[0].message, why);
    assert.equal(parseDependencies('[options]\ninstall_requires =\n    x @ git+https://github.com/org/x.git\n', 'setup.cfg').entries[0].kind, 'vcs');
  });
});

describe('the workspace of a path, and the folders never searched', () => {
  it('nearest .mlops/ folder, else nearest .git entry (a worktree has a .git file), else the path (its folder for a file)', () => {
    const d = tmpDir();
    write(d, { 'repo/.git': 'gitdir: /elsewhere\n', 'repo/proj/.mlops/mlops.json': '{}', 'repo/proj/nb/a.ipynb': '{}', 'repo/lib/x.py': '', 'plain/sub/r.txt': '' });
    assert.equal(workspaceOf(path.join(d, 'repo', 'proj', 'nb', 'a.ipynb')), path.join(d, 'repo', 'proj'));
    assert.equal(workspaceOf(path.join(d, 'repo', 'proj', 'nb')), path.join(d, 'repo', 'proj'));
    assert.equal(workspaceOf(path.join(d, 'repo', 'lib', 'x.py')), path.join(d, 'repo'));
    assert.equal(workspaceOf(path.join(d, 'plain', 'sub')), path.join(d, 'plain', 'sub'));
    assert.equal(workspaceOf(path.join(d, 'plain', 'sub', 'r.txt')), path.join(d, 'plain', 'sub'));
  });

  it('one skip list: the walker skips each folder at any depth, the editor glob names each, watcher events inside are recognised', () => {
    for (const name of ['.git', 'node_modules', '.venv', 'venv', 'env', '.tox', 'build', 'dist', 'site-packages', '.ipynb_checkpoints', '__pycache__', '.mlops']) {
      assert.ok(SKIPPED_FOLDERS.includes(name), name);
    }
    const d = tmpDir();
    const files: Record<string, string> = { 'requirements.txt': '', 'src/pkg/requirements.txt': '' };
    for (const name of SKIPPED_FOLDERS) { files[`${name}/requirements.txt`] = ''; files[`src/${name}/deep/requirements.txt`] = ''; }
    write(d, files);
    assert.deepEqual(walkFiles(d, () => true).map((f) => path.relative(d, f)).sort(), ['requirements.txt', path.join('src', 'pkg', 'requirements.txt')]);
    const glob = skippedFoldersGlob();
    assert.match(glob, /^\*\*\/\{.*\}\/\*\*$/);
    assert.deepEqual(glob.slice(4, -4).split(','), [...SKIPPED_FOLDERS]);
    assert.ok(isInSkippedFolder(path.join(d, 'src', 'build', 'requirements.txt'), d));
    assert.ok(isInSkippedFolder(path.join(d, '.ipynb_checkpoints', 'a-checkpoint.ipynb'), d));
    assert.ok(!isInSkippedFolder(path.join(d, 'src', 'builder', 'requirements.txt'), d));
    assert.ok(!isInSkippedFolder(path.join(d, 'dist'), d), 'a file named like a skipped folder is not inside it');
  });
});

describe('mlops lint (CLI): robustness', function () {
  this.timeout(60_000);

  it('one malformed notebook or dependency file is one unreadable finding; the other files are still linted', () => {
    const d = tmpDir();
    write(d, {
      'a/null-cell.ipynb': '{"cells":[null]}', 'a/not-json.ipynb': '{"cells": [', 'a/numeric-source.ipynb': '{"cells":[{"cell_type":"code","source":3}]}',
      'b/pyproject.toml': '[project\n', 'c/environment.yml': 'dependencies: [\n', 'requirements.txt': 'einops>=0.6\n',
      'z/ok.ipynb': notebook('!pip install rich'),
    });
    const r = mlops(['lint', '--format', 'json'], d);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, '');
    const findings = JSON.parse(r.stdout) as Finding[];
    const unreadable = findings.filter((f) => f.code === 'unreadable');
    assert.deepEqual(unreadable.map((f) => [f.file, f.line, f.severity]),
      [['a/not-json.ipynb', 1, 'error'], ['a/null-cell.ipynb', 1, 'error'], ['a/numeric-source.ipynb', 1, 'error'], ['b/pyproject.toml', 1, 'error'], ['c/environment.yml', 1, 'error']]);
    assert.ok(findings.some((f) => f.file === 'requirements.txt' && f.code === 'unpinned-contrib'), 'a good file after the bad ones');
    assert.ok(findings.some((f) => f.file === 'z/ok.ipynb' && f.code === 'shell-install-in-notebook'), 'a good notebook after the bad ones');
    const text = mlops(['lint', 'a/null-cell.ipynb'], d);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^a\/null-cell\.ipynb:1:1: error \[unreadable\] This file cannot be read: cell 1 is null/m);
    const sarif = JSON.parse(mlops(['lint', '--format', 'sarif', 'a'], d).stdout) as { runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string }[] }[] };
    assert.ok(sarif.runs[0].tool.driver.rules.some((x) => x.id === 'unreadable'));
    assert.deepEqual(sarif.runs[0].results.map((x) => x.ruleId), ['unreadable', 'unreadable', 'unreadable']);
  });

  it('PATH from another folder: training scripts and the store policy come from PATH\'s workspace, not the current folder', () => {
    const d = tmpDir();
    write(d, {
      'proj/.git/HEAD': 'ref: refs/heads/main\n', 'proj/src/train.py': 'def main(clf, X, y):\n    clf.fit(X, y)\n',
      'proj/notebooks/explore.ipynb': notebook('clf.fit(X, y)'), 'elsewhere/readme.md': '',
    });
    const fromOutside = mlops(['lint', '--format', 'json', path.join(d, 'proj', 'notebooks')], path.join(d, 'elsewhere'));
    assert.deepEqual((JSON.parse(fromOutside.stdout) as Finding[]).map((f) => f.code), []);
    const fromNotebooks = mlops(['lint', '--format', 'json', '.'], path.join(d, 'proj', 'notebooks'));
    assert.deepEqual((JSON.parse(fromNotebooks.stdout) as Finding[]).map((f) => f.code), []);
    // Without the script, the same notebook is notebook-only training.
    fs.rmSync(path.join(d, 'proj', 'src', 'train.py'));
    const without = mlops(['lint', '--format', 'json', path.join(d, 'proj', 'notebooks')], path.join(d, 'elsewhere'));
    assert.deepEqual((JSON.parse(without.stdout) as Finding[]).map((f) => f.code), ['notebook-only-training']);

    write(d, { 'store/requirements.txt': 'einops>=0.6\n' });
    assert.equal(mlops(['init'], path.join(d, 'store')).code, 0);
    fs.writeFileSync(path.join(d, 'store', '.mlops', 'policy.json'), JSON.stringify({ formatVersion: 1, vetted: ['einops'] }));
    const policy = mlops(['lint', '--format', 'json', path.join(d, 'store', 'requirements.txt')], path.join(d, 'elsewhere'));
    assert.deepEqual((JSON.parse(policy.stdout) as Finding[]).map((f) => f.code), ['unpinned']);
  });

  it('skips every folder of the shared list (build, dist, .ipynb_checkpoints, env, …)', () => {
    const d = tmpDir();
    const files: Record<string, string> = { 'requirements.txt': 'numpy==1.26.4\n' };
    for (const name of SKIPPED_FOLDERS) { files[`${name}/requirements.txt`] = 'junk>=1\n'; files[`pkg/${name}/x.ipynb`] = '{'; }
    write(d, files);
    const r = mlops(['lint', '--format', 'json'], d);
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(JSON.parse(r.stdout), []);
    assert.match(mlops(['lint'], d).stdout, /0 findings .* in 1 file\n$/);
  });
});
