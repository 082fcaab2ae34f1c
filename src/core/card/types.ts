/**
 * The model card as plain data: everything the Markdown and HTML renderers show, computed once from the store, the
 * goals and (when given) the gate's result. Sections follow "Model Cards for Model Reporting" (Mitchell et al.,
 * 2019), business first. Nothing here is formatted for one output: renderers escape and lay out.
 */
import type { CheckStatus, GateCheckId, GateCheckResult, GateCommit, GateEvidence } from '../gate/types';
import type { Verdict } from '../goals/evaluate';

/** Section ids, in the order shown; also the `id` of each section in the HTML and the panel's `section` argument. */
export const CARD_SECTIONS = ['details', 'intended-use', 'kpis', 'metrics', 'slices', 'data', 'constraints', 'dependencies', 'lineage', 'gate', 'caveats'] as const;
export type CardSectionId = (typeof CARD_SECTIONS)[number];

export const CARD_SECTION_TITLES: Record<CardSectionId, string> = {
  'details': 'Model details',
  'intended-use': 'Intended use',
  'kpis': 'Business KPIs',
  'metrics': 'Model metrics',
  'slices': 'Results by slice',
  'data': 'Training and evaluation data',
  'constraints': 'Production constraints',
  'dependencies': 'Dependencies',
  'lineage': 'Lineage',
  'gate': 'Production gate',
  'caveats': 'Caveats',
};

/** A KPI, metric goal or production constraint against its bar. */
export interface CardGoal {
  name: string;
  label: string;
  /** KPIs: what the number means for the business. */
  description?: string;
  formula?: string;
  unit?: string;
  owner?: string;
  value?: number;
  /** The value as shown (`0.81`, `1.2 GiB`, `cpu-only`). */
  shown?: string;
  /** `≥ 0.8`, `≤ 2.0 GiB`; absent when the goal has no threshold. */
  bar?: string;
  target?: number;
  verdict: Verdict;
  /** Why the verdict is unknown. */
  reason?: string;
}

export interface CardSlice {
  /** The slice's value of the key: `1` of `fold=1`. */
  slice: string;
  /** The full metric name, `accuracy@fold=1`. */
  metric: string;
  value: number;
}

/** One sliced metric across one key: `accuracy` by `fold`. */
export interface CardSliceGroup {
  metric: string;
  key: string;
  slices: CardSlice[];
  /** max − min of the slices' last values. */
  spread: number;
  /** The largest spread the gate allows for this metric (goals.json `gate`). */
  maxSpread: number;
  /** Whether higher is better for this metric, and where that came from. */
  goal: 'min' | 'max';
  goalFrom: 'goals' | 'experiment' | 'assumed';
  /** The slice with the worst value (lowest for `max`, highest for `min`). */
  worst: string;
  /** True when the spread is over the allowed one, or a slice's value is unknown. */
  flagged: boolean;
  /** Slices whose last value is NaN or infinite: unknown, so the spread cannot be vouched for (not charted). */
  unknown?: { slice: string; metric: string; value: number }[];
}

export interface CardDataFile {
  path: string;
  rows: number;
  columns: number;
  error?: string;
}

export interface CardDataVersion {
  dataset: string;
  versionId: string;
  /** Tags, or `untagged …`. */
  label: string;
  /** The content hash the run recorded (or the version's own, when the run did not record one). */
  contentHash?: string;
  sizeBytes?: number;
  fileCount?: number;
  source?: string;
  createdAt?: string;
  /** Per profiled file: rows and columns (only when the version has a profile). */
  profile?: CardDataFile[];
  /** Why the version could not be read (deleted, damaged). */
  problem?: string;
}

export interface CardWaiver {
  check: string;
  reason: string;
  /** Who waived it and when: from stageHistory; absent for a waiver applied to the gate run shown. */
  by?: string;
  at?: string;
  stage?: string;
}

export interface CardHistoryEntry {
  stage: string;
  at: string;
  by?: string;
  gatePassed?: boolean;
}

export interface CardGate {
  stage: string;
  evaluatedAt: string;
  passed: boolean;
  commit: GateCommit;
  checks: GateCheckResult[];
  blocking: GateCheckId[];
  problems: string[];
}

export interface ModelCard {
  model: string;
  version: number;
  /** When the card was made (ISO). */
  generatedAt: string;
  details: {
    stage: string;
    owner: string;
    /** Where the owner came from: goals.json's intendedUse, the newest stage change that recorded a person, or nobody. */
    ownerFrom: 'goals' | 'history' | 'none';
    description?: string;
    createdAt: string;
    runId: string;
    runName?: string;
    experiment?: string;
    artifact: { path: string; sha256: string; sizeBytes: number; size: string; fileCount: number };
  };
  intendedUse?: { description?: string; users?: string; outOfScope?: string; owner?: string };
  kpis: CardGoal[];
  metrics: CardGoal[];
  slices: CardSliceGroup[];
  data: CardDataVersion[];
  constraints: CardGoal[];
  dependencies: {
    /** The gate's dependency check, when the gate ran it. */
    status?: CheckStatus;
    summary?: string;
    evidence: GateEvidence[];
    /** The environment file the run recorded (`requirements.txt`, a lock file) and its hash. */
    environment?: { file?: string; hash: string };
  };
  lineage: {
    commit?: string;
    branch?: string;
    dirty?: boolean;
    diffHash?: string;
    python?: string;
    environment?: { file?: string; hash: string };
    hardware?: string;
    duration?: string;
    script?: string;
    reproducedFrom?: string;
  };
  /** Absent when no gate result was given (then the section says so). */
  gate?: CardGate;
  waivers: CardWaiver[];
  history: CardHistoryEntry[];
  /** Run notes, unknown verdicts, what could not be read: what a reader should keep in mind. */
  caveats: string[];
  /** The run's notes, verbatim. */
  notes?: string;
}
