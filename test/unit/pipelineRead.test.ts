// Reading pipeline files: every problem at its file, line and column; cross-step rules; newer formats refused.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store } from '../../src/core';
import { formatProblem, listPipelines, parsePipelineText, readPipeline } from '../../src/core/pipeline';
import { tmpDir } from './helpers';

const parse = (text: string) => parsePipelineText('/ws/.mlops/pipelines/p.json', 'p', text, '.mlops/pipelines/p.json');
const lines = (text: string) => parse(text).problems.map(formatProblem);

describe('pipeline files', () => {
  it('a good file gives the pipeline with its steps', async () => {
    const root = tmpDir();
    const { store } = await Store.init(root);
    fs.mkdirSync(path.join(store.dir, 'pipelines'));
    fs.writeFileSync(path.join(store.dir, 'pipelines', 'retrain.json'), JSON.stringify({
      formatVersion: 1, description: 'weekly', steps: [
        { id: 'prepare', run: 'python prepare.py', outputs: [{ path: 'data/p.csv', dataset: 'p' }] },
        { id: 'train', run: { script: 'train.py' }, inputs: [{ step: 'prepare' }], when: 'drift.class == "minor"' },
      ],
    }, null, 2));
    fs.writeFileSync(path.join(store.dir, 'pipelines', 'notes.txt'), 'not a pipeline');
    assert.deepEqual((await listPipelines(store)).map((p) => p.name), ['retrain']);
    const r = await readPipeline(store, 'retrain');
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.pipeline?.steps.map((s) => s.id), ['prepare', 'train']);
    assert.equal(r.pipeline?.doc.description, 'weekly');
    await assert.rejects(readPipeline(store, 'nope'), /no pipeline 'nope' \(expected \.mlops\/pipelines\/nope\.json\); pipelines: retrain/);
  });

  it('not JSON: the place of the syntax error', () => {
    assert.equal(lines('{\n  "formatVersion": 1,\n  "steps": [\n}')[0], '.mlops/pipelines/p.json:4:1: not valid JSON: ValueExpected');
  });

  it('a bad step is reported at its own place; the others are not', () => {
    const text = '{\n  "formatVersion": 1,\n  "steps": [\n    { "id": "ok", "run": "a" },\n    { "id": "9bad", "run": "b", "colour": 1 }\n  ]\n}';
    const got = lines(text);
    assert.ok(got.some((l) => /^\.mlops\/pipelines\/p\.json:5:13: steps\[1\]: id: a step id starts with a letter/.test(l)), got.join('\n'));
    assert.ok(got.some((l) => /^\.mlops\/pipelines\/p\.json:5:5: steps\[1\]: .*colour/.test(l)), got.join('\n'));
    assert.equal(parse(text).pipeline, undefined);
  });

  it('a newer formatVersion is refused with what to do', () => {
    assert.deepEqual(lines('{ "formatVersion": 2, "steps": "anything" }'), ['.mlops/pipelines/p.json:1:20: written by a newer MLOps Workbench (formatVersion 2; this version reads 1); update the extension or the mlops CLI to run this pipeline']);
  });

  it('a when that does not parse points at the character inside the string', () => {
    const text = '{\n  "formatVersion": 1,\n  "steps": [\n    { "id": "a", "run": "x", "when": "drift.class == " }\n  ]\n}';
    const got = lines(text);
    // The string starts at column 38 of line 4; the end of the condition (index 15) is its closing quote, column 54.
    assert.deepEqual(got, [".mlops/pipelines/p.json:4:54: when: expected a value after '==', got the end at column 16"]);
    const escaped = '{"formatVersion":1,"steps":[{"id":"a","run":"x","when":"d == \\"x\\" and = 1"}]}';
    const p = parse(escaped).problems[0];
    assert.equal(escaped.slice(p.offset, p.offset + 1), '=');
  });

  it('duplicate ids, unknown and later steps as inputs, cycles, outputs a step does not have, paths that leave the workspace', () => {
    const got = lines(JSON.stringify({
      formatVersion: 1, steps: [
        { id: 'a', run: 'x', inputs: [{ step: 'c' }], outputs: [{ path: 'a.txt' }] },
        { id: 'b', run: 'x', inputs: [{ step: 'ghost' }, { step: 'a', output: 'z.txt' }], outputs: [{ path: '../out.txt' }] },
        { id: 'c', run: 'x', inputs: [{ step: 'a' }], outputs: [{ path: 'c.txt' }] },
        { id: 'a', run: 'y' },
      ],
    }, null, 1)).join('\n');
    assert.match(got, /duplicate step id 'a' \(also step 1\)/);
    assert.match(got, /missing input: step 'b' reads the outputs of 'ghost', but no step has that id/);
    assert.match(got, /missing input: step 'a' has no output 'z\.txt' \(its outputs: a\.txt\)/);
    assert.match(got, /cycle between steps: a → c → a/);
    assert.match(got, /'\.\.\/out\.txt' is refused: it goes up with '\.\.'/);
    for (const l of got.split('\n')) { assert.match(l, /^\.mlops\/pipelines\/p\.json:\d+:\d+: /); }
  });

  it('reading a later step without a cycle says to move it', () => {
    const got = lines(JSON.stringify({ formatVersion: 1, steps: [{ id: 'a', run: 'x', inputs: [{ step: 'b' }] }, { id: 'b', run: 'x', outputs: [{ path: 'b.txt' }] }] }));
    assert.equal(got.length, 1);
    assert.match(got[0], /missing input: step 'a' reads the outputs of 'b', which runs after it; move 'b' before 'a'/);
  });
});
