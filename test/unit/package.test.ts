// src/core/serve/package.ts: the package folder — its files, YAML parsed with `yaml`, the Dockerfile checked line by
// line, requirements pinned from the run's environment, never writing over user files — and the packaged server run
// with plain `python3 mlops_serve.py --spec serve.json` from the folder, moved away from the workspace.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { MlopsError } from '../../src/core';
import { buildPackage, dns1123, dockerAvailable, pinnedRequirements, READY_PREFIX } from '../../src/core/serve';
import { snapshot, tmpDir } from './helpers';
import { post, request, serveFixture } from './serveFixture';

interface Container {
  name: string; image: string; ports: { containerPort: number }[];
  readinessProbe: { httpGet: { path: string; port: number } };
  livenessProbe: { httpGet: { path: string; port: number } };
  resources?: { limits: { memory: string } };
}

describe('package: the deployable folder', function () {
  this.timeout(60_000);

  it('writes the artifact, server, spec, pinned requirements, Dockerfile, K8s manifests and README', async () => {
    const f = await serveFixture({ model: 'Churn_Model.v2' });
    const out = path.join(f.ws, 'packages', 'p');
    const r = await buildPackage(f.store, f.mv, out);
    assert.equal(r.dir, out);
    assert.deepEqual(r.files, ['.dockerignore', 'Dockerfile', 'README.md', 'k8s/deployment.yaml', 'k8s/service.yaml', 'mlops_serve.py',
      'model/weights.json', 'predict.py', 'requirements.txt', 'serve.json']);
    assert.equal(r.name, 'churn-model-v2');
    assert.equal(r.image, 'churn-model-v2:v1');
    assert.match(r.warnings.join('\n'), /Kubernetes names must be DNS-1123 labels .* 'Churn_Model\.v2' is deployed as 'churn-model-v2'/);
    assert.deepEqual(fs.readdirSync(path.dirname(out)), ['p'], 'no temp sibling left behind');

    const spec = JSON.parse(fs.readFileSync(path.join(out, 'serve.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(spec.artifact, 'model/weights.json');
    assert.deepEqual(spec.pythonPath, ['.']);
    assert.equal(spec.logDir, 'monitoring');
    assert.equal(spec.host, '0.0.0.0');
    assert.equal(spec.port, 8080);
    assert.deepEqual(spec.flavor, { name: 'python', entry: 'predict.py:load' });
    assert.equal(fs.readFileSync(path.join(out, 'mlops_serve.py'), 'utf8'), fs.readFileSync(path.join(__dirname, '..', '..', '..', 'python', 'mlops_serve.py'), 'utf8'));

    const req = fs.readFileSync(path.join(out, 'requirements.txt'), 'utf8').split('\n');
    assert.deepEqual(req.filter((l) => l && !l.startsWith('#')), ['numpy==1.26.4', 'scikit-learn==1.5.0']);
    assert.ok(req.some((l) => l.startsWith('#') && l.includes('-e git+https://github.com/acme/feature-lib.git')), 'the editable VCS line is named in a comment');
    assert.ok(req.some((l) => l.startsWith('#') && l.includes('requests @ https://example.com')), 'the URL reference is named in a comment');

    // The Dockerfile, instruction by instruction.
    const docker = fs.readFileSync(path.join(out, 'Dockerfile'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    const instructions = docker.map((l) => l.split(' ')[0]);
    assert.deepEqual(instructions, ['FROM', 'ENV', 'RUN', 'RUN', 'WORKDIR', 'COPY', 'RUN', 'COPY', 'VOLUME', 'USER', 'EXPOSE', 'HEALTHCHECK', 'CMD']);
    assert.equal(docker[0], 'FROM python:3.10-slim', "the run's Python minor version");
    // The non-root user must own /app and the log folder: WORKDIR alone makes /app as root, COPY --chown leaves it.
    assert.equal(docker[3], 'RUN mkdir -p /app/monitoring && chown -R mlops:mlops /app');
    assert.ok(instructions.indexOf('WORKDIR') > 3, 'the folder is owned before WORKDIR uses it');
    assert.equal(docker[6], 'RUN pip install --no-cache-dir -r requirements.txt');
    assert.ok(instructions.indexOf('USER') > instructions.lastIndexOf('RUN'), 'the server runs as the non-root user');
    assert.equal(docker[8], 'VOLUME /app/monitoring');
    assert.equal(docker[9], 'USER mlops');
    assert.equal(docker[10], 'EXPOSE 8080');
    const health = /^HEALTHCHECK .* CMD (\[.*\])$/.exec(docker[11]);
    assert.ok(health, docker[11]);
    const healthCmd = JSON.parse(health[1]) as string[];
    assert.equal(healthCmd[0], 'python');
    assert.match(healthCmd[2], /urllib\.request\.urlopen\('http:\/\/127\.0\.0\.1:8080\/health'/, 'slim images have no curl');
    assert.deepEqual(JSON.parse(docker[12].slice(4)), ['python', 'mlops_serve.py', '--spec', 'serve.json']);

    // Kubernetes, parsed.
    const dep = parse(fs.readFileSync(path.join(out, 'k8s', 'deployment.yaml'), 'utf8')) as {
      apiVersion: string; kind: string; metadata: { name: string };
      spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } } };
    };
    assert.equal(dep.apiVersion, 'apps/v1');
    assert.equal(dep.kind, 'Deployment');
    assert.equal(dep.metadata.name, 'churn-model-v2');
    assert.equal(dep.spec.template.metadata.labels.app, dep.spec.selector.matchLabels.app);
    const c = dep.spec.template.spec.containers[0];
    assert.equal(c.image, 'churn-model-v2:v1');
    assert.deepEqual(c.ports.map((p) => p.containerPort), [8080]);
    assert.deepEqual(c.readinessProbe.httpGet, { path: '/health', port: 8080 });
    assert.deepEqual(c.livenessProbe.httpGet, { path: '/health', port: 8080 });
    assert.equal(c.resources?.limits.memory, `${Math.ceil(300e6 / 1024 / 1024)}Mi`, 'maxPeakMemoryBytes as Mi, rounded up');
    const svc = parse(fs.readFileSync(path.join(out, 'k8s', 'service.yaml'), 'utf8')) as {
      kind: string; metadata: { name: string }; spec: { type: string; selector: Record<string, string>; ports: { port: number; targetPort: number }[] };
    };
    assert.equal(svc.kind, 'Service');
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.deepEqual(svc.spec.ports.map((p) => [p.port, p.targetPort]), [[8080, 8080]]);
    assert.equal(svc.spec.selector.app, 'churn-model-v2');

    const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
    for (const cmd of ['docker build -t churn-model-v2:v1 .', 'docker run --rm -p 8080:8080 churn-model-v2:v1', 'kubectl apply -f k8s/deployment.yaml',
      'python3 mlops_serve.py --spec serve.json', 'curl -s http://127.0.0.1:8080/health', 'curl -s -X POST http://127.0.0.1:8080/predict']) {
      assert.ok(readme.includes(cmd), `README has ${cmd}`);
    }
    // The sample request is one the server accepts: the training columns without the label.
    const sample = /-d '(\[.*\])'/.exec(readme.split('\n').find((l) => l.includes('/predict')) ?? '');
    assert.ok(sample, 'a sample body');
    assert.deepEqual(Object.keys((JSON.parse(sample[1]) as Record<string, unknown>[])[0]), (spec.features as { name: string }[]).map((x) => x.name));
    assert.ok(!(spec.features as { name: string }[]).some((x) => x.name === 'y'), 'the label is not an input');
  });

  it('no memory constraint: no limit; no Python recorded: the serving Python with a warning', async () => {
    const f = await serveFixture({ goals: { formatVersion: 1 }, python: null });
    const r = await buildPackage(f.store, f.mv, path.join(f.ws, 'out'), { python: 'python3' });
    const dep = parse(fs.readFileSync(path.join(r.dir, 'k8s', 'deployment.yaml'), 'utf8')) as { spec: { template: { spec: { containers: Container[] } } } };
    assert.equal(dep.spec.template.spec.containers[0].resources, undefined);
    assert.match(r.warnings.join('\n'), /the run recorded no Python version; the image uses python:3\.\d+-slim \(the serving Python's\)/);
    assert.match(fs.readFileSync(path.join(r.dir, 'Dockerfile'), 'utf8'), /^FROM python:3\.\d+-slim\n/);
  });

  it('never writes over user files: a non-empty folder is refused, --force replaces only a package, a failure leaves nothing', async () => {
    const f = await serveFixture();
    const out = path.join(f.ws, 'mine');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'notes.txt'), 'my notes');
    const before = snapshot(f.ws);
    await assert.rejects(buildPackage(f.store, f.mv, out), (e: unknown) => e instanceof MlopsError && /already exists and is not empty; pass --force/.test(e.message));
    await assert.rejects(buildPackage(f.store, f.mv, out, { force: true }), (e: unknown) => e instanceof MlopsError && /is not a package folder .* --force only replaces a package/.test(e.message));
    assert.deepEqual(snapshot(f.ws), before, 'nothing written, nothing left behind');

    const pkg = path.join(f.ws, 'pkg');
    fs.mkdirSync(pkg); // an empty folder is fine
    await buildPackage(f.store, f.mv, pkg);
    fs.writeFileSync(path.join(pkg, 'stale.txt'), 'from an earlier package');
    await assert.rejects(buildPackage(f.store, f.mv, pkg), /already exists and is not empty/);
    const again = await buildPackage(f.store, f.mv, pkg, { force: true });
    assert.ok(!again.files.includes('stale.txt'));
    assert.ok(!fs.existsSync(path.join(pkg, 'stale.txt')), 'the earlier package was replaced as a whole');
    assert.deepEqual(fs.readdirSync(f.ws).filter((n) => n.startsWith('.pkg') || n.startsWith('.mine')), [], 'no temp or old siblings left');

    // A link inside an artifact folder that leads out of it would copy that file into the image: refused.
    const folder = path.join(f.ws, 'models', 'bundle');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'weights.json'), '{}');
    const secret = path.join(tmpDir('mlops-outside-'), 'id_rsa');
    fs.writeFileSync(secret, 'PRIVATE');
    fs.symlinkSync(secret, path.join(folder, 'leak'));
    const bundled = { ...f.mv, artifact: { ...f.mv.artifact, path: 'models/bundle' } };
    await assert.rejects(buildPackage(f.store, bundled, path.join(f.ws, 'leaky')), /a link leak that leads outside it/);
    assert.ok(!fs.existsSync(path.join(f.ws, 'leaky')));
    fs.unlinkSync(path.join(folder, 'leak'));

    fs.unlinkSync(path.join(f.ws, 'predict.py'));
    await assert.rejects(buildPackage(f.store, f.mv, path.join(f.ws, 'broken')), /the entry file predict\.py .* does not exist in the workspace/);
    assert.ok(!fs.existsSync(path.join(f.ws, 'broken')));
    assert.deepEqual(fs.readdirSync(f.ws).filter((n) => n.includes('.tmp-')), []);
  });

  it('small parts: DNS-1123 names, pinned requirements, docker on PATH', async () => {
    assert.equal(dns1123('Churn Model'), 'churn-model');
    assert.equal(dns1123('__x__'), 'x');
    assert.equal(dns1123('...'), 'model');
    assert.equal(dns1123('a'.repeat(80)).length, 63);
    const r = pinnedRequirements('pandas==2.2.2\n# comment\n\nfoo[extra]==1.0\n-e .\nbar>=1\npip==23.2.1\nsetuptools==65.5.0\nwheel==0.41.0\n', 'env');
    assert.equal(r.pinned, 2, 'the installer (pip, setuptools, wheel) is the image\'s own');
    assert.ok(!/^(pip|setuptools|wheel)==/m.test(r.text));
    assert.deepEqual(r.left, ['-e .', 'bar>=1']);
    const bin = tmpDir('mlops-path-');
    assert.equal(await dockerAvailable({ PATH: bin }), false);
    fs.writeFileSync(path.join(bin, 'docker'), '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(await dockerAvailable({ PATH: bin }), true);
  });

  it('the packaged server runs with plain python3 from the folder, moved away from the workspace', async () => {
    const f = await serveFixture();
    const built = await buildPackage(f.store, f.mv, path.join(f.ws, 'packages', 'churn-v1'));
    const moved = path.join(tmpDir('mlops-moved-'), 'churn-v1');
    fs.renameSync(built.dir, moved);
    fs.rmSync(f.ws, { recursive: true, force: true }); // the package needs nothing from the workspace
    const child = spawn('python3', ['mlops_serve.py', '--spec', 'serve.json', '--host', '127.0.0.1', '--port', '0'], { cwd: moved, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const ready = await new Promise<{ url: string }>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const line = out.split('\n').find((l) => l.startsWith(READY_PREFIX));
          if (line) { resolve(JSON.parse(line.slice(READY_PREFIX.length)) as { url: string }); }
        });
        void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
      });
      assert.equal((await request(`${ready.url}/health`)).status, 200);
      const meta = (await request(`${ready.url}/metadata`)).json() as { model: string; version: number; features: { name: string }[]; commit: string };
      assert.equal(meta.model, 'churn');
      assert.deepEqual(meta.features.map((c) => c.name), ['x', 'flag', 'city']);
      const r = await post(`${ready.url}/predict`, { x: [1, 2], flag: [true, false], city: ['oslo', 'rome'] });
      assert.equal(r.status, 200, r.body);
      assert.deepEqual((r.json() as { predictions: number[] }).predictions, [3, 4]);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    const logs = fs.readdirSync(path.join(moved, 'monitoring'));
    assert.equal(logs.length, 1);
    assert.match(logs[0], /^\d{4}-\d\d-\d\d\.jsonl$/);
  });
});
