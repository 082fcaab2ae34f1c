// `mlops experiments list`
import { RunCatalog } from '../core';
import type { Command } from './context';
import { printJson, reportProblems, table } from './output';

export const EXPERIMENTS_COMMANDS: Record<string, Command> = {
  'experiments list': {
    options: {}, positionals: 0,
    async run({ io, json, store: open }) {
      const store = await open();
      const exps = await store.listExperiments();
      // Run counts from the run catalog: a stat per run.json, and a read only of what changed since last time.
      const catalog = RunCatalog.open(store);
      catalog.refresh();
      catalog.save();
      const counts = catalog.experiments();
      const names = [...new Set([...exps.items.map((e) => e.name), ...counts.keys()])].sort((a, b) => a.localeCompare(b));
      const rows = names.map((name) => ({ name, runs: counts.get(name) ?? 0, description: exps.items.find((e) => e.name === name)?.description }));
      if (json) { printJson(io, rows); } else if (rows.length === 0) { io.stdout('No experiments yet.\n'); } else {
        io.stdout(table([['EXPERIMENT', 'RUNS'], ...rows.map((r) => [r.name, String(r.runs)])]));
      }
      return reportProblems(io, [...exps.problems, ...catalog.problems()]);
    },
  },
};
