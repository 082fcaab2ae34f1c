// `mlops import mlflow PATH`, and the rows of `mlops runs list --source mlflow`: MLflow stores read in place (never
// written), converted by core/mlflow/convert.ts so a run lists the same whether it was imported or not.
import * as path from 'node:path';
import { MlopsError, messageOf, type StoreProblem } from '../core';
import {
  findMlflowStores, mlflowStoreAt, openMlflowStore, toMetricSummaries, toRun,
  type MlflowReader, type MlflowRunHeader, type MlflowStoreRef,
} from '../core/mlflow';
import { importMlflow, type MlflowImportItem, type MlflowImportResult } from '../core/mlflow/import';
import type { RunRow } from '../core/query';
import { list, type Command } from './context';
import { plural, printJson, reportProblems, table } from './output';

/** The store at PATH, opened; a path that is not a store, or a store that cannot be read, is bad input (exit 2). */
async function openAt(p: string, cwd: string): Promise<MlflowReader> {
  let ref: MlflowStoreRef;
  try {
    ref = await mlflowStoreAt(path.resolve(cwd, p), cwd);
  } catch (e) {
    throw new MlopsError(messageOf(e), 'invalid-input');
  }
  try {
    return await openMlflowStore(ref);
  } catch (e) {
    throw new MlopsError(messageOf(e), 'invalid-input');
  }
}

/** Per experiment: runs imported / skipped, params and metric points of the imported ones. */
function perExperiment(items: readonly MlflowImportItem[]): Map<string, { runs: number; skipped: number; params: number; points: number }> {
  const out = new Map<string, { runs: number; skipped: number; params: number; points: number }>();
  for (const i of items) {
    if (i.kind === 'experiment' && !out.has(i.name)) { out.set(i.name, { runs: 0, skipped: 0, params: 0, points: 0 }); }
    if (i.kind !== 'run' || i.experiment === undefined) { continue; }
    const e = out.get(i.experiment) ?? { runs: 0, skipped: 0, params: 0, points: 0 };
    out.set(i.experiment, e);
    if (i.action === 'import') { e.runs++; e.params += i.params ?? 0; e.points += i.metricPoints ?? 0; } else { e.skipped++; }
  }
  return out;
}

function describeImport(r: MlflowImportResult, label: string): string {
  const verb = r.dryRun ? 'would import' : 'imported';
  const lines: string[] = [];
  lines.push(`${r.dryRun ? 'Dry run (nothing was written): ' : ''}${label}`);
  const rows = [...perExperiment(r.items)].map(([name, e]) => [`  ${name}`, `${verb} ${plural(e.runs, 'run')}`, `${e.skipped} skipped`, `${plural(e.params, 'param')}`, `${plural(e.points, 'metric point')}`]);
  if (rows.length) { lines.push(table(rows).trimEnd()); }
  const c = r.counts;
  lines.push(`Total: ${verb} ${plural(c.runs, 'run')}${c.runsUpdated ? ` (${c.runsUpdated} brought up to date)` : ''}, ${c.runsSkipped} skipped; `
    + `${plural(c.metricPoints, 'metric point')}, ${plural(c.params, 'param')}; `
    + `${plural(c.models, 'model')}, ${plural(c.versions, 'model version')} (${c.versionsSkipped} skipped)`);
  if (r.dryRun) {
    const written = r.items.filter((i) => i.action === 'import' && i.files?.length);
    if (written.length) {
      lines.push('Would write:');
      for (const i of written) {
        const what = i.kind === 'run' ? `run ${i.id} ${i.name} (${i.experiment})` : i.kind === 'modelVersion' ? `model version ${i.name}` : `${i.kind} ${i.name}`;
        lines.push(`  ${what}`);
        for (const f of i.files ?? []) { lines.push(`    ${f}`); }
      }
    }
  }
  // One line for the versions whose artifacts are elsewhere (the usual case for a store from another machine).
  const byReference = /;? ?artifact not on this machine: recorded by reference \([^)]*\)$/;
  const elsewhere = r.items.filter((i) => i.kind === 'modelVersion' && i.action === 'import' && byReference.test(i.reason ?? '')).length;
  const notes = r.items.map((i) => ({ i, reason: (i.reason ?? '').replace(byReference, '') })).filter(({ i, reason }) => i.action === 'import' && reason && i.kind !== 'experiment');
  if (notes.length || elsewhere) {
    lines.push('Notes:');
    for (const { i, reason } of notes) { lines.push(`  ${i.kind === 'run' ? `run ${i.name}` : i.name}: ${reason}`); }
    if (elsewhere) { lines.push(`  ${plural(elsewhere, 'model version')} recorded by reference: ${elsewhere === 1 ? 'its artifact is' : 'their artifacts are'} not on this machine (artifact.uri says where MLflow had ${elsewhere === 1 ? 'it' : 'them'})`); }
  }
  return lines.join('\n') + '\n';
}

export const MLFLOW_COMMANDS: Record<string, Command> = {
  'import mlflow': {
    options: { experiment: { type: 'string', short: 'e', multiple: true }, 'include-deleted': { type: 'boolean' }, 'dry-run': { type: 'boolean' } },
    positionals: 1,
    async run({ io, values, positionals, json, store: open }) {
      const store = await open();
      const reader = await openAt(positionals[0], io.cwd);
      try {
        const result = await importMlflow(store, reader, {
          experiments: list(values, 'experiment'), includeDeleted: values['include-deleted'] === true, dryRun: values['dry-run'] === true,
        });
        if (json) { printJson(io, result); } else { io.stdout(describeImport(result, `${reader.ref.label} → ${store.rel(store.dir)}`)); }
        return reportProblems(io, result.problems);
      } finally {
        reader.close();
      }
    },
  },
};

// ------------------------------------------------------------------ runs list --source mlflow

/** Runs of MLflow stores as `runs list` rows: every store found under the working folder, or the one at PATH. */
export async function loadMlflowRows(cwd: string, at: string | undefined, opts: { all: boolean; experiment?: string }): Promise<{ rows: RunRow[]; problems: StoreProblem[]; stores: MlflowStoreRef[] }> {
  const problems: StoreProblem[] = [];
  const readers: MlflowReader[] = [];
  let refs: MlflowStoreRef[];
  if (at !== undefined) {
    readers.push(await openAt(at, cwd));
    refs = [readers[0].ref];
  } else {
    refs = await findMlflowStores(cwd);
    for (const ref of refs) {
      // The reader's message starts with the store's absolute path: the relative one is given once, in front.
      try { readers.push(await openMlflowStore(ref)); } catch (e) { problems.push({ file: rel(cwd, ref.path), reason: messageOf(e).replace(`${ref.path}: `, '') }); }
    }
  }
  const rows: RunRow[] = [];
  for (const reader of readers) {
    try {
      const storeRel = rel(cwd, reader.ref.path);
      const scan = await reader.scan();
      problems.push(...scan.problems);
      const experiments = new Map(scan.experiments.map((e) => [e.id, e]));
      const shown = scan.runs.filter((h: MlflowRunHeader) => {
        const e = experiments.get(h.experimentId);
        if (!opts.all && (h.lifecycle === 'deleted' || e?.lifecycle === 'deleted')) { return false; }
        return opts.experiment === undefined || e?.name === opts.experiment || h.experimentId === opts.experiment;
      });
      for (let i = 0; i < shown.length; i += 500) {
        const got = await reader.runs(shown.slice(i, i + 500).map((h) => h.id));
        problems.push(...got.problems);
        for (const rec of got.runs) {
          const run = toRun(rec, experiments.get(rec.experimentId)?.name ?? rec.experimentId, storeRel);
          rows.push({ run, metrics: toMetricSummaries(rec.metrics) });
        }
      }
    } finally {
      reader.close();
    }
  }
  // Newest first, like the .mlops listing.
  rows.sort((a, b) => (a.run.startTime < b.run.startTime ? 1 : a.run.startTime > b.run.startTime ? -1 : a.run.id < b.run.id ? 1 : -1));
  return { rows, problems, stores: refs };
}

function rel(cwd: string, p: string): string {
  const r = path.relative(cwd, p);
  return r && !r.startsWith('..') && !path.isAbsolute(r) ? r.split(path.sep).join('/') : r === '' ? '.' : p;
}
