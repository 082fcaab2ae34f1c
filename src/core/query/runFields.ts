// The fields a run filter and sort can name. A later capability (KPIs, goals) adds its own by extending this map.
import type { MetricSummary } from '../store/metrics';
import type { Run } from '../store/schemas';
import type { FieldSet, FieldSpec, QueryValue } from './query';

/** A run with the summaries of its metrics: what `runs list` filters, sorts and prints. */
export interface RunRow {
  run: Run;
  metrics: ReadonlyMap<string, MetricSummary>;
}

function scalar(v: unknown): QueryValue {
  return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v === null ? v : undefined;
}

/** Own properties only: a key such as `__proto__` or `constructor` is just a name that no run has. */
function own(obj: object, key: string | undefined): unknown {
  return key !== undefined && Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

const plain = (get: (row: RunRow) => QueryValue): FieldSpec<RunRow> => ({ keyed: false, get });
const keyed = (get: (row: RunRow, key: string | undefined) => QueryValue): FieldSpec<RunRow> => ({ keyed: true, get });

export const RUN_FIELDS: FieldSet<RunRow> = new Map<string, FieldSpec<RunRow>>([
  ['metrics', keyed((r, k) => (k === undefined ? undefined : r.metrics.get(k)?.last))],
  ['params', keyed((r, k) => scalar(own(r.run.params, k)))],
  ['meta', keyed((r, k) => scalar(own(r.run.meta, k)))],
  ['status', plain((r) => r.run.status)],
  ['name', plain((r) => r.run.name)],
  ['experiment', plain((r) => r.run.experiment)],
  ['id', plain((r) => r.run.id)],
  ['tags', plain((r) => r.run.tags)],
  ['start', plain((r) => r.run.startTime)],
  ['end', plain((r) => r.run.endTime)],
]);
