// Planning pipelines on real stores: selection, params, argv, fingerprints, up-to-date checks and their caches.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { commandOf, executePipeline, formatPlan, HashCache, planPipeline, resolveParams, splitCommandLine } from '../../src/core/pipeline';
import { planState } from '../../src/core/pipeline/plan';
import { NODE, pipelineDoc, pipelineWs } from './pipelineFixture';

describe('pipeline planning', () => {
  it('splits command lines like a shell, without one', () => {
    assert.deepEqual(splitCommandLine(`python  train.py --name "a b" 'c d' e\\ f "q\\"x" $HOME`), ['python', 'train.py', '--name', 'a b', 'c d', 'e f', 'q"x', '$HOME']);
    assert.throws(() => splitCommandLine('python "open'), /unclosed "/);
  });

  it('params: defaults, --param k=v for every step declaring k, step.k=v for one; unknown overrides and ${x} are errors', async () => {
    const ws = await pipelineWs(pipelineDoc({ report: { params: { lr: 5, title: 'weekly' }, run: `${JSON.stringify(NODE)} report.js --title=\${title}` } }));
    const all = resolveParams(ws.pipeline, { lr: 0.5 });
    assert.deepEqual(all.get('train'), { lr: 0.5 });
    assert.deepEqual(all.get('report'), { lr: 0.5, title: 'weekly' });
    const one = resolveParams(ws.pipeline, { 'lr': 0.5, 'report.lr': 9 });
    assert.deepEqual([one.get('train'), one.get('report')?.lr], [{ lr: 0.5 }, 9]);
    assert.throws(() => resolveParams(ws.pipeline, { epochs: 3 }), /--param epochs: no step of pipeline 'retrain' declares a param 'epochs' \(params: train\.lr, report\.lr, report\.title\)/);
    assert.throws(() => resolveParams(ws.pipeline, { 'train.title': 'x' }), /--param train\.title: step 'train' declares no param 'title' \(its params: lr\)/);
    assert.deepEqual(commandOf(ws.pipeline.steps[2], { lr: 5, title: 'a b' }), [NODE, 'report.js', '--title=a b']);
    assert.throws(() => commandOf({ id: 's', run: 'echo ${nope}', params: { a: 1 } }, { a: 1 }), /step 's': the command uses \$\{nope\}, but the step has no param 'nope' \(params: a\)/);
    assert.deepEqual(commandOf({ id: 's', run: { script: 'train.py', args: ['--seed', '3'] } }, { lr: 0.1, deep: true }), ['python', 'train.py', '--lr=0.1', '--deep=true', '--seed', '3']);
  });

  it('selection: conditions over the facts, --steps (exactly those; manual picked), --from; unknown ids are errors', async () => {
    const ws = await pipelineWs(pipelineDoc({ train: { when: 'drift.class == "minor"' }, report: { when: 'manual' } }));
    const byCondition = await planPipeline(ws.store, ws.pipeline, { facts: { drift: { class: 'major' } } });
    assert.deepEqual(byCondition.steps.map((s) => s.action), ['run', 'skip', 'skip']);
    assert.equal(byCondition.steps[1].reason, 'drift.class == "minor" → false (drift.class is "major")');
    assert.match(byCondition.steps[2].reason, /manual: runs only when picked/);
    const minor = await planPipeline(ws.store, ws.pipeline, { facts: { drift: { class: 'minor' } } });
    assert.deepEqual(minor.steps.map((s) => s.action), ['run', 'run', 'skip']);
    const lines = formatPlan(minor);
    assert.equal(lines[0], 'run  prepare  never ran');
    assert.match(lines[1], /^run {2}train {4}drift\.class == "minor" → true \(drift\.class is "minor"\); reads what 'prepare' makes/);
    assert.match(lines[2], /^skip report {3}manual → false/);
    const picked = await planPipeline(ws.store, ws.pipeline, { steps: ['report'] });
    assert.deepEqual(picked.steps.map((s) => s.action), ['skip', 'skip', 'run']);
    assert.equal(picked.steps[0].reason, 'not in --steps');
    await assert.rejects(planPipeline(ws.store, ws.pipeline, { steps: ['report', 'deploy'] }), /unknown step 'deploy' in --steps; pipeline 'retrain' has prepare, train, report/);
    await assert.rejects(planPipeline(ws.store, ws.pipeline, { from: 'nope' }), /unknown step 'nope' in --from/);
    // --steps train without prepare: its input is not there yet, and prepare does not run now.
    await assert.rejects(planPipeline(ws.store, ws.pipeline, { steps: ['train'] }), /missing input: step 'train' reads data\/prepared, which step 'prepare' makes, but it is not there and 'prepare' does not run now; run 'prepare' too/);
    fs.rmSync(path.join(ws.root, 'data', 'raw.csv'));
    await assert.rejects(planPipeline(ws.store, ws.pipeline, {}), /missing input: step 'prepare' reads data\/raw\.csv, which does not exist/);
  });

  it('--from STEP picks STEP itself even when its when is manual or false; later steps follow their conditions', async () => {
    const ws = await pipelineWs(pipelineDoc({ train: { when: 'manual' }, report: { when: 'drift.class == "minor"' } }));
    await executePipeline(ws.store, await planPipeline(ws.store, ws.pipeline, { steps: ['prepare'] }), {});
    const manual = await planPipeline(ws.store, ws.pipeline, { from: 'train', facts: { drift: { class: 'major' } } });
    assert.deepEqual(manual.steps.map((s) => s.action), ['skip', 'run', 'skip']);
    assert.match(manual.steps[1].reason, /^--from; never ran$/);
    const p = ws.write(pipelineDoc({ train: { when: 'drift.class == "none"' } }));
    const falseWhen = await planPipeline(ws.store, p, { from: 'train', facts: { drift: { class: 'major' } } });
    assert.deepEqual(falseWhen.steps.map((s) => s.action), ['skip', 'run', 'run']);
  });

  it('a pipeline changed behind the reader (a cycle, a bad when) is refused by the planner with file:line:column', async () => {
    const ws = await pipelineWs();
    const bad = { ...ws.pipeline, steps: ws.pipeline.steps.map((s) => (s.id === 'report' ? { ...s, when: 'a ==' } : s)) };
    fs.writeFileSync(ws.pipeline.file, JSON.stringify({ ...bad.doc, steps: bad.steps }, null, 2));
    await assert.rejects(planPipeline(ws.store, bad, {}), /^MlopsError: \.mlops\/pipelines\/retrain\.json:\d+:\d+: when: expected a value after '=='/);
  });

  it('data inputs resolve to data versions and are part of the fingerprint', async () => {
    const ws = await pipelineWs();
    const v1 = (await ws.store.tagData({ path: path.join(ws.root, 'data', 'raw.csv'), dataset: 'churn-raw', profile: false })).version;
    const p = ws.write(pipelineDoc({ prepare: { inputs: [{ data: 'churn-raw@latest' }] } }));
    const a = await planPipeline(ws.store, p, {});
    assert.deepEqual(a.steps[0].dataInputs, [{ dataset: 'churn-raw', version: v1.id, contentHash: v1.contentHash }]);
    fs.appendFileSync(path.join(ws.root, 'data', 'raw.csv'), '5,0\n');
    await ws.store.tagData({ path: path.join(ws.root, 'data', 'raw.csv'), dataset: 'churn-raw', profile: false });
    const b = await planPipeline(ws.store, p, {});
    assert.notEqual(a.steps[0].fingerprint, b.steps[0].fingerprint);
    const pinned = ws.write(pipelineDoc({ prepare: { inputs: [{ data: `churn-raw@${v1.id}` }] } }));
    assert.equal((await planPipeline(ws.store, pinned, {})).steps[0].fingerprint, a.steps[0].fingerprint);
    const missing = ws.write(pipelineDoc({ prepare: { inputs: [{ data: 'churn-gone' }] } }));
    await assert.rejects(planPipeline(ws.store, missing, {}), /missing input: step 'prepare' reads data 'churn-gone': dataset 'churn-gone' has no versions/);
  });

  it('up to date after a run; a changed input, param or code re-runs only what it affects; --force runs anyway', async () => {
    const ws = await pipelineWs();
    const first = await executePipeline(ws.store, await planPipeline(ws.store, ws.pipeline, {}), {});
    assert.equal(first.status, 'finished', first.message);
    const again = await planPipeline(ws.store, ws.pipeline, {});
    assert.deepEqual(again.steps.map((s) => s.action), ['upToDate', 'upToDate', 'upToDate']);
    assert.match(formatPlan(again)[0], /^skip prepare {2}up to date since run [0-9A-Z]{26} \(fingerprint unchanged\)$/);
    // notes.txt feeds report only.
    fs.writeFileSync(path.join(ws.root, 'notes.txt'), 'second, longer notes\n');
    assert.deepEqual((await planPipeline(ws.store, ws.pipeline, {})).steps.map((s) => s.action), ['upToDate', 'upToDate', 'run']);
    // A param of train.
    assert.deepEqual((await planPipeline(ws.store, ws.pipeline, { params: { lr: 0.2 } })).steps.map((s) => s.action), ['upToDate', 'run', 'run']);
    // train's code (its first file argument).
    fs.appendFileSync(path.join(ws.root, 'train.js'), '// tuned\n');
    const code = await planPipeline(ws.store, ws.pipeline, {});
    assert.deepEqual(code.steps.map((s) => s.action), ['upToDate', 'run', 'run']);
    assert.match(code.steps[1].reason, /changed since run/);
    // An output deleted or edited by hand is not up to date.
    fs.writeFileSync(path.join(ws.root, 'data', 'prepared', 'train.csv'), 'edited by hand\n');
    const edited = await planPipeline(ws.store, ws.pipeline, {});
    assert.equal(edited.steps[0].action, 'run');
    assert.match(edited.steps[0].reason, /its output data\/prepared changed since run/);
    assert.deepEqual((await planPipeline(ws.store, ws.pipeline, { force: true })).steps.map((s) => [s.action, s.reason]), [['run', 'forced'], ['run', 'forced'], ['run', 'forced']]);
    // --from: earlier steps are not called; their outputs as they are feed the later ones.
    assert.deepEqual((await planPipeline(ws.store, ws.pipeline, { from: 'train', force: true })).steps.map((s) => [s.action, s.reason]), [['skip', 'before --from train'], ['run', '--from; forced'], ['run', 'forced']]);
  });

  it('planning writes nothing; the stat cache answers an unchanged folder without reading it; the step index is rebuilt when deleted', async () => {
    const ws = await pipelineWs();
    const cache = path.join(ws.store.dir, 'cache');
    await planPipeline(ws.store, ws.pipeline, {});
    assert.equal(fs.existsSync(cache), false, 'a plan wrote the cache');
    await executePipeline(ws.store, await planPipeline(ws.store, ws.pipeline, {}), {});
    assert.ok(fs.existsSync(path.join(cache, 'pipeline-hashes.json')));
    assert.ok(fs.existsSync(path.join(cache, 'pipeline-steps.json')));
    // A fresh process: the cache file, not this process's memory.
    HashCache.forget();
    const warm = await planPipeline(ws.store, ws.pipeline, {});
    assert.equal(planState(warm)?.hashes.filesRead, 0);
    assert.deepEqual(warm.steps.map((s) => s.action), ['upToDate', 'upToDate', 'upToDate']);
    // A changed file is read again, and only that one.
    HashCache.forget();
    fs.writeFileSync(path.join(ws.root, 'notes.txt'), 'changed notes, longer\n');
    const changed = await planPipeline(ws.store, ws.pipeline, {});
    assert.equal(planState(changed)?.hashes.filesRead, 1);
    // Caches deleted (or damaged): rebuilt from the files and the runs, same answer.
    fs.writeFileSync(path.join(cache, 'pipeline-steps.json'), '{ damaged');
    fs.rmSync(path.join(cache, 'pipeline-hashes.json'));
    HashCache.forget();
    const rebuilt = await planPipeline(ws.store, ws.pipeline, {});
    assert.deepEqual(rebuilt.steps.map((s) => s.action), ['upToDate', 'upToDate', 'run']);
    // The runs are the truth: a step's last run moved to the trash makes it run again.
    const prepareRun = rebuilt.steps[0].upToDateRun!;
    await executePipeline(ws.store, rebuilt, {});
    await ws.store.trashRun(prepareRun);
    const afterTrash = await planPipeline(ws.store, ws.pipeline, {});
    assert.equal(afterTrash.steps[0].action, 'run');
    assert.equal(afterTrash.steps[0].reason, 'never ran');
  });
});
