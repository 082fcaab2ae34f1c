/**
 * Performance of a window from feedback labels, kept as additive state (confusion counts, error sums) so a label that
 * arrives after its window closed updates that window's summary without its requests.
 *
 * The task is read from the values: labels and predictions that are strings, booleans or whole numbers with at most
 * `MAX_CLASSES` distinct values are a classification (accuracy, precision, recall, F1); numbers otherwise are a
 * regression (MAE, RMSE). Both states are kept while both are possible; the first fractional number or the class
 * past the limit drops the confusion counts.
 */
import type { JsonValue, WindowPerformance } from './types';

export const MAX_CLASSES = 20;

export type PerformanceState = WindowPerformance['state'];

export const emptyPerformance = (): PerformanceState => ({ confusion: {}, absErr: 0, sqErr: 0, n: 0, labels: {} });

/** The key of one labelled record: its row in the batch and the request id. */
const recordKey = (id: string, row: number): string => `${row}:${id}`;

const classKey = (v: JsonValue): string | undefined => {
  if (typeof v === 'string') { return v; }
  if (typeof v === 'boolean') { return String(v); }
  if (typeof v === 'number' && Number.isSafeInteger(v)) { return String(v); }
  return undefined;
};

function classCount(c: Record<string, Record<string, number>>): number {
  const seen = new Set<string>();
  for (const a of Object.keys(c)) { seen.add(a); for (const p of Object.keys(c[a])) { seen.add(p); } }
  return seen.size;
}

/** Takes one counted pair out again (a label replaced by a correction). */
function removePair(state: PerformanceState, label: JsonValue, out: JsonValue): void {
  state.n--;
  if (state.absErr !== undefined && typeof label === 'number' && typeof out === 'number') {
    const e = out - label;
    state.absErr = Math.max(0, state.absErr - Math.abs(e));
    state.sqErr = Math.max(0, (state.sqErr ?? 0) - e * e);
  }
  const a = classKey(label);
  const p = classKey(out);
  const row = a !== undefined ? state.confusion?.[a] : undefined;
  if (row && p !== undefined && row[p] !== undefined) {
    if (--row[p] <= 0) { delete row[p]; }
    if (Object.keys(row).length === 0) { delete state.confusion![a!]; }
  }
}

/**
 * Adds labelled pairs (label null = unknown, skipped). With the request `id`, the last label per record counts: a
 * record labelled before is replaced (a correction), the same label again is not counted twice.
 */
export function addLabels(state: PerformanceState, labels: readonly JsonValue[], outputs: readonly JsonValue[], id?: string): void {
  const n = Math.min(labels.length, outputs.length);
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    const out = outputs[i];
    if (label === null || label === undefined || out === null || out === undefined) { continue; }
    if (id !== undefined) {
      const k = recordKey(id, i);
      const known = (state.labels ??= {})[k];
      if (known) {
        if (JSON.stringify(known[0]) === JSON.stringify(label)) { continue; }
        removePair(state, known[0], known[1]);
      }
      state.labels[k] = [label, out];
    }
    state.n++;
    if (state.absErr !== undefined) {
      if (typeof label === 'number' && typeof out === 'number' && Number.isFinite(label) && Number.isFinite(out)) {
        const e = out - label;
        state.absErr += Math.abs(e);
        state.sqErr = (state.sqErr ?? 0) + e * e;
      } else {
        delete state.absErr;
        delete state.sqErr;
      }
    }
    if (state.confusion !== undefined) {
      const a = classKey(label);
      const p = classKey(out);
      if (a === undefined || p === undefined) { delete state.confusion; continue; }
      const row = (state.confusion[a] ??= {});
      const isNew = row[p] === undefined;
      row[p] = (row[p] ?? 0) + 1;
      if (isNew && classCount(state.confusion) > MAX_CLASSES) { delete state.confusion; }
    }
  }
}

/** Folds another window's state into `into` (for a late label's window, or merging partial reads). */
export function mergePerformance(into: PerformanceState, other: PerformanceState): void {
  // `other` is the later: its label for a record both have replaces this one's.
  if (into.labels && other.labels) {
    for (const [k, pair] of Object.entries(other.labels)) {
      const known = into.labels[k];
      if (known) { removePair(into, known[0], known[1]); }
      into.labels[k] = pair;
    }
  } else if (other.labels) { into.labels = { ...other.labels }; }
  into.n += other.n;
  if (into.absErr !== undefined && other.absErr !== undefined) { into.absErr += other.absErr; into.sqErr = (into.sqErr ?? 0) + (other.sqErr ?? 0); } else { delete into.absErr; delete into.sqErr; }
  if (into.confusion && other.confusion) {
    for (const [a, row] of Object.entries(other.confusion)) {
      const r = (into.confusion[a] ??= {});
      for (const [p, k] of Object.entries(row)) { r[p] = (r[p] ?? 0) + k; }
    }
    if (classCount(into.confusion) > MAX_CLASSES) { delete into.confusion; }
  } else { delete into.confusion; }
}

const POSITIVE = ['1', 'true', 'yes'];

/** The classes of a whole report and its positive class, so precision, recall and F1 mean the same in every window. */
export interface ClassSet { classes: string[]; positive: string }

const classesOf = (c: Record<string, Record<string, number>>): string[] => [...new Set([...Object.keys(c), ...Object.values(c).flatMap((r) => Object.keys(r))])].sort();

const positiveOf = (classes: readonly string[]): string => classes.find((k) => POSITIVE.includes(k.toLowerCase())) ?? classes[classes.length - 1];

/** The class set of every label and output in `states` (the windows of one report), or undefined when none has one. */
export function reportClasses(states: readonly (PerformanceState | undefined)[]): ClassSet | undefined {
  const seen = new Set<string>();
  for (const s of states) { if (s?.confusion) { for (const k of classesOf(s.confusion)) { seen.add(k); } } }
  if (seen.size === 0) { return undefined; }
  const classes = [...seen].sort();
  return { classes, positive: positiveOf(classes) };
}

/**
 * The performance a state stands for, or null when nothing is labelled or the values fit neither task. `report`:
 * the report's classes and positive class (two classes: precision/recall/F1 of the positive one; more: the macro
 * mean over all of them); without it, the window's own.
 */
export function performanceOf(state: PerformanceState, report?: ClassSet): WindowPerformance | null {
  if (state.n === 0) { return null; }
  const c = state.confusion;
  if (c && Object.keys(c).length > 0) {
    const own = classesOf(c);
    const classes = report && own.every((k) => report.classes.includes(k)) ? report.classes : own;
    let total = 0, correct = 0;
    const cell = (a: string, p: string): number => c[a]?.[p] ?? 0;
    for (const a of Object.keys(c)) { for (const [p, k] of Object.entries(c[a])) { total += k; if (a === p) { correct += k; } } }
    const prf = (pos: string): { precision: number; recall: number; f1: number } => {
      let tp = 0, fp = 0, fn = 0;
      for (const a of classes) {
        for (const p of classes) {
          const k = cell(a, p);
          if (a === pos && p === pos) { tp += k; } else if (p === pos) { fp += k; } else if (a === pos) { fn += k; }
        }
      }
      const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
      const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
      const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
      return { precision, recall, f1 };
    };
    let m: { precision: number; recall: number; f1: number };
    if (classes.length <= 2) {
      m = prf(classes === report?.classes ? report.positive : positiveOf(classes));
    } else {
      const all = classes.map(prf);
      m = { precision: mean(all.map((x) => x.precision)), recall: mean(all.map((x) => x.recall)), f1: mean(all.map((x) => x.f1)) };
    }
    return { labelled: state.n, task: 'classification', accuracy: total > 0 ? correct / total : 0, ...m, state };
  }
  if (state.absErr !== undefined && state.n > 0) {
    return { labelled: state.n, task: 'regression', mae: state.absErr / state.n, rmse: Math.sqrt((state.sqErr ?? 0) / state.n), state };
  }
  return null;
}

const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

/** A deep copy of a state (summaries share nothing with accumulators). */
export const clonePerformance = (s: PerformanceState): PerformanceState => JSON.parse(JSON.stringify(s)) as PerformanceState;
