// The `mlops` launcher that MLOps: Install CLI Command… writes: its text, how to recognise one we wrote, where
// it can go and whether that folder is on PATH. Pure (no `vscode`, no file access) so unit tests pin it down.
import * as path from 'node:path';

/** First word of the line that marks a launcher as ours (a file without it is never overwritten silently). */
export const LAUNCHER_MARKER = 'mlops-workbench-launcher';

export interface LauncherSpec {
  /** The program that runs the CLI: the extension host's `process.execPath`. */
  node: string;
  /** True when `node` is an Electron app (VS Code desktop): it then runs as plain Node with ELECTRON_RUN_AS_NODE=1. */
  electron: boolean;
  /** The extension's `dist/cli.js`. */
  cli: string;
  /** The extension's version, recorded so an older install does not overwrite a newer one's launcher. */
  version: string;
  platform: NodeJS.Platform;
}

/** What the marker line of a launcher says. */
export interface LauncherInfo {
  version: string;
  cli: string;
}

export function launcherName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'mlops.cmd' : 'mlops';
}

/** POSIX shell single quotes: nothing inside is expanded. */
function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function markerLine(spec: LauncherSpec): string {
  // JSON keeps any path on one line and reads back exactly.
  return `${LAUNCHER_MARKER} ${JSON.stringify({ version: spec.version, cli: spec.cli })}`;
}

/** The launcher's whole text: a `/bin/sh` script, or a `.cmd` batch file on Windows. */
export function launcherText(spec: LauncherSpec): string {
  if (spec.platform === 'win32') {
    // In a batch file % starts a variable even inside quotes; paths cannot contain a double quote.
    const cmd = (s: string) => `"${s.replace(/%/g, '%%')}"`;
    return ['@echo off',
      `rem ${markerLine(spec)}`,
      'rem Written by MLOps Workbench (MLOps: Install CLI Command...); rewritten when the extension is updated.',
      'setlocal',
      ...(spec.electron ? ['set ELECTRON_RUN_AS_NODE=1'] : []),
      `${cmd(spec.node)} ${cmd(spec.cli)} %*`,
      ''].join('\r\n');
  }
  return ['#!/bin/sh',
    `# ${markerLine(spec)}`,
    '# Written by MLOps Workbench (MLOps: Install CLI Command…); rewritten when the extension is updated.',
    `${spec.electron ? 'ELECTRON_RUN_AS_NODE=1 ' : ''}exec ${shQuote(spec.node)} ${shQuote(spec.cli)} "$@"`,
    ''].join('\n');
}

/** The marker of a launcher we wrote, or undefined for any other file. */
export function readLauncher(text: string): LauncherInfo | undefined {
  const m = new RegExp(`^(?:#|rem) ${LAUNCHER_MARKER} (\\{.*\\})\\r?$`, 'm').exec(text.slice(0, 4096));
  if (!m) { return undefined; }
  try {
    const info = JSON.parse(m[1]) as Partial<LauncherInfo>;
    return typeof info.version === 'string' && typeof info.cli === 'string' ? { version: info.version, cli: info.cli } : undefined;
  } catch {
    return undefined;
  }
}

/** Compares dotted versions numerically (`0.10.0` > `0.9.1`); a pre-release suffix is ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(/[-+]/)[0].split('.').map((x) => Number.parseInt(x, 10) || 0);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) { return Math.sign(d); }
  }
  return 0;
}

/**
 * Whether an existing launcher of ours should be rewritten for this extension at activation: it points at a CLI
 * that is gone (the old version's folder was removed), at an older version, or at this very CLI by another
 * program (VS Code moved). A newer or parallel install (Insiders beside Stable) keeps its launcher.
 */
export function launcherIsStale(existing: LauncherInfo, current: LauncherSpec, currentText: string, existingText: string, cliExists: boolean): boolean {
  if (existingText === currentText) { return false; }
  return !cliExists || compareVersions(existing.version, current.version) < 0 || samePath(existing.cli, current.cli, current.platform);
}

function samePath(a: string, b: string, platform: NodeJS.Platform): boolean {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const norm = (s: string) => { const r = p.resolve(s).replace(/[\\/]+$/, ''); return platform === 'win32' || platform === 'darwin' ? r.toLowerCase() : r; };
  return norm(a) === norm(b);
}

/** Whether `dir` is one of the folders of a PATH value (as the shell would search it). */
export function isOnPath(dir: string, envPath: string | undefined, platform: NodeJS.Platform, home?: string): boolean {
  const sep = platform === 'win32' ? ';' : ':';
  return (envPath ?? '').split(sep).filter(Boolean).some((entry) => {
    const unquoted = entry.replace(/^"(.*)"$/, '$1');
    const expanded = home && (unquoted === '~' || unquoted.startsWith('~/')) ? home + unquoted.slice(1) : unquoted;
    return samePath(expanded, dir, platform);
  });
}

/** The line to add to a shell profile (or run in PowerShell on Windows) to put `dir` on PATH. */
export function pathLine(dir: string, platform: NodeJS.Platform, home?: string): string {
  if (platform === 'win32') {
    return `[Environment]::SetEnvironmentVariable('Path', [Environment]::GetEnvironmentVariable('Path', 'User') + ';${dir.replace(/'/g, "''")}', 'User')`;
  }
  // `$` in the folder itself is escaped too (a folder named my$dir must not expand `$dir`); only the $HOME prefix expands.
  const esc = (t: string) => t.replace(/(["\\`$])/g, '\\$1');
  const shown = home && (dir === home || dir.startsWith(home + '/')) ? `$HOME${esc(dir.slice(home.length))}` : esc(dir);
  return `export PATH="${shown}:$PATH"`;
}

/** Where a launcher can go, most sensible first (`writable` says whether a folder that exists can be written). */
export function candidateFolders(platform: NodeJS.Platform, home: string, env: Record<string, string | undefined>, writable: (dir: string) => boolean): string[] {
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA ?? path.win32.join(home, 'AppData', 'Local');
    return [path.win32.join(local, 'Programs', 'mlops-workbench', 'bin')];
  }
  const out = [path.posix.join(home, '.local', 'bin')];
  if (writable('/usr/local/bin')) { out.push('/usr/local/bin'); }
  return out;
}
