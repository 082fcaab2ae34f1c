// Diagnostics for `.mlops/pipelines/*.json`: every problem the pipeline reader finds (not JSON, a bad step, a cycle
// or a missing input between steps, a `when` that does not parse — on the offending characters inside the string)
// in the Problems panel. An open document is checked as it is typed; the others from disk when they change.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { lineColumn, messageOf, type StoreState } from '../../core';
import { listPipelines, parsePipelineText, pipelinesDir, type PipelineProblem } from '../../core/pipeline';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';

/** `Diagnostic.source` of every pipeline diagnostic. */
export const PIPELINE_DIAGNOSTIC_SOURCE = 'MLOps';
/** `Diagnostic.code` of every pipeline diagnostic. */
export const PIPELINE_DIAGNOSTIC_CODE = 'pipeline';

const TYPING_DEBOUNCE_MS = 250;
const PIPELINE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}\.json$/;

export class PipelineDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('mlops-pipelines');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor(private readonly stores: WorkspaceStores, private readonly log: Log) {
    this.disposables.push(
      stores.onDidChangeStores(() => { void this.checkAll(); }),
      stores.onDidChangeFile(({ root, relPath }) => {
        const m = /^pipelines\/([^/]+)$/.exec(relPath);
        if (m) { this.checkSoon(path.join(root, '.mlops', 'pipelines', m[1]), 0); }
      }),
      vscode.workspace.onDidChangeTextDocument((e) => { if (e.contentChanges.length && this.isPipelineFile(e.document.uri)) { this.checkSoon(e.document.uri.fsPath, TYPING_DEBOUNCE_MS); } }),
      vscode.workspace.onDidOpenTextDocument((d) => { if (this.isPipelineFile(d.uri)) { this.checkSoon(d.uri.fsPath, 0); } }),
      // A closed document may have been left unsaved: what counts again is the file on disk.
      vscode.workspace.onDidCloseTextDocument((d) => { if (this.isPipelineFile(d.uri)) { this.checkSoon(d.uri.fsPath, 0); } }),
    );
    void stores.ready().then(() => this.checkAll());
  }

  private stateOf(file: string): StoreState | undefined {
    const dir = path.normalize(path.dirname(file));
    return this.stores.list().find((s) => path.normalize(pipelinesDir(s.store)) === dir);
  }

  private isPipelineFile(uri: vscode.Uri): boolean {
    return uri.scheme === 'file' && PIPELINE_NAME.test(path.basename(uri.fsPath)) && this.stateOf(uri.fsPath) !== undefined;
  }

  /** Checks every pipeline file of every store; drops diagnostics of files and stores that are gone. */
  async checkAll(): Promise<void> {
    const files = new Set<string>();
    for (const s of this.stores.list()) {
      try {
        for (const p of await listPipelines(s.store)) { files.add(path.normalize(p.file)); }
      } catch (e) { this.log.warn(`listing the pipelines of ${s.root}: ${messageOf(e)}`); }
    }
    this.collection.forEach((uri) => { if (!files.has(path.normalize(uri.fsPath))) { this.collection.delete(uri); } });
    await Promise.all([...files].map((f) => this.check(f)));
  }

  private checkSoon(file: string, ms: number): void {
    const t = this.timers.get(file);
    if (t) { clearTimeout(t); }
    this.timers.set(file, setTimeout(() => {
      this.timers.delete(file);
      this.check(file).catch((e: unknown) => this.log.error(`checking ${file}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));
    }, ms));
  }

  /** Checks one pipeline file now: the open document when there is one, else the file on disk (gone: no diagnostics). */
  async check(file: string): Promise<void> {
    const uri = vscode.Uri.file(file);
    const state = this.stateOf(file);
    if (!state || !PIPELINE_NAME.test(path.basename(file))) { this.collection.delete(uri); return; }
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && path.normalize(d.uri.fsPath) === path.normalize(file));
    let text: string;
    if (doc) { text = doc.getText(); } else {
      try { text = await fsp.readFile(file, 'utf8'); } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') { this.collection.delete(uri); return; }
        this.collection.set(uri, [diagnostic(new vscode.Range(0, 0, 0, 0), `cannot read: ${messageOf(e)}`)]);
        return;
      }
    }
    const name = path.basename(file, '.json');
    const { problems } = parsePipelineText(file, name, text, state.store.rel(file));
    this.collection.set(uri, toDiagnostics(problems, doc ? (o) => doc.positionAt(o) : (o) => positionIn(text, o)));
  }

  dispose(): void {
    for (const t of this.timers.values()) { clearTimeout(t); }
    this.timers.clear();
    for (const d of this.disposables) { d.dispose(); }
  }
}

function diagnostic(range: vscode.Range, message: string): vscode.Diagnostic {
  const d = new vscode.Diagnostic(range, message, vscode.DiagnosticSeverity.Error);
  d.source = PIPELINE_DIAGNOSTIC_SOURCE;
  d.code = PIPELINE_DIAGNOSTIC_CODE;
  return d;
}

function positionIn(text: string, offset: number): vscode.Position {
  const at = lineColumn(text, Math.min(Math.max(0, offset), text.length));
  return new vscode.Position(at.line - 1, at.column - 1);
}

function toDiagnostics(problems: readonly PipelineProblem[], positionAt: (offset: number) => vscode.Position): vscode.Diagnostic[] {
  return problems.map((p) => diagnostic(new vscode.Range(positionAt(p.offset), positionAt(p.offset + p.length)), p.message));
}
