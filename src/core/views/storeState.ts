/**
 * Everything the views show of one store, held in memory and kept current by applying file changes one at a time:
 * a changed run.json re-reads that run only, a grown metrics.jsonl reads only its new lines, and data or model
 * changes re-list those (small) folders. A full reload happens only when the store manifest itself changes.
 */
import { messageOf } from '../errors';
import type { StoreProblem } from '../store/fsutil';
import { MetricSummaryCache } from '../store/metricCache';
import { RunIndex } from '../store/runIndex';
import { DataQuality } from './dataQuality';
import type { DataVersion, Dataset, Experiment, Model, ModelVersion, Run } from '../store/schemas';
import type { Store } from '../store/store';
import { isId } from '../store/ids';
import {
  GOALS_FILE, budgetReport, evaluateRun, hasGoals, type BudgetReport, type Goals, type GoalsRead, type RunGoals,
} from '../goals';

/** What a batch of file events touched. */
export interface ChangeSet {
  full: boolean;
  runs: Set<string>;
  metrics: Set<string>;
  data: boolean;
  models: boolean;
  experiments: boolean;
  trash: boolean;
  goals: boolean;
}

export function emptyChangeSet(): ChangeSet {
  return { full: false, runs: new Set(), metrics: new Set(), data: false, models: false, experiments: false, trash: false, goals: false };
}

export function isEmptyChange(c: ChangeSet): boolean {
  return !c.full && c.runs.size === 0 && c.metrics.size === 0 && !c.data && !c.models && !c.experiments && !c.trash && !c.goals;
}

/**
 * Routes one changed path (relative to `.mlops/`, `/` separators) into a change set. Temp files and locks are
 * ignored: every write ends in a rename or append that produces its own event.
 */
export function classifyChange(relPath: string, into: ChangeSet = emptyChangeSet()): ChangeSet {
  const parts = relPath.split('/').filter(Boolean);
  const base = parts[parts.length - 1] ?? '';
  if (base.endsWith('.tmp') || parts.some((p) => p.endsWith('.lock'))) { return into; }
  switch (parts[0]) {
    case undefined:
    case 'mlops.json':
      into.full = true; break;
    case 'runs':
      if (parts[1] && isId(parts[1])) {
        if (parts[2] === 'metrics.jsonl') { into.metrics.add(parts[1]); } else if (parts[2] === undefined || parts[2] === 'run.json') { into.runs.add(parts[1]); }
      } else if (!parts[1]) { into.full = true; }
      break;
    case 'datasets': into.data = true; break;
    case 'models': into.models = true; break;
    case 'experiments': into.experiments = true; break;
    case 'trash': into.trash = true; break;
    case GOALS_FILE: if (parts.length === 1) { into.goals = true; } break;
    // policy.json may hold the drift settings (when goals.json has none): drift of data versions is computed again.
    case 'policy.json': if (parts.length === 1) { into.data = true; } break;
    default: break;
  }
  return into;
}

/** A run's metrics.jsonl that could not be read while applying a change. */
export interface MetricReadProblem {
  runId: string;
  file: string;
  message: string;
}

export class StoreState {
  readonly runs: RunIndex;
  readonly metrics: MetricSummaryCache;
  experiments: Experiment[] = [];
  datasets: Dataset[] = [];
  dataVersions: DataVersion[] = [];
  models: Model[] = [];
  modelVersions: ModelVersion[] = [];
  private problemsOf: Record<'experiments' | 'data' | 'models', StoreProblem[]> = { experiments: [], data: [], models: [] };
  loaded = false;
  /** `.mlops/goals.json` as last read (with its problems), or why it could not be read. */
  goalsFile: GoalsRead | undefined;
  goalsReadError: string | undefined;
  private modelSizes: Map<string, number> | undefined;
  private readonly evaluated = new Map<string, { run: Run; sums: unknown; size: number | undefined; result: RunGoals }>();

  /** Profiles, schema findings and drift of data versions, read lazily. */
  readonly quality: DataQuality;

  constructor(readonly store: Store) {
    this.quality = new DataQuality(store, () => this.dataVersions);
    this.runs = new RunIndex(store);
    this.metrics = new MetricSummaryCache(this.runs.catalog);
  }

  get root(): string {
    return this.store.root;
  }

  async load(): Promise<void> {
    await Promise.all([this.runs.build(), this.loadExperiments(), this.loadData(), this.loadModels(), this.loadGoals()]);
    this.loaded = true;
  }

  /**
   * Applies a change set, reading only what it names. Removed runs' cached metrics are dropped. A run whose
   * metrics file cannot be read does not stop the rest: it is returned with the cause, to be reported.
   */
  async apply(change: ChangeSet): Promise<MetricReadProblem[]> {
    if (change.full) { await this.load(); return []; }
    const jobs: Promise<unknown>[] = [];
    const problems: MetricReadProblem[] = [];
    const readMetrics = (id: string) => this.metrics.get(id).then(() => undefined, (e: unknown) => { problems.push({ runId: id, file: this.store.metricsFile(id), message: messageOf(e) }); });
    for (const id of change.runs) {
      // A run whose metrics changed in the same batch (log, then end) is read after its record, not skipped.
      jobs.push(this.runs.refresh(id).then((r) => (r !== 'changed' ? this.metrics.forget(id) : change.metrics.has(id) ? readMetrics(id) : undefined)));
    }
    for (const id of change.metrics) {
      if (!change.runs.has(id)) { jobs.push(readMetrics(id)); }
    }
    if (change.experiments) { jobs.push(this.loadExperiments()); }
    if (change.data) { jobs.push(this.loadData()); }
    if (change.models) { jobs.push(this.loadModels()); }
    if (change.goals) { jobs.push(this.loadGoals()); }
    await Promise.all(jobs);
    return problems;
  }

  private async loadExperiments(): Promise<void> {
    const r = await this.store.listExperiments();
    this.experiments = r.items;
    this.problemsOf.experiments = r.problems;
  }

  private async loadData(): Promise<void> {
    const [ds, vs] = await Promise.all([this.store.listDatasets(), this.store.listDataVersions()]);
    this.datasets = ds.items;
    this.dataVersions = vs.items;
    this.quality.clear();
    this.problemsOf.data = [...ds.problems, ...vs.problems];
  }

  private async loadModels(): Promise<void> {
    const [ms, vs] = await Promise.all([this.store.listModels(), this.store.listModelVersions()]);
    this.models = ms.items;
    this.modelVersions = vs.items;
    this.modelSizes = undefined;
    this.problemsOf.models = [...ms.problems, ...vs.problems];
  }

  private async loadGoals(): Promise<void> {
    try {
      const next = await this.store.goals.read();
      // A save without a change (or a touch) keeps what was evaluated: the goals are the same.
      if (this.goalsFile && !this.goalsReadError && next.exists === this.goalsFile.exists && next.text === this.goalsFile.text) { return; }
      this.goalsFile = next;
      this.goalsReadError = undefined;
    } catch (e) {
      this.goalsFile = undefined;
      this.goalsReadError = messageOf(e);
    }
    this.evaluated.clear();
    this.quality.clearDrift();
  }

  /** The usable goals, when the file declares any (a file with errors still gives its valid entries). */
  get goals(): Goals | undefined {
    const g = this.goalsFile?.doc.goals;
    return hasGoals(g) ? g : undefined;
  }

  /** Largest artifact registered from a run (what the model-size constraint falls back on). */
  modelSizeOf(runId: string): number | undefined {
    // Built once per model listing: goalsOf asks for every run on every refresh of the views.
    if (!this.modelSizes) {
      this.modelSizes = new Map();
      for (const v of this.modelVersions) { this.modelSizes.set(v.runId, Math.max(this.modelSizes.get(v.runId) ?? 0, v.artifact.sizeBytes)); }
    }
    return this.modelSizes.get(runId);
  }

  /**
   * A run's goals, KPIs and cost, evaluated against what is in memory (metrics as loaded so far; unknown until
   * they are). Cached until the run, its metrics, its models or the goals change.
   */
  goalsOf(runId: string): RunGoals | undefined {
    const goals = this.goals;
    const run = this.runs.get(runId);
    if (!goals || !run) { return undefined; }
    const sums = this.metrics.peek(runId);
    const size = this.modelSizeOf(runId);
    const hit = this.evaluated.get(runId);
    if (hit && hit.run === run && hit.sums === sums && hit.size === size) { return hit.result; }
    const result = evaluateRun(goals, { run, metrics: sums, modelSizeBytes: size });
    this.evaluated.set(runId, { run, sums, size, result });
    return result;
  }

  /** Spend per experiment and in total, when goals.json has a budget. */
  budget(): BudgetReport | undefined {
    const goals = this.goals;
    if (!goals?.budget) { return undefined; }
    const runs = [...this.runs.values()].map((run) => ({ run, cost: this.goalsOf(run.id)!.cost }));
    return budgetReport(goals, this.experimentNames(), runs);
  }

  /** Every metric name some loaded run has logged (for warnings about formulas naming others). */
  loggedMetricNames(): Set<string> {
    const names = new Set<string>();
    for (const r of this.runs.values()) {
      for (const n of this.metrics.peek(r.id)?.keys() ?? []) { names.add(n); }
    }
    return names;
  }

  /** Files that could not be read, by view. */
  problems(view: 'experiments' | 'data' | 'models'): StoreProblem[] {
    if (view === 'experiments') { return [...this.runs.problems(), ...this.problemsOf.experiments]; }
    return this.problemsOf[view];
  }

  /** Experiment names: those with a file and those only named by runs. */
  experimentNames(): string[] {
    const names = new Set(this.experiments.map((e) => e.name));
    for (const n of this.runs.experiments().keys()) { names.add(n); }
    return [...names].sort((a, b) => a.localeCompare(b));
  }

  dataVersion(id: string): DataVersion | undefined {
    return this.dataVersions.find((v) => v.id === id);
  }

  datasetNames(): string[] {
    const names = new Set(this.datasets.map((d) => d.name));
    for (const v of this.dataVersions) { names.add(v.dataset); }
    return [...names].sort((a, b) => a.localeCompare(b));
  }

  modelNames(): string[] {
    const names = new Set(this.models.map((m) => m.name));
    for (const v of this.modelVersions) { names.add(v.model); }
    return [...names].sort((a, b) => a.localeCompare(b));
  }

  modelVersionsOfRun(runId: string): ModelVersion[] {
    return this.modelVersions.filter((v) => v.runId === runId);
  }

  runsUsingDataVersion(versionId: string): Run[] {
    return [...this.runs.values()].filter((r) => r.dataVersions.some((d) => d.version === versionId)).sort((a, b) => (a.id < b.id ? 1 : -1));
  }

  runningCount(): number {
    let n = 0;
    for (const r of this.runs.values()) { if (r.status === 'running') { n++; } }
    return n;
  }
}
