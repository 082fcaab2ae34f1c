/**
 * Ground truth for earlier predictions (`mlops monitor label`, the Monitoring view): each label is joined with its
 * prediction by request id and written as a self-contained `FeedbackLine` (the prediction's time, version and
 * outputs copied), so a summary never joins across files.
 */
import * as path from 'node:path';
import { appendLines } from '../store/fsutil';
import type { Store } from '../store/store';
import { listLogFiles, logFileOf, readLogLines, type LinePosition } from './log';
import { monitorDir } from './report';
import type { FeedbackLine, JsonValue, LogLine, PredictionLine } from './types';

export interface FeedbackItem {
  /** The prediction's request id. */
  id: string;
  /** One label per record of the batch, or one label with `row`. */
  labels: JsonValue[];
  /** 0-based record of a batch the single label is for. */
  row?: number;
}

export interface FeedbackResult {
  written: number;
  /** Request ids not found in the model's log. */
  unknown: string[];
  /** Items whose every label is already logged with the same value for that record (a retry, a re-import): skipped. */
  already: { id: string; row?: number }[];
  /** Ids found but not labelled, and why (a label count that does not match the batch, a failed prediction). */
  errors: { id: string; reason: string }[];
}

/** Finds the predictions by id (newest log file first) and appends one feedback line per item to today's file. */
export async function appendFeedback(store: Store, model: string, items: readonly FeedbackItem[], opts: { now?: Date } = {}): Promise<FeedbackResult> {
  const dir = monitorDir(store, model);
  const wanted = new Set(items.map((i) => i.id));
  const found = new Map<string, PredictionLine>();
  /** The last label logged per `<row>:<id>` of the wanted ids, with when it was logged (time, file, offset). */
  const logged = new Map<string, { label: string; order: [string, string, number] }>();
  const later = (a: [string, string, number], b: [string, string, number]): boolean => a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] > b[2];
  const onLine = (line: LogLine, at: LinePosition): void => {
    if (!wanted.has(line.id)) { return; }
    if (line.kind === 'prediction') { if (!found.has(line.id)) { found.set(line.id, line); } return; }
    line.labels.forEach((label, row) => {
      if (label === null || label === undefined) { return; }
      const k = `${row}:${line.id}`;
      const order: [string, string, number] = [line.time, at.file, at.offset];
      const known = logged.get(k);
      if (!known || later(order, known.order)) { logged.set(k, { label: JSON.stringify(label), order }); }
    });
  };
  const { files } = await listLogFiles(dir, store.guard);
  const newestFirst = [...files].reverse();
  let lastFile: string | undefined;
  await readLogLines(dir, {
    guard: store.guard, only: newestFirst, more: () => found.size < wanted.size,
    onLine: (line, at) => { lastFile = at.file; onLine(line, at); },
  });
  // Reading stops at the chunk where the last prediction was found: its labels later in that file are read too.
  if (lastFile !== undefined && found.size === wanted.size) {
    await readLogLines(dir, { guard: store.guard, only: [lastFile], onLine: (line, at) => { if (line.kind === 'feedback') { onLine(line, at); } } });
  }
  const now = opts.now ?? new Date();
  const time = now.toISOString();
  const out: string[] = [];
  const unknown: string[] = [];
  const errors: FeedbackResult['errors'] = [];
  const already: FeedbackResult['already'] = [];
  for (const item of items) {
    const p = found.get(item.id);
    if (!p) { if (!unknown.includes(item.id)) { unknown.push(item.id); } continue; }
    if (p.status >= 400 || !p.outputs) { errors.push({ id: item.id, reason: `the prediction failed (HTTP ${p.status}); there is nothing to compare a label with` }); continue; }
    let labels: JsonValue[];
    if (item.row !== undefined) {
      if (!Number.isSafeInteger(item.row) || item.row < 0 || item.row >= p.outputs.length) { errors.push({ id: item.id, reason: `row ${item.row} is not a record of the batch (rows 0 to ${p.outputs.length - 1})` }); continue; }
      if (item.labels.length !== 1) { errors.push({ id: item.id, reason: `a label for one row needs exactly one label, got ${item.labels.length}` }); continue; }
      labels = p.outputs.map((_, i) => (i === item.row ? item.labels[0] : null));
    } else {
      if (item.labels.length !== p.outputs.length) { errors.push({ id: item.id, reason: `${item.labels.length} label(s) for a batch of ${p.outputs.length} prediction(s); give one per record, or a row` }); continue; }
      labels = item.labels;
    }
    // A record whose last logged label is this one is not labelled again (POST /feedback retried, a cumulative file).
    let fresh = false, repeated = false;
    labels = labels.map((label, row) => {
      if (label === null || label === undefined) { return null; }
      const k = `${row}:${p.id}`;
      if (logged.get(k)?.label === JSON.stringify(label)) { repeated = true; return null; }
      fresh = true;
      logged.set(k, { label: JSON.stringify(label), order: [time, '\uffff', Infinity] });
      return label;
    });
    if (repeated && !fresh) { already.push({ id: item.id, ...(item.row !== undefined ? { row: item.row } : {}) }); continue; }
    const line: FeedbackLine = { kind: 'feedback', id: p.id, time, predictionTime: p.time, version: p.version, outputs: p.outputs, labels };
    out.push(JSON.stringify(line));
  }
  if (out.length > 0) {
    await store.guard.ensureDir(dir);
    const file = path.join(dir, logFileOf(now));
    await store.guard.checkWrite(file);
    await appendLines(file, out);
  }
  return { written: out.length, unknown, already, errors };
}
