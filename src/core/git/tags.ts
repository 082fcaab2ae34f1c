/**
 * The model registry as git tags, in the names DVC's GTO uses, so GTO, tag-triggered CI pipelines and anyone reading
 * `git tag` see the same registry as `.mlops/models/`:
 *   - registering version N of a model: the annotated tag `<model>@v<N>.0.0`;
 *   - moving a version to a stage: the annotated tag `<model>#<stage>#<n>`, n = 1 + the highest n for that model and
 *     stage (each promotion is a new tag; the newest one says where the stage points).
 * The one module that both writes and reads the format (like GTO's `gto/tag.py`). Tags are created locally and
 * never pushed: sharing them (`git push origin <tag>`) is the user's decision.
 */
import { simpleGit, type SimpleGit } from 'simple-git';
import { MlopsError } from '../errors';
import type { Actor, GateResult } from '../gate/types';

/** `<model>@v<version>.0.0`: GTO's registration tag (a semantic version whose major part is ours). */
export function versionTagName(model: string, version: number): string {
  return `${model}@v${version}.0.0`;
}

/** `<model>#<stage>#<n>`: GTO's stage-assignment tag; n counts the promotions of that model to that stage. */
export function stageTagName(model: string, stage: string, n: number): string {
  return `${model}#${stage}#${n}`;
}

/**
 * Why a model (or stage) name cannot be part of a tag name, or undefined when it can. Follows `git check-ref-format`
 * (for the part of `refs/tags/<name>` we add) and refuses `@`, `#` and `/`, which would make GTO's names ambiguous
 * to read back (`a#b#c#1`: model `a#b` or stage `b#c`?).
 */
export function tagNameProblem(name: string, what = 'model name'): string | undefined {
  const shown = JSON.stringify(name);
  if (name === '') { return `the ${what} is empty`; }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f]/.test(name)) {
    return / /.test(name) ? `the ${what} ${shown} contains a space, which git does not allow in a tag name` : `the ${what} ${shown} contains a control character, which git does not allow in a tag name`;
  }
  const bad = /[~^:?*[\\]/.exec(name);
  if (bad) { return `the ${what} ${shown} contains '${bad[0]}', which git does not allow in a tag name`; }
  const gto = /[@#/]/.exec(name);
  if (gto) { return `the ${what} ${shown} contains '${gto[0]}', which the GTO tag names (<model>@v<N>.0.0, <model>#<stage>#<n>) use as a separator`; }
  if (name.includes('..')) { return `the ${what} ${shown} contains '..', which git does not allow in a tag name`; }
  if (name.startsWith('.')) { return `the ${what} ${shown} starts with '.', which git does not allow in a tag name`; }
  if (name.startsWith('-')) { return `the ${what} ${shown} starts with '-', which git would read as an option`; }
  if (name.endsWith('.')) { return `the ${what} ${shown} ends with '.', which git does not allow in a tag name`; }
  if (name.endsWith('.lock')) { return `the ${what} ${shown} ends with '.lock', which git does not allow in a tag name`; }
  return undefined;
}

/** A registry event read back from a tag. */
export interface ModelTagBase {
  /** The tag's name, e.g. `churn@v3.0.0`. */
  tag: string;
  model: string;
  /** The commit the tag points at. */
  commit: string;
  /** False for a lightweight tag (GTO ignores those; they still take the name). */
  annotated: boolean;
  /** Who made the tag (annotated tags only). */
  tagger?: Actor;
  /** ISO 8601 with the tagger's offset (annotated tags), else the commit's date. */
  date?: string;
  /** The first line of the tag's message. */
  message: string;
}
export interface VersionTagEvent extends ModelTagBase { kind: 'version'; version: number }
export interface StageTagEvent extends ModelTagBase { kind: 'stage'; stage: string; n: number }
export type ModelTagEvent = VersionTagEvent | StageTagEvent;

const VERSION_TAG = /^(.+)@v([1-9][0-9]*)\.0\.0$/;
const STAGE_TAG = /^([^#]+)#([^#]+)#([1-9][0-9]*)$/;

/** Reads a tag name as a registry event's name parts; undefined for any other tag. */
export function parseModelTag(tag: string): { kind: 'version'; model: string; version: number } | { kind: 'stage'; model: string; stage: string; n: number } | undefined {
  const v = VERSION_TAG.exec(tag);
  if (v && !v[1].includes('#')) { return { kind: 'version', model: v[1], version: Number(v[2]) }; }
  const s = STAGE_TAG.exec(tag);
  if (s) { return { kind: 'stage', model: s[1], stage: s[2], n: Number(s[3]) }; }
  return undefined;
}

function gitAt(root: string): SimpleGit {
  return simpleGit({ baseDir: root, timeout: { block: 30_000 } });
}

function gitMessage(e: unknown): string {
  const text = (e instanceof Error ? e.message : String(e)).trim();
  return text.split('\n').filter((l) => l.trim()).slice(0, 2).join(' ') || 'git failed';
}

/** A simple-git for a folder inside a repository with at least one commit, or a clear MlopsError. */
async function repository(root: string): Promise<SimpleGit> {
  let git: SimpleGit;
  try {
    git = gitAt(root);
    if (!(await git.checkIsRepo())) { throw new MlopsError(`${root} is not in a git repository: run \`git init\` and commit first to tag model versions`, 'invalid-input'); }
  } catch (e) {
    if (e instanceof MlopsError) { throw e; }
    if (/\bENOENT\b/.test(`${(e as NodeJS.ErrnoException).code ?? ''} ${gitMessage(e)}`)) { throw new MlopsError('git is not installed (or not on PATH): model versions cannot be tagged', 'not-found'); }
    throw new MlopsError(`git failed: ${gitMessage(e)}`, 'io');
  }
  return git;
}

/** The full id of `rev` as a commit in this repository, or undefined when it is not one here. */
async function commitId(git: SimpleGit, rev: string): Promise<string | undefined> {
  try {
    const id = (await git.raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`])).trim();
    return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** What a created tag is. */
export interface CreatedTag {
  tag: string;
  commit: string;
  /**
   * Set when the commit asked for (the run's commit) is not in this repository — a shallow clone, a rebased
   * branch — and HEAD was tagged instead: say so to the user.
   */
  fellBackToHead?: string;
}

async function createTag(root: string, name: string, commit: string | undefined, message: string, retry?: () => Promise<string>): Promise<CreatedTag> {
  const git = await repository(root);
  let target: string | undefined;
  let fellBackToHead: string | undefined;
  if (commit) {
    target = await commitId(git, commit);
    if (!target) { fellBackToHead = `commit ${commit.slice(0, 12)} is not in this repository (a shallow clone or a rewritten history?); tagged HEAD instead`; }
  }
  if (!target) {
    target = await commitId(git, 'HEAD');
    if (!target) { throw new MlopsError(`the git repository at ${root} has no commit yet: commit first to tag model versions`, 'invalid-input'); }
  }
  const text = message.trim() || name;
  let tag = name;
  for (let attempt = 0; ; attempt++) {
    if (await tagExists(git, tag)) {
      if (!retry || attempt >= 5) { throw new MlopsError(`the git tag ${tag} already exists: delete it (git tag -d ${JSON.stringify(tag)}) if it is wrong`, 'conflict'); }
      tag = await retry();
      continue;
    }
    try {
      // --cleanup=verbatim: the message is ours; '#' lines (a stage tag's name) must not be dropped as comments.
      await git.raw(['tag', '-a', '--cleanup=verbatim', '-m', text, tag, target]);
      break;
    } catch (e) {
      const m = gitMessage(e);
      if (/already exists/.test(m) && retry && attempt < 5) { tag = await retry(); continue; }
      if (/already exists/.test(m)) { throw new MlopsError(`the git tag ${tag} already exists: delete it (git tag -d ${JSON.stringify(tag)}) if it is wrong`, 'conflict'); }
      if (/Please tell me who you are|unable to auto-detect email|empty ident/i.test(m)) {
        throw new MlopsError('git does not know who you are, so it cannot make an annotated tag: set git config user.name and user.email', 'invalid-input');
      }
      throw new MlopsError(`git could not create the tag ${tag}: ${m}`, 'io');
    }
  }
  return { tag, commit: target, ...(fellBackToHead ? { fellBackToHead } : {}) };
}

async function tagExists(git: SimpleGit, tag: string): Promise<boolean> {
  const out = await git.raw(['tag', '--list', '--', tag]);
  return out.split('\n').some((l) => l === tag);
}

/**
 * The tag message: the given first line, then — when the gate ran — a blank line, the gate's verdict and one line
 * per check (`pass goals: 3 of 3 goals met`), with waivers. This is what `git show <tag>` and GTO show.
 */
export function tagMessage(firstLine: string, gate?: GateResult): string {
  const head = firstLine.replace(/\s+/g, ' ').trim();
  if (!gate) { return head; }
  const lines = [head, '', `Gate: ${gate.passed ? 'passed' : `not passed (${gate.blocking.join(', ')})`}${gate.commit.id ? ` at ${gate.commit.id.slice(0, 12)}` : ''}`];
  for (const c of gate.checks) {
    lines.push(`${c.status} ${c.id}: ${c.summary.replace(/\s+/g, ' ').trim()}${c.status === 'waived' && c.waiver ? ` (waived: ${c.waiver.replace(/\s+/g, ' ').trim()})` : ''}`);
  }
  return lines.join('\n');
}

function checkName(model: string, what = 'model name'): void {
  const problem = tagNameProblem(model, what);
  if (problem) { throw new MlopsError(`cannot tag: ${problem}`, 'invalid-input'); }
}

/**
 * Creates the annotated tag `<model>@v<version>.0.0` on `commit` (the run's commit) when it is in the repository,
 * else on HEAD (`fellBackToHead` says why). Refuses with an MlopsError when `root` is not in a repository, the
 * repository has no commit, the name is invalid or the tag exists. Never pushes.
 */
export async function createVersionTag(root: string, opts: { model: string; version: number; commit?: string; message: string }): Promise<CreatedTag> {
  checkName(opts.model);
  if (!Number.isInteger(opts.version) || opts.version < 1) { throw new MlopsError(`cannot tag: the version must be a whole number from 1, not ${opts.version}`, 'invalid-input'); }
  return createTag(root, versionTagName(opts.model, opts.version), opts.commit, opts.message);
}

/**
 * Creates the annotated tag `<model>#<stage>#<n>` (n = 1 + the highest n any stage tag of that model uses) on
 * `commit` when it is in the repository, else on HEAD. Same refusals as createVersionTag. Never pushes.
 */
export async function createStageTag(root: string, opts: { model: string; stage: string; commit?: string; message: string }): Promise<CreatedTag> {
  checkName(opts.model);
  checkName(opts.stage, 'stage name');
  const next = async () => {
    // GTO's counter is per artifact, across stages (gto/tag.py name_tag): the highest number any stage tag of the
    // model carries, plus one.
    const used = (await listModelTags(root)).filter((t): t is StageTagEvent => t.kind === 'stage' && t.model === opts.model);
    return stageTagName(opts.model, opts.stage, 1 + Math.max(0, ...used.map((t) => t.n)));
  };
  await repository(root);
  return createTag(root, await next(), opts.commit, opts.message, next);
}

const FIELDS = ['%(refname:strip=2)', '%(objecttype)', '%(objectname)', '%(*objectname)', '%(taggername)', '%(taggeremail)', '%(taggerdate:iso-strict)',
  '%(creatordate:iso-strict)', '%(contents:subject)'];

/**
 * Every tag in the repository that reads as a registry event, from one `git for-each-ref refs/tags`, in git's order
 * (by name). Tags with other names are left out. Refuses like createVersionTag outside a repository.
 */
export async function listModelTags(root: string): Promise<ModelTagEvent[]> {
  const git = await repository(root);
  let out: string;
  try {
    out = await git.raw(['for-each-ref', `--format=${FIELDS.join('%00')}`, 'refs/tags']);
  } catch (e) {
    throw new MlopsError(`git could not list the tags: ${gitMessage(e)}`, 'io');
  }
  const events: ModelTagEvent[] = [];
  for (const line of out.split('\n')) {
    if (!line) { continue; }
    const [tag, type, object, peeled, taggerName, taggerEmail, taggerDate, creatorDate, subject] = line.split('\0');
    const parsed = parseModelTag(tag);
    if (!parsed) { continue; }
    const annotated = type === 'tag';
    const commit = annotated ? peeled : object;
    const email = taggerEmail?.replace(/^<|>$/g, '');
    const base: ModelTagBase = {
      tag, model: parsed.model, commit, annotated,
      ...(annotated && taggerName ? { tagger: { name: taggerName, ...(email ? { email } : {}) } } : {}),
      ...((taggerDate || creatorDate) ? { date: taggerDate || creatorDate } : {}),
      message: subject ?? '',
    };
    events.push(parsed.kind === 'version' ? { ...base, kind: 'version', version: parsed.version } : { ...base, kind: 'stage', stage: parsed.stage, n: parsed.n });
  }
  return events;
}
