// `mlops experiments list`
import type { Command } from './context';
import { printJson, reportProblems, table } from './output';

export const EXPERIMENTS_COMMANDS: Record<string, Command> = {
  'experiments list': {
    options: {}, positionals: 0,
    async run({ io, json, store: open }) {
      const store = await open();
      const [exps, runs] = await Promise.all([store.listExperiments(), store.listRuns()]);
      const counts = new Map<string, number>();
      for (const r of runs.items) { counts.set(r.experiment, (counts.get(r.experiment) ?? 0) + 1); }
      const names = [...new Set([...exps.items.map((e) => e.name), ...counts.keys()])].sort((a, b) => a.localeCompare(b));
      const rows = names.map((name) => ({ name, runs: counts.get(name) ?? 0, description: exps.items.find((e) => e.name === name)?.description }));
      if (json) { printJson(io, rows); } else if (rows.length === 0) { io.stdout('No experiments yet.\n'); } else {
        io.stdout(table([['EXPERIMENT', 'RUNS'], ...rows.map((r) => [r.name, String(r.runs)])]));
      }
      return reportProblems(io, [...exps.problems, ...runs.problems]);
    },
  },
};
