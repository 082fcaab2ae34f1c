/**
 * Open Analysis: an exploratory Jupyter notebook comparing the data a model version was trained on (the reference)
 * with the newest version of that dataset and with the production inputs its server logged. What can be computed
 * from the stored profiles is written as tables now (drift per column, a profile comparison), so the notebook is
 * useful before anything runs; the code cells load the data with pandas, describe it, draw per-column histograms
 * with matplotlib and test drift with scipy — each guarded, printing what to install when a library is missing.
 *
 * Written to `analysis/retrain-<model>-<yyyymmdd-hhmm>.ipynb` in the workspace, never over an existing file
 * (`-2`, `-3` … instead) and never outside the workspace (an `analysis` link that leads out is refused).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { MlopsError } from '../errors';
import { emptyGoals } from '../goals/document';
import { driftBetween } from '../data/drift';
import type { DriftReport } from '../data/drift/types';
import type { ColumnProfile, DataProfile, FileProfile } from '../data/profile/schema';
import { driftOptions, pickFiles, versionLabel } from '../data/report';
import { formatQuantity } from '../monitor/alerts';
import { monitoredVersion } from '../monitor/reference';
import { cachedMonitorReport } from '../monitor/report';
import type { WindowDrift } from '../monitor/types';
import { createFileExclusive, isErrno } from '../store/fsutil';
import type { DataVersion } from '../store/schemas';
import type { Store } from '../store/store';
import type { RetrainDecision, TriggerEvaluation } from './types';

/** One side of the comparison as the code cells load it. */
interface Side {
  label: string;
  /** Workspace-relative (POSIX) or absolute path of the tabular file, or null when there is none to load. */
  path: string | null;
  sha256: string | null;
}

interface Resolved {
  version: DataVersion;
  profile?: DataProfile;
}

const MAX_TABLE_COLUMNS = 200;

/** Text for a Markdown table cell or line: no line breaks, and Markdown/HTML characters shown as themselves. */
function md(s: string): string {
  return s.replace(/\r?\n|\r/g, ' ').replace(/[\\`*_[\]|<>#]/g, (c) => `\\${c}`);
}

const num = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '-' : formatQuantity(v));

function stamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
}

/** The data version's tabular file to load: the source when it is a file, else the profiled file inside it. */
async function sideOf(store: Store, r: Resolved | undefined, file: FileProfile | undefined): Promise<Side | null> {
  if (!r) { return null; }
  const v = r.version;
  const label = `${versionLabel(v)} (${v.id})`;
  const abs = path.isAbsolute(v.source) ? v.source : path.join(store.root, ...v.source.split('/'));
  const st = await fsp.stat(abs).catch(() => undefined);
  if (st?.isFile()) { return { label, path: v.source, sha256: file?.sha256 ?? null }; }
  if (file) { return { label, path: path.isAbsolute(v.source) ? path.join(v.source, file.path) : path.posix.join(v.source, file.path), sha256: file.sha256 ?? null }; }
  return { label, path: null, sha256: null };
}

function firstTabular(p: DataProfile | undefined): FileProfile | undefined {
  return p?.files.find((f) => !f.error && f.columns.length > 0);
}

function driftTable(r: DriftReport): string[] {
  const out = [
    `Dataset drift: **${r.dataset.class}** — ${r.dataset.drifted} of ${r.dataset.columns} columns drifted (share ${num(r.dataset.share)}; dataset drift at ≥ ${num(r.dataset.driftShare)}).`,
    '',
    '| column | test | score | threshold | drifted | class | PSI |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const c of r.columns.slice(0, MAX_TABLE_COLUMNS)) {
    out.push(`| ${md(c.column)} | ${c.test} | ${num(c.score)} | ${num(c.threshold)} | ${c.drifted ? '**yes**' : 'no'} | ${c.class} | ${num(c.psi.value)} |`);
  }
  if (r.columns.length > MAX_TABLE_COLUMNS) { out.push('', `(${r.columns.length - MAX_TABLE_COLUMNS} more columns not shown)`); }
  for (const s of r.skipped) { out.push('', `Not tested: ${md(s.column)} — ${md(s.reason)}`); }
  if (r.onlyInReference.length) { out.push('', `Only in the reference: ${r.onlyInReference.map(md).join(', ')}`); }
  if (r.onlyInCurrent.length) { out.push('', `Only in the current data: ${r.onlyInCurrent.map(md).join(', ')}`); }
  return out;
}

function windowDriftTable(d: WindowDrift, start: string): string[] {
  const out = [
    `Latest complete monitoring window (from ${start}) against ${md(d.reference)}: **${d.class}** — ${d.drifted} of ${d.columns} columns drifted (share ${num(d.share)}).`,
    '',
    '| column | test | score | threshold | drifted | class |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const c of d.byColumn.slice(0, MAX_TABLE_COLUMNS)) {
    out.push(`| ${md(c.column)} | ${c.test} | ${num(c.score)} | ${num(c.threshold)} | ${c.drifted ? '**yes**' : 'no'} | ${c.class} |`);
  }
  for (const s of d.skipped ?? []) { out.push('', `Not tested: ${md(s.column)} — ${md(s.reason)}`); }
  return out;
}

function describeColumn(c: ColumnProfile | undefined): { type: string; missing: string; stats: string } {
  if (!c) { return { type: '—', missing: '—', stats: '(absent)' }; }
  const total = c.count + c.missing;
  const missing = total ? `${formatQuantity((c.missing / total) * 100)}%` : '-';
  if (c.numeric) {
    const n = c.numeric;
    const median = n.quantiles.find((q) => q.q === 0.5)?.value;
    return { type: c.type, missing, stats: `mean ${num(n.mean)}, std ${num(n.std)}, min ${num(n.min)}, median ${num(median)}, max ${num(n.max)}` };
  }
  const top = c.top.slice(0, 3).map((t) => `${md(t.value)} (${total ? formatQuantity((t.count / total) * 100) : '-'}%)`).join(', ');
  return { type: c.type, missing, stats: `${c.distinct} distinct${top ? `; top ${top}` : ''}` };
}

function profileTable(ref: FileProfile, cur: FileProfile | undefined): string[] {
  const out = [
    `Reference: ${ref.rows} rows${cur ? `; current: ${cur.rows} rows` : ''}.`,
    '',
    cur ? '| column | type | missing | reference | current |' : '| column | type | missing | reference |',
    cur ? '| --- | --- | --- | --- | --- |' : '| --- | --- | --- | --- |',
  ];
  const names = [...new Set([...ref.columns.map((c) => c.name), ...(cur?.columns.map((c) => c.name) ?? [])])];
  for (const name of names.slice(0, MAX_TABLE_COLUMNS)) {
    const a = describeColumn(ref.columns.find((c) => c.name === name));
    if (!cur) { out.push(`| ${md(name)} | ${a.type} | ${a.missing} | ${a.stats} |`); continue; }
    const b = describeColumn(cur.columns.find((c) => c.name === name));
    const type = a.type === b.type ? a.type : `${a.type} → ${b.type}`;
    const missing = a.missing === b.missing ? a.missing : `${a.missing} → ${b.missing}`;
    out.push(`| ${md(name)} | ${type} | ${missing} | ${a.stats} | ${b.stats} |`);
  }
  return out;
}

/** Python source of a value: JSON string literals, numbers, None. */
const py = (v: string | null): string => (v === null ? 'None' : JSON.stringify(v));
const pySide = (s: Side | null): string => (s ? `{"label": ${py(s.label)}, "path": ${py(s.path)}, "sha256": ${py(s.sha256)}}` : 'None');

function codeCells(o: { root: string; model: string; label: string | null; reference: Side | null; current: Side | null }): string[] {
  const setup = `# Where the data is. The workspace is found from the notebook's folder (else the path it was written in).
import hashlib, json, re
from pathlib import Path

ROOT = next((p for p in [Path.cwd(), *Path.cwd().parents] if (p / ".mlops" / "mlops.json").is_file()), Path(${py(o.root)}))
MODEL = ${py(o.model)}
LABEL = ${py(o.label)}  # the ground-truth column (goals.json monitoring.label): not a model input
REFERENCE = ${pySide(o.reference)}
CURRENT = ${pySide(o.current)}
LOG_DIR = ROOT / ".mlops" / "monitoring" / MODEL

try:
    import pandas as pd
except ImportError:
    pd = None
    print("pandas is not installed: pip install pandas  (the tables above were computed when this notebook was written)")

try:
    from IPython.display import display
except ImportError:
    def display(x):
        print(x.to_string() if hasattr(x, "to_string") else x)`;

  const load = `# Load the reference (training) data, the current data version and the production inputs the server logged.
def _path(p):
    p = Path(p)
    return p if p.is_absolute() else ROOT / p

def _sha256(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()

def load_version(side):
    if side is None or side["path"] is None:
        return None
    p = _path(side["path"])
    if not p.is_file():
        print(f"{side['label']}: {p} is not there any more")
        return None
    if side["sha256"] and _sha256(p) != side["sha256"]:
        print(f"warning: {p} changed since {side['label']} was tagged; this is its content today")
    suffix = p.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(p)
    if suffix in (".jsonl", ".ndjson"):
        return pd.read_json(p, lines=True)
    return pd.read_csv(p, sep="\\t" if suffix == ".tsv" else ",")

def load_production():
    records = []
    files = sorted(LOG_DIR.glob("*.jsonl")) if LOG_DIR.is_dir() else []
    for f in files:
        if not re.fullmatch(r"\\d{4}-\\d{2}-\\d{2}\\.jsonl", f.name):
            continue
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue  # a torn line
                if isinstance(rec, dict) and rec.get("kind") == "prediction" and isinstance(rec.get("inputs"), list):
                    records.extend(r for r in rec["inputs"] if isinstance(r, dict))
    return pd.DataFrame(records) if records else None

frames = {}
if pd is not None:
    for name, side in (("reference", REFERENCE), ("current", CURRENT)):
        df = load_version(side)
        if df is not None:
            frames[name] = df
    production = load_production()
    if production is not None:
        frames["production"] = production
    for name, df in frames.items():
        print(f"{name}: {len(df)} rows, {len(df.columns)} columns")
    if "production" not in frames:
        print("no production inputs logged (mlops serve logs them unless goals.json monitoring.logInputs is hash or drop)")`;

  const describe = `# Each side described: counts, means, spread, most frequent values.
if pd is not None:
    for name, df in frames.items():
        print(f"== {name}")
        display(df.describe(include="all").transpose())`;

  const histograms = `# Per-column histograms (numbers) and category shares (text), reference against the current data and production.
try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    print("matplotlib is not installed: pip install matplotlib")

def features():
    ref = frames.get("reference")
    if ref is None:
        return []
    return [c for c in ref.columns if c != LABEL and any(c in frames[n].columns for n in frames if n != "reference")]

if pd is not None and plt is not None:
    for col in features():
        sides = {n: frames[n][col].dropna() for n in frames if col in frames[n].columns}
        fig, ax = plt.subplots(figsize=(7, 3))
        numeric = {n: pd.to_numeric(s, errors="coerce").dropna() for n, s in sides.items()}
        if pd.api.types.is_numeric_dtype(sides["reference"]) and all(len(s) for s in numeric.values()):
            lo = min(s.min() for s in numeric.values())
            hi = max(s.max() for s in numeric.values())
            for n, s in numeric.items():
                ax.hist(s, bins=30, range=(lo, hi if hi > lo else lo + 1), density=True, alpha=0.5, label=n)
        else:
            shares = pd.DataFrame({n: s.astype(str).value_counts(normalize=True) for n, s in sides.items()}).fillna(0)
            shares.sort_values(shares.columns[0], ascending=False).head(20).plot.bar(ax=ax)
        ax.set_title(str(col))
        ax.legend()
        plt.show()
        plt.close(fig)`;

  const drift = `# Drift per column with scipy: Kolmogorov-Smirnov for numbers, chi-square for categories (p < 0.05: drifted).
try:
    from scipy import stats
except ImportError:
    stats = None
    print("scipy is not installed: pip install scipy")

if pd is not None and stats is not None and "reference" in frames:
    rows = []
    ref = frames["reference"]
    for other in ("current", "production"):
        if other not in frames:
            continue
        cur = frames[other]
        for col in ref.columns:
            if col == LABEL or col not in cur.columns:
                continue
            a, b = ref[col].dropna(), cur[col].dropna()
            if len(a) == 0 or len(b) == 0:
                continue
            b_num = pd.to_numeric(b, errors="coerce").dropna()
            if pd.api.types.is_numeric_dtype(a) and len(b_num) == len(b):
                test, p = "ks", stats.ks_2samp(a, b_num).pvalue
            else:
                counts = pd.DataFrame({"reference": a.astype(str).value_counts(), other: b.astype(str).value_counts()}).fillna(0)
                test, p = "chi-square", (stats.chi2_contingency(counts.T.values)[1] if len(counts) > 1 else 1.0)
            rows.append({"compared": f"reference vs {other}", "column": col, "test": test, "p_value": float(p), "drifted": bool(p < 0.05)})
    drift_table = pd.DataFrame(rows)
    display(drift_table if len(drift_table) else "nothing to compare: no current data or production inputs with the reference's columns")`;
  return [setup, load, describe, histograms, drift];
}

/** `analysis/` in the workspace, created when missing; refused when it (or a link there) leads outside. */
async function analysisDir(root: string): Promise<string> {
  const realRoot = await fsp.realpath(root);
  const dir = path.join(root, 'analysis');
  const st = await fsp.lstat(dir).catch((e: unknown) => { if (isErrno(e, 'ENOENT')) { return undefined; } throw e; });
  if (!st) {
    await fsp.mkdir(dir);
    return dir;
  }
  const real = await fsp.realpath(dir).catch(() => undefined);
  if (!real || !(real === realRoot || real.startsWith(realRoot + path.sep))) {
    throw new MlopsError(`refusing to write the analysis notebook through 'analysis' (it points to '${real ?? '?'}', outside the workspace)`, 'invalid-input');
  }
  if (!(await fsp.stat(real)).isDirectory()) { throw new MlopsError(`'analysis' in the workspace is not a folder; the notebook goes in analysis/`, 'invalid-input'); }
  return dir;
}

/** A new Jupyter notebook (nbformat 4.5) comparing the model's training data with the current and production data. */
export async function writeAnalysisNotebook(store: Store, opts: { model: string; evaluation?: TriggerEvaluation; decision?: RetrainDecision; now?: number }): Promise<{ file: string }> {
  const now = new Date(opts.now ?? Date.now());
  const model = opts.model;
  const evaluation = opts.evaluation ?? opts.decision?.evaluation;
  const goals = (await store.goals.read().then((g) => g.doc.goals).catch(() => undefined)) ?? emptyGoals();
  const mv = await monitoredVersion(store, model);
  if (!mv) { throw new MlopsError(`model '${model}' has no registered version, so there is no training data to analyse`, 'not-found'); }
  const run = await store.readRun(mv.runId).catch(() => undefined);
  const refs = run?.dataVersions ?? [];
  const ref = refs.find((d) => d.dataset === goals.monitoring.reference) ?? refs[0];
  const notes: string[] = [];

  let reference: Resolved | undefined;
  let current: Resolved | undefined;
  if (!ref) {
    notes.push(run ? `The run ${run.id} that produced ${model} v${mv.version} records no data versions, so there is no reference data (log it with mlops run log --data DATASET).` : `The run ${mv.runId} that produced ${model} v${mv.version} cannot be read.`);
  } else {
    const readProfile = async (v: DataVersion): Promise<DataProfile | undefined> => {
      const p = await store.readDataProfile(v.dataset, v.id).catch(() => undefined);
      return p?.ok ? p.value : undefined;
    };
    const rv = await store.resolveDataVersion(ref.dataset, ref.version).catch(() => undefined);
    if (rv) { reference = { version: rv, profile: await readProfile(rv) }; } else { notes.push(`The reference data version ${ref.dataset} ${ref.version} is not in the store any more.`); }
    const { items } = await store.listDataVersions(ref.dataset).catch(() => ({ items: [] as DataVersion[] }));
    const newest = [...items].filter((v) => v.dataset === ref.dataset).sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : -1))[0];
    if (newest && newest.id !== ref.version) { current = { version: newest, profile: await readProfile(newest) }; } else { notes.push(`${ref.dataset} has no version newer than the reference: the comparison is with the production inputs only.`); }
  }

  let refFile = firstTabular(reference?.profile);
  let curFile = firstTabular(current?.profile);
  if (reference?.profile && current?.profile) {
    try { const picked = pickFiles(reference.profile, current.profile); refFile = picked.a; curFile = picked.b; } catch (e) { notes.push(`Profiles not compared: ${(e as Error).message}.`); }
  }
  if (reference && !refFile) { notes.push(`${versionLabel(reference.version)} has no profiled tabular file (mlops data profile ${reference.version.dataset}:${reference.version.id}).`); }

  // Markdown: what happened and why, then what the stored profiles already say.
  const cells: { type: 'markdown' | 'code'; source: string }[] = [];
  const head: string[] = [`# Retraining analysis: ${md(model)} v${mv.version} (${mv.stage})`, '',
    `Written ${now.toISOString()} by MLOps Workbench. The tables below were computed from the stored data profiles when the notebook was written; the code cells load the data and recompute them (they need pandas, matplotlib and scipy).`, ''];
  if (evaluation) {
    head.push(`**Trigger**: ${md(evaluation.trigger.name)} (${evaluation.trigger.kind}) — ${evaluation.fired ? 'fired' : 'not firing'}: ${md(evaluation.summary)}`, '');
    if (evaluation.trigger.description) { head.push(`> ${md(evaluation.trigger.description)}`, ''); }
  }
  if (opts.decision) {
    const d = opts.decision;
    head.push(`**Automation**: ${d.requested} requested, ${d.applied} applied${d.withheld ? ` — ${md(d.withheld)}` : ''}${d.pipeline ? `; pipeline ${md(d.pipeline)}` : ''}`, '');
  }
  if (reference) { head.push(`**Reference** (what v${mv.version} was trained on): ${md(versionLabel(reference.version))} \`${reference.version.id}\`, ${md(reference.version.source)}`, ''); }
  if (current) { head.push(`**Current**: ${md(versionLabel(current.version))} \`${current.version.id}\` (the newest version, tagged ${current.version.createdAt}), ${md(current.version.source)}`, ''); }
  head.push(`**Production inputs**: what the server logged in .mlops/monitoring/${md(model)}/`, '');
  for (const n of notes) { head.push(`- ${md(n)}`); }
  if (evaluation) { head.push('', 'Facts the trigger was judged on:', '', '```json', JSON.stringify(evaluation.facts, null, 2).replace(/```/g, '` ` `'), '```'); }
  cells.push({ type: 'markdown', source: head.join('\n') });

  if (refFile && curFile) {
    const options = (await driftOptions(store)).options;
    // The label is not a model input: its shift is in the profiles below, not in the input drift.
    const features = (fp: FileProfile): FileProfile => ({ ...fp, columns: fp.columns.filter((c) => c.name !== goals.monitoring.label) });
    const report = driftBetween(features(refFile), features(curFile), options, { reference: reference ? versionLabel(reference.version) : 'reference', current: current ? versionLabel(current.version) : 'current' });
    cells.push({ type: 'markdown', source: [`## Drift: reference → current data version`, '', ...driftTable(report)].join('\n') });
  }
  const monitor = await cachedMonitorReport(store, model, { goals }).catch(() => undefined);
  const latest = monitor?.windows.filter((w) => w.closed && w.inputDrift).pop();
  if (latest?.inputDrift) {
    cells.push({ type: 'markdown', source: ['## Drift: reference → production inputs', '', ...windowDriftTable(latest.inputDrift, latest.start)].join('\n') });
  }
  if (refFile) {
    cells.push({ type: 'markdown', source: ['## Profiles', '', ...profileTable(refFile, curFile)].join('\n') });
  }
  cells.push({ type: 'markdown', source: '## Explore\n\nRun the cells below (each prints what to install when a library is missing).' });
  const code = codeCells({
    root: store.root, model, label: goals.monitoring.label ?? null,
    reference: await sideOf(store, reference, refFile), current: await sideOf(store, current, curFile),
  });
  for (const c of code) { cells.push({ type: 'code', source: c }); }

  const nb = {
    cells: cells.map((c, i) => {
      const source = c.source.split('\n').map((l, j, all) => (j < all.length - 1 ? `${l}\n` : l));
      const id = `cell-${i + 1}`;
      return c.type === 'markdown'
        ? { cell_type: 'markdown', id, metadata: {}, source }
        : { cell_type: 'code', id, metadata: {}, execution_count: null, outputs: [], source };
    }),
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
      language_info: { name: 'python' },
      mlops: { model, version: mv.version, ...(evaluation ? { trigger: evaluation.trigger.name } : {}), writtenAt: now.toISOString() },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const text = JSON.stringify(nb, null, 1) + '\n';
  const dir = await analysisDir(store.root);
  const base = `retrain-${model.replace(/[^A-Za-z0-9._-]+/g, '-')}-${stamp(now)}`;
  for (let n = 1; n <= 1000; n++) {
    const file = path.join(dir, `${base}${n === 1 ? '' : `-${n}`}.ipynb`);
    if (await createFileExclusive(file, text)) { return { file }; }
  }
  throw new MlopsError(`analysis/${base}.ipynb and 999 numbered ones exist already; move some away`, 'io');
}
