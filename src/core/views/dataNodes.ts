/**
 * The Data tree below a data version: its columns (type, missing values, range or top categories) per profiled file,
 * the findings of the dataset's schema, and drift against the previous version. Built from what DataQuality has
 * prepared; nothing here reads a file.
 */
import type { DataVersion } from '../store/schemas';
import type { ColumnProfile, FileProfile } from '../data/profile/schema';
import type { DriftReport } from '../data/drift/types';
import type { DataFinding } from '../data/validate/types';
import { escapeMarkdown, formatValue } from './describe';
import type { StoreState } from './storeState';
import type { NodeSymbol, ViewNode } from './treeModel';

const num = (v: number): string => formatValue(v);

/** One line about a column: type · missing · range or top values. */
export function columnDescription(c: ColumnProfile): string {
  const parts: string[] = [c.type];
  if (c.missing) { parts.push(`${c.missing} missing`); }
  if (c.numeric) { parts.push(`${num(c.numeric.min)} … ${num(c.numeric.max)}`); } else if (c.datetime) { parts.push(`${c.datetime.min} … ${c.datetime.max}`); } else if (c.top.length) {
    parts.push(c.top.slice(0, 3).map((t) => `${t.value.length > 24 ? `${t.value.slice(0, 23)}…` : t.value} (${t.count})`).join(', ') + (c.distinct > 3 ? ` · ${c.distinctExact ? '' : '≈'}${c.distinct} distinct` : ''));
  }
  return parts.join(' · ');
}

export function columnTooltip(c: ColumnProfile, findings: readonly DataFinding[]): string {
  const lines = [`**${escapeMarkdown(c.name)}** — ${c.type}${c.sourceType ? ` (stored as ${escapeMarkdown(c.sourceType)})` : ''}  `,
    `${c.count} values, ${c.missing} missing${c.missingMarkers.length ? ` (${c.missingMarkers.map((m) => `${m.value === '' ? 'empty' : `\`${escapeMarkdown(m.value)}\``} ×${m.count}`).join(', ')})` : ''}  `,
    `${c.distinctExact ? '' : '≈ '}${c.distinct} distinct  `];
  if (c.numeric) {
    const n = c.numeric;
    lines.push(`min ${num(n.min)} · max ${num(n.max)} · mean ${num(n.mean)} · std ${num(n.std)}  `);
    const q = (x: number) => n.quantiles.find((e) => Math.abs(e.q - x) < 1e-9)?.value;
    const qs = [0.25, 0.5, 0.75].map((x) => q(x)).filter((x): x is number => x !== undefined);
    if (qs.length === 3) { lines.push(`quartiles ${qs.map(num).join(' · ')}  `); }
  }
  if (c.top.length && !c.numeric) { lines.push(`top: ${c.top.slice(0, 5).map((t) => `${escapeMarkdown(t.value)} (${t.count})`).join(', ')}  `); }
  for (const w of c.warnings ?? []) { lines.push(`⚠ ${escapeMarkdown(w)}  `); }
  for (const f of findings) { lines.push(`${f.severity === 'error' ? '$(error)' : f.severity === 'warning' ? '$(warning)' : '$(info)'} ${f.code}: ${escapeMarkdown(f.message)}  `); }
  return lines.join('\n');
}

const TYPE_SYMBOL: Record<ColumnProfile['type'], NodeSymbol> = {
  integer: 'columnNumber', float: 'columnNumber', boolean: 'columnBoolean', datetime: 'columnDate', categorical: 'columnCategory', string: 'columnText',
};

const findingSymbol = (f: Pick<DataFinding, 'severity'>): NodeSymbol => (f.severity === 'error' ? 'findingError' : f.severity === 'warning' ? 'findingWarning' : 'findingInfo');

export function driftSummary(d: DriftReport): string {
  return d.dataset.columns === 0 ? 'drift not tested' : `drift ${d.dataset.class}: ${d.dataset.drifted}/${d.dataset.columns} columns`;
}

/** What a version node adds to its description: drift against the previous version and schema findings. */
export function versionBadges(state: StoreState, v: DataVersion): string {
  const out: string[] = [];
  const drift = state.quality.peekDrift(v.id);
  if (drift) { out.push(driftSummary(drift)); }
  const findings = state.quality.peekFindings(v);
  const errors = findings.filter((f) => f.severity === 'error').length;
  if (errors) { out.push(`${errors} schema error${errors === 1 ? '' : 's'}`); } else if (findings.length) { out.push(`${findings.length} schema note${findings.length === 1 ? '' : 's'}`); }
  return out.join(' · ');
}

/** Nodes below a data version that come from its profile: columns per file, schema findings, drift. */
export function dataQualityNodes(state: StoreState, node: ViewNode, v: DataVersion): ViewNode[] {
  const out: ViewNode[] = [];
  const read = state.quality.peekProfile(v.id);
  const base = { view: 'data' as const, root: state.root, dataset: v.dataset, versionId: v.id };
  if (!read) { return out; }
  if (!read.profile) {
    out.push({ ...base, id: `${node.id}|noprofile`, kind: 'info', label: read.missing ? 'No profile yet' : 'Profile cannot be read',
      description: read.missing ? 'run: mlops data profile' : read.problem, tooltip: read.missing
        ? `Versions tagged before profiles existed have none. Make it with \`mlops data profile ${escapeMarkdown(v.dataset)}:${v.id}\`.` : escapeMarkdown(read.problem ?? ''),
      icon: { symbol: read.missing ? 'info' : 'problem' }, collapsible: 'none', file: read.missing ? undefined : state.store.dataProfileFile(v.dataset, v.id) });
    return out;
  }
  const findings = state.quality.peekFindings(v);
  for (const [i, f] of read.profile.files.entries()) {
    out.push(f.error
      ? { ...base, id: `${node.id}|file|${i}`, kind: 'info', label: `${f.path}: not profiled`, description: f.error, tooltip: escapeMarkdown(f.error), icon: { symbol: 'problem' }, collapsible: 'none' }
      : { ...base, id: `${node.id}|file|${i}`, kind: 'columns', fileIndex: i, label: read.profile.files.length === 1 ? 'Columns' : f.path,
        description: `${f.rows} row${f.rows === 1 ? '' : 's'} × ${f.columns.length} column${f.columns.length === 1 ? '' : 's'}${f.format ? ` · ${f.format}` : ''}`,
        tooltip: fileTooltip(f), icon: { symbol: 'columns' }, contextValue: 'mlops.dataColumns', collapsible: 'collapsed' });
  }
  const schema = state.quality.peekSchema(v.dataset);
  if (schema?.exists) {
    const errors = findings.filter((f) => f.severity === 'error').length;
    const usable = !!schema.schema;
    out.push({ ...base, id: `${node.id}|schema`, kind: 'schemaStatus',
      label: !usable ? 'Schema cannot be used' : findings.length ? `Schema: ${findings.length} finding${findings.length === 1 ? '' : 's'}` : 'Schema: no findings',
      description: !usable ? schema.problems[0] : [errors ? `${errors} error${errors === 1 ? '' : 's'}` : '', schema.problems.length ? `${schema.problems.length} problem${schema.problems.length === 1 ? '' : 's'} in schema.json` : ''].filter(Boolean).join(' · ') || undefined,
      tooltip: [`Checked against ${escapeMarkdown(state.store.rel(schema.file))}`, ...schema.problems.map((p) => `⚠ ${escapeMarkdown(p)}`)].join('  \n'),
      icon: { symbol: !usable ? 'problem' : errors ? 'findingError' : findings.length ? 'findingWarning' : 'schemaOk' },
      contextValue: 'mlops.dataSchema', collapsible: findings.length ? 'collapsed' : 'none', file: schema.file });
  }
  const drift = state.quality.peekDrift(v.id);
  const prev = state.quality.previous(v);
  if (drift && prev) {
    const tested = drift.dataset.columns > 0;
    out.push({ ...base, id: `${node.id}|drift`, kind: 'drift', label: `Drift from ${prev.tags[0] ?? prev.id.slice(-6)}: ${tested ? drift.dataset.class : 'not tested'}`,
      description: tested ? `${drift.dataset.drifted} of ${drift.dataset.columns} columns drifted${drift.dataset.drift ? ' · dataset drift' : ''}` : 'no common column could be tested',
      tooltip: driftTooltip(drift), icon: { symbol: !tested ? 'info' : drift.dataset.class === 'major' ? 'driftMajor' : drift.dataset.class === 'minor' ? 'driftMinor' : 'driftNone' },
      contextValue: 'mlops.dataDrift', collapsible: 'none', otherVersionId: prev.id });
  }
  return out;
}

function fileTooltip(f: FileProfile): string {
  const lines = [`**${escapeMarkdown(f.path)}** — ${f.rows} rows × ${f.columns.length} columns  `];
  if (f.csv) { lines.push(`delimiter \`${f.csv.delimiter === '\t' ? '\\t' : escapeMarkdown(f.csv.delimiter)}\` · ${f.csv.header ? 'header' : 'no header'}${f.csv.headerReason ? ` (${escapeMarkdown(f.csv.headerReason)})` : ''} · ${f.csv.lineEnding.toUpperCase()}${f.csv.bom ? ' · BOM' : ''}  `); }
  if (f.csv?.raggedRows) { lines.push(`⚠ ${f.csv.raggedRows} ragged rows${f.csv.firstRaggedLine ? ` (first at line ${f.csv.firstRaggedLine})` : ''}  `); }
  for (const w of f.warnings ?? []) { lines.push(`⚠ ${escapeMarkdown(w)}  `); }
  return lines.join('\n');
}

function driftTooltip(d: DriftReport): string {
  const drifted = d.columns.filter((c) => c.drifted || c.class !== 'none');
  return [`**${d.dataset.drift ? 'Dataset drift' : 'No dataset drift'}** — class ${d.dataset.class}  `,
    `${d.dataset.drifted} of ${d.dataset.columns} columns drifted (share threshold ${d.dataset.driftShare})  `,
    ...drifted.slice(0, 12).map((c) => `${escapeMarkdown(c.column)}: ${c.test} ${formatValue(Number(c.score.toPrecision(3)))}, PSI ${formatValue(Number(c.psi.value.toPrecision(3)))} → ${c.class}  `),
    drifted.length > 12 ? `… and ${drifted.length - 12} more` : '', 'Open the comparison to see every column.'].filter(Boolean).join('\n');
}

/** The columns of one profiled file, with their findings. */
export function columnNodes(state: StoreState, node: ViewNode): ViewNode[] {
  const v = state.dataVersion(node.versionId!);
  const f = v ? state.quality.peekProfile(v.id)?.profile?.files[node.fileIndex ?? 0] : undefined;
  if (!v || !f) { return []; }
  const findings = state.quality.peekFindings(v);
  return f.columns.map((c, i) => {
    const mine = findings.filter((x) => x.column === c.name && (x.file === f.path || x.file.endsWith(`/${f.path}`)));
    const worst = mine.find((x) => x.severity === 'error') ?? mine.find((x) => x.severity === 'warning');
    return { view: 'data', root: state.root, dataset: v.dataset, versionId: v.id, id: `${node.id}|col|${i}`, kind: 'column',
      label: c.name, description: columnDescription(c), tooltip: columnTooltip(c, mine),
      icon: { symbol: worst ? findingSymbol(worst) : TYPE_SYMBOL[c.type] }, contextValue: 'mlops.dataColumn', collapsible: 'none' } satisfies ViewNode;
  });
}

/** Each schema finding of the version; a click opens the data file at the finding's line when it is known. */
export function findingNodes(state: StoreState, node: ViewNode): ViewNode[] {
  const v = state.dataVersion(node.versionId!);
  if (!v) { return []; }
  return state.quality.peekFindings(v).map((f, i) => ({
    view: 'data', root: state.root, dataset: v.dataset, versionId: v.id, id: `${node.id}|f|${i}`, kind: 'finding',
    label: `${f.column}: ${f.code}`, description: f.message, tooltip: `**${f.code}** (${f.severity}) in ${escapeMarkdown(f.file)}  \n${escapeMarkdown(f.message)}`
      + (f.suggestion ? `  \nsuggested mapping: ${f.suggestion.mapping.map((m) => `${escapeMarkdown(m.from)} → ${escapeMarkdown(m.to)}`).join(', ')}` : ''),
    icon: { symbol: findingSymbol(f) }, contextValue: 'mlops.dataFinding', collapsible: 'none', dataFile: f.file, line: f.line,
  } satisfies ViewNode));
}
