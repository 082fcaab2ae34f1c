// `mlops gate`: the production gate for CI — one model version, or every version in production or staging whose
// file changed since a revision (a pull request's base). Exit 0 when every required check passes, 1 when one fails,
// 2 on bad usage.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MlopsError, type Store } from '../core';
import { changedModelVersions } from '../core/gate/changed';
import { gateMarkdown, gateSarif, gateText } from '../core/gate/format';
import { runGate, type GateOptions } from '../core/gate/gate';
import type { GateResult } from '../core/gate/types';
import { UsageError, str, type Command } from './context';
import { VERSION } from './help';
import { printJson } from './output';

const FORMATS = ['text', 'json', 'sarif', 'markdown'] as const;

/**
 * SARIF's root: the repository's top (code scanning resolves paths against it) and the store's folder below it. Found
 * by looking for `.git` (a folder, or a worktree's file) upward; no git process. The store itself when none.
 */
function sarifRoot(storeRoot: string): { root: string; prefix: string } {
  for (let dir = storeRoot; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.git'))) { return { root: dir, prefix: path.relative(dir, storeRoot).split(path.sep).join('/') }; }
    if (path.dirname(dir) === dir) { return { root: storeRoot, prefix: '' }; }
  }
}

function sarifText(results: readonly GateResult[], storeRoot: string): string {
  return JSON.stringify(gateSarif(results, { ...sarifRoot(storeRoot), version: VERSION }), null, 2) + '\n';
}

/**
 * `3`, `v3` or `@production`/`@staging`: the version number a model version reference names. A stage held by no
 * version, or by several (two people promoted at once), is an error that says which.
 */
export async function resolveModelVersionRef(store: Store, model: string, ref: string): Promise<number> {
  if (ref.startsWith('@')) {
    const stage = ref.slice(1);
    if (!['production', 'staging', 'archived', 'none'].includes(stage)) { throw new UsageError(`unknown stage '${stage}' in '${ref}': use @production or @staging`); }
    const { items } = await store.listModelVersions(model);
    if (!items.length) { throw new UsageError(`no model '${model}' (or it has no readable version)`); }
    const at = items.filter((v) => v.stage === stage);
    if (!at.length) { throw new UsageError(`model '${model}' has no version in ${stage}`); }
    if (at.length > 1) { throw new UsageError(`model '${model}' has ${at.length} versions in ${stage} (${at.map((v) => `v${v.version}`).join(', ')}): name one by its number`); }
    return at[0].version;
  }
  const n = Number(ref.replace(/^v/i, ''));
  if (!/^v?\d+$/i.test(ref) || !Number.isSafeInteger(n) || n < 1) { throw new UsageError(`bad model version '${ref}': expected a whole number such as 3, or @production`); }
  return n;
}

async function gateOne(store: Store, model: string, version: number, opts: Pick<GateOptions, 'commit' | 'stage' | 'missingArtifact'>): Promise<GateResult> {
  try {
    return await runGate(store, model, version, opts);
  } catch (e) {
    // No such model or version: the user named something that is not there.
    if (e instanceof MlopsError && (e.kind === 'not-found' || /has no version/.test(e.message))) { throw new UsageError(e.message); }
    throw e;
  }
}

export const GATE_COMMANDS: Record<string, Command> = {
  'gate': {
    options: { format: { type: 'string', short: 'f' }, commit: { type: 'string' }, 'changed-since': { type: 'string' }, stage: { type: 'string' }, 'missing-artifact': { type: 'string' } },
    positionals: [0, 2],
    async run({ io, values, positionals, json, store: open }) {
      const format = str(values, 'format') ?? (json ? 'json' : 'text');
      if (!(FORMATS as readonly string[]).includes(format)) { throw new UsageError(`unknown --format '${format}': use ${FORMATS.join(', ')}`); }
      const since = str(values, 'changed-since');
      const commit = str(values, 'commit');
      const stage = str(values, 'stage');
      if (stage !== undefined && !['production', 'staging'].includes(stage)) { throw new UsageError(`--stage is production or staging, not '${stage}'`); }
      const missing = str(values, 'missing-artifact') ?? 'fail';
      if (missing !== 'fail' && missing !== 'skip') { throw new UsageError(`--missing-artifact is fail or skip, not '${missing}'`); }
      const missingArtifact: 'fail' | 'skip' = missing;
      if (since !== undefined && positionals.length) { throw new UsageError('give either MODEL VERSION or --changed-since REV, not both'); }
      if (since === undefined && positionals.length !== 2) { throw new UsageError("'mlops gate' needs MODEL and VERSION (a number or @production), or --changed-since REV"); }
      const store = await open();
      const results: GateResult[] = [];
      let damaged = false;
      if (since !== undefined) {
        const changed = await changedModelVersions(store, since);
        for (const v of changed.versions) { results.push(await gateOne(store, v.model, v.version, { commit, stage: stage ?? v.stage, missingArtifact })); }
        for (const p of changed.problems) { io.stderr(`mlops: error: ${p}\n`); }
        damaged = changed.problems.length > 0;
        if (!results.length) {
          if (format === 'json') { printJson(io, []); } else if (format === 'sarif') { io.raw(sarifText([], store.root)); } else {
            io.stdout(`No model version in production or staging changed since ${since}.\n`);
          }
          return damaged ? 1 : 0;
        }
      } else {
        const [model, ref] = positionals;
        const version = await resolveModelVersionRef(store, model, ref);
        results.push(await gateOne(store, model, version, { commit, stage, missingArtifact }));
      }
      if (format === 'json') {
        printJson(io, since !== undefined ? results : results[0]);
      } else if (format === 'sarif') {
        io.raw(sarifText(results, store.root));
      } else if (format === 'markdown') {
        // Raw: the Markdown escapes what it shows itself, and terminal escaping would corrupt it for GitHub.
        io.raw(gateMarkdown(results));
      } else {
        for (const r of results) { io.stdout(gateText(r)); }
      }
      return results.every((r) => r.passed) && !damaged ? 0 : 1;
    },
  },
};
