/** The discrepancy list and the column alignment between the two sources: every name and message as text. */
import type { DataComparePayload } from '../../src/protocol/dataCompare';
import { el } from '../compare/dom';
import { discrepancyColumns, num } from './format';

export function discrepancyTable(p: DataComparePayload): HTMLElement {
  const list = p.sources.discrepancies;
  if (!list.length) { return el('p', { cls: 'muted', text: 'No discrepancies between the two sources.' }); }
  const table = el('table', { attrs: { id: 'discrepancies' } },
    el('thead', {}, el('tr', {}, ...['Kind', 'Columns', 'Message', 'Proposed mapping'].map((h) => el('th', { text: h, attrs: { scope: 'col' } })))));
  const body = el('tbody');
  for (const d of list) {
    const mapping = el('td', { cls: 'mapping' });
    if (d.mapping?.length) {
      const ul = el('ul');
      for (const m of d.mapping) { ul.append(el('li', {}, el('span', { cls: 'value', text: m.a }), ' → ', el('span', { cls: 'value', text: m.b }), el('span', { cls: 'muted', text: ` (${m.why})` }))); }
      mapping.append(ul);
    }
    if (d.factor !== undefined && d.factor !== null) { mapping.append(el('span', { text: `B ≈ ${num(d.factor)} × A` })); }
    body.append(el('tr', { cls: `severity-${d.severity}`, attrs: { 'data-kind': d.kind } },
      el('td', {}, el('span', { cls: `kind ${d.severity}`, text: d.kind, attrs: { title: d.severity } })),
      el('td', { cls: 'column-name', text: discrepancyColumns(d) }),
      el('td', { text: d.message }),
      mapping));
  }
  table.append(body);
  return table;
}

export function alignmentTable(p: DataComparePayload): HTMLElement {
  const table = el('table', { attrs: { id: 'alignment' } },
    el('thead', {}, el('tr', {}, el('th', { text: `A: ${p.a.label}`, attrs: { scope: 'col' } }), el('th', { text: `B: ${p.b.label}`, attrs: { scope: 'col' } }),
      el('th', { text: 'Matched by', attrs: { scope: 'col' } }), el('th', { text: 'Similarity', attrs: { scope: 'col' } }))));
  const body = el('tbody');
  const how = { exact: 'same name', normalized: 'name ignoring case and punctuation', profile: 'likely rename (profile similarity)', position: 'position (no header)' } as const;
  for (const c of p.sources.columns) {
    body.append(el('tr', { cls: c.how ? `how-${c.how}` : 'unmatched' },
      el('td', { cls: c.a === undefined ? 'missing' : 'column-name', text: c.a ?? '—' }),
      el('td', { cls: c.b === undefined ? 'missing' : 'column-name', text: c.b ?? '—' }),
      el('td', { text: c.how ? how[c.how] : `only in ${c.a === undefined ? 'B' : 'A'}` }),
      el('td', { text: c.similarity === undefined ? '' : num(c.similarity) })));
  }
  table.append(body);
  return table;
}
