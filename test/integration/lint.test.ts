import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { MlopsApi } from '../../src/extension';
import { LintDiagnostics } from '../../src/vscode/lint/lintDiagnostics';
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
    // The workspace scan starts once an MLOps view is shown (or a lintable file is open), not on activation.
    await vscode.commands.executeCommand('mlops.experiments.focus');
  });
  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('the workspace scan reports dependency files that are not open, on the right lines', async () => {
    assert.ok(await api.lint.scanned > 0);
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

  it('the scan goes on past files it cannot parse: each is one unreadable error on line 1, the others keep their diagnostics', async () => {
    const root = workspaceRoot();
    const files = { 'notebooks/a-broken.ipynb': '{"cells":[null]}', 'broken/pyproject.toml': '[project\n', 'broken/environment.yml': 'dependencies: [\n' };
    for (const [rel, text] of Object.entries(files)) { fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true }); fs.writeFileSync(path.join(root, rel), text); }
    try {
      assert.ok(await api.lint.scanWorkspace() >= 4);
      for (const rel of Object.keys(files)) {
        const d = ours(vscode.Uri.file(path.join(root, rel)));
        assert.deepStrictEqual(d.map((x) => [codeOf(x), x.range.start.line, x.severity]), [['unreadable', 0, vscode.DiagnosticSeverity.Error]], rel);
      }
      assert.match(ours(vscode.Uri.file(path.join(root, 'notebooks/a-broken.ipynb')))[0].message, /cell 1 is null/);
      assert.ok(ours(vscode.Uri.file(path.join(root, 'notebooks', 'train_model.ipynb'))).length > 0, 'the notebook after the broken one');
    } finally {
      for (const rel of Object.keys(files)) { fs.rmSync(path.join(root, rel)); }
      fs.rmSync(path.join(root, 'broken'), { recursive: true, force: true });
    }
  });

  it('the scan and the file watcher skip the same folders as mlops lint (build, dist, env, .ipynb_checkpoints, …)', async () => {
    const root = workspaceRoot();
    const nb = fs.readFileSync(path.join(root, 'notebooks', 'train_model.ipynb'), 'utf8');
    const skipped = { 'build/requirements.txt': 'einops\n', 'dist/requirements.txt': 'einops\n', 'env/requirements.txt': 'einops\n', 'node_modules/x/requirements.txt': 'einops\n',
      '.ipynb_checkpoints/train_model-checkpoint.ipynb': nb, 'notebooks/.ipynb_checkpoints/train_model-checkpoint.ipynb': nb };
    for (const [rel, text] of Object.entries(skipped)) { fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true }); fs.writeFileSync(path.join(root, rel), text); }
    // Written last: once the watcher has reported it, it has seen the skipped files too.
    const sentinel = vscode.Uri.file(path.join(root, 'requirements-sentinel.txt'));
    fs.writeFileSync(sentinel.fsPath, 'einops\n');
    try {
      await until(() => ours(sentinel).length === 1, 15_000, 'the watcher lints a new file');
      await api.lint.scanWorkspace();
      for (const rel of Object.keys(skipped)) { assert.deepStrictEqual(ours(vscode.Uri.file(path.join(root, rel))).map(codeOf), [], rel); }
    } finally {
      for (const dir of ['build', 'dist', 'env', 'node_modules', '.ipynb_checkpoints', 'notebooks/.ipynb_checkpoints']) { fs.rmSync(path.join(root, dir), { recursive: true, force: true }); }
      fs.rmSync(sentinel.fsPath);
    }
  });
});

describe('the workspace scan runs in the background, after activation (real extension host)', () => {
  const logged: string[] = [];
  const log = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m), debug: () => undefined };
  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('waits while no MLOps view is shown and no lintable file is open; showing a view starts it, and it lints saved notebooks', async () => {
    const api = await activate();
    const views = [api.trees.experiments.view, api.trees.data.view, api.trees.models.view];
    const nbUri = vscode.Uri.file(path.join(workspaceRoot(), 'notebooks', 'train_model.ipynb'));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    await until(() => views.every((v) => !v.visible), 10_000, 'MLOps views hidden');
    const lint = new LintDiagnostics(log);
    try {
      lint.scanInBackground(views);
      await new Promise((r) => setTimeout(r, 1500));
      assert.strictEqual(lint.scanState, 'waiting');
      assert.deepStrictEqual(lint.findingsOf(nbUri), []);
      await vscode.commands.executeCommand('mlops.experiments.focus');
      assert.ok(await lint.scanned > 0);
      assert.strictEqual(lint.scanState, 'done');
      assert.ok(lint.findingsOf(nbUri).some((f) => f.code === 'notebook-only-training'));
    } finally { lint.dispose(); }
  });

  it('opening a dependency file in an editor also starts it', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    const nbUri = vscode.Uri.file(path.join(workspaceRoot(), 'notebooks', 'train_model.ipynb'));
    const lint = new LintDiagnostics(log);
    try {
      lint.scanInBackground([]);
      assert.strictEqual(lint.scanState, 'waiting');
      await vscode.window.showTextDocument(vscode.Uri.file(path.join(workspaceRoot(), 'requirements.txt')));
      assert.ok(await lint.scanned > 0);
      assert.ok(lint.findingsOf(nbUri).length > 0);
    } finally { lint.dispose(); }
  });
});
