// Every kind of `.mlops/**/*.json` file gets its shipped JSON Schema from VS Code's own JSON support
// (contributes.jsonValidation): someone who edits a file by hand, or resolves a merge in one, sees a wrong value
// underlined at once. The files are the ones the CLI writes, in a store made for this test; the broken text is
// never saved.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../../src/vscode/ids';
import { activate, cli, until, workspaceRoot } from './helpers';

interface Kind {
  kind: string;
  /** Path under the store's `.mlops/`. */
  file: string;
  /** The field whose value is replaced (its first occurrence in the file). */
  field: string;
  wrong: string;
}

const extensionPath = () => vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
// The JSON language server's diagnostics carry no source in this VS Code (older ones said 'json'); ours say 'MLOps'.
const jsonDiagnostics = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === undefined || d.source === 'json');

describe('JSON Schemas of every .mlops file kind in the editor (real extension host)', function () {
  this.timeout(240_000);
  let dir: string;
  let store: string;
  let kinds: Kind[];
  let autoSave: string | undefined;

  before(async () => {
    await activate();
    // VS Code for the Web saves after a delay by default: the broken text must stay in the editor only.
    const files = vscode.workspace.getConfiguration('files');
    autoSave = files.inspect<string>('autoSave')?.globalValue;
    await files.update('autoSave', 'off', vscode.ConfigurationTarget.Global);
    // A store of its own, in a folder of the workspace: the fileMatch patterns apply to any `.mlops/` folder.
    dir = fs.mkdtempSync(path.join(workspaceRoot(), 'schema-check-'));
    store = path.join(dir, '.mlops');
    cli(['init'], dir);
    assert.ok(fs.existsSync(path.join(store, 'mlops.json')), 'the CLI made the store in the test folder');
    const logged = cli(['run', 'log', '--experiment', 'base', '--metric', 'acc=0.9', '--param', 'lr=0.1', '--no-git'], dir);
    const runId = /Logged run ([0-9A-Z]{26})/.exec(logged)?.[1];
    assert.ok(runId, logged);
    fs.writeFileSync(path.join(dir, 'train.csv'), 'age,plan\n31,basic\n45,pro\n');
    const tagged = cli(['data', 'tag', 'train.csv', '--dataset', 'train'], dir);
    const versionId = /version ([0-9A-Z]{26})/.exec(tagged)?.[1];
    assert.ok(versionId, tagged);
    cli(['data', 'schema', 'train'], dir);
    fs.writeFileSync(path.join(dir, 'model.bin'), 'weights');
    cli(['model', 'register', '--name', 'churn', '--run', runId, '--artifact', 'model.bin'], dir);
    // Files people write by hand (no command writes them whole), in the shape docs/format.md gives.
    fs.writeFileSync(path.join(store, 'goals.json'), '{\n  "formatVersion": 1,\n  "metrics": [ { "name": "acc", "goal": "max" } ]\n}\n');
    fs.writeFileSync(path.join(store, 'policy.json'), '{\n  "formatVersion": 1,\n  "lint": { "severity": { "unpinned": "warning" } }\n}\n');
    fs.mkdirSync(path.join(store, 'pipelines'));
    fs.writeFileSync(path.join(store, 'pipelines', 'retrain.json'), '{\n  "formatVersion": 1,\n  "steps": [ { "id": "train", "run": "python train.py" } ]\n}\n');

    kinds = [
      { kind: 'store manifest', file: 'mlops.json', field: 'formatVersion', wrong: '0' },
      { kind: 'experiment', file: 'experiments/base.json', field: 'createdAt', wrong: '"yesterday"' },
      { kind: 'run', file: `runs/${runId}/run.json`, field: 'status', wrong: '"runnning"' },
      { kind: 'dataset', file: 'datasets/train/dataset.json', field: 'name', wrong: '"../train"' },
      { kind: 'data version', file: `datasets/train/versions/${versionId}.json`, field: 'sizeBytes', wrong: '"41 B"' },
      // `versions/*.json` matches `<id>.profile.json` too: without the exclusion the profile would also be held to
      // the data version schema and miss its required fields.
      { kind: 'data profile', file: `datasets/train/versions/${versionId}.profile.json`, field: 'format', wrong: '"xlsx"' },
      { kind: 'data schema', file: 'datasets/train/schema.json', field: 'type', wrong: '"int"' },
      { kind: 'model', file: 'models/churn/model.json', field: 'createdAt', wrong: 'true' },
      { kind: 'model version', file: 'models/churn/versions/1.json', field: 'stage', wrong: '"prod"' },
      { kind: 'goals', file: 'goals.json', field: 'goal', wrong: '"up"' },
      { kind: 'policy', file: 'policy.json', field: 'unpinned', wrong: '"loud"' },
      { kind: 'pipeline', file: 'pipelines/retrain.json', field: 'run', wrong: '5' },
    ];
    for (const k of kinds) { assert.ok(fs.existsSync(path.join(store, k.file)), `${k.kind}: ${k.file} was written`); }
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  after(async () => {
    await vscode.workspace.getConfiguration('files').update('autoSave', autoSave, vscode.ConfigurationTarget.Global);
    if (dir) { fs.rmSync(dir, { recursive: true, force: true }); }
  });

  it('covers every shipped schema of a .json file kind', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(extensionPath(), 'package.json'), 'utf8')) as {
      contributes: { jsonValidation: { url: string }[] };
    };
    const contributed = new Set(pkg.contributes.jsonValidation.map((j) => path.basename(j.url)));
    // metrics.jsonl and the data manifests are JSON Lines: the JSON language does not open them.
    const shipped = fs.readdirSync(path.join(extensionPath(), 'schemas'))
      .filter((f) => !['metric-point.schema.json', 'manifest-entry.schema.json'].includes(f));
    assert.deepStrictEqual(shipped.filter((f) => !contributed.has(f)), [], 'schemas not contributed to the editor');
    assert.strictEqual(kinds.length, shipped.length, 'one case below per contributed schema');
  });

  it('underlines a wrong value in each kind of file, and nothing in the file as the store wrote it', async () => {
    for (const k of kinds) {
      const uri = vscode.Uri.file(path.join(store, k.file));
      const original = fs.readFileSync(uri.fsPath, 'utf8');
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      assert.strictEqual(doc.languageId, 'json', `${k.kind}: ${k.file} opens as JSON`);

      const at = new RegExp(`"${k.field}"\\s*:\\s*`).exec(original);
      assert.ok(at, `${k.kind}: "${k.field}" in ${k.file}`);
      const start = at.index + at[0].length;
      const valueLength = /^("(?:[^"\\]|\\.)*"|[^,\s}\]]+)/.exec(original.slice(start))![0].length;
      const range = new vscode.Range(doc.positionAt(start), doc.positionAt(start + valueLength));
      const edit = new vscode.WorkspaceEdit();
      edit.replace(uri, range, k.wrong);
      assert.ok(await vscode.workspace.applyEdit(edit), `${k.kind}: edit applied`);

      const found = await until(() => {
        const d = jsonDiagnostics(uri).filter((x) => doc.getText(x.range) === k.wrong);
        return d.length ? d : undefined;
      }, 30_000, `${k.kind}: a schema diagnostic on ${k.wrong} in ${k.file} (have: ${JSON.stringify(vscode.languages.getDiagnostics(uri).map((x) => [x.source, x.message, doc.getText(x.range)]))})`);
      const line = doc.lineAt(found[0].range.start.line).text;
      assert.ok(line.includes(`"${k.field}"`), `${k.kind}: the diagnostic is on the "${k.field}" line: ${line}`);

      // Back to the text the store wrote, never saved in between: the schema accepts it.
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('workbench.action.files.revert');
      // The reverted text reaches the extension host in its own message, after the command returns.
      await until(() => !doc.isDirty && doc.getText() === original, 10_000, `${k.kind}: reverted`);
      assert.strictEqual(fs.readFileSync(uri.fsPath, 'utf8'), original, `${k.kind}: the file on disk was never changed`);
      await until(() => jsonDiagnostics(uri).length === 0, 30_000,
        `${k.kind}: no diagnostic on ${k.file} as written (have: ${JSON.stringify(vscode.languages.getDiagnostics(uri).map((x) => [x.source, x.message, doc.getText(x.range)]))})`);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    }
  });

  it('offers the allowed values and explains a field on hover in a run', async () => {
    const runDir = fs.readdirSync(path.join(store, 'runs'))[0];
    const uri = vscode.Uri.file(path.join(store, 'runs', runDir, 'run.json'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const text = doc.getText();
    const inStatus = doc.positionAt(text.indexOf('"finished"') + 1);
    const labels = await until(async () => {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, inStatus);
      const names = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label).replace(/"/g, ''));
      return names.includes('killed') ? names : undefined;
    }, 30_000, 'status values from the schema');
    for (const s of ['running', 'finished', 'failed', 'killed']) { assert.ok(labels.includes(s), `${s} in ${labels.join(', ')}`); }
    const inId = doc.positionAt(text.indexOf('"id"') + 2);
    const hover = await until(async () => {
      const hs = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, inId);
      const t = hs.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
      return /ULID/.test(t) ? t : undefined;
    }, 30_000, 'a hover on "id" from the schema');
    assert.match(hover, /Crockford base32/);
  });
});
