// `mlops runs …`: list and show runs.
import { formatBytes, formatDuration, summarizeMetrics, type Run } from '../core';
import { parseStatus, str, type Command } from './context';
import { formatNumber, formatValue, localTime, printJson, reportProblems, table } from './output';

export const RUNS_COMMANDS: Record<string, Command> = {
  'runs list': {
    options: { experiment: { type: 'string', short: 'e' }, status: { type: 'string' } }, positionals: 0,
    async run({ io, values, json, store: open }) {
      const status = parseStatus(str(values, 'status'));
      const store = await open();
      const { items, problems } = await store.listRuns({ experiment: str(values, 'experiment') });
      const runs = status ? items.filter((r) => r.status === status) : items;
      if (json) { printJson(io, runs); } else if (runs.length === 0) {
        io.stdout(items.length ? 'No runs match.\n' : 'No runs yet. Log one with: mlops run log --experiment NAME --metric loss=0.5\n');
      } else {
        io.stdout(table([['ID', 'EXPERIMENT', 'NAME', 'STATUS', 'STARTED', 'COMMIT'],
          ...runs.map((r) => [r.id, r.experiment, r.name, r.status, localTime(r.startTime), r.git ? r.git.commit.slice(0, 8) + (r.git.dirty ? '+' : '') : ''])]));
      }
      return reportProblems(io, problems);
    },
  },

  'runs show': {
    options: {}, positionals: 1,
    async run({ io, positionals, json, store: open }) {
      const store = await open();
      const id = await store.resolveRunId(positionals[0]);
      const run = await store.readRun(id);
      const { points, problems } = await store.readMetrics(id);
      const metrics = Object.fromEntries([...summarizeMetrics(points)].map(([k, s]) => [k, { count: s.count, last: s.last, lastStep: s.lastStep, min: s.min, max: s.max }]));
      const versions = await store.listModelVersions();
      const models = versions.items.filter((v) => v.runId === id).map((v) => ({ model: v.model, version: v.version, stage: v.stage }));
      if (json) { printJson(io, { run, metrics, models }); } else { io.stdout(describeRun(run, metrics, models)); }
      return reportProblems(io, [...problems, ...versions.problems]);
    },
  },
};

function describeRun(run: Run, metrics: Record<string, { count: number; last: number; lastStep: number; min: number; max: number }>, models: { model: string; version: number; stage: string }[]): string {
  const lines: string[] = [];
  lines.push(`Run ${run.id}  ${run.name}`);
  lines.push(`  experiment  ${run.experiment}`);
  lines.push(`  status      ${run.status}`);
  lines.push(`  started     ${localTime(run.startTime)}${run.endTime ? `   ended ${localTime(run.endTime)}` : ''}`);
  if (run.meta.durationMs !== undefined) { lines.push(`  duration    ${formatDuration(run.meta.durationMs)}`); }
  if (run.meta.peakMemoryBytes !== undefined) { lines.push(`  peak memory ${formatBytes(run.meta.peakMemoryBytes)}`); }
  if (run.meta.hardware?.cpu) { lines.push(`  hardware    ${run.meta.hardware.cpu}${run.meta.hardware.cores ? ` × ${run.meta.hardware.cores}` : ''}`); }
  if (run.meta.cost) { lines.push(`  cost        ${run.meta.cost.amount} ${run.meta.cost.currency}`); }
  lines.push(`  git         ${run.git ? `${run.git.commit}${run.git.dirty ? ' (dirty: uncommitted changes)' : ''}${run.git.branch ? ` on ${run.git.branch}` : ''}` : '(not recorded)'}`);
  if (run.tags.length) { lines.push(`  tags        ${run.tags.join(', ')}`); }
  if (run.notes) { lines.push(`  notes       ${run.notes}`); }
  const params = Object.entries(run.params);
  if (params.length) {
    lines.push('Params');
    for (const [k, v] of params) { lines.push(`  ${k} = ${formatValue(v)}`); }
  }
  const ms = Object.entries(metrics);
  if (ms.length) {
    lines.push('Metrics (last @ step, min, max, points)');
    for (const [k, s] of ms) { lines.push(`  ${k} = ${formatNumber(s.last)} @ ${s.lastStep}   min ${formatNumber(s.min)}   max ${formatNumber(s.max)}   ${s.count}`); }
  }
  if (run.dataVersions.length) {
    lines.push('Data versions');
    for (const d of run.dataVersions) { lines.push(`  ${d.dataset} ${d.version}${d.contentHash ? ` (sha256 ${d.contentHash.slice(0, 12)})` : ''}`); }
  }
  if (models.length) {
    lines.push('Models registered from this run');
    for (const m of models) { lines.push(`  ${m.model} v${m.version} (${m.stage})`); }
  }
  return lines.join('\n') + '\n';
}
