// `mlops pipeline list|run` as real processes of the built CLI: dry runs that write nothing, a full run with lineage,
// up-to-date skips, changed inputs, failures, Ctrl-C, concurrent runs, and every bad-input message.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store } from '../../src/core';
import { CLI, mlops } from './helpers';
import { NODE, pipelineDoc, pipelineWs } from './pipelineFixture';

/** Every file under a folder with its bytes, the store's cache included. */
function everything(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) { walk(p); } else { out.set(path.relative(dir, p), fs.readFileSync(p, 'base64')); }
    }
  };
  walk(dir);
  return out;
}

const node = (code: string): string => `${JSON.stringify(NODE)} -e ${JSON.stringify(code)}`;

function started(cwd: string, args: string[]): { done: Promise<{ code: number | null; stdout: string; stderr: string }>; pid: number; stdout: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { done, pid: child.pid!, stdout: () => stdout };
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) { if (cond()) { return; } await new Promise((r) => setTimeout(r, 50)); }
  assert.fail(`timed out waiting for ${what}`);
}

describe('mlops pipeline (built CLI)', function () {
  this.timeout(120_000);

  it('list, --dry-run (prints the plan, writes nothing, not even the cache), run with lineage, then everything up to date', async () => {
    const ws = await pipelineWs(pipelineDoc({ train: { when: 'drift.class in ["minor", "none"]' } }));
    const listed = mlops(['pipeline', 'list'], ws.root);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /retrain\s+prepare → train → report/);

    const before = everything(ws.root);
    const dry = mlops(['pipeline', 'run', 'retrain', '--dry-run', '--fact', 'drift.class=minor'], ws.root);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^Plan for pipeline 'retrain' \(dry run: nothing runs, nothing is written\):\n {2}run {2}prepare {2}never ran\n {2}run {2}train {4}drift\.class in \["minor", "none"\] → true \(drift\.class is "minor"\); reads what 'prepare' makes/);
    assert.deepEqual(everything(ws.root), before, 'a dry run wrote something');
    const major = mlops(['pipeline', 'run', 'retrain', '--dry-run', '--json', '--fact', 'drift.class="major"'], ws.root);
    const plan = JSON.parse(major.stdout) as { steps: { id: string; action: string; reason: string }[] };
    assert.deepEqual(plan.steps.map((s) => s.action), ['run', 'skip', 'run']);

    const run = mlops(['pipeline', 'run', 'retrain', '--fact', 'drift.class=minor', '--stage', 'staging'], ws.root);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /── prepare \(run [0-9A-Z]{26}\): .*prepare\.js\nprepared 5 rows\n/);
    assert.match(run.stdout, /trained with lr=0\.1/);
    assert.match(run.stdout, /pipeline 'retrain' finished: 3 steps ran, 0 up to date \(run [0-9A-Z]{26}\)/);
    assert.match(run.stdout, /^model: churn v1 \(staging\)$/m);
    assert.match(run.stdout, /^data version: churn-prepared [0-9A-Z]{26}$/m);
    const store = await Store.open(ws.root);
    const mv = await store.readModelVersion('churn', 1);
    const train = await store.readRun(mv.runId);
    const prepared = await store.resolveDataVersion('churn-prepared');
    assert.deepEqual(train.dataVersions.map((d) => d.version), [prepared.id]);
    const prepare = await store.readRun(prepared.run!);
    assert.equal(prepare.pipeline?.step, 'prepare');
    assert.equal(prepare.parentRunId, train.parentRunId);
    assert.equal((prepare.source as { via?: string }).via, 'cli');

    const again = mlops(['pipeline', 'run', 'retrain', '--fact', 'drift.class=minor', '--json'], ws.root);
    assert.equal(again.code, 0, again.stderr);
    const result = JSON.parse(again.stdout) as { status: string; steps: { state: string }[]; models: unknown[] };
    assert.deepEqual(result.steps.map((s) => s.state), ['upToDate', 'upToDate', 'upToDate']);
    assert.deepEqual(result.models, []);

    // A changed input re-runs only the steps it affects.
    fs.writeFileSync(path.join(ws.root, 'notes.txt'), 'new notes from the analyst\n');
    const partial = mlops(['pipeline', 'run', 'retrain', '--fact', 'drift.class=minor'], ws.root);
    assert.equal(partial.code, 0, partial.stderr);
    assert.match(partial.stdout, /skip prepare {2}up to date since run/);
    assert.match(partial.stdout, /pipeline 'retrain' finished: 1 step ran, 2 up to date/);
    assert.deepEqual(ws.calls(), ['prepare', 'train', 'report', 'report']);
    // --force and --param.
    const forced = mlops(['pipeline', 'run', 'retrain', '--steps', 'train', '--param', 'lr=0.3', '--fact', 'drift.class=minor'], ws.root);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /trained with lr=0\.3/);
    assert.match(forced.stdout, /model: churn v2 \(none\)/);
  });

  it('a failing step: exit 1, its output shown, the later steps not run', () => {
    return pipelineWs(pipelineDoc({ train: { run: node('console.error("train: out of memory"); process.exit(4)') } })).then((ws) => {
      const r = mlops(['pipeline', 'run', 'retrain'], ws.root);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /── train \(run [0-9A-Z]{26}\): .*\ntrain: out of memory\n/);
      assert.match(r.stdout, /── train failed \(exit code 4\)/);
      assert.match(r.stdout, /report\s+notRun\s+step 'train' failed/);
      assert.match(r.stderr, /mlops: pipeline 'retrain' failed; no model was registered; step 'train' failed: exit code 4/);
      assert.equal(fs.existsSync(path.join(ws.store.dir, 'models')), false);
    });
  });

  it('Ctrl-C (SIGINT) and SIGTERM stop the run: exit 130, the step killed, nothing registered', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const ws = await pipelineWs(pipelineDoc({ train: { run: node('console.log("training…"); setTimeout(() => {}, 600000)') } }));
      const child = started(ws.root, ['pipeline', 'run', 'retrain']);
      await waitFor(() => child.stdout().includes('training…'), 'the train step');
      process.kill(child.pid, signal);
      const r = await child.done;
      assert.equal(r.code, 130, `${signal}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /stopping the pipeline/);
      assert.match(r.stdout, /train\s+killed/);
      const store = await Store.open(ws.root);
      const runs = (await store.listRuns()).items;
      assert.deepEqual(runs.map((x) => x.status).sort(), ['finished', 'killed', 'killed']);
      assert.equal((await store.listModels()).items.length, 0);
    }
  });

  it('SIGHUP (terminal closed) stops the run like Ctrl-C: the step process is gone, no run stays running', async () => {
    const ws = await pipelineWs(pipelineDoc({ train: { run: node('require("fs").writeFileSync("train.pid", String(process.pid)); console.log("training…"); setTimeout(() => {}, 600000)') } }));
    const child = started(ws.root, ['pipeline', 'run', 'retrain']);
    const pidFile = path.join(ws.root, 'train.pid');
    await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').length > 0, 'the train step');
    const stepPid = Number(fs.readFileSync(path.join(ws.root, 'train.pid'), 'utf8'));
    process.kill(child.pid, 'SIGHUP');
    const r = await child.done;
    assert.equal(r.code, 130, r.stdout + r.stderr);
    await waitFor(() => { try { process.kill(stepPid, 0); return false; } catch { return true; } }, 'the step process to end');
    const store = await Store.open(ws.root);
    assert.deepEqual((await store.listRuns()).items.map((x) => x.status).sort(), ['finished', 'killed', 'killed']);
    assert.equal((await store.listModels()).items.length, 0);
  });

  it('a second run on the same outputs refuses while the first runs (exit 1, says who)', async () => {
    const ws = await pipelineWs(pipelineDoc({ prepare: { run: node('console.log("preparing…"); setTimeout(() => {}, 600000)') } }));
    const first = started(ws.root, ['pipeline', 'run', 'retrain']);
    await waitFor(() => first.stdout().includes('preparing…'), 'the first run');
    const second = mlops(['pipeline', 'run', 'retrain'], ws.root);
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`^mlops: pipeline 'retrain' \\(pid ${first.pid}, started \\d\\d:\\d\\d\\) is writing \\S+; wait for it or stop it\\n$`));
    process.kill(first.pid, 'SIGTERM');
    assert.equal((await first.done).code, 130);
  });

  it('bad input: a cycle, a missing input, an unknown step, a when that does not parse, a command not found, bad options', async () => {
    const ws = await pipelineWs();
    const file = path.join(ws.store.dir, 'pipelines', 'retrain.json');
    const cyc = pipelineDoc({ prepare: { inputs: [{ step: 'train' }] } });
    fs.writeFileSync(file, JSON.stringify(cyc, null, 2));
    let r = mlops(['pipeline', 'run', 'retrain'], ws.root);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^\.mlops\/pipelines\/retrain\.json:\d+:\d+: cycle between steps: prepare → train → prepare\nmlops: pipeline 'retrain' has 1 problem; nothing was run/);
    assert.equal(fs.existsSync(path.join(ws.store.dir, 'runs')), false);

    fs.writeFileSync(file, JSON.stringify(pipelineDoc({ train: { when: 'drift.class = "minor"' } }), null, 2));
    r = mlops(['pipeline', 'run', 'retrain'], ws.root);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^\.mlops\/pipelines\/retrain\.json:\d+:\d+: when: '=' is not an operator; compare with '==' at column 13\n/);
    const list = mlops(['pipeline', 'list'], ws.root);
    assert.equal(list.code, 1);
    assert.match(list.stdout, /retrain\s+1 problem/);

    fs.writeFileSync(file, JSON.stringify(pipelineDoc(), null, 2));
    r = mlops(['pipeline', 'run', 'retrain', '--steps', 'train'], ws.root);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /mlops: missing input: step 'train' reads data\/prepared, which step 'prepare' makes, but it is not there/);
    r = mlops(['pipeline', 'run', 'retrain', '--steps', 'prepare,deploy'], ws.root);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown step 'deploy' in --steps; pipeline 'retrain' has prepare, train, report/);
    r = mlops(['pipeline', 'run', 'retrain', '--param', 'epochs=3'], ws.root);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no step of pipeline 'retrain' declares a param 'epochs'/);
    for (const bad of [['pipeline', 'run'], ['pipeline', 'run', 'retrain', '--stage', 'production'], ['pipeline', 'run', 'retrain', '--fact', 'x'], ['pipeline', 'run', 'nope']]) {
      const b = mlops(bad, ws.root);
      assert.ok(b.code === 2 || b.code === 1, `${bad.join(' ')}: ${b.code}`);
      assert.match(b.stderr, /^mlops: /);
    }
    assert.match(mlops(['pipeline', 'run', 'nope'], ws.root).stderr, /no pipeline 'nope' \(expected \.mlops\/pipelines\/nope\.json\); pipelines: retrain/);
    assert.equal(fs.existsSync(path.join(ws.store.dir, 'runs')), false, 'bad input created runs');

    fs.writeFileSync(file, JSON.stringify(pipelineDoc({ prepare: { run: 'no-such-program-xyz data/raw.csv' } }), null, 2));
    r = mlops(['pipeline', 'run', 'retrain'], ws.root);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /mlops: step 'prepare': command not found: no-such-program-xyz/);
    assert.equal(fs.existsSync(path.join(ws.store.dir, 'runs')), false, 'a command not found created runs');
  });
});
