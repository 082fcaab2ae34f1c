import * as path from 'node:path';
import * as vscode from 'vscode';
import { GITHUB_WORKFLOW_PATH } from '../../core/ci/workflow';
import { planCiSetup, writeCiSetup } from '../../core/ci/setup';
import { pickStore } from '../ui';
import type { WorkspaceStores } from '../stores';

/** Arguments from tests or other extensions: which store, and whether a different existing workflow may be replaced unasked. */
export interface AddCiWorkflowArgs {
  root?: string;
  overwrite?: boolean;
  /** Write at the repository's top even when it lies above the workspace folder, without asking. */
  outsideWorkspace?: boolean;
  /** The branch pushes to which run the workflow (default: origin's default branch, else the current one, else main). */
  defaultBranch?: string;
}

function argsOf(arg: unknown): AddCiWorkflowArgs {
  if (typeof arg !== 'object' || arg === null || arg instanceof vscode.Uri) { return {}; }
  const a = arg as Record<string, unknown>;
  return {
    ...(typeof a.root === 'string' ? { root: a.root } : {}),
    ...(a.overwrite === true ? { overwrite: true } : {}),
    ...(a.outsideWorkspace === true ? { outsideWorkspace: true } : {}),
    ...(typeof a.defaultBranch === 'string' && a.defaultBranch ? { defaultBranch: a.defaultBranch } : {}),
  };
}

/**
 * `MLOps: Add CI Workflow`: writes `.github/workflows/mlops.yml` at the top of the store's repository and the mlops
 * CLI bundle it runs (`.mlops-ci/`), then opens the workflow. A different existing workflow is replaced only after a
 * modal confirmation (or `{ overwrite: true }`). Only writes files, so it is allowed in an untrusted workspace.
 * Returns the workflow's path, or undefined when the user declined.
 */
export async function addCiWorkflow(ext: vscode.ExtensionContext, stores: WorkspaceStores, arg?: unknown): Promise<string | undefined> {
  const args = argsOf(arg);
  const state = await pickStore(stores, args.root);
  if (!state) { return undefined; }
  const version = (ext.extension.packageJSON as { version?: string }).version;
  const setup = planCiSetup(state.root, path.join(ext.extensionPath, 'dist'), { ...(version ? { version } : {}), ...(args.defaultBranch ? { defaultBranch: args.defaultBranch } : {}) });
  // The repository's top may lie far above this workspace (a home folder kept in git): say where before writing there.
  const rel = path.relative(state.root, setup.top);
  if (rel && !args.outsideWorkspace) {
    const ok = await vscode.window.showWarningMessage(`The git repository of this workspace starts at ${setup.top}, above the workspace folder. Write ${GITHUB_WORKFLOW_PATH} and .mlops-ci/ there?`,
      { modal: true, detail: 'GitHub reads workflows only at the top of the repository.' }, 'Write There');
    if (ok !== 'Write There') { return undefined; }
  }
  let overwrite = args.overwrite === true;
  if (setup.existingWorkflow !== undefined && !overwrite) {
    const ok = await vscode.window.showWarningMessage(`${GITHUB_WORKFLOW_PATH} already exists and differs from the MLOps workflow. Replace it?`,
      { modal: true, detail: 'Your changes to it would be lost (git keeps the committed version).' }, 'Replace');
    if (ok !== 'Replace') { return undefined; }
    overwrite = true;
  }
  await writeCiSetup(setup, { overwriteWorkflow: overwrite });
  await vscode.window.showTextDocument(vscode.Uri.file(setup.workflowPath), { preview: false });
  const where = setup.inRepository ? '' : ' This folder is not a git repository yet: the files are in the workspace folder.';
  void vscode.window.showInformationMessage(`MLOps: wrote ${GITHUB_WORKFLOW_PATH} and the CLI it runs (.mlops-ci/). Commit both; CI then lints and runs the gate on pull requests.${where}`);
  return setup.workflowPath;
}
