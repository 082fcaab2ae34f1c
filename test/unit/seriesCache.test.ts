// Compare's reduced metrics cache: the same comparison as from the raw points, read from .mlops/cache/series while
// a run's metrics.jsonl is unchanged, and never stale once it changes.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store } from '../../src/core';
import { prepareComparison } from '../../src/core/compare/prepare';
import { reducedMetricsOf } from '../../src/core/compare/seriesCache';
import { tmpDir } from './helpers';

async function storeWithCurves(): Promise<{ store: Store; ids: string[] }> {
  const { store } = await Store.init(tmpDir());
  const ids: string[] = [];
  for (let r = 0; r < 2; r++) {
    const run = await store.createRun({ experiment: 'e', name: `r${r}`, params: { lr: r } });
    await store.logMetrics(run.id, Array.from({ length: 3000 }, (_, i) => ({ name: i % 2 ? 'loss' : 'acc@fold=1', step: i, value: Math.sin(i / 50) + r, timestamp: 1_000 + i })));
    ids.push(run.id);
  }
  return { store, ids };
}

describe('compare: reduced metrics cache', () => {
  it('gives the comparison the raw points give, and is read from the cache the second time', async () => {
    const { store, ids } = await storeWithCurves();
    const runs = await Promise.all(ids.map((id) => store.readRun(id)));
    const fromPoints = prepareComparison(await Promise.all(runs.map(async (run) => ({ run, points: (await store.readMetrics(run.id)).points }))));
    const first = await Promise.all(ids.map((id) => reducedMetricsOf(store, id)));
    assert.deepEqual(first.map((f) => f.cached), [false, false]);
    const second = await Promise.all(ids.map((id) => reducedMetricsOf(store, id)));
    assert.deepEqual(second.map((f) => f.cached), [true, true]);
    const fromCache = prepareComparison(runs.map((run, i) => ({ run, reduced: second[i].reduced })));
    assert.deepEqual(fromCache, fromPoints);
    assert.ok(fs.existsSync(path.join(store.dir, 'cache', 'series', `${ids[0]}.json`)));
  });

  it('an appended point, a replaced file or a damaged cache entry is never served stale', async () => {
    const { store, ids } = await storeWithCurves();
    const id = ids[0];
    await reducedMetricsOf(store, id);
    await store.logMetrics(id, [{ name: 'loss', value: 99, step: 5000 }]);
    const grown = await reducedMetricsOf(store, id);
    assert.equal(grown.cached, false);
    assert.equal(grown.reduced.summaries.get('loss')!.last, 99);
    fs.writeFileSync(store.metricsFile(id), '{"name":"loss","step":0,"value":7,"timestamp":1}\n');
    const replaced = await reducedMetricsOf(store, id);
    assert.equal(replaced.cached, false);
    assert.deepEqual(replaced.reduced.series.get('loss')!.values, [7]);
    fs.writeFileSync(path.join(store.dir, 'cache', 'series', `${id}.json`), '{"v":1,');
    const again = await reducedMetricsOf(store, id);
    assert.equal(again.cached, false);
    assert.deepEqual(again.reduced.series.get('loss')!.values, [7]);
  });

  it('a file with damaged lines is reduced with its problems reported, and not cached', async () => {
    const { store, ids } = await storeWithCurves();
    fs.appendFileSync(store.metricsFile(ids[1]), 'garbage\n');
    const r = await reducedMetricsOf(store, ids[1]);
    assert.equal(r.problems.length, 1);
    assert.equal((await reducedMetricsOf(store, ids[1])).cached, false);
  });
});
