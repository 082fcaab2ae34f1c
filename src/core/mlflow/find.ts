/**
 * Where MLflow stores are in a folder: `mlruns/` folders that hold an experiment or a registry, and SQLite stores
 * by name (`mlflow.db`, `mlruns.db`, also inside an `mlruns/` folder). Only reads directory listings; symbolic links
 * to folders are not followed (no loops), and a found `mlruns/` is not searched further.
 */
import { promises as fsp, type Dirent } from 'node:fs';
import * as path from 'node:path';
import type { MlflowStoreKind, MlflowStoreRef } from './types';

export interface FindMlflowOptions {
  /** How many folder levels below `root` a store may be (default 3: `a/b/mlruns`); node_modules, .git, virtualenvs and `.mlops` are skipped. */
  maxDepth?: number;
}

const DB_NAMES = new Set(['mlflow.db', 'mlruns.db']);
/** Never searched: dependencies, VCS data, our own store, MLflow's artifact folder, editor/notebook caches. */
const SKIP = new Set(['node_modules', '.git', '.hg', '.svn', '.mlops', 'mlartifacts', '__pycache__', '.ipynb_checkpoints']);
/** Virtualenv folder names: skipped when they hold `pyvenv.cfg`. */
const VENV = new Set(['.venv', 'venv', 'env']);

async function entries(dir: string): Promise<Dirent[]> {
  try {
    return await fsp.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

async function isDir(p: string): Promise<boolean> {
  try { return (await fsp.stat(p)).isDirectory(); } catch { return false; }
}

async function isFile(p: string): Promise<boolean> {
  try { return (await fsp.stat(p)).isFile(); } catch { return false; }
}

/**
 * Whether `dir` is a file store: a child folder with a `meta.yaml` (an experiment; `.trash/<id>/meta.yaml` counts)
 * or a registry (`models/<name>/meta.yaml`). A folder not named `mlruns` needs a numeric experiment folder: a
 * project's own `models/` or `data/` with a meta.yaml inside does not make the project an MLflow store.
 */
export async function isFileStore(dir: string): Promise<boolean> {
  const named = path.basename(dir) === 'mlruns';
  const es = await entries(dir);
  for (const e of es) {
    if (!e.isDirectory()) { continue; }
    if (!named && !/^\d+$/.test(e.name)) { continue; }
    if (e.name === 'models') {
      for (const m of await entries(path.join(dir, e.name))) {
        if (m.isDirectory() && await isFile(path.join(dir, e.name, m.name, 'meta.yaml'))) { return true; }
      }
      continue;
    }
    if (e.name === '.trash') {
      for (const t of await entries(path.join(dir, e.name))) {
        if (t.isDirectory() && await isFile(path.join(dir, e.name, t.name, 'meta.yaml'))) { return true; }
      }
      continue;
    }
    if (await isFile(path.join(dir, e.name, 'meta.yaml'))) { return true; }
  }
  return false;
}

/** `MLflow — mlruns`, `MLflow — logs/mlruns`, `MLflow — mlflow.db`: the store's path relative to the root. */
export function mlflowRef(kind: MlflowStoreKind, abs: string, root: string): MlflowStoreRef {
  const rel = path.relative(root, abs);
  const shown = rel === '' ? path.basename(abs) : rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel.split(path.sep).join('/');
  return { kind, path: abs, root, label: `MLflow — ${shown}`, key: `mlflow:${kind}:${abs}` };
}

/**
 * MLflow stores in a folder: `mlruns/` folders holding experiments or a registry, and SQLite stores named
 * `mlflow.db` / `mlruns.db` (also inside an `mlruns/` folder; the name decides, the reader reports a file that is
 * not MLflow's). Sorted by path.
 */
export async function findMlflowStores(root: string, opts: FindMlflowOptions = {}): Promise<MlflowStoreRef[]> {
  const maxDepth = opts.maxDepth ?? 3;
  const absRoot = path.resolve(root);
  const out: MlflowStoreRef[] = [];
  const visit = async (dir: string, depth: number): Promise<void> => {
    const es = await entries(dir);
    const subdirs: string[] = [];
    for (const e of es) {
      const abs = path.join(dir, e.name);
      if (DB_NAMES.has(e.name) && (e.isFile() || (e.isSymbolicLink() && await isFile(abs)))) {
        out.push(mlflowRef('sqlite', abs, absRoot));
        continue;
      }
      // A symbolic link named mlruns (`mlruns -> /data/mlruns`) is followed: only that one, and not inside it.
      const linkedStore = e.isSymbolicLink() && e.name === 'mlruns' && await isDir(abs);
      if ((!e.isDirectory() && !linkedStore) || SKIP.has(e.name)) { continue; }
      if (VENV.has(e.name) && await isFile(path.join(abs, 'pyvenv.cfg'))) { continue; }
      if (e.name === 'mlruns') {
        // A SQLite store kept inside mlruns/ (MLflow 3's default layout puts mlflow.db next to it, some projects inside).
        for (const m of await entries(abs)) {
          if (DB_NAMES.has(m.name) && m.isFile()) { out.push(mlflowRef('sqlite', path.join(abs, m.name), absRoot)); }
        }
        if (await isFileStore(abs)) {
          out.push(mlflowRef('file', abs, absRoot));
          continue; // its experiments are not searched for more stores
        }
        continue; // an mlruns/ without experiments holds nothing more to find (its db files were listed above)
      }
      subdirs.push(abs);
    }
    if (depth >= maxDepth) { return; }
    for (const s of subdirs) { await visit(s, depth + 1); }
  };
  if (await isFileStore(absRoot)) {
    // The workspace folder is an `mlruns` itself (opened on its own): it is the store, with any db kept inside it.
    for (const m of await entries(absRoot)) {
      if (DB_NAMES.has(m.name) && m.isFile()) { out.push(mlflowRef('sqlite', path.join(absRoot, m.name), absRoot)); }
    }
    out.push(mlflowRef('file', absRoot, absRoot));
  } else {
    await visit(absRoot, 0);
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.kind < b.kind ? -1 : 1));
}

/**
 * A store given by path (the CLI's `PATH`, relative to `root`): a folder that is a file store (any name), a `.db`
 * file, or a folder holding exactly one store. Rejects with what was found otherwise.
 */
export async function mlflowStoreAt(p: string, root: string): Promise<MlflowStoreRef> {
  const absRoot = path.resolve(root);
  const abs = path.resolve(absRoot, p);
  let st;
  try {
    st = await fsp.stat(abs);
  } catch {
    throw new Error(`${p}: no such file or folder`);
  }
  if (st.isFile()) {
    return mlflowRef('sqlite', abs, absRoot);
  }
  if (!st.isDirectory()) { throw new Error(`${p}: not a folder or a file`); }
  if (await isFileStore(abs)) { return mlflowRef('file', abs, absRoot); }
  const found = await findMlflowStores(abs);
  if (found.length === 1) { return mlflowRef(found[0].kind, found[0].path, absRoot); }
  if (found.length === 0) {
    throw new Error(`${p}: no MLflow store here (an mlruns/ folder with experiments, or an mlflow.db file)`);
  }
  const list = found.map((f) => path.relative(absRoot, f.path).split(path.sep).join('/') || f.path).join(', ');
  throw new Error(`${p}: ${found.length} MLflow stores here (${list}); give one of them`);
}
