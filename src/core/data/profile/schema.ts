/**
 * `<id>.profile.json`, format version 1: what a tabular data version holds, column by column, written next to its
 * manifest when the version is tagged. It is also everything the drift tests need from either side (a seeded
 * reservoir sample of numeric values, value counts up to a cap), so drift between two versions never re-reads data.
 *
 * Keys that come from the data (column names, category values, missing markers) are never object keys here: they
 * are array entries, so a column called `__proto__` is just a string.
 */
import { z } from 'zod';

export const PROFILE_FORMAT_VERSION = 1;
/** Distinct values are counted exactly up to this many, then estimated (HyperLogLog, within ±2%). */
export const EXACT_DISTINCT_LIMIT = 10_000;
/** Numeric values kept per column in the seeded reservoir sample (all of them when the column has fewer). */
export const SAMPLE_SIZE = 10_000;
/** Value counts are kept while a column has at most this many distinct values (`values.complete`). */
export const VALUE_COUNT_CAP = 10_000;
/** Category values longer than this are not counted one by one (`values.complete` is then false). */
export const MAX_VALUE_LENGTH = 1_000;
/** Top categories listed in `top`. */
export const TOP_CATEGORIES = 20;

export const COLUMN_TYPES = ['integer', 'float', 'boolean', 'datetime', 'categorical', 'string'] as const;
export const ColumnTypeSchema = z.enum(COLUMN_TYPES);
export type ColumnType = z.infer<typeof ColumnTypeSchema>;

export const FILE_FORMATS = ['csv', 'tsv', 'jsonl', 'parquet'] as const;
export const FileFormatSchema = z.enum(FILE_FORMATS);
export type FileFormat = z.infer<typeof FileFormatSchema>;

const count = z.number().int().nonnegative();
const finite = z.number().refine(Number.isFinite, 'a finite number');

export const ValueCountSchema = z.object({ value: z.string(), count });
export type ValueCount = z.infer<typeof ValueCountSchema>;

export const ColumnProfileSchema = z.looseObject({
  name: z.string().describe('column name as read (a header cell, a JSON key, a Parquet field; `column_N` (1-based) when the file has no header)'),
  index: count.describe('0-based position in the file'),
  type: ColumnTypeSchema.describe('inferred type: every non-missing value parses as it (integer ⊂ float); categorical = text with few distinct values'),
  sourceType: z.string().optional().describe('the type stored in the file, when it stores one (Parquet)'),
  count: count.describe('non-missing values'),
  missing: count.describe('missing values: empty cells, missing markers, JSON null, Parquet null, absent keys'),
  missingMarkers: z.array(ValueCountSchema).describe('which markers were read as missing, and how often; "" is the empty cell, "null" JSON/Parquet null'),
  typeCounts: z.object({ integer: count, float: count, boolean: count, datetime: count, string: count })
    .describe('how many non-missing values parse as each type (a value counts once, as its narrowest type); several non-zero entries = a mixed column'),
  distinct: count,
  distinctExact: z.boolean().describe('false once the column had more than 10,000 distinct values: `distinct` is then a HyperLogLog estimate'),
  numeric: z.looseObject({
    min: finite, max: finite, mean: finite, std: finite.describe('population standard deviation (ddof = 0)'),
    sum: finite.optional(),
    zeros: count.optional(),
    nonFinite: count.optional().describe('inf / -inf / nan spelled in a number column, counted as missing'),
    quantiles: z.array(z.object({ q: z.number().min(0).max(1), value: finite })).describe('from a mergeable sketch: q = 0.01 0.05 0.25 0.5 0.75 0.95 0.99'),
    sketch: z.unknown().optional().describe('the serialized quantile sketch, for merging profiles'),
    histogram: z.object({ edges: z.array(finite), counts: z.array(count) }).describe('equal-width bins over [min, max]; counts.length = edges.length - 1'),
    sample: z.array(finite).describe('seeded reservoir sample of the non-missing values (all of them, in file order, when count ≤ 10,000)'),
    sampleSeed: z.number().int(),
  }).optional().describe('integer and float columns'),
  datetime: z.looseObject({
    min: z.string(), max: z.string(),
    formats: z.array(ValueCountSchema).describe('detected formats (e.g. YYYY-MM-DD, YYYY-MM-DDTHH:mm:ssZ, DD/MM/YYYY) and how many values had each'),
  }).optional(),
  text: z.looseObject({ minLength: count, maxLength: count }).optional().describe('categorical and string columns: length in characters'),
  top: z.array(ValueCountSchema).describe('most frequent values, most frequent first (ties in value order); at most 20'),
  values: z.looseObject({
    complete: z.boolean().describe('true when `counts` holds every distinct value'),
    counts: z.array(ValueCountSchema).describe('every distinct value with its count while complete (numbers spelled canonically: 3.0 → "3"); empty otherwise'),
  }),
  warnings: z.array(z.string()).optional().describe('e.g. mixed types, a very long field'),
  error: z.string().optional().describe('this column could not be read (e.g. a Parquet type or encoding the reader does not support); the other columns are profiled'),
});
export type ColumnProfile = z.infer<typeof ColumnProfileSchema>;

export const CsvDialectSchema = z.looseObject({
  delimiter: z.string(),
  quote: z.string(),
  header: z.boolean().describe('false when the first line was judged data (e.g. a header-less UCI file) or metadata'),
  headerReason: z.string().optional().describe('why the first line was or was not taken as a header'),
  bom: z.boolean(),
  lineEnding: z.enum(['lf', 'crlf', 'cr', 'mixed', 'none']),
  encoding: z.string().describe('utf-8; other encodings are read as utf-8 with replacement characters counted in warnings'),
  raggedRows: count.describe('rows with a different number of fields than the header'),
  firstRaggedLine: z.number().int().positive().optional(),
  skippedLines: count.optional().describe('lines before the data that are neither header nor data (a metadata line such as scikit-learn\'s `150,4,setosa,…`)'),
});
export type CsvDialect = z.infer<typeof CsvDialectSchema>;

export const FileProfileSchema = z.looseObject({
  path: z.string().describe('the file, relative to the version source (as in the manifest)'),
  sha256: z.string().optional(),
  format: FileFormatSchema.optional(),
  error: z.string().optional().describe('why the file could not be profiled; the version is tagged anyway'),
  rows: count,
  csv: CsvDialectSchema.optional(),
  columns: z.array(ColumnProfileSchema),
  warnings: z.array(z.string()).optional(),
  durationMs: z.number().nonnegative().optional(),
});
export type FileProfile = z.infer<typeof FileProfileSchema>;

export const DataProfileSchema = z.looseObject({
  formatVersion: z.number().int().min(1),
  dataset: z.string(),
  versionId: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
  files: z.array(FileProfileSchema).describe('one per tabular file of the version (CSV, TSV, JSON Lines, Parquet), in manifest order'),
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })).optional().describe('files of the version that are not tabular, or beyond the profiling limits'),
}).meta({ title: 'MLOps Workbench data profile (<id>.profile.json)' });
export type DataProfile = z.infer<typeof DataProfileSchema>;

/** Integer and float columns are numeric for drift ("num"); the rest but datetime are categorical ("cat"). */
export const isNumericType = (t: ColumnType): boolean => t === 'integer' || t === 'float';
