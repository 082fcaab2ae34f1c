// Every id the extension contributes, in one place; test/unit/ids.test.ts checks them against package.json.
export const EXTENSION_ID = 'mlops-workbench.mlops-workbench';
/** The walkthrough (contributes.walkthroughs), opened as `${EXTENSION_ID}#${WALKTHROUGH_ID}`. */
export const WALKTHROUGH_ID = 'mlops.gettingStarted';

export const Commands = {
  initStore: 'mlops.initStore',
  refresh: 'mlops.refresh',
  logRun: 'mlops.logRun',
  tagData: 'mlops.tagData',
  addRunTag: 'mlops.addRunTag',
  removeRunTag: 'mlops.removeRunTag',
  renameRun: 'mlops.renameRun',
  markRunFinished: 'mlops.markRunFinished',
  markRunFailed: 'mlops.markRunFailed',
  deleteRun: 'mlops.deleteRun',
  restoreRun: 'mlops.restoreRun',
  registerModel: 'mlops.registerModel',
  setModelStage: 'mlops.setModelStage',
  openModelCard: 'mlops.openModelCard',
  revealFile: 'mlops.revealFile',
  copyRunId: 'mlops.copyRunId',
  filterRuns: 'mlops.filterRuns',
  clearRunFilter: 'mlops.clearRunFilter',
  sortRuns: 'mlops.sortRuns',
  loadMoreRuns: 'mlops.loadMoreRuns',
  revealRun: 'mlops.revealRun',
  revealDataVersion: 'mlops.revealDataVersion',
  revealModelVersion: 'mlops.revealModelVersion',
  showRunning: 'mlops.showRunning',
  pinDependency: 'mlops.pinDependency',
  pinAllDependencies: 'mlops.pinAllDependencies',
  addToVetted: 'mlops.addToVetted',
  extractNotebookToScript: 'mlops.extractNotebookToScript',
  restartAndRunAll: 'mlops.restartAndRunAll',
  compareRuns: 'mlops.compareRuns',
  compareDataVersions: 'mlops.compareDataVersions',
  createDataSchema: 'mlops.createDataSchema',
  profileDataVersion: 'mlops.profileDataVersion',
  addPythonLogger: 'mlops.addPythonLogger',
  runScriptAsExperiment: 'mlops.runScriptAsExperiment',
  reproduceRun: 'mlops.reproduceRun',
  defineGoals: 'mlops.defineGoals',
  openGoalsFile: 'mlops.openGoalsFile',
  addCiWorkflow: 'mlops.addCiWorkflow',
  serveModel: 'mlops.serveModel',
  stopServing: 'mlops.stopServing',
  packageModel: 'mlops.packageModel',
  openMonitoringChart: 'mlops.openMonitoringChart',
  refreshMonitoring: 'mlops.refreshMonitoring',
  runPipeline: 'mlops.runPipeline',
  stopPipeline: 'mlops.stopPipeline',
  checkRetraining: 'mlops.checkRetraining',
  runRetrainingPipeline: 'mlops.runRetrainingPipeline',
  openRetrainingAnalysis: 'mlops.openRetrainingAnalysis',
  openRetrainingLog: 'mlops.openRetrainingLog',
  importMlflowRuns: 'mlops.importMlflowRuns',
  refreshMlflowStores: 'mlops.refreshMlflowStores',
  installCli: 'mlops.installCli',
  getStarted: 'mlops.getStarted',
  resolveModelConflict: 'mlops.resolveModelConflict',
  setUpGitMerge: 'mlops.setUpGitMerge',
} as const;

/**
 * Commands the views run on a click, registered but not contributed in package.json (so never in the palette and
 * not part of the checked `Commands` list).
 */
export const InternalCommands = {
  revealExperiment: 'mlops.revealExperiment',
} as const;

export const Views = {
  container: 'mlops',
  experiments: 'mlops.experiments',
  data: 'mlops.data',
  models: 'mlops.models',
  goals: 'mlops.goals',
  monitoring: 'mlops.monitoring',
} as const;

export const Settings = {
  headlineMetric: 'mlops.headlineMetric',
  defaultSort: 'mlops.runs.defaultSort',
  pageSize: 'mlops.runs.pageSize',
  recordGit: 'mlops.git.record',
  gitTagModelVersions: 'mlops.git.tagModelVersions',
  lintEnabled: 'mlops.lint.enabled',
  lintVetted: 'mlops.lint.vettedPackages',
  lintSeverity: 'mlops.lint.severity',
  lintTrainingPatterns: 'mlops.lint.trainingPatterns',
  compareMetricGoals: 'mlops.compare.metricGoals',
  compareSliceThreshold: 'mlops.compare.sliceSpreadThreshold',
  runScriptParamsAs: 'mlops.runScript.paramsAs',
  servePort: 'mlops.serve.port',
  serveHost: 'mlops.serve.host',
  monitoringNotifications: 'mlops.monitoring.notifications',
  retrainingAutomatic: 'mlops.retraining.automatic',
  retrainingNotifications: 'mlops.retraining.notifications',
  mlflowShow: 'mlops.mlflow.show',
  mlflowSearchDepth: 'mlops.mlflow.searchDepth',
} as const;

export const ContextKeys = {
  hasStore: 'mlops.hasStore',
  runsFiltered: 'mlops.runsFiltered',
  serving: 'mlops.serving',
  pipelineRunning: 'mlops.pipelineRunning',
  hasMlflowStore: 'mlops.hasMlflowStore',
  /** Walkthrough completion (contributes.walkthroughs `onContext:`): true once any open store has the thing. */
  walkthroughHasRun: 'mlops.walkthrough.hasRun',
  walkthroughHasDataVersion: 'mlops.walkthrough.hasDataVersion',
  walkthroughHasGoals: 'mlops.walkthrough.hasGoals',
  walkthroughHasProduction: 'mlops.walkthrough.hasProduction',
  /** Set when a step's command really did its work (a Compare Runs panel shown, a launcher written), not merely ran. */
  walkthroughCompared: 'mlops.walkthrough.compared',
  walkthroughCliInstalled: 'mlops.walkthrough.cliInstalled',
} as const;

/** Keys of the per-workspace memento. */
export const StateKeys = {
  runFilter: 'mlops.runFilter',
  runSort: 'mlops.runSort',
  /** Monitoring alert episodes already notified (so a reload does not notify them again). */
  monitoringNotified: 'mlops.monitoring.notified',
  /** Retraining trigger episodes already acted on (notified, asked or run), so a reload does not repeat them. */
  retrainingNotified: 'mlops.retraining.notified',
} as const;
