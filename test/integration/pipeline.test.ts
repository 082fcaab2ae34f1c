import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DataVersion, ModelVersion, Run, ViewNode } from '../../src/core';
import type { PipelineResult } from '../../src/core/pipeline';
import type { MlopsApi } from '../../src/extension';
import { activate, stub, ui, until, workspaceRoot } from './helpers';

const EXP = 'pipe-test';

const PREPARE = `
import csv, os, sys
os.makedirs("pipe/out", exist_ok=True)
with open("pipe/raw.csv") as f:
    rows = list(csv.DictReader(f))
with open("pipe/out/prepared.csv", "w") as f:
    f.write("x,y\\n" + "".join(f"{r['x']},{r['y']}\\n" for r in rows if r["x"]))
print(f"prepared {len(rows)} rows")
`;
const TRAIN = `
import json, sys
import mlops_log
with open("pipe/out/prepared.csv") as f:
    n = sum(1 for _ in f) - 1
with mlops_log.start_run("train") as run:
    run.log_metric("loss", 1.0 / (n + 1), step=0)
with open("pipe/out/model.pkl", "w") as f:
    json.dump({"rows": n}, f)
print("trained on", n, "rows")
`;
const FAIL = 'import sys\nprint("about to fail", flush=True)\nsys.exit(3)\n';
const SLOW = `
import os, time
os.makedirs("pipe/out", exist_ok=True)
with open("pipe/out/slow.pid", "w") as f:
    f.write(str(os.getpid()))
time.sleep(120)
`;

function write(rel: string, text: string): string {
  const file = path.join(workspaceRoot(), ...rel.split('/'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

function pipelineFile(name: string, doc: unknown): string {
  return write(`.mlops/pipelines/${name}.json`, `${JSON.stringify(doc, null, 2)}\n`);
}

const CHURN = {
  formatVersion: 1, experiment: EXP, description: 'prepare → train',
  steps: [
    { id: 'prepare', run: { script: 'pipe/prepare.py' }, inputs: [{ file: 'pipe/raw.csv' }], outputs: [{ path: 'pipe/out/prepared.csv', dataset: 'pipe-prepared' }] },
    { id: 'train', run: { script: 'pipe/train.py' }, params: { c: 1 }, inputs: [{ step: 'prepare' }], outputs: [{ path: 'pipe/out/model.pkl', model: 'pipe-model' }] },
  ],
};

function readRun(id: string): Run {
  return JSON.parse(fs.readFileSync(path.join(workspaceRoot(), '.mlops', 'runs', id, 'run.json'), 'utf8')) as Run;
}

function allRuns(): Run[] {
  const dir = path.join(workspaceRoot(), '.mlops', 'runs');
  return fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, 'run.json'))).map(readRun);
}

function modelVersions(model: string): ModelVersion[] {
  const dir = path.join(workspaceRoot(), '.mlops', 'models', model, 'versions');
  if (!fs.existsSync(dir)) { return []; }
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as ModelVersion);
}

function dataVersion(dataset: string, id: string): DataVersion {
  return JSON.parse(fs.readFileSync(path.join(workspaceRoot(), '.mlops', 'datasets', dataset, 'versions', `${id}.json`), 'utf8')) as DataVersion;
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Captures notifications of one kind for the duration of a test (answering none of them). */
function capture(kind: 'showInformationMessage' | 'showWarningMessage' | 'showErrorMessage'): { messages: string[]; restore: () => void } {
  const messages: string[] = [];
  const restore = stub(vscode.window, kind, ((m: string) => { messages.push(m); return Promise.resolve(undefined); }));
  return { messages, restore };
}

describe('Run Pipeline… (real extension host)', function () {
  this.timeout(180_000);
  let api: MlopsApi;
  let first: PipelineResult | undefined;

  before(async () => {
    api = await activate();
    write('pipe/raw.csv', 'x,y\n1,0\n2,1\n3,1\n');
    write('pipe/prepare.py', PREPARE);
    write('pipe/train.py', TRAIN);
    write('pipe/fail.py', FAIL);
    write('pipe/slow.py', SLOW);
    pipelineFile('churn', CHURN);
  });

  const expKids = async (): Promise<ViewNode[]> => {
    const tree = api.trees.experiments.tree;
    const exp = (await tree.getChildren()).find((n) => n.kind === 'experiment' && n.label === EXP);
    return exp ? tree.getChildren(exp) : [];
  };

  it('runs a two-step pipeline as tracked step runs: data version → prepare run → data version → train run → model version', async () => {
    const info = capture('showInformationMessage');
    try {
      first = await vscode.commands.executeCommand<PipelineResult>('mlops.runPipeline', { pipeline: 'churn', confirm: false });
    } finally { info.restore(); }
    assert.ok(first, 'the command resolved with the result');
    assert.strictEqual(first.status, 'finished', first.message);
    assert.deepStrictEqual(first.steps.map((s) => `${s.id}:${s.state}`), ['prepare:ran', 'train:ran']);
    const parent = readRun(first.runId);
    assert.strictEqual(parent.status, 'finished');
    assert.strictEqual(parent.experiment, EXP);
    assert.strictEqual(parent.pipeline?.name, 'churn');
    assert.deepStrictEqual(parent.pipeline?.trigger, { name: 'manual' });
    assert.strictEqual((parent.source as { via?: string } | undefined)?.via, 'extension');
    const [prep, train] = first.steps.map((s) => readRun(s.runId!));
    for (const r of [prep, train]) {
      assert.strictEqual(r.parentRunId, parent.id);
      assert.strictEqual(r.status, 'finished');
      assert.match(r.pipeline?.fingerprint ?? '', /^[0-9a-f]{64}$/);
      assert.strictEqual(r.meta.exitCode, 0);
      assert.ok(fs.existsSync(path.join(workspaceRoot(), '.mlops', 'runs', r.id, 'output.log')));
    }
    assert.match(fs.readFileSync(path.join(workspaceRoot(), '.mlops', 'runs', prep.id, 'output.log'), 'utf8'), /prepared 3 rows/);
    // Lineage: the prepared data version was written by the prepare run and read by the train run.
    const dvRef = prep.outputs?.dataVersions?.[0];
    assert.ok(dvRef, 'the prepare run lists the data version it tagged');
    assert.strictEqual(dataVersion('pipe-prepared', dvRef.version).run, prep.id);
    assert.ok(train.dataVersions.some((d) => d.version === dvRef.version), 'the train run read the prepared data version');
    const models = modelVersions('pipe-model');
    assert.strictEqual(models.length, 1);
    assert.strictEqual(models[0].runId, train.id);
    assert.deepStrictEqual(first.models.map((m) => `${m.model} v${m.version}`), ['pipe-model v1']);
    assert.ok(info.messages.some((m) => m.includes("pipeline 'churn' finished") && m.includes('pipe-model v1')), info.messages.join(' | '));
    // The step's own mlops_log call attached to its step run.
    assert.ok(fs.readFileSync(path.join(workspaceRoot(), '.mlops', 'runs', train.id, 'metrics.jsonl'), 'utf8').includes('"loss"'));

    // The tree: the pipeline run at the top of its experiment, expanding to its steps; the step runs are not listed beside it.
    const rows = await until(async () => { const k = await expKids(); return k.some((n) => n.runId === parent.id) ? k : undefined; }, 10_000, 'the pipeline run in the tree');
    assert.ok(!rows.some((n) => n.runId === prep.id || n.runId === train.id), rows.map((n) => n.label).join(', '));
    const row = rows.find((n) => n.runId === parent.id)!;
    assert.strictEqual(row.contextValue, 'mlops.run.finished.pipeline');
    assert.match(row.description ?? '', /^pipeline · 2 steps · /);
    const steps = await api.trees.experiments.tree.getChildren(row);
    assert.deepStrictEqual(steps.slice(0, 2).map((n) => `${n.kind}:${n.label}:${n.runId}`), [`run:prepare:${prep.id}`, `run:train:${train.id}`]);
  });

  it('run again unchanged: every step is up to date, no step run is made, no model is registered', async () => {
    assert.ok(first);
    const before = allRuns().length;
    const info = capture('showInformationMessage');
    let again: PipelineResult | undefined;
    try {
      again = await vscode.commands.executeCommand<PipelineResult>('mlops.runPipeline', { pipeline: 'churn', confirm: false });
    } finally { info.restore(); }
    assert.ok(again);
    assert.strictEqual(again.status, 'finished', again.message);
    assert.deepStrictEqual(again.steps.map((s) => `${s.id}:${s.state}`), ['prepare:upToDate', 'train:upToDate']);
    assert.deepStrictEqual(again.steps.map((s) => s.runId), first.steps.map((s) => s.runId));
    assert.strictEqual(allRuns().length, before + 1, 'only the pipeline run itself');
    assert.strictEqual(allRuns().filter((r) => r.parentRunId === again.runId).length, 0);
    assert.strictEqual(modelVersions('pipe-model').length, 1);
    // In the tree an up-to-date step points at the run whose result it reuses.
    const row = await until(async () => (await expKids()).find((n) => n.runId === again.runId), 10_000, 'the second pipeline run in the tree');
    assert.match(row.description ?? '', /^pipeline · 2 steps · 2 up to date/);
    const steps = await api.trees.experiments.tree.getChildren(row);
    assert.deepStrictEqual(steps.slice(0, 2).map((n) => `${n.kind}:${n.label}:${n.runId}`), first.steps.map((s) => `runRef:${s.id}:${s.runId}`));
  });

  it('the plan is shown before anything runs: the steps preselected by their conditions, then Run (a cancelled plan runs nothing)', async () => {
    const before = allRuns().length;
    const picks: string[][] = [];
    const details: string[] = [];
    const restorePick = stub(vscode.window, 'showQuickPick', ((items: readonly (vscode.QuickPickItem & { id: string })[]) => {
      picks.push(items.map((i) => `${i.label}${i.picked ? '*' : ''}:${i.description ?? ''}`));
      return Promise.resolve(items.filter((i) => i.picked));
    }) as never);
    const restoreInfo = stub(vscode.window, 'showInformationMessage', ((m: string, o?: vscode.MessageOptions & { detail?: string }) => {
      if (o?.modal) { details.push(`${m}\n${o.detail ?? ''}`); }
      return Promise.resolve(undefined);
    }));
    try {
      const r = await vscode.commands.executeCommand<PipelineResult | undefined>('mlops.runPipeline', { pipeline: 'churn' });
      assert.strictEqual(r, undefined, 'closing the plan runs nothing');
    } finally { restorePick(); restoreInfo(); }
    assert.deepStrictEqual(picks, [['prepare*:up to date', 'train*:up to date']]);
    assert.strictEqual(details.length, 1);
    assert.match(details[0], /^Run pipeline 'churn'\? 0 steps to run, 2 up to date\./);
    assert.match(details[0], /skip prepare +up to date since run/);
    assert.strictEqual(allRuns().length, before, 'nothing was created');
  });

  it('a failing step stops the pipeline: the pipeline run is failed, the later step is not run, no model is registered', async () => {
    pipelineFile('broken', { formatVersion: 1, experiment: EXP, steps: [
      { id: 'make', run: 'python pipe/prepare.py', inputs: [{ file: 'pipe/raw.csv' }], outputs: [{ path: 'pipe/out/prepared.csv', model: 'pipe-broken' }] },
      { id: 'boom', run: { script: 'pipe/fail.py' } },
      { id: 'after', run: { script: 'pipe/train.py' } },
    ] });
    const warn = capture('showWarningMessage');
    let r: PipelineResult | undefined;
    try {
      r = await vscode.commands.executeCommand<PipelineResult>('mlops.runPipeline', { pipeline: 'broken', confirm: false });
    } finally { warn.restore(); }
    assert.ok(r);
    assert.strictEqual(r.status, 'failed', r.message);
    assert.deepStrictEqual(r.steps.map((s) => `${s.id}:${s.state}`), ['make:ran', 'boom:failed', 'after:notRun']);
    assert.strictEqual(readRun(r.runId).status, 'failed');
    const boom = readRun(r.steps[1].runId!);
    assert.strictEqual(boom.status, 'failed');
    assert.strictEqual(boom.meta.exitCode, 3);
    assert.match(fs.readFileSync(path.join(workspaceRoot(), '.mlops', 'runs', boom.id, 'output.log'), 'utf8'), /about to fail/);
    assert.deepStrictEqual(modelVersions('pipe-broken'), []);
    assert.deepStrictEqual(r.models, []);
    assert.ok(warn.messages.some((m) => m.includes("pipeline 'broken' failed")), warn.messages.join(' | '));
    const row = await until(async () => (await expKids()).find((n) => n.runId === r.runId), 10_000, 'the failed pipeline run in the tree');
    const steps = await api.trees.experiments.tree.getChildren(row);
    assert.deepStrictEqual(steps.slice(0, 3).map((n) => `${n.kind}:${n.label}`), ['run:make', 'run:boom', 'info:after']);
    assert.match(steps[2].description ?? '', /^not run · /);
  });

  it('Stop Pipeline during a long step: the pipeline ends killed, its step process is gone, no model is registered', async () => {
    pipelineFile('slow', { formatVersion: 1, experiment: EXP, steps: [
      { id: 'sleep', run: { script: 'pipe/slow.py' }, outputs: [{ path: 'pipe/out/slow.pid', model: 'pipe-slow' }] },
    ] });
    const pidFile = path.join(workspaceRoot(), 'pipe', 'out', 'slow.pid');
    fs.rmSync(pidFile, { force: true });
    const warn = capture('showWarningMessage');
    try {
      const running = vscode.commands.executeCommand<PipelineResult>('mlops.runPipeline', { pipeline: 'slow', confirm: false });
      const pid = await until(() => fs.existsSync(pidFile) && Number(fs.readFileSync(pidFile, 'utf8')), 30_000, 'the step to start');
      assert.ok(alive(pid));
      assert.strictEqual(api.pipelines.list().length, 1);
      // The running pipeline run offers Stop Pipeline in the tree.
      const runId = api.pipelines.list()[0].runId!;
      const row = await until(async () => (await expKids()).find((n) => n.runId === runId), 10_000, 'the running pipeline run in the tree');
      assert.match(row.contextValue ?? '', /^mlops\.run\.running.*\.pipeline/);
      await vscode.commands.executeCommand('mlops.stopPipeline', row);
      const r = await running;
      assert.ok(r);
      assert.strictEqual(r.status, 'killed', r.message);
      assert.strictEqual(readRun(r.runId).status, 'killed');
      assert.strictEqual(readRun(r.steps[0].runId!).status, 'killed');
      await until(() => !alive(pid), 10_000, 'the step process to end');
      assert.deepStrictEqual(modelVersions('pipe-slow'), []);
      assert.strictEqual(api.pipelines.list().length, 0);
      assert.ok(warn.messages.some((m) => m.includes("pipeline 'slow' was stopped")), warn.messages.join(' | '));
    } finally { warn.restore(); }
  });

  it('an untrusted workspace runs no pipeline and says why', async () => {
    const before = allRuns().length;
    const warn = capture('showWarningMessage');
    const restoreTrust = stub(vscode.workspace, 'isTrusted', false);
    let r: unknown;
    try {
      r = await vscode.commands.executeCommand('mlops.runPipeline', { pipeline: 'churn', confirm: false, force: true });
    } finally { restoreTrust(); warn.restore(); }
    assert.strictEqual(r, undefined);
    assert.ok(warn.messages.some((m) => m.includes('untrusted workspace')), warn.messages.join(' | '));
    assert.strictEqual(allRuns().length, before);
  });

  it('a `when` that does not parse: a diagnostic on its line in the Problems panel, and Run Pipeline names file:line:column', async () => {
    const text = [
      '{',
      '  "formatVersion": 1,',
      '  "steps": [',
      '    { "id": "a", "run": "python pipe/prepare.py" },',
      '    { "id": "b", "run": "python pipe/train.py", "when": "drift.class == " }',
      '  ]',
      '}',
      '',
    ].join('\n');
    const file = write('.mlops/pipelines/badwhen.json', text);
    const uri = vscode.Uri.file(file);
    try {
      const diags = await until(() => { const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'MLOps'); return d.length ? d : undefined; }, 15_000, 'pipeline diagnostics');
      assert.strictEqual(diags.length, 1);
      assert.strictEqual(diags[0].range.start.line, 4);
      assert.match(diags[0].message, /when/);
      const errors = capture('showErrorMessage');
      let r: unknown;
      try {
        r = await vscode.commands.executeCommand('mlops.runPipeline', { pipeline: 'badwhen', confirm: false });
      } finally { errors.restore(); }
      assert.strictEqual(r, undefined);
      assert.ok(errors.messages.some((m) => m.includes('.mlops/pipelines/badwhen.json:5:')), errors.messages.join(' | '));
      // Fixed: the diagnostic goes away.
      fs.writeFileSync(file, text.replace('"drift.class == "', '"drift.class == \\"minor\\""'));
      await until(() => vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'MLOps').length === 0, 15_000, 'diagnostics cleared');
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it('the workbench draws a pipeline run expanded to its steps (screenshot)', async function () {
    if (!process.env.EXT_TEST_UI_BRIDGE) { this.skip(); }
    assert.ok(first);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await vscode.commands.executeCommand('mlops.revealRun', { runId: first.steps[1].runId, root: workspaceRoot() });
    const rowsSel = '.pane:has(.pane-header[aria-label^="Experiments"]) .monaco-list-row';
    const rows = await until(async () => { const r = (await ui<string[]>('/texts', { frame: 'main', selector: rowsSel })) ?? []; return r.some((t) => t.includes('train')) && r.some((t) => t.includes('pipeline · 2 steps')) ? r : undefined; }, 20_000, 'pipeline rows drawn');
    assert.ok(rows.some((t) => t.includes('prepare')), rows.join(' | '));
    await ui('/screenshot', { name: 'pipeline-run-in-tree' });
  });
});
