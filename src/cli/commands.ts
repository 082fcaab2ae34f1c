// The `mlops` dispatcher: finds the command, parses its options strictly and maps errors to exit codes. Each noun's
// commands live in their own module; everything printed goes through output.ts. Bundled as dist/cli-commands.js.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { MlopsError, Store, isMlopsError, messageOf } from '../core';
import { USAGE } from './help';
import { runLint } from './lintCommand';
import { UsageError, str, type CliIo, type Command, type Options, type Values } from './context';
import { INIT_COMMANDS } from './init';
import { RUN_COMMANDS } from './run';
import { RUNS_COMMANDS } from './runs';
import { EXPERIMENTS_COMMANDS } from './experiments';
import { DATA_COMMANDS } from './data';
import { MODEL_COMMANDS } from './model';

export type { CliIo } from './context';

const LINT_COMMANDS: Record<string, Command> = {
  'lint': {
    options: { format: { type: 'string', short: 'f' }, 'fail-on': { type: 'string' } }, positionals: -1,
    async run({ io, values, positionals }) {
      const rootOpt = str(values, 'root');
      return runLint({ paths: positionals, format: str(values, 'format') ?? (values.json ? 'json' : 'text'), failOn: str(values, 'fail-on') ?? 'warning',
        cwd: io.cwd, root: rootOpt !== undefined ? path.resolve(io.cwd, rootOpt) : undefined }, io);
    },
  },
};

const COMMANDS: Record<string, Command> = {
  ...INIT_COMMANDS, ...RUN_COMMANDS, ...RUNS_COMMANDS, ...EXPERIMENTS_COMMANDS, ...DATA_COMMANDS, ...MODEL_COMMANDS, ...LINT_COMMANDS,
};

const GLOBAL_OPTIONS: Options = { root: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };

/** Runs one CLI invocation; returns the exit code. Never throws for user errors. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // The command is the first one or two words; only global options may come before it.
  const wordAt: number[] = [];
  for (let i = 0; i < argv.length && wordAt.length < 2; i++) {
    const a = argv[i];
    if (a === '--root') { i++; continue; }
    if (a.startsWith('-')) { if (wordAt.length) { break; } continue; }
    if (wordAt.length && wordAt[0] !== i - 1) { break; }
    wordAt.push(i);
  }
  const words = wordAt.map((i) => argv[i]);
  const two = words.join(' ');
  const key = words.length === 2 && COMMANDS[two] ? two : COMMANDS[words[0] ?? ''] ? words[0] : undefined;
  try {
    if (!key) {
      const known = [...new Set(Object.keys(COMMANDS).map((k) => k.split(' ')[0]))].join(', ');
      throw new UsageError(words.length ? `unknown command '${words.join(' ')}' (commands: ${Object.keys(COMMANDS).join(', ')})` : `no command given (commands: ${known})`);
    }
    // Parse everything but the command words strictly: an unknown option is an error, not ignored.
    const drop = new Set(wordAt.slice(0, key.split(' ').length));
    const rest = argv.filter((_, i) => !drop.has(i));
    const cmd = COMMANDS[key];
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...cmd.options }, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError(`${messageOf(e).replace(/\. To specify a positional argument.*$/s, '')}`);
    }
    const values = parsed.values as Values;
    if (values.help) { io.stdout(`Usage: ${USAGE[key]}\n`); return 0; }
    if (cmd.positionals >= 0 && parsed.positionals.length !== cmd.positionals) {
      throw new UsageError(cmd.positionals === 0
        ? `'mlops ${key}' takes no arguments besides options, got '${parsed.positionals.join(' ')}'`
        : `'mlops ${key}' needs ${cmd.positionals} argument${cmd.positionals === 1 ? '' : 's'}, got ${parsed.positionals.length}`);
    }
    const rootOpt = str(values, 'root');
    const store = async (): Promise<Store> => {
      if (rootOpt !== undefined) { return Store.open(path.resolve(io.cwd, rootOpt)); }
      const found = Store.findRoot(io.cwd);
      if (!found) { throw new MlopsError(`no MLOps store in ${io.cwd} or any folder above it; run 'mlops init' or pass --root DIR`, 'no-store'); }
      return Store.open(found);
    };
    return await cmd.run({ io, values, positionals: parsed.positionals, json: values.json === true, store });
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`mlops: ${e.message}${key ? ` (see 'mlops ${key} --help')` : " (see 'mlops --help')"}\n`);
      return 2;
    }
    if (isMlopsError(e)) { io.stderr(`mlops: ${e.message}\n`); return e.kind === 'invalid-input' ? 2 : 1; }
    const errno = (e as { code?: string }).code;
    if (errno && typeof errno === 'string') { io.stderr(`mlops: ${messageOf(e)}\n`); return 1; }
    throw e;
  }
}
