// `mlops gate` and gated `mlops model promote` as real processes on real git repositories: exit codes (0 pass,
// 1 a required check fails, 2 bad usage), the formats CI reads, --changed-since, and waivers recorded with the
// git user.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { gateFixture } from './gateFixture';
import { git, mlops, tmpDir } from './helpers';

const GOOD = { 'accuracy': 0.86, 'accuracy@fold=1': 0.85, 'accuracy@fold=2': 0.86 };
const WIDE = { 'accuracy': 0.86, 'accuracy@fold=1': 0.95, 'accuracy@fold=2': 0.7 };

describe('mlops gate / model promote (built CLI, real git)', function () {
  this.timeout(120_000);

  it('exit codes: 0 when it passes, 1 when a required check fails, 2 on bad usage; json, markdown and sarif', async () => {
    const f = await gateFixture();
    const good = await f.version('good', GOOD);
    const wide = await f.version('wide', WIDE);
    const pass = mlops(['gate', 'churn', String(good.version)], f.ws);
    assert.equal(pass.code, 0, pass.stdout + pass.stderr);
    assert.match(pass.stdout, /Gate for churn v1 → production: PASSED/);
    const fail = mlops(['gate', 'churn', `v${wide.version}`, '--format', 'json'], f.ws);
    assert.equal(fail.code, 1, fail.stderr);
    const json = JSON.parse(fail.stdout) as { passed: boolean; blocking: string[]; checks: { id: string; status: string }[] };
    assert.equal(json.passed, false);
    assert.deepEqual(json.blocking, ['slices']);
    const md = mlops(['gate', 'churn', String(wide.version), '--format', 'markdown'], f.ws);
    assert.equal(md.code, 1);
    assert.match(md.stdout, /^### ❌ churn v2 → production/m);
    assert.match(md.stdout, /<details>/);
    const sarif = mlops(['gate', 'churn', String(wide.version), '--format', 'sarif'], f.ws);
    const doc = JSON.parse(sarif.stdout) as { version: string; runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    assert.equal(doc.version, '2.1.0');
    assert.deepEqual(doc.runs[0].results.map((r) => [r.ruleId, r.locations[0].physicalLocation.artifactLocation.uri]), [['gate/slices', '.mlops/models/churn/versions/2.json']]);
    // promote checks the run's own commit: --commit is not an option there.
    assert.equal(mlops(['model', 'promote', 'churn', '2', '--stage', 'production', '--commit', 'HEAD'], f.ws).code, 2);

    for (const bad of [['gate', 'churn'], ['gate', 'churn', 'x'], ['gate', 'churn', '9'], ['gate', 'nope', '1'], ['gate', 'churn', '1', '--format', 'pdf'], ['gate', 'churn', '@live'], ['gate', 'churn', '@production']]) {
      const r = mlops(bad, f.ws);
      assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /^mlops: /);
    }
  });

  it('promote: refused with exit 1 and the reasons; --waive needs --reason; a waiver is recorded with the git user', async () => {
    const f = await gateFixture();
    const wide = await f.version('wide', WIDE);
    const refused = mlops(['model', 'promote', 'churn', String(wide.version), '--stage', 'production'], f.ws);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /REFUSED: slices failed/);
    assert.match(refused.stdout, /--waive slices --reason/);
    assert.match(refused.stderr, /not moved to production: the gate refused it \(slices\)/);
    assert.equal(mlops(['model', 'promote', 'churn', '1', '--stage', 'production', '--waive', 'slices'], f.ws).code, 2);
    assert.equal(mlops(['model', 'promote', 'churn', '1', '--stage', 'production', '--waive', 'speed', '--reason', 'fast'], f.ws).code, 2);
    const ok = mlops(['model', 'promote', 'churn', '1', '--stage', 'production', '--waive', 'slices', '--reason', 'fold 2 is a holdout of 40 rows'], f.ws);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /waived: fold 2 is a holdout of 40 rows/);
    const mv = JSON.parse(fs.readFileSync(path.join(f.ws, '.mlops', 'models', 'churn', 'versions', '1.json'), 'utf8')) as { stage: string; stageHistory: { stage: string; by?: { name: string; email?: string }; waivers?: unknown[] }[] };
    assert.equal(mv.stage, 'production');
    const last = mv.stageHistory[mv.stageHistory.length - 1];
    assert.deepEqual(last.by, { name: 'Ada Lovelace', email: 'ada@example.com' });
    assert.deepEqual(last.waivers, [{ check: 'slices', reason: 'fold 2 is a holdout of 40 rows' }]);
    // @production names it now; two versions in production make @production ambiguous: bad usage.
    assert.equal(mlops(['gate', 'churn', '@production'], f.ws).code, 0);
    const mv2 = path.join(f.ws, '.mlops', 'models', 'churn', 'versions', '2.json');
    fs.mkdirSync(path.join(f.ws, 'models'), { recursive: true });
    const second = await f.version('second', GOOD);
    const two = JSON.parse(fs.readFileSync(mv2.replace('2.json', `${second.version}.json`), 'utf8')) as { stage: string };
    two.stage = 'production';
    fs.writeFileSync(mv2.replace('2.json', `${second.version}.json`), JSON.stringify(two));
    const ambiguous = mlops(['gate', 'churn', '@production'], f.ws);
    assert.equal(ambiguous.code, 2);
    assert.match(ambiguous.stderr, /has 2 versions in production \(v\d+, v\d+\): name one by its number/);
  });

  it('--changed-since gates every production or staging version whose file changed, and says so when none did', async () => {
    const f = await gateFixture();
    const good = await f.version('good', GOOD);
    const base = await f.commit();
    const none = mlops(['gate', '--changed-since', base], f.ws);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /No model version in production or staging changed since/);
    const wide = await f.version('wide', WIDE);
    const promoted = mlops(['model', 'promote', 'churn', String(good.version), '--stage', 'production'], f.ws);
    assert.equal(promoted.code, 0, promoted.stdout + promoted.stderr);
    const staged = mlops(['model', 'promote', 'churn', String(wide.version), '--stage', 'staging'], f.ws);
    assert.equal(staged.code, 0, staged.stdout + staged.stderr);
    await f.commit();
    const r = mlops(['gate', '--changed-since', base, '--format', 'json'], f.ws);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const results = JSON.parse(r.stdout) as { version: number; stage: string; passed: boolean }[];
    assert.deepEqual(results.map((x) => [x.version, x.stage, x.passed]), [[1, 'production', true], [2, 'staging', false]]);
    assert.equal(mlops(['gate', '--changed-since', 'no-such-rev'], f.ws).code, 2);
    assert.equal(mlops(['gate', 'churn', '1', '--changed-since', base], f.ws).code, 2);
  });

  it('--git-tag: register tags the run\'s commit <model>@vN.0.0, promote tags <model>#<stage>#N with the gate in the message; nothing is pushed', async () => {
    const f = await gateFixture();
    const good = await f.version('good', GOOD);
    const runCommit = git(f.ws, 'rev-parse', 'HEAD').trim();
    await f.commit();
    fs.writeFileSync(path.join(f.ws, 'models', 'again.pkl'), 'w');
    const reg = mlops(['model', 'register', '--name', 'churn', '--run', good.runId, '--artifact', 'models/again.pkl', '--git-tag'], f.ws);
    assert.equal(reg.code, 0, reg.stderr);
    assert.match(reg.stdout, /Tagged [0-9a-f]{12} as churn@v2\.0\.0 \(not pushed/);
    const promote = mlops(['model', 'promote', 'churn', '2', '--stage', 'production', '--git-tag'], f.ws);
    assert.equal(promote.code, 0, promote.stderr);
    const refs = git(f.ws, 'for-each-ref', '--format=%(refname:short) %(objecttype) %(*objectname) %(contents:subject)', 'refs/tags').trim().split('\n');
    assert.deepEqual(refs.map((l) => l.split(' ').slice(0, 3).join(' ')).sort(), [`churn#production#1 tag ${runCommit}`, `churn@v2.0.0 tag ${runCommit}`]);
    assert.match(git(f.ws, 'tag', '-l', '--format=%(contents)', 'churn#production#1'), /Promote churn version 2 to production\n\nGate: passed/);
    assert.equal(git(f.ws, 'tag', '-l').trim().split('\n').length, 2);
    // A name git cannot carry is refused before the store changes.
    const bad = mlops(['model', 'register', '--name', 'churn model', '--run', good.runId, '--artifact', 'models/again.pkl', '--git-tag'], f.ws);
    assert.equal(bad.code, 2, bad.stderr);
    assert.ok(!fs.existsSync(path.join(f.ws, '.mlops', 'models', 'churn model')));
  });

  it('--environment FILE records the libraries a CLI run used: a hash in meta.environment and a copy in the run folder', async () => {
    const f = await gateFixture();
    fs.writeFileSync(path.join(f.ws, 'requirements.lock'), 'numpy==2.1.3\n');
    const r = mlops(['run', 'log', '--experiment', 'cli', '--environment', 'requirements.lock', '--json'], f.ws);
    assert.equal(r.code, 0, r.stderr);
    const run = JSON.parse(r.stdout) as { id: string; meta: { environment?: { hash: string; file: string } } };
    assert.deepEqual(run.meta.environment, { hash: createHash('sha256').update('numpy==2.1.3\n').digest('hex'), file: 'environment.txt' });
    assert.equal(fs.readFileSync(path.join(f.ws, '.mlops', 'runs', run.id, 'environment.txt'), 'utf8'), 'numpy==2.1.3\n');
    assert.equal(mlops(['run', 'start', '--experiment', 'cli', '--environment', 'nope.lock'], f.ws).code, 2);
  });

  it('a repository that ignores models/ and data/ folders still shares the store: .mlops/.gitignore keeps them in', () => {
    const ws = tmpDir('mlops-gitignore-');
    git(ws, 'init', '-q');
    fs.writeFileSync(path.join(ws, '.gitignore'), 'models/\ndata/\nruns/\n');
    assert.equal(mlops(['init'], ws).code, 0);
    fs.mkdirSync(path.join(ws, 'models'));
    fs.writeFileSync(path.join(ws, 'models', 'm.pkl'), 'w');
    const run = JSON.parse(mlops(['run', 'log', '--experiment', 'e', '--json'], ws).stdout) as { id: string };
    assert.equal(mlops(['model', 'register', '--name', 'm', '--run', run.id, '--artifact', 'models/m.pkl'], ws).code, 0);
    const untracked = git(ws, 'status', '--porcelain', '-uall').split('\n').filter(Boolean).map((l) => l.slice(3)).sort();
    assert.ok(untracked.includes('.mlops/models/m/versions/1.json'), untracked.join('\n'));
    assert.ok(untracked.includes(`.mlops/runs/${run.id}/run.json`), untracked.join('\n'));
    assert.ok(!untracked.includes('models/m.pkl'), 'the repository\'s own models/ stays ignored');
  });
});
