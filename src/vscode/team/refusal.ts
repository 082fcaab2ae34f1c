import * as vscode from 'vscode';
import type { TeamConflict } from '../../core/team/types';
import { Commands } from '../ids';

/**
 * The one message for a promotion refused because a merge left the model in conflict (Set Model Stage's own check,
 * or the gate's refusal): what the conflict is, with **Resolve…** (no Waive…: no waiver lets it through).
 */
export function showConflictRefusal(root: string, target: { model: string; version: number }, stage: string, conflicts: readonly TeamConflict[]): void {
  const what = conflicts.map((c) => `${c.model} ${c.kind === 'multipleProduction' ? 'has ' : ''}${c.message}`).join('; ');
  // Not awaited: the button answers whenever the user gets to it, and the command is finished.
  void vscode.window.showErrorMessage(`MLOps: ${target.model} v${target.version} was not moved to ${stage}: ${what}`, 'Resolve…').then((choice) => {
    if (choice === 'Resolve…') { void vscode.commands.executeCommand(Commands.resolveModelConflict, { root, model: target.model }); }
  });
}
