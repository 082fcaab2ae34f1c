import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Store, messageOf } from '../../core';
import { DEFAULT_VETTED, lintImports, lintKind, lintText, severityOf, vettedSet, type Finding, type LintOptions, type RuleCode, type Severity } from '../../core/lint';
import type { Log } from '../log';

export const LINT_SOURCE = 'MLOps';
const DEBOUNCE_MS = 300;
const SCAN_GLOB = '**/{requirements*.txt,*requirements*.txt,constraints*.txt,*.in,pyproject.toml,Pipfile,setup.cfg,environment*.yml,environment*.yaml,conda*.yml,conda*.yaml,requirements/**/*.txt}';
const SCAN_EXCLUDE = '**/{node_modules,.git,.venv,venv,.tox,.mlops,site-packages,__pycache__,.vscode-test}/**';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error, warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information, hint: vscode.DiagnosticSeverity.Hint,
};

export function toRange(f: Pick<Finding, 'line' | 'column' | 'endLine' | 'endColumn'>): vscode.Range {
  return new vscode.Range(f.line - 1, f.column - 1, f.endLine - 1, Math.max(f.endColumn - 1, 0));
}

/**
 * Dependency-file and contrib-import diagnostics: dependency files across the workspace (scanned on activation,
 * followed on disk), and open editors as they are edited (debounced), including Python cells of open notebooks.
 * Findings are kept next to the diagnostics so quick fixes and hovers can use their data.
 */
export class LintDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('mlops-lint');
  private readonly findings = new Map<string, Finding[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [this.collection];
  scanned: Promise<number> = Promise.resolve(0);

  constructor(private readonly log: Log) {
    const watcher = vscode.workspace.createFileSystemWatcher(SCAN_GLOB);
    const policy = vscode.workspace.createFileSystemWatcher('**/.mlops/policy.json');
    this.disposables.push(watcher, policy,
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, DEBOUNCE_MS)),
      vscode.workspace.onDidCloseTextDocument((d) => { void this.onClose(d); }),
      // Closing an editor does not close its document right away; follow the tabs so problems go with the editor.
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        for (const tab of e.closed) {
          if (tab.input instanceof vscode.TabInputText && !this.inAnyTab(tab.input.uri)) {
            const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === (tab.input as vscode.TabInputText).uri.toString());
            if (doc) { void this.onClose(doc); }
          }
        }
      }),
      watcher.onDidCreate((u) => { void this.lintDisk(u); }),
      watcher.onDidChange((u) => { if (!this.isOpen(u)) { void this.lintDisk(u); } }),
      watcher.onDidDelete((u) => this.clear(u)),
      policy.onDidChange(() => { void this.relintAll(); }), policy.onDidCreate(() => { void this.relintAll(); }), policy.onDidDelete(() => { void this.relintAll(); }),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('mlops.lint')) { void this.relintAll(); } }),
    );
    for (const d of vscode.workspace.textDocuments) { this.schedule(d, 0); }
  }

  private enabled(uri?: vscode.Uri): boolean {
    return vscode.workspace.getConfiguration('mlops.lint', uri).get<boolean>('enabled', true);
  }

  /** Lint options for a file: settings, then the workspace store's policy on top. */
  async options(uri: vscode.Uri): Promise<LintOptions> {
    const cfg = vscode.workspace.getConfiguration('mlops.lint', uri);
    const base = cfg.get<string[]>('vettedPackages', [...DEFAULT_VETTED]);
    const severity: LintOptions['severity'] = { ...cfg.get<Record<string, Severity | 'off'>>('severity', {}) };
    let extra: string[] = [];
    const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
    const root = folder ? Store.findRoot(folder) : undefined;
    if (root) {
      try {
        const policy = await (await Store.open(root)).readPolicy();
        extra = policy.vetted ?? [];
        for (const [k, v] of Object.entries(policy.lint?.severity ?? {})) { severity[k as RuleCode] = v; }
      } catch (e) { this.log.warn(`policy: ${messageOf(e)}`); }
    }
    return { vetted: vettedSet(extra, base), severity };
  }

  private inAnyTab(uri: vscode.Uri): boolean {
    return vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri.toString()));
  }

  private isOpen(uri: vscode.Uri): boolean {
    return vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString());
  }

  private schedule(doc: vscode.TextDocument, delay: number): void {
    if (!this.lintable(doc)) { return; }
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => { this.timers.delete(key); void this.lintDocument(doc); }, delay));
  }

  private lintable(doc: vscode.TextDocument): boolean {
    if (doc.uri.scheme === 'vscode-notebook-cell') { return doc.languageId === 'python'; }
    return doc.uri.scheme === 'file' && lintKind(doc.uri.fsPath) !== undefined && lintKind(doc.uri.fsPath) !== 'notebook';
  }

  async lintDocument(doc: vscode.TextDocument): Promise<Finding[]> {
    if (doc.isClosed || !this.enabled(doc.uri)) { this.clear(doc.uri); return []; }
    const opts = await this.options(doc.uri);
    const file = doc.uri.scheme === 'file' ? doc.uri.fsPath : doc.uri.toString();
    const isLocal = this.localCheck(doc.uri);
    const findings = doc.uri.scheme === 'vscode-notebook-cell'
      ? lintImports(file, doc.getText(), { vetted: opts.vetted, isLocal, severity: severityOf('contrib-import', opts) })
      : lintText(file, doc.getText(), { ...opts, isLocal });
    this.set(doc.uri, findings);
    return findings;
  }

  private localCheck(uri: vscode.Uri): (m: string) => boolean {
    const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
    const dir = uri.scheme === 'file' ? path.dirname(uri.fsPath) : folder;
    return (m) => [dir, folder].some((d) => d && (fs.existsSync(path.join(d, `${m}.py`)) || fs.existsSync(path.join(d, m, '__init__.py')) || fs.existsSync(path.join(d, 'src', m))));
  }

  async lintDisk(uri: vscode.Uri): Promise<Finding[]> {
    if (!this.enabled(uri) || lintKind(uri.fsPath) !== 'dependencies') { return []; }
    let text: string;
    try { text = await fs.promises.readFile(uri.fsPath, 'utf8'); } catch { this.clear(uri); return []; }
    const findings = lintText(uri.fsPath, text, await this.options(uri));
    this.set(uri, findings);
    return findings;
  }

  private async onClose(doc: vscode.TextDocument): Promise<void> {
    clearTimeout(this.timers.get(doc.uri.toString()));
    // Dependency files stay covered by the workspace scan (as saved on disk); other files are cleared.
    if (doc.uri.scheme === 'file' && lintKind(doc.uri.fsPath) === 'dependencies' && fs.existsSync(doc.uri.fsPath)) { await this.lintDisk(doc.uri); } else { this.clear(doc.uri); }
  }

  private set(uri: vscode.Uri, findings: Finding[]): void {
    this.findings.set(uri.toString(), findings);
    this.collection.set(uri, findings.map((f) => {
      const d = new vscode.Diagnostic(toRange(f), f.message, SEVERITY[f.severity]);
      d.source = LINT_SOURCE;
      d.code = f.code;
      return d;
    }));
  }

  clear(uri: vscode.Uri): void {
    this.findings.delete(uri.toString());
    this.collection.delete(uri);
  }

  /** Findings behind the diagnostics of a document. */
  findingsOf(uri: vscode.Uri): Finding[] {
    return this.findings.get(uri.toString()) ?? [];
  }

  /** Lints every dependency file of the workspace, with progress in the status bar (not a modal). */
  scanWorkspace(): Promise<number> {
    this.scanned = Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'MLOps: checking dependency files' }, async () => {
      const files = (await vscode.workspace.findFiles(SCAN_GLOB, SCAN_EXCLUDE, 5000)).filter((u) => lintKind(u.fsPath) === 'dependencies');
      for (const u of files) { if (!this.isOpen(u)) { await this.lintDisk(u); } }
      this.log.info(`lint: checked ${files.length} dependency files`);
      return files.length;
    }));
    return this.scanned;
  }

  private async relintAll(): Promise<void> {
    for (const d of vscode.workspace.textDocuments) { if (this.lintable(d)) { await this.lintDocument(d); } }
    await this.scanWorkspace();
  }

  dispose(): void {
    for (const t of this.timers.values()) { clearTimeout(t); }
    for (const d of this.disposables) { d.dispose(); }
  }
}
