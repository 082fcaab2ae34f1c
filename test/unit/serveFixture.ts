// A temp workspace with a store, a profiled training set, a run that used it (Python, environment, commit) and a
// pure-Python model registered with the `python` flavor: what the serve, package and CLI tests serve.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { Store, type ModelVersion } from '../../src/core';
import { tmpDir } from './helpers';

/** x (float), flag (boolean, with a missing value), city (categorical), y (the label, integer). */
export const TRAIN_CSV = 'x,flag,city,y\n1.5,true,paris,3\n2.0,false,rome,4\n3.25,,paris,7\n4.0,true,oslo,8\n';

/**
 * The model: predictions = a * x (+1 when flag). x = 666 raises (a model bug), x = -1 sleeps `sleep` seconds.
 * It also reports its own predict time in the header-free way the bench reads: `predict.last_ms`.
 */
export const PREDICT_PY = `import json, time

last_ms = [0.0]

def load(path):
    with open(path) as f:
        weights = json.load(f)
    a = weights["a"]

    def predict(records):
        t0 = time.perf_counter()
        out = []
        for r in records:
            if r.get("x") == 666:
                raise ValueError("x = 666 is not allowed\\nsecond line of the message")
            if r.get("x") == -1:
                time.sleep(weights.get("sleep", 0))
            out.append(a * r["x"] + (1 if r.get("flag") else 0))
        last_ms[0] = (time.perf_counter() - t0) * 1000
        return out
    return predict
`;

export const ENVIRONMENT_TXT = 'numpy==1.26.4\n-e git+https://github.com/acme/feature-lib.git@abc123#egg=feature_lib\n'
  + 'requests @ https://example.com/requests-2.0.tar.gz\nscikit-learn==1.5.0\n';

export interface ServeFixture {
  ws: string;
  store: Store;
  runId: string;
  mv: ModelVersion;
}

export async function serveFixture(opts: { goals?: object; python?: string | null; model?: string } = {}): Promise<ServeFixture> {
  const ws = tmpDir('mlops-serve-');
  const { store } = await Store.init(ws);
  fs.mkdirSync(path.join(ws, 'data'));
  fs.writeFileSync(path.join(ws, 'data', 'train.csv'), TRAIN_CSV);
  const dv = await store.tagData({ path: path.join(ws, 'data'), dataset: 'train' });
  fs.writeFileSync(store.goalsFile(), JSON.stringify(opts.goals ?? {
    formatVersion: 1, constraints: { maxPeakMemoryBytes: 300 * 1000 * 1000 }, monitoring: { label: 'y' },
  }, null, 2));
  const run = await store.createRun({
    experiment: 'e', status: 'finished', git: { commit: 'c'.repeat(40), dirty: false },
    dataVersions: [{ dataset: 'train', version: dv.version.id }],
    meta: { ...(opts.python === null ? {} : { python: opts.python ?? '3.10.14' }), environment: { hash: 'e'.repeat(64), file: 'environment.txt' } },
  });
  fs.writeFileSync(path.join(store.runDir(run.id), 'environment.txt'), ENVIRONMENT_TXT);
  fs.writeFileSync(path.join(ws, 'predict.py'), PREDICT_PY);
  fs.mkdirSync(path.join(ws, 'models'));
  fs.writeFileSync(path.join(ws, 'models', 'weights.json'), JSON.stringify({ a: 2, sleep: 0 }));
  const mv = await store.registerModel({
    name: opts.model ?? 'churn', runId: run.id, artifactPath: path.join(ws, 'models', 'weights.json'), flavor: { name: 'python', entry: 'predict.py:load' },
  });
  return { ws, store, runId: run.id, mv };
}

export interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string; json: () => unknown }

/** One HTTP request on a fresh connection (agent false): the status, headers and body. */
export function request(url: string, opts: { method?: string; body?: string | Buffer; headers?: Record<string, string>; agent?: http.Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? (opts.body !== undefined ? 'POST' : 'GET'), agent: opts.agent ?? false, headers: {
      ...(opts.body !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(opts.body)) } : {}), ...opts.headers,
    } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) as unknown });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body !== undefined) { req.write(opts.body); }
    req.end();
  });
}

export const post = (url: string, body: unknown): Promise<Reply> => request(url, { body: typeof body === 'string' ? body : JSON.stringify(body) });

/** The prediction log lines of a model, all days, in file order. */
export function logLines(ws: string, model: string): Record<string, unknown>[] {
  const dir = path.join(ws, '.mlops', 'monitoring', model);
  if (!fs.existsSync(dir)) { return []; }
  return fs.readdirSync(dir).filter((f) => /^\d{4}-\d\d-\d\d\.jsonl$/.test(f)).sort()
    .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));
}
