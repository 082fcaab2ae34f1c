// `mlops import mlflow` and `mlops runs list --source mlflow` as real processes of the built CLI, on the six real
// MLflow stores of ../shared/corpus/mlruns (every count checked against EXPECTED.tsv) and on small stores written
// here in MLflow's own file format (nested runs, NaN, deleted runs, a registry with stages, aliases and artifacts).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO, mlops, snapshot, tmpDir } from './helpers';

const CORPUS = path.resolve(REPO, '..', 'shared', 'corpus', 'mlruns');

interface Item { kind: string; mlflowId: string; name: string; experiment?: string; action: string; reason?: string; id?: string; files?: string[]; metricPoints?: number }
interface Result { items: Item[]; counts: Record<string, number>; problems: { file: string; reason: string }[]; dryRun: boolean }

function ok(args: string[], cwd: string): string {
  const r = mlops(args, cwd);
  assert.equal(r.code, 0, `mlops ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}
const importJson = (store: string, cwd: string, ...more: string[]): Result => JSON.parse(ok(['import', 'mlflow', store, '--json', ...more], cwd)) as Result;

/** EXPECTED.tsv: folder → store → record → key → value (backslash escapes undone). */
function expected(): Map<string, Map<string, Map<string, Map<string, string>>>> {
  const out = new Map<string, Map<string, Map<string, Map<string, string>>>>();
  const unescape = (s: string) => s.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c));
  for (const line of fs.readFileSync(path.join(CORPUS, 'EXPECTED.tsv'), 'utf8').split('\n').slice(1)) {
    if (!line) { continue; }
    const [folder, store, record, key, value = ''] = line.split('\t');
    const s = out.get(folder) ?? new Map<string, Map<string, Map<string, string>>>(); out.set(folder, s);
    const r = s.get(store) ?? new Map<string, Map<string, string>>(); s.set(store, r);
    const k = r.get(record) ?? new Map<string, string>(); r.set(record, k);
    k.set(key, unescape(value));
  }
  return out;
}

const YAML = (o: Record<string, string | number | null>): string => Object.entries(o).map(([k, v]) => `${k}: ${v === null ? 'null' : typeof v === 'number' ? v : `'${v}'`}`).join('\n') + '\n';
const hex = (c: string) => c.repeat(32);

interface RunSpec { id: string; exp: string; name: string; status?: number; lifecycle?: string; start: number; end?: number | null; params?: Record<string, string>; tags?: Record<string, string>; metrics?: Record<string, string> }

/** A run folder as MLflow 2.x writes it. */
function writeRun(mlruns: string, r: RunSpec, folder = r.exp): void {
  const dir = path.join(mlruns, folder, r.id);
  fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'meta.yaml'), YAML({ artifact_uri: `file://${dir}/artifacts`, end_time: r.end === undefined ? r.start + 1000 : r.end, entry_point_name: '', experiment_id: r.exp,
    lifecycle_stage: r.lifecycle ?? 'active', name: '', run_id: r.id, run_name: r.name, run_uuid: r.id, source_name: '', source_type: 4, source_version: '', start_time: r.start, status: r.status ?? 3, user_id: 'ada' }));
  for (const [sub, kv] of [['params', r.params ?? {}], ['tags', { 'mlflow.runName': r.name, ...r.tags }], ['metrics', r.metrics ?? {}]] as const) {
    fs.mkdirSync(path.join(dir, sub), { recursive: true });
    for (const [k, v] of Object.entries(kv)) { fs.mkdirSync(path.dirname(path.join(dir, sub, k)), { recursive: true }); fs.writeFileSync(path.join(dir, sub, k), v); }
  }
}

/** A small file store: a parent with two children, NaN/inf points, a deleted run, a deleted experiment, a registry. */
function makeStore(ws: string): string {
  const mlruns = path.join(ws, 'mlruns');
  const exp = (id: string, name: string, deleted = false) => {
    const dir = deleted ? path.join(mlruns, '.trash', id) : path.join(mlruns, id);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'meta.yaml'), YAML({ artifact_location: `file://${mlruns}/${id}`, creation_time: 1_700_000_000_000, experiment_id: id, last_update_time: 1_700_000_000_000, lifecycle_stage: deleted ? 'deleted' : 'active', name }));
  };
  exp('0', 'Default');
  exp('1', 'churn');
  exp('2', 'abandoned', true);
  const t0 = 1_700_000_000_000;
  writeRun(mlruns, { id: hex('a'), exp: '1', name: 'sweep', start: t0, params: { lr: '1e-3' }, tags: { team: 'growth', 'mlflow.note.content': 'the sweep', 'mlflow.source.git.commit': 'c'.repeat(40) } });
  writeRun(mlruns, { id: hex('b'), exp: '1', name: 'trial-1', start: t0 + 10, params: { lr: '1e-3', depth: '4' }, tags: { 'mlflow.parentRunId': hex('a') },
    metrics: { loss: `${t0 + 11} 0.9 0\n${t0 + 12} nan 1\n${t0 + 13} 0.4 2\n`, 'val/auc': `${t0 + 14} inf 0 val deadbeef\n` } });
  writeRun(mlruns, { id: hex('c'), exp: '1', name: 'trial-2', start: t0 + 20, tags: { 'mlflow.parentRunId': hex('a') }, metrics: { loss: `${t0 + 21} 0.5 0\n` } });
  writeRun(mlruns, { id: hex('d'), exp: '1', name: 'oops', start: t0 + 30, lifecycle: 'deleted' });
  writeRun(mlruns, { id: hex('e'), exp: '2', name: 'old', start: t0 + 40 }, path.join('.trash', '2'));
  // Registry: version 1 (Production, alias champion, a tag) has its artifact here; version 2 points at another machine.
  const model = path.join(mlruns, 'models', 'churn model');
  fs.mkdirSync(path.join(model, 'aliases'), { recursive: true });
  fs.writeFileSync(path.join(model, 'meta.yaml'), YAML({ creation_timestamp: t0, description: 'churn', last_updated_timestamp: t0, name: 'churn model' }));
  fs.writeFileSync(path.join(model, 'aliases', 'champion'), '1');
  const art = path.join(mlruns, '1', hex('b'), 'artifacts', 'model');
  fs.mkdirSync(art, { recursive: true });
  fs.writeFileSync(path.join(art, 'MLmodel'), 'flavors: {}\n');
  fs.writeFileSync(path.join(art, 'model.pkl'), 'not really a pickle');
  const version = (n: number, stage: string, source: string, run: string) => {
    const dir = path.join(model, `version-${n}`);
    fs.mkdirSync(path.join(dir, 'tags'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'meta.yaml'), YAML({ creation_timestamp: t0 + n, current_stage: stage, description: '', last_updated_timestamp: t0 + n, name: 'churn model', run_id: run, run_link: '', source, status: 'READY', status_message: null, user_id: null, version: n }));
    if (n === 1) { fs.writeFileSync(path.join(dir, 'tags', 'validated'), 'yes'); }
  };
  version(1, 'Production', `file://${art}`, hex('b'));
  version(2, 'Staging', 'file:///C:/Users/someone/mlruns/1/cccc/artifacts/model', hex('c'));
  return mlruns;
}

/** Every file of a folder with its size, mtime and bytes: proves a command wrote nothing there. */
function fingerprint(dir: string): string {
  const snap = snapshot(dir);
  const lines: string[] = [];
  for (const [f, bytes] of [...snap].sort()) { const st = fs.statSync(path.join(dir, f)); lines.push(`${f} ${st.size} ${st.mtimeMs} ${bytes.length}:${bytes.slice(0, 64)}`); }
  return lines.join('\n');
}

describe('mlops import mlflow / runs list --source mlflow (real processes)', function () {
  this.timeout(600_000);

  it('imports every corpus store with EXPECTED.tsv\'s counts and sample values; importing again adds nothing', () => {
    const exp = expected();
    const stores: [string, string, string][] = [];
    for (const [folder, byStore] of exp) {
      for (const store of byStore.keys()) {
        const [kind, rel] = store.split(':');
        stores.push([folder, store, path.join(CORPUS, folder, rel)]);
        assert.ok(kind === 'file' || kind === 'sqlite');
      }
    }
    assert.equal(stores.length, 7, 'six repositories, seven stores');
    for (const [folder, store, at] of stores) {
      const what = `${folder} ${store}`;
      const before = fingerprint(path.join(CORPUS, folder));
      const ws = tmpDir('mlops-mlflow-');
      ok(['init'], ws);
      const sum = exp.get(folder)!.get(store)!.get('summary')!;
      const r = importJson(at, ws);
      assert.deepEqual(r.problems, [], what);
      const n = (k: string) => Number(sum.get(k));
      assert.deepEqual(
        [r.counts.runs, r.counts.params, r.counts.metricPoints, r.counts.models, r.counts.versions],
        [n('runs_active'), n('params'), n('metric_points'), n('registered_models'), n('model_versions')], what);
      // Sample runs: params and last metric values read back through `mlops runs show --json`.
      const idOf = new Map(r.items.filter((i) => i.kind === 'run').map((i) => [i.mlflowId, i.id]));
      for (const [record, kv] of exp.get(folder)!.get(store)!) {
        if (!record.startsWith('run:')) { continue; }
        const id = idOf.get(record.slice(4));
        assert.ok(id, `${what}: ${record} imported`);
        const shown = JSON.parse(ok(['runs', 'show', id, '--json'], ws)) as { run: { params: Record<string, string>; name: string; source: { mlflowRunId: string } }; metrics: Record<string, { last: number | null; lastStep: number; count: number }> };
        assert.equal(shown.run.source.mlflowRunId, record.slice(4));
        for (const [key, value] of kv) {
          if (key.startsWith('param.')) { assert.equal(shown.run.params[key.slice(6)], value, `${what} ${record} ${key}`); }
          if (key.startsWith('metric.')) {
            const m = /^(\S+) \(step=(-?\d+), timestamp=\d+, points=(\d+)\)$/.exec(value);
            assert.ok(m, value);
            const got = shown.metrics[key.slice(7)];
            const want = Number(m[1]);
            assert.deepEqual([Number.isNaN(want) ? null : got.last === null ? null : Number(got.last), got.lastStep, got.count], [Number.isNaN(want) ? null : want, Number(m[2]), Number(m[3])], `${what} ${record} ${key}`);
          }
        }
      }
      // Idempotent: nothing new the second time (runs still running in MLflow with nothing new are skipped too).
      const again = importJson(at, ws);
      assert.deepEqual([again.counts.runs, again.counts.runsSkipped, again.counts.versions, again.counts.versionsSkipped],
        [0, n('runs_active'), 0, n('model_versions')], `${what} again`);
      const runsDir = path.join(ws, '.mlops', 'runs');
      assert.equal(fs.existsSync(runsDir) ? fs.readdirSync(runsDir).length : 0, n('runs_active'), `${what}: one folder per run`);
      assert.equal(fingerprint(path.join(CORPUS, folder)), before, `${what}: the MLflow store was not touched`);
    }
  });

  it('keeps nested runs under their parent, NaN/inf points and dataset fields, notes, commit and tags; deleted runs only with --include-deleted', () => {
    const ws = tmpDir('mlops-mlflow-');
    const mlruns = makeStore(ws);
    ok(['init'], ws);
    const r = importJson('mlruns', ws);
    assert.deepEqual(r.problems, []);
    assert.equal(r.counts.runs, 3);
    const byMlflow = new Map(r.items.filter((i) => i.kind === 'run').map((i) => [i.mlflowId, i]));
    assert.deepEqual([byMlflow.get(hex('d'))?.action, byMlflow.get(hex('d'))?.reason], ['skip', 'deleted in MLflow (--include-deleted imports it)']);
    assert.equal(byMlflow.get(hex('e')), undefined, 'runs of a deleted experiment are not even considered');
    assert.equal(r.items.find((i) => i.kind === 'experiment' && i.mlflowId === '2')?.action, 'skip');
    const parent = byMlflow.get(hex('a'))!.id!;
    const child = byMlflow.get(hex('b'))!.id!;
    const runJson = (id: string) => JSON.parse(fs.readFileSync(path.join(ws, '.mlops', 'runs', id, 'run.json'), 'utf8')) as Record<string, unknown> & { parentRunId?: string; source: Record<string, unknown> };
    assert.equal(runJson(child).parentRunId, parent);
    assert.equal(runJson(byMlflow.get(hex('c'))!.id!).parentRunId, parent);
    assert.ok(parent < child, 'ids follow MLflow\'s start order');
    const p = runJson(parent);
    assert.deepEqual([p.experiment, p.name, p.status, p.notes, (p.git as { commit: string }).commit, p.tags, p.params], ['churn', 'sweep', 'finished', 'the sweep', 'c'.repeat(40), ['team=growth'], { lr: '1e-3' }]);
    assert.deepEqual([p.source.kind, p.source.mlflowRunId, p.source.user, p.source.store], ['mlflow', hex('a'), 'ada', 'mlruns']);
    const lines = fs.readFileSync(path.join(ws, '.mlops', 'runs', child, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.filter((l) => l.name === 'loss').map((l) => [l.step, l.value]), [[0, 0.9], [1, 'NaN'], [2, 0.4]]);
    assert.deepEqual(lines.find((l) => l.name === 'val/auc'), { name: 'val/auc', step: 0, value: 'Infinity', timestamp: 1_700_000_000_014, dataset: { name: 'val', digest: 'deadbeef' } });
    // The CLI reads the imported run like any other.
    const shown = JSON.parse(ok(['runs', 'show', child, '--json'], ws)) as { metrics: Record<string, { last: number; count: number }> };
    assert.deepEqual([shown.metrics.loss.last, shown.metrics.loss.count], [0.4, 3]);

    const all = importJson('mlruns', ws, '--include-deleted');
    const imported = all.items.filter((i) => i.kind === 'run' && i.action === 'import').map((i) => i.mlflowId).sort();
    assert.deepEqual(imported, [hex('d'), hex('e')]);
    assert.equal(runJson(all.items.find((i) => i.mlflowId === hex('d'))!.id!).source.deleted, true);
    assert.ok(fs.existsSync(path.join(ws, '.mlops', 'experiments', 'abandoned.json')));
    assert.ok(fs.existsSync(mlruns));
  });

  it('imports the registry: stages, aliases and tags, the producing run, artifacts hashed in place or by reference only', () => {
    const ws = tmpDir('mlops-mlflow-');
    makeStore(ws);
    ok(['init'], ws);
    const r = importJson('mlruns', ws);
    assert.deepEqual([r.counts.models, r.counts.versions], [1, 2]);
    const runOf = new Map(r.items.filter((i) => i.kind === 'run').map((i) => [i.mlflowId, i.id]));
    const v = (n: number) => JSON.parse(fs.readFileSync(path.join(ws, '.mlops', 'models', 'churn model', 'versions', `${n}.json`), 'utf8')) as {
      stage: string; runId: string; tags?: string[]; artifact: { path: string; sha256?: string; fileCount: number; sizeBytes: number; uri?: string }; mlflow: { runId: string; version: number; stage: string } };
    const v1 = v(1);
    assert.deepEqual([v1.stage, v1.runId, v1.tags, v1.mlflow.runId, v1.mlflow.stage], ['production', runOf.get(hex('b')), ['alias=champion', 'validated=yes'], hex('b'), 'Production']);
    assert.match(v1.artifact.sha256 ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual([v1.artifact.path, v1.artifact.fileCount, v1.artifact.sizeBytes], [`mlruns/1/${hex('b')}/artifacts/model`, 2, 31]);
    assert.ok(fs.existsSync(path.join(ws, 'mlruns', '1', hex('b'), 'artifacts', 'model', 'model.pkl')), 'hashed in place, never moved');
    assert.equal(fs.readdirSync(path.join(ws, '.mlops', 'models', 'churn model')).includes('artifacts'), false, 'never copied');
    const v2 = v(2);
    assert.deepEqual([v2.stage, v2.artifact.sha256, v2.artifact.fileCount, v2.artifact.sizeBytes, v2.artifact.uri],
      ['staging', undefined, 0, 0, 'file:///C:/Users/someone/mlruns/1/cccc/artifacts/model']);
    // `runs show` of the producing run lists the version.
    const shown = JSON.parse(ok(['runs', 'show', runOf.get(hex('b'))!, '--json'], ws)) as { models: { model: string; version: number; stage: string }[] };
    assert.deepEqual(shown.models, [{ model: 'churn model', version: 1, stage: 'production' }]);
    // Again: nothing.
    const again = importJson('mlruns', ws);
    assert.deepEqual([again.counts.versions, again.counts.versionsSkipped, again.counts.models], [0, 2, 0]);
  });

  it('a re-import after more training adds only the new run; a run imported while running is brought up to date, not duplicated', () => {
    const ws = tmpDir('mlops-mlflow-');
    const mlruns = makeStore(ws);
    ok(['init'], ws);
    writeRun(mlruns, { id: hex('f'), exp: '1', name: 'live', start: 1_700_000_100_000, status: 1, end: null, metrics: { loss: '1700000100001 0.8 0\n' } });
    const first = importJson('mlruns', ws);
    const live = first.items.find((i) => i.mlflowId === hex('f'))!;
    const liveJson = () => JSON.parse(fs.readFileSync(path.join(ws, '.mlops', 'runs', live.id!, 'run.json'), 'utf8')) as { status: string; endTime?: string };
    assert.equal(liveJson().status, 'running');
    writeRun(mlruns, { id: hex('9'), exp: '1', name: 'trial-3', start: 1_700_000_200_000, metrics: { loss: '1700000200001 0.3 0\n' } });
    const second = importJson('mlruns', ws);
    assert.deepEqual(second.items.filter((i) => i.kind === 'run' && i.action === 'import').map((i) => i.mlflowId), [hex('9')]);
    assert.equal(second.counts.runs, 1);
    // Work done on the copy meanwhile (a note, a tag added, the MLflow tag removed) survives the update.
    ok(['runs', 'tag', live.id!, 'reviewed'], ws);
    const runFile = path.join(ws, '.mlops', 'runs', live.id!, 'run.json');
    const edited = JSON.parse(fs.readFileSync(runFile, 'utf8')) as { notes?: string; tags: string[] };
    edited.notes = 'diverged after epoch 3';
    fs.writeFileSync(runFile, JSON.stringify(edited, null, 2));
    // The live run finishes with one more point: the next import updates its copy in place.
    writeRun(mlruns, { id: hex('f'), exp: '1', name: 'live', start: 1_700_000_100_000, status: 3, end: 1_700_000_300_000, metrics: { loss: '1700000100001 0.8 0\n1700000100002 0.6 1\n' } });
    const third = importJson('mlruns', ws);
    assert.deepEqual([third.counts.runs, third.counts.runsUpdated], [1, 1]);
    assert.equal(third.items.find((i) => i.mlflowId === hex('f'))!.id, live.id);
    assert.equal(liveJson().status, 'finished');
    const kept = JSON.parse(fs.readFileSync(runFile, 'utf8')) as { notes?: string; tags: string[] };
    assert.equal(kept.notes, 'diverged after epoch 3');
    assert.ok(kept.tags.includes('reviewed'), `tags ${kept.tags.join(', ')}`);
    assert.equal(fs.readFileSync(path.join(ws, '.mlops', 'runs', live.id!, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 2);
    const runs = JSON.parse(ok(['runs', 'list', '--json'], ws)) as { id: string }[];
    assert.equal(runs.length, 5, 'three + trial-3 + live, nothing twice');
  });

  it('each imported run folder holds exactly run.json and metrics.jsonl, the staging folder is gone, and every point reads back exactly', () => {
    const ws = tmpDir('mlops-mlflow-');
    const mlruns = makeStore(ws);
    ok(['init'], ws);
    const values = ['0.1', '-0', '1e-07', '1.7976931348623157e+308', '5e-324', '123456789012345680000', '-2.5', 'nan', 'inf', '-inf'];
    const expected = [0.1, -0, 1e-7, 1.7976931348623157e308, 5e-324, 123456789012345680000, -2.5, 'NaN', 'Infinity', '-Infinity'];
    writeRun(mlruns, { id: hex('7'), exp: '1', name: 'numbers', start: 1_700_000_400_000, metrics: { v: values.map((v, i) => `${1_700_000_400_001 + i} ${v} ${i}\n`).join('') } });
    const result = importJson('mlruns', ws);
    const imported = result.items.filter((i) => i.kind === 'run' && i.action === 'import');
    assert.ok(imported.length >= 2);
    for (const item of imported) {
      const names = fs.readdirSync(path.join(ws, '.mlops', 'runs', item.id!)).sort();
      assert.deepEqual(names, item.metricPoints ? ['metrics.jsonl', 'run.json'] : ['run.json'], `${item.name}: no temp file or stray folder`);
    }
    assert.equal(fs.existsSync(path.join(ws, '.mlops', 'cache', 'mlflow-import')) && fs.readdirSync(path.join(ws, '.mlops', 'cache', 'mlflow-import')).length > 0, false, 'the staging folder is emptied');
    const id = imported.find((i) => i.mlflowId === hex('7'))!.id!;
    const lines = fs.readFileSync(path.join(ws, '.mlops', 'runs', id, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { name: string; step: number; value: number | string; timestamp: number });
    assert.deepEqual(lines.map((l) => l.value), expected.map((v) => (Object.is(v, -0) ? 0 : v)), 'numbers as JSON would write them (-0 as 0), non-finite values as strings');
    assert.deepEqual(lines.map((l) => [l.name, l.step, l.timestamp]), values.map((_, i) => ['v', i, 1_700_000_400_001 + i]));
  });

  it('--dry-run prints what would be written and changes no byte of .mlops or of the MLflow store', () => {
    const ws = tmpDir('mlops-mlflow-');
    makeStore(ws);
    ok(['init'], ws);
    const before = fingerprint(ws);
    const text = ok(['import', 'mlflow', 'mlruns', '--dry-run'], ws);
    assert.match(text, /^Dry run \(nothing was written\): /);
    assert.match(text, /^ {2}churn\s+would import 3 runs\s+1 skipped\s+3 params\s+5 metric points$/m);
    assert.match(text, /^Would write:$/m);
    assert.match(text, /^ {4}\.mlops\/runs\/[0-9A-Z]{26}\/metrics\.jsonl$/m);
    assert.match(text, /^ {4}\.mlops\/models\/churn model\/versions\/1\.json$/m);
    const json = importJson('mlruns', ws, '--dry-run');
    assert.equal(json.dryRun, true);
    assert.equal(json.counts.runs, 3);
    assert.equal(fingerprint(ws), before);
    assert.equal(fs.existsSync(path.join(ws, '.mlops', 'cache')), false, 'not even a cache');
  });

  it('--experiment imports only the named experiments; an unknown one is a usage error naming the ones there are', () => {
    const ws = tmpDir('mlops-mlflow-');
    makeStore(ws);
    ok(['init'], ws);
    const none = importJson('mlruns', ws, '--experiment', 'Default');
    assert.equal(none.counts.runs, 0);
    const bad = mlops(['import', 'mlflow', 'mlruns', '--experiment', 'nope'], ws);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /has no experiment named 'nope' \(experiments: 'Default', 'churn'\)/);
  });

  it('bad PATH, a folder that is not a store and a missing .mlops store each get one clear message', () => {
    const ws = tmpDir('mlops-mlflow-');
    const missing = mlops(['import', 'mlflow', 'mlruns'], ws);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no MLOps store in .* run 'mlops init'/);
    ok(['init'], ws);
    const nowhere = mlops(['import', 'mlflow', 'nowhere'], ws);
    assert.equal(nowhere.code, 2);
    assert.match(nowhere.stderr, /nowhere/);
    assert.equal(nowhere.stderr.trim().split('\n').length, 1);
    fs.mkdirSync(path.join(ws, 'empty'));
    const empty = mlops(['import', 'mlflow', 'empty'], ws);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /empty/);
    fs.writeFileSync(path.join(ws, 'mlflow.db'), 'not a database at all');
    const notDb = mlops(['import', 'mlflow', 'mlflow.db'], ws);
    assert.equal(notDb.code, 2);
    assert.match(notDb.stderr, /mlflow\.db/);
    assert.equal(fs.readFileSync(path.join(ws, 'mlflow.db'), 'utf8'), 'not a database at all');
    assert.equal(mlops(['import', 'mlflow'], ws).code, 2);
  });

  it('runs list --source mlflow lists in place with the .mlops columns and JSON; deleted runs only with --all; no .mlops store needed', () => {
    const ws = tmpDir('mlops-mlflow-');
    makeStore(ws);
    const text = ok(['runs', 'list', '--source', 'mlflow'], ws);
    assert.match(text, /^STORE\s+ID\s+EXPERIMENT\s+NAME\s+STATUS\s+STARTED\s+loss\s+val\/auc\s+COMMIT$/m);
    assert.match(text, new RegExp(`^mlruns\\s+${hex('b')}\\s+churn\\s+trial-1\\s+finished\\s+\\S+ \\S+\\s+0\\.4\\s+Infinity\\s*$`, 'm'));
    assert.doesNotMatch(text, /oops/);
    const rows = JSON.parse(ok(['runs', 'list', '--source', 'mlflow', 'mlruns', '--json'], ws)) as { id: string; name: string; experiment: string; parentRunId?: string; source: { store: string }; metrics: Record<string, { last: number; count: number }> }[];
    assert.deepEqual(rows.map((r) => r.name), ['trial-2', 'trial-1', 'sweep']);
    assert.deepEqual([rows[1].id, rows[1].parentRunId, rows[1].source.store, rows[1].metrics.loss], [hex('b'), hex('a'), 'mlruns', { last: 0.4, min: 0.4, max: 0.9, step: 2, count: 3 }]);
    const withDeleted = JSON.parse(ok(['runs', 'list', '--source', 'mlflow', '--all', '--json'], ws)) as { name: string }[];
    assert.deepEqual(withDeleted.map((r) => r.name).sort(), ['old', 'oops', 'sweep', 'trial-1', 'trial-2']);
    const filtered = JSON.parse(ok(['runs', 'list', '--source', 'mlflow', '--filter', 'metrics.loss < 0.45', '--sort', '-name', '--limit', '1', '--experiment', 'churn', '--json'], ws)) as { name: string }[];
    assert.deepEqual(filtered.map((r) => r.name), ['trial-1']);
    assert.equal(fs.existsSync(path.join(ws, '.mlops')), false);
    const bad = mlops(['runs', 'list', 'mlruns'], ws);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /PATH only with --source mlflow/);
  });
});
