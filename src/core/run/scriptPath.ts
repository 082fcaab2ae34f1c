/**
 * Where a recorded script is inside a checkout. `source.script` comes from a committed run.json, which anybody with
 * push access can write, so it is checked like any other input: a relative path with `/` separators that stays in
 * the workspace folder of the checkout, also after following links.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { MlopsError } from '../errors';
import { printable } from '../store/ids';

/** Why a recorded script path is not a plain relative path inside the workspace, or undefined when it is. */
export function recordedScriptProblem(script: string): string | undefined {
  if (script.length === 0) { return 'it is empty'; }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(script)) { return 'it contains control characters'; }
  if (script.includes('\\')) { return "it contains '\\' (recorded paths use '/')"; }
  if (script.startsWith('/') || /^[A-Za-z]:/.test(script)) { return 'it is absolute'; }
  if (script.split('/').some((p) => p === '..')) { return "it goes up with '..'"; }
  return undefined;
}

/**
 * The absolute path of a recorded script inside `workspaceDir` (a checkout), refusing any path that would leave it:
 * `..`, absolute paths, and links that resolve outside. Throws `not-found` when the script is not in the checkout.
 */
export async function scriptInCheckout(workspaceDir: string, script: string): Promise<string> {
  const problem = recordedScriptProblem(script);
  if (problem) { throw new MlopsError(`the recorded script '${printable(script)}' is refused: ${problem}; it must be a path inside the workspace`); }
  const full = path.join(workspaceDir, ...script.split('/'));
  let real: string;
  let realBase: string;
  try {
    [real, realBase] = await Promise.all([fsp.realpath(full), fsp.realpath(workspaceDir)]);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') { throw new MlopsError(`${printable(script)} does not exist at that commit`, 'not-found'); }
    throw e;
  }
  if (real !== realBase && !real.startsWith(realBase + path.sep)) {
    throw new MlopsError(`the recorded script '${printable(script)}' is refused: it is a link to '${real}', outside the checkout`);
  }
  return full;
}
