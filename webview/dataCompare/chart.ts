/**
 * The selected column's distributions, A over B: an overlaid histogram on the report's shared bin edges (numeric
 * columns) or grouped category bars (categorical), both as shares of each side. Category names reach Chart.js as
 * labels, which it paints on the canvas: never HTML.
 */
import { Chart, registerables, type ChartConfiguration } from 'chart.js';
import type { ColumnDriftRow, DriftChart } from '../../src/protocol/dataCompare';
import { css } from '../compare/dom';
import { num } from './format';

Chart.register(...registerables);

const MAX_LABEL = 24;
const short = (s: string) => (s.length > MAX_LABEL ? `${s.slice(0, MAX_LABEL - 1)}…` : s);

/**
 * A theme colour made see-through, as rgba(): the browser resolves the colour (hex, rgb, a name), and Chart.js,
 * which derives hover colours from it, only parses rgb, hex and hsl.
 */
function withAlpha(color: string, alpha: number): string {
  const probe = document.createElement('span');
  probe.style.color = color;
  document.body.append(probe);
  const m = /rgba?\(\s*(\d+)[ ,]+(\d+)[ ,]+(\d+)/.exec(getComputedStyle(probe).color);
  probe.remove();
  return m ? `rgba(${m[1]}, ${m[2]}, ${m[3]}, ${alpha})` : color;
}

export interface Bars { labels: string[]; reference: number[]; current: number[] }

/** The bars to draw: bin ranges or categories (plus "(other)" when the report folded a tail), null shares as 0. */
export function barsOf(chart: DriftChart): Bars {
  const zero = (xs: (number | null)[]) => xs.map((x) => x ?? 0);
  if (chart.kind === 'histogram') {
    const e = chart.edges;
    return { labels: chart.reference.map((_, i) => `${num(e[i])} – ${num(e[i + 1])}`), reference: zero(chart.reference), current: zero(chart.current) };
  }
  const bars = { labels: [...chart.labels], reference: zero(chart.reference), current: zero(chart.current) };
  if ((chart.otherReference ?? 0) > 0 || (chart.otherCurrent ?? 0) > 0) {
    bars.labels.push('(other)');
    bars.reference.push(chart.otherReference ?? 0);
    bars.current.push(chart.otherCurrent ?? 0);
  }
  return bars;
}

/** Draws the column's chart on the canvas; the caller destroys the returned chart before drawing another. */
export function drawColumn(canvas: HTMLCanvasElement, c: ColumnDriftRow, labels: { a: string; b: string }): Chart<'bar'> {
  const fg = css('--vscode-foreground', '#333');
  const grid = css('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
  const colorA = css('--vscode-charts-blue', '#1a85ff');
  const colorB = css('--vscode-charts-orange', '#d18616');
  const bars = barsOf(c.chart);
  const histogram = c.chart.kind === 'histogram';
  const tint = (color: string) => withAlpha(color, histogram ? 0.45 : 0.7);
  // Overlaid for a histogram (the same bins, one over the other, each see-through), side by side for categories.
  const shape = histogram ? { grouped: false, barPercentage: 1, categoryPercentage: 1 } : { barPercentage: 0.9, categoryPercentage: 0.8 };
  const cfg: ChartConfiguration<'bar', number[], string> = {
    type: 'bar',
    data: {
      labels: bars.labels,
      datasets: [
        { label: `A: ${labels.a}`, data: bars.reference, backgroundColor: tint(colorA), borderColor: colorA, borderWidth: 1, ...shape },
        { label: `B: ${labels.b}`, data: bars.current, backgroundColor: tint(colorB), borderColor: colorB, borderWidth: 1, ...shape },
      ],
    },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      scales: {
        x: { ticks: { color: fg, autoSkip: true, maxRotation: 60, callback(value) { return short(this.getLabelForValue(Number(value))); } }, grid: { display: false },
          title: { display: true, text: histogram ? `${c.column} (bins shared by A and B)` : c.column, color: fg } },
        y: { beginAtZero: true, ticks: { color: fg, callback: (v) => `${Number((Number(v) * 100).toPrecision(3))}%` }, grid: { color: grid }, title: { display: true, text: 'share of rows', color: fg } },
      },
      plugins: {
        legend: { labels: { color: fg, boxWidth: 12, generateLabels: (chart) => Chart.defaults.plugins.legend.labels.generateLabels(chart).map((l) => ({ ...l, text: short(l.text) })) } },
        tooltip: { callbacks: { label: (item) => `${short(item.dataset.label ?? '')}: ${Number((Number(item.raw) * 100).toPrecision(3))}%` } },
      },
    },
  };
  return new Chart(canvas, cfg);
}
