import * as vscode from 'vscode';
import { MlopsError, messageOf, type ModelVersion } from '../../core';
import { buildModelCard, CARD_SECTIONS } from '../../core/card';
import { runGate } from '../../core/gate';
import { CARD_EXPORT_FORMATS, type CardExportFormat } from '../../protocol/modelCard';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';
import { isViewNode, pickStore } from '../ui';
import { ModelCardPanel, type ModelCardSource } from './cardPanel';

/** Arguments for non-interactive use (Show Details of a refused promotion, tests). */
export interface OpenModelCardArgs {
  root?: string;
  model: string;
  version: number;
  /** A section id to scroll to, e.g. `gate`. */
  section?: string;
  /** Writes the card there without a dialog (the toolbar's Export buttons ask with a save dialog). */
  export?: { format: CardExportFormat; path: string };
}

function isArgs(x: unknown): x is OpenModelCardArgs {
  return typeof x === 'object' && x !== null && typeof (x as OpenModelCardArgs).model === 'string' && typeof (x as OpenModelCardArgs).version === 'number';
}

export function modelCardSource(stores: WorkspaceStores): ModelCardSource {
  return {
    async load(t) {
      await stores.ready();
      const state = stores.get(t.root);
      if (!state) { throw new MlopsError(`the store in ${t.root} is not open`, 'no-store'); }
      const allowProcesses = vscode.workspace.isTrusted;
      // Untrusted: no git or Python process; the checks that need one are skipped and the card says why.
      let gateProblem: string | undefined;
      const gate = await runGate(state.store, t.model, t.version, { allowProcesses }).catch((e: unknown) => { gateProblem = messageOf(e); return undefined; });
      return buildModelCard(state.store, t.model, t.version, { gate, gateProblem, allowProcesses });
    },
  };
}

/**
 * `MLOps: Open Model Card`: from a model version in the Models tree, `{ root?, model, version, section? }`, or the
 * palette (a quick pick of versions). Opens or reveals that version's panel; returns it.
 */
export async function openModelCard(ext: vscode.ExtensionContext, stores: WorkspaceStores, log: Log, source: ModelCardSource, arg?: unknown): Promise<ModelCardPanel | undefined> {
  let root: string | undefined;
  let model: string | undefined;
  let version: number | undefined;
  let section: string | undefined;
  let exportTo: OpenModelCardArgs['export'];
  if (isViewNode(arg)) { root = arg.root; model = arg.model; version = arg.version; } else if (isArgs(arg)) {
    ({ root, model, version, section } = arg);
    exportTo = arg.export;
    if (section !== undefined && !(CARD_SECTIONS as readonly string[]).includes(section)) { throw new MlopsError(`the model card has no section '${section}' (sections: ${CARD_SECTIONS.join(', ')})`, 'invalid-input'); }
    if (exportTo && !(CARD_EXPORT_FORMATS as readonly string[]).includes(exportTo.format)) { throw new MlopsError(`cannot export a model card as '${exportTo.format}': use html or md`, 'invalid-input'); }
  }
  const state = await pickStore(stores, root);
  if (!state) { return undefined; }
  let mv: ModelVersion | undefined;
  if (model !== undefined && version !== undefined) {
    mv = await state.store.readModelVersion(model, version);
  } else {
    if (!state.modelVersions.length) { throw new MlopsError('no models are registered yet; register one from a run first', 'not-found'); }
    mv = (await vscode.window.showQuickPick(state.modelVersions.map((v) => ({ label: `${v.model} v${v.version}`, description: v.stage, v })), { placeHolder: 'Model card of which version?' }))?.v;
    if (!mv) { return undefined; }
  }
  const panel = await ModelCardPanel.show(ext, log, source, { root: state.root, model: mv.model, version: mv.version }, section);
  if (exportTo) { await panel.exportTo(exportTo.format, exportTo.path); }
  return panel;
}
