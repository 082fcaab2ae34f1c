// Compare benchmark (host side): 20 runs × 100,000 points per metric prepared and serialised for the panel.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepareComparison } from '../src/core/compare/prepare';
import { reducedMetricsOf } from '../src/core/compare/seriesCache';
import { Store, mapLimit } from '../src/core';
import type { MetricPoint, Run } from '../src/core';
import { line, median, time } from './util';

export async function benchCompare(): Promise<void> {
  const inputs = Array.from({ length: 20 }, (_, r) => {
    const run: Run = { formatVersion: 1, id: `R${r}`, experiment: 'e', name: `run-${r}`, status: 'finished', startTime: new Date().toISOString(), params: { lr: 0.001 * (r + 1) }, tags: [], dataVersions: [], meta: {} };
    const points: MetricPoint[] = Array.from({ length: 100_000 }, (_, i) => ({ name: 'loss', step: i, value: 1 / Math.sqrt(i + 1) + r / 50, timestamp: 1_700_000_000_000 + i * 50 }));
    return { run, points };
  });
  console.log('compare:');
  const runs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 5; i++) {
    runs.push((await time(() => { bytes = Buffer.byteLength(JSON.stringify({ type: 'load', payload: prepareComparison(inputs) })); })).ms);
  }
  line('20 runs × 100,000 points: prepare + serialise (median of 5)', `${median(runs).toFixed(0)} ms`, '≤ 300 ms');
  line('message size', `${(bytes / 1024).toFixed(0)} KiB`, '≤ 2 MB');

  // What the panel does when it opens: read the 20 metric files from the store, then the above.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-compare-bench-'));
  try {
    const { store } = await Store.init(root);
    const ids: string[] = [];
    for (const { run, points } of inputs) {
      const r = await store.createRun({ experiment: 'e', name: run.name, params: run.params });
      await store.logMetrics(r.id, points);
      ids.push(r.id);
    }
    const open = () => time(async () => {
      const runs = await Promise.all(ids.map((id) => store.readRun(id)));
      const reduced = await mapLimit(ids, 4, async (id) => (await reducedMetricsOf(store, id)).reduced);
      return Buffer.byteLength(JSON.stringify({ type: 'load', payload: prepareComparison(runs.map((run, i) => ({ run, reduced: reduced[i] }))) }));
    });
    const cold = await open();
    line('same, reading the 2,000,000 points from .mlops first (first open)', `${cold.ms.toFixed(0)} ms`);
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) { warm.push((await open()).ms); }
    line('same, reduced curves from .mlops/cache/series (later opens)', `${median(warm).toFixed(0)} ms`, '≤ 700 ms command → chart, with the page');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
