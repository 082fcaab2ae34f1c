import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { activate, workspaceRoot } from './helpers';
import { EXTENSION_ID } from '../../src/vscode/ids';

describe('activation (real extension host)', () => {
  it('runs inside a real VS Code extension host on Node', () => {
    assert.strictEqual(typeof process.versions.node, 'string');
    assert.match(vscode.version, /^\d+\.\d+\.\d+/);
    console.log(`VS Code ${vscode.version} (${vscode.env.appHost}), extension host Node ${process.version}`);
  });

  it('activates on a workspace with .mlops/ and finds the store', async () => {
    const api = await activate();
    await api.stores.ready();
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
    assert.deepStrictEqual(api.storeRoots(), [workspaceRoot()]);
  });

  it('registers every command declared in package.json', async () => {
    await activate();
    const pkg = JSON.parse(fs.readFileSync(path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = pkg.contributes.commands.map((c) => c.command).filter((c) => !registered.has(c));
    assert.deepStrictEqual(missing, []);
  });

  it('MLOps: Initialize Store creates a store in a new folder and leaves an existing one untouched', async () => {
    await activate();
    const fresh = fs.mkdtempSync(path.join(workspaceRoot(), 'fresh-'));
    const dir = await vscode.commands.executeCommand<string>('mlops.initStore', vscode.Uri.file(fresh));
    assert.strictEqual(dir, path.join(fresh, '.mlops'));
    const manifest = JSON.parse(fs.readFileSync(path.join(fresh, '.mlops', 'mlops.json'), 'utf8')) as { formatVersion: number };
    assert.strictEqual(manifest.formatVersion, 1);
    const before = fs.readFileSync(path.join(workspaceRoot(), '.mlops', 'mlops.json'), 'utf8');
    await vscode.commands.executeCommand('mlops.initStore', vscode.Uri.file(workspaceRoot()));
    assert.strictEqual(fs.readFileSync(path.join(workspaceRoot(), '.mlops', 'mlops.json'), 'utf8'), before);
    fs.rmSync(fresh, { recursive: true, force: true });
  });
});

describe('Python logger command (real extension host)', () => {
  it('copies mlops_log.py into the workspace, and it runs there against the store', async () => {
    await activate();
    const target = await vscode.commands.executeCommand<string>('mlops.addPythonLogger');
    assert.strictEqual(target, path.join(workspaceRoot(), 'mlops_log.py'));
    const { execFileSync } = await import('child_process');
    const id = execFileSync('python3', ['-c', 'import mlops_log\nwith mlops_log.start_run("from-logger", record_git=False) as r:\n    r.log_metric("loss", 0.5)\nprint(r.id)'], { cwd: workspaceRoot(), encoding: 'utf8' }).trim();
    const run = JSON.parse(fs.readFileSync(path.join(workspaceRoot(), '.mlops', 'runs', id, 'run.json'), 'utf8')) as { status: string; experiment: string };
    assert.deepStrictEqual([run.status, run.experiment], ['finished', 'from-logger']);
    fs.writeFileSync(target, '# my own edits\n');
    const { stub } = await import('./helpers');
    const restore = stub(vscode.window, 'showWarningMessage', () => Promise.resolve(undefined));
    try { assert.strictEqual(await vscode.commands.executeCommand('mlops.addPythonLogger'), undefined); } finally { restore(); }
    assert.strictEqual(fs.readFileSync(target, 'utf8'), '# my own edits\n', 'not replaced without confirmation');
    fs.rmSync(target);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
