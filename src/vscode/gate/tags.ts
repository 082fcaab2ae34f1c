/**
 * `mlops.git.tagModelVersions`: after a registration or a stage change, the GTO-style annotated tag. The store
 * change has happened whatever git says, so a tag that cannot be made is a warning with git's reason, not a failure.
 */
import * as vscode from 'vscode';
import { Store, messageOf, type ModelVersion } from '../../core';
import { tagPromoted, tagRegistered } from '../../core/gate/tagging';
import type { GateResult } from '../../core/gate/types';
import { Settings } from '../ids';

function enabled(): boolean {
  return vscode.workspace.isTrusted && vscode.workspace.getConfiguration().get<boolean>(Settings.gitTagModelVersions, false) === true;
}

async function tag(make: (store: Store) => Promise<{ tag: string; fellBackToHead?: string }>, root: string): Promise<string | undefined> {
  if (!enabled()) { return undefined; }
  try {
    const t = await make(await Store.open(root));
    if (t.fellBackToHead) { void vscode.window.showWarningMessage(`MLOps: ${t.fellBackToHead}.`); }
    return t.tag;
  } catch (e) {
    void vscode.window.showWarningMessage(`MLOps: no git tag was created: ${messageOf(e)}`);
    return undefined;
  }
}

export function tagPromotion(root: string, mv: ModelVersion, stage: string, gate?: GateResult): Promise<string | undefined> {
  return tag((store) => tagPromoted(store, mv, stage, gate), root);
}

export function tagRegistration(root: string, mv: ModelVersion): Promise<string | undefined> {
  return tag((store) => tagRegistered(store, mv), root);
}
