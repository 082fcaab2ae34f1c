// `mlops budget`: each experiment's spend against its limit (`churn-gbm  312 / 500 EUR  near`), the total, and the
// runs whose cost is unknown (not counted), grouped by why — from the budget in .mlops/goals.json.
import { budgetReport, formatCost, runCost, type ExperimentSpend, type Spend } from '../core';
import { str, type Command } from './context';
import { readGoals, reportGoalsProblems } from './goals';
import { plural, printJson, reportProblems, table } from './output';
import { loadRunRows } from './runRows';

/** `312`, `12.50`, `0.125`: the amount as formatCost shows it, without the currency. */
function amount(n: number): string {
  return n === 0 ? '0' : formatCost(n, '').trimEnd();
}

function stateText(s: Spend): string {
  switch (s.state) {
    case 'over': return 'OVER';
    case 'near': return 'near limit';
    case 'ok': return 'ok';
    case 'no-limit': return 'no limit';
  }
}

function spendText(s: Spend, currency: string): string {
  return s.limit === undefined ? `${amount(s.spent)} ${currency}` : `${amount(s.spent)} / ${amount(s.limit)} ${currency}`;
}

function used(s: Spend): string {
  return s.limit === undefined ? '-' : s.limit === 0 ? (s.spent > 0 ? '∞' : '-') : `${Math.round((s.spent / s.limit) * 100)}%`;
}

function spendJson(s: Spend): Record<string, unknown> {
  return { spent: s.spent, limit: s.limit ?? null, state: s.state, knownRuns: s.knownRuns, unknownRuns: s.unknownRuns };
}

export const BUDGET_COMMANDS: Record<string, Command> = {
  'budget': {
    options: { experiment: { type: 'string', short: 'e' } }, positionals: 0,
    async run({ io, values, json, store: open }) {
      const store = await open();
      const g = await readGoals(store);
      const only = str(values, 'experiment');
      const budget = g.goals.budget;
      if (!budget) {
        if (json) {
          printJson(io, { file: g.rel, currency: null, experiments: [], total: null, unknownCost: [] });
        } else if (!g.read.exists) {
          io.stdout(`No budget: ${g.rel} does not exist. Create it with a budget, e.g.\n`
            + '  { "formatVersion": 1, "budget": { "currency": "EUR", "rates": { "cpuCoreHour": 0.05, "gpuHour": 2.5 },\n'
            + '    "limits": { "total": 1000, "perExperiment": 300 } } }\n'
            + 'A run costs its recorded meta.cost, else its duration × the rate of its hardware.\n');
        } else {
          const broken = g.read.doc.problems.some((p) => p.severity === 'error' && p.path.startsWith('budget'));
          io.stdout(!g.read.doc.goals || broken
            ? `The budget in ${g.rel} cannot be used until the errors below are fixed.\n`
            : `No budget in ${g.rel}. Add one: "budget": { "currency": "EUR", "rates": { "cpuCoreHour": 0.05 }, "limits": { "perExperiment": 300 } }\n`);
        }
        return reportGoalsProblems(io, g, [], false);
      }
      const [{ rows, problems }, exps] = await Promise.all([loadRunRows(store), store.listExperiments()]);
      const costs = rows.map((r) => ({ run: r.run, cost: runCost(g.goals, r.run) }));
      const names = [...new Set([...exps.items.map((e) => e.name), ...rows.map((r) => r.run.experiment)])];
      const report = budgetReport(g.goals, names, costs)!;
      const shown = only === undefined ? report.experiments : report.experiments.filter((e) => e.experiment === only);
      const unknown = costs.filter((c) => !c.cost.known && (only === undefined || c.run.experiment === only));
      if (json) {
        printJson(io, {
          file: g.rel, currency: report.currency,
          experiments: shown.map((e) => ({ experiment: e.experiment, ...spendJson(e) })),
          total: spendJson(report.total),
          unknownCost: unknown.map((c) => ({ runId: c.run.id, runName: c.run.name, experiment: c.run.experiment, reason: c.cost.known ? '' : c.cost.reason })),
        });
      } else {
        io.stdout(describeBudget(report.currency, shown, report.total, unknown.map((c) => (c.cost.known ? '' : c.cost.reason)), only));
      }
      return Math.max(reportGoalsProblems(io, g, [], false), reportProblems(io, [...problems, ...exps.problems]));
    },
  },
};

function describeBudget(currency: string, experiments: readonly ExperimentSpend[], total: Spend, unknownReasons: readonly string[], only: string | undefined): string {
  const out: string[] = [];
  if (only !== undefined && experiments.length === 0) {
    out.push(`No experiment named ${only}.`);
  } else if (experiments.length === 0) {
    out.push('No experiments yet.');
  } else {
    out.push(table([['EXPERIMENT', `SPENT / LIMIT`, 'USED', 'STATE', 'RUNS', 'UNKNOWN COST'],
      ...experiments.map((e) => [e.experiment, spendText(e, currency), used(e), stateText(e), String(e.knownRuns + e.unknownRuns), e.unknownRuns ? String(e.unknownRuns) : '-'])]).trimEnd());
  }
  out.push('', `Total  ${spendText(total, currency)}${total.limit !== undefined ? `  ${used(total)}  ${stateText(total)}` : ' (no total limit)'}`
    + `  from ${plural(total.knownRuns, 'run')} with a known cost`);
  const over = experiments.filter((e) => e.state === 'over');
  if (over.length) { out.push(`Over budget: ${over.map((e) => `${e.experiment} by ${formatCost(e.spent - e.limit!, currency)}`).join(', ')}.`); }
  if (total.state === 'over') { out.push(`All experiments together are over the total budget by ${formatCost(total.spent - total.limit!, currency)}.`); }
  if (unknownReasons.length) {
    const why = new Map<string, number>();
    for (const r of unknownReasons) { why.set(r, (why.get(r) ?? 0) + 1); }
    out.push('', `${plural(unknownReasons.length, 'run')} with an unknown cost, not counted above:`);
    for (const [reason, n] of [...why].sort((a, b) => b[1] - a[1])) { out.push(`  ${n}  ${reason}`); }
  }
  return out.join('\n') + '\n';
}
