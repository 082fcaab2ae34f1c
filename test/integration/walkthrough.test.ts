// The "Get started with MLOps Workbench" walkthrough, as a new user meets it: MLOps: Get Started opens it, and
// each step is checked off when the user does the thing — by the step's own command, by the CLI in a terminal
// or by editing a file. The completed steps are read from the rendered workbench, not from our own state.
//
// The fixture workspace already has a store with runs, which would complete the first steps before the test
// starts: its .mlops/ is moved aside for the test (and put back after), and the walkthrough's progress is reset.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { MlopsApi } from '../../src/extension';
import { Commands, ContextKeys } from '../../src/vscode/ids';
import { activate, cli, ui, until, workspaceRoot } from './helpers';

const STEP_TITLES = [
  'Initialize the store', 'Log a first run', 'Tag a data version', 'Compare runs', 'Define goals',
  'Promote a model through the gate', 'Put the mlops command on your PATH',
];

/** Step titles as the workbench renders them (all, or the checked-off ones). */
async function stepTitles(which: 'all' | 'done'): Promise<string[]> {
  const selector = which === 'all' ? 'button.getting-started-step h3.step-title' : 'button.getting-started-step[aria-checked="true"] h3.step-title';
  return ((await ui<string[]>('/texts', { selector, frame: 'main' })) ?? []).map((t) => t.trim());
}

/**
 * Runs a command the way a click on a walkthrough link or the palette does: through the workbench's command
 * service (a command the extension host runs for itself never reaches it, so it could not complete a step).
 */
function runFromWorkbench(command: string, ...args: unknown[]): Thenable<unknown> {
  return vscode.commands.executeCommand('runCommands', { commands: [{ command, args: args.length > 1 ? args : args[0] }] });
}

describe('Get started walkthrough (real extension host)', function () {
  this.timeout(300_000);
  let api: MlopsApi;
  let root: string;
  let saved: string;
  let cliDir: string;
  const made: string[] = [];

  before(async function () {
    if (!process.env.EXT_TEST_UI_BRIDGE) { this.skip(); }
    api = await activate();
    await api.stores.ready();
    root = workspaceRoot();
    saved = path.join(root, `.mlops-before-walkthrough-test`);
    fs.renameSync(path.join(root, '.mlops'), saved);
    await api.stores.reload();
    assert.deepStrictEqual(api.storeRoots(), [], 'no store while the fixture one is aside');
    cliDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-walkthrough-bin-'));
  });

  after(async () => {
    if (!saved) { return; }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(path.join(root, '.mlops'), { recursive: true, force: true });
    fs.renameSync(saved, path.join(root, '.mlops'));
    for (const f of made) { fs.rmSync(f, { recursive: true, force: true }); }
    fs.rmSync(cliDir, { recursive: true, force: true });
    await api.stores.reload();
  });

  it('Get Started opens it, and doing each step (command, CLI or file) checks it off', async () => {
    await vscode.commands.executeCommand('resetGettingStartedProgress');
    // A fresh window: earlier suites in this host already compared runs and installed a launcher, and a step's
    // onContext event fires only when its key changes.
    for (const key of [ContextKeys.walkthroughCompared, ContextKeys.walkthroughCliInstalled]) { await vscode.commands.executeCommand('setContext', key, false); }
    await vscode.commands.executeCommand(Commands.getStarted);
    const titles = await until(async () => { const t = await stepTitles('all'); return t.length ? t : undefined; }, 30_000, 'the walkthrough steps in the workbench');
    assert.deepStrictEqual(titles, STEP_TITLES);
    assert.deepStrictEqual(await stepTitles('done'), [], 'nothing done yet');

    /** Waits until exactly the first `n` steps are checked off (reopening the walkthrough if a panel covered it). */
    const expectDone = async (n: number, what: string) => {
      const done = await until(async () => {
        let d = await stepTitles('done');
        if (!d.length && !(await stepTitles('all')).length) {
          await vscode.commands.executeCommand(Commands.getStarted);
          d = await stepTitles('done');
        }
        return d.length >= n ? d : undefined;
      }, 30_000, `${n} steps checked off after ${what} (have: ${JSON.stringify(await stepTitles('done'))})`);
      assert.deepStrictEqual([...done].sort(), STEP_TITLES.slice(0, n).sort(), `after ${what}`);
    };

    // 1. The step's own button: MLOps: Initialize Store.
    await runFromWorkbench(Commands.initStore);
    await expectDone(1, 'Initialize Store');

    // 2. A training script in a terminal, through the CLI.
    const ids = [1, 2].map((i) => /Logged run ([0-9A-Z]{26})/.exec(cli(['run', 'log', '--experiment', 'walkthrough', '--metric', `acc=0.${80 + i}`, '--no-git'], root))![1]);
    await expectDone(2, 'mlops run log');

    // 3. mlops data tag.
    const data = path.join(root, 'walkthrough-data.csv');
    made.push(data);
    fs.writeFileSync(data, 'age,plan\n31,basic\n45,pro\n');
    cli(['data', 'tag', 'walkthrough-data.csv', '--dataset', 'walkthrough'], root);
    await expectDone(3, 'mlops data tag');

    // A step's command that fails (here Compare Runs of a run that does not exist) checks nothing off: the steps
    // follow what was done, not which command ran.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors'); // a panel an earlier suite left open
    await until(() => api.comparePanel() === undefined || undefined, 10_000, 'no Compare Runs panel');
    await vscode.commands.executeCommand(Commands.getStarted);
    await runFromWorkbench(Commands.compareRuns, { runIds: ['01ZZZZZZZZZZZZZZZZZZZZZZZZ'], root }).then(undefined, () => undefined);
    await new Promise((r) => setTimeout(r, 1500));
    assert.strictEqual(api.comparePanel(), undefined, 'no panel for a missing run');
    await expectDone(3, 'a failed Compare Runs');

    // 4. Compare Runs on the two runs.
    await runFromWorkbench(Commands.compareRuns, { runIds: ids, root });
    await until(() => api.comparePanel(), 30_000, 'the Compare Runs panel');
    await expectDone(4, 'Compare Runs');

    // 5. goals.json written by hand.
    fs.writeFileSync(path.join(root, '.mlops', 'goals.json'), '{\n  "formatVersion": 1,\n  "metrics": [ { "name": "acc", "goal": "max", "threshold": 0.8 } ]\n}\n');
    await expectDone(5, 'goals.json written');

    // 6. A model version promoted to production through the gate (the checks this bare test store cannot pass
    //    are waived with a reason, as the gate asks).
    const model = path.join(root, 'walkthrough-model.bin');
    made.push(model);
    fs.writeFileSync(model, 'weights');
    cli(['model', 'register', '--name', 'walkthrough', '--run', ids[1], '--artifact', 'walkthrough-model.bin'], root);
    cli(['model', 'promote', 'walkthrough', '1', '--stage', 'production', '--waive', 'lineage,dependencies,notebooks', '--reason', 'walkthrough test'], root);
    await expectDone(6, 'mlops model promote');

    // 7. MLOps: Install CLI Command…, into a folder of the test.
    await runFromWorkbench(Commands.installCli, { target: cliDir });
    await until(() => fs.existsSync(path.join(cliDir, process.platform === 'win32' ? 'mlops.cmd' : 'mlops')), 30_000, 'the launcher written');
    await expectDone(7, 'Install CLI Command');

    // Alone in the window (the compare panel had split the editor area), so the steps' drawings have room.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand(Commands.getStarted);
    await until(async () => (await stepTitles('done')).length === STEP_TITLES.length, 10_000, 'the walkthrough shown again');
    // The selected step's drawing (svg media render in a webview, in the workbench's colours).
    await until(async () => ((await ui<string[]>('/texts', { selector: 'svg text', frame: 'webview' })) ?? []).some((t) => t.includes('Explorer')), 30_000, 'the first step\'s drawing');
    await ui('/screenshot', { name: 'walkthrough' });
  });
});
