/**
 * CI for a workspace with an MLOps store: lint the dependency files and notebooks, and run the production gate for
 * every model version in production or staging that the change touches, with the gate's Markdown in the job summary
 * (GitHub Actions) or as a job artifact (GitLab CI).
 *
 * How CI gets the `mlops` CLI: the extension writes its own CLI bundle into the repository (`.mlops-ci/`, see
 * vendor.ts) and the pipeline runs it with `node` — the way Yarn Berry commits `.yarn/releases/yarn-*.cjs`. The CLI is
 * not on a package registry, the bundle needs nothing but Node, and CI then runs exactly the version the team used
 * in the editor, with no network install step that could drift or fail.
 */

/** Where the vendored CLI lives, relative to the repository's top folder (POSIX). */
export const CI_CLI_DIR = '.mlops-ci';
/** The entry the pipelines run: `node .mlops-ci/cli.js …` (it loads cli-commands.js next to it). */
export const CI_CLI_ENTRY = `${CI_CLI_DIR}/cli.js`;
/** Where Add CI Workflow writes the GitHub workflow, relative to the repository's top folder. */
export const GITHUB_WORKFLOW_PATH = '.github/workflows/mlops.yml';

export interface CiWorkflowOptions {
  /** The branch pushes to which are gated too (the repository's default branch). Default `main`. */
  defaultBranch?: string;
  /**
   * The store's folder relative to the repository's top folder (POSIX), when the workspace is a sub-folder of the
   * repository; the steps run there. Empty or `.` for the top folder.
   */
  workingDirectory?: string;
  /** Node major version for actions/setup-node (the CLI needs Node ≥ 20). Default 20. */
  nodeVersion?: string;
  /** Python for actions/setup-python, for the project's own steps. Default `3.x`. */
  pythonVersion?: string;
  /**
   * Also write the lint findings as SARIF and upload them to GitHub code scanning (needs code scanning enabled for
   * the repository: public repositories, or GitHub Advanced Security). Default false.
   */
  sarif?: boolean;
  /** The extension's version, written in the header so a reader knows which CLI the file was made for. */
  version?: string;
}

/** A value for YAML that stays a plain string whatever it holds (a branch named `yes`, `1.0`, `a: b`). */
function yamlString(s: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(s) && !/^(y|n|yes|no|true|false|on|off|null|~)$/i.test(s) && !/^[0-9.]+$/.test(s) ? s : JSON.stringify(s);
}

function workingDirectoryOf(opts: CiWorkflowOptions): string | undefined {
  const d = (opts.workingDirectory ?? '').replace(/\\/g, '/').replace(/^\.\/+/, '').replace(/\/+$/, '');
  return d && d !== '.' ? d : undefined;
}

/** The lint step's script (GitHub and GitLab): fails on an error finding (unpinned or unvetted contrib library, …). */
export const LINT_SCRIPT = 'node "$MLOPS_CLI" lint --fail-on error';

/**
 * The `run:` script of the GitHub gate step: what the change is compared with, then the gate's Markdown appended to
 * the job summary. Exit 1 (a required check fails) fails the step after the summary is written.
 */
export const GITHUB_GATE_SCRIPT = [
  '# A pull request is compared with its base branch; a push with the commit before it (a new branch: its parent).',
  'if [ "$GITHUB_EVENT_NAME" = pull_request ]; then',
  '  since="origin/$GITHUB_BASE_REF"',
  'elif [ -n "$BEFORE" ] && git cat-file -e "$BEFORE^{commit}" 2>/dev/null; then',
  '  since="$BEFORE"',
  'else',
  '  since="HEAD^"',
  'fi',
  'node "$MLOPS_CLI" gate --changed-since "$since" --missing-artifact skip --format markdown >> "$GITHUB_STEP_SUMMARY"',
].join('\n');

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text.split('\n').map((l) => (l ? pad + l : l)).join('\n');
}

/** The text of `.github/workflows/mlops.yml`. */
export function githubWorkflow(opts: CiWorkflowOptions = {}): string {
  const branch = yamlString(opts.defaultBranch || 'main');
  const wd = workingDirectoryOf(opts);
  const lines = [
    `# MLOps Workbench${opts.version ? ` ${opts.version}` : ''}: lint the dependency files and notebooks, and run the`,
    '# production gate (mlops gate) for every model version in production or staging that the change touches;',
    '# the gate\'s result goes to the job summary. Written by "MLOps: Add CI Workflow"; edit it freely.',
    `# The mlops CLI is vendored in ${CI_CLI_DIR}/ (it needs only Node): commit that folder with this file, and`,
    '# run "MLOps: Add CI Workflow" again after updating the extension to refresh it. See docs/ci.md.',
    'name: MLOps',
    '',
    'on:',
    '  pull_request:',
    '  push:',
    `    branches: [${branch}]`,
    '',
    'permissions:',
    '  contents: read',
    ...(opts.sarif ? ['  security-events: write'] : []),
    '',
    'jobs:',
    '  mlops:',
    '    runs-on: ubuntu-latest',
    '    env:',
    `      MLOPS_CLI: \${{ github.workspace }}/${CI_CLI_ENTRY}`,
    ...(wd ? ['    defaults:', '      run:', `        working-directory: ${yamlString(wd)}`] : []),
    '    steps:',
    '      - uses: actions/checkout@v4',
    '        with:',
    '          # The whole history: the gate reads dependency files and notebooks at each run\'s commit, and',
    '          # --changed-since compares with the base branch.',
    '          fetch-depth: 0',
    '      - uses: actions/setup-node@v4',
    '        with:',
    `          node-version: ${yamlString(opts.nodeVersion || '20')}`,
    '      # For your own steps (tests, training checks); the mlops CLI itself needs only Node.',
    '      - uses: actions/setup-python@v5',
    '        with:',
    `          python-version: ${JSON.stringify(opts.pythonVersion || '3.x')}`,
    '      - name: mlops CLI',
    '        run: node "$MLOPS_CLI" --version',
    '      - name: mlops lint',
    `        run: ${LINT_SCRIPT}`,
    ...(opts.sarif ? [
      '      - name: mlops lint (SARIF for code scanning)',
      '        if: always()',
      '        run: node "$MLOPS_CLI" lint --format sarif --fail-on none > "$RUNNER_TEMP/mlops-lint.sarif"',
      '      - uses: github/codeql-action/upload-sarif@v3',
      '        if: always()',
      '        with:',
      '          sarif_file: ${{ runner.temp }}/mlops-lint.sarif',
      '          category: mlops-lint',
    ] : []),
    '      # Artifacts are rarely in the clone (gitignored, LFS, DVC): --missing-artifact skip notes them instead of failing',
    '      # lineage (a gated promotion checks them where they are). Fetch them here and drop the option to check them here too.',
    '      - name: mlops gate',
    '        # Also when lint failed: the gate\'s result belongs in the summary either way.',
    '        if: ${{ !cancelled() }}',
    '        env:',
    '          BEFORE: ${{ github.event.before }}',
    '        run: |',
    indent(GITHUB_GATE_SCRIPT, 10),
    '',
  ];
  return lines.join('\n');
}

/**
 * The gate script of the GitLab job: a merge request is compared with its merge base, a push with the commit before
 * it; the Markdown goes to `mlops-gate.md`, kept as an artifact (and, with a token, posted as a merge request note).
 */
export const GITLAB_GATE_SCRIPT = [
  'if [ -n "$CI_MERGE_REQUEST_DIFF_BASE_SHA" ]; then',
  '  since="$CI_MERGE_REQUEST_DIFF_BASE_SHA"',
  'elif [ -n "$CI_COMMIT_BEFORE_SHA" ] && git cat-file -e "$CI_COMMIT_BEFORE_SHA^{commit}" 2>/dev/null; then',
  '  since="$CI_COMMIT_BEFORE_SHA"',
  'else',
  '  since="HEAD^"',
  'fi',
  'status=0',
  'node "$MLOPS_CLI" gate --changed-since "$since" --missing-artifact skip --format markdown > mlops-gate.md || status=$?',
  '# With a project access token (api scope) in MLOPS_NOTE_TOKEN, the result is posted on the merge request.',
  'if [ -n "$MLOPS_NOTE_TOKEN" ] && [ -n "$CI_MERGE_REQUEST_IID" ]; then',
  '  node -e \'process.stdout.write(JSON.stringify({ body: require("fs").readFileSync("mlops-gate.md", "utf8") }))\' > mlops-note.json',
  '  curl --fail --silent --show-error --request POST --header "PRIVATE-TOKEN: $MLOPS_NOTE_TOKEN" \\',
  '    --header "Content-Type: application/json" --data @mlops-note.json \\',
  '    "$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes" > /dev/null',
  'fi',
  'exit $status',
].join('\n');

/**
 * The text of a `.gitlab-ci.yml` doing what the GitHub workflow does (shown in docs/ci.md): two jobs, so a lint
 * failure does not keep the gate's result from the merge request.
 */
export function gitlabCi(opts: CiWorkflowOptions = {}): string {
  const wd = workingDirectoryOf(opts);
  const cd = wd ? [`    - cd ${JSON.stringify(wd)}`] : [];
  return [
    '.mlops:',
    `  image: node:${opts.nodeVersion || '20'}`,
    '  variables:',
    '    GIT_DEPTH: 0  # the whole history: the gate reads files at each run\'s commit',
    `    MLOPS_CLI: $CI_PROJECT_DIR/${CI_CLI_ENTRY}`,
    '  rules:',
    '    - if: $CI_PIPELINE_SOURCE == "merge_request_event"',
    '    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH',
    '',
    'mlops-lint:',
    '  extends: .mlops',
    '  script:',
    ...cd,
    `    - ${LINT_SCRIPT}`,
    '',
    'mlops-gate:',
    '  extends: .mlops',
    '  script:',
    ...cd,
    '    - |',
    indent(GITLAB_GATE_SCRIPT, 6),
    '  artifacts:',
    '    when: always',
    '    expose_as: MLOps gate',
    '    paths:',
    `      - ${wd ? `${wd}/` : ''}mlops-gate.md`,
    '',
  ].join('\n');
}
