/**
 * What differs between two sources of the same data (two versions of one dataset, or versions of two datasets):
 * how their columns line up, and each discrepancy a person must decide about.
 */
export interface ColumnAlignment {
  a?: string;
  b?: string;
  /** exact name; same name ignoring case and punctuation; likely rename judged by profile similarity; by position (header-less files). */
  how?: 'exact' | 'normalized' | 'profile' | 'position';
  /** 0–1 for `profile` matches. */
  similarity?: number;
}

export const DISCREPANCY_KINDS = [
  'row-count', 'header', 'format', 'column-only', 'rename', 'type', 'category-mapping', 'category-sets',
  'missing-markers', 'unit-scale', 'range',
] as const;
export type DiscrepancyKind = typeof DISCREPANCY_KINDS[number];

export interface Discrepancy {
  kind: DiscrepancyKind;
  severity: 'info' | 'warning';
  /** The column on each side, when the discrepancy is about one. */
  a?: string;
  b?: string;
  message: string;
  /** For `category-mapping`: each value on side A and its spelling on side B. */
  mapping?: { a: string; b: string; why: string }[];
  /** For `unit-scale`: B ≈ factor × A. */
  factor?: number;
}

export interface SourceComparison {
  a: { label: string; rows: number; file?: string };
  b: { label: string; rows: number; file?: string };
  columns: ColumnAlignment[];
  discrepancies: Discrepancy[];
  /** One sentence for people, e.g. "No data difference: only the file format differs." */
  summary?: string;
}
