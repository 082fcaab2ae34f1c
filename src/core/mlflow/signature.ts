/**
 * A cheap fingerprint of what changes in an MLflow store while something trains: a few `stat` calls, no file read.
 * The editor compares it every few seconds as a fallback for file events, which do not arrive on every file system
 * (WSL's `/mnt/c`, network and container mounts) and which the editor's watcher can drop while it restarts.
 *
 * File store: the `mlruns` folder, each active experiment's folder (a new run folder changes its mtime) and
 * meta.yaml, the registry folder, and for every run still running its meta.yaml and the files under `metrics/`,
 * `params/` and `tags/` (metric lines are appended there). SQLite: the db file and its `-wal` / `-journal`.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { MlflowExperiment, MlflowRunHeader, MlflowStoreRef } from './types';

async function statPart(p: string): Promise<string> {
  try {
    const s = await fsp.stat(p);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return '-';
  }
}

/** Every file below `dir` (sub-folders for metric keys with `/`), with mtime and size; bounded. */
async function folderPart(dir: string, out: string[], budget: { left: number }): Promise<void> {
  let entries;
  try { entries = await fsp.readdir(dir, { withFileTypes: true }); } catch { out.push(`${dir}:-`); return; }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (budget.left-- <= 0) { return; }
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { await folderPart(p, out, budget); } else if (e.isFile()) { out.push(`${p}=${await statPart(p)}`); }
  }
}

/** At most this many files are looked at per poll: a store with thousands of running runs is left to file events. */
const MAX_FILES = 2000;

export async function storeSignature(ref: MlflowStoreRef, experiments: readonly MlflowExperiment[], runs: readonly MlflowRunHeader[]): Promise<string> {
  if (ref.kind === 'sqlite') {
    return (await Promise.all([ref.path, `${ref.path}-wal`, `${ref.path}-journal`].map(statPart))).join('|');
  }
  const parts: string[] = [`root=${await statPart(ref.path)}`, `models=${await statPart(path.join(ref.path, 'models'))}`];
  for (const e of experiments) {
    if (e.lifecycle !== 'active') { continue; }
    const dir = path.join(ref.path, e.id);
    parts.push(`${e.id}=${await statPart(dir)}/${await statPart(path.join(dir, 'meta.yaml'))}`);
  }
  const budget = { left: MAX_FILES };
  for (const r of runs) {
    if ((r.status !== 'running' && r.status !== 'scheduled') || r.lifecycle !== 'active') { continue; }
    const dir = path.join(ref.path, r.experimentId, r.id);
    parts.push(`${r.id}=${await statPart(path.join(dir, 'meta.yaml'))}`);
    for (const sub of ['metrics', 'params', 'tags']) { await folderPart(path.join(dir, sub), parts, budget); }
    if (budget.left <= 0) { break; }
  }
  return parts.join('\n');
}
