/**
 * Parquet profiling with hyparquet: row group by row group, column by column (so memory holds one column chunk,
 * and a column whose type or encoding hyparquet cannot read gets its own error while the others are profiled).
 * Types come from the file (`sourceType`), not from inference.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { ColumnAccumulator } from './column';
import type { PartialProfile } from './csv';
import type { ColumnProfile } from './schema';

interface SchemaElement {
  name: string;
  type?: string;
  converted_type?: string;
  logical_type?: { type: string; unit?: string; isAdjustedToUTC?: boolean };
  num_children?: number;
}
interface SchemaTree { element: SchemaElement; children: SchemaTree[] }
interface RowGroup { num_rows: bigint | number }
interface FileMetaData { num_rows: bigint | number; row_groups: RowGroup[]; schema: SchemaElement[] }
interface AsyncBuffer { byteLength: number; slice(start: number, end?: number): Promise<ArrayBuffer> }
interface ColumnData { columnName: string; columnData: ArrayLike<unknown>; rowStart: number; rowEnd: number }
interface Hyparquet {
  parquetMetadataAsync(file: AsyncBuffer): Promise<FileMetaData>;
  parquetSchema(metadata: FileMetaData): SchemaTree;
  parquetRead(options: {
    file: AsyncBuffer; metadata?: FileMetaData; columns?: string[]; rowStart?: number; rowEnd?: number;
    onChunk?: (chunk: ColumnData) => void; compressors?: Record<string, (input: Uint8Array, outputLength: number) => Uint8Array>;
  }): Promise<void>;
}

// hyparquet is an ES module; Node ≥ 20.19 loads it with require().
// eslint-disable-next-line @typescript-eslint/no-require-imports
const hyparquet = require('hyparquet') as Hyparquet;

/** Codecs hyparquet leaves to the caller that Node's zlib decodes. */
const COMPRESSORS = {
  GZIP: (input: Uint8Array) => new Uint8Array(zlib.gunzipSync(input)),
  BROTLI: (input: Uint8Array) => new Uint8Array(zlib.brotliDecompressSync(input)),
};

async function fileBuffer(absPath: string): Promise<{ file: AsyncBuffer; close: () => Promise<void> }> {
  const fh = await fs.promises.open(absPath, 'r');
  const { size } = await fh.stat();
  return {
    file: {
      byteLength: size,
      async slice(start: number, end?: number) {
        const stop = Math.min(end ?? size, size);
        const buf = new Uint8Array(Math.max(0, stop - start));
        let off = 0;
        while (off < buf.length) {
          const { bytesRead } = await fh.read(buf, off, buf.length - off, start + off);
          if (bytesRead === 0) { break; }
          off += bytesRead;
        }
        return buf.buffer;
      },
    },
    close: () => fh.close(),
  };
}

export function sourceTypeOf(e: SchemaElement): string {
  if (e.num_children) { return `group${e.converted_type ? ` (${e.converted_type})` : e.logical_type ? ` (${e.logical_type.type})` : ''}`; }
  const logical = e.logical_type?.type ?? e.converted_type;
  return logical && logical !== e.type ? `${e.type}/${logical}` : (e.type ?? 'unknown');
}

function isIntegerPhysical(e: SchemaElement): boolean {
  return (e.type === 'INT32' || e.type === 'INT64' || e.type === 'INT96') && !e.logical_type?.type?.startsWith('DECIMAL') && e.converted_type !== 'DECIMAL';
}

function jsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? Buffer.from(x).toString('base64') : x));
}

function addValue(col: ColumnAccumulator, v: unknown, integer: boolean): void {
  if (v === null || v === undefined) { col.missingValue('null'); return; }
  switch (typeof v) {
    case 'number':
      if (Number.isNaN(v)) { col.nonFiniteValue('NaN'); } else { col.number(v, integer && Number.isInteger(v)); }
      return;
    case 'bigint': col.number(Number(v), true); return;
    case 'boolean': col.bool(v); return;
    case 'string': col.typedString(v); return;
    default:
      if (v instanceof Date) {
        const t = v.getTime();
        if (Number.isNaN(t)) { col.missingValue('invalid date'); return; }
        const iso = v.toISOString();
        col.datetime(iso, 'parquet timestamp', iso);
        return;
      }
      if (v instanceof Uint8Array) { col.typedString(Buffer.from(v).toString('base64')); return; }
      col.typedString(jsonText(v));
  }
}

export async function profileParquet(absPath: string, signal?: AbortSignal): Promise<PartialProfile> {
  const { size } = await fs.promises.stat(absPath);
  if (size === 0) { return { format: 'parquet', error: 'empty file', rows: 0, columns: [] }; }
  const { file, close } = await fileBuffer(absPath);
  try {
    let metadata: FileMetaData;
    try {
      metadata = await hyparquet.parquetMetadataAsync(file);
    } catch (e) {
      return { format: 'parquet', error: `not a readable Parquet file: ${(e as Error).message}`, rows: 0, columns: [] };
    }
    const tree = hyparquet.parquetSchema(metadata);
    const fields = tree.children.map((c) => c.element);
    const columns = fields.map((f, i) => {
      const acc = new ColumnAccumulator(f.name, i);
      acc.sourceType = sourceTypeOf(f);
      return acc;
    });
    const errors = new Map<number, string>();
    let rowStart = 0;
    for (const rg of metadata.row_groups) {
      const rowEnd = rowStart + Number(rg.num_rows);
      for (let i = 0; i < fields.length; i++) {
        if (errors.has(i)) { continue; }
        if (signal?.aborted) { throw signal.reason instanceof Error ? signal.reason : new Error('aborted'); }
        const col = columns[i];
        const integer = isIntegerPhysical(fields[i]);
        try {
          await hyparquet.parquetRead({
            file, metadata, columns: [fields[i].name], rowStart, rowEnd, compressors: COMPRESSORS,
            onChunk: (chunk) => {
              if (chunk.columnName !== fields[i].name) { return; }
              const from = Math.max(chunk.rowStart, rowStart);
              const to = Math.min(chunk.rowEnd, rowEnd);
              const data = chunk.columnData;
              for (let r = from; r < to; r++) { addValue(col, data[r - chunk.rowStart], integer); }
            },
          });
        } catch (e) {
          errors.set(i, `cannot read this column (${col.sourceType}): ${(e as Error).message}`);
        }
      }
      rowStart = rowEnd;
    }
    const rows = Number(metadata.num_rows);
    const profiles: ColumnProfile[] = columns.map((c, i) => {
      const p = c.finish(rows);
      const err = errors.get(i);
      return err ? { ...p, error: err, warnings: [...(p.warnings ?? []), err] } : p;
    });
    const warnings = errors.size ? [`${errors.size} column(s) could not be read: ${[...errors.keys()].map((i) => fields[i].name).join(', ')}`] : [];
    if (errors.size === fields.length && fields.length > 0) {
      return { format: 'parquet', error: `no column could be read: ${errors.values().next().value}`, rows: 0, columns: [] };
    }
    return { format: 'parquet', rows, columns: profiles, ...(warnings.length ? { warnings } : {}) };
  } finally {
    await close();
  }
}
