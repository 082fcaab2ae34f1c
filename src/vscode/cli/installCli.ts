// MLOps: Install CLI Command…: puts an `mlops` launcher on PATH that runs the CLI shipped inside this extension,
// and keeps launchers of ours current when the extension is updated (a new version lives in a new folder).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MlopsError, messageOf } from '../../core';
import { Commands, ContextKeys } from '../ids';
import type { Log } from '../log';
import { guarded } from '../ui';
import { candidateFolders, isOnPath, launcherName, launcherText, pathLine, readLauncher, type LauncherSpec } from './launcher';
import { refreshLauncherFiles, writeLauncher } from './launcherFiles';

/** globalState key: the launchers this extension wrote (kept current at activation). */
const INSTALLED_KEY = 'mlops.cli.launchers';

export interface InstallCliArgs {
  /** The folder to write the launcher in (tests, other extensions); without it the command asks. */
  target?: string;
}

export interface InstallCliResult {
  file: string;
  onPath: boolean;
  /** The line that puts the folder on PATH, when it is not. */
  pathLine?: string;
}

function versionOf(manifest: unknown): string {
  const v = (manifest as { version?: unknown } | undefined)?.version;
  return typeof v === 'string' ? v : '0.0.0';
}

export function currentSpec(context: vscode.ExtensionContext): LauncherSpec {
  return {
    node: process.execPath,
    electron: Boolean(process.versions.electron),
    cli: path.join(context.extensionPath, 'dist', 'cli.js'),
    version: versionOf(context.extension.packageJSON),
    platform: process.platform,
  };
}

function writable(dir: string): boolean {
  try { fs.accessSync(dir, fs.constants.W_OK); return fs.statSync(dir).isDirectory(); } catch { return false; }
}

async function pickFolder(): Promise<string | undefined> {
  const home = os.homedir();
  const folders = candidateFolders(process.platform, home, process.env, writable);
  const browse = 'Browse…';
  const items: vscode.QuickPickItem[] = [
    ...folders.map((f) => ({ label: f, description: isOnPath(f, process.env.PATH, process.platform, home) ? 'on PATH' : 'not on PATH yet' })),
    { label: browse, description: 'another folder' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Install the mlops command', placeHolder: 'Folder for the mlops launcher' });
  if (!picked) { return undefined; }
  if (picked.label !== browse) { return picked.label; }
  const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Install mlops Here' });
  return chosen?.[0]?.fsPath;
}

function remember(context: vscode.ExtensionContext, file: string): Thenable<void> {
  const known = context.globalState.get<string[]>(INSTALLED_KEY, []);
  return known.includes(file) ? Promise.resolve() : context.globalState.update(INSTALLED_KEY, [...known, file]);
}

export async function installCli(context: vscode.ExtensionContext, log: Log, args?: InstallCliArgs): Promise<InstallCliResult | undefined> {
  const dir = args?.target ?? await pickFolder();
  if (!dir) { return undefined; }
  const spec = currentSpec(context);
  if (!fs.existsSync(spec.cli)) { throw new MlopsError(`the CLI is not in this extension (${spec.cli} is missing): build it with 'npm run build'`, 'not-found'); }
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new MlopsError(`cannot create ${dir}: ${messageOf(e)}`, 'io');
  }
  const file = path.join(dir, launcherName(process.platform));
  // Anything at that name — a file, a folder, a symlink even when its target is gone (a pipx venv being rebuilt) —
  // is someone else's unless it reads as our launcher.
  let existing: string | undefined;
  let link: string | undefined;
  try {
    const st = fs.lstatSync(file);
    if (st.isSymbolicLink()) { try { link = fs.readlinkSync(file); } catch { link = '?'; } }
    try { existing = fs.readFileSync(file, 'utf8'); } catch { existing = ''; }
  } catch { existing = undefined; }
  if (existing !== undefined && (link !== undefined || !readLauncher(existing))) {
    const replace = 'Replace';
    const what = link !== undefined ? `${file} is a link to ${link}` : `${file} already exists`;
    const answer = await vscode.window.showWarningMessage(`${what} and was not written by MLOps Workbench. Replace it?`,
      { modal: true, detail: 'It may be another program called mlops; it is kept unless you replace it.' }, replace);
    if (answer !== replace) { return undefined; }
  }
  try {
    writeLauncher(file, launcherText(spec));
  } catch (e) {
    throw new MlopsError(`cannot write ${file}: ${messageOf(e)}${dir.startsWith('/usr/') ? ' (pick a folder in your home, or Browse…)' : ''}`, 'io');
  }
  await remember(context, file);
  void vscode.commands.executeCommand('setContext', ContextKeys.walkthroughCliInstalled, true); // the walkthrough's step
  log.info(`installed the mlops launcher ${file} → ${spec.cli}`);
  const home = os.homedir();
  const onPath = isOnPath(dir, process.env.PATH, process.platform, home);
  if (onPath) {
    void vscode.window.showInformationMessage(`Installed ${file}: run 'mlops --help' in a new terminal.`);
    return { file, onPath };
  }
  const line = pathLine(dir, process.platform, home);
  const where = process.platform === 'win32' ? 'run this in PowerShell, then open a new terminal' : 'add this line to your shell profile (~/.bashrc, ~/.zshrc or ~/.profile)';
  const copy = 'Copy Line';
  void vscode.window.showInformationMessage(`Installed ${file}, but ${dir} is not on your PATH: ${where}: ${line}`, copy).then(async (a) => {
    if (a === copy) { await vscode.env.clipboard.writeText(line); }
  });
  return { file, onPath, pathLine: line };
}

/**
 * At activation: launchers of ours (remembered, or in the default folder) that point at an older or removed
 * copy of the extension are rewritten for this one, without asking. Anything else is left alone.
 */
export async function refreshLaunchers(context: vscode.ExtensionContext, log: Log): Promise<string[]> {
  const spec = currentSpec(context);
  const known = context.globalState.get<string[]>(INSTALLED_KEY, []);
  const defaults = candidateFolders(process.platform, os.homedir(), process.env, () => false).map((d) => path.join(d, launcherName(process.platform)));
  const r = await refreshLauncherFiles([...known, ...defaults], spec);
  for (const f of r.rewritten) { log.info(`updated the mlops launcher ${f} for version ${spec.version} (${spec.cli})`); }
  for (const f of r.failed) { log.warn(`cannot update the mlops launcher ${f.file}: ${messageOf(f.error)}`); }
  // Forget launchers that were removed or replaced by something else.
  const keep = known.filter((f) => r.ours.includes(f));
  if (keep.length !== known.length) { await context.globalState.update(INSTALLED_KEY, keep); }
  return r.rewritten;
}

export function registerInstallCli(context: vscode.ExtensionContext, log: Log): void {
  context.subscriptions.push(vscode.commands.registerCommand(Commands.installCli,
    guarded(log, Commands.installCli, (args?: InstallCliArgs) => installCli(context, log, args))));
  void refreshLaunchers(context, log).catch((e: unknown) => log.warn(`checking the mlops launchers: ${messageOf(e)}`));
}
