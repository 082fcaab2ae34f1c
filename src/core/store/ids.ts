import { randomBytes } from 'node:crypto';
import { MlopsError } from '../errors';

// Crockford base32: no I, L, O, U — ids read aloud or typed by hand stay unambiguous.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_LEN = 10;
const RANDOM_LEN = 16;

let lastTime = -1;
let lastRandom: number[] = [];

/**
 * A ULID: 26 characters, 48-bit millisecond time + 80 random bits, so ids sort by creation time as plain strings
 * and two machines practically never collide. Within one process, ids of the same millisecond increase (random
 * part + 1). A back-dated `now` (a run logged after the fact) gets an id of that time.
 */
export function newId(now: number = Date.now()): string {
  let random: number[];
  if (now === lastTime) {
    random = incrementBase32(lastRandom);
  } else {
    const bytes = randomBytes(RANDOM_LEN);
    random = Array.from(bytes, (b) => b & 31);
  }
  lastTime = now;
  lastRandom = random;
  let time = '';
  let t = now;
  for (let i = 0; i < TIME_LEN; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time + random.map((d) => ALPHABET[d]).join('');
}

function incrementBase32(digits: number[]): number[] {
  const out = digits.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] < 31) { out[i]++; return out; }
    out[i] = 0;
  }
  throw new MlopsError('id space for this millisecond exhausted', 'conflict');
}

const ID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function isId(s: string): boolean {
  return ID_RE.test(s);
}

/** Creation time encoded in an id (ms since epoch). */
export function idTime(id: string): number {
  let t = 0;
  for (let i = 0; i < TIME_LEN; i++) { t = t * 32 + ALPHABET.indexOf(id[i]); }
  return t;
}

export function assertId(s: string, what = 'run id'): string {
  if (!isId(s)) {
    throw new MlopsError(`invalid ${what} '${printable(s)}': expected 26 characters of Crockford base32 (e.g. 01JD3Z8X4V6Q9M2K7T5R1N0B8C)`);
  }
  return s;
}

/**
 * Names of experiments, datasets and models become file names, so they are limited to characters that are safe on
 * every file system and cannot leave `.mlops/`: letters, digits, space, `.`, `_`, `-`; starting with a letter or
 * digit; at most 100 characters; not ending in space or dot (Windows drops those).
 */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/;

export function nameProblem(name: string, what: string): string | undefined {
  if (name.length === 0) { return `${what} name must not be empty`; }
  if (name.includes('\0')) { return `${what} name must not contain a NUL character`; }
  if (name.includes('/') || name.includes('\\')) { return `${what} name '${printable(name)}' must not contain '/' or '\\'`; }
  if (name.length > 100) { return `${what} name is ${name.length} characters long; at most 100 are allowed`; }
  if (!NAME_RE.test(name)) {
    return `${what} name '${printable(name)}' may only use letters, digits, space, '.', '_' and '-', and must start with a letter or digit`;
  }
  if (/[ .]$/.test(name)) { return `${what} name '${printable(name)}' must not end with a space or '.'`; }
  if (/^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i.test(name)) { return `${what} name '${name}' is reserved on Windows`; }
  return undefined;
}

export function assertName(name: string, what: string): string {
  const problem = nameProblem(name, what);
  if (problem) { throw new MlopsError(problem); }
  return name;
}

/** Free text (tags, run names) must be one line without control characters. */
export function textProblem(text: string, what: string, max = 200): string | undefined {
  if (text.trim().length === 0) { return `${what} must not be empty`; }
  if (text.length > max) { return `${what} is ${text.length} characters long; at most ${max} are allowed`; }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) { return `${what} '${printable(text)}' must not contain control characters or line breaks`; }
  return undefined;
}

/**
 * Param names are free text, except `__proto__`: JSON readers (zod's records, JavaScript objects) drop or misread
 * that key, so a param of that name could not survive a read-modify-write.
 */
export function paramNameProblem(key: string): string | undefined {
  if (key === '__proto__') { return "param name '__proto__' cannot be stored (JSON readers drop it); choose another name"; }
  return textProblem(key, 'param name');
}

export function assertText(text: string, what: string, max = 200): string {
  const problem = textProblem(text, what, max);
  if (problem) { throw new MlopsError(problem); }
  return text;
}

/** Makes control characters visible in messages. */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\0' ? '\\0' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
