/**
 * Artifact locations as MLflow recorded them, usually on another machine: `file:///C:/Users/…`, `/Users/…`,
 * WSL's `/mnt/c/…`, `%20`-encoded, doubled slashes (`logs//mlruns`), `mlflow-artifacts:/…` (a tracking server's
 * artifact store, `./mlartifacts` by default), `runs:/<run id>/path`. The recorded text is always kept; the files
 * are looked for here by taking the part after `mlruns/` (or from the experiment id / run id segments on) and
 * joining it onto the store's folder.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

export interface ResolvedArtifact {
  /** Exactly as MLflow recorded it. */
  recorded: string;
  /** An absolute path here where the files are, when they are. */
  local?: string;
}

const RUN_ID = /^[0-9a-f]{32}$/;
const EXP_ID = /^\d+$/;
const REMOTE = /^(s3|s3a|gs|wasbs?|abfss?|hdfs|dbfs|ftp|sftp|https?|models|uc|viewfs|oss|r2):/i;

/** `file:` URI or a plain path → the path's segments (percent-decoded, `\` and doubled `/` folded). */
function pathSegments(uri: string): { segments: string[]; absolute: string | undefined } | undefined {
  let p = uri;
  if (/^file:/i.test(p)) {
    p = p.replace(/^file:(\/\/[^/]*)?/i, ''); // file:///x, file://host/x, file:/x
    if (/^\/[A-Za-z]:/.test(p)) { p = p.slice(1); } // /C:/Users → C:/Users
    try { p = decodeURIComponent(p); } catch { /* a stray % stays as it is */ }
  } else if (/%[0-9A-Fa-f]{2}/.test(p)) {
    try { p = decodeURIComponent(p); } catch { /* keep */ }
  }
  p = p.replace(/\\/g, '/');
  const segments = p.split('/').filter((s) => s !== '' && s !== '.');
  const absolute = p.startsWith('/') || /^[A-Za-z]:\//.test(p) ? p.replace(/\/{2,}/g, '/') : undefined;
  return { segments, absolute };
}

/** Where the store's runs are: the `mlruns` folder itself, or for a `.db` the folders MLflow puts artifacts in next to it. */
function storeRoots(storePath: string, isDb: boolean): { runsRoots: string[]; base: string } {
  if (isDb) {
    const base = path.dirname(storePath);
    return { runsRoots: [path.join(base, 'mlruns'), path.join(base, 'mlartifacts')], base };
  }
  const base = path.dirname(storePath);
  return { runsRoots: [storePath, path.join(base, 'mlartifacts')], base };
}

/**
 * The places the files of `uri` can be here, most likely first (nothing is checked on disk). `storePath` is the
 * `mlruns` folder or the `.db` file.
 */
export function artifactCandidates(uri: string, storePath: string, isDb = /\.db$/i.test(storePath)): string[] {
  const { runsRoots, base } = storeRoots(storePath, isDb);
  const out: string[] = [];
  const add = (p: string): void => { if (!out.includes(p)) { out.push(p); } };
  if (/^runs:/i.test(uri)) {
    return out; // needs the run's folder: resolveArtifactUri looks it up
  }
  let rest = uri;
  const server = /^mlflow-artifacts:(\/\/[^/]*)?(\/.*)?$/i.exec(uri);
  if (server) {
    rest = server[2] ?? '/';
    const segs = pathSegments(rest)?.segments ?? [];
    add(path.join(base, 'mlartifacts', ...segs));
  } else if (REMOTE.test(uri)) {
    return out;
  }
  const parsed = pathSegments(rest);
  if (!parsed) { return out; }
  const { segments, absolute } = parsed;
  if (!server && absolute !== undefined && path.isAbsolute(absolute)) { add(path.normalize(absolute)); }
  if (!server && absolute === undefined && segments.length > 0) { add(path.join(base, ...segments)); }
  const m = segments.lastIndexOf('mlruns');
  if (m >= 0) {
    for (const r of runsRoots.slice(0, 1)) { add(path.join(r, ...segments.slice(m + 1))); }
  }
  // From the experiment id / run id on: …/<root name>/<exp id>/<run id>/artifacts/…, or an experiment's own folder.
  let e = -1;
  for (let i = segments.length - 2; i >= 0; i--) {
    if (EXP_ID.test(segments[i]) && RUN_ID.test(segments[i + 1])) { e = i; break; }
  }
  if (e < 0 && segments.length > 0 && EXP_ID.test(segments[segments.length - 1])) { e = segments.length - 1; }
  if (e >= 0) {
    const tail = segments.slice(e);
    for (const r of runsRoots) { add(path.join(r, ...tail)); }
    if (e > 0) { add(path.join(base, segments[e - 1], ...tail)); }
  }
  return out;
}

async function exists(p: string): Promise<boolean> {
  try { await fsp.stat(p); return true; } catch { return false; }
}

/** `runs:/<id>/<path>`: the run's folder under one of the store's roots, then `artifacts/<path>`. */
async function runsUriCandidates(uri: string, storePath: string, isDb: boolean): Promise<string[]> {
  const m = /^runs:\/*([^/]+)\/?(.*)$/i.exec(uri);
  if (!m) { return []; }
  const [, runId, rel] = m;
  const relSegs = rel.split('/').filter((s) => s !== '' && s !== '.');
  const out: string[] = [];
  for (const root of storeRoots(storePath, isDb).runsRoots) {
    const expDirs: string[] = [];
    for (const parent of [root, path.join(root, '.trash')]) {
      let names: string[];
      try { names = await fsp.readdir(parent); } catch { continue; }
      for (const n of names) { if (EXP_ID.test(n)) { expDirs.push(path.join(parent, n)); } }
    }
    for (const expDir of expDirs) {
      const runDir = path.join(expDir, runId);
      if (await exists(runDir)) { out.push(path.join(runDir, 'artifacts', ...relSegs)); }
    }
  }
  return out;
}

/**
 * The recorded artifact location and, when the files are here, where. Never throws; a location that names no
 * file here (another machine, a remote store) gives `local` undefined.
 */
export async function resolveArtifactUri(uri: string, storePath: string): Promise<ResolvedArtifact> {
  const recorded = uri;
  let isDb = /\.db$/i.test(storePath);
  try { isDb = (await fsp.stat(storePath)).isFile(); } catch { /* keep the guess from the name */ }
  const candidates = /^runs:/i.test(uri) ? await runsUriCandidates(uri, storePath, isDb) : artifactCandidates(uri, storePath, isDb);
  for (const c of candidates) {
    if (await exists(c)) { return { recorded, local: c }; }
  }
  return { recorded };
}
