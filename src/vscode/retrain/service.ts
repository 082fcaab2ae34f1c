import * as vscode from 'vscode';
import { MlopsError, messageOf, type StoreState } from '../../core';
import type { Goals } from '../../core/goals/document';
import type { MonitorReport } from '../../core/monitor/types';
import type { Facts, PipelineResult } from '../../core/pipeline/types';
import type { RetrainDecision, RetrainLogLine, TriggerEvaluation } from '../../core/retrain/types';
import { Commands, Settings, StateKeys, Views } from '../ids';
import type { Log } from '../log';
import type { MonitorService } from '../monitor/monitorService';
import type { WorkspaceStores } from '../stores';
import { appendRetrainLog, decide, episodeLogged, evaluateTriggers, logLineOf, pipelineRuns, planPipeline, readPipeline, readRetrainLog, runPipelineFlow, runPipelineInTerminal } from './coreApi';
import { episodeKey, triggerKey, type RetrainingView } from './view';

const DEBOUNCE_MS = 300;
const NOTIFIED_MAX = 500;
const LOG_READ = 50;
/** Lines read to find whether a firing episode is already logged (by another window, the CLI or a teammate). */
const LOG_CHECK = 1000;

/** Buttons of the retraining notifications (the host tests click them through a stub). */
export const RetrainActions = {
  run: 'Run Retraining Pipeline',
  analysis: 'Open Analysis',
  monitoring: 'Show Monitoring',
  dontShow: 'Don\'t Show Again',
} as const;

interface RootState {
  evaluations: { evaluation: TriggerEvaluation; decision?: RetrainDecision }[];
  log: RetrainLogLine[];
  logProblems: string[];
  error?: string;
}

/** A run a trigger (or a person, through Run Retraining Pipeline) started in this window. */
interface RunningPipeline { root: string; pipeline: string; model: string; trigger?: string }

/**
 * Retraining live in the editor. Each time the Monitoring service has settled reports for a store (and when goals.json
 * changes), the store's triggers are evaluated with those reports. A trigger that starts firing opens an episode
 * (keyed by what it watches and `since`, remembered in workspaceState so a reload does not repeat it): it is decided
 * (the safety rule), logged, and acted on once — a notification (notify), a notification offering Run Retraining
 * Pipeline and Open Analysis (ask, and auto when withheld), or the pipeline run unattended (auto, when the setting
 * allows and the workspace is trusted). A trigger that stops firing is logged too. Nothing else is written.
 */
export class RetrainingService implements vscode.Disposable {
  private readonly roots = new Map<string, RootState>();
  /** Firing episodes already acted on (kept across reloads). */
  readonly notified: string[];
  /** Trigger keys firing at the last evaluation, per root (to log when one stops). */
  private readonly firing = new Map<string, Set<string>>();
  private readonly running = new Map<string, RunningPipeline>();
  private readonly queued = new Set<string>();
  private readonly evaluating = new Map<string, { run: Promise<void>; again: boolean }>();
  private readonly runs = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private disposed = false;
  /** Fires when an evaluation, the log or a running pipeline changes (the Monitoring view redraws). */
  readonly onDidChange = this.changed.event;
  /** Episodes acted on in this window, in order: what was decided and done (the host tests read it). */
  readonly acted: { root: string; model: string; trigger: string; decision: RetrainLogLine['decision']; applied: string; withheld?: string; result?: PipelineResult }[] = [];
  /** For the host tests: read instead of vscode.workspace.isTrusted when set. */
  trustedOverride: boolean | undefined;

  constructor(private readonly monitor: MonitorService, private readonly stores: WorkspaceStores, private readonly ctx: vscode.ExtensionContext, private readonly log: Log) {
    this.notified = [...ctx.workspaceState.get<string[]>(StateKeys.retrainingNotified, [])];
    this.disposables.push(
      monitor.onDidChange(() => { for (const r of monitor.roots()) { this.schedule(r); } }),
      stores.onDidChange((changes) => { for (const { state, change } of changes) { if (change.full || change.goals || change.models || change.data || change.runs.size) { this.schedule(state.root); } } }),
      stores.onDidChangeFile(({ root, relPath }) => { if (relPath.startsWith('retraining/')) { void this.reloadLog(root); } }),
      stores.onDidChangeStores(() => { for (const r of [...this.roots.keys()]) { if (!stores.get(r)) { this.roots.delete(r); } } this.changed.fire(); }),
    );
  }

  private get trusted(): boolean {
    return this.trustedOverride ?? vscode.workspace.isTrusted;
  }

  /** The view model of one model's retraining, or undefined when no trigger watches it and the log has nothing for it. */
  viewOf(root: string, model: string): RetrainingView | undefined {
    const s = this.roots.get(root);
    if (!s) { return undefined; }
    const triggers = s.evaluations.filter((e) => e.evaluation.model === model);
    const log = s.log.filter((l) => l.model === model);
    const running = [...this.running.values()].find((r) => r.root === root && r.model === model);
    if (!triggers.length && !log.length && !running) { return undefined; }
    return { root, model, triggers, log, ...(s.logProblems.length ? { logProblems: s.logProblems } : {}),
      ...(running ? { running: { pipeline: running.pipeline, ...(running.trigger ? { trigger: running.trigger } : {}) } } : {}), ...(s.error ? { error: s.error } : {}) };
  }

  /** The latest evaluations of a store (every model), each with its decision when it fired. */
  evaluations(root: string): { evaluation: TriggerEvaluation; decision?: RetrainDecision }[] {
    return this.roots.get(root)?.evaluations ?? [];
  }

  /** Pipelines running from this window. */
  runningPipelines(): RunningPipeline[] {
    return [...this.running.values()];
  }

  private schedule(root: string): void {
    if (this.disposed) { return; }
    this.queued.add(root);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const roots = [...this.queued];
      this.queued.clear();
      for (const r of roots) { void this.evaluate(r); }
    }, DEBOUNCE_MS);
  }

  /** Evaluates a store's triggers (one evaluation per store at a time; a request meanwhile runs once more after it). */
  evaluate(root: string): Promise<void> {
    const running = this.evaluating.get(root);
    if (running) { running.again = true; return running.run; }
    const job = { run: Promise.resolve(), again: false };
    job.run = (async () => {
      do { job.again = false; await this.evaluateOnce(root).catch((e: unknown) => this.log.error(`retraining: ${root}: ${messageOf(e)}`)); } while (job.again && !this.disposed);
    })().finally(() => this.evaluating.delete(root));
    this.evaluating.set(root, job);
    return job.run;
  }

  /** Waits until no evaluation is pending or running (tests, Check Retraining). Pipelines started are not waited for. */
  async settled(): Promise<void> {
    await this.monitor.settled();
    while (this.timer || this.evaluating.size) {
      await Promise.all([...this.evaluating.values()].map((e) => e.run));
      if (this.timer) { await new Promise((r) => setTimeout(r, DEBOUNCE_MS + 20)); }
    }
  }

  /** Waits for the pipelines started from this window (tests). */
  async pipelinesDone(): Promise<void> {
    while (this.runs.size) { await Promise.allSettled([...this.runs]); }
  }

  /** The settled reports of a store's monitored models, or undefined while one is still being built. */
  private reportsOf(root: string): Map<string, MonitorReport> | undefined {
    const entries = this.monitor.list(root);
    // A provisional report (read from windows.jsonl while the log is read) never decides anything.
    if (entries.some((e) => e.stale || (!e.report && !e.error))) { return undefined; }
    return new Map(entries.flatMap((e) => (e.report ? [[e.model, e.report] as const] : [])));
  }

  private goalsOf(state: StoreState): Goals | undefined {
    return state.goalsFile?.doc.goals;
  }

  private async evaluateOnce(root: string): Promise<void> {
    const state = this.stores.get(root);
    const goals = state && this.goalsOf(state);
    if (!state || !goals?.retraining.triggers.length) {
      const had = this.roots.get(root);
      if (state) { await this.reloadLog(root, { evaluations: [], log: had?.log ?? [], logProblems: had?.logProblems ?? [] }); } else { this.roots.delete(root); }
      this.firing.delete(root);
      this.changed.fire();
      return;
    }
    const reports = this.reportsOf(root);
    if (!reports) { return; }
    let evaluations: TriggerEvaluation[];
    const prev = this.roots.get(root);
    try {
      evaluations = await evaluateTriggers(state.store, goals, { reports });
    } catch (e) {
      this.roots.set(root, { evaluations: [], log: prev?.log ?? [], logProblems: prev?.logProblems ?? [], error: messageOf(e) });
      this.changed.fire();
      return;
    }
    const decided = evaluations.map((evaluation) => ({ evaluation, ...(evaluation.fired ? { decision: decide(evaluation) } : {}) }));
    this.roots.set(root, { evaluations: decided, log: prev?.log ?? [], logProblems: prev?.logProblems ?? [] });
    this.changed.fire();

    const before = this.firing.get(root) ?? new Set<string>();
    const now = new Set<string>();
    const lines: RetrainLogLine[] = [];
    const starts: { evaluation: TriggerEvaluation; decision: RetrainDecision }[] = [];
    for (const { evaluation, decision } of decided) {
      const tKey = triggerKey(root, evaluation);
      if (evaluation.fired && decision) {
        now.add(tKey);
        const key = episodeKey(root, evaluation, decision.applied);
        if (!this.notified.includes(key)) { this.remember(key); starts.push({ evaluation, decision }); }
      } else if (before.has(tKey)) {
        // Stopped firing: worth a line (the log shows when an episode ended).
        lines.push(logLineOf(decide(evaluation), { decision: 'quiet', source: 'extension' }));
      }
    }
    this.firing.set(root, now);
    if (lines.length) { await this.append(state, lines); }
    // Episodes another window, the CLI or a teammate's pull already logged are told here but not logged again.
    const logged = starts.length ? (await readRetrainLog(state.store, { limit: LOG_CHECK }).catch(() => ({ lines: [] as RetrainLogLine[] }))).lines : [];
    for (const s of starts) { await this.startEpisode(state, s.evaluation, s.decision, logged); }
  }

  private remember(key: string): void {
    this.notified.push(key);
    if (this.notified.length > NOTIFIED_MAX) { this.notified.splice(0, this.notified.length - NOTIFIED_MAX); }
    void this.ctx.workspaceState.update(StateKeys.retrainingNotified, [...this.notified]);
  }

  async append(state: StoreState, lines: RetrainLogLine[]): Promise<void> {
    if (!lines.length) { return; }
    try {
      await appendRetrainLog(state.store, lines);
    } catch (e) {
      this.log.warn(`retraining: cannot append to the retraining log of ${state.root}: ${messageOf(e)}`);
    }
    await this.reloadLog(state.root);
  }

  private async reloadLog(root: string, base?: RootState): Promise<void> {
    const state = this.stores.get(root);
    if (!state) { return; }
    const { lines, problems } = await readRetrainLog(state.store, { limit: LOG_READ }).catch((e: unknown) => ({ lines: [] as RetrainLogLine[], problems: [messageOf(e)] }));
    const s = base ?? this.roots.get(root) ?? { evaluations: [], log: [], logProblems: [] };
    // Newest first, whatever order the reader gives.
    s.log = [...lines].sort((a, b) => b.time.localeCompare(a.time));
    s.logProblems = problems;
    this.roots.set(root, s);
    this.changed.fire();
  }

  private notificationsOn(): boolean {
    return vscode.workspace.getConfiguration().get<boolean>(Settings.retrainingNotifications, true);
  }

  /** Why automation is withheld in this window (beyond the safety rule), or undefined when a pipeline may run now. */
  private windowWithholds(root: string, d: RetrainDecision): string | undefined {
    if (!this.trusted) { return 'automation withheld: the workspace is not trusted, so no pipeline runs here'; }
    if (!vscode.workspace.getConfiguration().get<boolean>(Settings.retrainingAutomatic, true)) { return `automation withheld: the setting ${Settings.retrainingAutomatic} is off in this window`; }
    if (!d.pipeline) { return 'automation withheld: no pipeline is named (retraining.pipeline in goals.json, or the trigger\'s pipeline)'; }
    const busy = this.running.get(`${root}\n${d.pipeline}`);
    if (busy) { return `automation withheld: pipeline '${d.pipeline}' is already running${busy.trigger ? ` (started for trigger '${busy.trigger}')` : ''}; run it again when it has ended`; }
    // Started by a person (Run Pipeline…) in this window.
    if (pipelineRuns.list().some((p) => p.root === root && p.pipeline === d.pipeline)) { return `automation withheld: pipeline '${d.pipeline}' is already running; run it again when it has ended`; }
    return undefined;
  }

  private async startEpisode(state: StoreState, evaluation: TriggerEvaluation, decision: RetrainDecision, logged: readonly RetrainLogLine[]): Promise<void> {
    const root = state.root;
    const base = { root, model: evaluation.model, trigger: evaluation.trigger.name };
    if (decision.applied === 'auto') {
      const withheld = this.windowWithholds(root, decision);
      if (!withheld) {
        const run = this.runAutomatic(state, decision);
        this.runs.add(run);
        void run.finally(() => this.runs.delete(run));
        return;
      }
      decision = { ...decision, applied: 'ask', withheld };
    }
    const kind = decision.applied === 'notify' ? 'notified' : 'asked';
    const already = episodeLogged(logged, evaluation, kind);
    if (!already) { await this.append(state, [logLineOf(decision, { decision: kind, source: 'extension' })]); }
    this.acted.push({ ...base, decision: kind, applied: decision.applied, ...(decision.withheld ? { withheld: decision.withheld } : {}) });
    this.log.info(`retraining: ${evaluation.model}: trigger '${evaluation.trigger.name}' fired (${evaluation.summary}); ${decision.applied}${decision.withheld ? ` — ${decision.withheld}` : ''}${already ? ' (already in the retraining log; not logged again)' : ''}`);
    if (decision.applied === 'notify') { this.notify(root, decision); } else { this.ask(root, decision); }
  }

  private headline(d: RetrainDecision): string {
    const e = d.evaluation;
    return `MLOps: retraining trigger '${e.trigger.name}' fired for ${e.model}: ${e.summary}.${e.trigger.description ? ` ${e.trigger.description}` : ''}`;
  }

  private notify(root: string, d: RetrainDecision): void {
    if (!this.notificationsOn()) { return; }
    const shown = vscode.window.showWarningMessage(this.headline(d), RetrainActions.analysis, RetrainActions.monitoring, RetrainActions.dontShow);
    void Promise.resolve(shown).then((choice) => this.onChoice(choice, root, d), (e: unknown) => this.log.warn(`retraining: notification: ${messageOf(e)}`));
  }

  private ask(root: string, d: RetrainDecision): void {
    if (!this.notificationsOn()) { return; }
    const text = `${this.headline(d)}${d.withheld ? ` ${d.withheld[0].toUpperCase()}${d.withheld.slice(1)}.` : ''}${d.pipeline ? ` Run pipeline '${d.pipeline}'?` : ''}`;
    const actions: string[] = [RetrainActions.run, RetrainActions.analysis, RetrainActions.dontShow];
    const shown = vscode.window.showWarningMessage(text, ...actions);
    void Promise.resolve(shown).then((choice) => this.onChoice(choice, root, d), (e: unknown) => this.log.warn(`retraining: notification: ${messageOf(e)}`));
  }

  private async onChoice(choice: string | undefined, root: string, d: RetrainDecision): Promise<void> {
    const target = { root, model: d.evaluation.model, trigger: d.evaluation.trigger.name };
    try {
      if (choice === RetrainActions.run) { await vscode.commands.executeCommand(Commands.runRetrainingPipeline, target); }
      if (choice === RetrainActions.analysis) { await vscode.commands.executeCommand(Commands.openRetrainingAnalysis, target); }
      if (choice === RetrainActions.monitoring) { await vscode.commands.executeCommand(`${Views.monitoring}.focus`); }
      if (choice === RetrainActions.dontShow) { await vscode.workspace.getConfiguration().update(Settings.retrainingNotifications, false, vscode.ConfigurationTarget.Global); }
    } catch (e) {
      this.log.warn(`retraining: ${choice ?? ''}: ${messageOf(e)}`);
    }
  }

  /** The facts a trigger's pipeline plans with: the evaluation's, and which trigger started it at which level. */
  static factsFor(evaluation: TriggerEvaluation, level: string): Facts {
    return { ...evaluation.facts, trigger: { name: evaluation.trigger.name, kind: evaluation.trigger.kind, level } };
  }

  private async runAutomatic(state: StoreState, decision: RetrainDecision): Promise<void> {
    const e = decision.evaluation;
    this.acted.push({ root: state.root, model: e.model, trigger: e.trigger.name, decision: 'started', applied: 'auto' });
    const result = await this.runPipeline(state, decision, { stage: 'staging', level: 'auto', reveal: false }).catch(async (err: unknown) => {
      // Nothing ran (the file does not parse, a cycle, another pipeline writes the same outputs): logged as failed.
      const message = messageOf(err);
      await this.append(state, [logLineOf({ ...decision, evaluation: { ...e, summary: `${e.summary}; the pipeline did not start: ${message}` } }, { decision: 'failed', source: 'extension' })]);
      this.log.warn(`retraining: ${e.model}: automatic run of '${decision.pipeline ?? ''}' did not start: ${message}`);
      if (this.notificationsOn()) { void vscode.window.showErrorMessage(`MLOps: retraining pipeline '${decision.pipeline ?? ''}' for ${e.model} did not start: ${message}`); }
      return undefined;
    });
    const last = this.acted.find((a) => a.root === state.root && a.trigger === e.trigger.name && a.decision === 'started' && !a.result);
    if (last && result) { last.result = result; }
  }

  /**
   * Runs the decision's pipeline with the trigger's facts, logging `started` as soon as the pipeline run exists and how
   * it ended (the runner itself says so in a message). `confirm`: through MLOps: Run Pipeline… (the steps preselected
   * by their conditions, the plan shown before anything runs); else planned and run at once. Throws before anything
   * runs when the pipeline cannot be planned or already runs from this window.
   */
  async runPipeline(state: StoreState, decision: RetrainDecision, opts: { stage: 'none' | 'staging'; level: string; reveal: boolean; confirm?: boolean; log?: boolean }): Promise<PipelineResult | undefined> {
    const e = decision.evaluation;
    const name = decision.pipeline;
    if (!name) { throw new MlopsError(`trigger '${e.trigger.name}' names no pipeline: set retraining.pipeline in goals.json or the trigger's pipeline`, 'invalid-input'); }
    if (!this.trusted) { throw new MlopsError('the workspace is not trusted: a pipeline runs scripts from this folder, so none runs here. Trust the workspace to retrain.', 'invalid-input'); }
    const key = `${state.root}\n${name}`;
    const busy = this.running.get(key);
    if (busy || pipelineRuns.list().some((p) => p.root === state.root && p.pipeline === name)) {
      throw new MlopsError(`pipeline '${name}' is already running in this window${busy?.trigger ? ` (trigger '${busy.trigger}')` : ''}; wait for it or stop it`, 'conflict');
    }
    // Reserved before the first await: a second episode decided in the same evaluation sees it (and asks instead).
    this.running.set(key, { root: state.root, pipeline: name, model: e.model, trigger: e.trigger.name });
    this.changed.fire();
    const logged = opts.log !== false;
    let startedLogged: string | undefined;
    let startedWrite: Promise<void> = Promise.resolve();
    const startedAt = Date.now();
    // The runner knows the pipeline run's id as soon as it is created.
    const watch = pipelineRuns.onDidChange(() => {
      const run = pipelineRuns.list().find((p) => p.root === state.root && p.pipeline === name && p.runId && p.startedAt >= startedAt);
      if (!run?.runId || startedLogged || !logged) { return; }
      startedLogged = run.runId;
      startedWrite = this.append(state, [logLineOf(decision, { decision: 'started', source: 'extension', pipelineRunId: run.runId })]);
    });
    try {
      const facts = RetrainingService.factsFor(e, opts.level);
      const trigger = { name: e.trigger.name, level: opts.level };
      const deps = { stores: this.stores, log: this.log, ext: this.ctx };
      let result: PipelineResult | undefined;
      if (opts.confirm) {
        result = await runPipelineFlow(deps, { root: state.root, pipeline: name, facts, stage: opts.stage, trigger, reveal: opts.reveal });
      } else {
        const { pipeline, problems } = await readPipeline(state.store, name);
        if (!pipeline) { throw new MlopsError(problems.length ? problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}`).join('; ') : `no pipeline '${name}' (.mlops/pipelines/${name}.json)`, 'invalid-input'); }
        const plan = await planPipeline(state.store, pipeline, { facts });
        result = await runPipelineInTerminal(deps, state, plan, { stage: opts.stage, trigger, via: 'extension', reveal: opts.reveal });
      }
      if (!result) { return undefined; }
      watch.dispose();
      // `started` first in the file, whenever the runner reported the run.
      await startedWrite;
      const end: RetrainLogLine['decision'] = result.status === 'finished' ? 'finished' : result.status === 'killed' ? 'killed' : 'failed';
      await this.append(state, !logged ? [] : [
        ...(startedLogged ? [] : [logLineOf(decision, { decision: 'started', source: 'extension', pipelineRunId: result.runId })]),
        logLineOf(decision, { decision: end, source: 'extension', pipelineRunId: result.runId, models: result.models }),
      ]);
      this.log.info(`retraining: pipeline '${name}' for ${e.model} ${end}: ${result.message}`);
      return result;
    } finally {
      watch.dispose();
      this.running.delete(key);
      this.changed.fire();
    }
  }

  /** Evaluates every store now and logs every trigger's state (Check Retraining); new episodes are acted on as usual. */
  async checkNow(): Promise<{ root: string; evaluations: { evaluation: TriggerEvaluation; decision?: RetrainDecision }[] }[]> {
    await this.monitor.ready();
    await this.settled();
    const out: { root: string; evaluations: { evaluation: TriggerEvaluation; decision?: RetrainDecision }[] }[] = [];
    for (const state of this.stores.list()) {
      const goals = this.goalsOf(state);
      if (!goals?.retraining.triggers.length) { continue; }
      const before = this.notified.length;
      const loggedBefore = new Set(this.acted.map((a) => a));
      await this.evaluate(state.root);
      const evaluations = this.evaluations(state.root);
      // Every trigger gets a line, as `mlops retrain check` writes them; an episode just acted on has its line already.
      const fresh = new Set(this.acted.filter((a) => !loggedBefore.has(a) && a.root === state.root).map((a) => `${a.model}\n${a.trigger}`));
      const lines = evaluations.filter(({ evaluation: e }) => !fresh.has(`${e.model}\n${e.trigger.name}`)).map(({ evaluation, decision }) => {
        const d = decision ?? decide(evaluation);
        return logLineOf(d, { decision: !evaluation.fired ? 'quiet' : d.applied === 'notify' ? 'notified' : 'asked', source: 'extension' });
      });
      await this.append(state, lines);
      this.log.debug(`retraining: checked ${state.root}: ${evaluations.length} trigger evaluation(s), ${this.notified.length - before} new episode(s)`);
      out.push({ root: state.root, evaluations });
    }
    return out;
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    for (const d of this.disposables) { d.dispose(); }
  }
}
