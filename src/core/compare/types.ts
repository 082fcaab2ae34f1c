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
}
