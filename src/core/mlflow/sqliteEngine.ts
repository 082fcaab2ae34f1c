/**
 * sql.js (SQLite compiled to WebAssembly) for reading `mlflow.db`: no native module to ship per platform, and the
 * database lives in wasm memory as a copy of the file's bytes, so nothing can write, lock or journal next to the
 * user's file. Loaded once per process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import initSqlJs from 'sql.js';

export type SqlDatabase = initSqlJs.Database;
export type SqlValue = initSqlJs.SqlValue;

const WASM_FILE = 'sql-wasm.wasm';

/**
 * Where `sql-wasm.wasm` is: next to the bundle (`dist/`, copied there by esbuild.mjs) when running bundled, else
 * the package's own copy (tests, `out/`, the CLI run from the repository).
 */
export function sqlWasmCandidates(): string[] {
  const out = [path.join(__dirname, WASM_FILE)];
  try { out.push(require.resolve(`sql.js/dist/${WASM_FILE}`)); } catch { /* not installed next to us: bundled */ }
  return out;
}

let engine: Promise<initSqlJs.SqlJsStatic> | undefined;

/** sql.js, initialised once per process (the wasm file is read here, not fetched). */
export function sqlEngine(): Promise<initSqlJs.SqlJsStatic> {
  engine ??= (async () => {
    const tried = sqlWasmCandidates();
    const wasm = tried.find((p) => fs.existsSync(p));
    if (!wasm) { throw new Error(`SQLite engine not found: no ${WASM_FILE} at ${tried.join(' or ')}`); }
    const bytes = await fs.promises.readFile(wasm);
    return initSqlJs({ wasmBinary: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  })();
  // A failed start (missing wasm) is not cached: the next call tries again.
  engine.catch(() => { engine = undefined; });
  return engine;
}

/** The 16 bytes every SQLite 3 database starts with. */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Why these bytes cannot be an SQLite database, or undefined when the header is sound. `fileSize`: the whole file's
 * size when `bytes` is only its start (the page reader reads the header alone).
 */
export function sqliteHeaderProblem(bytes: Uint8Array, fileSize = bytes.length): string | undefined {
  if (fileSize === 0) { return 'not an SQLite database (the file is empty)'; }
  if (bytes.length < 100 || !Buffer.from(bytes.buffer, bytes.byteOffset, 16).equals(SQLITE_HEADER)) {
    return 'not an SQLite database (no "SQLite format 3" header)';
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 100);
  const rawPageSize = view.getUint16(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    return `damaged SQLite header (page size ${rawPageSize})`;
  }
  // The in-header page count is valid when the change counter matches "version-valid-for" (SQLite ≥ 3.7.0).
  const pages = view.getUint32(28);
  const valid = view.getUint32(24) === view.getUint32(92);
  if (valid && pages > 0 && fileSize < pages * pageSize) {
    return `truncated: the header says ${pages} pages of ${pageSize} bytes (${pages * pageSize} bytes), the file has ${fileSize}`;
  }
  return undefined;
}

/**
 * A database in wasm memory holding a copy of `bytes`. A WAL-mode file is switched to rollback mode in the copy
 * (header bytes 18–19): the copy has no `-wal`/`-shm` beside it, and the main file alone is a consistent database.
 */
export async function openSqliteBytes(bytes: Uint8Array): Promise<SqlDatabase> {
  const SQL = await sqlEngine();
  if (bytes[18] === 2 || bytes[19] === 2) {
    bytes = Uint8Array.from(bytes);
    bytes[18] = 1;
    bytes[19] = 1;
  }
  return new SQL.Database(bytes);
}

/** Runs a query and returns its rows as arrays (sql.js values: number, string, Uint8Array, null). */
export function queryRows(db: SqlDatabase, sql: string, params: SqlValue[] = []): SqlValue[][] {
  const stmt = db.prepare(sql);
  try {
    if (params.length) { stmt.bind(params); }
    const rows: SqlValue[][] = [];
    while (stmt.step()) { rows.push(stmt.get()); }
    return rows;
  } finally {
    stmt.free();
  }
}

/** A double-quoted SQL identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The text of an error thrown by sql.js (an Error, or a string from the wasm side). */
export function sqlErrorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
