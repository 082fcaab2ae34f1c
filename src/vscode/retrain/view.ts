/**
 * What the Monitoring view shows of retraining, as plain data: under each model a "Retraining" node (how many of its
 * triggers fire, the last decision, a pipeline running) that expands to the triggers' current state and the latest
 * lines of `.mlops/retraining/log.jsonl`. No `vscode` import, so it is unit-tested on Node; monitorTree.ts maps the
 * nodes to TreeItems, service.ts keeps the state they are built from.
 */
import type { RetrainDecision, RetrainLogLine, RetrainTrigger, TriggerEvaluation } from '../../core/retrain/types';
import { ICONS, type MonitorNode, type Picture } from '../monitor/model';

/** What is known of one model's retraining: the latest evaluation of its triggers and the log's latest lines. */
export interface RetrainingView {
  root: string;
  model: string;
  /** This model's triggers as last evaluated, each with its decision when it fired. */
  triggers: { evaluation: TriggerEvaluation; decision?: RetrainDecision }[];
  /** The log's latest lines for this model, newest first. */
  log: RetrainLogLine[];
  /** Lines of the log that could not be read. */
  logProblems?: string[];
  /** A pipeline this window runs for the model right now. */
  running?: { pipeline: string; trigger?: string };
  /** Why the triggers could not be evaluated. */
  error?: string;
}

/** Log lines listed under the node; the rest are in the log file (a node opens it). */
export const LOG_SHOWN = 10;

export const RETRAIN_ICONS = {
  node: { id: 'sync' },
  running: { id: 'sync~spin', color: 'charts.blue' },
  firing: { id: 'sync', color: 'problemsWarningIcon.foreground' },
  quiet: { id: 'circle-outline', color: 'testing.iconPassed' },
  notified: { id: 'bell' },
  asked: { id: 'question', color: 'problemsWarningIcon.foreground' },
  started: { id: 'play', color: 'charts.blue' },
  finished: { id: 'pass', color: 'testing.iconPassed' },
  failed: { id: 'error', color: 'problemsErrorIcon.foreground' },
  killed: { id: 'debug-stop', color: 'problemsErrorIcon.foreground' },
  log: { id: 'output' },
} satisfies Record<string, Picture>;

/** Workspace text as literal Markdown (as in monitor/model.ts). */
const md = (s: string) => s.replace(/[\\`*_{}[\]#|<>]/g, '\\$&').replace(/^([-+])/, '\\$1');
const pad = (n: number) => String(n).padStart(2, '0');

/** `10:31 UTC` on the day of `now`, else `2026-11-29 10:31 UTC`; the text as written when it is not a time. */
export function timeLabel(iso: string, now: number): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) { return iso; }
  const day = (x: Date) => `${x.getUTCFullYear()}-${pad(x.getUTCMonth() + 1)}-${pad(x.getUTCDate())}`;
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
  return day(d) === day(new Date(now)) ? hm : `${day(d)} ${hm}`;
}

/** `auto`, or `auto → ask` when the safety rule (or this window) withheld automation. */
export function levelText(requested: string, applied: string): string {
  return requested === applied ? applied : `${requested} → ${applied}`;
}

/** What happened, in the log's words: `asked`, `started`, `finished: churn v4 → staging`. */
export function decisionText(line: RetrainLogLine): string {
  if (line.decision === 'quiet') { return line.fired ? 'quiet' : 'not firing'; }
  const models = line.models?.length ? `: ${line.models.map((m) => `${m.model} v${m.version} → ${m.stage}`).join(', ')}` : '';
  return `${line.decision}${models}`;
}

/** The condition a trigger watches, in words (for tooltips). */
export function triggerCondition(t: RetrainTrigger): string {
  const sym: Record<string, string> = { lt: '<', lte: '≤', gt: '>', gte: '≥', eq: '=' };
  const streak = t.windows && t.windows > 1 ? ` for ${t.windows} windows in a row` : '';
  switch (t.kind) {
    case 'metric': return `${t.metric ?? '?'} ${sym[t.comparator ?? ''] ?? t.comparator ?? '?'} ${t.threshold ?? '?'}${streak}`;
    case 'kpi': return `KPI ${t.kpi ?? '?'} ${sym[t.comparator ?? ''] ?? t.comparator ?? '?'} ${t.threshold ?? '?'}${streak}`;
    case 'drift': return [t.driftClass ? `input drift ${t.driftClass} or worse` : '', t.driftShare !== undefined ? `drifted share ≥ ${t.driftShare}` : ''].filter(Boolean).join(' or ') + streak || `any input drift${streak}`;
    case 'dataAge': return `training data older than ${t.maxAgeHours ?? '?'} h`;
    case 'newData': return `a new version of ${t.dataset ?? '?'}`;
    case 'schedule': return `no retraining for ${t.everyHours ?? '?'} h`;
  }
}

function firingCount(v: RetrainingView): number {
  return v.triggers.filter((t) => t.evaluation.fired).length;
}

/** The "Retraining" row under a model. */
export function retrainingNode(v: RetrainingView, now: number): MonitorNode {
  const n = v.triggers.length;
  const firing = firingCount(v);
  const parts: string[] = [];
  if (v.running) { parts.push(`running ${v.running.pipeline}`); }
  if (v.error) { parts.push('cannot evaluate'); } else if (n) { parts.push(firing ? `${firing} of ${n} trigger${n === 1 ? '' : 's'} firing` : `${n} trigger${n === 1 ? '' : 's'}, none firing`); } else { parts.push('no trigger'); }
  const last = v.log.find((l) => l.decision !== 'quiet');
  if (last) { parts.push(`last: ${last.decision} ${timeLabel(last.time, now)}`); }
  const lines = ['**Retraining** (`retraining.triggers` in `.mlops/goals.json`)'];
  if (v.error) { lines.push(`Cannot evaluate the triggers: ${md(v.error)}`); }
  for (const t of v.triggers) { lines.push(`${t.evaluation.fired ? '$(warning)' : '$(pass)'} ${md(t.evaluation.trigger.name)}: ${md(t.evaluation.summary)}`); }
  if (v.running) { lines.push(`Pipeline ${md(v.running.pipeline)} is running${v.running.trigger ? ` for trigger ${md(v.running.trigger)}` : ''}.`); }
  if (last) { lines.push(`Last decision: ${md(last.trigger)} — ${md(decisionText(last))} (${md(levelText(last.level, last.applied))}) at ${md(timeLabel(last.time, now))}${last.withheld ? `; ${md(last.withheld)}` : ''}`); }
  return {
    id: `${v.root}|${v.model}|retraining`, kind: 'retraining', root: v.root, model: v.model, label: 'Retraining', description: parts.join(' · '),
    tooltip: lines.join('\n\n'),
    icon: v.running ? RETRAIN_ICONS.running : v.error ? ICONS.error : firing ? RETRAIN_ICONS.firing : RETRAIN_ICONS.node,
    collapsible: firing || v.running ? 'expanded' : 'collapsed', contextValue: 'mlops.monitor.retraining',
  };
}

function triggerNode(v: RetrainingView, t: RetrainingView['triggers'][number], now: number): MonitorNode {
  const { evaluation: e, decision: d } = t;
  const tr = e.trigger;
  const level = d ? levelText(d.requested, d.applied) : tr.automation;
  const tooltip = [
    `**${md(tr.name)}** (${tr.kind}, automation ${md(level)}): fires on ${md(triggerCondition(tr))}.`,
    tr.description ? md(tr.description) : '',
    `${e.fired ? 'Firing' : 'Not firing'}: ${md(e.summary)}${e.fired && e.since ? ` (since ${md(timeLabel(e.since, now))})` : ''}`,
    d?.withheld ? md(d.withheld) : '',
    tr.pipeline ? `Pipeline: ${md(tr.pipeline)}` : 'No pipeline named (retraining.pipeline or the trigger\'s pipeline).',
  ].filter(Boolean).join('\n\n');
  return {
    id: `${v.root}|${v.model}|retraining|trigger|${tr.index}|${tr.name}`, kind: 'trigger', root: v.root, model: v.model, label: tr.name,
    description: `${e.fired ? 'firing' : 'quiet'} · ${level} · ${e.summary}`, tooltip,
    icon: e.fired ? (d?.withheld ? RETRAIN_ICONS.asked : ICONS.ruleWarning) : ICONS.ruleOk, collapsible: 'none',
    contextValue: e.fired ? 'mlops.monitor.trigger.firing' : 'mlops.monitor.trigger', action: { kind: 'openRule', offset: tr.offset, length: tr.length },
  };
}

function logNode(v: RetrainingView, line: RetrainLogLine, i: number, now: number): MonitorNode {
  const bits = [decisionText(line), levelText(line.level, line.applied)];
  if (line.withheld) { bits.push(line.withheld); }
  if (line.pipelineRunId) { bits.push(`run ${line.pipelineRunId.slice(-6)}`); }
  const tooltip = [
    `**${md(line.trigger)}** at ${md(line.time)} (${line.source === 'cli' ? 'mlops retrain check' : 'the editor'})`,
    `${md(line.summary)}`,
    line.description ? md(line.description) : '',
    `Decision: ${md(decisionText(line))}; automation ${md(levelText(line.level, line.applied))}${line.withheld ? ` — ${md(line.withheld)}` : ''}`,
    line.pipeline ? `Pipeline: ${md(line.pipeline)}${line.pipelineRunId ? ` (run ${md(line.pipelineRunId)}; click to show it in Experiments)` : ''}` : '',
  ].filter(Boolean).join('\n\n');
  return {
    id: `${v.root}|${v.model}|retraining|log|${line.time}|${line.trigger}|${line.decision}|${i}`, kind: 'retrainLog', root: v.root, model: v.model,
    label: `${timeLabel(line.time, now)} ${line.trigger}`, description: bits.join(' · '), tooltip,
    icon: RETRAIN_ICONS[line.decision] ?? RETRAIN_ICONS.notified, collapsible: 'none', contextValue: 'mlops.monitor.retrainLog',
    ...(line.pipelineRunId ? { action: { kind: 'revealRun' as const, runId: line.pipelineRunId } } : {}),
  };
}

/** The triggers (firing first, then in file order) and the latest log lines (newest first), then "Open log". */
export function retrainingChildren(v: RetrainingView, now: number): MonitorNode[] {
  const base = { root: v.root, model: v.model };
  const id = (s: string) => `${v.root}|${v.model}|retraining|${s}`;
  const out: MonitorNode[] = [];
  if (v.error) { out.push({ ...base, id: id('error'), kind: 'message', label: 'Cannot evaluate the triggers', description: v.error, tooltip: md(v.error), icon: ICONS.error, collapsible: 'none' }); }
  const triggers = [...v.triggers].sort((a, b) => Number(b.evaluation.fired) - Number(a.evaluation.fired) || a.evaluation.trigger.index - b.evaluation.trigger.index);
  for (const t of triggers) { out.push(triggerNode(v, t, now)); }
  if (!v.triggers.length && !v.error) {
    out.push({ ...base, id: id('none'), kind: 'message', label: 'No retraining trigger watches this model', tooltip: 'Add triggers under `retraining.triggers` in `.mlops/goals.json`.', icon: ICONS.info, collapsible: 'none' });
  }
  v.log.slice(0, LOG_SHOWN).forEach((l, i) => out.push(logNode(v, l, i, now)));
  if (v.logProblems?.length) {
    out.push({ ...base, id: id('logProblems'), kind: 'message', label: `${v.logProblems.length} unreadable log line${v.logProblems.length === 1 ? '' : 's'}`,
      tooltip: v.logProblems.slice(0, 10).map(md).join('\n\n'), icon: ICONS.problems, collapsible: 'none', action: { kind: 'openRetrainingLog' } });
  }
  if (v.log.length) {
    out.push({ ...base, id: id('openLog'), kind: 'more', label: v.log.length > LOG_SHOWN ? `Open the retraining log (${v.log.length}+ entries)` : 'Open the retraining log',
      icon: RETRAIN_ICONS.log, collapsible: 'none', action: { kind: 'openRetrainingLog' } });
  }
  return out;
}

/**
 * What identifies one firing episode of a trigger for a model: the store, the model, what the trigger watches (by
 * content, not its place in the list, so adding a trigger above it does not notify again; not its description), the
 * episode's start, and the level the safety rule applies — minor drift that turns major in the same streak is news
 * (automation is now withheld), while more windows of the same drift are not.
 */
export function triggerKey(root: string, e: Pick<TriggerEvaluation, 'model' | 'trigger'>): string {
  const t = e.trigger;
  return JSON.stringify([root, e.model, t.name, t.kind, t.metric ?? null, t.kpi ?? null, t.comparator ?? null, t.threshold ?? null, t.windows ?? null,
    t.driftClass ?? null, t.driftShare ?? null, t.maxAgeHours ?? null, t.dataset ?? null, t.everyHours ?? null, t.pipeline ?? null]);
}

export function episodeKey(root: string, e: Pick<TriggerEvaluation, 'model' | 'trigger' | 'since'>, applied: string): string {
  return `${triggerKey(root, e)}@${e.since ?? ''}@${applied}`;
}

/** One line per evaluation for the Check Retraining summary: `churn · drift: firing (ask) — input drift minor …`. */
export function checkItems(evaluations: readonly { evaluation: TriggerEvaluation; decision?: RetrainDecision }[]): { label: string; description: string; detail?: string; fired: boolean }[] {
  return [...evaluations].sort((a, b) => Number(b.evaluation.fired) - Number(a.evaluation.fired)).map(({ evaluation: e, decision: d }) => ({
    label: `${e.fired ? '$(warning)' : '$(pass)'} ${e.model} · ${e.trigger.name}`,
    description: e.fired ? `firing · ${d ? levelText(d.requested, d.applied) : e.trigger.automation}` : 'quiet',
    detail: [e.summary, d?.withheld].filter(Boolean).join(' — '),
    fired: e.fired,
  }));
}
