// mlops_log.py (the zero-dependency Python logger) against the TypeScript store, with the machine's python3.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { RunSchema, ModelVersionSchema, Store, hashPath, simpleGitPort } from '../../src/core';
import { REPO, tmpDir } from './helpers';

const PY_DIR = path.join(REPO, 'python');

function py(code: string, cwd: string, env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('python3', ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(PY_DIR)})\n${code}`], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function ok(code: string, cwd: string, env: Record<string, string> = {}): string {
  const r = py(code, cwd, env);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

describe('mlops_log.py (Python logger) with the TypeScript store', function () {
  this.timeout(60_000);

  before(function () {
    const v = spawnSync('python3', ['-c', 'import sys; print(sys.version_info >= (3, 8))'], { encoding: 'utf8' });
    if (v.status !== 0) { console.log('      (skipped: python3 is not available)'); this.skip(); }
  });

  it('imports with the standard library only', () => {
    // -S: without site-packages' start-up hooks, which import third-party modules on some machines.
    const r = spawnSync('python3', ['-S', '-c', `import sys; sys.path.insert(0, ${JSON.stringify(PY_DIR)})\nimport mlops_log\nmods = [m for m in sys.modules if m.split(".")[0] not in sys.stdlib_module_names and not m.startswith("_")]\nprint([m for m in mods if m != "mlops_log"])`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '[]');
  });

  it('has no syntax newer than Python 3.8', () => {
    const r = spawnSync('python3', ['-c', `import ast; ast.parse(open(${JSON.stringify(path.join(PY_DIR, 'mlops_log.py'))}).read(), feature_version=(3, 8)); print("ok")`], { encoding: 'utf8' });
    assert.equal(r.stdout.trim(), 'ok', r.stderr);
  });

  it('Python writes, TypeScript reads: run, params, metrics per step, data lineage, model version', async () => {
    const { store } = await Store.init(tmpDir());
    const data = path.join(store.root, 'data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'train.csv'), 'x,y\n1,0\n');
    const dv = await store.tagData({ path: data, dataset: 'churn', tags: ['v1'] });
    fs.writeFileSync(path.join(store.root, 'model.pkl'), 'weights');
    const out = ok(`
import json, mlops_log
with mlops_log.start_run("baseline", name="py-run", params={"lr": 0.01, "layers": 3, "opt": "adam"}, tags=["py"], hardware_label="cpu-only") as run:
    run.use_data("churn", "v1")
    bench = run.benchmark(lambda x: sum(x), [1.0, 2.0, 3.0], repeat=20)
    for epoch in range(3):
        run.log_metrics({"loss": 1.0 / (epoch + 1), "accuracy": 0.5 + epoch / 10})
    run.log_metric("loss", float("nan"))
    run.log_param("seed", 7)
    run.set_tag("final")
    run.log_model("churn-model", "model.pkl")
print(run.id)
print(json.dumps([bench["p50"], bench["p95"]]))`, store.root).split('\n');
    const id = out[0];
    const [p50, p95] = JSON.parse(out[1]) as [number, number];
    const r = await store.readRun(id);
    const parsed = RunSchema.safeParse(JSON.parse(fs.readFileSync(path.join(store.root, '.mlops', 'runs', id, 'run.json'), 'utf8')));
    assert.ok(parsed.success, parsed.error?.message);
    assert.equal(r.meta.latencyMsP50, p50);
    assert.equal(r.meta.latencyMsP95, p95);
    assert.ok(p50 >= 0 && p50 <= p95);
    assert.equal(r.meta.modelSizeBytes, 'weights'.length);
    assert.equal(r.meta.hardware?.label, 'cpu-only');
    assert.ok((r.meta.hardware?.cores ?? 0) >= 1);
    assert.equal(r.status, 'finished');
    assert.deepEqual(r.params, { lr: 0.01, layers: 3, opt: 'adam', seed: 7 });
    assert.deepEqual(r.tags, ['py', 'final']);
    assert.equal(r.dataVersions[0].version, dv.version.id);
    assert.equal(r.source?.kind, 'python');
    assert.ok((r.meta.durationMs ?? -1) >= 0);
    assert.ok((r.meta.peakMemoryBytes ?? 0) > 1024 * 1024);
    assert.match(r.meta.python ?? '', /^3\./);
    // The libraries it ran with (importlib.metadata, no pip process): what the gate's lineage check asks for.
    const envText = fs.readFileSync(path.join(store.root, '.mlops', 'runs', id, 'environment.txt'), 'utf8');
    assert.match(envText, /^[A-Za-z0-9][^=\n]*==[^\n]+\n/);
    assert.deepEqual(r.meta.environment, { hash: createHash('sha256').update(envText).digest('hex'), file: 'environment.txt' });
    const { points, problems } = await store.readMetrics(id);
    assert.deepEqual(problems, []);
    assert.deepEqual(points.filter((p) => p.name === 'loss').map((p) => p.step), [0, 1, 2, 3]);
    assert.ok(Number.isNaN(points.find((p) => p.name === 'loss' && p.step === 3)!.value));
    const mv = await store.readModelVersion('churn-model', 1);
    assert.ok(ModelVersionSchema.safeParse(mv).success);
    assert.equal(mv.runId, id);
    assert.equal(mv.artifact.sha256, (await hashPath(path.join(store.root, 'model.pkl'))).entries[0].sha256);
  });

  it('TypeScript creates a run, Python attaches (as under Run Script as Experiment) and appends after it', async () => {
    const { store } = await Store.init(tmpDir());
    const run = await store.createRun({ experiment: 'e', name: 'from-extension' });
    await store.logMetrics(run.id, [{ name: 'loss', value: 1, step: 0 }, { name: 'loss', value: 0.8, step: 1 }]);
    fs.appendFileSync(store.metricsFile(run.id), '{"name":"loss","st');
    ok(`
import mlops_log
run = mlops_log.start_run("ignored", params={"lr": 0.1})
assert run.attached and run.id == ${JSON.stringify(run.id)}
run.log_metric("loss", 0.5)
run.log_metric("loss", 0.4)
run.end()`, store.root, { MLOPS_RUN_ID: run.id, MLOPS_ROOT: store.root });
    const { points, problems } = await store.readMetrics(run.id);
    assert.deepEqual(points.map((p) => [p.step, p.value]), [[0, 1], [1, 0.8], [2, 0.5], [3, 0.4]], 'steps continue after the torn line');
    assert.equal(problems.length, 1);
    const after = await store.readRun(run.id);
    assert.equal(after.status, 'finished');
    assert.deepEqual(after.params, { lr: 0.1 });
    assert.equal(after.experiment, 'e');
  });

  it('two Python processes appending to one run lose nothing', async () => {
    const { store } = await Store.init(tmpDir());
    const run = await store.createRun({ experiment: 'e' });
    const script = (name: string) => `
import mlops_log
run = mlops_log.start_run("e")
for i in range(300):
    run.log_metric(${JSON.stringify(name)}, i, step=i)`;
    const env = { ...process.env, MLOPS_RUN_ID: run.id, MLOPS_ROOT: store.root };
    const procs = ['a', 'b'].map((n) => spawn('python3', ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(PY_DIR)})\n${script(n)}`], { env, stdio: 'ignore' }));
    const codes = await Promise.all(procs.map((p) => new Promise<number | null>((r) => p.on('close', r))));
    assert.deepEqual(codes, [0, 0]);
    const { points, problems } = await store.readMetrics(run.id);
    assert.deepEqual(problems, []);
    assert.equal(points.filter((p) => p.name === 'a').length, 300);
    assert.equal(points.filter((p) => p.name === 'b').length, 300);
  });

  it('the with-block marks the run failed on an exception and killed on Ctrl-C (SIGINT)', async () => {
    const root = (await Store.init(tmpDir())).store.root;
    const failed = py('import mlops_log\nwith mlops_log.start_run("e") as run:\n    print(run.id, flush=True)\n    raise ValueError("boom")', root);
    assert.notEqual(failed.code, 0);
    const store = await Store.open(root);
    assert.equal((await store.readRun(failed.stdout.trim())).status, 'failed');

    const child = spawn('python3', ['-c', `import sys, time; sys.path.insert(0, ${JSON.stringify(PY_DIR)})\nimport mlops_log\nwith mlops_log.start_run("e") as run:\n    print(run.id, flush=True)\n    while True:\n        run.log_metric("loss", 1.0)\n        time.sleep(0.05)`], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
    const id = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    await new Promise((r) => child.on('close', r));
    const killed = await store.readRun(id);
    assert.equal(killed.status, 'killed');
    assert.ok((await store.readMetrics(id)).points.length > 0);
  });

  it('python/tests/test_mlops_log.py passes: the shared validation fixture, links out of the store, locks, bad values, run.json validation, script path', function () {
    this.timeout(300_000); // about 30 real Python processes; a loaded machine may take a while
    const r = spawnSync('python3', [path.join(PY_DIR, 'tests', 'test_mlops_log.py')], { encoding: 'utf8', env: { ...process.env, MLOPS_RUN_ID: '', MLOPS_ROOT: '' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^Ran \d+ tests/m);
    assert.match(r.stderr, /^OK$/m);
  });

  it('records the same git commit, dirty flag and diffHash as the TypeScript side (tracked change, untracked file, workspace below the repository top)', async () => {
    const repo = tmpDir();
    const git = (...args: string[]) => {
      const r = spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    };
    git('init', '-q');
    git('config', 'user.email', 't@example.com');
    git('config', 'user.name', 'T');
    fs.writeFileSync(path.join(repo, 'top.txt'), 'one\n');
    fs.mkdirSync(path.join(repo, 'ws'));
    fs.writeFileSync(path.join(repo, 'ws', 'train.py'), 'print(1)\n');
    fs.writeFileSync(path.join(repo, 'ws', 'weights.bin'), Buffer.from([0, 1, 2, 255]));
    git('add', '.');
    git('commit', '-q', '-m', 'init');
    const compare = async (root: string) => {
      const store = (await Store.init(root)).store;
      const ts = await simpleGitPort.state(root);
      const id = ok('import mlops_log\nprint(mlops_log.start_run("e").id)', root);
      assert.deepEqual((await store.readRun(id)).git, ts);
      assert.deepEqual(await simpleGitPort.state(root), ts, 'logging a run does not change the recorded state');
      return ts;
    };
    const clean = await compare(path.join(repo, 'ws'));
    assert.equal(clean?.dirty, false);
    fs.writeFileSync(path.join(repo, 'top.txt'), 'two\n');
    const topOnly = await compare(path.join(repo, 'ws'));
    assert.equal(topOnly?.dirty, true, 'a change above the workspace counts, as in git.ts');
    fs.writeFileSync(path.join(repo, 'ws', 'train.py'), 'print(2)\n');
    fs.writeFileSync(path.join(repo, 'ws', 'weights.bin'), Buffer.from([0, 1, 2, 254, 0]));
    fs.writeFileSync(path.join(repo, 'ws', 'notes ü.txt'), 'untracked\n');
    const dirty = await compare(path.join(repo, 'ws'));
    assert.match(dirty?.diffHash ?? '', /^[0-9a-f]{64}$/);
    assert.notEqual(dirty?.diffHash, topOnly?.diffHash);
    const atTop = await compare(repo);
    assert.equal(atTop?.diffHash, dirty?.diffHash);
  });

  it('content hash of files named ａ (U+FF41) and 😀 (U+1F600): TypeScript, Python and an independent computation agree', async () => {
    const { store } = await Store.init(tmpDir());
    const art = path.join(store.root, 'art');
    fs.mkdirSync(art);
    const files: [string, string][] = [['ａ', 'full-width a\n'], ['😀', 'grinning face\n']];
    for (const [name, text] of files) { fs.writeFileSync(path.join(art, name), text); }
    const sha = (data: string) => createHash('sha256').update(data).digest('hex');
    // docs/format.md: lines "<sha256> <size> <path>\n" in code-point order, where U+FF41 comes before U+1F600.
    const expected = sha(files.map(([name, text]) => `${sha(text)} ${Buffer.byteLength(text)} ${name}\n`).join(''));
    const ts = await hashPath(art);
    assert.deepEqual(ts.entries.map((e) => e.path), ['ａ', '😀']);
    assert.equal(ts.contentHash, expected);
    const py = JSON.parse(ok('import mlops_log, json\nrun = mlops_log.start_run("e", record_git=False)\nprint(json.dumps(run.log_model("m", "art")["artifact"]))', store.root)) as { sha256: string };
    assert.equal(py.sha256, expected);
  });

  it('bad input is a clear MlopsError; a rejected start writes no run', async () => {
    const root = (await Store.init(tmpDir())).store.root;
    for (const [code, re] of [
      ['mlops_log.start_run("../x")', /experiment name/],
      ['mlops_log.start_run("e", params={"bad\\nkey": 1})', /param name/],
      ['mlops_log.start_run("CON")', /reserved on Windows/],
      ['mlops_log.start_run("baseline\\n")', /experiment name/],
      ['r = mlops_log.start_run("e"); r.log_metric("x", 10**400)', /too large for a 64-bit float/],
      ['r = mlops_log.start_run("e"); r.log_metric("x", 1.0, step=10**5000)', /step must be a whole number from 0 to 2\^53 - 1/],
      ['r = mlops_log.start_run("e"); r.log_metric("loss", "high")', /non-numeric value/],
      ['r = mlops_log.start_run("e"); r.use_data("nope")', /has no versions/],
      ['r = mlops_log.start_run("e"); r.benchmark(print, 1, repeat=0)', /repeat must be a whole number from 1 to 1000000, not 0/],
      ['mlops_log.start_run("e", hardware_label="a\\nb")', /hardware label .* must not contain control characters/],
    ] as const) {
      const r = py(`import mlops_log\ntry:\n    ${code}\nexcept mlops_log.MlopsError as e:\n    print("MlopsError:", e)`, root);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, re);
    }
    const runs = fs.readdirSync(path.join(root, '.mlops', 'runs'));
    assert.equal(runs.length, 5, 'only the five starts that succeeded made runs');
    const noStore = py('import mlops_log\nmlops_log.start_run("e")', tmpDir());
    assert.match(noStore.stderr, /MlopsError: no MLOps store found/);
  });
});
