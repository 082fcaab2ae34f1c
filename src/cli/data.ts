// `mlops data …`: data versions: tag, refresh, list, show, verify, diff.
import * as path from 'node:path';
import { formatBytes, hashPath, parseDataRef, type DataVersion, type ManifestEntry, type Store, type StoreProblem } from '../core';
import { compareManifests, isSame, verifyAgainst, type ManifestDiff } from '../core/data/compare';
import { list, required, str, type Command } from './context';
import { localTime, plural, printJson, reportProblems, table } from './output';
import { publicFinding, readDataSchema, versionFindings } from '../core/data/check';
import { findingsText } from './dataQuality';

/** `DATASET[:VERSION_OR_TAG]` to a version with its manifest. */
async function versionOf(store: Store, ref: string): Promise<{ version: DataVersion; entries: ManifestEntry[]; problems: StoreProblem[] }> {
  const { dataset, ref: versionRef } = parseDataRef(ref);
  const version = await store.resolveDataVersion(dataset, versionRef);
  const { entries, problems } = await store.readManifest(dataset, version.id);
  return { version, entries, problems };
}

const label = (v: DataVersion): string => `${v.dataset} ${v.id}${v.tags.length ? ` [${v.tags.join(', ')}]` : ''}`;
const short = (sha: string): string => sha.slice(0, 12);

function diffJson(d: ManifestDiff): object {
  return { added: d.added, removed: d.removed, changed: d.changed, unchanged: d.unchanged };
}

/** One line per file: `+ path`, `- path`, `~ path` with the words a reader needs. */
function diffLines(d: ManifestDiff, words: { added: string; removed: string }): string {
  const lines = [
    ...d.changed.map((c) => `changed  ${c.path}  (${formatBytes(c.before.size)} → ${formatBytes(c.after.size)}, sha256 ${short(c.before.sha256)} → ${short(c.after.sha256)})`),
    ...d.removed.map((e) => `${words.removed.padEnd(7)}  ${e.path}  (${formatBytes(e.size)})`),
    ...d.added.map((e) => `${words.added.padEnd(7)}  ${e.path}  (${formatBytes(e.size)})`),
  ];
  return lines.length ? lines.join('\n') + '\n' : '';
}

export const DATA_COMMANDS: Record<string, Command> = {
  'data tag': {
    options: { dataset: { type: 'string', short: 'd' }, tag: { type: 'string', multiple: true, short: 't' }, 'no-profile': { type: 'boolean' } }, positionals: 1,
    async run({ io, values, positionals, json, store: open }) {
      const dataset = required(values, 'dataset', 'data tag');
      const store = await open();
      const r = await store.tagData({ path: path.resolve(io.cwd, positionals[0]), dataset, tags: list(values, 'tag'), profile: !values['no-profile'] });
      // Every new version is checked against the dataset's common schema, when it has one; tagging itself never fails on data.
      const schema = r.profile ? await readDataSchema(store, dataset) : undefined;
      const findings = r.profile && schema?.schema ? versionFindings(r.version, r.profile, schema.schema) : [];
      const profiled = r.profile?.files.map((f) => ({ path: f.path, rows: f.rows, columns: f.columns.length, ...(f.error ? { error: f.error } : {}) }));
      if (json) { printJson(io, { version: r.version, reused: r.reused, addedTags: r.addedTags, profile: profiled, findings: findings.map(publicFinding) }); } else {
        const v = r.version;
        const what = `${plural(v.fileCount, 'file')}, ${formatBytes(v.sizeBytes)}, sha256 ${short(v.contentHash)}`;
        io.stdout(r.reused
          ? `Content unchanged: dataset '${dataset}' version ${v.id} already holds it (${what})${r.addedTags.length ? `; added tag${r.addedTags.length === 1 ? '' : 's'} ${r.addedTags.join(', ')}` : ''}\n`
          : `Tagged ${v.source} as dataset '${dataset}' version ${v.id} (${what})${v.tags.length ? ` [${v.tags.join(', ')}]` : ''}\n`);
        for (const f of r.profile?.files ?? []) {
          io.stdout(f.error ? `Not profiled: ${f.path}: ${f.error}\n` : `Profiled ${f.path}: ${plural(f.rows, 'row')} × ${plural(f.columns.length, 'column')}\n`);
        }
        if (schema?.exists && !schema.schema) { io.stdout(`Not checked: ${store.rel(schema.file)} cannot be used: ${schema.problems.join('; ')}\n`); }
        if (schema?.schema) {
          io.stdout(findingsText(findings));
          io.stdout(`Checked against ${store.rel(schema.file)}: ${findings.length ? plural(findings.length, 'finding') : 'no findings'}\n`);
        }
      }
      return 0;
    },
  },

  'data refresh': {
    options: { from: { type: 'string' }, tag: { type: 'string', multiple: true, short: 't' } }, positionals: 1,
    async run({ io, values, positionals, json, store: open }) {
      const dataset = positionals[0];
      const from = required(values, 'from', 'data refresh');
      const store = await open();
      const abs = path.resolve(io.cwd, from);
      // Compared with the newest version only: content that went back to an older version is a change too.
      const { items } = await store.listDataVersions(dataset);
      const newest = [...items].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1))[0];
      const hashed = await hashPath(abs);
      if (newest && newest.contentHash === hashed.contentHash) {
        if (json) { printJson(io, { changed: false, version: newest }); } else { io.stdout(`unchanged: ${newest.id}\n`); }
        return 0;
      }
      const r = await store.tagData({ path: abs, dataset, tags: list(values, 'tag') });
      const v = r.version;
      if (json) { printJson(io, { changed: true, reused: r.reused, previous: newest?.id ?? null, version: v }); } else {
        io.stdout(r.reused
          ? `changed: ${from} holds the content of the older version ${v.id} of '${dataset}' again (newest was ${newest?.id ?? '-'})${r.addedTags.length ? `; added ${r.addedTags.join(', ')}` : ''}\n`
          : `changed: tagged ${v.source} as dataset '${dataset}' version ${v.id} (${plural(v.fileCount, 'file')}, ${formatBytes(v.sizeBytes)}${newest ? `; newest was ${newest.id}` : '; the first version'})\n`);
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

  'data show': {
    options: {}, positionals: 1,
    async run({ io, positionals, json, store: open }) {
      const store = await open();
      const { version: v, entries, problems } = await versionOf(store, positionals[0]);
      if (json) { printJson(io, { version: v, files: entries }); } else {
        io.stdout([
          `Data version ${v.id}`,
          `  dataset   ${v.dataset}`,
          `  tags      ${v.tags.join(', ') || '-'}`,
          `  source    ${v.source}`,
          `  created   ${localTime(v.createdAt)}`,
          `  content   ${plural(v.fileCount, 'file')}, ${formatBytes(v.sizeBytes)}, sha256 ${v.contentHash}`,
          'Files',
        ].join('\n') + '\n');
        io.stdout(entries.length ? table([['PATH', 'SIZE', 'SHA256'], ...entries.map((e) => [e.path, formatBytes(e.size), short(e.sha256)])]) : '  (none)\n');
      }
      return reportProblems(io, problems);
    },
  },

  'data verify': {
    options: {}, positionals: [1, 2],
    async run({ io, positionals, json, store: open }) {
      const store = await open();
      const { version: v, entries, problems } = await versionOf(store, positionals[0]);
      const target = positionals[1] !== undefined ? path.resolve(io.cwd, positionals[1]) : path.resolve(store.root, v.source);
      const diff = await verifyAgainst(entries, target);
      const same = isSame(diff);
      if (json) { printJson(io, { version: v, path: target, ok: same, ...diffJson(diff) }); } else {
        io.stdout(diffLines(diff, { added: 'new', removed: 'missing' }));
        io.stdout(same
          ? `${target} matches ${label(v)}: ${plural(diff.unchanged, 'file')} unchanged\n`
          : `${target} differs from ${label(v)}: ${diff.changed.length} changed, ${diff.removed.length} missing, ${diff.added.length} new, ${diff.unchanged} unchanged\n`);
      }
      const damaged = reportProblems(io, problems);
      return same ? damaged : 1;
    },
  },

  'data diff': {
    options: {}, positionals: 2,
    async run({ io, positionals, json, store: open }) {
      const store = await open();
      const a = await versionOf(store, positionals[0]);
      const b = await versionOf(store, positionals[1]);
      const diff = compareManifests(a.entries, b.entries);
      if (json) { printJson(io, { from: a.version, to: b.version, ...diffJson(diff) }); } else {
        io.stdout(diffLines(diff, { added: 'added', removed: 'removed' }));
        io.stdout(`${label(a.version)} → ${label(b.version)}: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed, ${diff.unchanged} unchanged\n`);
      }
      return reportProblems(io, [...a.problems, ...b.problems]);
    },
  },
};
