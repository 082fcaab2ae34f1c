import * as vscode from 'vscode';
import type { Log } from '../log';

/**
 * What could not be recorded about a run goes to the MLOps output channel with its cause, and one warning
 * names it (the run itself goes ahead).
 */
export function reportRecordingProblems(log: Log, what: string, problems: readonly string[]): void {
  if (!problems.length) { return; }
  for (const p of problems) { log.warn(`${what}: ${p}`); }
  void vscode.window.showWarningMessage(`MLOps: ${what}: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more in the MLOps output)` : ''}`);
}
