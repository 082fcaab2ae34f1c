/** A first `schema.json` written from a profiled file, for a person to edit (MLOps: Create Data Schema from Version). */
import type { ColumnProfile, FileProfile } from '../profile/schema';
import { DATA_SCHEMA_FORMAT_VERSION, type DataSchema, type SchemaColumn } from './schemaFile';

/** Categorical columns with at most this many categories get their `values` listed. */
export const MAX_SCHEMA_VALUES = 50;

/** Markers that are the file format's own null, not something written in a cell. */
export function isNativeNull(fp: FileProfile, marker: string): boolean {
  return marker === 'null' && (fp.format === 'parquet' || fp.format === 'jsonl');
}

/** The alternatives of a detected format: the profiler writes `MM/DD/YYYY or DD/MM/YYYY` when the days never pass 12. */
export function formatAlternatives(detected: string): string[] {
  return detected.split(/\s+or\s+/).map((f) => f.trim()).filter(Boolean);
}

/**
 * The most common detected format. When it is ambiguous, an alternative that another detected format confirms wins,
 * else the first one; `guessed` then says so.
 */
function dominantFormat(col: ColumnProfile): { format: string; guessed?: string } | undefined {
  const formats = col.datetime?.formats ?? [];
  let best: { value: string; count: number } | undefined;
  for (const f of formats) { if (!best || f.count > best.count) { best = f; } }
  if (!best) { return undefined; }
  const alternatives = formatAlternatives(best.value);
  if (alternatives.length < 2) { return { format: best.value }; }
  const confirmed = alternatives.find((alt) => formats.some((f) => f.value === alt));
  return confirmed ? { format: confirmed } : { format: alternatives[0], guessed: best.value };
}

function columnFrom(col: ColumnProfile): SchemaColumn {
  const out: SchemaColumn = { name: col.name, type: col.type, required: true, nullable: col.missing > 0 };
  if (col.type === 'categorical' && col.values.complete && col.values.counts.length > 0 && col.values.counts.length <= MAX_SCHEMA_VALUES) {
    out.values = col.values.counts.map((c) => c.value).sort((x, y) => x.localeCompare(y));
  }
  if ((col.type === 'integer' || col.type === 'float') && col.numeric) { out.range = { min: col.numeric.min, max: col.numeric.max }; }
  if (col.type === 'datetime') {
    const f = dominantFormat(col);
    if (f) {
      out.format = f.format;
      if (f.guessed) { out.description = `The dates read as ${f.guessed}; ${f.format} was chosen: check it.`; }
    }
  }
  return out;
}

/**
 * Every column with its type, required, nullable when the file had missing values, allowed values for categorical
 * columns with at most 50 categories (when the profile counted all of them), the observed numeric range, the dominant
 * datetime format and the missing markers the file used. Columns stay in file order.
 */
export function schemaFromProfile(fp: FileProfile, dataset: string, createdFrom?: string): DataSchema {
  const markers = new Set<string>(['']);
  for (const col of fp.columns) {
    for (const m of col.missingMarkers) { if (m.count > 0 && !isNativeNull(fp, m.value)) { markers.add(m.value); } }
  }
  const schema: DataSchema = {
    formatVersion: DATA_SCHEMA_FORMAT_VERSION,
    dataset,
    ...(createdFrom !== undefined ? { createdFrom } : {}),
    missingMarkers: [...markers],
    allowNewColumns: false,
    columns: [...fp.columns].sort((x, y) => x.index - y.index).map(columnFrom),
  };
  return schema;
}
