// The `mlops` commands over the shared core. Output goes through `io` so tests can run the CLI in-process too,
// but the suite runs the built bundle as a real process.
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  MlopsError, Store, formatBytes, formatDuration, isMlopsError, messageOf, parseDataRef, parseMetric, parseParam,
  simpleGitPort, noGitPort, summarizeMetrics, MODEL_STAGES, RUN_STATUSES,
  type DataVersionRef, type ModelStage, type ParamValue, type Run, type RunStatus, type StoreProblem,
} from '../core';
import { USAGE } from './help';
import { runLint } from './lintCommand';

export interface CliIo {
  cwd: string;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

class UsageError extends MlopsError {}

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | string[] | undefined>;

interface Command {
  options: Options;
  positionals: number;
  run: (ctx: Ctx) => Promise<number>;
}

interface Ctx {
  io: CliIo;
  values: Values;
  positionals: string[];
  json: boolean;
  /** Opens the store picked by --root or found from the current folder. */
  store: () => Promise<Store>;
}

const str = (v: Values, k: string): string | undefined => (typeof v[k] === 'string' ? v[k] : undefined);
const list = (v: Values, k: string): string[] => (Array.isArray(v[k]) ? v[k] : []);

function required(v: Values, k: string, cmd: string): string {
  const s = str(v, k);
  if (s === undefined || s === '') { throw new UsageError(`'mlops ${cmd}' needs --${k}`); }
  return s;
}

function printJson(io: CliIo, value: unknown): void {
  io.stdout(JSON.stringify(value, null, 2) + '\n');
}

/** Problems go to stderr, one line each; they make the exit code 1 although the readable entities are printed. */
function reportProblems(io: CliIo, problems: readonly StoreProblem[]): number {
  for (const p of problems) { io.stderr(`mlops: warning: ${p.file}: ${p.reason}\n`); }
  return problems.length ? 1 : 0;
}

function table(rows: string[][]): string {
  if (rows.length === 0) { return ''; }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

function fmtValue(v: ParamValue | number): string {
  if (typeof v === 'number') { return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))); }
  return v === null ? 'null' : String(v);
}

const localTime = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

function parseStatus(s: string | undefined): RunStatus | undefined {
  if (s === undefined) { return undefined; }
  if (!(RUN_STATUSES as readonly string[]).includes(s)) { throw new UsageError(`unknown status '${s}': use one of ${RUN_STATUSES.join(', ')}`); }
  return s as RunStatus;
}

const COMMANDS: Record<string, Command> = {
  'init': {
    options: {}, positionals: 0,
    async run({ io, values, json }) {
      const root = path.resolve(io.cwd, str(values, 'root') ?? '.');
      const { store, created } = await Store.init(root);
      if (json) { printJson(io, { root: store.root, store: store.dir, created }); } else {
        io.stdout(created ? `Initialized an MLOps store in ${store.dir}\n` : `An MLOps store already exists in ${store.dir}; nothing changed\n`);
      }
      return 0;
    },
  },

  'run log': {
    options: {
      experiment: { type: 'string', short: 'e' }, name: { type: 'string', short: 'n' },
      param: { type: 'string', multiple: true, short: 'p' }, metric: { type: 'string', multiple: true, short: 'm' },
      tag: { type: 'string', multiple: true, short: 't' }, note: { type: 'string' }, data: { type: 'string', multiple: true },
      status: { type: 'string' }, duration: { type: 'string' }, 'no-git': { type: 'boolean' },
    },
    positionals: 0,
    async run({ io, values, json, store: open }) {
      const experiment = required(values, 'experiment', 'run log');
      const params: Record<string, ParamValue> = {};
      for (const p of list(values, 'param')) { const [k, v] = parseParam(p); params[k] = v; }
      const metrics = list(values, 'metric').map(parseMetric);
      const status = parseStatus(str(values, 'status')) ?? 'finished';
      let durationMs: number | undefined;
      const d = str(values, 'duration');
      if (d !== undefined) {
        const secs = Number(d);
        if (!/^\d+(\.\d+)?$/.test(d) || !Number.isFinite(secs)) { throw new UsageError(`bad --duration '${d}': expected seconds, e.g. 12.5`); }
        durationMs = Math.round(secs * 1000);
      }
      const store = await open();
      const dataVersions: DataVersionRef[] = [];
      for (const ref of list(values, 'data')) {
        const { dataset, ref: versionRef } = parseDataRef(ref);
        const v = await store.resolveDataVersion(dataset, versionRef);
        dataVersions.push({ dataset, version: v.id, contentHash: v.contentHash });
      }
      const git = await (values['no-git'] ? noGitPort : simpleGitPort).state(store.root);
      const end = new Date();
      const start = durationMs !== undefined ? new Date(end.getTime() - durationMs) : end;
      const run = await store.createRun({
        experiment, name: str(values, 'name'), params, tags: list(values, 'tag'), notes: str(values, 'note'),
        status, startTime: start, endTime: status === 'running' ? undefined : end, git, dataVersions,
        meta: durationMs !== undefined ? { durationMs } : {}, source: { kind: 'cli' },
      });
      if (metrics.length) { await store.logMetrics(run.id, metrics); }
      if (json) { printJson(io, run); } else {
        io.stdout(`Logged run ${run.id} (${run.name}) in experiment '${run.experiment}'`
          + `${metrics.length ? ` with ${metrics.length} metric point${metrics.length === 1 ? '' : 's'}` : ''}`
          + `${git ? `, commit ${git.commit.slice(0, 8)}${git.dirty ? ' (dirty)' : ''}` : ''}\n`);
      }
      return 0;
    },
  },

  'runs list': {
    options: { experiment: { type: 'string', short: 'e' }, status: { type: 'string' } }, positionals: 0,
    async run({ io, values, json, store: open }) {
      const status = parseStatus(str(values, 'status'));
      const store = await open();
      const { items, problems } = await store.listRuns({ experiment: str(values, 'experiment') });
      const runs = status ? items.filter((r) => r.status === status) : items;
      if (json) { printJson(io, runs); } else if (runs.length === 0) {
        io.stdout(items.length ? 'No runs match.\n' : 'No runs yet. Log one with: mlops run log --experiment NAME --metric loss=0.5\n');
      } else {
        io.stdout(table([['ID', 'EXPERIMENT', 'NAME', 'STATUS', 'STARTED', 'COMMIT'],
          ...runs.map((r) => [r.id, r.experiment, r.name, r.status, localTime(r.startTime), r.git ? r.git.commit.slice(0, 8) + (r.git.dirty ? '+' : '') : ''])]));
      }
      return reportProblems(io, problems);
    },
  },

  'runs show': {
    options: {}, positionals: 1,
    async run({ io, positionals, json, store: open }) {
      const store = await open();
      const id = await store.resolveRunId(positionals[0]);
      const run = await store.readRun(id);
      const { points, problems } = await store.readMetrics(id);
      const metrics = Object.fromEntries([...summarizeMetrics(points)].map(([k, s]) => [k, { count: s.count, last: s.last, lastStep: s.lastStep, min: s.min, max: s.max }]));
      const versions = await store.listModelVersions();
      const models = versions.items.filter((v) => v.runId === id).map((v) => ({ model: v.model, version: v.version, stage: v.stage }));
      if (json) { printJson(io, { run, metrics, models }); } else { io.stdout(describeRun(run, metrics, models)); }
      return reportProblems(io, [...problems, ...versions.problems]);
    },
  },

  'experiments list': {
    options: {}, positionals: 0,
    async run({ io, json, store: open }) {
      const store = await open();
      const [exps, runs] = await Promise.all([store.listExperiments(), store.listRuns()]);
      const counts = new Map<string, number>();
      for (const r of runs.items) { counts.set(r.experiment, (counts.get(r.experiment) ?? 0) + 1); }
      const names = [...new Set([...exps.items.map((e) => e.name), ...counts.keys()])].sort((a, b) => a.localeCompare(b));
      const rows = names.map((name) => ({ name, runs: counts.get(name) ?? 0, description: exps.items.find((e) => e.name === name)?.description }));
      if (json) { printJson(io, rows); } else if (rows.length === 0) { io.stdout('No experiments yet.\n'); } else {
        io.stdout(table([['EXPERIMENT', 'RUNS'], ...rows.map((r) => [r.name, String(r.runs)])]));
      }
      return reportProblems(io, [...exps.problems, ...runs.problems]);
    },
  },

  'data tag': {
    options: { dataset: { type: 'string', short: 'd' }, tag: { type: 'string', multiple: true, short: 't' } }, positionals: 1,
    async run({ io, values, positionals, json, store: open }) {
      const dataset = required(values, 'dataset', 'data tag');
      const store = await open();
      const r = await store.tagData({ path: path.resolve(io.cwd, positionals[0]), dataset, tags: list(values, 'tag') });
      if (json) { printJson(io, { version: r.version, reused: r.reused, addedTags: r.addedTags }); } else {
        const v = r.version;
        const what = `${v.fileCount} file${v.fileCount === 1 ? '' : 's'}, ${formatBytes(v.sizeBytes)}, sha256 ${v.contentHash.slice(0, 12)}`;
        io.stdout(r.reused
          ? `Content unchanged: dataset '${dataset}' version ${v.id} already holds it (${what})${r.addedTags.length ? `; added tag${r.addedTags.length === 1 ? '' : 's'} ${r.addedTags.join(', ')}` : ''}\n`
          : `Tagged ${v.source} as dataset '${dataset}' version ${v.id} (${what})${v.tags.length ? ` [${v.tags.join(', ')}]` : ''}\n`);
      }
      return 0;
    },
  },

  'data list': {
    options: { dataset: { type: 'string', short: 'd' } }, positionals: 0,
    async run({ io, values, json, store: open }) {
      const store = await open();
      const ds = str(values, 'dataset');
      const { items, problems } = await store.listDataVersions(ds);
      const dsProblems = ds ? [] : (await store.listDatasets()).problems;
      if (json) { printJson(io, items); } else if (items.length === 0) {
        io.stdout('No data versions yet. Tag one with: mlops data tag PATH --dataset NAME\n');
      } else {
        io.stdout(table([['DATASET', 'VERSION', 'TAGS', 'FILES', 'SIZE', 'CREATED', 'SOURCE'],
          ...items.map((v) => [v.dataset, v.id, v.tags.join(',') || '-', String(v.fileCount), formatBytes(v.sizeBytes), localTime(v.createdAt), v.source])]));
      }
      return reportProblems(io, [...problems, ...dsProblems]);
    },
  },

  'model register': {
    options: { name: { type: 'string' }, run: { type: 'string', short: 'r' }, artifact: { type: 'string', short: 'a' } }, positionals: 0,
    async run({ io, values, json, store: open }) {
      const name = required(values, 'name', 'model register');
      const runRef = required(values, 'run', 'model register');
      const artifact = required(values, 'artifact', 'model register');
      const store = await open();
      const runId = await store.resolveRunId(runRef);
      const mv = await store.registerModel({ name, runId, artifactPath: path.resolve(io.cwd, artifact) });
      if (json) { printJson(io, mv); } else {
        io.stdout(`Registered model '${name}' version ${mv.version} from run ${runId} (${mv.artifact.path}, sha256 ${mv.artifact.sha256.slice(0, 12)})\n`);
      }
      return 0;
    },
  },

  'model promote': {
    options: { stage: { type: 'string', short: 's' }, 'keep-production': { type: 'boolean' } }, positionals: 2,
    async run({ io, values, positionals, json, store: open }) {
      const [name, versionArg] = positionals;
      const stage = required(values, 'stage', 'model promote');
      if (!(MODEL_STAGES as readonly string[]).includes(stage)) { throw new UsageError(`unknown stage '${stage}': use one of ${MODEL_STAGES.join(', ')}`); }
      const version = Number(versionArg.replace(/^v/i, ''));
      if (!Number.isInteger(version) || version < 1) { throw new UsageError(`bad model version '${versionArg}': expected a whole number such as 3`); }
      const store = await open();
      const r = await store.setModelStage(name, version, stage as ModelStage, { archiveExisting: !values['keep-production'] });
      if (json) { printJson(io, r); } else {
        io.stdout(`Model '${name}' version ${version} is now in ${stage}`
          + `${r.archived.length ? `; archived version${r.archived.length === 1 ? '' : 's'} ${r.archived.map((v) => v.version).join(', ')}` : ''}\n`);
      }
      return 0;
    },
  },

  'lint': {
    options: { format: { type: 'string', short: 'f' }, 'fail-on': { type: 'string' } }, positionals: -1,
    async run({ io, values, positionals }) {
      const rootOpt = str(values, 'root');
      return runLint({ paths: positionals, format: str(values, 'format') ?? (values.json ? 'json' : 'text'), failOn: str(values, 'fail-on') ?? 'warning',
        cwd: io.cwd, root: rootOpt !== undefined ? path.resolve(io.cwd, rootOpt) : undefined }, io);
    },
  },

  'model list': {
    options: { name: { type: 'string' } }, positionals: 0,
    async run({ io, values, json, store: open }) {
      const store = await open();
      const { items, problems } = await store.listModelVersions(str(values, 'name'));
      const mProblems = (await store.listModels()).problems;
      if (json) { printJson(io, items); } else if (items.length === 0) {
        io.stdout('No models yet. Register one with: mlops model register --name M --run ID --artifact PATH\n');
      } else {
        io.stdout(table([['MODEL', 'VERSION', 'STAGE', 'RUN', 'ARTIFACT', 'CREATED'],
          ...items.map((v) => [v.model, String(v.version), v.stage, v.runId, v.artifact.path, localTime(v.createdAt)])]));
      }
      return reportProblems(io, [...problems, ...mProblems]);
    },
  },
};

function describeRun(run: Run, metrics: Record<string, { count: number; last: number; lastStep: number; min: number; max: number }>, models: { model: string; version: number; stage: string }[]): string {
  const lines: string[] = [];
  lines.push(`Run ${run.id}  ${run.name}`);
  lines.push(`  experiment  ${run.experiment}`);
  lines.push(`  status      ${run.status}`);
  lines.push(`  started     ${localTime(run.startTime)}${run.endTime ? `   ended ${localTime(run.endTime)}` : ''}`);
  if (run.meta.durationMs !== undefined) { lines.push(`  duration    ${formatDuration(run.meta.durationMs)}`); }
  if (run.meta.peakMemoryBytes !== undefined) { lines.push(`  peak memory ${formatBytes(run.meta.peakMemoryBytes)}`); }
  if (run.meta.hardware?.cpu) { lines.push(`  hardware    ${run.meta.hardware.cpu}${run.meta.hardware.cores ? ` × ${run.meta.hardware.cores}` : ''}`); }
  if (run.meta.cost) { lines.push(`  cost        ${run.meta.cost.amount} ${run.meta.cost.currency}`); }
  lines.push(`  git         ${run.git ? `${run.git.commit}${run.git.dirty ? ' (dirty: uncommitted changes)' : ''}${run.git.branch ? ` on ${run.git.branch}` : ''}` : '(not recorded)'}`);
  if (run.tags.length) { lines.push(`  tags        ${run.tags.join(', ')}`); }
  if (run.notes) { lines.push(`  notes       ${run.notes}`); }
  const params = Object.entries(run.params);
  if (params.length) {
    lines.push('Params');
    for (const [k, v] of params) { lines.push(`  ${k} = ${fmtValue(v)}`); }
  }
  const ms = Object.entries(metrics);
  if (ms.length) {
    lines.push('Metrics (last @ step, min, max, points)');
    for (const [k, s] of ms) { lines.push(`  ${k} = ${fmtValue(s.last)} @ ${s.lastStep}   min ${fmtValue(s.min)}   max ${fmtValue(s.max)}   ${s.count}`); }
  }
  if (run.dataVersions.length) {
    lines.push('Data versions');
    for (const d of run.dataVersions) { lines.push(`  ${d.dataset} ${d.version}${d.contentHash ? ` (sha256 ${d.contentHash.slice(0, 12)})` : ''}`); }
  }
  if (models.length) {
    lines.push('Models registered from this run');
    for (const m of models) { lines.push(`  ${m.model} v${m.version} (${m.stage})`); }
  }
  return lines.join('\n') + '\n';
}

const GLOBAL_OPTIONS: Options = { root: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };

/** Runs one CLI invocation; returns the exit code. Never throws for user errors. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // The command is the first one or two words; only global options may come before it.
  const wordAt: number[] = [];
  for (let i = 0; i < argv.length && wordAt.length < 2; i++) {
    const a = argv[i];
    if (a === '--root') { i++; continue; }
    if (a.startsWith('-')) { if (wordAt.length) { break; } continue; }
    if (wordAt.length && wordAt[0] !== i - 1) { break; }
    wordAt.push(i);
  }
  const words = wordAt.map((i) => argv[i]);
  const two = words.join(' ');
  const key = words.length === 2 && COMMANDS[two] ? two : COMMANDS[words[0] ?? ''] ? words[0] : undefined;
  try {
    if (!key) {
      const known = [...new Set(Object.keys(COMMANDS).map((k) => k.split(' ')[0]))].join(', ');
      throw new UsageError(words.length ? `unknown command '${words.join(' ')}' (commands: ${Object.keys(COMMANDS).join(', ')})` : `no command given (commands: ${known})`);
    }
    // Parse everything but the command words strictly: an unknown option is an error, not ignored.
    const drop = new Set(wordAt.slice(0, key.split(' ').length));
    const rest = argv.filter((_, i) => !drop.has(i));
    const cmd = COMMANDS[key];
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...cmd.options }, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError(`${messageOf(e).replace(/\. To specify a positional argument.*$/s, '')}`);
    }
    const values = parsed.values as Values;
    if (values.help) { io.stdout(`Usage: ${USAGE[key]}\n`); return 0; }
    if (cmd.positionals >= 0 && parsed.positionals.length !== cmd.positionals) {
      throw new UsageError(cmd.positionals === 0
        ? `'mlops ${key}' takes no arguments besides options, got '${parsed.positionals.join(' ')}'`
        : `'mlops ${key}' needs ${cmd.positionals} argument${cmd.positionals === 1 ? '' : 's'}, got ${parsed.positionals.length}`);
    }
    const rootOpt = str(values, 'root');
    const store = async (): Promise<Store> => {
      if (rootOpt !== undefined) { return Store.open(path.resolve(io.cwd, rootOpt)); }
      const found = Store.findRoot(io.cwd);
      if (!found) { throw new MlopsError(`no MLOps store in ${io.cwd} or any folder above it; run 'mlops init' or pass --root DIR`, 'no-store'); }
      return Store.open(found);
    };
    return await cmd.run({ io, values, positionals: parsed.positionals, json: values.json === true, store });
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`mlops: ${e.message}${key ? ` (see 'mlops ${key} --help')` : " (see 'mlops --help')"}\n`);
      return 2;
    }
    if (isMlopsError(e)) { io.stderr(`mlops: ${e.message}\n`); return e.kind === 'invalid-input' ? 2 : 1; }
    const errno = (e as { code?: string }).code;
    if (errno && typeof errno === 'string') { io.stderr(`mlops: ${messageOf(e)}\n`); return 1; }
    throw e;
  }
}
