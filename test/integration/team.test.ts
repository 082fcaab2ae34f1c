import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ModelVersion, ViewNode } from '../../src/core';
import type { ProductionResolution, VersionClaimResolution } from '../../src/core/team/types';
import type { MlopsApi } from '../../src/extension';
import { activate, cli, scriptInputs, stub, ui, until, workspaceRoot } from './helpers';

// Two clones of one bare repository: the test workspace (clone A, this extension host) and clone B (the CLI, as a
// teammate on another machine). Every change reaches A by `git pull` run as a child process: no save event, nothing
// from VS Code, no Refresh — the views must follow the files git writes.
const MODEL = 'team-model';
const OFF = { goals: 'off', constraints: 'off', slices: 'off', lineage: 'off', dependencies: 'off', notebooks: 'off', budget: 'off', reproduced: 'off' };

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_EDITOR: 'true', GIT_MERGE_AUTOEDIT: 'no' } });
}
function gitTry(cwd: string, ...args: string[]): { status: number | null; out: string } {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_EDITOR: 'true', GIT_MERGE_AUTOEDIT: 'no' } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('teams through git: two clones, one store (real extension host, real git)', function () {
  this.timeout(180_000);
  let api: MlopsApi;
  let root = '';
  let tmp = '';
  let bare = '';
  let b = '';
  const runIds: Record<string, string> = {};
  const versionFile = (dir: string, n: number) => path.join(dir, '.mlops', 'models', MODEL, 'versions', `${n}.json`);
  const readVersion = (dir: string, n: number) => JSON.parse(fs.readFileSync(versionFile(dir, n), 'utf8')) as Omit<ModelVersion, 'stageHistory'> & { stageHistory: { stage: string; note?: string }[] };
  const kids = (view: 'experiments' | 'data' | 'models', node?: ViewNode) => api.trees[view].tree.getChildren(node);
  const modelNode = async () => (await kids('models')).find((n) => n.kind === 'model' && n.model === MODEL);
  const commitAll = (dir: string, msg: string) => { git(dir, 'add', '-A'); git(dir, 'commit', '-qm', msg); };
  const logRun = (dir: string, experiment: string, name: string) => {
    const id = (JSON.parse(cli(['run', 'log', '--experiment', experiment, '--name', name, '--metric', 'accuracy=0.8', '--json'], dir)) as { id: string }).id;
    runIds[name] = id;
    return id;
  };
  const artifact = (dir: string, name: string) => {
    fs.mkdirSync(path.join(dir, 'team-models'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'team-models', name), `weights ${name}\n`);
    return `team-models/${name}`;
  };

  before(async () => {
    api = await activate();
    await api.stores.ready();
    root = workspaceRoot();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-team-'));
    bare = path.join(tmp, 'team.git');
    b = path.join(tmp, 'b');
    git(tmp, 'init', '-q', '--bare', '-b', 'main', bare);
    if (!fs.existsSync(path.join(root, '.git'))) { git(root, 'init', '-q', '-b', 'main'); }
    for (const [dir, name] of [[root, 'Ana']] as const) {
      git(dir, 'config', 'user.name', name);
      git(dir, 'config', 'user.email', `${name.toLowerCase()}@example.com`);
      git(dir, 'config', 'commit.gpgsign', 'false');
    }
    // The team's gate lets every version through, so the only thing refusing a promotion here is the conflict.
    fs.writeFileSync(path.join(root, '.mlops', 'goals.json'), JSON.stringify({ formatVersion: 1, gate: { checks: OFF } }, null, 2));
    const setup = await vscode.commands.executeCommand<{ repoRoot: string; configured: boolean }>('mlops.setUpGitMerge', { root });
    assert.ok(setup?.configured, 'Set Up Git Merging configured the driver');
    assert.match(git(root, 'config', 'merge.mlops.driver'), /dist[\\/]cli\.js" git merge-driver %O %A %B %P/);
    assert.match(fs.readFileSync(path.join(root, '.mlops', '.gitattributes'), 'utf8'), /^\*\.json merge=mlops$/m);
    commitAll(root, 'the team store');
    gitTry(root, 'remote', 'remove', 'origin');
    git(root, 'remote', 'add', 'origin', bare);
    git(root, 'push', '-q', '-u', 'origin', 'HEAD:main');
    git(root, 'branch', '-q', '--set-upstream-to=origin/main');
    git(tmp, 'clone', '-q', bare, b);
    git(b, 'config', 'user.name', 'Ben');
    git(b, 'config', 'user.email', 'ben@example.com');
    git(b, 'config', 'commit.gpgsign', 'false');
    cli(['git', 'setup'], b);
  });

  after(async () => {
    fs.rmSync(path.join(root, '.mlops', 'goals.json'), { force: true });
    gitTry(root, 'merge', '--abort');
    gitTry(root, 'remote', 'remove', 'origin');
    fs.rmSync(tmp, { recursive: true, force: true });
    await vscode.commands.executeCommand('mlops.refresh');
  });

  it('a git pull brings the other clone\'s runs, data versions and model versions into the three trees, with no conflict in .mlops/', async () => {
    // A and B work at the same time: A logs a run and commits; B logs runs, tags data, registers three versions.
    logRun(root, 'team-a', 'a-run-1');
    commitAll(root, 'A: a run');
    for (const n of [1, 2, 3]) { logRun(b, 'team-b', `b-run-${n}`); }
    fs.mkdirSync(path.join(b, 'team-data'), { recursive: true });
    fs.writeFileSync(path.join(b, 'team-data', 'rows.csv'), 'x,y\n1,2\n3,4\n');
    cli(['data', 'tag', 'team-data/rows.csv', '--dataset', 'team-data', '--tag', 'from-ben', '--no-profile'], b);
    for (const n of [1, 2, 3]) { cli(['model', 'register', '--name', MODEL, '--run', runIds[`b-run-${n}`], '--artifact', artifact(b, `b${n}.pkl`)], b); }
    commitAll(b, 'B: runs, data, a model');
    git(b, 'push', '-q');

    git(root, 'pull', '-q', '--no-rebase', '--no-edit');
    assert.strictEqual(git(root, 'ls-files', '-u'), '', 'nothing unmerged');

    const exp = await until(async () => (await kids('experiments')).find((n) => n.kind === 'experiment' && n.experiment === 'team-b'), 20_000, 'B\'s experiment in the Experiments view');
    await until(async () => (await kids('experiments', exp)).filter((n) => n.kind === 'run').length === 3, 20_000, 'B\'s three runs');
    assert.ok((await kids('experiments')).some((n) => n.kind === 'experiment' && n.experiment === 'team-a'), 'A\'s own run is still there');
    const ds = await until(async () => (await kids('data')).find((n) => n.kind === 'dataset' && n.dataset === 'team-data'), 20_000, 'B\'s dataset in the Data view');
    assert.ok((await kids('data', ds)).some((n) => n.kind === 'dataVersion'), 'B\'s data version');
    const model = await until(modelNode, 20_000, 'B\'s model in the Models view');
    await until(async () => (await kids('models', model)).filter((n) => n.kind === 'modelVersion').length === 3, 20_000, 'three versions');

    // And back: B pulls A's run.
    git(root, 'push', '-q');
    git(b, 'pull', '-q', '--no-rebase', '--no-edit');
    assert.match(cli(['runs', 'list', '--experiment', 'team-a'], b), /a-run-1/);
  });

  it('two promotions to production merge cleanly, the model warns "2 versions in production", Set Model Stage is refused, Resolve… keeps the one picked', async () => {
    const promoted = await vscode.commands.executeCommand<ModelVersion>('mlops.setModelStage', { root, model: MODEL, version: 2 }, 'production', { skipConfirmation: true });
    assert.strictEqual(promoted?.stage, 'production');
    commitAll(root, 'A: v2 to production');
    cli(['model', 'promote', MODEL, '3', '--stage', 'production'], b);
    commitAll(b, 'B: v3 to production');
    git(b, 'push', '-q');

    git(root, 'pull', '-q', '--no-rebase', '--no-edit');
    assert.strictEqual(git(root, 'status', '--porcelain'), '', 'the merge was clean');
    const warned = await until(async () => { const n = await modelNode(); return n?.description === '2 versions in production' ? n : undefined; }, 20_000, 'the warning on the model');
    assert.strictEqual(warned.contextValue, 'mlops.model.conflict');
    const item = api.trees.models.tree.getTreeItem(warned);
    assert.strictEqual((item.iconPath as vscode.ThemeIcon).id, 'warning');
    const versions = await kids('models', warned);
    assert.deepStrictEqual(versions.filter((n) => n.contextValue?.endsWith('.conflict')).map((n) => n.label).sort(), ['v2', 'v3']);

    if (process.env.EXT_TEST_UI_BRIDGE) {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand('mlops.models.focus');
      await vscode.commands.executeCommand('mlops.revealModelVersion', { root, model: MODEL, version: 3 });
      const sel = '.pane:has(.pane-header[aria-label^="Models"]) .monaco-list-row';
      const rows = await until(async () => { const r = (await ui<string[]>('/texts', { frame: 'main', selector: sel })) ?? []; return r.some((t) => t.includes('2 versions in production')) ? r : undefined; }, 20_000, 'the warning drawn');
      assert.ok(rows.some((t) => t.includes(MODEL)), rows.join(' | '));
      await ui('/screenshot', { name: 'team-conflict' });
    }

    // Set Model Stage to production is refused while two are there, with Resolve… offered; nothing is written.
    const before = fs.readFileSync(versionFile(root, 1), 'utf8');
    const errors: { msg: string; items: string[] }[] = [];
    const restore = stub(vscode.window, 'showErrorMessage', ((msg: string, ...items: string[]) => { errors.push({ msg, items }); return Promise.resolve(undefined); }) as unknown as typeof vscode.window.showErrorMessage);
    try {
      const refused = await vscode.commands.executeCommand('mlops.setModelStage', { root, model: MODEL, version: 1 }, 'production', { skipConfirmation: true });
      assert.strictEqual(refused, undefined);
    } finally { restore(); }
    assert.strictEqual(errors.length, 1, JSON.stringify(errors));
    assert.strictEqual(errors[0].msg, 'MLOps: team-model v1 was not moved to production: team-model has 2 versions in production (2, 3): keep one with Resolve…');
    assert.deepStrictEqual(errors[0].items, ['Resolve…']);
    assert.strictEqual(fs.readFileSync(versionFile(root, 1), 'utf8'), before);

    // Resolve…: the pick lists the two production versions; keep B's v3.
    const s = scriptInputs(['v3']);
    let r: ProductionResolution | undefined;
    try {
      r = await vscode.commands.executeCommand<ProductionResolution>('mlops.resolveModelConflict', warned);
    } finally { s.restore(); }
    assert.deepStrictEqual(s.asked, [`pick:Which version of ${MODEL} stays in production? The others are archived`]);
    assert.deepStrictEqual({ kept: r?.kept, archived: r?.archived }, { kept: 3, archived: [2] });
    assert.strictEqual(readVersion(root, 2).stage, 'archived');
    assert.match(readVersion(root, 2).stageHistory.at(-1)?.note ?? '', /resolved after a merge: kept version 3/);
    assert.strictEqual(readVersion(root, 3).stage, 'production');
    const clean = await until(async () => { const n = await modelNode(); return n && n.contextValue === 'mlops.model' ? n : undefined; }, 20_000, 'the warning gone');
    assert.doesNotMatch(clean.description ?? '', /versions in production/);
    assert.deepStrictEqual((await kids('models', clean)).filter((n) => n.contextValue === 'mlops.modelVersion.production').map((n) => n.label), ['v3']);
    commitAll(root, 'A: resolved, v3 stays in production');
    git(root, 'push', '-q');
  });

  it('one version number claimed on both machines: the pull stops on add/add, the model says "claimed twice", Resolve… keeps both and the merge commits', async () => {
    git(b, 'pull', '-q', '--no-rebase', '--no-edit');
    // A registers v4 through the command, then B registers its own v4 with the CLI (created later, so B's moves).
    const mine = await vscode.commands.executeCommand<ModelVersion>('mlops.registerModel', { runId: runIds['a-run-1'], root }, { name: MODEL, artifact: artifact(root, 'a4.pkl') });
    assert.strictEqual(mine?.version, 4);
    commitAll(root, 'A: v4');
    await new Promise<void>((res) => setTimeout(res, 20)); // distinct createdAt milliseconds
    cli(['model', 'register', '--name', MODEL, '--run', runIds['b-run-1'], '--artifact', artifact(b, 'b4.pkl')], b);
    assert.strictEqual(readVersion(b, 4).runId, runIds['b-run-1']);
    commitAll(b, 'B: v4');
    git(b, 'push', '-q');

    const pull = gitTry(root, 'pull', '--no-rebase', '--no-edit');
    assert.notStrictEqual(pull.status, 0, `the pull stops on the add/add conflict: ${pull.out}`);
    assert.match(git(root, 'ls-files', '-u'), /models\/team-model\/versions\/4\.json/);
    const warned = await until(async () => { const n = await modelNode(); return n?.description?.includes('version 4 claimed twice') ? n : undefined; }, 20_000, 'the claim on the model');
    assert.strictEqual(warned.description, 'version 4 claimed twice');
    assert.strictEqual(warned.contextValue, 'mlops.model.conflict');

    // The gate sees the claim too: promoting any version of the model is refused, with Resolve… offered.
    const errors: { msg: string; items: string[] }[] = [];
    const r0 = stub(vscode.window, 'showErrorMessage', ((msg: string, ...items: string[]) => { errors.push({ msg, items }); return Promise.resolve(undefined); }) as unknown as typeof vscode.window.showErrorMessage);
    try {
      assert.strictEqual(await vscode.commands.executeCommand('mlops.setModelStage', { root, model: MODEL, version: 1 }, 'production', { skipConfirmation: true }), undefined);
    } finally { r0(); }
    assert.deepStrictEqual(errors.map((e) => e.items), [['Resolve…']], JSON.stringify(errors));
    assert.match(errors[0].msg, /team-model v1 was not moved to production: team-model version 4 was created on two machines \(git add\/add conflict\): Resolve… renumbers one, keeping both/);
    assert.strictEqual(readVersion(root, 1).stage, 'none');

    const warnings: { msg: string; detail?: string }[] = [];
    const infos: string[] = [];
    const r1 = stub(vscode.window, 'showWarningMessage', (msg: string, opts: vscode.MessageOptions) => { warnings.push({ msg, detail: opts?.detail }); return Promise.resolve('Renumber'); });
    const r2 = stub(vscode.window, 'showInformationMessage', (msg: string) => { infos.push(msg); return Promise.resolve(undefined); });
    let r: VersionClaimResolution | undefined;
    try {
      r = await vscode.commands.executeCommand<VersionClaimResolution>('mlops.resolveModelConflict', warned);
    } finally { r1(); r2(); }
    assert.strictEqual(warnings.length, 1, JSON.stringify(warnings));
    assert.match(warnings[0].detail ?? '', /v4 \(run b-run-1, created [^)]+\) keeps its number; the other \(run a-run-1, created [^)]+\) becomes v5/);
    assert.deepStrictEqual({ kept: r?.kept.version, from: r?.renumbered.from, to: r?.renumbered.to }, { kept: 4, from: 4, to: 5 });
    assert.ok(infos.some((m) => /both kept: version 4 \(run b-run-1, .*\) and version 5 \(run a-run-1, .*was 4\); staged — finish the merge with Commit/.test(m)), infos.join(' | '));
    // The pushed one (b's) keeps the number; the local one (a's, ours in this merge) moves.
    assert.strictEqual(readVersion(root, 4).runId, runIds['b-run-1']);
    assert.strictEqual(readVersion(root, 5).runId, runIds['a-run-1']);
    assert.strictEqual(readVersion(root, 5).version, 5);

    git(root, 'commit', '--no-edit', '-q');
    assert.strictEqual(git(root, 'status', '--porcelain'), '', 'git status is clean after the merge commit');
    const done = await until(async () => {
      const n = await modelNode();
      if (!n || n.contextValue !== 'mlops.model') { return undefined; }
      const vs = await kids('models', n);
      return vs.length === 5 && vs.every((v) => !v.contextValue?.endsWith('.conflict')) ? vs : undefined;
    }, 20_000, 'five versions, no warning');
    assert.deepStrictEqual(done.map((v) => v.label).sort(), ['v1', 'v2', 'v3', 'v4', 'v5']);
  });

  it('at activation a merge driver left pointing at another installed copy of the extension is rewritten to this one; a driver of someone\'s own CLI is left alone', async () => {
    // The module the extension runs at activation, called with this window's extension path.
    const { checkMergeDriver, ourDriverCommand } = await import('../../src/vscode/team/gitMerge');
    const ext = vscode.extensions.getExtension('mlops-workbench.mlops-workbench')!;
    const state = api.stores.get(root)!;
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Parameters<typeof checkMergeDriver>[2];
    const context = { extensionPath: ext.extensionPath } as vscode.ExtensionContext;
    const moved = `"${process.execPath}" "${path.join(tmp, 'extensions', 'mlops-workbench.mlops-workbench-0.0.1', 'dist', 'cli.js')}" git merge-driver %O %A %B %P`;
    git(root, 'config', 'merge.mlops.driver', moved);
    await checkMergeDriver(context, state, log);
    assert.strictEqual(git(root, 'config', 'merge.mlops.driver').trim(), ourDriverCommand(ext.extensionPath));
    const ownCli = path.join(tmp, 'own-cli.js');
    fs.writeFileSync(ownCli, '// a CLI of their own\n');
    const own = `"${process.execPath}" "${ownCli}" git merge-driver %O %A %B %P`;
    git(root, 'config', 'merge.mlops.driver', own);
    await checkMergeDriver(context, state, log);
    assert.strictEqual(git(root, 'config', 'merge.mlops.driver').trim(), own);
    git(root, 'config', 'merge.mlops.driver', ourDriverCommand(ext.extensionPath));
  });
});
