declare const MLOPS_VERSION: string | undefined;

export const VERSION: string = typeof MLOPS_VERSION === 'string' ? MLOPS_VERSION : '0.0.0-dev';

/** Per-command usage, also shown by `mlops <command> --help`. */
export const USAGE: Record<string, string> = {
  'init': 'mlops init [--root DIR]\n  Create .mlops/ in DIR (default: the current folder). Safe to repeat.',
  'run log': 'mlops run log --experiment E [--name N] [--param k=v]... [--metric name=value[@step]]... [--tag T]...\n'
    + '              [--note TEXT] [--data DATASET[:VERSION_OR_TAG]]... [--status S] [--duration SECONDS] [--no-git] [--json]\n'
    + '  Record a run that already happened. Status defaults to finished; the git commit and dirty flag are recorded\n'
    + '  when the workspace is a git repository.',
  'runs list': 'mlops runs list [--experiment E] [--status S] [--json]\n  List runs, newest first.',
  'runs show': 'mlops runs show ID [--json]\n  Show one run (ID may be a unique prefix of at least 4 characters).',
  'experiments list': 'mlops experiments list [--json]\n  List experiments with their run counts.',
  'data tag': 'mlops data tag PATH --dataset NAME [--tag T]... [--json]\n'
    + '  Hash a file or folder (a manifest, never a copy) as a version of NAME. Identical content reuses the\n'
    + '  existing version and only adds the tags.',
  'data list': 'mlops data list [--dataset NAME] [--json]\n  List data versions, newest first.',
  'model register': 'mlops model register --name M --run ID --artifact PATH [--json]\n  Register PATH, produced by run ID, as the next version of model M.',
  'model promote': 'mlops model promote M VERSION --stage none|staging|production|archived [--keep-production] [--json]\n'
    + '  Move a model version to a stage; promoting to production archives the previous production version\n'
    + '  unless --keep-production is given.',
  'model list': 'mlops model list [--name M] [--json]\n  List model versions with their stage and producing run.',
  'lint': 'mlops lint [PATH...] [--format text|json|sarif] [--fail-on error|warning|info|none]\n'
    + '  Check dependency files (requirements*.txt, *.in, pyproject.toml, Pipfile, setup.cfg, environment.yml) for\n'
    + '  unpinned and unvetted ("contrib") libraries, and Python files and notebooks for contrib imports. Folders are\n'
    + '  searched. Exits 1 when a finding reaches --fail-on (default warning). Works without a store; with one, the\n'
    + '  vetted set and severities of .mlops/policy.json apply.',
};

export const HELP = `mlops ${VERSION} — experiments, data versions and models as plain files under .mlops/

Usage: mlops <command> [options]

${Object.values(USAGE).join('\n\n')}

Global options:
  --root DIR     workspace folder holding .mlops/ (default: the nearest one at or above the current folder)
  --json         machine-readable output (documented in docs/cli.md; stable within a major version)
  --help, -h     this text, or one command's with 'mlops <command> --help'
  --version, -V  print the version

Exit codes: 0 success; 1 failure (not found, damaged or newer-format store files, I/O; list commands still print
the readable entities); 2 bad usage or invalid input (unknown option, bad k=v, bad name).
`;
