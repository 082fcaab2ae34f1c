// Entry of the `mlops` command, bundled alone into dist/cli.js. `--version` and `--help` answer before the rest
// of the CLI (zod, simple-git: dist/cli-commands.js) is even parsed, so scripts that call them stay fast.
import * as path from 'node:path';
import { HELP, VERSION } from './help';

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
  return runCli(argv, { cwd: process.cwd(), stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    process.stderr.write(`mlops: internal error: ${e instanceof Error ? (process.env.MLOPS_DEBUG ? e.stack : e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
