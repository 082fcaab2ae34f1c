/**
 * Running a plan. A pipeline run (tag `pipeline`) is the parent of one tracked run per step that runs; each step run
 * records what Run Script records (git, Python and its package list, hardware, duration, peak memory of its process
 * tree, exit code) and its output in `output.log`. The step's own `mlops_log` calls attach to it (MLOPS_RUN_ID,
 * MLOPS_ROOT, MLOPS_PARAMS; mlops_log on PYTHONPATH).
 *
 * Steps run one after another, spawned without a shell in their own process group. A failing step stops the
 * pipeline (an optional one is reported and the pipeline goes on); aborting kills the running step's whole process
 * tree (SIGTERM, SIGKILL after 5 s; `taskkill /T /F` on Windows) and ends everything `killed`. Outputs: `{path, dataset}` is tagged as soon as
 * its step succeeds (the data version records the step run that wrote it); `{path, model}` is registered only when
 * the whole pipeline has finished — nothing for a failed or killed one — and moved to `staging` through the gate
 * when asked (never production).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { MlopsError, messageOf } from '../errors';
import type { Store } from '../store/store';
import { writeFileAtomic } from '../store/fsutil';
import type { DataVersionRef, PipelineRunInfo, Run } from '../store/schemas';
import { simpleGitPort, type GitInspection } from '../git/git';
import { describeHardware, describePython, type PythonEnvironment } from '../run/environment';
import { PeakMemorySampler } from '../run/processTree';
import { promoteModel } from '../gate/promote';
import { gitUser } from '../gate/atCommit';
import { HashCache } from './hashes';
import { StepIndex } from './stepIndex';
import { OutputLocks } from './locks';
import { fingerprintStep, isPythonWord, planState, upToDateRun } from './plan';
import type { PipelineStep } from './schema';
import type { ExecuteOptions, PipelineEvent, PipelinePlan, PipelineResult, PlannedStep } from './types';

/** The last this many bytes of a step's output are kept in its run folder as output.log. */
export const OUTPUT_LOG_BYTES = 1024 * 1024;
/** After SIGTERM, a step's process tree has this long to end before SIGKILL. */
export const KILL_GRACE_MS = 5000;

type StepEntry = NonNullable<PipelineRunInfo['steps']>[number];

const normPath = (p: string): string => path.posix.normalize(p.replace(/\\/g, '/'));
const within = (p: string, base: string): boolean => p === base || p.startsWith(base.endsWith('/') ? base : `${base}/`);

/** `2h`, `30m`, `1.5d`, `45s` → milliseconds. */
export function parseTimeout(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(text.trim());
  if (!m) { throw new MlopsError(`bad timeout '${text}': write a number and s, m, h or d, e.g. "2h"`); }
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

function stamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * Kills a process group (the step and everything it started), SIGKILL after the grace period. On Windows there are
 * no process groups to signal: `taskkill /T /F` ends the step's whole tree at once.
 */
function killTree(child: ChildProcess, graceMs = KILL_GRACE_MS): () => void {
  if (process.platform === 'win32') {
    if (child.pid !== undefined) {
      const tk = spawn('taskkill', ['/pid', String(child.pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
      tk.on('error', () => { try { child.kill(); } catch { /* gone */ } });
    }
    return () => undefined;
  }
  const send = (sig: NodeJS.Signals): void => {
    if (child.pid === undefined) { return; }
    try { process.kill(-child.pid, sig); } catch { /* the group is already gone */ }
  };
  send('SIGTERM');
  const timer = setTimeout(() => send('SIGKILL'), graceMs);
  timer.unref();
  return () => clearTimeout(timer);
}

/**
 * Process groups of steps running in this process. When the process exits (a signal it does not handle, an
 * uncaught error, process.exit) they are killed synchronously: a step in its own group would otherwise outlive the
 * runner and keep writing.
 */
const liveSteps = new Set<number>();
let exitHookInstalled = false;
function trackStep(pid: number): void {
  liveSteps.add(pid);
  if (exitHookInstalled) { return; }
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const p of liveSteps) {
      try {
        if (process.platform === 'win32') { spawnSync('taskkill', ['/pid', String(p), '/T', '/F'], { stdio: 'ignore', windowsHide: true }); } else { process.kill(-p, 'SIGKILL'); }
      } catch { /* already gone */ }
    }
  });
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/**
 * Marks abandoned runs of a pipeline `killed`: a pipeline run still `running` whose runner (`pipeline.runner`, pid
 * and host) is a dead process on this host — the terminal was closed, the machine lost power — and its step runs
 * still `running`. Runs of another host cannot be checked and are left alone. Returns the ids it marked.
 */
export async function markAbandonedRuns(store: Store, pipelineName: string): Promise<string[]> {
  const index = await StepIndex.load(store);
  const host = os.hostname();
  const marked: string[] = [];
  const candidates: Run[] = [];
  for (const id of index.pendingRuns()) {
    const r = await store.readRunParsed(id);
    if (r.ok && r.value.status === 'running') { candidates.push(r.value); }
  }
  const now = new Date().toISOString();
  const note = 'the process running the pipeline ended without finishing it (marked killed by a later run)';
  for (const run of candidates) {
    const runner = (run.pipeline as { runner?: { pid?: unknown; host?: unknown } } | undefined)?.runner;
    if (run.pipeline?.name !== pipelineName || run.pipeline.step !== undefined || !runner || typeof runner.pid !== 'number' || runner.host !== host || pidAlive(runner.pid)) { continue; }
    const steps = candidates.filter((s) => s.parentRunId === run.id);
    for (const s of steps) {
      await store.updateRun(s.id, (r) => { if (r.status === 'running') { r.status = 'killed'; r.endTime = now; r.notes = note; } });
      marked.push(s.id);
    }
    await store.updateRun(run.id, (r) => {
      if (r.status !== 'running') { return; }
      r.status = 'killed';
      r.endTime = now;
      r.notes = note;
      const running = new Set(steps.map((s) => s.id));
      if (r.pipeline?.steps) { r.pipeline = { ...r.pipeline, steps: r.pipeline.steps.map((e) => (e.runId && running.has(e.runId) ? { ...e, state: 'killed' as const } : e)) }; }
    });
    marked.push(run.id);
  }
  return marked;
}

/** A bounded tail of a stream of text. */
class Tail {
  private chunks: string[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  push(s: string): void {
    this.chunks.push(s);
    this.size += s.length;
    while (this.size > this.max && this.chunks.length > 1) { this.size -= this.chunks.shift()!.length; }
    if (this.size > this.max) { this.chunks[0] = this.chunks[0].slice(this.size - this.max); this.size = this.max; }
  }
  text(): string { return this.chunks.join(''); }
}

interface StepOutcome {
  state: 'ran' | 'failed' | 'killed';
  exitCode?: number;
  durationMs: number;
  peakMemoryBytes?: number;
  message?: string;
}

/** The paths a step reads that earlier steps write (its `step` inputs, and `file` inputs inside an earlier output). */
function readPaths(pipeline: PipelinePlan['pipeline'], step: PipelineStep): string[] {
  const out: string[] = [];
  for (const input of step.inputs ?? []) {
    if ('step' in input) {
      const producer = pipeline.steps.find((s) => s.id === input.step);
      for (const o of producer?.outputs ?? []) { if (input.output === undefined || normPath(o.path) === normPath(input.output)) { out.push(normPath(o.path)); } }
    } else if ('file' in input) {
      out.push(normPath(input.file));
    }
  }
  return out;
}

export async function executePipeline(store: Store, plan: PipelinePlan, opts: ExecuteOptions = {}): Promise<PipelineResult> {
  const pipeline = plan.pipeline;
  const emit = (e: PipelineEvent): void => { try { opts.onEvent?.(e); } catch { /* a listener's failure is not the pipeline's */ } };
  const state = planState(plan) ?? { hashes: HashCache.open(store.dir), index: await StepIndex.load(store), force: false };
  const outputsToLock = plan.steps.filter((s) => s.action === 'run').flatMap((s) => (s.step.outputs ?? []).map((o) => normPath(o.path)));
  // Before anything is created: a live pipeline writing the same outputs refuses this one.
  const locks = OutputLocks.acquire(store.dir, pipeline.name, outputsToLock);
  try {
    // Runs of this pipeline left `running` by a runner that is gone would stay running forever.
    await markAbandonedRuns(store, pipeline.name).catch(() => undefined);
    return await run(store, plan, opts, state, emit);
  } finally {
    locks.release();
    state.hashes.save();
    state.index.save();
  }
}

async function run(store: Store, plan: PipelinePlan, opts: ExecuteOptions, state: { hashes: HashCache; index: StepIndex; force: boolean }, emit: (e: PipelineEvent) => void): Promise<PipelineResult> {
  const pipeline = plan.pipeline;
  const experiment = pipeline.doc.experiment ?? pipeline.name;
  const via = opts.via ?? 'cli';
  const python = opts.python ?? (process.platform === 'win32' ? 'python' : 'python3');
  const baseEnv = opts.env ?? process.env;
  const started = new Date();
  const entries: StepEntry[] = plan.steps.map((s) => ({ id: s.step.id, state: s.action === 'upToDate' ? 'upToDate' : s.action === 'skip' ? 'skipped' : 'notRun', ...(s.upToDateRun ? { runId: s.upToDateRun } : {}), reason: s.reason }));
  const firstGit = await simpleGitPort.inspect(store.root);
  const parent = await store.createRun({
    experiment,
    name: `${pipeline.name}-${stamp(started)}`,
    startTime: started,
    tags: ['pipeline'],
    params: {},
    ...(firstGit.info ? { git: firstGit.info } : {}),
    source: { kind: 'pipeline', via, command: ['mlops', 'pipeline', 'run', pipeline.name] },
    pipeline: { name: pipeline.name, ...(opts.trigger ? { trigger: opts.trigger } : {}), steps: entries, runner: { pid: process.pid, host: os.hostname() } },
  });
  emit({ kind: 'pipelineStarted', runId: parent.id, plan });
  const result: PipelineResult = { runId: parent.id, status: 'finished', steps: [], models: [], dataVersions: [], message: '' };
  const notes: string[] = [];
  const hardware = describeHardware();
  let pythonEnv: Promise<PythonEnvironment> | undefined;
  /** Output path → the data version a step of this run tagged there (or an up-to-date step's run tagged). */
  const tagged = new Map<string, DataVersionRef>();
  /** Dataset → the version a step that ran in this pipeline run tagged (`data` inputs on it read that one). */
  const taggedNow = new Map<string, { id: string; contentHash: string }>();
  const stepRuns = new Map<string, string>();
  const ranSteps: { planned: PlannedStep; runId: string }[] = [];
  let stopped: 'failed' | 'killed' | undefined;
  let stopReason = '';

  const saveEntries = async (): Promise<void> => {
    await store.updateRun(parent.id, (r) => { r.pipeline = { ...(r.pipeline ?? { name: pipeline.name }), steps: entries }; });
  };

  try {
    for (const [i, planned] of plan.steps.entries()) {
      const step = planned.step;
      const entry = entries[i];
      if (planned.action === 'skip') { emit({ kind: 'stepSkipped', stepId: step.id, state: 'skipped', reason: planned.reason }); continue; }
      if (stopped) {
        entry.state = 'notRun';
        entry.reason = stopped === 'killed' ? 'the pipeline was stopped' : stopReason;
        delete entry.runId;
        emit({ kind: 'stepSkipped', stepId: step.id, state: 'notRun', reason: entry.reason });
        continue;
      }
      if (opts.signal?.aborted) {
        stopped = 'killed';
        entry.state = 'notRun';
        entry.reason = 'the pipeline was stopped';
        emit({ kind: 'stepSkipped', stepId: step.id, state: 'notRun', reason: entry.reason });
        continue;
      }
      let fingerprint = planned.fingerprint;
      let upToDate = planned.action === 'upToDate' ? planned.upToDateRun : undefined;
      let dataInputs = planned.dataInputs;
      if (planned.action === 'run' && fingerprint === undefined) {
        // It read what an earlier step of this run wrote: judged now that those outputs exist (as dvc does).
        try {
          const fp = await fingerprintStep(store, pipeline, step, planned.params, planned.command, { hashes: state.hashes, willRun: new Set(), signal: opts.signal, taggedNow });
          fingerprint = fp.fingerprint;
          dataInputs = fp.dataInputs;
          if (!state.force && fingerprint) {
            const r = await upToDateRun(store, pipeline, step, fingerprint, { ...state, signal: opts.signal });
            if (r.runId) { upToDate = r.runId; entry.reason = r.why; }
          }
        } catch (e) {
          stopped = 'failed';
          stopReason = `step '${step.id}' could not start: ${messageOf(e)}`;
          entry.state = 'failed';
          entry.reason = messageOf(e);
          notes.push(stopReason);
          emit({ kind: 'stepSkipped', stepId: step.id, state: 'notRun', reason: entry.reason });
          continue;
        }
      }
      if (upToDate) {
        entry.state = 'upToDate';
        entry.runId = upToDate;
        stepRuns.set(step.id, upToDate);
        // Its data versions still stand for its outputs: later steps' lineage reads through them.
        const prior = await store.readRunParsed(upToDate);
        if (prior.ok) {
          for (const o of step.outputs ?? []) {
            if (!('dataset' in o)) { continue; }
            const ref = prior.value.outputs?.dataVersions?.find((d) => d.dataset === o.dataset);
            if (ref) { tagged.set(normPath(o.path), ref); }
          }
        }
        emit({ kind: 'stepSkipped', stepId: step.id, state: 'upToDate', reason: entry.reason ?? planned.reason });
        await saveEntries();
        continue;
      }

      // ---- run the step
      const reads = readPaths(pipeline, step);
      const upstream: DataVersionRef[] = [];
      for (const [p, ref] of tagged) { if (reads.some((r) => within(r, p) || within(p, r))) { upstream.push(ref); } }
      const dataVersions: DataVersionRef[] = [];
      for (const ref of [...dataInputs.map((d) => ({ dataset: d.dataset, version: d.version, contentHash: d.contentHash })), ...upstream]) {
        if (!dataVersions.some((d) => d.dataset === ref.dataset && d.version === ref.version)) { dataVersions.push(ref); }
      }
      const argv = [...planned.command];
      const usesPython = typeof step.run !== 'string' || isPythonWord(argv[0]);
      if (usesPython) { argv[0] = python; pythonEnv ??= describePython(python); }
      const [git, hw, env] = await Promise.all([i === 0 ? Promise.resolve<GitInspection>(firstGit) : simpleGitPort.inspect(store.root), hardware, usesPython ? pythonEnv! : Promise.resolve<PythonEnvironment | undefined>(undefined)]);
      const stepRun = await store.createRun({
        experiment,
        name: `${pipeline.name}.${step.id}`,
        params: planned.params,
        tags: ['pipeline-step'],
        ...(git.info ? { git: git.info } : {}),
        dataVersions,
        meta: { hardware: hw.hardware, ...(env?.python ? { python: env.python } : {}), ...(env?.freezeHash ? { environment: { hash: env.freezeHash, file: 'environment.txt' } } : {}) },
        source: { kind: 'pipeline', via, ...(typeof step.run !== 'string' ? { script: step.run.script } : {}), command: argv },
        parentRunId: parent.id,
        pipeline: { name: pipeline.name, step: step.id, ...(fingerprint ? { fingerprint } : {}) },
      });
      if (env?.freeze) { await writeFileAtomic(path.join(store.runDir(stepRun.id), 'environment.txt'), env.freeze); }
      entry.state = 'ran';
      entry.runId = stepRun.id;
      delete entry.reason;
      stepRuns.set(step.id, stepRun.id);
      await saveEntries();
      emit({ kind: 'stepStarted', stepId: step.id, runId: stepRun.id, command: argv });

      const outcome = await spawnStep(store, step, argv, {
        env: {
          ...baseEnv, MLOPS_RUN_ID: stepRun.id, MLOPS_ROOT: store.root, MLOPS_PARAMS: JSON.stringify(planned.params), PYTHONUNBUFFERED: '1',
          PYTHONPATH: [opts.pythonLibDir, baseEnv.PYTHONPATH].filter(Boolean).join(path.delimiter),
        },
        signal: opts.signal,
        onOutput: (stream, text) => emit({ kind: 'output', stepId: step.id, stream, text }),
        logFile: path.join(store.runDir(stepRun.id), 'output.log'),
      });

      // Outputs: all there (a step that exits 0 without writing them failed), hashed, dataset outputs tagged.
      const outputHashes: Record<string, string> = {};
      const newVersions: DataVersionRef[] = [];
      if (outcome.state === 'ran') {
        try {
          for (const o of step.outputs ?? []) {
            const rel = normPath(o.path);
            const h = await state.hashes.hash(path.resolve(store.root, rel), opts.signal);
            if (h.contentHash === undefined) { throw new MlopsError(`step '${step.id}' exited 0 but did not write its output ${rel}`); }
            outputHashes[rel] = h.contentHash;
          }
          for (const o of step.outputs ?? []) {
            if (!('dataset' in o)) { continue; }
            if (opts.signal?.aborted) { throw new MlopsError('stopped', 'cancelled'); }
            const t = await store.tagData({ path: path.resolve(store.root, o.path), dataset: o.dataset, tags: o.tags, signal: opts.signal });
            let v = t.version;
            if (!v.run) { v = await store.updateDataVersion(o.dataset, v.id, (d) => { d.run ??= stepRun.id; }); }
            const ref: DataVersionRef = { dataset: v.dataset, version: v.id, contentHash: v.contentHash };
            newVersions.push(ref);
            tagged.set(normPath(o.path), ref);
            taggedNow.set(v.dataset, { id: v.id, contentHash: v.contentHash });
            result.dataVersions.push({ dataset: v.dataset, version: v.id, reused: t.reused });
            emit({ kind: 'registered', stepId: step.id, what: `${v.dataset} version ${v.id}${t.reused ? ' (same content as before)' : ''}` });
          }
        } catch (e) {
          outcome.state = opts.signal?.aborted ? 'killed' : 'failed';
          outcome.message = messageOf(e);
        }
      }
      const ended = await store.updateRun(stepRun.id, (r) => {
        r.status = outcome.state === 'ran' ? 'finished' : outcome.state;
        r.endTime = new Date().toISOString();
        r.meta = { ...r.meta, durationMs: outcome.durationMs, ...(outcome.peakMemoryBytes !== undefined ? { peakMemoryBytes: outcome.peakMemoryBytes } : {}), ...(outcome.exitCode !== undefined ? { exitCode: outcome.exitCode } : {}) };
        if (newVersions.length) { r.outputs = { ...(r.outputs ?? {}), dataVersions: newVersions }; }
        if (outcome.state === 'ran') { r.pipeline = { ...(r.pipeline ?? { name: pipeline.name }), outputHashes }; }
        if (outcome.message) { r.notes = outcome.message; }
      });
      state.index.record(ended);
      entry.state = outcome.state;
      if (outcome.message) { entry.reason = outcome.message; }
      emit({ kind: 'stepEnded', stepId: step.id, runId: stepRun.id, state: outcome.state, ...(outcome.exitCode !== undefined ? { exitCode: outcome.exitCode } : {}), durationMs: outcome.durationMs });
      if (outcome.state === 'ran') {
        ranSteps.push({ planned, runId: stepRun.id });
      } else if (outcome.state === 'killed') {
        stopped = 'killed';
      } else if (step.optional) {
        notes.push(`optional step '${step.id}' failed${outcome.message ? `: ${outcome.message}` : ''}; the pipeline went on`);
      } else {
        stopped = 'failed';
        stopReason = `step '${step.id}' failed`;
        notes.push(`step '${step.id}' failed${outcome.message ? `: ${outcome.message}` : outcome.exitCode !== undefined ? ` (exit code ${outcome.exitCode})` : ''}`);
      }
      await saveEntries();
    }

    // ---- models: only when the whole pipeline finished, and not when it was stopped meanwhile
    if (!stopped && opts.signal?.aborted) { stopped = 'killed'; }
    if (!stopped) {
      const by = (opts.stage ?? 'none') === 'staging' ? await gitUser(store.root) : undefined;
      for (const { planned, runId } of ranSteps) {
        const models: { model: string; version: number }[] = [];
        try {
          for (const o of planned.step.outputs ?? []) {
            if (!('model' in o)) { continue; }
            const mv = await store.registerModel({ name: o.model, runId, artifactPath: path.resolve(store.root, o.path), ...(o.flavor ? { flavor: o.flavor } : {}) });
            // Recorded as soon as it exists, so a failure further on reports exactly what was registered.
            models.push({ model: mv.model, version: mv.version });
            const entry = { model: mv.model, version: mv.version, stage: mv.stage as string };
            result.models.push(entry);
            if (opts.stage === 'staging' && by) {
              const promoted = await promoteModel(store, mv.model, mv.version, { stage: 'staging', by });
              if (promoted.promoted) { entry.stage = 'staging'; } else {
                notes.push(`${mv.model} v${mv.version} stays at stage none: the gate refused staging (${promoted.gate.checks.filter((c) => c.status === 'fail').map((c) => c.id).join(', ') || 'see mlops gate'})`);
              }
            }
            emit({ kind: 'registered', stepId: planned.step.id, what: `${mv.model} v${mv.version} (${entry.stage})` });
          }
        } finally {
          if (models.length) { await store.updateRun(runId, (r) => { r.outputs = { ...(r.outputs ?? {}), models }; }); }
        }
      }
    }
  } catch (e) {
    // Not a step failing (that is a result): the store or the machine failed. The pipeline run says so.
    stopped = opts.signal?.aborted ? 'killed' : 'failed';
    notes.push(`the pipeline stopped: ${messageOf(e)}`);
  }

  result.status = stopped ?? 'finished';
  result.steps = entries.map((e) => ({ id: e.id, state: e.state, ...(e.runId ? { runId: e.runId } : {}), ...(e.reason ? { reason: e.reason } : {}) }));
  const ran = entries.filter((e) => e.state === 'ran').length;
  const fresh = entries.filter((e) => e.state === 'upToDate').length;
  // "No model was registered" only where one could have been; after a failure while registering, exactly what was.
  const declaresModels = plan.steps.some((s) => s.action !== 'skip' && (s.step.outputs ?? []).some((o) => 'model' in o));
  const modelNote = result.models.length
    ? `; registered before it ${result.status === 'killed' ? 'was stopped' : 'failed'}: ${result.models.map((m) => `${m.model} v${m.version} (${m.stage})`).join(', ')}`
    : declaresModels ? '; no model was registered' : '';
  const head = result.status === 'finished'
    ? `pipeline '${pipeline.name}' finished: ${ran} step${ran === 1 ? '' : 's'} ran, ${fresh} up to date`
    : result.status === 'killed' ? `pipeline '${pipeline.name}' was stopped${modelNote}` : `pipeline '${pipeline.name}' failed${modelNote}`;
  result.message = [head, ...notes].join('; ');
  const end = new Date();
  await store.updateRun(parent.id, (r) => {
    r.status = result.status;
    r.endTime = end.toISOString();
    r.meta = { ...r.meta, durationMs: Math.max(0, end.getTime() - started.getTime()) };
    r.pipeline = { ...(r.pipeline ?? { name: pipeline.name }), steps: entries };
    if (notes.length) { r.notes = notes.join('\n'); }
  }).catch(() => undefined);
  emit({ kind: 'pipelineEnded', runId: parent.id, status: result.status, message: result.message });
  return result;
}

async function spawnStep(
  store: Store, step: PipelineStep, argv: string[],
  o: { env: NodeJS.ProcessEnv; signal?: AbortSignal; onOutput: (stream: 'stdout' | 'stderr', text: string) => void; logFile: string },
): Promise<StepOutcome> {
  const t0 = Date.now();
  const tail = new Tail(OUTPUT_LOG_BYTES);
  const timeoutMs = step.timeout ? parseTimeout(step.timeout) : undefined;
  const outcome = await new Promise<StepOutcome>((settle) => {
    let done = false;
    const resolve = (r: StepOutcome): void => { if (!done) { done = true; settle(r); } };
    let child: ChildProcess;
    try {
      child = spawn(argv[0], argv.slice(1), { cwd: store.root, env: o.env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32', windowsHide: true });
    } catch (e) {
      resolve({ state: 'failed', durationMs: Date.now() - t0, message: `cannot start ${argv[0]} (step ${step.id}): ${messageOf(e)}` });
      return;
    }
    let why: 'killed' | 'timeout' | undefined;
    let cancelKill: (() => void) | undefined;
    const sampler = child.pid !== undefined ? new PeakMemorySampler(child.pid).start() : undefined;
    const pid = child.pid;
    if (pid !== undefined) { trackStep(pid); }
    const stop = (reason: 'killed' | 'timeout'): void => { if (!why) { why = reason; cancelKill = killTree(child); } };
    const onAbort = (): void => stop('killed');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    if (o.signal?.aborted) { stop('killed'); }
    const timer = timeoutMs !== undefined ? setTimeout(() => stop('timeout'), timeoutMs) : undefined;
    for (const [stream, name] of [[child.stdout, 'stdout'], [child.stderr, 'stderr']] as const) {
      stream?.setEncoding('utf8');
      stream?.on('data', (s: string) => { tail.push(s); o.onOutput(name, s); });
    }
    let startError: NodeJS.ErrnoException | undefined;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (pid !== undefined) { liveSteps.delete(pid); }
      o.signal?.removeEventListener('abort', onAbort);
      if (timer) { clearTimeout(timer); }
      cancelKill?.();
      const peak = sampler?.stop();
      const durationMs = Date.now() - t0;
      const base = { durationMs, ...(peak !== undefined ? { peakMemoryBytes: peak } : {}) };
      if (startError) {
        const message = startError.code === 'ENOENT' ? `command not found: ${argv[0]} (step ${step.id})` : `cannot start ${argv[0]} (step ${step.id}): ${startError.message}`;
        tail.push(`${message}\n`);
        resolve({ state: 'failed', ...base, message });
        return;
      }
      if (why === 'killed') { resolve({ state: 'killed', ...base, ...(code !== null ? { exitCode: code } : {}), message: `stopped (step ${step.id})` }); return; }
      if (why === 'timeout') { resolve({ state: 'failed', ...base, message: `timed out after ${step.timeout!} and was killed (step ${step.id})` }); return; }
      if (code === 0) { resolve({ state: 'ran', ...base, exitCode: 0 }); return; }
      resolve({ state: 'failed', ...base, ...(code !== null ? { exitCode: code } : {}), message: code !== null ? `exit code ${code}` : `ended by ${signal ?? 'a signal'}` });
    };
    // A program that cannot be started emits 'error' and no 'close' of its own.
    child.on('error', (e: NodeJS.ErrnoException) => { startError = e; if (child.pid === undefined) { finish(null, null); } });
    child.on('close', finish);
  });
  await writeFileAtomic(o.logFile, tail.text()).catch(() => undefined);
  return outcome;
}
