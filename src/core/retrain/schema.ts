/**
 * The `retraining` section of `.mlops/goals.json`: when a model is retrained (triggers over the monitoring windows,
 * its input drift, data freshness, new data, a schedule) and how much of it may run unattended (the automation level
 * of each trigger). Read by goals/document.ts (each trigger on its own, with its place in the file), evaluated by
 * retrain/evaluate.ts, acted on by `mlops retrain check` and the editor.
 */
import { z } from 'zod';
import { COMPARATORS, MONITOR_QUANTITIES, parseDuration } from '../monitor/types';

export const AUTOMATION_LEVELS = ['notify', 'ask', 'auto'] as const;
export type AutomationLevel = typeof AUTOMATION_LEVELS[number];

export const TRIGGER_KINDS = ['metric', 'kpi', 'drift', 'dataAge', 'newData', 'schedule'] as const;
export type TriggerKind = typeof TRIGGER_KINDS[number];

const text = (max: number) => z.string().max(max, `at most ${max} characters`);
const duration = (what: string, example: string) => z.string({ error: `${what} must be a duration such as "${example}"` })
  .refine((d) => parseDuration(d.replace(/^\s*every\s+/i, '')) !== undefined, `${what} is a duration such as "${example}" (s, m, h, d, w)`);
const windows = z.number({ error: 'windows must be a whole number ≥ 1' }).int('windows must be a whole number ≥ 1').min(1, 'windows must be a whole number ≥ 1').max(1000, 'at most 1000').optional()
  .describe('How many complete monitoring windows in a row must meet the condition (default 1).');
const comparator = z.enum(COMPARATORS, { error: 'comparator is one of lt, lte, gt, gte, eq' });
const threshold = z.number({ error: 'threshold must be a number' }).refine(Number.isFinite, 'threshold must be a finite number');

const common = {
  name: text(100).min(1, 'name is required').describe('Shown in every notification, the Monitoring view and the retraining log.'),
  description: text(2000).optional().describe('The business reason for this threshold (who agreed it, what it costs); shown in every notification.'),
  automation: z.enum(AUTOMATION_LEVELS, { error: 'automation is "notify", "ask" or "auto"' }).optional()
    .describe('notify: an alert only; ask (default): a notification offering Run Retraining Pipeline and Open Analysis; auto: the pipeline runs unattended (withheld on major drift or an unclear cause).'),
  pipeline: text(100).optional().describe('The pipeline to run (.mlops/pipelines/<name>.json); default retraining.pipeline.'),
  model: text(100).optional().describe('The model watched; default retraining.model, else every monitored model.'),
};

export const RetrainTriggerSchema = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('metric'), ...common,
    metric: z.enum(MONITOR_QUANTITIES, { error: `not a monitored quantity: use ${MONITOR_QUANTITIES.join(', ')}` }), comparator, threshold, windows }),
  z.looseObject({ kind: z.literal('kpi'), ...common,
    kpi: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'the name of a KPI of goals.json'), comparator, threshold, windows })
    .describe('A KPI of goals.json computed from each window\'s monitored metrics (its formula over accuracy, precision, recall, f1, mae, rmse …).'),
  z.looseObject({ kind: z.literal('drift'), ...common,
    class: z.enum(['minor', 'major'], { error: 'class is "minor" or "major"' }).optional().describe('Fires at this drift class or worse.'),
    share: z.number().min(0).max(1).optional().describe('Fires when at least this share of the input columns drifted.'),
    windows }),
  z.looseObject({ kind: z.literal('dataAge'), ...common, maxAge: duration('maxAge', '30d').describe('Fires when the newest version of the model\'s training datasets is older than this.') }),
  z.looseObject({ kind: z.literal('newData'), ...common, dataset: text(100).min(1).describe('Fires when this dataset has a version newer than the one the model version was trained on.') }),
  z.looseObject({ kind: z.literal('schedule'), ...common, every: duration('every', 'every 7d').describe('Fires when the last retraining (pipeline run) is longer ago than this, e.g. "every 7d".') }),
], { error: `kind is one of ${TRIGGER_KINDS.join(', ')}` }).meta({ title: 'Retraining trigger' });
export type RetrainTriggerInput = z.infer<typeof RetrainTriggerSchema>;

export const RetrainingSchema = z.looseObject({
  pipeline: text(100).optional().describe('The default pipeline triggers run (.mlops/pipelines/<name>.json).'),
  model: text(100).optional().describe('The default model triggers watch.'),
  triggers: z.array(RetrainTriggerSchema, { error: 'triggers must be a list' }).optional(),
}).meta({ title: 'Retraining' });
export type RetrainingSection = z.infer<typeof RetrainingSchema>;
