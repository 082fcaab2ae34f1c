/**
 * pip requirements files (`requirements*.txt`, `*.in`, constraints), following pip's own rules: a line ending in
 * `\` continues on the next; `#` starts a comment at the start of a line or after whitespace; option lines
 * (`-r`, `-c`, `-e`, `-f`, `-i`, `--extra-index-url`, …); per-requirement `--hash`; environment markers; extras;
 * `name @ url`; VCS and archive URLs; local paths.
 */
import type { DependencyEntry, InvalidLine, ParsedDependencies } from './deps';
import { describeSpec, isPinned, isVcsUrl, parseRequirement, requirementKind, urlPinned, vcsRef } from './pep508';

/** Global options pip accepts on their own line (with or without a value). */
const GLOBAL_OPTIONS = new Set(['-i', '--index-url', '--extra-index-url', '--no-index', '-f', '--find-links', '--pre', '--prefer-binary',
  '--only-binary', '--no-binary', '--trusted-host', '--use-feature', '--require-hashes', '-Z', '--always-unzip']);
const INCLUDE_OPTIONS = new Set(['-r', '--requirement', '-c', '--constraint']);
const EDITABLE = new Set(['-e', '--editable']);
const PER_REQ_OPTIONS = new Set(['--hash', '--config-settings', '--global-option', '--install-option']);

interface LogicalLine {
  text: string;
  /** Offset in the file of each character of `text` (continuations and comments removed). */
  offsets: number[];
}

/** Joins `\` continuations and strips comments, keeping the file offset of every kept character. */
export function logicalLines(file: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  let text = '';
  let offsets: number[] = [];
  let i = 0;
  while (i <= file.length) {
    let end = file.indexOf('\n', i);
    if (end < 0) { end = file.length; }
    let line = file.slice(i, end);
    if (line.endsWith('\r')) { line = line.slice(0, -1); }
    const continued = /(^|[^\\])\\$/.test(line) || line === '\\';
    const body = continued ? line.slice(0, -1) : line;
    for (let k = 0; k < body.length; k++) { text += body[k]; offsets.push(i + k); }
    if (!continued || end >= file.length) {
      // pip: COMMENT_RE = (^|\s+)#.*$
      const m = /(^|\s+)#.*$/.exec(text);
      if (m) { text = text.slice(0, m.index); offsets = offsets.slice(0, m.index); }
      out.push({ text, offsets });
      text = '';
      offsets = [];
    }
    i = end + 1;
    if (end >= file.length) { break; }
  }
  return out;
}

function span(l: LogicalLine, from: number, to: number) {
  const a = Math.max(0, Math.min(from, l.offsets.length - 1));
  const b = Math.max(a, Math.min(to, l.offsets.length) - 1);
  return { start: l.offsets[a], end: l.offsets[b] + 1 };
}

const isUrl = (s: string) => /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(s) || isVcsUrl(s) || s.startsWith('file:');
// An archive name is a local file only when it is not a URL (`name @ https://…/x.whl` is a PEP 508 URL requirement).
const isPath = (s: string) => /^\.{1,2}(\[|$)/.test(s) || /^(\.{1,2}[\\/]|[\\/~]|[A-Za-z]:[\\/])/.test(s) || (/\.(whl|tar\.gz|zip|tar\.bz2)$/.test(s) && !/:\/\//.test(s));

/** Name for a bare URL: `#egg=name`, else the last path segment without `.git` or archive suffixes. */
export function nameFromUrl(url: string): string {
  const egg = /[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(url);
  if (egg) { return egg[1]; }
  const clean = url.replace(/[#?].*$/, '').replace(/@[^/@]*$/, '').replace(/\/+$/, '');
  const last = clean.split('/').pop() ?? url;
  const wheel = /^([A-Za-z0-9_.]+?)-\d/.exec(last);
  if (wheel && /\.(whl|tar\.gz|zip|tar\.bz2)$/.test(last)) { return wheel[1]; }
  return last.replace(/\.git$/, '') || url;
}

export function parseRequirementsFile(text: string, group = 'requirements'): ParsedDependencies {
  const entries: DependencyEntry[] = [];
  const invalid: InvalidLine[] = [];
  for (const l of logicalLines(text)) {
    const trimmed = l.text.replace(/\s+$/, '');
    const lead = trimmed.length - trimmed.trimStart().length;
    const body = trimmed.trimStart();
    if (!body) { continue; }
    const whole = span(l, lead, trimmed.length);
    if (body.startsWith('-')) {
      const m = /^(--?[A-Za-z][A-Za-z0-9-]*)(?:[=\s]+(.*))?$/.exec(body);
      const opt = m?.[1] ?? body;
      const value = (m?.[2] ?? '').trim();
      if (INCLUDE_OPTIONS.has(opt) || GLOBAL_OPTIONS.has(opt)) {
        if (!value && !['--pre', '--no-index', '--prefer-binary', '--require-hashes', '-Z', '--always-unzip'].includes(opt)) { invalid.push({ span: whole, reason: `${opt} needs a value` }); }
        continue;
      }
      if (EDITABLE.has(opt)) {
        if (!value) { invalid.push({ span: whole, reason: `${opt} needs a path or URL` }); continue; }
        const vStart = lead + body.indexOf(value);
        entries.push(urlOrPathEntry(value, span(l, vStart, vStart + value.length), group));
        continue;
      }
      invalid.push({ span: whole, reason: `pip does not know the option '${opt}' in a requirements file` });
      continue;
    }
    // Per-requirement options: `pkg==1 --hash=sha256:… --hash=…`
    let reqText = body;
    let hasHashes = false;
    const optAt = body.search(/\s--?[A-Za-z]/);
    if (optAt >= 0) {
      reqText = body.slice(0, optAt).trimEnd();
      const opts = body.slice(optAt).trim().split(/\s+(?=--?[A-Za-z])/);
      for (const o of opts) {
        const name = /^--?[A-Za-z][A-Za-z0-9-]*/.exec(o)?.[0] ?? o;
        if (!PER_REQ_OPTIONS.has(name)) { invalid.push({ span: whole, reason: `pip does not accept '${name}' after a requirement` }); reqText = ''; break; }
        if (name === '--hash') { hasHashes = true; }
      }
      if (!reqText) { continue; }
    }
    const reqSpan = span(l, lead, lead + reqText.length);
    if (isUrl(reqText) || isPath(reqText)) {
      entries.push(urlOrPathEntry(reqText, reqSpan, group, hasHashes));
      continue;
    }
    const r = parseRequirement(reqText);
    if (!r.ok) { invalid.push({ span: reqSpan, reason: r.reason }); continue; }
    entries.push({
      name: r.req.name, spec: describeSpec(r.req), pinned: isPinned(r.req, hasHashes), kind: requirementKind(r.req),
      span: reqSpan, runtime: true, group, clauses: r.req.clauses, marker: r.req.marker, ecosystem: 'pypi',
      ...(r.req.url && isVcsUrl(r.req.url) ? { ref: vcsRef(r.req.url) } : {}),
    });
  }
  return { format: 'requirements', entries, invalid };
}

function urlOrPathEntry(value: string, s: { start: number; end: number }, group: string, hasHashes = false): DependencyEntry {
  // `-e path[extras]` / `./pkg` are local paths; everything with a scheme is a URL.
  if (!isUrl(value)) {
    return { name: value, spec: `local path ${value}`, pinned: false, kind: 'path', span: s, runtime: true, group, clauses: [], ecosystem: 'pypi' };
  }
  // pip refuses --hash on a VCS requirement (there is no archive to hash), so only a full commit pins one.
  const vcs = isVcsUrl(value);
  return { name: nameFromUrl(value), spec: `@ ${value}`, pinned: urlPinned(value) || (hasHashes && !vcs), kind: vcs ? 'vcs' : 'url', span: s, runtime: true, group, clauses: [], ecosystem: 'pypi',
    ...(vcs ? { ref: vcsRef(value) } : {}) };
}
