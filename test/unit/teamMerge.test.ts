import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { mergeJson } from '../../src/core/team';
import { CLI, tmpDir } from './helpers';

const j = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';

/** A model version as the store writes it. */
function version(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    formatVersion: 1, model: 'churn', version: 1, artifact: { path: 'm.pkl', sha256: 'a'.repeat(64), sizeBytes: 3, fileCount: 1 },
    runId: '01JCZ0000000000000000000AA', stage: 'production', createdAt: '2026-11-30T10:00:00.000Z',
    stageHistory: [{ stage: 'none', at: '2026-11-30T10:00:00.000Z' }, { stage: 'production', at: '2026-11-30T10:05:00.000Z' }],
    ...extra,
  };
}

describe('mergeJson (three-way structural merge of a store record)', () => {
  it('merges two promotions that both archived the old production version: one stage, both history entries in time order', () => {
    const base = version();
    const hist = base.stageHistory as object[];
    const ours = version({ stage: 'archived', stageHistory: [...hist, { stage: 'archived', at: '2026-11-30T12:00:00.000Z' }] });
    const theirs = version({ stage: 'archived', stageHistory: [...hist, { stage: 'archived', at: '2026-11-30T11:00:00.000Z' }] });
    const r = mergeJson(j(base), j(ours), j(theirs), 'v1.json');
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.deepEqual(JSON.parse(r.text), version({
      stage: 'archived',
      stageHistory: [...hist, { stage: 'archived', at: '2026-11-30T11:00:00.000Z' }, { stage: 'archived', at: '2026-11-30T12:00:00.000Z' }],
    }));
    // Written as the store writes: two spaces, a trailing newline, ours' key order.
    assert.equal(r.text, j(JSON.parse(r.text)));
    assert.deepEqual(Object.keys(JSON.parse(r.text) as object), Object.keys(ours));
  });

  it('takes the change one side made, keeps both sides\' changes to different keys, and adds theirs\' new keys after ours\'', () => {
    const base = { a: 1, b: 'x', c: { d: 1, e: 2 } };
    const ours = { a: 2, b: 'x', c: { d: 1, e: 2 }, mine: true };
    const theirs = { a: 1, b: 'y', c: { d: 1, e: 3 }, yours: [1] };
    const r = mergeJson(j(base), j(ours), j(theirs), 'f.json');
    assert.ok(r.ok);
    assert.equal(r.text, j({ a: 2, b: 'y', c: { d: 1, e: 3 }, mine: true, yours: [1] }));
  });

  it('accepts the same change on both sides, and a key removed on one side while the other left it alone', () => {
    const r = mergeJson(j({ a: 1, gone: 1 }), j({ a: 5 }), j({ a: 5, gone: 1 }), 'f.json');
    assert.ok(r.ok);
    assert.equal(r.text, j({ a: 5 }));
  });

  it('keeps deep-equal additions once and keeps additions without times in the order ours, theirs', () => {
    const r = mergeJson(j({ tags: ['a'] }), j({ tags: ['a', 'x', 'y'] }), j({ tags: ['a', 'y', 'z'] }), 'f.json');
    assert.ok(r.ok);
    assert.deepEqual(JSON.parse(r.text), { tags: ['a', 'x', 'y', 'z'] });
  });

  it('is a conflict naming the JSON path when both sides changed one value differently', () => {
    const r = mergeJson(j(version()), j(version({ stage: 'staging' })), j(version({ stage: 'archived' })), 'v1.json');
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /v1\.json: both sides changed stage differently \(ours "staging", theirs "archived"\)/);
    const nested = mergeJson(j({ a: { b: [{ c: 1 }] } }), j({ a: { b: [{ c: 2 }] } }), j({ a: { b: [{ c: 3 }] } }), 'f.json');
    assert.match(nested.ok ? '' : nested.reason, /a\.b/);
    const deep = mergeJson(j({ a: { b: 1 } }), j({ a: { b: 2 } }), j({ a: { b: 3 } }), 'f.json');
    assert.match(deep.ok ? '' : deep.reason, /both sides changed a\.b differently/);
  });

  it('lets the later of two ISO times win', () => {
    const r = mergeJson(j({ updatedAt: '2026-11-30T10:00:00.000Z' }), j({ updatedAt: '2026-11-30T12:00:00.000Z' }), j({ updatedAt: '2026-11-30T11:00:00.000Z' }), 'f.json');
    assert.ok(r.ok);
    assert.deepEqual(JSON.parse(r.text), { updatedAt: '2026-11-30T12:00:00.000Z' });
    const created = mergeJson(j({}), j({ createdAt: '2026-11-30T12:00:00.000Z' }), j({ createdAt: '2026-11-30T11:00:00.000Z' }), 'f.json');
    assert.deepEqual(created.ok ? JSON.parse(created.text) : created.reason, { createdAt: '2026-11-30T11:00:00.000Z' });
  });

  it('is a conflict when a list was changed other than at its end on both sides', () => {
    const r = mergeJson(j({ l: [1, 2] }), j({ l: [2] }), j({ l: [1, 2, 3] }), 'f.json');
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /list l/);
  });

  it('merges a file added on both sides key by key: the same experiment created on two machines merges, two registrations of one number do not', () => {
    const same = mergeJson(undefined, j({ a: 1, b: 2 }), '{"b":2,"a":1}', 'f.json');
    assert.ok(same.ok);
    assert.equal(same.text, j({ a: 1, b: 2 }));
    const experiment = (createdAt: string, extra = {}) => j({ formatVersion: 1, name: 'e', createdAt, ...extra });
    const e = mergeJson('', experiment('2026-11-30T10:00:01.000Z'), experiment('2026-11-30T10:00:00.000Z', { description: 'd' }), 'e.json');
    assert.ok(e.ok);
    assert.deepEqual(JSON.parse(e.text), { formatVersion: 1, name: 'e', createdAt: '2026-11-30T10:00:00.000Z', description: 'd' });
    const claimed = mergeJson('', j(version()), j(version({ runId: '01JCZ0000000000000000000BB' })), '3.json');
    assert.equal(claimed.ok, false);
    assert.match(claimed.ok ? '' : claimed.reason, /3\.json: added on both sides; both sides changed runId differently/);
    const scalars = mergeJson('', '1\n', '2\n', 'n.json');
    assert.match(scalars.ok ? '' : scalars.reason, /both sides added this file with different content/);
  });

  it('reads a byte-order mark and keeps ours\' on output', () => {
    const bom = '\uFEFF';
    const r = mergeJson(bom + j({ a: 1, b: 1 }), bom + j({ a: 2, b: 1 }), j({ a: 1, b: 3 }), 'f.json');
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(r.text, bom + j({ a: 2, b: 3 }));
    const plain = mergeJson(j({ a: 1 }), j({ a: 2 }), bom + j({ a: 1 }), 'f.json');
    assert.equal(plain.ok ? plain.text : plain.reason, j({ a: 2 }));
  });

  it('dedupes list additions only across the sides: one side\'s own repeats stay', () => {
    const r = mergeJson(j({ l: [1] }), j({ l: [1, 5, 5] }), j({ l: [1, 5, 6] }), 'f.json');
    assert.deepEqual(r.ok ? JSON.parse(r.text) : r.reason, { l: [1, 5, 5, 6] });
    const theirs = mergeJson(j({ l: [] }), j({ l: [7] }), j({ l: [5, 5] }), 'f.json');
    assert.deepEqual(theirs.ok ? JSON.parse(theirs.text) : theirs.reason, { l: [7, 5, 5] });
  });

  it('keeps a __proto__ key as a key', () => {
    const r = mergeJson('{"a":1,"__proto__":{"x":1}}', '{"a":2,"__proto__":{"x":1}}', '{"a":1,"__proto__":{"x":2}}', 'f.json');
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(r.text, '{\n  "a": 2,\n  "__proto__": {\n    "x": 2\n  }\n}\n');
  });

  it('leaves a file holding a number JSON.parse would round to git\'s text merge', () => {
    const r = mergeJson('{"id": 9007199254740993, "a": 1}', '{"id": 9007199254740993, "a": 2}', '{"id": 9007199254740993, "a": 1, "b": 1}', 'f.json');
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /f\.json: .* holds the number 9007199254740993/);
    // Numbers that survive exactly (whatever their spelling) still merge; so do strings that look like big numbers.
    const fine = mergeJson('{"x": 1.50, "s": "9007199254740993"}', '{"x": 1.50, "s": "9007199254740993", "e": 1e3}', '{"x": 2, "s": "9007199254740993"}', 'f.json');
    assert.deepEqual(fine.ok ? JSON.parse(fine.text) : fine.reason, { x: 2, s: '9007199254740993', e: 1000 });
  });

  it('is a conflict, not an exception, when a side is not JSON', () => {
    for (const [b, o, t] of [['{}', '<<<<<<< ours', '{}'], ['{}', '{}', '{"a":'], ['{x', '{}', '{"a":1}']]) {
      const r = mergeJson(b, o, t, 'f.json');
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.reason, /not valid JSON/);
    }
  });
});

describe('mlops git merge-driver (the built CLI, as git runs it)', () => {
  const run = (args: string[], cwd: string) => spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });

  it('writes the merge into OURS and exits 0; on a conflict writes git\'s markers into OURS only and exits 1', () => {
    const d = tmpDir();
    const write = (name: string, v: unknown): string => { const f = path.join(d, name); fs.writeFileSync(f, j(v)); return f; };
    const base = version();
    const hist = base.stageHistory as object[];
    const o = write('O', base);
    const a = write('A', version({ stage: 'archived', stageHistory: [...hist, { stage: 'archived', at: '2026-11-30T12:00:00.000Z' }] }));
    const b = write('B', version({ stage: 'archived', stageHistory: [...hist, { stage: 'archived', at: '2026-11-30T11:00:00.000Z' }] }));
    const before = [fs.readFileSync(o, 'utf8'), fs.readFileSync(b, 'utf8')];
    const merged = run(['git', 'merge-driver', o, a, b, '.mlops/models/churn/versions/1.json'], d);
    assert.equal(merged.status, 0, merged.stderr);
    assert.equal((JSON.parse(fs.readFileSync(a, 'utf8')) as { stageHistory: unknown[] }).stageHistory.length, 4);
    assert.deepEqual([fs.readFileSync(o, 'utf8'), fs.readFileSync(b, 'utf8')], before);
    assert.deepEqual(fs.readdirSync(d).sort(), ['A', 'B', 'O']);

    write('A', version({ stage: 'staging' }));
    write('B', version({ stage: 'none' }));
    const conflict = run(['git', 'merge-driver', o, a, b, '.mlops/models/churn/versions/1.json'], d);
    assert.equal(conflict.status, 1);
    assert.match(conflict.stderr, /versions\/1\.json: both sides changed stage differently \(ours "staging", theirs "none"\); conflict markers written/);
    const text = fs.readFileSync(a, 'utf8');
    assert.match(text, /^<<<<<<< ours\n {2}"stage": "staging",\n=======\n {2}"stage": "none",\n>>>>>>> theirs$/m);
    assert.deepEqual(fs.readdirSync(d).sort(), ['A', 'B', 'O']);
  });

  it('says so when git merge-file could not write markers (a binary side): OURS is unchanged', () => {
    const d = tmpDir();
    const write = (name: string, text: string): string => { const f = path.join(d, name); fs.writeFileSync(f, text); return f; };
    const o = write('O', '{}');
    const a = write('A', 'x\0y');
    const b = write('B', '{"a":1}');
    const r = run(['git', 'merge-driver', o, a, b, 'm.json'], d);
    assert.equal(r.status, 1);
    assert.doesNotMatch(r.stderr, /conflict markers written/);
    assert.match(r.stderr, /no conflict markers could be written: m\.json still holds our side unchanged/);
    assert.equal(fs.readFileSync(a, 'utf8'), 'x\0y');
  });
});
