// Parsing of typed `k=v` input (CLI arguments, the extension's input boxes): both give the same message for the
// same mistake.
import { MlopsError } from './errors';
import { paramNameProblem, textProblem } from './store/ids';
import type { ParamValue } from './store/schemas';
import type { MetricInput } from './store/metrics';

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * A param value as typed: JSON numbers become numbers (`0.1`, `1e-3`, `64`), `true`/`false` booleans, `null` null;
 * everything else stays text, so `001` or `v1.2` are never silently changed. A number that a 64-bit float cannot
 * hold as typed also stays text (docs/format.md "Numbers"): an integer beyond ±(2^53 − 1) such as
 * `12345678901234567890`, or `0.1000000000000000055511`, whose float would be written back as `0.1`.
 */
export function parseParamValue(raw: string): ParamValue {
  if (JSON_NUMBER.test(raw)) {
    const n = Number(raw);
    const integerText = !/[.eE]/.test(raw);
    if (Number.isFinite(n) && (!integerText || Number.isSafeInteger(n)) && decimalKey(raw) === decimalKey(String(n))) { return n; }
    return raw;
  }
  if (raw === 'true') { return true; }
  if (raw === 'false') { return false; }
  if (raw === 'null') { return null; }
  return raw;
}

/**
 * The exact decimal value of a number's text, normalised (`1.50`, `15e-1` and `1.5` give the same key), so a text
 * can be compared with the shortest text of the float it parses to.
 */
function decimalKey(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) { return text; }
  const fraction = m[3] ?? '';
  let digits = (m[2] + fraction).replace(/^0+/, '');
  if (digits === '') { return '0'; }
  let exponent = Number(m[4] ?? '0') - fraction.length;
  const trailing = /0*$/.exec(digits)![0].length;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  return `${m[1]}${digits}e${exponent}`;
}

/** `key=value` for params: split at the first `=`, since values may contain `=`. */
export function parseParam(arg: string): [string, ParamValue] {
  const eq = arg.indexOf('=');
  if (eq <= 0) { throw new MlopsError(`bad param '${arg}': expected key=value, e.g. --param lr=0.01`); }
  const key = arg.slice(0, eq).trim();
  const problem = paramNameProblem(key);
  if (problem) { throw new MlopsError(`bad param '${arg}': ${problem}`); }
  return [key, parseParamValue(arg.slice(eq + 1))];
}

/**
 * `name=value[@step]` for metrics: split at the last `=`, so slice names such as `accuracy@fold=1=0.93@4` work.
 * Values: any number, or nan / inf / -inf.
 */
export function parseMetric(arg: string): MetricInput {
  const eq = arg.lastIndexOf('=');
  if (eq <= 0) { throw new MlopsError(`bad metric '${arg}': expected name=value or name=value@step, e.g. --metric loss=0.25@3`); }
  const name = arg.slice(0, eq).trim();
  const problem = textProblem(name, 'metric name');
  if (problem) { throw new MlopsError(`bad metric '${arg}': ${problem}`); }
  const m = /^\s*([^@\s]+)\s*(?:@\s*(\d+))?\s*$/.exec(arg.slice(eq + 1));
  if (!m) { throw new MlopsError(`bad metric '${arg}': expected name=value or name=value@step`); }
  const value = parseNumber(m[1]);
  if (value === undefined) { throw new MlopsError(`bad metric '${arg}': '${m[1]}' is not a number`); }
  const out: MetricInput = { name, value };
  if (m[2] !== undefined) {
    const step = Number(m[2]);
    if (!Number.isSafeInteger(step)) { throw new MlopsError(`bad metric '${arg}': step ${m[2]} is too large`); }
    out.step = step;
  }
  return out;
}

function parseNumber(s: string): number | undefined {
  const lower = s.toLowerCase();
  if (lower === 'nan') { return NaN; }
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity') { return Infinity; }
  if (lower === '-inf' || lower === '-infinity') { return -Infinity; }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) { return undefined; }
  return Number(s);
}

/** `dataset` or `dataset:version-or-tag`. */
export function parseDataRef(arg: string): { dataset: string; ref?: string } {
  const i = arg.indexOf(':');
  if (i === 0) { throw new MlopsError(`bad data reference '${arg}': expected DATASET or DATASET:VERSION_OR_TAG`); }
  return i < 0 ? { dataset: arg } : { dataset: arg.slice(0, i), ref: arg.slice(i + 1) || undefined };
}
