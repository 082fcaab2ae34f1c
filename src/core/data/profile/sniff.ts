/**
 * CSV dialect sniffing on the first 64 KiB: delimiter, header (or data, or a metadata line), BOM, line endings,
 * binary content. Pure functions over the sample text, so they are tested without files.
 */
import { parse } from 'csv-parse/sync';
import { datetimeOf, isBooleanText, isMissingMarker, numberShape } from './values';

export const SNIFF_BYTES = 64 * 1024;
const CANDIDATES = [',', ';', '\t', '|'] as const;
const SNIFF_RECORDS = 200;

export interface Sniffed {
  delimiter: string;
  header: boolean;
  /** The first line is metadata (scikit-learn's `150,4,setosa,…`): skipped, columns named `column_N`. */
  skipFirst: boolean;
  headerReason: string;
  lineEnding: 'lf' | 'crlf' | 'cr' | 'mixed' | 'none';
}

/** Records of the sample, the last one dropped when the sample stops mid-file (it may be cut). */
export function sampleRecords(text: string, delimiter: string, truncated: boolean): string[][] {
  let body = text;
  if (truncated) {
    const cut = Math.max(body.lastIndexOf('\n'), body.lastIndexOf('\r'));
    body = cut > 0 ? body.slice(0, cut) : body;
  }
  try {
    return parse(body, { delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, bom: true, to: SNIFF_RECORDS });
  } catch {
    // An unterminated quote in a cut sample: fall back to plain splitting, good enough to sniff.
    return body.split(/\r\n|\n|\r/).filter((l) => l !== '').slice(0, SNIFF_RECORDS).map((l) => l.split(delimiter));
  }
}

function modeOf(xs: number[]): { mode: number; share: number } {
  const counts = new Map<number, number>();
  for (const x of xs) { counts.set(x, (counts.get(x) ?? 0) + 1); }
  let mode = 0;
  let best = -1;
  for (const [x, c] of counts) { if (c > best || (c === best && x > mode)) { mode = x; best = c; } }
  return { mode, share: xs.length ? best / xs.length : 0 };
}

export function sniffDelimiter(text: string, truncated: boolean, preferTab: boolean): string {
  let chosen: string = preferTab ? '\t' : ',';
  let bestScore = 0;
  let bestFields = 1;
  for (const d of CANDIDATES) {
    const records = sampleRecords(text, d, truncated);
    if (!records.length) { continue; }
    const { mode, share } = modeOf(records.map((r) => r.length));
    if (mode < 2) { continue; }
    const score = share + (preferTab && d === '\t' ? 0.01 : 0);
    if (score > bestScore + 1e-9 || (Math.abs(score - bestScore) <= 1e-9 && mode > bestFields)) {
      chosen = d;
      bestScore = score;
      bestFields = mode;
    }
  }
  return chosen;
}

export function lineEndingOf(text: string): Sniffed['lineEnding'] {
  let crlf = 0;
  let cr = 0;
  let lf = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) { crlf++; i++; } else if (i + 1 < text.length) { cr++; }
    } else if (c === 10) { lf++; }
  }
  const kinds = (crlf > 0 ? 1 : 0) + (cr > 0 ? 1 : 0) + (lf > 0 ? 1 : 0);
  if (kinds === 0) { return 'none'; }
  if (kinds > 1) { return 'mixed'; }
  return crlf ? 'crlf' : cr ? 'cr' : 'lf';
}

type CellClass = 'missing' | 'number' | 'boolean' | 'datetime' | 'text';

function classOf(s: string): CellClass {
  if (isMissingMarker(s)) { return 'missing'; }
  if (numberShape(s) !== 0) { return 'number'; }
  if (isBooleanText(s)) { return 'boolean'; }
  if (datetimeOf(s)) { return 'datetime'; }
  return 'text';
}

/** The class most cells of column i have in the rows below the first (ignoring missing), or 'missing'. */
function columnClass(rows: string[][], i: number): CellClass {
  const counts = new Map<CellClass, number>();
  for (const r of rows) {
    if (i >= r.length) { continue; }
    const c = classOf(r[i]);
    if (c !== 'missing') { counts.set(c, (counts.get(c) ?? 0) + 1); }
  }
  let best: CellClass = 'missing';
  let n = 0;
  for (const [c, k] of counts) { if (k > n) { best = c; n = k; } }
  // A column of numbers with some text is text: a header cell that is text then does not stand out.
  if (best === 'number' && (counts.get('text') ?? 0) > 0) { return 'text'; }
  return best;
}

/**
 * Column names that are numbers counting up by one: `0,1,2` (pandas' `to_csv` of a DataFrame without column
 * names) or years (`2019,2020,2021`). Three or more, or two years; a data row rarely counts like that.
 */
function numberedNames(cells: string[]): boolean {
  if (cells.length < 2 || !cells.every((c) => /^\d{1,9}$/.test(c))) { return false; }
  const n = cells.map(Number);
  if (!n.every((x, i) => i === 0 || x === n[i - 1] + 1)) { return false; }
  return n.length >= 3 || (n[0] >= 1900 && n[n.length - 1] <= 2100);
}

/**
 * Header, data or metadata? The first record is a header when its cells are text (or empty) — pandas' default —
 * unless its cells have the same types as the rows below (then it is data: a header-less UCI file). A first line
 * with numbers whose types do not match the rows below (scikit-learn's `150,4,setosa,versicolor,virginica`) is
 * metadata: skipped, like a header, but its cells are not names.
 */
export function judgeHeader(records: string[][]): Pick<Sniffed, 'header' | 'skipFirst' | 'headerReason'> {
  if (!records.length) { return { header: false, skipFirst: false, headerReason: 'no records' }; }
  const first = records[0];
  const rest = records.slice(1);
  const classes = first.map(classOf);
  const typed = classes.map((c, i) => ({ c, i })).filter(({ c }) => c !== 'text' && c !== 'missing');
  if (!rest.length) {
    return typed.length
      ? { header: false, skipFirst: false, headerReason: 'a single line with typed cells: data' }
      : { header: true, skipFirst: false, headerReason: 'a single line of text cells: a header' };
  }
  const width = modeOf(rest.map((r) => r.length)).mode;
  const below = first.map((_, i) => columnClass(rest, i));
  if (!typed.length) {
    const textBelow = below.filter((c) => c === 'text' || c === 'missing').length;
    if (textBelow === below.length) {
      return { header: true, skipFirst: false, headerReason: 'first line is text like every row below; taken as a header (pandas default)' };
    }
    return { header: true, skipFirst: false, headerReason: 'first line is text over typed columns: a header' };
  }
  if (first.length === width && numberedNames(typed.map(({ i }) => first[i]))) {
    return { header: true, skipFirst: false, headerReason: `first line names columns by number (${typed.slice(0, 4).map(({ i }) => first[i]).join(',')}…, as pandas writes a DataFrame without names, or years): a header` };
  }
  const matches = first.length === width && classes.every((c, i) => c === 'missing' || c === below[i] || (c === 'number' && below[i] === 'text'));
  if (matches) {
    return { header: false, skipFirst: false, headerReason: `first line looks like data: its cells have the types of the rows below (${first.slice(0, 5).join(',')}…)` };
  }
  const shown = typed.slice(0, 3).map(({ i }) => JSON.stringify(first[i])).join(', ');
  return {
    header: false,
    skipFirst: true,
    headerReason: `first line looks like metadata, not a header: it has typed cells (${shown}) that do not match the rows below` +
      (first.length !== width ? `, and ${first.length} fields where the rows have ${width}` : '') + '; skipped, columns named column_N',
  };
}

/** Text that is not a table: NUL bytes, or mostly undecodable bytes. */
export function binaryReason(sample: Buffer): string | undefined {
  const nul = sample.indexOf(0);
  if (nul >= 0) { return `binary content (a NUL byte at offset ${nul}), not a text table`; }
  const text = sample.toString('utf8');
  let bad = 0;
  for (let i = 0; i < text.length; i++) { if (text.charCodeAt(i) === 0xfffd) { bad++; } }
  if (text.length > 0 && bad / text.length > 0.1) { return `binary content (${bad} undecodable bytes in the first ${sample.length}), not UTF-8 text`; }
  return undefined;
}

export function sniff(text: string, truncated: boolean, preferTab: boolean): Sniffed & { records: string[][] } {
  const delimiter = sniffDelimiter(text, truncated, preferTab);
  const records = sampleRecords(text, delimiter, truncated);
  return { delimiter, ...judgeHeader(records), lineEnding: lineEndingOf(text), records };
}
