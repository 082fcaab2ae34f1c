// `mlops git …` and `mlops model conflicts|resolve`: sharing one store through git (docs/team.md).
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  findTeamConflicts, gitMergeStatus, mergeDriverCommand, resolveCommandOf, resolveMultipleProduction, resolveVersionClaim, runMergeDriver,
  setUpGitMerge,
} from '../core/team';
import { UsageError, str, type Command } from './context';
import { printJson } from './output';

/** The CLI file this process runs (the bundle's cli.js), for the driver command git will run. */
function cliPath(): string {
  const main = process.argv[1];
  if (main) { try { return fs.realpathSync(main); } catch { /* not a file: fall through */ } }
  return path.join(__dirname, 'cli.js');
}

function wholeNumber(s: string, option: string): number {
  if (!/^[1-9]\d*$/.test(s) || !Number.isSafeInteger(Number(s))) { throw new UsageError(`--${option} needs a version number (1, 2, …), got '${s}'`); }
  return Number(s);
}

export const TEAM_COMMANDS: Record<string, Command> = {
  'git setup': {
    options: {}, positionals: 0,
    async run({ io, json, store: open }) {
      const store = await open();
      const driver = mergeDriverCommand(process.execPath, cliPath(), process.versions.electron !== undefined);
      const r = await setUpGitMerge(store, driver);
      const status = await gitMergeStatus(store);
      if (json) { printJson(io, { ...r, driver, attributes: status.attributes }); return 0; }
      const rel = store.rel(path.join(store.dir, '.gitattributes'));
      io.stdout(`${rel}: ${r.attributesWritten ? 'written' : 'already routes the store\'s files'}\n`
        + `merge.mlops.driver in ${path.join(r.repoRoot, '.git', 'config')} (this clone only): ${r.configured ? 'set' : 'already set'} to ${driver}\n`);
      for (const k of r.keptAttributes ?? []) {
        io.stdout(`kept your merge attribute for ${k.pattern}: git resolves it as 'merge: ${k.merge}' (a line of a .gitattributes sets it); remove that line to let MLOps Workbench merge these files\n`);
      }
      if (!status.attributes && !r.keptAttributes?.some((k) => k.pattern === '*.json')) { io.stderr(`mlops: warning: git does not route .mlops JSON files to the mlops driver: a line of ${rel} or of another .gitattributes sets their merge attribute\n`); }
      io.stdout(`Commit ${rel} so teammates get it; each of them runs 'mlops git setup' (or MLOps: Set Up Git Merging for .mlops) once per clone.\n`);
      return 0;
    },
  },

  'git merge-driver': {
    options: {}, positionals: 4,
    async run({ io, positionals }) {
      const [base, ours, theirs, name] = positionals;
      const r = await runMergeDriver(base, ours, theirs, name);
      if (r.code !== 0) {
        io.stderr(r.markers
          ? `mlops: ${r.reason ?? name}; conflict markers written: resolve ${name} as any git conflict\n`
          : `mlops: ${r.reason ?? name}; no conflict markers could be written: ${name} still holds our side unchanged, resolve it by hand (git checkout --ours/--theirs -- ${name})\n`);
      }
      return r.code;
    },
  },

  'model conflicts': {
    options: {}, positionals: 0,
    async run({ io, json, store: open }) {
      const store = await open();
      const conflicts = await findTeamConflicts(store);
      if (json) {
        // unmergedFiles: kept for scripts written before they became conflicts of their own (kind 'unmergedFile').
        printJson(io, { conflicts: conflicts.map((c) => ({ ...c, resolve: resolveCommandOf(c) })), unmergedFiles: conflicts.flatMap((c) => (c.kind === 'unmergedFile' ? [c.file] : [])) });
      } else if (conflicts.length === 0) {
        io.stdout('No conflicts in the store.\n');
      } else {
        for (const c of conflicts) {
          if (c.kind === 'unmergedFile') { io.stdout(`${c.file}: ${c.message}\n`); continue; }
          const where = c.kind === 'multipleProduction' ? `${c.model}` : `${c.model} v${c.version} (${c.file})`;
          io.stdout(`${where}: ${c.message}\n  ${resolveCommandOf(c)}\n`);
        }
      }
      return conflicts.length ? 1 : 0;
    },
  },

  'model resolve': {
    options: { keep: { type: 'string' }, version: { type: 'string' } }, positionals: 1,
    async run({ io, values, positionals, json, store: open }) {
      const [model] = positionals;
      const keep = str(values, 'keep');
      const version = str(values, 'version');
      if ((keep === undefined) === (version === undefined)) {
        throw new UsageError('give either --keep N (two versions in production: the one to keep) or --version N (a version number created twice: renumber one)');
      }
      const store = await open();
      if (keep !== undefined) {
        const r = await resolveMultipleProduction(store, model, wholeNumber(keep, 'keep'));
        if (json) { printJson(io, r); } else {
          io.stdout(`Model '${model}': version ${r.kept} stays in production${r.archived.length ? `; archived ${r.archived.join(', ')}` : ' (it was the only one)'}\n`);
        }
        return 0;
      }
      const r = await resolveVersionClaim(store, model, wholeNumber(version as string, 'version'));
      if (json) { printJson(io, r); } else {
        io.stdout(`Model '${model}': version ${r.kept.version} stays run ${r.kept.runId}'s (created ${r.kept.createdAt}); `
          + `run ${r.renumbered.runId}'s version is now ${r.renumbered.to}\nStaged: ${r.files.join(', ')}\n`
          + 'Finish the merge with git commit (or git rebase --continue).\n');
      }
      return 0;
    },
  },
};
