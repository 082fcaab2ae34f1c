// MLOps: Install CLI Command… writes an `mlops` launcher that runs this extension's CLI; the launcher is then run
// as a real process, the way a terminal would.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { Commands, EXTENSION_ID } from '../../src/vscode/ids';
import { activate, stub, workspaceRoot } from './helpers';

interface InstallResult { file: string; onPath: boolean; pathLine?: string }

describe('MLOps: Install CLI Command… (real extension host)', function () {
  this.timeout(120_000);
  const made: string[] = [];
  const tmp = () => { const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-install-cli-')); made.push(d); return d; };

  before(async function () {
    if (process.platform === 'win32') { this.skip(); }
    await activate();
  });
  after(() => { for (const d of made) { fs.rmSync(d, { recursive: true, force: true }); } });

  it('writes a launcher that runs the extension\'s CLI: mlops --version and mlops runs list work', async () => {
    const bin = path.join(tmp(), 'not', 'yet', 'bin');
    const r = await vscode.commands.executeCommand<InstallResult>(Commands.installCli, { target: bin });
    assert.ok(r, 'the command returned what it wrote');
    assert.strictEqual(r.file, path.join(bin, 'mlops'));
    assert.strictEqual(fs.statSync(r.file).mode & 0o111, 0o111, 'executable');
    assert.match(fs.readFileSync(r.file, 'utf8'), /^# mlops-workbench-launcher \{/m);
    assert.strictEqual(r.onPath, false, 'a fresh folder is not on PATH');
    assert.strictEqual(r.pathLine, `export PATH="${bin}:$PATH"`);

    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const version = execFileSync(r.file, ['--version'], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } }).trim();
    assert.strictEqual(version, (ext.packageJSON as { version: string }).version);
    // On PATH, by name, in the workspace: the runs of the fixture store.
    const list = execFileSync('mlops', ['runs', 'list', '--json'], { cwd: workspaceRoot(), encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
    const ids = (JSON.parse(list) as { id: string }[]).map((x) => x.id);
    const onDisk = fs.readdirSync(path.join(workspaceRoot(), '.mlops', 'runs'));
    assert.ok(ids.length > 0 && ids.every((id) => onDisk.includes(id)), `runs listed through the launcher: ${ids.join(', ')}`);
  });

  it('never replaces another program called mlops without a confirmation; its own launcher is updated in place', async () => {
    const bin = tmp();
    const file = path.join(bin, 'mlops');
    const theirs = '#!/bin/sh\necho "some other mlops"\n';
    fs.writeFileSync(file, theirs, { mode: 0o755 });
    const asked: string[] = [];
    let answer: string | undefined;
    const restore = stub(vscode.window, 'showWarningMessage', (message: string, options: vscode.MessageOptions) => {
      asked.push(`${options.modal ? 'modal: ' : ''}${message}`);
      return Promise.resolve(answer);
    });
    try {
      assert.strictEqual(await vscode.commands.executeCommand(Commands.installCli, { target: bin }), undefined, 'cancelled');
      assert.strictEqual(fs.readFileSync(file, 'utf8'), theirs, 'kept when not confirmed');
      assert.strictEqual(asked.length, 1);
      assert.match(asked[0], /^modal: .*mlops already exists and was not written by MLOps Workbench/);

      answer = 'Replace';
      const r = await vscode.commands.executeCommand<InstallResult>(Commands.installCli, { target: bin });
      assert.strictEqual(r.file, file);
      assert.match(fs.readFileSync(file, 'utf8'), /mlops-workbench-launcher/);
      assert.strictEqual(asked.length, 2);

      // Ours now: installing again asks nothing.
      await vscode.commands.executeCommand(Commands.installCli, { target: bin });
      assert.strictEqual(asked.length, 2, 'no question for our own launcher');

      // A symlink whose target is gone (a pipx venv being rebuilt) is someone else's too: asked, kept when declined.
      const linkDir = tmp();
      const link = path.join(linkDir, 'mlops');
      fs.symlinkSync(path.join(linkDir, 'venv-gone', 'bin', 'mlops'), link);
      answer = undefined;
      assert.strictEqual(await vscode.commands.executeCommand(Commands.installCli, { target: linkDir }), undefined, 'cancelled');
      assert.strictEqual(asked.length, 3);
      assert.match(asked[2], /^modal: .*mlops is a link to .*venv-gone.* and was not written by MLOps Workbench/);
      assert.ok(fs.lstatSync(link).isSymbolicLink(), 'the link is kept');
      assert.strictEqual(fs.readlinkSync(link), path.join(linkDir, 'venv-gone', 'bin', 'mlops'));
    } finally {
      restore();
    }
  });
});
