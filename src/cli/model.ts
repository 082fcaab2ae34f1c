// `mlops model …`: the model registry.
import * as path from 'node:path';
import { MODEL_STAGES, type ModelStage } from '../core';
import { UsageError, required, str, type Command } from './context';
import { localTime, printJson, reportProblems, table } from './output';
import { resolveRunRef } from './runRef';

export const MODEL_COMMANDS: Record<string, Command> = {
  'model register': {
    options: { name: { type: 'string' }, run: { type: 'string', short: 'r' }, artifact: { type: 'string', short: 'a' } }, positionals: 0,
    async run({ io, values, json, store: open }) {
      const name = required(values, 'name', 'model register');
      const runRef = required(values, 'run', 'model register');
      const artifact = required(values, 'artifact', 'model register');
      const store = await open();
      const runId = await resolveRunRef(store, runRef);
      const mv = await store.registerModel({ name, runId, artifactPath: path.resolve(io.cwd, artifact) });
      if (json) { printJson(io, mv); } else {
        io.stdout(`Registered model '${name}' version ${mv.version} from run ${runId} (${mv.artifact.path}, sha256 ${mv.artifact.sha256.slice(0, 12)})\n`);
      }
      return 0;
    },
  },

  'model promote': {
    options: { stage: { type: 'string', short: 's' }, 'keep-production': { type: 'boolean' } }, positionals: 2,
    async run({ io, values, positionals, json, store: open }) {
      const [name, versionArg] = positionals;
      const stage = required(values, 'stage', 'model promote');
      if (!(MODEL_STAGES as readonly string[]).includes(stage)) { throw new UsageError(`unknown stage '${stage}': use one of ${MODEL_STAGES.join(', ')}`); }
      const version = Number(versionArg.replace(/^v/i, ''));
      if (!/^v?\d+$/i.test(versionArg) || !Number.isSafeInteger(version) || version < 1) { throw new UsageError(`bad model version '${versionArg}': expected a whole number such as 3`); }
      const store = await open();
      const r = await store.setModelStage(name, version, stage as ModelStage, { archiveExisting: !values['keep-production'] });
      if (json) { printJson(io, r); } else {
        io.stdout(`Model '${name}' version ${version} is now in ${stage}`
          + `${r.archived.length ? `; archived version${r.archived.length === 1 ? '' : 's'} ${r.archived.map((v) => v.version).join(', ')}` : ''}\n`);
      }
      return 0;
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
