/**
 * Reading `.mlops/goals.json` the way an editor needs it: every problem carries the offset and length of the text it
 * is about (a formula error points at the character inside the string), and one bad entry is reported and left out
 * while the rest of the file keeps working, so a typo in one KPI never blanks the views.
 */
import type { RetrainingSettings, RetrainTrigger } from '../retrain/types';
import { RetrainingSchema, RetrainTriggerSchema } from '../retrain/schema';
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { validRange } from '@renovatebot/pep440';
import type { z } from 'zod';
import { FORMAT_VERSION } from '../store/schemas';
import { parseFormula, FormulaError, type Formula } from './formula';
import { defaultGateSettings, type GateSettings } from '../gate/types';
import { defaultMonitoringSettings, parseDuration, type MonitoringSettings } from '../monitor/types';
import {
  AlertRuleSchema, BudgetSchema, ConstraintsSchema, GateSchema, IntendedUseSchema, KpiSchema, MetricGoalSchema, MonitoringSchema,
  type Budget, type Constraints, type IntendedUse, type Kpi, type MetricGoal,
} from './schema';

export const GOALS_FILE = 'goals.json';

type PathPart = string | number;

export interface GoalsProblem {
  severity: 'error' | 'warning';
  message: string;
  /** Where in the file's text (UTF-16 offsets, as editors count). */
  offset: number;
  length: number;
  /** `kpis[1].formula` */
  path: string;
}

export interface CompiledKpi extends Kpi {
  /** The parsed formula, or undefined when it does not parse (then `formulaError` says why). */
  parsed?: Formula;
  formulaError?: string;
}

/** The usable part of a goals file. */
export interface Goals {
  metrics: MetricGoal[];
  kpis: CompiledKpi[];
  constraints: Constraints;
  budget?: Budget;
  /** The production gate's settings, defaults filled in (see gate/types.ts). */
  gate: GateSettings;
  intendedUse?: IntendedUse;
  /** Serving and monitoring settings, defaults filled in; each alert rule knows where it is written. */
  monitoring: MonitoringSettings;
  /** Retraining triggers and automation levels, defaults filled in; each trigger knows where it is written. */
  retraining: RetrainingSettings;
}

export interface GoalsDocument {
  /** Undefined when the file cannot be used at all (not JSON, not an object, a newer format). */
  goals?: Goals;
  problems: GoalsProblem[];
}

export function emptyGoals(): Goals {
  return { metrics: [], kpis: [], constraints: {}, gate: defaultGateSettings(), monitoring: defaultMonitoringSettings(), retraining: { triggers: [] } };
}

export function hasGoals(g: Goals | undefined): g is Goals {
  return !!g && (g.metrics.length > 0 || g.kpis.length > 0 || Object.keys(g.constraints).length > 0 || g.budget !== undefined);
}

function showPath(parts: readonly PathPart[]): string {
  let out = '';
  for (const p of parts) { out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p; }
  return out || '(file)';
}

/** 1-based line and column of an offset, for terminals (`goals.json:12:31`). */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) { line++; start = i + 1; }
  }
  return { line, column: offset - start + 1 };
}

/**
 * Offset in the raw JSON string literal (`"…"` as written, quotes included) of the decoded character at `index`:
 * `\"`, `\n` and `\u00e9` are one character once decoded but several in the file.
 */
export function rawOffsetOf(raw: string, index: number): number {
  let decoded = 0;
  let i = 1;
  while (i < raw.length - 1 && decoded < index) {
    if (raw[i] === '\\') { i += raw[i + 1] === 'u' ? 6 : 2; } else { i++; }
    decoded++;
  }
  return i;
}

class Reader {
  readonly problems: GoalsProblem[] = [];

  constructor(private readonly text: string, private readonly tree: JsonNode) {}

  node(parts: readonly PathPart[]): JsonNode | undefined {
    return findNodeAtLocation(this.tree, parts as PathPart[]);
  }

  /** A problem on the value at `parts`, or on the nearest enclosing value that exists. */
  report(severity: GoalsProblem['severity'], parts: readonly PathPart[], message: string, onKey = false): void {
    let p = [...parts];
    let node = this.node(p);
    while (!node && p.length) { p = p.slice(0, -1); node = this.node(p); }
    const target = onKey && node?.parent?.type === 'property' ? node.parent.children?.[0] ?? node : node;
    this.problems.push({ severity, message, offset: target?.offset ?? 0, length: target?.length ?? 0, path: showPath(parts) });
  }

  /** Validates one entry; each zod issue becomes a problem at its own place. */
  entry<S extends z.ZodType>(schema: S, value: unknown, parts: readonly PathPart[]): z.infer<S> | undefined {
    const r = schema.safeParse(value);
    if (r.success) { return r.data; }
    for (const issue of r.error.issues) {
      const at = [...parts, ...(issue.path as PathPart[])];
      const last = issue.path.length ? String(issue.path[issue.path.length - 1]) : '';
      const key = issue.code === 'unrecognized_keys' || !last || issue.message.startsWith(last) ? '' : `${last}: `;
      const missing = issue.code === 'invalid_type' && valueAt(value, issue.path as PathPart[]) === undefined;
      const message = missing ? `${String(issue.path[issue.path.length - 1] ?? 'value')} is required` : `${key}${issue.message}`;
      this.report('error', at, message);
    }
    return undefined;
  }

  /** A formula's problem, pointing at the characters inside the string literal. */
  formulaProblem(parts: readonly PathPart[], e: FormulaError): void {
    const node = this.node(parts);
    if (!node || node.type !== 'string') { this.report('error', parts, e.message); return; }
    const raw = this.text.slice(node.offset, node.offset + node.length);
    const start = rawOffsetOf(raw, e.index);
    const end = rawOffsetOf(raw, e.index + e.length);
    this.problems.push({ severity: 'error', message: `formula: ${e.message}`, offset: node.offset + start, length: Math.max(1, end - start), path: showPath(parts) });
  }

  /** Keys JSON readers cannot keep as plain names (`__proto__`): reported rather than silently dropped. */
  checkKeys(parts: readonly PathPart[]): void {
    const node = this.node(parts);
    for (const prop of node?.type === 'object' ? node.children ?? [] : []) {
      const key: unknown = prop.children?.[0]?.value;
      if (key === '__proto__') {
        this.problems.push({ severity: 'error', message: "'__proto__' cannot be used as a name here", offset: prop.offset, length: prop.children?.[0]?.length ?? 9, path: showPath([...parts, key]) });
      }
    }
  }
}

function valueAt(root: unknown, parts: readonly PathPart[]): unknown {
  let v = root;
  for (const p of parts) { v = typeof p === 'number' ? (Array.isArray(v) ? v[p] : undefined) : own(v, p); }
  return v;
}

function own(obj: unknown, key: string): unknown {
  return obj && typeof obj === 'object' && !Array.isArray(obj) && Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

/** Parses a goals file's text into usable goals and every problem found, each with its place in the text. */
export function parseGoals(text: string): GoalsDocument {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length || !tree) {
    return { problems: errors.slice(0, 20).map((e) => ({ severity: 'error', message: `not valid JSON: ${describeParseError(printParseErrorCode(e.error))}`, offset: e.offset, length: Math.max(1, e.length), path: '(file)' })) };
  }
  const r = new Reader(text, tree);
  if (tree.type !== 'object') {
    r.report('error', [], 'goals.json must hold an object: { "formatVersion": 1, "metrics": [...], "kpis": [...], ... }');
    return { problems: r.problems };
  }
  const raw = JSON.parse(text) as Record<string, unknown>;
  const version = own(raw, 'formatVersion');
  if (version === undefined) {
    r.report('error', [], `formatVersion is required (write "formatVersion": ${FORMAT_VERSION})`);
  } else if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    r.report('error', ['formatVersion'], 'formatVersion must be a whole number ≥ 1');
  } else if (version > FORMAT_VERSION) {
    r.report('error', ['formatVersion'], `written by a newer MLOps Workbench (formatVersion ${version}); update the extension to use these goals`);
    return { problems: r.problems };
  }
  const goals = emptyGoals();

  const list = (key: 'metrics' | 'kpis'): unknown[] => {
    const v = own(raw, key);
    if (v === undefined) { return []; }
    if (!Array.isArray(v)) { r.report('error', [key], `${key} must be a list`); return []; }
    return v;
  };

  const metricNames = new Set<string>();
  list('metrics').forEach((item, i) => {
    const g = r.entry(MetricGoalSchema, item, ['metrics', i]);
    if (!g) { return; }
    if (metricNames.has(g.name)) { r.report('warning', ['metrics', i, 'name'], `a goal for '${g.name}' is already declared above; this one is ignored`); return; }
    metricNames.add(g.name);
    goals.metrics.push(g);
  });

  const kpiNames = new Set<string>();
  list('kpis').forEach((item, i) => {
    const k = r.entry(KpiSchema, item, ['kpis', i]);
    if (!k) { return; }
    if (kpiNames.has(k.name)) { r.report('error', ['kpis', i, 'name'], `a KPI named '${k.name}' is already declared above; this one is ignored`); return; }
    kpiNames.add(k.name);
    const compiled: CompiledKpi = { ...k };
    try {
      compiled.parsed = parseFormula(k.formula);
    } catch (e) {
      if (!(e instanceof FormulaError)) { throw e; }
      compiled.formulaError = e.message;
      r.formulaProblem(['kpis', i, 'formula'], e);
    }
    goals.kpis.push(compiled);
  });

  const constraints = own(raw, 'constraints');
  if (constraints !== undefined) {
    const c = r.entry(ConstraintsSchema, constraints, ['constraints']);
    if (c) {
      if (c.python !== undefined && !validRange(c.python)) {
        r.report('error', ['constraints', 'python'], `python: '${c.python}' is not a PEP 440 version range (e.g. ">=3.10,<3.13")`);
        delete c.python;
      }
      goals.constraints = c;
    }
  }

  const budget = own(raw, 'budget');
  if (budget !== undefined) {
    r.checkKeys(['budget', 'rates', 'hardware']);
    r.checkKeys(['budget', 'limits', 'experiments']);
    const b = r.entry(BudgetSchema, budget, ['budget']);
    if (b) {
      goals.budget = b;
      const rates = b.rates ?? {};
      if (rates.cpuCoreHour === undefined && rates.gpuHour === undefined && Object.keys(rates.hardware ?? {}).length === 0) {
        r.report('warning', ['budget'], 'budget has no rates: only runs that record meta.cost have a known cost', true);
      }
    }
  }
  const gate = own(raw, 'gate');
  if (gate !== undefined) {
    r.checkKeys(['gate', 'sliceSpread']);
    const g = r.entry(GateSchema, gate, ['gate']);
    if (!g) { goals.gate.invalid = true; }
    if (g) {
      for (const [id, level] of Object.entries(g.checks ?? {})) { if (level) { goals.gate.checks[id as keyof GateSettings['checks']] = level; } }
      goals.gate.stages = [...new Set(['production', ...(g.stages ?? [])])];
      if (g.maxSliceSpread !== undefined) { goals.gate.maxSliceSpread = g.maxSliceSpread; }
      if (g.reproducedTolerance !== undefined) { goals.gate.reproducedTolerance = g.reproducedTolerance; }
      goals.gate.sliceSpread = new Map(Object.entries(g.sliceSpread ?? {}));
    }
  }

  const intended = own(raw, 'intendedUse');
  if (intended !== undefined) {
    const u = r.entry(IntendedUseSchema, intended, ['intendedUse']);
    if (u) { goals.intendedUse = u; }
  }

  const monitoring = own(raw, 'monitoring');
  if (monitoring !== undefined) { readMonitoring(r, monitoring, goals); }
  const retraining = own(raw, 'retraining');
  if (retraining !== undefined) { readRetraining(r, retraining, goals, kpiNames); }
  return { goals, problems: r.problems };
}

/** The monitoring section: each setting on its own (a bad one is reported and defaulted), each alert rule on its own. */
function readMonitoring(r: Reader, value: unknown, goals: Goals): void {
  if (!value || typeof value !== 'object' || Array.isArray(value)) { r.report('error', ['monitoring'], 'monitoring must be an object: { "window": "1h", "alerts": [...] }'); return; }
  const { alerts, ...settings } = value as Record<string, unknown>;
  const m = goals.monitoring;
  // Each setting on its own: a typo in `window` must not also drop `label` (which would make the label an input).
  const shape = MonitoringSchema.shape;
  const one = <K extends 'window' | 'maxDataAge' | 'label' | 'reference' | 'logInputs'>(key: K): z.infer<typeof shape[K]> | undefined =>
    (Object.hasOwn(settings, key) ? r.entry(shape[key], settings[key], ['monitoring', key]) as z.infer<typeof shape[K]> | undefined : undefined);
  const window = one('window');
  if (window !== undefined) { m.window = window.trim(); }
  const maxDataAge = one('maxDataAge');
  if (maxDataAge !== undefined) { m.maxDataAgeHours = parseDuration(maxDataAge)! / 3_600_000; }
  const label = one('label');
  if (label !== undefined) { m.label = label; }
  const reference = one('reference');
  if (reference !== undefined) { m.reference = reference; }
  const logInputs = one('logInputs');
  if (logInputs !== undefined) { m.logInputs = logInputs; }
  if (alerts === undefined) { return; }
  if (!Array.isArray(alerts)) { r.report('error', ['monitoring', 'alerts'], 'alerts must be a list of rules'); return; }
  alerts.forEach((item, i) => {
    const a = r.entry(AlertRuleSchema, item, ['monitoring', 'alerts', i]);
    const node = r.node(['monitoring', 'alerts', i]);
    if (!a || !node) { return; }
    m.alerts.push({
      index: i, ...(a.name ? { name: a.name } : {}), quantity: a.quantity, comparator: a.comparator, threshold: a.threshold,
      windows: a.windows ?? 1, severity: a.severity ?? 'warning', ...(a.description ? { description: a.description } : {}),
      offset: node.offset, length: node.length,
    });
  });
}

/** Hours of a duration written `30d` or `every 7d`. */
const hoursOf = (text: string): number => parseDuration(text.replace(/^\s*every\s+/i, ''))! / 3_600_000;

/** The keys a trigger of this `kind` knows (every kind's common ones when the kind is unknown: that is its own error). */
function triggerKeys(item: unknown): string[] {
  const kind = item && typeof item === 'object' ? (item as { kind?: unknown }).kind : undefined;
  const option = RetrainTriggerSchema.options.find((o) => o.shape.kind.value === kind);
  return option ? Object.keys(option.shape) : [];
}

/** Edit distance of two short keys (for "did you mean"). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length];
}

/**
 * A warning at each key the schema does not know. The schema stays loose (a newer version's keys are kept and
 * ignored), but a misspelled key ("window" for "windows") silently changes what a trigger does, so it is said.
 */
function unknownKeys(r: Reader, value: unknown, at: readonly PathPart[], known: readonly string[]): void {
  if (!known.length || !value || typeof value !== 'object' || Array.isArray(value)) { return; }
  for (const key of Object.keys(value)) {
    if (known.includes(key)) { continue; }
    const near = known.map((k) => ({ k, d: distance(key, k) })).filter((x) => x.d <= Math.max(1, Math.floor(x.k.length / 3))).sort((a, b) => a.d - b.d)[0];
    r.report('warning', [...at, key], `unknown key '${key}'${near ? ` (did you mean '${near.k}'?)` : ''}; it is ignored`, true);
  }
}

/**
 * The retraining section: the defaults (`pipeline`, `model`) each on its own, each trigger on its own (a bad one is
 * reported at its place and left out), defaults filled in. A `kpi` trigger must name a KPI of the file; a trigger name
 * is its identity in notifications and the log, so a second one of the same name is left out.
 */
function readRetraining(r: Reader, value: unknown, goals: Goals, kpiNames: ReadonlySet<string>): void {
  if (!value || typeof value !== 'object' || Array.isArray(value)) { r.report('error', ['retraining'], 'retraining must be an object: { "pipeline": "retrain", "triggers": [...] }'); return; }
  const { triggers, ...settings } = value as Record<string, unknown>;
  const out = goals.retraining;
  const shape = RetrainingSchema.shape;
  unknownKeys(r, value, ['retraining'], Object.keys(shape));
  for (const key of ['pipeline', 'model'] as const) {
    if (!Object.hasOwn(settings, key)) { continue; }
    const v = r.entry(shape[key], settings[key], ['retraining', key]);
    if (v !== undefined && v.trim() !== '') { out[key] = v.trim(); }
  }
  if (triggers === undefined) { return; }
  if (!Array.isArray(triggers)) { r.report('error', ['retraining', 'triggers'], 'triggers must be a list of triggers'); return; }
  const names = new Set<string>();
  triggers.forEach((item, i) => {
    const at = ['retraining', 'triggers', i];
    unknownKeys(r, item, at, triggerKeys(item));
    const t = r.entry(RetrainTriggerSchema, item, at);
    const node = r.node(at);
    if (!t || !node) { return; }
    if (names.has(t.name)) { r.report('error', [...at, 'name'], `a trigger named '${t.name}' is already declared above; this one is ignored`); return; }
    if (t.kind === 'kpi' && !kpiNames.has(t.kpi)) {
      r.report('error', [...at, 'kpi'], `no KPI named '${t.kpi}' in this file${kpiNames.size ? ` (KPIs: ${[...kpiNames].join(', ')})` : ' (add it under "kpis")'}`);
      return;
    }
    names.add(t.name);
    const trigger: RetrainTrigger = {
      index: i, kind: t.kind, name: t.name, automation: t.automation ?? 'ask', offset: node.offset, length: node.length,
      ...(t.description ? { description: t.description } : {}),
    };
    const pipeline = t.pipeline?.trim() || out.pipeline;
    if (pipeline) { trigger.pipeline = pipeline; }
    const model = t.model?.trim() || out.model;
    if (model) { trigger.model = model; }
    switch (t.kind) {
      case 'metric': Object.assign(trigger, { metric: t.metric, comparator: t.comparator, threshold: t.threshold, windows: t.windows ?? 1 }); break;
      case 'kpi': Object.assign(trigger, { kpi: t.kpi, comparator: t.comparator, threshold: t.threshold, windows: t.windows ?? 1 }); break;
      case 'drift':
        // Neither a class nor a share: any drift of minor class or worse.
        trigger.driftClass = t.class ?? (t.share === undefined ? 'minor' : undefined);
        if (trigger.driftClass === undefined) { delete trigger.driftClass; }
        if (t.share !== undefined) { trigger.driftShare = t.share; }
        trigger.windows = t.windows ?? 1;
        break;
      case 'dataAge': trigger.maxAgeHours = hoursOf(t.maxAge); break;
      case 'newData': trigger.dataset = t.dataset; break;
      case 'schedule': trigger.everyHours = hoursOf(t.every); break;
    }
    if (trigger.automation !== 'notify' && !trigger.pipeline) {
      r.report('warning', [...at, 'automation'], `automation '${trigger.automation}' runs a pipeline: name one in the trigger ("pipeline") or in retraining.pipeline${trigger.automation === 'auto' ? ' (until then it only asks)' : ''}`);
    }
    out.triggers.push(trigger);
  });
}

function describeParseError(code: string): string {
  const words: Record<string, string> = {
    InvalidSymbol: 'unexpected character', InvalidNumberFormat: 'not a number', PropertyNameExpected: 'expected a quoted property name',
    ValueExpected: 'expected a value', ColonExpected: "expected ':'", CommaExpected: "expected ','", CloseBraceExpected: "expected '}'",
    CloseBracketExpected: "expected ']'", EndOfFileExpected: 'unexpected text after the end', InvalidCommentToken: 'comments are not allowed in JSON',
    UnexpectedEndOfComment: 'unfinished comment', UnexpectedEndOfString: 'unfinished string', UnexpectedEndOfNumber: 'unfinished number',
    InvalidUnicode: 'invalid \\u escape', InvalidEscapeCharacter: 'invalid escape', InvalidCharacter: 'invalid character in a string',
  };
  return words[code] ?? code;
}

/**
 * Warnings for formula metrics nothing has logged yet (they may be logged later, so a warning, not an error), and
 * for metric goals on names no run has. `known` is every metric name logged in the store.
 */
export function unknownMetricProblems(text: string, goals: Goals, known: ReadonlySet<string>): GoalsProblem[] {
  if (known.size === 0) { return []; }
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true });
  if (!tree) { return []; }
  const r = new Reader(text, tree);
  const out: GoalsProblem[] = [];
  const kpisNode = findNodeAtLocation(tree, ['kpis']);
  const seen = new Set<unknown>();
  (kpisNode?.children ?? []).forEach((kpiNode, i) => {
    const name: unknown = findNodeAtLocation(kpiNode, ['name'])?.value;
    // A later KPI of the same name is ignored (and reported as a duplicate): its formula is not the one checked.
    if (seen.has(name)) { return; }
    seen.add(name);
    const k = goals.kpis.find((x) => x.name === name);
    if (!k?.parsed) { return; }
    const formulaNode = findNodeAtLocation(kpiNode, ['formula']);
    if (!formulaNode || formulaNode.type !== 'string') { return; }
    const raw = text.slice(formulaNode.offset, formulaNode.offset + formulaNode.length);
    for (const ref of k.parsed.references) {
      if (known.has(ref.name)) { continue; }
      const start = rawOffsetOf(raw, ref.index);
      const end = rawOffsetOf(raw, ref.index + ref.length);
      out.push({ severity: 'warning', message: `no run has logged a metric '${ref.name}' yet; the KPI is unknown until one does`, offset: formulaNode.offset + start, length: end - start, path: `kpis[${i}].formula` });
    }
  });
  goals.metrics.forEach((g) => {
    if (known.has(g.name)) { return; }
    const i = (findNodeAtLocation(tree, ['metrics'])?.children ?? []).findIndex((n) => findNodeAtLocation(n, ['name'])?.value === g.name);
    if (i < 0) { return; }
    r.report('warning', ['metrics', i, 'name'], `no run has logged a metric '${g.name}' yet`);
  });
  return [...out, ...r.problems];
}

/**
 * Warnings about retraining triggers that need the store to see: a trigger whose model does not exist (`models`: the
 * registered and monitored ones), a trigger watching every model (no `model` of its
 * own nor retraining.model) whose pipeline is bound to one model (it would fire for the other models too, and must
 * not run that pipeline for them). `pipelineModels`: the `model` of each named pipeline file (absent: none named).
 */
export function retrainingStoreProblems(text: string, goals: Goals, known: { pipelineModels: ReadonlyMap<string, string | undefined>; models?: ReadonlySet<string> }): GoalsProblem[] {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true });
  if (!tree) { return []; }
  const r = new Reader(text, tree);
  for (const t of goals.retraining.triggers) {
    const at = ['retraining', 'triggers', t.index];
    if (t.model && known.models && !known.models.has(t.model)) {
      const own = r.node([...at, 'model']);
      r.report('warning', own ? [...at, 'model'] : r.node(['retraining', 'model']) ? ['retraining', 'model'] : at,
        `no model '${t.model}' is registered or monitored${known.models.size ? ` (models: ${[...known.models].join(', ')})` : ''}; this trigger cannot be evaluated`);
    }
    const bound = t.pipeline ? known.pipelineModels.get(t.pipeline) : undefined;
    if (!t.model && bound !== undefined) {
      r.report('warning', r.node([...at, 'pipeline']) ? [...at, 'pipeline'] : at,
        `this trigger watches every monitored model, but pipeline '${t.pipeline}' retrains only ${bound}: it will not run for other models; set "model": "${bound}" on the trigger (or retraining.model)`);
    }
  }
  return r.problems;
}
