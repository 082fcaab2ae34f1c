// `mlops trash …`: runs moved away by `mlops runs delete`, and deleting them for good.
import { idTime } from '../core';
import { UsageError, str, type Command } from './context';
import { localTime, plural, printJson, reportProblems, table } from './output';

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000 };

/** `30d`, `12h`, `90m` before `now`, as a date; anything else, or a date before 1970, is a usage error. */
export function parseAge(text: string, now: number): Date {
  const m = /^(\d+)([dhm])$/.exec(text);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]] : NaN;
  if (!m || !Number.isSafeInteger(ms)) { throw new UsageError(`bad --older-than '${text}': expected a number and a unit, e.g. 30d, 12h or 90m`); }
  if (ms > now) { throw new UsageError(`bad --older-than '${text}': that is before 1970`); }
  return new Date(now - ms);
}

export const TRASH_COMMANDS: Record<string, Command> = {
  'trash list': {
    options: {}, positionals: 0,
    async run({ io, json, store: open }) {
      const store = await open();
      const { items, problems } = await store.listTrash();
      if (json) { printJson(io, items); } else if (items.length === 0) { io.stdout('The trash is empty.\n'); } else {
        io.stdout(table([['ID', 'EXPERIMENT', 'NAME', 'STATUS', 'STARTED'], ...items.map((r) => [r.id, r.experiment, r.name, r.status, localTime(r.startTime)])]));
        io.stdout(`${plural(items.length, 'run')} in the trash; restore with 'mlops runs restore ID', delete for good with 'mlops trash empty'\n`);
      }
      return reportProblems(io, problems);
    },
  },

  'trash empty': {
    options: { 'older-than': { type: 'string' } }, positionals: 0,
    async run({ io, values, json, store: open }) {
      const olderText = str(values, 'older-than');
      const olderThan = olderText !== undefined ? parseAge(olderText, Date.now()) : undefined;
      const store = await open();
      const names = new Map((await store.listTrash()).items.map((r) => [r.id, r]));
      const deleted = await store.runs.emptyTrash(olderThan);
      if (json) { printJson(io, { deleted }); } else if (deleted.length === 0) {
        io.stdout(olderThan ? `Nothing in the trash is older than ${olderText}.\n` : 'The trash is empty.\n');
      } else {
        for (const id of deleted) {
          const r = names.get(id);
          io.stdout(`Deleted run ${id}${r ? ` (${r.name}, experiment '${r.experiment}')` : ` (unreadable, created ${localTime(new Date(idTime(id)).toISOString())})`}\n`);
        }
        io.stdout(`Deleted ${plural(deleted.length, 'run')} from the trash for good.\n`);
      }
      return 0;
    },
  },
};
