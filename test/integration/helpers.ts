import * as assert from 'assert';
import * as vscode from 'vscode';
import type { MlopsApi } from '../../src/extension';
import { EXTENSION_ID } from '../../src/vscode/ids';

export async function until<T>(f: () => T | undefined | false | Promise<T | undefined | false>, ms = 20_000, what = 'condition'): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v) { return v; }
    if (Date.now() - t0 > ms) { throw new Error(`timed out after ${ms} ms waiting for ${what}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function activate(): Promise<MlopsApi> {
  const ext = vscode.extensions.getExtension<MlopsApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

export function workspaceRoot(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the test workspace folder is open');
  return f.uri.fsPath;
}

/** Asks the offline launcher's bridge (Playwright) about the rendered workbench; undefined under desktop VS Code. */
export async function ui<T>(call: string, body: object): Promise<T | undefined> {
  const base = process.env.EXT_TEST_UI_BRIDGE;
  if (!base) { return undefined; }
  const r = (await (await fetch(base + call, { method: 'POST', body: JSON.stringify(body) })).json()) as { ok: boolean; value: T; error?: string };
  if (!r.ok) { throw new Error(r.error); }
  return r.value;
}
