import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mlops, snapshot, tmpDir } from './helpers';

interface Entry { path: string; size: number; sha256: string }
interface Diff { added: Entry[]; removed: Entry[]; changed: { path: string; before: Entry; after: Entry }[]; unchanged: number }

function ok(args: string[], cwd: string): string {
  const r = mlops(args, cwd);
  assert.equal(r.code, 0, `mlops ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

const paths = (es: { path: string }[]): string[] => es.map((e) => e.path);

describe('mlops data show|verify|diff (real processes, temp folders)', function () {
  this.timeout(180_000);

  it('show lists a version with its tags, source, counts and files; diff compares two versions', () => {
    const ws = tmpDir();
    ok(['init'], ws);
    const data = path.join(ws, 'data');
    fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(data, 'train.csv'), 'x\n1\n');
    fs.writeFileSync(path.join(data, 'test.csv'), 'x\n2\n');
    fs.writeFileSync(path.join(data, 'sub', 'keep.txt'), 'same');
    fs.writeFileSync(path.join(data, 'evil\x1b]0;T\x07.csv'), 'e');
    const v1 = (JSON.parse(ok(['data', 'tag', 'data', '--dataset', 'churn', '--tag', 'v1', '--json'], ws)) as { version: { id: string } }).version.id;

    const shown = JSON.parse(ok(['data', 'show', 'churn:v1', '--json'], ws)) as { version: { id: string; tags: string[]; source: string; fileCount: number }; files: Entry[] };
    assert.deepEqual([shown.version.id, shown.version.tags, shown.version.source, shown.version.fileCount], [v1, ['v1'], 'data', 4]);
    assert.deepEqual(paths(shown.files), ['evil\x1b]0;T\x07.csv', 'sub/keep.txt', 'test.csv', 'train.csv']);
    const text = ok(['data', 'show', 'churn'], ws);
    assert.match(text, new RegExp(`^Data version ${v1}\\n  dataset   churn\\n  tags      v1\\n  source    data\\n`));
    assert.match(text, /content {3}4 files, 13 B, sha256 [0-9a-f]{64}/);
    assert.match(text, /^PATH\s+SIZE\s+SHA256$/m);
    assert.match(text, /^train\.csv\s+4 B\s+[0-9a-f]{12}$/m);
    assert.ok(text.includes('evil\\x1b]0;T\\x07.csv'), 'a file name with control characters is shown escaped');
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f]/);

    fs.writeFileSync(path.join(data, 'train.csv'), 'x\n1\n3\n');
    fs.rmSync(path.join(data, 'test.csv'));
    fs.writeFileSync(path.join(data, 'sub', 'new.txt'), 'n');
    const v2 = (JSON.parse(ok(['data', 'tag', 'data', '--dataset', 'churn', '--tag', 'v2', '--json'], ws)) as { version: { id: string } }).version.id;

    const diff = JSON.parse(ok(['data', 'diff', 'churn:v1', `churn:${v2.slice(0, 20)}`, '--json'], ws)) as Diff & { from: { id: string }; to: { id: string } };
    assert.deepEqual([diff.from.id, diff.to.id], [v1, v2]);
    assert.deepEqual([paths(diff.added), paths(diff.removed), paths(diff.changed), diff.unchanged], [['sub/new.txt'], ['test.csv'], ['train.csv'], 2]);
    assert.deepEqual([diff.changed[0].before.size, diff.changed[0].after.size], [4, 6]);
    const textDiff = ok(['data', 'diff', 'churn:v1', 'churn:v2'], ws);
    assert.match(textDiff, /^changed {2}train\.csv {2}\(4 B → 6 B, sha256 [0-9a-f]{12} → [0-9a-f]{12}\)$/m);
    assert.match(textDiff, /^removed {2}test\.csv {2}\(4 B\)$/m);
    assert.match(textDiff, /^added {4}sub\/new\.txt {2}\(1 B\)$/m);
    assert.match(textDiff, /churn \S+ \[v1\] → churn \S+ \[v2\]: 1 added, 1 removed, 1 changed, 2 unchanged$/m);
    assert.match(ok(['data', 'diff', 'churn:v2', 'churn:v2'], ws), /0 added, 0 removed, 0 changed, 4 unchanged/);
  });

  it('verify re-hashes the source (or PATH), lists changed / missing / new files, exits 1 when anything differs; writes nothing', () => {
    const ws = tmpDir();
    ok(['init'], ws);
    const data = path.join(ws, 'data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'a.csv'), '1');
    fs.writeFileSync(path.join(data, 'b.csv'), '2');
    fs.writeFileSync(path.join(data, 'c.csv'), '3');
    ok(['data', 'tag', 'data', '--dataset', 'd', '--tag', 'gold'], ws);
    const sub = path.join(ws, 'elsewhere');
    fs.mkdirSync(sub);
    assert.match(ok(['data', 'verify', 'd:gold'], sub), /matches d \S+ \[gold\]: 3 files unchanged/);

    fs.writeFileSync(path.join(data, 'a.csv'), 'one');
    fs.rmSync(path.join(data, 'b.csv'));
    fs.writeFileSync(path.join(data, 'z.csv'), 'new');
    const before = snapshot(ws);
    const r = mlops(['data', 'verify', 'd'], sub);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^changed {2}a\.csv {2}\(1 B → 3 B/m);
    assert.match(r.stdout, /^missing {2}b\.csv {2}\(1 B\)$/m);
    assert.match(r.stdout, /^new {6}z\.csv {2}\(3 B\)$/m);
    assert.match(r.stdout, /differs from d \S+ \[gold\]: 1 changed, 1 missing, 1 new, 1 unchanged$/m);
    const j = mlops(['data', 'verify', 'd:gold', '--json'], sub);
    assert.equal(j.code, 1);
    const parsed = JSON.parse(j.stdout) as Diff & { ok: boolean; path: string };
    assert.deepEqual([parsed.ok, parsed.path, paths(parsed.changed), paths(parsed.removed), paths(parsed.added)], [false, data, ['a.csv'], ['b.csv'], ['z.csv']]);
    assert.deepEqual(snapshot(ws), before, 'verify writes nothing');

    // An explicit PATH: a pristine copy elsewhere verifies.
    const copy = path.join(sub, 'copy');
    fs.mkdirSync(copy);
    for (const [f, t] of [['a.csv', '1'], ['b.csv', '2'], ['c.csv', '3']]) { fs.writeFileSync(path.join(copy, f), t); }
    assert.match(ok(['data', 'verify', 'd:gold', 'copy'], sub), /copy matches d/);
    const gone = mlops(['data', 'verify', 'd:gold', 'nope'], sub);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^mlops: cannot read '.*nope'/);
  });

  it('unknown datasets, versions and tags are one clear line', () => {
    const ws = tmpDir();
    ok(['init'], ws);
    fs.writeFileSync(path.join(ws, 'f.csv'), 'x');
    ok(['data', 'tag', 'f.csv', '--dataset', 'd', '--tag', 'v1'], ws);
    for (const [args, re] of [
      [['data', 'show', 'nope'], /dataset 'nope' has no versions/],
      [['data', 'show', 'd:v9'], /dataset 'd' has no version or tag 'v9' \(tags: v1\)/],
      [['data', 'diff', 'd:v1', 'd:v9'], /no version or tag 'v9'/],
      [['data', 'verify', 'd:v9'], /no version or tag 'v9'/],
    ] as const) {
      const r = mlops([...args], ws);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1);
    }
    const usage = mlops(['data', 'diff', 'd:v1'], ws);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /'mlops data diff' needs 2 arguments, got 1/);
    assert.match(ok(['data', 'verify', 'd:v1'], ws), /matches d \S+ \[v1\]: 1 file unchanged/);
  });
});
