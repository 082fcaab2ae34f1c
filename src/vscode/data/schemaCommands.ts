// `MLOps: Create Data Schema from Version` and `MLOps: Profile Data Version`: the editor side of a dataset's common
// schema (schema.json, written once from a profile, then edited by people) and of profiles for versions tagged before
// profiles existed.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MlopsError, dataVersionLabel, formatBytes, type DataVersion, type StoreState } from '../../core';
import { schemaFromProfile } from '../../core/data/validate';
import type { WorkspaceStores } from '../stores';
import { isViewNode, pickStore } from '../ui';

export interface VersionArgs { root?: string; dataset?: string; versionId?: string }

/** The data version a command is about: a Data tree node, `{root, dataset, versionId}`, or picked. */
export async function resolveDataVersion(stores: WorkspaceStores, arg: unknown, placeHolder: string): Promise<{ state: StoreState; version: DataVersion } | undefined> {
  await stores.ready();
  let root: string | undefined;
  let versionId: string | undefined;
  if (isViewNode(arg)) { root = arg.root; versionId = arg.versionId; } else if (arg && typeof arg === 'object') {
    const a = arg as VersionArgs;
    root = a.root;
    versionId = a.versionId;
  }
  const state = await pickStore(stores, root);
  if (!state) { return undefined; }
  if (versionId) {
    const version = state.dataVersion(versionId);
    if (!version) { throw new MlopsError(`no data version ${versionId} in ${path.basename(state.root)}`, 'not-found'); }
    return { state, version };
  }
  if (!state.dataVersions.length) { throw new MlopsError('this store has no data versions yet; tag one with \'MLOps: Tag Data Version…\'', 'not-found'); }
  const pick = await vscode.window.showQuickPick(state.dataVersions.map((v) => ({ label: `${v.dataset} ${dataVersionLabel(v)}`, description: v.source, detail: `${v.fileCount} files · ${formatBytes(v.sizeBytes)} · ${v.createdAt.slice(0, 10)}`, v })), { placeHolder, matchOnDescription: true });
  return pick ? { state, version: pick.v } : undefined;
}

/**
 * Writes `.mlops/datasets/<d>/schema.json` from a version's profile and opens it for editing. An existing schema is
 * never replaced: it is opened instead.
 */
export async function createDataSchema(stores: WorkspaceStores, arg?: unknown): Promise<string | undefined> {
  const target = await resolveDataVersion(stores, arg, 'Version to take the schema from');
  if (!target) { return undefined; }
  const { state, version } = target;
  const file = state.store.dataSchemaFile(version.dataset);
  const existing = await state.quality.schema(version.dataset);
  if (existing.exists) {
    // Not awaited: the command is done (nothing to write); the button only opens the file.
    void vscode.window.showInformationMessage(`MLOps: ${version.dataset} already has a schema (${state.store.rel(file)}); it is never replaced.`, 'Open schema.json')
      .then((open) => (open ? vscode.window.showTextDocument(vscode.Uri.file(file)) : undefined));
    return undefined;
  }
  const read = await state.quality.profile(version);
  if (!read.profile) {
    throw new MlopsError(read.missing ? `${version.dataset} ${dataVersionLabel(version)} has no profile yet; run 'MLOps: Profile Data Version' first` : `the profile of ${version.dataset} ${dataVersionLabel(version)} cannot be read: ${read.problem}`, 'not-found');
  }
  const usable = read.profile.files.filter((f) => !f.error);
  if (!usable.length) { throw new MlopsError(`${version.dataset} ${dataVersionLabel(version)} has no profiled tabular file to take a schema from`, 'not-found'); }
  let fp = usable[0];
  if (usable.length > 1) {
    const pick = await vscode.window.showQuickPick(usable.map((f) => ({ label: f.path, description: `${f.rows} rows × ${f.columns.length} columns`, f })), { placeHolder: 'File whose columns become the schema' });
    if (!pick) { return undefined; }
    fp = pick.f;
  }
  const schema = schemaFromProfile(fp, version.dataset, `${version.dataset}:${version.id}`);
  await state.store.data.createSchema(version.dataset, JSON.stringify(schema, null, 2) + '\n');
  await stores.notify(state.root, { data: true });
  await vscode.window.showTextDocument(vscode.Uri.file(file));
  void vscode.window.showInformationMessage(`MLOps: wrote the ${version.dataset} schema from ${dataVersionLabel(version)} (${schema.columns.length} columns). Add allowed values, mappings, ranges and sources; every new version is checked against it.`);
  return file;
}

/** Profiles a version from its source (after checking the source still holds its content) and writes its profile. */
export async function profileDataVersion(stores: WorkspaceStores, arg?: unknown): Promise<boolean> {
  const target = await resolveDataVersion(stores, arg, 'Version to profile');
  if (!target) { return false; }
  const { state, version } = target;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Profiling ${version.dataset} ${dataVersionLabel(version)}`, cancellable: true },
    async (progress, token) => {
      const ctl = new AbortController();
      token.onCancellationRequested(() => ctl.abort());
      await state.store.profileDataVersion(version.dataset, version.id, { signal: ctl.signal,
        onProgress: (p) => progress.report({ message: `${p.file} (${p.index + 1}/${p.total})` }) });
    });
  await stores.notify(state.root, { data: true });
  return true;
}
