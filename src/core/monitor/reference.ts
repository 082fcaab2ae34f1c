/**
 * What a model's windows are compared with: the training profile (the producing run's data version of
 * `monitoring.reference`, else its first data version with a tabular profile) and the age of its datasets.
 */
import type { Store } from '../store/store';
import { promises as fsp } from 'node:fs';
import { FileProfileSchema, type ColumnProfile, type FileProfile } from '../data/profile/schema';
import type { ModelVersion } from '../store/schemas';
import type { MonitoringSettings } from './types';

export interface TrainingReference {
  /** The model version whose run is the reference (production, else the newest). */
  modelVersion?: ModelVersion;
  ref: { dataset: string; versionId: string } | null;
  /** The reference file's profile restricted to the features (its columns minus the label). */
  profile?: FileProfile;
  features: string[];
  note?: string;
  /** Datasets of the producing run, for data freshness. */
  datasets: string[];
}

/** The model version monitoring is measured for: the production version, else the newest registered one. */
export async function monitoredVersion(store: Store, model: string): Promise<ModelVersion | undefined> {
  const { items } = await store.listModelVersions(model).catch(() => ({ items: [] as ModelVersion[] }));
  return items.find((v) => v.stage === 'production') ?? [...items].sort((a, b) => b.version - a.version)[0];
}

export async function trainingReference(store: Store, model: string, settings: MonitoringSettings): Promise<TrainingReference> {
  const mv = await monitoredVersion(store, model);
  if (!mv) { return { ref: null, features: [], datasets: [], note: `model '${model}' has no registered version, so there is no training data to compare inputs with` }; }
  const run = await store.readRun(mv.runId).catch(() => undefined);
  if (!run) { return { modelVersion: mv, ref: null, features: [], datasets: [], note: `the run ${mv.runId} that produced ${model} v${mv.version} cannot be read` }; }
  const datasets = [...new Set(run.dataVersions.map((d) => d.dataset))];
  const candidates = settings.reference ? run.dataVersions.filter((d) => d.dataset === settings.reference) : run.dataVersions;
  if (candidates.length === 0) {
    return { modelVersion: mv, ref: null, features: [], datasets, note: settings.reference
      ? `the run ${mv.runId} that produced ${model} v${mv.version} used no version of dataset '${settings.reference}' (monitoring.reference)`
      : `the run ${mv.runId} that produced ${model} v${mv.version} records no data versions (mlops run log --data DATASET)` };
  }
  for (const d of candidates) {
    const file = await trainingFile(store, d.dataset, d.version);
    if (!file) { continue; }
    const columns = file.columns.filter((c) => c.name !== settings.label);
    return {
      modelVersion: mv,
      ref: { dataset: d.dataset, versionId: d.version },
      profile: { ...file, columns },
      features: columns.map((c) => c.name),
      datasets,
    };
  }
  return { modelVersion: mv, ref: null, features: [], datasets, note: `no data version of ${candidates.map((d) => `${d.dataset} ${d.version}`).join(', ')} has a profile with a tabular file (mlops data profile DATASET:VERSION)` };
}

export interface DataAge {
  /** Hours from the newest version (created by then) of the datasets to a time, or null when there is none. */
  hours: (atMs: number) => number | null;
  /** Why `hours(atMs)` is null (undefined when it is not). */
  note: (atMs: number) => string | undefined;
}

/** The age of the newest data version of `datasets` at a time, and why it is unknown when it is. */
export async function dataAgeFunction(store: Store, datasets: readonly string[]): Promise<DataAge> {
  const versions: { t: number; label: string }[] = [];
  for (const d of datasets) {
    const { items } = await store.listDataVersions(d).catch(() => ({ items: [] }));
    for (const v of items) { const t = Date.parse(v.createdAt); if (Number.isFinite(t)) { versions.push({ t, label: `${v.dataset}@${v.id}` }); } }
  }
  versions.sort((a, b) => a.t - b.t);
  /** How many versions were created by `atMs`. */
  const countBy = (atMs: number): number => {
    let lo = 0, hi = versions.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (versions[mid].t <= atMs) { lo = mid + 1; } else { hi = mid; } }
    return lo;
  };
  return {
    hours: (atMs) => { const n = countBy(atMs); return n === 0 ? null : (atMs - versions[n - 1].t) / 3_600_000; },
    note: (atMs) => {
      if (countBy(atMs) > 0) { return undefined; }
      if (versions.length === 0) { return datasets.length === 0 ? 'the model\'s run used no data version' : `no data version of ${datasets.join(', ')} is known`; }
      const newest = versions[versions.length - 1];
      return `no data version existed at the window's end (newest: ${newest.label}, tagged ${new Date(newest.t).toISOString()})`;
    },
  };
}

/**
 * A training column as every window is tested against it: a number column with many distinct values is tested on
 * its stored sample (every value while the column has ≤ 10,000) rather than on its value counts, which would be
 * parsed back from text for every window and column.
 */
function forWindows(c: ColumnProfile): ColumnProfile {
  const v = c as Partial<ColumnProfile>;
  if ((v.type === 'integer' || v.type === 'float') && v.values?.complete && Array.isArray(v.values.counts) && v.values.counts.length > 1000 && (v.numeric?.sample?.length ?? 0) > 0) {
    return { ...c, values: { complete: false, counts: [] } };
  }
  return c;
}

/** Training files already read, by profile path: the view refreshes often, and a profile can be megabytes. */
const memo = new Map<string, { mtimeMs: number; size: number; file: FileProfile | undefined }>();
const MEMO_ENTRIES = 8;

/**
 * The first tabular file of a data version's profile, as windows are tested against it (`forWindows`), or
 * undefined when there is none. Read with a plain JSON parse and only that file validated: validating the whole
 * profile (every column's sample and value counts) doubles the memory of a read that is otherwise ~12 MB for
 * 20 columns of 10,000 rows.
 */
async function trainingFile(store: Store, dataset: string, versionId: string): Promise<FileProfile | undefined> {
  let abs: string;
  try { abs = store.dataProfileFile(dataset, versionId); } catch { return undefined; }
  const st = await fsp.stat(abs).catch(() => undefined);
  if (!st?.isFile()) { return undefined; }
  const hit = memo.get(abs);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) { return hit.file; }
  let file: FileProfile | undefined;
  try {
    // Never through a link out of the store.
    if (!(await store.guard.isInside(await fsp.realpath(abs)))) { return undefined; }
    const raw = JSON.parse(await fsp.readFile(abs, 'utf8')) as { dataset?: unknown; versionId?: unknown; files?: unknown };
    if (raw.dataset === dataset && raw.versionId === versionId && Array.isArray(raw.files)) {
      const first = (raw.files as { error?: unknown; columns?: unknown }[]).find((f) => typeof f === 'object' && f !== null && f.error === undefined && Array.isArray(f.columns) && f.columns.length > 0);
      const parsed = first ? FileProfileSchema.safeParse({ ...first, columns: (first.columns as ColumnProfile[]).map(forWindows) }) : undefined;
      file = parsed?.success ? parsed.data : undefined;
    }
  } catch { file = undefined; }
  if (memo.size >= MEMO_ENTRIES) { memo.delete(memo.keys().next().value!); }
  memo.set(abs, { mtimeMs: st.mtimeMs, size: st.size, file });
  return file;
}
