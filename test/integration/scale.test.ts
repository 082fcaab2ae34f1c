import * as assert from 'assert';
import * as vscode from 'vscode';
import { activate, ui, until } from './helpers';

// A measurement, not a check of speed: run by `npm run bench` (scripts/bench-host.mjs) on a generated store of
// 10,000 runs with MLOPS_SCALE_BENCH=1; skipped otherwise. It asserts only that everything was shown.
describe('scale: Experiments view on a 10,000-run store', function () {
  before(function () { if (!process.env.MLOPS_SCALE_BENCH) { this.skip(); } });

  it('shows the first level and a page of runs, and prints how long that took', async () => {
    const t0 = performance.now();
    const api = await activate();
    await api.stores.ready();
    const tLoaded = performance.now();
    const tree = api.trees.experiments.tree;
    const top = await tree.getChildren();
    const tTop = performance.now();
    const runs = api.stores.list()[0].runs.size;
    assert.strictEqual(runs, Number(process.env.MLOPS_SCALE_BENCH));
    const runsOfFirst = await tree.getChildren(top[0]);
    const tPage = performance.now();
    assert.ok(runsOfFirst.length > 0);
    await until(() => runsOfFirst.filter((n) => n.kind === 'run').every((n) => /^loss /.test(n.description ?? '')), 60_000, 'headline metrics of the page');
    const tMetrics = performance.now();
    let tRendered = NaN;
    if (process.env.EXT_TEST_UI_BRIDGE) {
      const t = performance.now();
      await vscode.commands.executeCommand('mlops.experiments.focus');
      await until(async () => ((await ui<string[]>('/texts', { frame: 'main', selector: '.pane:has(.pane-header[aria-label^="Experiments"]) .monaco-list-row' })) ?? []).some((r) => r.includes(top[0].label)), 60_000, 'rows');
      tRendered = performance.now() - t;
    }
    const f = (ms: number) => `${ms.toFixed(0)} ms`;
    console.log(`SCALE ${runs} runs in ${top.length} experiments: load store index ${f(tLoaded - t0)}; first level ${f(tTop - tLoaded)} `
      + `(activation to first level ${f(tTop - t0)}); one experiment's first page (${runsOfFirst.length} rows) ${f(tPage - tTop)}; `
      + `headline metrics of that page ${f(tMetrics - tPage)}; focus to rows rendered in the workbench ${f(tRendered)}`);
  });
});
