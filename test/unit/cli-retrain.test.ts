import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRetrainLog } from '../../src/core/retrain';
import { spawn } from 'node:child_process';
import { CLI, mlops, snapshot } from './helpers';
import { logWindows, retrainFixture, writePipeline, type RetrainFixture } from './retrainFixture';

const DRIFT_AUTO = { pipeline: 'retrain', triggers: [{ kind: 'drift', name: 'input drift', description: 'agreed with the retention team', class: 'minor', automation: 'auto' }] };

async function ready(shifts: Parameters<typeof logWindows>[1], goals: object = { retraining: DRIFT_AUTO }, pipeline: Parameters<typeof writePipeline>[1] = {}): Promise<RetrainFixture> {
  const f = await retrainFixture({ goals });
  logWindows(f.dir, shifts);
  writePipeline(f, pipeline);
  return f;
}

interface CheckJson { outcomes: { trigger: string; model: string; fired: boolean; level: string; applied: string; decision: string; withheld?: string; pipelineRunId?: string; handledBy?: string; status?: string; models?: { model: string; version: number; stage: string }[] }[]; exitCode: number }

describe('mlops retrain (real processes)', function () {
  this.timeout(120_000);

  it('minor drift with auto: --apply runs the pipeline, registers a staging version with lineage, logs started and finished; the next check does not run it again', async () => {
    const f = await ready(['none', 'minor']);
    const r = mlops(['retrain', 'check', '--apply'], f.ws);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^input drift\s+churn\s+yes\s+auto\s+finished \(run \w+\)\s+retrain\s+input drift minor \(1 of 4 columns: age\) for 1 window in a row$/m);
    assert.match(r.stdout, /model: churn v2 \(staging\)/);
    assert.match(r.stdout, /why this threshold: agreed with the retention team/);
    const { lines } = await readRetrainLog(f.store);
    assert.deepEqual(lines.map((l) => l.decision), ['started', 'finished']);
    const runId = lines[0].pipelineRunId!;
    assert.equal(lines[1].pipelineRunId, runId);
    assert.deepEqual(lines[1].models, [{ model: 'churn', version: 2, stage: 'staging' }]);
    assert.equal((lines[1].facts.drift as Record<string, unknown>).class, 'minor');
    // Lineage: data version → prepare run → data version → train run → model version, under the pipeline run.
    const v2 = await f.store.readModelVersion('churn', 2);
    assert.equal(v2.stage, 'staging');
    const train = await f.store.readRun(v2.runId);
    assert.equal(train.parentRunId, runId);
    const pipelineRun = await f.store.readRun(runId);
    assert.deepEqual(pipelineRun.pipeline?.trigger, { name: 'input drift', level: 'auto' });
    const prepared = train.dataVersions.find((d) => d.dataset === 'churn-prepared')!;
    const preparedVersion = await f.store.resolveDataVersion('churn-prepared', prepared.version);
    const prepare = await f.store.readRun(preparedVersion.run!);
    assert.deepEqual(prepare.dataVersions.map((d) => [d.dataset, d.version]), [['churn-data', f.dataVersion]]);
    assert.equal((await f.store.readModelVersion('churn', 1)).stage, 'production', 'an automatic retrain never promotes to production');

    const again = mlops(['retrain', 'check', '--apply', '--json'], f.ws);
    assert.equal(again.code, 0, again.stderr);
    const j = JSON.parse(again.stdout) as CheckJson;
    assert.deepEqual(j.outcomes.map((o) => [o.decision, o.handledBy]), [['notified', runId]]);
    assert.equal((await f.store.listModelVersions('churn')).items.length, 2, 'nothing ran again');
  });

  it('a trigger watching every model never runs a pipeline bound to another model: fraud drifted, churn is not retrained; it asks and says why', async () => {
    const f = await ready(['none', 'none'], { retraining: { pipeline: 'retrain', triggers: [{ kind: 'drift', name: 'any drift', class: 'minor', automation: 'auto' }] } });
    const artifact = path.join(f.ws, 'fraud.pkl');
    fs.writeFileSync(artifact, 'fraud model');
    await f.store.registerModel({ name: 'fraud', runId: f.runId, artifactPath: artifact });
    await f.store.setModelStage('fraud', 1, 'production');
    const fraudDir = path.join(f.store.dir, 'monitoring', 'fraud');
    fs.mkdirSync(fraudDir, { recursive: true });
    logWindows(fraudDir, ['none', 'minor'], { model: 'fraud' });
    const r = mlops(['retrain', 'check', '--apply', '--json'], f.ws);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const j = JSON.parse(r.stdout) as CheckJson;
    const fraud = j.outcomes.find((o) => o.model === 'fraud')!;
    assert.deepEqual([fraud.fired, fraud.level, fraud.applied, fraud.decision, fraud.withheld, fraud.pipelineRunId],
      [true, 'auto', 'ask', 'asked', "automation withheld: pipeline 'retrain' retrains churn, not fraud", undefined]);
    assert.equal((await f.store.listModelVersions('churn')).items.length, 1, 'churn was not retrained');
    assert.match(r.stderr, /goals\.json:\d+:\d+: warning: this trigger watches every monitored model, but pipeline 'retrain' retrains only churn/);
  });

  it('a misspelled model: --model chrun is a usage error (exit 2, nothing logged); a trigger for it warns at its place and exits 1, unlogged', async () => {
    const f = await ready(['none', 'none']);
    const r = mlops(['retrain', 'check', '--model', 'chrun'], f.ws);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /no model 'chrun' is registered or monitored \(models: churn\)/);
    assert.equal(fs.existsSync(path.join(f.store.dir, 'retraining', 'log.jsonl')), false, 'nothing logged');
    fs.writeFileSync(f.store.goalsFile(), JSON.stringify({ formatVersion: 1, monitoring: { window: '1', label: 'churn' }, retraining: { pipeline: 'retrain', triggers: [
      { kind: 'drift', name: 'typo', model: 'chrun', automation: 'ask' }, { kind: 'drift', name: 'ok', model: 'churn', automation: 'ask' },
    ] } }, null, 2));
    const t = mlops(['retrain', 'check'], f.ws);
    assert.equal(t.code, 1, t.stdout + t.stderr);
    assert.match(t.stderr, /goals\.json:\d+:\d+: warning: no model 'chrun' is registered or monitored/);
    const { lines } = await readRetrainLog(f.store);
    assert.deepEqual(lines.map((l) => [l.trigger, l.model]), [['ok', 'churn']]);
  });

  it('retrain log: a line torn by a crash with later lines after it is a warning, exit 0, not a broken log forever', async () => {
    const f = await ready(['none', 'none']);
    assert.equal(mlops(['retrain', 'check'], f.ws).code, 0);
    const log = path.join(f.store.dir, 'retraining', 'log.jsonl');
    fs.appendFileSync(log, '{"formatVersion":1,"time":"20');
    assert.equal(mlops(['retrain', 'check'], f.ws).code, 0);
    const r = mlops(['retrain', 'log'], f.ws);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /log\.jsonl:2: not JSON \(a write cut off by a crash/);
    assert.equal(r.stdout.trim().split('\n').length, 3, 'a header and the two good lines');
  });

  it('major drift with auto: nothing runs, the decision asks and says why, and analysis writes the notebook', async () => {
    const f = await ready(['none', 'major']);
    const before = snapshot(path.join(f.store.dir, 'runs'));
    const r = mlops(['retrain', 'check', '--apply'], f.ws);
    assert.equal(r.code, 1, 'a person is needed');
    assert.match(r.stdout, /^input drift\s+churn\s+yes\s+auto → ask\s+asked\s+retrain\s+input drift major/m);
    assert.match(r.stdout, /input drift \(churn\): automation withheld: major drift in (age, income|income, age)/);
    assert.match(r.stdout, /look first: mlops retrain analysis churn; then mlops pipeline run retrain/);
    assert.deepEqual(snapshot(path.join(f.store.dir, 'runs')), before, 'no run was created');
    const { lines } = await readRetrainLog(f.store);
    assert.deepEqual(lines.map((l) => [l.decision, l.level, l.applied]), [['asked', 'auto', 'ask']]);
    assert.match(lines[0].withheld!, /^automation withheld: major drift in/);
    const a = mlops(['retrain', 'analysis', 'churn'], f.ws);
    assert.equal(a.code, 0, a.stderr);
    const file = path.join(f.ws, a.stdout.trim());
    assert.match(a.stdout.trim(), /^analysis[/\\]retrain-churn-\d{8}-\d{4}\.ipynb$/);
    const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: { source: string[] }[] };
    assert.match(nb.cells[0].source.join(''), /automation withheld: major drift/);
  });

  it('without --apply a fired auto trigger is reported (exit 1); a quiet one exits 0; every evaluation is logged', async () => {
    const f = await ready(['none', 'minor']);
    const r = mlops(['retrain', 'check'], f.ws);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /would run pipeline 'retrain' unattended \(mlops retrain check --apply\)/);
    assert.equal((await f.store.listModelVersions('churn')).items.length, 1);
    const quiet = await ready(['none', 'none']);
    const q = mlops(['retrain', 'check', '--apply', '--json'], quiet.ws);
    assert.equal(q.code, 0, q.stderr);
    const j = JSON.parse(q.stdout) as CheckJson;
    assert.deepEqual(j.outcomes.map((o) => [o.trigger, o.fired, o.decision]), [['input drift', false, 'quiet']]);
    assert.equal(j.exitCode, 0);
    assert.equal((await readRetrainLog(quiet.store)).lines.length, 1);
  });

  it('a failing step fails the automatic run: exit 1, logged failed, no model registered; the next check tries again', async () => {
    const f = await ready(['none', 'minor'], { retraining: DRIFT_AUTO }, { failTrain: true });
    const r = mlops(['retrain', 'check', '--apply'], f.ws);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /diverged/);
    const { lines } = await readRetrainLog(f.store);
    assert.deepEqual(lines.map((l) => l.decision), ['started', 'failed']);
    assert.equal((await f.store.listModelVersions('churn')).items.length, 1);
    writePipeline(f);
    const retry = mlops(['retrain', 'check', '--apply'], f.ws);
    assert.equal(retry.code, 0, retry.stdout + retry.stderr);
    assert.match(retry.stdout, /model: churn v2 \(staging\)/);
  });

  it('Ctrl-C during an automatic run: the pipeline ends killed, nothing is registered, the evaluation and the end are logged', async () => {
    const f = await ready(['none', 'minor'], { retraining: DRIFT_AUTO }, { slowTrain: true });
    const child = spawn(process.execPath, [CLI, 'retrain', 'check', '--apply'], { cwd: f.ws, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    const sent = new Promise<void>((resolve) => {
      child.stderr.on('data', (b: Buffer) => {
        err += b.toString();
        if (err.includes('training slowly')) { child.kill('SIGINT'); resolve(); }
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    await sent;
    assert.equal(code, 1, out + err);
    assert.match(err, /stopping the retraining pipeline/);
    const { lines } = await readRetrainLog(f.store);
    assert.deepEqual(lines.map((l) => l.decision), ['started', 'killed']);
    assert.equal(lines[1].models?.length ?? 0, 0);
    assert.equal((await f.store.listModelVersions('churn')).items.length, 1, 'a killed pipeline registers nothing');
    assert.equal((await f.store.readRun(lines[0].pipelineRunId!)).status, 'killed');
  });

  it('a pipeline that cannot start asks instead, and says why', async () => {
    const f = await ready(['none', 'minor'], { retraining: { ...DRIFT_AUTO, pipeline: 'missing' } });
    const r = mlops(['retrain', 'check', '--apply', '--json'], f.ws);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.stdout) as CheckJson;
    assert.equal(j.outcomes[0].decision, 'asked');
    assert.match(j.outcomes[0].withheld!, /^automation withheld: pipeline 'missing' could not start: no pipeline 'missing'/);
  });

  it('errors in the retraining section are printed at their place and exit 2; the readable triggers are still evaluated', async () => {
    const f = await ready(['none', 'none'], { retraining: { pipeline: 'retrain', triggers: [
      { kind: 'drift', name: 'input drift', class: 'minor' },
      { kind: 'kpi', name: 'k', kpi: 'nope', comparator: 'gt', threshold: 1 },
    ] } });
    const r = mlops(['retrain', 'check'], f.ws);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^mlops: \.mlops\/goals\.json:\d+:\d+: error: no KPI named 'nope' in this file/m);
    assert.match(r.stdout, /^input drift\s+churn\s+no\s+ask/m);
    fs.writeFileSync(f.store.goalsFile(), '{"formatVersion": 1,');
    const broken = mlops(['retrain', 'check'], f.ws);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /goals\.json:1:\d+: error: not valid JSON/);
  });

  it('log prints the decisions, filters by model, limits; bad --limit is a usage error', async () => {
    const f = await ready(['none', 'major']);
    mlops(['retrain', 'check'], f.ws);
    mlops(['retrain', 'check'], f.ws);
    const text = mlops(['retrain', 'log'], f.ws);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^TIME\s+MODEL\s+TRIGGER\s+DECISION\s+LEVEL\s+RUN\s+SUMMARY$/m);
    assert.equal(text.stdout.trim().split('\n').length, 3);
    assert.match(text.stdout, /churn\s+input drift\s+asked\s+auto → ask\s+-\s+input drift major .* — automation withheld: major drift in/);
    const json = JSON.parse(mlops(['retrain', 'log', '--limit', '1', '--json'], f.ws).stdout) as { lines: unknown[]; problems: string[] };
    assert.equal(json.lines.length, 1);
    assert.equal((JSON.parse(mlops(['retrain', 'log', '--model', 'other', '--json'], f.ws).stdout) as { lines: unknown[] }).lines.length, 0);
    const bad = mlops(['retrain', 'log', '--limit', 'many'], f.ws);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--limit is a whole number ≥ 0, got 'many'/);
    fs.appendFileSync(path.join(f.store.dir, 'retraining', 'log.jsonl'), '{"torn');
    const torn = mlops(['retrain', 'log'], f.ws);
    assert.equal(torn.code, 0, 'a write cut off is said, not an error');
    assert.match(torn.stderr, /mlops: warning: \.mlops\/retraining\/log\.jsonl:3: an unfinished last line/);
  });

  it('no triggers: says where they go and exits 0; analysis of an unknown model fails clearly', async () => {
    const f = await retrainFixture();
    const r = mlops(['retrain', 'check'], f.ws);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /No retraining triggers \(goals\.json retraining\.triggers\)/);
    const a = mlops(['retrain', 'analysis', 'nope'], f.ws);
    assert.equal(a.code, 1);
    assert.match(a.stderr, /model 'nope' has no registered version/);
    assert.equal(mlops(['retrain', 'analysis', 'churn', '--trigger', 'x'], f.ws).code, 2);
  });
});
