import * as path from 'path';
import { execFileSync } from 'child_process';
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

/** Replaces a function on an API object for one test; returns a restore function. */
export function stub<T extends object, K extends keyof T>(obj: T, key: K, value: T[K]): () => void {
  const original = obj[key];
  Object.defineProperty(obj, key, { value, configurable: true, writable: true });
  return () => Object.defineProperty(obj, key, { value: original, configurable: true, writable: true });
}

/** Answers for the quick inputs a command will show, in order; `undefined` stands for Esc. */
export function scriptInputs(answers: unknown[]): { restore: () => void; asked: string[]; rejected: string[] } {
  const asked: string[] = [];
  const rejected: string[] = [];
  const next = (what: string) => {
    asked.push(what);
    if (!answers.length) { throw new Error(`unexpected ${what}: no scripted answer left`); }
    return answers.shift();
  };
  const r1 = stub(vscode.window, 'showInputBox', ((o?: vscode.InputBoxOptions) => {
    const a = next(`input:${o?.title ?? ''}:${o?.prompt ?? ''}`);
    if (typeof a === 'string' && o?.validateInput) {
      const result = o.validateInput(a);
      const problem = typeof result === 'string' ? result : (result as vscode.InputBoxValidationMessage | undefined)?.message;
      if (problem) { rejected.push(problem); return Promise.reject(new Error(`scripted answer '${a}' fails validation: ${problem}`)); }
    }
    return Promise.resolve(a);
  }) as typeof vscode.window.showInputBox);
  type Item = string | vscode.QuickPickItem;
  const r2 = stub(vscode.window, 'showQuickPick', ((items: readonly Item[] | Thenable<readonly Item[]>, o?: vscode.QuickPickOptions) => Promise.resolve(items).then((list) => {
    const a = next(`pick:${o?.placeHolder ?? ''}`);
    if (a === undefined) { return undefined; }
    const labelOf = (i: Item) => (typeof i === 'string' ? i : i.label);
    const wanted = Array.isArray(a) ? a as string[] : [a as string];
    const found = list.filter((i) => wanted.includes(labelOf(i)));
    if (found.length !== wanted.length) { throw new Error(`scripted pick ${JSON.stringify(a)} not among ${list.map(labelOf).join(', ')}`); }
    return o?.canPickMany ? found : found[0];
  })) as unknown as typeof vscode.window.showQuickPick);
  return { restore: () => { r1(); r2(); }, asked, rejected };
}

/** Runs the built CLI in the workspace as a separate process (like a training script would). */
export function cli(args: string[], cwd: string): string {
  const repo = process.env.EXT_TEST_REPO_ROOT ?? path.resolve(__dirname, '../../..');
  return execFileSync(process.execPath, [path.join(repo, 'dist', 'cli.js'), ...args], { cwd, encoding: 'utf8' });
}
