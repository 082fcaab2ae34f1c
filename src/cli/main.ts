// Entry of the `mlops` command, bundled alone into dist/cli.js. `--version` and `--help` answer before the rest
// of the CLI (zod, simple-git: dist/cli-commands.js) is even parsed, so scripts that call them stay fast.
import * as path from 'node:path';
import { HELP, VERSION } from './help';
import { escapeText } from './output';

// `mlops runs list | head`: the reader went away, which is not a failure of ours. Exit quietly with 0, like git.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') { process.exit(0); }
    throw e;
  });
}

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
  return runCli(argv, { cwd: process.cwd(), env: process.env, stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    process.stderr.write(`mlops: internal error: ${e instanceof Error ? (process.env.MLOPS_DEBUG ? e.stack : escapeText(e.message, true)) : escapeText(String(e), true)}\n`);
    process.exitCode = 1;
  },
);
