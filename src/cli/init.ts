// `mlops init`
import * as path from 'node:path';
import { Store } from '../core';
import { str, type Command } from './context';
import { printJson } from './output';

export const INIT_COMMANDS: Record<string, Command> = {
  'init': {
    options: {}, positionals: 0,
    async run({ io, values, json }) {
      const root = path.resolve(io.cwd, str(values, 'root') ?? '.');
      const { store, created } = await Store.init(root);
      if (json) { printJson(io, { root: store.root, store: store.dir, created }); } else {
        io.stdout(created ? `Initialized an MLOps store in ${store.dir}\n` : `An MLOps store already exists in ${store.dir}; nothing changed\n`);
      }
      return 0;
    },
  },
};
