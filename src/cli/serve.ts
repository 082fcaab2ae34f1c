// `mlops serve MODEL[:VERSION|@stage]`: the model server in the foreground; `mlops package MODEL VERSION`: the
// deployable folder. Both over src/core/serve; the server itself is python/mlops_serve.py.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { LOG_INPUT_MODES, type LogInputMode } from '../core/monitor/types';
import { buildPackage, buildServeSpec, dockerAvailable, isLoopback, resolveModelRef, startServer, type ServerHandle } from '../core/serve';
import { cacheDirOf, writeCacheFile } from '../core/store/cacheDir';
import { UsageError, str, type Command } from './context';
import { printJson, shellQuote } from './output';

function portOf(text: string | undefined): number | undefined {
  if (text === undefined) { return undefined; }
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n > 65535) { throw new UsageError(`bad --port '${text}': expected a whole number from 0 to 65535 (0 = any free port)`); }
  return n;
}

function logInputsOf(text: string | undefined): LogInputMode | undefined {
  if (text === undefined) { return undefined; }
  if (!(LOG_INPUT_MODES as readonly string[]).includes(text)) { throw new UsageError(`bad --log-inputs '${text}': use one of ${LOG_INPUT_MODES.join(', ')}`); }
  return text as LogInputMode;
}

export const SERVE_COMMANDS: Record<string, Command> = {
  'serve': {
    options: {
      port: { type: 'string', short: 'p' }, host: { type: 'string' }, python: { type: 'string' },
      'log-inputs': { type: 'string' }, 'no-log': { type: 'boolean' },
    },
    positionals: 1,
    async run({ io, values, positionals, json, store: open }) {
      const port = portOf(str(values, 'port'));
      const host = str(values, 'host');
      if (host === '') { throw new UsageError('--host needs a host name or address, e.g. 127.0.0.1'); }
      const logInputs = logInputsOf(str(values, 'log-inputs'));
      const python = str(values, 'python') || io.env?.MLOPS_PYTHON || 'python3';
      const store = await open();
      const mv = await resolveModelRef(store, positionals[0]);
      const { spec, warnings } = await buildServeSpec(store, mv, { host, port, logInputs, log: values['no-log'] !== true });
      for (const w of warnings) { io.stderr(`mlops: warning: ${w}\n`); }
      if (!isLoopback(spec.host)) {
        io.stderr(`mlops: warning: listening on ${spec.host}: other machines can reach this server, and it has no authentication\n`);
      }
      const specName = `${mv.model.replace(/[^A-Za-z0-9._-]/g, '_')}-v${mv.version}-${process.pid}.json`;
      let specFile = path.join(cacheDirOf(store.dir), 'serve', specName);
      try { writeCacheFile(store.dir, `serve/${specName}`, ''); } catch {
        specFile = path.join(store.dir, `.serve-${specName}`); // a cache folder that cannot be written: beside it
      }
      // Signals are caught from here on: a Ctrl-C while the model loads stops the server as soon as it is up.
      let stopping = false;
      let handle: ServerHandle | undefined;
      const onSignal = (): void => { stopping = true; if (handle) { void handle.stop(); } };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      // What the server says before it is ready is held back: when it cannot start, its last line is the error.
      const early: string[] = [];
      try {
        try {
          handle = await startServer(spec, {
            python, specFile,
            onOutput: (line, stream) => {
              if (stream === 'stderr') {
                if (handle) { io.stderr(`${line}\n`); } else { early.push(line); }
              } else if (!json) { io.stdout(`${line}\n`); }
            },
          });
        } catch (e) {
          for (const line of early.slice(0, -1)) { io.stderr(`${line}\n`); }
          if (stopping) { return 130; }
          throw e;
        }
        for (const line of early) { io.stderr(`${line}\n`); }
        if (stopping) { await handle.stop(); return 130; }
        if (json) {
          printJson(io, { url: handle.url, port: handle.port, pid: handle.pid, model: mv.model, version: mv.version, logDir: spec.logDir, specFile });
        } else {
          io.stdout(`Serving ${mv.model} v${mv.version} (${spec.flavor.name}) at ${handle.url}\n`
            + `  POST ${handle.url}/predict   GET ${handle.url}/health   GET ${handle.url}/metadata   POST ${handle.url}/feedback\n`
            + `  ${spec.logDir ? `logging requests to ${store.rel(spec.logDir)}/` : 'not logging requests (--no-log)'}; Ctrl-C stops\n`);
        }
        const exit = await handle.exited;
        if (stopping || exit.code === 0) {
          if (!json) { io.stdout('Stopped.\n'); }
          return 0;
        }
        io.stderr(`mlops: the model server exited with ${exit.signal ?? `code ${exit.code}`}\n`);
        return 1;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await fsp.rm(specFile, { force: true }).catch(() => undefined);
      }
    },
  },

  'package': {
    options: { out: { type: 'string', short: 'o' }, force: { type: 'boolean' }, python: { type: 'string' } },
    positionals: 2,
    async run({ io, values, positionals, json, store: open }) {
      const [model, versionArg] = positionals;
      if (!/^(@[a-z]+|v?\d+)$/i.test(versionArg)) { throw new UsageError(`bad model version '${versionArg}': expected a whole number such as 3, or @production`); }
      const outArg = str(values, 'out');
      if (outArg === '') { throw new UsageError('--out needs a folder'); }
      const store = await open();
      const mv = await resolveModelRef(store, versionArg.startsWith('@') ? `${model}${versionArg}` : `${model}:${versionArg}`);
      const out = outArg !== undefined ? path.resolve(io.cwd, outArg) : path.join(store.root, 'packages', `${mv.model}-v${mv.version}`);
      const r = await buildPackage(store, mv, out, { force: values.force === true, python: str(values, 'python') || io.env?.MLOPS_PYTHON || 'python3' });
      const docker = await dockerAvailable();
      for (const w of r.warnings) { io.stderr(`mlops: warning: ${w}\n`); }
      if (json) { printJson(io, { ...r, docker }); return 0; }
      const shown = path.relative(io.cwd, r.dir) || '.';
      io.stdout(`Packaged ${mv.model} v${mv.version} into ${shown}:\n${r.files.map((f) => `  ${f}\n`).join('')}`);
      io.stdout(docker
        ? `Build the image: docker build -t ${r.image} ${shellQuote(shown)}\n`
        : `docker is not on PATH, so no image can be built here; the folder also runs as: cd ${shellQuote(shown)} && python3 mlops_serve.py --spec serve.json\n`);
      return 0;
    },
  },
};
