// The production gate on real temporary git repositories: every check passing for a clean version, and each one
// failing for the reason the issue names (an unpinned contrib requirement at the run's commit, notebook-only
// training, an overwritten artifact, a wide slice spread), plus the ways a gate cannot check (no git, a commit not
// in the repository, a run that is gone, a broken goals.json) — each a verdict, never a crash.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store, StoreState } from '../../src/core';
import { modelVersionChildren } from '../../src/core/views/treeModel';
import { runGate } from '../../src/core/gate/gate';
import { gateMarkdown, gateSarif, gateText, mdText } from '../../src/core/gate/format';
import { promoteModel } from '../../src/core/gate/promote';
import type { GateCheckId, GateResult } from '../../src/core/gate/types';
import { GOALS, gateFixture } from './gateFixture';
import { git, snapshot, tmpDir } from './helpers';

const GOOD = { 'accuracy': 0.86, 'accuracy@fold=1': 0.85, 'accuracy@fold=2': 0.86, 'accuracy@fold=3': 0.87 };
const check = (r: GateResult, id: GateCheckId) => { const c = r.checks.find((x) => x.id === id); assert.ok(c, `no check ${id} in ${r.checks.map((x) => x.id).join(', ')}`); return c; };
const failingText = (r: GateResult, id: GateCheckId) => check(r, id).evidence.filter((e) => e.failing).map((e) => e.text).join('\n');

describe('production gate (real git repositories)', function () {
  this.timeout(60_000);

  it('a clean version with met goals passes every required check; budget is advisory and reproduced off by default', async () => {
    const f = await gateFixture();
    const v = await f.version('good', GOOD);
    const r = await runGate(f.store, 'churn', v.version);
    for (const c of r.checks) { assert.equal(c.status, 'pass', `${c.id}: ${c.summary}\n${c.evidence.map((e) => e.text).join('\n')}`); }
    assert.equal(r.passed, true);
    assert.deepEqual(r.blocking, []);
    assert.deepEqual(r.checks.map((c) => c.id), ['goals', 'constraints', 'slices', 'lineage', 'dependencies', 'notebooks', 'budget']);
    assert.equal(check(r, 'budget').level, 'advisory');
    assert.match(check(r, 'goals').summary, /^2 of 2 goals met/);
    // Every pinned library at the commit is listed too (the model card shows them), none of them failing.
    assert.deepEqual(check(r, 'dependencies').evidence.map((e) => [e.text, e.failing]), [
      ['requirements.txt:1: scikit-learn==1.5.0 — pinned, vetted', false], ['requirements.txt:2: pandas==2.2.2 — pinned, vetted', false]]);
    assert.equal(r.commit.id, git(f.ws, 'rev-parse', 'HEAD').trim());
  });

  it('an unpinned contrib requirement at the run\'s commit fails dependencies, even after the working tree is fixed', async () => {
    const f = await gateFixture();
    fs.appendFileSync(path.join(f.ws, 'requirements.txt'), 'torchmetrics>=1.0\nrequests\n');
    await f.commit();
    const v = await f.version('contrib', GOOD);
    fs.writeFileSync(path.join(f.ws, 'requirements.txt'), 'scikit-learn==1.5.0\npandas==2.2.2\n');
    await f.commit();
    const r = await runGate(f.store, 'churn', v.version);
    const dep = check(r, 'dependencies');
    assert.equal(dep.status, 'fail');
    assert.match(dep.summary, /torchmetrics/);
    const e = dep.evidence.find((x) => x.failing && x.code === 'unpinned-contrib');
    assert.ok(e, dep.evidence.map((x) => x.text).join('\n'));
    assert.equal(e.file, 'requirements.txt');
    assert.equal(e.line, 3);
    assert.equal(r.passed, false);
    assert.deepEqual(r.blocking, ['dependencies']);
    // The newest commit has the fixed file: gating it there (--commit HEAD) passes the check.
    const atHead = await runGate(f.store, 'churn', v.version, { commit: 'HEAD' });
    assert.equal(check(atHead, 'dependencies').status, 'pass');
    assert.equal(atHead.commit.from, 'option');
  });

  it('training that exists only in a notebook at the commit fails notebooks', async () => {
    const f = await gateFixture();
    fs.rmSync(path.join(f.ws, 'train.py'));
    const nb = { cells: [{ cell_type: 'code', source: ['import xgboost\n', 'clf = xgboost.XGBClassifier()\n', 'clf.fit(X, y)\n'], metadata: {}, outputs: [], execution_count: 1 }],
      metadata: { kernelspec: { language: 'python', name: 'python3', display_name: 'Python 3' } }, nbformat: 4, nbformat_minor: 5 };
    fs.mkdirSync(path.join(f.ws, 'notebooks'));
    fs.writeFileSync(path.join(f.ws, 'notebooks', 'train model.ipynb'), JSON.stringify(nb));
    await f.commit();
    const v = await f.version('nb', GOOD);
    const r = await runGate(f.store, 'churn', v.version);
    const c = check(r, 'notebooks');
    assert.equal(c.status, 'fail', c.summary);
    assert.match(c.summary, /notebooks\/train model\.ipynb/);
    assert.equal(c.evidence[0].file, 'notebooks/train model.ipynb');
    assert.equal(c.evidence[0].cell, 0);
  });

  it('a notebook that cannot be read at the commit fails notebooks: nobody can vouch for it', async () => {
    const f = await gateFixture();
    fs.writeFileSync(path.join(f.ws, 'broken.ipynb'), '{"cells": [');
    await f.commit();
    const v = await f.version('broken', GOOD);
    const c = check(await runGate(f.store, 'churn', v.version), 'notebooks');
    assert.equal(c.status, 'fail');
    assert.match(c.summary, /^cannot read broken\.ipynb \(at [0-9a-f]{12}\)$/);
  });

  it('an artifact overwritten since registration fails lineage; a dirty commit and missing data version too', async () => {
    const f = await gateFixture();
    const v = await f.version('good', GOOD);
    fs.writeFileSync(path.join(f.ws, 'models', 'good.pkl'), 'retrained in place\n');
    const r = await runGate(f.store, 'churn', v.version);
    assert.equal(check(r, 'lineage').status, 'fail');
    assert.match(check(r, 'lineage').summary, /artifact models\/good\.pkl was overwritten/);

    fs.writeFileSync(path.join(f.ws, 'scratch.py'), 'print(1)\n'); // untracked: the tree is dirty
    const dirty = await f.version('dirty', GOOD, { data: false });
    fs.rmSync(path.join(f.ws, 'scratch.py'));
    const d = await runGate(f.store, 'churn', dirty.version);
    assert.match(failingText(d, 'lineage'), /uncommitted changes/);
    assert.match(failingText(d, 'lineage'), /no data version recorded/);

    fs.rmSync(path.join(f.ws, 'models', 'dirty.pkl'));
    const gone = await runGate(f.store, 'churn', dirty.version);
    assert.match(failingText(gone, 'lineage'), /artifact models\/dirty\.pkl cannot be read/);

    // In a CI checkout artifacts are not there: `skip` notes it; a file that is there and changed still fails.
    fs.rmSync(path.join(f.ws, 'models', 'good.pkl'));
    const ci = await runGate(f.store, 'churn', v.version, { missingArtifact: 'skip' });
    assert.equal(check(ci, 'lineage').status, 'pass');
    assert.match(check(ci, 'lineage').summary, /artifact not on this machine \(not checked\)/);
    fs.writeFileSync(path.join(f.ws, 'models', 'good.pkl'), 'retrained in place\n');
    assert.equal(check(await runGate(f.store, 'churn', v.version, { missingArtifact: 'skip' }), 'lineage').status, 'fail');
  });

  it('a wide spread across slices fails and names the worst slice; per-metric spreads from goals.json apply', async () => {
    const f = await gateFixture();
    const v = await f.version('wide', { 'accuracy': 0.86, 'accuracy@region=north': 0.91, 'accuracy@region=south': 0.74, 'accuracy@region=east': 0.88, 'loss@region=north': 0.2, 'loss@region=south': 0.21 });
    const r = await runGate(f.store, 'churn', v.version);
    const c = check(r, 'slices');
    assert.equal(c.status, 'fail');
    assert.match(c.summary, /spread of accuracy across region is 0\.17 \(> 0\.05\); worst region=south/);
    // loss: lower is better, and within the spread.
    assert.match(c.evidence.find((e) => e.text.startsWith('loss'))!.text, /worst region=south \(0\.21\)/);
    fs.writeFileSync(f.store.goalsFile(), JSON.stringify({ ...GOALS, gate: { sliceSpread: { accuracy: 0.2 } } }, null, 2));
    assert.equal(check(await runGate(f.store, 'churn', v.version), 'slices').status, 'pass');
  });

  it('goals: a metric nobody logged is unknown and fails; a missed KPI fails; no thresholds at all fails', async () => {
    const f = await gateFixture();
    const v = await f.version('weak', { 'accuracy': 0.6 });
    const r = await runGate(f.store, 'churn', v.version);
    assert.equal(check(r, 'goals').status, 'fail');
    assert.match(check(r, 'goals').summary, /0 of 2 goals met; retained 60 misses ≥ 70; accuracy 0\.6 misses ≥ 0\.8/);
    const e = check(r, 'goals').evidence.find((x) => x.text.startsWith('accuracy'))!;
    assert.equal(e.file, '.mlops/goals.json');
    assert.ok(e.line && e.line > 1);

    const unlogged = await f.version('unlogged', { other: 1 });
    assert.match(failingText(await runGate(f.store, 'churn', unlogged.version), 'goals'), /accuracy: unknown \(not logged\)/);

    fs.writeFileSync(f.store.goalsFile(), JSON.stringify({ formatVersion: 1 }));
    const none = await runGate(f.store, 'churn', v.version);
    assert.equal(check(none, 'goals').status, 'fail');
    assert.match(check(none, 'goals').summary, /sets no threshold/);
  });

  it('constraints: a meta-metric over its limit or not recorded fails', async () => {
    const f = await gateFixture();
    const big = await f.version('big', GOOD, { meta: { peakMemoryBytes: 8 * 1024 ** 3 } });
    assert.match(check(await runGate(f.store, 'churn', big.version), 'constraints').summary, /Peak memory 8\.0 GiB/);
    const old = await f.version('py38', GOOD, { meta: { python: '3.8.10' } });
    assert.equal(check(await runGate(f.store, 'churn', old.version), 'constraints').status, 'fail');
  });

  it('a goals.json with errors fails goals with the line of each error; unusable JSON too', async () => {
    const f = await gateFixture();
    const v = await f.version('good', GOOD);
    fs.writeFileSync(f.store.goalsFile(), JSON.stringify({ ...GOALS, kpis: [{ name: 'bad', formula: 'accuracy *' }] }, null, 2));
    const r = await runGate(f.store, 'churn', v.version);
    assert.equal(check(r, 'goals').status, 'fail');
    assert.match(failingText(r, 'goals'), /^\.mlops\/goals\.json:\d+:\d+: kpis\[0\]\.formula: formula:/m);
    fs.writeFileSync(f.store.goalsFile(), '{ "formatVersion": 1, ');
    const broken = await runGate(f.store, 'churn', v.version);
    assert.equal(check(broken, 'goals').status, 'fail');
    assert.ok(broken.problems.some((p) => /not valid JSON/.test(p)), broken.problems.join('\n'));
  });

  it('untrusted (no processes), a commit not in the repository, and a run that is gone: skipped or failed with the reason', async () => {
    const f = await gateFixture();
    const v = await f.version('good', GOOD);
    const untrusted = await runGate(f.store, 'churn', v.version, { allowProcesses: false });
    assert.equal(check(untrusted, 'dependencies').status, 'skipped');
    assert.match(check(untrusted, 'dependencies').reason!, /not trusted/);
    assert.equal(check(untrusted, 'lineage').status, 'pass');
    assert.equal(untrusted.passed, false);
    assert.deepEqual(untrusted.blocking, ['dependencies', 'notebooks']);

    const elsewhere = await runGate(f.store, 'churn', v.version, { commit: 'f'.repeat(40) });
    assert.equal(check(elsewhere, 'dependencies').status, 'skipped');
    assert.ok(elsewhere.commit.problem);

    await f.store.trashRun(v.runId);
    const gone = await runGate(f.store, 'churn', v.version);
    assert.equal(check(gone, 'lineage').status, 'fail');
    assert.match(check(gone, 'lineage').summary, /is gone/);
    assert.equal(check(gone, 'goals').status, 'skipped');
    assert.equal(gone.passed, false);
  });

  it('a folder that is no git repository: code checks skipped, lineage fails for the missing commit', async () => {
    const ws = tmpDir('mlops-gate-nogit-');
    const { store } = await Store.init(ws);
    fs.writeFileSync(store.goalsFile(), JSON.stringify(GOALS));
    const run = await store.createRun({ experiment: 'e', status: 'finished', meta: {} });
    fs.writeFileSync(path.join(ws, 'm.pkl'), 'w');
    await store.registerModel({ name: 'm', runId: run.id, artifactPath: path.join(ws, 'm.pkl') });
    const r = await runGate(store, 'm', 1);
    assert.equal(check(r, 'dependencies').status, 'skipped');
    assert.match(failingText(r, 'lineage'), /no git commit recorded/);
  });

  it('budget over its limit fails as advisory (shown, not blocking); reproduced, when required, wants a matching reproduction', async () => {
    const goals = { ...GOALS, budget: { currency: 'EUR', rates: { cpuCoreHour: 1 }, limits: { perExperiment: 1 } }, gate: { checks: { reproduced: 'required' }, reproducedTolerance: 0.02 } };
    const f = await gateFixture(goals);
    const v = await f.version('good', GOOD, { meta: { cost: { amount: 5, currency: 'EUR' } } });
    const r = await runGate(f.store, 'churn', v.version);
    assert.equal(check(r, 'budget').status, 'fail');
    assert.equal(check(r, 'budget').level, 'advisory');
    assert.equal(check(r, 'reproduced').status, 'fail');
    assert.deepEqual(r.blocking, ['reproduced']);
    const rep = await f.store.createRun({ experiment: 'churn', status: 'finished', reproducedFrom: v.runId });
    await f.store.logMetrics(rep.id, [{ name: 'accuracy', value: 0.79, step: 1 }]);
    assert.match(check(await runGate(f.store, 'churn', v.version), 'reproduced').summary, /accuracy 0\.86 → 0\.79/);
    const rep2 = await f.store.createRun({ experiment: 'churn', status: 'finished', reproducedFrom: v.runId });
    await f.store.logMetrics(rep2.id, [{ name: 'accuracy', value: 0.855, step: 1 }]);
    const ok = await runGate(f.store, 'churn', v.version);
    assert.equal(check(ok, 'reproduced').status, 'pass', check(ok, 'reproduced').summary);
    assert.equal(ok.passed, true);
  });

  it('levels from goals.json: an advisory check never blocks, an off check is not run', async () => {
    const f = await gateFixture({ ...GOALS, gate: { checks: { slices: 'advisory', notebooks: 'off' } } });
    const v = await f.version('wide', { 'accuracy': 0.86, 'accuracy@k=a': 0.9, 'accuracy@k=b': 0.6 });
    const r = await runGate(f.store, 'churn', v.version);
    assert.equal(check(r, 'slices').status, 'fail');
    assert.equal(r.passed, true);
    assert.ok(!r.checks.some((c) => c.id === 'notebooks'));
  });
});

describe('gate: what the review found', function () {
  this.timeout(60_000);
  const by = { name: 'Ada Lovelace', email: 'ada@example.com' };

  it('a slice whose value is NaN or infinite is unknown and fails slices, with the slice named', async () => {
    const f = await gateFixture();
    const v = await f.version('nan', { 'accuracy': 0.86, 'accuracy@region=a': 0.91, 'accuracy@region=b': NaN, 'accuracy@region=c': 0.9, 'f1@region=a': 0.9, 'f1@region=b': -Infinity });
    const c = check(await runGate(f.store, 'churn', v.version), 'slices');
    assert.equal(c.status, 'fail');
    assert.match(c.summary, /accuracy across region is unknown on region=b; f1 across region is unknown on region=b/);
    assert.match(failingText(await runGate(f.store, 'churn', v.version), 'slices'), /accuracy@region=b is NaN, so the spread across its 3 slices is unknown/);
  });

  it('a dependency file whose git object is missing fails dependencies instead of passing unread', async () => {
    const f = await gateFixture();
    const v = await f.version('good', GOOD);
    const blob = git(f.ws, 'rev-parse', 'HEAD:requirements.txt').trim();
    fs.rmSync(path.join(f.ws, '.git', 'objects', blob.slice(0, 2), blob.slice(2)));
    const c = check(await runGate(f.store, 'churn', v.version), 'dependencies');
    assert.equal(c.status, 'fail', c.summary);
    assert.match(c.summary, /1 unreadable file/);
  });

  it('a Git LFS pointer that names the registered content passes lineage; one naming other content fails', async () => {
    const f = await gateFixture();
    const v = await f.version('good', GOOD);
    const mv = await f.store.readModelVersion('churn', v.version);
    const pointer = (oid: string) => `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize 20\n`;
    fs.writeFileSync(path.join(f.ws, 'models', 'good.pkl'), pointer(mv.artifact.sha256!));
    const ok = check(await runGate(f.store, 'churn', v.version), 'lineage');
    assert.equal(ok.status, 'pass', ok.summary);
    assert.ok(ok.evidence.some((e) => /Git LFS pointer to the registered content/.test(e.text)));
    fs.writeFileSync(path.join(f.ws, 'models', 'good.pkl'), pointer('0'.repeat(64)));
    assert.equal(check(await runGate(f.store, 'churn', v.version), 'lineage').status, 'fail');
  });

  it('a version promoted again is a new decision: earlier waivers do not carry over, and hand-written ones never count', async () => {
    const f = await gateFixture();
    const v = await f.version('wide', { 'accuracy': 0.86, 'accuracy@k=a': 0.9, 'accuracy@k=b': 0.6 });
    assert.equal((await promoteModel(f.store, 'churn', v.version, { stage: 'production', by, waivers: [{ check: 'slices', reason: 'pilot only' }] })).promoted, true);
    // In CI, the production version keeps its recorded waiver.
    assert.equal((await runGate(f.store, 'churn', v.version)).passed, true);
    const again = await promoteModel(f.store, 'churn', v.version, { stage: 'production', by });
    assert.equal(again.promoted, false);
    // A waiver typed into the file (no gate result, no user) is not honoured.
    const file = f.store.modelVersionFile('churn', v.version);
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { stageHistory: object[] };
    json.stageHistory.push({ stage: 'production', at: new Date().toISOString(), waivers: [{ check: 'slices', reason: 'trust me' }] });
    fs.writeFileSync(file, JSON.stringify(json, null, 2));
    assert.equal((await runGate(f.store, 'churn', v.version)).passed, false);
  });

  it('a gate section with an error gates staging instead of silently letting it through', async () => {
    const f = await gateFixture({ ...GOALS, gate: { stages: ['staging'], checks: { budget: 'requried' } } });
    const v = await f.version('weak', { accuracy: 0.5 });
    const r = await promoteModel(f.store, 'churn', v.version, { stage: 'staging', by });
    assert.equal(r.promoted, false);
    assert.ok(!r.promoted && r.gate.problems.some((p) => /gate\.checks\.budget/.test(p)), JSON.stringify(!r.promoted && r.gate.problems));
  });

  it('waiver reasons become one line; Markdown turns a lone carriage return into a space', () => {
    assert.equal(mdText('ok\r| x |\r# y'), 'ok \\| x \\| \\# y');
  });
});

describe('gated promotion', function () {
  this.timeout(60_000);
  const by = { name: 'Ada Lovelace', email: 'ada@example.com' };

  it('refuses a failing version and changes no file; a waiver with a reason lets it through and is recorded', async () => {
    const f = await gateFixture();
    const v = await f.version('wide', { 'accuracy': 0.86, 'accuracy@k=a': 0.9, 'accuracy@k=b': 0.6 });
    const before = snapshot(path.join(f.ws, '.mlops'));
    const refused = await promoteModel(f.store, 'churn', v.version, { stage: 'production', by });
    assert.equal(refused.promoted, false);
    assert.deepEqual(refused.gate?.blocking, ['slices']);
    assert.deepEqual(snapshot(path.join(f.ws, '.mlops')), before);

    await assert.rejects(promoteModel(f.store, 'churn', v.version, { stage: 'production', by, waivers: [{ check: 'slices', reason: '  ' }] }), /needs a written reason/);
    await assert.rejects(promoteModel(f.store, 'churn', v.version, { stage: 'production', by, waivers: [{ check: 'speed' as GateCheckId, reason: 'fast enough' }] }), /not a gate check/);

    const ok = await promoteModel(f.store, 'churn', v.version, { stage: 'production', by, waivers: [{ check: 'slices', reason: 'region k=b is 2 % of traffic; fixed in the next release' }, { check: 'goals', reason: 'n/a' }] });
    assert.equal(ok.promoted, true);
    assert.deepEqual(ok.unusedWaivers, ['goals']);
    const mv = await f.store.readModelVersion('churn', v.version);
    assert.equal(mv.stage, 'production');
    const last = mv.stageHistory[mv.stageHistory.length - 1];
    assert.equal(last.stage, 'production');
    assert.deepEqual(last.by, by);
    assert.deepEqual(last.waivers, [{ check: 'slices', reason: 'region k=b is 2 % of traffic; fixed in the next release' }]);
    assert.equal(last.gate?.passed, true);
    assert.equal(last.gate?.checks.find((c) => c.id === 'slices')?.status, 'waived');
    assert.equal(last.gate?.commit, git(f.ws, 'rev-parse', 'HEAD').trim());

    // The Models view shows how it got there: who, the verdict and the waiver, and opens the card's gate section.
    const state = new StoreState(f.store);
    await state.load();
    const node = modelVersionChildren(state, { id: 'mv', kind: 'modelVersion', view: 'models', root: f.ws, model: 'churn', version: v.version, label: '', collapsible: 'collapsed' }, { now: Date.now() })
      .find((n) => n.kind === 'gate');
    assert.ok(node);
    assert.equal(node.label, 'production by Ada Lovelace');
    assert.equal(node.description, 'gate passed with 1 waiver · waived slices');
    assert.deepEqual(node.icon, { symbol: 'gateWaived' });
    assert.match(node.tooltip ?? '', /waived slices: \*region k=b is 2 % of traffic; fixed in the next release\*/);
  });

  it('staging is not gated by default, and is when goals.json lists it', async () => {
    const f = await gateFixture();
    const v = await f.version('weak', { accuracy: 0.5 });
    const r = await promoteModel(f.store, 'churn', v.version, { stage: 'staging', by });
    assert.equal(r.promoted, true);
    assert.equal(r.promoted && r.gate, undefined);
    await assert.rejects(promoteModel(f.store, 'churn', v.version, { stage: 'staging', by, waivers: [{ check: 'goals', reason: 'not needed here' }] }), /not a gated stage/);
    fs.writeFileSync(f.store.goalsFile(), JSON.stringify({ ...GOALS, gate: { stages: ['staging'] } }));
    const v2 = await f.version('weak2', { accuracy: 0.5 });
    assert.equal((await promoteModel(f.store, 'churn', v2.version, { stage: 'staging', by })).promoted, false);
  });
});

describe('gate output formats', function () {
  this.timeout(60_000);

  it('text says REFUSED and why; Markdown keeps hostile names as text; SARIF points at the files and lines', async () => {
    const f = await gateFixture();
    fs.appendFileSync(path.join(f.ws, 'requirements.txt'), 'torchmetrics\n');
    await f.commit();
    const hostile = '<img src=x onerror=alert(1)>|**x**';
    const v = await f.version('bad', { 'accuracy': 0.86, [`accuracy@${hostile}=a`]: 0.9, [`accuracy@${hostile}=b`]: 0.6 });
    const r = await runGate(f.store, 'churn', v.version);
    const text = gateText(r);
    assert.match(text, /REFUSED: slices failed, dependencies failed/);
    assert.match(text, /requirements\.txt:3: .*unpinned-contrib/);
    const md = gateMarkdown([r]);
    assert.ok(!md.includes('<img'), md);
    assert.ok(md.includes('&lt;img src=x onerror=alert\\(1\\)&gt;\\|\\*\\*x\\*\\*'), md);
    assert.match(md, /\| Consistency across data slices \| required \| ❌ fail \|/);
    const sarif = gateSarif([r], { root: f.ws, version: 't' }) as { runs: { originalUriBaseIds: { SRCROOT: { uri: string } }; results: { ruleId: string; locations?: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[] }[] }[] };
    const dep = sarif.runs[0].results.find((x) => x.ruleId === 'gate/dependencies')!;
    assert.equal(dep.locations?.[0].physicalLocation.artifactLocation.uri, 'requirements.txt');
    assert.equal(dep.locations?.[0].physicalLocation.region?.startLine, 3);
    assert.ok(sarif.runs[0].originalUriBaseIds.SRCROOT.uri.startsWith('file:///'));
    // Code scanning rejects a result without a location: the slices result points at the gated version's file.
    for (const res of sarif.runs[0].results) { assert.ok(res.locations?.[0].physicalLocation.artifactLocation.uri, res.ruleId); }
    assert.equal(sarif.runs[0].results.find((x) => x.ruleId === 'gate/slices')?.locations?.[0].physicalLocation.artifactLocation.uri, '.mlops/models/churn/versions/1.json');
  });
});
