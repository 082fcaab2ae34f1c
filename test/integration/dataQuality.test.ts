import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { MlopsApi } from '../../src/extension';
import type { ViewNode } from '../../src/core';
import { activate, ui, until, workspaceRoot } from './helpers';

const REPO = process.env.EXT_TEST_REPO_ROOT ?? path.resolve(__dirname, '../../..');
const TITANIC = path.resolve(REPO, '..', 'shared', 'corpus', 'data', 'titanic', 'mljar-supervised');
const DATASET = 'titanic-quality';

describe('data quality: profiles, schema findings in Problems and the Data view (real extension host)', () => {
  let api: MlopsApi;
  const kids = (node?: ViewNode) => api.trees.data.tree.getChildren(node);
  const labels = (nodes: ViewNode[]) => nodes.map((n) => n.label);
  const dataFile = () => path.join(workspaceRoot(), 'quality', 'titanic.csv');

  before(async () => {
    api = await activate();
    await api.stores.ready();
    fs.mkdirSync(path.dirname(dataFile()), { recursive: true });
    fs.copyFileSync(path.join(TITANIC, 'train.csv'), dataFile());
  });

  after(async () => {
    // Other suites share the workspace: take the dataset and its file away again.
    fs.rmSync(path.join(workspaceRoot(), '.mlops', 'datasets', DATASET), { recursive: true, force: true });
    fs.rmSync(path.dirname(dataFile()), { recursive: true, force: true });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('mlops.refresh');
  });

  async function versionNodes(): Promise<ViewNode[]> {
    const ds = (await kids()).find((n) => n.label === DATASET);
    return ds ? kids(ds) : [];
  }

  it('tags and profiles a file, writes schema.json from it once, and shows its findings in Problems at the first offending row', async () => {
    const v = await vscode.commands.executeCommand<{ id: string }>('mlops.tagData', { path: dataFile(), dataset: DATASET, tags: ['train'] });
    assert.ok(v?.id);
    assert.ok(fs.existsSync(path.join(workspaceRoot(), '.mlops', 'datasets', DATASET, 'versions', `${v.id}.profile.json`)), 'the profile is written with the version');

    const schemaFile = await vscode.commands.executeCommand<string>('mlops.createDataSchema', { root: workspaceRoot(), versionId: v.id });
    assert.strictEqual(schemaFile, path.join(workspaceRoot(), '.mlops', 'datasets', DATASET, 'schema.json'));
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, schemaFile, 'the new schema is opened for editing');
    const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as { columns: { name: string; values?: string[] }[] };
    assert.deepStrictEqual(schema.columns.map((c) => c.name).slice(0, 3), ['PassengerId', 'Survived', 'Pclass']);

    // An edit a person would make: canonical port names. The file's S/C/Q spellings are now unexpected.
    schema.columns.find((c) => c.name === 'Embarked')!.values = ['Southampton', 'Cherbourg', 'Queenstown'];
    fs.writeFileSync(schemaFile, JSON.stringify(schema, null, 2) + '\n');
    const uri = vscode.Uri.file(dataFile());
    const diag = await until(() => vscode.languages.getDiagnostics(uri).find((d) => d.code === 'unexpected-category'), 20_000, 'the Embarked finding in Problems');
    assert.strictEqual(diag.source, 'MLOps data');
    assert.strictEqual(diag.severity, vscode.DiagnosticSeverity.Error);
    assert.strictEqual(diag.range.start.line, 1, 'on the first passenger, who embarked at S (line 2)');
    assert.match(diag.message, /^Embarked: .*"S" → "Southampton"/);

    // A second Create Data Schema never replaces the edited file.
    const edited = fs.readFileSync(schemaFile, 'utf8');
    assert.strictEqual(await vscode.commands.executeCommand('mlops.createDataSchema', { root: workspaceRoot(), versionId: v.id }), undefined);
    assert.strictEqual(fs.readFileSync(schemaFile, 'utf8'), edited);
  });

  it('a version expands to Columns, schema findings and drift from the previous version', async () => {
    fs.copyFileSync(path.join(TITANIC, 'test_with_Survived.csv'), dataFile());
    await vscode.commands.executeCommand('mlops.tagData', { path: dataFile(), dataset: DATASET, tags: ['test'] });
    const versions = await until(async () => { const vs = await versionNodes(); return vs.length === 2 && vs; }, 10_000, 'two versions in the Data view');
    assert.deepStrictEqual(labels(versions), ['test', 'train']);
    assert.match(versions[0].description ?? '', /drift minor: 5\/12 columns/);
    const children = await kids(versions[0]);
    const columns = children.find((n) => n.kind === 'columns');
    assert.ok(columns, labels(children).join(' | '));
    const cols = await kids(columns);
    assert.strictEqual(cols.length, 12);
    assert.match(cols.find((c) => c.label === 'Age')?.description ?? '', /^float · 86 missing/);
    const item = api.trees.data.tree.getTreeItem(cols.find((c) => c.label === 'Embarked')!);
    assert.strictEqual((item.iconPath as vscode.ThemeIcon).id, 'error', 'a column with an error finding shows an error icon');
    const drift = children.find((n) => n.kind === 'drift');
    assert.strictEqual(drift?.label, 'Drift from train: minor');
    const driftItem = api.trees.data.tree.getTreeItem(drift);
    assert.strictEqual(driftItem.command?.command, 'mlops.compareDataVersions');
    const finding = (await kids(children.find((n) => n.kind === 'schemaStatus'))).find((n) => n.label === 'Embarked: unexpected-category');
    assert.ok(finding);
    const open = api.trees.data.tree.getTreeItem(finding).command;
    assert.strictEqual(open?.command, 'vscode.open');
    // Problems follow the newest version (the test split): still the Embarked finding, now on its first row.
    await until(() => vscode.languages.getDiagnostics(vscode.Uri.file(dataFile())).find((d) => d.code === 'unexpected-category' && d.range.start.line === 1), 20_000, 'Problems for the newest version');
  });

  it('the workbench renders the columns and the drift row of a version', async function () {
    if (!process.env.EXT_TEST_UI_BRIDGE) { this.skip(); }
    await vscode.commands.executeCommand('mlops.data.focus');
    await until(() => api.trees.data.view.visible, 20_000, 'Data view visible');
    const [test] = await versionNodes();
    const children = await kids(test);
    const sel = '.pane:has(.pane-header[aria-label^="Data"]) .monaco-list-row';
    // The list renders only the rows in sight: reveal each one (again, until it is drawn) before reading it.
    const rowsWith = (what: string, node: ViewNode, text: string) => until(async () => {
      await api.trees.data.view.reveal(node, { expand: false, focus: true, select: true });
      const r = (await ui<string[]>('/texts', { frame: 'main', selector: sel })) ?? [];
      return r.some((t) => t.includes(text)) ? r : undefined;
    }, 30_000, what);
    const top = await rowsWith('the drift row rendered', children.find((n) => n.kind === 'drift')!, 'Drift from train');
    assert.ok(top.some((t) => /Drift from train: minor.*5 of 12 columns drifted/.test(t)), top.join(' | '));
    const age = (await kids(children.find((n) => n.kind === 'columns'))).find((n) => n.label === 'Age')!;
    const rows = await rowsWith('the Age column row rendered', age, 'Age');
    assert.ok(rows.some((t) => /Age.*float · 86 missing/.test(t)), rows.join(' | '));
    const shot = await ui<string>('/screenshot', { name: 'data-view-columns' });
    assert.ok(shot);
  });
});
