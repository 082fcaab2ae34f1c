import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO, git, mlops, snapshot, tmpDir } from './helpers';

interface RunJson { id: string; name: string; experiment: string; status: string; params: Record<string, unknown>; tags: string[]; git?: { commit: string; dirty: boolean }; dataVersions: { dataset: string; version: string }[]; meta: { durationMs?: number } }

function ok(args: string[], cwd: string): string {
  const r = mlops(args, cwd);
  assert.equal(r.code, 0, `mlops ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** A failing call: exactly one line on stderr, the given exit code, nothing on stdout. */
function fails(args: string[], cwd: string, code: number, re: RegExp): void {
  const r = mlops(args, cwd);
  assert.equal(r.code, code, `exit code of mlops ${args.join(' ')}; stderr: ${r.stderr}`);
  assert.match(r.stderr, re);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.equal(r.stdout, '');
}

describe('mlops CLI (built bundle, real processes)', function () {
  this.timeout(60_000);

  it('--version and --help', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    assert.equal(ok(['--version'], REPO).trim(), pkg.version);
    const help = ok(['--help'], REPO);
    for (const cmd of ['init', 'run log', 'runs list', 'runs show', 'data tag', 'data list', 'model register', 'model promote']) {
      assert.ok(help.includes(`mlops ${cmd}`), `help lists ${cmd}`);
    }
    assert.match(ok(['run', 'log', '--help'], REPO), /--experiment E/);
  });

  it('works end to end on a temp git workspace', () => {
    const ws = tmpDir();
    git(ws, 'init', '-q');
    fs.writeFileSync(path.join(ws, 'train.py'), 'print("train")\n');
    fs.writeFileSync(path.join(ws, '.gitignore'), 'data/\n*.pkl\n');
    git(ws, 'add', '.');
    git(ws, 'commit', '-qm', 'init');
    const head = git(ws, 'rev-parse', 'HEAD').trim();
    assert.match(ok(['init'], ws), /Initialized an MLOps store/);

    fs.mkdirSync(path.join(ws, 'data'));
    fs.writeFileSync(path.join(ws, 'data', 'train.csv'), 'x,y\n1,0\n');
    const tagged = JSON.parse(ok(['data', 'tag', 'data', '--dataset', 'train', '--tag', 'v1', '--json'], ws)) as { version: { id: string; fileCount: number; source: string }; reused: boolean };
    assert.equal(tagged.reused, false);
    assert.equal(tagged.version.source, 'data');
    const retag = JSON.parse(ok(['data', 'tag', 'data', '--dataset', 'train', '--tag', 'gold', '--json'], ws)) as { version: { id: string; tags: string[] }; reused: boolean };
    assert.equal(retag.reused, true);
    assert.deepEqual(retag.version.tags, ['v1', 'gold']);

    const sub = path.join(ws, 'notebooks');
    fs.mkdirSync(sub);
    const run = JSON.parse(ok(['run', 'log', '--experiment', 'baseline', '--name', 'lr-0.1', '--param', 'lr=0.1', '--param', 'opt=adam',
      '--metric', 'loss=0.9@0', '--metric', 'loss=0.4@1', '--metric', 'accuracy@fold=1=0.8', '--tag', 'smoke', '--data', 'train:v1',
      '--duration', '2.5', '--json'], sub)) as RunJson;
    assert.equal(run.status, 'finished');
    assert.deepEqual(run.params, { lr: 0.1, opt: 'adam' });
    assert.equal(run.git?.commit, head);
    assert.equal(run.git?.dirty, false);
    assert.equal(run.dataVersions[0].version, tagged.version.id);
    assert.equal(run.meta.durationMs, 2500);

    const list = JSON.parse(ok(['runs', 'list', '--json'], ws)) as RunJson[];
    assert.deepEqual(list.map((r) => r.id), [run.id]);
    assert.match(ok(['runs', 'list'], ws), /lr-0\.1\s+finished/);
    assert.deepEqual(JSON.parse(ok(['runs', 'list', '--experiment', 'other', '--json'], ws)), []);

    const shown = JSON.parse(ok(['runs', 'show', run.id.slice(0, 12), '--json'], ws)) as { run: RunJson; metrics: Record<string, { last: number; lastStep: number; min: number; max: number; count: number }>; models: unknown[] };
    assert.deepEqual(shown.metrics.loss, { count: 2, last: 0.4, lastStep: 1, min: 0.4, max: 0.9 });
    assert.equal(shown.metrics['accuracy@fold=1'].last, 0.8);

    fs.writeFileSync(path.join(ws, 'model.pkl'), 'weights');
    const v1 = JSON.parse(ok(['model', 'register', '--name', 'churn', '--run', run.id, '--artifact', 'model.pkl', '--json'], ws)) as { version: number; runId: string; stage: string };
    assert.deepEqual([v1.version, v1.runId, v1.stage], [1, run.id, 'none']);
    ok(['model', 'register', '--name', 'churn', '--run', run.id, '--artifact', 'model.pkl'], ws);
    ok(['model', 'promote', 'churn', '1', '--stage', 'production'], ws);
    assert.match(ok(['model', 'promote', 'churn', 'v2', '--stage', 'production'], ws), /archived version 1/);
    const models = JSON.parse(ok(['model', 'list', '--json'], ws)) as { version: number; stage: string }[];
    assert.deepEqual(models.map((m) => [m.version, m.stage]), [[2, 'production'], [1, 'archived']]);
    const after = JSON.parse(ok(['runs', 'show', run.id, '--json'], ws)) as { models: { model: string; version: number }[] };
    assert.deepEqual(after.models.map((m) => m.version), [2, 1]);
    assert.match(ok(['runs', 'show', run.id], ws), /Models registered from this run/);
    assert.match(ok(['experiments', 'list'], ws), /baseline\s+1/);
    assert.match(ok(['data', 'list'], ws), /train\s+\S+\s+v1,gold/);

    // --root from anywhere
    assert.equal((JSON.parse(ok(['--root', ws, 'runs', 'list', '--json'], tmpDir())) as unknown[]).length, 1);
  });

  it('bad input: one clear line on stderr, a non-zero exit, and no change to the store', () => {
    const ws = tmpDir();
    ok(['init'], ws);
    ok(['run', 'log', '-e', 'e', '--metric', 'loss=1', '--no-git'], ws);
    const before = snapshot(ws);
    fails(['run', 'log', '--experiment', 'e', '--bogus'], ws, 2, /^mlops: Unknown option '--bogus'/);
    fails(['run', 'log', '--experiment', 'e', '--param', 'lr'], ws, 2, /bad param 'lr': expected key=value/);
    fails(['run', 'log', '--experiment', 'e', '--metric', 'loss=high'], ws, 2, /'high' is not a number/);
    fails(['run', 'log', '--param', 'a=1'], ws, 2, /needs --experiment/);
    fails(['run', 'log', '--experiment', '../x'], ws, 2, /must not contain '\/'/);
    fails(['run', 'log', '--experiment', 'e', '--status', 'done'], ws, 2, /unknown status 'done'/);
    fails(['runs', 'show'], ws, 2, /needs 1 argument/);
    fails(['runs', 'show', 'ZZZZZZZZ'], ws, 1, /no run with id starting 'ZZZZZZZZ'/);
    fails(['frobnicate'], ws, 2, /unknown command 'frobnicate'/);
    fails(['model', 'promote', 'm', 'x', '--stage', 'production'], ws, 2, /bad model version 'x'/);
    fails(['model', 'promote', 'm', '1', '--stage', 'live'], ws, 2, /unknown stage 'live'/);
    fails(['model', 'promote', 'nomodel', '1', '--stage', 'production'], ws, 1, /model 'nomodel' has no version 1/);
    fails(['data', 'tag', 'missing-folder', '--dataset', 'd'], ws, 1, /cannot read/);
    assert.deepEqual(snapshot(ws), before);
  });

  it('a missing workspace is a clear error', () => {
    const empty = tmpDir();
    fails(['runs', 'list'], empty, 1, /no MLOps store in .* or any folder above it; run 'mlops init' or pass --root DIR/);
    fails(['--root', path.join(empty, 'nope'), 'runs', 'list'], empty, 1, /no MLOps store in/);
  });

  it('a corrupted store file: list prints the good runs and warns, show fails; nothing is rewritten', () => {
    const ws = tmpDir();
    ok(['init'], ws);
    const good = (JSON.parse(ok(['run', 'log', '-e', 'e', '-n', 'good', '--no-git', '--json'], ws)) as RunJson).id;
    const bad = (JSON.parse(ok(['run', 'log', '-e', 'e', '-n', 'bad', '--no-git', '--json'], ws)) as RunJson).id;
    fs.writeFileSync(path.join(ws, '.mlops', 'runs', bad, 'run.json'), '{"formatVersion": 1, "id": "');
    const before = snapshot(ws);
    const list = mlops(['runs', 'list', '--json'], ws);
    assert.equal(list.code, 1);
    assert.deepEqual((JSON.parse(list.stdout) as RunJson[]).map((r) => r.id), [good]);
    assert.match(list.stderr, new RegExp(`^mlops: warning: \\.mlops/runs/${bad}/run\\.json: invalid JSON`));
    assert.equal(list.stderr.trimEnd().split('\n').length, 1);
    fails(['runs', 'show', bad], ws, 1, /run\.json: invalid JSON/);
    fails(['model', 'register', '--name', 'm', '--run', bad, '--artifact', '.'], ws, 1, /invalid JSON/);
    assert.deepEqual(snapshot(ws), before);
  });
});
