import * as path from 'node:path';
import * as vscode from 'vscode';
import { MlopsError, Store, formatBytes, dataVersionLabel, nameProblem, textProblem, type DataVersion, type HashProgress, type ProfileProgress, type StoreState } from '../../core';
import type { WorkspaceStores } from '../stores';
import { pickStore } from '../ui';

export interface TagDataArgs {
  path?: string;
  dataset?: string;
  tags?: string[];
}

const NEW_DATASET = '$(add) New dataset…';

/** The store that holds `file`: the nearest store root at or above it among the open ones, else ask. */
async function storeFor(stores: WorkspaceStores, file: string): Promise<StoreState | undefined> {
  await stores.ready();
  const root = Store.findRoot(path.dirname(file));
  const state = root ? stores.get(root) : undefined;
  return state ?? pickStore(stores);
}

/**
 * `MLOps: Tag Data Version…`: from the Explorer context menu (a file or folder), the palette (asks for one) or
 * with arguments. Asks for the dataset and tags first, then hashes with progress and Cancel; cancelling writes
 * nothing. Identical content reuses the existing version and only adds the tags.
 */
export async function tagData(stores: WorkspaceStores, uriOrArgs?: vscode.Uri | TagDataArgs, second?: unknown, third?: TagDataArgs): Promise<DataVersion | undefined> {
  let args: TagDataArgs = {};
  let target: string | undefined;
  if (uriOrArgs instanceof vscode.Uri) {
    target = uriOrArgs.fsPath;
    if (third) { args = third; } else if (second && !Array.isArray(second) && typeof second === 'object') { args = second; }
  } else if (uriOrArgs) {
    args = uriOrArgs;
    target = args.path;
  }
  if (!target) {
    const picked = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: true, canSelectMany: false, openLabel: 'Tag Data Version',
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
    if (!picked?.[0]) { return undefined; }
    target = picked[0].fsPath;
  }
  const state = await storeFor(stores, target);
  if (!state) { return undefined; }
  const dataset = args.dataset ?? await askDataset(state, target);
  if (!dataset) { return undefined; }
  const problem = nameProblem(dataset, 'dataset');
  if (problem) { throw new MlopsError(problem); }
  let tags = args.tags;
  if (!tags) {
    const text = await vscode.window.showInputBox({ title: `Tag ${path.basename(target)} as a version of ${dataset}`, prompt: 'Tags, separated by commas (e.g. v1, gold)',
      validateInput: (v) => v.split(',').map((t) => t.trim()).filter(Boolean).map((t) => textProblem(t, 'tag', 100)).find(Boolean) });
    if (text === undefined) { return undefined; }
    tags = text.split(',').map((t) => t.trim()).filter(Boolean);
  }
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Tagging ${path.basename(target)}`, cancellable: true },
    async (progress, token) => {
      const ctl = new AbortController();
      token.onCancellationRequested(() => ctl.abort());
      let lastPct = 0;
      const onProgress = (p: HashProgress) => {
        const pct = p.bytesTotal ? Math.floor((p.bytesDone / p.bytesTotal) * 100) : 100;
        progress.report({ increment: pct - lastPct, message: `hashing ${p.filesDone}/${p.filesTotal} files, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}` });
        lastPct = pct;
      };
      // Profiling is the second pass over the data; a file that cannot be profiled never fails the tagging.
      const onProfileProgress = (p: ProfileProgress) => progress.report({ message: `profiling ${p.file} (${p.index + 1}/${p.total})` });
      return state.store.tagData({ path: target, dataset, tags, signal: ctl.signal, onProgress, onProfileProgress });
    });
  await stores.notify(state.root, { data: true });
  const v = result.version;
  const failed = result.profile?.files.filter((f) => f.error) ?? [];
  const findings = result.profile ? await state.quality.findings(v) : [];
  const errors = findings.filter((f) => f.severity === 'error').length;
  const notes = [
    failed.length ? `${failed.length} file${failed.length === 1 ? '' : 's'} could not be profiled (${failed[0].path}: ${failed[0].error})` : '',
    findings.length ? `${findings.length} schema finding${findings.length === 1 ? '' : 's'}${errors ? `, ${errors} error${errors === 1 ? '' : 's'}` : ''} (see Problems)` : '',
  ].filter(Boolean).join('; ');
  const text = result.reused
    ? `MLOps: ${path.basename(target)} is unchanged since ${dataset} ${dataVersionLabel(v)}${result.addedTags.length ? `; added ${result.addedTags.join(', ')}` : ''}`
    : `MLOps: tagged ${path.basename(target)} as ${dataset} ${dataVersionLabel(v)} (${v.fileCount} files, ${formatBytes(v.sizeBytes)})`;
  void (notes ? vscode.window.showWarningMessage(`${text}; ${notes}`) : vscode.window.showInformationMessage(text));
  return v;
}

async function askDataset(state: StoreState, target: string): Promise<string | undefined> {
  const names = state.datasetNames();
  let choice: string | undefined = NEW_DATASET;
  if (names.length) {
    choice = (await vscode.window.showQuickPick([...names.map((n) => ({ label: n })), { label: NEW_DATASET }], { placeHolder: `Dataset that ${path.basename(target)} is a version of` }))?.label;
  }
  if (choice !== NEW_DATASET) { return choice; }
  const suggestion = path.basename(target).replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9 ._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return (await vscode.window.showInputBox({ prompt: 'Name of the new dataset', value: suggestion, validateInput: (v) => nameProblem(v.trim(), 'dataset') }))?.trim();
}
