/**
 * The goals part of the summary table: a row per business KPI, metric goal and production constraint with each
 * run's value and verdict (✓ meets, ✗ misses, ? unknown — the symbol says it, the theme's pass/fail colours only
 * repeat it), the best run's cell starred, and a cost row with the compared runs' total.
 */
import type { CompareGoals, GoalCell, GoalDefinition, Verdict } from '../../src/protocol/compare';
import { el } from './dom';

const SYMBOL: Record<Verdict, string> = { pass: '✓', fail: '✗', unknown: '?', info: '' };
const VERDICT_TEXT: Record<Verdict, string> = { pass: 'meets the goal', fail: 'misses the goal', unknown: 'unknown', info: 'no threshold: shown, not checked' };

/** The threshold lines for a metric's chart: its metric goals in goals.json that have a threshold. */
export function thresholdsOf(goals: CompareGoals | undefined, metric: string): { value: number; label: string }[] {
  return (goals?.definitions ?? []).flatMap((d) => (d.kind === 'metric' && d.name === metric && d.threshold !== undefined && d.bar ? [{ value: d.threshold, label: `threshold ${d.bar}` }] : []));
}

function cellText(c: GoalCell): string {
  const shown = c.shown ?? (c.verdict === 'unknown' ? 'unknown' : '—');
  return c.verdict === 'info' ? shown : `${SYMBOL[c.verdict]} ${shown}`;
}

function cellTitle(d: GoalDefinition, c: GoalCell, best: boolean): string {
  const lines = [`${d.label}${c.shown !== null ? ` = ${c.shown}${d.unit ? ` ${d.unit}` : ''}` : ''}`];
  if (d.bar) { lines.push(`bar ${d.bar}${d.unit ? ` ${d.unit}` : ''}: ${VERDICT_TEXT[c.verdict]}`); } else if (c.verdict === 'info') { lines.push(VERDICT_TEXT.info); }
  if (c.reason) { lines.push(`unknown: ${c.reason}`); }
  if (best) { lines.push(`best of these runs (${d.goal === 'min' ? 'lowest' : 'highest'})`); }
  return lines.join('\n');
}

function headerTitle(d: GoalDefinition): string {
  return [d.description, d.formula !== undefined ? `formula: ${d.formula}` : undefined, d.goal ? `${d.goal === 'max' ? 'higher' : 'lower'} is better` : undefined,
    d.bar ? `threshold ${d.bar}${d.unit ? ` ${d.unit}` : ''}` : 'no threshold', d.owner ? `owner: ${d.owner}` : undefined].filter(Boolean).join('\n');
}

const SECTIONS: { kind: GoalDefinition['kind']; title: string }[] = [
  { kind: 'kpi', title: 'Business KPIs (goals.json)' },
  { kind: 'metric', title: 'Metric goals (goals.json)' },
  { kind: 'constraint', title: 'Production constraints (goals.json)' },
];

/** Appends the goals sections to the summary table's body. */
export function goalRows(body: HTMLElement, g: CompareGoals, runCount: number): void {
  const span = String(runCount + 1);
  const sectionRow = (title: string) => body.append(el('tr', { cls: 'section' }, el('th', { text: title, attrs: { colspan: span } })));

  sectionRow('Goals (✓ meets, ✗ misses, ? unknown)');
  const overall = el('tr', { cls: 'goals-overall', attrs: { 'data-key': 'goals' } }, el('th', { text: 'all goals', attrs: { scope: 'row', title: 'Every goal, KPI and constraint with a threshold' } }));
  for (const r of g.runs) {
    const verdict = r.state === 'met' ? 'pass' : r.state === 'unmet' ? 'fail' : r.state === 'unknown' ? 'unknown' : 'info';
    overall.append(el('td', { cls: `goal ${verdict}`, text: r.badge || '—', attrs: { title: r.state === 'none' ? 'no goal with a threshold' : r.badge } }));
  }
  body.append(overall);

  for (const { kind, title } of SECTIONS) {
    const defs = g.definitions.map((d, j) => ({ d, j })).filter(({ d }) => d.kind === kind);
    if (!defs.length) { continue; }
    sectionRow(title);
    for (const { d, j } of defs) {
      const th = el('th', { attrs: { scope: 'row', title: headerTitle(d) } }, el('span', { text: d.label }));
      const note = [d.unit, d.bar].filter(Boolean).join(' · ');
      if (note) { th.append(' ', el('span', { cls: 'muted', text: note })); }
      const tr = el('tr', { cls: `goal-row ${kind}`, attrs: { 'data-key': `${kind}:${d.name}` } }, th);
      g.runs.forEach((r, i) => {
        const c = r.checks[j];
        const best = g.best[j]?.includes(i) ?? false;
        tr.append(el('td', { cls: ['goal', c.verdict, best ? 'best' : ''].filter(Boolean).join(' '), text: cellText(c), attrs: { title: cellTitle(d, c, best), 'data-verdict': c.verdict } }));
      });
      body.append(tr);
    }
  }

  sectionRow('Cost');
  const costHead = el('th', { attrs: { scope: 'row', title: 'A run\'s recorded meta.cost, else its duration × the budget\'s rate for its hardware' } }, el('span', { text: 'cost' }));
  if (g.totalCost) {
    costHead.append(' ', el('span', { cls: 'muted', text: `total ${g.totalCost.shown}${g.totalCost.unknownRuns ? ` + ${g.totalCost.unknownRuns} unknown` : ''}` }));
  }
  const cost = el('tr', { cls: 'cost', attrs: { 'data-key': 'cost' } }, costHead);
  for (const r of g.runs) {
    cost.append(r.cost.known
      ? el('td', { cls: 'goal cost-known', text: r.cost.shown, attrs: { title: r.cost.detail } })
      : el('td', { cls: 'goal unknown', text: '? unknown', attrs: { title: `unknown: ${r.cost.reason}`, 'data-verdict': 'unknown' } }));
  }
  body.append(cost);
}
