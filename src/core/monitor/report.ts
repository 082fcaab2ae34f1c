/**
 * `monitorReport`: a model's prediction log as windows, drift, performance, freshness and alerts.
 *
 * The goals' window is cached in `windows.jsonl` (a `WindowsHeader`, then one line per closed window): a call reads
 * only the log bytes after the header's `offsets` (where the open window begins; lines up to `applied` that belong
 * to a cached window are not applied twice), so a current cache costs O(new bytes + windows). A header that does not
 * match (another window, reference or settings, a log file that shrank) rebuilds from scratch; a day file deleted
 * (retention) keeps its closed windows, and a rebuild keeps the prediction-drift reference already written. Another
 * window (`--window`) or `cache: false` computes without writing.
 *
 * Memory: lines are streamed; only open windows hold accumulators (counts, a latency array, one column profile per
 * feature); a closed window is a few hundred bytes of summary.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { MlopsError } from '../errors';
import { assertName } from '../store/ids';
import { writeFileAtomic, isErrno } from '../store/fsutil';
import type { Store } from '../store/store';
import { FileProfileSchema, type FileProfile } from '../data/profile/schema';
import { driftOptions } from '../data/report';
import { emptyGoals, type Goals } from '../goals/document';
import { evaluateAlerts } from './alerts';
import { LOG_FILE, readLogLines, type LinePosition } from './log';
import { addLabels, emptyPerformance, type PerformanceState } from './performance';
import { dataAgeFunction, trainingReference } from './reference';
import { OpenWindow, withLabels, withReportClasses, type SummaryContext } from './window';
import {
  MONITOR_FORMAT_VERSION, parseWindow,
  type LogLine, type LogProblem, type MonitorQuantity, type MonitorReport, type WindowSpec, type WindowSummary, type WindowsHeader,
} from './types';

export const WINDOWS_FILE = 'windows.jsonl';
export const REFERENCE_OUTPUTS_FILE = 'reference-outputs.profile.json';
const MAX_PROBLEMS = 50;

/** `.mlops/monitoring/<model>`. */
export function monitorDir(store: Store, model: string): string {
  return path.join(store.dir, 'monitoring', assertName(model, 'model'));
}

export interface MonitorReportOptions {
  /** A window other than the goals' (`1h`, `1d`, `500`): computed without touching the cache. */
  window?: string;
  goals?: Goals;
  now?: Date;
  signal?: AbortSignal;
  /** false: never write windows.jsonl or the reference outputs (default true). */
  cache?: boolean;
}

/** A late request arrives after its window closed when it is later than this past the window's end. */
export const graceMs = (spec: WindowSpec): number => (spec.kind === 'time' ? Math.min(60_000, spec.ms / 10) : 0);

interface Cached { header: WindowsHeader; windows: WindowSummary[]; referenceOutputs?: FileProfile }

/** A file of the monitoring folder, read only when it is inside the store (never through a link that leads out). */
async function readInside(store: Store, file: string): Promise<string | undefined> {
  try {
    if (!(await store.guard.isInside(await fsp.realpath(file)))) { return undefined; }
    return await fsp.readFile(file, 'utf8');
  } catch { return undefined; }
}

/** `windows.jsonl` of a model for a window size: its header and closed windows, or undefined when absent or not those. */
async function readWindowsFile(store: Store, dir: string, model: string, window: string): Promise<{ header: WindowsHeader; windows: WindowSummary[] } | undefined> {
  const text = await readInside(store, path.join(dir, WINDOWS_FILE));
  if (text === undefined) { return undefined; }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  try {
    const header = JSON.parse(lines[0]) as WindowsHeader;
    if (header.kind !== 'header' || header.formatVersion !== MONITOR_FORMAT_VERSION || header.model !== model || header.window !== window) { return undefined; }
    const windows: WindowSummary[] = [];
    for (const l of lines.slice(1)) {
      const w = JSON.parse(l) as WindowSummary;
      if (w.kind !== 'window' || typeof w.start !== 'string' || typeof w.values !== 'object') { return undefined; }
      windows.push(w);
    }
    return { header, windows };
  } catch { return undefined; }
}

async function readCache(store: Store, dir: string, expect: Pick<WindowsHeader, 'model' | 'window' | 'reference' | 'settings'>): Promise<Cached | undefined> {
  const parsed = await readWindowsFile(store, dir, expect.model, expect.window);
  if (!parsed) { return undefined; }
  const { header, windows } = parsed;
  if (JSON.stringify(header.reference) !== JSON.stringify(expect.reference) || header.settings !== expect.settings
    || typeof header.offsets !== 'object' || header.offsets === null) { return undefined; }
  // A log file that shrank: the summaries no longer describe the log. A day file deleted (retention) keeps the closed
  // windows it went into; it is only no longer read.
  for (const [file, applied] of Object.entries({ ...header.offsets, ...(header.applied ?? {}) })) {
    const st = await fsp.stat(path.join(dir, file)).catch(() => undefined);
    if (!st) {
      if (!LOG_FILE.test(file)) { return undefined; }
      delete header.offsets[file];
      delete header.applied?.[file];
      delete header.lines?.[file];
      continue;
    }
    if (st.size < applied) { return undefined; }
  }
  let referenceOutputs: FileProfile | undefined;
  if (header.outputsReference) {
    try {
      const parsed = FileProfileSchema.safeParse(JSON.parse(await readInside(store, path.join(dir, REFERENCE_OUTPUTS_FILE)) ?? 'null'));
      if (!parsed.success) { return undefined; }
      referenceOutputs = parsed.data;
    } catch { return undefined; }
  }
  return { header, windows, referenceOutputs };
}

/**
 * The prediction-drift reference already written, when windows.jsonl cannot be used: kept unless the header (when
 * readable) says it belongs to another model or training reference, so a rebuild never moves the reference.
 */
async function existingReferenceOutputs(store: Store, dir: string, model: string, reference: WindowsHeader['reference']): Promise<{ profile: FileProfile; start: string } | undefined> {
  const text = await readInside(store, path.join(dir, REFERENCE_OUTPUTS_FILE));
  if (text === undefined) { return undefined; }
  let header: Partial<WindowsHeader> | undefined;
  try { header = JSON.parse((await readInside(store, path.join(dir, WINDOWS_FILE)) ?? '').split('\n')[0]) as Partial<WindowsHeader>; } catch { header = undefined; }
  if (header && typeof header === 'object' && header.kind === 'header'
    && (header.model !== model || JSON.stringify(header.reference ?? null) !== JSON.stringify(reference))) { return undefined; }
  try {
    const parsed = FileProfileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) { return undefined; }
    return { profile: parsed.data, start: typeof header?.outputsReference === 'string' ? header.outputsReference : parsed.data.path.replace(/^window /, '') };
  } catch { return undefined; }
}

function dedupeProblems(...lists: LogProblem[][]): LogProblem[] {
  const seen = new Set<string>();
  const out: LogProblem[] = [];
  for (const p of lists.flat()) {
    const k = `${p.file}\0${p.line}\0${p.reason}`;
    if (seen.has(k)) { continue; }
    seen.add(k);
    if (out.length < MAX_PROBLEMS) { out.push(p); }
  }
  return out;
}

export async function monitorReport(store: Store, model: string, opts: MonitorReportOptions = {}): Promise<MonitorReport> {
  const dir = monitorDir(store, model);
  const now = opts.now ?? new Date();
  const nowMs = now.getTime();
  const goals = opts.goals ?? (await store.goals.read().then((g) => g.doc.goals).catch(() => undefined)) ?? emptyGoals();
  const settings = goals.monitoring;
  const windowText = opts.window ?? settings.window;
  const spec = parseWindow(windowText);
  if (!spec) { throw new MlopsError(`window '${windowText}' is not a duration of at least a minute ("30m", "1h", "1d") or a number of requests ("500")`, 'invalid-input'); }
  const cacheable = spec.text === (parseWindow(settings.window)?.text ?? settings.window);
  const mayWrite = cacheable && opts.cache !== false;

  const reference = await trainingReference(store, model, settings);
  const dirListed = await store.guard.list(path.dirname(dir)).catch(() => ({ entries: [], problems: [] }));
  const hasDir = dirListed.entries.some((d) => d.name === path.basename(dir));
  if (!reference.modelVersion && !hasDir) {
    const { items } = await store.listModelVersions(model).catch(() => ({ items: [] }));
    if (items.length === 0) { throw new MlopsError(`no model '${model}' and no monitoring log for it (${store.rel(dir)})`, 'not-found'); }
  }
  const drift = await driftOptions(store);
  const dataAge = await dataAgeFunction(store, reference.datasets);
  const dataAgeHoursNow = dataAge.hours(nowMs);
  const settingsKey = JSON.stringify({ drift: drift.options, label: settings.label ?? null, features: reference.features });
  const ctx: SummaryContext = {
    training: reference.profile && reference.ref
      ? { profile: reference.profile, label: `${reference.ref.dataset}@${reference.ref.versionId}`, features: new Set(reference.features) }
      : null,
    trainingNote: reference.note,
    driftOptions: drift.options,
    dataAgeHours: dataAge.hours,
    dataAgeNote: dataAge.note,
  };

  const cached = hasDir && cacheable ? await readCache(store, dir, { model, window: spec.text, reference: reference.ref, settings: settingsKey }) : undefined;
  if (cached?.referenceOutputs) { ctx.referenceOutputs = cached.referenceOutputs; }
  const kept = hasDir && cacheable && !ctx.referenceOutputs ? await existingReferenceOutputs(store, dir, model, reference.ref) : undefined;
  if (kept) { ctx.referenceOutputs = kept.profile; }
  const closed: WindowSummary[] = cached ? [...cached.windows] : [];
  const keyOf = (w: WindowSummary, i: number): number => (spec.kind === 'time' ? Math.floor(Date.parse(w.start) / spec.ms) : i);
  /** Window key → index in `closed`. */
  const closedAt = new Map<number, number>(closed.map((w, i) => [keyOf(w, i), i]));
  const cachedKeys = new Set(closedAt.keys());
  const open = new Map<number, OpenWindow>();
  const pending = new Map<number, PerformanceState>();
  const late = new Map<number, PerformanceState>();
  let outputsReference = cached?.header.outputsReference ?? kept?.start;
  let newReferenceOutputs: FileProfile | undefined;
  let lastRequestMs = cached?.header.lastRequest ? Date.parse(cached.header.lastRequest) : -Infinity;
  let changed = !cached;
  const problems: LogProblem[] = [];
  let lateRequests = 0;
  let orphanLabels = 0;
  const replayEnd = cached?.header.applied ?? {};
  const grace = graceMs(spec);
  /**
   * Per open or pending window (by key), where its earliest line — prediction or feedback — is in each file: the byte
   * offset and the line number before it. The cache's offsets start there, so a later read rebuilds the window whole
   * (released when the window closes).
   */
  const holds = new Map<number, Map<string, { offset: number; line: number }>>();
  const hold = (key: number, at: LinePosition): void => {
    let m = holds.get(key);
    if (!m) { m = new Map(); holds.set(key, m); }
    const h = m.get(at.file);
    if (!h || at.offset < h.offset) { m.set(at.file, { offset: at.offset, line: at.line - 1 }); }
  };

  const closeWindow = (key: number, w: OpenWindow): void => {
    open.delete(key);
    holds.delete(key);
    const { summary, outputs } = w.finish(true, nowMs);
    w.release();
    if (!ctx.referenceOutputs && outputs) { ctx.referenceOutputs = outputs; newReferenceOutputs = outputs; outputsReference = summary.start; }
    closed.push(summary);
    closedAt.set(key, closed.length - 1);
    changed = true;
  };
  /** The earliest end of an open time window (checked per line, so closing costs nothing until one is due). */
  let earliestEnd = Infinity;
  const closeTimeWindowsBefore = (tMs: number): void => {
    if (tMs < earliestEnd + grace) { return; }
    earliestEnd = Infinity;
    for (const key of [...open.keys()].sort((a, b) => a - b)) {
      const w = open.get(key)!;
      if (w.bounds && w.bounds.endMs + grace <= tMs) { closeWindow(key, w); } else if (w.bounds) { earliestEnd = Math.min(earliestEnd, w.bounds.endMs); }
    }
  };
  let countOpen: { key: number; w: OpenWindow } | undefined;
  const openWindow = (key: number, bounds: OpenWindow['bounds']): OpenWindow => {
    const w = new OpenWindow(key, bounds, ctx);
    open.set(key, w);
    if (bounds) { earliestEnd = Math.min(earliestEnd, bounds.endMs); } else { countOpen = { key, w }; }
    const p = pending.get(key);
    if (p) { w.mergePerformance(p); pending.delete(key); }
    return w;
  };
  let nextOrdinal = closed.length;
  /** Count windows: the window a prediction time falls in (the last one that started by then). */
  const countKeyAt = (tMs: number): number | undefined => {
    for (const [key, w] of open) { if (tMs >= w.firstMs) { return key; } }
    let lo = 0, hi = closed.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (Date.parse(closed[mid].start) <= tMs) { lo = mid + 1; } else { hi = mid; } }
    return lo === 0 ? undefined : lo - 1;
  };

  const onLine = (line: LogLine, at: LinePosition): void => {
    const replay = at.offset < (replayEnd[at.file] ?? 0);
    if (line.kind === 'prediction') {
      const t = Date.parse(line.time);
      if (t > lastRequestMs) { lastRequestMs = t; }
      let key: number;
      let w: OpenWindow | undefined;
      if (spec.kind === 'time') {
        key = Math.floor(t / spec.ms);
        if (closedAt.has(key)) { if (!replay) { lateRequests++; } return; }
        w = open.get(key) ?? openWindow(key, { startMs: key * spec.ms, endMs: (key + 1) * spec.ms });
      } else {
        if (countOpen) { ({ key, w } = countOpen); } else { key = nextOrdinal++; w = openWindow(key, undefined); }
      }
      hold(key, at);
      w.addPrediction(line, t);
      if (spec.kind === 'time') { closeTimeWindowsBefore(t); } else if (w.requests >= spec.requests) { countOpen = undefined; closeWindow(key, w); }
      return;
    }
    const pt = Date.parse(line.predictionTime);
    const key = spec.kind === 'time' ? Math.floor(pt / spec.ms) : countKeyAt(pt);
    if (key === undefined) { if (!replay) { orphanLabels++; } return; }
    if (closedAt.has(key)) {
      if (replay && cachedKeys.has(key)) { return; }
      let s = late.get(key);
      if (!s) { s = emptyPerformance(); late.set(key, s); }
      addLabels(s, line.labels, line.outputs, line.id);
      return;
    }
    hold(key, at);
    const w = open.get(key);
    if (w) { w.addFeedback(line); return; }
    let s = pending.get(key);
    if (!s) { s = emptyPerformance(); pending.set(key, s); }
    addLabels(s, line.labels, line.outputs, line.id);
  };

  const read = hasDir
    ? await readLogLines(dir, {
      from: cached?.header.offsets, linesBefore: cached?.header.lines, onLine, guard: store.guard,
      displayPath: (f) => store.rel(path.join(dir, f)), now, signal: opts.signal,
    })
    : { files: [], problems: [] };
  problems.push(...read.problems);
  if (spec.kind === 'time') { closeTimeWindowsBefore(nowMs); }
  for (const [key, s] of late) {
    const i = closedAt.get(key)!;
    closed[i] = withLabels(closed[i], s);
    changed = true;
  }
  // Counts of lines read before (not read again) carry over from the cache's problems.
  const LATE = / request\(s\) logged after their window had closed /;
  const ORPHAN = / label\(s\) for predictions before the first window are not counted$/;
  const countIn = (re: RegExp): number => {
    const p = cached?.header.problems.find((x) => x.file === store.rel(dir) && x.line === 0 && re.test(x.reason));
    return p ? Number.parseInt(p.reason, 10) || 0 : 0;
  };
  lateRequests += countIn(LATE);
  orphanLabels += countIn(ORPHAN);
  if (lateRequests > 0) { problems.push({ file: store.rel(dir), line: 0, reason: `${lateRequests} request(s) logged after their window had closed (more than ${Math.round(grace / 1000)} s late) are not counted` }); }
  if (orphanLabels > 0) { problems.push({ file: store.rel(dir), line: 0, reason: `${orphanLabels} label(s) for predictions before the first window are not counted` }); }
  for (const p of drift.problems) { problems.push({ file: store.rel(store.goalsFile()), line: 0, reason: p }); }

  // Open windows, oldest first; the first one's outputs stand in as the reference while no window has closed.
  const order = [...open.keys()].sort((a, b) => a - b);
  const openSummaries: WindowSummary[] = [];
  const provisional = !ctx.referenceOutputs;
  for (const key of order) {
    const { summary, outputs } = open.get(key)!.finish(false, nowMs);
    if (!ctx.referenceOutputs && outputs) { ctx.referenceOutputs = outputs; }
    openSummaries.push(summary);
  }
  if (provisional) { ctx.referenceOutputs = undefined; }
  closed.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  // One class set and positive class for the whole report (the cache keeps the closed windows' as of this report).
  const windows = withReportClasses([...closed, ...openSummaries]);
  closed.splice(0, closed.length, ...windows.slice(0, closed.length));

  // The cache: closed windows, and where the open ones begin.
  // Problems: this read's, plus the cache's for log lines before where this read started (not read again). A line
  // read again (a torn line since completed) is reported by this read or not at all.
  const notReread: LogProblem[] = [];
  if (cached) {
    const readFrom = new Map(read.files.map((f) => [store.rel(path.join(dir, f.file)), cached.header.lines?.[f.file] ?? 0]));
    for (const p of cached.header.problems) {
      const before = readFrom.get(p.file);
      if (before !== undefined && p.line > 0 && p.line <= before) { notReread.push(p); }
    }
  }
  const allProblems = dedupeProblems(notReread, problems);
  if (mayWrite && hasDir && changed) {
    const offsets: Record<string, number> = {};
    const applied: Record<string, number> = {};
    const lines: Record<string, number> = {};
    for (const f of read.files) {
      offsets[f.file] = f.end;
      lines[f.file] = f.lines;
      applied[f.file] = f.end;
      // Every line of an open or pending window is read again next time (labels as well as predictions).
      for (const [key, m] of holds) {
        // Labels pending for a time window that is over and never had a request are not kept re-reading the log.
        if (!open.has(key) && spec.kind === 'time' && (key + 1) * spec.ms + grace <= nowMs) { continue; }
        const h = m.get(f.file);
        if (h !== undefined && h.offset < offsets[f.file]) { offsets[f.file] = h.offset; lines[f.file] = h.line; }
      }
    }
    const header: WindowsHeader = {
      kind: 'header', formatVersion: MONITOR_FORMAT_VERSION, model, window: spec.text, reference: reference.ref, offsets,
      problems: allProblems, updatedAt: now.toISOString(), applied, lines, settings: settingsKey,
      ...(outputsReference ? { outputsReference } : {}),
      ...(Number.isFinite(lastRequestMs) ? { lastRequest: new Date(lastRequestMs).toISOString() } : {}),
    };
    try {
      if (newReferenceOutputs) {
        const refFile = path.join(dir, REFERENCE_OUTPUTS_FILE);
        await store.guard.checkWrite(refFile);
        await writeFileAtomic(refFile, JSON.stringify(newReferenceOutputs) + '\n');
      }
      const file = path.join(dir, WINDOWS_FILE);
      await store.guard.checkWrite(file);
      await writeFileAtomic(file, [header, ...closed].map((x) => JSON.stringify(x)).join('\n') + '\n');
    } catch (e) {
      // A read-only or linked-out folder: the report is still right, only not cached.
      if (!(e instanceof MlopsError) && !isErrno(e, 'EACCES') && !isErrno(e, 'EROFS') && !isErrno(e, 'EPERM')) { throw e; }
      allProblems.push({ file: store.rel(path.join(dir, WINDOWS_FILE)), line: 0, reason: `not cached: ${(e as Error).message}` });
    }
  }

  const versions = [...new Set(windows.flatMap((w) => w.versions))].sort((a, b) => b - a);
  return {
    model,
    window: spec,
    windows,
    alerts: evaluateAlerts(windows, settings.alerts, model),
    reference: reference.ref,
    ...(reference.note ? { referenceNote: reference.note } : {}),
    thresholds: thresholdsOf(goals),
    versions,
    ...(Number.isFinite(lastRequestMs) ? { lastRequest: new Date(lastRequestMs).toISOString() } : {}),
    ...(dataAgeHoursNow !== null ? { dataAgeHoursNow } : {}),
    problems: allProblems.slice(0, MAX_PROBLEMS),
  };
}

const GOAL_QUANTITIES: readonly MonitorQuantity[] = ['accuracy', 'precision', 'recall', 'f1', 'mae', 'rmse'];

/** Lines for the chart: constraints, metric goals named like a quantity, data freshness and alert rules. */
export function thresholdsOf(goals: Goals): MonitorReport['thresholds'] {
  const out: MonitorReport['thresholds'] = [];
  if (goals.constraints.maxLatencyMsP95 !== undefined) { out.push({ quantity: 'latencyMsP95', value: goals.constraints.maxLatencyMsP95, source: 'constraints.maxLatencyMsP95' }); }
  for (const g of goals.metrics) {
    const q = GOAL_QUANTITIES.find((x) => x === g.name.toLowerCase());
    if (q && g.threshold !== undefined) { out.push({ quantity: q, value: g.threshold, source: `goal ${g.name} (${g.goal})` }); }
  }
  if (goals.monitoring.maxDataAgeHours !== undefined) { out.push({ quantity: 'dataAgeHours', value: goals.monitoring.maxDataAgeHours, source: 'monitoring.maxDataAge' }); }
  for (const r of goals.monitoring.alerts) { out.push({ quantity: r.quantity, value: r.threshold, source: r.name ? `alert ${r.name}` : `alert #${r.index + 1}` }); }
  return out;
}

/**
 * The report as `windows.jsonl` last recorded it: closed windows only, alerts evaluated over them, no log or profile
 * read — O(windows), for a view to show at once while `monitorReport` brings it up to date. Undefined when there is
 * no cache for the goals' window.
 */
export async function cachedMonitorReport(store: Store, model: string, opts: { goals?: Goals } = {}): Promise<MonitorReport | undefined> {
  const dir = monitorDir(store, model);
  const goals = opts.goals ?? (await store.goals.read().then((g) => g.doc.goals).catch(() => undefined)) ?? emptyGoals();
  const spec = parseWindow(goals.monitoring.window);
  if (!spec) { return undefined; }
  const parsed = await readWindowsFile(store, dir, model, spec.text);
  if (!parsed) { return undefined; }
  const { header, windows } = parsed;
  windows.splice(0, windows.length, ...withReportClasses(windows));
  return {
    model, window: spec, windows, alerts: evaluateAlerts(windows, goals.monitoring.alerts, model), reference: header.reference,
    thresholds: thresholdsOf(goals), versions: [...new Set(windows.flatMap((w) => w.versions))].sort((a, b) => b - a),
    ...(header.lastRequest ? { lastRequest: header.lastRequest } : {}), problems: header.problems.slice(0, MAX_PROBLEMS), fromCache: true,
  };
}
