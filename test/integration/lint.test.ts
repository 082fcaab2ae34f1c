import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { MlopsApi } from '../../src/extension';
import { activate, stub, until, workspaceRoot } from './helpers';

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'MLOps');
const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));
const summary = (uri: vscode.Uri) => ours(uri).map((d) => `${d.range.start.line + 1}:${codeOf(d)}`).sort();
const run = (a: vscode.CodeAction) => vscode.commands.executeCommand<unknown>(a.command!.command, ...((a.command!.arguments ?? []) as unknown[]));

describe('dependency diagnostics and quick fixes (real extension host)', () => {
  let api: MlopsApi;
  let req: vscode.Uri;
  before(async () => {
    api = await activate();
    req = vscode.Uri.file(path.join(workspaceRoot(), 'requirements.txt'));
  });
  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('the workspace scan reports dependency files that are not open, on the right lines', async () => {
    await api.lint.scanned;
    await until(() => ours(req).length > 0, 20_000, 'diagnostics from the scan');
    assert.deepStrictEqual(summary(req), ['2:unpinned', '3:unpinned-contrib', '4:unpinned', '5:unpinned-contrib', '6:contrib']);
    const einops = ours(req).find((d) => d.code === 'unpinned-contrib')!;
    assert.deepStrictEqual([einops.range.start.line, einops.range.start.character, einops.range.end.character], [2, 0, 11]);
    assert.strictEqual(einops.severity, vscode.DiagnosticSeverity.Warning);
  });

  it('diagnostics follow edits of an open file (debounced)', async () => {
    const doc = await vscode.workspace.openTextDocument(req);
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) => e.insert(new vscode.Position(doc.lineCount, 0), 'rich>=13\nnumpy>>1\n'));
    await until(() => summary(req).includes('7:unpinned-contrib') && summary(req).includes('8:invalid'), 10_000, 'diagnostics for the new lines');
    await editor.edit((e) => e.delete(new vscode.Range(6, 0, 8, 0)));
    await until(() => !summary(req).some((s) => s.startsWith('7:') || s.startsWith('8:')), 10_000, 'diagnostics of removed lines gone');
    await doc.save();
  });

  it('hover explains the rule', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', req, new vscode.Position(2, 3));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n').replace(/&nbsp;/g, ' ');
    assert.match(text, /unpinned-contrib/);
    assert.match(text, /riskiest kind of dependency/);
  });

  it('quick fix: pin to the version installed in the selected Python (asked with importlib.metadata)', async () => {
    const expected = execFileSync('python3', ['-c', 'import importlib.metadata as m; print(m.version("pip"))'], { encoding: 'utf8' }).trim();
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', req, new vscode.Range(3, 0, 3, 7));
    const pin = actions.find((a) => a.title === "Pin 'pip' to the installed version");
    assert.ok(pin?.command, actions.map((a) => a.title).join(' | '));
    assert.ok(actions.some((a) => /^Pin all \d+ unpinned dependencies/.test(a.title)));
    const version = await run(pin);
    assert.strictEqual(version, expected);
    const doc = await vscode.workspace.openTextDocument(req);
    assert.strictEqual(doc.lineAt(3).text, `pip==${expected}`);
    await until(() => !summary(req).includes('4:unpinned'), 10_000, 'pip diagnostic gone');
    await doc.save();
  });

  it('quick fix: a library that is not installed is reported, and the file is not changed', async () => {
    const doc = await vscode.workspace.openTextDocument(req);
    const before = doc.getText();
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', req, new vscode.Range(4, 0, 4, 5));
    const pin = actions.find((a) => a.title === "Pin 'surely-not-installed-pkg' to the installed version");
    assert.ok(pin?.command);
    const warnings: string[] = [];
    const restore = stub(vscode.window, 'showWarningMessage', (m: string) => { warnings.push(m); return Promise.resolve(undefined); });
    try { assert.strictEqual(await run(pin), undefined); } finally { restore(); }
    assert.match(warnings[0] ?? '', /'surely-not-installed-pkg' is not installed in python3/);
    assert.strictEqual(doc.getText(), before);
  });

  it('quick fix: add to the vetted set writes .mlops/policy.json and the warning becomes a plain unpinned one', async () => {
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', req, new vscode.Range(2, 0, 2, 5));
    const vet = actions.find((a) => a.title === "Add 'einops' to the vetted set (.mlops/policy.json)");
    assert.ok(vet?.command, actions.map((a) => a.title).join(' | '));
    await run(vet);
    const policy = JSON.parse(fs.readFileSync(path.join(workspaceRoot(), '.mlops', 'policy.json'), 'utf8')) as { formatVersion: number; vetted: string[] };
    assert.deepStrictEqual(policy, { formatVersion: 1, vetted: ['einops'] });
    await until(() => summary(req).includes('3:unpinned'), 10_000, 'einops now only unpinned');
  });

  it('Python files: contrib imports are information diagnostics; closing the file clears them', async () => {
    const file = path.join(workspaceRoot(), 'train_lint.py');
    fs.writeFileSync(file, 'import os\nimport keras_contrib\ns = "import fake"\n');
    const uri = vscode.Uri.file(file);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    await until(() => ours(uri).length === 1, 10_000, 'contrib-import diagnostic');
    assert.strictEqual(ours(uri)[0].code, 'contrib-import');
    assert.strictEqual(ours(uri)[0].severity, vscode.DiagnosticSeverity.Information);
    assert.strictEqual(ours(uri)[0].range.start.line, 1);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await until(() => ours(uri).length === 0, 10_000, 'cleared on close');
  });

  it('deleting a dependency file clears its diagnostics', async () => {
    const file = path.join(workspaceRoot(), 'requirements-extra.txt');
    fs.writeFileSync(file, 'einops\n');
    const uri = vscode.Uri.file(file);
    await until(() => ours(uri).length === 1, 15_000, 'diagnostic for a new file on disk');
    fs.rmSync(file);
    await until(() => ours(uri).length === 0, 15_000, 'cleared after delete');
  });
});
