import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Store } from '../../src/core';
import { driverFiles, gitMergeStatus, mergeDriverCommand, setUpGitMerge } from '../../src/core/team';
import { gateSarif } from '../../src/core/gate/format';
import type { GateResult } from '../../src/core/gate/types';
import { CLI, git, tmpDir } from './helpers';

const j = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';
const ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };

/**
 * A repository on `main` whose `.mlops/models/churn/versions/1.json` was changed differently on `main` and on
 * `other` (stage staging vs archived: a real conflict for the driver too), merge driver set to `driver`. Returns
 * the outcome of `git merge other` and the file's text after it.
 */
async function conflictingMerge(driver: string): Promise<{ status: number | null; stderr: string; text: string; dir: string }> {
  const dir = tmpDir('mlops-setup-');
  git(dir, 'init', '-q', '-b', 'main');
  const { store } = await Store.init(dir);
  const file = path.join(dir, '.mlops', 'models', 'churn', 'versions', '1.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const record = (stage: string) => j({ formatVersion: 1, model: 'churn', version: 1, stage, createdAt: '2026-11-30T10:00:00.000Z' });
  fs.writeFileSync(file, record('none'));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'base');
  git(dir, 'checkout', '-qb', 'other');
  fs.writeFileSync(file, record('archived'));
  git(dir, 'commit', '-qam', 'theirs');
  git(dir, 'checkout', '-q', 'main');
  fs.writeFileSync(file, record('staging'));
  git(dir, 'commit', '-qam', 'ours');
  await setUpGitMerge(store, driver);
  const r = spawnSync('git', ['merge', 'other'], { cwd: dir, encoding: 'utf8', env: ENV });
  return { status: r.status, stderr: r.stderr, text: fs.readFileSync(file, 'utf8'), dir };
}

describe('git merge driver setup (real git, real sh)', () => {
  it('a driver whose cli.js is gone falls back to git\'s text merge: a conflict WITH markers and both sides, reported stale', async () => {
    const gone = path.join(tmpDir(), 'extension-1.0.0', 'dist', 'cli.js');
    const driver = mergeDriverCommand(process.execPath, gone, false);
    const r = await conflictingMerge(driver);
    assert.notEqual(r.status, 0);
    assert.match(r.text, /^<<<<<<< ours\n {2}"stage": "staging",\n=======\n {2}"stage": "archived",\n>>>>>>> theirs$/m);
    assert.ok(!r.stderr.includes('Cannot find module'), r.stderr);
    const status = await gitMergeStatus(await Store.open(r.dir));
    assert.equal(status.driver, driver);
    assert.equal(status.stale, true);
    // A node that moved is stale too.
    assert.equal((await conflictingMerge(mergeDriverCommand(path.join(tmpDir(), 'node'), CLI, false))).text.includes('>>>>>>> theirs'), true);
  });

  it('a working driver in paths with spaces, quotes and $ runs once: a structural merge, or its single set of markers', async () => {
    const weird = path.join(tmpDir(), 'a b\'c$d "e`');
    fs.mkdirSync(path.join(weird, 'dist'), { recursive: true });
    for (const f of fs.readdirSync(path.dirname(CLI)).filter((n) => n.endsWith('.js'))) { fs.copyFileSync(path.join(path.dirname(CLI), f), path.join(weird, 'dist', f)); }
    fs.symlinkSync(process.execPath, path.join(weird, 'no de'));
    const driver = mergeDriverCommand(path.join(weird, 'no de'), path.join(weird, 'dist', 'cli.js'), false);
    assert.deepEqual(driverFiles(driver), { node: path.join(weird, 'no de'), cli: path.join(weird, 'dist', 'cli.js') });
    const r = await conflictingMerge(driver);
    assert.notEqual(r.status, 0);
    // Our driver ran (its message) and wrote one set of markers; git's fallback did not run a second merge over them.
    assert.match(r.stderr, /both sides changed stage differently \(ours "staging", theirs "archived"\); conflict markers written/);
    assert.equal(r.text.match(/^<<<<<<< /gm)?.length, 1, r.text);
    assert.equal((await gitMergeStatus(await Store.open(r.dir))).stale, undefined);
  });

  it('keeps a user\'s own merge attribute for the store\'s files instead of overriding it, and says so', async () => {
    const dir = tmpDir('mlops-setup-');
    git(dir, 'init', '-q', '-b', 'main');
    const { store } = await Store.init(dir);
    const ours = path.join(dir, '.mlops', '.gitattributes');
    fs.rmSync(ours);
    fs.writeFileSync(path.join(dir, '.gitattributes'), '* -merge\n');
    const r = await setUpGitMerge(store, 'true');
    assert.equal(r.attributesWritten, false);
    assert.deepEqual(r.keptAttributes, [{ pattern: '*.json', merge: 'unset' }, { pattern: '*.jsonl', merge: 'unset' }]);
    assert.equal(fs.existsSync(ours), false);

    // Only the pattern the user decided is kept; the other rule is still added.
    fs.writeFileSync(path.join(dir, '.gitattributes'), '*.json merge=binary\n');
    const cli = spawnSync(process.execPath, [CLI, 'git', 'setup'], { cwd: dir, encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /kept your merge attribute for \*\.json: git resolves it as 'merge: binary'/);
    assert.equal(fs.readFileSync(ours, 'utf8'), '# added by MLOps Workbench (mlops git setup)\n*.jsonl merge=union\n');
    assert.equal(git(dir, 'check-attr', 'merge', '--', '.mlops/x.json').trim(), '.mlops/x.json: merge: binary');
  });
});

describe('gate SARIF: a team conflict', () => {
  it('is a gate/team error located at the conflicting files, never suppressed by a waiver', () => {
    const r: GateResult = {
      model: 'churn', version: 2, runId: 'r', stage: 'production', evaluatedAt: '2026-11-30T10:00:00.000Z', commit: {} as GateResult['commit'],
      checks: [], passed: false, blocking: [], problems: [],
      teamConflicts: [
        { kind: 'multipleProduction', model: 'churn', versions: [2, 3], message: '2 versions in production (2, 3): keep one with Resolve…' },
        { kind: 'versionClaimedTwice', model: 'churn', version: 4, file: '.mlops/models/churn/versions/4.json', message: 'version 4 was created on two machines' },
      ],
    };
    const sarif = gateSarif([r], { root: tmpDir(), version: 't', prefix: 'sub' }) as {
      runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; ruleIndex: number; level: string; suppressions?: unknown; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[];
    };
    const run = sarif.runs[0];
    const team = run.results.filter((x) => x.ruleId === 'gate/team');
    assert.equal(team.length, 2);
    for (const t of team) {
      assert.equal(t.level, 'error');
      assert.equal(t.suppressions, undefined);
      assert.equal(run.tool.driver.rules[t.ruleIndex].id, 'gate/team');
    }
    assert.deepEqual(team[0].locations.map((l) => l.physicalLocation.artifactLocation.uri), ['sub/.mlops/models/churn/versions/2.json', 'sub/.mlops/models/churn/versions/3.json']);
    assert.match(team[0].message.text, /churn v2: churn has 2 versions in production/);
    assert.deepEqual(team[1].locations.map((l) => l.physicalLocation.artifactLocation.uri), ['sub/.mlops/models/churn/versions/4.json']);
  });
});
