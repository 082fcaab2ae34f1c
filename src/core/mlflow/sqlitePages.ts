/**
 * A read-only reader of the SQLite file format (https://www.sqlite.org/fileformat2.html) for `mlflow.db` files too
 * large to copy into sql.js's memory: pages are read on demand with `FileHandle.read` at their offsets (the file is
 * opened read-only: nothing can be written, no lock or journal is taken) and kept in a small LRU cache.
 * It knows what MLflow's tables need: the header, `sqlite_master`, table b-trees scanned in rowid order or searched
 * by rowid, index b-trees searched by a key prefix, records, overflow pages. WITHOUT ROWID tables, UTF-16 text and
 * descending or non-BINARY index columns are refused (MLflow has none). A damaged page is an error naming the page.
 */
import * as fs from 'node:fs';
import { sqliteHeaderProblem } from './sqliteEngine';
import type { SqliteValue } from './sqliteValues';

/** Bytes of pages kept in memory per open file. */
export const PAGE_CACHE_BYTES = 8 * 1024 * 1024;
/** Pages read at once when a b-tree's children are read ahead (bounded in bytes for 64 KiB pages). */
const READ_AHEAD_BYTES = 1024 * 1024;
/** A rowid: a number, or a bigint beyond 2^53 (MLflow's 18-digit experiment ids are the rowid of `experiments`). */
export type Rowid = number | bigint;

/** A varint exactly (rowids): 64-bit two's complement, a number when it is safe. */
function varintExact(b: Buffer, off: number): Rowid {
  let n = 0;
  while (n < 8 && (b[off + n] ?? 0) >= 0x80) { n++; }
  if (n < 7) { return varint(b, off)[0]; }
  let v = 0n;
  for (let i = 0; i < 8 && i <= n; i++) { v = (v << 7n) | BigInt((b[off + i] ?? 0) & 0x7f); }
  if (n === 8) { v = (v << 8n) | BigInt(b[off + 8] ?? 0); }
  const signed = BigInt.asIntN(64, v);
  return signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(signed) : signed;
}

/** Deeper than this is a loop in a damaged file (a 2^64-row table is 10 levels deep at 512-byte pages… roughly). */
const MAX_DEPTH = 40;

const PAGE_INDEX_INTERIOR = 0x02;
const PAGE_TABLE_INTERIOR = 0x05;
const PAGE_INDEX_LEAF = 0x0a;
const PAGE_TABLE_LEAF = 0x0d;

/** One row of `sqlite_master`. */
export interface SqliteMasterRow {
  type: string;
  name: string;
  tblName: string;
  rootpage: number;
  sql?: string;
}

/** The file's header fields the reader uses. */
export interface SqlitePagesHeader {
  pageSize: number;
  /** Page size minus the reserved bytes at the end of each page. */
  usable: number;
  pageCount: number;
  /** 1 = WAL (the main file alone is read: changes still in `-wal` are not seen). */
  wal: boolean;
}

/** An error about the file's content (the message says which page). */
export class SqliteDamaged extends Error {}

function damagedAt(page: number, what: string): SqliteDamaged {
  return new SqliteDamaged(`damaged (page ${page}: ${what})`);
}

/** A varint at `off`: [value, next offset]. Values beyond 2^53 lose precision (rowids and sizes never get there). */
function varint(b: Buffer, off: number): [number, number] {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const c = b[off + i];
    if (c === undefined) { return [NaN, off + i]; }
    v = v * 128 + (c & 0x7f);
    if (c < 0x80) { return [v, off + i + 1]; }
  }
  const c = b[off + 8];
  return c === undefined ? [NaN, off + 9] : [v * 256 + c, off + 9];
}

/** The values of a record (https://www.sqlite.org/fileformat2.html#record_format), text as UTF-8. */
export function decodeRecord(p: Buffer): SqliteValue[] {
  const [headerSize, first] = varint(p, 0);
  if (!(headerSize >= 1 && headerSize <= p.length)) { throw new Error(`record header of ${headerSize} bytes in a payload of ${p.length}`); }
  const out: SqliteValue[] = [];
  let h = first;
  let d = headerSize;
  while (h < headerSize) {
    const [t, next] = varint(p, h);
    h = next;
    switch (t) {
      case 0: out.push(null); break;
      case 1: out.push(p.readInt8(d)); d += 1; break;
      case 2: out.push(p.readInt16BE(d)); d += 2; break;
      case 3: out.push(p.readIntBE(d, 3)); d += 3; break;
      case 4: out.push(p.readInt32BE(d)); d += 4; break;
      case 5: out.push(p.readIntBE(d, 6)); d += 6; break;
      case 6: {
        const v = p.readBigInt64BE(d);
        out.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        d += 8;
        break;
      }
      case 7: out.push(p.readDoubleBE(d)); d += 8; break;
      case 8: out.push(0); break;
      case 9: out.push(1); break;
      default: {
        if (!(t >= 12)) { throw new Error(`serial type ${t}`); }
        const n = (t - (t % 2 ? 13 : 12)) / 2;
        if (d + n > p.length) { throw new Error(`a value of ${n} bytes past the end of the record`); }
        out.push(t % 2 ? p.toString('utf8', d, d + n) : Uint8Array.prototype.slice.call(p, d, d + n));
        d += n;
      }
    }
    if (d > p.length) { throw new Error('values past the end of the record'); }
  }
  return out;
}

/**
 * Whether one column of a record is a text among `values`, decided without decoding the others (a scan that keeps
 * a few rows of a large table).
 */
function textColumnIn(p: Buffer, column: number, values: ReadonlySet<string>): boolean {
  const [headerSize, first] = varint(p, 0);
  let h = first;
  let d = headerSize;
  for (let i = 0; h < headerSize; i++) {
    const [t, next] = varint(p, h);
    h = next;
    const n = t >= 12 ? (t - (t % 2 ? 13 : 12)) / 2 : t === 7 || t === 6 ? 8 : t === 5 ? 6 : t < 5 ? t : 0;
    if (i === column) { return t >= 13 && t % 2 === 1 && d + n <= p.length && values.has(p.toString('utf8', d, d + n)); }
    d += n;
  }
  return false;
}

function typeRank(v: SqliteValue): number {
  if (v === null) { return 0; }
  if (typeof v === 'number' || typeof v === 'bigint') { return 1; }
  return typeof v === 'string' ? 2 : 3;
}

/** Text in BINARY collation: memcmp of UTF-8, which is code point order (not UTF-16 unit order). */
function compareText(a: string, b: string): number {
  if (a === b) { return 0; }
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) { continue; }
    if (x < 0xd800 && y < 0xd800) { return x - y; }
    return (a.codePointAt(i) ?? 0) - (b.codePointAt(i) ?? 0);
  }
  return a.length - b.length;
}

/** SQLite's order of values (NULL < numbers < text < blob; BINARY collation). */
export function compareValues(a: SqliteValue, b: SqliteValue): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) { return ra - rb; }
  switch (ra) {
    case 0: return 0;
    case 1: return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 2: return compareText(a as string, b as string);
    default: return Buffer.compare(a as Uint8Array, b as Uint8Array);
  }
}

/** One b-tree page, parsed. */
interface Page {
  no: number;
  type: number;
  buf: Buffer;
  /** Offset of the b-tree header (100 on page 1). */
  hdr: number;
  cells: number[];
  right: number;
}

/** A cell's payload location: the local bytes and, when it spills, the first overflow page. */
interface Payload {
  size: number;
  start: number;
  local: number;
  overflow: number;
}

/** Read-only view of one SQLite file. `close()` releases the handle. */
export class SqlitePages {
  private readonly cache = new Map<number, Buffer>();
  private readonly pending = new Map<number, Promise<Buffer>>();
  private readonly maxCached: number;

  private constructor(private readonly fh: fs.promises.FileHandle, readonly header: SqlitePagesHeader, readonly size: number, readonly mtimeMs: number) {
    this.maxCached = Math.max(16, Math.floor(PAGE_CACHE_BYTES / header.pageSize));
  }

  /** Opens the file read-only and checks its header; rejects with the reason (the caller names the file). */
  static async open(file: string): Promise<SqlitePages> {
    const fh = await fs.promises.open(file, 'r');
    try {
      const st = await fh.stat();
      const head = Buffer.alloc(Math.min(100, st.size));
      if (head.length) { await fh.read(head, 0, head.length, 0); }
      const problem = sqliteHeaderProblem(head, st.size);
      if (problem) { throw new SqliteDamaged(problem); }
      const raw = head.readUInt16BE(16);
      const pageSize = raw === 1 ? 65536 : raw;
      const reserved = head[20];
      const encoding = head.readUInt32BE(56);
      if (encoding !== 1 && encoding !== 0) {
        throw new SqliteDamaged(`text encoding ${encoding === 2 ? 'UTF-16le' : encoding === 3 ? 'UTF-16be' : `#${encoding}`} is not supported (MLflow writes UTF-8)`);
      }
      if (head[18] > 2 || head[19] > 2) { throw new SqliteDamaged(`file format version ${head[18]}/${head[19]} is not supported`); }
      const usable = pageSize - reserved;
      if (usable < 480) { throw new SqliteDamaged(`damaged SQLite header (${reserved} reserved bytes in pages of ${pageSize})`); }
      const inHeader = head.readUInt32BE(28);
      const valid = head.readUInt32BE(24) === head.readUInt32BE(92) && inHeader > 0;
      const pageCount = valid ? inHeader : Math.floor(st.size / pageSize);
      return new SqlitePages(fh, { pageSize, usable, pageCount, wal: head[18] === 2 || head[19] === 2 }, st.size, st.mtimeMs);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    this.cache.clear();
    await this.fh.close();
  }

  /** The raw bytes of page `no` (1-based), from the cache or the file. */
  private async raw(no: number): Promise<Buffer> {
    const hit = this.cache.get(no);
    if (hit) {
      this.cache.delete(no);
      this.cache.set(no, hit);
      return hit;
    }
    return this.pending.get(no) ?? this.load([no]).then(() => this.raw(no));
  }

  /** Reads these pages (consecutive numbers in one read each) into the cache. */
  private async load(nos: number[]): Promise<void> {
    const { pageSize, pageCount } = this.header;
    const want = [...new Set(nos)].filter((n) => !this.cache.has(n) && !this.pending.has(n)).sort((a, b) => a - b);
    for (const n of want) {
      if (!(Number.isInteger(n) && n >= 1 && n <= pageCount)) { throw new SqliteDamaged(`damaged (a pointer to page ${n}; the file has ${pageCount} pages)`); }
    }
    const ranges: [number, number][] = [];
    for (const n of want) {
      const last = ranges[ranges.length - 1];
      if (last && last[1] === n - 1 && (n - last[0]) * pageSize < READ_AHEAD_BYTES) { last[1] = n; } else { ranges.push([n, n]); }
    }
    await Promise.all(ranges.map(([a, b]) => {
      const job = (async () => {
        const buf = Buffer.allocUnsafe((b - a + 1) * pageSize);
        const { bytesRead } = await this.fh.read(buf, 0, buf.length, (a - 1) * pageSize);
        if (bytesRead < buf.length) {
          throw new SqliteDamaged(`truncated (page ${a + Math.floor(bytesRead / pageSize)} is past the end of the file)`);
        }
        for (let n = a; n <= b; n++) { this.put(n, buf.subarray((n - a) * pageSize, (n - a + 1) * pageSize)); }
      })();
      const settled = job.finally(() => { for (let n = a; n <= b; n++) { this.pending.delete(n); } });
      for (let n = a; n <= b; n++) { this.pending.set(n, settled.then(() => this.raw(n))); }
      return settled;
    }));
  }

  private put(no: number, buf: Buffer): void {
    this.cache.set(no, buf);
    while (this.cache.size > this.maxCached) {
      const oldest = this.cache.keys().next().value as number;
      this.cache.delete(oldest);
    }
  }

  /** A b-tree page, its type checked against `expect`. */
  private async page(no: number, expect: readonly number[]): Promise<Page> {
    const buf = await this.raw(no);
    const hdr = no === 1 ? 100 : 0;
    const type = buf[hdr];
    if (!expect.includes(type)) { throw damagedAt(no, `not a b-tree page of the expected kind (type 0x${type.toString(16).padStart(2, '0')})`); }
    const interior = type === PAGE_TABLE_INTERIOR || type === PAGE_INDEX_INTERIOR;
    const count = buf.readUInt16BE(hdr + 3);
    const ptrs = hdr + (interior ? 12 : 8);
    if (ptrs + 2 * count > this.header.usable) { throw damagedAt(no, `${count} cells do not fit in the page`); }
    const cells: number[] = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      const c = buf.readUInt16BE(ptrs + 2 * i);
      if (c < ptrs + 2 * count || c >= this.header.usable) { throw damagedAt(no, `cell ${i} at offset ${c} is outside the page's content`); }
      cells[i] = c;
    }
    return { no, type, buf, hdr, cells, right: interior ? buf.readUInt32BE(hdr + 8) : 0 };
  }

  /** Payload bounds of a cell whose size varint starts at `off` (https://www.sqlite.org/fileformat2.html#b_tree_pages). */
  private payloadAt(page: Page, off: number, afterSize: (o: number) => number, table: boolean): Payload {
    const [size, o1] = varint(page.buf, off);
    const start = afterSize(o1);
    const U = this.header.usable;
    const X = table ? U - 35 : Math.floor(((U - 12) * 64) / 255) - 23;
    let local = size;
    if (size > X) {
      const M = Math.floor(((U - 12) * 32) / 255) - 23;
      const K = M + ((size - M) % (U - 4));
      local = K <= X ? K : M;
    }
    if (!Number.isFinite(size) || start + local + (local < size ? 4 : 0) > U) { throw damagedAt(page.no, `a cell's payload of ${size} bytes runs past the page`); }
    return { size, start, local, overflow: local < size ? page.buf.readUInt32BE(start + local) : 0 };
  }

  /** A cell's whole payload, following its overflow pages. */
  private async payload(page: Page, p: Payload): Promise<Buffer> {
    const head = page.buf.subarray(p.start, p.start + p.local);
    if (p.local === p.size) { return head; }
    const out = Buffer.allocUnsafe(p.size);
    head.copy(out, 0);
    let have = p.local;
    let next = p.overflow;
    let hops = 0;
    while (have < p.size) {
      if (next === 0 || ++hops > this.header.pageCount) { throw damagedAt(page.no, `the overflow chain of a ${p.size}-byte cell ends after ${have} bytes`); }
      const ov = await this.raw(next);
      const n = Math.min(this.header.usable - 4, p.size - have);
      ov.copy(out, have, 4, 4 + n);
      have += n;
      next = ov.readUInt32BE(0);
    }
    return out;
  }

  private record(page: Page, buf: Buffer): SqliteValue[] {
    try { return decodeRecord(buf); } catch (e) { throw damagedAt(page.no, (e as Error).message); }
  }

  /** Page 1's `sqlite_master`: every table and index with its root page and CREATE statement. */
  async master(): Promise<SqliteMasterRow[]> {
    const out: SqliteMasterRow[] = [];
    await this.scanTable(1, (_rowid, r) => {
      out.push({ type: String(r[0]), name: String(r[1]), tblName: String(r[2]), rootpage: Number(r[3] ?? 0), ...(typeof r[4] === 'string' ? { sql: r[4] } : {}) });
    });
    return out;
  }

  /**
   * Every row of the table whose b-tree starts at `root`, in rowid order; with `where`, only the rows whose column
   * (by position) is one of these texts (the others are not decoded).
   */
  async scanTable(root: number, visit: (rowid: Rowid, values: SqliteValue[]) => void, signal?: AbortSignal, where?: { column: number; values: ReadonlySet<string> }): Promise<void> {
    await this.walkTable(root, undefined, visit, 0, signal, where);
  }

  /** The rows with these rowids (any order in, rowid order out; absent ones left out). */
  async rowsById(root: number, rowids: readonly Rowid[], visit: (rowid: Rowid, values: SqliteValue[]) => void, signal?: AbortSignal): Promise<void> {
    const sorted = [...new Set(rowids)].sort(compareValues);
    if (sorted.length) { await this.walkTable(root, sorted, visit, 0, signal); }
  }

  /** In-order walk of a table b-tree; `want` (sorted rowids) limits it to the subtrees holding them. */
  private async walkTable(no: number, want: Rowid[] | undefined, visit: (rowid: Rowid, values: SqliteValue[]) => void, depth: number, signal?: AbortSignal, where?: { column: number; values: ReadonlySet<string> }): Promise<void> {
    if (depth > MAX_DEPTH) { throw damagedAt(no, 'the b-tree is deeper than any real one (a loop)'); }
    const page = await this.page(no, [PAGE_TABLE_INTERIOR, PAGE_TABLE_LEAF]);
    if (page.type === PAGE_TABLE_LEAF) {
      let w = 0;
      for (const c of page.cells) {
        const p = this.payloadAt(page, c, (o) => varint(page.buf, o)[1], true);
        const rowid = varintExact(page.buf, varint(page.buf, c)[1]);
        if (want) {
          while (w < want.length && want[w] < rowid) { w++; }
          if (w >= want.length) { break; }
          if (want[w] > rowid) { continue; }
        }
        const payload = p.local === p.size ? page.buf.subarray(p.start, p.start + p.size) : await this.payload(page, p);
        if (where && !textColumnIn(payload, where.column, where.values)) { continue; }
        visit(rowid, this.record(page, payload));
      }
      return;
    }
    // Children with the rowids ≤ each cell's key; the right-most child holds the rest.
    const children: { child: number; want?: Rowid[] }[] = [];
    let w = 0;
    for (const c of page.cells) {
      const child = page.buf.readUInt32BE(c);
      const key = varintExact(page.buf, c + 4);
      if (want) {
        const from = w;
        while (w < want.length && want[w] <= key) { w++; }
        if (w > from) { children.push({ child, want: want.slice(from, w) }); }
      } else {
        children.push({ child });
      }
    }
    if (!want) { children.push({ child: page.right }); } else if (w < want.length) { children.push({ child: page.right, want: want.slice(w) }); }
    const step = Math.max(1, Math.floor(READ_AHEAD_BYTES / this.header.pageSize));
    for (let i = 0; i < children.length; i += step) {
      signal?.throwIfAborted();
      const batch = children.slice(i, i + step);
      await this.load(batch.map((b) => b.child));
      for (const b of batch) { await this.walkTable(b.child, b.want, visit, depth + 1, signal, where); }
    }
  }

  /**
   * Every entry of the index whose b-tree starts at `root` whose first fields equal `prefix`, in index order. An
   * entry is the indexed columns followed by the rowid.
   */
  async indexLookup(root: number, prefix: readonly SqliteValue[], signal?: AbortSignal): Promise<SqliteValue[][]> {
    const out: SqliteValue[][] = [];
    await this.walkIndex(root, prefix, out, 0, signal);
    return out;
  }

  /** Walks the index in order; returns false once past the prefix (the caller stops). */
  private async walkIndex(no: number, prefix: readonly SqliteValue[], out: SqliteValue[][], depth: number, signal?: AbortSignal): Promise<boolean> {
    if (depth > MAX_DEPTH) { throw damagedAt(no, 'the b-tree is deeper than any real one (a loop)'); }
    signal?.throwIfAborted();
    const page = await this.page(no, [PAGE_INDEX_INTERIOR, PAGE_INDEX_LEAF]);
    const interior = page.type === PAGE_INDEX_INTERIOR;
    const cmp = (key: SqliteValue[]) => {
      for (let i = 0; i < prefix.length; i++) {
        const d = compareValues(key[i] ?? null, prefix[i]);
        if (d !== 0) { return d; }
      }
      return 0;
    };
    for (const c of page.cells) {
      const p = this.payloadAt(page, interior ? c + 4 : c, (o) => o, false);
      const key = this.record(page, await this.payload(page, p));
      const d = cmp(key);
      if (d < 0) { continue; }
      // Interior cells are entries too: the left child holds the entries before this one.
      if (interior && !(await this.walkIndex(page.buf.readUInt32BE(c), prefix, out, depth + 1, signal))) { return false; }
      if (d > 0) { return false; }
      out.push(key);
    }
    return interior ? this.walkIndex(page.right, prefix, out, depth + 1, signal) : true;
  }
}
