/**
 * The prediction log reader: `.mlops/monitoring/<model>/<yyyy-mm-dd>.jsonl`, read as a stream of lines in date order
 * from byte offsets, so a summary already made never reads its bytes again and a log of any size is read in bounded
 * memory (one chunk at a time; one JavaScript string stops at ~512 MB).
 *
 * Damage is reported, never fatal (like metrics.jsonl): a line that is not JSON or not a prediction/feedback line is
 * skipped and reported with its file and line. A last line without its newline is a write in progress (or a crash):
 * it is not consumed (the offset returned stops before it, so the next read sees it whole) and is reported only when
 * it stays torn — in a file that is no longer the newest, or unchanged for longer than `tornAfterMs`. A torn fragment
 * glued to the next writer's whole line is recovered: the longest valid line at its end is read, the fragment reported.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { StoreGuard } from '../store/guard';
import type { FeedbackLine, LogLine, LogProblem, PredictionLine } from './types';

/** `<yyyy-mm-dd>.jsonl`: a day of the log (UTC). */
export const LOG_FILE = /^\d{4}-\d{2}-\d{2}\.jsonl$/;
/** Problems kept per read (the rest are counted in the last one). */
export const MAX_PROBLEMS = 50;
const CHUNK_BYTES = 4 << 20;

/** The log file of a UTC day. */
export const logFileOf = (time: Date): string => `${time.toISOString().slice(0, 10)}.jsonl`;

/** Where a line is: its file (name), the byte offset of its first byte and the offset just after its newline. */
export interface LinePosition {
  file: string;
  offset: number;
  end: number;
  line: number;
}

export interface ReadLogOptions {
  /** Per file name, the byte offset to start at (a line boundary from an earlier read); 0 when absent. */
  from?: Record<string, number>;
  /** Per file name, the line number of the line at `from` minus one (for problem messages); counted from `from` otherwise. */
  linesBefore?: Record<string, number>;
  /** Called for every valid line, in file order. */
  onLine: (line: LogLine, at: LinePosition) => void;
  /** Lists the folder through the store's guard: links that lead out of the store are reported, not followed. */
  guard?: StoreGuard;
  /** Shown as the file in problems (default: the file name). */
  displayPath?: (file: string) => string;
  /** A last line without newline older than this (by the file's mtime) is reported as torn (default 10 s). */
  tornAfterMs?: number;
  now?: Date;
  signal?: AbortSignal;
  /** Read only these files (names), in the order given; default every day file, oldest first. */
  only?: readonly string[];
  /** Return false to stop reading (after the current chunk's lines). */
  more?: () => boolean;
}

export interface LogFileRead {
  file: string;
  size: number;
  /** Offset after the last whole line (where the next read starts). */
  end: number;
  /** Lines passed up to `end`. */
  lines: number;
}

export interface ReadLogResult {
  files: LogFileRead[];
  problems: LogProblem[];
}

/** The day files of a log folder, oldest first, with problems for what cannot be read. */
export async function listLogFiles(dir: string, guard?: StoreGuard): Promise<{ files: string[]; problems: LogProblem[] }> {
  if (guard) {
    const listed = await guard.list(dir);
    return {
      files: listed.entries.filter((d) => LOG_FILE.test(d.name) && (d.isFile() || d.isSymbolicLink())).map((d) => d.name).sort(),
      problems: listed.problems.map((p) => ({ file: p.file, line: 0, reason: p.reason })),
    };
  }
  let names: string[];
  try { names = await fsp.readdir(dir); } catch { names = []; }
  return { files: names.filter((n) => LOG_FILE.test(n)).sort(), problems: [] };
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isTime = (x: unknown): x is string => typeof x === 'string' && x.length >= 20 && !Number.isNaN(Date.parse(x));
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** Why a parsed value is not a log line, or undefined when it is one (checked by hand: this runs per line). */
export function logLineProblem(v: unknown): string | undefined {
  if (!isRecord(v)) { return 'not a JSON object'; }
  if (v.kind === 'prediction') {
    if (typeof v.id !== 'string' || v.id.length === 0) { return 'a prediction without an id'; }
    if (!isTime(v.time)) { return 'a prediction without a valid time'; }
    if (!isCount(v.version)) { return 'a prediction without a model version'; }
    if (!isCount(v.status)) { return 'a prediction without an HTTP status'; }
    if (typeof v.latencyMs !== 'number' || !(v.latencyMs >= 0)) { return 'a prediction without a latency'; }
    if (!isCount(v.rows)) { return 'a prediction without a row count'; }
    if (v.inputs !== undefined && (!Array.isArray(v.inputs) || !v.inputs.every(isRecord))) { return 'inputs is not a list of records'; }
    if (v.outputs !== undefined && !Array.isArray(v.outputs)) { return 'outputs is not a list'; }
    return undefined;
  }
  if (v.kind === 'feedback') {
    if (typeof v.id !== 'string' || v.id.length === 0) { return 'feedback without an id'; }
    if (!isTime(v.time)) { return 'feedback without a valid time'; }
    if (!isTime(v.predictionTime)) { return 'feedback without a valid predictionTime'; }
    if (!Array.isArray(v.labels)) { return 'feedback without labels'; }
    if (!Array.isArray(v.outputs)) { return 'feedback without the prediction\'s outputs'; }
    return undefined;
  }
  return `not a prediction or feedback line (kind ${JSON.stringify(v.kind) ?? 'missing'})`;
}

type Parsed = { ok: true; line: LogLine } | { ok: false; reason: string };

function parseLine(text: string): Parsed {
  let v: unknown;
  try { v = JSON.parse(text); } catch (e) { return { ok: false, reason: `not valid JSON (${(e as Error).message})` }; }
  const problem = logLineProblem(v);
  return problem ? { ok: false, reason: problem } : { ok: true, line: v as PredictionLine | FeedbackLine };
}

/**
 * Reads the log files of `dir` in date order from `opts.from`, calling `onLine` for each valid line. Returns where
 * each file's whole lines end (pass them as `from` next time) and the problems found.
 */
export async function readLogLines(dir: string, opts: ReadLogOptions): Promise<ReadLogResult> {
  const problems: LogProblem[] = [];
  let dropped = 0;
  const report = (p: LogProblem): void => { if (problems.length < MAX_PROBLEMS) { problems.push(p); } else { dropped++; } };
  const listed = await listLogFiles(dir, opts.guard);
  if (opts.only) { const have = new Set(listed.files); listed.files = opts.only.filter((f) => have.has(f)); }
  for (const p of listed.problems) { report(p); }
  const show = opts.displayPath ?? ((f: string) => f);
  const tornAfter = opts.tornAfterMs ?? 10_000;
  const now = (opts.now ?? new Date()).getTime();
  const files: LogFileRead[] = [];
  let buf = Buffer.allocUnsafe(CHUNK_BYTES);
  for (let fi = 0; fi < listed.files.length && (opts.more?.() ?? true); fi++) {
    const name = listed.files[fi];
    const abs = path.join(dir, name);
    let fh: fsp.FileHandle;
    try { fh = await fsp.open(abs, 'r'); } catch (e) { report({ file: show(name), line: 0, reason: `cannot be read: ${(e as Error).message}` }); continue; }
    try {
      const st = await fh.stat();
      if (!st.isFile()) { report({ file: show(name), line: 0, reason: 'not a file; skipped' }); continue; }
      const start = Math.min(opts.from?.[name] ?? 0, st.size);
      let lineNo = opts.linesBefore?.[name] ?? 0;
      let end = start;
      // `buf[0, have)` holds the start of a line the previous read cut; the next read goes after it.
      let have = 0;
      for (let pos = start; pos < st.size && (opts.more?.() ?? true);) {
        if (opts.signal?.aborted) { throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('cancelled'); }
        if (have === buf.length) { const bigger = Buffer.allocUnsafe(buf.length * 2); buf.copy(bigger, 0, 0, have); buf = bigger; }
        const { bytesRead } = await fh.read(buf, have, Math.min(buf.length - have, st.size - pos), pos);
        if (bytesRead === 0) { break; }
        pos += bytesRead;
        const len = have + bytesRead;
        let s = 0;
        for (let nl = buf.indexOf(0x0a, s); nl >= 0 && nl < len; nl = buf.indexOf(0x0a, s)) {
          lineNo++;
          const at: LinePosition = { file: name, offset: end, end: end + nl - s + 1, line: lineNo };
          if (nl > s) { handleLine(buf.toString('utf8', s, nl), at); }
          end = at.end;
          s = nl + 1;
        }
        have = len - s;
        if (have > 0 && s > 0) { buf.copy(buf, 0, s, len); }
      }
      const carry = have > 0;
      if (carry) {
        const last = fi === listed.files.length - 1;
        if (!last || now - st.mtimeMs > tornAfter) {
          report({ file: show(name), line: lineNo + 1, reason: 'the last line is incomplete (a writer was interrupted); it is skipped until it is completed' });
        }
      }
      files.push({ file: name, size: st.size, end, lines: lineNo });
    } finally {
      await fh.close();
    }
  }
  if (dropped > 0) { problems[problems.length - 1] = { ...problems[problems.length - 1], reason: `${problems[problems.length - 1].reason} (and ${dropped} more problems not listed)` }; }
  return { files, problems };

  function handleLine(raw: string, at: LinePosition): void {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') { return; }
    const p = parseLine(text);
    if (p.ok) { opts.onLine(p.line, at); return; }
    // A writer killed mid-line leaves a fragment; the next writer's line is then glued to it.
    // Tried from the end: the innermost `{"` (an input record) fails the shape check and the search goes on.
    let tries = 0;
    for (let i = text.lastIndexOf('{"'); i > 0 && tries < 200; i = text.lastIndexOf('{"', i - 1), tries++) {
      const r = parseLine(text.slice(i));
      if (r.ok) {
        report({ file: show(at.file), line: at.line, reason: 'a torn fragment from an interrupted writer precedes a line here; the line was recovered, the fragment skipped' });
        opts.onLine(r.line, at);
        return;
      }
    }
    report({ file: show(at.file), line: at.line, reason: `${p.reason}; skipped` });
  }
}
