import * as assert from 'assert';
import * as vscode from 'vscode';
import { activate, ui, until } from './helpers';
import { Commands } from '../../src/vscode/ids';

// Measurements, not checks of speed: run by `npm run bench` (scripts/bench-host.mjs) on a generated store of
// 10,000 runs with MLOPS_SCALE_BENCH set; skipped otherwise. They assert only that everything was shown. Each line
// starting with SCALE is printed by the bench.
describe('scale: a 10,000-run store in the extension host', function () {
  before(function () { if (!process.env.MLOPS_SCALE_BENCH) { this.skip(); } });
  const f = (ms: number) => `${ms.toFixed(0)} ms`;

  it('shows the first level and a page of runs, and prints how long that took', async () => {
    const api = await activate();
    await api.stores.ready();
    // The extension host's clock is the same in the test and in the extension: from the start of activate() to the
    // store loaded (the load starts as activate returns), then the first level asked of the tree.
    const tLoaded = api.stores.readyAt! - api.activation.startedAt;
    const tree = api.trees.experiments.tree;
    const l0 = performance.now();
    const top = (await tree.getChildren()).filter((n) => n.kind === 'experiment');
    const tTop = performance.now();
    const tFirstLevel = tLoaded + (tTop - l0);
    // The page of an experiment of ordinary runs (compare-bench holds the 20 long ones).
    const ordinary = top.find((n) => n.label.startsWith('exp-')) ?? top[0];
    const runs = api.stores.list()[0].runs.size;
    assert.strictEqual(runs, Number(process.env.MLOPS_SCALE_BENCH));
    const runsOfFirst = await tree.getChildren(ordinary);
    const tPage = performance.now();
    assert.ok(runsOfFirst.length > 0);
    await until(() => runsOfFirst.filter((n) => n.kind === 'run').every((n) => /^loss /.test(n.description ?? '')), 60_000, 'headline metrics of the page');
    const tMetrics = performance.now();
    // Warm: the store loaded again in the same host (what Refresh does, without the command's round trip through
    // the workbench), then the first level.
    const w0 = performance.now();
    await api.stores.reload();
    const warmTop = await tree.getChildren();
    const tWarm = performance.now() - w0;
    const c0 = performance.now();
    await vscode.commands.executeCommand(Commands.refresh);
    await tree.getChildren();
    const tRefreshCommand = performance.now() - c0;
    assert.ok(warmTop.length >= top.length);
    let tRendered = NaN;
    if (process.env.EXT_TEST_UI_BRIDGE) {
      const t = performance.now();
      await vscode.commands.executeCommand('mlops.experiments.focus');
      await until(async () => ((await ui<string[]>('/texts', { frame: 'main', selector: '.pane:has(.pane-header[aria-label^="Experiments"]) .monaco-list-row' })) ?? []).some((r) => r.includes(top[0].label)), 60_000, 'rows');
      tRendered = performance.now() - t;
    }
    console.log(`SCALE ${process.env.MLOPS_SCALE_PASS ?? ''}${runs} runs in ${top.length} experiments: activate() itself ${f(api.activation.ms)}; `
      + `activation to first level ${f(tFirstLevel)} (store loaded ${f(tLoaded)} after activate() started); warm (store reloaded in the same host to first level) ${f(tWarm)}, through the Refresh command ${f(tRefreshCommand)}; `
      + `one experiment's first page (${runsOfFirst.length} rows) ${f(tPage - tTop)}; headline metrics of that page ${f(tMetrics - tPage)}; `
      + `focus to rows rendered in the workbench ${f(tRendered)}`);
  });

  it('opens Compare on the 20 runs of 100,000 points and prints command → chart drawn', async function () {
    const api = await activate();
    await api.stores.ready();
    const state = api.stores.list()[0];
    const big = state.runs.list('compare-bench');
    if (big.length === 0) { this.skip(); }
    const timings: string[] = [];
    for (const pass of ['first open', 'second open']) {
      closeCompare();
      const t0 = performance.now();
      await vscode.commands.executeCommand(Commands.compareRuns, { runIds: big.map((r) => r.id), root: state.root });
      if (process.env.EXT_TEST_UI_BRIDGE) {
        // Drawn = every chart canvas has its size and the summary table holds a row per metric.
        await until(async () => ((await ui<number[]>('/eval', { expression: `document.querySelectorAll('canvas').length && document.querySelectorAll('table td').length > ${big.length} ? 1 : null` })) ?? []).length > 0, 60_000, 'the compare charts');
      } else {
        await until(() => api.comparePanel(), 60_000, 'the compare panel');
      }
      timings.push(`${pass} ${f(performance.now() - t0)}`);
    }
    console.log(`SCALE Compare ${big.length} runs × 100,000 points, command → chart drawn: ${timings.join('; ')}`);
    closeCompare();

    function closeCompare(): void { api.comparePanel()?.dispose(); }
  });
});
