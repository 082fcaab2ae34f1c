// `mlops pipeline list|run`: the pipelines of .mlops/pipelines/, planned and run as tracked step runs. Exit codes of
// `run`: 0 finished (or a dry run), 1 failed (or another pipeline is writing the same outputs), 130 stopped by
// SIGINT/SIGTERM/SIGHUP, 2 bad usage or a pipeline file with problems.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDuration, parseParam, type Store } from '../core';
import { messageOf } from '../core/errors';
import { computeFacts } from '../core/retrain';
import {
  executePipeline, formatPlan, formatProblem, listPipelines, planPipeline, readPipeline,
  type Facts, type FactValue, type Pipeline, type PipelineEvent, type PipelinePlan, type PipelineResult,
} from '../core/pipeline';
import { UsageError, list, str, type Command, type Out } from './context';
import { escapeText, printJson, table } from './output';

/**
 * The trigger facts `when` conditions read for a run from the command line: the current facts of the pipeline's
 * `model` (drift, monitored metrics, KPIs, data age … as retraining triggers see them), or none when the pipeline
 * names no model. Facts that cannot be computed are reported and left unknown, so conditions over them are false.
 * `--fact` adds to them.
 */
export async function factsFor(store: Store, pipeline: Pipeline, warn: (message: string) => void): Promise<Facts> {
  const model = pipeline.doc.model;
  if (!model) { return {}; }
  try {
    return await computeFacts(store, model);
  } catch (e) {
    warn(`the facts of model '${model}' could not be computed (${messageOf(e)}); conditions over them are false`);
    return {};
  }
}

/** `--fact drift.class=minor`, `--fact kpi.missed_payments=130`, `--fact drift.columns=["age"]`: JSON values, else text. */
export function parseFact(arg: string): [string[], FactValue] {
  const eq = arg.indexOf('=');
  if (eq <= 0) { throw new UsageError(`bad --fact '${arg}': expected key=value, e.g. --fact drift.class=minor`); }
  const key = arg.slice(0, eq).trim();
  const parts = key.split('.');
  if (parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p) || p === '__proto__')) { throw new UsageError(`bad --fact key '${key}': dotted names of letters, digits, _ and -`); }
  const raw = arg.slice(eq + 1);
  let value: FactValue;
  try { value = JSON.parse(raw) as FactValue; } catch { value = raw; }
  return [parts, value];
}

function setFact(facts: Facts, parts: readonly string[], value: FactValue): void {
  let at: Facts = facts;
  for (const p of parts.slice(0, -1)) {
    const next = Object.hasOwn(at, p) ? at[p] : undefined;
    if (!next || typeof next !== 'object' || Array.isArray(next)) { const fresh: Facts = {}; Object.defineProperty(at, p, { value: fresh, enumerable: true, writable: true, configurable: true }); at = fresh; } else { at = next; }
  }
  Object.defineProperty(at, parts[parts.length - 1], { value, enumerable: true, writable: true, configurable: true });
}

/** mlops_log.py for the steps' PYTHONPATH: next to the bundle (dist/ → python/) or the compiled sources (out/src/cli). */
function pythonLibDir(): string | undefined {
  for (const dir of [path.join(__dirname, '..', 'python'), path.join(__dirname, '..', '..', '..', 'python')]) {
    if (fs.existsSync(path.join(dir, 'mlops_log.py'))) { return dir; }
  }
  return undefined;
}

async function readOrFail(io: Out, store: Store, name: string): Promise<Pipeline> {
  const r = await readPipeline(store, name);
  if (!r.pipeline) {
    for (const p of r.problems) { io.stderr(`${formatProblem(p)}\n`); }
    throw new UsageError(`pipeline '${name}' has ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}; nothing was run`);
  }
  return r.pipeline;
}

function planJson(plan: PipelinePlan): unknown {
  return {
    pipeline: plan.pipeline.name,
    facts: plan.facts,
    warnings: plan.warnings,
    steps: plan.steps.map((s) => ({
      id: s.step.id, action: s.action, reason: s.reason, condition: s.condition, params: s.params, command: s.command,
      ...(s.fingerprint ? { fingerprint: s.fingerprint } : {}), ...(s.upToDateRun ? { upToDateRun: s.upToDateRun } : {}), dataInputs: s.dataInputs,
    })),
  };
}

function printSummary(io: Out, r: PipelineResult): void {
  io.stdout(`\n${r.message} (run ${r.runId})\n`);
  io.stdout(table(r.steps.map((s) => ['  ' + s.id, s.state, s.runId ?? '', s.state === 'ran' ? '' : s.reason ?? ''])));
  for (const d of r.dataVersions) { io.stdout(`data version: ${d.dataset} ${d.version}${d.reused ? ' (same content as an earlier version)' : ''}\n`); }
  for (const m of r.models) { io.stdout(`model: ${m.model} v${m.version} (${m.stage})\n`); }
}

export const PIPELINE_COMMANDS: Record<string, Command> = {
  'pipeline list': {
    options: {}, positionals: 0,
    async run({ io, json, store: open }) {
      const store = await open();
      const rows: { name: string; file: string; description?: string; steps: string[]; problems: string[] }[] = [];
      for (const p of await listPipelines(store)) {
        const r = await readPipeline(store, p.name);
        rows.push({ name: p.name, file: store.rel(p.file), ...(r.pipeline?.doc.description ? { description: r.pipeline.doc.description } : {}), steps: r.pipeline?.steps.map((s) => s.id) ?? [], problems: r.problems.map(formatProblem) });
      }
      if (json) { printJson(io, rows); } else if (rows.length === 0) {
        io.stdout(`no pipelines; write one as ${store.rel(path.join(store.dir, 'pipelines'))}/NAME.json (see docs/format.md, "Pipelines")\n`);
      } else {
        io.stdout(table([['NAME', 'STEPS', 'DESCRIPTION'], ...rows.map((r) => [r.name, r.problems.length ? `${r.problems.length} problem(s)` : r.steps.join(' → '), r.description ?? ''])]));
        for (const r of rows) { for (const p of r.problems) { io.stderr(`${p}\n`); } }
      }
      return rows.some((r) => r.problems.length) ? 1 : 0;
    },
  },

  'pipeline run': {
    options: {
      steps: { type: 'string' }, from: { type: 'string' }, param: { type: 'string', multiple: true, short: 'p' },
      fact: { type: 'string', multiple: true }, force: { type: 'boolean' }, 'dry-run': { type: 'boolean' },
      stage: { type: 'string' }, python: { type: 'string' },
    },
    positionals: 1,
    async run({ io, values, positionals, json, store: open }) {
      const [name] = positionals;
      const stage = str(values, 'stage') ?? 'none';
      if (stage !== 'none' && stage !== 'staging') { throw new UsageError(`bad --stage '${stage}': none or staging (production needs the gate: mlops model promote)`); }
      const stepsText = str(values, 'steps');
      const steps = stepsText !== undefined ? stepsText.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
      if (stepsText !== undefined && !steps?.length) { throw new UsageError('--steps needs step ids, e.g. --steps prepare,train'); }
      const params: Record<string, string | number | boolean | null> = {};
      for (const p of list(values, 'param')) {
        const [k, v] = parseParam(p);
        Object.defineProperty(params, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      const given = list(values, 'fact').map(parseFact);
      const store = await open();
      const pipeline = await readOrFail(io, store, name);
      const facts = await factsFor(store, pipeline, (m) => io.stderr(`mlops: warning: ${m}\n`));
      for (const [parts, value] of given) { setFact(facts, parts, value); }
      const dryRun = values['dry-run'] === true;
      const plan = await planPipeline(store, pipeline, { steps, from: str(values, 'from'), params, facts, force: values.force === true });
      const lines = formatPlan(plan);
      if (dryRun) {
        if (json) { printJson(io, planJson(plan)); return 0; }
        io.stdout(`Plan for pipeline '${pipeline.name}' (dry run: nothing runs, nothing is written):\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
        for (const w of plan.warnings) { io.stderr(`mlops: warning: ${w}\n`); }
        return 0;
      }
      // Step output (stdout and stderr, in the order printed) goes to stdout as the steps print it, unescaped like the
      // program run by hand; with --json it goes to stderr so stdout stays one document.
      const text = json ? io.stderr : io.stdout;
      const rawOut = json ? (s: string) => io.stderr(s) : io.raw;
      if (!json) { io.stdout(`Pipeline '${pipeline.name}':\n${lines.map((l) => `  ${l}`).join('\n')}\n`); }
      for (const w of plan.warnings) { io.stderr(`mlops: warning: ${w}\n`); }
      const controller = new AbortController();
      const onSignal = (): void => { if (!controller.signal.aborted) { io.stderr('\nmlops: stopping the pipeline (its running step is killed; nothing is registered)\n'); controller.abort(); } };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      // A closed terminal or a dropped ssh session: stop like Ctrl-C, so the step does not outlive us.
      process.on('SIGHUP', onSignal);
      let result: PipelineResult;
      try {
        result = await executePipeline(store, plan, {
          signal: controller.signal, via: 'cli', stage, python: str(values, 'python') ?? (io.env?.MLOPS_PYTHON || undefined),
          pythonLibDir: pythonLibDir(), trigger: { name: 'manual' },
          onEvent: (e: PipelineEvent) => {
            switch (e.kind) {
              case 'stepStarted': text(`\n── ${e.stepId} (run ${e.runId}): ${e.command.map((w) => (/\s/.test(w) ? JSON.stringify(w) : w)).join(' ')}\n`); break;
              case 'output': rawOut(e.text); break;
              case 'stepEnded': text(`── ${e.stepId} ${e.state === 'ran' ? 'finished' : e.state}${e.exitCode !== undefined && e.state !== 'ran' ? ` (exit code ${e.exitCode})` : ''} after ${formatDuration(e.durationMs)}\n`); break;
              case 'registered': text(`   ${e.stepId}: ${e.what}\n`); break;
              default: break;
            }
          },
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        process.off('SIGHUP', onSignal);
      }
      if (json) { printJson(io, result); } else { printSummary(io, result); }
      if (result.status !== 'finished') { io.stderr(`mlops: ${escapeText(result.message, true)}\n`); }
      return result.status === 'finished' ? 0 : result.status === 'killed' ? 130 : 1;
    },
  },
};
