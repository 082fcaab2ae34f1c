// What goals add to the run filter language: `kpis.NAME` (the KPI's value), `goals` (met / unmet / unknown / none)
// and `cost` (in the budget's currency), e.g. `mlops runs list --filter 'goals = met and kpis.retained_revenue > 1000'`.
import type { FieldSet, FieldSpec } from '../query/query';
import { RUN_FIELDS, type RunRow } from '../query/runFields';
import type { Goals } from './document';
import { evaluateRun, type RunGoals } from './evaluate';

/** Evaluates each row once, however many fields of it a filter or sort reads. */
export class RowGoals {
  private readonly cache = new WeakMap<RunRow, RunGoals>();

  constructor(readonly goals: Goals, private readonly modelSize?: (runId: string) => number | undefined) {}

  of(row: RunRow): RunGoals {
    let g = this.cache.get(row);
    if (!g) {
      g = evaluateRun(this.goals, { run: row.run, metrics: row.metrics, modelSizeBytes: this.modelSize?.(row.run.id) });
      this.cache.set(row, g);
    }
    return g;
  }
}

export function goalFields(rowGoals: RowGoals): FieldSet<RunRow> {
  const kpi: FieldSpec<RunRow> = { keyed: true, get: (r, k) => {
    if (k === undefined) { return undefined; }
    const v = rowGoals.of(r).kpis.get(k);
    return v?.ok ? v.value : undefined;
  } };
  return new Map<string, FieldSpec<RunRow>>([
    ...RUN_FIELDS,
    ['kpis', kpi],
    ['goals', { keyed: false, get: (r) => rowGoals.of(r).state }],
    ['cost', { keyed: false, get: (r) => { const c = rowGoals.of(r).cost; return c.known ? c.amount : undefined; } }],
  ]);
}
