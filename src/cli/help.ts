declare const MLOPS_VERSION: string | undefined;

export const VERSION: string = typeof MLOPS_VERSION === 'string' ? MLOPS_VERSION : '0.0.0-dev';

/** Per-command usage, also shown by `mlops <command> --help` (and `mlops <noun> --help` for all of a noun's). */
export const USAGE: Record<string, string> = {
  'init': 'mlops init [--root DIR]\n  Create .mlops/ in DIR (default: the current folder). Safe to repeat.',
  'run log': 'mlops run log --experiment E [--name N] [--param k=v]... [--metric name=value[@step]]... [--tag T]...\n'
    + '              [--note TEXT] [--data DATASET[:VERSION_OR_TAG]]... [--status S] [--duration SECONDS] [--no-git]\n'
    + '              [--environment FILE] [--json]\n'
    + '  Record a run that already happened. Status defaults to finished; the git commit and dirty flag are recorded\n'
    + '  when the workspace is a git repository. --environment FILE (pip freeze output, a lock file) records the\n'
    + '  libraries it ran with: a hash in meta.environment and a copy as environment.txt in the run folder.',
  'run start': 'mlops run start --experiment E [--name N] [--param k=v]... [--tag T]... [--note TEXT] [--data REF]... [--env] [--no-git]\n'
    + '                [--environment FILE] [--json]\n'
    + '  Start a running run from any language (R, Julia, shell, make) and print its id; with --env, print\n'
    + "  'export MLOPS_RUN_ID=…' and 'export MLOPS_ROOT=…' for eval \"$(mlops run start … --env)\".",
  'run log-metric': 'mlops run log-metric NAME VALUE [--step N] [--run ID]\n'
    + '  Append one point to the run named by --run or MLOPS_RUN_ID. Without --step the metric continues from its\n'
    + '  last step (0 for its first point). VALUE may be nan, inf or -inf.',
  'run log-param': 'mlops run log-param KEY VALUE [--run ID]\n  Set one param of the run named by --run or MLOPS_RUN_ID (typed like --param k=v).',
  'run end': 'mlops run end [--status finished|failed|killed] [--run ID]\n  End the run named by --run or MLOPS_RUN_ID (default status finished); the duration is recorded.',
  'runs list': 'mlops runs list [--experiment E] [--status S] [--filter EXPR] [--sort [-]FIELD] [--limit N] [--json]\n'
    + '               [--source mlflow [PATH] [--all]]\n'
    + '  List runs, newest first, with the last value of their metrics. EXPR, e.g.\n'
    + "    'metrics.accuracy > 0.9 and params.lr <= 0.01 and tags has candidate and not status = failed'\n"
    + '  Fields: metrics.NAME (last value), params.NAME, meta.NAME, status, name, experiment, id, tags, start, end;\n'
    + '  quote names with other characters: metrics."accuracy@fold=1". --sort takes a field, - for descending.\n'
    + '  With .mlops/goals.json: kpis.NAME (a KPI\'s value), goals (met, unmet, unknown, none) and cost, e.g.\n'
    + "    'goals = met and kpis.retained_revenue > 250 and cost < 5'; the table gains GOALS, KPI and COST columns.\n"
    + '  --source mlflow lists MLflow runs in place, without importing (no .mlops store needed): the store at PATH\n'
    + '  (an mlruns folder, an mlflow.db, or a folder holding one), else every one found up to 3 folder levels below\n'
    + '  the current folder, with a STORE column; deleted runs only with --all. Same columns and JSON (run.source.store).',
  'runs show': 'mlops runs show RUN [--experiment E] [--json]\n'
    + '  Show one run. RUN is an id, a unique id prefix (at least 4 characters) or a unique run name.',
  'runs delete': 'mlops runs delete RUN... [--experiment E] [--json]\n  Move runs to the trash (.mlops/trash/, ignored by git); undo with mlops runs restore.',
  'runs restore': 'mlops runs restore RUN... [--experiment E] [--json]\n  Move runs back from the trash.',
  'runs tag': 'mlops runs tag RUN TAG... [--experiment E] [--json]\n  Add tags to a run.',
  'runs untag': 'mlops runs untag RUN TAG... [--experiment E] [--json]\n  Remove tags from a run.',
  'runs rename': 'mlops runs rename RUN NEW_NAME [--experiment E] [--json]\n  Rename a run (its id never changes).',
  'goals': 'mlops goals [--experiment E] [--json]\n'
    + '  Each KPI (formula, unit, owner) and metric goal of .mlops/goals.json with its best run and how many runs\n'
    + '  meet it, and how many runs satisfy each production constraint. Problems in goals.json are printed as\n'
    + '  .mlops/goals.json:LINE:COLUMN: error|warning: message; exit 1 when there is an error.',
  'budget': 'mlops budget [--experiment E] [--json]\n'
    + "  Each experiment's spend against its limit from the budget in .mlops/goals.json (near: ≥ 80%, OVER), the\n"
    + '  total, and the runs whose cost is unknown (not counted) and why.',
  'import mlflow': 'mlops import mlflow PATH [--experiment NAME]... [--include-deleted] [--dry-run] [--json]\n'
    + '  Import an MLflow store (an mlruns folder, an mlflow.db, or a folder holding one; never written) into .mlops:\n'
    + '  experiments, runs with every metric point, params, tags, notes, git commit, parent run, user and source, and\n'
    + '  registered models with their versions, stages, aliases (tags alias=NAME) and producing run. Artifacts are\n'
    + '  recorded by reference (hashed where they are when on this machine), never copied. Runs imported before are\n'
    + '  skipped, so importing again after more training adds only the new runs. --experiment NAME (or id) imports\n'
    + '  only those; --dry-run prints what would be written and writes nothing. Exit 1 when something could not be\n'
    + '  read or imported (listed on stderr as file: reason), 2 when PATH is not an MLflow store.',
  'trash list': 'mlops trash list [--json]\n  Runs in the trash.',
  'trash empty': 'mlops trash empty [--older-than AGE] [--json]\n'
    + '  Delete trashed runs for good (all, or those trashed more than AGE ago: 30d, 12h, 90m) and list them.',
  'experiments list': 'mlops experiments list [--json]\n  List experiments with their run counts.',
  'data tag': 'mlops data tag PATH --dataset NAME [--tag T]... [--no-profile] [--json]\n'
    + '  Hash a file or folder (a manifest, never a copy) as a version of NAME. Identical content reuses the\n'
    + '  existing version and only adds the tags. Each tabular file (CSV, TSV, JSON Lines, Parquet) is profiled\n'
    + '  into <id>.profile.json, and checked against the dataset\'s schema.json when it has one.',
  'data list': 'mlops data list [--dataset NAME] [--json]\n  List data versions, newest first.',
  'data show': 'mlops data show DATASET[:VERSION_OR_TAG] [--json]\n  One data version: tags, source, counts and its files.',
  'data verify': 'mlops data verify DATASET[:VERSION_OR_TAG] [PATH] [--json]\n'
    + '  Re-hash the version\'s source (or PATH) and list changed, missing and new files; exit 1 when anything differs.',
  'data diff': 'mlops data diff DATASET[:VERSION_OR_TAG] DATASET[:VERSION_OR_TAG] [--json]\n  Files added, removed and changed between two versions.',
  'data profile': 'mlops data profile DATASET[:VERSION_OR_TAG] [--force] [--source PATH] [--json]\n'
    + '  Column by column: type, missing values and their markers, distinct values, range or top categories. A version\n'
    + '  without a profile (or with --force) is profiled from its source, or from PATH, after checking it still holds\n'
    + '  the version\'s content.',
  'data check': 'mlops data check PATH --dataset NAME [--source S] [--format text|json|sarif]\n'
    + '  Check a file or folder against the dataset\'s common schema (.mlops/datasets/NAME/schema.json): missing and new\n'
    + '  columns, types, ranges, unexpected categories (with the mapping to add), null rates, datetime formats and\n'
    + '  missing-value markers. Exits 1 when a finding is an error.',
  'data schema': 'mlops data schema DATASET[:VERSION_OR_TAG] [--file PATH] [--print] [--json]\n'
    + '  Write the dataset\'s schema.json from a version\'s profile, for editing (never replaces an existing one;\n'
    + '  --print writes it to stdout instead).',
  'data compare': 'mlops data compare A B [--file PATH] [--json]\n'
    + '  Discrepancies between two sources (versions of one or two datasets, DATASET[:VERSION_OR_TAG]): column\n'
    + '  alignment and renames, types, category spellings with the mapping between them, missing-value markers,\n'
    + '  unit scale, header and row counts.',
  'data drift': 'mlops data drift REFERENCE CURRENT [--method auto|ks|chisquare|z|wasserstein|jensenshannon|psi] [--file PATH] [--json]\n'
    + '  Drift per column with Evidently\'s default tests and PSI, the share of drifted columns, and a class (none,\n'
    + '  minor, major) for each column and the dataset, from the stored profiles.',
  'data refresh': 'mlops data refresh DATASET --from PATH [--tag T]... [--json]\n'
    + '  Tag PATH as a new version of DATASET only when its content differs from the dataset\'s newest version; otherwise\n'
    + '  print "unchanged: <id>" and exit 0. For a cron job or a scheduled CI workflow that keeps training data fresh.',
  'model register': 'mlops model register --name M --run RUN --artifact PATH [--flavor pickle|joblib|python [--entry FILE.py:FUNC]]\n'
    + '                    [--git-tag] [--json]\n  Register PATH, produced by run RUN, as the next version of model M. --flavor records how mlops serve loads\n'
    + '  it: pickle or joblib (an object with .predict), or python with --entry FILE.py:FUNC (a workspace file) or\n'
    + '  package.module:FUNC, a function that gets the artifact path and returns predict(records) -> list. --git-tag\n'
    + '  also creates the annotated git tag M@vN.0.0 on the run\'s commit (DVC GTO\'s name; never pushed).',
  'model promote': 'mlops model promote M VERSION|@STAGE --stage none|staging|production|archived [--keep-production]\n'
    + '                   [--waive CHECK[,CHECK]... --reason TEXT] [--git-tag] [--json]\n'
    + '  Move a model version to a stage. Production (and staging when goals.json\'s gate.stages lists it) runs the\n'
    + '  gate first (see mlops gate): a required check that fails refuses the move, exit 1, unless it is waived with a\n'
    + '  written reason. Who promoted (git user.name/user.email), the waivers and the gate result are recorded in the\n'
    + '  version\'s stageHistory. Promoting to production archives the previous production version unless\n'
    + '  --keep-production is given. --git-tag also creates the annotated tag M#STAGE#N (GTO\'s name; N counts the\n'
    + '  promotions to STAGE) on the run\'s commit, its message holding the gate result; never pushed.',
  'gate': 'mlops gate MODEL VERSION|@STAGE [--format text|json|sarif|markdown] [--commit REV] [--stage production|staging]\n'
    + '                 [--missing-artifact fail|skip]\n'
    + '       mlops gate --changed-since REV [--format …] [--missing-artifact fail|skip]\n'
    + '  The production gate: goals and KPIs met, production constraints, spread across data slices, lineage (clean\n'
    + '  commit, data versions, environment, artifact unchanged), dependency files and notebooks at the run\'s commit\n'
    + '  (read with git), budget, and optionally a matching reproduction — each required, advisory or off in\n'
    + '  goals.json\'s "gate". --changed-since gates every version in production or staging whose file changed since\n'
    + '  REV (a pull request\'s base). Markdown suits a CI job summary; SARIF points at goals.json, dependency files\n'
    + '  and notebooks. --missing-artifact skip notes an artifact that is not on this machine (a CI checkout) instead\n'
    + '  of failing lineage. Exit 0 when every required check passes, 1 when one fails, 2 on bad usage.',
  'model list': 'mlops model list [--name M] [--json]\n  List model versions with their stage and producing run.',
  'model conflicts': 'mlops model conflicts [--json]\n'
    + '  What a git merge left in the store for a person to resolve: a model with two or more versions in production\n'
    + '  (two promotions merged), a version number created on two machines (git add/add conflict on versions/N.json,\n'
    + '  or conflict markers left in it), and other store files git has in conflict. The gate refuses a model while\n'
    + '  it has one. Exit 1 when there is any, 0 when there is none.',
  'model resolve': 'mlops model resolve MODEL --keep N | --version N [--json]\n'
    + '  --keep N: of the versions in production, keep N and archive the others (noted in their stageHistory).\n'
    + '  --version N: version N was created on two machines: the one created first keeps N, the other becomes the next\n'
    + '  free number (history kept); both files are git added, so git commit (or git rebase --continue) finishes.',
  'git setup': 'mlops git setup [--json]\n'
    + '  Let git merge the store: writes .mlops/.gitattributes (or adds its missing lines, keeping yours) and sets\n'
    + '  merge.mlops.driver in this repository\'s local config (never global) to this mlops. Run once per clone; commit\n'
    + '  .mlops/.gitattributes. Exit 2 when the store is not in a git repository.',
  'git merge-driver': 'mlops git merge-driver BASE OURS THEIRS PATH\n'
    + '  Run by git (merge.mlops.driver = … git merge-driver %O %A %B %P), not by people: merges a JSON record of the\n'
    + '  store structurally into OURS; when both sides changed one value differently, writes git\'s conflict markers\n'
    + '  into OURS and exits 1.',
  'report': 'mlops report MODEL VERSION [--format md|html] [-o FILE] [--json]\n'
    + '  The model card of a model version for stakeholders: details, intended use, business KPIs against their goals,\n'
    + '  metric goals, results by slice, data, production constraints, dependencies, lineage, the production gate with\n'
    + '  its waivers, and caveats. VERSION is a number, @production or @staging. Markdown (renders on GitHub) or one\n'
    + '  self-contained HTML file (no scripts; the format follows -o FILE.html unless given); stdout unless -o.',
  'monitor': 'mlops monitor [MODEL] [--window 1h|1d|N] [--fail-on warning|alert] [--watch] [--json]\n'
    + '  A served model\'s prediction log in windows (goals.json monitoring.window, default 1h; N = N requests): requests,\n'
    + '  error rate, latency p50/p95 against constraints.maxLatencyMsP95, input drift against the training data version,\n'
    + '  prediction drift against the first window, accuracy/F1 or MAE/RMSE once labels exist, data age; then the alert\n'
    + '  rules of monitoring.alerts. --fail-on exits 1 when a rule of that severity or worse fires (for cron or CI).\n'
    + '  --watch re-evaluates when the log changes and prints what changed. Without MODEL: the monitored models.',
  'monitor label': 'mlops monitor label FILE [--model M] [--json]\n'
    + '  Ground truth for earlier predictions: FILE is CSV or JSON Lines with id (the request id) and label, optionally\n'
    + '  row (one record of a batch); JSON Lines may give labels, one per record. Each label is joined with its\n'
    + '  prediction and appended to the log. --model may be left out when one model has a log. Exit 1 when an id is\n'
    + '  unknown or a label count does not match the batch (the others are written).',
  'serve': 'mlops serve MODEL[:VERSION|@STAGE] [--port N] [--host H] [--python PATH] [--log-inputs features|raw|hash|drop] [--no-log]\n'
    + '  Serve a model version over HTTP in the foreground (Ctrl-C stops): POST /predict, GET /health, GET /metadata,\n'
    + '  POST /feedback. MODEL alone is its production version, else its newest. Binds 127.0.0.1:8080 unless --host /\n'
    + '  --port say otherwise (--port 0: any free port; a host other than loopback is warned about). Python: --python,\n'
    + '  else $MLOPS_PYTHON, else python3. Requests are checked against the training data\'s columns and appended to\n'
    + '  .mlops/monitoring/MODEL/<yyyy-mm-dd>.jsonl (inputs as --log-inputs or goals.json monitoring.logInputs say).',
  'package': 'mlops package MODEL VERSION|@STAGE [--out DIR] [--force] [--python PATH] [--json]\n'
    + '  Write a deployable folder (default packages/MODEL-vVERSION): the artifact, the server, serve.json,\n'
    + '  requirements.txt pinned from the run\'s environment, a Dockerfile, Kubernetes manifests (k8s/) and a README.\n'
    + '  Never writes into an existing non-empty folder; --force replaces an earlier package there.',
  'pipeline list': 'mlops pipeline list [--json]\n  The pipelines of .mlops/pipelines/ with their steps; a file with problems is listed with them (exit 1).',
  'pipeline run': 'mlops pipeline run NAME [--steps a,c] [--from STEP] [--param [STEP.]k=v]... [--fact key=value]... [--force]\n'
    + '                   [--dry-run] [--stage none|staging] [--python PATH] [--json]\n'
    + '  Run a pipeline: each step whose `when` holds (or exactly --steps; or --from STEP on) runs as a tracked run under\n'
    + '  one pipeline run; a step whose command, params, inputs and code are unchanged since its last finished run is\n'
    + '  skipped as up to date unless --force. Dataset outputs are tagged as the step ends; model outputs are registered\n'
    + '  when the whole pipeline finished (--stage staging moves them there through the gate). --dry-run prints the plan\n'
    + '  and writes nothing. --fact sets a trigger fact for `when` (JSON value or text, e.g. --fact drift.class=minor).\n'
    + '  Exit 0 finished, 1 a step failed, 130 stopped (Ctrl-C), 2 bad usage or problems in the pipeline file.',
  'retrain check': 'mlops retrain check [--model M] [--apply] [--python PATH] [--json]\n'
    + '  Evaluate the retraining triggers of goals.json (retraining.triggers) for each model they watch, decide each fired\n'
    + '  one at its automation level (notify, ask, auto; auto is withheld to ask on major drift or a performance drop\n'
    + '  without input drift), print the table and append every evaluation to .mlops/retraining/log.jsonl. --apply runs\n'
    + '  the pipeline of each applied auto decision (its model versions go to staging, never production), once per\n'
    + '  episode. Exit 0 nothing fired or all of it was handled automatically, 1 a person is needed or an automatic run\n'
    + '  failed, 2 errors in goals.json or bad usage.',
  'retrain log': 'mlops retrain log [--model M] [--limit N] [--json]\n  The retraining log, oldest first (the newest N, default 50): every evaluation, decision and pipeline run.',
  'retrain analysis': 'mlops retrain analysis MODEL [--trigger NAME] [--json]\n'
    + '  Write an exploratory notebook (analysis/retrain-MODEL-<time>.ipynb) comparing the data the model version was\n'
    + '  trained on with the newest version of that dataset and the production inputs, and print its path.',
  'lint': 'mlops lint [PATH...] [--format text|json|sarif] [--fail-on error|warning|info|none]\n'
    + '  Check dependency files (requirements*.txt, *.in, pyproject.toml, Pipfile, setup.cfg, environment.yml) for\n'
    + '  unpinned and unvetted ("contrib") libraries, and Python files and notebooks for contrib imports. Folders are\n'
    + '  searched. Exits 1 when a finding reaches --fail-on (default warning). Works without a store; with one, the\n'
    + '  vetted set and severities of .mlops/policy.json apply.',
};

export const HELP = `mlops ${VERSION} — experiments, data versions and models as plain files under .mlops/

Usage: mlops <command> [options]

${Object.values(USAGE).join('\n\n')}

Global options (anywhere on the line):
  --root DIR     workspace folder holding .mlops/ (default: $MLOPS_ROOT, else the nearest one at or above the
                 current folder)
  --json         machine-readable output (documented in docs/cli.md; stable within a major version)
  --help, -h     this text, or one command's with 'mlops <command> --help'
  --version, -V  print the version

A negative number stands as a value (mlops run log-metric delta -0.5); '--' ends the options.

Exit codes: 0 success; 1 failure (not found, damaged or newer-format store files, errors in goals.json, I/O,
data verify found differences, data check found an error; list commands still print the readable entities); 2 bad usage or invalid input (unknown option,
bad k=v, bad name, bad --filter).
`;
