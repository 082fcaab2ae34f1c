// Composition root: creates the adapter-layer objects and registers them. No logic lives here.
import * as vscode from 'vscode';
import { Commands, ContextKeys } from './vscode/ids';
import { initStore } from './vscode/commands/initStore';
import { Store } from './core';

/** What `activate` returns: used by the integration tests (and by other extensions, read-only). */
export interface MlopsApi {
  /** Workspace folders that hold a store. */
  storeRoots(): string[];
}

export function activate(context: vscode.ExtensionContext): MlopsApi {
  const roots = (): string[] => (vscode.workspace.workspaceFolders ?? [])
    .map((f) => f.uri.fsPath)
    .filter((p) => Store.findRoot(p) === p);
  const updateContext = () => void vscode.commands.executeCommand('setContext', ContextKeys.hasStore, roots().length > 0);
  updateContext();
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.initStore, async (folder?: vscode.Uri) => {
      const dir = await initStore(folder);
      updateContext();
      return dir;
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(updateContext),
  );
  return { storeRoots: roots };
}

export function deactivate(): void { /* everything is disposed through context.subscriptions */ }
