/**
 * `MLOps: Package Model…`: a folder to deploy a model version from (artifact, server, pinned requirements,
 * Dockerfile, Kubernetes manifests, README); then **Build Image** runs `docker build` in a terminal when docker is on
 * PATH, and says so when it is not.
 */
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import { MlopsError } from '../../core';
import { buildPackage, dockerPath } from '../../core/serve';
import { resolveModelVersion } from '../commands/modelCommands';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';
import { isViewNode } from '../ui';
import { selectedPython } from '../lint/python';

export interface PackageArgs {
  root?: string;
  model?: string;
  version?: number;
  /** The package folder (absolute, or relative to the workspace folder). */
  out?: string;
  /** Replace an existing non-empty folder without asking. */
  force?: boolean;
  /** Allow a folder outside the workspace without asking. */
  outsideWorkspace?: boolean;
  /** Run Build Image right away (as the notification's button does). */
  buildImage?: boolean;
}

export interface PackageResult { dir: string; files: string[]; warnings: string[]; docker: boolean; terminal?: vscode.Terminal }

async function nonEmptyDir(dir: string): Promise<boolean> {
  return fsp.readdir(dir).then((e) => e.length > 0, () => false);
}

export async function packageModel(stores: WorkspaceStores, log: Log, t?: unknown, a?: unknown): Promise<PackageResult | undefined> {
  const args: PackageArgs = typeof a === 'object' && a !== null ? a : !isViewNode(t) && typeof t === 'object' && t !== null ? t : {};
  const picked = await resolveModelVersion(stores, isViewNode(t) ? t : args.model ? { root: args.root, model: args.model, version: args.version } : t);
  if (!picked) { return undefined; }
  const { state, mv } = picked;
  let out = args.out;
  if (out === undefined) {
    const suggested = path.join('packages', `${mv.model}-v${mv.version}`);
    out = (await vscode.window.showInputBox({ title: `Package ${mv.model} v${mv.version}`, prompt: 'Folder to write the package to (relative to the workspace folder)', value: suggested,
      validateInput: (v) => (v.trim() ? undefined : 'a folder is needed') }))?.trim();
    if (!out) { return undefined; }
  }
  const dir = path.resolve(state.root, out);
  const rel = path.relative(state.root, dir);
  if ((rel.startsWith('..') || path.isAbsolute(rel)) && !args.outsideWorkspace) {
    const ok = await vscode.window.showWarningMessage(`${dir} is outside the workspace folder. Write the package there?`, { modal: true }, 'Write Outside');
    if (ok !== 'Write Outside') { return undefined; }
  }
  if (rel === '' || state.store.dir === dir || dir.startsWith(state.store.dir + path.sep)) {
    throw new MlopsError('a package cannot be written into the workspace folder itself or into .mlops/; pick a folder of its own (e.g. packages/<model>-v<version>)', 'invalid-input');
  }
  let force = args.force === true;
  if (!force && await nonEmptyDir(dir)) {
    const ok = await vscode.window.showWarningMessage(`${rel || dir} already exists and is not empty. Replace it with the package of ${mv.model} v${mv.version}? Its current contents are deleted.`, { modal: true }, 'Replace');
    if (ok !== 'Replace') { return undefined; }
    force = true;
  }
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Packaging ${mv.model} v${mv.version}` },
    // The image's Python, when the run recorded none: the interpreter Run Script uses (no process when untrusted).
    async () => buildPackage(state.store, mv, dir, { goals: state.goalsFile?.doc.goals, force, python: vscode.workspace.isTrusted ? await selectedPython(vscode.Uri.file(state.root), log) : null }));
  for (const w of result.warnings) { log.warn(`package ${mv.model} v${mv.version}: ${w}`); }
  const dockerExe = await dockerPath();
  const docker = dockerExe !== undefined;
  const image = result.image;
  const shown = rel && !rel.startsWith('..') ? rel : dir;
  const out2: PackageResult = { dir: result.dir, files: result.files, warnings: result.warnings, docker };
  const warn = result.warnings.length ? ` ${result.warnings.length} warning${result.warnings.length === 1 ? '' : 's'}: ${result.warnings[0]}${result.warnings.length > 1 ? ' (more in the MLOps output)' : ''}` : '';
  if (args.buildImage) {
    if (!docker) { throw new MlopsError('docker is not on PATH here, so the image cannot be built on this machine; build it where docker is (see the package README.md)', 'not-found'); }
    out2.terminal = buildImage(dockerExe, result.dir, image);
    return out2;
  }
  const buttons = docker ? ['Build Image', 'Open README'] : ['Open README'];
  const dockerNote = docker ? '' : ' docker is not on PATH here: build the image on a machine that has it (the README says how).';
  void vscode.window.showInformationMessage(`MLOps: packaged ${mv.model} v${mv.version} into ${shown} (${result.files.length} files).${dockerNote}${warn}`, ...buttons).then((choice) => {
    if (choice === 'Build Image' && dockerExe) { buildImage(dockerExe, result.dir, image); }
    if (choice === 'Open README') { void vscode.window.showTextDocument(vscode.Uri.file(path.join(result.dir, 'README.md'))); }
  });
  return out2;
}

/** `docker build -t <image> .` in the package folder, in a terminal the user sees. */
export function buildImage(docker: string, dir: string, image: string): vscode.Terminal {
  const term = vscode.window.createTerminal({ name: `MLOps: docker build ${image}`, cwd: dir, shellPath: docker, shellArgs: ['build', '-t', image, '.'] });
  term.show();
  return term;
}
