/**
 * The one place where the core's Comparison becomes the webview protocol's payload. Field by field, so a
 * change on either side is a compile error here rather than a message the page's zod schema drops.
 */
import type { Comparison, ComparisonGoals, Row as CoreRow, SliceGroup as CoreSliceGroup } from '../../core/compare/types';
import type { CompareGoals, ComparePayload, HostMessage, Row, SliceGroup } from '../../protocol/compare';

function row(r: CoreRow): Row {
  return { key: r.key, values: r.values, differs: r.differs, ...(r.best ? { best: r.best } : {}), ...(r.direction ? { direction: r.direction } : {}), ...(r.numbers ? { numbers: r.numbers } : {}) };
}

function sliceGroup(g: CoreSliceGroup): SliceGroup {
  return { group: g.group, slices: g.slices, perRun: g.perRun.map((p) => ({ values: p.values, spread: p.spread, flagged: p.flagged, worst: p.worst })) };
}

function goals(g: ComparisonGoals): CompareGoals {
  return {
    definitions: g.definitions.map((d) => ({ kind: d.kind, name: d.name, label: d.label, ...(d.unit !== undefined ? { unit: d.unit } : {}), ...(d.goal ? { goal: d.goal } : {}),
      ...(d.threshold !== undefined ? { threshold: d.threshold } : {}), ...(d.bar !== undefined ? { bar: d.bar } : {}), ...(d.description !== undefined ? { description: d.description } : {}),
      ...(d.owner !== undefined ? { owner: d.owner } : {}), ...(d.formula !== undefined ? { formula: d.formula } : {}) })),
    runs: g.runs.map((r) => ({ runId: r.runId, state: r.state, badge: r.badge,
      checks: r.checks.map((c) => ({ value: c.value, shown: c.shown, verdict: c.verdict, ...(c.reason !== undefined ? { reason: c.reason } : {}) })),
      cost: r.cost.known ? { known: true, amount: r.cost.amount, shown: r.cost.shown, detail: r.cost.detail } : { known: false, reason: r.cost.reason } })),
    best: g.best,
    ...(g.totalCost ? { totalCost: { shown: g.totalCost.shown, unknownRuns: g.totalCost.unknownRuns } } : {}),
  };
}

export function toPayload(c: Comparison): ComparePayload {
  return {
    runs: c.runs.map((r) => ({ id: r.id, name: r.name, experiment: r.experiment, status: r.status, color: r.color, startTime: r.startTime,
      ...(r.root !== undefined ? { root: r.root } : {}), ...(r.store !== undefined ? { store: r.store } : {}), ...(r.storeLabel !== undefined ? { storeLabel: r.storeLabel } : {}) })),
    params: c.params.map(row),
    metrics: c.metrics.map(row),
    meta: c.meta.map(row),
    lineage: c.lineage.map(row),
    slices: c.slices.map(sliceGroup),
    sliceThreshold: c.sliceThreshold,
    // Series are the bulk of the message (up to 1,000 points per run and metric): passed on as they are.
    series: c.series,
    numericParams: c.numericParams,
    ...(c.goals ? { goals: goals(c.goals) } : {}),
  };
}

export function loadMessage(c: Comparison): HostMessage {
  return { type: 'load', payload: toPayload(c) };
}
