/**
 * Planning a pipeline run: which steps are called (`--steps`, `--from`, each step's `when` over the facts), with
 * which params and argv, and which of them are up to date. No side effects: nothing is written, not even a cache.
 *
 * Up to date (like `dvc repro`): the step's fingerprint — SHA-256 over its argv (the interpreter written as
 * `python`), resolved params, the content hash of each input (data versions, files and folders, earlier steps'
 * outputs) and of its code files — equals the fingerprint of its newest finished run, and its outputs still hash to
 * what that run left. The git commit and diff are recorded on runs but do not decide: committing `.mlops/` or
 * editing train.py must not re-run prepare. A step that reads what an earlier step of this plan will write (its
 * outputs, or the latest version of a dataset it tags) is not judged now; the runner fingerprints it once that step
 * has run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { MlopsError, messageOf } from '../errors';
import type { Store } from '../store/store';
import type { ParamValue } from '../store/schemas';
import { evaluateCondition, parseCondition } from './condition';
import { paramText, splitCommandLine, substituteParams } from './argv';
import { HashCache } from './hashes';
import { StepIndex, outputHashesOf } from './stepIndex';
import { assertPipelineSound } from './read';
import type { PipelineStep } from './schema';
import type { Facts, Pipeline, PipelinePlan, PlannedStep, PlanOptions } from './types';

/** What the runner needs besides the plan: the caches the plan read (saved by the runner, never by the planner). */
export interface PlanState {
  hashes: HashCache;
  index: StepIndex;
  /** Planned with force: the runner does not re-judge steps as up to date either. */
  force: boolean;
}

const states = new WeakMap<PipelinePlan, PlanState>();

/** The caches a plan was made with (the runner reuses and saves them). */
export function planState(plan: PipelinePlan): PlanState | undefined {
  return states.get(plan);
}

/** Whether argv[0] names the Python interpreter (replaced by the runner's interpreter, and by `python` in fingerprints). */
export function isPythonWord(word: string | undefined): boolean {
  return word === 'python' || word === 'python3';
}

/** Resolved params per step: defaults from the file, then `--param k=v` (every step declaring k), then `--param step.k=v`. */
export function resolveParams(pipeline: Pipeline, overrides: Record<string, ParamValue> = {}): Map<string, Record<string, ParamValue>> {
  const out = new Map<string, Record<string, ParamValue>>();
  for (const s of pipeline.steps) { out.set(s.id, { ...(s.params ?? {}) }); }
  const ids = new Set(pipeline.steps.map((s) => s.id));
  const declared = pipeline.steps.flatMap((s) => Object.keys(s.params ?? {}).map((k) => `${s.id}.${k}`));
  const general = Object.entries(overrides).filter(([k]) => !(k.includes('.') && ids.has(k.slice(0, k.indexOf('.')))));
  const specific = Object.entries(overrides).filter(([k]) => k.includes('.') && ids.has(k.slice(0, k.indexOf('.'))));
  for (const [k, v] of general) {
    const takers = pipeline.steps.filter((s) => Object.hasOwn(s.params ?? {}, k));
    if (takers.length === 0) {
      throw new MlopsError(`--param ${k}: no step of pipeline '${pipeline.name}' declares a param '${k}'${declared.length ? ` (params: ${declared.join(', ')})` : ' (its steps declare no params)'}`);
    }
    for (const s of takers) { out.get(s.id)![k] = v; }
  }
  for (const [full, v] of specific) {
    const dot = full.indexOf('.');
    const sid = full.slice(0, dot);
    const k = full.slice(dot + 1);
    const params = out.get(sid)!;
    if (!Object.hasOwn(params, k)) {
      const own = Object.keys(params);
      throw new MlopsError(`--param ${full}: step '${sid}' declares no param '${k}'${own.length ? ` (its params: ${own.join(', ')})` : ''}`);
    }
    params[k] = v;
  }
  return out;
}

/** The argv of a step: a split command line with `${k}` substituted, or `python SCRIPT --k=v … ARGS`. */
export function commandOf(step: PipelineStep, params: Record<string, ParamValue>): string[] {
  if (typeof step.run === 'string') {
    let words: string[];
    try { words = splitCommandLine(step.run); } catch (e) { throw new MlopsError(`step '${step.id}': ${messageOf(e)}`); }
    if (words.length === 0) { throw new MlopsError(`step '${step.id}': the command line is empty`); }
    return words.map((w) => substituteParams(w, params, step.id));
  }
  const args = Object.entries(params).map(([k, v]) => `--${k}=${paramText(v)}`);
  return ['python', step.run.script, ...args, ...(step.run.args ?? []).map((w) => substituteParams(w, params, step.id))];
}

/** Workspace-relative paths of the step's code: `code`, else the script, else the command's first existing file argument. */
export function codePathsOf(root: string, step: PipelineStep, command: readonly string[]): string[] {
  if (step.code) { return step.code; }
  if (typeof step.run !== 'string') { return [step.run.script]; }
  for (const arg of command.slice(1)) {
    if (arg.startsWith('-') || arg.includes('\0')) { continue; }
    const abs = path.resolve(root, arg);
    const rel = path.relative(root, abs);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) { continue; }
    if (fs.statSync(abs, { throwIfNoEntry: false })?.isFile()) { return [rel.split(path.sep).join('/')]; }
  }
  return [];
}

/** `churn-raw`, `churn-raw@latest`, `churn-raw@v3` → dataset and ref. */
export function parseDataInput(text: string): { dataset: string; ref?: string } {
  const at = text.indexOf('@');
  if (at < 0) { return { dataset: text }; }
  const ref = text.slice(at + 1);
  return { dataset: text.slice(0, at), ref: ref === '' || ref === 'latest' ? undefined : ref };
}

/** Whether `p` is `base` or lies inside it (workspace-relative POSIX paths). */
function within(p: string, base: string): boolean {
  const a = path.posix.normalize(p);
  const b = path.posix.normalize(base);
  return a === b || a.startsWith(b.endsWith('/') ? b : `${b}/`);
}

const normPath = (p: string): string => path.posix.normalize(p.replace(/\\/g, '/'));

/** What fingerprinting a step found. */
export interface StepFingerprint {
  fingerprint?: string;
  /** The earlier step of this run whose output it reads (then no fingerprint yet). */
  waitsFor?: string;
  dataInputs: PlannedStep['dataInputs'];
  /** The output paths this step reads from earlier steps (for lineage). */
  readsOutputs: string[];
}

/**
 * Fingerprints one step. `willRun`: steps earlier in this run that will write their outputs (a step reading them
 * cannot be judged yet). Throws "missing input" for an input that is not there and that nothing in this run makes.
 */
export async function fingerprintStep(
  store: Store, pipeline: Pipeline, step: PipelineStep, params: Record<string, ParamValue>, command: readonly string[],
  ctx: {
    hashes: HashCache; willRun: ReadonlySet<string>; signal?: AbortSignal; dataCache?: Map<string, { id: string; contentHash: string }>;
    /** Runner only: dataset → the version a step of this run just tagged (a `data` input on it reads that one). */
    taggedNow?: ReadonlyMap<string, { id: string; contentHash: string }>;
  },
): Promise<StepFingerprint> {
  const h = createHash('sha256');
  const put = (...parts: string[]): void => { h.update(JSON.stringify(parts)).update('\n'); };
  put('argv', ...command.map((w, i) => (i === 0 && (isPythonWord(w) || typeof step.run !== 'string') ? 'python' : w)));
  for (const k of Object.keys(params).sort()) { put('param', k, JSON.stringify(params[k])); }
  const out: StepFingerprint = { dataInputs: [], readsOutputs: [] };
  const producers = new Map<string, string>(); // output path → the earlier step that writes it
  const datasetProducers = new Map<string, string>(); // dataset → the earlier step that tags a version of it
  for (const s of pipeline.steps) {
    if (s.id === step.id) { break; }
    for (const o of s.outputs ?? []) {
      producers.set(normPath(o.path), s.id);
      if ('dataset' in o) { datasetProducers.set(o.dataset, s.id); }
    }
  }
  const producerOf = (p: string): string | undefined => {
    for (const [o, sid] of producers) { if (within(p, o) || within(o, p)) { return sid; } }
    return undefined;
  };
  const hashOf = async (rel: string): Promise<string | undefined> => (await ctx.hashes.hash(path.resolve(store.root, rel), ctx.signal)).contentHash;

  for (const input of step.inputs ?? []) {
    if ('data' in input) {
      const { dataset, ref } = parseDataInput(input.data);
      // The latest version of a dataset an earlier step tags is that step's output: like a `step` input, it is
      // judged once that step has run this time, and reads the version it just tagged.
      const producer = ref === undefined ? datasetProducers.get(dataset) : undefined;
      if (producer && ctx.willRun.has(producer)) { out.waitsFor ??= producer; continue; }
      const key = `${dataset}@${ref ?? ''}`;
      let v = producer ? ctx.taggedNow?.get(dataset) : undefined;
      v ??= ctx.dataCache?.get(key);
      if (!v) {
        try { v = await store.resolveDataVersion(dataset, ref); } catch (e) {
          if (producer) {
            throw new MlopsError(`missing input: step '${step.id}' reads data '${input.data}', which step '${producer}' tags, but ${messageOf(e)} and '${producer}' does not run now; run '${producer}' too`, 'invalid-input');
          }
          throw new MlopsError(`missing input: step '${step.id}' reads data '${input.data}': ${messageOf(e)}`, 'invalid-input');
        }
        ctx.dataCache?.set(key, { id: v.id, contentHash: v.contentHash });
      }
      out.dataInputs.push({ dataset, version: v.id, contentHash: v.contentHash });
      put('data', dataset, v.contentHash);
      continue;
    }
    const reads: { rel: string; from?: string }[] = 'file' in input
      ? [{ rel: normPath(input.file) }]
      : (pipeline.steps.find((s) => s.id === input.step)?.outputs ?? []).map((o) => normPath(o.path)).filter((p) => input.output === undefined || p === normPath(input.output)).map((rel) => ({ rel, from: input.step }));
    for (const r of reads) {
      const producer = r.from ?? producerOf(r.rel);
      if (r.from) { out.readsOutputs.push(r.rel); }
      if (producer && ctx.willRun.has(producer)) { out.waitsFor ??= producer; continue; }
      const hash = await hashOf(r.rel);
      if (hash === undefined) {
        if (producer) {
          throw new MlopsError(`missing input: step '${step.id}' reads ${r.rel}, which step '${producer}' makes, but it is not there and '${producer}' does not run now; run '${producer}' too`, 'invalid-input');
        }
        throw new MlopsError(`missing input: step '${step.id}' reads ${r.rel}, which does not exist`, 'invalid-input');
      }
      if (r.from) { put('step', r.from, r.rel, hash); } else { put('file', r.rel, hash); }
    }
  }
  for (const rel of codePathsOf(store.root, step, command)) {
    put('code', rel, (await hashOf(normPath(rel))) ?? 'missing');
  }
  if (!out.waitsFor) { out.fingerprint = h.digest('hex'); }
  return out;
}

/** Whether a step with this fingerprint is up to date: its newest finished run matches and its outputs are intact. */
export async function upToDateRun(store: Store, pipeline: Pipeline, step: PipelineStep, fingerprint: string, ctx: { hashes: HashCache; index: StepIndex; signal?: AbortSignal }): Promise<{ runId?: string; why: string }> {
  const rec = ctx.index.last(pipeline.name, step.id);
  if (!rec) { return { why: 'never ran' }; }
  if (rec.fingerprint !== fingerprint) { return { why: `changed since run ${rec.runId} (inputs, params or code)` }; }
  // The index is a cache: the run itself decides.
  const parsed = await store.readRunParsed(rec.runId);
  if (!parsed.ok || parsed.value.status !== 'finished' || parsed.value.pipeline?.fingerprint !== fingerprint) {
    return { why: `changed since run ${rec.runId}` };
  }
  // A model is registered only when the whole pipeline finished: a run whose pipeline failed or was stopped left
  // its model file but no model version, so the step runs again (and registers it when this pipeline finishes).
  const registered = parsed.value.outputs?.models ?? [];
  for (const o of step.outputs ?? []) {
    if ('model' in o && !registered.some((m) => m.model === o.model)) { return { why: 'its model was never registered (the pipeline did not finish)' }; }
  }
  const recorded = outputHashesOf(parsed.value);
  for (const o of step.outputs ?? []) {
    const rel = normPath(o.path);
    const now = (await ctx.hashes.hash(path.resolve(store.root, rel), ctx.signal)).contentHash;
    if (now === undefined) { return { why: `its output ${rel} is missing` }; }
    if (recorded[rel] !== now) { return { why: `its output ${rel} changed since run ${rec.runId}` }; }
  }
  return { runId: rec.runId, why: `up to date since run ${rec.runId} (fingerprint unchanged)` };
}

/** Whether `name` (no separator) is a program on PATH (with PATHEXT on Windows). */
function onPath(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const exts = process.platform === 'win32' ? ['', ...(env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)] : [''];
  for (const dir of (env.PATH ?? env.Path ?? '').split(path.delimiter)) {
    if (!dir) { continue; }
    for (const ext of exts) {
      const st = fs.statSync(path.join(dir, name + ext), { throwIfNoEntry: false });
      if (st?.isFile()) { return true; }
    }
  }
  return false;
}

/**
 * Refuses a step that would fail to start: a script that is not there, a python command whose first file argument is
 * not there, a program neither on PATH nor an existing file. Paths an earlier step writes are left to that step.
 */
function assertCommandExists(root: string, pipeline: Pipeline, step: PipelineStep, command: readonly string[]): void {
  const made = (rel: string): boolean => {
    const p = normPath(rel);
    for (const s of pipeline.steps) {
      if (s.id === step.id) { break; }
      if ((s.outputs ?? []).some((o) => within(p, normPath(o.path)))) { return true; }
    }
    return false;
  };
  const exists = (p: string): boolean => fs.statSync(path.resolve(root, p), { throwIfNoEntry: false }) !== undefined;
  if (typeof step.run !== 'string') {
    if (!exists(step.run.script) && !made(step.run.script)) { throw new MlopsError(`step '${step.id}': script not found: ${step.run.script}`, 'invalid-input'); }
    return;
  }
  const [program, first] = command;
  if (isPythonWord(program)) {
    if (first !== undefined && !first.startsWith('-') && !exists(first) && !made(first)) { throw new MlopsError(`step '${step.id}': script not found: ${first}`, 'invalid-input'); }
    return;
  }
  const isPath = program.includes('/') || (process.platform === 'win32' && program.includes('\\'));
  if (isPath ? !exists(program) && !made(program) : !onPath(program)) { throw new MlopsError(`step '${step.id}': command not found: ${program}`, 'invalid-input'); }
}

export async function planPipeline(store: Store, pipeline: Pipeline, opts: PlanOptions = {}): Promise<PipelinePlan> {
  const rel = store.rel(pipeline.file);
  await assertPipelineSound(pipeline, rel);
  const ids = pipeline.steps.map((s) => s.id);
  const unknown = (opts.steps ?? []).filter((s) => !ids.includes(s));
  if (unknown.length) { throw new MlopsError(`unknown step${unknown.length > 1 ? 's' : ''} ${unknown.map((s) => `'${s}'`).join(', ')} in --steps; pipeline '${pipeline.name}' has ${ids.join(', ')}`); }
  if (opts.from !== undefined && !ids.includes(opts.from)) { throw new MlopsError(`unknown step '${opts.from}' in --from; pipeline '${pipeline.name}' has ${ids.join(', ')}`); }
  if (opts.steps && opts.from !== undefined) { throw new MlopsError('give --steps or --from, not both'); }
  const params = resolveParams(pipeline, opts.params);
  const facts: Facts = opts.facts ?? {};
  const state: PlanState = { hashes: HashCache.open(store.dir), index: await StepIndex.load(store), force: opts.force === true };
  const picked = new Set(opts.steps ?? []);
  const fromIndex = opts.from !== undefined ? ids.indexOf(opts.from) : -1;
  const willRun = new Set<string>();
  const dataCache = new Map<string, { id: string; contentHash: string }>();
  const warnings: string[] = [];
  const steps: PlannedStep[] = [];
  for (const [i, step] of pipeline.steps.entries()) {
    if (opts.signal?.aborted) { throw new MlopsError('planning was cancelled', 'cancelled'); }
    const condition = evaluateCondition(parseCondition(step.when ?? 'always'), facts, { picked: picked.has(step.id) });
    const stepParams = params.get(step.id)!;
    const command = commandOf(step, stepParams);
    const planned: PlannedStep = { step, action: 'skip', reason: '', condition, params: stepParams, command, dataInputs: [] };
    steps.push(planned);
    let selected: boolean;
    if (opts.steps) {
      selected = picked.has(step.id);
      planned.reason = selected ? 'picked' : 'not in --steps';
    } else if (i < fromIndex) {
      selected = false;
      planned.reason = `before --from ${opts.from!}`;
    } else if (i === fromIndex) {
      // The step named in --from was picked by a person: it runs whatever its condition (manual included).
      selected = true;
      planned.reason = '--from';
    } else {
      selected = condition.value;
      planned.reason = condition.explanation;
    }
    if (!selected) { continue; }
    const byFrom = i === fromIndex ? '--from; ' : '';
    const prefix = opts.steps || i === fromIndex || condition.text === 'always' ? '' : `${condition.explanation}; `;
    const fp = await fingerprintStep(store, pipeline, step, stepParams, command, { hashes: state.hashes, willRun, signal: opts.signal, dataCache });
    planned.dataInputs = fp.dataInputs;
    planned.fingerprint = fp.fingerprint;
    planned.action = 'run';
    if (opts.force) {
      planned.reason = `${byFrom}${prefix}forced`;
    } else if (fp.waitsFor) {
      planned.reason = `${byFrom}${prefix}reads what '${fp.waitsFor}' makes (judged after it runs)`;
    } else {
      const r = await upToDateRun(store, pipeline, step, fp.fingerprint!, { ...state, signal: opts.signal });
      if (r.runId) {
        planned.action = 'upToDate';
        planned.upToDateRun = r.runId;
      }
      planned.reason = `${byFrom}${prefix}${r.why}`;
    }
    if (planned.action === 'run') {
      assertCommandExists(store.root, pipeline, step, command);
      willRun.add(step.id);
    }
  }
  for (const s of steps) {
    for (const input of s.step.inputs ?? []) {
      if ('file' in input && s.action === 'run') {
        const abs = path.resolve(store.root, input.file);
        const st = fs.statSync(abs, { throwIfNoEntry: false });
        if (st?.isDirectory() && fs.readdirSync(abs).length === 0) { warnings.push(`step '${s.step.id}': input folder ${input.file} is empty`); }
      }
    }
  }
  const plan: PipelinePlan = { pipeline, steps, facts, warnings };
  states.set(plan, state);
  return plan;
}

/** One line per step: `run  train     drift.class == "minor" → true …` / `skip evaluate  up to date since run 01J…`. */
export function formatPlan(plan: PipelinePlan): string[] {
  const width = Math.max(...plan.steps.map((s) => s.step.id.length));
  return plan.steps.map((s) => `${s.action === 'run' ? 'run ' : 'skip'} ${s.step.id.padEnd(width)}  ${s.reason}${s.step.optional ? ' (optional)' : ''}`);
}
