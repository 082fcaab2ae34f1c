/**
 * What Compare Runs computes, as plain data. The core knows nothing of the webview protocol: the adapter
 * (src/vscode/compare/message.ts) maps a Comparison to the zod-validated message the page receives.
 */

/** A metric series after downsampling: parallel arrays (steps, values, seconds since the run's first point). */
export interface Series {
  steps: number[];
  values: number[];
  seconds: number[];
  /** Points before downsampling. */
  total: number;
}

export interface ComparedRun {
  id: string;
  name: string;
  experiment: string;
  status: string;
  /** CSS colour, stable per position. */
  color: string;
  startTime: string;
  /** The workspace folder the run was read from. */
  root?: string;
  /** The MLflow store's key, for a run read from MLflow (absent for `.mlops` runs). */
  store?: string;
  /** `MLflow — mlruns`: the badge in the run's column header. */
  storeLabel?: string;
}

/** One table cell: null when the run did not record it. */
export type Cell = string | number | boolean | null;

export interface Row {
  key: string;
  /** One value per compared run, in run order. */
  values: Cell[];
  differs: boolean;
  /** Indices of runs holding the best value (metric rows). */
  best?: number[];
  direction?: 'min' | 'max';
  /** Param rows with a numeric value: each value as a number (text such as MLflow's "0.01" parsed), for the scatter chart. */
  numbers?: (number | null)[];
}

export interface SliceGroup {
  /** e.g. `accuracy@fold` */
  group: string;
  slices: string[];
  /** Per run: last value per slice (null: missing), spread = max − min, flagged when above the threshold. */
  perRun: { values: (number | null)[]; spread: number | null; flagged: boolean; worst: string | null }[];
}

export interface Comparison {
  runs: ComparedRun[];
  params: Row[];
  /** `<metric> last|min|max` rows. */
  metrics: Row[];
  meta: Row[];
  lineage: Row[];
  slices: SliceGroup[];
  sliceThreshold: number;
  /** metric name → run id → series (slice metrics are left out: they are in `slices`). */
  series: Record<string, Record<string, Series>>;
  /** Numeric params, for the scatter chart's choices. */
  numericParams: string[];
  /** KPIs, metric goals, constraints and cost, when goals.json declares any. */
  goals?: ComparisonGoals;
}

/** A goal's verdict for one run: `info` is a goal without a threshold (a direction only, nothing to pass or fail). */
export type Verdict = 'pass' | 'fail' | 'unknown' | 'info';

/** One goal from goals.json as the comparison shows it: a business KPI, a metric goal or a production constraint. */
export interface GoalDefinition {
  kind: 'kpi' | 'metric' | 'constraint';
  /** The KPI or metric name, or the constraint's key (`maxPeakMemoryBytes`). */
  name: string;
  /** What people read: the name, or `Peak memory` for a constraint. */
  label: string;
  unit?: string;
  goal?: 'min' | 'max';
  threshold?: number;
  /** The bar as shown: `≥ 0.7`, `≤ 2.0 GiB`. */
  bar?: string;
  description?: string;
  owner?: string;
  formula?: string;
}

/** One goal for one run: its value (null when unknown) and verdict; `reason` says why a value is unknown. */
export interface GoalCell {
  value: number | null;
  /** The value as shown (bytes, durations, hardware labels), null when unknown. */
  shown: string | null;
  verdict: Verdict;
  reason?: string;
}

/** A run's cost, formatted with formatCost, or unknown with the reason. */
export type CostCell =
  | { known: true; amount: number; shown: string; detail: string }
  | { known: false; reason: string };

export interface RunGoalCells {
  runId: string;
  /** met: every goal with a bar passes; unmet: one fails; unknown: none fails but some are unknown. */
  state: 'met' | 'unmet' | 'unknown' | 'none';
  /** `✓`, `✗ 2 unmet`, `? 1 unknown` or empty. */
  badge: string;
  /** One cell per definition, in the definitions' order. */
  checks: GoalCell[];
  cost: CostCell;
}

/** What goals.json says about the compared runs. */
export interface ComparisonGoals {
  /** KPIs first, then metric goals, then constraints (the order of goals.json within each). */
  definitions: GoalDefinition[];
  /** One per compared run, in run order. */
  runs: RunGoalCells[];
  /** Per definition: indices of the runs with the best known value by its direction (empty for constraints). */
  best: number[][];
  /** The sum of the compared runs' known costs, when goals.json has a budget or a run records its cost. */
  totalCost?: { shown: string; unknownRuns: number };
}
