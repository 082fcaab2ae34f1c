// Composition root: creates the adapter-layer objects and registers them. No logic lives here.
import * as vscode from 'vscode';
import { onLockEvent, type Run, type ViewNode } from './core';
import { Commands, ContextKeys, InternalCommands, Views } from './vscode/ids';
import { createLog } from './vscode/log';
import { WorkspaceStores } from './vscode/stores';
import { MlflowStores } from './vscode/mlflow/stores';
import { MlopsTree } from './vscode/tree';
import { ViewState } from './vscode/viewState';
import { RunningStatus } from './vscode/statusBar';
import { guarded } from './vscode/ui';
import { initStore } from './vscode/commands/initStore';
import { addRunTag, copyRunId, deleteRuns, logRun, markRun, removeRunTag, renameRun, restoreRun, revealFile } from './vscode/run/runCommands';
import { tagData } from './vscode/commands/dataCommands';
import { registerModel, setModelStage } from './vscode/commands/modelCommands';
import { filterRuns, loadMore, revealDataVersion, revealExperiment, revealModelVersion, revealRun, sortRuns, type Trees } from './vscode/commands/viewCommands';
import { GoalsTree } from './vscode/goals/goalsView';
import { LintDiagnostics } from './vscode/lint/lintDiagnostics';
import { LintCodeActions, LintHover, addToVetted, pinAllDependencies, pinDependency, type FindingRef } from './vscode/lint/lintActions';
import { extractNotebookToScript, restartAndRunAll, type ExtractOptions } from './vscode/lint/notebookActions';
import { COMPARE_VIEW_TYPE, ComparePanel, ComparePanelSerializer } from './vscode/compare/comparePanel';
import { compareRuns } from './vscode/compare/compareCommand';
import type { CompareDeps } from './vscode/compare/sources';
import { importMlflowRuns } from './vscode/mlflow/importCommand';
import { DATA_COMPARE_VIEW_TYPE, DataComparePanel, DataComparePanelSerializer } from './vscode/data/comparePanel';
import { compareDataVersions, dataCompareSource, restorePair } from './vscode/data/compareCommand';
import { addPythonLogger } from './vscode/commands/pythonLogger';
import { runScriptAsExperiment, type RunScriptArgs } from './vscode/run/runScript';
import { reproduceRun } from './vscode/run/reproduce';
import { defineGoals } from './vscode/goals/defineGoals';
import { openGoalsFile } from './vscode/goals/goalsFile';
import { GoalsDiagnostics } from './vscode/goals/goalsDiagnostics';
import { DataDiagnostics } from './vscode/data/dataDiagnostics';
import { createDataSchema, profileDataVersion } from './vscode/data/schemaCommands';
import { MODEL_CARD_VIEW_TYPE, ModelCardPanel, ModelCardPanelSerializer } from './vscode/card/cardPanel';
import { modelCardSource, openModelCard } from './vscode/card/openModelCard';
import { addCiWorkflow } from './vscode/ci/addCiWorkflow';
import { registerMonitoring, type MonitoringApi } from './vscode/monitor/register';
import { ModelServers } from './vscode/serve/servers';
import { serveModel, stopServing } from './vscode/serve/serveCommand';
import { packageModel } from './vscode/serve/packageCommand';
import { registerRetraining, type RetrainingApi } from './vscode/retrain/register';
import { pipelineRuns, type PipelineRuns } from './vscode/pipeline/runner';
import { runPipeline, stopPipeline, type RunPipelineArgs } from './vscode/pipeline/runPipeline';
import { PipelineDiagnostics } from './vscode/pipeline/pipelineDiagnostics';
import { TeamConflicts, afterInit, registerTeam } from './vscode/team/register';
import { registerWalkthrough } from './vscode/walkthrough/walkthrough';
import { registerInstallCli } from './vscode/cli/installCli';

/** What `activate` returns: used by the integration tests (and readable by other extensions). */
export interface MlopsApi {
  /** Workspace folders that hold a store. */
  storeRoots(): string[];
  stores: WorkspaceStores;
  /** MLflow stores (`mlruns/`, `mlflow.db`) found in the workspace, read-only and kept current. */
  mlflow: MlflowStores;
  trees: Trees;
  viewState: ViewState;
  status: RunningStatus;
  lint: LintDiagnostics;
  /** The open Compare Runs panel, if any. */
  comparePanel(): ComparePanel | undefined;
  /** Restores a Compare Runs panel as after a window reload (what VS Code calls). */
  compareSerializer: ComparePanelSerializer;
  /** The open Compare Data Versions panels (one per pair of versions). */
  dataComparePanels(): DataComparePanel[];
  /** The open model card panels (one per model version). */
  modelCardPanels(): ModelCardPanel[];
  /** The Monitoring view, its chart panels and the alerts in the editor. */
  monitoring: MonitoringApi;
  /** Retraining triggers evaluated live, their notifications and automatic runs, and the analysis notebooks written. */
  retraining: RetrainingApi;
  /** The model servers this window started (MLOps: Serve Model Version). */
  servers: ModelServers;
  /** The pipelines running in this window (MLOps: Run Pipeline…). */
  pipelines: PipelineRuns;
  /**
   * When `activate` started (`performance.now()` of the extension host) and how long it took: it only registers
   * things, and the stores load right after it returns.
   */
  activation: { startedAt: number; ms: number };
}

export function activate(context: vscode.ExtensionContext): MlopsApi {
  const started = performance.now();
  const log = createLog();
  const stores = new WorkspaceStores(log);
  const mlflow = new MlflowStores(log);
  // A lock broken after a crash, or lost by a writer that held it too long, is worth a line in the output channel.
  context.subscriptions.push({ dispose: onLockEvent((e) => log.warn(`lock: ${e.message}`)) });
  const viewState = new ViewState(context.workspaceState);
  const team = new TeamConflicts(stores, log);
  const make = (name: 'experiments' | 'data' | 'models', id: string) => {
    const tree = new MlopsTree(name, stores, viewState, log, mlflow, team);
    // Runs (Compare Runs) and data versions (Compare Data Versions) can be compared by selecting several.
    const view = vscode.window.createTreeView(id, { treeDataProvider: tree, showCollapseAll: true, canSelectMany: name !== 'models' });
    context.subscriptions.push(tree, view);
    return { tree, view };
  };
  const goalsTree = new GoalsTree(stores, log);
  const goalsView = vscode.window.createTreeView(Views.goals, { treeDataProvider: goalsTree, showCollapseAll: true });
  context.subscriptions.push(goalsTree, goalsView);
  const trees: Trees = { experiments: make('experiments', Views.experiments), data: make('data', Views.data), models: make('models', Views.models),
    goals: { tree: goalsTree, view: goalsView } };
  const status = new RunningStatus(stores);
  const updateContext = () => {
    void vscode.commands.executeCommand('setContext', ContextKeys.hasStore, stores.list().length > 0);
    trees.experiments.view.description = trees.experiments.tree.description();
  };
  context.subscriptions.push(log, stores, mlflow, viewState, status,
    stores.onDidChangeStores(updateContext), viewState.onDidChange(updateContext));

  const reg = <A extends unknown[], R>(id: string, fn: (...args: A) => Promise<R> | R) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, guarded(log, id, async (...args: A) => fn(...args))));
  reg(Commands.initStore, async (folder?: vscode.Uri) => {
    const dir = await initStore(folder);
    await stores.reload();
    await afterInit(context, stores, log, dir);
    return dir;
  });
  reg(Commands.refresh, () => stores.reload());
  reg(Commands.refreshMlflowStores, () => mlflow.refresh());
  reg(Commands.logRun, (args?: Parameters<typeof logRun>[2]) => logRun(stores, log, args ?? {}));
  reg(Commands.tagData, (a?: Parameters<typeof tagData>[1], b?: unknown, c?: Parameters<typeof tagData>[3]) => tagData(stores, a, b, c));
  reg(Commands.addRunTag, (t?: unknown, tag?: string) => addRunTag(stores, t, tag));
  reg(Commands.removeRunTag, (t?: unknown, tag?: string) => removeRunTag(stores, t, tag));
  reg(Commands.renameRun, (t?: unknown, name?: string) => renameRun(stores, t, name));
  reg(Commands.markRunFinished, (t?: unknown) => markRun(stores, 'finished', t));
  reg(Commands.markRunFailed, (t?: unknown) => markRun(stores, 'failed', t));
  reg(Commands.deleteRun, (t?: unknown, all?: unknown, opts?: unknown) => deleteRuns(stores, t, all, opts));
  reg(Commands.restoreRun, (a?: { runId?: string; root?: string }) => restoreRun(stores, a));
  reg(Commands.registerModel, (t?: unknown, a?: Parameters<typeof registerModel>[2]) => registerModel(stores, t, a));
  reg(Commands.setModelStage, (t?: unknown, stage?: string, opts?: unknown) => setModelStage(stores, t, stage, opts));
  reg(Commands.revealFile, (t?: unknown) => revealFile(stores, t));
  reg(Commands.copyRunId, (t?: unknown) => copyRunId(stores, t));
  reg(Commands.filterRuns, (f?: Parameters<typeof filterRuns>[1]) => filterRuns(viewState, f, stores, mlflow));
  reg(Commands.clearRunFilter, () => viewState.setFilter({}));
  reg(Commands.sortRuns, (s?: string) => sortRuns(viewState, s, stores));
  reg(Commands.loadMoreRuns, (n?: ViewNode) => loadMore(viewState, trees, n));
  reg(Commands.revealRun, (a: { runId: string; root?: string; store?: string }) => revealRun(stores, viewState, trees, a, mlflow));
  reg(Commands.revealDataVersion, (a: { versionId: string; root?: string }) => revealDataVersion(stores, trees, a));
  reg(InternalCommands.revealExperiment, (a: { experiment: string; root?: string }) => revealExperiment(stores, trees, a));
  reg(Commands.revealModelVersion, (a: { model: string; version: number; root?: string; store?: string }) => revealModelVersion(stores, trees, a, mlflow));
  reg(Commands.showRunning, async () => {
    await vscode.commands.executeCommand(`${Views.experiments}.focus`);
    const running = stores.list().flatMap((s) => s.runs.list().filter((r: Run) => r.status === 'running').map((r) => ({ r, s })));
    if (running.length) { await revealRun(stores, viewState, trees, { runId: running[0].r.id, root: running[0].s.root }); }
  });

  const lint = new LintDiagnostics(log);
  const selector: vscode.DocumentSelector = [{ scheme: 'file' }, { scheme: 'vscode-notebook-cell' }];
  context.subscriptions.push(lint,
    vscode.languages.registerCodeActionsProvider(selector, new LintCodeActions(lint), { providedCodeActionKinds: LintCodeActions.kinds }),
    vscode.languages.registerHoverProvider(selector, new LintHover(lint)));
  reg(Commands.pinDependency, (ref: FindingRef) => pinDependency(lint, ref));
  reg(Commands.pinAllDependencies, (uri: string) => pinAllDependencies(lint, uri));
  reg(Commands.addToVetted, (a: { uri: string; name: string }) => addToVetted(lint, a));
  reg(Commands.extractNotebookToScript, (u?: vscode.Uri | string, o?: ExtractOptions) => extractNotebookToScript(u, o));
  reg(Commands.restartAndRunAll, (u?: vscode.Uri | string) => restartAndRunAll(u));
  lint.scanInBackground([trees.experiments.view, trees.data.view, trees.models.view]);

  reg(Commands.addPythonLogger, (a?: { root?: string }, o?: unknown) => addPythonLogger(context, stores, a, o));
  reg(Commands.runScriptAsExperiment, (u?: vscode.Uri, a?: RunScriptArgs) => runScriptAsExperiment(context, stores, log, u, a));
  reg(Commands.reproduceRun, (t?: unknown, o?: unknown) => reproduceRun(context, stores, log, t, o));
  reg(Commands.defineGoals, (a?: { root?: string }) => defineGoals(stores, a));
  reg(Commands.openGoalsFile, (a?: { root?: string }) => openGoalsFile(stores, a));
  reg(Commands.addCiWorkflow, (a?: unknown) => addCiWorkflow(context, stores, a));
  context.subscriptions.push(new GoalsDiagnostics(stores, log));
  context.subscriptions.push(new DataDiagnostics(stores, log));
  reg(Commands.createDataSchema, (a?: unknown) => createDataSchema(stores, a));
  reg(Commands.profileDataVersion, (a?: unknown) => profileDataVersion(stores, a));
  const compareDeps: CompareDeps = { ext: context, stores, mlflow, log };
  reg(Commands.compareRuns, (clicked?: unknown, all?: unknown) => compareRuns(compareDeps, clicked, all, () => trees.experiments.view.selection));
  const compareSerializer = new ComparePanelSerializer(compareDeps);
  reg(Commands.importMlflowRuns, (node?: unknown) => importMlflowRuns({ stores, mlflow, log }, node));
  context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, compareSerializer), { dispose: () => ComparePanel.current?.dispose() });
  const dataSource = dataCompareSource(context, stores, log);
  reg(Commands.compareDataVersions, (clicked?: unknown, all?: unknown) => compareDataVersions(context, stores, log, dataSource, clicked, all, () => trees.data.view.selection));
  context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(DATA_COMPARE_VIEW_TYPE, new DataComparePanelSerializer(context, log, dataSource, (saved) => restorePair(stores, saved))),
    { dispose: () => { for (const p of DataComparePanel.all()) { p.dispose(); } } },
    // Open comparisons follow the store: a re-profile, a schema.json or drift settings (goals.json, policy.json) change.
    stores.onDidChange((changes) => {
      const roots = new Set(changes.filter(({ change }) => change.full || change.data || change.goals).map(({ state }) => state.root));
      for (const p of DataComparePanel.all()) { if (roots.has(p.pair.root)) { void p.refresh(); } }
    }));

  const cardSource = modelCardSource(stores);
  reg(Commands.openModelCard, (arg?: unknown) => openModelCard(context, stores, log, cardSource, arg));
  context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(MODEL_CARD_VIEW_TYPE, new ModelCardPanelSerializer(context, log, cardSource)),
    { dispose: () => { for (const p of ModelCardPanel.all()) { p.dispose(); } } },
    // An open card follows the store: its run's metrics or record, a stage change, goals.json or a data version.
    stores.onDidChange((changes) => {
      for (const { state, change } of changes) {
        for (const p of ModelCardPanel.all()) {
          if (p.target.root !== state.root) { continue; }
          const runId = p.card?.details.runId;
          const runChanged = runId === undefined ? change.runs.size > 0 || change.metrics.size > 0 : change.runs.has(runId) || change.metrics.has(runId);
          if (change.full || change.models || change.goals || change.data || change.experiments || runChanged) { void p.refresh(); }
        }
      }
    }),
    // Trust granted: the gate's git checks can run now, where the open cards said they were skipped.
    vscode.workspace.onDidGrantWorkspaceTrust(() => { for (const p of ModelCardPanel.all()) { void p.refresh(); } }));

  const monitoring = registerMonitoring(context, stores, log);
  const retraining = registerRetraining(context, stores, log, monitoring);
  const servers = new ModelServers(log);
  // The Monitoring view lists a served model with its URL while it serves.
  context.subscriptions.push(servers, servers.onDidChange((running) => monitoring.syncServing(running)));
  reg(Commands.serveModel, (t?: unknown, a?: unknown) => serveModel(context, stores, servers, log, t, a));
  reg(Commands.stopServing, (t?: unknown) => stopServing(servers, t));
  reg(Commands.packageModel, (t?: unknown, a?: unknown) => packageModel(stores, log, t, a));

  reg(Commands.runPipeline, (a?: RunPipelineArgs) => runPipeline({ stores, log, ext: context }, a));
  reg(Commands.stopPipeline, (t?: unknown) => stopPipeline(t));
  context.subscriptions.push(pipelineRuns, new PipelineDiagnostics(stores, log));
  registerTeam(context, stores, log, team);

  registerWalkthrough(context, stores, log);
  registerInstallCli(context, log);

  void stores.ready().then(updateContext);
  void mlflow.ready();
  const activationMs = performance.now() - started;
  log.info(`activated in ${activationMs.toFixed(1)} ms`);
  return { activation: { startedAt: started, ms: activationMs }, storeRoots: () => stores.list().map((s) => s.root), stores, mlflow, trees, viewState, status, lint, comparePanel: () => ComparePanel.current, compareSerializer,
    dataComparePanels: () => DataComparePanel.all(), modelCardPanels: () => ModelCardPanel.all(), monitoring, retraining, servers, pipelines: pipelineRuns };
}

export function deactivate(): void { /* everything is disposed through context.subscriptions */ }
