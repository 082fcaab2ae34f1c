/**
 * The result of a drift comparison between a reference and a current data version (or two files), per column and
 * for the dataset. The tests are Evidently's defaults (see docs/format.md#drift); the class is what retraining uses
 * to decide how much may run unattended.
 */
export const DRIFT_TESTS = ['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi'] as const;
export type DriftTest = typeof DRIFT_TESTS[number];
export const DRIFT_CLASSES = ['none', 'minor', 'major'] as const;
export type DriftClass = typeof DRIFT_CLASSES[number];

export interface DriftOptions {
  /** `auto` (Evidently's choice per column) or one test for every column. */
  method: 'auto' | DriftTest;
  /** Dataset drift when the share of drifted columns ≥ this (default 0.5). */
  driftShare: number;
  /** PSI band boundaries for the column class (defaults 0.1 and 0.25). */
  psiMinor: number;
  psiMajor: number;
  /** Overrides of each test's threshold (p-value for ks/chisquare/z, distance for wasserstein/jensenshannon/psi). */
  thresholds?: Partial<Record<DriftTest, number>>;
}

export const DEFAULT_DRIFT_OPTIONS: DriftOptions = { method: 'auto', driftShare: 0.5, psiMinor: 0.1, psiMajor: 0.25 };

export interface PsiResult {
  value: number;
  threshold: number;
  drifted: boolean;
  binning: { kind: 'sturges' | 'values'; bins: number };
}

export interface ColumnDrift {
  column: string;
  /** Which side drives the test: "num" for integer/float on both sides, else "cat". */
  kind: 'num' | 'cat';
  referenceType: string;
  currentType: string;
  test: DriftTest;
  /** The test statistic (KS D, chi-square, z, raw Wasserstein distance); absent when the test has none. */
  statistic?: number;
  /** p-value (ks, chisquare, z) or distance (wasserstein normed, jensenshannon, psi). */
  score: number;
  threshold: number;
  /** `p ≤ t` for ks, `p < t` for chisquare and z, `distance ≥ t` for the others. */
  rule: string;
  drifted: boolean;
  psi: PsiResult;
  class: DriftClass;
  referenceN: number;
  currentN: number;
  referenceMissing: number;
  currentMissing: number;
  distinctCombined: number;
  /** True when a side had more values than its stored sample, so the test ran on the sample. */
  sampled: boolean;
  /** Why this test was chosen, in words (e.g. "reference has 600 values (≤ 1000), numeric with 1039 distinct (> 5)"). */
  choice?: string;
  /** What a reader should know about how this column was tested (sampled, top categories + other, an infinite statistic). */
  notes?: string[];
  /** Histogram / category bars for the panel: the same bins on both sides, as shares of each side. */
  chart: { kind: 'histogram'; edges: number[]; reference: number[]; current: number[] } | { kind: 'categories'; labels: string[]; reference: number[]; current: number[]; otherReference?: number; otherCurrent?: number };
}

export interface DriftReport {
  reference: { label: string; rows: number; file?: string };
  current: { label: string; rows: number; file?: string };
  options: DriftOptions;
  columns: ColumnDrift[];
  onlyInReference: string[];
  onlyInCurrent: string[];
  /** Common columns not tested, and why (datetime, empty on one side, a profile error). */
  skipped: { column: string; reason: string }[];
  dataset: { columns: number; drifted: number; share: number; driftShare: number; drift: boolean; class: DriftClass };
}
