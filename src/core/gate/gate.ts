/**
 * The production gate: every check of a model version through the run that produced it, with its evidence. Reads
 * the store (run, metrics, goals.json, data versions, policy), hashes the artifact, and — when processes are
 * allowed — asks git for the files at the run's commit. Never throws for a bad store: a run that is gone, a goals
 * file with errors, a commit that is not in the repository each become a verdict with the reason.
 */
import { findNodeAtLocation, parseTree, type Node as JsonNode } from 'jsonc-parser';
import { messageOf } from '../errors';
import { emptyGoals, lineColumn, type Goals } from '../goals';
import { RunCatalog } from '../store/catalog';
import type { MetricSummary } from '../store/metrics';
import type { ModelVersion, Policy, Run } from '../store/schemas';
import type { Store } from '../store/store';
import { lintAtCommit, resolveCommit } from './atCommit';
import { budgetCheck, constraintsCheck, goalsCheck, goalsFileErrors, reproducedCheck, result, sliceGroups, slicesCheck, type GoalFacts, type GoalsLocator, type Level } from './checks';
import { dependenciesCheck, gateLintOptions, notebooksCheck, type CodeAtCommit } from './code';
import { lineageCheck } from './lineage';
import { modelTeamConflicts } from '../team/conflicts';
import { GATE_CHECKS, applyWaivers, defaultGateSettings, isGateCheck, type GateCheckId, type Waiver, type GateCheckResult, type GateCommit, type GateResult, type GateSettings } from './types';

export interface GateOptions {
  /** False in an untrusted workspace: no git process is started, and the checks that need one are skipped. */
  allowProcesses?: boolean;
  /** Check the code at this revision instead of the run's recorded commit (`--commit REV`). */
  commit?: string;
  /** The stage being gated (shown; the checks are the same). Default `production`. */
  stage?: string;
  now?: Date;
  signal?: AbortSignal;
  /** Training-call patterns for notebook-only-training (the editor's setting); default the linter's. */
  trainingPatterns?: readonly string[];
  /**
   * Whether a version already in the gated stage keeps the waivers recorded when it was promoted there (default
   * true): CI gating a production version must not fail on a check a person already waived, with a reason, for it.
   */
  recordedWaivers?: boolean;
  /** `skip`: an artifact not on this machine (CI) is noted, not a lineage failure. Default `fail`. */
  missingArtifact?: 'fail' | 'skip';
}

/** The waivers recorded by the promotion that put a version in its current stage (none when it is not in `stage`). */
export function waiversOnRecord(mv: ModelVersion, stage: string): Waiver[] {
  if (mv.stage !== stage) { return []; }
  for (let i = mv.stageHistory.length - 1; i >= 0; i--) {
    const h = mv.stageHistory[i];
    if (h.stage !== stage) { continue; }
    // Only what a gated promotion wrote (with its gate result and who): waivers typed into the file by hand are not.
    if (!h.gate || !h.by) { return []; }
    const out: Waiver[] = [];
    for (const w of h.waivers ?? []) { if (isGateCheck(w.check)) { out.push({ check: w.check, reason: w.reason }); } }
    return out;
  }
  return [];
}

/** Everything the gate read, for callers that show more than the verdict (the model card). */
export interface GateInputs {
  mv: ModelVersion;
  run?: Run;
  metrics: ReadonlyMap<string, MetricSummary>;
  goals: Goals;
  settings: GateSettings;
  goalsExists: boolean;
  goalsText: string;
}

/** Finds declarations in goals.json's text, so evidence (and SARIF) can point at the line of the bar it checked. */
export function goalsLocator(text: string, rel: string): GoalsLocator {
  const tree = text ? parseTree(text, [], { disallowComments: true }) : undefined;
  const at = (n: JsonNode | undefined) => {
    if (!n) { return undefined; }
    const p = lineColumn(text, n.offset);
    return { file: rel, line: p.line, column: p.column };
  };
  return (section, name) => {
    if (!tree) { return undefined; }
    if (section === 'metrics' || section === 'kpis') {
      const list = findNodeAtLocation(tree, [section]);
      const entry = list?.type === 'array' ? list.children?.find((c) => findNodeAtLocation(c, ['name'])?.value === name) : undefined;
      return at(entry);
    }
    const node = findNodeAtLocation(tree, [section, ...name.split('.')]);
    return at(node?.parent?.type === 'property' ? node.parent : node);
  };
}

/** Reads the goals file for the gate: usable goals (empty when unusable) and its errors as evidence. */
async function readGoalsForGate(store: Store): Promise<{ goals: Goals; exists: boolean; text: string; errors: ReturnType<typeof goalsFileErrors>; problems: string[]; locate?: GoalsLocator }> {
  try {
    const read = await store.goals.read();
    const rel = store.rel(read.file);
    const errors = goalsFileErrors(read.doc.problems, rel, (o) => lineColumn(read.text, o));
    const problems = errors.map((e) => e.text);
    return { goals: read.doc.goals ?? emptyGoals(), exists: read.exists, text: read.text, errors, problems, locate: goalsLocator(read.text, rel) };
  } catch (e) {
    const text = `goals.json cannot be read: ${messageOf(e)}`;
    return { goals: emptyGoals(), exists: true, text: '', errors: [{ text, failing: true }], problems: [text] };
  }
}

async function readPolicy(store: Store): Promise<{ policy?: Policy; problem?: string }> {
  try { return { policy: await store.readPolicy() }; } catch (e) { return { problem: `policy.json cannot be read (the default vetted list is used): ${messageOf(e)}` }; }
}

/** The run's metric summaries through the run catalog (its cache makes a second gate on the same run cheap). */
function summariesOf(catalog: RunCatalog, id: string): { metrics: Map<string, MetricSummary>; problem?: string } {
  try { return { metrics: catalog.summaries(id) }; } catch (e) { return { metrics: new Map(), problem: `metrics of run ${id} cannot be read: ${messageOf(e)}` }; }
}

/**
 * Runs every check that is not `off` for a model version. Throws only when the version itself cannot be read (no
 * such model or version): that is bad usage, not a verdict.
 */
export async function runGate(store: Store, model: string, version: number, opts: GateOptions = {}): Promise<GateResult> {
  const mv = await store.readModelVersion(model, version);
  const { result: r } = await runGateWithInputs(store, mv, opts);
  return r;
}

export async function runGateWithInputs(store: Store, mv: ModelVersion, opts: GateOptions = {}): Promise<{ result: GateResult; inputs: GateInputs }> {
  const allowProcesses = opts.allowProcesses ?? true;
  const problems: string[] = [];
  const g = await readGoalsForGate(store);
  problems.push(...g.problems);
  const settings = g.goals.gate ?? defaultGateSettings();
  const level = (id: GateCheckId): Level | undefined => { const l = settings.checks[id]; return l === 'off' ? undefined : l; };

  const catalog = RunCatalog.open(store);
  catalog.refresh();
  const run = catalog.get(mv.runId);
  let metrics: Map<string, MetricSummary> = new Map();
  if (run) {
    const s = summariesOf(catalog, run.id);
    metrics = s.metrics;
    if (s.problem) { problems.push(s.problem); }
  } else {
    problems.push(`run ${mv.runId}, which produced ${mv.model} v${mv.version}, is not in the store`);
  }

  // The commit the code checks read: --commit, else the run's.
  const commit: GateCommit = { from: opts.commit ? 'option' : 'run' };
  let code: CodeAtCommit;
  const rev = opts.commit ?? run?.git?.commit;
  if (!allowProcesses) {
    code = { ok: false, reason: 'the workspace is not trusted, so no git process was started' };
  } else if (!rev) {
    code = { ok: false, reason: run ? 'the run recorded no git commit' : 'the run is gone, so its commit is unknown' };
  } else {
    const resolved = await resolveCommit(store.root, rev);
    if (resolved.problem !== undefined) {
      code = { ok: false, reason: resolved.problem };
    } else {
      commit.id = resolved.id;
      const needed = level('dependencies') || level('notebooks');
      if (!needed) {
        code = { ok: false, reason: 'off' };
      } else {
        const p = await readPolicy(store);
        if (p.problem) { problems.push(p.problem); }
        const linted = await lintAtCommit(store.root, resolved.id, { ...gateLintOptions(p.policy), ...(opts.trainingPatterns ? { trainingPatterns: opts.trainingPatterns } : {}) });
        if (linted.problem !== undefined) {
          code = { ok: false, reason: linted.problem };
        } else {
          code = { ok: true, ...linted, commit: resolved.id };
          problems.push(...linted.notes);
        }
      }
    }
  }
  if (!code.ok && code.reason !== 'off') { commit.problem = code.reason; }

  const goalFacts: GoalFacts | undefined = run ? { run, metrics, goals: g.goals, modelSizeBytes: mv.artifact.sizeBytes, fileErrors: g.errors, exists: g.exists, locate: g.locate } : undefined;
  const gone = (id: GateCheckId, l: Level): GateCheckResult => result(id, l, 'skipped', `not checked: the run that produced this version (${mv.runId}) is not in the store`, [], 'run not found');

  const checks: GateCheckResult[] = [];
  for (const id of GATE_CHECKS) {
    const l = level(id);
    if (!l) { continue; }
    switch (id) {
      case 'goals': checks.push(goalFacts ? goalsCheck(l, goalFacts) : gone(id, l)); break;
      case 'constraints': checks.push(goalFacts ? constraintsCheck(l, goalFacts) : gone(id, l)); break;
      case 'slices': checks.push(run ? slicesCheck(l, sliceGroups(metrics, g.goals, settings, await experimentDirections(store, run)), g.locate) : gone(id, l)); break;
      case 'lineage': checks.push(await lineageCheck(l, store, mv, run, { commitProblem: run?.git && allowProcesses ? commit.problem : undefined, signal: opts.signal, missingArtifact: opts.missingArtifact })); break;
      case 'dependencies': checks.push(dependenciesCheck(l, code)); break;
      case 'notebooks': checks.push(notebooksCheck(l, code)); break;
      case 'budget': checks.push(run ? budgetCheck(l, g.goals, run, catalog.list(run.experiment)) : gone(id, l)); break;
      case 'reproduced': {
        if (!run) { checks.push(gone(id, l)); break; }
        const reproductions = catalog.list().filter((x) => x.reproducedFrom === run.id).map((x) => ({ run: x, metrics: summariesOf(catalog, x.id).metrics }));
        checks.push(reproducedCheck(l, run, metrics, reproductions, g.goals, settings.reproducedTolerance));
        break;
      }
    }
  }
  catalog.save();
  // A merge left the model in a state nobody chose (two production versions, one number claimed twice): refused
  // until a person resolves it, whatever the checks say. Without processes, only what the files show is seen.
  const teamConflicts = await modelTeamConflicts(store, mv.model, { git: allowProcesses });
  const blocking = checks.filter((c) => c.level === 'required' && (c.status === 'fail' || c.status === 'skipped')).map((c) => c.id);
  const stage = opts.stage ?? 'production';
  let out: GateResult = {
    model: mv.model, version: mv.version, runId: mv.runId, stage,
    evaluatedAt: (opts.now ?? new Date()).toISOString(), commit, checks, passed: blocking.length === 0 && teamConflicts.length === 0, blocking, problems,
    ...(teamConflicts.length ? { teamConflicts } : {}),
  };
  if (opts.recordedWaivers ?? true) { out = applyWaivers(out, waiversOnRecord(mv, stage)).result; }
  return { result: out, inputs: { mv, run, metrics, goals: g.goals, settings, goalsExists: g.exists, goalsText: g.text } };
}

/** The metric directions the run's experiment declares (experiment.json `metricGoals`); none when it cannot be read. */
async function experimentDirections(store: Store, run: Run): Promise<Readonly<Record<string, 'min' | 'max'>> | undefined> {
  const listed = await store.listExperiments().catch(() => undefined);
  return listed?.items.find((e) => e.name === run.experiment)?.metricGoals;
}
