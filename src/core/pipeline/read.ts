/**
 * Reading `.mlops/pipelines/<name>.json`. Every problem carries the file, line, column, offset and length of the text
 * it is about: a zod issue points at the value inside its step, a `when` that does not parse points at the character
 * inside the JSON string, a duplicate id at the second id. The cross-step rules (unique ids, `step` inputs that name
 * an earlier step and one of its outputs, no cycles) are checked here and again by the planner, which can be handed
 * a Pipeline built by code.
 */
import { constants as fsc, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import type { z } from 'zod';
import { MlopsError, messageOf } from '../errors';
import { lineColumn, rawOffsetOf } from '../goals/document';
import { NOFOLLOW } from '../store/fsutil';
import type { Store } from '../store/store';
import { ConditionError, parseCondition } from './condition';
import { PIPELINE_FORMAT_VERSION, PipelineFileSchema, PipelineStepSchema, STEP_ID, type PipelineFile, type PipelineStep } from './schema';
import type { Pipeline, PipelineProblem } from './types';

type PathPart = string | number;

/** `<root>/.mlops/pipelines` */
export function pipelinesDir(store: Store): string {
  return path.join(store.dir, 'pipelines');
}

/** A pipeline name is its file name without `.json`, and follows the step-id rule (it is typed on command lines). */
export function pipelineFile(store: Store, name: string): string {
  if (!STEP_ID.test(name)) { throw new MlopsError(`'${name}' is not a pipeline name: it starts with a letter and holds letters, digits, - and _`); }
  return path.join(pipelinesDir(store), `${name}.json`);
}

/** The pipelines of a store, by name. A missing folder is no pipelines. */
export async function listPipelines(store: Store): Promise<{ name: string; file: string }[]> {
  const { entries } = await store.guard.list(pipelinesDir(store));
  return entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.json') && STEP_ID.test(e.name.slice(0, -5)))
    .map((e) => ({ name: e.name.slice(0, -5), file: path.join(pipelinesDir(store), e.name) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Reads and checks one pipeline. A file that cannot be read is a single problem at its start. */
export async function readPipeline(store: Store, name: string): Promise<{ pipeline?: Pipeline; problems: PipelineProblem[] }> {
  const file = pipelineFile(store, name);
  const rel = store.rel(file);
  let text: string;
  try {
    const fh = await fsp.open(file, fsc.O_RDONLY | NOFOLLOW);
    try { text = await fh.readFile('utf8'); } finally { await fh.close(); }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const known = (await listPipelines(store)).map((p) => p.name);
      throw new MlopsError(`no pipeline '${name}' (expected ${rel})${known.length ? `; pipelines: ${known.join(', ')}` : ''}`, 'not-found');
    }
    const reason = code === 'ELOOP' ? 'it is a symbolic link; not followed' : messageOf(e);
    return { problems: [{ file: rel, line: 1, column: 1, offset: 0, length: 0, message: `cannot read: ${reason}` }] };
  }
  const r = parsePipelineText(file, name, text, rel);
  return r;
}

/** One problem per line, `file:line:column: message`, as terminals and CI link them. */
export function formatProblem(p: PipelineProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message}`;
}

class Locator {
  readonly problems: PipelineProblem[] = [];
  constructor(readonly file: string, readonly text: string, readonly tree: JsonNode | undefined) {}

  node(parts: readonly PathPart[]): JsonNode | undefined {
    return this.tree ? findNodeAtLocation(this.tree, parts as PathPart[]) : undefined;
  }

  at(offset: number, length: number, message: string): void {
    const { line, column } = lineColumn(this.text, offset);
    this.problems.push({ file: this.file, line, column, offset, length, message });
  }

  /** A problem on the value at `parts`, or on the nearest enclosing value that exists. */
  report(parts: readonly PathPart[], message: string): void {
    let p = [...parts];
    let node = this.node(p);
    while (!node && p.length) { p = p.slice(0, -1); node = this.node(p); }
    this.at(node?.offset ?? 0, node?.length ?? 0, message);
  }

  /** A character range inside a string literal (decoded index → raw offset). */
  inString(parts: readonly PathPart[], index: number, length: number, message: string): void {
    const node = this.node(parts);
    if (!node || node.type !== 'string') { this.report(parts, message); return; }
    const raw = this.text.slice(node.offset, node.offset + node.length);
    const start = rawOffsetOf(raw, index);
    const end = rawOffsetOf(raw, index + length);
    this.at(node.offset + start, Math.max(1, end - start), message);
  }

  entry<S extends z.ZodType>(schema: S, value: unknown, parts: readonly PathPart[]): z.infer<S> | undefined {
    const r = schema.safeParse(value);
    if (r.success) { return r.data; }
    const seen = new Set<string>();
    for (const issue of r.error.issues) {
      const at = [...parts, ...(issue.path as PathPart[])];
      const key = at.join('.');
      if (seen.has(key)) { continue; } // a union reports one issue per branch; the first is the one to read
      seen.add(key);
      const last = issue.path.length ? String(issue.path[issue.path.length - 1]) : '';
      const missing = issue.code === 'invalid_type' && valueAt(value, issue.path as PathPart[]) === undefined;
      const message = missing ? `${last || 'value'} is required` : `${last && issue.code !== 'unrecognized_keys' ? `${last}: ` : ''}${issue.message}`;
      this.report(at, `${showPath(parts)}: ${message}`);
    }
    return undefined;
  }
}

function showPath(parts: readonly PathPart[]): string {
  let out = '';
  for (const p of parts) { out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p; }
  return out || '(file)';
}

function valueAt(root: unknown, parts: readonly PathPart[]): unknown {
  let v = root;
  for (const p of parts) { v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[p] : undefined; }
  return v;
}

/** Same as readPipeline, on text already read. `displayFile` is the path problems name (default `file`). */
export function parsePipelineText(file: string, name: string, text: string, displayFile = file): { pipeline?: Pipeline; problems: PipelineProblem[] } {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const loc = new Locator(displayFile, text, tree);
  if (errors.length || !tree) {
    for (const e of errors.slice(0, 20)) { loc.at(e.offset, Math.max(1, e.length), `not valid JSON: ${printParseErrorCode(e.error)}`); }
    if (!errors.length) { loc.at(0, 0, 'the file is empty'); }
    return { problems: loc.problems };
  }
  if (tree.type !== 'object') {
    loc.report([], 'a pipeline file holds an object: { "formatVersion": 1, "steps": [ { "id": …, "run": … } ] }');
    return { problems: loc.problems };
  }
  const raw = JSON.parse(text) as Record<string, unknown>;
  const version = raw.formatVersion;
  if (typeof version === 'number' && Number.isInteger(version) && version > PIPELINE_FORMAT_VERSION) {
    loc.report(['formatVersion'], `written by a newer MLOps Workbench (formatVersion ${version}; this version reads ${PIPELINE_FORMAT_VERSION}); update the extension or the mlops CLI to run this pipeline`);
    return { problems: loc.problems };
  }
  // The top level without its steps first, then each step on its own, so one bad step is reported at its place.
  const { steps: rawSteps, ...top } = raw;
  loc.entry(PipelineFileSchema.omit({ steps: true }), top, []);
  if (!Array.isArray(rawSteps)) {
    loc.report(rawSteps === undefined ? [] : ['steps'], rawSteps === undefined ? 'steps is required: a list of { "id": …, "run": … }' : 'steps must be a list');
    return { problems: loc.problems };
  }
  if (rawSteps.length === 0) { loc.report(['steps'], 'steps is empty: a pipeline has at least one step'); }
  const steps: PipelineStep[] = [];
  rawSteps.forEach((s, i) => {
    const step = loc.entry(PipelineStepSchema, s, ['steps', i]);
    if (step) { steps.push(step); }
  });
  if (loc.problems.length) { return { problems: loc.problems }; }
  const doc = { ...top, steps } as PipelineFile;
  const pipeline: Pipeline = { name, file, doc, steps };
  for (const p of crossStepProblems(pipeline)) {
    if (p.inWhen) { loc.inString(p.parts, p.inWhen.index, p.inWhen.length, p.message); } else { loc.report(p.parts, p.message); }
  }
  return loc.problems.length ? { problems: loc.problems } : { pipeline, problems: [] };
}

/** A rule that holds between steps, broken; `parts` is the JSON path of the place. */
export interface CrossStepProblem {
  parts: PathPart[];
  message: string;
  /** A `when` that does not parse: where inside the string. */
  inWhen?: { index: number; length: number };
}

/** Duplicate ids, `step` inputs naming an unknown, later or cyclic step or an output it does not have, `when`s that do not parse. */
export function crossStepProblems(pipeline: Pipeline): CrossStepProblem[] {
  const out: CrossStepProblem[] = [];
  const index = new Map<string, number>();
  pipeline.steps.forEach((s, i) => {
    if (index.has(s.id)) { out.push({ parts: ['steps', i, 'id'], message: `duplicate step id '${s.id}' (also step ${index.get(s.id)! + 1})` }); } else { index.set(s.id, i); }
  });
  const deps = new Map<string, string[]>();
  pipeline.steps.forEach((s, i) => {
    const mine: string[] = [];
    (s.inputs ?? []).forEach((inp, j) => {
      if (!('step' in inp)) { return; }
      const from = index.get(inp.step);
      if (from === undefined) {
        out.push({ parts: ['steps', i, 'inputs', j, 'step'], message: `missing input: step '${s.id}' reads the outputs of '${inp.step}', but no step has that id (steps: ${[...index.keys()].join(', ')})` });
        return;
      }
      mine.push(inp.step);
      if (from === i) { out.push({ parts: ['steps', i, 'inputs', j, 'step'], message: `cycle: step '${s.id}' reads its own outputs` }); return; }
      const producer = pipeline.steps[from];
      const outputs = (producer.outputs ?? []).map((o) => o.path);
      if (outputs.length === 0) {
        out.push({ parts: ['steps', i, 'inputs', j, 'step'], message: `missing input: step '${s.id}' reads the outputs of '${inp.step}', which declares no outputs` });
      } else if (inp.output !== undefined && !outputs.includes(inp.output)) {
        out.push({ parts: ['steps', i, 'inputs', j, 'output'], message: `missing input: step '${inp.step}' has no output '${inp.output}' (its outputs: ${outputs.join(', ')})` });
      }
    });
    deps.set(s.id, mine);
  });
  // Cycles first (a → b → a), then reads of later steps: both name the path so the fix is obvious.
  const cycleOf = (start: string): string[] | undefined => {
    const stack: string[] = [];
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (id: string): string[] | undefined => {
      if (visiting.has(id)) { return [...stack.slice(stack.indexOf(id)), id]; }
      if (done.has(id)) { return undefined; }
      visiting.add(id);
      stack.push(id);
      for (const d of deps.get(id) ?? []) { if (d === id) { continue; } const c = visit(d); if (c) { return c; } }
      stack.pop();
      visiting.delete(id);
      done.add(id);
      return undefined;
    };
    return visit(start);
  };
  const reported = new Set<string>();
  pipeline.steps.forEach((s, i) => {
    (s.inputs ?? []).forEach((inp, j) => {
      if (!('step' in inp)) { return; }
      const from = index.get(inp.step);
      if (from === undefined || from <= i) { return; }
      const cycle = cycleOf(s.id);
      if (cycle) {
        const key = [...cycle].sort().join(',');
        if (!reported.has(key)) { reported.add(key); out.push({ parts: ['steps', i, 'inputs', j, 'step'], message: `cycle between steps: ${cycle.join(' → ')}` }); }
      } else {
        out.push({ parts: ['steps', i, 'inputs', j, 'step'], message: `missing input: step '${s.id}' reads the outputs of '${inp.step}', which runs after it; move '${inp.step}' before '${s.id}'` });
      }
    });
  });
  pipeline.steps.forEach((s, i) => {
    if (s.when === undefined) { return; }
    try { parseCondition(s.when); } catch (e) {
      if (!(e instanceof ConditionError)) { throw e; }
      out.push({ parts: ['steps', i, 'when'], message: `when: ${e.message}`, inWhen: { index: e.index, length: e.length } });
    }
  });
  return out;
}

/**
 * The cross-step problems of a pipeline as one MlopsError naming file:line:column, for the planner (which may be
 * given a pipeline whose file changed, or one built by code: the place is then looked up in the file if it can be).
 */
export async function assertPipelineSound(pipeline: Pipeline, displayFile: string): Promise<void> {
  const problems = crossStepProblems(pipeline);
  if (!problems.length) { return; }
  let text = '';
  try { text = await fsp.readFile(pipeline.file, 'utf8'); } catch { /* no file: positions fall back to 1:1 */ }
  const errors: ParseError[] = [];
  const tree = text ? parseTree(text, errors) : undefined;
  const loc = new Locator(displayFile, text, tree);
  for (const p of problems) {
    if (p.inWhen) { loc.inString(p.parts, p.inWhen.index, p.inWhen.length, p.message); } else { loc.report(p.parts, p.message); }
  }
  throw new MlopsError(loc.problems.map(formatProblem).join('\n'), 'invalid-input');
}
