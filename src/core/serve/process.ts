/**
 * Running the Python model server as a child process: write the spec, spawn `python -u mlops_serve.py --spec FILE`,
 * wait for its READY line (or its one-line reason for not starting), and stop it with SIGTERM (SIGKILL after a grace
 * period). The CLI and the extension share this.
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { MlopsError } from '../errors';
import { READY_PREFIX, SERVER_FILE, type ServeSpec } from './types';

export interface StartServerOptions {
  /** The Python interpreter (`python3`, a venv's, MLOPS_PYTHON). */
  python: string;
  /** Where to write the spec (its folder is created). */
  specFile: string;
  /** The server file; default the shipped `python/mlops_serve.py`. */
  serverFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Every line the server prints after it is ready (and before, except the READY line). */
  onOutput?(line: string, stream: 'stdout' | 'stderr'): void;
  /** Milliseconds to wait for the READY line (default 60 s: unpickling a large model takes a while). */
  startTimeoutMs?: number;
}

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the server wrote on stderr. */
  stderr: string;
}

export interface ServerHandle {
  url: string;
  port: number;
  pid: number;
  /** SIGTERM, then SIGKILL when it has not exited within 10 s; resolves once it exited. */
  stop(): Promise<void>;
  exited: Promise<ServerExit>;
}

/** The server shipped with the extension and the CLI: `python/` beside `dist/`, or beside `out/src/core/serve`. */
export function defaultServerFile(): string {
  const candidates = [
    path.join(__dirname, '..', 'python', SERVER_FILE), // dist/cli-commands.js, dist/extension.js
    path.join(__dirname, '..', '..', '..', '..', 'python', SERVER_FILE), // out/src/core/serve/process.js
    path.join(__dirname, '..', '..', '..', 'python', SERVER_FILE), // src/core/serve (ts-node)
  ];
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}

const STDERR_KEEP = 40;

export async function startServer(spec: ServeSpec, opts: StartServerOptions): Promise<ServerHandle> {
  const serverFile = opts.serverFile ?? defaultServerFile();
  await fsp.mkdir(path.dirname(opts.specFile), { recursive: true });
  await fsp.writeFile(opts.specFile, `${JSON.stringify(spec, null, 2)}\n`, 'utf8');
  // stdin stays an open pipe that is never written: when this process dies, even by SIGKILL, it closes and the
  // server stops (--exit-with-parent) instead of holding the port as an orphan.
  const child = spawn(opts.python, ['-u', serverFile, '--spec', opts.specFile, '--exit-with-parent'], {
    env: { ...process.env, ...opts.env, PYTHONUNBUFFERED: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
  child.stdin.on('error', () => { /* the server exited first: nothing to tell it */ });
  const stderrLines: string[] = [];
  let ready = false;
  let settle: { resolve(h: ServerHandle): void; reject(e: Error): void } | undefined;
  const started = new Promise<ServerHandle>((resolve, reject) => { settle = { resolve, reject }; });

  const exited = new Promise<ServerExit>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr: stderrLines.join('\n') }));
  });
  child.on('error', (e: NodeJS.ErrnoException) => {
    settle?.reject(new MlopsError(e.code === 'ENOENT' ? `cannot start the model server: Python '${opts.python}' was not found (set --python or MLOPS_PYTHON)` : `cannot start the model server with ${opts.python}: ${e.message}`, 'io'));
  });

  const lines = (stream: NodeJS.ReadableStream, onLine: (line: string) => void): void => {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        onLine(line);
      }
    });
    stream.on('end', () => { if (buf) { onLine(buf); buf = ''; } });
  };

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => { child.kill('SIGKILL'); }, 10_000);
      await exited;
      clearTimeout(timer);
    } else {
      await exited;
    }
  };

  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  const timer = setTimeout(() => {
    if (!ready) {
      settle?.reject(new MlopsError(`the model server did not become ready within ${Math.round(timeoutMs / 1000)} s; stopped it`, 'io'));
      child.kill('SIGKILL');
    }
  }, timeoutMs);
  lines(child.stdout, (line) => {
    if (!ready && line.startsWith(READY_PREFIX)) {
      ready = true;
      let info: { url?: unknown; port?: unknown } = {};
      try { info = JSON.parse(line.slice(READY_PREFIX.length)) as typeof info; } catch { /* checked below */ }
      if (typeof info.url !== 'string' || typeof info.port !== 'number') {
        settle?.reject(new MlopsError(`the model server printed a ready line that cannot be read: ${line}`, 'io'));
        child.kill('SIGKILL');
        return;
      }
      clearTimeout(timer);
      settle?.resolve({ url: info.url, port: info.port, pid: child.pid ?? -1, stop, exited });
      return;
    }
    opts.onOutput?.(line, 'stdout');
  });
  lines(child.stderr, (line) => {
    stderrLines.push(line);
    if (stderrLines.length > STDERR_KEEP) { stderrLines.shift(); }
    opts.onOutput?.(line, 'stderr');
  });

  void exited.then((exit) => {
    clearTimeout(timer);
    if (!ready) {
      // The server's own one-line reason ("mlops_serve: port 8080 is in use; …"), without its prefix.
      const reason = [...stderrLines].reverse().find((l) => l.trim())?.replace(/^mlops_serve: /, '')
        ?? `it exited with ${exit.signal ?? `code ${exit.code}`} before it was ready`;
      settle?.reject(new MlopsError(reason, 'io'));
    }
  });
  return started;
}
