import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store, StoreState, childrenOf, type ViewNode, type ViewOptions } from '../../src/core';
import type { TeamConflict } from '../../src/core/team/types';
import { markTeamConflicts, productionConflicts } from '../../src/core/views/teamNodes';
import { tmpDir } from './helpers';

const opts: ViewOptions = { filter: {}, sort: 'newest', pageSize: 200, pages: new Map(), now: Date.now(), multiRoot: false };

/** A store with model churn v1..v3 from three runs; v2 and v3 are put in production the way a merge of two promotions leaves them. */
async function mergedStore(): Promise<StoreState> {
  const { store } = await Store.init(tmpDir());
  for (const n of [1, 2, 3]) {
    const run = await store.createRun({ experiment: 'churn', name: `r${n}`, status: 'finished' });
    const file = path.join(store.root, 'models', `m${n}.pkl`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `weights ${n}`);
    await store.registerModel({ name: 'churn', runId: run.id, artifactPath: file });
  }
  // Each machine promoted one version; git merged the two files cleanly.
  for (const n of [2, 3]) {
    const f = store.modelVersionFile('churn', n);
    const v = JSON.parse(fs.readFileSync(f, 'utf8')) as { stage: string; stageHistory: { stage: string; at: string }[] };
    v.stage = 'production';
    v.stageHistory.push({ stage: 'production', at: new Date().toISOString() });
    fs.writeFileSync(f, JSON.stringify(v, null, 2));
  }
  const state = new StoreState(store);
  await state.load();
  return state;
}

describe('team conflicts in the Models view (pure node marking, real store files)', function () {
  this.timeout(60_000);

  it('finds two versions in production from the versions in memory, with the team core\'s message', async () => {
    const state = await mergedStore();
    const found = productionConflicts(state.modelVersions);
    assert.deepEqual(found, [{ kind: 'multipleProduction', model: 'churn', versions: [2, 3], message: '2 versions in production (2, 3): keep one with Resolve…' }]);
    // One version in production is no conflict.
    assert.deepEqual(productionConflicts(state.modelVersions.filter((v) => v.version !== 3)), []);
  });

  it('marks the model and the versions in conflict (warning, description, tooltip, .conflict context value), and nothing else', async () => {
    const state = await mergedStore();
    const conflicts = productionConflicts(state.modelVersions);
    const [model] = childrenOf([state], undefined, 'models', opts);
    const marked = markTeamConflicts(model, conflicts);
    assert.equal(marked.description, '2 versions in production');
    assert.deepEqual(marked.icon, { symbol: 'problem' });
    assert.equal(marked.contextValue, 'mlops.model.conflict');
    assert.match(marked.tooltip ?? '', /keep one with Resolve…/);
    assert.match(marked.tooltip ?? '', /the others are archived/);
    assert.equal(model.contextValue, 'mlops.model', 'the node passed in is not changed');

    const versions = childrenOf([state], model, 'models', opts).map((n) => markTeamConflicts(n, conflicts));
    const ctx = Object.fromEntries(versions.map((n: ViewNode) => [n.label, n.contextValue]));
    assert.deepEqual(ctx, { v1: 'mlops.modelVersion.none', v2: 'mlops.modelVersion.production.conflict', v3: 'mlops.modelVersion.production.conflict' });
    assert.match(versions.find((n) => n.label === 'v2')?.description ?? '', /^2 versions in production · production · /);
  });

  it('a version number claimed twice marks only that version', async () => {
    const state = await mergedStore();
    const claim: TeamConflict = { kind: 'versionClaimedTwice', model: 'churn', version: 1, file: '.mlops/models/churn/versions/1.json', message: 'version 1 was created on two machines' };
    const [model] = childrenOf([state], undefined, 'models', opts);
    assert.equal(markTeamConflicts(model, [claim]).description, 'version 1 claimed twice');
    const versions = childrenOf([state], model, 'models', opts).map((n) => markTeamConflicts(n, [claim]));
    assert.deepEqual(Object.fromEntries(versions.map((n) => [n.label, n.contextValue?.endsWith('.conflict')])), { v1: true, v2: false, v3: false });
    // Another model's conflict leaves this one alone.
    assert.equal(markTeamConflicts(model, [{ ...claim, model: 'other' }]), model);
  });
});
