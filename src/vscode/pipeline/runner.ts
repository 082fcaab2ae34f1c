/**
 * Runs a planned pipeline in the editor: a VS Code task whose CustomExecution is a pseudoterminal printing the
 * runner's events (plan, step headers, the steps' output, a summary), while core `executePipeline` does the work in
 * the extension host. Closing the terminal, Terminate Task or MLOps: Stop Pipeline abort it: the running step's
 * process tree is killed and the pipeline ends `killed` with no model registered.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MlopsError, formatDuration, messageOf, type StoreState } from '../../core';
import { executePipeline, formatPlan, type ExecuteOptions, type PipelineEvent, type PipelinePlan, type PipelineResult } from '../../core/pipeline';
import { selectedPython } from '../lint/python';
import { ContextKeys } from '../ids';
import type { Log } from '../log';
import type { NotifyChange, WorkspaceStores } from '../stores';

export interface PipelineRunnerDeps {
  stores: WorkspaceStores;
  log: Log;
  ext: vscode.ExtensionContext;
}

export type RunInTerminalOptions = Omit<ExecuteOptions, 'signal' | 'onEvent' | 'python' | 'pythonLibDir'> & {
  /** Show the terminal (default true); false keeps it in the background (an automatic retrain). */
  reveal?: boolean;
};

/** The task type of pipeline runs (package.json `taskDefinitions`). */
export const PIPELINE_TASK_TYPE = 'mlops-pipeline';

/** A pipeline running in this window. */
export interface RunningPipeline {
  /** Workspace folder of its store. */
  root: string;
  pipeline: string;
  /** The pipeline run's id, once it is created. */
  runId?: string;
  startedAt: number;
  /** Aborts it (the pipeline ends killed). */
  stop(): void;
  /** Settles with the result when it has ended. */
  done: Promise<PipelineResult>;
}

/**
 * The pipelines running in this window: Stop Pipeline finds them here, and the `mlops.pipelineRunning` context key
 * follows them. One per extension host.
 */
export class PipelineRuns implements vscode.Disposable {
  private readonly live = new Set<RunningPipeline>();
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;

  list(): RunningPipeline[] {
    return [...this.live];
  }

  add(p: RunningPipeline): void {
    this.live.add(p);
    this.changed();
  }

  remove(p: RunningPipeline): void {
    if (this.live.delete(p)) { this.changed(); }
  }

  /** Marks that a running pipeline got its run id. */
  touched(): void {
    this.emitter.fire();
  }

  private changed(): void {
    void vscode.commands.executeCommand('setContext', ContextKeys.pipelineRunning, this.live.size > 0);
    this.emitter.fire();
  }

  dispose(): void {
    // Closing the window stops what it runs: nothing is left running that nobody watches.
    for (const p of this.live) { p.stop(); }
    this.emitter.dispose();
  }
}

/** The running pipelines of this extension host. */
export const pipelineRuns = new PipelineRuns();

let taskCounter = 0;

const CSI = '\x1b[';
const bold = (s: string) => `${CSI}1m${s}${CSI}0m`;
const dim = (s: string) => `${CSI}2m${s}${CSI}0m`;
const red = (s: string) => `${CSI}31m${s}${CSI}0m`;
const green = (s: string) => `${CSI}32m${s}${CSI}0m`;
const yellow = (s: string) => `${CSI}33m${s}${CSI}0m`;

/** Terminal text: every line ends CRLF (a pseudoterminal does not translate \n). */
export function toTerminal(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** How one event reads in the pipeline's terminal (without the CRLF translation). */
export function describeEvent(e: PipelineEvent): string {
  switch (e.kind) {
    case 'pipelineStarted':
      return `${bold(`Pipeline ${e.plan.pipeline.name}`)} ${dim(`(run ${e.runId})`)}\n${formatPlan(e.plan).map((l) => `  ${l}`).join('\n')}\n${e.plan.warnings.map((w) => yellow(`  warning: ${w}\n`)).join('')}\n`;
    case 'stepSkipped':
      return `${dim(`— ${e.stepId}: ${e.state === 'upToDate' ? 'up to date' : e.state === 'notRun' ? 'not run' : 'skipped'} (${e.reason})`)}\n`;
    case 'stepStarted':
      return `${bold(`▶ ${e.stepId}`)} ${dim(`(run ${e.runId})`)}\n${dim(`$ ${e.command.map(quoteArg).join(' ')}`)}\n`;
    case 'output':
      return e.text;
    case 'stepEnded': {
      const how = e.state === 'ran' ? green(`✔ ${e.stepId} finished`) : e.state === 'killed' ? yellow(`■ ${e.stepId} was stopped`)
        : red(`✖ ${e.stepId} failed${e.exitCode !== undefined ? ` (exit code ${e.exitCode})` : ''}`);
      return `\n${how} ${dim(`in ${formatDuration(e.durationMs)}`)}\n\n`;
    }
    case 'registered':
      return `  ${green('+')} ${e.what}\n`;
    case 'pipelineEnded': {
      const text = e.status === 'finished' ? green(e.message) : e.status === 'killed' ? yellow(e.message) : red(e.message);
      return `\n${bold(text)}\n`;
    }
    default:
      return '';
  }
}

function quoteArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** What in the store an event changed, so the views update without waiting for the file watcher. */
function changeOf(e: PipelineEvent, parentId: string | undefined): NotifyChange | undefined {
  switch (e.kind) {
    case 'pipelineStarted': return { runs: [e.runId], experiments: true };
    case 'stepStarted': return { runs: [e.runId, ...(parentId ? [parentId] : [])] };
    case 'stepSkipped': return parentId ? { runs: [parentId] } : undefined;
    case 'stepEnded': return { runs: [e.runId, ...(parentId ? [parentId] : [])], metrics: [e.runId], data: true };
    case 'registered': return { data: true, models: true };
    case 'pipelineEnded': return { runs: [e.runId], data: true, models: true };
    default: return undefined;
  }
}

/**
 * Runs `plan` as a VS Code task with its output in a terminal, through core `executePipeline`, with the interpreter
 * Run Script uses and `mlops_log` on PYTHONPATH. Resolves with the result when the pipeline has ended (failed and
 * killed pipelines resolve too; the result says). Rejects when nothing could start (an untrusted workspace, another
 * pipeline writing the same outputs), having created nothing.
 */
export async function runPipelineInTerminal(deps: PipelineRunnerDeps, state: StoreState, plan: PipelinePlan, opts: RunInTerminalOptions = {}): Promise<PipelineResult> {
  if (!vscode.workspace.isTrusted) {
    throw new MlopsError('pipelines are not run in an untrusted workspace (their steps would execute code from this folder); trust the workspace to run them', 'invalid-input');
  }
  const { stores, log, ext } = deps;
  const name = plan.pipeline.name;
  const python = await selectedPython(vscode.Uri.file(state.root), log);
  const pythonLibDir = path.join(ext.extensionPath, 'python');
  const controller = new AbortController();
  const write = new vscode.EventEmitter<string>();
  const close = new vscode.EventEmitter<number>();
  let settle!: { resolve: (r: PipelineResult) => void; reject: (e: unknown) => void };
  const done = new Promise<PipelineResult>((resolve, reject) => { settle = { resolve, reject }; });
  const entry: RunningPipeline = { root: state.root, pipeline: name, startedAt: Date.now(), stop: () => controller.abort(), done };
  let started = false;
  let terminalClosed = false;

  // The views follow the run as it goes; notifications are applied in order, and the result waits for the last one.
  let notified: Promise<void> = Promise.resolve();
  const notify = (change: NotifyChange | undefined) => {
    if (!change) { return; }
    notified = notified.then(() => stores.notify(state.root, change)).catch((e: unknown) => log.warn(`pipeline ${name}: updating the views: ${messageOf(e)}`));
  };

  const start = () => {
    if (started) { return; }
    started = true;
    const out = (s: string) => { if (!terminalClosed) { write.fire(toTerminal(s)); } };
    executePipeline(state.store, plan, {
      ...opts, via: opts.via ?? 'extension', python, pythonLibDir, signal: controller.signal,
      onEvent: (e) => {
        if (e.kind === 'pipelineStarted') { entry.runId = e.runId; pipelineRuns.touched(); }
        out(describeEvent(e));
        notify(changeOf(e, entry.runId));
      },
    }).then(async (result) => {
      await notified;
      log.info(`pipeline ${name}: ${result.message} (run ${result.runId})`);
      out(dim('\nThe terminal can be closed.\n'));
      close.fire(result.status === 'finished' ? 0 : 1);
      settle.resolve(result);
    }, async (e: unknown) => {
      await notified;
      out(red(`\n${messageOf(e)}\n`));
      close.fire(1);
      settle.reject(e);
    });
  };

  const pty: vscode.Pseudoterminal = {
    onDidWrite: write.event,
    onDidClose: close.event,
    open: () => start(),
    // Closing the terminal or Terminate Task: the pipeline is stopped.
    close: () => { terminalClosed = true; controller.abort(); },
    // Ctrl+C in the terminal stops it too.
    handleInput: (data) => { if (data === '\x03') { write.fire(toTerminal(yellow('\n^C stopping the pipeline…\n'))); controller.abort(); } },
  };
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(state.root));
  const task = new vscode.Task({ type: PIPELINE_TASK_TYPE, pipeline: name, id: `${Date.now()}-${++taskCounter}` }, folder ?? vscode.TaskScope.Workspace,
    `pipeline ${name}`, 'MLOps', new vscode.CustomExecution(() => Promise.resolve(pty)));
  task.presentationOptions = { reveal: opts.reveal === false ? vscode.TaskRevealKind.Silent : vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true };

  pipelineRuns.add(entry);
  try {
    await vscode.tasks.executeTask(task);
    const result = await done;
    announce(state, name, result, () => terminalClosed);
    return result;
  } catch (e) {
    // The task could not start: its terminal never opened, so nothing ran.
    if (!started) { controller.abort(); }
    throw e;
  } finally {
    pipelineRuns.remove(entry);
    write.dispose();
    close.dispose();
  }
}

export const SHOW_OUTPUT = 'Show Output';

/**
 * Says how it ended: a warning with Show Output when it failed or was stopped, an information message naming the
 * registered model versions when it finished. Not awaited: the result does not wait for someone to read it.
 */
function announce(state: StoreState, name: string, result: PipelineResult, terminalClosed: () => boolean): void {
  if (result.status === 'finished') {
    const models = result.models.map((m) => `${m.model} v${m.version} (${m.stage === 'none' ? 'no stage' : m.stage})`);
    void vscode.window.showInformationMessage(`MLOps: pipeline '${name}' finished${models.length ? `; registered ${models.join(', ')}` : ''}.`
      + `${result.message.includes('; ') ? ` ${result.message.slice(result.message.indexOf('; ') + 2)}` : ''}`);
    return;
  }
  const failed = result.steps.find((s) => s.state === 'failed' || s.state === 'killed');
  void vscode.window.showWarningMessage(`MLOps: ${result.message}`, SHOW_OUTPUT).then(async (answer) => {
    if (answer !== SHOW_OUTPUT) { return; }
    const terminal = terminalClosed() ? undefined : vscode.window.terminals.find((t) => t.name.includes(`pipeline ${name}`));
    if (terminal) { terminal.show(); return; }
    // The terminal is gone: the failing step's output is kept in its run folder.
    if (failed?.runId) { await vscode.window.showTextDocument(vscode.Uri.file(path.join(state.store.runDir(failed.runId), 'output.log'))); }
  });
}
