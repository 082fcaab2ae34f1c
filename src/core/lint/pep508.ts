/**
 * PEP 508 requirement strings (`name[extras] specifiers ; markers`, `name @ url ; markers`) and the question this
 * product asks of them: is it pinned to exactly one artifact? Versions are checked with @renovatebot/pep440 (a
 * port of Python's `packaging`); operators come from PEP 440's fixed list, with its rules for `.*` and `~=`.
 */
import { valid as validVersion } from '@renovatebot/pep440';

export interface Clause {
  op: string;
  version: string;
}

export interface Requirement {
  name: string;
  /** Offsets of the name inside the requirement text. */
  nameStart: number;
  nameEnd: number;
  extras: string[];
  clauses: Clause[];
  url?: string;
  marker?: string;
}

export type ParseResult = { ok: true; req: Requirement } | { ok: false; reason: string };

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/;
const OPS = ['===', '~=', '==', '!=', '<=', '>=', '<', '>'];

/** PEP 503 normalised name: lower case, runs of `-_.` as one `-`. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export function parseRequirement(text: string): ParseResult {
  const s = text;
  let i = 0;
  const ws = () => { while (i < s.length && (s[i] === ' ' || s[i] === '\t')) { i++; } };
  ws();
  const m = NAME.exec(s.slice(i));
  if (!m) { return { ok: false, reason: `expected a package name at '${s.slice(i, i + 20)}'` }; }
  const nameStart = i;
  i += m[0].length;
  const req: Requirement = { name: m[0], nameStart, nameEnd: i, extras: [], clauses: [] };
  ws();
  if (s[i] === '[') {
    const close = s.indexOf(']', i);
    if (close < 0) { return { ok: false, reason: "unclosed '[' in extras" }; }
    const inner = s.slice(i + 1, close).split(',').map((x) => x.trim()).filter(Boolean);
    for (const e of inner) { if (!NAME.test(e) || NAME.exec(e)![0] !== e) { return { ok: false, reason: `invalid extra '${e}'` }; } }
    req.extras = inner;
    i = close + 1;
    ws();
  }
  if (s[i] === '@') {
    i++;
    ws();
    const start = i;
    while (i < s.length && !/\s/.test(s[i])) { i++; }
    req.url = s.slice(start, i);
    if (!req.url) { return { ok: false, reason: "expected a URL after '@'" }; }
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(req.url)) { return { ok: false, reason: `'${req.url}' is not a URL` }; }
    ws();
    if (i < s.length && s[i] !== ';') { return { ok: false, reason: `unexpected '${s.slice(i, i + 20)}' after the URL` }; }
  } else {
    const semi = s.indexOf(';', i);
    let specText = (semi < 0 ? s.slice(i) : s.slice(i, semi)).trim();
    i = semi < 0 ? s.length : semi;
    if (specText.startsWith('(')) {
      if (!specText.endsWith(')')) { return { ok: false, reason: "unclosed '(' around the version specifiers" }; }
      specText = specText.slice(1, -1).trim();
    }
    if (specText) {
      for (const raw of specText.split(',')) {
        const part = raw.trim();
        const op = OPS.find((o) => part.startsWith(o));
        if (!op) { return { ok: false, reason: `'${part}' is not a version specifier (expected one of ${OPS.join(' ')})` }; }
        const version = part.slice(op.length).trim();
        if (!version) { return { ok: false, reason: `'${part}' has no version` }; }
        if (op !== '===') {
          const wildcard = version.endsWith('.*');
          if (wildcard && op !== '==' && op !== '!=') { return { ok: false, reason: `'.*' is only allowed with == and != (got '${part}')` }; }
          if (!validVersion(wildcard ? version.slice(0, -2) : version)) { return { ok: false, reason: `'${version}' is not a valid version (PEP 440)` }; }
          if (op === '~=' && !/\./.test(version)) { return { ok: false, reason: `'~=' needs at least two version parts (got '${part}')` }; }
        }
        req.clauses.push({ op, version });
      }
    }
  }
  if (s[i] === ';') {
    const marker = s.slice(i + 1).trim();
    if (!marker) { return { ok: false, reason: "expected an environment marker after ';'" }; }
    req.marker = marker;
  } else if (i < s.length && s.slice(i).trim()) {
    return { ok: false, reason: `unexpected '${s.slice(i).trim()}'` };
  }
  return { ok: true, req };
}

const FULL_SHA = /@[0-9a-f]{40}(?:[#&?]|$)/i;

/** A version-control URL as pip spells it: `git+https://…`, `hg+…`, `svn+…`, `bzr+…`. */
export function isVcsUrl(url: string): boolean {
  return /^(git|hg|svn|bzr)\+/i.test(url);
}

/** A full commit hash (git's 40 hex digits): the only VCS ref that cannot move. */
export function isFullCommit(ref: string | undefined): boolean {
  return ref !== undefined && /^[0-9a-f]{40}$/i.test(ref);
}

/**
 * The ref a VCS URL names after the repository path (`…/repo.git@main#egg=x` → `main`), or undefined when it names
 * none (pip then installs the default branch). An `@` in the host part (`git@github.com`) is a user, not a ref.
 */
export function vcsRef(url: string): string | undefined {
  const noFragment = url.replace(/[#?].*$/, '');
  const afterScheme = noFragment.replace(/^[A-Za-z0-9+.-]+:\/\/[^/]*/, '');
  const at = afterScheme.lastIndexOf('@');
  return at >= 0 && afterScheme.slice(at + 1) ? afterScheme.slice(at + 1) : undefined;
}

/** Why a URL does or does not pin one artifact. */
export function urlPinned(url: string): boolean {
  if (/#(?:.*&)?sha(256|384|512)=[0-9a-f]+/i.test(url)) { return true; }
  if (isVcsUrl(url)) { return FULL_SHA.test(url.replace(/#.*$/, '') + (url.includes('#') ? '#' : '')); }
  return false;
}

/**
 * Pinned = exactly one version can satisfy it: one `==V` (no wildcard) or `===V` among the clauses, or a URL that
 * names one commit (a full 40-hex VCS hash) or carries a content hash. `hasHashes` is pip's `--hash` option, which
 * pins archives but not VCS checkouts (pip refuses hashes for those: there is no archive to hash).
 */
export function isPinned(req: Requirement, hasHashes = false): boolean {
  if (req.url) { return urlPinned(req.url) || (hasHashes && !isVcsUrl(req.url)); }
  const exact = req.clauses.filter((c) => c.op === '===' || (c.op === '==' && !c.version.endsWith('.*')));
  return exact.length === 1;
}

/** The entry kind of a requirement: a VCS checkout, another URL, or a name with version specifiers. */
export function requirementKind(req: Requirement): 'vcs' | 'url' | 'requirement' {
  return req.url ? (isVcsUrl(req.url) ? 'vcs' : 'url') : 'requirement';
}

export function describeSpec(req: Requirement): string {
  if (req.url) { return `@ ${req.url}`; }
  return req.clauses.map((c) => `${c.op}${c.version}`).join(',') || '(any version)';
}
