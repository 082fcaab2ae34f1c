// The `mlops` dispatcher: finds the command, parses its options strictly and maps errors to exit codes. Each noun's
// commands live in their own module; everything printed goes through output.ts. Bundled as dist/cli-commands.js.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { MlopsError, Store, isMlopsError, messageOf } from '../core';
import { USAGE } from './help';
import { runLint } from './lintCommand';
import { UsageError, str, type CliIo, type Command, type Options, type Out, type Values } from './context';
import { escapeText } from './output';
import { INIT_COMMANDS } from './init';
import { RUN_COMMANDS } from './run';
import { RUNS_COMMANDS } from './runs';
import { EXPERIMENTS_COMMANDS } from './experiments';
import { DATA_COMMANDS } from './data';
import { DATA_QUALITY_COMMANDS } from './dataQuality';
import { MODEL_COMMANDS } from './model';
import { TRASH_COMMANDS } from './trash';
import { GOALS_COMMANDS } from './goals';
import { BUDGET_COMMANDS } from './budget';
import { REPORT_COMMANDS } from './report';
import { GATE_COMMANDS } from './gate';
import { SERVE_COMMANDS } from './serve';
import { MONITOR_COMMANDS } from './monitor';
import { PIPELINE_COMMANDS } from './pipeline';
import { RETRAIN_COMMANDS } from './retrain';
import { MLFLOW_COMMANDS } from './mlflow';
import { TEAM_COMMANDS } from './team';

export type { CliIo } from './context';

const LINT_COMMANDS: Record<string, Command> = {
  'lint': {
    options: { format: { type: 'string', short: 'f' }, 'fail-on': { type: 'string' } }, positionals: [0, Infinity],
    async run({ io, values, positionals }) {
      const rootOpt = str(values, 'root');
      const format = str(values, 'format') ?? (values.json ? 'json' : 'text');
      // Text is escaped like every other text output; JSON and SARIF are passed through exactly.
      return runLint({ paths: positionals, format, failOn: str(values, 'fail-on') ?? 'warning',
        cwd: io.cwd, root: rootOpt !== undefined ? path.resolve(io.cwd, rootOpt) : undefined },
      { stdout: format === 'text' ? io.stdout : io.raw, stderr: io.stderr });
    },
  },
};

const COMMANDS: Record<string, Command> = {
  ...INIT_COMMANDS, ...RUN_COMMANDS, ...RUNS_COMMANDS, ...EXPERIMENTS_COMMANDS, ...DATA_COMMANDS, ...DATA_QUALITY_COMMANDS, ...MODEL_COMMANDS,
  ...TRASH_COMMANDS, ...GOALS_COMMANDS, ...BUDGET_COMMANDS, ...GATE_COMMANDS, ...REPORT_COMMANDS, ...MONITOR_COMMANDS, ...LINT_COMMANDS,
  ...SERVE_COMMANDS, ...PIPELINE_COMMANDS, ...RETRAIN_COMMANDS, ...MLFLOW_COMMANDS, ...TEAM_COMMANDS,
};

/** Options of every command; they may stand anywhere on the line, before, between or after the command words. */
const GLOBAL_OPTIONS: Options = { root: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };

/** Whether `token` is an option that takes the next argument as its value. */
function takesValue(token: string, options: Options): boolean {
  if (token.startsWith('--')) { return !token.includes('=') && options[token.slice(2)]?.type === 'string'; }
  if (/^-[A-Za-z]$/.test(token)) { return Object.values(options).some((o) => o.short === token[1] && o.type === 'string'); }
  return false;
}

/** Indexes of the command words: the first words that are not options, skipping global options and their values. */
function commandWords(argv: readonly string[]): number[] {
  const at: number[] = [];
  for (let i = 0; i < argv.length && at.length < 2; i++) {
    const a = argv[i];
    if (a === '--') { break; }
    if (takesValue(a, GLOBAL_OPTIONS)) { i++; continue; }
    if (a.startsWith('--root=') || a === '--json' || a === '--help' || a === '-h') { continue; }
    if (a.startsWith('-')) { break; }
    at.push(i);
  }
  return at;
}

// A negative number is a value, not an option (`mlops run log-metric loss -0.5`), and so is anything after an option
// that takes one (`--sort -metrics.loss`). They are hidden from parseArgs behind stand-ins: NUL cannot occur in an
// argument, so a stand-in never clashes with one.
const NEGATIVE = /^-(\d|\.\d|inf\b|infinity\b|nan\b)/i;
const STAND_IN = '\0value:';

function isKnownOption(token: string, options: Options): boolean {
  if (token.startsWith('--')) { return Object.hasOwn(options, token.slice(2).split('=')[0]); }
  // Only a bare `-x`: `--sort -name` sorts by name descending, it is not `--sort` followed by `-n ame`.
  return /^-[A-Za-z]$/.test(token) && Object.values(options).some((o) => o.short === token[1]);
}

function protectValues(args: readonly string[], options: Options): { args: string[]; restore: (s: string) => string } {
  const saved: string[] = [];
  const out = args.map((a, i) => {
    const afterOption = i > 0 && takesValue(args[i - 1], options) && !args.slice(0, i - 1).includes('--');
    const hide = afterOption ? a.startsWith('-') && !isKnownOption(a, options) : NEGATIVE.test(a);
    if (!hide) { return a; }
    saved.push(a);
    return `${STAND_IN}${saved.length - 1}`;
  });
  return { args: out, restore: (s) => (s.startsWith(STAND_IN) ? saved[Number(s.slice(STAND_IN.length))] : s) };
}

function nouns(): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const k of Object.keys(COMMANDS)) {
    const [noun, verb] = k.split(' ');
    if (verb) { m.set(noun, [...(m.get(noun) ?? []), verb]); }
  }
  return m;
}

/** Wraps the process's streams: text is escaped for the terminal, `raw` is not. */
function outOf(io: CliIo): Out {
  return { cwd: io.cwd, env: io.env, stdout: (s) => io.stdout(escapeText(s)), stderr: (s) => io.stderr(escapeText(s)), raw: io.stdout };
}

/** Runs one CLI invocation; returns the exit code. Never throws for user errors. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const out = outOf(io);
  const wordAt = commandWords(argv);
  const words = wordAt.map((i) => argv[i]);
  const two = words.slice(0, 2).join(' ');
  const key = words.length === 2 && Object.hasOwn(COMMANDS, two) ? two : Object.hasOwn(COMMANDS, words[0] ?? '') ? words[0] : undefined;
  try {
    if (!key) {
      const verbs = nouns().get(words[0] ?? '');
      if (verbs && (words.length === 1 || argv.includes('--help') || argv.includes('-h'))) {
        if (argv.includes('--help') || argv.includes('-h')) {
          out.stdout(`Usage:\n${verbs.map((v) => USAGE[`${words[0]} ${v}`]).join('\n\n')}\n`);
          return 0;
        }
        throw new UsageError(`'mlops ${words[0]}' needs a subcommand: ${verbs.join(', ')}`);
      }
      if (verbs) { throw new UsageError(`unknown command 'mlops ${words.join(' ')}': '${words[0]}' has ${verbs.join(', ')}`); }
      const known = [...new Set(Object.keys(COMMANDS).map((k) => k.split(' ')[0]))].join(', ');
      throw new UsageError(words.length ? `unknown command '${words.join(' ')}' (commands: ${Object.keys(COMMANDS).join(', ')})` : `no command given (commands: ${known})`);
    }
    // Parse everything but the command words strictly: an unknown option is an error, not ignored.
    const drop = new Set(wordAt.slice(0, key.split(' ').length));
    const cmd = COMMANDS[key];
    const options = { ...GLOBAL_OPTIONS, ...cmd.options };
    const { args, restore } = protectValues(argv.filter((_, i) => !drop.has(i)), options);
    let parsed;
    try {
      parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError(messageOf(e).replace(/\. To specify a positional argument.*$/s, '').replace(/\s*\n\s*/g, ' ').split(STAND_IN).join(''));
    }
    const values: Values = {};
    for (const [k, v] of Object.entries(parsed.values as Values)) { values[k] = typeof v === 'string' ? restore(v) : Array.isArray(v) ? v.map(restore) : v; }
    const positionals = parsed.positionals.map(restore);
    if (values.help) { out.stdout(`Usage: ${USAGE[key]}\n`); return 0; }
    const [min, max] = typeof cmd.positionals === 'number' ? [cmd.positionals, cmd.positionals] : cmd.positionals;
    if (positionals.length < min || positionals.length > max) {
      throw new UsageError(max === 0
        ? `'mlops ${key}' takes no arguments besides options, got '${positionals.join(' ')}'`
        : min === max ? `'mlops ${key}' needs ${min} argument${min === 1 ? '' : 's'}, got ${positionals.length}`
          : max === Infinity ? `'mlops ${key}' needs at least ${min} argument${min === 1 ? '' : 's'}, got ${positionals.length}`
            : `'mlops ${key}' takes ${min} to ${max} arguments, got ${positionals.length}`);
    }
    const rootOpt = str(values, 'root') ?? (io.env?.MLOPS_ROOT || undefined);
    const store = async (): Promise<Store> => {
      if (rootOpt !== undefined) { return Store.open(path.resolve(io.cwd, rootOpt)); }
      const found = Store.findRoot(io.cwd);
      if (!found) { throw new MlopsError(`no MLOps store in ${io.cwd} or any folder above it; run 'mlops init' or pass --root DIR`, 'no-store'); }
      return Store.open(found);
    };
    return await cmd.run({ io: out, values, positionals, json: values.json === true, store });
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`mlops: ${escapeText(e.message, true)}${key ? ` (see 'mlops ${key} --help')` : " (see 'mlops --help')"}\n`);
      return 2;
    }
    if (isMlopsError(e)) { io.stderr(`mlops: ${escapeText(e.message, true)}\n`); return e.kind === 'invalid-input' ? 2 : 1; }
    const errno = (e as { code?: string }).code;
    if (errno && typeof errno === 'string') { io.stderr(`mlops: ${escapeText(messageOf(e), true)}\n`); return 1; }
    throw e;
  }
}
