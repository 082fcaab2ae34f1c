import * as vscode from 'vscode';
import { Store } from '../../core';

/**
 * `MLOps: Initialize Store`: creates `.mlops/` in a workspace folder (asks which one in a multi-root workspace;
 * a folder can also be passed as an argument for non-interactive use). Returns the store folder, or undefined when
 * cancelled.
 */
export async function initStore(folderArg?: vscode.Uri): Promise<string | undefined> {
  let folder = folderArg;
  if (!folder) {
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length === 0) {
      void vscode.window.showWarningMessage('MLOps: open a folder first; the store lives in the workspace as .mlops/.');
      return undefined;
    }
    folder = folders.length === 1 ? folders[0].uri
      : (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder to create the MLOps store (.mlops/) in' }))?.uri;
    if (!folder) { return undefined; }
  }
  const { store, created } = await Store.init(folder.fsPath);
  void vscode.window.showInformationMessage(created ? `MLOps store created in ${store.dir}` : `An MLOps store already exists in ${store.dir}`);
  return store.dir;
}
