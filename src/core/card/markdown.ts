/**
 * The model card as GitHub-flavoured Markdown: headings per section, tables for the numbers. Every piece of data is
 * escaped so that a hostile name (`<img onerror>`, `| col |`, `[link](…)`, `*bold*`) stays the text it is.
 */
import { CARD_SECTION_TITLES, type CardSectionId, type ModelCard } from './types';
import { CHECK_TITLES } from '../gate/types';
import { formatBytes } from '../format';
import { formatNumber } from '../goals/evaluate';
import { STATUS_WORD, showControls, barText, cardTitle, dateText, directionText, gateHeadline, spreadText, valueText, verdictText } from './text';

/** Text safe in Markdown (and in a table cell): HTML and Markdown syntax escaped, line breaks made spaces. */
export function mdEscape(s: string): string {
  return showControls(s)
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~])/g, '\\$1')
    .replace(/\r\n|\r|\n/g, ' ');
}

/** Code span text (hashes, paths): in backticks, with any backtick in the data made harmless. */
function code(s: string): string {
  return s.includes('`') || s.includes('|') || /[\r\n]/.test(s) ? mdEscape(s) : `\`${showControls(s)}\``;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const e = mdEscape;

export function cardMarkdown(card: ModelCard): string {
  const out: string[] = [`# ${e(cardTitle(card))}`, '', `_${e(`Generated ${dateText(card.generatedAt)} by MLOps Workbench.`)}_`, ''];
  const section = (id: CardSectionId, body: string[]) => { out.push(`## ${CARD_SECTION_TITLES[id]}`, '', ...body, ''); };
  const d = card.details;

  section('details', [table(['Field', 'Value'], [
    ['Name', e(card.model)], ['Version', String(card.version)], ['Stage', e(d.stage)],
    ['Owner', e(d.owner) + (d.ownerFrom === 'history' ? ' (last stage change)' : '')],
    ...(d.description ? [['Description', e(d.description)]] : []),
    ['Created', e(dateText(d.createdAt))],
    ['Run', `${e(d.runName ?? '(run not found)')} ${code(d.runId)}${d.experiment ? ` in ${e(d.experiment)}` : ''}`],
    ['Artifact', `${code(d.artifact.path)} (${e(d.artifact.size)}, ${d.artifact.fileCount} file${d.artifact.fileCount === 1 ? '' : 's'})`],
    ['SHA-256', code(d.artifact.sha256)],
  ])]);

  const u = card.intendedUse;
  section('intended-use', u && (u.description || u.users || u.outOfScope || u.owner) ? [
    ...(u.description ? [`**Purpose.** ${e(u.description)}`, ''] : []),
    ...(u.users ? [`**Users.** ${e(u.users)}`, ''] : []),
    ...(u.outOfScope ? [`**Out of scope.** ${e(u.outOfScope)}`, ''] : []),
    ...(u.owner ? [`**Owner.** ${e(u.owner)}`] : []),
  ] : ['Not recorded: add `intendedUse` to `.mlops/goals.json`.']);

  section('kpis', card.kpis.length ? [
    table(['KPI', 'What it means', 'Formula', 'Value', 'Goal', 'Verdict', 'Owner'],
      card.kpis.map((k) => [`**${e(k.name)}**`, e(k.description ?? ''), k.formula ? code(k.formula) : '', e(valueText(k)), e(barText(k)), e(verdictText(k)), e(k.owner ?? '')])),
  ] : ['No business KPI is defined in `.mlops/goals.json`.']);

  section('metrics', card.metrics.length ? [
    table(['Metric', 'Value', 'Goal', 'Verdict'], card.metrics.map((m) => [e(m.name), e(valueText(m)), e(barText(m)), e(verdictText(m))])),
  ] : ['No metric goal is defined in `.mlops/goals.json`.']);

  const sliceBody: string[] = [];
  for (const s of card.slices) {
    sliceBody.push(`**${e(s.metric)}** by **${e(s.key)}** — spread ${e(spreadText(s))}${s.flagged ? ' **(too wide)**' : ''}; worst slice ${e(`${s.key}=${s.worst}`)}; ${e(directionText(s))}.`, '');
    // A text bar per slice (GitHub renders no inline SVG from Markdown): the chart of the HTML card, in characters.
    const top = Math.max(...s.slices.map((x) => Math.abs(x.value)), 1e-12);
    const bar = (v: number) => '█'.repeat(Math.max(1, Math.round((Math.abs(v) / top) * 20)));
    sliceBody.push(table([e(s.key), e(s.metric), '', ''], [...s.slices.map((x) => [e(x.slice), formatNumber(x.value), `\`${bar(x.value)}\``, x.slice === s.worst ? '← worst' : '']),
      ...(s.unknown ?? []).map((x) => [e(x.slice), formatNumber(x.value), '', 'unknown'])]), '');
  }
  section('slices', sliceBody.length ? sliceBody : ['The run logged no sliced metric (`name@key=value`), so consistency across data subsets is not shown.']);

  const dataBody: string[] = [];
  if (card.data.length) {
    dataBody.push(table(['Dataset', 'Version', 'Content hash', 'Files', 'Size', 'Source'], card.data.map((v) => [
      e(v.dataset), `${e(v.label)} ${code(v.versionId)}`, v.contentHash ? code(v.contentHash) : '—',
      v.problem ? e(v.problem) : String(v.fileCount ?? '—'), v.sizeBytes !== undefined ? e(formatBytes(v.sizeBytes)) : '—', v.source ? code(v.source) : '—'])));
    const profiled = card.data.filter((v) => v.profile?.length);
    if (profiled.length) {
      dataBody.push('', table(['Dataset', 'File', 'Rows', 'Columns'], profiled.flatMap((v) => v.profile!.map((f) => [e(v.dataset), code(f.path), String(f.rows), f.error ? e(`not profiled: ${f.error}`) : String(f.columns)]))));
    }
  } else { dataBody.push('No data version is recorded for the run.'); }
  section('data', dataBody);

  section('constraints', card.constraints.length ? [
    table(['Constraint', 'Value', 'Allowed', 'Verdict'], card.constraints.map((c) => [e(c.label), e(valueText(c)), e(c.bar ?? ''), e(verdictText(c))])),
  ] : ['No production constraint is defined in `.mlops/goals.json`.']);

  const dep = card.dependencies;
  const depBody: string[] = [];
  if (dep.status) { depBody.push(`Gate check: ${e(STATUS_WORD[dep.status])} — ${e(dep.summary ?? '')}`, ''); } else { depBody.push('The gate did not check the dependencies for this card.', ''); }
  if (dep.evidence.length) {
    depBody.push(table(['Where', 'Finding'], dep.evidence.map((x) => [x.file ? code(`${x.file}${x.line ? `:${x.line}` : ''}`) : '', `${x.failing ? '✗ ' : ''}${e(x.text)}`])), '');
  }
  depBody.push(dep.environment ? `Environment: ${dep.environment.file ? `${code(dep.environment.file)} ` : ''}sha256 ${code(dep.environment.hash)}` : 'The run recorded no environment file.');
  section('dependencies', depBody);

  const l = card.lineage;
  section('lineage', [table(['Field', 'Value'], [
    ['Commit', l.commit ? code(l.commit) : 'not recorded'], ['Branch', l.branch ? e(l.branch) : '—'],
    ['Uncommitted changes', l.dirty === undefined ? '—' : l.dirty ? `yes${l.diffHash ? ` (diff ${code(l.diffHash)})` : ''}` : 'no'],
    ['Python', l.python ? e(l.python) : '—'],
    ['Environment', l.environment ? `${l.environment.file ? `${code(l.environment.file)} ` : ''}${code(l.environment.hash.slice(0, 16))}` : '—'],
    ['Hardware', l.hardware ? e(l.hardware) : '—'], ['Training duration', l.duration ? e(l.duration) : '—'],
    ...(l.script ? [['Script', code(l.script)]] : []), ...(l.reproducedFrom ? [['Reproduces run', code(l.reproducedFrom)]] : []),
  ])]);

  const g = card.gate;
  const gateBody: string[] = [`**${e(gateHeadline(card))}**`, ''];
  if (g) {
    gateBody.push(`_${e(`Checked ${dateText(g.evaluatedAt)} for ${g.stage}${g.commit.id ? ` at commit ${g.commit.id.slice(0, 12)}` : ''}${g.commit.problem ? ` (${g.commit.problem})` : ''}.`)}_`, '');
    gateBody.push(table(['Check', 'Level', 'Status', 'Summary'], g.checks.map((c) => [e(c.title || CHECK_TITLES[c.id]), c.level, e(STATUS_WORD[c.status]),
      e(c.summary + (c.reason && !c.summary.includes(c.reason) ? ` (${c.reason})` : '') + (c.waiver ? ` — waived: ${c.waiver}` : ''))])), '');
    const failing = g.checks.flatMap((c) => c.evidence.filter((x) => x.failing).map((x) => [e(c.id), x.file ? code(`${x.file}${x.line ? `:${x.line}` : ''}`) : '', e(x.text)]));
    if (failing.length) { gateBody.push('Why:', '', table(['Check', 'Where', 'Evidence'], failing), ''); }
    for (const p of g.problems) { gateBody.push(`- ${e(p)}`); }
    // A list must end with a blank line, or GitHub reads the next bold line as part of its last item.
    if (g.problems.length) { gateBody.push(''); }
  }
  if (card.waivers.length) {
    gateBody.push('**Waivers**', '', table(['Check', 'Reason', 'By', 'When'], card.waivers.map((w) => [e(w.check), e(w.reason), e(w.by ?? '—'), e(w.at ? `${dateText(w.at)}${w.stage ? ` (→ ${w.stage})` : ''}` : 'this gate run')])), '');
  }
  if (card.history.length) {
    gateBody.push('**Stage history**', '', table(['When', 'Stage', 'By', 'Gate'], card.history.map((h) => [e(dateText(h.at)), e(h.stage), e(h.by ?? '—'), h.gatePassed === undefined ? '—' : h.gatePassed ? 'passed' : 'not passed'])));
  }
  section('gate', gateBody);

  section('caveats', card.caveats.length ? card.caveats.map((c) => `- ${e(c)}`) : ['None recorded.']);
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}
