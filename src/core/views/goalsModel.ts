/**
 * The Goals view as plain data: each KPI and metric goal with its best run and how many runs meet it, each
 * production constraint with how many runs satisfy it, each experiment's spend against its budget, and the problems
 * of goals.json with their places in the file. Like treeModel.ts, the adapter maps nodes to TreeItems one to one.
 * Everything is computed from the in-memory StoreState (runs, metric summaries, goals) without disk access.
 */
import * as path from 'node:path';
import {
  evaluateRun, formatCost, formatNumber, lineColumn, summarizeGoals, unknownMetricProblems, type BudgetReport, type GoalCheck, type GoalSummary,
  type Goals, type GoalsProblem, type RunGoals, type Spend, type SpendState,
} from '../goals';
import type { Run } from '../store/schemas';
import { escapeMarkdown, formatValue } from './describe';
import type { StoreState } from './storeState';
import type { BaseNode } from './treeModel';

export type GoalsNodeKind = 'folder' | 'section' | 'kpi' | 'metricGoal' | 'constraint' | 'spend' | 'total' | 'problems' | 'problem' | 'info';

export type GoalsSection = 'kpis' | 'metrics' | 'constraints' | 'budget';

/** A zero-based range in a file, as editors select it. */
export interface FileRange {
  line: number;
  character: number;
  endLine: number;
  endCharacter: number;
}

export interface GoalsNode extends BaseNode {
  kind: GoalsNodeKind;
  section?: GoalsSection;
  /** The run a click reveals (a goal's best run). */
  runId?: string;
  /** The experiment a click reveals (a budget row). */
  experiment?: string;
  /** A file a click opens, at `range` when given. */
  file?: string;
  range?: FileRange;
}

/** Everything the view shows of one store, computed once per refresh. */
interface GoalsFacts {
  goals: Goals;
  runs: Run[];
  evaluated: { run: Run; goals: RunGoals }[];
}

const idOf = (state: StoreState, ...parts: string[]) => [state.root, 'goals', ...parts].join('|');

/** Whether the view has anything to show for this store (else, in a single store, the welcome content shows). */
export function hasGoalsContent(state: StoreState): boolean {
  return Boolean(state.goalsReadError || state.goalsFile?.exists);
}

/** Top level: one folder node per store in a multi-root workspace, else the store's sections. */
export function goalsRootNodes(states: readonly StoreState[], multiRoot: boolean): GoalsNode[] {
  if (multiRoot && states.length > 1) {
    return states.map((s) => ({ id: idOf(s, 'folder'), kind: 'folder', root: s.root, label: path.basename(s.root), description: path.dirname(s.root),
      tooltip: escapeMarkdown(s.root), icon: { symbol: 'workspaceFolder' }, contextValue: 'mlops.folder', collapsible: 'expanded' } satisfies GoalsNode));
  }
  return states.flatMap((s) => goalsTopNodes(s));
}

function facts(state: StoreState): GoalsFacts | undefined {
  const goals = state.goals;
  if (!goals) { return undefined; }
  const runs = [...state.runs.values()];
  const evaluated = runs.map((run) => ({ run, goals: state.goalsOf(run.id)! }));
  return { goals, runs, evaluated };
}

/** A store's sections: problems of goals.json first, then KPIs, metric goals, constraints and budget. */
export function goalsTopNodes(state: StoreState): GoalsNode[] {
  const out: GoalsNode[] = [];
  const problems = goalsProblemNodes(state);
  if (problems.length) {
    const errors = problems.filter((p) => p.icon && 'symbol' in p.icon && p.icon.symbol === 'error').length;
    const warnings = problems.length - errors;
    out.push({ id: idOf(state, 'problems'), kind: 'problems', root: state.root, label: `goals.json: ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
      description: [errors ? `${errors} error${errors === 1 ? '' : 's'}` : '', warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : ''].filter(Boolean).join(', '),
      tooltip: errors ? 'Entries with errors are left out; the rest of the file is used. Click a problem to go to it.' : 'Click a problem to go to it.',
      icon: { symbol: errors ? 'error' : 'problem' }, contextValue: 'mlops.goals.problems', collapsible: 'expanded' });
  }
  const f = facts(state);
  if (!f) {
    if (!out.length && hasGoalsContent(state)) {
      out.push({ id: idOf(state, 'empty'), kind: 'info', root: state.root, label: 'No goals declared yet', description: 'goals.json',
        tooltip: 'Add metric goals, KPIs, constraints or a budget to .mlops/goals.json (MLOps: Define Goals…).', icon: { symbol: 'info' },
        collapsible: 'none', file: state.goalsFile?.file });
    }
    return out;
  }
  const n = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
  const section = (s: GoalsSection, label: string, description: string, symbol: 'kpis' | 'metricGoals' | 'constraints' | 'budget', tooltip?: string): GoalsNode =>
    ({ id: idOf(state, 'section', s), kind: 'section', root: state.root, section: s, label, description, tooltip, icon: { symbol }, contextValue: `mlops.goals.section.${s}`, collapsible: 'expanded' });
  const { goals } = f;
  if (goals.kpis.length) {
    out.push(section('kpis', 'KPIs', n(goals.kpis.length, 'KPI'), 'kpis', 'High-level (business) metrics, computed from the logged metrics by their formulas.'));
  }
  if (goals.metrics.length) { out.push(section('metrics', 'Metric goals', n(goals.metrics.length, 'goal'), 'metricGoals', 'Low-level goals: the metrics developers tune.')); }
  const nConstraints = constraintChecksOf(f).length;
  if (nConstraints) { out.push(section('constraints', 'Constraints', n(nConstraints, 'constraint'), 'constraints', 'What production allows (agreed with IT).')); }
  const budget = state.budget();
  if (budget) {
    const t = budget.total;
    out.push({ ...section('budget', 'Budget', `${spendText(t, budget.currency)} total${t.state === 'over' ? ' · over budget' : t.state === 'near' ? ' · near limit' : ''}`, 'budget',
      spendTooltip('All experiments', t, budget.currency)), icon: { symbol: spendSymbol(t.state, 'budget') } });
  }
  return out;
}

/** Children of any Goals node: the single entry point the adapter calls. */
export function goalsChildrenOf(states: readonly StoreState[], node: GoalsNode | undefined, multiRoot: boolean): GoalsNode[] {
  if (!node) { return goalsRootNodes(states, multiRoot); }
  const state = states.find((s) => s.root === node.root);
  if (!state) { return []; }
  switch (node.kind) {
    case 'folder': {
      const top = goalsTopNodes(state);
      return top.length ? top : [{ id: idOf(state, 'none'), kind: 'info', root: state.root, label: 'No goals.json in this folder', description: 'MLOps: Define Goals…',
        icon: { symbol: 'info' }, collapsible: 'none' }];
    }
    case 'problems': return goalsProblemNodes(state);
    case 'section': {
      const f = facts(state);
      if (!f) { return []; }
      switch (node.section) {
        case 'kpis': return summaryNodes(state, f).filter((s) => s.kind === 'kpi');
        case 'metrics': return summaryNodes(state, f).filter((s) => s.kind === 'metricGoal');
        case 'constraints': return constraintNodes(state, f);
        case 'budget': return budgetNodes(state, state.budget());
        default: return [];
      }
    }
    default: return [];
  }
}

// ---------------------------------------------------------------- problems

/** Problems of goals.json (errors, then warnings such as formula metrics nobody logged), each opening its place. */
export function goalsProblemNodes(state: StoreState): GoalsNode[] {
  const read = state.goalsFile;
  if (state.goalsReadError !== undefined) {
    return [{ id: idOf(state, 'problem', 'read'), kind: 'problem', root: state.root, label: state.goalsReadError, description: 'cannot read goals.json',
      tooltip: escapeMarkdown(state.goalsReadError), icon: { symbol: 'error' }, contextValue: 'mlops.goals.problem', collapsible: 'none',
      file: path.join(state.store.dir, 'goals.json') }];
  }
  if (!read?.exists) { return []; }
  const problems: GoalsProblem[] = [...read.doc.problems];
  const goals = read.doc.goals;
  if (goals) {
    const logged = state.loggedMetricNames();
    problems.push(...unknownMetricProblems(read.text, goals, logged));
  }
  problems.sort((a, b) => (a.severity === b.severity ? a.offset - b.offset : a.severity === 'error' ? -1 : 1));
  return problems.map((p, i) => {
    const start = lineColumn(read.text, p.offset);
    const end = lineColumn(read.text, p.offset + p.length);
    return {
      id: idOf(state, 'problem', String(i)), kind: 'problem', root: state.root, label: p.message, description: `${p.path} · line ${start.line}:${start.column}`,
      tooltip: `**${p.severity}** at line ${start.line}, column ${start.column} (${escapeMarkdown(p.path)})\n\n${escapeMarkdown(p.message)}`,
      icon: { symbol: p.severity === 'error' ? 'error' : 'problem' }, contextValue: `mlops.goals.problem`, collapsible: 'none', file: read.file,
      range: { line: start.line - 1, character: start.column - 1, endLine: end.line - 1, endCharacter: end.column - 1 },
    } satisfies GoalsNode;
  });
}

// ---------------------------------------------------------------- KPIs and metric goals

function barText(goal: 'min' | 'max', threshold: number): string {
  return `${goal === 'max' ? '≥' : '≤'} ${formatNumber(threshold)}`;
}

/** `best 312.4 EUR/1k · 3 of 12 runs meet ≥ 250 (2 unknown)` */
export function goalSummaryDescription(s: GoalSummary): string {
  if (s.formulaError) { return 'the formula does not parse (see goals.json)'; }
  const unit = s.unit ? ` ${s.unit}` : '';
  const parts = [s.best ? `best ${formatValue(s.best.value)}${unit}` : 'no run has a value yet'];
  const unknown = s.runs - s.known;
  const unknownText = unknown > 0 ? ` (${unknown} unknown)` : '';
  if (s.threshold !== undefined) {
    parts.push(`${s.meeting} of ${s.runs} run${s.runs === 1 ? '' : 's'} meet${s.runs === 1 ? 's' : ''} ${barText(s.goal, s.threshold)}${unknownText}`);
  } else {
    parts.push(`${s.goal === 'max' ? 'higher' : 'lower'} is better, no threshold${unknownText}`);
  }
  return parts.join(' · ');
}

export function goalSummaryTooltip(s: GoalSummary): string {
  const md: string[] = [`**${escapeMarkdown(s.name)}** — ${s.kind === 'kpi' ? 'KPI (business metric)' : 'metric goal'}`];
  if (s.description) { md.push('', escapeMarkdown(s.description)); }
  md.push('');
  if (s.formula !== undefined) { md.push(`Formula: ${escapeMarkdown(s.formula)}  `); }
  if (s.formulaError) { md.push(`Formula error: ${escapeMarkdown(s.formulaError)}  `); }
  if (s.unit) { md.push(`Unit: ${escapeMarkdown(s.unit)}  `); }
  if (s.owner) { md.push(`Owner: ${escapeMarkdown(s.owner)}  `); }
  md.push(`Goal: ${s.goal === 'max' ? 'higher' : 'lower'} is better${s.threshold !== undefined ? `, threshold ${escapeMarkdown(barText(s.goal, s.threshold))}` : ', no threshold'}${s.target !== undefined ? `, target ${escapeMarkdown(formatNumber(s.target))}` : ''}  `);
  md.push('');
  if (s.best) {
    md.push(`Best run: **${escapeMarkdown(s.best.runName)}** (${escapeMarkdown(s.best.experiment)}) with ${escapeMarkdown(formatNumber(s.best.value))}${s.unit ? ` ${escapeMarkdown(s.unit)}` : ''}. Click to show it.  `);
  } else {
    md.push('No run has a value yet (a metric nobody logged is unknown, never a pass).  ');
  }
  const unknown = s.runs - s.known;
  md.push(`${s.threshold !== undefined ? `${s.meeting} of ${s.runs} runs meet the threshold` : `${s.known} of ${s.runs} runs have a value`}${unknown ? `; ${unknown} unknown` : ''}.`);
  return md.join('\n');
}

function goalSymbol(s: GoalSummary): 'error' | 'goalMet' | 'goalUnmet' | 'goalUnknown' | 'goalInfo' {
  if (s.formulaError) { return 'error'; }
  if (s.known === 0) { return 'goalUnknown'; }
  if (s.threshold === undefined) { return 'goalInfo'; }
  return s.meeting > 0 ? 'goalMet' : 'goalUnmet';
}

function summaryNodes(state: StoreState, f: GoalsFacts): GoalsNode[] {
  return summarizeGoals(f.goals, f.evaluated).map((s) => ({
    id: idOf(state, s.kind, s.name), kind: s.kind === 'kpi' ? 'kpi' : 'metricGoal', root: state.root, label: s.name, description: goalSummaryDescription(s),
    tooltip: goalSummaryTooltip(s), icon: { symbol: goalSymbol(s) }, collapsible: 'none',
    contextValue: `mlops.goals.${s.kind === 'kpi' ? 'kpi' : 'metricGoal'}${s.best ? '.best' : ''}`, runId: s.best?.runId,
  } satisfies GoalsNode));
}

// ---------------------------------------------------------------- constraints

interface ConstraintTally { check: GoalCheck; pass: number; fail: number; unknown: number }

/** One tally per constraint, in the order the evaluation lists them (a store without runs still lists the bars). */
function constraintChecksOf(f: GoalsFacts): ConstraintTally[] {
  const tallies = new Map<string, ConstraintTally>();
  const add = (g: RunGoals, count: boolean) => {
    for (const c of g.checks) {
      if (c.kind !== 'constraint') { continue; }
      let t = tallies.get(c.name);
      if (!t) { t = { check: c, pass: 0, fail: 0, unknown: 0 }; tallies.set(c.name, t); }
      if (!count) { continue; }
      if (c.verdict === 'pass') { t.pass++; } else if (c.verdict === 'fail') { t.fail++; } else { t.unknown++; }
    }
  };
  add(evaluateRun(f.goals, { run: NO_RUN, metrics: new Map() }), false);
  for (const e of f.evaluated) { add(e.goals, true); }
  return [...tallies.values()];
}

/** A run with nothing recorded: evaluating it lists every constraint's label and bar. */
const NO_RUN: Run = { formatVersion: 1, id: '', experiment: '', name: '', status: 'finished', startTime: new Date(0).toISOString(), params: {}, tags: [], dataVersions: [], meta: {} };

function constraintNodes(state: StoreState, f: GoalsFacts): GoalsNode[] {
  return constraintChecksOf(f).map(({ check, pass, fail, unknown }) => {
    const runs = pass + fail + unknown;
    const bar = check.bar ?? '';
    const description = `${bar} · ${pass} of ${runs} run${runs === 1 ? '' : 's'} satisfy${unknown ? ` (${unknown} unknown)` : ''}`;
    const symbol = pass + fail === 0 ? 'goalUnknown' : pass > 0 ? 'goalMet' : 'goalUnmet';
    return {
      id: idOf(state, 'constraint', check.name), kind: 'constraint', root: state.root, label: check.label, description,
      tooltip: [`**${escapeMarkdown(check.label)}** — production constraint \`${check.name}\``, '', `Bar: ${escapeMarkdown(bar)}  `,
        `${pass} runs satisfy it, ${fail} do not, ${unknown} unknown (a value not recorded is unknown, never a pass).`].join('\n'),
      icon: { symbol }, contextValue: 'mlops.goals.constraint', collapsible: 'none',
    } satisfies GoalsNode;
  });
}

// ---------------------------------------------------------------- budget

/** `312 / 500 EUR`, or `12.40 EUR` without a limit. */
export function spendText(s: Spend, currency: string): string {
  const amount = (v: number) => (v === 0 ? '0' : formatCost(v, currency).slice(0, -(currency.length + 1)));
  return s.limit === undefined ? formatCost(s.spent, currency) : `${amount(s.spent)} / ${formatCost(s.limit, currency)}`;
}

function spendSymbol(state: SpendState, okSymbol: 'budget' | 'budgetOk'): 'budgetOver' | 'budgetNear' | 'budget' | 'budgetOk' {
  return state === 'over' ? 'budgetOver' : state === 'near' ? 'budgetNear' : okSymbol;
}

/** The words that say what the icon's colour says (not colour alone). */
function spendStateText(s: Spend): string {
  switch (s.state) {
    case 'over': return 'over budget';
    case 'near': return `near limit (${Math.round((s.spent / s.limit!) * 100)}%)`;
    case 'no-limit': return 'no limit';
    case 'ok': return '';
  }
}

function spendTooltip(what: string, s: Spend, currency: string): string {
  const md = [`**${escapeMarkdown(what)}**: spent ${escapeMarkdown(formatCost(s.spent, currency))}${s.limit !== undefined ? ` of ${escapeMarkdown(formatCost(s.limit, currency))}` : ', no limit set'}${s.state === 'over' ? ' — **over budget**' : s.state === 'near' ? ' — near the limit' : ''}`];
  md.push('', `${s.knownRuns} run${s.knownRuns === 1 ? '' : 's'} with a known cost${s.unknownRuns ? `; ${s.unknownRuns} run${s.unknownRuns === 1 ? '' : 's'} of unknown cost (no duration or no rate for their hardware) not counted` : ''}.`);
  return md.join('\n');
}

export function budgetNodes(state: StoreState, report: BudgetReport | undefined): GoalsNode[] {
  if (!report) { return []; }
  const cur = report.currency;
  const describe = (s: Spend) => [spendText(s, cur), spendStateText(s), s.unknownRuns ? `${s.unknownRuns} of unknown cost` : ''].filter(Boolean).join(' · ');
  const rows: GoalsNode[] = report.experiments.map((e) => ({
    id: idOf(state, 'spend', e.experiment), kind: 'spend', root: state.root, experiment: e.experiment, label: e.experiment, description: describe(e),
    tooltip: `${spendTooltip(`Experiment ${e.experiment}`, e, cur)}\n\nClick to show the experiment.`, icon: { symbol: spendSymbol(e.state, 'budgetOk') },
    contextValue: `mlops.goals.spend.${e.state}`, collapsible: 'none',
  }));
  rows.push({ id: idOf(state, 'spend-total'), kind: 'total', root: state.root, label: 'Total', description: describe(report.total),
    tooltip: spendTooltip('All experiments together', report.total, cur), icon: { symbol: spendSymbol(report.total.state, 'budgetOk') },
    contextValue: `mlops.goals.total.${report.total.state}`, collapsible: 'none' });
  return rows;
}
