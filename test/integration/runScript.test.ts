import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Run } from '../../src/core';
import { activate, stub, workspaceRoot } from './helpers';

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: workspaceRoot(), encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
}

describe('Run Script as Experiment (real extension host, fixture git repository)', function () {
  this.timeout(120_000);
  let head = '';
  let original: Run | undefined;
  before(async () => {
    await activate();
    if (!fs.existsSync(path.join(workspaceRoot(), '.git'))) { git('init', '-q', '-b', 'main'); }
    git('add', '-A', '--', '.', ':(exclude).mlops');
    git('commit', '-qm', 'fixture', '--allow-empty');
    head = git('rev-parse', 'HEAD').trim();
  });

  it('runs a training script as a task and records a finished run with metrics, lineage and meta-metrics', async () => {
    const script = vscode.Uri.file(path.join(workspaceRoot(), 'scripts', 'train_logreg.py'));
    const run = await vscode.commands.executeCommand<Run>('mlops.runScriptAsExperiment', script, { experiment: 'script-test', params: { lr: 0.5, epochs: 5 } });
    assert.ok(run, 'the command returned the ended run');
    original = run;
    assert.strictEqual(run.status, 'finished');
    assert.strictEqual(run.experiment, 'script-test');
    assert.deepStrictEqual({ lr: run.params.lr, epochs: run.params.epochs }, { lr: 0.5, epochs: 5 });
    assert.ok(typeof run.params.rows === 'number' && run.params.rows >= 4, 'params logged by the script through mlops_log joined the run');
    assert.strictEqual(run.git?.commit, head);
    assert.strictEqual(typeof run.git?.dirty, 'boolean');
    assert.match(run.meta.environment?.hash ?? '', /^[0-9a-f]{64}$/);
    assert.ok(fs.existsSync(path.join(workspaceRoot(), '.mlops', 'runs', run.id, 'environment.txt')));
    assert.match(run.meta.python ?? '', /^3\./);
    assert.ok((run.meta.durationMs ?? 0) >= 500, `duration ${run.meta.durationMs}`);
    assert.ok((run.meta.peakMemoryBytes ?? 0) > 8 * 1024 * 1024, `peak memory ${run.meta.peakMemoryBytes}`);
    assert.strictEqual(run.meta.exitCode, 0);
    assert.ok((run.meta.hardware?.cores ?? 0) >= 1);
    assert.deepStrictEqual(run.source?.command?.slice(-2), ['--lr=0.5', '--epochs=5']);
    const lines = fs.readFileSync(path.join(workspaceRoot(), '.mlops', 'runs', run.id, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { name: string; step: number });
    assert.deepStrictEqual(lines.map((l) => l.step), [0, 1, 2, 3, 4]);
  });

  it('a failing script gives a failed run with its exit code', async () => {
    const { stub } = await import('./helpers');
    const restore = stub(vscode.window, 'showWarningMessage', () => Promise.resolve(undefined));
    let run: Run | undefined;
    try {
      run = await vscode.commands.executeCommand<Run>('mlops.runScriptAsExperiment', vscode.Uri.file(path.join(workspaceRoot(), 'scripts', 'fail.py')), { experiment: 'script-test', params: {} });
    } finally { restore(); }
    assert.strictEqual(run?.status, 'failed');
    assert.strictEqual(run?.meta.exitCode, 3);
  });

  it('Reproduce Run reruns the recorded commit in a temporary worktree and links the new run to the original', async () => {
    assert.ok(original);
    fs.writeFileSync(path.join(workspaceRoot(), 'scripts', 'train_logreg.py'), 'raise SystemExit("the working tree changed after the run")\n');
    const statusBefore = git('status', '--porcelain');
    const copy = await vscode.commands.executeCommand<Run>('mlops.reproduceRun', { runId: original.id }, { skipConfirmation: true });
    assert.ok(copy);
    assert.strictEqual(copy.reproducedFrom, original.id);
    assert.strictEqual(copy.status, 'finished', `ran the committed script, not the changed working tree (exit ${String(copy.meta.exitCode)}, ${JSON.stringify(copy.source)})`);
    assert.strictEqual(copy.git?.commit, original.git?.commit);
    assert.deepStrictEqual({ lr: copy.params.lr, epochs: copy.params.epochs }, { lr: 0.5, epochs: 5 });
    const steps = fs.readFileSync(path.join(workspaceRoot(), '.mlops', 'runs', copy.id, 'metrics.jsonl'), 'utf8').trim().split('\n').length;
    assert.strictEqual(steps, 5);
    assert.strictEqual(git('status', '--porcelain'), statusBefore, "the user's working tree is untouched");
    assert.strictEqual(git('worktree', 'list').trim().split('\n').length, 1, 'the temporary worktree is gone');
    git('checkout', '--', 'scripts/train_logreg.py');
  });

  it('Reproduce Run of an experiment over its budget (goals.json) asks first; Cancel reproduces nothing', async () => {
    assert.ok(original);
    const goals = path.join(workspaceRoot(), '.mlops', 'goals.json');
    fs.writeFileSync(goals, JSON.stringify({ formatVersion: 1, budget: { currency: 'EUR', rates: { cpuCoreHour: 1 }, limits: { experiments: { 'script-test': 0 } } } }));
    const warnings: string[] = [];
    const restore = stub(vscode.window, 'showWarningMessage', ((m: string) => { warnings.push(m); return Promise.resolve(undefined); }));
    try {
      await vscode.commands.executeCommand('mlops.refresh');
      const runsBefore = fs.readdirSync(path.join(workspaceRoot(), '.mlops', 'runs')).length;
      const copy = await vscode.commands.executeCommand<Run | undefined>('mlops.reproduceRun', { runId: original.id }, { skipConfirmation: true });
      assert.strictEqual(copy, undefined);
      assert.strictEqual(warnings.length, 1, warnings.join(' | '));
      assert.match(warnings[0], /^MLOps: Experiment 'script-test' has spent [\d.]+ EUR of its 0 EUR budget/);
      assert.strictEqual(fs.readdirSync(path.join(workspaceRoot(), '.mlops', 'runs')).length, runsBefore, 'no run was recorded');
      assert.strictEqual(git('worktree', 'list').trim().split('\n').length, 1, 'no worktree was made');
    } finally {
      restore();
      fs.rmSync(goals, { force: true });
      await vscode.commands.executeCommand('mlops.refresh');
    }
  });

  it('Reproduce Run refuses a recorded script that leads out of the checkout, and runs nothing', async () => {
    assert.ok(original);
    const runFile = path.join(workspaceRoot(), '.mlops', 'runs', original.id, 'run.json');
    const before = fs.readFileSync(runFile, 'utf8');
    // What a hostile commit could record: a path that climbs out of the temporary worktree.
    const marker = path.join(os.tmpdir(), `mlops-escaped-${process.pid}.txt`);
    const escape = path.join(os.tmpdir(), 'mlops-escape.py');
    fs.writeFileSync(escape, `open(${JSON.stringify(marker)}, "w").write("ran")\n`);
    const record = JSON.parse(before) as Run;
    record.source = { ...(record.source ?? { kind: 'extension' }), script: '../mlops-escape.py' };
    fs.writeFileSync(runFile, JSON.stringify(record, null, 2));
    const errors: string[] = [];
    const restore = stub(vscode.window, 'showErrorMessage', ((m: string) => { errors.push(m); return Promise.resolve(undefined); }));
    try {
      await vscode.commands.executeCommand('mlops.refresh');
      const runsBefore = fs.readdirSync(path.join(workspaceRoot(), '.mlops', 'runs')).length;
      const copy = await vscode.commands.executeCommand<Run | undefined>('mlops.reproduceRun', { runId: original.id }, { skipConfirmation: true });
      assert.strictEqual(copy, undefined);
      assert.ok(errors.some((m) => /refused: it goes up with '\.\.'/.test(m)), errors.join(' | '));
      assert.strictEqual(fs.existsSync(marker), false, 'the script outside the checkout ran');
      assert.strictEqual(fs.readdirSync(path.join(workspaceRoot(), '.mlops', 'runs')).length, runsBefore, 'no run was recorded');
      assert.strictEqual(git('worktree', 'list').trim().split('\n').length, 1);
    } finally {
      restore();
      fs.writeFileSync(runFile, before);
      fs.rmSync(escape, { force: true });
      fs.rmSync(marker, { force: true });
    }
  });

  it('a git that fails is reported to the user with its cause, and the run is still logged (without a commit)', async () => {
    const { stub } = await import('./helpers');
    const index = path.join(workspaceRoot(), '.git', 'index');
    const saved = fs.readFileSync(index);
    const warnings: string[] = [];
    const restore = stub(vscode.window, 'showWarningMessage', ((m: string) => { warnings.push(m); return Promise.resolve(undefined); }));
    let run: Run | undefined;
    try {
      fs.writeFileSync(index, 'this is not an index file');
      run = await vscode.commands.executeCommand<Run>('mlops.logRun', { experiment: 'git-broken', name: 'despite-git', params: {}, metrics: [], tags: [], dataVersions: [] });
    } finally {
      restore();
      fs.writeFileSync(index, saved);
    }
    assert.ok(run, 'the run was logged');
    assert.strictEqual(run.git, undefined);
    assert.strictEqual(warnings.length, 1, warnings.join(' | '));
    assert.match(warnings[0], /Log Run: git failed, so the run records no commit \(.*index/);
  });
});
