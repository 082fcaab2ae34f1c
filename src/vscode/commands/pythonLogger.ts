import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MlopsError } from '../../core';
import { pickStore, skipsConfirmation } from '../ui';
import type { WorkspaceStores } from '../stores';

/**
 * `MLOps: Add Python Logger to Workspace`: copies mlops_log.py (standard library only) next to the store, so
 * training scripts can `import mlops_log`. An existing different copy is replaced only after confirmation.
 */
export async function addPythonLogger(ext: vscode.ExtensionContext, stores: WorkspaceStores, arg?: { root?: string }, opts?: unknown): Promise<string | undefined> {
  const state = await pickStore(stores, arg?.root);
  if (!state) { return undefined; }
  const source = path.join(ext.extensionPath, 'python', 'mlops_log.py');
  if (!fs.existsSync(source)) { throw new MlopsError(`the logger is missing from the extension (${source})`, 'not-found'); }
  const target = path.join(state.root, 'mlops_log.py');
  const content = fs.readFileSync(source, 'utf8');
  if (fs.existsSync(target)) {
    if (fs.readFileSync(target, 'utf8') === content) {
      void vscode.window.showInformationMessage('MLOps: mlops_log.py in the workspace is already up to date.');
      return target;
    }
    if (!skipsConfirmation(opts)) {
      const ok = await vscode.window.showWarningMessage('mlops_log.py already exists in the workspace and differs from this version. Replace it?', { modal: true }, 'Replace');
      if (ok !== 'Replace') { return undefined; }
    }
  }
  await fs.promises.writeFile(target, content, 'utf8');
  await vscode.window.showTextDocument(vscode.Uri.file(target), { preview: true });
  void vscode.window.showInformationMessage('MLOps: added mlops_log.py. In a training script: `import mlops_log` then `with mlops_log.start_run("experiment") as run: run.log_metric("loss", 0.3)`.');
  return target;
}
