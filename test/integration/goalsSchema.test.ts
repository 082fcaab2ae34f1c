// The JSON Schema contributed for .mlops/goals.json reaches VS Code's own JSON support: completion, hovers and
// inline errors while someone edits the file by hand.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { activate, until, workspaceRoot } from './helpers';

describe('goals.json JSON Schema in the editor (real extension host)', () => {
  let file: string;
  let before: string | undefined;

  beforeEach(async () => {
    await activate();
    file = path.join(workspaceRoot(), '.mlops', 'goals.json');
    before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (before === undefined) { fs.rmSync(file, { force: true }); } else { fs.writeFileSync(file, before); }
  });

  it('flags a value the schema does not allow, from the JSON language server', async () => {
    fs.writeFileSync(file, '{\n  "formatVersion": 1,\n  "metrics": [ { "name": "recall", "goal": "up" } ]\n}\n');
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    assert.strictEqual(doc.languageId, 'json');
    const fromSchema = await until(() => {
      const d = vscode.languages.getDiagnostics(doc.uri).filter((x) => x.source !== 'MLOps' && /max|min|not accepted|enum/i.test(x.message));
      return d.length ? d : undefined;
    }, 30_000, 'a schema diagnostic from the JSON language server');
    assert.strictEqual(fromSchema[0].range.start.line, 2);
    assert.strictEqual(doc.getText(fromSchema[0].range), '"up"');
  });

  it('completes the properties of a KPI and explains them on hover', async () => {
    fs.writeFileSync(file, '{\n  "formatVersion": 1,\n  "kpis": [ {  } ]\n}\n');
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const inKpi = new vscode.Position(2, 13);
    const labels = await until(async () => {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, inKpi);
      const names = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
      return names.includes('formula') ? names : undefined;
    }, 30_000, 'schema completions inside a KPI');
    for (const k of ['name', 'formula', 'threshold', 'owner', 'unit']) { assert.ok(labels.includes(k), `${k} in ${labels.join(', ')}`); }

    fs.writeFileSync(file, '{\n  "formatVersion": 1,\n  "constraints": { "maxLatencyMsP95": 20 }\n}\n');
    const doc2 = await vscode.workspace.openTextDocument(file);
    await until(() => doc2.getText().includes('maxLatencyMsP95'), 10_000, 'the file reloaded');
    const hover = await until(async () => {
      const hs = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc2.uri, new vscode.Position(2, 22));
      const text = hs.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n').replace(/\\/g, '');
      return /95th percentile/.test(text) ? text : undefined;
    }, 30_000, 'a hover from the schema');
    assert.match(hover, /run\.benchmark/);
  });
});
