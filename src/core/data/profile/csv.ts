/**
 * CSV / TSV profiling: sniff the dialect on the first 64 KiB, then stream the file through csv-parse into one
 * accumulator per column (the scanner: see scanner.ts for why not csv-parse on the full pass).
 */
import * as fs from 'node:fs';
import { ColumnAccumulator } from './column';
import { CsvScanner } from './scanner';
import type { CsvDialect, FileFormat, FileProfile } from './schema';
import { SNIFF_BYTES, binaryReason, sniff } from './sniff';

export type PartialProfile = Pick<FileProfile, 'format' | 'error' | 'rows' | 'csv' | 'columns' | 'warnings'>;

export async function readHead(absPath: string, bytes: number): Promise<{ head: Buffer; size: number }> {
  const fh = await fs.promises.open(absPath, 'r');
  try {
    const { size } = await fh.stat();
    const buf = Buffer.alloc(Math.min(bytes, size));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return { head: buf.subarray(0, bytesRead), size };
  } finally {
    await fh.close();
  }
}

/** Header cells to unique column names, pandas style: `a`, `a.1`, `a.2`; empty cells become `column_N`. */
export function columnNames(cells: string[], warnings: string[]): string[] {
  const seen = new Set<string>();
  /** Next suffix to try per duplicated name (a header of 30,000 equal cells must not cost 30,000² probes). */
  const nextSuffix = new Map<string, number>();
  const out: string[] = [];
  const dups = new Set<string>();
  let empty = 0;
  cells.forEach((cell, i) => {
    let name = cell === '' ? `column_${i + 1}` : cell;
    if (cell === '') { empty++; }
    if (seen.has(name)) {
      dups.add(name);
      let k = nextSuffix.get(name) ?? 1;
      while (seen.has(`${name}.${k}`)) { k++; }
      nextSuffix.set(name, k + 1);
      name = `${name}.${k}`;
    }
    seen.add(name);
    out.push(name);
  });
  if (empty) { warnings.push(`${empty} empty header cell(s): named column_N after their position`); }
  const shown = [...dups].slice(0, 5);
  for (const d of shown) { warnings.push(`duplicate column name ${JSON.stringify(d)}: later ones renamed ${JSON.stringify(d + '.1')}, …`); }
  if (dups.size > shown.length) { warnings.push(`${dups.size - shown.length} more duplicate column names`); }
  return out;
}

export async function profileCsv(absPath: string, format: FileFormat, signal?: AbortSignal): Promise<PartialProfile> {
  const { head, size } = await readHead(absPath, SNIFF_BYTES);
  if (size === 0) { return { format, error: 'empty file', rows: 0, columns: [] }; }
  const binary = binaryReason(head);
  if (binary) { return { format, error: binary, rows: 0, columns: [] }; }
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  // Do not cut a multi-byte character at the end of the sample.
  let end = head.length;
  if (size > head.length) { while (end > 0 && (head[end - 1] & 0xc0) === 0x80) { end--; } if (end > 0 && head[end - 1] >= 0xc0) { end--; } }
  const text = head.subarray(bom ? 3 : 0, end).toString('utf8');
  if (text.trim() === '') { return { format, error: 'empty file (only blank lines)', rows: 0, columns: [] }; }
  const truncated = size > head.length;
  const sniffed = sniff(text, truncated, format === 'tsv');
  const warnings: string[] = [];
  const first = sniffed.records[0] ?? [];
  const width = first.length;
  const names = sniffed.header ? columnNames(first, warnings) : first.map((_, i) => `column_${i + 1}`);
  const columns = names.map((name, i) => new ColumnAccumulator(name, i));
  const dialect: CsvDialect = {
    delimiter: sniffed.delimiter, quote: '"', header: sniffed.header, headerReason: sniffed.headerReason, bom,
    lineEnding: sniffed.lineEnding, encoding: 'utf-8', raggedRows: 0,
  };
  if (sniffed.skipFirst) { dialect.skippedLines = 1; }
  let undecodable = 0;
  for (let i = 0; i < text.length; i++) { if (text.charCodeAt(i) === 0xfffd) { undecodable++; } }
  if (undecodable) { warnings.push(`${undecodable} byte sequence(s) in the first 64 KiB are not UTF-8 (another encoding?): read as U+FFFD`); }
  let rows = 0;
  let ragged = 0;
  let firstRagged: number | undefined;
  let extra = 0;
  let skip = sniffed.header || sniffed.skipFirst ? 1 : 0;
  const scanner = new CsvScanner(sniffed.delimiter, sniffed.lineEnding === 'cr', (record, line) => {
    if (skip > 0) { skip--; return; }
    rows++;
    const len = record.length;
    if (len !== width) {
      ragged++;
      if (firstRagged === undefined) { firstRagged = line; }
      if (len > width) { extra++; }
    }
    const m = len < width ? len : width;
    for (let i = 0; i < m; i++) { columns[i].text(record[i]); }
  });
  const stream = fs.createReadStream(absPath, { encoding: 'utf8', highWaterMark: 4 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      if (signal?.aborted) { throw signal.reason instanceof Error ? signal.reason : new Error('aborted'); }
      scanner.push(chunk);
    }
    scanner.push('', true);
    if (scanner.unclosedQuoteLine !== undefined) {
      warnings.push(`a quote opened on line ${scanner.unclosedQuoteLine} is never closed: the rest of the file was read as one field (pandas stops with "EOF inside string")`);
    }
  } catch (e) {
    if (signal?.aborted) { throw e; }
    return { format, error: `CSV read error after ${rows} rows: ${(e as Error).message}`, rows: 0, columns: [], csv: dialect };
  } finally {
    stream.destroy();
  }
  dialect.raggedRows = ragged;
  if (firstRagged !== undefined) { dialect.firstRaggedLine = firstRagged; }
  if (ragged) { warnings.push(`${ragged} row(s) with a different number of fields than the ${width} columns (first at line ${firstRagged})${extra ? `; ${extra} with extra fields, ignored` : ''}`); }
  return {
    format, rows, csv: dialect, columns: columns.map((c) => c.finish(rows)),
    ...(warnings.length ? { warnings } : {}),
  };
}
