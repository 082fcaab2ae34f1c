// `mlops run …`: record a finished run (`log`), or follow one live from any language (`start`, `log-metric`,
// `log-param`, `end`), attached through MLOPS_RUN_ID / MLOPS_ROOT like the Python logger.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../core/store/fsutil';
import {
  RunCatalog, assertText, formatDuration, parseDataRef, parseMetric, parseParam, parseParamValue, simpleGitPort, noGitPort,
  type DataVersionRef, type GitInfo, type ParamValue, type Store,
} from '../core';
import { UsageError, list, parseStatus, required, str, type Command, type Ctx, type Values } from './context';
import { formatNumber, formatValue, printJson, shellQuote } from './output';
import { resolveRunRef } from './runRef';

/** `--duration SECONDS`: at most as long ago as 1970, so that the start stays a real date. */
export function parseDurationSeconds(d: string, now: number): number {
  const secs = Number(d);
  if (!/^\d+(\.\d+)?$/.test(d) || !Number.isFinite(secs)) { throw new UsageError(`bad --duration '${d}': expected seconds, e.g. 12.5`); }
  const ms = Math.round(secs * 1000);
  if (ms > now) { throw new UsageError(`bad --duration '${d}': at most ${Math.floor(now / 1000)} seconds (the run would have started before 1970)`); }
  return ms;
}

/** `__proto__` would be dropped without a word by the run file's reader, so it is refused up front. */
function checkParamName(key: string): string {
  assertText(key, 'param name');
  if (key === '__proto__') { throw new UsageError("param name '__proto__' cannot be stored; choose another name"); }
  return key;
}

/** Sets a key as an own property, whatever its name. */
function setOwn(obj: Record<string, ParamValue>, key: string, value: ParamValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function parseParams(values: Values): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const p of list(values, 'param')) { const [k, v] = parseParam(p); setOwn(params, checkParamName(k), v); }
  return params;
}

async function dataRefs(store: Store, values: Values): Promise<DataVersionRef[]> {
  const out: DataVersionRef[] = [];
  for (const ref of list(values, 'data')) {
    const { dataset, ref: versionRef } = parseDataRef(ref);
    const v = await store.resolveDataVersion(dataset, versionRef);
    out.push({ dataset, version: v.id, contentHash: v.contentHash });
  }
  return out;
}

const gitOf = (store: Store, values: Values): Promise<GitInfo | undefined> => (values['no-git'] ? noGitPort : simpleGitPort).state(store.root);
const gitText = (git: GitInfo | undefined): string => (git ? `, commit ${git.commit.slice(0, 8)}${git.dirty ? ' (dirty)' : ''}` : '');

/** The run a live command writes to: --run, else MLOPS_RUN_ID. */
async function attached(ctx: Ctx): Promise<{ store: Store; id: string }> {
  const ref = str(ctx.values, 'run') ?? (ctx.io.env?.MLOPS_RUN_ID || undefined);
  if (ref === undefined) {
    throw new UsageError("no run to write to: pass --run ID, or set MLOPS_RUN_ID (eval \"$(mlops run start --experiment E --env)\")");
  }
  const store = await ctx.store();
  return { store, id: await resolveRunRef(store, ref) };
}

const runOption = { run: { type: 'string', short: 'r' } } as const;

/**
 * `--environment FILE`: the libraries the run used (a `pip freeze` output, a lock file), read before anything is
 * written; its hash goes into meta.environment and a copy into the run folder as environment.txt, as Run Script does.
 */
function readEnvironment(io: Ctx['io'], values: Values): { text: string; meta: { hash: string; file: string } } | undefined {
  const file = str(values, 'environment');
  if (file === undefined) { return undefined; }
  const abs = path.resolve(io.cwd, file);
  let text: string;
  try {
    const st = fs.statSync(abs);
    if (!st.isFile()) { throw new UsageError(`--environment ${file}: not a file`); }
    if (st.size > 10 * 1024 * 1024) { throw new UsageError(`--environment ${file}: larger than 10 MB; give the package list (pip freeze > requirements.lock)`); }
    text = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) { throw e; }
    throw new UsageError(`--environment ${file}: ${(e as Error).message}`);
  }
  return { text, meta: { hash: createHash('sha256').update(text).digest('hex'), file: 'environment.txt' } };
}

async function saveEnvironment(store: Store, runId: string, env: ReturnType<typeof readEnvironment>): Promise<void> {
  if (!env) { return; }
  const file = path.join(store.runDir(runId), 'environment.txt');
  await store.guard.checkWrite(file);
  await writeFileAtomic(file, env.text);
}

export const RUN_COMMANDS: Record<string, Command> = {
  'run log': {
    options: {
      experiment: { type: 'string', short: 'e' }, name: { type: 'string', short: 'n' },
      param: { type: 'string', multiple: true, short: 'p' }, metric: { type: 'string', multiple: true, short: 'm' },
      tag: { type: 'string', multiple: true, short: 't' }, note: { type: 'string' }, data: { type: 'string', multiple: true },
      status: { type: 'string' }, duration: { type: 'string' }, 'no-git': { type: 'boolean' }, environment: { type: 'string' },
    },
    positionals: 0,
    async run({ io, values, json, store: open }) {
      const experiment = required(values, 'experiment', 'run log');
      const params = parseParams(values);
      const metrics = list(values, 'metric').map(parseMetric);
      const status = parseStatus(str(values, 'status')) ?? 'finished';
      const end = new Date();
      const d = str(values, 'duration');
      const durationMs = d !== undefined ? parseDurationSeconds(d, end.getTime()) : undefined;
      const env = readEnvironment(io, values);
      const store = await open();
      const dataVersions = await dataRefs(store, values);
      const git = await gitOf(store, values);
      const start = durationMs !== undefined ? new Date(end.getTime() - durationMs) : end;
      const run = await store.createRun({
        experiment, name: str(values, 'name'), params, tags: list(values, 'tag'), notes: str(values, 'note'),
        status, startTime: start, endTime: status === 'running' ? undefined : end, git, dataVersions,
        meta: { ...(durationMs !== undefined ? { durationMs } : {}), ...(env ? { environment: env.meta } : {}) }, source: { kind: 'cli' },
      });
      await saveEnvironment(store, run.id, env);
      if (metrics.length) { await store.logMetrics(run.id, metrics); }
      if (json) { printJson(io, run); } else {
        io.stdout(`Logged run ${run.id} (${run.name}) in experiment '${run.experiment}'`
          + `${metrics.length ? ` with ${metrics.length} metric point${metrics.length === 1 ? '' : 's'}` : ''}${gitText(git)}\n`);
      }
      return 0;
    },
  },

  'run start': {
    options: {
      experiment: { type: 'string', short: 'e' }, name: { type: 'string', short: 'n' },
      param: { type: 'string', multiple: true, short: 'p' }, tag: { type: 'string', multiple: true, short: 't' },
      note: { type: 'string' }, data: { type: 'string', multiple: true }, env: { type: 'boolean' }, 'no-git': { type: 'boolean' },
      environment: { type: 'string' },
    },
    positionals: 0,
    async run({ io, values, json, store: open }) {
      const experiment = required(values, 'experiment', 'run start');
      const params = parseParams(values);
      const env = readEnvironment(io, values);
      const store = await open();
      const dataVersions = await dataRefs(store, values);
      const git = await gitOf(store, values);
      const run = await store.createRun({
        experiment, name: str(values, 'name'), params, tags: list(values, 'tag'), notes: str(values, 'note'),
        status: 'running', git, dataVersions, source: { kind: 'cli' }, ...(env ? { meta: { environment: env.meta } } : {}),
      });
      await saveEnvironment(store, run.id, env);
      if (json) { printJson(io, run); } else if (values.env) {
        io.stdout(`export MLOPS_RUN_ID=${run.id}\nexport MLOPS_ROOT=${shellQuote(store.root)}\n`);
      } else {
        io.stdout(`${run.id}\n`);
      }
      return 0;
    },
  },

  'run log-metric': {
    options: { ...runOption, step: { type: 'string', short: 's' } }, positionals: 2,
    async run(ctx) {
      const [name, raw] = ctx.positionals;
      if (raw.includes('@')) { throw new UsageError(`bad metric value '${raw}': give the step with --step N`); }
      const point = parseMetric(`${name}=${raw}`);
      const stepText = str(ctx.values, 'step');
      if (stepText !== undefined) {
        const step = Number(stepText);
        if (!/^\d+$/.test(stepText) || !Number.isSafeInteger(step)) { throw new UsageError(`bad --step '${stepText}': expected a whole number ≥ 0`); }
        point.step = step;
      }
      const { store, id } = await attached(ctx);
      if (point.step === undefined) {
        // Like the Python logger: each metric continues from its own last step (the run catalog reads only what was
        // appended since the previous call, so a shell loop of N calls does not read N² lines).
        const catalog = RunCatalog.open(store);
        const last = catalog.summaries(id).get(name)?.lastStep ?? -1;
        catalog.save();
        point.step = last + 1;
      }
      await store.logMetrics(id, [point]);
      if (ctx.json) { printJson(ctx.io, { run: id, name, value: point.value, step: point.step }); } else {
        ctx.io.stdout(`Logged ${name} = ${formatNumber(point.value)} @ ${point.step} to run ${id}\n`);
      }
      return 0;
    },
  },

  'run log-param': {
    options: { ...runOption }, positionals: 2,
    async run(ctx) {
      const [key, raw] = ctx.positionals;
      checkParamName(key);
      const value = parseParamValue(raw);
      const { store, id } = await attached(ctx);
      const run = await store.updateRun(id, (r) => { setOwn(r.params, key, value); });
      if (ctx.json) { printJson(ctx.io, run); } else { ctx.io.stdout(`Set param ${key} = ${formatValue(value)} on run ${id}\n`); }
      return 0;
    },
  },

  'run end': {
    options: { ...runOption, status: { type: 'string' } }, positionals: 0,
    async run(ctx) {
      const status = parseStatus(str(ctx.values, 'status')) ?? 'finished';
      if (status === 'running') { throw new UsageError("a run cannot end as 'running': use finished, failed or killed"); }
      const { store, id } = await attached(ctx);
      const run = await store.endRun(id, status);
      if (ctx.json) { printJson(ctx.io, run); } else {
        ctx.io.stdout(`Run ${id} (${run.name}) ${run.status}${run.meta.durationMs !== undefined ? ` after ${formatDuration(run.meta.durationMs)}` : ''}\n`);
      }
      return 0;
    },
  },
};
