/**
 * `buildModelCard`: reads a model version, its producing run (metrics, data versions and their profiles, lineage),
 * goals.json and the version's stage history into one `ModelCard`. Reading never fails for what a card can say
 * instead: a run that is gone, a data version deleted, a goals.json with errors each become a caveat.
 */
import { formatBytes, formatDuration } from '../format';
import { messageOf } from '../errors';
import { emptyGoals, type Goals } from '../goals/document';
import { evaluateRun, formatNumber, type GoalCheck } from '../goals/evaluate';
import { summarizeMetrics, type MetricSummary } from '../store/metrics';
import { DataVersionSchema, ExperimentSchema, type ModelVersion, type Run } from '../store/schemas';
import type { Store } from '../store/store';
import { dataVersionLabel } from '../views/describe';
import { sliceGroups } from '../gate/checks';
import type { GateResult } from '../gate/types';
import type { CardDataVersion, CardGoal, CardSliceGroup, CardWaiver, ModelCard } from './types';

export interface BuildCardOptions {
  /** The gate's result for this version; without it the gate section says the gate was not run. */
  gate?: GateResult;
  /**
   * Whether the gate (when the caller runs it) may start git and Python processes. Kept here so callers pass one
   * options object; reading the card itself never starts a process.
   */
  allowProcesses?: boolean;
  /** Why the gate could not be run at all (then `gate` is absent and the card says why). */
  gateProblem?: string;
  now?: Date;
}

const actorText = (by: { name: string; email?: string } | undefined): string | undefined =>
  by ? (by.email ? `${by.name} <${by.email}>` : by.name) : undefined;

function goalOf(c: GoalCheck, extra: Partial<CardGoal> = {}): CardGoal {
  const out: CardGoal = { name: c.name, label: c.label, verdict: c.verdict, ...extra };
  if (c.value !== undefined) { out.value = c.value; }
  const shown = c.shown;
  if (shown !== undefined) { out.shown = shown; }
  if (c.bar !== undefined) { out.bar = c.bar; }
  if (c.unit !== undefined) { out.unit = c.unit; }
  if (c.reason !== undefined) { out.reason = c.reason; }
  return out;
}

/**
 * The gate's slice groups (same spread, threshold, worst slice and direction as the `slices` check), with where the
 * direction came from so the card can say when it was only assumed from the metric's name.
 */
export function cardSliceGroups(summaries: ReadonlyMap<string, MetricSummary>, goals: Goals, declared: Readonly<Record<string, 'min' | 'max'>> = {}): CardSliceGroup[] {
  return sliceGroups(summaries, goals, goals.gate, declared).map((g) => ({
    metric: g.metric, key: g.key,
    slices: g.slices.map((s) => ({ slice: s.slice, metric: `${g.metric}@${g.key}=${s.slice}`, value: s.value })),
    spread: g.spread, maxSpread: g.threshold, goal: g.higherIsBetter ? 'max' : 'min',
    goalFrom: goals.metrics.some((m) => m.name === g.metric) ? 'goals' : Object.hasOwn(declared, g.metric) ? 'experiment' : 'assumed',
    worst: g.worst, flagged: g.flagged,
    ...(g.nonFinite.length ? { unknown: g.nonFinite.map((x) => ({ slice: x.slice, metric: `${g.metric}@${g.key}=${x.slice}`, value: x.value })) } : {}),
  }));
}

function hardwareText(run: Run): string | undefined {
  const hw = run.meta.hardware;
  if (!hw) { return undefined; }
  const parts = [hw.label, hw.cpu, hw.cores !== undefined ? `${hw.cores} cores` : undefined,
    hw.gpus ? (hw.gpus.length ? `${hw.gpus.length} GPU (${hw.gpus.join(', ')})` : 'no GPU') : undefined,
    hw.memoryBytes !== undefined ? `${formatBytes(hw.memoryBytes)} RAM` : undefined, hw.platform].filter((p): p is string => !!p);
  return parts.length ? parts.join(' · ') : undefined;
}

async function dataOf(store: Store, run: Run, caveats: string[]): Promise<CardDataVersion[]> {
  const out: CardDataVersion[] = [];
  for (const ref of run.dataVersions) {
    const d: CardDataVersion = { dataset: ref.dataset, versionId: ref.version, label: ref.version, ...(ref.contentHash ? { contentHash: ref.contentHash } : {}) };
    try {
      const parsed = await store.readEntity(store.dataVersionFile(ref.dataset, ref.version), DataVersionSchema);
      if (!parsed.ok) {
        d.problem = parsed.missing ? 'this data version is no longer in the store' : parsed.problem.reason;
      } else {
        const v = parsed.value;
        Object.assign(d, { label: dataVersionLabel(v), sizeBytes: v.sizeBytes, fileCount: v.fileCount, source: v.source, createdAt: v.createdAt });
        d.contentHash ??= v.contentHash;
        if (ref.contentHash && ref.contentHash !== v.contentHash) {
          caveats.push(`The run recorded ${ref.dataset} ${ref.version} with content hash ${ref.contentHash.slice(0, 12)}…, but that version now has ${v.contentHash.slice(0, 12)}….`);
        }
        const profile = await store.readDataProfile(ref.dataset, ref.version);
        if (profile.ok) {
          d.profile = profile.value.files.map((f) => ({ path: f.path, rows: f.rows, columns: f.columns.length, ...(f.error ? { error: f.error } : {}) }));
        }
      }
    } catch (e) {
      d.problem = messageOf(e);
    }
    if (d.problem) { caveats.push(`Data version ${ref.dataset} ${ref.version}: ${d.problem}.`); }
    out.push(d);
  }
  return out;
}

/** The model card of one model version. Rejects only when the model version itself cannot be read. */
export async function buildModelCard(store: Store, model: string, version: number, opts: BuildCardOptions = {}): Promise<ModelCard> {
  const mv: ModelVersion = await store.readModelVersion(model, version);
  const caveats: string[] = [];

  const goalsRead = await store.goals.read().catch((e: unknown) => { caveats.push(`goals.json could not be read: ${messageOf(e)}.`); return undefined; });
  const goals = goalsRead?.doc.goals ?? emptyGoals();
  if (goalsRead?.exists) {
    const errors = goalsRead.doc.problems.filter((p) => p.severity === 'error');
    if (!goalsRead.doc.goals) { caveats.push(`goals.json cannot be used (${errors[0]?.message ?? 'unreadable'}): no goal, KPI or constraint is checked.`); } else if (errors.length) {
      caveats.push(`goals.json has ${errors.length} error${errors.length === 1 ? '' : 's'} (first: ${errors[0].path}: ${errors[0].message}); the entries in error are left out.`);
    }
  } else if (goalsRead) {
    caveats.push('There is no goals.json: no business KPI, metric goal or production constraint is defined for this model.');
  }

  let run: Run | undefined;
  const parsedRun = await store.readRunParsed(mv.runId).catch((e: unknown) => ({ ok: false as const, problem: { file: '', reason: messageOf(e) }, missing: false }));
  if (parsedRun.ok) { run = parsedRun.value; } else {
    caveats.push(parsedRun.missing ? `The run that produced this version (${mv.runId}) is no longer in the store: metrics, data and lineage cannot be shown.`
      : `The run that produced this version (${mv.runId}) cannot be read: ${parsedRun.problem.reason}.`);
  }

  let summaries = new Map<string, MetricSummary>();
  if (run) {
    const m = await store.readMetrics(run.id);
    summaries = summarizeMetrics(m.points);
    if (m.problems.length) { caveats.push(`${m.problems.length} problem${m.problems.length === 1 ? '' : 's'} reading the run's metrics (first: ${m.problems[0].reason}).`); }
  }
  let directions: Record<string, 'min' | 'max'> = {};
  if (run) {
    const exp = await store.readEntity(store.experimentFile(run.experiment), ExperimentSchema).catch(() => undefined);
    if (exp?.ok && exp.value.metricGoals) { directions = exp.value.metricGoals; }
  }

  // Without the run every goal and constraint is still listed with its bar, each unknown for that reason.
  const basis: Run = run ?? { formatVersion: 1, id: mv.runId, experiment: '', name: mv.runId, status: 'finished', startTime: mv.createdAt, params: {}, tags: [], dataVersions: [], meta: {} };
  const checks = evaluateRun(goals, { run: basis, metrics: run ? summaries : new Map(), modelSizeBytes: mv.artifact.sizeBytes }).checks;
  const gone = (g: CardGoal): CardGoal => (run || g.verdict !== 'unknown' ? g : { ...g, reason: 'the run that produced this version is not in the store' });
  const kpis = goals.kpis.map((k) => {
    const c = checks.find((x) => x.kind === 'kpi' && x.name === k.name)!;
    const extra = { description: k.description, formula: k.formula, owner: k.owner, target: k.target };
    const clean = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)) as Partial<CardGoal>;
    return gone(goalOf(c, clean));
  });
  const metrics = goals.metrics.map((g) => {
    const c = checks.find((x) => x.kind === 'metric' && x.name === g.name)!;
    const extra: Partial<CardGoal> = { ...(g.description ? { description: g.description } : {}), ...(g.target !== undefined ? { target: g.target } : {}) };
    return gone(goalOf(c, extra));
  });
  const constraints = checks.filter((c) => c.kind === 'constraint').map((c) => gone(goalOf(c)));
  for (const g of [...kpis, ...metrics, ...constraints]) {
    if (g.verdict === 'unknown') { caveats.push(`${g.label} is unknown${g.reason ? `: ${g.reason}` : ''}.`); }
  }

  const slices = cardSliceGroups(summaries, goals, directions);
  for (const s of slices.filter((x, i) => x.goalFrom === 'assumed' && slices.findIndex((y) => y.metric === x.metric) === i)) {
    caveats.push(`No goal says whether higher or lower ${s.metric} is better; ${s.goal === 'max' ? 'higher' : 'lower'} is assumed from its name for its worst slice.`);
  }
  const data = run ? await dataOf(store, run, caveats) : [];
  if (run && run.dataVersions.length === 0) { caveats.push('The run recorded no data version: the training and evaluation data are not known.'); }

  const gate = opts.gate;
  const depCheck = gate?.checks.find((c) => c.id === 'dependencies');
  const environment = run?.meta.environment ? { hash: run.meta.environment.hash, ...(run.meta.environment.file ? { file: run.meta.environment.file } : {}) } : undefined;

  const waivers: CardWaiver[] = [];
  for (const h of mv.stageHistory) {
    for (const w of h.waivers ?? []) { waivers.push({ check: w.check, reason: w.reason, at: h.at, stage: h.stage, ...(h.by ? { by: actorText(h.by) } : {}) }); }
  }
  for (const c of gate?.checks ?? []) {
    if (c.status === 'waived' && c.waiver !== undefined && !waivers.some((w) => w.check === c.id && w.reason === c.waiver)) {
      waivers.push({ check: c.id, reason: c.waiver });
    }
  }

  const ownerFromGoals = goals.intendedUse?.owner;
  const ownerFromHistory = [...mv.stageHistory].reverse().find((h) => h.by)?.by;
  const modelDescription = await store.listModels().then((r) => r.items.find((m) => m.name === model)?.description).catch(() => undefined);

  if (run?.notes) { caveats.unshift(`Run notes: ${run.notes}`); }
  if (!gate && opts.gateProblem) { caveats.push(`The gate could not be run: ${opts.gateProblem}`); }
  if (gate) {
    for (const p of gate.problems) { caveats.push(`Gate: ${p}`); }
    // Checks skipped for the same reason (no git: dependencies and notebooks) make one caveat.
    const byReason = new Map<string, string[]>();
    for (const c of gate.checks.filter((x) => x.status === 'skipped')) { byReason.set(c.reason ?? '', [...byReason.get(c.reason ?? '') ?? [], c.title.toLowerCase()]); }
    for (const [reason, titles] of byReason) { caveats.push(`The gate could not check ${titles.join(' or ')}${reason ? `: ${reason}` : ''}.`); }
  }
  if (run?.git?.dirty) { caveats.push(`The run was made from uncommitted changes${run.git.diffHash ? ` (diff hash ${run.git.diffHash.slice(0, 12)}…)` : ''}: the commit alone does not reproduce it.`); }

  const git = run?.git;
  const card: ModelCard = {
    model, version,
    generatedAt: (opts.now ?? new Date()).toISOString(),
    details: {
      stage: mv.stage,
      owner: ownerFromGoals ?? actorText(ownerFromHistory) ?? 'not recorded',
      ownerFrom: ownerFromGoals ? 'goals' : ownerFromHistory ? 'history' : 'none',
      ...(modelDescription ? { description: modelDescription } : {}),
      createdAt: mv.createdAt,
      runId: mv.runId,
      ...(run ? { runName: run.name, experiment: run.experiment } : {}),
      artifact: { path: mv.artifact.path, sha256: mv.artifact.sha256 ?? 'not recorded (the artifact was not here when it was imported)', sizeBytes: mv.artifact.sizeBytes, size: formatBytes(mv.artifact.sizeBytes), fileCount: mv.artifact.fileCount },
    },
    ...(goals.intendedUse ? { intendedUse: { ...goals.intendedUse } } : {}),
    kpis, metrics, slices, data, constraints,
    dependencies: {
      ...(depCheck ? { status: depCheck.status, summary: depCheck.summary } : {}),
      evidence: depCheck?.evidence ?? [],
      ...(environment ? { environment } : {}),
    },
    lineage: Object.fromEntries(Object.entries({
      commit: git?.commit, branch: git?.branch, dirty: git?.dirty, diffHash: git?.diffHash, python: run?.meta.python, environment,
      hardware: run ? hardwareText(run) : undefined, duration: run?.meta.durationMs !== undefined ? formatDuration(run.meta.durationMs) : undefined,
      script: run?.source?.script, reproducedFrom: run?.reproducedFrom,
    }).filter(([, v]) => v !== undefined)),
    ...(gate ? { gate: { stage: gate.stage, evaluatedAt: gate.evaluatedAt, passed: gate.passed, commit: gate.commit, checks: gate.checks, blocking: gate.blocking, problems: gate.problems } } : {}),
    waivers,
    history: mv.stageHistory.map((h) => ({ stage: h.stage, at: h.at, ...(h.by ? { by: actorText(h.by) } : {}), ...(h.gate ? { gatePassed: h.gate.passed } : {}) })),
    caveats,
    ...(run?.notes ? { notes: run.notes } : {}),
  };
  if (run && !git) { card.caveats.push('The run recorded no git commit: the code that trained this model is not known.'); }
  return card;
}

/** `0.81` — the one number format of the card. */
export const cardNumber = formatNumber;
