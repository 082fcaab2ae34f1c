// `mlops data profile|check|schema|compare|drift`: what a data version holds, whether a file matches its dataset's
// common schema, how two sources differ and whether data drifted.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MlopsError, parseDataRef, type Store } from '../core';
import { hasErrors, publicFinding, readDataSchema } from '../core/data/check';
import { buildVersionProfile } from '../core/data/versionProfile';
import { tabularFormat } from '../core/data/profile';
import type { ColumnProfile, DataProfile, FileProfile } from '../core/data/profile/schema';
import { compareData, resolveProfile } from '../core/data/report';
import { findingsSarif, locateFindings, schemaFromProfile, sourceFor, validateProfile } from '../core/data/validate';
import type { DataFinding } from '../core/data/validate/types';
import { DRIFT_TESTS, type DriftReport, type DriftTest } from '../core/data/drift/types';
import type { SourceComparison } from '../core/data/sources/types';
import { UsageError, str, type Command, type Out } from './context';
import { escapeText, formatNumber, plural, printJson, table } from './output';

declare const MLOPS_VERSION: string;
const VERSION = typeof MLOPS_VERSION === 'string' ? MLOPS_VERSION : '0.0.0-dev';

/** p-values and distances: small ones in exponent form so 2.5e-7 never prints as 0. */
export function formatScore(v: number): string {
  if (!Number.isFinite(v)) { return String(v); }
  if (v !== 0 && Math.abs(v) < 1e-4) { return v.toExponential(2); }
  return formatNumber(Number(v.toPrecision(4)));
}

function columnSummary(c: ColumnProfile): string {
  if (c.numeric) { return `${formatNumber(c.numeric.min)} … ${formatNumber(c.numeric.max)}, mean ${formatNumber(c.numeric.mean)}`; }
  if (c.datetime) { return `${c.datetime.min} … ${c.datetime.max}`; }
  return c.top.slice(0, 3).map((t) => `${t.value} (${t.count})`).join(', ');
}

function profileText(io: Out, label: string, p: DataProfile): void {
  io.stdout(`Profile of ${label}\n`);
  if (!p.files.length) { io.stdout('  (no tabular file: CSV, TSV, JSON Lines or Parquet)\n'); }
  for (const f of p.files) {
    if (f.error) { io.stdout(`${f.path}: not profiled: ${f.error}\n`); continue; }
    const dialect = f.csv ? `, delimiter ${JSON.stringify(f.csv.delimiter)}, ${f.csv.header ? 'header' : 'no header'}${f.csv.bom ? ', BOM' : ''}, ${f.csv.lineEnding.toUpperCase()}` : '';
    io.stdout(`${f.path}: ${f.format ?? 'table'}, ${plural(f.rows, 'row')} × ${plural(f.columns.length, 'column')}${dialect}\n`);
    io.stdout(table([['COLUMN', 'TYPE', 'MISSING', 'DISTINCT', 'VALUES'], ...f.columns.map((c) => [
      c.name, c.type, c.missing ? `${c.missing}${c.missingMarkers.length ? ` (${c.missingMarkers.map((m) => (m.value === '' ? 'empty' : m.value)).join(', ')})` : ''}` : '0',
      `${c.distinctExact ? '' : '≈'}${c.distinct}`, columnSummary(c)])]).replace(/^/gm, '  '));
    for (const w of [...(f.warnings ?? []), ...f.columns.flatMap((c) => (c.warnings ?? []).map((x) => `${c.name}: ${x}`))]) { io.stdout(`  warning: ${w}\n`); }
  }
  for (const s of p.skipped ?? []) { io.stdout(`${s.path}: skipped: ${s.reason}\n`); }
}

export function findingsText(findings: readonly DataFinding[]): string {
  return findings.map((f) => `${f.file}${f.line ? `:${f.line}` : ''}: ${f.severity} ${f.code} ${f.column}: ${f.message}`
    + (f.suggestion ? `\n  suggestion: map ${f.suggestion.mapping.map((m) => `${JSON.stringify(m.from)} → ${JSON.stringify(m.to)}`).join(', ')}` : '')).join('\n') + (findings.length ? '\n' : '');
}

function findingsSummary(findings: readonly DataFinding[]): string {
  const n = (s: string) => findings.filter((f) => f.severity === s).length;
  return `${plural(n('error'), 'error')}, ${plural(n('warning'), 'warning')}, ${plural(n('info'), 'note')}`;
}

/** The tabular files of a file or folder, as manifest-like entries relative to the folder. */
async function tabularFilesOf(target: string): Promise<{ root: string; paths: string[] }> {
  const st = await fsp.stat(target).catch(() => undefined);
  if (!st) { throw new MlopsError(`cannot read '${target}': no such file or folder`, 'not-found'); }
  if (st.isFile()) { return { root: path.dirname(target), paths: [path.basename(target)] }; }
  const entries = await fsp.readdir(target, { recursive: true, withFileTypes: true });
  const paths = entries.filter((e) => e.isFile() && tabularFormat(e.name) !== undefined)
    .map((e) => path.relative(target, path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).split(path.sep).join('/'))
    .filter((p) => !p.split('/').some((part) => part === '.mlops' || part === '.git' || part === 'node_modules'))
    .sort();
  return { root: target, paths };
}

function driftText(io: Out, r: DriftReport): void {
  io.stdout(`Drift from ${r.reference.label}${r.reference.file ? ` (${r.reference.file})` : ''} to ${r.current.label}${r.current.file ? ` (${r.current.file})` : ''}\n`);
  if (r.columns.length) {
    io.stdout(table([['COLUMN', 'KIND', 'TEST', 'SCORE', 'THRESHOLD', 'DRIFT', 'PSI', 'CLASS'], ...r.columns.map((c) => [
      c.column, c.kind, c.test, formatScore(c.score), `${c.rule.includes('≥') || c.rule.includes('>=') ? '≥' : c.test === 'ks' ? '≤' : '<'} ${formatScore(c.threshold)}`,
      c.drifted ? 'drift' : '-', formatScore(c.psi.value), c.class + (c.sampled ? ' (sampled)' : '')])]));
  }
  for (const s of r.skipped) { io.stdout(`not tested: ${s.column}: ${s.reason}\n`); }
  if (r.onlyInReference.length) { io.stdout(`only in ${r.reference.label}: ${r.onlyInReference.join(', ')}\n`); }
  if (r.onlyInCurrent.length) { io.stdout(`only in ${r.current.label}: ${r.onlyInCurrent.join(', ')}\n`); }
  const d = r.dataset;
  io.stdout(`${d.drift ? 'Dataset drift' : 'No dataset drift'}: ${d.drifted} of ${plural(d.columns, 'column')} drifted (share ${formatNumber(Number(d.share.toFixed(3)))}, threshold ${formatNumber(d.driftShare)}); class ${d.class}\n`);
}

function compareText(io: Out, s: SourceComparison): void {
  io.stdout(`Sources ${s.a.label}${s.a.file ? ` (${s.a.file})` : ''} and ${s.b.label}${s.b.file ? ` (${s.b.file})` : ''}: ${s.a.rows} vs ${s.b.rows} rows\n`);
  io.stdout('Columns\n' + table([['A', 'B', 'MATCH'], ...s.columns.map((c) => [c.a ?? '-', c.b ?? '-', c.a && c.b ? `${c.how ?? ''}${c.similarity !== undefined ? ` ${formatNumber(Number(c.similarity.toFixed(2)))}` : ''}` : 'only one side'])]).replace(/^/gm, '  '));
  io.stdout(s.discrepancies.length ? 'Discrepancies\n' : 'No discrepancies.\n');
  for (const d of s.discrepancies) {
    io.stdout(`  ${d.severity === 'warning' ? '!' : '-'} ${d.kind}${d.a || d.b ? ` ${[d.a, d.b].filter(Boolean).join(' / ')}` : ''}: ${d.message}\n`);
    for (const m of d.mapping ?? []) { io.stdout(`      ${JSON.stringify(m.a)} → ${JSON.stringify(m.b)}  (${m.why})\n`); }
  }
}

function parseMethod(v: string | undefined): 'auto' | DriftTest | undefined {
  if (v === undefined) { return undefined; }
  if (v === 'auto' || (DRIFT_TESTS as readonly string[]).includes(v)) { return v as 'auto' | DriftTest; }
  throw new UsageError(`unknown --method '${v}': use auto, ${DRIFT_TESTS.join(', ')}`);
}

async function schemaOrFail(store: Store, dataset: string) {
  const read = await readDataSchema(store, dataset);
  if (!read.exists) { throw new MlopsError(`dataset '${dataset}' has no schema (${store.rel(read.file)}); write one with 'mlops data schema ${dataset}:VERSION'`, 'not-found'); }
  if (!read.schema) { throw new MlopsError(`${store.rel(read.file)} cannot be used: ${read.problems.join('; ')}`, 'corrupt'); }
  return { schema: read.schema, problems: read.problems, file: read.file };
}

export const DATA_QUALITY_COMMANDS: Record<string, Command> = {
  'data profile': {
    options: { force: { type: 'boolean' }, source: { type: 'string' } }, positionals: 1,
    async run({ io, values, positionals, json, store: open }) {
      const store = await open();
      const { dataset, ref } = parseDataRef(positionals[0]);
      const version = await store.resolveDataVersion(dataset, ref);
      const stored = await store.readDataProfile(dataset, version.id);
      const source = str(values, 'source');
      const profile = stored.ok && !values.force && source === undefined ? stored.value
        : await store.profileDataVersion(dataset, version.id, { source: source !== undefined ? path.resolve(io.cwd, source) : undefined });
      if (json) { printJson(io, profile); } else { profileText(io, `${dataset} ${version.id}${version.tags.length ? ` [${version.tags.join(', ')}]` : ''}`, profile); }
      return profile.files.some((f) => f.error) ? 1 : 0;
    },
  },

  'data check': {
    options: { dataset: { type: 'string', short: 'd' }, source: { type: 'string' }, format: { type: 'string', short: 'f' } }, positionals: 1,
    async run({ io, values, positionals, json, store: open }) {
      const dataset = str(values, 'dataset');
      if (!dataset) { throw new UsageError('\'mlops data check\' needs --dataset'); }
      const format = str(values, 'format') ?? (json ? 'json' : 'text');
      if (!['text', 'json', 'sarif'].includes(format)) { throw new UsageError(`unknown --format '${format}': use text, json or sarif`); }
      const store = await open();
      const { schema, problems } = await schemaOrFail(store, dataset);
      const target = path.resolve(io.cwd, positionals[0]);
      const { root, paths } = await tabularFilesOf(target);
      if (!paths.length) { throw new MlopsError(`${positionals[0]} holds no tabular file (CSV, TSV, JSON Lines or Parquet)`, 'not-found'); }
      const sourceName = str(values, 'source');
      const named = sourceName !== undefined ? (schema.sources ?? []).find((s) => s.name === sourceName) : undefined;
      if (sourceName !== undefined && !named) { throw new UsageError(`the schema of '${dataset}' has no source '${sourceName}'${schema.sources?.length ? ` (sources: ${schema.sources.map((s) => s.name).join(', ')})` : ''}`); }
      const profile = await buildVersionProfile({ dataset, id: 'check' }, target, paths.map((p) => ({ path: p, size: 0, sha256: '0'.repeat(64) })));
      const findings: DataFinding[] = [];
      const notProfiled: string[] = [];
      for (const fp of profile.files) {
        const abs = path.join(root, ...fp.path.split('/'));
        const file = store.rel(abs);
        if (fp.error) { notProfiled.push(`${file}: ${fp.error}`); continue; }
        findings.push(...await locateFindings(abs, fp, validateProfile(fp, schema, { file, source: named ?? sourceFor(schema, file) })));
      }
      if (format === 'json') {
        printJson(io, { dataset, findings: findings.map(publicFinding), notProfiled, schemaProblems: problems });
      } else if (format === 'sarif') {
        io.raw(JSON.stringify(findingsSarif(findings.map(publicFinding), { toolVersion: VERSION, baseUri: pathToFileURL(store.root).href }), null, 2) + '\n');
      } else {
        io.stdout(findingsText(findings));
        for (const n of notProfiled) { io.stdout(`${n}\n`); }
        io.stdout(`${plural(profile.files.length, 'file')} checked against the '${dataset}' schema: ${findingsSummary(findings)}\n`);
      }
      for (const p of problems) { io.stderr(`mlops: warning: ${escapeText(p, true)}\n`); }
      return hasErrors(findings) || notProfiled.length ? 1 : 0;
    },
  },

  'data schema': {
    options: { print: { type: 'boolean' }, file: { type: 'string' } }, positionals: 1,
    async run({ io, values, positionals, json, store: open }) {
      const store = await open();
      const { version, profile } = await resolveProfile(store, positionals[0]);
      const fileOpt = str(values, 'file');
      const usable = profile.files.filter((f) => !f.error);
      const fp: FileProfile | undefined = fileOpt !== undefined ? usable.find((f) => f.path === fileOpt) : usable[0];
      if (!fp) { throw new MlopsError(fileOpt !== undefined ? `${version.dataset} version ${version.id} has no profiled file '${fileOpt}'` : `${version.dataset} version ${version.id} has no profiled tabular file to take a schema from`, 'not-found'); }
      const schema = schemaFromProfile(fp, version.dataset, `${version.dataset}:${version.id}`);
      const text = JSON.stringify(schema, null, 2) + '\n';
      if (values.print) { io.raw(text); return 0; }
      const file = await store.data.createSchema(version.dataset, text);
      if (json) { printJson(io, { file: store.rel(file), schema }); } else {
        io.stdout(`Wrote ${store.rel(file)} from ${version.dataset} ${version.id} (${fp.path}): ${plural(schema.columns.length, 'column')}. Edit it: allowed values, mappings, ranges, sources.\n`);
      }
      return 0;
    },
  },

  'data compare': {
    options: { file: { type: 'string' } }, positionals: 2,
    async run({ io, values, positionals, json, store: open }) {
      const store = await open();
      const r = await compareData(store, positionals[0], positionals[1], { file: str(values, 'file') });
      if (json) { printJson(io, { a: r.a, b: r.b, sources: r.sources }); } else { compareText(io, r.sources); }
      return 0;
    },
  },

  'data drift': {
    options: { method: { type: 'string', short: 'm' }, file: { type: 'string' } }, positionals: 2,
    async run({ io, values, positionals, json, store: open }) {
      const method = parseMethod(str(values, 'method'));
      const store = await open();
      const r = await compareData(store, positionals[0], positionals[1], { file: str(values, 'file'), drift: method ? { method } : {} });
      if (json) { printJson(io, { reference: r.a, current: r.b, drift: r.drift }); } else { driftText(io, r.drift); }
      for (const p of r.problems) { io.stderr(`mlops: warning: drift settings: ${escapeText(p, true)}\n`); }
      // Nothing tested is not "no drift": retraining must not read it as safe.
      if (r.drift.dataset.columns === 0) {
        io.stderr('mlops: no column could be tested for drift (no common column with data on both sides; see "not tested" and "only in" above); try `mlops data compare` to line the columns up\n');
        return 1;
      }
      return 0;
    },
  },
};

