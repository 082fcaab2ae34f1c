// The words the views use for runs, data versions and models: labels, short descriptions and Markdown tooltips.
// User text (names, params, tags, notes) is escaped before it goes into Markdown.
import { formatBytes, formatDuration } from '../format';
import { formatCost, goalsBadge, type GoalCheck, type RunGoals, type Verdict } from '../goals/evaluate';
import type { MetricSummary } from '../store/metrics';
import type { DataVersion, ModelVersion, ParamValue, Run } from '../store/schemas';

export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>&~$]/g, (c) => `\\${c}`);
}

export function formatValue(v: number | ParamValue): string {
  if (typeof v !== 'number') { return v === null ? 'null' : String(v); }
  if (Number.isNaN(v)) { return 'NaN'; }
  if (!Number.isFinite(v)) { return v > 0 ? '∞' : '-∞'; }
  if (Number.isInteger(v)) { return String(v); }
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) { return v.toExponential(3).replace(/\.?0+e/, 'e'); }
  return String(Number(v.toPrecision(4)));
}

export function relativeTime(iso: string, now: number): string {
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) { return ''; }
  if (ms < 45_000) { return 'just now'; }
  const min = Math.round(ms / 60_000);
  if (min < 60) { return `${min} min ago`; }
  const h = Math.round(min / 60);
  if (h < 24) { return `${h} h ago`; }
  const d = Math.round(h / 24);
  if (d < 30) { return `${d} d ago`; }
  return iso.slice(0, 10);
}

/** The metric a run is summarised by: the configured one when the run has it, else its first metric by name. */
export function headlineOf(summaries: Map<string, MetricSummary> | undefined, configured: string | undefined): MetricSummary | undefined {
  if (!summaries || summaries.size === 0) { return undefined; }
  if (configured && summaries.has(configured)) { return summaries.get(configured); }
  return [...summaries.values()].sort((a, b) => a.name.localeCompare(b.name))[0];
}

/**
 * A run row's description: headline metric, then (with goals.json) the first KPI and the goal badge, then when.
 * Goal parts wait until the run's metrics are loaded, so a row never flashes "unknown" while they load.
 */
export function runDescription(run: Run, summaries: Map<string, MetricSummary> | undefined, headline: string | undefined, now: number, goals?: RunGoals): string {
  const parts: string[] = [];
  const h = headlineOf(summaries, headline);
  if (h) { parts.push(`${h.name} ${formatValue(h.last)}`); }
  if (goals && summaries) {
    const [name, v] = goals.kpis.entries().next().value ?? [];
    if (name !== undefined) { parts.push(`${name} ${v?.ok ? formatValue(v.value) : '?'}`); }
    const badge = goalsBadge(goals);
    if (badge) { parts.push(badge); }
  }
  parts.push(run.status === 'running' ? `running ${relativeTime(run.startTime, now).replace(' ago', '')}` : relativeTime(run.endTime ?? run.startTime, now));
  return parts.join(' · ');
}

export const VERDICT_MARK: Record<Verdict, string> = { pass: '✓', fail: '✗', unknown: '?', info: '·' };

/** One goal as a Markdown list item: verdict mark, name, value, bar, and why it is unknown. */
export function goalCheckLine(c: GoalCheck): string {
  const value = c.shown !== undefined ? ` ${escapeMarkdown(c.shown)}${c.unit ? ` ${escapeMarkdown(c.unit)}` : ''}` : '';
  const bar = c.bar !== undefined ? ` (${escapeMarkdown(c.bar)})` : c.goal ? ` (${c.goal === 'max' ? 'higher' : 'lower'} is better, no threshold)` : '';
  const reason = c.reason && (c.verdict === 'unknown' || c.value === undefined) ? `: ${c.verdict === 'unknown' ? 'unknown, ' : ''}${escapeMarkdown(c.reason)}` : '';
  return `- ${VERDICT_MARK[c.verdict]} **${escapeMarkdown(c.label)}**${value}${bar}${reason}`;
}

/** The Goals part of a run's tooltip: every KPI, metric goal and constraint with its verdict, then the cost. */
export function goalsTooltip(g: RunGoals): string[] {
  const md: string[] = [];
  const counts = [g.met ? `${g.met} met` : '', g.unmet ? `${g.unmet} unmet` : '', g.unknown ? `${g.unknown} unknown` : ''].filter(Boolean).join(', ');
  md.push(`**Goals**${counts ? `: ${counts}` : ''}`);
  const section = (kind: GoalCheck['kind'], title: string) => {
    const checks = g.checks.filter((c) => c.kind === kind);
    if (checks.length) { md.push('', `*${title}*`, '', ...checks.map(goalCheckLine)); }
  };
  section('kpi', 'KPIs');
  section('metric', 'Metric goals');
  section('constraint', 'Constraints');
  md.push('', g.cost.known
    ? `Cost: ${escapeMarkdown(formatCost(g.cost.amount, g.cost.currency))} · ${escapeMarkdown(g.cost.detail)}`
    : `Cost: unknown, ${escapeMarkdown(g.cost.reason)}`);
  return md;
}

export function runTooltip(run: Run, summaries: Map<string, MetricSummary> | undefined, models: readonly ModelVersion[], dataLabel: (ref: Run['dataVersions'][number]) => string, goals?: RunGoals): string {
  const md: string[] = [];
  md.push(`**${escapeMarkdown(run.name)}** — ${run.status}  `);
  md.push(`\`${run.id}\` · experiment ${escapeMarkdown(run.experiment)}`);
  md.push('');
  const when = [`started ${run.startTime.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}`];
  if (run.meta.durationMs !== undefined) { when.push(`duration ${formatDuration(run.meta.durationMs)}`); }
  if (run.meta.peakMemoryBytes !== undefined) { when.push(`peak memory ${formatBytes(run.meta.peakMemoryBytes)}`); }
  if (run.meta.cost) { when.push(`cost ${run.meta.cost.amount} ${escapeMarkdown(run.meta.cost.currency)}`); }
  md.push(when.join(' · '));
  if (run.meta.hardware?.cpu || run.meta.hardware?.gpus?.length) {
    md.push('');
    md.push(`Hardware: ${escapeMarkdown([run.meta.hardware.cpu, ...(run.meta.hardware.gpus ?? [])].filter(Boolean).join(', '))}`);
  }
  md.push('');
  md.push(run.git ? `Commit \`${run.git.commit.slice(0, 10)}\`${run.git.dirty ? ' **dirty** (uncommitted changes)' : ''}${run.git.branch ? ` on ${escapeMarkdown(run.git.branch)}` : ''}` : 'Commit: not recorded');
  const params = Object.entries(run.params);
  if (params.length) {
    md.push('', '**Params**', '');
    for (const [k, v] of params.slice(0, 20)) { md.push(`- ${escapeMarkdown(k)} = ${escapeMarkdown(formatValue(v))}`); }
    if (params.length > 20) { md.push(`- … ${params.length - 20} more`); }
  }
  if (summaries?.size) {
    md.push('', '**Metrics** (last)', '');
    for (const s of [...summaries.values()].slice(0, 20)) { md.push(`- ${escapeMarkdown(s.name)} = ${formatValue(s.last)} @ step ${s.lastStep}`); }
  }
  if (run.dataVersions.length) {
    md.push('', `**Data**: ${run.dataVersions.map((d) => escapeMarkdown(dataLabel(d))).join(', ')}`);
  }
  if (models.length) {
    md.push('', `**Models**: ${models.map((m) => `${escapeMarkdown(m.model)} v${m.version} (${m.stage})`).join(', ')}`);
  }
  if (goals) { md.push('', ...goalsTooltip(goals)); }
  if (run.tags.length) { md.push('', `Tags: ${run.tags.map(escapeMarkdown).join(', ')}`); }
  if (run.notes) { md.push('', escapeMarkdown(run.notes)); }
  return md.join('\n');
}

export function dataVersionLabel(v: DataVersion): string {
  return v.tags.length ? v.tags.join(', ') : `untagged ${v.id.slice(-6)}`;
}

export function dataVersionDescription(v: DataVersion, now: number): string {
  return `${v.fileCount} file${v.fileCount === 1 ? '' : 's'} · ${formatBytes(v.sizeBytes)} · ${relativeTime(v.createdAt, now)}`;
}

export function dataVersionTooltip(v: DataVersion): string {
  return [`**${escapeMarkdown(v.dataset)}** ${escapeMarkdown(dataVersionLabel(v))}  `, `\`${v.id}\``, '',
    `sha256 \`${v.contentHash}\`  `, `${v.fileCount} files, ${formatBytes(v.sizeBytes)}  `,
    `source ${escapeMarkdown(v.source)}  `, `created ${v.createdAt}${v.run ? `  \nwritten by run \`${v.run}\`` : ''}`].join('\n');
}

export function modelVersionTooltip(v: ModelVersion, runName: string | undefined): string {
  return [`**${escapeMarkdown(v.model)} v${v.version}** — ${v.stage}  `, `artifact ${escapeMarkdown(v.artifact.path)}  `,
    `sha256 \`${v.artifact.sha256}\`  `, `${v.artifact.fileCount} file${v.artifact.fileCount === 1 ? '' : 's'}, ${formatBytes(v.artifact.sizeBytes)}  `,
    `from run ${runName ? escapeMarkdown(runName) + ' ' : ''}\`${v.runId}\`  `,
    `stages: ${v.stageHistory.map((h) => `${h.stage} (${h.at.slice(0, 10)})`).join(' → ')}`].join('\n');
}

/** A metric row's description and tooltip: last value @ step, min, max (and the point count in the tooltip). */
export function metricLeafText(s: MetricSummary): [description: string, icon: undefined, extra: { tooltip: string }] {
  return [`${formatValue(s.last)} @ ${s.lastStep}   min ${formatValue(s.min)}   max ${formatValue(s.max)}`, undefined,
    { tooltip: `**${escapeMarkdown(s.name)}**: last ${formatValue(s.last)} at step ${s.lastStep}, min ${formatValue(s.min)}, max ${formatValue(s.max)}, ${s.count} points` }];
}
