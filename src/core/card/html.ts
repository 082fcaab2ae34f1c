/**
 * The model card as HTML. `cardHtml` is one self-contained file to mail or attach: inline CSS (light, print-friendly),
 * the slice charts as inline SVG, no script and no external URL, and a CSP that forbids both should anything slip
 * through. `cardBody` and `CARD_CSS` are what the Open Model Card panel shows inside its own shell, themed by VS Code's
 * colours. Every data string goes through `esc`.
 */
import { CHECK_TITLES } from '../gate/types';
import { formatBytes } from '../format';
import { formatNumber } from '../goals/evaluate';
import { CARD_SECTION_TITLES, type CardGoal, type CardSectionId, type CardSliceGroup, type ModelCard } from './types';
import { STATUS_WORD, showControls, barText, cardTitle, dateText, directionText, gateHeadline, spreadText, valueText, verdictText } from './text';

/** Text for HTML content and attribute values. */
export function esc(s: string): string {
  return showControls(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const code = (s: string) => `<code>${esc(s)}</code>`;

function table(header: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${header.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead>`
    + `<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function keyValues(rows: readonly (readonly [string, string])[]): string {
  return `<table class="kv"><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${v}</td></tr>`).join('')}</tbody></table>`;
}

function verdictCell(g: CardGoal): string {
  return `<span class="v-${g.verdict}">${esc(verdictText(g))}</span>`;
}

const W = 640;
const LABEL = 150;
const VALUE = 70;
const ROW = 24;

function shorten(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/**
 * Horizontal bars per slice on an axis from 0 (or the lowest value, when below 0), the worst slice marked, and the
 * spread bar: the line `maxSpread` away from the best slice; a slice beyond it makes the spread too wide.
 */
export function sliceChartSvg(s: CardSliceGroup): string {
  if (!s.slices.length) { return ''; }
  const values = s.slices.map((x) => x.value);
  const best = s.goal === 'max' ? Math.max(...values) : Math.min(...values);
  const limit = s.goal === 'max' ? best - s.maxSpread : best + s.maxSpread;
  const lo = Math.min(0, ...values, limit);
  const hi = Math.max(...values, limit, lo + 1e-9);
  const plot = W - LABEL - VALUE;
  const x = (v: number) => LABEL + ((v - lo) / (hi - lo)) * plot;
  const top = 8;
  const h = top + s.slices.length * ROW + 28;
  const bars = s.slices.map((sl, i) => {
    const y = top + i * ROW;
    const worst = sl.slice === s.worst;
    const x0 = x(Math.max(lo, 0));
    const x1 = x(sl.value);
    const label = `${s.key}=${sl.slice}`;
    return `<g class="bar${worst ? ' worst' : ''}"><title>${esc(`${sl.metric}: ${formatNumber(sl.value)}${worst ? ' (worst slice)' : ''}`)}</title>`
      + `<text x="${LABEL - 8}" y="${y + 16}" text-anchor="end" class="lbl">${esc(shorten(label, 18))}</text>`
      + `<rect x="${Math.min(x0, x1).toFixed(1)}" y="${y + 4}" width="${Math.max(1, Math.abs(x1 - x0)).toFixed(1)}" height="${ROW - 8}" rx="2"/>`
      + `<text x="${(Math.max(x0, x1) + 6).toFixed(1)}" y="${y + 16}" class="val">${esc(formatNumber(Number(sl.value.toPrecision(4))))}${worst ? ' ◀ worst' : ''}</text></g>`;
  }).join('');
  const lx = x(limit).toFixed(1);
  const bottom = top + s.slices.length * ROW;
  const limitLine = `<g class="limit"><line x1="${lx}" y1="${top - 4}" x2="${lx}" y2="${bottom + 2}"/>`
    + `<text x="${lx}" y="${bottom + 18}" text-anchor="middle">${esc(`allowed: ${s.goal === 'max' ? '≥' : '≤'} ${formatNumber(Number(limit.toPrecision(4)))} (best ${s.goal === 'max' ? '−' : '+'} ${formatNumber(s.maxSpread)})`)}</text></g>`;
  return `<svg class="chart" role="img" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}">`
    + `<title>${esc(`${s.metric} by ${s.key}: spread ${spreadText(s)}; worst slice ${s.key}=${s.worst}`)}</title>`
    + `<line class="axis" x1="${x(Math.max(lo, 0)).toFixed(1)}" y1="${top - 4}" x2="${x(Math.max(lo, 0)).toFixed(1)}" y2="${bottom + 2}"/>`
    + bars + limitLine + '</svg>';
}

function section(id: CardSectionId, body: string): string {
  return `<section id="${id}" aria-labelledby="h-${id}"><h2 id="h-${id}">${esc(CARD_SECTION_TITLES[id])}</h2>${body}</section>`;
}

const p = (s: string, cls = '') => `<p${cls ? ` class="${cls}"` : ''}>${s}</p>`;

/** The card's content: one `<article>` with a section per part, each with its `id`. */
export function cardBody(card: ModelCard): string {
  const d = card.details;
  const parts: string[] = [];
  const gateClass = !card.gate ? 'unknown' : card.gate.passed ? 'pass' : 'fail';
  parts.push(`<header><h1>${esc(cardTitle(card))}</h1>`
    + p(`${esc(d.stage)} · owner ${esc(d.owner)} · generated ${esc(dateText(card.generatedAt))}`, 'muted')
    + `<p class="headline g-${gateClass}"><a href="#gate">${esc(gateHeadline(card))}</a></p></header>`);

  parts.push(section('details', keyValues([
    ['Name', esc(card.model)], ['Version', String(card.version)], ['Stage', esc(d.stage)],
    ['Owner', esc(d.owner) + (d.ownerFrom === 'history' ? ' <span class="muted">(last stage change)</span>' : '')],
    ...(d.description ? [['Description', esc(d.description)] as const] : []),
    ['Created', esc(dateText(d.createdAt))],
    ['Run', `${esc(d.runName ?? '(run not found)')} ${code(d.runId)}${d.experiment ? ` in ${esc(d.experiment)}` : ''}`],
    ['Artifact', `${code(d.artifact.path)} · ${esc(d.artifact.size)} · ${d.artifact.fileCount} file${d.artifact.fileCount === 1 ? '' : 's'}`],
    ['SHA-256', code(d.artifact.sha256)],
  ])));

  const u = card.intendedUse;
  parts.push(section('intended-use', u && (u.description || u.users || u.outOfScope || u.owner)
    ? keyValues([
      ...(u.description ? [['Purpose', esc(u.description)] as const] : []),
      ...(u.users ? [['Users', esc(u.users)] as const] : []),
      ...(u.outOfScope ? [['Out of scope', esc(u.outOfScope)] as const] : []),
      ...(u.owner ? [['Owner', esc(u.owner)] as const] : []),
    ])
    : p(`Not recorded: add ${code('intendedUse')} to ${code('.mlops/goals.json')}.`, 'muted')));

  parts.push(section('kpis', card.kpis.length
    ? card.kpis.map((k) => `<div class="kpi v-${k.verdict}"><div class="kpi-head"><span class="kpi-name">${esc(k.name)}</span>`
      + `<span class="kpi-value">${esc(valueText(k))}</span><span class="kpi-verdict">${verdictCell(k)}</span></div>`
      + (k.description ? p(esc(k.description)) : '')
      + `<p class="muted">goal ${esc(barText(k))}${k.formula ? ` · formula ${code(k.formula)}` : ''}${k.owner ? ` · owner ${esc(k.owner)}` : ''}</p></div>`).join('')
    : p(`No business KPI is defined in ${code('.mlops/goals.json')}.`, 'muted')));

  parts.push(section('metrics', card.metrics.length
    ? table(['Metric', 'Value', 'Goal', 'Verdict'], card.metrics.map((m) => [esc(m.name), esc(valueText(m)), esc(barText(m)), verdictCell(m)]))
    : p(`No metric goal is defined in ${code('.mlops/goals.json')}.`, 'muted')));

  parts.push(section('slices', card.slices.length
    ? card.slices.map((s) => `<figure class="slices${s.flagged ? ' flagged' : ''}"><figcaption><strong>${esc(s.metric)}</strong> by <strong>${esc(s.key)}</strong>: `
      + `spread ${esc(spreadText(s))}${s.flagged ? ' <span class="v-fail">too wide</span>' : ' <span class="v-pass">within bounds</span>'}; `
      + `worst slice ${code(`${s.key}=${s.worst}`)}; ${esc(directionText(s))}</figcaption>${sliceChartSvg(s)}`
      + table([esc(s.key), esc(s.metric)], [...s.slices.map((x) => [esc(x.slice) + (x.slice === s.worst ? ' <span class="v-fail">worst</span>' : ''), esc(formatNumber(x.value))]),
        ...(s.unknown ?? []).map((x) => [esc(x.slice) + ' <span class="v-fail">unknown</span>', esc(formatNumber(x.value))])], 'compact')
      + '</figure>').join('')
    : p(`The run logged no sliced metric (${code('name@key=value')}), so consistency across data subsets is not shown.`, 'muted')));

  const data = card.data.length
    ? table(['Dataset', 'Version', 'Content hash', 'Files', 'Size', 'Source'], card.data.map((v) => [
      esc(v.dataset), `${esc(v.label)}<br>${code(v.versionId)}`, v.contentHash ? `<code class="hash">${esc(v.contentHash)}</code>` : '—',
      v.problem ? `<span class="v-fail">${esc(v.problem)}</span>` : String(v.fileCount ?? '—'), v.sizeBytes !== undefined ? esc(formatBytes(v.sizeBytes)) : '—', v.source ? code(v.source) : '—']))
      + (card.data.some((v) => v.profile?.length)
        ? table(['Dataset', 'File', 'Rows', 'Columns'], card.data.flatMap((v) => (v.profile ?? []).map((f) => [esc(v.dataset), code(f.path), String(f.rows), f.error ? esc(`not profiled: ${f.error}`) : String(f.columns)])))
        : '')
    : p('No data version is recorded for the run.', 'muted');
  parts.push(section('data', data));

  parts.push(section('constraints', card.constraints.length
    ? table(['Constraint', 'Value', 'Allowed', 'Verdict'], card.constraints.map((c) => [esc(c.label), esc(valueText(c)), esc(c.bar ?? ''), verdictCell(c)]))
    : p(`No production constraint is defined in ${code('.mlops/goals.json')}.`, 'muted')));

  const dep = card.dependencies;
  parts.push(section('dependencies',
    (dep.status ? p(`Gate check: <span class="s-${dep.status}">${esc(STATUS_WORD[dep.status])}</span> — ${esc(dep.summary ?? '')}`) : p('The gate did not check the dependencies for this card.', 'muted'))
    + (dep.evidence.length ? table(['Where', 'Finding'], dep.evidence.map((x) => [x.file ? code(`${x.file}${x.line ? `:${x.line}` : ''}`) : '', `${x.failing ? '<span class="v-fail">✗</span> ' : ''}${esc(x.text)}`])) : '')
    + p(dep.environment ? `Environment: ${dep.environment.file ? `${code(dep.environment.file)} ` : ''}sha256 <code class="hash">${esc(dep.environment.hash)}</code>` : 'The run recorded no environment file.', dep.environment ? '' : 'muted')));

  const l = card.lineage;
  parts.push(section('lineage', keyValues([
    ['Commit', l.commit ? code(l.commit) : '<span class="v-fail">not recorded</span>'], ['Branch', l.branch ? esc(l.branch) : '—'],
    ['Uncommitted changes', l.dirty === undefined ? '—' : l.dirty ? `<span class="v-fail">yes</span>${l.diffHash ? ` (diff ${code(l.diffHash.slice(0, 16))})` : ''}` : 'no'],
    ['Python', l.python ? esc(l.python) : '—'],
    ['Environment', l.environment ? `${l.environment.file ? `${code(l.environment.file)} ` : ''}${code(l.environment.hash.slice(0, 16))}` : '—'],
    ['Hardware', l.hardware ? esc(l.hardware) : '—'], ['Training duration', l.duration ? esc(l.duration) : '—'],
    ...(l.script ? [['Script', code(l.script)] as const] : []), ...(l.reproducedFrom ? [['Reproduces run', code(l.reproducedFrom)] as const] : []),
  ])));

  const g = card.gate;
  let gate = `<p class="headline g-${gateClass}">${esc(gateHeadline(card))}</p>`;
  if (g) {
    gate += p(esc(`Checked ${dateText(g.evaluatedAt)} for ${g.stage}${g.commit.id ? ` at commit ${g.commit.id.slice(0, 12)}` : ''}${g.commit.problem ? ` (${g.commit.problem})` : ''}.`), 'muted');
    gate += g.checks.map((c) => `<div class="check s-${c.status}"><p class="check-head">`
      + `<span class="status">${esc(STATUS_WORD[c.status])}</span> <strong>${esc(c.title || CHECK_TITLES[c.id])}</strong> <span class="muted">${esc(c.level)}</span> — ${esc(c.summary)}</p>`
      + (c.reason && !c.summary.includes(c.reason) ? p(esc(c.reason), 'muted') : '') + (c.waiver ? p(`Waived: ${esc(c.waiver)}`) : '')
      + (c.evidence.length ? `<ul>${c.evidence.map((x) => `<li${x.failing ? ' class="failing"' : ''}>${x.file ? `${code(`${x.file}${x.line ? `:${x.line}` : ''}`)} ` : ''}${esc(x.text)}</li>`).join('')}</ul>` : '')
      + '</div>').join('');
    if (g.problems.length) { gate += `<ul class="problems">${g.problems.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>`; }
  }
  if (card.waivers.length) {
    gate += `<h3>Waivers</h3>${table(['Check', 'Reason', 'By', 'When'], card.waivers.map((w) => [esc(w.check), esc(w.reason), esc(w.by ?? '—'), esc(w.at ? `${dateText(w.at)}${w.stage ? ` (→ ${w.stage})` : ''}` : 'this gate run')]))}`;
  }
  if (card.history.length) {
    gate += `<h3>Stage history</h3>${table(['When', 'Stage', 'By', 'Gate'], card.history.map((h) => [esc(dateText(h.at)), esc(h.stage), esc(h.by ?? '—'), h.gatePassed === undefined ? '—' : h.gatePassed ? 'passed' : 'not passed']), 'compact')}`;
  }
  parts.push(section('gate', gate));

  parts.push(section('caveats', card.caveats.length ? `<ul>${card.caveats.map((c) => `<li>${esc(c)}</li>`).join('')}</ul>` : p('None recorded.', 'muted')));
  return `<article class="model-card">${parts.join('\n')}</article>`;
}

/** Light, printable; colours are variables so the panel can map them to the editor's theme. */
export const CARD_CSS = `
:root { --fg: #1f2328; --muted: #59636e; --bg: #ffffff; --border: #d1d9e0; --head: #f6f8fa; --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; --bar: #4c78a8; --worst: #cf222e; --link: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
.model-card { max-width: 980px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 1.7em; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.25em; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--border); }
h3 { font-size: 1.05em; margin: 18px 0 8px; }
p { margin: 6px 0; overflow-wrap: anywhere; }
a { color: var(--link); }
.muted { color: var(--muted); }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--head); border-radius: 4px; padding: 1px 4px; overflow-wrap: anywhere; }
code.hash { font-size: 11px; word-break: break-all; }
table { border-collapse: collapse; margin: 8px 0 12px; width: 100%; }
th, td { border: 1px solid var(--border); padding: 5px 9px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
thead th { background: var(--head); font-weight: 600; white-space: nowrap; overflow-wrap: normal; }
table.compact thead th { white-space: normal; overflow-wrap: anywhere; }
table.kv th { width: 190px; background: var(--head); font-weight: 600; }
table.compact { width: auto; min-width: 260px; }
.v-pass, .s-pass .status { color: var(--pass); font-weight: 600; }
.v-fail, .s-fail .status { color: var(--fail); font-weight: 600; }
.v-unknown, .s-waived .status, .s-skipped .status { color: var(--warn); font-weight: 600; }
.headline { font-weight: 600; padding: 8px 12px; border-radius: 6px; border: 1px solid var(--border); }
.headline a { color: inherit; text-decoration: none; }
.g-pass { border-color: var(--pass); color: var(--pass); }
.g-fail { border-color: var(--fail); color: var(--fail); }
.g-unknown { color: var(--muted); }
.kpi { border: 1px solid var(--border); border-left: 4px solid var(--muted); border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.kpi.v-pass { border-left-color: var(--pass); } .kpi.v-fail { border-left-color: var(--fail); } .kpi.v-unknown { border-left-color: var(--warn); }
.kpi, .kpi.v-pass, .kpi.v-fail, .kpi.v-unknown { color: var(--fg); font-weight: normal; }
.kpi-head { display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
.kpi-name { font-weight: 600; font-size: 1.1em; overflow-wrap: anywhere; }
.kpi-value { font-size: 1.3em; font-variant-numeric: tabular-nums; }
figure.slices { margin: 12px 0 20px; }
figure.slices figcaption { margin-bottom: 6px; overflow-wrap: anywhere; }
svg.chart { max-width: 100%; height: auto; display: block; }
svg.chart .bar rect { fill: var(--bar); }
svg.chart .bar.worst rect { fill: var(--worst); }
svg.chart text { font: 12px -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; fill: var(--fg); }
svg.chart .bar.worst .val { fill: var(--worst); font-weight: 600; }
svg.chart .axis { stroke: var(--muted); stroke-width: 1; }
svg.chart .limit line { stroke: var(--warn); stroke-width: 1.5; stroke-dasharray: 5 3; }
svg.chart .limit text { fill: var(--warn); font-size: 11px; }
div.check { border: 1px solid var(--border); border-radius: 6px; padding: 6px 10px; margin: 6px 0; }
div.check .check-head { margin: 2px 0; overflow-wrap: anywhere; }
div.check.s-fail { border-left: 4px solid var(--fail); } div.check.s-waived, div.check.s-skipped { border-left: 4px solid var(--warn); }
div.check ul { margin: 6px 0 2px; padding-left: 22px; }
li { overflow-wrap: anywhere; }
li.failing { color: var(--fail); }
@media print {
  body { font-size: 11pt; }
  .model-card { max-width: none; padding: 0; }
  section { break-inside: avoid-page; }
  h2 { break-after: avoid; }
  div.check, .kpi, figure.slices { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  .toolbar { display: none; }
}
`;

/** The whole card as one self-contained HTML file. */
export function cardHtml(card: ModelCard): string {
  // The CSP is a second line of defence: escaping already keeps data text; this forbids scripts and remote loads.
  const csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="MLOps Workbench">
<title>${esc(cardTitle(card))}</title>
<style>${CARD_CSS}</style>
</head>
<body>
${cardBody(card)}
</body>
</html>
`;
}
