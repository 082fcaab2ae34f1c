// `MLOps: Define Goals…`: a guided quick input that adds a metric goal or a business KPI to .mlops/goals.json.
// Every step validates as the user types; Esc at any step writes nothing; an entry of the same name is replaced only
// after asking; a goals.json that is not valid JSON is reported with line:column and never rewritten.
import * as vscode from 'vscode';
import { formatNumber, type GoalsRead, type Kpi, type MetricGoal, type StoreState } from '../../core';
import type { WorkspaceStores } from '../stores';
import { pickStore } from '../ui';
import { goalsFileLabel, offerToOpen, reportUnusableGoalsFile, unusableGoalsFile } from './goalsFile';
import {
  describeGoal, formulaCheck, kpiNameCheck, loggedMetrics, metricNameProblem, numberProblem, optionalTextProblem,
  parseOptionalNumber, suggestedDirection, type InputCheck,
} from './goalsInput';
import { loadAllMetricSummaries } from './metricNames';

export const ADD_METRIC_GOAL = 'Add a metric goal';
export const ADD_KPI = 'Add a business KPI';
export const ANOTHER_METRIC = 'Another metric…';
export const REPLACE = 'Replace';

/** What Define Goals wrote: the kind and name of the entry, and the file as written. */
export interface DefinedGoal {
  kind: 'metric' | 'kpi';
  name: string;
  replaced: boolean;
  file: string;
}

function toValidation(c: InputCheck | undefined): vscode.InputBoxValidationMessage | undefined {
  if (!c) { return undefined; }
  return { message: c.message, severity: c.severity === 'error' ? vscode.InputBoxValidationSeverity.Error : vscode.InputBoxValidationSeverity.Warning };
}

async function pickDirection(title: string, suggested: 'min' | 'max', current?: 'min' | 'max'): Promise<'min' | 'max' | undefined> {
  const max = { label: 'max', description: 'higher is better', goal: 'max' as const };
  const min = { label: 'min', description: 'lower is better', goal: 'min' as const };
  // The suggested (or current) direction comes first, so Enter takes it.
  const items = (current ?? suggested) === 'max' ? [max, min] : [min, max];
  items[0].description += current ? ' (current)' : ' (suggested)';
  const pick = await vscode.window.showQuickPick(items, { title, placeHolder: 'Which way is better?' });
  return pick?.goal;
}

async function askThreshold(title: string, goal: 'min' | 'max', current?: number): Promise<number | undefined | null> {
  const text = await vscode.window.showInputBox({
    title, prompt: `Threshold (optional): a run meets the goal when the value is ${goal === 'max' ? 'at least' : 'at most'} this. Leave empty for none.`,
    placeHolder: 'e.g. 0.8', value: current === undefined ? '' : String(current), validateInput: (v) => numberProblem(v),
  });
  return text === undefined ? null : parseOptionalNumber(text);
}

async function confirmReplace(what: string): Promise<boolean> {
  const a = await vscode.window.showWarningMessage(`${what} Replace it?`, { modal: true, detail: 'Only that entry of goals.json changes; the rest of the file is kept as it is.' }, REPLACE);
  return a === REPLACE;
}

/**
 * Runs the guided input and writes the entry. Resolves with what was written, or undefined when the user cancelled
 * or the goals file could not be used (then an error message says why, with line:column, and offers to open it).
 */
export async function defineGoals(stores: WorkspaceStores, args?: { root?: string }): Promise<DefinedGoal | undefined> {
  const state = await pickStore(stores, args?.root);
  if (!state) { return undefined; }
  const read = await state.store.goals.read();
  const unusable = unusableGoalsFile(state, read);
  if (unusable) { await reportUnusableGoalsFile(read, unusable); return undefined; }

  const kind = await vscode.window.showQuickPick([
    { label: ADD_METRIC_GOAL, description: 'a low-level metric developers tune, with min/max and a threshold' },
    { label: ADD_KPI, description: 'a business number computed from metrics by a formula' },
  ], { title: 'Define Goals', placeHolder: 'What do you want to add?' });
  if (!kind) { return undefined; }
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'MLOps: reading logged metric names' }, () => loadAllMetricSummaries(state));
  const result = kind.label === ADD_METRIC_GOAL ? await defineMetricGoal(state, read) : await defineKpi(state, read);
  if (!result) { return undefined; }
  await stores.notify(state.root, { goals: true });
  const file = goalsFileLabel(state);
  offerToOpen(result.kind === 'kpi'
    ? `${result.replaced ? 'Replaced' : 'Added'} KPI '${result.name}' ${result.replaced ? 'in' : 'to'} ${file}`
    : `${result.replaced ? 'Replaced the goal for' : 'Added a goal for'} metric '${result.name}' ${result.replaced ? 'in' : 'to'} ${file}`, state.root);
  return result;
}

async function defineMetricGoal(state: StoreState, read: GoalsRead): Promise<DefinedGoal | undefined> {
  const title = 'Define Goals: metric goal';
  const existing = read.doc.goals?.metrics ?? [];
  const logged = loggedMetrics(state.runs.list().map((r) => state.metrics.peek(r.id)));
  const items: (vscode.QuickPickItem & { name?: string })[] = logged.map((m) => {
    const goal = existing.find((g) => g.name === m.name);
    return {
      label: m.name, name: m.name,
      description: `${m.runs} run${m.runs === 1 ? '' : 's'} · latest ${formatNumber(m.latest)} · best ${formatNumber(m.best)}${goal ? ` · goal: ${describeGoal(goal)}` : ''}`,
    };
  });
  items.push({ label: ANOTHER_METRIC, description: logged.length ? 'a metric no run has logged yet' : 'no run has logged a metric yet' });
  const pick = await vscode.window.showQuickPick(items, { title, placeHolder: 'Metric to set a goal for', matchOnDescription: true });
  if (!pick) { return undefined; }
  const name = pick.name ?? (await vscode.window.showInputBox({ title, prompt: 'Metric name (as the runs log it; a slice such as accuracy@fold=1 is a name too)', validateInput: metricNameProblem }))?.trim();
  if (!name) { return undefined; }
  const current = existing.find((g) => g.name === name);
  if (current && !(await confirmReplace(`A goal for metric '${name}' exists (${describeGoal(current)}).`))) { return undefined; }
  const goal = await pickDirection(`${title}: ${name}`, suggestedDirection(name), current?.goal);
  if (!goal) { return undefined; }
  const threshold = await askThreshold(`${title}: ${name}`, goal, current?.threshold);
  if (threshold === null) { return undefined; }
  // A replaced goal keeps what this input does not ask for (target, description, fields of later versions).
  const entry: MetricGoal = { ...current, name, goal, threshold };
  const written = await state.store.goals.setMetricGoal(entry);
  return { kind: 'metric', name, replaced: !!current, file: written.file };
}

async function defineKpi(state: StoreState, read: GoalsRead): Promise<DefinedGoal | undefined> {
  const title = 'Define Goals: business KPI';
  const existing = read.doc.goals?.kpis ?? [];
  const names = existing.map((k) => k.name);
  const nameText = await vscode.window.showInputBox({ title, prompt: 'KPI name (a plain identifier: filters and formulas name it)', placeHolder: 'e.g. retained_revenue',
    validateInput: (v) => toValidation(kpiNameCheck(v, names)) });
  if (nameText === undefined) { return undefined; }
  const name = nameText.trim();
  const check = kpiNameCheck(name, names);
  if (check?.severity === 'error') { return undefined; }
  const current = existing.find((k) => k.name === name);
  if (current && !(await confirmReplace(`A KPI named '${name}' exists (${current.formula}).`))) { return undefined; }
  const known = state.loggedMetricNames();
  const formula = await vscode.window.showInputBox({ title: `${title}: ${name}`, prompt: 'Formula over logged metrics and numbers: + - * / ^, parentheses, min max abs log sqrt; quote names holding @, = or spaces',
    placeHolder: 'e.g. recall * 420 - false_positive_rate * 35', value: current?.formula ?? '', validateInput: (v) => toValidation(formulaCheck(v, known)) });
  if (formula === undefined || formulaCheck(formula, known)?.severity === 'error') { return undefined; }
  const goal = await pickDirection(`${title}: ${name}`, 'max', current?.goal);
  if (!goal) { return undefined; }
  const threshold = await askThreshold(`${title}: ${name}`, goal, current?.threshold);
  if (threshold === null) { return undefined; }
  const unit = await vscode.window.showInputBox({ title: `${title}: ${name}`, prompt: 'Unit (optional)', placeHolder: 'e.g. EUR per 1,000 customers', value: current?.unit ?? '',
    validateInput: (v) => optionalTextProblem(v, 'a unit', 40) });
  if (unit === undefined) { return undefined; }
  const description = await vscode.window.showInputBox({ title: `${title}: ${name}`, prompt: 'What this number means for the business, in plain words (optional)', value: current?.description ?? '',
    validateInput: (v) => optionalTextProblem(v, 'a description', 2000) });
  if (description === undefined) { return undefined; }
  // The parsed formula is the reader's, not the file's.
  let kept: Partial<Kpi> = {};
  if (current) { const { parsed: _parsed, formulaError: _error, ...rest } = current; kept = rest; }
  const entry: Kpi = { ...kept, name, formula: formula.trim(), goal, threshold, unit: unit.trim() || undefined, description: description.trim() || undefined };
  const written = await state.store.goals.setKpi(entry);
  return { kind: 'kpi', name, replaced: !!current, file: written.file };
}
