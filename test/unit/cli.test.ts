import { GATE_CHECKS } from '../../src/core/gate/types';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { CLI, REPO, git, mlops, snapshot, tmpDir } from './helpers';

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
    for (const cmd of ['run start', 'run log-metric', 'run log-param', 'run end', 'runs delete', 'runs restore', 'runs tag', 'runs untag',
      'runs rename', 'trash list', 'trash empty', 'data show', 'data verify', 'data diff']) {
      assert.ok(help.includes(`mlops ${cmd}`), `help lists ${cmd}`);
      assert.match(ok([...cmd.split(' '), '--help'], REPO), new RegExp(`^Usage: mlops ${cmd}`));
    }
    // --version and --help answer from dist/cli.js alone, which carries none of zod or simple-git.
    const entry = fs.readFileSync(CLI, 'utf8');
    assert.doesNotMatch(entry, /zod|simple-git|ZodError/);
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
    // The production gate is the subject of gate.test.ts and cli-gate.test.ts; here every check is off.
    fs.writeFileSync(path.join(ws, '.mlops', 'goals.json'), JSON.stringify({ formatVersion: 1, gate: { checks: Object.fromEntries(GATE_CHECKS.map((c) => [c, 'off'])) } }));
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

/** A run.json edited as another writer (or a hostile file in a cloned repository) could leave it. */
function editRun(ws: string, id: string, edit: (run: Record<string, unknown>) => void): void {
  const file = path.join(ws, '.mlops', 'runs', id, 'run.json');
  const run = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(run);
  fs.writeFileSync(file, JSON.stringify(run, null, 2) + '\n');
}

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('mlops CLI: safe output, bounded input, pipes and option order (real processes)', function () {
  this.timeout(120_000);

  it('escapes control characters and bidi overrides in text output; --json stays exact', () => {
    const ws = tmpDir();
    ok(['init'], ws);
    const id = (JSON.parse(ok(['run', 'log', '-e', 'e', '--metric', 'loss=1', '--no-git', '--json'], ws)) as RunJson).id;
    const title = 'evil\x1b]0;PWNED\x07';
    editRun(ws, id, (r) => {
      r.name = title;
      r.tags = ['\u202egnp.exe', 'c1\x9b31m'];
      r.params = { 'key\x1b[2J': 'val\x7f\u2066x' };
      r.notes = 'first line\x1b[31m red\nsecond line';
    });
    for (const args of [['runs', 'list'], ['runs', 'show', id], ['runs', 'list', '--filter', 'tags has "c1\x9b31m"']]) {
      const out = ok(args, ws);
      assert.doesNotMatch(out, RAW_CONTROL, `mlops ${args.join(' ')} printed a raw control character: ${JSON.stringify(out)}`);
      assert.ok(out.includes('evil\\x1b]0;PWNED\\x07'), `the name is visible, escaped: ${out}`);
    }
    const shown = ok(['runs', 'show', id], ws);
    for (const visible of ['\\u202egnp.exe', 'c1\\u009b31m', 'key\\x1b[2J = val\\x7f\\u2066x', 'first line\\x1b[31m red']) {
      assert.ok(shown.includes(visible), `shows ${visible} in ${shown}`);
    }
    assert.ok(shown.includes('\nsecond line'), 'line breaks of a note are kept');
    const json = JSON.parse(ok(['runs', 'show', id, '--json'], ws)) as { run: RunJson & { notes: string } };
    assert.equal(json.run.name, title);
    assert.deepEqual(json.run.tags, ['\u202egnp.exe', 'c1\x9b31m']);
    assert.deepEqual(json.run.params, { 'key\x1b[2J': 'val\x7f\u2066x' });
    assert.equal((JSON.parse(ok(['runs', 'list', '--json'], ws)) as RunJson[])[0].name, title);

    // Errors and parse-error snippets: one line on stderr, escaped.
    for (const args of [['runs', 'show', 'x\x1b]0;T\x07'], ['run', 'log', '-e', 'e', '--param', 'lr\x1b[31m'], ['runs', 'list', '--filter', 'name = "\x1b[2J']]) {
      const r = mlops(args, ws);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /^mlops: /);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${JSON.stringify(r.stderr)}`);
      assert.doesNotMatch(r.stderr, RAW_CONTROL, `escaped: ${JSON.stringify(r.stderr)}`);
      assert.ok(r.stderr.includes('\\x1b'), `the escape is visible: ${r.stderr}`);
    }
  });

  it('huge, negative and malformed numbers are usage errors naming the option, never internal errors', () => {
    const ws = tmpDir();
    ok(['init'], ws);
    const id = (JSON.parse(ok(['run', 'log', '-e', 'e', '--status', 'running', '--no-git', '--json'], ws)) as RunJson).id;
    const before = snapshot(ws);
    fails(['run', 'log', '-e', 'e', '--duration', '10000000000000', '--no-git'], ws, 2, /^mlops: bad --duration '10000000000000': at most \d+ seconds/);
    fails(['run', 'log', '-e', 'e', '--duration', '1e400', '--no-git'], ws, 2, /bad --duration '1e400'/);
    fails(['run', 'log', '-e', 'e', '--duration=-5', '--no-git'], ws, 2, /bad --duration '-5'/);
    fails(['run', 'log', '-e', 'e', '--metric', 'loss=1@99999999999999999999', '--no-git'], ws, 2, /step 99999999999999999999 is too large/);
    fails(['run', 'log-metric', 'loss', '1', '--step', '99999999999999999999', '--run', id], ws, 2, /bad --step '99999999999999999999'/);
    fails(['run', 'log-metric', 'loss', '1', '--step', '-1', '--run', id], ws, 2, /bad --step '-1'/);
    fails(['trash', 'empty', '--older-than', '99999999999999d'], ws, 2, /bad --older-than '99999999999999d'/);
    fails(['trash', 'empty', '--older-than', '30 days'], ws, 2, /bad --older-than '30 days': expected a number and a unit/);
    fails(['runs', 'list', '--limit', '0'], ws, 2, /bad --limit '0'/);
    fails(['runs', 'list', '--limit', '1e999'], ws, 2, /bad --limit '1e999'/);
    fails(['model', 'promote', 'm', '99999999999999999999', '--stage', 'staging'], ws, 2, /bad model version '99999999999999999999'/);
    assert.deepEqual(snapshot(ws), before);
  });

  it('exits quietly with 0 when the reader of its output goes away (mlops … | head)', async () => {
    const ws = tmpDir();
    ok(['init'], ws);
    // Enough runs that the listing is far larger than a pipe's buffer; written directly, as a bulk import would.
    const id0 = (JSON.parse(ok(['run', 'log', '-e', 'e', '-n', 'seed', '--no-git', '--json'], ws)) as RunJson).id;
    const seed = fs.readFileSync(path.join(ws, '.mlops', 'runs', id0, 'run.json'), 'utf8');
    for (let i = 0; i < 1500; i++) {
      const id = id0.slice(0, 16) + String(i).padStart(10, '0');
      fs.mkdirSync(path.join(ws, '.mlops', 'runs', id));
      fs.writeFileSync(path.join(ws, '.mlops', 'runs', id, 'run.json'), seed.replace(id0, id));
    }
    for (const args of [['runs', 'list'], ['runs', 'list', '--json']]) {
      const r = await new Promise<{ code: number | null; signal: string | null; stderr: string; got: number }>((resolve) => {
        const child = spawn(process.execPath, [CLI, ...args], { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        let got = 0;
        child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
        child.stdout.once('data', (c: Buffer) => { got = c.length; child.stdout.destroy(); });
        child.on('close', (code, signal) => resolve({ code, signal, stderr, got }));
      });
      assert.ok(r.got > 0, 'some output arrived before the pipe closed');
      assert.equal(r.stderr, '', `nothing on stderr for ${args.join(' ')}`);
      assert.deepEqual([r.code, r.signal], [0, null], `mlops ${args.join(' ')} exit`);
    }
  });

  it('a write command whose output pipe is already closed still finishes every change and exits 0', async () => {
    const ws = tmpDir();
    ok(['init'], ws);
    const ids = ['a', 'b', 'c'].map((n) => (JSON.parse(ok(['run', 'log', '-e', 'e', '-n', n, '--no-git', '--json'], ws)) as RunJson).id);
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'runs', 'delete', ...ids], { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy(); // closed before the first line is written
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
      child.on('close', (code) => resolve({ code, stderr }));
    });
    assert.deepEqual([r.code, r.stderr], [0, '']);
    assert.deepEqual(fs.readdirSync(path.join(ws, '.mlops', 'trash', 'runs')).sort(), [...ids].sort());
    assert.deepEqual(fs.readdirSync(path.join(ws, '.mlops', 'runs')), []);
  });

  it('global options may stand anywhere: before, between or after the command words', () => {
    const ws = tmpDir();
    ok(['init'], ws);
    const run = JSON.parse(ok(['run', '--json', 'log', '-e', 'e', '--metric', 'loss=1', '--no-git'], ws)) as RunJson;
    const elsewhere = tmpDir();
    const expected = ok(['runs', 'list', '--json'], ws);
    assert.deepEqual((JSON.parse(expected) as RunJson[]).map((r) => r.id), [run.id]);
    assert.equal(ok(['runs', '--json', 'list'], ws), expected);
    assert.equal(ok(['--json', 'runs', 'list'], ws), expected);
    assert.equal(ok(['runs', '--root', ws, 'list', '--json'], elsewhere), expected);
    assert.equal(ok(['runs', `--root=${ws}`, '--json', 'list'], elsewhere), expected);
    assert.equal(ok(['runs', 'list', '--root', ws, '--json'], elsewhere), expected);
    assert.match(ok(['runs', '--help'], ws), /mlops runs list[\s\S]*mlops runs delete/);
    assert.match(ok(['runs', 'show', '--help'], ws), /^Usage: mlops runs show/);
    fails(['runs'], ws, 2, /'mlops runs' needs a subcommand: list, show/);
  });
});
