// `mlops run …`: record one run.
import {
  parseDataRef, parseMetric, parseParam, simpleGitPort, noGitPort, type DataVersionRef, type ParamValue,
} from '../core';
import { UsageError, list, parseStatus, required, str, type Command } from './context';
import { printJson } from './output';

export const RUN_COMMANDS: Record<string, Command> = {
  'run log': {
    options: {
      experiment: { type: 'string', short: 'e' }, name: { type: 'string', short: 'n' },
      param: { type: 'string', multiple: true, short: 'p' }, metric: { type: 'string', multiple: true, short: 'm' },
      tag: { type: 'string', multiple: true, short: 't' }, note: { type: 'string' }, data: { type: 'string', multiple: true },
      status: { type: 'string' }, duration: { type: 'string' }, 'no-git': { type: 'boolean' },
    },
    positionals: 0,
    async run({ io, values, json, store: open }) {
      const experiment = required(values, 'experiment', 'run log');
      const params: Record<string, ParamValue> = {};
      for (const p of list(values, 'param')) { const [k, v] = parseParam(p); params[k] = v; }
      const metrics = list(values, 'metric').map(parseMetric);
      const status = parseStatus(str(values, 'status')) ?? 'finished';
      let durationMs: number | undefined;
      const d = str(values, 'duration');
      if (d !== undefined) {
        const secs = Number(d);
        if (!/^\d+(\.\d+)?$/.test(d) || !Number.isFinite(secs)) { throw new UsageError(`bad --duration '${d}': expected seconds, e.g. 12.5`); }
        durationMs = Math.round(secs * 1000);
      }
      const store = await open();
      const dataVersions: DataVersionRef[] = [];
      for (const ref of list(values, 'data')) {
        const { dataset, ref: versionRef } = parseDataRef(ref);
        const v = await store.resolveDataVersion(dataset, versionRef);
        dataVersions.push({ dataset, version: v.id, contentHash: v.contentHash });
      }
      const git = await (values['no-git'] ? noGitPort : simpleGitPort).state(store.root);
      const end = new Date();
      const start = durationMs !== undefined ? new Date(end.getTime() - durationMs) : end;
      const run = await store.createRun({
        experiment, name: str(values, 'name'), params, tags: list(values, 'tag'), notes: str(values, 'note'),
        status, startTime: start, endTime: status === 'running' ? undefined : end, git, dataVersions,
        meta: durationMs !== undefined ? { durationMs } : {}, source: { kind: 'cli' },
      });
      if (metrics.length) { await store.logMetrics(run.id, metrics); }
      if (json) { printJson(io, run); } else {
        io.stdout(`Logged run ${run.id} (${run.name}) in experiment '${run.experiment}'`
          + `${metrics.length ? ` with ${metrics.length} metric point${metrics.length === 1 ? '' : 's'}` : ''}`
          + `${git ? `, commit ${git.commit.slice(0, 8)}${git.dirty ? ' (dirty)' : ''}` : ''}\n`);
      }
      return 0;
    },
  },
};
