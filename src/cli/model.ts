// `mlops model …`: the model registry.
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import { MODEL_FLAVORS, MODEL_STAGES, messageOf, type ModelFlavor, type ModelStage } from '../core';
import { tagPromoted, tagRegistered } from '../core/gate/tagging';
import { tagNameProblem, type CreatedTag } from '../core/git/tags';
import { gitUser } from '../core/gate/atCommit';
import { gateText } from '../core/gate/format';
import { promoteModel } from '../core/gate/promote';
import type { Waiver } from '../core/gate/types';
import { UsageError, list, required, str, type Command, type Out } from './context';
import { resolveModelVersionRef } from './gate';
import { localTime, printJson, reportProblems, table } from './output';
import { resolveRunRef } from './runRef';

/** The artifact names DVC GTO reads (gto/constants.py). */
const GTO_NAME = /^[a-z0-9]([a-z0-9-/]*[a-z0-9])?$/;

/** A model name git cannot carry in a tag is refused before anything is written. */
function checkTaggable(name: string): void {
  const problem = tagNameProblem(name);
  if (problem) { throw new UsageError(`--git-tag: ${problem}`); }
}

/**
 * Creates the tag after the store change. The change stands whatever git says, so a tag git refuses (it exists,
 * git does not know the user) is an error on stderr and exit 1, the store already updated.
 */
async function gitTag(io: Out, model: string, make: () => Promise<CreatedTag>, json: boolean): Promise<number> {
  try {
    const t = await make();
    if (t.fellBackToHead) { io.stderr(`mlops: warning: ${t.fellBackToHead}\n`); }
    if (!GTO_NAME.test(model)) { io.stderr(`mlops: warning: GTO lists only names of lower-case letters, digits and '-'; '${model}' is tagged, but gto show will not list it\n`); }
    if (!json) { io.stdout(`Tagged ${t.commit.slice(0, 12)} as ${t.tag} (not pushed: git push origin ${JSON.stringify(t.tag)})\n`); }
    return 0;
  } catch (e) {
    io.stderr(`mlops: the store was updated, but no git tag was created: ${messageOf(e)}\n`);
    return 1;
  }
}

/**
 * `--flavor` and `--entry` as a recorded flavor: the entry is required for python and refused otherwise; a file entry
 * must exist inside the workspace and is recorded relative to it (it is looked up from the workspace when served).
 */
export async function flavorOption(flavor: string | undefined, entry: string | undefined, root: string, cwd: string): Promise<ModelFlavor | undefined> {
  if (flavor === undefined) {
    if (entry !== undefined) { throw new UsageError('--entry goes with --flavor python'); }
    return undefined;
  }
  if (!(MODEL_FLAVORS as readonly string[]).includes(flavor)) { throw new UsageError(`unknown flavor '${flavor}': use one of ${MODEL_FLAVORS.join(', ')}`); }
  if (flavor !== 'python') {
    if (entry !== undefined) { throw new UsageError(`--entry is for --flavor python; a ${flavor} artifact is an object with .predict`); }
    return { name: flavor as ModelFlavor['name'] };
  }
  if (entry === undefined || entry === '') { throw new UsageError('--flavor python needs --entry FILE.py:FUNC (or package.module:FUNC): the function that loads the artifact and returns predict(records)'); }
  const m = /^(.+):([A-Za-z_][A-Za-z0-9_]*)$/.exec(entry);
  if (!m) { throw new UsageError(`bad --entry '${entry}': expected FILE.py:FUNC or package.module:FUNC`); }
  const where = m[1];
  if (!where.endsWith('.py') && !where.includes('/') && !where.includes('\\')) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(where)) { throw new UsageError(`bad --entry '${entry}': '${where}' is neither a .py file nor a module name`); }
    return { name: 'python', entry };
  }
  // A file: relative to the workspace (what the server searches), else to the current folder.
  for (const candidate of [path.resolve(root, where), path.resolve(cwd, where)]) {
    const rel = path.relative(root, candidate);
    if (rel.startsWith('..') || path.isAbsolute(rel)) { continue; }
    if (!(await fsp.stat(candidate).catch(() => undefined))?.isFile()) { continue; }
    // A link to a file outside the workspace would be copied into packages: refused, as log_model does.
    const [real, realRoot] = await Promise.all([fsp.realpath(candidate), fsp.realpath(root)]);
    const realRel = path.relative(realRoot, real);
    if (realRel.startsWith('..') || path.isAbsolute(realRel)) { throw new UsageError(`--entry ${entry}: ${where} is a link to ${real}, outside the workspace ${root}`); }
    return { name: 'python', entry: `${rel.split(path.sep).join('/')}:${m[2]}` };
  }
  throw new UsageError(`--entry ${entry}: ${where} is not a file inside the workspace ${root}`);
}

export const MODEL_COMMANDS: Record<string, Command> = {
  'model register': {
    options: {
      name: { type: 'string' }, run: { type: 'string', short: 'r' }, artifact: { type: 'string', short: 'a' }, 'git-tag': { type: 'boolean' },
      flavor: { type: 'string' }, entry: { type: 'string' },
    },
    positionals: 0,
    async run({ io, values, json, store: open }) {
      const name = required(values, 'name', 'model register');
      const runRef = required(values, 'run', 'model register');
      const artifact = required(values, 'artifact', 'model register');
      const store = await open();
      const flavor = await flavorOption(str(values, 'flavor'), str(values, 'entry'), store.root, io.cwd);
      const runId = await resolveRunRef(store, runRef);
      if (values['git-tag']) { checkTaggable(name); }
      const mv = await store.registerModel({ name, runId, artifactPath: path.resolve(io.cwd, artifact), flavor });
      if (json) { printJson(io, mv); } else {
        io.stdout(`Registered model '${name}' version ${mv.version} from run ${runId} (${mv.artifact.path}, sha256 ${(mv.artifact.sha256 ?? 'not hashed').slice(0, 12)}`
          + `${flavor ? `, flavor ${flavor.name}${flavor.entry ? ` ${flavor.entry}` : ''}` : ''})\n`);
      }
      return values['git-tag'] ? gitTag(io, name, () => tagRegistered(store, mv), json) : 0;
    },
  },

  'model promote': {
    options: {
      stage: { type: 'string', short: 's' }, 'keep-production': { type: 'boolean' },
      waive: { type: 'string', multiple: true }, reason: { type: 'string' }, 'git-tag': { type: 'boolean' },
    },
    positionals: 2,
    async run({ io, values, positionals, json, store: open }) {
      const [name, versionArg] = positionals;
      const stage = required(values, 'stage', 'model promote');
      if (!(MODEL_STAGES as readonly string[]).includes(stage)) { throw new UsageError(`unknown stage '${stage}': use one of ${MODEL_STAGES.join(', ')}`); }
      const waived = list(values, 'waive').flatMap((w) => w.split(',')).map((w) => w.trim()).filter(Boolean);
      const reason = str(values, 'reason');
      if (waived.length && reason === undefined) { throw new UsageError('--waive needs --reason TEXT: say why the failed check may go through (it is recorded with your name)'); }
      if (!waived.length && reason !== undefined) { throw new UsageError('--reason goes with --waive CHECK'); }
      if (values['git-tag']) { checkTaggable(name); }
      const store = await open();
      const version = await resolveModelVersionRef(store, name, versionArg);
      const waivers: Waiver[] = waived.map((check) => ({ check: check as Waiver['check'], reason: reason ?? '' }));
      const r = await promoteModel(store, name, version, {
        stage: stage as ModelStage, archiveExisting: !values['keep-production'], waivers, by: await gitUser(store.root),
      });
      for (const w of r.unusedWaivers) { io.stderr(`mlops: warning: '${w}' did not fail, so it was not waived\n`); }
      if (!r.promoted) {
        if (json) { printJson(io, { promoted: false, gate: r.gate }); } else { io.stdout(gateText(r.gate)); }
        const why = [...(r.gate.teamConflicts ?? []).map((c) => `${c.message}`), ...r.gate.blocking];
        io.stderr(`mlops: ${name} v${version} was not moved to ${stage}: the gate refused it (${why.join('; ')})\n`);
        return 1;
      }
      if (json) { printJson(io, { promoted: true, version: r.version, archived: r.archived, gate: r.gate ?? null }); } else {
        if (r.gate) { io.stdout(gateText(r.gate)); }
        io.stdout(`Model '${name}' version ${version} is now in ${stage}`
          + `${r.archived.length ? `; archived version${r.archived.length === 1 ? '' : 's'} ${r.archived.map((v) => v.version).join(', ')}` : ''}\n`);
      }
      return values['git-tag'] ? gitTag(io, name, () => tagPromoted(store, r.version, stage, r.gate), json) : 0;
    },
  },

  'model list': {
    options: { name: { type: 'string' } }, positionals: 0,
    async run({ io, values, json, store: open }) {
      const store = await open();
      const { items, problems } = await store.listModelVersions(str(values, 'name'));
      const mProblems = (await store.listModels()).problems;
      if (json) { printJson(io, items); } else if (items.length === 0) {
        io.stdout('No models yet. Register one with: mlops model register --name M --run ID --artifact PATH\n');
      } else {
        io.stdout(table([['MODEL', 'VERSION', 'STAGE', 'RUN', 'ARTIFACT', 'CREATED'],
          ...items.map((v) => [v.model, String(v.version), v.stage, v.runId, v.artifact.path, localTime(v.createdAt)])]));
      }
      return reportProblems(io, [...problems, ...mProblems]);
    },
  },
};
