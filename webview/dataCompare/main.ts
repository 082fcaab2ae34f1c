// The Compare Data Versions panel (browser side). The report arrives only by postMessage, is validated with the
// shared zod schemas (a malformed one is shown as an error, never half-drawn), and every column name, category
// and message is put in the page with textContent — never as HTML.
import '../compare/zodSetup';
import type { Chart } from 'chart.js';
import { DataCompareHostMessageSchema, type ColumnDriftRow, type DataComparePayload, type DataCompareWebviewMessage } from '../../src/protocol/dataCompare';
import { el } from '../compare/dom';
import { button, checkbox } from '../compare/toolkit';
import { drawColumn } from './chart';
import { SORT_KEYS, TEST_NAMES, TEST_SHORT, num, percent, scoreKind, shownRows, toCsv, toMarkdown, verdict, type SortKey, type SortOrder } from './format';
import { alignmentTable, discrepancyTable } from './sources';

interface VsCodeApi { postMessage(msg: DataCompareWebviewMessage): void; getState(): unknown; setState(s: unknown): void }
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

interface ViewOptions { onlyDrifted: boolean; sort?: SortOrder; selected?: string }
const saved = (vscode.getState() ?? {}) as { view?: Partial<ViewOptions>; a?: string; b?: string };
const opts: ViewOptions = { onlyDrifted: false, ...(typeof saved.view === 'object' && saved.view !== null ? saved.view : {}) };
if (opts.sort && !SORT_KEYS.includes(opts.sort.key)) { opts.sort = undefined; }
let payload: DataComparePayload | undefined;
let chart: Chart | undefined;

function saveState(): void {
  const ref = (v: DataComparePayload['a']) => `${v.dataset}:${v.versionId}`;
  vscode.setState({ view: opts, a: payload ? ref(payload.a) : saved.a, b: payload ? ref(payload.b) : saved.b });
}

function showError(text: string | undefined): void {
  const box = document.getElementById('error')!;
  box.textContent = text ?? '';
  box.hidden = text === undefined;
}

const HEADERS: { key: SortKey; text: string; title: string; numeric?: boolean }[] = [
  { key: 'column', text: 'Column', title: 'Column name (common to A and B)' },
  { key: 'type', text: 'Type A / B', title: 'Inferred type on each side' },
  { key: 'test', text: 'Test', title: 'The drift test chosen for the column (Evidently\'s defaults)' },
  { key: 'score', text: 'Score', title: 'p-value (KS, chi-square, z) or distance (Wasserstein, Jensen–Shannon, PSI)', numeric: true },
  { key: 'threshold', text: 'Threshold', title: 'Drift when the score passes this threshold (see the rule in the tooltip of each test)', numeric: true },
  { key: 'verdict', text: 'Verdict', title: 'Did the test find drift?' },
  { key: 'psi', text: 'PSI', title: 'Population stability index, for every column', numeric: true },
  { key: 'class', text: 'Class', title: 'Drift class from the PSI bands: none, minor, major' },
];

function header(p: DataComparePayload): HTMLElement[] {
  const d = p.drift.dataset;
  const side = (tag: string, label: string, rows: number) => el('span', { cls: 'side' }, el('span', { cls: `tag tag-${tag.toLowerCase()}`, text: tag }), ' ',
    el('span', { cls: 'version-label', text: label, attrs: { dir: 'auto' } }), el('span', { cls: 'muted', text: ` · ${rows} rows` }));
  const title = el('h1', {}, side('A', p.a.label, p.drift.reference.rows), el('span', { cls: 'vs', text: ' ↔ ' }), side('B', p.b.label, p.drift.current.rows));
  const summary = el('p', { cls: 'summary', attrs: { id: 'dataset-verdict' } },
    el('span', { cls: `badge class-${d.class}`, text: d.drift ? 'Dataset drift' : 'No dataset drift' }), ' ',
    el('span', { cls: `badge class-${d.class}`, text: `class ${d.class}`, attrs: { title: 'What retraining uses to decide how much may run unattended' } }), ' ',
    el('span', { text: `${d.drifted} of ${d.columns} column${d.columns === 1 ? '' : 's'} drifted (${percent(d.share)}); dataset drift at ≥ ${percent(d.driftShare)}` }));
  const out = [title, summary];
  if (p.problems?.length) {
    out.push(el('div', { cls: 'settings-problems', attrs: { id: 'settings-problems' } }, el('span', { text: 'Drift settings (the defaults were used where they are unreadable):' }),
      el('ul', {}, ...p.problems.map((x) => el('li', { text: x })))));
  }
  return out;
}

function columnRow(c: ColumnDriftRow, index: number): HTMLTableRowElement {
  const selected = opts.selected === c.column;
  const typeDiffers = c.referenceType !== c.currentType;
  const tr = el('tr', { cls: [c.drifted ? 'drifted' : '', selected ? 'selected' : ''].filter(Boolean).join(' '),
    attrs: { 'data-index': String(index), 'data-column': c.column, tabindex: '0', 'aria-selected': String(selected), title: 'Show the distributions of A and B' } },
  // A very long name is cut to three lines on screen (all of it in the tooltip and the exports).
  el('th', { cls: 'column-name', attrs: { scope: 'row', dir: 'auto', title: c.column } }, el('span', { cls: 'clamp', text: c.column })),
  el('td', { cls: typeDiffers ? 'differs' : '', text: typeDiffers ? `${c.referenceType} / ${c.currentType}` : c.referenceType, attrs: typeDiffers ? { title: 'the types differ' } : {} }),
  el('td', { text: TEST_SHORT[c.test], attrs: { title: `${TEST_NAMES[c.test]}: drift when ${c.rule}${c.sampled ? ' (on the stored sample)' : ''}${c.choice ? `\nchosen because ${c.choice}` : ''}` } }),
  el('td', { cls: 'num', text: num(c.score), attrs: { title: `${scoreKind(c.test)}${c.statistic !== undefined ? `; statistic ${num(c.statistic)}` : ''}` } }),
  el('td', { cls: 'num', text: num(c.threshold), attrs: { title: c.rule } }),
  el('td', { cls: c.drifted ? 'verdict drift' : 'verdict', text: verdict(c) }),
  el('td', { cls: 'num', text: num(c.psi.value), attrs: { title: `PSI over ${c.psi.binning.bins} ${c.psi.binning.kind === 'values' ? 'values' : 'bins'}; drift at ≥ ${num(c.psi.threshold)}` } }),
  el('td', {}, el('span', { cls: `badge class-${c.class}`, text: c.class })));
  const select = () => { opts.selected = c.column; saveState(); render(); document.querySelector<HTMLElement>(`#columns tbody tr[data-index="${index}"]`)?.focus(); };
  tr.addEventListener('click', select);
  tr.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select(); } });
  return tr;
}

function columnsTable(p: DataComparePayload, rows: readonly ColumnDriftRow[]): HTMLElement {
  const headRow = el('tr');
  for (const h of HEADERS) {
    const active = opts.sort?.key === h.key ? opts.sort.dir : undefined;
    const b = el('button', { cls: 'sort', text: `${h.text}${active === 'asc' ? ' ▲' : active === 'desc' ? ' ▼' : ''}`, attrs: { type: 'button', title: `${h.title} — sort` } });
    b.addEventListener('click', () => {
      opts.sort = active === 'asc' ? { key: h.key, dir: 'desc' } : active === 'desc' ? undefined : { key: h.key, dir: 'asc' };
      saveState(); render();
    });
    headRow.append(el('th', { cls: h.numeric ? 'num' : '', attrs: { scope: 'col', 'data-key': h.key, 'aria-sort': active === 'asc' ? 'ascending' : active === 'desc' ? 'descending' : 'none' } }, b));
  }
  const body = el('tbody');
  rows.forEach((c) => body.append(columnRow(c, p.drift.columns.indexOf(c))));
  if (!rows.length) {
    body.append(el('tr', {}, el('td', { cls: 'muted', text: opts.onlyDrifted && p.drift.columns.length ? 'No column drifted.' : 'No common column was tested.', attrs: { colspan: String(HEADERS.length) } })));
  }
  return el('table', { attrs: { id: 'columns' } }, el('thead', {}, headRow), body);
}

function untested(p: DataComparePayload): HTMLElement | undefined {
  const items = [
    ...p.drift.onlyInReference.map((c) => [c, 'only in A'] as const),
    ...p.drift.onlyInCurrent.map((c) => [c, 'only in B'] as const),
    ...p.drift.skipped.map((s) => [s.column, s.reason] as const),
  ];
  if (!items.length) { return undefined; }
  return el('details', { attrs: { id: 'untested' } }, el('summary', { text: `${items.length} column${items.length === 1 ? '' : 's'} not tested` }),
    el('ul', {}, ...items.map(([name, why]) => el('li', {}, el('span', { cls: 'column-name', text: name, attrs: { dir: 'auto' } }), el('span', { cls: 'muted', text: `: ${why}` })))));
}

function chartCard(p: DataComparePayload, c: ColumnDriftRow | undefined): HTMLElement {
  const card = el('section', { cls: 'card', attrs: { id: 'chart' } });
  if (!c) { card.append(el('p', { cls: 'muted', text: 'Select a column to see its distributions in A and B.' })); return card; }
  const canvas = el('canvas', { attrs: { role: 'img', 'aria-label': `Distribution of ${c.column} in A and B, as shares of rows` } });
  card.append(el('header', {}, el('span', { cls: 'column-name', text: c.column, attrs: { dir: 'auto' } }),
    el('span', { cls: 'muted', text: `${TEST_NAMES[c.test]} ${scoreKind(c.test)} ${num(c.score)} (${c.rule}): ${verdict(c)} · PSI ${num(c.psi.value)}, ${c.class}` }),
  ...(c.choice ? [el('span', { cls: 'muted choice', text: `Test chosen because ${c.choice}` })] : []),
  ...(c.notes?.length ? [el('ul', { cls: 'notes muted' }, ...c.notes.map((n) => el('li', { text: n })))] : [])),
  el('div', { cls: 'canvas-box' }, canvas));
  // Drawn once the canvas is in the page, so Chart.js can measure it.
  queueMicrotask(() => { chart = drawColumn(canvas, c, { a: p.a.label, b: p.b.label }); });
  return card;
}

function render(): void {
  const started = performance.now();
  chart?.destroy();
  chart = undefined;
  const app = document.getElementById('app')!;
  app.replaceChildren();
  if (!payload) { return; }
  const p = payload;
  app.append(...header(p));

  const toolbar = el('div', { cls: 'toolbar' },
    checkbox('Only drifted', opts.onlyDrifted, (v) => { opts.onlyDrifted = v; saveState(); render(); }, 'opt-drifted'),
    button('Export CSV', () => vscode.postMessage({ type: 'export', format: 'csv', text: toCsv(shownRows(p.drift.columns, opts.onlyDrifted, opts.sort)) }), { title: 'Save the columns table as shown as CSV' }),
    button('Export Markdown', () => vscode.postMessage({ type: 'export', format: 'markdown', text: toMarkdown(p, shownRows(p.drift.columns, opts.onlyDrifted, opts.sort), opts.onlyDrifted) }),
      { title: 'Save the report as shown as Markdown' }),
    button('Other Versions…', () => vscode.postMessage({ type: 'pickVersions' }), { title: 'Compare two other data versions' }),
    el('span', { cls: 'status muted', attrs: { id: 'status', role: 'status' } }));
  app.append(toolbar);

  const rows = shownRows(p.drift.columns, opts.onlyDrifted, opts.sort);
  if (opts.selected !== undefined && !p.drift.columns.some((c) => c.column === opts.selected)) { opts.selected = undefined; }
  if (opts.selected === undefined) { opts.selected = (p.drift.columns.find((c) => c.drifted) ?? p.drift.columns[0])?.column; }
  const selected = p.drift.columns.find((c) => c.column === opts.selected);

  app.append(el('h2', { text: 'Columns' }), el('div', { cls: 'split' }, el('div', { cls: 'table-box' }, columnsTable(p, rows)), chartCard(p, selected)));
  const notTested = untested(p);
  if (notTested) { app.append(notTested); }
  app.append(el('h2', { text: `Discrepancies (${p.sources.discrepancies.length})` }), discrepancyTable(p));
  app.append(el('h2', { text: 'Column alignment' }), alignmentTable(p));
  queueMicrotask(() => vscode.postMessage({ type: 'rendered', columns: rows.length, ms: Math.round(performance.now() - started) }));
}

function describeIssue(issue: { path: PropertyKey[]; message: string } | undefined): string {
  if (!issue) { return 'unknown problem'; }
  return issue.path.length ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message;
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const parsed = DataCompareHostMessageSchema.safeParse(event.data);
  if (!parsed.success) {
    const why = describeIssue(parsed.error.issues[0]);
    showError(`The comparison could not be shown: the report is malformed (${why}).${payload ? ' The previous report stays below.' : ''}`);
    vscode.postMessage({ type: 'error', message: `dropped an invalid message: ${why}` });
    return;
  }
  const msg = parsed.data;
  switch (msg.type) {
    case 'load': payload = msg.payload; showError(undefined); saveState(); render(); break;
    case 'failed': showError(`The comparison could not be made: ${msg.message}`); if (!payload) { document.getElementById('app')!.replaceChildren(); } break;
    case 'exported': { const s = document.getElementById('status'); if (s) { s.textContent = `Saved ${msg.path}`; } break; }
  }
});

vscode.postMessage({ type: 'ready' });
