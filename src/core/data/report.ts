/**
 * Comparing two data versions (of one dataset, or of two datasets that are sources of the same data) from their
 * stored profiles: drift between them and the discrepancies a person must decide about. Nothing re-reads the data.
 */
import { parse as parseJsonc } from 'jsonc-parser';
import { MlopsError } from '../errors';
import { parseDataRef } from '../input';
import type { Store } from '../store/store';
import type { DataVersion } from '../store/schemas';
import { driftBetween, driftOptionsFrom } from './drift';
import type { DriftOptions, DriftReport } from './drift/types';
import type { DataProfile, FileProfile } from './profile/schema';
import { compareSources } from './sources';
import type { SourceComparison } from './sources/types';

export interface ResolvedProfile {
  version: DataVersion;
  profile: DataProfile;
}

export const versionLabel = (v: DataVersion): string => `${v.dataset}:${v.tags[0] ?? v.id.slice(-6)}`;

/** `DATASET[:VERSION_OR_TAG]` to the version and its stored profile; a clear error when it has none. */
export async function resolveProfile(store: Store, ref: string): Promise<ResolvedProfile> {
  const { dataset, ref: versionRef } = parseDataRef(ref);
  const version = await store.resolveDataVersion(dataset, versionRef);
  const parsed = await store.readDataProfile(dataset, version.id);
  if (!parsed.ok) {
    if (parsed.missing) {
      throw new MlopsError(`${dataset} version ${version.id} has no profile yet (tagged before profiles existed, or with profiling off); make it with 'mlops data profile ${dataset}:${version.id}'`, 'not-found');
    }
    throw new MlopsError(`${parsed.problem.file}: ${parsed.problem.reason}`, 'corrupt');
  }
  return { version, profile: parsed.value };
}

/**
 * The file of each side to compare: the only profiled file of each, else the file `path` names, else the first path
 * both versions have. The error lists the choices.
 */
export function pickFiles(a: DataProfile, b: DataProfile, path?: string): { a: FileProfile; b: FileProfile } {
  const usable = (p: DataProfile) => p.files;
  const fa = usable(a);
  const fb = usable(b);
  if (!fa.length || !fb.length) {
    const empty = !fa.length ? a : b;
    throw new MlopsError(`${empty.dataset} version ${empty.versionId} has no tabular file (CSV, TSV, JSON Lines or Parquet) to compare`, 'not-found');
  }
  if (path !== undefined) {
    const x = fa.find((f) => f.path === path);
    const y = fb.find((f) => f.path === path);
    if (!x || !y) { throw new MlopsError(`file '${path}' is not in both versions; they share: ${shared(fa, fb).join(', ') || '(no file path)'}`, 'not-found'); }
    return { a: x, b: y };
  }
  if (fa.length === 1 && fb.length === 1) { return { a: fa[0], b: fb[0] }; }
  const common = shared(fa, fb);
  if (!common.length) { throw new MlopsError(`the two versions have several files and none with the same path; pick one with --file (A: ${fa.slice(0, 5).map((f) => f.path).join(', ')}; B: ${fb.slice(0, 5).map((f) => f.path).join(', ')})`, 'invalid-input'); }
  return { a: fa.find((f) => f.path === common[0])!, b: fb.find((f) => f.path === common[0])! };
}

function shared(fa: FileProfile[], fb: FileProfile[]): string[] {
  const inB = new Set(fb.map((f) => f.path));
  return fa.map((f) => f.path).filter((p) => inB.has(p));
}

/** Drift options: goals.json `drift`, else policy.json `drift`, else the defaults; overridden by `opts`. */
export async function driftOptions(store: Store, override: Partial<DriftOptions> = {}): Promise<{ options: DriftOptions; problems: string[] }> {
  const goals = await store.goals.read().catch(() => undefined);
  // `drift` is read from the file's own text: the goals reader keeps only the sections it knows.
  const parsed: unknown = goals?.exists ? parseJsonc(goals.text.charCodeAt(0) === 0xfeff ? goals.text.slice(1) : goals.text) : undefined;
  let raw = parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.hasOwn(parsed, 'drift') ? (parsed as { drift: unknown }).drift : undefined;
  if (raw === undefined) {
    const policy = await store.readPolicy().catch(() => undefined);
    raw = (policy as Record<string, unknown> | undefined)?.drift;
  }
  const read = driftOptionsFrom(raw);
  return { options: { ...read.options, ...override }, problems: read.problems };
}

export interface DataComparison {
  a: DataVersion;
  b: DataVersion;
  drift: DriftReport;
  sources: SourceComparison;
  /** Problems reading the drift settings. */
  problems: string[];
}

export async function compareData(store: Store, refA: string, refB: string, opts: { drift?: Partial<DriftOptions>; file?: string } = {}): Promise<DataComparison> {
  const [a, b] = await Promise.all([resolveProfile(store, refA), resolveProfile(store, refB)]);
  const files = pickFiles(a.profile, b.profile, opts.file);
  const { options, problems } = await driftOptions(store, opts.drift);
  const la = versionLabel(a.version);
  const lb = versionLabel(b.version);
  const sources = compareSources(files.a, files.b, { a: la, b: lb });
  return { a: a.version, b: b.version, drift: driftAligned(files.a, files.b, sources, options, { reference: la, current: lb }), sources, problems };
}

/**
 * Drift between two sources whose column names differ only in case or punctuation (`Pclass` / `pclass`): the
 * current side's columns are tested under the reference's names, and each such column says so in its notes.
 */
export function driftAligned(a: FileProfile, b: FileProfile, sources: SourceComparison, options: DriftOptions, labels: { reference: string; current: string }): DriftReport {
  const renamed = new Map<string, string>();
  for (const c of sources.columns) {
    if (c.a !== undefined && c.b !== undefined && c.a !== c.b && c.how === 'normalized') { renamed.set(c.b, c.a); }
  }
  if (!renamed.size) { return driftBetween(a, b, options, labels); }
  const taken = new Set(b.columns.map((c) => c.name));
  const usable = [...renamed].filter(([, to]) => !taken.has(to));
  const map = new Map(usable);
  const report = driftBetween(a, { ...b, columns: b.columns.map((c) => (map.has(c.name) ? { ...c, name: map.get(c.name)! } : c)) }, options, labels);
  const back = new Map(usable.map(([from, to]) => [to, from]));
  for (const col of report.columns) {
    const from = back.get(col.column);
    if (from !== undefined) { col.notes = [...(col.notes ?? []), `compared with '${from}' of ${labels.current} (the same name but for case or punctuation)`]; }
  }
  return report;
}
