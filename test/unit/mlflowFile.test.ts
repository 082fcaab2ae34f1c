// The MLflow file store reader on stores built in temp folders: the format variants of MLflow 1.x–3.x, the issue's
// bad inputs (each one reported with its file and reason, never a throw, the rest still read), that nothing in the
// store is ever written, store discovery and artifact locations recorded on other machines.
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { artifactCandidates, resolveArtifactUri } from '../../src/core/mlflow/artifacts';
import { openFileStore } from '../../src/core/mlflow/fileStore';
import { findMlflowStores, mlflowRef, mlflowStoreAt } from '../../src/core/mlflow/find';
import { parseMetricLine } from '../../src/core/mlflow/metricFile';
import type { MlflowReader } from '../../src/core/mlflow/types';
import { parseMeta } from '../../src/core/mlflow/yamlMeta';

const MLFLOW_CORPUS = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'corpus', 'mlruns');
const RUN_A = 'a'.repeat(32);
const RUN_B = 'b'.repeat(32);
const RUN_C = 'c'.repeat(32);

function write(file: string, content: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

function experiment(mlruns: string, id: string, name: string, extra = ''): string {
  const dir = path.join(mlruns, id);
  write(path.join(dir, 'meta.yaml'), `artifact_location: file:///tmp/mlruns/${id}\nexperiment_id: '${id}'\nlifecycle_stage: active\nname: ${name}\n${extra}`);
  return dir;
}

interface RunSpec {
  meta?: Record<string, string>;
  params?: Record<string, string | Buffer>;
  tags?: Record<string, string | Buffer>;
  metrics?: Record<string, string>;
}

/** A run as MLflow 2.x writes it; `meta` overrides/adds lines (value written as is), `null` text drops nothing. */
function run(expDir: string, id: string, spec: RunSpec = {}): string {
  const dir = path.join(expDir, id);
  const expId = path.basename(expDir);
  const meta: Record<string, string> = {
    artifact_uri: `file:///tmp/mlruns/${expId}/${id}/artifacts`, end_time: '1700000001000', entry_point_name: "''",
    experiment_id: `'${expId}'`, lifecycle_stage: 'active', run_id: id, run_name: `name-${id.slice(0, 4)}`, run_uuid: id,
    source_name: "''", source_type: '4', source_version: "''", start_time: '1700000000000', status: '3', tags: '[]', user_id: 'ana',
    ...spec.meta,
  };
  write(path.join(dir, 'meta.yaml'), Object.entries(meta).filter(([, v]) => v !== '<drop>').map(([k, v]) => `${k}: ${v}\n`).join(''));
  for (const [k, v] of Object.entries(spec.params ?? {})) { write(path.join(dir, 'params', ...k.split('/')), v); }
  for (const [k, v] of Object.entries(spec.tags ?? {})) { write(path.join(dir, 'tags', ...k.split('/')), v); }
  for (const [k, v] of Object.entries(spec.metrics ?? {})) { write(path.join(dir, 'metrics', ...k.split('/')), v); }
  return dir;
}

async function open(mlruns: string): Promise<MlflowReader> {
  return openFileStore(mlflowRef('file', mlruns, path.dirname(mlruns)));
}

interface FileSnap { size: number; mtimeMs: number; sha256: string }

/** Every entry under `dir` (links not followed): size, mtime and content hash (large files by size and mtime only). */
function snapshot(dir: string): Map<string, FileSnap | string> {
  const out = new Map<string, FileSnap | string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const st = fs.lstatSync(p);
      if (e.isSymbolicLink()) { out.set(p, `link → ${fs.readlinkSync(p)} ${st.mtimeMs}`); continue; }
      if (e.isDirectory()) { out.set(p, `dir ${st.mtimeMs}`); walk(p); continue; }
      const sha256 = st.size > 64 * 1024 * 1024 ? '(large)' : crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
      out.set(p, { size: st.size, mtimeMs: st.mtimeMs, sha256 });
    }
  };
  walk(dir);
  return out;
}

describe('MLflow file store reader', () => {
  let tmp: string;
  beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-mlflow-')); });
  afterEach(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

  describe('format variants', () => {
    it('reads MLflow 1.x runs: run_uuid only, name from mlflow.runName, else the name field; integer experiment ids', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      const exp = experiment(mlruns, '0', 'Default');
      fs.writeFileSync(path.join(exp, 'meta.yaml'), 'artifact_location: ./mlruns/0\nexperiment_id: 0\nlifecycle_stage: active\nname: Default\n');
      run(exp, RUN_A, { meta: { run_id: '<drop>', run_name: '<drop>', name: "''" }, tags: { 'mlflow.runName': 'from-tag' } });
      run(exp, RUN_B, { meta: { run_id: '<drop>', run_name: '<drop>', name: 'legacy-name' } });
      run(exp, RUN_C, { meta: { run_name: 'run-name-wins' }, tags: { 'mlflow.runName': 'other' } });
      const r = await open(mlruns);
      const s = await r.scan();
      assert.deepEqual(s.problems, []);
      assert.deepEqual(s.experiments.map((e) => [e.id, e.name, e.lifecycle]), [['0', 'Default', 'active']]);
      const names = Object.fromEntries(s.runs.map((h) => [h.id, h.name]));
      assert.deepEqual(names, { [RUN_A]: 'from-tag', [RUN_B]: 'legacy-name', [RUN_C]: 'run-name-wins' });
      const { runs } = await r.runs([RUN_A, RUN_B, RUN_C]);
      assert.deepEqual(Object.fromEntries(runs.map((x) => [x.id, x.name])), names, 'runs() resolves names the same way');
    });

    it('maps statuses 1–5 and the strings MLflow 1.x wrote; end_time null means no end; an unknown status is reported', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      const exp = experiment(mlruns, '1', 'statuses');
      const ids = ['1', '2', '3', '4', '5', 'FINISHED', "'KILLED'", 'RunStatus.FAILED', '9'].map((st, i) => {
        const id = String(i).repeat(32);
        run(exp, id, { meta: { status: st, end_time: st === '1' ? 'null' : '1700000001000' } });
        return id;
      });
      const r = await open(mlruns);
      const s = await r.scan();
      const byId = new Map(s.runs.map((h) => [h.id, h]));
      assert.deepEqual(ids.map((id) => byId.get(id)?.status), ['running', 'scheduled', 'finished', 'failed', 'killed', 'finished', 'killed', 'failed', 'running']);
      assert.equal(byId.get(ids[0])?.endTime, undefined);
      assert.equal(byId.get(ids[2])?.endTime, 1700000001000);
      assert.equal(byId.get(ids[2])?.startTime, 1700000000000);
      assert.equal(byId.get(ids[2])?.userId, 'ana');
      assert.equal(byId.get(ids[2])?.artifactUri, `file:///tmp/mlruns/1/${ids[2]}/artifacts`);
      assert.deepEqual(s.problems, [{ file: `mlruns/1/${ids[8]}/meta.yaml`, reason: 'unknown status 9: read as running' }]);
    });

    it('marks deleted runs and every experiment in .trash as deleted (whatever its meta.yaml says), with experiment tags', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      const live = experiment(mlruns, '1', 'live');
      write(path.join(live, 'tags', 'team'), 'vision');
      write(path.join(live, 'tags', 'mlflow.note', 'content'), 'two\nlines');
      run(live, RUN_A, { meta: { lifecycle_stage: 'deleted' } });
      const trashed = experiment(path.join(mlruns, '.trash'), '2', 'old'); // meta still says active
      run(trashed, RUN_B);
      const s = await (await open(mlruns)).scan();
      assert.deepEqual(s.problems, []);
      assert.deepEqual(s.experiments.map((e) => [e.id, e.lifecycle]), [['1', 'active'], ['2', 'deleted']]);
      assert.deepEqual(s.experiments[0].tags, { 'mlflow.note/content': 'two\nlines', team: 'vision' });
      assert.deepEqual(s.runs.map((h) => [h.id, h.experimentId, h.lifecycle]), [[RUN_A, '1', 'deleted'], [RUN_B, '2', 'active']]);
    });

    it('keeps param and tag values exactly as stored: no newline added or removed, multi-line, keys with /', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      const exp = experiment(mlruns, '1', 'values');
      run(exp, RUN_A, {
        params: { lr: '1e-3', 'optim/beta': '0.9', empty: '', nl: 'ends with newline\n' },
        tags: { 'mlflow.note.content': 'line 1\nline 2\r\nline 3', 'mlflow.source.git.commit': '0123456789abcdef0123456789abcdef01234567', 'a/b/c': 'deep', bom: '\uFEFFkept' },
      });
      const { runs, problems } = await (await open(mlruns)).runs([RUN_A]);
      assert.deepEqual(problems, []);
      assert.deepEqual(runs[0].params, { empty: '', lr: '1e-3', nl: 'ends with newline\n', 'optim/beta': '0.9' });
      assert.deepEqual(runs[0].tags, {
        'a/b/c': 'deep', bom: '\uFEFFkept', 'mlflow.note.content': 'line 1\nline 2\r\nline 3', 'mlflow.source.git.commit': '0123456789abcdef0123456789abcdef01234567',
      });
    });

    it('reads metric lines of 2, 3 and 5 fields, keys with / as sub-folders, NaN and infinities; last = greatest (step, timestamp, value)', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      const exp = experiment(mlruns, '1', 'metrics');
      run(exp, RUN_A, {
        metrics: {
          old: '100 0.5\n200 0.25\n', // 2 fields: step 0; the later timestamp wins
          'train/loss': '100 3.0 0\n300 1.5 2\n200 2.0 1\n400 nan 2\n', // greatest step 2, then timestamp 400 → nan is last
          'val/acc': '100 0.5 5 eval ds1\n100 0.75 5 eval ds1\n100 0.6 5 eval ds1\n', // same (step, ts): greatest value
          'big/inf': '1 inf 0\n2 -inf 1\n3 -Infinity 2\n',
        },
      });
      const r = await open(mlruns);
      const { runs, problems } = await r.runs([RUN_A]);
      assert.deepEqual(problems, []);
      const m = runs[0].metrics;
      assert.deepEqual(Object.keys(m), ['big/inf', 'old', 'train/loss', 'val/acc']);
      assert.deepEqual(m.old, { key: 'old', count: 2, last: 0.25, lastStep: 0, lastTimestamp: 200, min: 0.25, max: 0.5 });
      assert.ok(Number.isNaN(m['train/loss'].last));
      assert.deepEqual({ ...m['train/loss'], last: 'NaN' }, { key: 'train/loss', count: 4, last: 'NaN', lastStep: 2, lastTimestamp: 400, min: 1.5, max: 3 });
      assert.deepEqual([m['val/acc'].last, m['val/acc'].count], [0.75, 3]);
      assert.deepEqual([m['big/inf'].last, m['big/inf'].min, m['big/inf'].max], [-Infinity, -Infinity, Infinity]);
      const h = await r.metricHistory(RUN_A, ['val/acc', 'missing']);
      assert.deepEqual(h.metrics, { 'val/acc': [0.5, 0.75, 0.6].map((value) => ({ timestamp: 100, value, step: 5, datasetName: 'eval', datasetDigest: 'ds1' })) });
      const all = await r.metricHistory(RUN_A);
      assert.deepEqual(all.metrics.old, [{ timestamp: 100, value: 0.5, step: 0 }, { timestamp: 200, value: 0.25, step: 0 }]);
      assert.deepEqual((await r.metricHistory('f'.repeat(32))).metrics, {}, 'an unknown run has no metrics');
    });

    it('nests runs through tags/mlflow.parentRunId in scan() and runs()', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      const exp = experiment(mlruns, '1', 'nested');
      run(exp, RUN_A);
      run(exp, RUN_B, { tags: { 'mlflow.parentRunId': RUN_A } });
      const r = await open(mlruns);
      const s = await r.scan();
      assert.deepEqual(s.runs.map((h) => [h.id, h.parentRunId]), [[RUN_A, undefined], [RUN_B, RUN_A]]);
      const { runs } = await r.runs([RUN_B, 'f'.repeat(32)]);
      assert.deepEqual(runs.map((x) => [x.id, x.parentRunId]), [[RUN_B, RUN_A]], 'unknown ids are left out');
    });

    it('reads a run started after scan() through runs() and metricHistory(); an unknown id is left out', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      const exp = experiment(mlruns, '1', 'live');
      run(exp, RUN_A);
      const r = await open(mlruns);
      assert.equal((await r.scan()).runs.length, 1);
      run(exp, RUN_B, { params: { lr: '0.1' }, metrics: { loss: '5 0.5 1\n' } });
      const { runs } = await r.runs([RUN_B, 'f'.repeat(32), '../escape']);
      assert.deepEqual(runs.map((x) => [x.id, x.params]), [[RUN_B, { lr: '0.1' }]]);
      assert.deepEqual((await r.metricHistory(RUN_B)).metrics, { loss: [{ timestamp: 5, value: 0.5, step: 1 }] });
    });

    it('ignores folders that are not experiments or runs, without problems', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      const exp = experiment(mlruns, '1', 'real');
      run(exp, RUN_A);
      for (const d of ['mlartifacts/1/x', 'mlruns/0', '.ipynb_checkpoints', 'models']) { fs.mkdirSync(path.join(mlruns, d), { recursive: true }); }
      write(path.join(mlruns, 'mlruns', '0', 'meta.yaml'), "experiment_id: '0'\nname: nested\n");
      write(path.join(mlruns, '.gitkeep'), '');
      write(path.join(mlruns, 'mlflow.db'), 'not read by the file store');
      for (const d of ['tags', 'datasets/abc', 'traces/tr-1', 'models/m-1', '.ipynb_checkpoints']) { fs.mkdirSync(path.join(exp, d), { recursive: true }); }
      write(path.join(exp, 'datasets', 'abc', 'meta.yaml'), 'name: ds\n');
      const s = await (await open(mlruns)).scan();
      assert.deepEqual(s.problems, []);
      assert.deepEqual(s.experiments.map((e) => e.id), ['1']);
      assert.deepEqual(s.runs.map((h) => h.id), [RUN_A]);
    });

    it('reads a meta.yaml PyYAML folded over several lines (through the yaml package) and a double-quoted name', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      const exp = experiment(mlruns, '1', 'yaml');
      const dir = run(exp, RUN_A);
      fs.writeFileSync(path.join(dir, 'meta.yaml'), `artifact_uri: file:///tmp/a/${RUN_A}/artifacts\nend_time: null\nexperiment_id: '1'\nlifecycle_stage: active\nrun_id: ${RUN_A}\nrun_name: a very long run name with spaces that PyYAML folds onto
  a second line\nstart_time: 1\nstatus: 1\ntags: []\nuser_id: "ana \\u00e9"\n`);
      const s = await (await open(mlruns)).scan();
      assert.deepEqual(s.problems, []);
      assert.equal(s.runs[0].name, 'a very long run name with spaces that PyYAML folds onto a second line');
      assert.equal(s.runs[0].userId, 'ana é');
    });

    it('reads the registry: models, versions, stages, aliases and tags; versions MLflow deleted are left out', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      experiment(mlruns, '0', 'Default');
      const m = path.join(mlruns, 'models', 'churn');
      write(path.join(m, 'meta.yaml'), 'creation_timestamp: 1700000000000\ndescription: Churn model\nlast_updated_timestamp: 1700000005000\nname: churn\n');
      write(path.join(m, 'tags', 'owner'), 'ana');
      write(path.join(m, 'aliases', 'champion'), '2');
      write(path.join(m, 'aliases', 'challenger'), '3');
      const version = (n: number, stage: string): void => write(path.join(m, `version-${n}`, 'meta.yaml'),
        `creation_timestamp: ${1700000000000 + n}\ncurrent_stage: ${stage}\ndescription: ''\nlast_updated_timestamp: ${1700000000000 + n}\nname: churn\nrun_id: ${RUN_A}\nrun_link: ''\nsource: file:///C:/Users/ana/mlruns/0/${RUN_A}/artifacts/model\nstatus: READY\nstatus_message: null\nuser_id: ''\nversion: ${n}\n`);
      version(1, 'Archived');
      version(2, 'Production');
      version(3, 'staging');
      version(4, 'Deleted_Internal');
      write(path.join(m, 'version-2', 'tags', 'validated'), 'yes');
      const reg = await (await open(mlruns)).registry();
      assert.deepEqual(reg.problems, []);
      assert.deepEqual(reg.models, [{ name: 'churn', description: 'Churn model', creationTime: 1700000000000, lastUpdatedTime: 1700000005000, tags: { owner: 'ana' }, aliases: { challenger: 3, champion: 2 } }]);
      assert.deepEqual(reg.versions.map((v) => [v.version, v.stage, v.aliases, v.tags, v.status, v.runId]), [
        [1, 'Archived', [], {}, 'READY', RUN_A],
        [2, 'Production', ['champion'], { validated: 'yes' }, 'READY', RUN_A],
        [3, 'Staging', ['challenger'], {}, 'READY', RUN_A],
      ]);
      assert.equal(reg.versions[1].source, `file:///C:/Users/ana/mlruns/0/${RUN_A}/artifacts/model`);
      const s = await (await open(mlruns)).scan();
      assert.deepEqual(s.experiments.map((e) => e.id), ['0'], 'models/ is not an experiment');
    });

    it('watches the mlruns folder', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      experiment(mlruns, '0', 'Default');
      assert.deepEqual((await open(mlruns)).watchPaths(), [mlruns]);
    });
  });

  describe('bad input: skipped and reported, never a throw', () => {
    it('a run folder without meta.yaml', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      const exp = experiment(mlruns, '1', 'e');
      run(exp, RUN_A);
      fs.mkdirSync(path.join(exp, RUN_B, 'metrics'), { recursive: true });
      const s = await (await open(mlruns)).scan();
      assert.deepEqual(s.runs.map((h) => h.id), [RUN_A]);
      assert.deepEqual(s.problems, [{ file: `mlruns/1/${RUN_B}/meta.yaml`, reason: 'run folder without meta.yaml: skipped' }]);
    });

    it('truncated and non-numeric metric lines: reported, the rest of the file still counts', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      const exp = experiment(mlruns, '1', 'e');
      // `cut`: its last line parses (`2 0.9`, a 2-field line) but has no newline: cut before its step, so not a point.
      run(exp, RUN_A, { metrics: { loss: '100 1.0 0\n200 abc 1\n300 0.5 2\n400 0.25 3\n1700', acc: '1 0.5 0\n2 0.6 x\n', cut: '1 0.5 0\n2 0.9' } });
      const r = await open(mlruns);
      const { runs, problems } = await r.runs([RUN_A]);
      assert.deepEqual(runs[0].metrics.loss, { key: 'loss', count: 3, last: 0.25, lastStep: 3, lastTimestamp: 400, min: 0.25, max: 1 });
      assert.equal(runs[0].metrics.acc.count, 1);
      assert.deepEqual(problems, [
        { file: `mlruns/1/${RUN_A}/metrics/acc`, reason: 'line 2: step "x" is not an integer; skipped' },
        { file: `mlruns/1/${RUN_A}/metrics/cut`, reason: 'line 2: no newline at its end (being written, or cut off); skipped' },
        { file: `mlruns/1/${RUN_A}/metrics/loss`, reason: 'line 2: value "abc" is not a number (2 bad lines skipped)' },
      ]);
      assert.deepEqual([runs[0].metrics.cut.count, runs[0].metrics.cut.max], [1, 0.5]);
      const h = await r.metricHistory(RUN_A, ['loss']);
      assert.deepEqual(h.metrics.loss.map((p) => p.step), [0, 2, 3]);
      assert.equal(h.problems.length, 1);
    });

    it('a tag that is not UTF-8: kept with U+FFFD and reported', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      const exp = experiment(mlruns, '1', 'e');
      run(exp, RUN_A, { tags: { author: Buffer.from([0x4a, 0x6f, 0xe9, 0x6c]) /* "Joél" in Latin-1 */, fine: 'caf\u00e9 \uFFFD literal' } });
      const { runs, problems } = await (await open(mlruns)).runs([RUN_A]);
      assert.equal(runs[0].tags.author, 'Jo\uFFFDl');
      assert.equal(runs[0].tags.fine, 'caf\u00e9 \uFFFD literal', 'a real U+FFFD in valid UTF-8 is not a problem');
      assert.deepEqual(problems, [{ file: `mlruns/1/${RUN_A}/tags/author`, reason: 'not UTF-8: read with U+FFFD in place of the invalid bytes' }]);
    });

    it('an experiment id that is not a number', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      run(experiment(mlruns, '1', 'good'), RUN_A);
      run(experiment(mlruns, 'abc', 'bad'), RUN_B);
      fs.mkdirSync(path.join(mlruns, 'notes')); // a folder without meta.yaml is simply not an experiment
      const s = await (await open(mlruns)).scan();
      assert.deepEqual(s.experiments.map((e) => e.id), ['1']);
      assert.deepEqual(s.runs.map((h) => h.id), [RUN_A]);
      assert.deepEqual(s.problems, [{ file: 'mlruns/abc/meta.yaml', reason: 'experiment id "abc" is not a number: skipped' }]);
    });

    it('YAML with a BOM is read; YAML with tabs is reported', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      const exp = experiment(mlruns, '1', 'e');
      fs.writeFileSync(path.join(exp, 'meta.yaml'), `\uFEFFexperiment_id: '1'\nlifecycle_stage: active\nname: with-bom\n`);
      const a = run(exp, RUN_A);
      fs.writeFileSync(path.join(a, 'meta.yaml'), '\uFEFF' + fs.readFileSync(path.join(a, 'meta.yaml'), 'utf8'));
      const b = run(exp, RUN_B);
      fs.writeFileSync(path.join(b, 'meta.yaml'), `run_id: ${RUN_B}\nstatus: 3\ntags:\n\t- x\n`);
      const s = await (await open(mlruns)).scan();
      assert.equal(s.experiments[0].name, 'with-bom');
      assert.deepEqual(s.runs.map((h) => [h.id, h.name]), [[RUN_A, 'name-aaaa']]);
      assert.equal(s.problems.length, 1);
      assert.equal(s.problems[0].file, `mlruns/1/${RUN_B}/meta.yaml`);
      assert.match(s.problems[0].reason, /^not valid YAML \(it contains a tab; YAML allows none in indentation\): .+; run folder skipped$/);
    });

    it('a symlink loop inside mlruns/ is not followed', async function () {
      if (process.platform === 'win32') { this.skip(); }
      const mlruns = path.join(tmp, 'mlruns');
      const exp = experiment(mlruns, '1', 'e');
      const a = run(exp, RUN_A, { metrics: { loss: '1 0.5 0\n' } });
      fs.symlinkSync('..', path.join(a, 'metrics', 'loop'));
      fs.symlinkSync(mlruns, path.join(mlruns, '7'));
      fs.symlinkSync('.', path.join(exp, 'd'.repeat(32)));
      const r = await open(mlruns);
      const s = await r.scan();
      assert.deepEqual(s.experiments.map((e) => e.id), ['1']);
      assert.deepEqual(s.runs.map((h) => h.id), [RUN_A]);
      const not = 'symbolic link: not followed (a link inside mlruns/ can loop or lead outside the store)';
      assert.deepEqual(s.problems, [{ file: 'mlruns/1/' + 'd'.repeat(32), reason: not }, { file: 'mlruns/7', reason: not }]);
      const { runs, problems } = await r.runs([RUN_A]);
      assert.deepEqual(Object.keys(runs[0].metrics), ['loss']);
      assert.deepEqual(problems, [{ file: `mlruns/1/${RUN_A}/metrics/loop`, reason: not }]);
    });

    it('a 2 GB metrics file is skipped by size and reported; the other metrics still read', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      const exp = experiment(mlruns, '1', 'e');
      const a = run(exp, RUN_A, { metrics: { loss: '1 0.5 0\n', huge: '' } });
      fs.truncateSync(path.join(a, 'metrics', 'huge'), 2 * 1024 * 1024 * 1024); // sparse: no disk space used
      const r = await open(mlruns);
      const { runs, problems } = await r.runs([RUN_A]);
      assert.deepEqual(Object.keys(runs[0].metrics), ['loss']);
      assert.deepEqual(problems, [{ file: `mlruns/1/${RUN_A}/metrics/huge`, reason: '2048 MiB is over the 256 MiB limit for one file: skipped' }]);
      const h = await r.metricHistory(RUN_A);
      assert.deepEqual(Object.keys(h.metrics), ['loss']);
      assert.equal(h.problems.length, 1);
    });

    it('nothing in the store is written, created or touched by reading all of it, bad files included', async function () {
      const mlruns = path.join(tmp, 'mlruns');
      const exp = experiment(mlruns, '1', 'e');
      write(path.join(exp, 'tags', 'k'), 'v');
      run(exp, RUN_A, { params: { p: '1' }, tags: { 'mlflow.parentRunId': RUN_B, bad: Buffer.from([0xff]) }, metrics: { 'train/loss': '1 0.5 0\nbad\n', huge: '' } });
      run(exp, RUN_B);
      fs.truncateSync(path.join(exp, RUN_A, 'metrics', 'huge'), 2 * 1024 * 1024 * 1024);
      fs.mkdirSync(path.join(exp, RUN_C));
      run(experiment(mlruns, 'x', 'bad id'), RUN_C);
      run(experiment(path.join(mlruns, '.trash'), '2', 'gone'), 'e'.repeat(32));
      write(path.join(mlruns, 'models', 'm', 'meta.yaml'), 'name: m\n');
      write(path.join(mlruns, 'models', 'm', 'version-1', 'meta.yaml'), `current_stage: Production\nrun_id: ${RUN_A}\nsource: runs:/${RUN_A}/model\nversion: 1\n`);
      write(path.join(mlruns, 'models', 'm', 'aliases', 'prod'), '1');
      if (process.platform !== 'win32') { fs.symlinkSync('.', path.join(exp, 'loop')); }
      const before = snapshot(tmp);
      const r = await open(mlruns);
      const s = await r.scan();
      const recs = await r.runs(s.runs.map((h) => h.id));
      for (const h of s.runs) { await r.metricHistory(h.id); }
      const reg = await r.registry();
      r.close();
      assert.equal(s.runs.length, 3);
      assert.equal(recs.runs.length, 3);
      assert.equal(reg.versions.length, 1);
      assert.ok(s.problems.length >= 3 && recs.problems.length >= 3, 'the bad files were reported');
      assert.deepEqual([...snapshot(tmp).entries()], [...before.entries()]);
    });

    it('openFileStore rejects a path that is missing or not a folder, naming it', async () => {
      const missing = path.join(tmp, 'nope');
      await assert.rejects(openFileStore(mlflowRef('file', missing, tmp)), { message: `${missing}: cannot open the MLflow store: it does not exist` });
      const file = path.join(tmp, 'mlruns');
      fs.writeFileSync(file, 'x');
      await assert.rejects(openFileStore(mlflowRef('file', file, tmp)), { message: `${file}: cannot open the MLflow store: not a folder` });
    });

    it('parses metric lines the way MLflow does', () => {
      assert.deepEqual(parseMetricLine('1 2'), { timestamp: 1, value: 2, step: 0 });
      assert.deepEqual(parseMetricLine(' 1 -1.5e-3 7 \r'), { timestamp: 1, value: -0.0015, step: 7 });
      assert.equal(parseMetricLine('1 2 3 4'), 'expected 2, 3 or 5 fields (timestamp value [step [dataset digest]]), found 4');
      assert.equal(parseMetricLine('1.5 2 3'), 'timestamp "1.5" is not an integer');
      assert.equal(parseMetricLine('1  2'), 'value "" is not a number'); // MLflow splits on single spaces too
    });

    it('parses meta.yaml: quoted ids stay text, 18-digit integers stay exact, null and [] are values', () => {
      const m = parseMeta("experiment_id: '459562201803247328'\nid: 459562201803247328\nend_time: null\ntags: []\nname: 'it''s'\n");
      assert.ok(m.ok);
      assert.deepEqual(m.meta, { experiment_id: '459562201803247328', id: 459562201803247328n, end_time: null, tags: [], name: "it's" });
      const bad = parseMeta('a: [1, 2\n');
      assert.equal(bad.ok, false);
    });
  });

  describe('runs() and metricHistory(): synchronous reads in time slices', () => {
    it("runs(ids, {summaries: false}) gives params and tags without opening a metric file (a bad one is not reported)", async () => {
      const mlruns = path.join(tmp, 'mlruns');
      const exp = experiment(mlruns, '1', 'e');
      run(exp, RUN_A, { params: { lr: '1e-3' }, tags: { 'mlflow.runName': 'first', team: 'a' }, metrics: { loss: '1 0.5 0\n2 0.25 1\n', bad: '1 x 0\n' } });
      const r = await open(mlruns);
      const full = await r.runs([RUN_A]);
      assert.deepEqual(Object.keys(full.runs[0].metrics), ['loss']);
      assert.deepEqual(full.problems.map((p) => p.file), [`mlruns/1/${RUN_A}/metrics/bad`]);
      const lean = await r.runs([RUN_A], { summaries: false });
      assert.deepEqual(lean.problems, [], 'the metric files were not read');
      assert.deepEqual(lean.runs[0].metrics, {});
      assert.deepEqual({ ...lean.runs[0], metrics: full.runs[0].metrics }, full.runs[0], 'everything else is the same record');
      assert.equal(lean.runs[0].tags.team, 'a');
      assert.deepEqual(lean.runs[0].params, { lr: '1e-3' });
    });

    it('a metric file over 1 MiB is read in chunks and every point comes back in order, summaries included', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      const exp = experiment(mlruns, '1', 'e');
      const n = 60000;
      let text = '';
      for (let i = 0; i < n; i++) { text += `${1700000000000 + i} ${i / 7} ${i}\n`; }
      assert.ok(text.length > (1 << 20) + 1000, 'the file is larger than the first whole read');
      run(exp, RUN_A, { metrics: { 'train/loss': text } });
      const r = await open(mlruns);
      const h = await r.metricHistory(RUN_A);
      const pts = h.metrics['train/loss'];
      assert.equal(pts.length, n);
      assert.deepEqual(pts[0], { timestamp: 1700000000000, value: 0, step: 0 });
      assert.deepEqual(pts[n - 1], { timestamp: 1700000000000 + n - 1, value: (n - 1) / 7, step: n - 1 });
      assert.ok(pts.every((p, i) => p.step === i), 'no line lost or split at a chunk boundary');
      const s = (await r.runs([RUN_A])).runs[0].metrics['train/loss'];
      assert.deepEqual({ count: s.count, last: s.last, lastStep: s.lastStep, min: s.min }, { count: n, last: (n - 1) / 7, lastStep: n - 1, min: 0 });
    });

    it('the event loop gets turns during a long runs(), and an abort from one of them stops it with AbortError', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      const exp = experiment(mlruns, '1', 'e');
      const ids: string[] = [];
      const points = Array.from({ length: 2000 }, (_, i) => `${i} ${i} ${i}\n`).join('');
      for (let i = 0; i < 300; i++) {
        const id = i.toString(16).padStart(32, '0');
        ids.push(id);
        run(exp, id, { params: Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`p${k}`, String(k)])), metrics: { a: points, b: points } });
      }
      const r = await open(mlruns);
      await r.scan();
      let turns = 0;
      const ticker = setInterval(() => { turns++; }, 0);
      try {
        const all = await r.runs(ids);
        assert.equal(all.runs.length, 300);
      } finally {
        clearInterval(ticker);
      }
      assert.ok(turns > 0, 'timers ran while the records were read');
      const ac = new AbortController();
      setImmediate(() => ac.abort());
      await assert.rejects(r.runs(ids, { signal: ac.signal }), (e: Error) => e.name === 'AbortError');
      // One run's history can fit in one slice (no turn for a timer on a fast machine): abort before it is asked.
      const ac2 = new AbortController();
      ac2.abort();
      await assert.rejects(r.metricHistory(ids[0], undefined, { signal: ac2.signal }), (e: Error) => e.name === 'AbortError');
    });
  });

  describe('findMlflowStores and mlflowStoreAt', () => {
    function layout(): string {
      const root = path.join(tmp, 'ws');
      experiment(path.join(root, 'mlruns'), '0', 'Default');
      experiment(path.join(root, 'logs', 'mlruns'), '1', 'logs');
      experiment(path.join(root, 'a', 'b', 'mlruns'), '1', 'deep enough');
      experiment(path.join(root, 'a', 'b', 'c', 'mlruns'), '1', 'too deep');
      experiment(path.join(root, 'node_modules', 'pkg', 'mlruns'), '1', 'dependency');
      experiment(path.join(root, '.venv', 'lib', 'mlruns'), '1', 'venv');
      write(path.join(root, '.venv', 'pyvenv.cfg'), 'home = /usr\n');
      experiment(path.join(root, 'env', 'mlruns'), '1', 'a folder named env that is no virtualenv');
      experiment(path.join(root, '.mlops', 'mlruns'), '1', 'ours');
      write(path.join(root, 'mlflow.db'), 'SQLite format 3\0');
      write(path.join(root, 'port', 'mlruns', 'mlflow.db'), 'SQLite format 3\0');
      write(path.join(root, 'port', 'mlruns', '.gitkeep'), '');
      write(path.join(root, 'reg', 'mlruns', 'models', 'm', 'meta.yaml'), 'name: m\n');
      experiment(path.join(root, 'mlruns', '0', 'mlruns'), '5', 'inside a found store');
      fs.mkdirSync(path.join(root, 'empty', 'mlruns'), { recursive: true });
      // The project's own models/ (with a meta.yaml a tool wrote) does not make the project folder an MLflow store.
      write(path.join(root, 'models', 'churn', 'meta.yaml'), 'name: churn\n');
      write(path.join(root, 'models', 'model.pkl'), 'x');
      return root;
    }

    it('finds mlruns/ folders with experiments or a registry and mlflow.db files, skipping dependencies and virtualenvs', async () => {
      const root = layout();
      const found = await findMlflowStores(root);
      assert.deepEqual(found.map((f) => [f.kind, f.label]), [
        ['file', 'MLflow — a/b/c/mlruns'],
        ['file', 'MLflow — a/b/mlruns'],
        ['file', 'MLflow — env/mlruns'],
        ['file', 'MLflow — logs/mlruns'],
        ['sqlite', 'MLflow — mlflow.db'],
        ['file', 'MLflow — mlruns'],
        ['sqlite', 'MLflow — port/mlruns/mlflow.db'],
        ['file', 'MLflow — reg/mlruns'],
      ]);
      assert.equal(found[5].key, `mlflow:file:${path.join(root, 'mlruns')}`);
      assert.equal(found[5].path, path.join(root, 'mlruns'));
      assert.equal(found[5].root, root);
      // maxDepth counts the folder levels below the root searched: 0 is the root's own entries only.
      assert.deepEqual((await findMlflowStores(root, { maxDepth: 0 })).map((f) => f.label), ['MLflow — mlflow.db', 'MLflow — mlruns']);
      assert.deepEqual((await findMlflowStores(root, { maxDepth: 1 })).map((f) => f.label),
        ['MLflow — env/mlruns', 'MLflow — logs/mlruns', 'MLflow — mlflow.db', 'MLflow — mlruns', 'MLflow — port/mlruns/mlflow.db', 'MLflow — reg/mlruns']);
      assert.ok(!(await findMlflowStores(root, { maxDepth: 2 })).some((f) => f.label === 'MLflow — a/b/c/mlruns'));
      // An mlruns/ opened as the folder itself is the store.
      assert.deepEqual((await findMlflowStores(path.join(root, 'mlruns'))).map((f) => [f.kind, f.path]), [['file', path.join(root, 'mlruns')]]);
    });

    it('follows a symbolic link named mlruns (mlruns -> /data/mlruns), and no other link', async function () {
      if (process.platform === 'win32') { this.skip(); }
      const real = path.join(tmp, 'data', 'mlruns');
      experiment(real, '3', 'linked');
      const ws = path.join(tmp, 'linkws');
      fs.mkdirSync(path.join(ws, 'sub'), { recursive: true });
      fs.symlinkSync(real, path.join(ws, 'mlruns'));
      fs.symlinkSync(path.join(tmp, 'data'), path.join(ws, 'sub', 'other'));
      assert.deepEqual((await findMlflowStores(ws)).map((f) => [f.kind, f.label]), [['file', 'MLflow — mlruns']]);
    });

    it('finds the corpus stores, mlruns/mlflow.db with a .gitkeep included', async () => {
      const found = await findMlflowStores(MLFLOW_CORPUS);
      assert.equal(found.filter((f) => f.kind === 'file').length, 5);
      assert.ok(found.some((f) => f.label === 'MLflow — Nattawut30__MLOps-Port-Optimization-Python/mlruns/mlflow.db'));
    });

    it('mlflowStoreAt: an mlruns folder, a .db file, a folder holding exactly one store; a clear error otherwise', async () => {
      const root = layout();
      assert.equal((await mlflowStoreAt('logs/mlruns', root)).label, 'MLflow — logs/mlruns');
      assert.equal((await mlflowStoreAt('logs', root)).key, `mlflow:file:${path.join(root, 'logs', 'mlruns')}`);
      const db = await mlflowStoreAt(path.join(root, 'mlflow.db'), root);
      assert.deepEqual([db.kind, db.label], ['sqlite', 'MLflow — mlflow.db']);
      assert.equal((await mlflowStoreAt('port', root)).label, 'MLflow — port/mlruns/mlflow.db');
      await assert.rejects(mlflowStoreAt('empty', root), { message: 'empty: no MLflow store here (an mlruns/ folder with experiments, or an mlflow.db file)' });
      await assert.rejects(mlflowStoreAt('missing', root), { message: 'missing: no such file or folder' });
      await assert.rejects(mlflowStoreAt('.', root), /^Error: \.: 8 MLflow stores here \(a\/b\/c\/mlruns, a\/b\/mlruns, .*\); give one of them$/);
    });
  });

  describe('resolveArtifactUri', () => {
    const cr21 = path.join(MLFLOW_CORPUS, 'cr21__MLOps_ExperimentTracking_HyperParameterOptimizations', 'mlruns');
    const packt = path.join(MLFLOW_CORPUS, 'PacktPublishing__Practical-Deep-Learning-at-Scale-with-MLFlow', 'mlruns');
    const packtRun = '34e6c900bbec484aa32ca9a4827a0c85';

    it('finds the corpus artifacts recorded on another machine, keeping the recorded text', async () => {
      const uri = `file:///home/bwin/Practical-Deep-Learning-at-Scale-with-MLFlow/chapter02/mlruns/1/${packtRun}/artifacts`;
      assert.deepEqual(await resolveArtifactUri(uri, packt), { recorded: uri, local: path.join(packt, '1', packtRun, 'artifacts') });
      const model = `runs:/${packtRun}/model`;
      assert.deepEqual(await resolveArtifactUri(model, packt), { recorded: model, local: path.join(packt, '1', packtRun, 'artifacts', 'model') });
      // A macOS path with a double slash: the experiment's folder is here, its run's artifacts were not committed.
      const exp = 'file:///Users/chiragtagadiya/MyProjects/EMLO_V4_projects/MLOps_ExperimentTracking_HyperParameterOptimizations/logs//mlruns/459562201803247328';
      assert.deepEqual(await resolveArtifactUri(exp, cr21), { recorded: exp, local: path.join(cr21, '459562201803247328') });
      const gone = `${exp}/1f9f0ec610b142ab8eff3eb836994def/artifacts`;
      assert.deepEqual(await resolveArtifactUri(gone, cr21), { recorded: gone });
    });

    it('Windows file URIs, WSL paths, %20, mlflow-artifacts:/ and a SQLite store\'s artifact root', async () => {
      const ws = path.join(tmp, 'my proj');
      const mlruns = path.join(ws, 'mlruns');
      const art = path.join(mlruns, '3', RUN_A, 'artifacts', 'model');
      fs.mkdirSync(art, { recursive: true });
      const cases = [
        `file:///C:/Users/Ana%20Lima/my%20proj/mlruns/3/${RUN_A}/artifacts/model`,
        `C:\\Users\\Ana Lima\\my proj\\mlruns\\3\\${RUN_A}\\artifacts\\model`,
        `/mnt/c/Users/ana/my proj/mlruns/3/${RUN_A}/artifacts/model`,
        `file:///Users/ana//my%20proj//mlruns/3/${RUN_A}/artifacts/model`,
      ];
      for (const uri of cases) { assert.deepEqual(await resolveArtifactUri(uri, mlruns), { recorded: uri, local: art }, uri); }
      const served = path.join(ws, 'mlartifacts', '3', RUN_B, 'artifacts', 'model');
      fs.mkdirSync(served, { recursive: true });
      const srv = `mlflow-artifacts:/3/${RUN_B}/artifacts/model`;
      assert.deepEqual(await resolveArtifactUri(srv, mlruns), { recorded: srv, local: served });
      assert.deepEqual(await resolveArtifactUri(`mlflow-artifacts://localhost:5000/3/${RUN_B}/artifacts/model`, mlruns), { recorded: `mlflow-artifacts://localhost:5000/3/${RUN_B}/artifacts/model`, local: served });
      // SQLite: the Packt book's db recorded /Users/apmcm/…/Chapter07/register/artifacts/0/<run>/artifacts (another chapter).
      const db = path.join(ws, 'mlflow.db');
      fs.writeFileSync(db, '');
      const there = path.join(ws, 'artifacts', '0', RUN_C, 'artifacts', 'model');
      fs.mkdirSync(there, { recursive: true });
      const packtDb = `/Users/apmcm/dev/Machine-Learning-Engineering-with-Python-Second-Edition/Chapter07/register/artifacts/0/${RUN_C}/artifacts/model`;
      assert.deepEqual(await resolveArtifactUri(packtDb, db), { recorded: packtDb, local: there });
      assert.deepEqual(await resolveArtifactUri(`runs:/${RUN_A}/model`, db), { recorded: `runs:/${RUN_A}/model`, local: art });
    });

    it('remote and registry locations and files that are not here give no local path', async () => {
      const mlruns = path.join(tmp, 'mlruns');
      fs.mkdirSync(mlruns);
      for (const uri of ['s3://bucket/mlruns/1/x/artifacts', 'models:/churn/2', 'models:/m-0123', `runs:/${RUN_A}/model`, '/nowhere/mlruns/1/x', 'dbfs:/databricks/mlflow']) {
        assert.deepEqual(await resolveArtifactUri(uri, mlruns), { recorded: uri }, uri);
      }
      assert.deepEqual(artifactCandidates('s3://bucket/mlruns/1', mlruns), []);
      assert.deepEqual(artifactCandidates(`./mlruns/1/${RUN_A}/artifacts`, mlruns)[0], path.join(tmp, 'mlruns', '1', RUN_A, 'artifacts'));
    });
  });
});
