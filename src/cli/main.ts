// Entry of the `mlops` command, bundled alone into dist/cli.js. `--version` and `--help` answer before the rest
// of the CLI (zod, simple-git: dist/cli-commands.js) is even parsed, so scripts that call them stay fast.
import * as path from 'node:path';
import { HELP, VERSION } from './help';
import { escapeText } from './output';

// `mlops runs list | head`: the reader went away, which is not a failure of ours. Stop writing, let the command
// finish what it was doing (it may be half-way through a store write), and exit with its code: 0, like git.
let outputClosed = false;
const closedPipe = (e: NodeJS.ErrnoException): boolean => e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED';
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (!closedPipe(e)) { throw e; }
    if (stream === process.stdout) { outputClosed = true; }
  });
}
const write = (stream: NodeJS.WriteStream) => (s: string): void => {
  if (!stream.destroyed && !(stream === process.stdout && outputClosed)) { stream.write(s); }
};

async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (argv.length === 0 || (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help'))) {
    process.stdout.write(HELP);
    return 0;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runCli } = require(path.join(__dirname, 'cli-commands.js')) as typeof import('./commands');
  return runCli(argv, { cwd: process.cwd(), env: process.env, stdout: write(process.stdout), stderr: write(process.stderr) });
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    process.stderr.write(`mlops: internal error: ${e instanceof Error ? (process.env.MLOPS_DEBUG ? e.stack : escapeText(e.message, true)) : escapeText(String(e), true)}\n`);
    process.exitCode = 1;
  },
);
