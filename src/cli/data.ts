// `mlops data …`: data versions.
import * as path from 'node:path';
import { formatBytes } from '../core';
import { list, required, str, type Command } from './context';
import { localTime, printJson, reportProblems, table } from './output';

export const DATA_COMMANDS: Record<string, Command> = {
  'data tag': {
    options: { dataset: { type: 'string', short: 'd' }, tag: { type: 'string', multiple: true, short: 't' } }, positionals: 1,
    async run({ io, values, positionals, json, store: open }) {
      const dataset = required(values, 'dataset', 'data tag');
      const store = await open();
      const r = await store.tagData({ path: path.resolve(io.cwd, positionals[0]), dataset, tags: list(values, 'tag') });
      if (json) { printJson(io, { version: r.version, reused: r.reused, addedTags: r.addedTags }); } else {
        const v = r.version;
        const what = `${v.fileCount} file${v.fileCount === 1 ? '' : 's'}, ${formatBytes(v.sizeBytes)}, sha256 ${v.contentHash.slice(0, 12)}`;
        io.stdout(r.reused
          ? `Content unchanged: dataset '${dataset}' version ${v.id} already holds it (${what})${r.addedTags.length ? `; added tag${r.addedTags.length === 1 ? '' : 's'} ${r.addedTags.join(', ')}` : ''}\n`
          : `Tagged ${v.source} as dataset '${dataset}' version ${v.id} (${what})${v.tags.length ? ` [${v.tags.join(', ')}]` : ''}\n`);
      }
      return 0;
    },
  },

  'data list': {
    options: { dataset: { type: 'string', short: 'd' } }, positionals: 0,
    async run({ io, values, json, store: open }) {
      const store = await open();
      const ds = str(values, 'dataset');
      const { items, problems } = await store.listDataVersions(ds);
      const dsProblems = ds ? [] : (await store.listDatasets()).problems;
      if (json) { printJson(io, items); } else if (items.length === 0) {
        io.stdout('No data versions yet. Tag one with: mlops data tag PATH --dataset NAME\n');
      } else {
        io.stdout(table([['DATASET', 'VERSION', 'TAGS', 'FILES', 'SIZE', 'CREATED', 'SOURCE'],
          ...items.map((v) => [v.dataset, v.id, v.tags.join(',') || '-', String(v.fileCount), formatBytes(v.sizeBytes), localTime(v.createdAt), v.source])]));
      }
      return reportProblems(io, [...problems, ...dsProblems]);
    },
  },
};
