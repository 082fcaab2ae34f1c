import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as vscode from 'vscode';
import { parse } from 'yaml';
import { activate, stub, workspaceRoot } from './helpers';

describe('Add CI Workflow (real extension host)', function () {
  this.timeout(120_000);
  let root = '';
  let workflow = '';
  const cleanUp = async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const d of ['.github', '.mlops-ci']) { fs.rmSync(path.join(root, d), { recursive: true, force: true }); }
  };

  before(async () => {
    const api = await activate();
    await api.stores.ready();
    root = workspaceRoot();
    workflow = path.join(root, '.github', 'workflows', 'mlops.yml');
    await cleanUp();
  });
  after(cleanUp);

  it('writes the workflow and the CLI it runs, opens the workflow, and asks before replacing a changed one', async () => {
    const written = await vscode.commands.executeCommand<string>('mlops.addCiWorkflow');
    assert.strictEqual(written, workflow);
    const w = parse(fs.readFileSync(workflow, 'utf8')) as { on: Record<string, unknown>; jobs: { mlops: { steps: { name?: string; run?: string; with?: Record<string, unknown> }[] } } };
    assert.ok('pull_request' in w.on);
    const steps = w.jobs.mlops.steps;
    assert.strictEqual(steps[0].with?.['fetch-depth'], 0);
    assert.match(steps.find((s) => s.name === 'mlops gate')?.run ?? '', /gate --changed-since "\$since" --missing-artifact skip --format markdown >> "\$GITHUB_STEP_SUMMARY"/);
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, workflow);

    // The vendored CLI really runs, with Node alone.
    const version = spawnSync(process.execPath, [path.join(root, '.mlops-ci', 'cli.js'), '--version'], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    const pkg = vscode.extensions.getExtension('mlops-workbench.mlops-workbench')?.packageJSON as { version: string };
    assert.strictEqual(version.stdout.trim(), pkg.version, version.stderr);

    // A workflow the user changed: declining the modal keeps it; Replace (or { overwrite: true }) rewrites it.
    const mine = `${fs.readFileSync(workflow, 'utf8')}      - run: echo my own step\n`;
    fs.writeFileSync(workflow, mine);
    const asked: string[] = [];
    let answer: string | undefined;
    const restore = stub(vscode.window, 'showWarningMessage', ((message: string, options: vscode.MessageOptions) => {
      asked.push(`${options?.modal ? 'modal: ' : ''}${message}`);
      return Promise.resolve(answer);
    }));
    try {
      assert.strictEqual(await vscode.commands.executeCommand('mlops.addCiWorkflow'), undefined);
      assert.strictEqual(fs.readFileSync(workflow, 'utf8'), mine);
      assert.deepStrictEqual(asked, ['modal: .github/workflows/mlops.yml already exists and differs from the MLOps workflow. Replace it?']);
      answer = 'Replace';
      assert.strictEqual(await vscode.commands.executeCommand('mlops.addCiWorkflow'), workflow);
      assert.doesNotMatch(fs.readFileSync(workflow, 'utf8'), /my own step/);
      fs.writeFileSync(workflow, mine);
      answer = undefined;
      assert.strictEqual(await vscode.commands.executeCommand('mlops.addCiWorkflow', { overwrite: true, defaultBranch: 'trunk' }), workflow);
      assert.strictEqual(asked.length, 2, 'no question with { overwrite: true }');
      assert.match(fs.readFileSync(workflow, 'utf8'), /branches: \[trunk\]/);
    } finally {
      restore();
    }
  });
});
