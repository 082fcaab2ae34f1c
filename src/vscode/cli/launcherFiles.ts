// Writing and refreshing launcher files (Node `fs`, no `vscode`, so unit tests run it on real temp folders).
import * as fs from 'node:fs';
import { launcherIsStale, launcherText, readLauncher, type LauncherSpec } from './launcher';

/** Writes next to the target and renames over it, so a half-written launcher is never run. */
export function writeLauncher(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text, { mode: 0o755 });
    fs.chmodSync(tmp, 0o755);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export interface RefreshResult {
  /** Files that are launchers of ours (rewritten or already current). */
  ours: string[];
  rewritten: string[];
  failed: { file: string; error: unknown }[];
}

/**
 * Rewrites, among `files`, the launchers of ours that point at an older, removed or moved copy of the extension.
 * Missing files and files that are not ours are left alone.
 */
export async function refreshLauncherFiles(files: readonly string[], spec: LauncherSpec): Promise<RefreshResult> {
  const text = launcherText(spec);
  const out: RefreshResult = { ours: [], rewritten: [], failed: [] };
  for (const file of [...new Set(files)]) {
    let existing: string;
    try { existing = await fs.promises.readFile(file, 'utf8'); } catch { continue; }
    const info = readLauncher(existing);
    if (!info) { continue; }
    out.ours.push(file);
    if (!launcherIsStale(info, spec, text, existing, fs.existsSync(info.cli))) { continue; }
    try {
      writeLauncher(file, text);
      out.rewritten.push(file);
    } catch (error) {
      out.failed.push({ file, error });
    }
  }
  return out;
}
