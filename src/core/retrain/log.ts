/**
 * `.mlops/retraining/log.jsonl`: every evaluation of a retraining trigger and every decision about it, one JSON line
 * each (RetrainLogLine), appended and never rewritten, committed with the store so the team sees why a model was or
 * was not retrained. Appends are one `write()` on an `O_APPEND` handle per call (a batch of lines lands together);
 * a torn last line left by a crash is skipped and reported by readers, and the next append starts on a new line.
 */
import { constants as fsc, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { NOFOLLOW, isErrno } from '../store/fsutil';
import type { Store } from '../store/store';
import { AUTOMATION_LEVELS, TRIGGER_KINDS } from './schema';
import type { RetrainDecision, RetrainLogLine } from './types';

export const RETRAIN_LOG_FORMAT_VERSION = 1;

/** `.mlops/retraining/log.jsonl`. */
export function retrainLogFile(store: Store): string {
  return path.join(store.dir, 'retraining', 'log.jsonl');
}

const DECISIONS = ['quiet', 'notified', 'asked', 'started', 'finished', 'failed', 'killed'] as const;

/** What a reader needs of a line; fields a later version adds are kept. */
const LogLineSchema = z.looseObject({
  formatVersion: z.literal(RETRAIN_LOG_FORMAT_VERSION),
  time: z.iso.datetime({ offset: true }),
  model: z.string(),
  trigger: z.string(),
  kind: z.enum(TRIGGER_KINDS),
  fired: z.boolean(),
  summary: z.string(),
  description: z.string().optional(),
  facts: z.record(z.string(), z.unknown()),
  level: z.enum(AUTOMATION_LEVELS),
  applied: z.enum(AUTOMATION_LEVELS),
  decision: z.enum(DECISIONS),
  withheld: z.string().optional(),
  pipeline: z.string().optional(),
  pipelineRunId: z.string().optional(),
  handledBy: z.string().optional(),
  models: z.array(z.looseObject({ model: z.string(), version: z.number(), stage: z.string() })).optional(),
  source: z.enum(['cli', 'extension']),
});

/** Appends lines in one write (creating `.mlops/retraining/`); never through a link that leads out of the store. */
export async function appendRetrainLog(store: Store, lines: readonly RetrainLogLine[]): Promise<void> {
  if (lines.length === 0) { return; }
  const file = retrainLogFile(store);
  await store.guard.ensureDir(path.dirname(file));
  await store.guard.checkWrite(file);
  const fh = await fsp.open(file, fsc.O_RDWR | fsc.O_APPEND | fsc.O_CREAT | NOFOLLOW, 0o644);
  try {
    // A torn last line (a crash mid-write) must not swallow the first line written now.
    const { size } = await fh.stat();
    let lead = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) { lead = '\n'; }
    }
    const buf = Buffer.from(lead + lines.map((l) => JSON.stringify(l)).join('\n') + '\n', 'utf8');
    let offset = 0;
    while (offset < buf.length) {
      const { bytesWritten } = await fh.write(buf, offset, buf.length - offset);
      offset += bytesWritten;
    }
  } finally {
    await fh.close();
  }
}

/**
 * The log's lines, oldest first (`limit`: the newest N; `model`: that model's only), and a problem per line that
 * could not be read (`.mlops/retraining/log.jsonl:7: not a retraining log line`). `crashes`: those of them that are lines cut off by a
 * write that was stopped (not JSON: the last line, or one followed by later appends, which start on a new line) —
 * a recorded crash, skipped and said, not a broken log.
 */
export async function readRetrainLog(store: Store, opts: { model?: string; limit?: number } = {}): Promise<{ lines: RetrainLogLine[]; problems: string[]; crashes?: string[] }> {
  const file = retrainLogFile(store);
  const rel = store.rel(file);
  let text: string;
  try {
    const real = await fsp.realpath(file);
    if (!(await store.guard.isInside(real))) { return { lines: [], problems: [`${rel}: a symbolic link out of the store; not read`] }; }
    text = await fsp.readFile(real, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) { return { lines: [], problems: [] }; }
    return { lines: [], problems: [`${rel}: ${(e as Error).message}`] };
  }
  const raw = text.split('\n');
  const complete = text.endsWith('\n');
  const lines: RetrainLogLine[] = [];
  const problems: string[] = [];
  const crashes: string[] = [];
  raw.forEach((l, i) => {
    if (l.trim() === '') { return; }
    const torn = i === raw.length - 1 && !complete;
    let value: unknown;
    try { value = JSON.parse(l); } catch {
      problems.push(`${rel}:${i + 1}: ${torn ? 'an unfinished last line (a write that was cut off); skipped' : 'not JSON (a write cut off by a crash; later lines were appended after it); skipped'}`);
      crashes.push(problems[problems.length - 1]);  // torn last line or not: a write cut off, history to say, not an error
      return;
    }
    const v = value as { formatVersion?: unknown };
    if (typeof v === 'object' && v !== null && typeof v.formatVersion === 'number' && v.formatVersion > RETRAIN_LOG_FORMAT_VERSION) {
      problems.push(`${rel}:${i + 1}: written by a newer MLOps Workbench (formatVersion ${v.formatVersion}); skipped`);
      return;
    }
    const parsed = LogLineSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      problems.push(`${rel}:${i + 1}: not a retraining log line (${issue.path.join('.') || 'line'}: ${issue.message}); skipped`);
      return;
    }
    if (opts.model === undefined || parsed.data.model === opts.model) { lines.push(parsed.data as RetrainLogLine); }
  });
  const limit = opts.limit;
  return { lines: limit !== undefined && limit >= 0 ? lines.slice(Math.max(0, lines.length - limit)) : lines, problems, crashes };
}

/** What the decision word of a line is when nothing ran: quiet, or who was told. */
function decisionWord(d: RetrainDecision): RetrainLogLine['decision'] {
  if (!d.evaluation.fired) { return 'quiet'; }
  return d.applied === 'notify' ? 'notified' : d.applied === 'ask' ? 'asked' : 'started';
}

/**
 * A log line for a decision, built the same way by the CLI and the editor. `decision` defaults to quiet (not fired),
 * notified, asked, or started (an applied `auto`; give `pipelineRunId`).
 */
export function logLineOf(decision: RetrainDecision, extra: {
  source: RetrainLogLine['source'];
  time?: string;
  decision?: RetrainLogLine['decision'];
  pipelineRunId?: string;
  handledBy?: string;
  models?: RetrainLogLine['models'];
  /** Overrides of the decision's applied level and reason (an automatic run that could not start asks instead). */
  applied?: RetrainLogLine['applied'];
  withheld?: string;
}): RetrainLogLine {
  const e = decision.evaluation;
  return {
    formatVersion: RETRAIN_LOG_FORMAT_VERSION,
    time: extra.time ?? new Date().toISOString(),
    model: e.model,
    trigger: e.trigger.name,
    kind: e.trigger.kind,
    fired: e.fired,
    summary: e.summary,
    ...(e.trigger.description ? { description: e.trigger.description } : {}),
    facts: e.facts,
    level: decision.requested,
    applied: extra.applied ?? decision.applied,
    decision: extra.decision ?? decisionWord(decision),
    ...(extra.withheld ?? decision.withheld ? { withheld: extra.withheld ?? decision.withheld } : {}),
    ...(decision.pipeline ? { pipeline: decision.pipeline } : {}),
    ...(extra.pipelineRunId ? { pipelineRunId: extra.pipelineRunId } : {}),
    ...(extra.handledBy ? { handledBy: extra.handledBy } : {}),
    ...(e.fired && e.since ? { since: e.since } : {}),
    ...(extra.models ? { models: extra.models } : {}),
    source: extra.source,
  };
}

/**
 * Whether the log already holds a notify/ask decision for this firing episode — written by another window, the CLI
 * (`mlops retrain check`) or a teammate whose log came with a pull. The newest line of the model's trigger decides:
 * it must be a fired line with the same decision for the same episode (its `since`, the episode's start, written by
 * logLineOf). A `quiet` line after it, or a line of an earlier episode, means this firing is new. Lets the editor tell
 * its person without appending the same decision again (which every window, and every teammate, would otherwise
 * commit once more). Lines written before `since` was recorded never match, so they are logged as before.
 */
export function episodeLogged(lines: readonly RetrainLogLine[], e: { model: string; trigger: { name: string }; since?: string }, decision: 'notified' | 'asked'): boolean {
  let newest: RetrainLogLine | undefined;
  for (const l of lines) {
    if (l.model === e.model && l.trigger === e.trigger.name && (!newest || l.time >= newest.time)) { newest = l; }
  }
  return !!newest && newest.fired && newest.decision === decision && e.since !== undefined && newest.since === e.since;
}
