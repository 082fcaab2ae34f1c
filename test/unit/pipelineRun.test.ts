// Running pipelines on real stores with real child processes: lineage, failures, stops, timeouts, output locks.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { executePipeline, markAbandonedRuns, planPipeline, type PipelineEvent } from '../../src/core/pipeline';
import { NODE, pipelineDoc, pipelineWs } from './pipelineFixture';
import { REPO } from './helpers';

const node = (code: string): string => `${JSON.stringify(NODE)} -e ${JSON.stringify(code)}`;

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) { if (cond()) { return; } await new Promise((r) => setTimeout(r, 50)); }
  assert.fail(`timed out waiting for ${what}`);
}

describe('pipeline runs', function () {
  this.timeout(120_000);

  it('prepare → train: tracked step runs under a pipeline run, data version → prepare run → data version → train run → model version (staging)', async () => {
    const ws = await pipelineWs();
    const raw = (await ws.store.tagData({ path: path.join(ws.root, 'data', 'raw.csv'), dataset: 'churn-raw', profile: false })).version;
    const p = ws.write(pipelineDoc({ prepare: { inputs: [{ data: 'churn-raw' }, { file: 'data/raw.csv' }] } }));
    const events: PipelineEvent[] = [];
    const r = await executePipeline(ws.store, await planPipeline(ws.store, p, {}), { stage: 'staging', onEvent: (e) => events.push(e), trigger: { name: 'drift', level: 'auto' } });
    assert.equal(r.status, 'finished', r.message);
    assert.deepEqual(r.steps.map((s) => s.state), ['ran', 'ran', 'ran']);
    assert.deepEqual(r.models, [{ model: 'churn', version: 1, stage: 'staging' }]);
    assert.deepEqual(r.dataVersions.map((d) => d.dataset), ['churn-prepared']);

    const parent = await ws.store.readRun(r.runId);
    assert.equal(parent.status, 'finished');
    assert.equal(parent.experiment, 'retrain');
    assert.match(parent.name, /^retrain-\d{8}-\d{6}$/);
    assert.deepEqual(parent.tags, ['pipeline']);
    assert.deepEqual(parent.pipeline?.trigger, { name: 'drift', level: 'auto' });
    assert.deepEqual(parent.pipeline?.steps?.map((s) => [s.id, s.state, s.runId]), r.steps.map((s) => [s.id, s.state, s.runId]));

    const prepare = await ws.store.readRun(r.steps[0].runId!);
    const train = await ws.store.readRun(r.steps[1].runId!);
    for (const run of [prepare, train]) {
      assert.equal(run.parentRunId, parent.id);
      assert.equal(run.status, 'finished');
      assert.equal(run.source?.kind, 'pipeline');
      assert.equal((run.source as { via?: string }).via, 'cli');
      assert.equal(typeof run.meta.durationMs, 'number');
      assert.equal((run.meta as { exitCode?: number }).exitCode, 0);
      assert.ok(run.meta.hardware?.cores);
      assert.match(run.pipeline?.fingerprint ?? '', /^[0-9a-f]{64}$/);
      assert.ok(fs.existsSync(path.join(ws.store.runDir(run.id), 'output.log')));
    }
    if (fs.existsSync('/proc')) { assert.ok((train.meta.peakMemoryBytes ?? 0) > 0, 'peak memory of the step process'); }
    assert.match(fs.readFileSync(path.join(ws.store.runDir(prepare.id), 'output.log'), 'utf8'), /prepared 5 rows/);
    assert.deepEqual(train.params, { lr: 0.1 });
    assert.deepEqual(train.pipeline?.step, 'train');
    // Lineage: raw data version → prepare run → prepared data version → train run → model version.
    assert.deepEqual(prepare.dataVersions.map((d) => [d.dataset, d.version]), [['churn-raw', raw.id]]);
    const prepared = prepare.outputs?.dataVersions?.[0];
    assert.equal(prepared?.dataset, 'churn-prepared');
    assert.equal((await ws.store.resolveDataVersion('churn-prepared', prepared.version)).run, prepare.id);
    assert.deepEqual(train.dataVersions.map((d) => [d.dataset, d.version]), [['churn-prepared', prepared.version]]);
    const mv = await ws.store.readModelVersion('churn', 1);
    assert.equal(mv.runId, train.id);
    assert.equal(mv.stage, 'staging');
    assert.deepEqual(mv.flavor, { name: 'python', entry: 'serve.py:load' });
    assert.deepEqual(train.outputs?.models, [{ model: 'churn', version: 1 }]);
    // The steps got their own run ids and params in the environment.
    const calls = fs.readFileSync(path.join(ws.root, 'calls.log'), 'utf8');
    assert.match(calls, new RegExp(`^prepare ${prepare.id}$`, 'm'));
    assert.match(calls, new RegExp(`^train ${train.id} \\{"lr":0.1\\}$`, 'm'));
    assert.deepEqual(events.filter((e) => e.kind !== 'output').map((e) => e.kind), ['pipelineStarted', 'stepStarted', 'registered', 'stepEnded', 'stepStarted', 'stepEnded', 'stepStarted', 'stepEnded', 'registered', 'pipelineEnded']);

    // Unchanged: a second run skips everything and registers nothing new.
    const second = await executePipeline(ws.store, await planPipeline(ws.store, p, {}), {});
    assert.deepEqual(second.steps.map((s) => s.state), ['upToDate', 'upToDate', 'upToDate']);
    assert.deepEqual(second.models, []);
    assert.deepEqual(ws.calls(), ['prepare', 'train', 'report']);
    // train reads what prepare makes: it is judged after prepare re-runs, and stays up to date when prepare's
    // output is what it was (dvc's behaviour), then re-runs when it differs.
    const same = await executePipeline(ws.store, await planPipeline(ws.store, p, { steps: ['prepare', 'train'], force: false }), {});
    assert.deepEqual(same.steps.map((s) => s.state), ['upToDate', 'upToDate', 'skipped']);
    fs.appendFileSync(path.join(ws.root, 'data', 'raw.csv'), '5,0\n6,1\n');
    const changed = await executePipeline(ws.store, await planPipeline(ws.store, ws.write(pipelineDoc()), {}), {});
    assert.deepEqual(changed.steps.map((s) => s.state), ['ran', 'ran', 'upToDate']);
    assert.deepEqual(changed.models.map((m) => [m.model, m.version, m.stage]), [['churn', 2, 'none']]);
  });

  it('a data input on a dataset an earlier step tags waits for that step and reads the version it just tagged', async () => {
    // train reads churn-prepared@latest (not `step: prepare`): the very first run must work, and a re-run of prepare
    // with new rows must re-train on the new version, never be "up to date" on the old one.
    const ws = await pipelineWs(pipelineDoc({ train: { inputs: [{ data: 'churn-prepared' }] } }));
    const plan = await planPipeline(ws.store, ws.pipeline, {});
    assert.match(plan.steps[1].reason, /reads what 'prepare' makes \(judged after it runs\)/);
    const first = await executePipeline(ws.store, plan, {});
    assert.equal(first.status, 'finished', first.message);
    assert.deepEqual(first.steps.map((s) => s.state), ['ran', 'ran', 'ran']);
    const v1 = await ws.store.resolveDataVersion('churn-prepared');
    assert.deepEqual((await ws.store.readRun(first.steps[1].runId!)).dataVersions.map((d) => [d.dataset, d.version]), [['churn-prepared', v1.id]]);
    fs.appendFileSync(path.join(ws.root, 'data', 'raw.csv'), '5,0\n6,1\n');
    const second = await executePipeline(ws.store, await planPipeline(ws.store, ws.pipeline, {}), {});
    assert.deepEqual(second.steps.map((s) => s.state), ['ran', 'ran', 'upToDate']);
    const v2 = await ws.store.resolveDataVersion('churn-prepared');
    assert.notEqual(v2.id, v1.id);
    assert.deepEqual((await ws.store.readRun(second.steps[1].runId!)).dataVersions.map((d) => [d.dataset, d.version]), [['churn-prepared', v2.id]]);
    assert.deepEqual(second.models.map((m) => m.version), [2]);
    // prepare not selected: train reads the latest version as it is; with none at all, the message says who makes it.
    const only = await planPipeline(ws.store, ws.pipeline, { steps: ['train'], force: true });
    assert.deepEqual(only.steps[1].dataInputs.map((d) => d.version), [v2.id]);
    const fresh = await pipelineWs(pipelineDoc({ train: { inputs: [{ data: 'churn-prepared' }] } }));
    await assert.rejects(planPipeline(fresh.store, fresh.pipeline, { steps: ['train'] }), /missing input: step 'train' reads data 'churn-prepared', which step 'prepare' tags, but .* and 'prepare' does not run now; run 'prepare' too/);
  });

  it('after a pipeline that failed past train, train is not "up to date": it runs again and its model is registered', async () => {
    const ws = await pipelineWs(pipelineDoc({ report: { run: node('process.exit(2)') } }));
    const failed = await executePipeline(ws.store, await planPipeline(ws.store, ws.pipeline, {}), {});
    assert.equal(failed.status, 'failed');
    assert.equal((await ws.store.listModels()).items.length, 0);
    const p = ws.write(pipelineDoc());
    const plan = await planPipeline(ws.store, p, {});
    assert.deepEqual(plan.steps.map((s) => s.action), ['upToDate', 'run', 'run']);
    assert.equal(plan.steps[1].reason, 'its model was never registered (the pipeline did not finish)');
    const r = await executePipeline(ws.store, plan, {});
    assert.equal(r.status, 'finished', r.message);
    assert.deepEqual(r.models.map((m) => [m.model, m.version]), [['churn', 1]]);
    assert.deepEqual((await planPipeline(ws.store, p, {})).steps.map((s) => s.action), ['upToDate', 'upToDate', 'upToDate']);
  });

  it('a mlops_log call inside a Python step attaches to the step run', async function () {
    const ws = await pipelineWs({ formatVersion: 1, steps: [{ id: 'fit', run: `/usr/bin/python3 -c ${JSON.stringify('import mlops_log; r = mlops_log.start_run("ignored"); r.log_metric("acc", 0.75)')}` }] });
    if (!fs.existsSync('/usr/bin/python3')) { this.skip(); }
    const r = await executePipeline(ws.store, await planPipeline(ws.store, ws.pipeline, {}), { pythonLibDir: path.join(REPO, 'python'), python: '/usr/bin/python3' });
    assert.equal(r.status, 'finished', r.message);
    const { points } = await ws.store.readMetrics(r.steps[0].runId!);
    assert.deepEqual(points.map((p) => [p.name, p.value]), [['acc', 0.75]]);
    assert.equal((await ws.store.listRuns()).items.length, 2, 'no third run was created by the logger');
  });

  it('a failing step stops the pipeline with its output; later steps do not run; no model is registered', async () => {
    const ws = await pipelineWs(pipelineDoc({ prepare: { run: node('console.log("reading rows"); console.error("bad row 3"); process.exit(3)') } }));
    const out: string[] = [];
    const r = await executePipeline(ws.store, await planPipeline(ws.store, ws.pipeline, {}), { onEvent: (e) => { if (e.kind === 'output') { out.push(e.text); } } });
    assert.equal(r.status, 'failed');
    assert.deepEqual(r.steps.map((s) => [s.id, s.state]), [['prepare', 'failed'], ['train', 'notRun'], ['report', 'notRun']]);
    assert.equal(r.steps[1].reason, "step 'prepare' failed");
    assert.match(r.message, /pipeline 'retrain' failed; no model was registered; step 'prepare' failed: exit code 3/);
    assert.match(out.join(''), /bad row 3/);
    assert.equal((await ws.store.readRun(r.runId)).status, 'failed');
    const step = await ws.store.readRun(r.steps[0].runId!);
    assert.equal(step.status, 'failed');
    assert.equal((step.meta as { exitCode?: number }).exitCode, 3);
    assert.match(fs.readFileSync(path.join(ws.store.runDir(step.id), 'output.log'), 'utf8'), /reading rows\n[\s\S]*bad row 3/);
    assert.equal((await ws.store.listModels()).items.length, 0);
    assert.deepEqual(ws.calls(), []);
  });

  it('the end message says "no model was registered" only when models were declared, and after a failure while registering, exactly what was', async () => {
    const ws = await pipelineWs(pipelineDoc({ prepare: { outputs: [{ path: 'data/prepared' }] }, report: { run: node('process.exit(5)') } }));
    const noModels = ws.write({ formatVersion: 1, steps: [ws.pipeline.steps[2]] });
    const r = await executePipeline(ws.store, await planPipeline(ws.store, noModels, {}), {});
    assert.equal(r.status, 'failed');
    assert.equal(r.message, "pipeline 'retrain' failed; step 'report' failed: exit code 5");
    // Two models; the second one's file is removed by a later step, so registering it throws after the first.
    const two = ws.write({ formatVersion: 1, steps: [
      { id: 'a', run: node('require("fs").mkdirSync("models", { recursive: true }); require("fs").writeFileSync("models/a.json", "{}")'), outputs: [{ path: 'models/a.json', model: 'model-a' }] },
      { id: 'b', run: node('require("fs").writeFileSync("models/b.json", "{}")'), outputs: [{ path: 'models/b.json', model: 'model-b' }] },
      { id: 'cleanup', run: node('require("fs").rmSync("models/b.json")') },
    ] });
    const partial = await executePipeline(ws.store, await planPipeline(ws.store, two, {}), {});
    assert.equal(partial.status, 'failed');
    assert.deepEqual(partial.models.map((m) => [m.model, m.version]), [['model-a', 1]]);
    assert.match(partial.message, /^pipeline 'retrain' failed; registered before it failed: model-a v1 \(none\); the pipeline stopped: /);
    assert.deepEqual((await ws.store.readRun(partial.steps[0].runId!)).outputs?.models, [{ model: 'model-a', version: 1 }]);
  });

  it('an optional step that fails is reported and the pipeline goes on', async () => {
    const ws = await pipelineWs(pipelineDoc({ report: { optional: true, run: node('process.exit(1)') } }));
    const p = ws.write({ ...ws.pipeline.doc, steps: [ws.pipeline.steps[2], ws.pipeline.steps[0], ws.pipeline.steps[1]] });
    const r = await executePipeline(ws.store, await planPipeline(ws.store, p, {}), {});
    assert.equal(r.status, 'finished');
    assert.deepEqual(r.steps.map((s) => s.state), ['failed', 'ran', 'ran']);
    assert.match(r.message, /optional step 'report' failed: exit code 1; the pipeline went on/);
    assert.equal(r.models.length, 1);
  });

  it('a command that is not found refuses the plan by step name before anything runs (program, python script, script step)', async () => {
    const ws = await pipelineWs(pipelineDoc({ train: { run: 'pyhton train.py' } }));
    await assert.rejects(planPipeline(ws.store, ws.pipeline, {}), /^MlopsError: step 'train': command not found: pyhton$/);
    for (const [run, msg] of [
      ['python trian.py --fit', /step 'train': script not found: trian\.py/],
      [{ script: 'trian.py' }, /step 'train': script not found: trian\.py/],
      ['./bin/fit --x', /step 'train': command not found: \.\/bin\/fit/],
    ] as const) {
      await assert.rejects(planPipeline(ws.store, ws.write(pipelineDoc({ train: { run } })), {}), msg);
    }
    // Fine: a program on PATH, python -c, and a python script an earlier step writes.
    for (const run of ['node train.js', 'python -c pass', 'python data/prepared/fit.py']) {
      await planPipeline(ws.store, ws.write(pipelineDoc({ train: { run } })), {});
    }
    // A skipped step is not checked.
    await planPipeline(ws.store, ws.write(pipelineDoc({ train: { run: 'pyhton x', when: 'manual' } })), {});
    assert.deepEqual(ws.calls(), []);
    assert.equal((await ws.store.listRunIds()).ids.length, 0);
  });

  it('a step that exits 0 without writing its outputs fails', async () => {
    const ws = await pipelineWs(pipelineDoc({ prepare: { run: node('0') } }));
    const r = await executePipeline(ws.store, await planPipeline(ws.store, ws.pipeline, {}), {});
    assert.equal(r.status, 'failed');
    assert.equal(r.steps[0].reason, "step 'prepare' exited 0 but did not write its output data/prepared");
  });

  it('stopping kills the step\'s whole process tree, ends everything killed and registers nothing', async () => {
    const ws = await pipelineWs();
    // train starts a grandchild and both wait; the pid file tells the test they are up.
    const grandchild = `require("child_process").spawn(process.execPath, ["-e", "require('fs').writeFileSync('grandchild.pid', String(process.pid)); setTimeout(() => {}, 600000)"], { stdio: "ignore" }); setTimeout(() => {}, 600000)`;
    const p = ws.write(pipelineDoc({ train: { run: node(grandchild) } }));
    const controller = new AbortController();
    const running = executePipeline(ws.store, await planPipeline(ws.store, p, {}), { signal: controller.signal });
    const pidFile = path.join(ws.root, 'grandchild.pid');
    await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').length > 0, 'the grandchild');
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    controller.abort();
    const r = await running;
    assert.equal(r.status, 'killed');
    assert.deepEqual(r.steps.map((s) => s.state), ['ran', 'killed', 'notRun']);
    assert.equal(r.steps[2].reason, 'the pipeline was stopped');
    assert.match(r.message, /was stopped; no model was registered/);
    assert.equal((await ws.store.readRun(r.runId)).status, 'killed');
    assert.equal((await ws.store.readRun(r.steps[1].runId!)).status, 'killed');
    assert.equal((await ws.store.listModels()).items.length, 0);
    await waitFor(() => !alive(pid), 'the grandchild to be killed');
  });

  it('a pipeline run left running by a runner that is gone is marked killed with its running steps; a live runner\'s is not', async () => {
    const ws = await pipelineWs();
    const { execFileSync } = await import('node:child_process');
    const os = await import('node:os');
    const deadPid = Number(execFileSync(NODE, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));
    const orphan = async (pid: number): Promise<[string, string]> => {
      const parent = await ws.store.createRun({ experiment: 'retrain', name: 'retrain-x', params: {}, tags: ['pipeline'], pipeline: { name: 'retrain', steps: [{ id: 'prepare', state: 'ran' }], runner: { pid, host: os.hostname() } } as never });
      const step = await ws.store.createRun({ experiment: 'retrain', name: 'retrain.prepare', params: {}, tags: ['pipeline-step'], parentRunId: parent.id, pipeline: { name: 'retrain', step: 'prepare' } });
      await ws.store.updateRun(parent.id, (r) => { r.pipeline!.steps = [{ id: 'prepare', state: 'ran', runId: step.id }]; });
      return [parent.id, step.id];
    };
    const [gone, goneStep] = await orphan(deadPid);
    const [live, liveStep] = await orphan(process.pid);
    assert.deepEqual((await markAbandonedRuns(ws.store, 'other')), []);
    assert.deepEqual((await markAbandonedRuns(ws.store, 'retrain')).sort(), [gone, goneStep].sort());
    const parent = await ws.store.readRun(gone);
    assert.equal(parent.status, 'killed');
    assert.deepEqual(parent.pipeline?.steps?.map((e) => e.state), ['killed']);
    assert.equal((await ws.store.readRun(goneStep)).status, 'killed');
    assert.equal((await ws.store.readRun(live)).status, 'running');
    assert.equal((await ws.store.readRun(liveStep)).status, 'running');
    // A run records its runner, so a later run can tell.
    const r = await executePipeline(ws.store, await planPipeline(ws.store, ws.pipeline, {}), {});
    assert.deepEqual((await ws.store.readRun(r.runId)).pipeline?.runner, { pid: process.pid, host: os.hostname() });
  });

  it('stopping during a step after train (its model file is written) registers no model version', async () => {
    const ws = await pipelineWs(pipelineDoc({ report: { run: node('require("fs").writeFileSync("report.pid", String(process.pid)); setTimeout(() => {}, 600000)') } }));
    const controller = new AbortController();
    const running = executePipeline(ws.store, await planPipeline(ws.store, ws.pipeline, {}), { signal: controller.signal, stage: 'staging' });
    const pidFile = path.join(ws.root, 'report.pid');
    await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').length > 0, 'the report step');
    assert.ok(fs.existsSync(path.join(ws.root, 'models', 'churn.json')), 'train wrote its model');
    controller.abort();
    const r = await running;
    assert.equal(r.status, 'killed');
    assert.deepEqual(r.steps.map((s) => s.state), ['ran', 'ran', 'killed']);
    assert.deepEqual(r.models, []);
    assert.match(r.message, /^pipeline 'retrain' was stopped; no model was registered/);
    assert.equal((await ws.store.listModels()).items.length, 0);
    assert.equal((await ws.store.readRun(r.steps[1].runId!)).outputs?.models, undefined);
  });

  it('a step over its timeout is killed and fails, saying so', async () => {
    const ws = await pipelineWs(pipelineDoc({ prepare: { run: node('setTimeout(() => {}, 600000)'), timeout: '0.5s' } }));
    const r = await executePipeline(ws.store, await planPipeline(ws.store, ws.pipeline, {}), {});
    assert.equal(r.status, 'failed');
    assert.equal(r.steps[0].reason, 'timed out after 0.5s and was killed (step prepare)');
  });

  it('a second pipeline on the same outputs is refused before it creates anything; a dead holder\'s lock is taken over', async () => {
    const ws = await pipelineWs(pipelineDoc({ prepare: { run: node('require("fs").writeFileSync("started", "1"); setTimeout(() => { require("fs").mkdirSync("data/prepared", { recursive: true }); require("fs").writeFileSync("data/prepared/a.csv", "x"); }, 1500)') } }));
    const first = executePipeline(ws.store, await planPipeline(ws.store, ws.pipeline, { steps: ['prepare'] }), {});
    await waitFor(() => fs.existsSync(path.join(ws.root, 'started')), 'the first pipeline');
    const runsBefore = (await ws.store.listRunIds()).ids.length;
    await assert.rejects(executePipeline(ws.store, await planPipeline(ws.store, ws.pipeline, {}), {}),
      new RegExp(`pipeline 'retrain' \\(pid ${process.pid}, started \\d\\d:\\d\\d\\) is writing (data/prepared|models/churn.json|report.txt); wait for it or stop it`));
    assert.equal((await ws.store.listRunIds()).ids.length, runsBefore);
    assert.equal((await first).status, 'finished');
    // A lock left by a process that is gone does not block.
    const lockDir = path.join(ws.store.dir, 'cache', 'pipeline-locks');
    assert.deepEqual(fs.readdirSync(lockDir), ['.keep'], 'the finished pipeline released its locks');
    const { execFileSync } = await import('node:child_process');
    const deadPid = Number(execFileSync(NODE, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));
    const { createHash } = await import('node:crypto');
    fs.writeFileSync(path.join(lockDir, `${createHash('sha256').update('data/prepared').digest('hex').slice(0, 24)}.json`), JSON.stringify({ pid: deadPid, host: (await import('node:os')).hostname(), pipeline: 'retrain', startedAt: new Date().toISOString(), path: 'data/prepared' }));
    const r = await executePipeline(ws.store, await planPipeline(ws.store, ws.pipeline, { steps: ['prepare'], force: true }), {});
    assert.equal(r.status, 'finished', r.message);
  });
});
