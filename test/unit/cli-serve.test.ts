// `mlops serve`, `mlops package` and `mlops model register --flavor` as real processes (the built dist/cli.js), with
// real HTTP on 127.0.0.1 and port 0: every endpoint and every bad input of the list — malformed JSON, wrong
// columns and types, a 10 MB body, a slow client, a model that raises, 50 concurrent clients, a port in use — and the
// log holding every request afterwards.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { CLI, mlops, tmpDir } from './helpers';
import { logLines, post, request, serveFixture } from './serveFixture';

interface Served { child: ChildProcessWithoutNullStreams; url: string; port: number; stdout: () => string; stderr: () => string; exited: Promise<number | null> }

function serve(ws: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { cwd: ws, env: { ...process.env, MLOPS_DEBUG: '', ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const m = /Serving .* at (http:\/\/127\.0\.0\.1:(\d+))\n/.exec(out);
      if (m) { child.stdout.off('data', check); resolve({ child, url: m[1], port: Number(m[2]), stdout: () => out, stderr: () => err, exited }); }
    };
    child.stdout.on('data', check);
    void exited.then((code) => reject(new Error(`mlops serve exited ${code} before it was ready:\n${out}\n${err}`)));
  });
}

/** A raw connection: send `head` (and maybe part of a body), then collect whatever the server answers until it closes. */
function raw(port: number, send: Buffer | string): { socket: net.Socket; reply: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => { /* a reset after the answer is fine */ });
  let got = '';
  socket.on('data', (d: Buffer) => { got += d.toString('latin1'); });
  const reply = new Promise<string>((resolve) => socket.on('close', () => resolve(got)));
  socket.write(send);
  return { socket, reply };
}

describe('mlops serve (real processes, real HTTP on 127.0.0.1)', function () {
  this.timeout(120_000);
  const children: Served[] = [];
  afterEach(() => { for (const s of children.splice(0)) { if (s.child.exitCode === null) { s.child.kill('SIGKILL'); } } });

  it('serves every endpoint, answers every bad input clearly, stays up, logs every request, and stops on Ctrl-C', async () => {
    const f = await serveFixture();
    const s = await serve(f.ws, ['churn', '--port', '0']);
    children.push(s);
    assert.match(s.stdout(), /Serving churn v1 \(python\) at http:\/\/127\.0\.0\.1:\d+\n/);
    assert.match(s.stdout(), /logging requests to \.mlops\/monitoring\/churn\/; Ctrl-C stops/);
    assert.equal(s.stderr(), '', 'loopback, a recorded flavor and a profile: no warnings');
    let predictRequests = 0;

    // GET /health and /metadata.
    const health = await request(`${s.url}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(health.json(), { status: 'ok', model: 'churn', version: 1 });
    const meta = (await request(`${s.url}/metadata`)).json() as Record<string, unknown>;
    assert.equal(meta.model, 'churn');
    assert.equal(meta.version, 1);
    assert.equal(meta.run, f.runId);
    assert.equal(meta.commit, 'c'.repeat(40));
    assert.deepEqual(meta.flavor, { name: 'python', entry: 'predict.py:load' });
    assert.equal(meta.label, 'y');
    assert.deepEqual((meta.features as { name: string }[]).map((c) => c.name), ['x', 'flag', 'city']);
    assert.equal((meta.dataVersions as { dataset: string }[])[0].dataset, 'train');

    // POST /predict: a list of records, one record, a dict of columns; the label may come along.
    const list = await post(`${s.url}/predict`, [{ x: 1, flag: true, city: 'oslo' }, { x: 2.5, city: 'rome', y: 9 }]);
    predictRequests++;
    assert.equal(list.status, 200, list.body);
    const body = list.json() as { id: string; model: string; version: number; predictions: number[] };
    assert.match(body.id, /^[0-9a-f]{32}$/);
    assert.equal(list.headers['x-request-id'], body.id);
    assert.deepEqual([body.model, body.version, body.predictions], ['churn', 1, [3, 5]]);
    const one = await post(`${s.url}/predict`, { x: 4, flag: false, city: 'paris' });
    predictRequests++;
    assert.deepEqual((one.json() as { predictions: number[] }).predictions, [8]);
    const columns = await post(`${s.url}/predict`, { x: [1, 2], flag: [false, true], city: ['a', 'b'] });
    predictRequests++;
    assert.deepEqual((columns.json() as { predictions: number[] }).predictions, [2, 5]);

    // Malformed JSON, wrong names and types: 400, one message naming every difference.
    const malformed = await post(`${s.url}/predict`, '[{"x": 1,');
    predictRequests++;
    assert.equal(malformed.status, 400);
    assert.match((malformed.json() as { error: string }).error, /^malformed JSON: /);
    const wrong = await post(`${s.url}/predict`, [{ x: 'high', flag: 'yes', town: 'oslo' }]);
    predictRequests++;
    assert.equal(wrong.status, 400);
    const wrongErr = (wrong.json() as { error: string }).error;
    assert.equal(wrongErr, 'the input does not match the training data\'s columns: unknown column town; missing column city; '
      + 'x: expected float, got string "high" (record 0); flag: expected boolean, got string "yes" (record 0)');

    // A 10 MB body: 413 as soon as the headers say so, without reading the body.
    const big = raw(s.port, `POST /predict HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${10 * 1024 * 1024 + 1}\r\n\r\n[{"x": 1`);
    predictRequests++;
    const bigReply = await big.reply;
    assert.match(bigReply, /^HTTP\/1\.1 413 /);
    assert.match(bigReply, /the body is 10485761 bytes; the limit is 10485760/);
    // An ordinary client that sends all 10 MB reads the 413 too (the server drains a moment before it closes, so
    // the connection is not reset under the answer).
    const full = await request(`${s.url}/predict`, { body: Buffer.alloc(10 * 1024 * 1024 + 1, 0x20) });
    predictRequests++;
    assert.equal(full.status, 413);

    // A model that raises: 500 with its one-line message, and the server stays up.
    const raised = await post(`${s.url}/predict`, { x: 666, city: 'oslo' });
    predictRequests++;
    assert.equal(raised.status, 500);
    assert.equal((raised.json() as { error: string }).error, 'the model failed: ValueError: x = 666 is not allowed');
    const after = await post(`${s.url}/predict`, { x: 1, city: 'oslo' });
    predictRequests++;
    assert.equal(after.status, 200);

    // A slow client: it sends part of its body and stalls; another request is answered meanwhile; the slow one is
    // cut off after the request timeout (408), which frees its worker.
    const slow = raw(s.port, 'POST /predict HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n[{"x": 1');
    predictRequests++;
    const meanwhile = await post(`${s.url}/predict`, { x: 3, city: 'oslo' });
    predictRequests++;
    assert.equal(meanwhile.status, 200, 'a stalled client does not block others');
    const slowReply = await slow.reply;
    assert.match(slowReply, /^HTTP\/1\.1 408 /);
    assert.match(slowReply, /did not arrive within 10s \(8 of 100 bytes\)/);

    // 50 concurrent clients.
    const many = await Promise.all(Array.from({ length: 50 }, (_, i) => post(`${s.url}/predict`, { x: i, city: 'oslo' })));
    predictRequests += 50;
    assert.deepEqual(many.map((r) => r.status), Array(50).fill(200));
    assert.deepEqual(many.map((r) => (r.json() as { predictions: number[] }).predictions[0]), Array.from({ length: 50 }, (_, i) => 2 * i));
    assert.equal(new Set(many.map((r) => r.headers['x-request-id'])).size, 50);

    // Feedback: by id, for a batch with labels, unknown ids (404, nothing written), bad shapes.
    const fb = await post(`${s.url}/feedback`, [{ id: body.id, labels: [3, 6] }, { id: (one.json() as { id: string }).id, label: 8 }]);
    assert.equal(fb.status, 200, fb.body);
    assert.deepEqual(fb.json(), { written: 2 });
    const unknown = await post(`${s.url}/feedback`, [{ id: body.id, labels: [3, 6] }, { id: 'f'.repeat(32), label: 1 }]);
    assert.equal(unknown.status, 404);
    assert.deepEqual((unknown.json() as { unknown: string[] }).unknown, ['f'.repeat(32)]);
    const badFb = await post(`${s.url}/feedback`, { id: body.id, label: 1 });
    assert.equal(badFb.status, 400);
    assert.match((badFb.json() as { error: string }).error, /the request had 2 records; send labels \(a list of 2\) or a row/);

    // Wrong method and path.
    assert.equal((await request(`${s.url}/predict`)).status, 405);
    assert.equal((await request(`${s.url}/nope`)).status, 404);

    // Ctrl-C: stops cleanly, exit 0, the spec file is removed.
    s.child.kill('SIGINT');
    assert.equal(await s.exited, 0, s.stderr());
    assert.match(s.stdout(), /Stopped\.\n$/);
    assert.deepEqual(fs.readdirSync(path.join(f.ws, '.mlops', 'cache', 'serve')), []);
    assert.match(s.stderr(), /mlops_serve: request [0-9a-f]{32}: the model raised ValueError: x = 666 is not allowed\n/, 'the failure is logged on stderr');

    // Every /predict request is in the log, failures included, each line whole.
    const lines = logLines(f.ws, 'churn');
    const predictions = lines.filter((l) => l.kind === 'prediction');
    assert.equal(predictions.length, predictRequests);
    const statuses = predictions.map((l) => l.status).sort();
    assert.deepEqual([...new Set(statuses)], [200, 400, 408, 413, 500]);
    assert.equal(statuses.filter((x) => x === 200).length, 55);
    const first = predictions.find((l) => l.id === body.id)!;
    assert.deepEqual(first.inputs, [{ x: 1, flag: true, city: 'oslo' }, { x: 2.5, city: 'rome' }], 'features mode: the training columns only');
    assert.deepEqual(first.outputs, [3, 5]);
    assert.equal(first.rows, 2);
    assert.equal(first.inputsMode, 'features');
    assert.match(String(first.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(typeof first.latencyMs, 'number');
    assert.equal(predictions.find((l) => l.status === 400 && String(l.error).startsWith('the input does not match'))?.error, wrongErr);
    const feedback = lines.filter((l) => l.kind === 'feedback');
    assert.deepEqual(feedback.map((l) => [l.id, l.labels, l.outputs, l.predictionTime]),
      [[body.id, [3, 6], [3, 5], first.time], [(one.json() as { id: string }).id, [8], [8], predictions[1].time]]);
  });

  it('feedback finds a prediction of an earlier server in the log; hash and no-log modes; a warning off loopback; a port in use', async () => {
    const f = await serveFixture();
    const a = await serve(f.ws, ['churn:1', '--port', '0', '--host', '0.0.0.0', '--log-inputs', 'hash']);
    children.push(a);
    assert.match(a.stderr(), /mlops: warning: listening on 0\.0\.0\.0: other machines can reach this server/);
    const r = await post(`${a.url}/predict`, { x: 1, city: 'oslo' });
    const id = (r.json() as { id: string }).id;

    // The same port again: one clear line, no server.
    const busy = spawn(process.execPath, [CLI, 'serve', 'churn', '--port', String(a.port)], { cwd: f.ws });
    let busyErr = '';
    busy.stderr.on('data', (d: Buffer) => { busyErr += d.toString(); });
    const busyCode = await new Promise<number | null>((resolve) => busy.on('close', resolve));
    assert.equal(busyCode, 1);
    assert.equal(busyErr, `mlops: port ${a.port} is in use; pick another with --port or use --port 0\n`);
    a.child.kill('SIGTERM');
    assert.equal(await a.exited, 0);

    const lines = logLines(f.ws, 'churn');
    assert.equal(lines.length, 1);
    assert.equal(lines[0].inputs, undefined, 'hash mode keeps no values');
    assert.match(String((lines[0].inputHashes as string[])[0]), /^[0-9a-f]{64}$/);

    // A new server, with --no-log: it finds the earlier prediction in the log for feedback, and logs no requests.
    const b = await serve(f.ws, ['churn', '--port', '0', '--no-log']);
    children.push(b);
    assert.match(b.stdout(), /not logging requests \(--no-log\)/);
    await post(`${b.url}/predict`, { x: 1, city: 'oslo' });
    b.child.kill('SIGTERM');
    assert.equal(await b.exited, 0);
    assert.equal(logLines(f.ws, 'churn').length, 1, '--no-log: nothing appended');

    const c = await serve(f.ws, ['churn', '--port', '0']);
    children.push(c);
    const fb = await post(`${c.url}/feedback`, { id, label: 2 });
    assert.equal(fb.status, 200, fb.body);
    c.child.kill('SIGTERM');
    assert.equal(await c.exited, 0);
    const last = logLines(f.ws, 'churn').pop()!;
    assert.deepEqual([last.kind, last.id, last.labels, last.outputs], ['feedback', id, [2], [2]]);
  });

  it('the server does not outlive a killed mlops serve (no orphan holding the port)', async () => {
    const f = await serveFixture();
    const child = spawn(process.execPath, [CLI, 'serve', 'churn', '--port', '0', '--json'], { cwd: f.ws });
    let out = '';
    const ready = await new Promise<{ pid: number; port: number }>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        try { resolve(JSON.parse(out) as { pid: number; port: number }); } catch { /* not whole yet */ }
      });
      child.on('close', (code) => reject(new Error(`exited ${code}`)));
    });
    assert.equal((await request(`http://127.0.0.1:${ready.port}/health`)).status, 200);
    child.kill('SIGKILL');
    const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };
    for (let i = 0; i < 100 && alive(ready.pid); i++) { await new Promise((r) => setTimeout(r, 100)); }
    assert.equal(alive(ready.pid), false, 'the Python server stopped when its parent died');
  });

  it('usage errors exit 2 and missing models exit 1, each with one line', async () => {
    const f = await serveFixture();
    for (const [args, code, re] of [
      [['serve'], 2, /'mlops serve' needs 1 argument/],
      [['serve', 'churn', '--port', 'eighty'], 2, /bad --port 'eighty'/],
      [['serve', 'churn', '--port', '70000'], 2, /bad --port '70000'/],
      [['serve', 'churn', '--log-inputs', 'all'], 2, /bad --log-inputs 'all': use one of features, raw, hash, drop/],
      [['serve', 'nope'], 1, /no model 'nope' \(models: churn\)/],
      [['serve', 'churn:4'], 1, /model 'churn' has no version 4/],
      [['serve', 'churn@production'], 1, /model 'churn' has no version in production/],
      [['serve', 'churn', '--python', '/no/such/python'], 1, /Python '\/no\/such\/python' was not found/],
      [['package', 'churn', 'latest'], 2, /bad model version 'latest'/],
    ] as const) {
      const r = mlops([...args], f.ws);
      assert.equal(r.code, code, `mlops ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    }
  });
});

describe('mlops package and model register --flavor (real processes)', function () {
  this.timeout(60_000);

  it('packages into packages/MODEL-vN, says how to build when docker is on PATH and says so when it is not', async () => {
    const f = await serveFixture();
    const bin = tmpDir('mlops-bin-');
    const pathWithout = [path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter);
    const env = (p: string) => ({ ...process.env, PATH: p });
    const run = (args: string[], p: string) => spawnSyncCli(args, f.ws, env(p));
    const without = run(['package', 'churn', '1'], pathWithout);
    assert.equal(without.code, 0, without.stderr);
    assert.match(without.stdout, /^Packaged churn v1 into packages\/churn-v1:\n {2}\.dockerignore\n/);
    assert.match(without.stdout, / {2}k8s\/deployment\.yaml\n/);
    assert.match(without.stdout, /docker is not on PATH, so no image can be built here; the folder also runs as: cd packages\/churn-v1 && python3 mlops_serve.py --spec serve.json\n$/);
    assert.ok(fs.existsSync(path.join(f.ws, 'packages', 'churn-v1', 'Dockerfile')));

    const again = run(['package', 'churn', '1'], pathWithout);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists and is not empty; pass --force/);

    fs.writeFileSync(path.join(bin, 'docker'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const forced = run(['package', 'churn', '@none', '--force', '--json'], `${bin}${path.delimiter}${pathWithout}`);
    assert.equal(forced.code, 0, forced.stderr);
    const json = JSON.parse(forced.stdout) as { dir: string; files: string[]; docker: boolean; image: string };
    assert.equal(json.dir, path.join(f.ws, 'packages', 'churn-v1'));
    assert.equal(json.docker, true);
    assert.equal(json.image, 'churn:v1');
    const out = run(['package', 'churn', 'v1', '--out', 'elsewhere'], `${bin}${path.delimiter}${pathWithout}`);
    assert.match(out.stdout, /Build the image: docker build -t churn:v1 elsewhere\n$/);
  });

  it('model register records --flavor/--entry; entry required for python, refused otherwise, must be a workspace file', async () => {
    const f = await serveFixture();
    fs.mkdirSync(path.join(f.ws, 'src'));
    fs.writeFileSync(path.join(f.ws, 'src', 'load.py'), 'def load(p):\n    return lambda rs: [0 for _ in rs]\n');
    const ok = mlops(['model', 'register', '--name', 'm', '--run', f.runId, '--artifact', 'models/weights.json', '--flavor', 'python', '--entry', 'src/load.py:load', '--json'], f.ws);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual((JSON.parse(ok.stdout) as { flavor: unknown }).flavor, { name: 'python', entry: 'src/load.py:load' });
    const fromSub = mlops(['model', 'register', '--name', 'm', '--run', f.runId, '--artifact', '../models/weights.json', '--flavor', 'python', '--entry', 'load.py:load'], path.join(f.ws, 'src'));
    assert.equal(fromSub.code, 0, fromSub.stderr);
    assert.match(fromSub.stdout, /flavor python src\/load\.py:load\)/);
    const stored = JSON.parse(fs.readFileSync(path.join(f.ws, '.mlops', 'models', 'm', 'versions', '2.json'), 'utf8')) as { flavor: unknown };
    assert.deepEqual(stored.flavor, { name: 'python', entry: 'src/load.py:load' });
    const pickled = mlops(['model', 'register', '--name', 'p', '--run', f.runId, '--artifact', 'models/weights.json', '--flavor', 'pickle'], f.ws);
    assert.equal(pickled.code, 0, pickled.stderr);
    for (const [extra, re] of [
      [['--flavor', 'python'], /--flavor python needs --entry FILE\.py:FUNC/],
      [['--flavor', 'pickle', '--entry', 'src/load.py:load'], /--entry is for --flavor python/],
      [['--entry', 'src/load.py:load'], /--entry goes with --flavor python/],
      [['--flavor', 'onnx'], /unknown flavor 'onnx': use one of pickle, joblib, python/],
      [['--flavor', 'python', '--entry', 'missing.py:load'], /missing\.py is not a file inside the workspace/],
      [['--flavor', 'python', '--entry', 'src/load.py'], /bad --entry 'src\/load\.py'/],
    ] as const) {
      const r = mlops(['model', 'register', '--name', 'x', '--run', f.runId, '--artifact', 'models/weights.json', ...extra], f.ws);
      assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
    // A link inside the workspace to an entry file outside it is refused, as log_model refuses it.
    const outside = path.join(tmpDir('mlops-outside-'), 'evil.py');
    fs.writeFileSync(outside, 'def load(p):\n    return lambda rs: [0 for r in rs]\n');
    fs.symlinkSync(outside, path.join(f.ws, 'linked.py'));
    const linked = mlops(['model', 'register', '--name', 'x', '--run', f.runId, '--artifact', 'models/weights.json', '--flavor', 'python', '--entry', 'linked.py:load'], f.ws);
    assert.equal(linked.code, 2, linked.stderr);
    assert.match(linked.stderr, /linked\.py is a link to .*evil\.py, outside the workspace/);
    assert.ok(!fs.existsSync(path.join(f.ws, '.mlops', 'models', 'x')), 'nothing registered by a refused flavor');
  });
});

function spawnSyncCli(args: string[], cwd: string, env: NodeJS.ProcessEnv): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env: { ...env, MLOPS_DEBUG: '' }, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
