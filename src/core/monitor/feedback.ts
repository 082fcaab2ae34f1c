/**
 * Ground truth for earlier predictions (`mlops monitor label`, the Monitoring view): each label is joined with its
 * prediction by request id and written as a self-contained `FeedbackLine` (the prediction's time, version and
 * outputs copied), so a summary never joins across files.
 */
import * as path from 'node:path';
import { appendLines } from '../store/fsutil';
import type { Store } from '../store/store';
import { listLogFiles, logFileOf, readLogLines } from './log';
import { monitorDir } from './report';
import type { FeedbackLine, JsonValue, PredictionLine } from './types';

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
  /** Ids found but not labelled, and why (a label count that does not match the batch, a failed prediction). */
  errors: { id: string; reason: string }[];
}

/** Finds the predictions by id (newest log file first) and appends one feedback line per item to today's file. */
export async function appendFeedback(store: Store, model: string, items: readonly FeedbackItem[], opts: { now?: Date } = {}): Promise<FeedbackResult> {
  const dir = monitorDir(store, model);
  const wanted = new Set(items.map((i) => i.id));
  const found = new Map<string, PredictionLine>();
  const { files } = await listLogFiles(dir, store.guard);
  await readLogLines(dir, {
    guard: store.guard,
    only: [...files].reverse(),
    more: () => found.size < wanted.size,
    onLine: (line) => {
      if (line.kind === 'prediction' && wanted.has(line.id) && !found.has(line.id)) { found.set(line.id, line); }
    },
  });
  const now = opts.now ?? new Date();
  const time = now.toISOString();
  const out: string[] = [];
  const unknown: string[] = [];
  const errors: FeedbackResult['errors'] = [];
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
    const line: FeedbackLine = { kind: 'feedback', id: p.id, time, predictionTime: p.time, version: p.version, outputs: p.outputs, labels };
    out.push(JSON.stringify(line));
  }
  if (out.length > 0) {
    await store.guard.ensureDir(dir);
    const file = path.join(dir, logFileOf(now));
    await store.guard.checkWrite(file);
    await appendLines(file, out);
  }
  return { written: out.length, unknown, errors };
}
