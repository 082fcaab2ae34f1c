import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mlops, tmpDir } from './helpers';
import { cardFixture } from './cardFixture';

// `mlops report` as a real process on a real temp store.

describe('mlops report', () => {
  it('prints the Markdown card to stdout by default, for a number, v-number or @stage', async () => {
    const f = await cardFixture();
    const r = mlops(['report', 'churn', '1'], f.root);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^# Model card: churn v1\n/);
    assert.match(r.stdout, /^## Business KPIs$/m);
    assert.match(r.stdout, /\| \*\*retained\\_revenue\*\* \| EUR kept per 1,000 customers \|/);
    // The gate runs for the card: the slice spread fails, and without git the code checks are skipped with the reason.
    assert.match(r.stdout, /^\*\*Not ready for production: goals, slices, dependencies, notebooks block promotion\.\*\*$/m);
    assert.match(r.stdout, /^\| Consistency across data slices \| required \| ✗ fail \| spread of accuracy across fold is 0\.12/m);
    assert.match(r.stdout, /^- The gate could not check dependencies at the run's commit or training outside notebooks: .* is not in a git repository/m);
    assert.equal(mlops(['report', 'churn', 'v1'], f.root).stdout.split('\n')[0], '# Model card: churn v1');

    // Read like `mlops gate` reads it: a stage nobody holds is bad usage there too.
    const none = mlops(['report', 'churn', '@production'], f.root);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /model 'churn' has no version in production/);
    await f.store.setModelStage('churn', 1, 'production');
    const prod = mlops(['report', 'churn', '@production'], f.root);
    assert.equal(prod.code, 0, prod.stderr);
    assert.match(prod.stdout, /\| Stage \| production \|/);
  });

  it('writes HTML with -o (format from the extension or --format), anywhere the user says, and replaces an older file', async () => {
    const f = await cardFixture();
    const elsewhere = tmpDir('mlops-report-out-');
    const file = path.join(elsewhere, 'card.html');
    fs.writeFileSync(file, 'old');
    const r = mlops(['report', 'churn', '1', '-o', file], f.root);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /Wrote the model card of churn v1 to /);
    const html = fs.readFileSync(file, 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    assert.ok(!/<script/i.test(html));
    assert.ok(html.includes('<section id="gate"'));
    assert.deepEqual(fs.readdirSync(elsewhere), ['card.html'], 'no temp file left behind');

    const md = mlops(['report', 'churn', '1', '--format', 'md', '--output', path.join(elsewhere, 'card.html')], f.root);
    assert.equal(md.code, 0, md.stderr);
    assert.match(fs.readFileSync(file, 'utf8'), /^# Model card/);
    const rel = mlops(['report', 'churn', '1', '--format', 'html', '-o', 'out.txt'], f.root);
    assert.equal(rel.code, 0, rel.stderr);
    assert.match(fs.readFileSync(path.join(f.root, 'out.txt'), 'utf8'), /^<!DOCTYPE html>/);
  });

  it('exits 2 on bad usage and never writes over a folder', async () => {
    const f = await cardFixture();
    const cases: [string[], RegExp][] = [
      [['report', 'churn'], /needs 2 arguments/],
      [['report', 'churn', 'latest'], /bad model version 'latest'/],
      [['report', 'churn', '@latest'], /unknown stage 'latest'/],
      [['report', 'churn', '@archived'], /has no version in archived/],
      [['report', 'churn', '0'], /bad model version '0'/],
      [['report', 'nope', '@staging'], /no model 'nope'/],
      [['report', 'churn', '1', '--format', 'pdf'], /unknown format 'pdf'/],
      [['report', 'churn', '1', '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const r = mlops(args, f.root);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    const dir = path.join(f.root, 'reports');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'keep.txt'), 'keep');
    const r = mlops(['report', 'churn', '1', '-o', dir], f.root);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /is a folder/);
    assert.deepEqual(fs.readdirSync(dir), ['keep.txt']);
    assert.equal(fs.readFileSync(path.join(dir, 'keep.txt'), 'utf8'), 'keep');
    // A name ending in a slash means a folder, even one that does not exist: no file of that name is made.
    const slash = mlops(['report', 'churn', '1', '-o', 'newdir/'], f.root);
    assert.equal(slash.code, 2);
    assert.ok(!fs.existsSync(path.join(f.root, 'newdir')));
    // Rewriting a card keeps its permissions.
    const card = path.join(f.root, 'private.md');
    fs.writeFileSync(card, 'old');
    fs.chmodSync(card, 0o600);
    assert.equal(mlops(['report', 'churn', '1', '-o', card], f.root).code, 0);
    assert.equal(fs.statSync(card).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(card, 'utf8'), /^# Model card: churn v1/);
  });

  it('exits 1 for a model or version that does not exist, or a folder for -o that does not exist', async () => {
    const f = await cardFixture();
    const missing = mlops(['report', 'churn', '9'], f.root);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no version 9/);
    const noModel = mlops(['report', 'nope', '3'], f.root);
    assert.equal(noModel.code, 1);
    assert.match(noModel.stderr, /model 'nope' has no version 3/);
    const noDir = mlops(['report', 'churn', '1', '-o', path.join(f.root, 'no', 'such', 'card.md')], f.root);
    assert.equal(noDir.code, 1);
    assert.match(noDir.stderr, /does not exist/);
  });

  it('gives the card data with --json', async () => {
    const f = await cardFixture();
    const r = mlops(['report', 'churn', '1', '--json'], f.root);
    assert.equal(r.code, 0, r.stderr);
    const card = JSON.parse(r.stdout) as { model: string; version: number; slices: { metric: string; worst: string }[] };
    assert.equal(card.model, 'churn');
    assert.deepEqual(card.slices.map((s) => [s.metric, s.worst]), [['accuracy', '2'], ['loss', 'us']]);
  });

  it('shows control characters in names as text instead of sending them to the terminal', async () => {
    const f = await cardFixture();
    await f.store.updateRun(f.runId, (run) => { run.notes = 'red \u001b[31mALERT\u001b[0m \u202eevil'; });
    const r = mlops(['report', 'churn', '1'], f.root);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes('\u001b') && !r.stdout.includes('\u202e'));
    // Markdown shows `\\x1b` as `\x1b` (the backslash itself is escaped).
    assert.ok(r.stdout.includes('red \\\\x1b\\[31mALERT\\\\x1b\\[0m \\\\u202eevil'), r.stdout.split('\n').find((l) => l.includes('ALERT')));
  });
});
