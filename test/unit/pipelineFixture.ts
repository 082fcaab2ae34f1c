// A workspace with a store and a pipeline of real node scripts: prepare (raw.csv → data/prepared/), train (prepared →
// models/churn.json), report (notes.txt → report.txt, independent of the others).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store } from '../../src/core';
import { parsePipelineText, type Pipeline } from '../../src/core/pipeline';
import type { PipelineFile } from '../../src/core/pipeline/schema';
import { tmpDir } from './helpers';

export const NODE = process.execPath;

export const PREPARE = `const fs = require('fs');
fs.mkdirSync('data/prepared', { recursive: true });
const rows = fs.readFileSync('data/raw.csv', 'utf8').trim().split('\\n');
fs.writeFileSync('data/prepared/train.csv', rows.filter((_, i) => i % 2 === 0).join('\\n') + '\\n');
fs.writeFileSync('data/prepared/test.csv', rows.filter((_, i) => i % 2 === 1).join('\\n') + '\\n');
fs.appendFileSync('calls.log', 'prepare ' + process.env.MLOPS_RUN_ID + '\\n');
console.log('prepared ' + rows.length + ' rows');
`;

export const TRAIN = `const fs = require('fs');
const lr = process.argv[2];
fs.mkdirSync('models', { recursive: true });
const n = fs.readFileSync('data/prepared/train.csv', 'utf8').length;
fs.writeFileSync('models/churn.json', JSON.stringify({ lr, n }));
fs.appendFileSync('calls.log', 'train ' + process.env.MLOPS_RUN_ID + ' ' + process.env.MLOPS_PARAMS + '\\n');
console.log('trained with lr=' + lr);
`;

export const REPORT = `const fs = require('fs');
fs.writeFileSync('report.txt', 'report of ' + fs.readFileSync('notes.txt', 'utf8'));
fs.appendFileSync('calls.log', 'report\\n');
`;

export function pipelineDoc(over: Partial<Record<'prepare' | 'train' | 'report', Record<string, unknown>>> = {}): PipelineFile {
  return {
    formatVersion: 1,
    model: 'churn',
    steps: [
      { id: 'prepare', run: `${JSON.stringify(NODE)} prepare.js`, inputs: [{ file: 'data/raw.csv' }], outputs: [{ path: 'data/prepared', dataset: 'churn-prepared' }], ...over.prepare },
      { id: 'train', run: `${JSON.stringify(NODE)} train.js \${lr}`, params: { lr: 0.1 }, inputs: [{ step: 'prepare' }], outputs: [{ path: 'models/churn.json', model: 'churn', flavor: { name: 'python', entry: 'serve.py:load' } }], ...over.train },
      { id: 'report', run: `${JSON.stringify(NODE)} report.js`, inputs: [{ file: 'notes.txt' }], outputs: [{ path: 'report.txt' }], ...over.report },
    ],
  };
}

export interface Ws { root: string; store: Store; pipeline: Pipeline; write(doc: PipelineFile): Pipeline; calls(): string[] }

export async function pipelineWs(doc: PipelineFile = pipelineDoc(), name = 'retrain'): Promise<Ws> {
  const root = tmpDir('mlops-pipeline-');
  const { store } = await Store.init(root);
  fs.mkdirSync(path.join(root, 'data'));
  fs.writeFileSync(path.join(root, 'data', 'raw.csv'), 'id,churn\n1,0\n2,1\n3,0\n4,1\n');
  fs.writeFileSync(path.join(root, 'notes.txt'), 'first notes\n');
  fs.writeFileSync(path.join(root, 'prepare.js'), PREPARE);
  fs.writeFileSync(path.join(root, 'train.js'), TRAIN);
  fs.writeFileSync(path.join(root, 'report.js'), REPORT);
  fs.mkdirSync(path.join(store.dir, 'pipelines'));
  const file = path.join(store.dir, 'pipelines', `${name}.json`);
  const write = (d: PipelineFile): Pipeline => {
    const text = JSON.stringify(d, null, 2);
    fs.writeFileSync(file, text);
    const r = parsePipelineText(file, name, text);
    if (!r.pipeline) { throw new Error(r.problems.map((p) => p.message).join('\n')); }
    return r.pipeline;
  };
  const pipeline = write(doc);
  const calls = (): string[] => { const f = path.join(root, 'calls.log'); return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim().split('\n').map((l) => l.split(' ')[0]) : []; };
  return { root, store, pipeline, write, calls };
}
