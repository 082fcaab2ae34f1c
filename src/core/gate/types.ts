/**
 * The production gate's contract: which checks there are, how a team sets each one (required, advisory, off), and
 * what a gate run returns — per check a status with its evidence (values, files and lines). Plain data shared by
 * the CLI (`mlops gate`, `mlops model promote`), the extension (Set Model Stage, the model card) and the model card
 * renderers; nothing here reads files.
 */

import type { TeamConflict } from '../team/types';

/** In the order they are shown: business first, then what production needs, then how the model was made. */
export const GATE_CHECKS = ['goals', 'constraints', 'slices', 'lineage', 'dependencies', 'notebooks', 'budget', 'reproduced'] as const;
export type GateCheckId = (typeof GATE_CHECKS)[number];

/** `required`: a failure refuses promotion (unless waived); `advisory`: shown, never refuses; `off`: not run. */
export const CHECK_LEVELS = ['required', 'advisory', 'off'] as const;
export type CheckLevel = (typeof CHECK_LEVELS)[number];

/**
 * `pass`: checked and good (also when there is nothing to check, e.g. no sliced metrics: `summary` says so);
 * `fail`: checked and not good; `waived`: failed (or skipped) and waived with a written reason; `skipped`: could not
 * be checked (no git, untrusted workspace, a commit not in the repository) — `reason` says why. A required check
 * that is skipped refuses promotion like a failure: nobody vouched for it.
 */
export const CHECK_STATUSES = ['pass', 'fail', 'waived', 'skipped'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export const CHECK_TITLES: Record<GateCheckId, string> = {
  goals: 'Goals and KPIs',
  constraints: 'Production constraints',
  slices: 'Consistency across data slices',
  lineage: 'Lineage',
  dependencies: 'Dependencies at the run\'s commit',
  notebooks: 'Training outside notebooks',
  budget: 'Experiment budget',
  reproduced: 'Reproduced',
};

/** One fact behind a verdict. `file` is relative to the workspace root (POSIX separators) when it is a file there. */
export interface GateEvidence {
  /** What a person reads: `accuracy 0.81 ≥ 0.8`, `requirements.txt:3 torchmetrics is not pinned (unpinned-contrib)`. */
  text: string;
  /** Whether this fact is why the check failed (true) or context (false/absent). */
  failing?: boolean;
  file?: string;
  /** 1-based, like lint findings; `cell` is the 0-based notebook cell the line counts in. */
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  cell?: number;
  /** A stable code when the fact comes from a rule (`unpinned-contrib`, `notebook-only-training`). */
  code?: string;
  /** The number checked, when there is one (a metric's last value, a spread). */
  value?: number;
  /** The bar as shown: `≥ 0.8`, `≤ 0.05`. */
  bar?: string;
}

export interface Waiver {
  check: GateCheckId;
  reason: string;
}

export interface GateCheckResult {
  id: GateCheckId;
  title: string;
  level: Exclude<CheckLevel, 'off'>;
  status: CheckStatus;
  /** One line: `2 of 3 goals met; recall 0.64 < 0.7`, `spread of accuracy across fold is 0.12 (> 0.05); worst fold=3`. */
  summary: string;
  /** Why the check was skipped, or what it could not read. */
  reason?: string;
  evidence: GateEvidence[];
  /** The reason given when status is `waived`. */
  waiver?: string;
}

/** The commit the code checks read (the run's commit, or `--commit REV`), and whether it could be used. */
export interface GateCommit {
  /** The full commit id checked, when known. */
  id?: string;
  /** Where it came from: the run's record, or `--commit`. */
  from: 'run' | 'option';
  /** Why the checks that read files at the commit were skipped (not in the repository, no git, untrusted). */
  problem?: string;
}

export interface GateResult {
  model: string;
  version: number;
  runId: string;
  /** The stage the gate was run for (`production` unless asked for another). */
  stage: string;
  evaluatedAt: string;
  commit: GateCommit;
  /** Every check that is not `off`, in GATE_CHECKS order. */
  checks: GateCheckResult[];
  /** True when every required check passed or was waived. */
  passed: boolean;
  /** Required checks that failed or were skipped and not waived: what refuses a promotion. */
  blocking: GateCheckId[];
  /** Problems with the gate's own inputs (goals.json errors, an unreadable run): shown with the result. */
  problems: string[];
  /**
   * What a git merge left unresolved in the model (two versions in production, a version number claimed twice): while
   * there is one, the gate refuses every version of the model, and no waiver lets it through.
   */
  teamConflicts?: TeamConflict[];
}

/** The gate's settings: `gate` in goals.json, after defaults. */
export interface GateSettings {
  checks: Record<GateCheckId, CheckLevel>;
  /** Stages whose promotion runs the gate. Production always does; staging only when listed. */
  stages: string[];
  /** The largest spread (max − min of last values) a sliced metric may have across its slices. */
  maxSliceSpread: number;
  /** Per base metric name (`accuracy`), a spread other than maxSliceSpread. */
  sliceSpread: ReadonlyMap<string, number>;
  /** How far a reproduced run's goal metric may be from the original's, relative (0.01 = 1 %). */
  reproducedTolerance: number;
  /** True when goals.json's `gate` section has errors and was not read (the defaults apply; staging is gated). */
  invalid?: boolean;
}

export const DEFAULT_GATE_LEVELS: Record<GateCheckId, CheckLevel> = {
  goals: 'required',
  constraints: 'required',
  slices: 'required',
  lineage: 'required',
  dependencies: 'required',
  notebooks: 'required',
  budget: 'advisory',
  reproduced: 'off',
};

export const DEFAULT_MAX_SLICE_SPREAD = 0.05;
export const DEFAULT_REPRODUCED_TOLERANCE = 0.01;

export function defaultGateSettings(): GateSettings {
  return {
    checks: { ...DEFAULT_GATE_LEVELS },
    stages: ['production'],
    maxSliceSpread: DEFAULT_MAX_SLICE_SPREAD,
    sliceSpread: new Map(),
    reproducedTolerance: DEFAULT_REPRODUCED_TOLERANCE,
  };
}

/** Who did something, from git's `user.name` / `user.email` (or the OS user when git is not available). */
export interface Actor {
  name: string;
  email?: string;
}

/**
 * What a gated stage change adds to its `stageHistory` entry (next to `stage` and `at`): who, the waivers with their
 * reasons, and the gate's result in short (each check's status and summary).
 */
export interface GateRecord {
  by: Actor;
  waivers?: Waiver[];
  gate: {
    passed: boolean;
    commit?: string;
    checks: { id: GateCheckId; status: CheckStatus; summary: string }[];
  };
}

/** The short form of a result as stageHistory records it. */
export function gateRecordOf(r: GateResult, by: Actor, waivers: readonly Waiver[]): GateRecord {
  return {
    by,
    ...(waivers.length ? { waivers: [...waivers] } : {}),
    gate: { passed: r.passed, ...(r.commit.id ? { commit: r.commit.id } : {}), checks: r.checks.map((c) => ({ id: c.id, status: c.status, summary: c.summary })) },
  };
}

/**
 * Applies waivers to a result: each named check that failed or was skipped becomes `waived` with the reason, and
 * `passed`/`blocking` are recomputed. Returns the checks a waiver named that had nothing to waive (they passed or
 * are off), so callers can say so rather than record an empty waiver.
 */
export function applyWaivers(r: GateResult, waivers: readonly Waiver[]): { result: GateResult; unused: GateCheckId[] } {
  const unused: GateCheckId[] = [];
  const byId = new Map(waivers.map((w) => [w.check, w.reason]));
  const checks = r.checks.map((c) => {
    const reason = byId.get(c.id);
    if (reason === undefined) { return c; }
    if (c.status !== 'fail' && c.status !== 'skipped') { return c; }
    return { ...c, status: 'waived' as const, waiver: reason };
  });
  for (const w of waivers) {
    const c = checks.find((x) => x.id === w.check);
    if (!c || c.status !== 'waived') { unused.push(w.check); }
  }
  const blocking = checks.filter((c) => c.level === 'required' && (c.status === 'fail' || c.status === 'skipped')).map((c) => c.id);
  return { result: { ...r, checks, blocking, passed: blocking.length === 0 && !r.teamConflicts?.length }, unused };
}

export function isGateCheck(s: string): s is GateCheckId {
  return (GATE_CHECKS as readonly string[]).includes(s);
}
