/**
 * `.mlops/goals.json`, format version 1: which numbers matter and what is good enough (low-level metric goals),
 * what the business gets from them (KPIs computed from metrics), what production allows (constraints agreed with
 * IT) and what experiments may cost (budget). Objects are loose like every store file: fields a later version adds
 * (the production gate's settings, for one) survive an edit by this one.
 */
import { z } from 'zod';
import { CHECK_LEVELS, GATE_CHECKS } from '../gate/types';
import { RetrainingSchema } from '../retrain/schema';
import { ALERT_SEVERITIES, COMPARATORS, LOG_INPUT_MODES, MONITOR_QUANTITIES, parseDuration, parseWindow } from '../monitor/types';

const formatVersion = z.number().int().min(1).describe('Format version of this file; readers skip files newer than they understand.');
const direction = z.enum(['max', 'min'], { error: 'goal must be "max" (higher is better) or "min" (lower is better)' });
const aNumber = (what: string) => z.number({ error: `${what} must be a number` }).refine(Number.isFinite, `${what} must be a finite number`);
const amount = (what: string) => z.number({ error: `${what} must be a number` }).nonnegative(`${what} cannot be negative`).refine(Number.isFinite, `${what} must be a finite number`);
const text = (max: number) => z.string().max(max, `at most ${max} characters`);

/** A KPI name is also how filters and formulas name it (`kpis.retained_revenue > 1000`), so it is a plain identifier. */
export const KPI_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export const MetricGoalSchema = z.looseObject({
  name: z.string({ error: 'name must be text' }).min(1, 'name cannot be empty').max(200, 'at most 200 characters')
    .describe('A logged metric name; a slice such as `accuracy@fold=1` is a metric name too.'),
  goal: direction.describe('Whether higher (`max`) or lower (`min`) is better.'),
  threshold: aNumber('threshold').optional().describe('The acceptance bar: a run meets the goal when its last value is at least (max) or at most (min) this.'),
  target: aNumber('target').optional().describe('Where the team wants to get to; shown, not checked.'),
  description: text(2000).optional(),
}).meta({ title: 'Metric goal' });
export type MetricGoal = z.infer<typeof MetricGoalSchema>;

export const KpiSchema = z.looseObject({
  name: z.string({ error: 'name must be text' }).max(100, 'at most 100 characters')
    .regex(KPI_NAME, 'a KPI name starts with a letter and holds only letters, digits and _ (e.g. retained_revenue)'),
  description: text(2000).optional().describe('What this number means for the business, in plain language for stakeholders.'),
  unit: text(40).optional().describe('e.g. EUR per 1,000 customers'),
  formula: z.string({ error: 'formula must be text' }).describe('Arithmetic over logged metrics and numbers: + - * / ^, parentheses, min max abs log sqrt. Quote metric names holding @, = or spaces.'),
  goal: direction.default('max'),
  threshold: aNumber('threshold').optional(),
  target: aNumber('target').optional(),
  owner: text(200).optional().describe('Who on the business side answers for this KPI.'),
}).meta({ title: 'Business KPI' });
export type Kpi = z.infer<typeof KpiSchema>;

export const ConstraintsSchema = z.looseObject({
  maxPeakMemoryBytes: amount('maxPeakMemoryBytes').optional().describe('Peak memory of training (meta.peakMemoryBytes).'),
  maxLatencyMsP95: amount('maxLatencyMsP95').optional().describe('95th percentile inference latency in ms (meta.latencyMsP95, recorded by run.benchmark).'),
  maxModelSizeBytes: amount('maxModelSizeBytes').optional().describe('Size of the model artifact (meta.modelSizeBytes, or the registered model version).'),
  maxTrainingDurationMs: amount('maxTrainingDurationMs').optional().describe('Training duration (meta.durationMs).'),
  hardware: z.array(z.string().min(1).max(100), { error: 'hardware must be a list of labels, e.g. ["cpu-only"]' }).optional()
    .describe('Hardware labels production allows, e.g. ["cpu-only"]; a run records its label in meta.hardware.label, or is `gpu` / `cpu-only` by its GPUs.'),
  python: z.string({ error: 'python must be a version range such as ">=3.10,<3.13"' }).optional().describe('Python versions production runs (PEP 440 specifiers, e.g. ">=3.10,<3.13").'),
}).meta({ title: 'Production constraints' });
export type Constraints = z.infer<typeof ConstraintsSchema>;

export const BudgetSchema = z.looseObject({
  currency: z.string({ error: 'currency must be text, e.g. "EUR"' }).min(1).max(10),
  rates: z.looseObject({
    cpuCoreHour: amount('cpuCoreHour').optional().describe('Price of one CPU core for one hour.'),
    gpuHour: amount('gpuHour').optional().describe('Price of one GPU for one hour.'),
    hardware: z.record(z.string().min(1).max(100), amount('a hardware rate')).optional().describe('Price per hour of a machine by its hardware label, e.g. {"cpu-only": 0.4}.'),
  }).optional(),
  limits: z.looseObject({
    total: amount('total').optional().describe('All experiments together.'),
    perExperiment: amount('perExperiment').optional().describe('Any experiment without its own limit.'),
    experiments: z.record(z.string().min(1).max(100), amount('an experiment limit')).optional().describe('Limits by experiment name.'),
  }).optional(),
}).meta({ title: 'Budget' });
export type Budget = z.infer<typeof BudgetSchema>;

const levelError = { error: `a check is "required" (a failure refuses promotion), "advisory" (shown only) or "off"` };

export const GateSchema = z.looseObject({
  checks: z.partialRecord(z.enum(GATE_CHECKS, { error: `not a gate check: use ${GATE_CHECKS.join(', ')}` }), z.enum(CHECK_LEVELS, levelError)).optional()
    .describe('Which checks are required, advisory or off. Defaults: budget advisory, reproduced off, the rest required.'),
  stages: z.array(z.enum(['staging', 'production'], { error: 'a gated stage is "staging" or "production"' })).optional()
    .describe('Stages whose promotion runs the gate. Production always does; add "staging" to gate it too.'),
  maxSliceSpread: amount('maxSliceSpread').optional()
    .describe('The largest spread (max − min of the last values) a sliced metric such as accuracy@fold=1 may have across its slices. Default 0.05.'),
  sliceSpread: z.record(z.string().min(1).max(200), amount('a slice spread')).optional()
    .describe('Per metric (the name before @), a spread other than maxSliceSpread, e.g. {"accuracy": 0.03}.'),
  reproducedTolerance: amount('reproducedTolerance').optional()
    .describe('How far a reproduced run\'s goal metrics may be from the original\'s, relative (0.01 = 1 %). Default 0.01.'),
}).meta({ title: 'Production gate' });
export type GateSection = z.infer<typeof GateSchema>;

export const IntendedUseSchema = z.looseObject({
  description: text(4000).optional().describe('What the model is for, in the words of the business.'),
  users: text(2000).optional().describe('Who uses its predictions.'),
  outOfScope: text(4000).optional().describe('Uses it was not built or validated for.'),
  owner: text(200).optional().describe('Who answers for the model.'),
}).meta({ title: 'Intended use' });
export type IntendedUse = z.infer<typeof IntendedUseSchema>;

export const AlertRuleSchema = z.looseObject({
  name: text(100).optional().describe('A short name shown in the status bar, notifications and the Monitoring view.'),
  quantity: z.enum(MONITOR_QUANTITIES, { error: `not a monitored quantity: use ${MONITOR_QUANTITIES.join(', ')}` })
    .describe('What is watched, per window.'),
  comparator: z.enum(COMPARATORS, { error: 'comparator is one of lt, lte, gt, gte, eq' }).describe('The alert fires when `quantity comparator threshold`.'),
  threshold: aNumber('threshold'),
  windows: z.number({ error: 'windows must be a whole number ≥ 1' }).int('windows must be a whole number ≥ 1').min(1, 'windows must be a whole number ≥ 1').max(1000, 'at most 1000').optional()
    .describe('How many windows in a row must meet the condition (default 1).'),
  severity: z.enum(ALERT_SEVERITIES, { error: 'severity is "warning" or "alert"' }).optional().describe('Default "warning"; "alert" shows red.'),
  description: text(2000).optional().describe('Why this matters to the business; shown with the alert.'),
}).meta({ title: 'Alert rule' });
export type AlertRuleInput = z.infer<typeof AlertRuleSchema>;

export const MonitoringSchema = z.looseObject({
  window: z.string({ error: 'window must be text such as "1h", "1d" or a number of requests ("500")' })
    .refine((w) => parseWindow(w) !== undefined, 'window is a duration of at least a minute ("30m", "1h", "1d") or a number of requests ("500")').optional()
    .describe('The size of a monitoring window (default "1h").'),
  maxDataAge: z.string({ error: 'maxDataAge must be a duration such as "30d"' })
    .refine((d) => parseDuration(d) !== undefined, 'maxDataAge is a duration such as "12h", "30d" or "2w"').optional()
    .describe('How old the newest version of the model\'s datasets may be.'),
  label: text(200).optional().describe('The ground-truth column of the training data: not a model input; feedback labels are compared with predictions.'),
  reference: text(200).optional().describe('The dataset (of the producing run) whose version is the input drift reference; default the run\'s first dataset with a profile.'),
  logInputs: z.enum(LOG_INPUT_MODES, { error: 'logInputs is "features", "raw", "hash" or "drop"' }).optional()
    .describe('What the server logs of each request: the training columns (default), everything, a hash per record, or nothing.'),
  alerts: z.array(AlertRuleSchema, { error: 'alerts must be a list of rules' }).optional(),
}).meta({ title: 'Monitoring' });
export type MonitoringSection = z.infer<typeof MonitoringSchema>;

/**
 * The whole file as the JSON Schema ships it. Reading is more forgiving than this (see document.ts): one bad entry
 * is reported and left out while the rest of the file still works.
 */
export const GoalsSchema = z.looseObject({
  formatVersion,
  metrics: z.array(MetricGoalSchema).optional().describe('Low-level goals: the metrics developers tune.'),
  kpis: z.array(KpiSchema).optional().describe('High-level goals: the business metrics stakeholders care about, computed from the low-level ones.'),
  constraints: ConstraintsSchema.optional(),
  budget: BudgetSchema.optional(),
  gate: GateSchema.optional(),
  intendedUse: IntendedUseSchema.optional().describe('For the model card: what the model is for, who uses it, what it is not for.'),
  monitoring: MonitoringSchema.optional().describe('Serving and monitoring: window size, data freshness, what is logged, alert rules.'),
  retraining: RetrainingSchema.optional().describe('When to retrain (triggers) and how much runs unattended (notify, ask, auto per trigger).'),
}).meta({ title: 'MLOps Workbench goals' });
export type GoalsFile = z.infer<typeof GoalsSchema>;
