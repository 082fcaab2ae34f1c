// The Compare Runs panel (browser side). Data arrives only by postMessage, is validated with the shared zod
// schemas, and every piece of workspace text is put in the page with textContent — never as HTML.
import './zodSetup';
import { Chart, registerables, type ChartConfiguration } from 'chart.js';
import { HostMessageSchema, type ComparePayload, type Row, type WebviewMessage } from '../../src/protocol/compare';
import { css, el } from './dom';
import { goalRows, thresholdsOf } from './goals';
import { suggestedBounds, thresholdPlugin } from './threshold';
import { button, checkbox } from './toolkit';

Chart.register(...registerables);

interface VsCodeApi { postMessage(msg: WebviewMessage): void; getState(): unknown; setState(s: unknown): void }
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

interface ViewOptions { logScale: boolean; smoothing: number; xAxis: 'step' | 'time'; onlyDiff: boolean; scatterMetric?: string; scatterParam?: string }
const saved = (vscode.getState() ?? {}) as { options?: Partial<ViewOptions>; runIds?: string[]; refs?: { root: string; runId: string; store?: string }[] };
const opts: ViewOptions = { logScale: false, smoothing: 0, xAxis: 'step', onlyDiff: true, ...saved.options };
let payload: ComparePayload | undefined;
const charts: Chart[] = [];

function saveState(): void {
  // The refs say which store each run is in (a comparison may mix .mlops and MLflow runs): the serializer restores them.
  const refs = payload?.runs.every((r) => r.root !== undefined) ? payload.runs.map((r) => ({ root: r.root!, runId: r.id, ...(r.store ? { store: r.store } : {}) })) : saved.refs;
  vscode.setState({ options: opts, runIds: payload?.runs.map((r) => r.id) ?? saved.runIds ?? [], ...(refs ? { refs } : {}) });
}

/** Exponential moving average, as TensorBoard's smoothing slider. */
function smooth(values: number[], weight: number): number[] {
  if (weight <= 0) { return values; }
  let last = values[0];
  return values.map((v) => (last = last * weight + v * (1 - weight)));
}

function fmt(v: Row['values'][number]): string {
  if (v === null) { return '—'; }
  if (typeof v === 'number') { return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(5))); }
  return String(v);
}

/** The badge naming a run's store, for runs read from MLflow (a `.mlops` run has none). */
function storeBadge(r: ComparePayload['runs'][number]): (Node | string)[] {
  return r.storeLabel ? [' ', el('span', { cls: 'store-badge', text: 'MLflow', attrs: { title: `Read from ${r.storeLabel} (read-only)` } })] : [];
}

function render(): void {
  const started = performance.now();
  for (const c of charts.splice(0)) { c.destroy(); }
  const app = document.getElementById('app')!;
  app.replaceChildren();
  if (!payload) { return; }
  const p = payload;
  app.append(el('h1', { text: `Compare ${p.runs.length} run${p.runs.length === 1 ? '' : 's'}` }));

  const chips = el('div', { cls: 'chips', attrs: { role: 'list', 'aria-label': 'Compared runs' } });
  for (const r of p.runs) {
    const swatch = el('span', { cls: 'swatch', attrs: { 'aria-hidden': 'true' } });
    swatch.style.background = r.color;
    chips.append(el('span', { cls: 'chip', attrs: { role: 'listitem' } }, swatch, el('span', { text: r.name, cls: 'run-name' }), ...storeBadge(r), el('span', { text: r.experiment, cls: 'muted' }),
      button('×', () => vscode.postMessage({ type: 'removeRun', runId: r.id }), { appearance: 'icon', title: `Remove ${r.name} from the comparison` })));
  }
  app.append(chips);

  const toolbar = el('div', { cls: 'toolbar' });
  toolbar.append(checkbox('Log scale', opts.logScale, (v) => { opts.logScale = v; saveState(); render(); }, 'opt-log'));
  const range = el('input', { attrs: { type: 'range', min: '0', max: '0.99', step: '0.01', value: String(opts.smoothing), id: 'opt-smoothing', 'aria-label': 'Smoothing' } });
  range.addEventListener('change', () => { opts.smoothing = Number(range.value); saveState(); render(); });
  toolbar.append(el('label', { cls: 'inline', text: 'Smoothing ', attrs: { for: 'opt-smoothing' } }, range));
  const xSel = el('select', { attrs: { id: 'opt-x', 'aria-label': 'X axis' } }, el('option', { text: 'Step', attrs: { value: 'step' } }), el('option', { text: 'Time (s)', attrs: { value: 'time' } }));
  xSel.value = opts.xAxis;
  xSel.addEventListener('change', () => { opts.xAxis = xSel.value === 'time' ? 'time' : 'step'; saveState(); render(); });
  toolbar.append(el('label', { cls: 'inline', text: 'X axis ', attrs: { for: 'opt-x' } }, xSel));
  toolbar.append(button('Add runs…', () => vscode.postMessage({ type: 'addRuns' })), button('Export CSV', () => vscode.postMessage({ type: 'exportCsv' }), { title: 'Save the summary table as CSV' }),
    el('span', { cls: 'status muted', attrs: { id: 'status', role: 'status' } }));
  app.append(toolbar);

  const fg = css('--vscode-foreground', '#333');
  const grid = css('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
  const font = css('--vscode-font-family', 'sans-serif');
  const metricNames = Object.keys(p.series);
  app.append(el('h2', { text: 'Metrics' }));
  if (!metricNames.length) { app.append(el('p', { cls: 'muted', text: 'These runs have no metric series.' })); }
  const chartsEl = el('div', { cls: 'charts' });
  app.append(chartsEl);
  for (const name of metricNames) {
    const lines = thresholdsOf(p.goals, name);
    const canvas = el('canvas', { attrs: { role: 'img', 'aria-label': `${name} over ${opts.xAxis}${lines.map((l) => `; ${l.label}`).join('')}` } });
    const card = el('section', { cls: 'card', attrs: { 'data-metric': name } }, el('header', {}, el('span', { text: name }),
      button('PNG', () => vscode.postMessage({ type: 'exportPng', name, dataUrl: canvas.toDataURL('image/png') }), { title: `Save the ${name} chart as PNG` })), canvas);
    chartsEl.append(card);
    const datasets = p.runs.flatMap((r) => {
      const s = p.series[name][r.id];
      if (!s) { return []; }
      const ys = smooth(s.values, opts.smoothing);
      const xs = opts.xAxis === 'time' ? s.seconds : s.steps;
      return [{ label: r.name, data: xs.map((x, i) => ({ x, y: opts.logScale && ys[i] <= 0 ? NaN : ys[i] })), borderColor: r.color, backgroundColor: r.color, borderWidth: 1.5, pointRadius: s.values.length <= 30 ? 2.5 : 0, tension: 0 }];
    });
    const cfg: ChartConfiguration<'line', { x: number; y: number }[]> = {
      type: 'line', data: { datasets }, plugins: lines.length ? [thresholdPlugin(lines, fg, font)] : [],
      options: { animation: false, parsing: false, normalized: true, responsive: true, maintainAspectRatio: false, interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: { x: { type: 'linear', title: { display: true, text: opts.xAxis === 'time' ? 'seconds' : 'step', color: fg }, ticks: { color: fg }, grid: { color: grid } },
          y: { type: opts.logScale ? 'logarithmic' : 'linear', ticks: { color: fg }, grid: { color: grid }, ...suggestedBounds(lines, opts.logScale) } },
        plugins: { legend: { labels: { color: fg, boxWidth: 12 } }, tooltip: { enabled: true } } },
    };
    charts.push(new Chart(canvas, cfg));
  }

  if (p.numericParams.length && metricNames.length) {
    app.append(el('h2', { text: 'Metric against parameter' }));
    const mSel = el('select', { attrs: { id: 'scatter-metric', 'aria-label': 'Metric' } }, ...metricNames.map((m) => el('option', { text: `${m} (last)`, attrs: { value: m } })));
    const pSel = el('select', { attrs: { id: 'scatter-param', 'aria-label': 'Parameter' } }, ...p.numericParams.map((k) => el('option', { text: k, attrs: { value: k } })));
    mSel.value = opts.scatterMetric && metricNames.includes(opts.scatterMetric) ? opts.scatterMetric : metricNames[0];
    pSel.value = opts.scatterParam && p.numericParams.includes(opts.scatterParam) ? opts.scatterParam : p.numericParams[0];
    const onSel = () => { opts.scatterMetric = mSel.value; opts.scatterParam = pSel.value; saveState(); render(); };
    mSel.addEventListener('change', onSel);
    pSel.addEventListener('change', onSel);
    const canvas = el('canvas', { attrs: { role: 'img', 'aria-label': `${mSel.value} against ${pSel.value}` } });
    app.append(el('div', { cls: 'toolbar' }, el('label', { cls: 'inline', text: 'Metric ', attrs: { for: 'scatter-metric' } }, mSel), el('label', { cls: 'inline', text: 'Parameter ', attrs: { for: 'scatter-param' } }, pSel),
      button('PNG', () => vscode.postMessage({ type: 'exportPng', name: `${mSel.value}-vs-${pSel.value}`, dataUrl: canvas.toDataURL('image/png') }), { title: 'Save the scatter chart as PNG' })));
    app.append(el('section', { cls: 'card', attrs: { 'data-chart': 'scatter' } }, canvas));
    const lastRow = p.metrics.find((r) => r.key === `${mSel.value} last`);
    const paramRow = p.params.find((r) => r.key === pSel.value);
    const datasets = p.runs.flatMap((r, i) => {
      const x = paramRow?.numbers?.[i];
      const y = lastRow?.values[i];
      return typeof x === 'number' && typeof y === 'number' ? [{ label: r.name, data: [{ x, y }], backgroundColor: r.color, borderColor: r.color, pointRadius: 5 }] : [];
    });
    charts.push(new Chart(canvas, { type: 'scatter', data: { datasets }, options: { animation: false, responsive: true, maintainAspectRatio: false,
      scales: { x: { title: { display: true, text: pSel.value, color: fg }, ticks: { color: fg }, grid: { color: grid } }, y: { title: { display: true, text: mSel.value, color: fg }, ticks: { color: fg }, grid: { color: grid } } },
      plugins: { legend: { labels: { color: fg, boxWidth: 12 } } } } }));
  }

  app.append(el('h2', { text: 'Summary' }));
  app.append(el('div', { cls: 'toolbar' }, checkbox('Only differences', opts.onlyDiff, (v) => { opts.onlyDiff = v; saveState(); render(); }, 'opt-diff'),
    el('span', { cls: 'muted', text: `★ best value per metric row (lower is better for loss-like metrics)${p.goals ? '; ✓ meets the goal, ✗ misses it, ? unknown' : ''}` })));
  const table = el('table', { attrs: { id: 'summary' } });
  const head = el('tr', {}, el('th', { text: '' }));
  for (const r of p.runs) { const sw = el('span', { cls: 'swatch' }); sw.style.background = r.color; head.append(el('th', { attrs: r.storeLabel ? { title: r.storeLabel } : {} }, sw, ' ', el('span', { text: r.name }), ...storeBadge(r))); }
  table.append(el('thead', {}, head));
  const body = el('tbody');
  if (p.goals) { goalRows(body, p.goals, p.runs.length); }
  const section = (title: string, rows: Row[], rowClass: string) => {
    const shown = opts.onlyDiff && rowClass === 'param' ? rows.filter((r) => r.differs) : rows;
    body.append(el('tr', { cls: 'section' }, el('th', { text: title, attrs: { colspan: String(p.runs.length + 1) } })));
    if (!shown.length) { body.append(el('tr', {}, el('td', { cls: 'muted', text: rows.length ? 'all equal' : 'none', attrs: { colspan: String(p.runs.length + 1) } }))); }
    for (const r of shown) {
      const tr = el('tr', { cls: rowClass, attrs: { 'data-key': r.key } }, el('th', { text: r.key, attrs: { scope: 'row' } }));
      r.values.forEach((v, i) => {
        const best = r.best?.includes(i);
        tr.append(el('td', { text: fmt(v), cls: [best ? 'best' : '', v === null ? 'missing' : ''].filter(Boolean).join(' '), attrs: best ? { title: `best (${r.direction === 'min' ? 'lowest' : 'highest'})` } : {} }));
      });
      body.append(tr);
    }
  };
  section('Params', p.params, 'param');
  section('Metrics', p.metrics, 'metric');
  if (p.meta.length) { section('Meta-metrics', p.meta, 'meta'); }
  section('Lineage', p.lineage, 'lineage');
  if (p.slices.length) {
    body.append(el('tr', { cls: 'section' }, el('th', { text: `Slices (spread = max − min across slices; flagged above ${p.sliceThreshold})`, attrs: { colspan: String(p.runs.length + 1) } })));
    for (const g of p.slices) {
      const tr = el('tr', { cls: 'slice', attrs: { 'data-key': g.group } }, el('th', { text: `${g.group} (${g.slices.length} slices)`, attrs: { scope: 'row' } }));
      for (const r of g.perRun) {
        tr.append(el('td', { cls: r.flagged ? 'flagged' : r.spread === null ? 'missing' : '', text: r.spread === null ? '—' : `${r.flagged ? '⚠ ' : ''}spread ${fmt(r.spread)}${r.worst ? ` (worst: ${r.worst})` : ''}`,
          attrs: { title: g.slices.map((s, i) => `${s}: ${fmt(r.values[i])}`).join('\n') } }));
      }
      body.append(tr);
    }
  }
  table.append(body);
  app.append(table);
  vscode.postMessage({ type: 'rendered', charts: charts.length, ms: Math.round(performance.now() - started) });
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const parsed = HostMessageSchema.safeParse(event.data);
  if (!parsed.success) { vscode.postMessage({ type: 'error', message: `dropped an invalid message: ${parsed.error.issues[0]?.message ?? 'unknown'}` }); return; }
  const msg = parsed.data;
  switch (msg.type) {
    case 'load': payload = msg.payload; saveState(); render(); break;
    case 'exported': { const s = document.getElementById('status'); if (s) { s.textContent = `Saved ${msg.path}`; } break; }
  }
});

vscode.postMessage({ type: 'ready' });
