/**
 * Reading and editing `.mlops/goals.json`. Edits go through jsonc-parser's `modify`, which changes only the entry
 * being added or replaced and keeps the rest of the file byte for byte (the user's formatting, key order and fields
 * this version does not know). A file that is not valid JSON is never edited: the edit is refused with the error.
 */
import * as path from 'node:path';
import { applyEdits, format, modify, type FormattingOptions } from 'jsonc-parser';
import { MlopsError } from '../errors';
import type { EntityFiles } from '../store/entities';
import { writeFileAtomic } from '../store/fsutil';
import { withFileLock } from '../store/lock';
import { FORMAT_VERSION } from '../store/schemas';
import { GOALS_FILE, lineColumn, parseGoals, type GoalsDocument } from './document';
import type { Kpi, MetricGoal } from './schema';

export interface GoalsRead {
  file: string;
  /** False when there is no goals.json (then `doc` holds empty goals and no problems). */
  exists: boolean;
  text: string;
  doc: GoalsDocument;
}


export class GoalsFileStore {
  constructor(private readonly files: EntityFiles, private readonly dir: string) {}

  get file(): string { return path.join(this.dir, GOALS_FILE); }

  /** The goals file with its problems; a file that cannot be read at all (a link out of the store) is an error. */
  async read(): Promise<GoalsRead> {
    const t = await this.files.readText(this.file);
    if (!t.ok) {
      if (t.missing) { return { file: this.file, exists: false, text: '', doc: parseGoals(`{"formatVersion": ${FORMAT_VERSION}}`) }; }
      throw new MlopsError(`${this.files.rel(this.file)}: ${t.reason}`, 'io');
    }
    return { file: this.file, exists: true, text: t.text, doc: parseGoals(t.text) };
  }

  /** Adds a metric goal, replacing the goal of the same metric name if there is one. */
  setMetricGoal(goal: MetricGoal): Promise<GoalsRead> {
    return this.edit((text) => upsert(text, 'metrics', goal.name, clean(goal)));
  }

  /** Adds a KPI, replacing the KPI of the same name if there is one. */
  setKpi(kpi: Kpi): Promise<GoalsRead> {
    return this.edit((text) => upsert(text, 'kpis', kpi.name, clean(kpi)));
  }

  /** Writes a starter file when there is none (nothing happens when one exists). */
  async ensure(): Promise<GoalsRead> {
    const current = await this.read();
    if (current.exists) { return current; }
    return this.edit((text) => text);
  }

  private async edit(change: (text: string) => string): Promise<GoalsRead> {
    const file = this.file;
    await this.files.guard.checkWrite(file);
    return withFileLock(file, async () => {
      const cur = await this.read();
      const text = cur.exists ? cur.text : `{\n  "formatVersion": ${FORMAT_VERSION}\n}\n`;
      if (cur.exists && !cur.doc.goals) {
        const p = cur.doc.problems[0];
        const at = p ? lineColumn(cur.text, p.offset) : { line: 1, column: 1 };
        throw new MlopsError(`${this.files.rel(file)}:${at.line}:${at.column}: ${p?.message ?? 'cannot be read'}; fix it first (the file was not changed)`, 'corrupt');
      }
      const next = change(text);
      const doc = parseGoals(next);
      if (!doc.goals) { throw new MlopsError(`the edit would make ${this.files.rel(file)} unreadable (${doc.problems[0]?.message ?? 'unknown error'}); nothing was written`, 'io'); }
      await this.files.guard.checkWrite(file);
      await writeFileAtomic(file, next.endsWith('\n') ? next : `${next}\n`);
      return { file, exists: true, text: next, doc };
    });
  }
}

/** Drops undefined fields so the JSON written holds only what was given. */
function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Replaces the entry of `key` named `name`, or appends one; refuses when `key` is there but not a list. */
function upsert(text: string, key: 'metrics' | 'kpis', name: string, value: object): string {
  const raw = JSON.parse(text) as Record<string, unknown>;
  const list = Object.hasOwn(raw, key) ? raw[key] : [];
  if (!Array.isArray(list)) { throw new MlopsError(`'${key}' in goals.json is not a list; fix it first (the file was not changed)`, 'corrupt'); }
  const at = list.findIndex((e) => e !== null && typeof e === 'object' && (e as Record<string, unknown>).name === name);
  // The edit is made compact and then only its own text is formatted, in the file's indentation: formatting through
  // `modify` would re-indent the neighbouring entries too.
  const edits = modify(text, [key, at >= 0 ? at : -1], value, {});
  const next = applyEdits(text, edits);
  const [edit] = edits;
  if (!edit) { return next; }
  return applyEdits(next, format(next, { offset: edit.offset, length: edit.content.length }, formattingOf(text)));
}

/** The file's own indentation (tabs, or the smallest indent in spaces) and line ends. */
function formattingOf(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  if (/^\t/m.test(text)) { return { insertSpaces: false, tabSize: 4, eol }; }
  let unit = 0;
  for (const m of text.matchAll(/^( +)\S/gm)) { if (!unit || m[1].length < unit) { unit = m[1].length; } }
  return { insertSpaces: true, tabSize: unit || 2, eol };
}
