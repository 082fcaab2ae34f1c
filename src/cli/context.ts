// What every `mlops` command module shares: the command shape, the parsed-argument helpers and usage errors.
import type { ParseArgsConfig } from 'node:util';
import { MlopsError, RUN_STATUSES, type RunStatus, type Store } from '../core';

export interface CliIo {
  cwd: string;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** The environment (MLOPS_ROOT, MLOPS_RUN_ID); none when not given. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** What commands write to: text (escaped for the terminal) and raw output (exact JSON). */
export interface Out extends CliIo {
  /** Writes as is: for JSON and other machine-readable output only. */
  raw: (s: string) => void;
}

/** Bad usage: exit code 2 and a pointer to the command's --help. */
export class UsageError extends MlopsError {}

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  options: Options;
  /** Exact number of positional arguments, or the least and most. */
  positionals: number | readonly [number, number];
  run: (ctx: Ctx) => Promise<number>;
}

export interface Ctx {
  io: Out;
  values: Values;
  positionals: string[];
  json: boolean;
  /** Opens the store picked by --root or found from the current folder. */
  store: () => Promise<Store>;
}

export const str = (v: Values, k: string): string | undefined => (typeof v[k] === 'string' ? v[k] : undefined);
export const list = (v: Values, k: string): string[] => (Array.isArray(v[k]) ? v[k] : []);

export function required(v: Values, k: string, cmd: string): string {
  const s = str(v, k);
  if (s === undefined || s === '') { throw new UsageError(`'mlops ${cmd}' needs --${k}`); }
  return s;
}

export function parseStatus(s: string | undefined): RunStatus | undefined {
  if (s === undefined) { return undefined; }
  if (!(RUN_STATUSES as readonly string[]).includes(s)) { throw new UsageError(`unknown status '${s}': use one of ${RUN_STATUSES.join(', ')}`); }
  return s as RunStatus;
}
