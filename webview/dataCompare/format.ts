/**
 * Numbers and words of the Compare Data Versions page, and the CSV / Markdown exports built from what it shows.
 * Pure functions: no DOM, so the exports are exactly the table's rows in the table's order.
 */
import type { ColumnDriftRow, DataComparePayload, DiscrepancyRow, DriftClassName } from '../../src/protocol/dataCompare';

/** Four significant digits; p-values below 0.0001 in exponent form; null (NaN or infinite on the host) as "—". */
export function num(v: number | null | undefined): string {
  if (v === null || v === undefined) { return '—'; }
  if (Number.isInteger(v)) { return String(v); }
  if (v !== 0 && Math.abs(v) < 1e-4) { return v.toExponential(2); }
  return String(Number(v.toPrecision(4)));
}

export function percent(share: number | null): string {
  return share === null ? '—' : `${Number((share * 100).toPrecision(3))}%`;
}

export const TEST_NAMES: Record<ColumnDriftRow['test'], string> = {
  ks: 'Kolmogorov–Smirnov', chisquare: 'chi-square', z: 'two-proportion z', wasserstein: 'Wasserstein (normed)', jensenshannon: 'Jensen–Shannon', psi: 'PSI',
};

/** The table's narrow column; the full names are in the tooltip, the chart's header and the exports. */
export const TEST_SHORT: Record<ColumnDriftRow['test'], string> = {
  ks: 'KS', chisquare: 'chi-square', z: 'z-test', wasserstein: 'Wasserstein', jensenshannon: 'Jensen–Shannon', psi: 'PSI',
};

/** What the score is: a p-value for the hypothesis tests, a distance for the others. */
export function scoreKind(test: ColumnDriftRow['test']): 'p-value' | 'distance' {
  return test === 'ks' || test === 'chisquare' || test === 'z' ? 'p-value' : 'distance';
}

export function verdict(c: ColumnDriftRow): string {
  return c.drifted ? 'drift' : 'no drift';
}

export const CLASS_RANK: Record<DriftClassName, number> = { none: 0, minor: 1, major: 2 };

/** The sortable columns of the table, and how each compares two rows. */
export const SORT_KEYS = ['column', 'type', 'test', 'score', 'threshold', 'verdict', 'psi', 'class'] as const;
export type SortKey = typeof SORT_KEYS[number];
export interface SortOrder { key: SortKey; dir: 'asc' | 'desc' }

const byNumber = (x: number | null, y: number | null) => (x === null ? (y === null ? 0 : 1) : y === null ? -1 : x - y);

export function compareRows(key: SortKey, x: ColumnDriftRow, y: ColumnDriftRow): number {
  switch (key) {
    case 'column': return x.column.localeCompare(y.column);
    case 'type': return `${x.referenceType}/${x.currentType}`.localeCompare(`${y.referenceType}/${y.currentType}`);
    case 'test': return x.test.localeCompare(y.test);
    case 'score': return byNumber(x.score, y.score);
    case 'threshold': return byNumber(x.threshold, y.threshold);
    case 'verdict': return Number(x.drifted) - Number(y.drifted);
    case 'psi': return byNumber(x.psi.value, y.psi.value);
    case 'class': return CLASS_RANK[x.class] - CLASS_RANK[y.class] || byNumber(x.psi.value, y.psi.value);
  }
}

/** The rows as shown: "only drifted" applied, then sorted (stable: ties keep the report's order). */
export function shownRows(columns: readonly ColumnDriftRow[], onlyDrifted: boolean, sort: SortOrder | undefined): ColumnDriftRow[] {
  const rows = onlyDrifted ? columns.filter((c) => c.drifted) : [...columns];
  if (sort) {
    const sign = sort.dir === 'asc' ? 1 : -1;
    rows.sort((x, y) => sign * compareRows(sort.key, x, y));
  }
  return rows;
}

export function discrepancyColumns(d: DiscrepancyRow): string {
  return d.a !== undefined && d.b !== undefined ? (d.a === d.b ? d.a : `${d.a} → ${d.b}`) : d.a ?? d.b ?? '';
}

export function mappingText(d: DiscrepancyRow): string {
  const parts = (d.mapping ?? []).map((m) => `${m.a} → ${m.b} (${m.why})`);
  if (d.factor !== undefined && d.factor !== null) { parts.push(`B ≈ ${num(d.factor)} × A`); }
  return parts.join('; ');
}

const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const FORMULA_START = /^[=+\-@\t\r]/;

/** RFC 4180 quoting; text a spreadsheet would run as a formula gets a leading apostrophe (as the run compare's CSV). */
export function csvCell(v: string | number | boolean | null | undefined): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (FORMULA_START.test(s) && !PLAIN_NUMBER.test(s)) { s = `'${s}`; }
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const CSV_HEADER = ['column', 'type A', 'type B', 'test', 'score', 'score kind', 'threshold', 'rule', 'drifted', 'PSI', 'class', 'rows A', 'rows B', 'missing A', 'missing B', 'sampled'];

/** One line per shown column, the numbers unrounded. */
export function toCsv(rows: readonly ColumnDriftRow[]): string {
  const lines = [CSV_HEADER.map(csvCell).join(',')];
  for (const c of rows) {
    lines.push([c.column, c.referenceType, c.currentType, c.test, c.score, scoreKind(c.test), c.threshold, c.rule, c.drifted, c.psi.value, c.class,
      c.referenceN, c.currentN, c.referenceMissing, c.currentMissing, c.sampled].map(csvCell).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/**
 * Markdown text for a table cell or a line: backslash-escapes what Markdown would read as markup (pipes, emphasis,
 * links, code, HTML tags and entities; every use is mid-line, so list and heading markers need none) and folds line breaks, so a column named `<img src=x onerror=…>` stays literal text.
 */
export function md(s: string): string {
  return s.replace(/[\\`*_[\]<>|~&]/g, (c) => `\\${c}`).replace(/\r\n|[\r\n]/g, ' ');
}

export function toMarkdown(p: DataComparePayload, rows: readonly ColumnDriftRow[], onlyDrifted: boolean): string {
  const d = p.drift.dataset;
  const out = [
    `# ${md(p.a.label)} ↔ ${md(p.b.label)}`, '',
    `- Reference (A): ${md(p.a.label)} — ${p.drift.reference.rows} rows`,
    `- Current (B): ${md(p.b.label)} — ${p.drift.current.rows} rows`,
    `- Dataset drift: **${d.drift ? 'yes' : 'no'}**, class **${d.class}** — ${d.drifted} of ${d.columns} columns drifted (${percent(d.share)}; dataset drift at ≥ ${percent(d.driftShare)})`,
    '', `## Columns${onlyDrifted ? ' (only drifted)' : ''}`, '',
    '| Column | Type A | Type B | Test | Score | Threshold | Verdict | PSI | Class |',
    '| --- | --- | --- | --- | ---: | ---: | --- | ---: | --- |',
    ...rows.map((c) => `| ${[md(c.column), md(c.referenceType), md(c.currentType), md(TEST_NAMES[c.test]), `${num(c.score)} (${scoreKind(c.test)})`, num(c.threshold), verdict(c), num(c.psi.value), c.class].join(' | ')} |`),
  ];
  if (!rows.length) { out.push('', onlyDrifted ? 'No column drifted.' : 'No column was tested.'); }
  const untested = [...p.drift.onlyInReference.map((c) => `${md(c)}: only in A`), ...p.drift.onlyInCurrent.map((c) => `${md(c)}: only in B`), ...p.drift.skipped.map((s) => `${md(s.column)}: ${md(s.reason)}`)];
  if (untested.length) { out.push('', '## Not tested', '', ...untested.map((u) => `- ${u}`)); }
  out.push('', '## Discrepancies', '');
  if (!p.sources.discrepancies.length) { out.push('None.'); }
  for (const x of p.sources.discrepancies) {
    const cols = discrepancyColumns(x);
    const mapping = mappingText(x);
    out.push(`- **${x.kind}** (${x.severity})${cols ? ` ${md(cols)}` : ''}: ${md(x.message)}${mapping ? ` — ${md(mapping)}` : ''}`);
  }
  out.push('', '## Column alignment', '', '| A | B | How | Similarity |', '| --- | --- | --- | ---: |',
    ...p.sources.columns.map((c) => `| ${md(c.a ?? '—')} | ${md(c.b ?? '—')} | ${c.how ?? 'unmatched'} | ${c.similarity === undefined ? '' : num(c.similarity)} |`));
  return out.join('\n') + '\n';
}
