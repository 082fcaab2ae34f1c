// `mlops goals`: every KPI and metric goal with the best run and how many runs meet it, the production constraints
// with how many runs satisfy each, and every problem of .mlops/goals.json as `file:line:column: severity: message`.
// Also the goals plumbing the other commands share (runs list / show, budget): reading the file once, reporting its
// problems, the model sizes the model-size constraint falls back on, and the JSON of one run's goals.
import {
  FORMAT_VERSION, RowGoals, emptyGoals, hasGoals, lineColumn, summarizeGoals, unknownMetricProblems,
  type GoalCheck, type GoalSummary, type Goals, type GoalsProblem, type GoalsRead, type RunCost, type RunGoals, type Store, type StoreProblem,
} from '../core';
import type { RunRow } from '../core/query';
import { str, type Command, type Out } from './context';
import { formatNumber, plural, printJson, reportProblems, table } from './output';
import { loadRunRows } from './runRows';

/** The goals file as the CLI uses it: the usable goals (empty when there are none) and what to report. */
export interface CliGoals {
  read: GoalsRead;
  /** Usable goals; empty goals when there is no file, or it cannot be used at all. */
  goals: Goals;
  /** Whether there is anything to show (a KPI, a metric goal, a constraint or a budget). */
  any: boolean;
  /** `.mlops/goals.json`, relative to the workspace. */
  rel: string;
}

export async function readGoals(store: Store): Promise<CliGoals> {
  const read = await store.goals.read();
  const goals = read.doc.goals ?? emptyGoals();
  return { read, goals, any: hasGoals(goals), rel: store.rel(read.file) };
}

/** `.mlops/goals.json:12:31: error: formula: unexpected ')'` */
export function problemLine(g: CliGoals, p: GoalsProblem): string {
  const at = lineColumn(g.read.text, p.offset);
  return `${g.rel}:${at.line}:${at.column}: ${p.severity}: ${p.message}`;
}

/**
 * Prints the goals file's problems on stderr (errors only unless `warnings`); returns 1 when there was an error, so
 * a command exits 1 while still printing whatever the usable part of the file gives.
 */
export function reportGoalsProblems(io: Out, g: CliGoals, extra: readonly GoalsProblem[] = [], warnings = true): number {
  const all = [...g.read.doc.problems, ...extra].filter((p) => warnings || p.severity === 'error');
  for (const p of [...all].sort((a, b) => a.offset - b.offset)) { io.stderr(`${problemLine(g, p)}\n`); }
  return all.some((p) => p.severity === 'error') ? 1 : 0;
}

/**
 * Largest artifact registered from each run (the model-size constraint's fallback), read only when the goals have
 * that constraint: listing model versions is a read of every model file.
 */
export async function modelSizes(store: Store, goals: Goals): Promise<{ sizeOf?: (runId: string) => number | undefined; problems: StoreProblem[] }> {
  if (goals.constraints.maxModelSizeBytes === undefined) { return { problems: [] }; }
  const versions = await store.listModelVersions();
  const sizes = new Map<string, number>();
  for (const v of versions.items) {
    if (v.runId && (sizes.get(v.runId) ?? -1) < v.artifact.sizeBytes) { sizes.set(v.runId, v.artifact.sizeBytes); }
  }
  return { sizeOf: (id) => sizes.get(id), problems: versions.problems };
}

export interface CheckJson {
  kind: GoalCheck['kind'];
  name: string;
  label: string;
  value: number | null;
  shown: string | null;
  bar: string | null;
  threshold: number | null;
  goal: 'min' | 'max' | null;
  unit: string | null;
  verdict: GoalCheck['verdict'];
  reason: string | null;
}

export function checkJson(c: GoalCheck): CheckJson {
  return { kind: c.kind, name: c.name, label: c.label, value: c.value ?? null, shown: c.shown ?? null, bar: c.bar ?? null,
    threshold: c.threshold ?? null, goal: c.goal ?? null, unit: c.unit ?? null, verdict: c.verdict, reason: c.reason ?? null };
}

export function costJson(c: RunCost): { cost: { amount: number; currency: string; basis: 'recorded' | 'rate'; detail: string } | null; costReason?: string } {
  return c.known ? { cost: { amount: c.amount, currency: c.currency, basis: c.basis, detail: c.detail } } : { cost: null, costReason: c.reason };
}

/**
 * What `--json` adds to a run: each KPI's value (null when unknown), the goal counts and the cost. `runs show` adds
 * every check (with the reason for each unknown); `runs list` leaves them out, because they would make each row
 * five times larger and a listing is for comparing runs, not for reading one.
 */
export function runGoalsJson(g: RunGoals, withChecks: boolean): Record<string, unknown> {
  const kpis: Record<string, number | null> = {};
  for (const [name, v] of g.kpis) { Object.defineProperty(kpis, name, { value: v.ok ? v.value : null, enumerable: true, writable: true, configurable: true }); }
  const goals = { state: g.state, met: g.met, unmet: g.unmet, unknown: g.unknown, ...(withChecks ? { checks: g.checks.map(checkJson) } : {}) };
  return { kpis, goals, ...costJson(g.cost) };
}

export const VERDICT_MARK: Record<GoalCheck['verdict'], string> = { pass: '✓', fail: '✗', unknown: '?', info: '·' };

/** What to write when there is no goals file yet. */
export function noGoalsHint(rel: string): string {
  return `No goals yet: ${rel} does not exist. Create it, e.g.\n`
    + `  {\n    "formatVersion": ${FORMAT_VERSION},\n    "metrics": [{ "name": "recall", "goal": "max", "threshold": 0.7 }],\n`
    + '    "kpis": [{ "name": "retained_revenue", "formula": "recall * 420 - false_positive_rate * 35", "goal": "max", "threshold": 250 }]\n  }\n'
    + "or use 'MLOps: Define Goals…' in VS Code. The format is in docs/format.md.\n";
}

interface ConstraintSummary { name: string; label: string; bar: string; threshold: number | null; satisfied: number; failed: number; unknown: number; runs: number }

function summarizeConstraints(evaluated: readonly { goals: RunGoals }[]): ConstraintSummary[] {
  const out = new Map<string, ConstraintSummary>();
  for (const { goals } of evaluated) {
    for (const c of goals.checks) {
      if (c.kind !== 'constraint') { continue; }
      let s = out.get(c.name);
      if (!s) { s = { name: c.name, label: c.label, bar: c.bar ?? '', threshold: c.threshold ?? null, satisfied: 0, failed: 0, unknown: 0, runs: 0 }; out.set(c.name, s); }
      s.runs++;
      if (c.verdict === 'pass') { s.satisfied++; } else if (c.verdict === 'fail') { s.failed++; } else { s.unknown++; }
    }
  }
  return [...out.values()];
}

function bestJson(s: GoalSummary): Record<string, unknown> | null {
  return s.best ? { runId: s.best.runId, runName: s.best.runName, experiment: s.best.experiment, value: s.best.value } : null;
}

function barText(s: GoalSummary): string {
  return s.threshold === undefined ? s.goal : `${s.goal === 'max' ? '≥' : '≤'} ${formatNumber(s.threshold)}`;
}

function bestText(s: GoalSummary): string[] {
  return s.best ? [formatNumber(s.best.value), `${s.best.runName} (${s.best.runId.slice(0, 8)})`, s.best.experiment] : ['-', '-', '-'];
}

function meetsText(s: GoalSummary): string {
  if (s.threshold === undefined) { return `no threshold; ${s.known} of ${plural(s.runs, 'run')} logged it`; }
  return `${s.meeting} of ${s.known} (${s.runs} runs)`;
}

export const GOALS_COMMANDS: Record<string, Command> = {
  'goals': {
    options: { experiment: { type: 'string', short: 'e' } }, positionals: 0,
    async run({ io, values, json, store: open }) {
      const store = await open();
      const g = await readGoals(store);
      const experiment = str(values, 'experiment');
      if (!g.read.exists) {
        if (json) { printJson(io, { file: g.rel, exists: false, kpis: [], metrics: [], constraints: [], problems: [] }); } else { io.stdout(noGoalsHint(g.rel)); }
        return 0;
      }
      const { rows, problems: storeProblems } = await loadRunRows(store, { experiment });
      const sizes = await modelSizes(store, g.goals);
      // Whether a name has been logged is a question about the whole store, not the experiment shown.
      const known = new Set<string>();
      for (const r of experiment ? (await loadRunRows(store)).rows : rows) { for (const name of r.metrics.keys()) { known.add(name); } }
      // Without a single run the warnings would only say "nothing logged yet" of every name; the core skips them then.
      const extra = g.read.doc.goals ? unknownMetricProblems(g.read.text, g.read.doc.goals, known) : [];
      const rowGoals = new RowGoals(g.goals, sizes.sizeOf);
      const evaluated = rows.map((r: RunRow) => ({ run: r.run, goals: rowGoals.of(r) }));
      const summaries = summarizeGoals(g.goals, evaluated);
      const constraints = summarizeConstraints(evaluated);
      const kpis = summaries.filter((s) => s.kind === 'kpi');
      const metrics = summaries.filter((s) => s.kind === 'metric');
      if (json) {
        const problems = [...g.read.doc.problems, ...extra].sort((a, b) => a.offset - b.offset)
          .map((p) => ({ severity: p.severity, message: p.message, ...lineColumn(g.read.text, p.offset), path: p.path }));
        printJson(io, {
          file: g.rel, exists: true, usable: g.read.doc.goals !== undefined, runs: rows.length,
          kpis: kpis.map((s) => ({ name: s.name, description: s.description ?? null, unit: s.unit ?? null, formula: s.formula ?? null,
            formulaError: s.formulaError ?? null, goal: s.goal, threshold: s.threshold ?? null, target: s.target ?? null, owner: s.owner ?? null,
            best: bestJson(s), meeting: s.meeting, known: s.known, runs: s.runs })),
          metrics: metrics.map((s) => ({ name: s.name, description: s.description ?? null, goal: s.goal, threshold: s.threshold ?? null,
            target: s.target ?? null, best: bestJson(s), meeting: s.meeting, known: s.known, runs: s.runs })),
          constraints,
          problems,
        });
      } else {
        io.stdout(describeGoals(g, { kpis, metrics, constraints, runs: rows.length, experiment }));
      }
      const goalsCode = reportGoalsProblems(io, g, extra);
      const storeCode = reportProblems(io, [...storeProblems, ...sizes.problems]);
      return Math.max(goalsCode, storeCode);
    },
  },
};

function describeGoals(g: CliGoals, s: { kpis: GoalSummary[]; metrics: GoalSummary[]; constraints: ConstraintSummary[]; runs: number; experiment?: string }): string {
  if (!g.read.doc.goals) { return `${g.rel} cannot be used until the errors below are fixed.\n`; }
  if (!g.any) { return `${g.rel} declares no goals yet: add "metrics", "kpis", "constraints" or "budget".\n`; }
  const out: string[] = [];
  const scope = s.experiment !== undefined ? ` of experiment ${s.experiment}` : '';
  out.push(`Goals from ${g.rel}, checked against ${plural(s.runs, 'run')}${scope}.`);
  if (s.kpis.length) {
    out.push('', 'KPIs (business metrics)');
    for (const k of s.kpis) {
      out.push(`  ${k.name}${k.unit ? ` [${k.unit}]` : ''}${k.owner ? `  owner: ${k.owner}` : ''}`);
      if (k.description) { out.push(`    ${k.description}`); }
      out.push(`    formula  ${k.formula ?? ''}${k.formulaError ? `   (does not parse: ${k.formulaError})` : ''}`);
      out.push(`    goal     ${barText(k)}${k.target !== undefined ? `, target ${formatNumber(k.target)}` : ''}`);
      const [value, run, exp] = bestText(k);
      out.push(`    best     ${k.best ? `${value} by ${run} in ${exp}` : 'no run has it yet'}`);
      out.push(`    meet it  ${meetsText(k)}`);
    }
  }
  if (s.metrics.length) {
    out.push('', 'Metric goals');
    out.push(...table([['METRIC', 'GOAL', 'BEST', 'RUN', 'EXPERIMENT', 'MEET IT'],
      ...s.metrics.map((m) => [m.name, barText(m), ...bestText(m), m.threshold === undefined ? '-' : `${m.meeting} of ${m.known} (${m.runs} runs)`])])
      .trimEnd().split('\n').map((l) => `  ${l}`));
  }
  const cons = s.constraints;
  if (cons.length || Object.keys(g.goals.constraints).length) {
    out.push('', 'Production constraints');
    if (!cons.length) { out.push('  (no runs to check)'); } else {
      out.push(...table([['CONSTRAINT', 'BAR', 'SATISFIED', 'FAILED', 'UNKNOWN'],
        ...cons.map((c) => [c.label, c.bar, `${c.satisfied} of ${c.runs}`, String(c.failed), String(c.unknown)])]).trimEnd().split('\n').map((l) => `  ${l}`));
    }
  }
  if (g.goals.budget) { out.push('', `Budget in ${g.goals.budget.currency}: see mlops budget.`); }
  return out.join('\n') + '\n';
}
