import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { MlopsError, Store } from '../../src/core';
import { CI_CLI_ENTRY, GITHUB_WORKFLOW_PATH, GITLAB_GATE_SCRIPT, githubWorkflow, gitlabCi } from '../../src/core/ci/workflow';
import { planCiSetup, repositoryFacts, writeCiSetup } from '../../src/core/ci/setup';
import { CLI, REPO, git, tmpDir } from './helpers';
import { gateFixture } from './gateFixture';

interface Step { uses?: string; name?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, string> }
interface Workflow {
  on: { pull_request: unknown; push: { branches: string[] } };
  permissions: Record<string, string>;
  jobs: { mlops: { 'runs-on': string; env: Record<string, string>; defaults?: { run: { 'working-directory': string } }; steps: Step[] } };
}

const DIST = path.dirname(CLI);

/** Runs one `run:` script the way GitHub's `shell: bash` does (bash -e), in `cwd`, with the given environment. */
function runStep(script: string, cwd: string, env: Record<string, string>, shell = 'bash'): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(shell, ['-e', '-c', script], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A GitHub-like setting: a bare `origin` with `main`, and a clone on a pull request branch, with the CI files
 * written by planCiSetup/writeCiSetup (the vendored CLI from dist/) and committed on main.
 */
async function pullRequestClone(opts: { sub?: string; typeModule?: boolean } = {}): Promise<{ clone: string; ws: string; store: Store; env: (extra?: Record<string, string>) => Record<string, string>; summary: string }> {
  const origin = tmpDir('mlops-ci-origin-');
  git(origin, 'init', '-q', '--bare', '-b', 'main');
  const clone = tmpDir('mlops-ci-clone-');
  git(clone, 'clone', '-q', origin, '.');
  git(clone, 'config', 'user.name', 'CI Test');
  git(clone, 'config', 'user.email', 'ci@example.com');
  git(clone, 'checkout', '-q', '-b', 'main');
  const ws = opts.sub ? path.join(clone, opts.sub) : clone;
  fs.mkdirSync(ws, { recursive: true });
  if (opts.typeModule) { fs.writeFileSync(path.join(clone, 'package.json'), '{ "type": "module" }\n'); }
  fs.writeFileSync(path.join(ws, 'requirements.txt'), 'numpy==1.26.4\n');
  const { store } = await Store.init(ws);
  const setup = planCiSetup(ws, DIST);
  await writeCiSetup(setup);
  git(clone, 'add', '-A');
  git(clone, 'commit', '-qm', 'init');
  git(clone, 'push', '-q', 'origin', 'main');
  git(clone, 'checkout', '-q', '-b', 'feature');
  const summary = path.join(tmpDir('mlops-ci-summary-'), 'summary.md');
  fs.writeFileSync(summary, '');
  const env = (extra: Record<string, string> = {}) => ({
    GITHUB_WORKSPACE: clone, GITHUB_EVENT_NAME: 'pull_request', GITHUB_BASE_REF: 'main', GITHUB_STEP_SUMMARY: summary,
    MLOPS_CLI: path.join(clone, CI_CLI_ENTRY), BEFORE: '', ...extra,
  });
  return { clone, ws, store, env, summary };
}

function workflowOf(dir: string): Workflow {
  return parse(fs.readFileSync(path.join(dir, GITHUB_WORKFLOW_PATH), 'utf8')) as Workflow;
}

function stepNamed(w: Workflow, name: string): Step {
  const s = w.jobs.mlops.steps.find((x) => x.name === name);
  assert.ok(s, `a step named ${name}`);
  return s;
}

describe('CI workflow (GitHub Actions / GitLab CI) with the vendored mlops CLI', function () {
  this.timeout(120_000);

  before(() => {
    assert.ok(fs.existsSync(CLI) && fs.existsSync(path.join(DIST, 'cli-commands.js')), 'dist/cli.js is built (node esbuild.mjs)');
  });

  it('is valid YAML with the triggers and steps CI needs', () => {
    const w = parse(githubWorkflow({ defaultBranch: 'trunk' })) as Workflow;
    assert.ok('pull_request' in w.on);
    assert.deepEqual(w.on.push.branches, ['trunk']);
    assert.deepEqual(w.permissions, { contents: 'read' });
    const steps = w.jobs.mlops.steps;
    assert.equal(steps[0].uses, 'actions/checkout@v4');
    assert.equal(steps[0].with?.['fetch-depth'], 0);
    const node = steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    assert.equal(String(node?.with?.['node-version']), '20');
    assert.ok(steps.some((s) => s.uses?.startsWith('actions/setup-python@')));
    assert.equal(w.jobs.mlops.env.MLOPS_CLI, '${{ github.workspace }}/.mlops-ci/cli.js');
    assert.match(stepNamed(w, 'mlops lint').run ?? '', /lint --fail-on error/);
    const gate = stepNamed(w, 'mlops gate');
    assert.match(gate.run ?? '', /gate --changed-since "\$since" --missing-artifact skip --format markdown >> "\$GITHUB_STEP_SUMMARY"/);
    assert.match(gate.run ?? '', /since="origin\/\$GITHUB_BASE_REF"/);
    assert.equal(gate.env?.BEFORE, '${{ github.event.before }}');
    assert.equal(w.jobs.mlops.defaults, undefined);
    assert.ok(!steps.some((s) => s.uses?.includes('upload-sarif')));

    // Options: a sub-folder workspace, SARIF upload; branch names YAML would read as something else stay strings.
    const sub = parse(githubWorkflow({ workingDirectory: 'ml/project/', sarif: true, defaultBranch: 'yes' })) as Workflow;
    assert.deepEqual(sub.on.push.branches, ['yes']);
    assert.equal(sub.jobs.mlops.defaults?.run['working-directory'], 'ml/project');
    assert.equal(sub.permissions['security-events'], 'write');
    assert.ok(sub.jobs.mlops.steps.some((s) => s.uses === 'github/codeql-action/upload-sarif@v3'));
    const gl = parse(gitlabCi({ workingDirectory: 'ml/project' })) as Record<string, { script?: string[]; artifacts?: { paths: string[] }; variables?: Record<string, unknown> }>;
    assert.equal(gl['.mlops'].variables?.GIT_DEPTH, 0);
    assert.deepEqual(gl['mlops-gate'].artifacts?.paths, ['ml/project/mlops-gate.md']);
    assert.equal(gl['mlops-lint'].script?.[0], 'cd "ml/project"');
  });

  it('writes the workflow and the vendored CLI at the repository top, and never replaces a different workflow unasked', async () => {
    const top = tmpDir('mlops-ci-top-');
    git(top, 'init', '-q', '-b', 'trunk');
    const ws = path.join(top, 'ml');
    fs.mkdirSync(ws);
    assert.deepEqual(repositoryFacts(ws), { top, inRepository: true, defaultBranch: 'trunk' });
    const setup = planCiSetup(ws, DIST, { version: '9.9.9' });
    assert.deepEqual(setup.files.map((f) => f.path), [GITHUB_WORKFLOW_PATH, '.mlops-ci/cli.js', '.mlops-ci/cli-commands.js', '.mlops-ci/package.json', '.mlops-ci/README.md']);
    const written = await writeCiSetup(setup);
    assert.equal(written[0], path.join(top, '.github', 'workflows', 'mlops.yml'));
    const w = workflowOf(top);
    assert.deepEqual(w.on.push.branches, ['trunk']);
    assert.equal(w.jobs.mlops.defaults?.run['working-directory'], 'ml');
    assert.equal((JSON.parse(fs.readFileSync(path.join(top, '.mlops-ci', 'package.json'), 'utf8')) as { type: string }).type, 'commonjs');
    assert.doesNotMatch(fs.readFileSync(path.join(top, '.mlops-ci', 'cli-commands.js'), 'utf8'), /sourceMappingURL=cli-commands\.js\.map/);

    // The same again: nothing to confirm. A changed workflow: refused unless asked, and left as it was.
    assert.equal(planCiSetup(ws, DIST, { version: '9.9.9' }).existingWorkflow, undefined);
    const mine = `${fs.readFileSync(written[0], 'utf8')}# my own step\n`;
    fs.writeFileSync(written[0], mine);
    const again = planCiSetup(ws, DIST, { version: '9.9.9' });
    assert.equal(again.existingWorkflow, mine);
    await assert.rejects(writeCiSetup(again), (e: unknown) => e instanceof MlopsError && /already exists and differs: not replaced/.test(e.message));
    assert.equal(fs.readFileSync(written[0], 'utf8'), mine);
    await writeCiSetup(again, { overwriteWorkflow: true });
    assert.doesNotMatch(fs.readFileSync(written[0], 'utf8'), /my own step/);

    // A symbolic link on the way is never written through (it could point anywhere on the machine).
    const victim = tmpDir('mlops-ci-victim-');
    fs.writeFileSync(path.join(victim, 'package.json'), '{"name":"victim"}');
    fs.rmSync(path.join(top, '.mlops-ci'), { recursive: true });
    fs.symlinkSync(victim, path.join(top, '.mlops-ci'));
    await assert.rejects(writeCiSetup(planCiSetup(ws, DIST, { version: '9.9.9' })), /\.mlops-ci is a symbolic link; nothing is written through it/);
    assert.equal(fs.readFileSync(path.join(victim, 'package.json'), 'utf8'), '{"name":"victim"}');
    assert.deepEqual(fs.readdirSync(victim), ['package.json']);
    fs.rmSync(path.join(top, '.mlops-ci'));

    // No repository: written in the folder itself; a missing bundle: one clear message.
    const lone = tmpDir('mlops-ci-lone-');
    assert.deepEqual(repositoryFacts(lone).inRepository, false);
    assert.equal(planCiSetup(lone, DIST).top, lone);
    assert.throws(() => planCiSetup(lone, lone), /the mlops CLI bundle is missing from the extension/);
  });

  it('reads the default branch from origin/HEAD, and from a git worktree\'s .git file', () => {
    const origin = tmpDir('mlops-ci-o-');
    git(origin, 'init', '-q', '-b', 'develop');
    git(origin, 'commit', '-q', '--allow-empty', '-m', 'x');
    const clone = tmpDir('mlops-ci-c-');
    git(clone, 'clone', '-q', origin, '.');
    git(clone, 'checkout', '-q', '-b', 'feature');
    assert.equal(repositoryFacts(clone).defaultBranch, 'develop');
    const wt = path.join(tmpDir('mlops-ci-wt-'), 'wt');
    git(clone, 'worktree', 'add', '-q', '-b', 'other', wt);
    assert.deepEqual(repositoryFacts(path.join(wt)), { top: wt, inRepository: true, defaultBranch: 'develop' });
  });

  it('runs its lint and gate scripts with bash in a pull request clone: nothing changed, then a failing version in production', async () => {
    const { clone, store, env, summary } = await pullRequestClone();
    const w = workflowOf(clone);
    const cli = stepNamed(w, 'mlops CLI');
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    assert.equal(runStep(cli.run ?? '', clone, env()).stdout.trim(), pkg.version);
    const lint = stepNamed(w, 'mlops lint');
    const gate = stepNamed(w, 'mlops gate');

    let r = runStep(lint.run ?? '', clone, env());
    assert.equal(r.code, 0, r.stdout + r.stderr);
    r = runStep(gate.run ?? '', clone, env());
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(fs.readFileSync(summary, 'utf8'), /no model version in production or staging changed since/i);

    // The pull request puts a version in production whose run recorded no commit: the gate fails, exit 1, and the
    // summary holds the Markdown verdict.
    const run = await store.createRun({ experiment: 'e', status: 'finished' });
    fs.writeFileSync(path.join(clone, 'model.pkl'), 'weights');
    await store.registerModel({ name: 'churn', runId: run.id, artifactPath: path.join(clone, 'model.pkl') });
    await store.setModelStage('churn', 1, 'production');
    git(clone, 'add', '-A');
    git(clone, 'commit', '-qm', 'churn v1 to production');
    fs.writeFileSync(summary, '');
    r = runStep(gate.run ?? '', clone, env());
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const md = fs.readFileSync(summary, 'utf8');
    assert.match(md, /churn v1 → production: REFUSED/);
    assert.match(md, /\| Lineage \| required \| ❌ fail \| no commit recorded/);

    // A push to main after the merge, compared with the commit before it, gates it again; a pushed commit that is
    // not in the clone (a force push) falls back to the parent commit.
    git(clone, 'checkout', '-q', 'main');
    const before = git(clone, 'rev-parse', 'HEAD').trim();
    git(clone, 'merge', '-q', '--ff-only', 'feature');
    for (const b of [before, 'f'.repeat(40)]) {
      fs.writeFileSync(summary, '');
      r = runStep(gate.run ?? '', clone, env({ GITHUB_EVENT_NAME: 'push', GITHUB_BASE_REF: '', BEFORE: b }));
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(fs.readFileSync(summary, 'utf8'), /churn/);
    }

    // A broken requirement line is an error finding: the lint step fails.
    fs.writeFileSync(path.join(clone, 'requirements.txt'), 'numpy==1.26.4\nthis is not a requirement ===\n');
    r = runStep(lint.run ?? '', clone, env());
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /requirements\.txt:2:.*error/);
  });

  it('passes a pull request that puts a version meeting the gate in production, with the verdict in the summary', async () => {
    const f = await gateFixture();
    const origin = tmpDir('mlops-ci-origin-');
    git(origin, 'init', '-q', '--bare', '-b', 'main');
    git(f.ws, 'remote', 'add', 'origin', origin);
    await writeCiSetup(planCiSetup(f.ws, DIST));
    await f.commit();
    git(f.ws, 'push', '-q', 'origin', 'main');
    git(f.ws, 'checkout', '-q', '-b', 'feature');
    const good = await f.version('good', { accuracy: 0.91 });
    await f.store.setModelStage('churn', good.version, 'production');
    await f.commit();
    const summary = path.join(tmpDir('mlops-ci-summary-'), 'summary.md');
    const w = workflowOf(f.ws);
    const r = runStep(stepNamed(w, 'mlops gate').run ?? '', f.ws, {
      GITHUB_WORKSPACE: f.ws, GITHUB_EVENT_NAME: 'pull_request', GITHUB_BASE_REF: 'main', GITHUB_STEP_SUMMARY: summary,
      MLOPS_CLI: path.join(f.ws, CI_CLI_ENTRY), BEFORE: '',
    });
    assert.equal(r.code, 0, r.stdout + r.stderr + fs.readFileSync(summary, 'utf8'));
    const md = fs.readFileSync(summary, 'utf8');
    assert.match(md, /churn v1 → production: PASSED/);
    assert.match(md, /\| Lineage \| required \| ✅ pass \| commit clean/);
    assert.match(md, /\| Dependencies at the run's commit \| required \| ✅ pass \|/);
  });

  it('runs from a sub-folder workspace, in a repository whose package.json says "type": "module"', async () => {
    const { clone, ws, env, summary } = await pullRequestClone({ sub: 'ml', typeModule: true });
    const w = workflowOf(clone);
    assert.equal(w.jobs.mlops.defaults?.run['working-directory'], 'ml');
    const lint = runStep(stepNamed(w, 'mlops lint').run ?? '', ws, env());
    assert.equal(lint.code, 0, lint.stdout + lint.stderr);
    assert.match(lint.stdout, /0 findings .* in 1 file/);
    const r = runStep(stepNamed(w, 'mlops gate').run ?? '', ws, env());
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(fs.readFileSync(summary, 'utf8'), /no model version in production or staging changed since/i);
  });

  it('runs the GitLab gate script with sh: the Markdown goes to mlops-gate.md, the exit code is the gate\'s', async () => {
    const { clone, store } = await pullRequestClone();
    const base = git(clone, 'rev-parse', 'main').trim();
    const run = await store.createRun({ experiment: 'e', status: 'finished' });
    fs.writeFileSync(path.join(clone, 'model.pkl'), 'weights');
    await store.registerModel({ name: 'churn', runId: run.id, artifactPath: path.join(clone, 'model.pkl') });
    await store.setModelStage('churn', 1, 'staging');
    git(clone, 'add', '-A');
    git(clone, 'commit', '-qm', 'churn v1 to staging');
    const env = { CI_PROJECT_DIR: clone, MLOPS_CLI: path.join(clone, CI_CLI_ENTRY), CI_MERGE_REQUEST_DIFF_BASE_SHA: base };
    const r = runStep(GITLAB_GATE_SCRIPT, clone, env, 'sh');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(fs.readFileSync(path.join(clone, 'mlops-gate.md'), 'utf8'), /churn/);
    const none = runStep(GITLAB_GATE_SCRIPT, clone, { ...env, CI_MERGE_REQUEST_DIFF_BASE_SHA: git(clone, 'rev-parse', 'HEAD').trim() }, 'sh');
    assert.equal(none.code, 0, none.stdout + none.stderr);
    assert.match(fs.readFileSync(path.join(clone, 'mlops-gate.md'), 'utf8'), /no model version in production or staging changed since/i);
  });

  it('docs/ci.md shows exactly what the generators write', () => {
    const doc = fs.readFileSync(path.join(REPO, 'docs', 'ci.md'), 'utf8');
    assert.ok(doc.includes(`\`\`\`yaml\n${githubWorkflow()}\`\`\``), 'the GitHub workflow in docs/ci.md is githubWorkflow()');
    assert.ok(doc.includes(`\`\`\`yaml\n${gitlabCi()}\`\`\``), 'the .gitlab-ci.yml in docs/ci.md is gitlabCi()');
  });
});
