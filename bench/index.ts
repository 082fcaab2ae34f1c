// `npm run bench`: prints speed and memory figures. Nothing here is asserted; compare with the goals printed.
import * as path from 'node:path';
import { benchCompare } from './compare.bench';
import { benchData } from './data.bench';
import { benchGate } from './gate.bench';
import { benchGoals } from './goals.bench';
import { benchLint } from './lint.bench';
import { benchMlflow } from './mlflow.bench';
import { benchMlflowDb } from './mlflowDb.bench';
import { benchMonitor } from './monitor.bench';
import { benchNotebooks } from './notebook.bench';
import { benchPipeline } from './pipeline.bench';
import { benchProfile } from './profile.bench';
import { benchServe } from './serve.bench';
import { benchStore } from './store.bench';

async function main(): Promise<void> {
  const repo = path.resolve(__dirname, '..', '..');
  const only = process.argv[2];
  console.log(`MLOps Workbench benchmarks — Node ${process.version}, ${process.platform}/${process.arch}`);
  if (!only || only === 'store') { await benchStore(repo); }
  if (!only || only === 'lint') { await benchLint(repo); }
  if (!only || only === 'notebooks') { await benchNotebooks(); }
  if (!only || only === 'compare') { await benchCompare(); }
  if (!only || only === 'goals') { await benchGoals(repo); }
  if (!only || only === 'data') { await benchData(repo); }
  if (!only || only === 'profile') { await benchProfile(); }
  if (!only || only === 'gate') { await benchGate(); }
  if (!only || only === 'serve') { await benchServe(); }
  if (!only || only === 'monitor') { await benchMonitor(); }
  if (!only || only === 'pipeline') { await benchPipeline(); }
  if (!only || only === 'mlflow') { await benchMlflow(); }
  if (!only || only === 'mlflowdb') { await benchMlflowDb(); }
}

main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
