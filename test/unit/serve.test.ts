// src/core/serve: model references, the serve spec, the server process (real python3, real HTTP on 127.0.0.1 with
// port 0), python/tests/test_mlops_serve.py, and a real scikit-learn model through the pickle flavor when Debian's
// Python has scikit-learn.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { MlopsError } from '../../src/core';
import { buildServeSpec, resolveModelRef, startServer, type ServerHandle } from '../../src/core/serve';
import { REPO, tmpDir } from './helpers';
import { logLines, post, request, serveFixture } from './serveFixture';

const SERVER = path.join(REPO, 'python', 'mlops_serve.py');

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => { assert.ok(e instanceof MlopsError, String(e)); assert.match(e.message, re); return true; });
}

describe('serve: model references and the serve spec', function () {
  this.timeout(60_000);

  it('resolves name, name:N, name:vN and name@stage, with clear errors', async () => {
    const f = await serveFixture();
    const second = await f.store.registerModel({ name: 'churn', runId: f.runId, artifactPath: path.join(f.ws, 'models', 'weights.json'), flavor: { name: 'python', entry: 'predict.py:load' } });
    assert.equal((await resolveModelRef(f.store, 'churn')).version, 2, 'no production version: the newest');
    assert.equal((await resolveModelRef(f.store, 'churn:1')).version, 1);
    assert.equal((await resolveModelRef(f.store, 'churn:v1')).version, 1);
    await rejects(resolveModelRef(f.store, 'churn@production'), /model 'churn' has no version in production/);
    await f.store.setModelStage('churn', 1, 'production');
    assert.equal((await resolveModelRef(f.store, 'churn')).version, 1, 'a bare name is the production version');
    assert.equal((await resolveModelRef(f.store, 'churn@production')).version, 1);
    assert.equal(second.version, 2);
    await rejects(resolveModelRef(f.store, 'churn:9'), /model 'churn' has no version 9 \(versions: 1, 2\)/);
    await rejects(resolveModelRef(f.store, 'nope'), /no model 'nope' \(models: churn\)/);
    await rejects(resolveModelRef(f.store, 'churn@prod'), /unknown stage 'prod'/);
    await rejects(resolveModelRef(f.store, 'churn:x'), /bad model version 'x'/);
  });

  it('builds the spec: features from the training profile minus the label, lineage, log folder, flavor', async () => {
    const f = await serveFixture();
    const { spec, warnings } = await buildServeSpec(f.store, f.mv, { port: 0 });
    assert.deepEqual(warnings, []);
    assert.deepEqual(spec.features, [
      { name: 'x', type: 'float', nullable: false },
      { name: 'flag', type: 'boolean', nullable: true },
      { name: 'city', type: 'string', nullable: false },
    ]);
    assert.equal(spec.label, 'y');
    assert.equal(spec.commit, 'c'.repeat(40));
    assert.equal(spec.dataVersions.length, 1);
    assert.equal(spec.dataVersions[0].dataset, 'train');
    assert.equal(spec.logDir, path.join(f.ws, '.mlops', 'monitoring', 'churn'));
    assert.deepEqual(spec.pythonPath, [f.ws]);
    assert.equal(spec.artifact, path.join(f.ws, 'models', 'weights.json'));
    assert.equal(spec.host, '127.0.0.1');
    assert.equal(spec.logInputs, 'features');
    assert.equal((await buildServeSpec(f.store, f.mv, { log: false, logInputs: 'hash' })).spec.logDir, null);
    assert.equal((await buildServeSpec(f.store, f.mv, { logInputs: 'hash' })).spec.logInputs, 'hash');
  });

  it('infers pickle/joblib from the extension with a warning, and says how to record a flavor otherwise', async () => {
    const f = await serveFixture();
    for (const [file, flavor] of [['m.pkl', 'pickle'], ['m.joblib', 'joblib']] as const) {
      fs.writeFileSync(path.join(f.ws, 'models', file), 'x');
      const mv = await f.store.registerModel({ name: 'bare', runId: f.runId, artifactPath: path.join(f.ws, 'models', file) });
      const { spec, warnings } = await buildServeSpec(f.store, mv);
      assert.equal(spec.flavor.name, flavor);
      assert.match(warnings.join('\n'), new RegExp(`has no recorded flavor; loading models/${file} with ${flavor}`));
    }
    fs.writeFileSync(path.join(f.ws, 'models', 'm.bin'), 'x');
    const mv = await f.store.registerModel({ name: 'bin', runId: f.runId, artifactPath: path.join(f.ws, 'models', 'm.bin') });
    await rejects(buildServeSpec(f.store, mv), /has no recorded flavor.*--flavor python --entry predict\.py:predict/);
  });

  it('without monitoring.label every training column is required, and the warning says so and how to fix it', async () => {
    const f = await serveFixture();
    fs.writeFileSync(path.join(f.ws, '.mlops', 'goals.json'), JSON.stringify({ formatVersion: 1 }));
    const { spec, warnings } = await buildServeSpec(f.store, f.mv);
    assert.deepEqual(spec.features?.map((x) => x.name), ['x', 'flag', 'city', 'y']);
    assert.match(warnings.join('\n'), /monitoring\.label is not set in goals\.json, so every column of the training data is a required input \(x, flag, city, y\); if one of them is the ground truth, set it as monitoring\.label/);
  });

  it('a pickle changed since registration is refused (unpickling runs code); a changed python-flavor artifact is served with a warning', async () => {
    const f = await serveFixture();
    const pkl = path.join(f.ws, 'models', 'm.pkl');
    fs.writeFileSync(pkl, 'registered bytes');
    const mv = await f.store.registerModel({ name: 'pickled', runId: f.runId, artifactPath: pkl, flavor: { name: 'pickle' } });
    fs.writeFileSync(pkl, 'replaced bytes');
    await rejects(buildServeSpec(f.store, mv), /changed since pickled v1 was registered \(its sha256 differs\); unpickling runs code in the file, so it is not loaded/);
    fs.appendFileSync(path.join(f.ws, 'models', 'weights.json'), '\n');
    const { warnings } = await buildServeSpec(f.store, f.mv);
    assert.match(warnings.join('\n'), /weights\.json changed since churn v1 was registered .* served as it is now/);
    fs.rmSync(pkl);
    await rejects(buildServeSpec(f.store, mv), /the artifact models\/m\.pkl of pickled v1 cannot be read/);
  });

  it('warns and checks nothing when the run has no profiled data', async () => {
    const f = await serveFixture();
    const run = await f.store.createRun({ experiment: 'e', status: 'finished' });
    const mv = await f.store.registerModel({ name: 'nodata', runId: run.id, artifactPath: path.join(f.ws, 'models', 'weights.json'), flavor: { name: 'python', entry: 'predict.py:load' } });
    const { spec, warnings } = await buildServeSpec(f.store, mv);
    assert.equal(spec.features, null);
    assert.match(warnings.join('\n'), /not checked against training columns: the producing run recorded no data version/);
  });
});

describe('serve: the server process (python3, 127.0.0.1, port 0)', function () {
  this.timeout(60_000);
  const started: ServerHandle[] = [];
  afterEach(async () => { for (const h of started.splice(0)) { await h.stop(); } });

  it('starts, answers, logs, and stops with exit code 0', async () => {
    const f = await serveFixture();
    const { spec } = await buildServeSpec(f.store, f.mv, { port: 0 });
    const h = await startServer(spec, { python: 'python3', specFile: path.join(f.ws, '.mlops', 'cache', 'serve', 'spec.json'), serverFile: SERVER });
    started.push(h);
    assert.match(h.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(h.port > 0 && h.pid > 0);
    const health = await request(`${h.url}/health`);
    assert.deepEqual(health.json(), { status: 'ok', model: 'churn', version: 1 });
    const r = await post(`${h.url}/predict`, { x: 2, flag: true, city: 'rome', y: 5 });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual((r.json() as { predictions: unknown[] }).predictions, [5]);
    await h.stop();
    const exit = await h.exited;
    assert.equal(exit.code, 0, exit.stderr);
    const lines = logLines(f.ws, 'churn');
    assert.equal(lines.length, 1);
    assert.deepEqual(lines[0].inputs, [{ x: 2, flag: true, city: 'rome' }], 'features mode logs the training columns, not the label');
  });

  it('rejects with the server\'s one line when the port is in use, or the entry point is broken', async () => {
    const f = await serveFixture();
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const { spec } = await buildServeSpec(f.store, f.mv, { port });
      await rejects(startServer(spec, { python: 'python3', specFile: path.join(f.ws, 'spec.json'), serverFile: SERVER }),
        new RegExp(`^port ${port} is in use; pick another with --port or use --port 0$`));
    } finally {
      busy.close();
    }
    fs.writeFileSync(path.join(f.ws, 'predict.py'), 'def load(path):\n    raise RuntimeError("weights are damaged")\n');
    const { spec } = await buildServeSpec(f.store, f.mv, { port: 0 });
    await rejects(startServer(spec, { python: 'python3', specFile: path.join(f.ws, 'spec.json'), serverFile: SERVER }),
      /^entry predict\.py:load failed to load .*weights\.json: RuntimeError: weights are damaged$/);
    await rejects(startServer(spec, { python: path.join(f.ws, 'no-such-python'), specFile: path.join(f.ws, 'spec.json'), serverFile: SERVER }),
      /Python '.*no-such-python' was not found/);
  });
});

describe('serve: python/tests/test_mlops_serve.py', function () {
  this.timeout(120_000);
  it('passes: request shapes, validation, plain outputs, the log and its lookup, spec and loading errors', function () {
    const r = spawnSync('python3', [path.join(REPO, 'python', 'tests', 'test_mlops_serve.py')], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /\nOK/);
  });
});

describe('serve: a real scikit-learn model through the pickle flavor', function () {
  this.timeout(120_000);
  const debianPython = '/usr/bin/python3';

  it('predicts like the model itself, with columns in the order of feature_names_in_', async function () {
    const probe = spawnSync(debianPython, ['-c', 'import sklearn, pandas'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      console.log(`      (skipped: ${debianPython} cannot import sklearn and pandas: ${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()})`);
      this.skip();
    }
    const f = await serveFixture();
    const dir = tmpDir('mlops-sklearn-');
    const model = path.join(f.ws, 'models', 'clf.pkl');
    const train = `
import json, pickle, sys, pandas
from sklearn.linear_model import LogisticRegression
X = pandas.DataFrame({"x": [1.5, 2.0, 3.25, 4.0, 0.5, 5.0], "flag": [1, 0, 0, 1, 0, 1], "city_len": [5, 4, 5, 4, 3, 5]})
y = [0, 0, 1, 1, 0, 1]
clf = LogisticRegression().fit(X, y)
with open(sys.argv[1], "wb") as f:
    pickle.dump(clf, f)
probe = pandas.DataFrame({"x": [1.0, 4.5], "flag": [1, 0], "city_len": [5, 3]})
print(json.dumps([int(v) for v in clf.predict(probe)]))
`;
    const t = spawnSync(debianPython, ['-c', train, model], { encoding: 'utf8', cwd: dir });
    assert.equal(t.status, 0, t.stderr);
    const expected = JSON.parse(t.stdout) as number[];
    const mv = await f.store.registerModel({ name: 'sk', runId: f.runId, artifactPath: model, flavor: { name: 'pickle' } });
    const { spec } = await buildServeSpec(f.store, mv, { port: 0 });
    spec.features = [{ name: 'x', type: 'float', nullable: false }, { name: 'flag', type: 'integer', nullable: false }, { name: 'city_len', type: 'integer', nullable: false }];
    const h = await startServer(spec, { python: debianPython, specFile: path.join(f.ws, 'sk.json'), serverFile: SERVER });
    try {
      // Columns sent in another order than the model was fitted with, plus the label: reordered and dropped.
      const r = await post(`${h.url}/predict`, [{ city_len: 5, flag: 1, x: 1.0, y: 1 }, { flag: 0, x: 4.5, city_len: 3 }]);
      assert.equal(r.status, 200, r.body);
      const predictions = (r.json() as { predictions: unknown[] }).predictions;
      assert.deepEqual(predictions, expected, 'numpy integers come back as plain JSON numbers equal to the model\'s own');
      const bad = await post(`${h.url}/predict`, [{ x: 'high', flag: 1, city_len: 5 }]);
      assert.equal(bad.status, 400);
    } finally {
      await h.stop();
    }
  });
});
