/**
 * Findings of validating a data file or version against its dataset's common schema (`schema.json`). The codes are
 * stable: CI, SARIF and Problems use them.
 */
import type { ColumnType } from '../profile/schema';

export const FINDING_CODES = [
  'missing-column', 'new-column', 'type-mismatch', 'out-of-range', 'unexpected-category',
  'null-rate', 'datetime-format', 'missing-marker',
] as const;
export type FindingCode = typeof FINDING_CODES[number];
export type FindingSeverity = 'error' | 'warning' | 'info';

export interface DataFinding {
  code: FindingCode;
  severity: FindingSeverity;
  /** The data file (as in the manifest, or the path given to `data check`). */
  file: string;
  /** The column as named in the schema (after the source's renames), or as in the file for `new-column`. */
  column: string;
  message: string;
  /** How many values are affected, when it is a count. */
  count?: number;
  /** A few offending values, as text. */
  examples?: string[];
  /** For `unexpected-category`: the mapping that would fix it (source spelling → canonical value). */
  suggestion?: { mapping: { from: string; to: string }[] };
  /** 1-based line of the first offending row in a CSV/TSV/JSONL file, when found cheaply. */
  line?: number;
  /**
   * What an offending cell looks like, so `locateFindings` can find the first offending row without the schema:
   * `in` (the cell is one of `values`), `not-in` (it is none of `values`), `not-type` (it does not parse as `type`),
   * `outside` (a number below `min` or above `max`), `not-format` (a datetime not written as `format`). Cells in
   * `skip` (missing markers) never offend. Absent when the finding has no row (e.g. `missing-column`).
   */
  locate?: FindingLocator;
}

export interface FindingLocator {
  /** The column as named in the file, and its 0-based position there. */
  fileColumn: string;
  index: number;
  test: 'in' | 'not-in' | 'not-type' | 'outside' | 'not-format';
  values?: string[];
  skip?: string[];
  type?: ColumnType;
  min?: number;
  max?: number;
  format?: string;
}
