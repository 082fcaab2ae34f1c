/**
 * Threshold lines: a metric goal's acceptance bar from goals.json drawn across its chart as a dashed horizontal line
 * labelled `threshold ≥ 0.7`. An inline Chart.js plugin rather than chartjs-plugin-annotation: one straight line
 * and a label are a dozen lines of canvas code, not worth a dependency; an extra dataset would show up in the
 * legend and the tooltips as if it were a run.
 */
import type { Chart, Plugin } from 'chart.js';

export interface ThresholdLine {
  value: number;
  /** `threshold ≥ 0.7` */
  label: string;
}

/** What the plugin drew last, on the canvas as `data-thresholds` (JSON), so tests and the UI bridge can see it. */
export interface DrawnThreshold {
  label: string;
  value: number;
  /** Pixel row of the line in the canvas (CSS pixels). */
  y: number;
}

export function thresholdPlugin(lines: readonly ThresholdLine[], color: string, font: string): Plugin<'line'> {
  return {
    id: 'mlopsThresholds',
    afterDatasetsDraw(chart: Chart<'line'>) {
      const { ctx, chartArea: area } = chart;
      const y = chart.scales.y;
      const drawn: DrawnThreshold[] = [];
      for (const line of lines) {
        // A log axis has no place for zero or below.
        if (y.type === 'logarithmic' && line.value <= 0) { continue; }
        const py = y.getPixelForValue(line.value);
        if (!Number.isFinite(py) || py < area.top - 0.5 || py > area.bottom + 0.5) { continue; }
        ctx.save();
        ctx.strokeStyle = color;
        ctx.lineWidth = 1.5;
        ctx.setLineDash([6, 4]);
        ctx.beginPath();
        ctx.moveTo(area.left, py);
        ctx.lineTo(area.right, py);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = color;
        ctx.font = `11px ${font}`;
        ctx.textAlign = 'right';
        // Above the line, or below it when the line runs along the top of the plot.
        const above = py - area.top > 14;
        ctx.textBaseline = above ? 'bottom' : 'top';
        ctx.fillText(line.label, area.right - 4, above ? py - 3 : py + 3);
        ctx.restore();
        drawn.push({ label: line.label, value: line.value, y: Math.round(py) });
      }
      chart.canvas.dataset.thresholds = JSON.stringify(drawn);
    },
  };
}

/** Axis bounds that keep every threshold in view (Chart.js widens its range to include suggested bounds). */
export function suggestedBounds(lines: readonly ThresholdLine[], logScale: boolean): { suggestedMin?: number; suggestedMax?: number } {
  const values = lines.map((l) => l.value).filter((v) => Number.isFinite(v) && (!logScale || v > 0));
  return values.length ? { suggestedMin: Math.min(...values), suggestedMax: Math.max(...values) } : {};
}
