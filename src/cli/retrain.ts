// `mlops retrain check|log|analysis`: the retraining triggers of goals.json evaluated for cron or CI (with --apply the
// automatic ones run their pipeline, to staging), the retraining log, and the exploratory notebook a person opens when
// automation is withheld. Exit codes of `check`: 0 nothing fired, or everything that fired was handled automatically;
// 1 a person is needed (notify, ask, auto withheld) or an automatic run failed; 2 goals.json errors or bad usage.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MlopsError, lineColumn, type Goals, type Store } from '../core';
import { executePipeline, formatPlan, formatProblem, planPipeline, readPipeline, type PipelineEvent, type PipelineResult } from '../core/pipeline';
import {
  appendRetrainLog, decide, episodeHandledBy, evaluateTriggers, logLineOf, readRetrainLog, retrainLogFile, retrainingProblems, knownModels, writeAnalysisNotebook, wrongModelReason,
  type RetrainDecision, type RetrainLogLine,
} from '../core/retrain';
import { UsageError, str, type Command, type Out } from './context';
import { escapeText, localTime, plural, printJson, table } from './output';

/** mlops_log.py for the steps' PYTHONPATH: next to the bundle (dist/ → python/) or the compiled sources (out/src/cli). */
function pythonLibDir(): string | undefined {
  for (const dir of [path.join(__dirname, '..', 'python'), path.join(__dirname, '..', '..', '..', 'python')]) {
    if (fs.existsSync(path.join(dir, 'mlops_log.py'))) { return dir; }
  }
  return undefined;
}

/** What became of one decision in this check. */
interface Outcome {
  decision: RetrainDecision;
  line: RetrainLogLine;
  /** Set when --apply ran the pipeline. */
  result?: PipelineResult;
  /** Why an automatic run could not start (the pipeline file, the plan, another pipeline on the same outputs). */
  error?: string;
}

/** Problems of goals.json that touch retraining (or the whole file), as `file:line:column: message` on stderr. */
async function goalsErrors(io: Out, store: Store): Promise<{ count: number; goals?: Goals }> {
  const read = await store.goals.read();
  const shown = [...read.doc.problems.filter((p) => p.path === '(file)' || p.path.startsWith('retraining')), ...await retrainingProblems(store, read)]
    .sort((a, b) => a.offset - b.offset);
  for (const p of shown) {
    const at = lineColumn(read.text, p.offset);
    io.stderr(`mlops: ${store.rel(store.goalsFile())}:${at.line}:${at.column}: ${p.severity}: ${p.message}\n`);
  }
  const errors = shown.filter((p) => p.severity === 'error');
  return { count: errors.length, goals: read.doc.goals };
}

async function runAutomatic(io: Out, store: Store, d: RetrainDecision, opts: { python?: string; json: boolean; signal: AbortSignal }): Promise<Outcome> {
  const e = d.evaluation;
  const say = opts.json ? io.stderr : io.stdout;
  const asked = (error: string): Outcome => ({
    decision: d, error,
    line: logLineOf(d, { source: 'cli', decision: 'asked', applied: 'ask', withheld: `automation withheld: pipeline '${d.pipeline}' could not start: ${error}` }),
  });
  const read = await readPipeline(store, d.pipeline!).catch((err: unknown) => ({ pipeline: undefined, problems: [], error: (err as Error).message }));
  if (!read.pipeline) {
    for (const p of read.problems) { io.stderr(`${formatProblem(p)}\n`); }
    return asked('error' in read ? read.error : `${plural(read.problems.length, 'problem')} in its file`);
  }
  // The file may have changed since the evaluation read it: never retrain a model other than the one that fired.
  const wrong = wrongModelReason(e, d.pipeline, read.pipeline.doc.model);
  if (wrong) { return { decision: d, line: logLineOf(d, { source: 'cli', decision: 'asked', applied: 'ask', withheld: `automation withheld: ${wrong}` }) }; }
  let plan;
  try { plan = await planPipeline(store, read.pipeline, { facts: e.facts }); } catch (err) {
    if (!(err instanceof MlopsError)) { throw err; }
    return asked(err.message);
  }
  say(`\nRetraining ${e.model} (trigger '${e.trigger.name}'): pipeline '${read.pipeline.name}'\n${formatPlan(plan).map((l) => `  ${l}`).join('\n')}\n`);
  const logged: Promise<void>[] = [];
  let result: PipelineResult;
  try {
    result = await executePipeline(store, plan, {
      signal: opts.signal, via: 'cli', stage: 'staging', trigger: { name: e.trigger.name, level: d.applied },
      python: opts.python, pythonLibDir: pythonLibDir(),
      onEvent: (ev: PipelineEvent) => {
        switch (ev.kind) {
          case 'pipelineStarted':
            // The log says a retrain is under way while it runs (the editor and a second check see it).
            logged.push(appendRetrainLog(store, [logLineOf(d, { source: 'cli', decision: 'started', pipelineRunId: ev.runId })]));
            break;
          case 'stepStarted': say(`── ${ev.stepId} (run ${ev.runId})\n`); break;
          case 'output': io.stderr(ev.text); break;
          case 'stepEnded': say(`── ${ev.stepId} ${ev.state === 'ran' ? 'finished' : ev.state}${ev.exitCode !== undefined && ev.state !== 'ran' ? ` (exit code ${ev.exitCode})` : ''}\n`); break;
          case 'registered': say(`   ${ev.stepId}: ${ev.what}\n`); break;
          default: break;
        }
      },
    });
  } catch (err) {
    if (!(err instanceof MlopsError)) { throw err; }
    await Promise.all(logged);
    return asked(err.message);
  }
  await Promise.all(logged);
  const end: RetrainLogLine['decision'] = result.status === 'finished' ? 'finished' : result.status === 'killed' ? 'killed' : 'failed';
  say(`${result.message} (run ${result.runId})\n`);
  for (const m of result.models) { say(`model: ${m.model} v${m.version} (${m.stage})\n`); }
  return { decision: d, result, line: logLineOf(d, { source: 'cli', decision: end, pipelineRunId: result.runId, models: result.models }) };
}

/** What became of the pipeline run that handled an episode, worded from the version it registered and its stage now. */
function handledText(d: RetrainDecision, runId: string): string {
  const schedule = d.evaluation.facts.schedule;
  const s = schedule !== null && typeof schedule === 'object' && !Array.isArray(schedule) ? schedule : {};
  if (s.lastPipelineRun !== runId || typeof s.lastVersion !== 'number') { return `being retrained by pipeline run ${runId} (still running)`; }
  const v = `${d.evaluation.model} v${s.lastVersion}`;
  if (s.lastVersionStage === 'staging') { return `already retrained by pipeline run ${runId}: ${v} is in staging; promote it through the gate`; }
  if (s.lastVersionStage === 'production') { return `already retrained by pipeline run ${runId}: ${v} is in production`; }
  return `already retrained by pipeline run ${runId}: ${v} is in stage ${typeof s.lastVersionStage === 'string' ? s.lastVersionStage : 'none'}; promote it through the gate if it is good`;
}

function checkTable(outcomes: readonly Outcome[]): string {
  const rows = outcomes.map(({ decision: d, line, result }) => {
    const e = d.evaluation;
    const level = d.requested === line.applied ? d.requested : `${d.requested} → ${line.applied}`;
    const state = result ? `${line.decision} (run ${result.runId})` : line.handledBy ? `handled by run ${line.handledBy}` : line.decision;
    return [e.trigger.name, e.model, e.fired ? 'yes' : 'no', level, state, d.pipeline ?? '-', e.summary];
  });
  return table([['TRIGGER', 'MODEL', 'FIRED', 'LEVEL', 'DECISION', 'PIPELINE', 'SUMMARY'], ...rows]);
}

export const RETRAIN_COMMANDS: Record<string, Command> = {
  'retrain check': {
    options: { model: { type: 'string', short: 'm' }, apply: { type: 'boolean' }, python: { type: 'string' } }, positionals: 0,
    async run({ io, values, json, store: open }) {
      const store = await open();
      const model = str(values, 'model');
      const { count: errorCount, goals } = await goalsErrors(io, store);
      if (!goals) { throw new UsageError(`${store.rel(store.goalsFile())} cannot be used; fix it first`); }
      const triggers = goals.retraining.triggers;
      if (!triggers.length) {
        if (json) { printJson(io, { outcomes: [], exitCode: errorCount ? 2 : 0 }); } else { io.stdout('No retraining triggers (goals.json retraining.triggers); see docs/retraining.md.\n'); }
        return errorCount ? 2 : 0;
      }
      const models = await knownModels(store);
      if (model !== undefined && !models.has(model)) {
        throw new UsageError(`no model '${model}' is registered or monitored${models.size ? ` (models: ${[...models].join(', ')})` : ''}`);
      }
      // A trigger naming a model that does not exist was warned about above (at its place in goals.json): not
      // evaluated, not logged, and a person is needed to fix it.
      const all = await evaluateTriggers(store, goals, { ...(model ? { model } : {}) });
      const evaluations = all.filter((e) => models.has(e.model));
      const missingModel = all.length > evaluations.length;
      const apply = values.apply === true;
      const controller = new AbortController();
      const onSignal = (): void => { if (!controller.signal.aborted) { io.stderr('\nmlops: stopping the retraining pipeline (nothing is registered)\n'); controller.abort(); } };
      if (apply) { process.on('SIGINT', onSignal); process.on('SIGTERM', onSignal); }
      const outcomes: Outcome[] = [];
      /** Per model and pipeline, the run this check started: a second automatic trigger for them is handled by it. */
      const ranFor = new Map<string, string>();
      try {
        for (const e of evaluations) {
          const d = decide(e);
          if (e.fired && d.applied === 'auto') {
            const earlier = ranFor.get(`${e.model}\0${d.pipeline}`) ?? episodeHandledBy(e);
            if (earlier) {
              outcomes.push({ decision: d, line: logLineOf(d, { source: 'cli', decision: 'notified', handledBy: earlier }) });
              continue;
            }
            if (apply && !controller.signal.aborted) {
              const o = await runAutomatic(io, store, d, { python: str(values, 'python') ?? (io.env?.MLOPS_PYTHON || undefined), json, signal: controller.signal });
              if (o.result?.status === 'finished' && o.result.models.some((m) => m.model === e.model)) { ranFor.set(`${e.model}\0${d.pipeline}`, o.result.runId); }
              outcomes.push(o);
              continue;
            }
          }
          // Without --apply an automatic decision is only reported: a person (or the next check with --apply) acts.
          outcomes.push({ decision: d, line: logLineOf(d, { source: 'cli', ...(e.fired && d.applied === 'auto' ? { decision: 'notified' } : {}) }) });
        }
      } finally {
        if (apply) { process.off('SIGINT', onSignal); process.off('SIGTERM', onSignal); }
        // Every evaluation is logged, also when a run was stopped half-way.
        await appendRetrainLog(store, outcomes.map((o) => o.line));
      }
      const needsPerson = outcomes.some(({ decision: d, line }) => d.evaluation.fired && !line.handledBy && (line.applied !== 'auto' || line.decision === 'notified'));
      const runFailed = outcomes.some((o) => o.error !== undefined || (o.result && o.result.status !== 'finished'));
      const exitCode = errorCount ? 2 : needsPerson || runFailed || missingModel ? 1 : 0;
      if (json) {
        printJson(io, {
          outcomes: outcomes.map(({ decision: d, line, result, error }) => ({
            ...line, ...(d.evaluation.since ? { since: d.evaluation.since } : {}), ...(result ? { status: result.status, message: result.message } : {}), ...(error ? { error } : {}),
          })),
          exitCode,
        });
        return exitCode;
      }
      io.stdout(checkTable(outcomes));
      for (const { decision: d, line, error } of outcomes) {
        if (!d.evaluation.fired) { continue; }
        const who = `${d.evaluation.trigger.name} (${d.evaluation.model})`;
        if (d.evaluation.trigger.description) { io.stdout(`  ${who}: why this threshold: ${d.evaluation.trigger.description}\n`); }
        if (line.withheld) { io.stdout(`  ${who}: ${line.withheld}\n`); }
        if (error === undefined && line.applied === 'auto' && !apply && !line.handledBy) { io.stdout(`  ${who}: would run pipeline '${d.pipeline}' unattended (mlops retrain check --apply)\n`); }
        if (line.handledBy) { io.stdout(`  ${who}: ${handledText(d, line.handledBy)}\n`); }
        if (line.applied === 'ask') { io.stdout(`  ${who}: look first: mlops retrain analysis ${d.evaluation.model}; then mlops pipeline run ${d.pipeline ?? 'PIPELINE'}\n`); }
      }
      io.stdout(`Logged ${plural(outcomes.length, 'evaluation')} to ${store.rel(retrainLogFile(store))}\n`);
      return exitCode;
    },
  },

  'retrain log': {
    options: { model: { type: 'string', short: 'm' }, limit: { type: 'string', short: 'n' } }, positionals: 0,
    async run({ io, values, json, store: open }) {
      const limitText = str(values, 'limit');
      const limit = limitText === undefined ? 50 : Number(limitText);
      if (!Number.isSafeInteger(limit) || limit < 0) { throw new UsageError(`--limit is a whole number ≥ 0, got '${limitText}'`); }
      const store = await open();
      const { lines, problems, crashes = [] } = await readRetrainLog(store, { ...(str(values, 'model') ? { model: str(values, 'model') } : {}), limit });
      if (json) { printJson(io, { lines, problems }); } else if (!lines.length) {
        io.stdout(`Nothing logged yet (${store.rel(retrainLogFile(store))}); mlops retrain check evaluates the triggers.\n`);
      } else {
        io.stdout(table([['TIME', 'MODEL', 'TRIGGER', 'DECISION', 'LEVEL', 'RUN', 'SUMMARY'], ...lines.map((l) => [
          localTime(l.time), l.model, l.trigger, l.decision, l.level === l.applied ? l.level : `${l.level} → ${l.applied}`,
          l.pipelineRunId ?? (l.handledBy ? `(${l.handledBy})` : '-'), `${l.summary}${l.withheld ? ` — ${l.withheld}` : ''}${l.models?.length ? ` — registered ${l.models.map((m) => `${m.model} v${m.version} (${m.stage})`).join(', ')}` : ''}`,
        ])]));
      }
      // A line cut off by a crash is history (warned, exit 0); a line that is JSON but not a log line is a problem.
      for (const p of problems) { io.stderr(`mlops: warning: ${escapeText(p, true)}\n`); }
      return problems.some((p) => !crashes.includes(p)) ? 1 : 0;
    },
  },

  'retrain analysis': {
    options: { trigger: { type: 'string', short: 't' } }, positionals: 1,
    async run({ io, values, positionals, json, store: open }) {
      const [model] = positionals;
      const store = await open();
      const goals = (await store.goals.read()).doc.goals;
      const name = str(values, 'trigger');
      const evaluations = goals?.retraining.triggers.length ? await evaluateTriggers(store, goals, { model }) : [];
      if (name !== undefined && !evaluations.some((e) => e.trigger.name === name)) {
        throw new UsageError(`no retraining trigger '${name}' for model '${model}'${evaluations.length ? ` (triggers: ${evaluations.map((e) => e.trigger.name).join(', ')})` : ''}`);
      }
      const evaluation = name !== undefined ? evaluations.find((e) => e.trigger.name === name) : evaluations.find((e) => e.fired);
      const { file } = await writeAnalysisNotebook(store, { model, ...(evaluation ? { evaluation, decision: decide(evaluation) } : {}) });
      const shown = path.relative(io.cwd, file) || file;
      if (json) { printJson(io, { file, ...(evaluation ? { trigger: evaluation.trigger.name } : {}) }); } else { io.stdout(`${shown}\n`); }
      return 0;
    },
  },
};
