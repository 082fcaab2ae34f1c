// A generated MLflow file store (`mlruns/`) for the benchmarks: the issue's 10,000 runs in 20 experiments with
// 1,000 metric points across 5 keys, 20 params and 10 tags per run, written as MLflow 2.x writes it. Deterministic
// (same options → same bytes), so the SQLite and import benchmarks can build on the same store.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface MlflowGenOptions {
  runs?: number;
  experiments?: number;
  /** Metric points per run, spread over `keys` metric files. */
  pointsPerRun?: number;
  keys?: number;
  params?: number;
  /** Tags per run, system tags (mlflow.runName, mlflow.user, mlflow.source.*) included. */
  tags?: number;
  /** One run in this many is nested under the previous top-level run of its experiment (0: none). */
  nestEvery?: number;
}

export interface GeneratedMlflowStore {
  /** The `mlruns` folder. */
  path: string;
  experimentIds: string[];
  runIds: string[];
  /** Every run's meta.yaml, in generation order (what the benchmark's floor reads). */
  metaFiles: string[];
  options: Required<MlflowGenOptions>;
}

const DEFAULTS: Required<MlflowGenOptions> = { runs: 10000, experiments: 20, pointsPerRun: 1000, keys: 5, params: 20, tags: 10, nestEvery: 10 };
const METRIC_KEYS = ['train/loss', 'train/acc', 'val/loss', 'val/acc', 'lr', 'epoch', 'grad_norm', 'f1'];

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex32(r: () => number): string {
  let s = '';
  for (let i = 0; i < 4; i++) { s += Math.floor(r() * 0x100000000).toString(16).padStart(8, '0'); }
  return s;
}

/** Writes the store into `dir` (created; must not exist or be empty). Sync fs: this is a benchmark fixture. */
export function generateMlflowFileStore(dir: string, options: MlflowGenOptions = {}): GeneratedMlflowStore {
  const o: Required<MlflowGenOptions> = { ...DEFAULTS, ...options };
  const r = rng(16);
  fs.mkdirSync(dir, { recursive: true });
  const experimentIds: string[] = [];
  const runIds: string[] = [];
  const metaFiles: string[] = [];
  const t0 = 1_730_000_000_000;
  const uri = `file://${dir.split(path.sep).join('/')}`;
  for (let e = 0; e < o.experiments; e++) {
    // Experiment 0 is Default; the others get MLflow 2.x's 18-digit ids.
    const id = e === 0 ? '0' : String(100000000000000000n + BigInt(Math.floor(r() * 1e15)) * 100n + BigInt(e));
    experimentIds.push(id);
    const expDir = path.join(dir, id);
    fs.mkdirSync(expDir);
    fs.writeFileSync(path.join(expDir, 'meta.yaml'),
      `artifact_location: ${uri}/${id}\ncreation_time: ${t0 + e}\nexperiment_id: '${id}'\nlast_update_time: ${t0 + e}\nlifecycle_stage: active\nname: ${e === 0 ? 'Default' : `experiment-${e}`}\n`);
  }
  const keys = METRIC_KEYS.slice(0, Math.min(o.keys, METRIC_KEYS.length));
  const perKey = Math.max(1, Math.floor(o.pointsPerRun / Math.max(1, keys.length)));
  const lastTop = new Map<string, string>();
  for (let i = 0; i < o.runs; i++) {
    const expId = experimentIds[i % experimentIds.length];
    const runId = hex32(r);
    runIds.push(runId);
    const runDir = path.join(dir, expId, runId);
    fs.mkdirSync(path.join(runDir, 'metrics', 'train'), { recursive: true });
    fs.mkdirSync(path.join(runDir, 'metrics', 'val'), { recursive: true });
    fs.mkdirSync(path.join(runDir, 'params'));
    fs.mkdirSync(path.join(runDir, 'tags'));
    fs.mkdirSync(path.join(runDir, 'artifacts'));
    const start = t0 + i * 60_000;
    const status = i % 50 === 0 ? 4 : i % 97 === 0 ? 1 : 3;
    const name = `run-${i}`;
    const metaFile = path.join(runDir, 'meta.yaml');
    metaFiles.push(metaFile);
    fs.writeFileSync(metaFile,
      `artifact_uri: ${uri}/${expId}/${runId}/artifacts\nend_time: ${status === 1 ? 'null' : start + 55_000}\nentry_point_name: ''\nexperiment_id: '${expId}'\n` +
      `lifecycle_stage: ${i % 200 === 0 ? 'deleted' : 'active'}\nrun_id: ${runId}\nrun_name: ${name}\nrun_uuid: ${runId}\nsource_name: ''\nsource_type: 4\nsource_version: ''\n` +
      `start_time: ${start}\nstatus: ${status}\ntags: []\nuser_id: bench\n`);
    const tags: Record<string, string> = {
      'mlflow.runName': name, 'mlflow.user': 'bench', 'mlflow.source.name': 'train.py', 'mlflow.source.type': 'LOCAL',
      'mlflow.source.git.commit': crypto.createHash('sha1').update(String(i % 37)).digest('hex'),
    };
    const nested = o.nestEvery > 0 && i % o.nestEvery === o.nestEvery - 1 && lastTop.has(expId);
    if (nested) { tags['mlflow.parentRunId'] = lastTop.get(expId) ?? ''; } else { lastTop.set(expId, runId); }
    for (let t = 0; Object.keys(tags).length < o.tags; t++) { tags[`team.tag${t}`] = `value-${(i + t) % 13}`; }
    for (const [k, v] of Object.entries(tags)) { fs.writeFileSync(path.join(runDir, 'tags', k), v); }
    for (let p = 0; p < o.params; p++) { fs.writeFileSync(path.join(runDir, 'params', `param_${p}`), p === 0 ? '1e-3' : String((i * 7 + p) % 101)); }
    for (const [k, key] of keys.entries()) {
      const lines: string[] = [];
      let v = 1 + r();
      for (let s = 0; s < perKey; s++) {
        v = key.endsWith('acc') ? Math.min(1, s / perKey + r() * 0.01) : v * (0.99 + r() * 0.005);
        lines.push(`${start + s * 100 + k} ${v} ${s}`);
      }
      fs.writeFileSync(path.join(runDir, 'metrics', ...key.split('/')), lines.join('\n') + '\n');
    }
  }
  return { path: dir, experimentIds, runIds, metaFiles, options: o };
}

/**
 * The generated store for these options, built once and reused across benchmark runs: it lives in os.tmpdir()
 * under a name derived from the options, with a marker file written next to `mlruns/` (never inside it) when
 * generation finished.
 */
export function cachedMlflowFileStore(options: MlflowGenOptions = {}): GeneratedMlflowStore {
  const o: Required<MlflowGenOptions> = { ...DEFAULTS, ...options };
  const tag = crypto.createHash('sha1').update(JSON.stringify(o)).digest('hex').slice(0, 10);
  const base = path.join(os.tmpdir(), `mlops-bench-mlflow-${tag}`);
  const marker = path.join(base, 'generated.json');
  const dir = path.join(base, 'mlruns');
  if (fs.existsSync(marker)) {
    try {
      const cached = JSON.parse(fs.readFileSync(marker, 'utf8')) as GeneratedMlflowStore;
      if (cached.path === dir && cached.runIds.length === o.runs) { return cached; }
    } catch { /* regenerate below */ }
  }
  fs.rmSync(base, { recursive: true, force: true });
  const g = generateMlflowFileStore(dir, o);
  fs.writeFileSync(marker, JSON.stringify(g));
  return g;
}
