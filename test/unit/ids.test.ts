import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertId, idTime, isId, nameProblem, newId, textProblem } from '../../src/core';
import { Commands, EXTENSION_ID, Settings } from '../../src/vscode/ids';
import { DEFAULT_TRAINING_PATTERNS, DEFAULT_VETTED, RULES } from '../../src/core/lint';
import { REPO } from './helpers';

describe('ids and names', () => {
  it('ids are 26-character ULIDs that sort by creation time, also within one millisecond', () => {
    const t = Date.UTC(2026, 10, 26, 12, 0, 0);
    const ids = [newId(t), newId(t), newId(t), newId(t + 1), newId(t + 1000)];
    for (const id of ids) { assert.ok(isId(id), id); }
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(idTime(ids[0]), t);
  });

  it('a back-dated id carries its own time', () => {
    const now = Date.now();
    newId(now);
    assert.equal(idTime(newId(now - 60_000)), now - 60_000);
  });

  it('rejects ids that could name anything else', () => {
    for (const bad of ['../x', '/etc/passwd', 'a\0b', '', '01JD3Z8X4V6Q9M2K7T5R1N0B8', '01JD3Z8X4V6Q9M2K7T5R1N0B8CX', '01jd3z8x4v6q9m2k7t5r1n0b8c']) {
      assert.equal(isId(bad), false, bad);
      assert.throws(() => assertId(bad), /invalid run id/);
    }
  });

  it('names that could leave .mlops/ or break on some file system are rejected with a reason', () => {
    const cases: [string, RegExp][] = [
      ['../x', /must not contain '\/'/], ['/abs', /must not contain '\/'/], ['a\\b', /must not contain/], ['a\0b', /NUL/],
      ['', /empty/], ['.hidden', /start with a letter or digit/], ['..', /start with a letter or digit/],
      ['trailing.', /must not end/], ['x'.repeat(101), /at most 100/], ['CON', /reserved on Windows/], ['tab\tname', /may only use/],
    ];
    for (const [name, re] of cases) { assert.match(nameProblem(name, 'experiment') ?? '', re, JSON.stringify(name)); }
    for (const ok of ['baseline', 'exp-1', 'My Experiment 2', 'v1.2_final']) { assert.equal(nameProblem(ok, 'experiment'), undefined, ok); }
  });

  it('free text must be one line', () => {
    assert.match(textProblem('a\nb', 'tag') ?? '', /control characters or line breaks/);
    assert.match(textProblem('  ', 'tag') ?? '', /empty/);
    assert.equal(textProblem('accuracy@fold=1', 'metric name'), undefined);
  });
});

describe('contributed ids', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
    name: string; publisher: string; contributes: { commands: { command: string; category?: string }[] };
  };

  it('the extension id matches package.json', () => {
    assert.equal(EXTENSION_ID, `${pkg.publisher}.${pkg.name}`);
  });

  it('every command in ids.ts is contributed and every contributed command is in ids.ts', () => {
    const declared = pkg.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(declared, Object.values(Commands).sort());
  });

  it('every palette command is in the MLOps category', () => {
    for (const c of pkg.contributes.commands) { assert.equal(c.category, 'MLOps', c.command); }
  });
});

describe('setting defaults', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { default?: unknown; properties?: Record<string, unknown> }> } } };
  const props = pkg.contributes.configuration.properties;

  it('the vetted set and training patterns in package.json are the ones the core uses (the CLI has no settings)', () => {
    assert.deepEqual(props['mlops.lint.vettedPackages'].default, [...DEFAULT_VETTED]);
    assert.deepEqual(props['mlops.lint.trainingPatterns'].default, [...DEFAULT_TRAINING_PATTERNS]);
  });

  it('every rule has a severity setting, and every setting is in ids.ts', () => {
    assert.deepEqual(Object.keys(props['mlops.lint.severity'].properties ?? {}).sort(), [...RULES].sort());
    assert.deepEqual(Object.keys(props).sort(), Object.values(Settings).sort());
  });
});
