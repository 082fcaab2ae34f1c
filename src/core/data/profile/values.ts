/**
 * How one text cell is read: missing, integer, float, boolean, datetime or plain text. Hand-written character
 * scanners instead of regular expressions on the hot path (a 1 GB CSV has 100 M cells).
 */

/** pandas' default `na_values` (read_csv), plus `?` (the UCI convention, e.g. titanic3). Compared exactly. */
export const MISSING_MARKERS: readonly string[] = [
  '', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA',
  'NULL', 'NaN', 'None', 'n/a', 'nan', 'null', '?',
];
const MISSING = new Set(MISSING_MARKERS);
const NON_FINITE = new Set(['inf', '-inf', '+inf', 'Inf', '-Inf', '+Inf', 'INF', '-INF', 'Infinity', '-Infinity', '+Infinity']);

/** 0: not a number, 1: integer spelling, 2: float spelling (decimal point or exponent). */
export function numberShape(s: string): 0 | 1 | 2 {
  const n = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === 43 || c === 45) { i = 1; } // + -
  let digits = 0;
  let float = false;
  for (; i < n; i++) {
    c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) { digits++; } else { break; }
  }
  if (i < n && c === 46) { // .
    float = true;
    for (i++; i < n; i++) {
      c = s.charCodeAt(i);
      if (c >= 48 && c <= 57) { digits++; } else { break; }
    }
  }
  if (digits === 0) { return 0; }
  if (i < n && (c === 101 || c === 69)) { // e E
    float = true;
    i++;
    c = s.charCodeAt(i);
    if (c === 43 || c === 45) { i++; }
    let expDigits = 0;
    for (; i < n; i++) {
      c = s.charCodeAt(i);
      if (c >= 48 && c <= 57) { expDigits++; } else { break; }
    }
    if (expDigits === 0) { return 0; }
  }
  if (i !== n) { return 0; }
  // Integers beyond 2^53 lose digits as numbers; call them floats so no one takes them as exact ids.
  return float || digits > 15 ? 2 : 1;
}

export function isBooleanText(s: string): boolean {
  const n = s.length;
  if (n === 4) { return s.toLowerCase() === 'true'; }
  if (n === 5) { return s.toLowerCase() === 'false'; }
  return false;
}

const DATE_RES: readonly { re: RegExp; format: string }[] = [
  { re: /^\d{4}-\d{2}-\d{2}$/, format: 'YYYY-MM-DD' },
  { re: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/, format: 'YYYY-MM-DDTHH:mm:ssZ' },
  { re: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/, format: 'YYYY-MM-DDTHH:mm:ss' },
  { re: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/, format: 'YYYY-MM-DD HH:mm:ss' },
  { re: /^\d{4}\/\d{2}\/\d{2}$/, format: 'YYYY/MM/DD' },
  { re: /^\d{1,2}\/\d{1,2}\/\d{4}$/, format: 'D/M/YYYY' }, // refined to DD/MM/YYYY or MM/DD/YYYY below
  { re: /^\d{1,2}\.\d{1,2}\.\d{4}$/, format: 'DD.MM.YYYY' },
];

/** The datetime format of `s` and a sortable ISO-like key, or undefined when `s` is not a date we recognise. */
export function datetimeOf(s: string): { format: string; key: string } | undefined {
  const n = s.length;
  if (n < 8 || n > 35) { return undefined; }
  const c = s.charCodeAt(0);
  if (c < 48 || c > 57) { return undefined; }
  if (n === 10 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45) {
    // YYYY-MM-DD, the common case, without regular expressions.
    if (!digits(s, 0, 4) || !digits(s, 5, 7) || !digits(s, 8, 10)) { return undefined; }
    const month = (s.charCodeAt(5) - 48) * 10 + s.charCodeAt(6) - 48;
    const day = (s.charCodeAt(8) - 48) * 10 + s.charCodeAt(9) - 48;
    return month < 1 || month > 12 || day < 1 || day > 31 ? undefined : { format: 'YYYY-MM-DD', key: s };
  }
  for (const { re, format } of DATE_RES) {
    if (!re.test(s)) { continue; }
    if (format.startsWith('YYYY')) {
      const month = Number(s.slice(5, 7));
      const day = Number(s.slice(8, 10));
      if (month < 1 || month > 12 || day < 1 || day > 31) { return undefined; }
      return { format, key: s.slice(0, 4) + '-' + s.slice(5, 7) + '-' + s.slice(8, 10) + s.slice(10) };
    }
    const parts = s.split(/[/.]/).map(Number);
    const [a, b, y] = parts;
    let day: number;
    let month: number;
    let f = format;
    if (format === 'DD.MM.YYYY') { day = a; month = b; } else if (a > 12) { day = a; month = b; f = 'DD/MM/YYYY'; } else if (b > 12) {
      month = a; day = b; f = 'MM/DD/YYYY';
    } else { month = a; day = b; f = 'MM/DD/YYYY or DD/MM/YYYY'; }
    if (month < 1 || month > 12 || day < 1 || day > 31) { return undefined; }
    return { format: f, key: `${String(y).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}` };
  }
  return undefined;
}

const MARKER_FIRST = new Set(MISSING_MARKERS.filter((m) => m !== '').map((m) => m.charCodeAt(0)));
const MARKER_MAX = Math.max(...MISSING_MARKERS.map((m) => m.length));

export function isMissingMarker(s: string): boolean {
  const n = s.length;
  if (n === 0) { return true; }
  if (n > MARKER_MAX || !MARKER_FIRST.has(s.charCodeAt(0))) { return false; }
  return MISSING.has(s);
}

function digits(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) { const c = s.charCodeAt(i); if (c < 48 || c > 57) { return false; } }
  return true;
}

export function isNonFinite(s: string): boolean {
  return NON_FINITE.has(s);
}
