import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { MlopsApi } from '../../src/extension';
import type { ViewNode } from '../../src/core';
import type { DataComparePanel } from '../../src/vscode/data/comparePanel';
import { DataComparePanel as PanelClass } from '../../src/vscode/data/comparePanel';
import type { DataComparePayload } from '../../src/protocol/dataCompare';
import { EXTENSION_ID } from '../../src/vscode/ids';
import { activate, cli, scriptInputs, stub, ui, until, workspaceRoot } from './helpers';

// Three versions of a dataset of its own, tagged by the CLI (so the other suites' data stays as it was).
const DATASET = 'dcmp-test';
const HOSTILE = '<img src=x onerror=alert(1)>';

function writeVersion(dir: string, rows: number, shift: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const lines = [`id,age,city,${JSON.stringify(HOSTILE)}`];
  // Ages move up by `shift` years, and `shift` more rows live in Paris: v3 has drifted from v1.
  for (let i = 0; i < rows; i++) { lines.push(`${i},${20 + ((i * 7) % 50) + shift},${i < shift * 2 ? 'Paris' : ['Paris', 'Lyon', 'Nice'][i % 3]},${i % 2}`); }
  fs.writeFileSync(path.join(dir, 'people.csv'), lines.join('\n') + '\n');
}

/** Texts of the elements in Compare Data Versions webviews that match a selector (through the launcher's UI bridge). */
async function page(selector: string): Promise<string[]> {
  return (await ui<string[]>('/texts', { frame: 'webview', selector })) ?? [];
}

describe('Compare Data Versions panel (real extension host)', () => {
  let api: MlopsApi;
  let versions: ViewNode[] = [];
  const ids: string[] = [];

  before(async function () {
    api = await activate();
    await api.stores.ready();
    const root = workspaceRoot();
    for (const [tag, shift] of [['v1', 0], ['v2', 5], ['v3', 11]] as const) {
      const dir = path.join(root, 'dcmp-src', tag);
      writeVersion(dir, 60, shift);
      ids.push((JSON.parse(cli(['data', 'tag', dir, '--dataset', DATASET, '--tag', tag, '--json'], root)) as { version: { id: string } }).version.id);
    }
    await vscode.commands.executeCommand('mlops.refresh');
    versions = await until(async () => {
      const ds = (await api.trees.data.tree.getChildren()).find((n) => n.kind === 'dataset' && n.dataset === DATASET);
      const vs = ds ? await api.trees.data.tree.getChildren(ds) : [];
      return vs.length === 3 && vs;
    }, 15_000, 'the three versions in the Data tree');
  });
  afterEach(() => { for (const p of api.dataComparePanels()) { p.dispose(); } });
  // The workspace is shared with the other suites (the sidebar's expects the fixture's datasets only).
  after(async () => {
    const root = workspaceRoot();
    fs.rmSync(path.join(root, '.mlops', 'datasets', DATASET), { recursive: true, force: true });
    fs.rmSync(path.join(root, 'dcmp-src'), { recursive: true, force: true });
    await vscode.commands.executeCommand('mlops.refresh');
    await until(async () => !(await api.trees.data.tree.getChildren()).some((n) => n.dataset === DATASET), 15_000, 'the test dataset gone from the Data tree');
  });

  const byTag = (tag: string) => versions.find((v) => v.label === tag)!;
  const panels = () => api.dataComparePanels();

  it('opens for two refs with the pair in its title, once per pair', async () => {
    const first = await vscode.commands.executeCommand<DataComparePanel>('mlops.compareDataVersions', { a: `${DATASET}:v1`, b: `${DATASET}:v3` });
    assert.ok(first, 'the command returns the panel');
    assert.strictEqual(first.title, `${DATASET} v1 ↔ v3`);
    assert.deepStrictEqual(first.pair, { root: workspaceRoot(), a: `${DATASET}:${ids[0]}`, b: `${DATASET}:${ids[2]}` });
    // The same pair again (by id this time) reveals that panel instead of opening a second one.
    const again = await vscode.commands.executeCommand<DataComparePanel>('mlops.compareDataVersions', { a: `${DATASET}:${ids[0]}`, b: `${DATASET}:v3` });
    assert.strictEqual(again, first);
    assert.strictEqual(panels().length, 1);
    // Another pair is another panel.
    const other = await vscode.commands.executeCommand<DataComparePanel>('mlops.compareDataVersions', { a: `${DATASET}:v2`, b: `${DATASET}:v3` });
    assert.notStrictEqual(other, first);
    assert.deepStrictEqual(panels().map((p) => p.title).sort(), [`${DATASET} v1 ↔ v3`, `${DATASET} v2 ↔ v3`]);
    // Closing one leaves the other, and forgets the closed pair.
    first.panel.dispose();
    assert.deepStrictEqual(panels().map((p) => p.title), [`${DATASET} v2 ↔ v3`]);
  });

  it('from one version in the Data tree: compares it with the previous version of its dataset', async () => {
    const p = await vscode.commands.executeCommand<DataComparePanel>('mlops.compareDataVersions', byTag('v2'));
    assert.strictEqual(p?.title, `${DATASET} v1 ↔ v2`);
    assert.deepStrictEqual([p.pair.a, p.pair.b], [`${DATASET}:${ids[0]}`, `${DATASET}:${ids[1]}`]);
  });

  it('from the Data tree\'s drift item under a version: the pair it reports on', async () => {
    const drift = await until(async () => (await api.trees.data.tree.getChildren(byTag('v3'))).find((n) => n.kind === 'drift'), 15_000, 'the drift item under v3');
    const item = api.trees.data.tree.getTreeItem(drift);
    assert.ok(item.command, 'clicking the drift item runs a command');
    const p = await vscode.commands.executeCommand<DataComparePanel>(item.command.command, ...((item.command.arguments ?? []) as unknown[]));
    assert.strictEqual(p?.title, `${DATASET} v2 ↔ v3`);
    // Its context menu passes the node itself: the same pair, the same panel.
    assert.strictEqual(await vscode.commands.executeCommand<DataComparePanel>('mlops.compareDataVersions', drift), p);
  });

  it('from two selected versions: the older one is the reference, whatever the selection order', async () => {
    const p = await vscode.commands.executeCommand<DataComparePanel>('mlops.compareDataVersions', byTag('v3'), [byTag('v3'), byTag('v1')]);
    assert.strictEqual(p?.title, `${DATASET} v1 ↔ v3`);
  });

  it('from the palette: dataset, version A, then version B of any dataset; "Other Versions…" asks the same', async () => {
    const inputs = scriptInputs([DATASET, 'v3', `${DATASET} v2`]);
    let p: DataComparePanel | undefined;
    try { p = await vscode.commands.executeCommand<DataComparePanel>('mlops.compareDataVersions'); } finally { inputs.restore(); }
    assert.strictEqual(p?.title, `${DATASET} v3 ↔ v2`, 'A is what was picked first, even when newer');
    assert.deepStrictEqual(inputs.asked, ['pick:Dataset of version A (the reference)', `pick:Version A of ${DATASET} (the reference)`, `pick:Version B to compare with ${DATASET} v3 (any dataset)`]);
    const more = scriptInputs([DATASET, 'v1', `${DATASET} v2`]);
    try { assert.strictEqual(await p.handle({ type: 'pickVersions' }), true); } finally { more.restore(); }
    assert.deepStrictEqual(panels().map((x) => x.title).sort(), [`${DATASET} v1 ↔ v2`, `${DATASET} v3 ↔ v2`]);
  });

  it('refuses a ref that names no version, and the same version twice, with one clear message each', async () => {
    const shown: string[] = [];
    const restore = stub(vscode.window, 'showErrorMessage', ((m: string) => { shown.push(m); return Promise.resolve(undefined); }));
    try {
      assert.strictEqual(await vscode.commands.executeCommand('mlops.compareDataVersions', { a: `${DATASET}:v1`, b: `${DATASET}:v9` }), undefined);
      assert.strictEqual(await vscode.commands.executeCommand('mlops.compareDataVersions', { a: `${DATASET}:v1`, b: `${DATASET}:${ids[0]}` }), undefined);
    } finally { restore(); }
    assert.strictEqual(shown.length, 2, shown.join('\n'));
    assert.match(shown[0], /v9/);
    assert.match(shown[1], /same version on both sides/);
    assert.strictEqual(panels().length, 0);
  });

  it('drops invalid messages from the page and saves an export exactly as the page built it', async () => {
    const p = (await vscode.commands.executeCommand<DataComparePanel>('mlops.compareDataVersions', { a: `${DATASET}:v1`, b: `${DATASET}:v2` }));
    assert.strictEqual(await p.handle({ type: 'bogus' }), false);
    assert.strictEqual(await p.handle({ type: 'export', format: 'xlsx', text: 'x' }), false);
    const target = path.join(workspaceRoot(), 'dcmp-src', 'drift.csv');
    const text = `column,PSI\r\n"${HOSTILE.replace(/"/g, '""')}",0.3\r\n`;
    let offered = '';
    const restore = stub(vscode.window, 'showSaveDialog', ((o?: vscode.SaveDialogOptions) => { offered = o?.defaultUri?.fsPath ?? ''; return Promise.resolve(vscode.Uri.file(target)); }));
    try { assert.strictEqual(await p.handle({ type: 'export', format: 'csv', text }), true); } finally { restore(); }
    assert.strictEqual(fs.readFileSync(target, 'utf8'), text);
    assert.strictEqual(path.basename(offered), `drift-${DATASET}_${ids[0]}-vs-${DATASET}_${ids[1]}.csv`);
  });

  it('the real webview under VS Code\'s CSP: handshake, a report with hostile names as text, a failure shown in the page', async function () {
    if (!process.env.EXT_TEST_UI_BRIDGE) { this.skip(); }
    // The panel class from the compiled sources (not the bundle's copy), fed a hand-made report, loading the built page.
    const ext = { extensionUri: vscode.extensions.getExtension(EXTENSION_ID)!.extensionUri } as vscode.ExtensionContext;
    const log = { info() {}, debug() {}, warn() {}, error() {} } as unknown as Parameters<typeof PanelClass.show>[1];
    const chart = { kind: 'categories' as const, labels: ['Paris', HOSTILE], reference: [0.5, 0.5], current: [0.2, 0.8] };
    const payload: DataComparePayload = {
      a: { label: 'hand-made A', dataset: 'x', versionId: 'A' }, b: { label: 'hand-made B', dataset: 'x', versionId: 'B' },
      drift: { reference: { label: 'A', rows: 10 }, current: { label: 'B', rows: 10 }, options: { method: 'auto', driftShare: 0.5, psiMinor: 0.1, psiMajor: 0.25 },
        columns: [{ column: HOSTILE, kind: 'cat', referenceType: 'categorical', currentType: 'categorical', test: 'z', score: 0.01, threshold: 0.05, rule: 'p < 0.05', drifted: true,
          psi: { value: 0.3, threshold: 0.1, drifted: true, binning: { kind: 'values', bins: 2 } }, class: 'major', referenceN: 10, currentN: 10, referenceMissing: 0, currentMissing: 0, distinctCombined: 2, sampled: false, chart }],
        onlyInReference: [], onlyInCurrent: [], skipped: [], dataset: { columns: 1, drifted: 1, share: 1, driftShare: 0.5, drift: true, class: 'major' } },
      sources: { a: { label: 'A', rows: 10 }, b: { label: 'B', rows: 10 }, columns: [{ a: HOSTILE, b: HOSTILE, how: 'exact' }], discrepancies: [] },
    };
    let fail = false;
    const p = PanelClass.show(ext, log, { load: () => (fail ? Promise.reject(new Error('profile of <b>B</b> unreadable')) : Promise.resolve(payload)) }, { root: workspaceRoot(), a: 'x:A', b: 'x:B' }, 'hand-made');
    try {
      await until(async () => (await page('#columns tbody th.column-name')).includes(HOSTILE), 30_000, 'the hostile name as text in the page');
      assert.deepStrictEqual(await page('#columns tbody td .badge'), ['major']);
      assert.deepStrictEqual(await page('#columns img, #alignment img'), [], 'no element was made from a name');
      await ui('/screenshot', { name: 'data-compare-fabricated' });
      // The page asks again when it is shown after being hidden (it is not kept alive); this time the host fails.
      fail = true;
      const restore = stub(vscode.window, 'showErrorMessage', (() => Promise.resolve(undefined)));
      try {
        await p.handle({ type: 'ready' });
        await until(async () => (await page('#error')).some((t) => t === 'The comparison could not be made: profile of <b>B</b> unreadable'), 15_000, 'the failure in the page');
      } finally { restore(); }
      assert.strictEqual(p.failure, 'profile of <b>B</b> unreadable');
    } finally { p.dispose(); }
  });

  it('the page answers ready and shows the report of the pair', async function () {
    // What the page shows is read from the real webview DOM, which only the offline launcher's bridge can see.
    if (!process.env.EXT_TEST_UI_BRIDGE) { this.skip(); }
    const p = (await vscode.commands.executeCommand<DataComparePanel>('mlops.compareDataVersions', { a: `${DATASET}:v1`, b: `${DATASET}:v3` }));
    // A hidden page is not kept alive: it says ready (and gets the report) when shown.
    p.panel.reveal(vscode.ViewColumn.Active, false);
    await until(() => p.report ?? p.failure, 30_000, 'the report built after the page said ready');
    assert.strictEqual(p.failure, undefined, `the comparison failed: ${p.failure}`);
    await until(async () => (await page('#columns tbody th.column-name')).length >= 3, 30_000, 'the columns table in the page');
    const names = await page('#columns tbody th.column-name');
    assert.ok(names.includes('age') && names.includes('city') && names.includes(HOSTILE), names.join(' | '));
    assert.deepStrictEqual(await page('h1 .version-label'), [`${DATASET} v1`, `${DATASET} v3`]);
    // The report the core made from the stored profiles, as the page shows it: age drifted (KS), id did not.
    const age = p.report!.drift.columns.find((c) => c.column === 'age')!;
    assert.strictEqual(age.drifted, true, JSON.stringify(age));
    assert.ok(!p.report!.drift.columns.find((c) => c.column === 'id')!.drifted);
    assert.ok((await page('#columns tbody tr.drifted th.column-name')).includes('age'));
    await ui('/screenshot', { name: 'data-compare-panel' });

    // Drift settings written to goals.json while the panel is open: the report follows without reopening it.
    const goals = path.join(workspaceRoot(), '.mlops', 'goals.json');
    const before = fs.existsSync(goals) ? fs.readFileSync(goals, 'utf8') : undefined;
    try {
      fs.writeFileSync(goals, '{ "formatVersion": 1, "drift": { "share": 0.01 } }\n');
      await until(() => p.report?.drift.dataset.driftShare === 0.01, 20_000, 'the report rebuilt with the new drift share');
      assert.strictEqual(p.report!.drift.dataset.drift, true);
    } finally {
      if (before === undefined) { fs.rmSync(goals, { force: true }); } else { fs.writeFileSync(goals, before); }
    }
  });
});
