/**
 * JSON Lines profiling: one object per line; keys are columns (in order of first appearance), a key absent from a
 * line is a missing value, `null` is the marker "null", nested objects and arrays are profiled as their JSON text.
 */
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { ColumnAccumulator } from './column';
import type { PartialProfile } from './csv';
import { binaryReason } from './sniff';
import { readHead } from './csv';

export async function profileJsonl(absPath: string, signal?: AbortSignal): Promise<PartialProfile> {
  const { head, size } = await readHead(absPath, 64 * 1024);
  if (size === 0) { return { format: 'jsonl', error: 'empty file', rows: 0, columns: [] }; }
  const binary = binaryReason(head);
  if (binary) { return { format: 'jsonl', error: binary, rows: 0, columns: [] }; }
  const columns = new Map<string, ColumnAccumulator>();
  let rows = 0;
  let bad = 0;
  let firstBad: { line: number; why: string } | undefined;
  let lineNo = 0;
  const stream = fs.createReadStream(absPath, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const raw of lines) {
      lineNo++;
      const line = lineNo === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (line.trim() === '') { continue; }
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        bad++;
        firstBad ??= { line: lineNo, why: (e as Error).message };
        continue;
      }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
        bad++;
        firstBad ??= { line: lineNo, why: `not an object (${Array.isArray(obj) ? 'an array' : obj === null ? 'null' : typeof obj})` };
        continue;
      }
      rows++;
      for (const key of Object.keys(obj)) {
        let col = columns.get(key);
        if (!col) {
          col = new ColumnAccumulator(key, columns.size);
          // Lines before this one did not have the key: finish(rows) counts them as missing.
          columns.set(key, col);
        }
        const v = (obj as Record<string, unknown>)[key];
        if (v === null) { col.missingValue('null'); } else if (typeof v === 'number') { col.number(v, Number.isInteger(v)); } else if (typeof v === 'boolean') {
          col.bool(v);
        } else if (typeof v === 'string') { col.typedString(v); } else { col.typedString(JSON.stringify(v)); }
      }
      if (rows % 4096 === 0 && signal?.aborted) { throw signal.reason instanceof Error ? signal.reason : new Error('aborted'); }
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  const warnings: string[] = [];
  if (bad) { warnings.push(`${bad} line(s) that are not JSON objects (first at line ${firstBad!.line}: ${firstBad!.why})`); }
  if (rows === 0) {
    return { format: 'jsonl', error: bad ? `no JSON object lines: ${warnings[0]}` : 'empty file (only blank lines)', rows: 0, columns: [] };
  }
  return { format: 'jsonl', rows, columns: [...columns.values()].map((c) => c.finish(rows)), ...(warnings.length ? { warnings } : {}) };
}
