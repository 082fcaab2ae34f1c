// smol-toml gives values without positions, so dependency strings are found again in the text: after the header
// of their table and the key that holds them, in order. This is exact for the TOML that tools write (one value
// per key, strings quoted as written) and falls back to the key's line.
import type { Span } from './types';

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Offset just after the header `[a.b.c]` (also `[ a . "b" ]` spellings), or -1. */
export function tableStart(text: string, path: string[]): number {
  const part = (p: string) => `(?:${escapeRe(p)}|"${escapeRe(p)}"|'${escapeRe(p)}')`;
  const re = new RegExp(`^[ \\t]*\\[[ \\t]*${path.map(part).join('[ \\t]*\\.[ \\t]*')}[ \\t]*\\][ \\t]*(?:#.*)?$`, 'm');
  const m = re.exec(text);
  return m ? m.index + m[0].length : -1;
}

/** The offset where the next table header after `from` starts (or the end of the text). */
export function tableEnd(text: string, from: number): number {
  const re = /^[ \t]*\[/gm;
  re.lastIndex = from;
  const m = re.exec(text);
  return m ? m.index : text.length;
}

/** Span of `key = …` inside [from, to): from the key to the end of its line. */
export function keySpan(text: string, key: string, from: number, to: number): Span | undefined {
  const re = new RegExp(`^[ \\t]*(?:${escapeRe(key)}|"${escapeRe(key)}"|'${escapeRe(key)}')[ \\t]*=`, 'gm');
  re.lastIndex = Math.max(0, from);
  const m = re.exec(text);
  if (!m || m.index >= to) { return undefined; }
  const start = m.index + (m[0].length - m[0].trimStart().length);
  const eol = text.indexOf('\n', start);
  return { start, end: eol < 0 ? text.length : eol };
}

/** Finds the quoted string `value` at or after `from`; returns the span inside the quotes. */
export function findQuoted(text: string, value: string, from: number): Span | undefined {
  for (const q of ['"', "'"]) {
    const needle = q + value + q;
    const i = text.indexOf(needle, from);
    if (i >= 0) { return { start: i + 1, end: i + 1 + value.length }; }
  }
  // Escaped characters in a basic string: fall back to the first occurrence of the raw text.
  const j = text.indexOf(value, from);
  return j >= 0 ? { start: j, end: j + value.length } : undefined;
}
