// The Monitoring chart panel (browser side): one line chart per monitored quantity over the windows, its thresholds
// as dashed lines, the points of windows where an alert rule fires marked. Data arrives only by postMessage, is
// validated with the shared zod schemas, and every piece of workspace text goes in with textContent — never as HTML.
import '../compare/zodSetup';
import { Chart, registerables, type ChartConfiguration, type ScriptableContext } from 'chart.js';
import { MonitorHostMessageSchema, type MonitorPayload, type MonitorPoint, type MonitorWebviewMessage } from '../../src/protocol/monitor';
import { css, el } from '../compare/dom';
import { suggestedBounds, thresholdPlugin } from '../compare/threshold';
import { button } from '../compare/toolkit';

Chart.register(...registerables);

interface VsCodeApi { postMessage(msg: MonitorWebviewMessage): void; getState(): unknown; setState(s: unknown): void }
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

let payload: MonitorPayload | undefined;
let failure: string | undefined;
const charts: Chart[] = [];

const pad = (n: number) => String(n).padStart(2, '0');
/** Axis ticks in UTC, as the windows are aligned: `11-30 08:00`. */
function tick(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}
function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

function render(): void {
  const started = performance.now();
  for (const c of charts.splice(0)) { c.destroy(); }
  const app = document.getElementById('app')!;
  app.replaceChildren();
  if (!payload) {
    app.append(el('p', { cls: failure ? 'failed' : 'muted', text: failure ? `Cannot build the monitoring report: ${failure}` : 'Loading the monitoring report…' }));
    return;
  }
  const p = payload;
  app.append(el('h1', { text: `Monitoring: ${p.model}`, attrs: { id: 'title' } }));
  app.append(el('div', { cls: 'toolbar' }, el('span', { cls: 'muted', text: `${p.subtitle}${p.subtitle ? ' · ' : ''}${p.windows} window${p.windows === 1 ? '' : 's'}${p.lastRequest ? ` · last request ${p.lastRequest}` : ''}`, attrs: { id: 'subtitle' } }),
    button('Refresh', () => vscode.postMessage({ type: 'refresh' }), { title: 'Read the prediction log again' })));
  if (failure) { app.append(el('p', { cls: 'failed', text: `The last refresh failed: ${failure}` })); }

  if (p.alerts.length) {
    app.append(el('h2', { text: 'Alerts' }));
    const list = el('ul', { cls: 'alerts', attrs: { id: 'alerts' } });
    for (const a of p.alerts) {
      const state = a.firing ? 'firing' : a.known ? 'ok' : 'unknown';
      list.append(el('li', { cls: `${state} ${a.severity}`, attrs: { 'data-quantity': a.quantity, title: a.description ?? '' } },
        el('span', { cls: 'badge', text: a.firing ? (a.severity === 'alert' ? '● alert' : '▲ warning') : a.known ? '✓ ok' : '? unknown' }), ' ',
        el('span', { cls: 'alert-name', text: a.name }), el('span', { cls: 'muted', text: ` — ${a.message}` })));
    }
    app.append(list);
  }

  const fg = css('--vscode-foreground', '#333');
  const grid = css('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
  const font = css('--vscode-font-family', 'sans-serif');
  const line = css('--vscode-charts-blue', '#1a85ff');
  const alertColor = css('--vscode-errorForeground', '#e51400');
  const warnColor = css('--vscode-editorWarning-foreground', '#bf8803');

  app.append(el('h2', { text: 'Over time' }));
  const swatch = (color: string) => { const sw = el('span', { cls: 'swatch', attrs: { 'aria-hidden': 'true' } }); sw.style.background = color; return sw; };
  app.append(el('p', { cls: 'muted legend' }, 'Dashed lines: thresholds (constraints, goals, data age limit, alert rules).', swatch(alertColor), 'alert fires', swatch(warnColor), 'warning fires'));
  if (!p.series.length) { app.append(el('p', { cls: 'muted', text: 'No window has been summarised yet: no request was logged.' })); }
  const chartsEl = el('div', { cls: 'charts' });
  app.append(chartsEl);
  for (const s of p.series) {
    const lines = s.thresholds.map((t) => ({ value: t.value, label: `${t.label} ${fmt(t.value)}` }));
    const firing = s.points.filter((pt) => pt.firing).length;
    const canvas = el('canvas', { attrs: { role: 'img', 'data-firing': String(firing),
      'aria-label': `${s.label} over ${p.windows} windows${lines.map((l) => `; ${l.label}`).join('')}${firing ? `; alert rules fire in ${firing} windows` : ''}` } });
    chartsEl.append(el('section', { cls: 'card', attrs: { 'data-quantity': s.quantity } }, el('header', {}, el('span', { text: s.label }),
      el('span', { cls: 'muted', text: s.points.length ? `latest ${fmt(s.points[s.points.length - 1].y)}` : 'no value yet' })), canvas));
    const colorOf = (ctx: ScriptableContext<'line'>) => {
      const pt = ctx.raw as MonitorPoint | undefined;
      return pt?.firing === 'alert' ? alertColor : pt?.firing === 'warning' ? warnColor : line;
    };
    // Ticks on window boundaries (a multiple of the window size), the axis from the first window to the last.
    const xs = s.points.map((pt) => pt.x);
    const step = p.windowMs && xs.length > 1 ? p.windowMs * Math.max(1, Math.ceil((xs[xs.length - 1] - xs[0]) / p.windowMs / 7)) : undefined;
    const xBounds = xs.length ? { min: xs[0], max: xs[xs.length - 1] } : {};
    const cfg: ChartConfiguration<'line', MonitorPoint[]> = {
      type: 'line',
      data: { datasets: [{ label: s.label, data: s.points, borderColor: line, backgroundColor: line, borderWidth: 1.5, tension: 0,
        pointRadius: (ctx) => ((ctx.raw as MonitorPoint | undefined)?.firing ? 5 : s.points.length <= 60 ? 2.5 : 0),
        pointStyle: (ctx) => ((ctx.raw as MonitorPoint | undefined)?.firing === 'warning' ? 'triangle' : 'circle'),
        pointBackgroundColor: colorOf, pointBorderColor: colorOf,
        segment: { borderDash: (ctx) => (s.points[ctx.p1DataIndex]?.open ? [3, 3] : undefined) } }] },
      plugins: lines.length ? [thresholdPlugin(lines, fg, font)] : [],
      options: { animation: false, parsing: { xAxisKey: 'x', yAxisKey: 'y' }, layout: { padding: { right: 8, top: 6 } }, responsive: true, maintainAspectRatio: false, interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: { x: { type: 'linear', ...xBounds, ticks: { color: fg, maxTicksLimit: 8, callback: (v) => tick(Number(v)) },
          // Chart.js's own stepSize snaps to the range, not to the step: the ticks are set here instead.
          ...(step && xs.length ? { afterBuildTicks: (scale: { ticks: { value: number }[] }) => { scale.ticks = Array.from({ length: Math.floor((xs[xs.length - 1] - xs[0]) / step) + 1 }, (_, i) => ({ value: xs[0] + i * step })); } } : {}), grid: { color: grid }, title: { display: true, text: 'window start (UTC)', color: fg } },
          y: { ticks: { color: fg }, grid: { color: grid }, ...suggestedBounds(lines, false) } },
        plugins: { legend: { display: false },
          tooltip: { callbacks: { title: (items) => (items[0]?.raw as MonitorPoint | undefined)?.window ?? '',
            label: (item) => { const pt = item.raw as MonitorPoint; return `${s.label}: ${fmt(pt.y)}${pt.firing ? ` (${pt.firing} fires)` : ''}${pt.open ? ' (open window)' : ''}`; } } } } },
    };
    charts.push(new Chart(canvas, cfg));
  }

  if (p.notes.length) {
    app.append(el('h2', { text: 'Notes' }));
    app.append(el('ul', { cls: 'notes', attrs: { id: 'notes' } }, ...p.notes.map((n) => el('li', { text: n }))));
  }
  vscode.postMessage({ type: 'rendered', charts: charts.length, ms: Math.round(performance.now() - started) });
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const parsed = MonitorHostMessageSchema.safeParse(event.data);
  if (!parsed.success) { vscode.postMessage({ type: 'error', message: `dropped an invalid message: ${parsed.error.issues[0]?.message ?? 'unknown'}` }); return; }
  const msg = parsed.data;
  switch (msg.type) {
    case 'load': payload = msg.payload; failure = undefined; vscode.setState({ root: msg.payload.root, model: msg.payload.model }); render(); break;
    case 'failed': failure = msg.message; render(); break;
  }
});

vscode.postMessage({ type: 'ready' });
