import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store, MlopsError } from '../../src/core';
import {
  findTeamConflicts, gitMergeStatus, mergeDriverCommand, resolveMultipleProduction, resolveVersionClaim, setUpGitMerge, STORE_GITATTRIBUTES,
} from '../../src/core/team';
import { runGate, promoteModel, gateText } from '../../src/core/gate';
import { productionConflicts } from '../../src/core/views/teamNodes';
import { git, mlops, tmpDir } from './helpers';

/** A store with a run and an artifact, in a git repository on `main` with one commit. */
async function repoWithStore(): Promise<{ dir: string; store: Store; register: (name: string, content?: string) => Promise<number> }> {
  const dir = tmpDir('mlops-team-');
  git(dir, 'init', '-q', '-b', 'main');
  const { store } = await Store.init(dir);
  const register = async (name: string, content = 'model'): Promise<number> => {
    const run = await store.createRun({ experiment: 'e' });
    const artifact = path.join(dir, `artifact-${run.id}.bin`);
    fs.writeFileSync(artifact, `${content} ${run.id}`);
    return (await store.registerModel({ name, runId: run.id, artifactPath: artifact })).version;
  };
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'store');
  return { dir, store, register };
}

const versionsOf = async (store: Store, model: string): Promise<number[]> => (await store.listModelVersions(model)).items.map((v) => v.version).sort((a, b) => a - b);

describe('team conflicts: detection and resolution (real git repository)', () => {
  it('Store.init writes .mlops/.gitattributes for a new store and never rewrites an existing one', async () => {
    const d = tmpDir();
    await Store.init(d);
    const file = path.join(d, '.mlops', '.gitattributes');
    assert.equal(fs.readFileSync(file, 'utf8'), STORE_GITATTRIBUTES);
    assert.match(STORE_GITATTRIBUTES, /^\*\.json merge=mlops$/m);
    assert.match(STORE_GITATTRIBUTES, /^\*\.jsonl merge=union$/m);
    fs.writeFileSync(file, '# mine\n');
    await Store.init(d);
    assert.equal(fs.readFileSync(file, 'utf8'), '# mine\n');
  });

  it('finds two versions in production and keeps the chosen one, archiving the other with a note', async () => {
    const { store, register } = await repoWithStore();
    for (let i = 0; i < 3; i++) { await register('churn'); }
    await register('other');
    await store.setModelStage('churn', 2, 'production');
    // What a merge of two promotions leaves: v3 promoted on another machine that never saw v2 in production (its
    // history entry names no version it was promoted alongside).
    await store.setModelStage('churn', 3, 'production', { archiveExisting: false });
    const v3file = store.modelVersionFile('churn', 3);
    const v3 = JSON.parse(fs.readFileSync(v3file, 'utf8')) as { stageHistory: { alongside?: number[] }[] };
    assert.deepEqual(v3.stageHistory.at(-1)?.alongside, [2]);
    delete v3.stageHistory.at(-1)?.alongside;
    fs.writeFileSync(v3file, JSON.stringify(v3, null, 2));
    const found = await findTeamConflicts(store);
    assert.deepEqual(found, [{ kind: 'multipleProduction', model: 'churn', versions: [2, 3], message: '2 versions in production (2, 3): keep one with Resolve…' }]);

    // The gate refuses every version of the model while it lasts, whatever the checks say and whatever is waived.
    const gate = await runGate(store, 'churn', 1, { allowProcesses: true });
    assert.equal(gate.passed, false);
    assert.deepEqual(gate.teamConflicts, found);
    assert.match(gateText(gate), /REFUSED: churn has 2 versions in production \(2, 3\): keep one with Resolve… \(mlops model resolve churn --keep N\)/);
    const waivers = gate.blocking.map((check) => ({ check, reason: 'waived for the test' }));
    const promoted = await promoteModel(store, 'churn', 1, { stage: 'production', by: { name: 't' }, waivers });
    assert.equal(promoted.promoted, false);
    assert.equal((await store.readModelVersion('churn', 1)).stage, 'none');
    assert.equal((await runGate(store, 'other', 1)).teamConflicts, undefined);

    await assert.rejects(resolveMultipleProduction(store, 'churn', 1), (e: unknown) => e instanceof MlopsError && /version 1 of model 'churn' is not in production \(in production: 2, 3\)/.test(e.message));
    const r = await resolveMultipleProduction(store, 'churn', 3);
    assert.deepEqual(r, { model: 'churn', kept: 3, archived: [2] });
    const v2 = await store.readModelVersion('churn', 2);
    assert.equal(v2.stage, 'archived');
    assert.equal(v2.stageHistory.at(-1)?.note, 'resolved after a merge: kept version 3');
    assert.equal((await store.readModelVersion('churn', 3)).stage, 'production');
    assert.deepEqual(await findTeamConflicts(store), []);
    assert.equal((await runGate(store, 'churn', 1)).teamConflicts, undefined);
  });

  it('does not call versions kept in production on purpose (--keep-production) a conflict: the gate passes the team check', async () => {
    const { store, register } = await repoWithStore();
    for (let i = 0; i < 3; i++) { await register('churn'); }
    await store.setModelStage('churn', 1, 'production');
    await store.setModelStage('churn', 2, 'production', { archiveExisting: false });
    await store.setModelStage('churn', 3, 'production', { archiveExisting: false });
    assert.deepEqual((await store.readModelVersion('churn', 3)).stageHistory.at(-1)?.alongside, [1, 2]);
    assert.deepEqual(await findTeamConflicts(store), []);
    assert.deepEqual(productionConflicts((await store.listModelVersions()).items), []);
    assert.equal((await runGate(store, 'churn', 3, { allowProcesses: true })).teamConflicts, undefined);
    // A fourth promoted on another machine that knew nothing of them is one again, with only the versions it clashes with.
    await register('churn');
    await store.setModelStage('churn', 4, 'production', { archiveExisting: false });
    const v4file = store.modelVersionFile('churn', 4);
    const v4 = JSON.parse(fs.readFileSync(v4file, 'utf8')) as { stageHistory: { alongside?: number[] }[] };
    delete v4.stageHistory.at(-1)?.alongside;
    fs.writeFileSync(v4file, JSON.stringify(v4, null, 2));
    const found = await findTeamConflicts(store);
    assert.deepEqual(found.map((c) => c.kind === 'multipleProduction' && c.versions), [[1, 2, 3, 4]]);
    assert.deepEqual(productionConflicts((await store.listModelVersions()).items), found);
  });

  it('finds a version number created on both branches (add/add), keeps the earlier at its number and renumbers the other; the merge commits', async () => {
    const { dir, store, register } = await repoWithStore();
    await register('churn');
    git(dir, 'add', '-A'); git(dir, 'commit', '-qm', 'v1');
    git(dir, 'checkout', '-q', '-b', 'other');
    assert.equal(await register('churn', 'theirs'), 2);
    git(dir, 'add', '-A'); git(dir, 'commit', '-qm', 'v2 on other');
    git(dir, 'checkout', '-q', 'main');
    await new Promise((r) => setTimeout(r, 5)); // a later createdAt for ours
    assert.equal(await register('churn', 'ours'), 2);
    git(dir, 'add', '-A'); git(dir, 'commit', '-qm', 'v2 on main');
    const theirs = JSON.parse(git(dir, 'show', 'other:.mlops/models/churn/versions/2.json')) as { runId: string; createdAt: string };
    const ours = JSON.parse(git(dir, 'show', 'main:.mlops/models/churn/versions/2.json')) as { runId: string; createdAt: string };

    assert.throws(() => git(dir, 'merge', '-q', 'other'), /git merge/);
    assert.notEqual(git(dir, 'ls-files', '-u').trim(), '');
    // The listing survives the conflicted file: v1 is read, 2.json is a problem row.
    const listed = await store.listModelVersions('churn');
    assert.deepEqual(listed.items.map((v) => v.version), [1]);
    assert.equal(listed.problems.length, 1);
    assert.equal(listed.problems[0].file, '.mlops/models/churn/versions/2.json');

    const found = await findTeamConflicts(store);
    assert.deepEqual(found, [{
      kind: 'versionClaimedTwice', model: 'churn', version: 2, file: '.mlops/models/churn/versions/2.json',
      message: 'version 2 was created on two machines (git add/add conflict): Resolve… renumbers one, keeping both',
    }]);
    const r = await resolveVersionClaim(store, 'churn', 2);
    assert.deepEqual(r.kept, { version: 2, runId: theirs.runId, createdAt: theirs.createdAt });
    assert.deepEqual(r.renumbered, { from: 2, to: 3, runId: ours.runId, createdAt: ours.createdAt });
    assert.deepEqual(r.files, ['.mlops/models/churn/versions/2.json', '.mlops/models/churn/versions/3.json']);
    assert.equal(git(dir, 'ls-files', '-u').trim(), '');
    git(dir, 'commit', '-qm', 'merge', '--no-edit');
    assert.deepEqual(await versionsOf(store, 'churn'), [1, 2, 3]);
    const v3 = await store.readModelVersion('churn', 3);
    assert.equal(v3.runId, ours.runId);
    assert.equal(v3.stageHistory.length, 1);
    assert.deepEqual(await findTeamConflicts(store), []);
    await assert.rejects(resolveVersionClaim(store, 'churn', 2), /has no conflict to resolve/);
  });

  it('finds a claimed version from the conflict markers left in the file after it was added unresolved, and resolves from them', async () => {
    const { dir, store, register } = await repoWithStore();
    git(dir, 'checkout', '-q', '-b', 'other');
    await register('churn', 'theirs');
    git(dir, 'add', '-A'); git(dir, 'commit', '-qm', 'v1 on other');
    git(dir, 'checkout', '-q', 'main');
    await new Promise((r) => setTimeout(r, 5));
    await register('churn', 'ours');
    git(dir, 'add', '-A'); git(dir, 'commit', '-qm', 'v1 on main');
    assert.throws(() => git(dir, 'merge', '-q', 'other'), /git merge/);
    const file = path.join(dir, '.mlops/models/churn/versions/1.json');
    assert.match(fs.readFileSync(file, 'utf8'), /^<<<<<<< /m);
    git(dir, 'add', '-A'); // someone marked it resolved with the markers still in
    git(dir, 'commit', '-qm', 'merge with markers');
    const found = await findTeamConflicts(store);
    const claims = found.filter((c) => c.kind === 'versionClaimedTwice');
    assert.equal(claims.length, 1);
    assert.match(claims[0].message, /conflict markers in the file/);
    // The other files both sides created (model.json, the experiment) hold markers too: each reported, to edit.
    const others = found.filter((c) => c.kind === 'unmergedFile');
    assert.equal(others.length, found.length - 1);
    for (const c of others) { assert.match(c.message, /holds git's conflict markers/); }
    const r = await resolveVersionClaim(store, 'churn', 1);
    assert.equal(r.renumbered.to, 2);
    assert.deepEqual(await versionsOf(store, 'churn'), [1, 2]);
    assert.deepEqual((await findTeamConflicts(store)).filter((c) => c.kind !== 'unmergedFile'), []);
  });

  it('one version changed differently on both sides: listed with advice while unmerged, and after markers are committed the gate refuses', async () => {
    const { dir, store, register } = await repoWithStore();
    await register('churn'); await register('churn');
    git(dir, 'add', '-A'); git(dir, 'commit', '-qm', 'v1');
    git(dir, 'checkout', '-q', '-b', 'other');
    await store.setModelStage('churn', 1, 'staging');
    git(dir, 'commit', '-qam', 'staging');
    git(dir, 'checkout', '-q', 'main');
    await store.setModelStage('churn', 1, 'archived');
    git(dir, 'commit', '-qam', 'archived');
    assert.throws(() => git(dir, 'merge', '-q', 'other'), /git merge/);
    const during = await findTeamConflicts(store);
    assert.deepEqual(during.map((c) => [c.kind, c.model, c.kind === 'multipleProduction' ? undefined : c.version]), [['unmergedFile', 'churn', 1]]);
    assert.match(during[0].message, /changed on both sides: edit it/);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'merge with markers');
    const after = await findTeamConflicts(store);
    assert.equal(after.length, 1);
    assert.equal(after[0].kind, 'unmergedFile');
    assert.equal(after[0].model, 'churn');
    assert.match(after[0].message, /holds git's conflict markers/);
    const gate = await runGate(store, 'churn', 2, { allowProcesses: true });
    assert.equal(gate.passed, false);
    assert.deepEqual(gate.teamConflicts, after);
    const cli = mlops(['model', 'conflicts'], dir);
    assert.equal(cli.code, 1);
    assert.match(cli.stdout, /\.mlops\/models\/churn\/versions\/1\.json: version 1 holds git's conflict markers/);
  });

  it('a run deleted on one side and tagged on the other: the advice brings back the whole folder (metrics too)', async () => {
    const { dir, store } = await repoWithStore();
    const run = await store.createRun({ experiment: 'e' });
    fs.writeFileSync(store.runs.metricsFile(run.id), '{"step":0,"metrics":{"loss":1}}\n');
    git(dir, 'add', '-A'); git(dir, 'commit', '-qm', 'run');
    git(dir, 'checkout', '-q', '-b', 'other');
    const runFile = store.runFile(run.id);
    const record = JSON.parse(fs.readFileSync(runFile, 'utf8')) as { tags?: string[] };
    fs.writeFileSync(runFile, JSON.stringify({ ...record, tags: ['keep'] }, null, 2));
    git(dir, 'commit', '-qam', 'tag');
    git(dir, 'checkout', '-q', 'main');
    fs.rmSync(store.runDir(run.id), { recursive: true });
    git(dir, 'add', '-A'); git(dir, 'commit', '-qm', 'delete');
    assert.throws(() => git(dir, 'merge', '-q', 'other'), /git merge/);
    const found = await findTeamConflicts(store);
    const folder = `.mlops/runs/${run.id}`;
    assert.equal(found.length, 1);
    assert.equal(found[0].message, `deleted on one side, changed on the other: keep the run folder ${folder} with 'git checkout MERGE_HEAD -- ${folder}', or remove the run folder ${folder} with 'git rm -r -- ${folder}'`);
    assert.doesNotMatch(mlops(['model', 'conflicts'], dir).stdout, /edit it, then git add it/);
    git(dir, 'checkout', 'MERGE_HEAD', '--', folder);
    assert.equal(fs.readFileSync(store.runs.metricsFile(run.id), 'utf8'), '{"step":0,"metrics":{"loss":1}}\n');
    assert.deepEqual(await findTeamConflicts(store), []);
  });

  it('a rebase renumbers the local (replayed) version, not the pushed one; a replayed promotion after it gets advice, not a dead end', async () => {
    const { dir, store, register } = await repoWithStore();
    await register('churn', 'local'); // registered first, yet not pushed: it is the one that moves
    git(dir, 'add', '-A'); git(dir, 'commit', '-qm', 'v1 local');
    const local = JSON.parse(git(dir, 'show', 'main:.mlops/models/churn/versions/1.json')) as { runId: string };
    await store.setModelStage('churn', 1, 'staging');
    git(dir, 'commit', '-qam', 'v1 local to staging');
    git(dir, 'checkout', '-q', '-b', 'upstream', 'HEAD~2');
    await new Promise((r) => setTimeout(r, 5));
    await register('churn', 'pushed');
    git(dir, 'add', '-A'); git(dir, 'commit', '-qm', 'v1 pushed');
    const pushed = JSON.parse(git(dir, 'show', 'upstream:.mlops/models/churn/versions/1.json')) as { runId: string };
    git(dir, 'checkout', '-q', 'main');
    assert.throws(() => git(dir, 'rebase', 'upstream'), /git rebase/);
    const r = await resolveVersionClaim(store, 'churn', 1);
    assert.equal(r.kept.runId, pushed.runId);
    assert.equal(r.renumbered.runId, local.runId);
    assert.equal(r.renumbered.to, 2);
    git(dir, 'checkout', '--ours', '--', '.mlops/models/churn/model.json', '.mlops/experiments/e.json'); // both created them: upstream's
    git(dir, 'add', '--', '.mlops/models/churn/model.json', '.mlops/experiments/e.json');
    let stopped = false;
    try { git(dir, '-c', 'core.editor=true', 'rebase', '--continue'); } catch { stopped = true; }
    if (stopped) {
      const found = await findTeamConflicts(store);
      const mine = found.filter((c) => c.kind !== 'multipleProduction' && c.file === '.mlops/models/churn/versions/1.json');
      assert.equal(mine.length, 1);
      assert.equal(mine[0].kind, 'unmergedFile');
      assert.match(mine[0].message, /'git rebase --abort', then 'git pull --no-rebase', then resolve/);
      await assert.rejects(resolveVersionClaim(store, 'churn', 1), /git rebase --abort/);
    }
    assert.ok(stopped, 'the replayed promotion conflicts on 1.json');
  });

  it('sets up merging: attributes written (a user\'s lines kept), the driver in the local config, and says what is set up', async () => {
    const outside = tmpDir();
    const { store: bare } = await Store.init(outside);
    await assert.rejects(setUpGitMerge(bare, 'x'), /not in a git repository/);
    assert.deepEqual(await gitMergeStatus(bare), { attributes: true });

    const { dir, store } = await repoWithStore();
    const attributes = path.join(dir, '.mlops', '.gitattributes');
    fs.writeFileSync(attributes, '*.csv -diff\n*.jsonl merge=binary');
    const before = await gitMergeStatus(store);
    assert.equal(before.attributes, false);
    assert.equal(before.driver, undefined);
    const command = mergeDriverCommand('/opt/node dir/node', '/x/cli.js', true);
    assert.equal(command, 'if [ -f "/x/cli.js" ] && [ -x "/opt/node dir/node" ]; then ELECTRON_RUN_AS_NODE=1 "/opt/node dir/node" "/x/cli.js" git merge-driver %O %A %B %P; else git merge-file -L ours -L base -L theirs %A %O %B; fi');
    const r = await setUpGitMerge(store, command);
    assert.deepEqual(r, { repoRoot: fs.realpathSync(dir), attributesWritten: true, configured: true, keptAttributes: [{ pattern: '*.jsonl', merge: 'binary' }] });
    // The user's jsonl rule stays (and wins); only the missing JSON rule is added.
    assert.equal(fs.readFileSync(attributes, 'utf8'), '*.csv -diff\n*.jsonl merge=binary\n# added by MLOps Workbench (mlops git setup)\n*.json merge=mlops\n');
    assert.equal(git(dir, 'config', '--local', 'merge.mlops.driver').trim(), command);
    assert.equal(git(dir, 'config', '--local', 'merge.mlops.name').trim(), 'MLOps Workbench JSON merge');
    assert.deepEqual(await gitMergeStatus(store), { repoRoot: fs.realpathSync(dir), attributes: true, driver: command, stale: true });
    assert.deepEqual(await setUpGitMerge(store, command), { repoRoot: fs.realpathSync(dir), attributesWritten: false, configured: false, keptAttributes: [{ pattern: '*.jsonl', merge: 'binary' }] });
  });
});
