import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MlopsError } from '../../core';
import { notebookToScript, parseNotebook, shellToSubprocess, type Finding } from '../../core/lint';
import { Commands } from '../ids';
import { skipsConfirmation } from '../ui';
import { LintDiagnostics, toRange } from './lintDiagnostics';

/** The open notebook that owns a cell document, if any. */
export function notebookOfCell(uri: vscode.Uri): vscode.NotebookDocument | undefined {
  return vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document.uri.toString() === uri.toString()));
}

/** Code actions for the notebook and script rules. */
export function notebookCodeActions(doc: vscode.TextDocument, d: vscode.Diagnostic, f: Finding): vscode.CodeAction[] {
  const actions: vscode.CodeAction[] = [];
  const notebookUri = doc.uri.scheme === 'vscode-notebook-cell' ? notebookOfCell(doc.uri)?.uri : doc.uri.fsPath.endsWith('.ipynb') ? doc.uri : undefined;
  if (f.code === 'notebook-only-training' && notebookUri) {
    const a = new vscode.CodeAction('Extract notebook to script…', vscode.CodeActionKind.QuickFix);
    a.diagnostics = [d];
    a.isPreferred = true;
    a.command = { command: Commands.extractNotebookToScript, title: a.title, arguments: [notebookUri] };
    actions.push(a);
  }
  if (f.code === 'out-of-order-execution' && notebookUri) {
    const a = new vscode.CodeAction('Restart kernel and run all cells', vscode.CodeActionKind.QuickFix);
    a.diagnostics = [d];
    a.command = { command: Commands.restartAndRunAll, title: a.title, arguments: [notebookUri] };
    actions.push(a);
  }
  if (f.code === 'ipython-syntax-in-script') {
    const line = doc.lineAt(f.line - 1);
    const indent = line.text.slice(0, line.firstNonWhitespaceCharacterIndex);
    const kind = String(f.data?.kind ?? '');
    const text = doc.getText();
    const addImport = (edit: vscode.WorkspaceEdit, stmt: string) => {
      if (!new RegExp(`^${stmt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'm').test(text)) { edit.insert(doc.uri, new vscode.Position(0, 0), `${stmt}\n`); }
    };
    if (kind === 'shell' || kind === 'shell-assign') {
      const m = /^(?:([\w.,\s]+?)\s*=\s*)?!(.*)$/.exec(line.text.trim());
      if (m && !/[{$]/.test(m[2]) && !/\\$/.test(m[2])) {
        const a = new vscode.CodeAction('Rewrite as subprocess.run(…)', vscode.CodeActionKind.QuickFix);
        a.diagnostics = [d];
        a.isPreferred = true;
        a.edit = new vscode.WorkspaceEdit();
        const call = shellToSubprocess(m[2], Boolean(m[1]));
        a.edit.replace(doc.uri, line.range, `${indent}${m[1] ? `${m[1]} = ` : ''}${call}`);
        addImport(a.edit, 'import subprocess');
        if (call.includes('sys.executable')) { addImport(a.edit, 'import sys'); }
        actions.push(a);
      }
    }
    if (kind === 'display') {
      const a = new vscode.CodeAction('Import display from IPython.display', vscode.CodeActionKind.QuickFix);
      a.diagnostics = [d];
      a.edit = new vscode.WorkspaceEdit();
      addImport(a.edit, 'from IPython.display import display');
      actions.push(a);
    } else {
      const a = new vscode.CodeAction('Comment out the IPython-only line', vscode.CodeActionKind.QuickFix);
      a.diagnostics = [d];
      a.edit = new vscode.WorkspaceEdit();
      a.edit.replace(doc.uri, line.range, `${indent}# ${line.text.trim()}  # IPython only`);
      actions.push(a);
    }
  }
  return actions;
}

export interface ExtractOptions { name?: string; skipConfirmation?: boolean }

/**
 * `MLOps: Extract Notebook to Script…`: the notebook's code as a runnable script next to it (name asked; an
 * existing file is replaced only after confirmation), then opened.
 */
export async function extractNotebookToScript(arg?: vscode.Uri | string, opts: ExtractOptions = {}): Promise<string | undefined> {
  let uri = typeof arg === 'string' ? vscode.Uri.parse(arg) : arg;
  uri ??= vscode.window.activeNotebookEditor?.notebook.uri;
  if (!uri) {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { Notebooks: ['ipynb'] }, openLabel: 'Extract to Script' });
    uri = picked?.[0];
    if (!uri) { return undefined; }
  }
  const open = vscode.workspace.notebookDocuments.find((nb) => nb.uri.toString() === uri.toString());
  let cells;
  if (open) { cells = LintDiagnostics.cellsOf(open); } else {
    const parsed = parseNotebook(await fs.promises.readFile(uri.fsPath, 'utf8'));
    if (!parsed.ok) { throw new MlopsError(`${path.basename(uri.fsPath)}: ${parsed.reason}`, 'corrupt'); }
    cells = parsed.cells;
  }
  const base = path.basename(uri.fsPath).replace(/\.ipynb$/i, '');
  const suggestion = `${base.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^(\d)/, '_$1').toLowerCase()}.py`;
  const name = opts.name ?? await vscode.window.showInputBox({ title: 'Extract Notebook to Script', prompt: `Python file to write next to ${path.basename(uri.fsPath)}`, value: suggestion,
    validateInput: (v) => (!/^[^\\/:*?"<>|]+\.py$/.test(v.trim()) ? 'a file name ending in .py, without folders' : undefined) });
  if (!name) { return undefined; }
  if (!/^[^\\/:*?"<>|]+\.py$/.test(name.trim())) { throw new MlopsError(`'${name}' is not a Python file name (a name ending in .py, without folders)`); }
  const target = path.join(path.dirname(uri.fsPath), name.trim());
  if (fs.existsSync(target) && !opts.skipConfirmation && !skipsConfirmation(opts)) {
    const ok = await vscode.window.showWarningMessage(`${name.trim()} already exists. Replace it?`, { modal: true }, 'Replace');
    if (ok !== 'Replace') { return undefined; }
  }
  await fs.promises.writeFile(target, notebookToScript(cells, path.basename(uri.fsPath)), 'utf8');
  await vscode.window.showTextDocument(vscode.Uri.file(target));
  return target;
}

/** Runs the Jupyter extension's "restart kernel and run all" when it is there; otherwise says what to do. */
export async function restartAndRunAll(arg?: vscode.Uri | string): Promise<'ran' | 'explained'> {
  const uri = typeof arg === 'string' ? vscode.Uri.parse(arg) : arg;
  const all = await vscode.commands.getCommands(true);
  const cmd = ['jupyter.restartkernelandrunallcells', 'jupyter.notebookeditor.restartkernelandrunallcells', 'jupyter.restartkernelandrunall'].find((c) => all.includes(c));
  if (cmd) {
    if (uri) { await vscode.window.showNotebookDocument(await vscode.workspace.openNotebookDocument(uri)); }
    await vscode.commands.executeCommand(cmd);
    return 'ran';
  }
  void vscode.window.showInformationMessage('MLOps: the cells of this notebook ran out of order, so its outputs depend on hidden state. Restart the kernel and run all cells from the top (the Jupyter extension adds a button for it), then save.');
  return 'explained';
}

export { toRange };
