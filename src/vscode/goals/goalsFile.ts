// `MLOps: Open Goals File`, and what the goals commands say about a goals.json they cannot use.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { lineColumn, type GoalsRead, type StoreState } from '../../core';
import { Commands } from '../ids';
import type { WorkspaceStores } from '../stores';
import { pickStore } from '../ui';

export const OPEN_GOALS_FILE = 'Open Goals File';

/** `.mlops/goals.json` as the user sees it in messages. */
export function goalsFileLabel(state: StoreState, file = state.store.goals.file): string {
  return path.relative(state.root, file).split(path.sep).join('/');
}

/**
 * Why the goals file cannot be edited by a command (not JSON, not an object, a newer format), with line:column, or
 * undefined when it can (or does not exist yet).
 */
export function unusableGoalsFile(state: StoreState, read: GoalsRead): string | undefined {
  if (!read.exists || read.doc.goals) { return undefined; }
  const p = read.doc.problems[0];
  const at = p ? lineColumn(read.text, p.offset) : { line: 1, column: 1 };
  return `${goalsFileLabel(state, read.file)}:${at.line}:${at.column}: ${p?.message ?? 'cannot be read'}. Fix it first; the file was not changed.`;
}

/** Shows why the goals file cannot be used, offering to open it at the place of the problem. */
export async function reportUnusableGoalsFile(read: GoalsRead, message: string): Promise<void> {
  const a = await vscode.window.showErrorMessage(`MLOps: ${message}`, OPEN_GOALS_FILE);
  if (a !== OPEN_GOALS_FILE) { return; }
  const offset = read.doc.problems[0]?.offset ?? 0;
  const at = lineColumn(read.text, offset);
  const pos = new vscode.Position(at.line - 1, at.column - 1);
  await vscode.window.showTextDocument(vscode.Uri.file(read.file), { selection: new vscode.Range(pos, pos) });
}

/** Offers to open the goals file after a command wrote it. */
export function offerToOpen(message: string, root: string): void {
  void vscode.window.showInformationMessage(`MLOps: ${message}`, OPEN_GOALS_FILE).then((a) => {
    if (a === OPEN_GOALS_FILE) { void vscode.commands.executeCommand(Commands.openGoalsFile, { root }); }
  });
}

/**
 * Opens `.mlops/goals.json` in an editor; when there is none, writes a starter file first and says so. The JSON
 * Schema contributed for the file gives completion and hovers. Resolves with the file's path.
 */
export async function openGoalsFile(stores: WorkspaceStores, args?: { root?: string }): Promise<string | undefined> {
  const state = await pickStore(stores, args?.root);
  if (!state) { return undefined; }
  const goals = state.store.goals;
  const before = await goals.read();
  if (!before.exists) {
    await goals.ensure();
    await stores.notify(state.root, { goals: true });
    void vscode.window.showInformationMessage(`MLOps: created ${goalsFileLabel(state)} (a starter: add "metrics", "kpis", "constraints" and "budget"; completion lists what goes where, or use 'MLOps: Define Goals…').`);
  }
  await vscode.window.showTextDocument(vscode.Uri.file(goals.file), { preview: false });
  return goals.file;
}
