import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { MlopsApi } from '../../src/extension';
import { activate, stub, until, workspaceRoot } from './helpers';

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'MLOps');
const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));
const actionsAt = (uri: vscode.Uri, range: vscode.Range) => vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, range);

describe('notebook and script diagnostics (real extension host)', () => {
  let api: MlopsApi;
  let nbUri: vscode.Uri;
  before(async () => {
    api = await activate();
    nbUri = vscode.Uri.file(path.join(workspaceRoot(), 'notebooks', 'train_model.ipynb'));
    await vscode.commands.executeCommand('mlops.experiments.focus');
    await api.lint.scanned;
  });
  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('a saved notebook that is not open is reported on the file, each finding on its cell line in the JSON', async () => {
    await until(() => ours(nbUri).length > 0, 20_000, 'file diagnostics for the notebook');
    const codes = ours(nbUri).map(codeOf).sort();
    assert.deepStrictEqual(codes, ['notebook-only-training', 'out-of-order-execution', 'shell-install-in-notebook']);
    const training = ours(nbUri).find((d) => codeOf(d) === 'notebook-only-training')!;
    const doc = await vscode.workspace.openTextDocument(nbUri);
    assert.match(doc.lineAt(training.range.start.line).text, /clf\.fit\(X, y\)/);
    assert.match(training.message, /^Cell 4: /);
    assert.ok(api.lint.lastScan && api.lint.lastScan.notebooks >= 1);
  });

  it('an open notebook gets diagnostics in its cells (and Problems), updated from the cells themselves', async () => {
    const nb = await vscode.workspace.openNotebookDocument(nbUri);
    await vscode.window.showNotebookDocument(nb);
    const cells = nb.getCells();
    await until(() => ours(cells[3].document.uri).length >= 2, 20_000, 'cell diagnostics');
    assert.deepStrictEqual(ours(cells[3].document.uri).map(codeOf).sort(), ['notebook-only-training', 'out-of-order-execution']);
    const training = ours(cells[3].document.uri).find((d) => codeOf(d) === 'notebook-only-training')!;
    assert.deepStrictEqual([training.range.start.line, training.range.start.character], [1, 3]);
    assert.deepStrictEqual(ours(cells[1].document.uri).map(codeOf), ['shell-install-in-notebook']);
    assert.strictEqual(ours(nbUri).length, 0, 'no duplicate file-level diagnostics while the notebook is open');
    assert.ok(vscode.languages.getDiagnostics().some(([u, ds]) => u.toString() === cells[3].document.uri.toString() && ds.length > 0), 'listed in Problems');

    const actions = await actionsAt(cells[3].document.uri, training.range);
    const extract = actions.find((a) => a.title === 'Extract notebook to script…');
    assert.ok(extract?.command, actions.map((a) => a.title).join(' | '));
    const order = actions.find((a) => a.title === 'Restart kernel and run all cells') ?? (await actionsAt(cells[3].document.uri, new vscode.Range(0, 0, 0, 1))).find((a) => a.title === 'Restart kernel and run all cells');
    assert.ok(order?.command, 'restart-and-run-all action on the out-of-order cell');
    const infos: string[] = [];
    const restore = stub(vscode.window, 'showInformationMessage', (m: string) => { infos.push(m); return Promise.resolve(undefined); });
    try { assert.strictEqual(await vscode.commands.executeCommand(order.command.command, ...((order.command.arguments ?? []) as unknown[])), 'explained'); } finally { restore(); }
    assert.match(infos[0] ?? '', /ran out of order/);
  });

  it('Extract to script writes a script that compiles, opens it, and never overwrites without confirmation', async () => {
    const target = path.join(workspaceRoot(), 'notebooks', 'train_model.py');
    const written = await vscode.commands.executeCommand<string>('mlops.extractNotebookToScript', nbUri, { name: 'train_model.py' });
    assert.strictEqual(written, target);
    const py = fs.readFileSync(target, 'utf8');
    assert.match(py, /^from sklearn\.linear_model import LogisticRegression$/m);
    assert.match(py, /# \[IPython only, not run by python\] !pip install einops/);
    assert.match(py, /^ {4}clf\.fit\(X, y\)$/m);
    assert.match(py, /if __name__ == "__main__":\n {4}main\(\)/);
    const r = spawnSync('python3', ['-m', 'py_compile', target], { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, target);
    fs.writeFileSync(target, '# mine\n');
    const restore = stub(vscode.window, 'showWarningMessage', () => Promise.resolve(undefined));
    try { assert.strictEqual(await vscode.commands.executeCommand('mlops.extractNotebookToScript', nbUri, { name: 'train_model.py' }), undefined); } finally { restore(); }
    assert.strictEqual(fs.readFileSync(target, 'utf8'), '# mine\n');
    fs.rmSync(target);
  });

  it('IPython syntax in a .py file is an error with quick fixes that make it plain Python', async () => {
    const uri = vscode.Uri.file(path.join(workspaceRoot(), 'scripts', 'with_magic.py'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    await until(() => ours(uri).length === 3, 10_000, 'three IPython errors');
    assert.ok(ours(uri).every((d) => codeOf(d) === 'ipython-syntax-in-script' && d.severity === vscode.DiagnosticSeverity.Error));
    const capture = ours(uri).find((d) => d.range.start.line === 3)!;
    const rewrite = (await actionsAt(uri, capture.range)).find((a) => a.title === 'Rewrite as subprocess.run(…)');
    assert.ok(rewrite?.edit);
    assert.ok(await vscode.workspace.applyEdit(rewrite.edit));
    assert.match(doc.getText(), /^import subprocess\n/);
    assert.match(doc.getText(), /files = subprocess\.run\(\["ls", "data"\], check=True, capture_output=True, text=True\)\.stdout\.splitlines\(\)/);
    const magic = ours(uri).find((d) => doc.lineAt(d.range.start.line).text.startsWith('%matplotlib'))
      ?? (await until(() => ours(uri).find((d) => doc.lineAt(d.range.start.line).text.startsWith('%matplotlib')), 10_000, 'magic diagnostic'));
    const comment = (await actionsAt(uri, magic.range)).find((a) => a.title === 'Comment out the IPython-only line');
    assert.ok(comment?.edit);
    await vscode.workspace.applyEdit(comment.edit);
    await until(() => ours(uri).length === 1, 10_000, 'only !echo left');
    await doc.save();
  });
});
