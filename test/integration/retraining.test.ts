// Retraining live in the real extension host: a model in production, a prediction log whose latest window drifts
// against the training data, and a drift trigger in goals.json. Minor drift with `auto` runs the pipeline (tiny Python
// scripts: prepare → train) unattended: a new model version in staging with the whole lineage, and `started` +
// `finished` in .mlops/retraining/log.jsonl. Major drift withholds automation: nothing runs, a notification offers
// Run Retraining Pipeline and Open Analysis with the reason, and Open Analysis writes the notebook. With the setting
// off, or in an untrusted workspace, `auto` asks too and says why.
import * as assert from 'assert';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { MlopsApi } from '../../src/extension';
import type { InputRecord, PredictionLine } from '../../src/core/monitor/types';
import type { RetrainLogLine } from '../../src/core/retrain/types';
import type { Run } from '../../src/core/store/schemas';
import type { MonitorNode } from '../../src/vscode/monitor/model';
import { activate, stub, ui, until, workspaceRoot } from './helpers';

const MODEL = 'churn-rt';
const PIPELINE = 'retrain-churn-rt';
const TRIGGER = 'rt input drift';
const DESCRIPTION = 'Agreed with the retention team: drifted inputs mean mis-targeted calls.';

interface Row { age: number; income: number; tenure: number; plan: string; churn: number }
const row = (i: number): Row => ({ age: 20 + ((i * 37) % 50), income: 20000 + ((i * 7919) % 80000), tenure: (i * 13) % 11, plan: ['basic', 'plus', 'pro'][(i * 7) % 3], churn: (i * 31) % 5 === 0 ? 1 : 0 });
const csvOf = (rows: readonly Row[]) => ['age,income,tenure,plan,churn', ...rows.map((r) => `${r.age},${r.income},${r.tenure},${r.plan},${r.churn}`)].join('\n') + '\n';

/** 100 production records: `minor` moves age only (1 of 4 columns), `major` also income and plan (3 of 4). */
function records(shift: 'none' | 'minor' | 'major', offset: number): InputRecord[] {
  return Array.from({ length: 100 }, (_, k) => {
    const r = row((k * 4 + offset) % 400);
    const rec: InputRecord = { age: r.age, income: r.income, tenure: r.tenure, plan: r.plan };
    if (shift !== 'none') { rec.age = r.age + 40; }
    if (shift === 'major') { rec.income = r.income * 3 + 200000; rec.plan = 'pro'; }
    return rec;
  });
}

const PREPARE = `import csv, os
os.makedirs('rt/data', exist_ok=True)
with open('rt/data/raw.csv') as f:
    rows = list(csv.DictReader(f))
kept = [r for r in rows if r['tenure'] != '0']
with open('rt/data/prepared.csv', 'w', newline='') as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerows(kept)
print('prepared', len(kept), 'of', len(rows), 'rows')
`;
const TRAIN = `import csv, os, pickle
with open('rt/data/prepared.csv') as f:
    rows = list(csv.DictReader(f))
rate = sum(int(r['churn']) for r in rows) / len(rows)
os.makedirs('rt/models', exist_ok=True)
with open('rt/models/model.pkl', 'wb') as f:
    pickle.dump({'churn_rate': rate}, f)
print('trained on', len(rows), 'rows')
`;

function pipelineText(): string {
  return JSON.stringify({
    formatVersion: 1, model: MODEL, experiment: PIPELINE,
    steps: [
      { id: 'prepare', run: { script: 'rt/prepare.py' }, inputs: [{ data: 'rt-raw' }], outputs: [{ path: 'rt/data/prepared.csv', dataset: 'rt-prepared' }] },
      { id: 'train', run: { script: 'rt/train.py' }, inputs: [{ step: 'prepare' }], outputs: [{ path: 'rt/models/model.pkl', model: MODEL, flavor: { name: 'pickle' } }] },
    ],
  }, null, 2);
}

function goalsText(): string {
  return JSON.stringify({
    formatVersion: 1,
    monitoring: { window: '1', label: 'churn' },
    retraining: { pipeline: PIPELINE, triggers: [{ kind: 'drift', name: TRIGGER, model: MODEL, class: 'minor', automation: 'auto', description: DESCRIPTION }] },
  }, null, 2);
}

describe('Retraining live in the editor (real extension host)', function () {
  this.timeout(180_000);
  let api: MlopsApi;
  let root: string;
  let logDir: string;
  const created: string[] = [];
  const shown: { severity: 'info' | 'warning' | 'error'; message: string; items: string[] }[] = [];
  /** What the stubbed notifications answer for retraining messages (Esc otherwise). */
  let answer: string | undefined;
  const restores: (() => void)[] = [];
  let offset = 0;

  const state = () => api.stores.get(root)!;
  const retrainMessages = () => shown.filter((s) => s.message.includes(TRIGGER) || s.message.includes(PIPELINE));
  function logLines(): RetrainLogLine[] {
    const file = path.join(root, '.mlops', 'retraining', 'log.jsonl');
    if (!fs.existsSync(file)) { return []; }
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RetrainLogLine).filter((l) => l.model === MODEL);
  }

  /** One request of 100 records per window (monitoring.window "1"); written a minute apart, the last 2 minutes ago. */
  function logWindow(shift: 'none' | 'minor' | 'major', minutesAgo: number): void {
    const inputs = records(shift, offset++);
    const line: PredictionLine = { kind: 'prediction', id: randomBytes(16).toString('hex'), time: new Date(Date.now() - minutesAgo * 60_000).toISOString(), model: MODEL, version: 1,
      status: 200, latencyMs: 3, rows: inputs.length, inputsMode: 'features', inputs, outputs: inputs.map(() => 0) };
    fs.mkdirSync(logDir, { recursive: true });
    fs.appendFileSync(path.join(logDir, `${line.time.slice(0, 10)}.jsonl`), `${JSON.stringify(line)}\n`);
  }

  async function settle(): Promise<void> {
    await api.monitoring.service.refresh(root, MODEL);
    await api.retraining.service.settled();
  }

  before(async () => {
    api = await activate();
    await api.stores.ready();
    root = workspaceRoot();
    logDir = path.join(root, '.mlops', 'monitoring', MODEL);
    const { store } = state();
    for (const p of ['rt', 'analysis', '.mlops/pipelines', '.mlops/retraining']) {
      if (!fs.existsSync(path.join(root, p))) { created.push(path.join(root, p)); }
    }
    fs.mkdirSync(path.join(root, 'rt', 'data'), { recursive: true });
    fs.writeFileSync(path.join(root, 'rt', 'prepare.py'), PREPARE);
    fs.writeFileSync(path.join(root, 'rt', 'train.py'), TRAIN);
    // The raw data, and v1 of the model trained on it as prepared by hand (all rows): the training reference.
    const rows = Array.from({ length: 400 }, (_, i) => row(i));
    fs.writeFileSync(path.join(root, 'rt', 'data', 'raw.csv'), csvOf(rows));
    fs.writeFileSync(path.join(root, 'rt', 'data', 'prepared.csv'), csvOf(rows));
    await store.tagData({ path: path.join(root, 'rt', 'data', 'raw.csv'), dataset: 'rt-raw' });
    const prepared = await store.tagData({ path: path.join(root, 'rt', 'data', 'prepared.csv'), dataset: 'rt-prepared' });
    const run = await store.createRun({ experiment: 'rt-manual', dataVersions: [{ dataset: 'rt-prepared', version: prepared.version.id }] });
    await store.endRun(run.id, 'finished');
    fs.mkdirSync(path.join(root, 'rt', 'models'), { recursive: true });
    fs.writeFileSync(path.join(root, 'rt', 'models', 'model.pkl'), 'v1');
    await store.registerModel({ name: MODEL, runId: run.id, artifactPath: path.join(root, 'rt', 'models', 'model.pkl') });
    await store.setModelStage(MODEL, 1, 'production');
    fs.mkdirSync(path.join(root, '.mlops', 'pipelines'), { recursive: true });
    fs.writeFileSync(path.join(root, '.mlops', 'pipelines', `${PIPELINE}.json`), pipelineText());

    const record = (severity: 'info' | 'warning' | 'error') => ((message: string, ...items: unknown[]) => {
      const labels = items.filter((i): i is string => typeof i === 'string');
      shown.push({ severity, message, items: labels });
      return Promise.resolve(message.includes(TRIGGER) && answer && labels.includes(answer) ? answer : undefined);
    });
    restores.push(
      stub(vscode.window, 'showInformationMessage', record('info') as typeof vscode.window.showInformationMessage),
      stub(vscode.window, 'showWarningMessage', record('warning') as typeof vscode.window.showWarningMessage),
      stub(vscode.window, 'showErrorMessage', record('error') as typeof vscode.window.showErrorMessage),
    );
    await vscode.workspace.getConfiguration().update('mlops.retraining.automatic', true, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration().update('mlops.retraining.notifications', true, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    for (const r of restores) { r(); }
    if (!api) { return; }
    api.retraining.service.trustedOverride = undefined;
    await vscode.workspace.getConfiguration().update('mlops.retraining.automatic', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration().update('mlops.retraining.notifications', undefined, vscode.ConfigurationTarget.Global);
    await api.retraining.service.pipelinesDone();
    fs.rmSync(path.join(root, '.mlops', 'goals.json'), { force: true });
    fs.rmSync(logDir, { recursive: true, force: true });
    fs.rmSync(path.join(root, '.mlops', 'pipelines', `${PIPELINE}.json`), { force: true });
    for (const f of api.retraining.analyses) { fs.rmSync(f, { force: true }); }
    for (const p of created) { fs.rmSync(p, { recursive: true, force: true }); }
    // Other suites share the workspace and count its runs, datasets and models: take everything of this one away.
    const mlops = path.join(root, '.mlops');
    const runsDir = path.join(mlops, 'runs');
    for (const id of fs.readdirSync(runsDir)) {
      let experiment: unknown;
      try { experiment = (JSON.parse(fs.readFileSync(path.join(runsDir, id, 'run.json'), 'utf8')) as { experiment?: unknown }).experiment; } catch { continue; }
      if (experiment === 'rt-manual' || experiment === PIPELINE) { fs.rmSync(path.join(runsDir, id), { recursive: true, force: true }); }
    }
    for (const p of ['experiments/rt-manual.json', `experiments/${PIPELINE}.json`, 'datasets/rt-raw', 'datasets/rt-prepared', `models/${MODEL}`]) {
      fs.rmSync(path.join(mlops, ...p.split('/')), { recursive: true, force: true });
    }
    await vscode.commands.executeCommand('mlops.refresh');
    await vscode.commands.executeCommand('mlops.refreshMonitoring');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('minor drift with auto: the pipeline runs unattended → a new model version in staging with full lineage, started + finished in the log', async () => {
    logWindow('none', 4);
    logWindow('minor', 2);
    fs.writeFileSync(path.join(root, '.mlops', 'goals.json'), goalsText());
    await until(() => api.retraining.service.acted.find((a) => a.model === MODEL && a.decision === 'started'), 60_000, 'the automatic run to start');
    await api.retraining.service.pipelinesDone();
    const acted = api.retraining.service.acted.filter((a) => a.model === MODEL);
    assert.deepEqual(acted.map((a) => a.decision), ['started'], JSON.stringify(acted));
    const result = acted[0].result;
    assert.ok(result, 'the run ended with a result');
    assert.equal(result.status, 'finished', result.message);
    assert.deepEqual(result.models, [{ model: MODEL, version: 2, stage: 'staging' }]);

    // Lineage: rt-raw → prepare run → rt-prepared (new version) → train run → churn-rt v2 (staging, never production).
    const { store } = state();
    const mv = await store.readModelVersion(MODEL, 2);
    assert.equal(mv.stage, 'staging');
    assert.equal((await store.readModelVersion(MODEL, 1)).stage, 'production', 'production is untouched');
    const train = await store.readRun(mv.runId);
    assert.equal(train.pipeline?.step, 'train');
    assert.equal(train.parentRunId, result.runId);
    const preparedRef = train.dataVersions.find((d) => d.dataset === 'rt-prepared');
    assert.ok(preparedRef, `the train run read rt-prepared: ${JSON.stringify(train.dataVersions)}`);
    const prepared = await store.resolveDataVersion('rt-prepared', preparedRef.version);
    assert.ok(prepared.run, 'the prepared data version knows the run that wrote it');
    const prepare: Run = await store.readRun(prepared.run);
    assert.equal(prepare.pipeline?.step, 'prepare');
    assert.equal(prepare.parentRunId, result.runId);
    assert.ok(prepare.dataVersions.some((d) => d.dataset === 'rt-raw'), 'the prepare run read rt-raw');
    const pipelineRun = await store.readRun(result.runId);
    assert.equal(pipelineRun.status, 'finished');
    assert.deepEqual(pipelineRun.pipeline?.trigger, { name: TRIGGER, level: 'auto' });

    const lines = await until(() => { const l = logLines(); return l.some((x) => x.decision === 'finished') && l; }, 10_000, 'the end in the log');
    assert.deepEqual(lines.map((l) => l.decision), ['started', 'finished']);
    assert.ok(lines.every((l) => l.pipelineRunId === result.runId && l.level === 'auto' && l.applied === 'auto' && l.source === 'extension' && l.trigger === TRIGGER));
    assert.deepEqual(lines[1].models, [{ model: MODEL, version: 2, stage: 'staging' }]);
    assert.equal((lines[0].facts.drift as { class?: string }).class, 'minor');
    // Told when done, not asked before.
    const done = await until(() => shown.find((s) => s.message.includes(`pipeline '${PIPELINE}' finished`)), 10_000, 'the done message');
    assert.equal(done.severity, 'info');
    assert.match(done.message, /registered churn-rt v2 \(staging\)/);
    assert.equal(retrainMessages().filter((s) => s.items.includes('Run Retraining Pipeline')).length, 0, 'nothing asked');

    // Refreshes in the same episode do nothing more.
    await settle();
    assert.equal(api.retraining.service.acted.filter((a) => a.model === MODEL).length, 1);
  });

  it('the Monitoring view: a Retraining node under the model with the trigger and the log; a log line reveals its pipeline run', async () => {
    const kids = (n?: MonitorNode) => api.monitoring.tree.getChildren(n);
    const model = await until(async () => (await kids()).find((n) => n.kind === 'model' && n.label === MODEL), 30_000, 'the model in the Monitoring view');
    const node = await until(async () => (await kids(model)).find((n) => n.kind === 'retraining' && /last: finished/.test(n.description ?? '')), 10_000, 'the Retraining node');
    assert.match(node.description ?? '', /^1 of 1 trigger firing · last: finished /);
    const rows = await kids(node);
    assert.equal(rows[0].kind, 'trigger');
    assert.equal(rows[0].label, TRIGGER);
    assert.match(rows[0].description ?? '', /^firing · auto · input drift minor/);
    const finished = rows.find((r) => r.kind === 'retrainLog' && /^finished: churn-rt v2 → staging/.test(r.description ?? ''));
    assert.ok(finished, rows.map((r) => `${r.label} ${r.description}`).join('\n'));
    const item = api.monitoring.tree.getTreeItem(finished);
    assert.equal(item.command?.command, 'mlops.revealRun');
    const runId = (logLines()).find((l) => l.decision === 'finished')!.pipelineRunId;
    assert.deepEqual(item.command?.arguments, [{ runId, root }]);
    assert.equal(await vscode.commands.executeCommand('mlops.revealRun', { runId, root }), true, 'the pipeline run revealed in Experiments');

    if (process.env.EXT_TEST_UI_BRIDGE) {
      await vscode.commands.executeCommand('mlops.monitoring.focus');
      await api.monitoring.view.reveal(node, { expand: true, focus: true });
      for (let i = 0; i < 6; i++) { await vscode.commands.executeCommand('workbench.action.increaseViewSize').then(undefined, () => undefined); }
      const texts = await ui<string[]>('/texts', { selector: '.monaco-list-row', frame: 'main' });
      assert.ok(texts?.some((t) => (t ?? '').includes('Retraining')), 'the Retraining row is rendered');
      await ui('/screenshot', { name: 'monitoring-retraining' });
      for (let i = 0; i < 6; i++) { await vscode.commands.executeCommand('workbench.action.decreaseViewSize').then(undefined, () => undefined); }
    }
  });

  it('major drift: nothing runs; one notification offers Run Retraining Pipeline and Open Analysis with the reason; Open Analysis writes the notebook', async () => {
    const runsBefore = state().runs.list().length;
    answer = 'Open Analysis';
    logWindow('major', 1);
    const asked = await until(() => api.retraining.service.acted.find((a) => a.model === MODEL && a.decision === 'asked'), 60_000, 'the ask');
    assert.equal(asked.applied, 'ask');
    assert.match(asked.withheld ?? '', /^automation withheld: major drift in /);
    const note = await until(() => retrainMessages().find((s) => s.items.includes('Run Retraining Pipeline')), 10_000, 'the notification');
    assert.equal(note.severity, 'warning');
    assert.deepEqual(note.items.slice(0, 2), ['Run Retraining Pipeline', 'Open Analysis']);
    assert.match(note.message, new RegExp(`${TRIGGER}' fired for ${MODEL}: input drift major.*${DESCRIPTION}.*Automation withheld: major drift in `));
    // Open Analysis was chosen: the notebook is written (never over another) and opened.
    const file = await until(() => api.retraining.analyses.at(-1), 30_000, 'the analysis notebook');
    assert.ok(file.startsWith(path.join(root, 'analysis')), file);
    const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: { source: string | string[] }[] };
    const text = nb.cells.map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source)).join('\n');
    assert.match(text, /churn-rt/);
    assert.match(text, /import pandas/);
    await until(() => vscode.workspace.notebookDocuments.some((d) => d.uri.fsPath === file) || vscode.workspace.textDocuments.some((d) => d.uri.fsPath === file), 20_000, 'the notebook open');

    await settle();
    assert.equal(api.retraining.service.runningPipelines().length, 0);
    assert.equal(state().runs.list().length, runsBefore, 'no run was started');
    const last = (logLines()).at(-1)!;
    assert.equal(last.decision, 'asked');
    assert.equal(last.level, 'auto');
    assert.equal(last.applied, 'ask');
    assert.match(last.withheld ?? '', /^automation withheld: major drift/);
    assert.equal(retrainMessages().filter((s) => s.items.includes('Run Retraining Pipeline')).length, 1, 'one notification per episode');
    answer = undefined;
  });

  it('auto with the setting off, or in an untrusted workspace, asks instead and logs why; nothing runs', async () => {
    const runsBefore = state().runs.list().length;
    await vscode.workspace.getConfiguration().update('mlops.retraining.automatic', false, vscode.ConfigurationTarget.Global);
    logWindow('none', 0.6);
    logWindow('minor', 0.5);
    const off = await until(() => api.retraining.service.acted.filter((a) => a.model === MODEL && a.decision === 'asked')[1], 60_000, 'the second ask');
    assert.equal(off.withheld, 'automation withheld: the setting mlops.retraining.automatic is off in this window');
    await vscode.workspace.getConfiguration().update('mlops.retraining.automatic', true, vscode.ConfigurationTarget.Global);

    api.retraining.service.trustedOverride = false;
    // A window without drift ends the episode; the next minor one starts another.
    logWindow('none', 0.3);
    logWindow('minor', 0.25);
    const untrusted = await until(() => api.retraining.service.acted.filter((a) => a.model === MODEL && a.decision === 'asked')[2], 60_000, 'the third ask');
    assert.equal(untrusted.withheld, 'automation withheld: the workspace is not trusted, so no pipeline runs here');
    // Run Retraining Pipeline in an untrusted workspace says why and runs nothing.
    await vscode.commands.executeCommand('mlops.runRetrainingPipeline', { root, model: MODEL, trigger: TRIGGER, confirm: false });
    assert.ok(shown.some((s) => s.severity === 'error' && /workspace is not trusted/.test(s.message)));
    api.retraining.service.trustedOverride = undefined;

    await settle();
    assert.equal(state().runs.list().length, runsBefore, 'no run was started');
    const asks = (logLines()).filter((l) => l.decision === 'asked').map((l) => l.withheld);
    assert.deepEqual(asks.slice(-2), [off.withheld, untrusted.withheld]);
    assert.equal(retrainMessages().filter((s) => s.items.includes('Run Retraining Pipeline')).length, 3);
  });

  it('two auto triggers firing at once on the same pipeline: one runs it, the other asks and says the pipeline is already running', async () => {
    // Quiet first (a window without drift), then the second trigger, then one minor window that fires both at once.
    const evaluated = (name: string) => api.retraining.service.evaluations(root).find((e) => e.evaluation.model === MODEL && e.evaluation.trigger.name === name)?.evaluation;
    logWindow('none', 0.2);
    await until(() => evaluated(TRIGGER)?.fired === false, 60_000, 'the trigger quiet');
    const goals = JSON.parse(goalsText()) as { retraining: { triggers: object[] } };
    goals.retraining.triggers.push({ kind: 'drift', name: 'rt drift share', model: MODEL, share: 0.2, automation: 'auto' });
    fs.writeFileSync(path.join(root, '.mlops', 'goals.json'), JSON.stringify(goals, null, 2));
    await until(() => evaluated('rt drift share')?.fired === false, 60_000, 'the second trigger evaluated');
    const startedBefore = api.retraining.service.acted.filter((a) => a.decision === 'started').length;
    logWindow('minor', 0.1);
    const second = await until(() => api.retraining.service.acted.find((a) => a.model === MODEL && a.trigger === 'rt drift share'), 60_000, 'the second trigger decided');
    await api.retraining.service.pipelinesDone();
    const started = api.retraining.service.acted.filter((a) => a.decision === 'started').slice(startedBefore);
    assert.deepEqual(started.map((a) => a.trigger), [TRIGGER], 'one automatic run');
    assert.equal(second.decision, 'asked');
    assert.equal(second.withheld, `automation withheld: pipeline '${PIPELINE}' is already running (started for trigger '${TRIGGER}'); run it again when it has ended`);
    const lines = logLines();
    assert.ok(lines.some((l) => l.trigger === 'rt drift share' && l.decision === 'asked' && /already running/.test(l.withheld ?? '')));
    assert.ok(started[0].result, 'the one run ended');
    fs.writeFileSync(path.join(root, '.mlops', 'goals.json'), goalsText());
    await until(() => !evaluated('rt drift share'), 30_000, 'the second trigger gone');
    await settle();
  });

  it('Check Retraining evaluates now and logs every trigger; Open Retraining Log opens the log', async () => {
    const before = (logLines()).length;
    const results = await vscode.commands.executeCommand<{ root: string; evaluations: unknown[] }[]>('mlops.checkRetraining');
    assert.ok(results?.some((r) => r.root === root && r.evaluations.length === 1));
    const after = logLines();
    assert.equal(after.length, before + 1);
    assert.equal(after.at(-1)!.fired, true);
    const opened = await vscode.commands.executeCommand<string>('mlops.openRetrainingLog', { root });
    assert.equal(opened, path.join(root, '.mlops', 'retraining', 'log.jsonl'));
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, opened);
  });
});
