import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, snapshot, tmpDir } from './helpers';

interface Summary { last: number | null; min: number | null; max: number | null; step: number; count: number }
interface Row { id: string; name: string; experiment: string; status: string; tags: string[]; params: Record<string, unknown>; metrics: Record<string, Summary>; endTime?: string; meta: { durationMs?: number } }

/** The built CLI as a real process, with a clean environment plus `env` (MLOPS_RUN_ID, MLOPS_ROOT). */
function cli(args: string[], cwd: string, env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const base: Record<string, string | undefined> = { ...process.env, MLOPS_DEBUG: '', MLOPS_ROOT: undefined, MLOPS_RUN_ID: undefined };
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...base, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function ok(args: string[], cwd: string, env: Record<string, string> = {}): string {
  const r = cli(args, cwd, env);
  assert.equal(r.code, 0, `mlops ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

function fails(args: string[], cwd: string, code: number, re: RegExp, env: Record<string, string> = {}): string {
  const r = cli(args, cwd, env);
  assert.equal(r.code, code, `exit code of mlops ${args.join(' ')}; stderr: ${r.stderr}`);
  assert.match(r.stderr, re);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line on stderr, got: ${r.stderr}`);
  return r.stderr;
}

const rows = (args: string[], cwd: string): Row[] => JSON.parse(ok([...args, '--json'], cwd)) as Row[];
const names = (rs: Row[]): string[] => rs.map((r) => r.name);

describe('mlops runs list: metrics, --filter, --sort, --limit (real processes)', function () {
  this.timeout(180_000);
  let ws: string;

  before(() => {
    ws = tmpDir();
    ok(['init'], ws);
    ok(['run', 'log', '-e', 'sweep', '-n', 'a', '--param', 'lr=0.01', '--metric', 'accuracy=0.7@0', '--metric', 'accuracy=0.95@1', '--metric', 'loss=0.2', '--metric', 'accuracy@fold=1=0.9', '--tag', 'candidate', '--duration', '60', '--no-git'], ws);
    ok(['run', 'log', '-e', 'sweep', '-n', 'b', '--param', 'lr=0.1', '--metric', 'accuracy=0.92', '--metric', 'loss=0.1', '--tag', 'candidate', '--no-git'], ws);
    ok(['run', 'log', '-e', 'sweep', '-n', 'c', '--param', 'lr=0.001', '--metric', 'accuracy=0.99', '--status', 'failed', '--no-git'], ws);
    ok(['run', 'log', '-e', 'other', '-n', 'd', '--param', 'constructor=1', '--no-git'], ws);
  });

  it('--json gives each run a metrics object with last, min, max, step and count', () => {
    const all = rows(['runs', 'list'], ws);
    assert.deepEqual(names(all), ['d', 'c', 'b', 'a']);
    const a = all.find((r) => r.name === 'a');
    assert.deepEqual(a?.metrics.accuracy, { last: 0.95, min: 0.7, max: 0.95, step: 1, count: 2 });
    assert.deepEqual(a?.metrics['accuracy@fold=1'], { last: 0.9, min: 0.9, max: 0.9, step: 0, count: 1 });
    assert.deepEqual(all.find((r) => r.name === 'd')?.metrics, {});
    assert.deepEqual(all.find((r) => r.name === 'd')?.params, { constructor: 1 });
  });

  it('text shows the headline metric and more metric columns', () => {
    const text = ok(['runs', 'list'], ws);
    const [header, ...lines] = text.trimEnd().split('\n');
    assert.match(header, /^ID\s+EXPERIMENT\s+NAME\s+STATUS\s+STARTED\s+accuracy\s+loss\s+accuracy@fold=1\s+COMMIT$/);
    assert.match(lines.find((l) => /\sa\s/.test(l)) ?? '', /\ba\s+finished\s+\S+ \S+\s+0\.95\s+0\.2\s+0\.9$/);
    assert.match(lines.find((l) => /\sd\s/.test(l)) ?? '', /\bd\s+finished\s+\S+ \S+\s+-\s+-\s+-$/);
    assert.match(ok(['runs', 'list', '--sort', '-metrics.loss'], ws).split('\n')[0], /STARTED\s+loss\s+accuracy\s/);
  });

  it('--filter: the documented language over metrics, params, meta, tags and status', () => {
    assert.deepEqual(names(rows(['runs', 'list', '--filter', 'metrics.accuracy > 0.9 and params.lr <= 0.01 and tags has candidate and status = finished'], ws)), ['a']);
    assert.deepEqual(names(rows(['runs', 'list', '--filter', 'metrics."accuracy@fold=1" >= 0.9'], ws)), ['a']);
    assert.deepEqual(names(rows(['runs', 'list', '--filter', 'meta.durationMs >= 60000'], ws)), ['a']);
    assert.deepEqual(names(rows(['runs', 'list', '--filter', 'not tags has candidate and (status = failed or experiment = other)'], ws)), ['d', 'c']);
    assert.deepEqual(names(rows(['runs', 'list', '--filter', 'params.constructor = 1'], ws)), ['d']);
    assert.deepEqual(names(rows(['runs', 'list', '--filter', 'params.__proto__ = 1 or params.toString != 1 or metrics.constructor > 0'], ws)), []);
    assert.deepEqual(names(rows(['runs', 'list', '--experiment', 'sweep', '--status', 'finished', '--filter', 'metrics.loss < 0.5'], ws)), ['b', 'a']);
    assert.match(ok(['runs', 'list', '--filter', 'name = nobody'], ws), /^No runs match\.$/m);
  });

  it('--sort by metric, param, meta or name, ascending or descending (missing last); --limit', () => {
    assert.deepEqual(names(rows(['runs', 'list', '--sort', 'metrics.accuracy'], ws)), ['b', 'a', 'c', 'd']);
    assert.deepEqual(names(rows(['runs', 'list', '--sort', '-metrics.accuracy'], ws)), ['c', 'a', 'b', 'd']);
    assert.deepEqual(names(rows(['runs', 'list', '-s', '-metrics.accuracy', '--limit', '2'], ws)), ['c', 'a']);
    assert.deepEqual(names(rows(['runs', 'list', '--sort=params.lr'], ws)), ['c', 'a', 'b', 'd']);
    assert.deepEqual(names(rows(['runs', 'list', '--sort', '-name'], ws)), ['d', 'c', 'b', 'a']);
    assert.deepEqual(names(rows(['runs', 'list', '--sort', 'start', '--limit', '1'], ws)), ['a']);
  });

  it('a bad filter or sort is a usage error with the column', () => {
    const before = snapshot(ws);
    fails(['runs', 'list', '--filter', 'metrics.accuracy > and x'], ws, 2, /^mlops: --filter: expected a value, found 'and' at column 20 \(in 'metrics\.accuracy > and x'\)/);
    fails(['runs', 'list', '--filter', 'metric.loss < 1'], ws, 2, /--filter: unknown field 'metric' .* at column 1/);
    fails(['runs', 'list', '--filter', 'name = "open'], ws, 2, /--filter: unterminated string .* at column 8/);
    fails(['runs', 'list', '--filter', '('.repeat(10_000) + 'status = x' + ')'.repeat(10_000)], ws, 2, /--filter: the filter nests deeper than 64 levels at column 65/);
    fails(['runs', 'list', '--sort', 'metrics'], ws, 2, /--sort: 'metrics' needs a name/);
    fails(['run', 'log', '-e', 'e', '--param', '__proto__=1', '--no-git'], ws, 2, /param name '__proto__' cannot be stored/);
    assert.deepEqual(snapshot(ws), before);
  });
});

describe('mlops runs show|delete|restore|tag|untag|rename and mlops trash (real processes)', function () {
  this.timeout(180_000);

  it('runs show takes a unique name; an ambiguous one lists the candidates; --experiment picks', () => {
    const ws = tmpDir();
    ok(['init'], ws);
    const one = (JSON.parse(ok(['run', 'log', '-e', 'e1', '-n', 'baseline', '--no-git', '--json'], ws)) as Row).id;
    const two = (JSON.parse(ok(['run', 'log', '-e', 'e2', '-n', 'baseline', '--no-git', '--json'], ws)) as Row).id;
    ok(['run', 'log', '-e', 'e2', '-n', 'solo', '--no-git'], ws);
    assert.match(ok(['runs', 'show', 'solo'], ws), /^Run \S+ {2}solo$/m);
    const err = fails(['runs', 'show', 'baseline'], ws, 2, /2 runs are named 'baseline'/);
    assert.ok(err.includes(one) && err.includes(two) && err.includes("experiment 'e1'"), err);
    assert.equal((JSON.parse(ok(['runs', 'show', 'baseline', '--experiment', 'e2', '--json'], ws)) as { run: Row }).run.id, two);
    fails(['runs', 'show', 'nobody'], ws, 1, /no run with id starting 'nobody' or named so/);
    assert.equal((JSON.parse(ok(['runs', 'show', one.slice(0, 10).toLowerCase(), '--json'], ws)) as { run: Row }).run.id, one);
  });

  it('delete moves to the trash, restore brings back, trash list shows, trash empty deletes for good', () => {
    const ws = tmpDir();
    ok(['init'], ws);
    const keep = (JSON.parse(ok(['run', 'log', '-e', 'e', '-n', 'keep', '--no-git', '--json'], ws)) as Row).id;
    const gone = (JSON.parse(ok(['run', 'log', '-e', 'e', '-n', 'gone', '--metric', 'loss=1', '--no-git', '--json'], ws)) as Row).id;
    assert.match(ok(['runs', 'delete', 'gone'], ws), new RegExp(`Moved run ${gone} \\(gone\\) to the trash; undo with: mlops runs restore ${gone}`));
    assert.deepEqual(rows(['runs', 'list'], ws).map((r) => r.id), [keep]);
    assert.deepEqual((JSON.parse(ok(['trash', 'list', '--json'], ws)) as Row[]).map((r) => r.id), [gone]);
    assert.match(ok(['trash', 'list'], ws), /gone[\s\S]*1 run in the trash/);
    assert.match(ok(['runs', 'restore', gone.slice(0, 8)], ws), new RegExp(`Restored run ${gone} \\(gone\\)`));
    assert.deepEqual(rows(['runs', 'list'], ws).map((r) => r.name), ['gone', 'keep']);
    assert.equal(rows(['runs', 'list'], ws)[0].metrics.loss.last, 1, 'metrics come back with the run');
    assert.deepEqual(JSON.parse(ok(['runs', 'delete', gone, '--json'], ws)), { trashed: [gone] });
    assert.match(ok(['trash', 'empty', '--older-than', '1d'], ws), /Nothing in the trash is older than 1d/);
    assert.ok(fs.existsSync(path.join(ws, '.mlops', 'trash', 'runs', gone)));
    assert.match(ok(['trash', 'empty'], ws), new RegExp(`Deleted run ${gone} \\(gone, experiment 'e'\\)\\nDeleted 1 run from the trash for good`));
    assert.ok(!fs.existsSync(path.join(ws, '.mlops', 'trash', 'runs', gone)));
    assert.match(ok(['trash', 'list'], ws), /The trash is empty/);
    fails(['runs', 'restore', gone], ws, 1, new RegExp(`run ${gone} is not in the trash`));
    fails(['runs', 'restore', 'gone'], ws, 1, /no trashed run with id starting 'gone' or named so/);
    assert.deepEqual(rows(['runs', 'list'], ws).map((r) => r.id), [keep]);
  });

  it('a run whose run.json is damaged can still be deleted and restored by id; nothing else changes', () => {
    const ws = tmpDir();
    ok(['init'], ws);
    const id = (JSON.parse(ok(['run', 'log', '-e', 'e', '--metric', 'loss=1', '--no-git', '--json'], ws)) as Row).id;
    fs.writeFileSync(path.join(ws, '.mlops', 'runs', id, 'run.json'), '{"formatVersion": 1, "id": "');
    const before = snapshot(ws);
    assert.match(ok(['runs', 'delete', id], ws), new RegExp(`Moved run ${id} \\(unreadable\\) to the trash`));
    assert.deepEqual(fs.readdirSync(path.join(ws, '.mlops', 'runs')), []);
    assert.match(ok(['runs', 'restore', id], ws), new RegExp(`Restored run ${id} \\(unreadable\\)`));
    assert.deepEqual(snapshot(ws), before);
  });

  it('a run deleted twice by id: the second trash conflicts until the trash is emptied', () => {
    const ws = tmpDir();
    ok(['init'], ws);
    const id = (JSON.parse(ok(['run', 'log', '-e', 'e', '--no-git', '--json'], ws)) as Row).id;
    ok(['runs', 'delete', id], ws);
    fs.mkdirSync(path.join(ws, '.mlops', 'runs', id));
    fs.copyFileSync(path.join(ws, '.mlops', 'trash', 'runs', id, 'run.json'), path.join(ws, '.mlops', 'runs', id, 'run.json'));
    fails(['runs', 'delete', id], ws, 1, /already in the trash; restore it or empty the trash first/);
    fails(['runs', 'restore', id], ws, 1, /already exists; it was not overwritten/);
    ok(['trash', 'empty'], ws);
    ok(['runs', 'delete', id], ws);
  });

  it('tag, untag and rename', () => {
    const ws = tmpDir();
    ok(['init'], ws);
    const id = (JSON.parse(ok(['run', 'log', '-e', 'e', '-n', 'r', '--tag', 'old', '--no-git', '--json'], ws)) as Row).id;
    assert.match(ok(['runs', 'tag', 'r', 'candidate', 'gpu', 'old'], ws), /Tagged run \S+ \(r\) with candidate, gpu; tags now old, candidate, gpu/);
    assert.match(ok(['runs', 'tag', 'r', 'gpu'], ws), /already has that tag; nothing changed/);
    assert.match(ok(['runs', 'untag', id, 'old', 'nope'], ws), /Removed old from run \S+ \(r\); it had no tag nope/);
    assert.match(ok(['runs', 'rename', 'r', 'best run'], ws), /Renamed run \S+ from 'r' to 'best run'/);
    const run = (JSON.parse(ok(['runs', 'show', 'best run', '--json'], ws)) as { run: Row }).run;
    assert.deepEqual([run.id, run.name, run.tags], [id, 'best run', ['candidate', 'gpu']]);
    const before = snapshot(ws);
    fails(['runs', 'tag', id, 'bad\ttag'], ws, 2, /tag 'bad\\x09tag' must not contain control characters/);
    fails(['runs', 'rename', id, ' '], ws, 2, /run name must not be empty/);
    fails(['runs', 'tag', id], ws, 2, /needs at least 2 arguments/);
    assert.deepEqual(snapshot(ws), before);
  });
});

describe('mlops run start|log-metric|log-param|end for trainers in any language (real processes)', function () {
  this.timeout(180_000);

  it('eval "$(mlops run start --env)" then log through MLOPS_RUN_ID; steps continue per metric', () => {
    const ws = tmpDir();
    ok(['init'], ws);
    const sub = path.join(ws, 'R');
    fs.mkdirSync(sub);
    const exports = ok(['run', 'start', '--experiment', 'r-models', '--name', 'glmnet', '--param', 'alpha=0.5', '--tag', 'R', '--env', '--no-git'], sub);
    const m = /^export MLOPS_RUN_ID=(\S+)\nexport MLOPS_ROOT=(.+)\n$/.exec(exports);
    assert.ok(m, exports);
    const [, id, rootQuoted] = m;
    assert.equal(rootQuoted.replace(/^'|'$/g, ''), ws);
    // From anywhere: the environment names the store and the run, like the Python logger.
    const env = { MLOPS_RUN_ID: id, MLOPS_ROOT: ws };
    const away = tmpDir();
    assert.match(ok(['run', 'log-metric', 'loss', '0.9'], away, env), new RegExp(`Logged loss = 0\\.9 @ 0 to run ${id}`));
    ok(['run', 'log-metric', 'loss', '-0.5'], away, env);
    ok(['run', 'log-metric', 'acc', '0.7', '--step', '10'], away, env);
    ok(['run', 'log-metric', 'acc', 'nan'], away, env);
    ok(['run', 'log-param', 'lambda', '0.01'], away, env);
    ok(['run', 'log-param', 'family', 'binomial'], away, env);
    const running = JSON.parse(ok(['runs', 'show', id, '--json'], away, env)) as { run: Row; metrics: Record<string, { last: number | null; lastStep: number; count: number }> };
    assert.equal(running.run.status, 'running');
    assert.deepEqual(running.run.params, { alpha: 0.5, lambda: 0.01, family: 'binomial' });
    assert.deepEqual(running.run.tags, ['R']);
    assert.deepEqual([running.metrics.loss.last, running.metrics.loss.lastStep, running.metrics.loss.count], [-0.5, 1, 2]);
    assert.deepEqual([running.metrics.acc.last, running.metrics.acc.lastStep], [null, 11]);
    assert.match(ok(['run', 'end', '--status', 'failed'], away, env), new RegExp(`Run ${id} \\(glmnet\\) failed after`));
    const ended = (JSON.parse(ok(['runs', 'show', id, '--json'], away, env)) as { run: Row }).run;
    assert.equal(ended.status, 'failed');
    assert.ok(ended.endTime && ended.meta.durationMs !== undefined);
  });

  it('--run names the run instead of the environment; bare start prints the id', () => {
    const ws = tmpDir();
    ok(['init'], ws);
    const id = ok(['run', 'start', '-e', 'sh', '--no-git'], ws).trim();
    assert.match(id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    ok(['run', 'log-metric', 'rmse', '3', '--run', id.slice(0, 10)], ws);
    ok(['run', 'log-metric', 'rmse', '2', '--run', id], ws);
    ok(['run', 'end', '--run', id], ws);
    const shown = JSON.parse(ok(['runs', 'show', id, '--json'], ws)) as { run: Row; metrics: Record<string, { last: number; lastStep: number }> };
    assert.equal(shown.run.status, 'finished');
    assert.deepEqual([shown.metrics.rmse.last, shown.metrics.rmse.lastStep], [2, 1]);
  });

  it('without a run, or with bad values: one clear line, exit 2, nothing written', () => {
    const ws = tmpDir();
    ok(['init'], ws);
    const id = ok(['run', 'start', '-e', 'sh', '--no-git'], ws).trim();
    const before = snapshot(ws);
    fails(['run', 'log-metric', 'loss', '1'], ws, 2, /no run to write to: pass --run ID, or set MLOPS_RUN_ID/);
    fails(['run', 'log-metric', 'loss', 'high', '--run', id], ws, 2, /'high' is not a number/);
    fails(['run', 'log-metric', 'loss', '1@3', '--run', id], ws, 2, /give the step with --step N/);
    fails(['run', 'log-metric', 'loss', '--run', id], ws, 2, /needs 2 arguments, got 1/);
    fails(['run', 'log-param', 'bad\nkey', '1', '--run', id], ws, 2, /param name 'bad\\x0akey' must not contain control characters/);
    fails(['run', 'end', '--status', 'running', '--run', id], ws, 2, /cannot end as 'running'/);
    fails(['run', 'end'], ws, 1, /no run with id 01M|no run with id starting/, { MLOPS_RUN_ID: '01M0000000000000000000000Z' });
    fails(['run', 'start'], ws, 2, /needs --experiment/);
    assert.deepEqual(snapshot(ws), before);
  });
});
