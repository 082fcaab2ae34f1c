/**
 * Messages between the extension host and the Compare Runs webview: one zod discriminated union per direction,
 * imported by both sides. Every message is validated on receipt; what fails is dropped and logged.
 */
import { z } from 'zod';

/** A metric series after downsampling: parallel arrays (steps, values, seconds since the run's first point). */
export const SeriesSchema = z.object({
  steps: z.array(z.number()),
  values: z.array(z.number()),
  seconds: z.array(z.number()),
  /** Points before downsampling. */
  total: z.number().int().nonnegative(),
});
export type Series = z.infer<typeof SeriesSchema>;

export const ComparedRunSchema = z.object({
  id: z.string(),
  name: z.string(),
  experiment: z.string(),
  status: z.string(),
  /** CSS colour, stable per run id. */
  color: z.string(),
  startTime: z.string(),
  /** The workspace folder the run was read from. */
  root: z.string().optional(),
  /** The MLflow store's key for a run read from MLflow; absent for `.mlops` runs. */
  store: z.string().optional(),
  /** `MLflow — mlruns`: the badge in the run's column header. */
  storeLabel: z.string().optional(),
});
export type ComparedRun = z.infer<typeof ComparedRunSchema>;

const Cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const RowSchema = z.object({
  key: z.string(),
  /** One value per compared run, in run order (null: not recorded). */
  values: z.array(Cell),
  differs: z.boolean(),
  /** Indices of runs holding the best value (metric rows). */
  best: z.array(z.number().int()).optional(),
  direction: z.enum(['min', 'max']).optional(),
  /** Param rows with a numeric value: each value as a number (MLflow's text "0.01" parsed), for the scatter chart. */
  numbers: z.array(z.number().nullable()).optional(),
});
export type Row = z.infer<typeof RowSchema>;

export const SliceGroupSchema = z.object({
  /** e.g. `accuracy@fold` */
  group: z.string(),
  slices: z.array(z.string()),
  /** Per run: last value per slice (null: missing), spread = max − min, flagged when above the threshold. */
  perRun: z.array(z.object({ values: z.array(z.number().nullable()), spread: z.number().nullable(), flagged: z.boolean(), worst: z.string().nullable() })),
});
export type SliceGroup = z.infer<typeof SliceGroupSchema>;

/** `info`: a goal without a threshold (a direction only, nothing to pass or fail). */
export const VerdictSchema = z.enum(['pass', 'fail', 'unknown', 'info']);
export type Verdict = z.infer<typeof VerdictSchema>;

/** One goal from goals.json: a business KPI, a metric goal or a production constraint. */
export const GoalDefinitionSchema = z.object({
  kind: z.enum(['kpi', 'metric', 'constraint']),
  /** The KPI or metric name, or the constraint's key. */
  name: z.string(),
  /** What people read (`Peak memory` for a constraint). */
  label: z.string(),
  unit: z.string().optional(),
  goal: z.enum(['min', 'max']).optional(),
  threshold: z.number().optional(),
  /** The bar as shown: `≥ 0.7`. */
  bar: z.string().optional(),
  description: z.string().optional(),
  owner: z.string().optional(),
  formula: z.string().optional(),
});
export type GoalDefinition = z.infer<typeof GoalDefinitionSchema>;

/** One goal for one run: value and verdict; an unknown value is null and `reason` says why. */
export const GoalCellSchema = z.object({
  value: z.number().nullable(),
  shown: z.string().nullable(),
  verdict: VerdictSchema,
  reason: z.string().optional(),
});
export type GoalCell = z.infer<typeof GoalCellSchema>;

/** A run's cost formatted with formatCost, or unknown with the reason. */
export const CostCellSchema = z.discriminatedUnion('known', [
  z.object({ known: z.literal(true), amount: z.number().nonnegative(), shown: z.string(), detail: z.string() }),
  z.object({ known: z.literal(false), reason: z.string() }),
]);
export type CostCell = z.infer<typeof CostCellSchema>;

export const RunGoalCellsSchema = z.object({
  runId: z.string(),
  state: z.enum(['met', 'unmet', 'unknown', 'none']),
  badge: z.string(),
  /** One cell per definition, in the definitions' order. */
  checks: z.array(GoalCellSchema),
  cost: CostCellSchema,
});
export type RunGoalCells = z.infer<typeof RunGoalCellsSchema>;

/** KPIs, metric goals, constraints and cost of the compared runs, when goals.json declares any. */
export const CompareGoalsSchema = z.object({
  definitions: z.array(GoalDefinitionSchema),
  /** One per compared run, in run order. */
  runs: z.array(RunGoalCellsSchema),
  /** Per definition: indices of the runs holding the best known value. */
  best: z.array(z.array(z.number().int().nonnegative())),
  totalCost: z.object({ shown: z.string(), unknownRuns: z.number().int().nonnegative() }).optional(),
}).refine((g) => g.best.length === g.definitions.length && g.runs.every((r) => r.checks.length === g.definitions.length),
  { message: 'every run needs one goal cell per definition' });
export type CompareGoals = z.infer<typeof CompareGoalsSchema>;

export const ComparePayloadSchema = z.object({
  runs: z.array(ComparedRunSchema),
  params: z.array(RowSchema),
  /** `<metric> last|min|max` rows. */
  metrics: z.array(RowSchema),
  meta: z.array(RowSchema),
  lineage: z.array(RowSchema),
  slices: z.array(SliceGroupSchema),
  sliceThreshold: z.number(),
  /** metric name → run id → series (slice metrics are left out: they are in `slices`). */
  series: z.record(z.string(), z.record(z.string(), SeriesSchema)),
  /** Numeric params, for the scatter chart's choices. */
  numericParams: z.array(z.string()),
  goals: CompareGoalsSchema.optional(),
}).refine((p) => !p.goals || (p.goals.runs.length === p.runs.length && p.goals.runs.every((g, i) => g.runId === p.runs[i].id) && p.goals.best.every((b) => b.every((i) => i < p.runs.length))),
  { message: 'goals must list the compared runs, in their order', path: ['goals'] });
export type ComparePayload = z.infer<typeof ComparePayloadSchema>;

export const HostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('load'), payload: ComparePayloadSchema }),
  z.object({ type: z.literal('exported'), what: z.enum(['csv', 'png']), path: z.string() }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

export const WebviewMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('removeRun'), runId: z.string() }),
  z.object({ type: z.literal('addRuns') }),
  z.object({ type: z.literal('exportCsv') }),
  z.object({ type: z.literal('exportPng'), name: z.string().max(200), dataUrl: z.string().startsWith('data:image/png;base64,').max(50_000_000) }),
  z.object({ type: z.literal('rendered'), charts: z.number().int(), ms: z.number() }),
  z.object({ type: z.literal('error'), message: z.string().max(10_000) }),
]);
export type WebviewMessage = z.infer<typeof WebviewMessageSchema>;

/** Webview state kept by VS Code across reloads (getState/setState and the panel serializer). */
/** A compared run: workspace folder, run id and, for a run of an MLflow store, the store's key. */
export const RunRefSchema = z.object({
  root: z.string(),
  runId: z.string(),
  store: z.string().optional(),
});
export type RunRefState = z.infer<typeof RunRefSchema>;

export const CompareStateSchema = z.object({
  runIds: z.array(z.string()),
  root: z.string().optional(),
  /** The compared runs with their stores (a comparison may mix `.mlops` and MLflow runs); older states have runIds only. */
  refs: z.array(RunRefSchema).optional(),
});
export type CompareState = z.infer<typeof CompareStateSchema>;
