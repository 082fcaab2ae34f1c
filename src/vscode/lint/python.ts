import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { MlopsError, messageOf } from '../../core';
import type { Log } from '../log';

/**
 * The Python interpreter the user selected: the Python extension's active environment when that extension is
 * installed, else its `python.defaultInterpreterPath` setting, else `python3`. When the Python extension fails to
 * answer, the fallback is taken and the reason goes to `log` (if given).
 */
export async function selectedPython(resource?: vscode.Uri, log?: Log): Promise<string> {
  const ext = vscode.extensions.getExtension<{ environments?: { getActiveEnvironmentPath(r?: vscode.Uri): { path: string } } }>('ms-python.python');
  if (ext) {
    try {
      const api = ext.isActive ? ext.exports : await ext.activate();
      const p = api?.environments?.getActiveEnvironmentPath(resource)?.path;
      if (p) { return p; }
    } catch (e) { log?.warn(`the Python extension did not give the selected interpreter (${messageOf(e)}); using the python.defaultInterpreterPath setting`); }
  }
  const configured = vscode.workspace.getConfiguration('python', resource).get<string>('defaultInterpreterPath');
  return configured && configured !== 'python' ? configured : 'python3';
}

const QUERY = [
  'import json, sys',
  'from importlib import metadata',
  'out = {}',
  'for name in sys.argv[1:]:',
  '    try:',
  '        out[name] = metadata.version(name)',
  '    except Exception:',
  '        out[name] = None',
  'print(json.dumps({"python": sys.version.split()[0], "versions": out}))',
].join('\n');

export interface InstalledVersions { python: string; interpreter: string; versions: Record<string, string | null> }

const cache = new Map<string, { at: number; value: string | null }>();

/**
 * Asks the interpreter which versions of `names` are installed (importlib.metadata: what is really there, never
 * a guess). Refused in untrusted workspaces, where no process is started.
 */
export async function installedVersions(names: readonly string[], resource?: vscode.Uri, log?: Log): Promise<InstalledVersions> {
  if (!vscode.workspace.isTrusted) { throw new MlopsError('this workspace is not trusted, so no Python process is started to read installed versions', 'invalid-input'); }
  const interpreter = await selectedPython(resource, log);
  return new Promise((resolve, reject) => {
    execFile(interpreter, ['-c', QUERY, ...names], { timeout: 20_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) { reject(new MlopsError(`could not ask ${interpreter} for installed versions: ${stderr.trim().split('\n').pop() || err.message}`, 'io')); return; }
      try {
        const r = JSON.parse(stdout) as { python: string; versions: Record<string, string | null> };
        for (const [n, v] of Object.entries(r.versions)) { cache.set(`${interpreter}|${n}`, { at: Date.now(), value: v }); }
        resolve({ ...r, interpreter });
      } catch (e) { reject(new MlopsError(`unexpected answer from ${interpreter}: ${(e as Error).message}`, 'io')); }
    });
  });
}

/** A version learned earlier (for hovers, which must not start processes). */
export function cachedVersion(name: string): string | null | undefined {
  for (const [k, v] of cache) { if (k.endsWith(`|${name}`) && Date.now() - v.at < 10 * 60_000) { return v.value; } }
  return undefined;
}
