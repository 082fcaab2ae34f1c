// Problems for data files: the findings of each dataset's newest version against the dataset's schema.json, on the
// data file they are about — at the first offending row when it can be found cheaply (CSV, TSV, JSON Lines), else
// on the first line (the header). Recomputed when a version, a profile or a schema changes.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { dataFileOf, messageOf, type DataFinding, type DataVersion, type StoreState } from '../../core';
import { locateFindings } from '../../core/data/validate';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';

/** `Diagnostic.source` of every data finding. */
export const DATA_DIAGNOSTIC_SOURCE = 'MLOps data';

const SEVERITY: Record<DataFinding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

export class DataDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('mlops-data');
  private readonly disposables: vscode.Disposable[] = [this.collection];
  private generation = 0;
  /** Located diagnostics per data file, reused while the version, the file and its findings stay the same. */
  private readonly located = new Map<string, { key: string; diags: vscode.Diagnostic[] }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly stores: WorkspaceStores, private readonly log: Log) {
    this.disposables.push(
      stores.onDidChangeStores(() => this.checkSoon()),
      stores.onDidChange((changes) => { if (changes.some(({ change }) => change.full || change.data)) { this.checkSoon(); } }),
    );
    void stores.ready().then(() => this.checkSoon());
  }

  /** Resolves when the pending check (if any) is done; for tests and commands that need the result. */
  pending: Promise<void> = Promise.resolve();

  private checkSoon(): void {
    if (this.timer) { clearTimeout(this.timer); }
    this.pending = new Promise((resolve) => {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.checkAll().catch((e: unknown) => this.log.error(`checking data against schemas: ${messageOf(e)}`)).finally(resolve);
      }, 200);
    });
  }

  private async checkAll(): Promise<void> {
    const gen = ++this.generation;
    const next = new Map<string, vscode.Diagnostic[]>();
    for (const state of this.stores.list()) {
      for (const v of newestVersions(state)) {
        for (const [file, diags] of await this.versionDiagnostics(state, v)) { next.set(file, [...(next.get(file) ?? []), ...diags]); }
      }
    }
    if (gen !== this.generation) { return; }
    for (const file of [...this.located.keys()]) { if (!next.has(file)) { this.located.delete(file); } }
    this.collection.clear();
    for (const [file, diags] of next) { this.collection.set(vscode.Uri.file(file), diags); }
  }

  private async versionDiagnostics(state: StoreState, v: DataVersion): Promise<Map<string, vscode.Diagnostic[]>> {
    const out = new Map<string, vscode.Diagnostic[]>();
    const [read, findings] = await Promise.all([state.quality.profile(v), state.quality.findings(v)]);
    if (!read.profile || !findings.length) { return out; }
    const single = v.fileCount === 1 && read.profile.files.length === 1 && v.source.endsWith(read.profile.files[0].path);
    for (const fp of read.profile.files) {
      const label = dataFileOf(v, fp, single);
      const mine = findings.filter((f) => f.file === label);
      if (!mine.length) { continue; }
      const abs = path.resolve(state.root, label);
      // Only files inside the workspace folder get Problems (a version may come from anywhere).
      const rel = path.relative(state.root, abs);
      if (rel.startsWith('..') || path.isAbsolute(rel)) { continue; }
      // Locating reads the file: skip it when nothing it depends on changed (another dataset was tagged, say).
      const st = await fsp.stat(abs).catch(() => undefined);
      const key = `${v.id}\n${st ? `${st.mtimeMs}:${st.size}` : 'gone'}\n${JSON.stringify(mine.map((f) => [f.code, f.severity, f.column, f.message]))}`;
      const cached = this.located.get(abs);
      if (cached?.key === key) { out.set(abs, cached.diags); continue; }
      const located = await locateFindings(abs, fp, mine).catch(() => mine);
      const diags = located.map(toDiagnostic);
      this.located.set(abs, { key, diags });
      out.set(abs, diags);
    }
    return out;
  }

  dispose(): void {
    if (this.timer) { clearTimeout(this.timer); }
    for (const d of this.disposables) { d.dispose(); }
  }
}

/** The newest version of each dataset: the one whose files the workspace holds now, as far as anyone knows. */
function newestVersions(state: StoreState): DataVersion[] {
  const newest = new Map<string, DataVersion>();
  for (const v of state.dataVersions) {
    const cur = newest.get(v.dataset);
    if (!cur || v.id > cur.id) { newest.set(v.dataset, v); }
  }
  return [...newest.values()];
}

function toDiagnostic(f: DataFinding): vscode.Diagnostic {
  const line = Math.max(0, (f.line ?? 1) - 1);
  const d = new vscode.Diagnostic(new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER), `${f.column}: ${f.message}`
    + (f.suggestion ? ` (map ${f.suggestion.mapping.map((m) => `"${m.from}" → "${m.to}"`).join(', ')} in schema.json)` : ''), SEVERITY[f.severity]);
  d.source = DATA_DIAGNOSTIC_SOURCE;
  d.code = f.code;
  return d;
}
