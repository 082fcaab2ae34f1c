import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Store, messageOf, type Policy } from '../../core';
import {
  DEFAULT_TRAINING_PATTERNS, DEFAULT_VETTED, isInSkippedFolder, lintKind, lintNotebook, lintText, notebookJsonRange, parseNotebook, scriptTrainingPatterns,
  skippedFoldersGlob, unreadableFinding, vettedSet, type FileLintOptions, type Finding, type NotebookCell, type RuleCode, type Severity,
} from '../../core/lint';
import type { Log } from '../log';
import { LineIndex as LineIndexer } from '../../core/lint';

export const LINT_SOURCE = 'MLOps';
const DEBOUNCE_MS = 300;
const SCAN_GLOB = '**/{requirements*.txt,*requirements*.txt,constraints*.txt,*.in,pyproject.toml,Pipfile,setup.cfg,environment*.yml,environment*.yaml,conda*.yml,conda*.yaml,requirements/**/*.txt}';
/** The same folders `mlops lint` skips (one list, in src/core/lint/workspace.ts). */
const SCAN_EXCLUDE = skippedFoldersGlob();
/** How long after the first trigger the workspace scan starts: activation and the first view render go first. */
const SCAN_DELAY_MS = 250;

/** Where the workspace scan is: not asked for yet, asked for (about to start), running, or done at least once. */
export type ScanState = 'waiting' | 'scheduled' | 'running' | 'done';

const isMissing = (e: unknown) => (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error, warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information, hint: vscode.DiagnosticSeverity.Hint,
};

export function toRange(f: Pick<Finding, 'line' | 'column' | 'endLine' | 'endColumn'>): vscode.Range {
  return new vscode.Range(f.line - 1, f.column - 1, f.endLine - 1, Math.max(f.endColumn - 1, 0));
}

/**
 * Dependency-file and contrib-import diagnostics: dependency files and saved notebooks across the workspace
 * (scanned in the background once an MLOps view is shown or a lintable file is open, then followed on disk), and
 * open editors as they are edited (debounced, from the start), including Python cells of open notebooks.
 * Findings are kept next to the diagnostics so quick fixes and hovers can use their data. No failure is dropped:
 * a file that cannot be read is an `unreadable` diagnostic, anything else goes to the MLOps output channel.
 */
export class LintDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('mlops-lint');
  private readonly findings = new Map<string, Finding[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [this.collection];
  private state: ScanState = 'waiting';
  private scanTimer: NodeJS.Timeout | undefined;
  private latestScan: Promise<number> | undefined;
  private resolveFirstScan!: (n: number) => void;
  private readonly firstScan = new Promise<number>((resolve) => { this.resolveFirstScan = resolve; });

  /** The MLOps output channel, where lint failures nobody awaits are written. */
  constructor(readonly log: Log) {
    const watcher = vscode.workspace.createFileSystemWatcher(SCAN_GLOB);
    const policy = vscode.workspace.createFileSystemWatcher('**/.mlops/policy.json');
    this.disposables.push(watcher, policy,
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, DEBOUNCE_MS)),
      vscode.workspace.onDidCloseTextDocument((d) => this.background(`closing ${d.uri.fsPath}`, this.onClose(d))),
      vscode.workspace.onDidOpenNotebookDocument((nb) => this.scheduleNotebook(nb, 0)),
      vscode.workspace.onDidChangeNotebookDocument((e) => this.scheduleNotebook(e.notebook, DEBOUNCE_MS)),
      vscode.workspace.onDidCloseNotebookDocument((nb) => { this.clearNotebook(nb); if (fs.existsSync(nb.uri.fsPath)) { this.background(`linting ${nb.uri.fsPath}`, this.lintDisk(nb.uri)); } }),
      vscode.workspace.onDidSaveTextDocument((d) => { if (d.uri.scheme === 'file' && d.languageId === 'python') { this.noteScript(d.uri, d.getText()); } }),
      // Closing an editor does not close its document right away; follow the tabs so problems go with the editor.
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        for (const tab of e.closed) {
          if (tab.input instanceof vscode.TabInputText && !this.inAnyTab(tab.input.uri)) {
            const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === (tab.input as vscode.TabInputText).uri.toString());
            if (doc) { this.background(`closing ${doc.uri.fsPath}`, this.onClose(doc)); }
          }
        }
      }),
      // The watcher has no exclude: events inside skipped folders (node_modules, build, …) are dropped here.
      watcher.onDidCreate((u) => { if (!this.skipped(u)) { this.background(`linting ${u.fsPath}`, this.lintDisk(u)); } }),
      watcher.onDidChange((u) => { if (!this.skipped(u) && !this.isOpen(u)) { this.background(`linting ${u.fsPath}`, this.lintDisk(u)); } }),
      watcher.onDidDelete((u) => this.clear(u)),
      policy.onDidChange(() => this.background('reloading the policy', this.policyChanged())),
      policy.onDidCreate(() => this.background('reloading the policy', this.policyChanged())),
      policy.onDidDelete(() => this.background('reloading the policy', this.policyChanged())),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('mlops.lint')) { this.background('applying mlops.lint settings', this.relintAll()); } }),
    );
    for (const d of vscode.workspace.textDocuments) { this.schedule(d, 0); }
    for (const nb of vscode.workspace.notebookDocuments) { this.scheduleNotebook(nb, 0); }
  }

  /** Runs work nobody awaits; a failure goes to the MLOps output channel with what was being done. */
  private background(what: string, work: Promise<unknown>): void {
    work.catch((e: unknown) => this.log.error(`lint: ${what} failed: ${e instanceof Error && e.stack ? e.stack : messageOf(e)}`));
  }

  /** Whether a file lies in a folder the scan skips (see SKIPPED_FOLDERS). */
  private skipped(uri: vscode.Uri): boolean {
    const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
    return folder !== undefined && isInSkippedFolder(uri.fsPath, folder);
  }

  private enabled(uri?: vscode.Uri): boolean {
    return vscode.workspace.getConfiguration('mlops.lint', uri).get<boolean>('enabled', true);
  }

  /** Policies read once per store and kept until policy.json changes (lint runs on every edit). */
  private readonly policies = new Map<string, Promise<Policy>>();

  private policyOf(root: string): Promise<Policy> {
    let p = this.policies.get(root);
    if (!p) {
      p = Store.open(root).then((s) => s.readPolicy());
      p.catch(() => this.policies.delete(root));
      this.policies.set(root, p);
    }
    return p;
  }

  /** Forgets cached policies and lints everything again (the policy file changed). */
  policyChanged(): Promise<void> {
    this.policies.clear();
    return this.relintAll();
  }

  /** Lint options for a file: settings, then the workspace store's policy on top. */
  async options(uri: vscode.Uri): Promise<FileLintOptions> {
    const cfg = vscode.workspace.getConfiguration('mlops.lint', uri);
    const base = cfg.get<string[]>('vettedPackages', [...DEFAULT_VETTED]);
    const severity: FileLintOptions['severity'] = { ...cfg.get<Record<string, Severity | 'off'>>('severity', {}) };
    let extra: string[] = [];
    const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
    const root = folder ? Store.findRoot(folder) : undefined;
    if (root) {
      try {
        const policy = await this.policyOf(root);
        extra = policy.vetted ?? [];
        for (const [k, v] of Object.entries(policy.lint?.severity ?? {})) { severity[k as RuleCode] = v; }
      } catch (e) { this.log.warn(`policy: ${messageOf(e)}`); }
    }
    const trainingPatterns = cfg.get<string[]>('trainingPatterns', [...DEFAULT_TRAINING_PATTERNS]).filter((p) => { try { new RegExp(p); return true; } catch { this.log.warn(`mlops.lint.trainingPatterns: '${p}' is not a regular expression; ignored`); return false; } });
    return { vetted: vettedSet(extra, base), severity, trainingPatterns, scriptTraining: this.scriptTraining() };
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
    this.timers.set(key, setTimeout(() => { this.timers.delete(key); this.background(`linting ${doc.uri.fsPath}`, this.lintDocument(doc)); }, delay));
  }

  private lintable(doc: vscode.TextDocument): boolean {
    return doc.uri.scheme === 'file' && lintKind(doc.uri.fsPath) !== undefined && lintKind(doc.uri.fsPath) !== 'notebook';
  }

  async lintDocument(doc: vscode.TextDocument): Promise<Finding[]> {
    if (doc.isClosed || !this.enabled(doc.uri)) { this.clear(doc.uri); return []; }
    const opts = await this.options(doc.uri);
    const file = doc.uri.scheme === 'file' ? doc.uri.fsPath : doc.uri.toString();
    const isLocal = this.localCheck(doc.uri);
    const findings = lintText(file, doc.getText(), { ...opts, isLocal });
    if (lintKind(file) === 'python') { this.noteScript(doc.uri, doc.getText()); }
    this.set(doc.uri, findings);
    return findings;
  }

  private localCheck(uri: vscode.Uri): (m: string) => boolean {
    const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
    const dir = uri.scheme === 'file' ? path.dirname(uri.fsPath) : folder;
    return (m) => [dir, folder].some((d) => d && (fs.existsSync(path.join(d, `${m}.py`)) || fs.existsSync(path.join(d, m, '__init__.py')) || fs.existsSync(path.join(d, 'src', m))));
  }

  async lintDisk(uri: vscode.Uri): Promise<Finding[]> {
    const kind = lintKind(uri.fsPath);
    if (!this.enabled(uri) || (kind !== 'dependencies' && kind !== 'notebook')) { return []; }
    let text: string;
    try { text = await fs.promises.readFile(uri.fsPath, 'utf8'); } catch (e) {
      if (isMissing(e)) { this.clear(uri); return []; } // deleted meanwhile: the watcher's delete event follows
      this.log.warn(`lint: cannot read ${uri.fsPath}: ${messageOf(e)}`);
      const unreadable = unreadableFinding(uri.fsPath, messageOf(e), await this.options(uri));
      this.set(uri, unreadable);
      return unreadable;
    }
    const opts = await this.options(uri);
    let findings = lintText(uri.fsPath, text, { ...opts, isLocal: this.localCheck(uri) });
    if (kind === 'notebook') {
      // Reported on the .ipynb file itself: each finding is placed on its line inside the JSON.
      const nb = parseNotebook(text);
      const cells = nb.ok ? nb.cells : [];
      const idx = new LineIndexer(text);
      findings = findings.map((f) => {
        if (f.cell === undefined) { return f; }
        const r = idx.range(notebookJsonRange(text, f, cells));
        return { ...f, ...r, message: `Cell ${f.cell + 1}: ${f.message}`, data: { ...f.data, cellLine: f.line } };
      });
    }
    this.set(uri, findings);
    return findings;
  }

  // ---------------------------------------------------------------- notebooks

  private readonly notebookTimers = new Map<string, NodeJS.Timeout>();

  private scheduleNotebook(nb: vscode.NotebookDocument, delay: number): void {
    if (nb.notebookType !== 'jupyter-notebook') { return; }
    const key = nb.uri.toString();
    clearTimeout(this.notebookTimers.get(key));
    this.notebookTimers.set(key, setTimeout(() => { this.notebookTimers.delete(key); this.background(`linting ${nb.uri.fsPath}`, this.lintNotebookDocument(nb)); }, delay));
  }

  /** Cells of an open notebook, as the analyser sees them (execution order from the editor's execution summary). */
  static cellsOf(nb: vscode.NotebookDocument): NotebookCell[] {
    return nb.getCells().map((c) => ({
      index: c.index,
      kind: c.kind === vscode.NotebookCellKind.Code ? 'code' as const : 'markdown' as const,
      source: c.document.getText(),
      executionCount: c.executionSummary?.executionOrder ?? null,
      hasOutputs: c.outputs.length > 0,
    }));
  }

  /** Lints an open notebook; diagnostics land on each cell's document (shown in the cell and in Problems). */
  async lintNotebookDocument(nb: vscode.NotebookDocument): Promise<Finding[]> {
    if (nb.isClosed || !this.enabled(nb.uri)) { return []; }
    const opts = await this.options(nb.uri);
    const findings = lintNotebook(nb.uri.fsPath, LintDiagnostics.cellsOf(nb), { ...opts, isLocal: this.localCheck(nb.uri) });
    this.clear(nb.uri);
    for (const cell of nb.getCells()) { this.set(cell.document.uri, findings.filter((f) => f.cell === cell.index)); }
    return findings;
  }

  private clearNotebook(nb: vscode.NotebookDocument): void {
    for (const cell of nb.getCells()) { this.clear(cell.document.uri); }
  }

  // ---------------------------------------------------------------- scripts index (for notebook-only-training)

  private readonly scriptPatterns = new Map<string, Set<string>>();

  private noteScript(uri: vscode.Uri, text: string): void {
    this.scriptPatterns.set(uri.toString(), scriptTrainingPatterns(text));
  }

  scriptTraining(): Set<string> {
    const all = new Set<string>();
    for (const s of this.scriptPatterns.values()) { for (const p of s) { all.add(p); } }
    return all;
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

  // ---------------------------------------------------------------- the workspace scan

  /** Where the workspace scan is (for tests and the output channel). */
  get scanState(): ScanState {
    return this.state;
  }

  /** Resolves when the latest scan has finished (the first one, if none has started yet), with the files it linted. */
  get scanned(): Promise<number> {
    return this.latestScan ?? this.firstScan;
  }

  /**
   * Starts the workspace scan in the background, not during activation: once one of `views` is shown or a
   * Python, dependency or notebook file is open in an editor (whichever comes first), after SCAN_DELAY_MS.
   * Open files are linted as they are opened and edited without waiting for it.
   */
  scanInBackground(views: readonly vscode.TreeView<unknown>[]): void {
    const lintableTab = (input: unknown) => (input instanceof vscode.TabInputText || input instanceof vscode.TabInputNotebook)
      && input.uri.scheme === 'file' && lintKind(input.uri.fsPath) !== undefined;
    const triggers: vscode.Disposable[] = [];
    const trigger = () => {
      for (const d of triggers.splice(0)) { d.dispose(); }
      this.requestScan();
    };
    if (views.some((v) => v.visible) || vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => lintableTab(t.input)))) { trigger(); return; }
    triggers.push(
      ...views.map((v) => v.onDidChangeVisibility((e) => { if (e.visible) { trigger(); } })),
      vscode.window.tabGroups.onDidChangeTabs((e) => { if ([...e.opened, ...e.changed].some((t) => lintableTab(t.input))) { trigger(); } }),
    );
    this.disposables.push({ dispose: () => { for (const d of triggers.splice(0)) { d.dispose(); } } });
  }

  private requestScan(): void {
    if (this.state !== 'waiting') { return; }
    this.state = 'scheduled';
    this.scanTimer = setTimeout(() => { this.scanTimer = undefined; this.background('scanning the workspace', this.scanWorkspace()); }, SCAN_DELAY_MS);
  }

  /**
   * Lints every dependency file and saved notebook of the workspace, after indexing which training patterns the
   * workspace's Python files hold. Progress in the status bar (not a modal); it yields between files so the
   * extension host stays responsive on large workspaces. Scans run one after the other, never two at once.
   */
  scanWorkspace(): Promise<number> {
    clearTimeout(this.scanTimer);
    const previous = this.latestScan ?? Promise.resolve(0);
    const scan = previous.catch(() => 0).then(() => this.runScan());
    this.latestScan = scan;
    scan.then((n) => this.resolveFirstScan(n), () => this.resolveFirstScan(0));
    return scan;
  }

  private runScan(): Promise<number> {
    this.state = 'running';
    return Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'MLOps: checking dependency files and notebooks' }, async () => {
      const t0 = Date.now();
      const yieldNow = () => new Promise((r) => setImmediate(r));
      const scripts = await vscode.workspace.findFiles('**/*.py', SCAN_EXCLUDE, 20000);
      for (const [i, u] of scripts.entries()) {
        try { this.noteScript(u, await fs.promises.readFile(u.fsPath, 'utf8')); } catch (e) {
          if (!isMissing(e)) { this.log.warn(`lint: cannot read ${u.fsPath} (its training code is not counted): ${messageOf(e)}`); }
        }
        if (i % 50 === 49) { await yieldNow(); }
      }
      const deps = (await vscode.workspace.findFiles(SCAN_GLOB, SCAN_EXCLUDE, 5000)).filter((u) => lintKind(u.fsPath) === 'dependencies');
      const notebooks = await vscode.workspace.findFiles('**/*.ipynb', SCAN_EXCLUDE, 5000);
      const openNotebooks = new Set(vscode.workspace.notebookDocuments.map((n) => n.uri.toString()));
      for (const [i, u] of [...deps, ...notebooks].entries()) {
        // One file's failure is logged and the scan goes on with the others.
        if (!this.isOpen(u) && !openNotebooks.has(u.toString())) {
          try { await this.lintDisk(u); } catch (e) { this.log.error(`lint: ${u.fsPath}: ${e instanceof Error && e.stack ? e.stack : messageOf(e)}`); }
        }
        if (i % 10 === 9) { await yieldNow(); }
      }
      for (const nb of vscode.workspace.notebookDocuments) { await this.lintNotebookDocument(nb); }
      this.lastScan = { scripts: scripts.length, dependencyFiles: deps.length, notebooks: notebooks.length, ms: Date.now() - t0 };
      this.log.info(`lint: ${deps.length} dependency files, ${notebooks.length} notebooks, ${scripts.length} scripts in ${this.lastScan.ms} ms`);
      return deps.length + notebooks.length;
    })).finally(() => { this.state = 'done'; });
  }

  lastScan: { scripts: number; dependencyFiles: number; notebooks: number; ms: number } | undefined;

  private async relintAll(): Promise<void> {
    for (const d of vscode.workspace.textDocuments) { if (this.lintable(d)) { await this.lintDocument(d); } }
    for (const nb of vscode.workspace.notebookDocuments) { await this.lintNotebookDocument(nb); }
    // Before the first scan was asked for, files on disk have no diagnostics to refresh: the scan will read them.
    if (this.state === 'running' || this.state === 'done') { await this.scanWorkspace(); }
  }

  dispose(): void {
    clearTimeout(this.scanTimer);
    for (const t of [...this.timers.values(), ...this.notebookTimers.values()]) { clearTimeout(t); }
    for (const d of this.disposables) { d.dispose(); }
  }
}
