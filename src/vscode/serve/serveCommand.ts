/**
 * `MLOps: Serve Model Version` and `MLOps: Stop Serving Model`. The server is python/mlops_serve.py (standard library
 * only) run with the interpreter Run Script uses; it logs every prediction under .mlops/monitoring/<model>/, which the
 * Monitoring view reads. Binding anything but loopback is allowed (a setting or an argument) with a warning.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MlopsError, type ModelVersion, type StoreState } from '../../core';
import { SERVER_FILE, buildServeSpec, isLoopback, startServer } from '../../core/serve';
import type { LogInputMode } from '../../core/monitor/types';
import { resolveModelVersion } from '../commands/modelCommands';
import { selectedPython } from '../lint/python';
import { Settings } from '../ids';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';
import { isViewNode, pickStore } from '../ui';
import type { ModelServers, RunningServer } from './servers';

export interface ServeArgs {
  root?: string;
  model?: string;
  version?: number;
  port?: number;
  host?: string;
  logInputs?: LogInputMode;
  /** The interpreter to run the server with, instead of the one Run Script uses. */
  python?: string;
}

/** The version a bare model name means: the production one, else the newest. */
function defaultVersion(state: StoreState, model: string): ModelVersion {
  const versions = state.modelVersions.filter((v) => v.model === model);
  if (!versions.length) { throw new MlopsError(`no model named '${model}' is registered`, 'not-found'); }
  return versions.find((v) => v.stage === 'production') ?? versions.reduce((a, b) => (b.version > a.version ? b : a));
}

async function target(stores: WorkspaceStores, t: unknown, args: ServeArgs): Promise<{ state: StoreState; mv: ModelVersion } | undefined> {
  if (!isViewNode(t) && args.model && args.version === undefined) {
    const state = await pickStore(stores, args.root);
    return state ? { state, mv: defaultVersion(state, args.model) } : undefined;
  }
  return resolveModelVersion(stores, isViewNode(t) ? t : args.model ? { root: args.root, model: args.model, version: args.version } : t);
}

export async function serveModel(ext: vscode.ExtensionContext, stores: WorkspaceStores, servers: ModelServers, log: Log, t?: unknown, a?: unknown): Promise<RunningServer | undefined> {
  const args: ServeArgs = typeof a === 'object' && a !== null ? a : !isViewNode(t) && typeof t === 'object' && t !== null ? t : {};
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('MLOps: models are not served in an untrusted workspace (serving runs Python code from this folder). Trust the workspace to serve a model.');
    return undefined;
  }
  const picked = await target(stores, t, args);
  if (!picked) { return undefined; }
  const { state, mv } = picked;
  const config = vscode.workspace.getConfiguration('mlops', vscode.Uri.file(state.root));
  const host = (args.host ?? config.get<string>(Settings.serveHost.slice('mlops.'.length), '127.0.0.1')).trim() || '127.0.0.1';
  const port = args.port ?? config.get<number>(Settings.servePort.slice('mlops.'.length), 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) { throw new MlopsError(`mlops.serve.port must be a whole number from 0 to 65535, not ${port}`, 'invalid-input'); }

  const previous = servers.get(state.root, mv.model);
  // Another model this window serves already holds the configured port: this one takes a free port (the status bar
  // and the notification show which), rather than failing on the setting's default.
  let chosenPort = port;
  const holder = servers.list().find((s) => s.port === port && port !== 0 && !(s.root === state.root && s.model === mv.model));
  if (holder && args.port === undefined) { chosenPort = 0; }
  if (previous) { await servers.stop(state.root, mv.model); }
  const goals = state.goalsFile?.doc.goals;
  const { spec, warnings } = await buildServeSpec(state.store, mv, { host, port: chosenPort, goals, ...(args.logInputs ? { logInputs: args.logInputs } : {}) });
  for (const w of warnings) { log.warn(`serve ${mv.model} v${mv.version}: ${w}`); servers.output.appendLine(`warning: ${w}`); }
  const python = args.python ?? await selectedPython(vscode.Uri.file(state.root), log);
  const specFile = path.join(state.store.dir, 'cache', 'serve', `${mv.model}.json`);
  const serverFile = path.join(ext.extensionPath, 'python', SERVER_FILE);
  servers.output.appendLine(`[${new Date().toISOString()}] ${python} ${serverFile} --spec ${specFile}`);
  const handle = await Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Starting the server of ${mv.model} v${mv.version}` },
    () => startServer(spec, { python, specFile, serverFile, onOutput: (line) => servers.output.appendLine(line) }))).catch((e: unknown) => {
    // The server's reason speaks of --port (the CLI's option); here the port is a setting.
    const stopped = previous ? ` (its earlier server, v${previous.version}, was stopped)` : '';
    if (e instanceof MlopsError && /port \d+ is in use/.test(e.message)) {
      throw new MlopsError(`port ${chosenPort} is in use by another program, so ${mv.model} v${mv.version} is not served${stopped}; set mlops.serve.port to another port, or to 0 for any free one`, 'conflict');
    }
    if (e instanceof MlopsError && previous) { throw new MlopsError(`${e.message}${stopped}`, e.kind); }
    throw e;
  });
  const exposed = !isLoopback(host);
  const running: RunningServer = { root: state.root, model: mv.model, version: mv.version, url: handle.url, port: handle.port, pid: handle.pid, exposed, startedAt: new Date(), handle };
  servers.add(running);
  log.info(`serving ${mv.model} v${mv.version} at ${handle.url} (pid ${handle.pid})`);
  if (exposed) {
    void vscode.window.showWarningMessage(`MLOps: ${mv.model} v${mv.version} is served on ${host}:${handle.port}, reachable from other machines on your network. Set mlops.serve.host to 127.0.0.1 to keep it local.`);
  }
  const replaced = `${previous ? ` (replacing v${previous.version})` : ''}${holder && chosenPort === 0 ? ` — port ${port} is used by ${holder.model}, so a free port was taken` : ''}`;
  const note = warnings.length ? ` ${warnings.length} warning${warnings.length === 1 ? '' : 's'} in the MLOps Model Server output.` : '';
  void vscode.window.showInformationMessage(`MLOps: serving ${mv.model} v${mv.version} at ${handle.url}${replaced}. Predictions are logged for the Monitoring view.${note}`, 'Open Metadata', 'Copy URL')
    .then((choice) => {
      if (choice === 'Open Metadata') { void vscode.env.openExternal(vscode.Uri.parse(`${handle.url}/metadata`)); }
      if (choice === 'Copy URL') { void vscode.env.clipboard.writeText(handle.url); }
    });
  return running;
}

/** Stops the server of a Monitoring view node, of `{root, model}`, the only one, or one picked from a list. */
export async function stopServing(servers: ModelServers, t?: unknown): Promise<boolean> {
  const arg = typeof t === 'object' && t !== null ? t as { root?: string; model?: string } : {};
  let chosen: RunningServer | undefined;
  if (arg.model) {
    chosen = servers.list().find((s) => s.model === arg.model && (!arg.root || s.root === arg.root));
    if (!chosen) { throw new MlopsError(`no server of model '${arg.model}' is running in this window`, 'not-found'); }
  } else {
    const all = servers.list();
    if (!all.length) { void vscode.window.showInformationMessage('MLOps: no model server is running in this window.'); return false; }
    if (all.length === 1) { chosen = all[0]; } else {
      const pick = await vscode.window.showQuickPick(all.map((s) => ({ label: `${s.model} v${s.version}`, description: s.url, detail: path.basename(s.root), s })), { placeHolder: 'Stop which model server?' });
      chosen = pick?.s;
    }
  }
  if (!chosen) { return false; }
  const ok = await servers.stop(chosen.root, chosen.model);
  if (ok) { void vscode.window.showInformationMessage(`MLOps: stopped serving ${chosen.model} v${chosen.version} (${chosen.url}).`); }
  return ok;
}
