/**
 * Evaluating the retraining triggers of goals.json for each model they watch: a monitored metric or KPI beyond its
 * threshold for N complete windows in a row, input drift of a class or share for N windows, training data older than
 * a limit, a dataset version newer than the model's, or a schedule. Each evaluation carries the model's facts (with
 * `trigger` and `performanceDropped`), one summary line that quotes the values, and `since`, the start of the episode
 * (notifications and automatic runs happen once per episode).
 */
import type { Goals } from '../goals/document';
import { evaluateFormula } from '../goals/formula';
import { formatQuantity } from '../monitor/alerts';
import { monitoredModels } from '../monitor/models';
import { COMPARATOR_SYMBOLS, meets, type MonitorQuantity, type MonitorReport, type WindowSummary } from '../monitor/types';
import type { Facts } from '../pipeline/types';
import type { Store } from '../store/store';
import { LABELLED, modelState, pipelineModel, poolOf, windowLookup, type ModelState } from './facts';
import type { RetrainTrigger, TriggerEvaluation } from './types';

interface Judgement { fired: boolean; summary: string; since?: string; /** The windows of the firing streak. */ streak?: readonly WindowSummary[] }

const rows = (n: number): string => `${n} window${n === 1 ? '' : 's'}`;
const iso = (t: number): string => new Date(t).toISOString();

/** An age in hours as people read it: `42 min`, `5.2 h`, `3.1 d`. */
export function ageText(hours: number): string {
  if (hours < 1 / 60) { return '< 1 min'; }
  if (hours < 1) { return `${Math.round(hours * 60)} min`; }
  if (hours < 48) { return `${Number(hours.toFixed(1))} h`; }
  return `${Number((hours / 24).toFixed(1))} d`;
}

/** A run of windows (oldest first) in a row, from the latest back, meeting `ok`. */
function streakOf<T>(pool: readonly T[], ok: (x: T) => boolean): number {
  let n = 0;
  for (let i = pool.length - 1; i >= 0 && ok(pool[i]); i--) { n++; }
  return n;
}

/** Up to five values of a streak, oldest first, `…` when there were more. */
function quote(values: readonly number[]): string {
  const shown = values.slice(-5).map(formatQuantity).join(', ');
  return values.length > 5 ? `…, ${shown}` : shown;
}

/** A metric or KPI over windows: `accuracy < 0.8 for 3 windows in a row (0.71, 0.74, 0.69)`. */
function thresholdJudgement(t: RetrainTrigger, what: string, pool: readonly WindowSummary[], valueOf: (w: WindowSummary) => number | undefined, unknown: string): Judgement {
  const need = t.windows ?? 1;
  const cond = `${COMPARATOR_SYMBOLS[t.comparator!]} ${formatQuantity(t.threshold!)}`;
  const latest = pool[pool.length - 1];
  const value = latest ? valueOf(latest) : undefined;
  if (value === undefined || Number.isNaN(value)) { return { fired: false, summary: `${what} unknown: ${unknown}` }; }
  const streak = streakOf(pool, (w) => meets(valueOf(w), t.comparator!, t.threshold!));
  const values = pool.slice(pool.length - streak).map((w) => valueOf(w)!);
  if (streak >= need) {
    return { fired: true, summary: `${what} ${cond} for ${rows(streak)} in a row (${quote(values)})`, since: pool[pool.length - streak].start, streak: pool.slice(pool.length - streak) };
  }
  if (streak > 0) { return { fired: false, summary: `${what} ${cond} for ${rows(streak)} in a row (${quote(values)}); fires at ${need}` }; }
  return { fired: false, summary: `${what} ${formatQuantity(value)} (fires when ${cond}${need > 1 ? ` for ${rows(need)} in a row` : ''})` };
}

const NO_WINDOW = 'no complete monitoring window yet';

function unknownQuantity(s: ModelState, q: MonitorQuantity): string {
  const w = s.closed[s.closed.length - 1];
  if (!w) { return s.reportNote ?? NO_WINDOW; }
  if (LABELLED.has(q)) { return 'no labels yet (mlops monitor label FILE)'; }
  if (q === 'inputDriftShare') { return w.inputDriftNote ?? 'no input drift measured'; }
  if (q === 'predictionDriftScore') { return w.predictionDriftNote ?? 'no prediction drift measured'; }
  if (q === 'dataAgeHours') { return w.dataAgeNote ?? 'no data version of the model\'s datasets is known'; }
  return 'not measured in the latest window';
}

function judgeMetric(t: RetrainTrigger, s: ModelState): Judgement {
  const q = t.metric!;
  const pool = poolOf(s.closed, LABELLED.has(q) ? [q] : []);
  return thresholdJudgement(t, q, pool, (w) => w.values[q], unknownQuantity(s, q));
}

function judgeKpi(t: RetrainTrigger, s: ModelState): Judgement {
  const k = s.goals.kpis.find((x) => x.name === t.kpi);
  if (!k?.parsed) { return { fired: false, summary: `kpi ${t.kpi} unknown: ${k ? `its formula does not parse (${k.formulaError ?? 'error'})` : 'no such KPI in goals.json'}` }; }
  const refs = k.parsed.references.map((r) => r.name as MonitorQuantity);
  const labelled = refs.filter((q) => LABELLED.has(q));
  const pool = poolOf(s.closed, labelled);
  const valueOf = (w: WindowSummary): number | undefined => { const v = evaluateFormula(k.parsed!, windowLookup(w)); return v.ok ? v.value : undefined; };
  const latest = pool[pool.length - 1];
  let unknown = 'not computable from the monitored quantities';
  if (!s.closed.length) { unknown = s.reportNote ?? NO_WINDOW; } else if (!latest) { unknown = 'no labels yet (mlops monitor label FILE)'; } else {
    const v = evaluateFormula(k.parsed, windowLookup(latest));
    if (!v.ok) { unknown = v.reason; }
  }
  return thresholdJudgement(t, `kpi ${t.kpi}`, pool, valueOf, unknown);
}

const CLASS_RANK = { none: 0, minor: 1, major: 2 } as const;

function judgeDrift(t: RetrainTrigger, s: ModelState): Judgement {
  const need = t.windows ?? 1;
  const parts: string[] = [];
  if (t.driftClass) { parts.push(`class ≥ ${t.driftClass}`); }
  if (t.driftShare !== undefined) { parts.push(`share ≥ ${formatQuantity(t.driftShare)}`); }
  const cond = parts.join(' or ');
  const latest = s.closed[s.closed.length - 1];
  if (!latest) { return { fired: false, summary: `input drift unknown: ${s.reportNote ?? NO_WINDOW}` }; }
  if (!latest.inputDrift) { return { fired: false, summary: `input drift unknown: ${latest.inputDriftNote ?? 'not measured in the latest window'}` }; }
  const ok = (w: WindowSummary): boolean => {
    const d = w.inputDrift;
    if (!d) { return false; }
    return (t.driftClass !== undefined && CLASS_RANK[d.class] >= CLASS_RANK[t.driftClass]) || (t.driftShare !== undefined && d.share >= t.driftShare);
  };
  const streak = streakOf(s.closed, ok);
  const d = latest.inputDrift;
  const cols = d.byColumn.filter((c) => c.drifted).map((c) => c.column);
  const what = `input drift ${d.class} (${d.drifted} of ${d.columns} columns${cols.length ? `: ${cols.slice(0, 6).join(', ')}${cols.length > 6 ? ', …' : ''}` : ''})`;
  if (streak >= need) { return { fired: true, summary: `${what} for ${rows(streak)} in a row`, since: s.closed[s.closed.length - streak].start, streak: s.closed.slice(s.closed.length - streak) }; }
  if (streak > 0) { return { fired: false, summary: `${what} for ${rows(streak)} in a row; fires at ${need}` }; }
  return { fired: false, summary: `${what} (fires when ${cond}${need > 1 ? ` for ${rows(need)} in a row` : ''})` };
}

async function judgeDataAge(t: RetrainTrigger, s: ModelState): Promise<Judgement> {
  const limit = t.maxAgeHours!;
  const datasets = [...new Set((s.run?.dataVersions ?? []).map((r) => r.dataset))];
  if (!s.version) { return { fired: false, summary: `data age unknown: model '${s.model}' has no registered version` }; }
  if (!datasets.length) { return { fired: false, summary: `data age unknown: the run that produced ${s.model} v${s.version.version} records no data versions` }; }
  let newest: { t: number; label: string } | undefined;
  for (const ds of datasets) {
    const vs = await s.versionsOf(ds);
    const last = vs[vs.length - 1];
    if (last && (!newest || last.t > newest.t)) { newest = { t: last.t, label: `${ds}@${last.version.id}` }; }
  }
  if (!newest) { return { fired: false, summary: `data age unknown: no version of ${datasets.join(', ')} is known` }; }
  const hours = (s.now - newest.t) / 3_600_000;
  const fired = hours > limit;
  return {
    fired,
    summary: `training data ${ageText(hours)} old ${fired ? '>' : '≤'} ${ageText(limit)} (newest: ${newest.label}, tagged ${iso(newest.t)})`,
    ...(fired ? { since: iso(newest.t + limit * 3_600_000) } : {}),
  };
}

async function judgeNewData(t: RetrainTrigger, s: ModelState): Promise<Judgement> {
  const ds = t.dataset!;
  if (!s.version) { return { fired: false, summary: `new data unknown: model '${s.model}' has no registered version` }; }
  const vs = await s.versionsOf(ds);
  const ref = s.run?.dataVersions.find((d) => d.dataset === ds);
  const trained = ref ? vs.find((v) => v.version.id === ref.version) : undefined;
  const baseT = trained?.t ?? Date.parse(s.version.createdAt);
  const baseWhat = trained ? `the one ${s.model} v${s.version.version} was trained on` : `${s.model} v${s.version.version} was registered`;
  // A retrain started after a version appeared has taken it in: that version is not news any more.
  const seenT = Math.max(baseT, s.lastRetrain?.t ?? -Infinity);
  const newer = vs.filter((v) => v.t > seenT && v.version.id !== ref?.version);
  if (!newer.length) {
    return { fired: false, summary: `no new version of ${ds} since ${s.lastRetrain && s.lastRetrain.t > baseT ? `the last retrain (${s.lastRetrain.time})` : baseWhat}` };
  }
  const last = newer[newer.length - 1];
  return {
    fired: true,
    summary: `${newer.length} new version${newer.length === 1 ? '' : 's'} of ${ds} since ${baseWhat} (newest ${last.version.id}, tagged ${last.version.createdAt})`,
    since: last.version.createdAt,
  };
}

function judgeSchedule(t: RetrainTrigger, s: ModelState): Judgement {
  const every = t.everyHours!;
  const last = s.lastRetrain ?? (s.version ? { time: s.version.createdAt, t: Date.parse(s.version.createdAt) } : undefined);
  if (!last || !Number.isFinite(last.t)) { return { fired: false, summary: `schedule unknown: ${s.model} was never retrained and has no registered version` }; }
  const hours = (s.now - last.t) / 3_600_000;
  const what = s.lastRetrain ? `last retrain ${ageText(hours)} ago` : `never retrained; v${s.version!.version} registered ${ageText(hours)} ago`;
  const fired = hours >= every;
  return { fired, summary: `${what} (every ${ageText(every)})`, ...(fired ? { since: iso(last.t + every * 3_600_000) } : {}) };
}

/**
 * `drift` with `worstClass` and `worstColumns`: the worst input drift over the windows of the firing streak (else the
 * latest window). A streak none, major, minor fires "for 2 windows" on a minor latest window, yet a window of it was
 * major: the safety rule reads the worst.
 */
function worstDrift(s: ModelState, j: Judgement): Facts {
  const drift = s.facts.drift;
  if (drift === null || typeof drift !== 'object' || Array.isArray(drift)) { return {}; }
  const windows = j.streak?.length ? j.streak : s.closed.slice(-1);
  let worst: NonNullable<WindowSummary['inputDrift']> | undefined;
  for (const w of windows) {
    if (w.inputDrift && (!worst || CLASS_RANK[w.inputDrift.class] > CLASS_RANK[worst.class])) { worst = w.inputDrift; }
  }
  if (!worst) { return {}; }
  const drifted = worst.byColumn.filter((c) => c.drifted);
  const major = drifted.filter((c) => c.class === 'major');
  return { drift: { ...drift, worstClass: worst.class, worstColumns: (major.length ? major : drifted).map((c) => c.column) } };
}

async function judge(t: RetrainTrigger, s: ModelState): Promise<Judgement> {
  switch (t.kind) {
    case 'metric': return judgeMetric(t, s);
    case 'kpi': return judgeKpi(t, s);
    case 'drift': return judgeDrift(t, s);
    case 'dataAge': return judgeDataAge(t, s);
    case 'newData': return judgeNewData(t, s);
    case 'schedule': return judgeSchedule(t, s);
  }
}

/**
 * Every trigger of `goals.retraining` for each model it watches (its own model, else retraining.model, else every
 * monitored model; `opts.model` narrows to one). `reports` are monitoring reports already at hand (the editor's),
 * by model; others are computed (which brings windows.jsonl up to date).
 */
export async function evaluateTriggers(store: Store, goals: Goals, opts: { model?: string; now?: number; reports?: Map<string, MonitorReport> } = {}): Promise<TriggerEvaluation[]> {
  const triggers = goals.retraining.triggers;
  if (!triggers.length) { return []; }
  const now = opts.now ?? Date.now();
  let monitored: string[] | undefined;
  const pairs: { t: RetrainTrigger; model: string }[] = [];
  for (const t of triggers) {
    let models: string[];
    if (t.model) { models = [t.model]; } else if (opts.model) { models = [opts.model]; } else {
      monitored ??= (await monitoredModels(store)).map((m) => m.model);
      models = monitored;
    }
    for (const model of models) { if (opts.model === undefined || model === opts.model) { pairs.push({ t, model }); } }
  }
  const states = new Map<string, ModelState>();
  const judged: { t: RetrainTrigger; model: string; j: Judgement }[] = [];
  for (const { t, model } of pairs) {
    let s = states.get(model);
    if (!s) {
      s = await modelState(store, model, { goals, now, ...(opts.reports?.has(model) ? { report: opts.reports.get(model) } : {}) });
      states.set(model, s);
    }
    judged.push({ t, model, j: await judge(t, s) });
  }
  // The model each named pipeline is bound to: a trigger that fires for another model must not run it.
  const bound = new Map<string, string | undefined>();
  for (const { t } of judged) { if (t.pipeline) { await pipelineModel(store, t.pipeline, bound); } }
  // Performance dropped: a fired trigger over a quantity that needs labels (accuracy, f1, mae …) or a KPI whose formula
  // uses one. Latency, error rate or request counts beyond a threshold say nothing about the model's predictions.
  const labelBased = (t: RetrainTrigger): boolean => {
    if (t.kind === 'metric') { return LABELLED.has(t.metric!); }
    if (t.kind !== 'kpi') { return false; }
    const k = goals.kpis.find((x) => x.name === t.kpi);
    return !!k?.parsed?.references.some((r) => LABELLED.has(r.name as MonitorQuantity));
  };
  const dropped = new Set(judged.filter((x) => x.j.fired && labelBased(x.t)).map((x) => x.model));
  return judged.map(({ t, model, j }) => ({
    trigger: t, model, fired: j.fired, summary: j.summary, ...(j.since ? { since: j.since } : {}),
    ...(t.pipeline && bound.get(t.pipeline) !== undefined ? { pipelineModel: bound.get(t.pipeline) } : {}),
    facts: { ...states.get(model)!.facts, ...worstDrift(states.get(model)!, j), trigger: { name: t.name, kind: t.kind, level: t.automation }, performanceDropped: dropped.has(model) },
  }));
}
