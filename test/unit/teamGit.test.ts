import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { CLI, tmpDir, type CliResult } from './helpers';

// Two people sharing one store through a bare repository: clone A and clone B, each with its own `mlops` processes
// (the built CLI, as people run it) and its own `mlops git setup`. Real git, real merges and rebases.

const GIT_ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_EDITOR: 'true', GIT_MERGE_AUTOEDIT: 'no' };

function git(cwd: string, ...args: string[]): CliResult {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function gitOk(cwd: string, ...args: string[]): string {
  const r = git(cwd, ...args);
  assert.equal(r.code, 0, `git ${args.join(' ')} in ${path.basename(cwd)}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** `mlops …` as a child process of its own, so calls can run at the same time. */
function mlops(cwd: string, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...GIT_ENV, MLOPS_DEBUG: '', MLOPS_ROOT: '' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function ok(cwd: string, ...args: string[]): Promise<string> {
  const r = await mlops(cwd, ...args);
  assert.equal(r.code, 0, `mlops ${args.join(' ')} in ${path.basename(cwd)}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

async function json<T>(cwd: string, ...args: string[]): Promise<T> {
  return JSON.parse(await ok(cwd, ...args, '--json')) as T;
}

/** Nothing in conflict, nothing left uncommitted. */
function assertClean(cwd: string): void {
  assert.equal(gitOk(cwd, 'ls-files', '-u'), '', `unmerged files in ${path.basename(cwd)}`);
  assert.equal(gitOk(cwd, 'status', '--porcelain'), '', `uncommitted changes in ${path.basename(cwd)}`);
}

function commitAll(cwd: string, message: string): void {
  gitOk(cwd, 'add', '-A');
  gitOk(cwd, 'commit', '-qm', message);
}

/** A clone's share of one round: runs (two logged, one live with appended metrics), a data version, a model version. */
async function work(cwd: string, who: string, model: string): Promise<void> {
  await Promise.all([1, 2].map((i) => ok(cwd, 'run', 'log', '--experiment', 'shared', '--name', `${who}-${i}`, '--param', `i=${i}`, '--metric', `loss=0.${i}`)));
  const live = JSON.parse(await ok(cwd, 'run', 'start', '--experiment', 'shared', '--name', `${who}-live`, '--json')) as { id: string };
  await ok(cwd, 'run', 'log-metric', 'acc', '0.5', '--run', live.id);
  await ok(cwd, 'run', 'end', '--run', live.id);
  fs.mkdirSync(path.join(cwd, 'data'), { recursive: true });
  fs.writeFileSync(path.join(cwd, 'data', `${who}.csv`), `x,y\n1,${who}\n`);
  await ok(cwd, 'data', 'tag', `data/${who}.csv`, '--dataset', 'shared-data', '--tag', who);
  fs.writeFileSync(path.join(cwd, `${who}.pkl`), `model of ${who}`);
  await ok(cwd, 'model', 'register', '--name', model, '--run', live.id, '--artifact', `${who}.pkl`);
  // The retraining log is appended to by both machines (one write of a whole line, as its writers do).
  fs.mkdirSync(path.join(cwd, '.mlops', 'retraining'), { recursive: true });
  fs.appendFileSync(path.join(cwd, '.mlops', 'retraining', 'log.jsonl'), `${JSON.stringify({ formatVersion: 1, time: new Date().toISOString(), model, trigger: who, fired: false, decision: 'quiet' })}\n`);
}

async function registerChurn(cwd: string, who: string): Promise<number> {
  const run = JSON.parse(await ok(cwd, 'run', 'log', '--experiment', 'churn', '--name', `churn-${who}`, '--metric', 'auc=0.8', '--json')) as { id: string };
  fs.writeFileSync(path.join(cwd, `churn-${who}.pkl`), `churn by ${who} ${run.id}`);
  const mv = JSON.parse(await ok(cwd, 'model', 'register', '--name', 'churn', '--run', run.id, '--artifact', `churn-${who}.pkl`, '--json')) as { version: number };
  return mv.version;
}

/** Every check off: these tests are about what a merge does to stages, not about the checks. */
const GOALS = JSON.stringify({ formatVersion: 1, gate: { checks: Object.fromEntries(['goals', 'constraints', 'slices', 'lineage', 'dependencies', 'notebooks', 'budget', 'reproduced'].map((c) => [c, 'off'])) } }, null, 2) + '\n';

describe('two clones share one store through git (bare repository, real git, real mlops processes)', function () {
  this.timeout(180_000);
  let A = '';
  let B = '';

  before(async () => {
    assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (npm run build)');
    const top = tmpDir('mlops-team-git-');
    const bare = path.join(top, 'origin.git');
    gitOk(top, 'init', '-q', '--bare', '-b', 'main', bare);
    A = path.join(top, 'A');
    B = path.join(top, 'B');
    gitOk(top, 'clone', '-q', bare, A);
    gitOk(A, 'checkout', '-q', '-b', 'main');
    await ok(A, 'init');
    fs.writeFileSync(path.join(A, '.mlops', 'goals.json'), GOALS);
    await ok(A, 'git', 'setup');
    commitAll(A, 'store');
    gitOk(A, 'push', '-q', '-u', 'origin', 'main');
    gitOk(top, 'clone', '-q', bare, B);
    const setup = await json<{ attributesWritten: boolean; configured: boolean }>(B, 'git', 'setup');
    assert.deepEqual([setup.attributesWritten, setup.configured], [false, true], 'B got .gitattributes from the clone and configures its own driver');
    assertClean(A);
    assertClean(B);
  });

  it('work done on both clones at once merges with no conflict in .mlops, by merge and by rebase, and nothing is lost', async () => {
    // Round 1: both at once, then B pulls with a merge.
    await Promise.all([work(A, 'a1', 'model-a'), work(B, 'b1', 'model-b')]);
    commitAll(A, 'a1');
    commitAll(B, 'b1');
    gitOk(A, 'push', '-q');
    gitOk(B, 'pull', '-q', '--no-rebase', '--no-edit');
    assertClean(B);
    gitOk(B, 'push', '-q');
    gitOk(A, 'pull', '-q', '--no-rebase');
    // Round 2: each registers a version of the other's model; B pulls with a rebase.
    await Promise.all([work(A, 'a2', 'model-b'), work(B, 'b2', 'model-a')]);
    commitAll(A, 'a2');
    commitAll(B, 'b2');
    gitOk(A, 'push', '-q');
    gitOk(B, 'pull', '-q', '--rebase');
    assertClean(B);
    gitOk(B, 'push', '-q');
    gitOk(A, 'pull', '-q', '--no-rebase');
    assertClean(A);

    await Promise.all([A, B].map(async (clone) => {
      const [runs, data, models, experiments] = await Promise.all([
        json<{ name: string }[]>(clone, 'runs', 'list'),
        json<{ tags: string[] }[]>(clone, 'data', 'list'),
        json<{ model: string; version: number }[]>(clone, 'model', 'list'),
        json<{ name: string }[]>(clone, 'experiments', 'list'),
      ]);
      assert.deepEqual(runs.map((r) => r.name).sort(), ['a1-1', 'a1-2', 'a1-live', 'a2-1', 'a2-2', 'a2-live', 'b1-1', 'b1-2', 'b1-live', 'b2-1', 'b2-2', 'b2-live']);
      assert.deepEqual(data.flatMap((d) => d.tags).sort(), ['a1', 'a2', 'b1', 'b2']);
      assert.deepEqual(models.map((m) => `${m.model} v${m.version}`), ['model-a v2', 'model-a v1', 'model-b v2', 'model-b v1']);
      assert.deepEqual(experiments.map((e) => e.name), ['shared']);
      const log = fs.readFileSync(path.join(clone, '.mlops', 'retraining', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { trigger: string }).trigger);
      assert.deepEqual(log.sort(), ['a1', 'a2', 'b1', 'b2']);
    }));
    assert.equal(gitOk(A, 'rev-parse', 'HEAD'), gitOk(B, 'rev-parse', 'HEAD'));
  });

  it('two promotions to production merge into "2 versions in production": the gate refuses until one is kept', async () => {
    for (const who of ['1', '2', '3']) { assert.equal(await registerChurn(A, who), Number(who)); }
    await ok(A, 'model', 'promote', 'churn', '1', '--stage', 'production');
    commitAll(A, 'churn v1 in production');
    gitOk(A, 'push', '-q');
    gitOk(B, 'pull', '-q', '--no-rebase');

    // Both archive v1 (each adding a history entry to its file); the driver merges them.
    await Promise.all([ok(A, 'model', 'promote', 'churn', '2', '--stage', 'production'), ok(B, 'model', 'promote', 'churn', '3', '--stage', 'production')]);
    commitAll(A, 'v2 to production');
    commitAll(B, 'v3 to production');
    gitOk(A, 'push', '-q');
    gitOk(B, 'pull', '-q', '--no-rebase', '--no-edit');
    assertClean(B);
    const v1 = JSON.parse(fs.readFileSync(path.join(B, '.mlops/models/churn/versions/1.json'), 'utf8')) as { stage: string; stageHistory: { stage: string }[] };
    assert.equal(v1.stage, 'archived');
    assert.deepEqual(v1.stageHistory.map((h) => h.stage), ['none', 'production', 'archived', 'archived']);

    const conflicts = await mlops(B, 'model', 'conflicts');
    assert.equal(conflicts.code, 1);
    assert.match(conflicts.stdout, /churn: 2 versions in production \(2, 3\): keep one with Resolve…\n {2}mlops model resolve churn --keep N/);
    const gate = await mlops(B, 'gate', 'churn', '3');
    assert.equal(gate.code, 1);
    assert.match(gate.stdout, /REFUSED: churn has 2 versions in production/);
    const promote = await mlops(B, 'model', 'promote', 'churn', '3', '--stage', 'production');
    assert.equal(promote.code, 1);
    assert.match(promote.stderr, /the gate refused it \(2 versions in production/);

    assert.match(await ok(B, 'model', 'resolve', 'churn', '--keep', '3'), /version 3 stays in production; archived 2/);
    assert.equal((await mlops(B, 'model', 'conflicts')).code, 0);
    assert.equal((await mlops(B, 'gate', 'churn', '3')).code, 0);
    commitAll(B, 'kept v3');
    gitOk(B, 'push', '-q');
    gitOk(A, 'pull', '-q', '--no-rebase');
    assertClean(A);
  });

  for (const mode of ['merge', 'rebase'] as const) {
    it(`one version number registered on both clones at once: the ${mode} stops on add/add, resolve renumbers one and keeps both`, async () => {
      const before = (await json<{ version: number }[]>(A, 'model', 'list', '--name', 'churn')).length;
      const [va, vb] = await Promise.all([registerChurn(A, `a-${mode}`), registerChurn(B, `b-${mode}`)]);
      assert.equal(va, before + 1);
      assert.equal(vb, before + 1);
      commitAll(A, `A registers v${va}`);
      commitAll(B, `B registers v${vb}`);
      gitOk(A, 'push', '-q');
      const pull = git(B, 'pull', '-q', mode === 'merge' ? '--no-rebase' : '--rebase');
      assert.notEqual(pull.code, 0, 'the pull stops');
      const file = `.mlops/models/churn/versions/${va}.json`;
      assert.match(gitOk(B, 'ls-files', '-u'), new RegExp(file.replace(/\./g, '\\.')));

      const found = await mlops(B, 'model', 'conflicts', '--json');
      assert.equal(found.code, 1);
      assert.deepEqual((JSON.parse(found.stdout) as { conflicts: unknown[] }).conflicts, [{
        kind: 'versionClaimedTwice', model: 'churn', version: va, file,
        message: `version ${va} was created on two machines (git add/add conflict): Resolve… renumbers one, keeping both`,
        resolve: `mlops model resolve churn --version ${va}`,
      }]);
      const r = await json<{ kept: { version: number }; renumbered: { from: number; to: number } }>(B, 'model', 'resolve', 'churn', '--version', String(va));
      assert.deepEqual([r.kept.version, r.renumbered.from, r.renumbered.to], [va, va, va + 1]);
      assert.equal(gitOk(B, 'ls-files', '-u'), '');
      if (mode === 'merge') { gitOk(B, 'commit', '-q', '--no-edit'); } else { gitOk(B, 'rebase', '--continue'); }
      assertClean(B);
      gitOk(B, 'push', '-q');
      gitOk(A, 'pull', '-q', '--no-rebase');
      assertClean(A);
      for (const clone of [A, B]) {
        const versions = await json<{ version: number; artifact: { path: string } }[]>(clone, 'model', 'list', '--name', 'churn');
        assert.deepEqual(versions.map((v) => v.version), Array.from({ length: before + 2 }, (_, i) => before + 2 - i));
        assert.deepEqual(versions.slice(0, 2).map((v) => v.artifact.path).sort(), [`churn-a-${mode}.pkl`, `churn-b-${mode}.pkl`]);
        assert.equal((await mlops(clone, 'model', 'conflicts')).code, 0);
      }
    });
  }

  it('without the merge driver, the same two promotions are a text conflict in the archived version\'s file (why mlops git setup exists)', async () => {
    const dir = tmpDir('mlops-team-nodriver-');
    gitOk(dir, 'init', '-q', '-b', 'main');
    await ok(dir, 'init');
    fs.writeFileSync(path.join(dir, '.mlops', 'goals.json'), GOALS);
    for (const who of ['1', '2', '3']) { await registerChurn(dir, who); }
    await ok(dir, 'model', 'promote', 'churn', '1', '--stage', 'production');
    commitAll(dir, 'v1 in production');
    gitOk(dir, 'checkout', '-q', '-b', 'other');
    await ok(dir, 'model', 'promote', 'churn', '2', '--stage', 'production');
    commitAll(dir, 'v2');
    gitOk(dir, 'checkout', '-q', 'main');
    await ok(dir, 'model', 'promote', 'churn', '3', '--stage', 'production');
    commitAll(dir, 'v3');
    const merge = git(dir, 'merge', '-q', 'other');
    assert.notEqual(merge.code, 0);
    assert.match(gitOk(dir, 'ls-files', '-u'), /versions\/1\.json/);
    assert.match(fs.readFileSync(path.join(dir, '.mlops/models/churn/versions/1.json'), 'utf8'), /^<<<<<<< /m);
    gitOk(dir, 'merge', '--abort');

    await ok(dir, 'git', 'setup');
    gitOk(dir, 'merge', '-q', '--no-edit', 'other');
    assertClean(dir);
    const conflicts = await mlops(dir, 'model', 'conflicts');
    assert.match(conflicts.stdout, /2 versions in production \(2, 3\)/);
  });
});
