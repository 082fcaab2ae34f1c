import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { execFileSync, spawnSync } from 'child_process';
import * as vscode from 'vscode';
import type { MlopsApi } from '../../src/extension';
import { activate, cli, stub, until, workspaceRoot } from './helpers';

const MODEL = 'e2e-served';
const SK_MODEL = 'e2e-sklearn';

/** Seeded numbers so the drift is the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296; };
}

const PREDICT_PY = `"""A pure-Python model for the end-to-end test: a threshold on x, read from the artifact."""
import json


def load(path):
    with open(path) as f:
        threshold = json.load(f)["threshold"]

    def predict(records):
        return [1 if r["x"] > threshold else 0 for r in records]

    return predict
`;

function post(agent: http.Agent, url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const data = Buffer.from(JSON.stringify(body));
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': data.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try { resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }); } catch { reject(new Error(`not JSON (${res.statusCode}): ${text.slice(0, 200)}`)); }
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

describe('Serve a model version, log its predictions and monitor them (real extension host, real Python server)', function () {
  this.timeout(300_000);
  let api: MlopsApi;
  let root = '';
  const goalsFile = () => path.join(root, '.mlops', 'goals.json');
  const files: string[] = [];

  before(async () => {
    api = await activate();
    await api.stores.ready();
    root = workspaceRoot();
    const r = rng(7);
    // Training data: x around 0.5, colour mostly red/green; the label is x > 0.5.
    const rows = ['x,colour,label'];
    for (let i = 0; i < 400; i++) { const x = r(); rows.push(`${x.toFixed(4)},${r() < 0.5 ? 'red' : 'green'},${x > 0.5 ? 1 : 0}`); }
    fs.mkdirSync(path.join(root, 'e2e-data'), { recursive: true });
    fs.writeFileSync(path.join(root, 'e2e-data', 'train.csv'), rows.join('\n') + '\n');
    fs.writeFileSync(path.join(root, 'e2e_predict.py'), PREDICT_PY);
    fs.mkdirSync(path.join(root, 'models'), { recursive: true });
    fs.writeFileSync(path.join(root, 'models', 'e2e-threshold.json'), JSON.stringify({ threshold: 0.5 }));
    files.push(path.join(root, 'e2e-data'), path.join(root, 'e2e_predict.py'), path.join(root, 'models', 'e2e-threshold.json'));
    cli(['data', 'tag', 'e2e-data', '--dataset', 'e2e-train', '--tag', 'e2e'], root);
    const run = JSON.parse(cli(['run', 'log', '--experiment', 'e2e-serving', '--name', 'threshold', '--data', 'e2e-train:e2e', '--metric', 'accuracy=1', '--json'], root)) as { id: string };
    cli(['model', 'register', '--name', MODEL, '--run', run.id, '--artifact', 'models/e2e-threshold.json', '--flavor', 'python', '--entry', 'e2e_predict.py:load'], root);
    // Windows of 100 requests; input drift in two windows in a row is an alert; accuracy is watched too.
    fs.writeFileSync(goalsFile(), JSON.stringify({
      formatVersion: 1,
      constraints: { maxLatencyMsP95: 250 },
      monitoring: {
        window: '100', label: 'label',
        alerts: [
          { name: 'inputs drifted', quantity: 'inputDriftShare', comparator: 'gte', threshold: 0.5, windows: 2, severity: 'alert', description: 'Scores on drifted inputs mislead the retention team' },
          { name: 'slow', quantity: 'latencyMsP95', comparator: 'gt', threshold: 10_000, severity: 'warning' },
        ],
      },
    }, null, 2));
    await vscode.commands.executeCommand('mlops.refresh');
    await until(() => api.stores.get(root)?.modelVersions.some((v) => v.model === MODEL), 20_000, 'the registered model in the store');
  });

  after(async () => {
    for (const s of api.servers.list()) { await api.servers.stop(s.root, s.model); }
    for (const f of files) { fs.rmSync(f, { recursive: true, force: true }); }
    for (const m of [MODEL, SK_MODEL]) {
      fs.rmSync(path.join(root, '.mlops', 'models', m), { recursive: true, force: true });
      fs.rmSync(path.join(root, '.mlops', 'monitoring', m), { recursive: true, force: true });
    }
    fs.rmSync(path.join(root, '.mlops', 'datasets', 'e2e-train'), { recursive: true, force: true });
    fs.rmSync(goalsFile(), { force: true });
    await vscode.commands.executeCommand('mlops.refresh');
  });

  it('serves on 127.0.0.1, logs 1,000 drifting requests and labels; the view shows windows, drift and latency; one alert in the status bar, a notification and Problems; the CLI exits 1', async () => {
    const notes: string[] = [];
    const restore = [
      stub(vscode.window, 'showErrorMessage', ((m: string) => { notes.push(`error: ${m}`); return Promise.resolve(undefined); })),
      stub(vscode.window, 'showWarningMessage', ((m: string) => { notes.push(`warning: ${m}`); return Promise.resolve(undefined); })),
      stub(vscode.window, 'showInformationMessage', ((m: string) => { notes.push(`info: ${m}`); return Promise.resolve(undefined); })),
    ];
    try {
      const server = await vscode.commands.executeCommand<{ url: string; port: number }>('mlops.serveModel', { root, model: MODEL, version: 1, port: 0 });
      assert.ok(server, `the command served the model: ${notes.join(' | ')}`);
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(notes.some((n) => n.startsWith('info: ') && n.includes(server.url)), notes.join(' | '));

      const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
      const r = rng(11);
      const ids: { id: string; label: number }[] = [];
      for (let i = 0; i < 1000; i++) {
        // The first 300 look like training; then x shifts up and colours turn blue.
        const drift = i >= 300;
        const x = drift ? 0.6 + r() * 0.8 : r();
        const colour = drift ? (r() < 0.8 ? 'blue' : 'red') : (r() < 0.5 ? 'red' : 'green');
        const res = await post(agent, `${server.url}/predict`, [{ x, colour }]);
        assert.strictEqual(res.status, 200, JSON.stringify(res.json));
        if (i % 4 === 0) { ids.push({ id: String(res.json.id), label: x > 0.5 ? 1 : 0 }); }
      }
      for (const { id, label } of ids) {
        const fb = await post(agent, `${server.url}/feedback`, { id, label });
        assert.strictEqual(fb.status, 200, JSON.stringify(fb.json));
      }
      agent.destroy();

      const entry = await until(() => {
        const e = api.monitoring.service.get(root, MODEL);
        return e?.report && e.report.windows.reduce((n, w) => n + w.requests, 0) === 1000 && e.report.windows.some((w) => w.performance) ? e : undefined;
      }, 60_000, 'a report of all 1,000 requests with labels');
      const windows = entry.report!.windows;
      assert.strictEqual(windows.length, 10);
      assert.ok(windows.every((w) => w.latencyMs && w.latencyMs.p95 >= w.latencyMs.p50), 'latency per window');
      assert.strictEqual(windows[0].inputDrift?.drift, false, 'the first window looks like training');
      assert.ok(windows.slice(4).every((w) => w.inputDrift?.drift === true), JSON.stringify(windows.map((w) => w.inputDrift?.share)));
      assert.ok(windows[9].inputDrift!.byColumn.some((c) => c.column === 'colour' && c.drifted));
      assert.strictEqual(windows[0].performance?.accuracy, 1, 'the threshold model is right on every labelled request');

      // The view: the model (served, with its URL) → its windows (newest first) → latency and input drift.
      const top = await api.monitoring.tree.getChildren();
      const stack = [...top];
      let modelNode;
      while (stack.length && !modelNode) {
        const n = stack.shift()!;
        if (n.kind === 'model' && n.model === MODEL) { modelNode = n; } else if (n.kind === 'store') { stack.push(...await api.monitoring.tree.getChildren(n)); }
      }
      assert.ok(modelNode, JSON.stringify(top.map((n) => n.label)));
      assert.match(modelNode.description ?? '', new RegExp(server.url.replace(/[.:/]/g, '\\$&')));
      const windowNodes = (await api.monitoring.tree.getChildren(modelNode)).filter((n) => n.kind === 'window');
      assert.strictEqual(windowNodes.length, 10);
      const newest = await api.monitoring.tree.getChildren(windowNodes[0]);
      const row = (label: RegExp) => newest.find((n) => label.test(n.label));
      assert.match(row(/^Latency/)?.description ?? '', /p50 .*p95/);
      assert.match(row(/^Input drift/)?.description ?? '', /colour/);

      // The alert fires: status bar (red for `alert`), one notification with the business reason, a Problems entry on the rule.
      await until(() => api.monitoring.alerts.item.text.includes('1'), 20_000, 'the alert status bar item');
      assert.deepStrictEqual(api.monitoring.alerts.item.backgroundColor, new vscode.ThemeColor('statusBarItem.errorBackground'));
      const alertNotes = () => notes.filter((n) => n.includes('inputs drifted'));
      await until(() => alertNotes().length === 1, 20_000, 'one notification');
      assert.match(alertNotes()[0], /Scores on drifted inputs mislead the retention team/);
      const diags = await until(() => { const d = vscode.languages.getDiagnostics(vscode.Uri.file(goalsFile())).filter((x) => x.code === 'monitoring-alert'); return d.length ? d : undefined; }, 20_000, 'a diagnostic');
      assert.strictEqual(diags.length, 1);
      const text = fs.readFileSync(goalsFile(), 'utf8');
      assert.strictEqual(diags[0].range.start.line, text.split('\n').findIndex((l) => l.includes('"inputs drifted"')) - 1, 'on the rule\'s object');
      // A refresh does not notify again.
      await vscode.commands.executeCommand('mlops.refreshMonitoring');
      assert.strictEqual(alertNotes().length, 1);

      // cron / CI: the CLI exits 1 with --fail-on alert.
      const res = spawnSync(process.execPath, [path.join(process.env.EXT_TEST_REPO_ROOT ?? path.resolve(__dirname, '../../..'), 'dist', 'cli.js'), 'monitor', MODEL, '--fail-on', 'alert'], { cwd: root, encoding: 'utf8' });
      assert.strictEqual(res.status, 1, res.stdout + res.stderr);
      assert.match(res.stdout + res.stderr, /inputs drifted/);

      // Stop from the palette: the server exits and the status bar item goes.
      assert.strictEqual(await vscode.commands.executeCommand('mlops.stopServing', { root, model: MODEL }), true);
      assert.strictEqual(api.servers.list().length, 0);
    } finally { for (const f of restore) { f(); } }
  });

  it('Package Model… writes the deployable folder; Build Image runs docker in a terminal, and says so when docker is missing', async () => {
    const notes: string[] = [];
    const restore = stub(vscode.window, 'showInformationMessage', ((m: string) => { notes.push(m); return Promise.resolve(undefined); }));
    const savedPath = process.env.PATH;
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-bin-'));
    const marker = path.join(bin, 'docker-called');
    files.push(path.join(root, 'packages'), bin);
    process.env.PATH = bin; // no docker here
    try {
      const r = await vscode.commands.executeCommand<{ dir: string; files: string[]; docker: boolean }>('mlops.packageModel', { root, model: MODEL, version: 1, out: 'packages/e2e' });
      assert.ok(r, notes.join(' | '));
      assert.strictEqual(r.dir, path.join(root, 'packages', 'e2e'));
      for (const f of ['Dockerfile', 'README.md', 'k8s/deployment.yaml', 'k8s/service.yaml', 'mlops_serve.py', 'serve.json', 'requirements.txt', 'e2e_predict.py', 'model/e2e-threshold.json']) {
        assert.ok(r.files.includes(f), `${f} in ${r.files.join(', ')}`);
      }
      assert.strictEqual(r.docker, false);
      assert.match(notes.find((n) => n.includes('packaged')) ?? notes.join(' | '), /packaged e2e-served v1 into packages\/e2e .*docker is not on PATH here/);

      // A docker on PATH: Build Image runs `docker build -t <image> .` in the package folder, in a terminal.
      fs.writeFileSync(path.join(bin, 'docker'), `#!/bin/sh\necho "$PWD $*" > '${marker}'\n`, { mode: 0o755 });
      const built = await vscode.commands.executeCommand<{ terminal?: vscode.Terminal }>('mlops.packageModel', { root, model: MODEL, version: 1, out: 'packages/e2e', force: true, buildImage: true });
      assert.ok(built?.terminal, 'a terminal');
      const line = await until(() => (fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim() : undefined), 30_000, 'docker run by the terminal');
      assert.strictEqual(line, `${path.join(root, 'packages', 'e2e')} build -t e2e-served:v1 .`);
      built.terminal.dispose();
    } finally {
      process.env.PATH = savedPath;
      restore();
    }
  });

  it('a real scikit-learn model through the pickle flavor (when Debian\'s python3-sklearn is installed)', async function () {
    const py = '/usr/bin/python3';
    if (spawnSync(py, ['-c', 'import sklearn'], { encoding: 'utf8' }).status !== 0) {
      console.log('      (skipped: /usr/bin/python3 has no scikit-learn; apt-get install python3-sklearn)');
      this.skip();
    }
    const pkl = path.join(root, 'models', 'e2e-sklearn.pkl');
    files.push(pkl);
    execFileSync(py, ['-c', [
      'import pickle, pandas as pd',
      'from sklearn.linear_model import LogisticRegression',
      `df = pd.read_csv(${JSON.stringify(path.join(root, 'e2e-data', 'train.csv'))})`,
      'm = LogisticRegression().fit(df[["x"]], df["label"])',
      `pickle.dump(m, open(${JSON.stringify(pkl)}, "wb"))`,
    ].join('\n')]);
    const run = JSON.parse(cli(['run', 'log', '--experiment', 'e2e-serving', '--name', 'sklearn', '--data', 'e2e-train:e2e', '--json'], root)) as { id: string };
    cli(['model', 'register', '--name', SK_MODEL, '--run', run.id, '--artifact', 'models/e2e-sklearn.pkl', '--flavor', 'pickle'], root);
    await vscode.commands.executeCommand('mlops.refresh');
    await until(() => api.stores.get(root)?.modelVersions.some((v) => v.model === SK_MODEL), 20_000, 'the sklearn model');
    // The training data has a colour column this model does not use: its feature_names_in_ decide.
    fs.writeFileSync(goalsFile(), JSON.stringify({ formatVersion: 1, monitoring: { window: '10', label: 'label' } }));
    {
      // Debian's Python (with scikit-learn) instead of the selected interpreter, as another extension may ask.
      const server = await vscode.commands.executeCommand<{ url: string }>('mlops.serveModel', { root, model: SK_MODEL, version: 1, port: 0, python: py });
      assert.ok(server);
      const agent = new http.Agent({ keepAlive: true });
      const res = await post(agent, `${server.url}/predict`, { x: [0.05, 0.95], colour: ['red', 'green'] });
      assert.strictEqual(res.status, 200, JSON.stringify(res.json));
      assert.deepStrictEqual(res.json.predictions, [0, 1]);
      const bad = await post(agent, `${server.url}/predict`, [{ x: 'high', colour: 'red' }]);
      assert.strictEqual(bad.status, 400);
      assert.match(String(bad.json.error), /x/);
      agent.destroy();
      await vscode.commands.executeCommand('mlops.stopServing', { root, model: SK_MODEL });
    }
  });
});
