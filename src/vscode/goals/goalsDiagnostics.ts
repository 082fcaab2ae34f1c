// Diagnostics for `.mlops/goals.json`: every problem the goals reader finds (not JSON, a bad entry, a formula that
// does not parse — on the offending character inside the string) and warnings for metrics no run has logged.
// An open document is checked as it is typed; a closed one from disk whenever the store reloads it.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { lineColumn, parseGoals, unknownMetricProblems, type GoalsProblem, type StoreState } from '../../core';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';
import { loadAllMetricSummaries } from './metricNames';

/** `Diagnostic.source` of every goals diagnostic. */
export const GOALS_DIAGNOSTIC_SOURCE = 'MLOps';
/** `Diagnostic.code` of every goals diagnostic (a code-action provider would match on it). */
export const GOALS_DIAGNOSTIC_CODE = 'goals';

const TYPING_DEBOUNCE_MS = 250;

export class GoalsDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('mlops-goals');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor(private readonly stores: WorkspaceStores, private readonly log: Log) {
    this.disposables.push(
      stores.onDidChangeStores(() => this.checkAll()),
      stores.onDidChange((changes) => {
        for (const { state, change } of changes) {
          // Runs and metrics change which names are logged, so the warnings about unknown metrics too.
          if (change.full || change.goals || change.runs.size || change.metrics.size) { this.checkSoon(state, 0); }
        }
      }),
      vscode.workspace.onDidChangeTextDocument((e) => { const s = this.stateOf(e.document.uri); if (s && e.contentChanges.length) { this.checkSoon(s, TYPING_DEBOUNCE_MS); } }),
      vscode.workspace.onDidOpenTextDocument((d) => { const s = this.stateOf(d.uri); if (s) { this.checkSoon(s, 0); } }),
      // A closed document may have been left unsaved: what counts again is the file on disk.
      vscode.workspace.onDidCloseTextDocument((d) => { const s = this.stateOf(d.uri); if (s) { this.checkSoon(s, 0); } }),
    );
    void stores.ready().then(() => this.checkAll());
  }

  private stateOf(uri: vscode.Uri): StoreState | undefined {
    if (uri.scheme !== 'file') { return undefined; }
    const file = path.normalize(uri.fsPath);
    return this.stores.list().find((s) => path.normalize(s.store.goals.file) === file);
  }

  private checkAll(): void {
    const live = new Set(this.stores.list().map((s) => s.store.goals.file));
    // A store that went away (folder removed) takes its diagnostics along.
    this.collection.forEach((uri) => { if (!live.has(uri.fsPath)) { this.collection.delete(uri); } });
    for (const s of this.stores.list()) { this.checkSoon(s, 0); }
  }

  private checkSoon(state: StoreState, ms: number): void {
    const file = state.store.goals.file;
    const t = this.timers.get(file);
    if (t) { clearTimeout(t); }
    this.timers.set(file, setTimeout(() => {
      this.timers.delete(file);
      this.check(state).catch((e: unknown) => this.log.error(`checking ${file}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));
    }, ms));
  }

  /** Checks one store's goals file now (the open document when there is one, else the file as the store last read it). */
  async check(state: StoreState): Promise<void> {
    const file = state.store.goals.file;
    const uri = vscode.Uri.file(file);
    const onDisk = state.goalsFile?.exists === true;
    // Metric names of runs the tree has not shown yet count too; the text is taken after this, so it is the latest.
    if (onDisk || state.goalsReadError) { await loadAllMetricSummaries(state); }
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && path.normalize(d.uri.fsPath) === path.normalize(file));
    if (doc && (doc.isDirty || state.goalsFile?.exists === true)) {
      this.collection.set(uri, toDiagnostics(this.problemsOf(state, doc.getText()), (o) => doc.positionAt(o)));
    } else if (state.goalsFile?.exists) {
      const text = state.goalsFile.text;
      this.collection.set(uri, toDiagnostics(this.problemsOf(state, text), (o) => positionIn(text, o)));
    } else if (state.goalsReadError) {
      const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), `goals.json cannot be read: ${state.goalsReadError}`, vscode.DiagnosticSeverity.Error);
      d.source = GOALS_DIAGNOSTIC_SOURCE;
      d.code = GOALS_DIAGNOSTIC_CODE;
      this.collection.set(uri, [d]);
    } else {
      this.collection.delete(uri);
    }
  }

  private problemsOf(state: StoreState, text: string): GoalsProblem[] {
    const doc = parseGoals(text);
    return doc.goals ? [...doc.problems, ...unknownMetricProblems(text, doc.goals, state.loggedMetricNames())] : doc.problems;
  }

  dispose(): void {
    for (const t of this.timers.values()) { clearTimeout(t); }
    this.timers.clear();
    for (const d of this.disposables) { d.dispose(); }
  }
}

function positionIn(text: string, offset: number): vscode.Position {
  const at = lineColumn(text, Math.min(Math.max(0, offset), text.length));
  return new vscode.Position(at.line - 1, at.column - 1);
}

function toDiagnostics(problems: readonly GoalsProblem[], positionAt: (offset: number) => vscode.Position): vscode.Diagnostic[] {
  return problems.map((p) => {
    const d = new vscode.Diagnostic(new vscode.Range(positionAt(p.offset), positionAt(p.offset + p.length)), p.message,
      p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
    d.source = GOALS_DIAGNOSTIC_SOURCE;
    d.code = GOALS_DIAGNOSTIC_CODE;
    return d;
  });
}
