import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO, tmpDir } from './helpers';

const DEMO = path.join(REPO, 'scripts', 'demo.mjs');
const AUTHOR = 'MLOps Workbench demo <demo@localhost>';

/** git in the demo workspace, with no config but the repository's own (the demo must not need a global one). */
function gitOut(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env });
  if (r.status !== 0) { throw new Error(`git ${args.join(' ')}: ${r.stderr}`); }
  return r.stdout;
}

describe('npm run demo (scripts/demo.mjs --no-open)', function () {
  // The demo logs runs through the CLI, serves 600 requests and runs the retraining pipeline twice.
  this.timeout(300_000);

  it('commits the demo store so Source Control is clean, as the demo author, with no git config of the user', () => {
    const home = tmpDir('mlops-demo-home-');
    const ws = path.join(tmpDir('mlops-demo-'), 'demo-workspace');
    // An empty HOME and no system config: git has no user.name anywhere, so nothing but the demo can name the author.
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), GIT_CONFIG_NOSYSTEM: '1', MLOPS_DEMO_WORKSPACE: ws };
    for (const k of Object.keys(env)) { if (/^GIT_(AUTHOR|COMMITTER)_|^GIT_CONFIG_GLOBAL$/.test(k)) { delete env[k]; } }
    const r = spawnSync(process.execPath, [DEMO, '--no-open'], { cwd: REPO, encoding: 'utf8', env });
    assert.equal(r.status, 0, `demo failed:\n${r.stdout}\n${r.stderr}`);

    assert.equal(gitOut(ws, env, 'status', '--porcelain', '--untracked-files=all'), '', 'nothing left for Source Control');
    const authors = new Set(gitOut(ws, env, 'log', '--format=%an <%ae>|%cn <%ce>').trim().split('\n'));
    assert.deepEqual([...authors], [`${AUTHOR}|${AUTHOR}`]);

    const tracked = gitOut(ws, env, 'ls-files').trim().split('\n');
    for (const f of ['.mlops/mlops.json', '.mlops/.gitignore', '.mlops/goals.json', '.mlops/pipelines/retrain.json', '.mlops/models/churn-classifier/versions/3.json', 'data/train.csv', 'README.md']) {
      assert.ok(tracked.includes(f), `${f} is committed`);
    }
    assert.ok(tracked.filter((f) => /^\.mlops\/runs\/[^/]+\/run\.json$/.test(f)).length >= 10, 'the runs are committed');
    // What .mlops/.gitignore keeps machine-local, and the weights the workspace ignores, exist but stay out of git.
    assert.ok(fs.existsSync(path.join(ws, '.mlops', 'monitoring')) && fs.existsSync(path.join(ws, 'models')));
    assert.deepEqual(tracked.filter((f) => /^\.mlops\/(cache|monitoring|trash)\/|^models\/|\.lock\//.test(f)), []);

    // The waiver on v1 is recorded as the demo's, not as whoever's git identity is around.
    const v1 = JSON.parse(fs.readFileSync(path.join(ws, '.mlops', 'models', 'churn-classifier', 'versions', '1.json'), 'utf8')) as { stageHistory: { by?: { name: string; email?: string } }[] };
    const by = v1.stageHistory.map((h) => h.by).filter((b) => b !== undefined);
    assert.ok(by.length > 0);
    for (const b of by) { assert.deepEqual(b, { name: 'MLOps Workbench demo', email: 'demo@localhost' }); }
  });

  it('refuses to replace a folder it did not make, and leaves it as it was', () => {
    const ws = path.join(tmpDir('mlops-demo-'), 'mine');
    fs.mkdirSync(ws);
    fs.writeFileSync(path.join(ws, 'notes.txt'), 'mine\n');
    const r = spawnSync(process.execPath, [DEMO, '--no-open'], { cwd: REPO, encoding: 'utf8', env: { ...process.env, MLOPS_DEMO_WORKSPACE: ws } });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /was not made by the demo/);
    assert.deepEqual(fs.readdirSync(ws), ['notes.txt']);
    assert.equal(fs.readFileSync(path.join(ws, 'notes.txt'), 'utf8'), 'mine\n');
  });
});

describe('README pictures', () => {
  it('are PNG files under media/ referenced by relative paths, each at most 250 KB', () => {
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]);
    assert.ok(images.length >= 5, 'the README shows the screenshots');
    for (const ref of images) {
      // vsce refuses SVG in a README and rewrites relative links against the manifest's repository.
      assert.match(ref, /^media\/[\w./-]+\.png$/, `${ref}: a relative PNG under media/`);
      const bytes = fs.readFileSync(path.join(REPO, ref));
      assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG', `${ref} is a PNG`);
      assert.ok(bytes.length <= 250 * 1024, `${ref} is ${bytes.length} bytes`);
    }
  });

  it('keeps the command CI runs as the test command', () => {
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const ci = fs.readFileSync(path.join(REPO, '.ci', 'run'), 'utf8');
    assert.match(ci, /^npm test$/m);
    assert.match(readme, /^npm test {2,}# /m);
  });
});
