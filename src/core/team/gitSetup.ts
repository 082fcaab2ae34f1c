/**
 * Setting up git to merge the store: `.mlops/.gitattributes` routes the JSON records to the `mlops` merge driver
 * and the append-only logs to git's union merge; the driver itself is a command in the repository's *local* config
 * (`merge.mlops.driver`), because it names this machine's node and CLI. A teammate without the driver configured
 * gets git's ordinary text merge: the attributes file is harmless.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { MlopsError } from '../errors';
import { writeFileAtomic, isErrno } from '../store/fsutil';
import { STORE_GITATTRIBUTES, STORE_GITATTRIBUTES_RULES, type Store } from '../store/store';
import { git, repoRootOf, runGit } from './gitRun';

export const MERGE_DRIVER_NAME = 'MLOps Workbench JSON merge';

/** A word for `sh -c` (git runs merge drivers through the shell): double-quoted, with `"`, `\`, `$` and `` ` `` escaped. */
function shellWord(s: string): string {
  return `"${s.replace(/(["\\$`])/g, '\\$1')}"`;
}

/**
 * The value of `merge.mlops.driver`: runs `"<node>" "<cli>" git merge-driver %O %A %B %P` when both files are still
 * there, else git's own text merge of the same three files — a driver left stale by an extension update or a moved
 * `node` still leaves conflict markers with both sides, never a silently kept OURS. Not `|| git merge-file`: the
 * driver exits 1 on a real conflict after writing markers, and a second text merge would double them. `electron`:
 * `node` is an Electron binary (VS Code's), which runs as plain Node only with ELECTRON_RUN_AS_NODE=1.
 */
export function mergeDriverCommand(node: string, cli: string, electron: boolean): string {
  const n = shellWord(node);
  const c = shellWord(cli);
  return `if [ -f ${c} ] && [ -x ${n} ]; then ${electron ? 'ELECTRON_RUN_AS_NODE=1 ' : ''}${n} ${c} git merge-driver %O %A %B %P; `
    + 'else git merge-file -L ours -L base -L theirs %A %O %B; fi';
}

/** The node and CLI a driver command runs (this form or the older `"<node>" "<cli>" git merge-driver …`), unquoted. */
export function driverFiles(driver: string): { node: string; cli: string } | undefined {
  if (!/\bgit merge-driver\b/.test(driver)) { return undefined; }
  const word = String.raw`"((?:[^"\\]|\\.)*)"`;
  const m = new RegExp(`${word}\\s+${word}\\s+git merge-driver\\b`).exec(driver);
  if (!m) { return undefined; }
  const unquote = (s: string) => s.replace(/\\(.)/g, '$1');
  return { node: unquote(m[1]), cli: unquote(m[2]) };
}

function patternOf(line: string): string | undefined {
  const t = line.trim();
  if (!t || t.startsWith('#')) { return undefined; }
  return t.split(/\s+/)[0];
}

/** Whether a line of a .gitattributes file sets (or unsets) the merge attribute. */
function setsMerge(line: string): boolean {
  return line.trim().split(/\s+/).slice(1).some((a) => /^[-!]?merge(=|$)/.test(a));
}

/**
 * The lines to add to an existing `.gitattributes` text: each rule whose pattern has no `merge` setting yet. A line
 * the user wrote for one of the patterns (another driver, `-merge`) is theirs and stays in force.
 */
function missingRules(text: string): string[] {
  const lines = text.split(/\r?\n/);
  return STORE_GITATTRIBUTES_RULES.filter((rule) => {
    const pattern = patternOf(rule);
    return !lines.some((l) => patternOf(l) === pattern && setsMerge(l));
  });
}

function attributesFile(store: Store): string {
  return path.join(store.dir, '.gitattributes');
}

async function isFile(file: string): Promise<boolean> {
  try { return (await fsp.stat(file)).isFile(); } catch { return false; }
}

async function readText(file: string): Promise<string | undefined> {
  try { return await fsp.readFile(file, 'utf8'); } catch (e) { if (isErrno(e, 'ENOENT')) { return undefined; } throw e; }
}

/** A merge attribute git already gives the store's files (`*.json` → `-merge`, `binary`, …) that setup left alone. */
export interface KeptMergeAttribute { pattern: string; merge: string }

/**
 * The merge attribute git gives a `.json` and a `.jsonl` file of the store, for each of our patterns whose attribute
 * is set by some other line than ours (`unset` for `-merge`, `set` for `merge`, else the driver's name).
 */
async function userMergeAttributes(store: Store): Promise<KeptMergeAttribute[]> {
  const out: KeptMergeAttribute[] = [];
  for (const rule of STORE_GITATTRIBUTES_RULES) {
    const pattern = patternOf(rule);
    if (!pattern) { continue; }
    const ours = rule.trim().split(/\s+/).slice(1).find((a) => a.startsWith('merge='))?.slice('merge='.length);
    const probe = path.relative(store.root, path.join(store.dir, pattern.replace('*', 'x'))).split(path.sep).join('/');
    const r = await runGit(store.root, ['check-attr', 'merge', '--', probe]);
    const value = r.code === 0 ? /: merge: (.*)$/.exec(r.stdout.trim())?.[1] : undefined;
    if (value !== undefined && value !== 'unspecified' && value !== ours) { out.push({ pattern, merge: value }); }
  }
  return out;
}

/**
 * Writes `.mlops/.gitattributes` (or adds the missing rules to it, keeping every line already there) and sets
 * `merge.mlops.name` and `merge.mlops.driver` in the repository's local config. `attributesWritten`: the file was
 * created or extended (a pattern whose merge attribute another line already sets is left alone and listed in
 * `keptAttributes`); `configured`: the config was changed (false when it already held exactly this). A store
 * that is not in a git repository is refused (nothing is written).
 */
export async function setUpGitMerge(store: Store, driverCommand: string): Promise<{ repoRoot: string; attributesWritten: boolean; configured: boolean; keptAttributes?: KeptMergeAttribute[] }> {
  const repoRoot = await repoRootOf(store.root);
  if (!repoRoot) {
    throw new MlopsError(`the store '${store.dir}' is not in a git repository (or git is not installed): run 'git init' there first, then set up merging`, 'invalid-input');
  }
  const file = attributesFile(store);
  const before = await readText(file);
  // What git decides for the store's files now, from every attributes file (a user's `* -merge` at the top, a
  // `models/** merge=binary`…): a rule is added only for a pattern whose merge attribute is unspecified, since a line
  // appended to .mlops/.gitattributes would override theirs.
  const kept = await userMergeAttributes(store);
  let attributesWritten = false;
  if (before === undefined && kept.length === 0) {
    await store.guard.checkWrite(file);
    await writeFileAtomic(file, STORE_GITATTRIBUTES);
    attributesWritten = true;
  } else {
    const add = missingRules(before ?? '').filter((rule) => !kept.some((k) => k.pattern === patternOf(rule)));
    if (add.length) {
      await store.guard.checkWrite(file);
      const text = before ?? '';
      const sep = text === '' || text.endsWith('\n') ? '' : '\n';
      await writeFileAtomic(file, `${text}${sep}# added by MLOps Workbench (mlops git setup)\n${add.join('\n')}\n`);
      attributesWritten = true;
    }
  }
  const current = async (key: string): Promise<string | undefined> => {
    const r = await runGit(store.root, ['config', '--local', '--get', key]);
    return r.code === 0 ? r.stdout.replace(/\n$/, '') : undefined;
  };
  let configured = false;
  for (const [key, value] of [['merge.mlops.name', MERGE_DRIVER_NAME], ['merge.mlops.driver', driverCommand]] as const) {
    if ((await current(key)) === value) { continue; }
    await git(store.root, ['config', '--local', key, value]);
    configured = true;
  }
  return { repoRoot, attributesWritten, configured, ...(kept.length ? { keptAttributes: kept } : {}) };
}

/**
 * What is set up now: the repository (undefined when the store is in none), whether git routes the store's JSON
 * files to the `mlops` driver (asked from git, so a user's own attribute lines count), and the driver command git
 * would run (from any config scope), when there is one; `stale`: that driver's node or CLI file is gone (git then
 * falls back to its text merge, see mergeDriverCommand; running setup again points it at this CLI).
 */
export async function gitMergeStatus(store: Store): Promise<{ repoRoot?: string; attributes: boolean; driver?: string; stale?: boolean }> {
  const repoRoot = await repoRootOf(store.root);
  if (!repoRoot) {
    const text = await readText(attributesFile(store));
    return { attributes: text !== undefined && /^\s*\*\.json\s(.*\s)?merge=mlops(\s|$)/m.test(text) };
  }
  // Any record path will do: the attribute is decided by the patterns, not by the file's existence.
  const probe = path.relative(store.root, path.join(store.dir, 'models', 'm', 'versions', '1.json')).split(path.sep).join('/');
  const attr = await runGit(store.root, ['check-attr', 'merge', '--', probe]);
  const attributes = attr.code === 0 && /: merge: mlops\s*$/.test(attr.stdout.trim());
  const d = await runGit(store.root, ['config', '--get', 'merge.mlops.driver']);
  const driver = d.code === 0 && d.stdout.trim() ? d.stdout.replace(/\n$/, '') : undefined;
  const files = driver !== undefined ? driverFiles(driver) : undefined;
  const stale = files !== undefined && !((await isFile(files.cli)) && (await isFile(files.node)));
  return { repoRoot, ...(driver !== undefined ? { driver } : {}), ...(stale ? { stale } : {}), attributes };
}
