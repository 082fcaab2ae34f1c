// The "Get started with MLOps Workbench" walkthrough: the context keys its steps complete on, and the command
// that opens it.
import * as vscode from 'vscode';
import { Commands, ContextKeys, EXTENSION_ID, WALKTHROUGH_ID } from '../ids';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';
import { guarded } from '../ui';
import { walkthroughFacts, type WalkthroughFacts } from './facts';

const KEYS: Record<keyof WalkthroughFacts, string> = {
  hasRun: ContextKeys.walkthroughHasRun,
  hasDataVersion: ContextKeys.walkthroughHasDataVersion,
  hasGoals: ContextKeys.walkthroughHasGoals,
  hasProduction: ContextKeys.walkthroughHasProduction,
};

/**
 * Sets `mlops.walkthrough.*` from the stores each time they change (their change event comes after the changed
 * files were applied in memory, so this reads counts, never files), and only the keys whose value changed. Steps
 * therefore complete however the thing was done: a command, the CLI, the Python logger or a teammate's pull.
 */
export class WalkthroughContext implements vscode.Disposable {
  private readonly last = new Map<string, boolean>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly stores: WorkspaceStores) {
    this.subscriptions = [stores.onDidChange(() => this.update()), stores.onDidChangeStores(() => this.update())];
    void stores.ready().then(() => this.update());
  }

  update(): void {
    const facts = walkthroughFacts(this.stores.list());
    for (const [fact, key] of Object.entries(KEYS) as [keyof WalkthroughFacts, string][]) {
      if (this.last.get(key) === facts[fact]) { continue; }
      this.last.set(key, facts[fact]);
      void vscode.commands.executeCommand('setContext', key, facts[fact]);
    }
  }

  dispose(): void {
    for (const d of this.subscriptions) { d.dispose(); }
  }
}

/** `MLOps: Get Started`: opens the walkthrough in the editor area. */
export function openWalkthrough(): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#${WALKTHROUGH_ID}`, false);
}

/** Registers the walkthrough's context keys and the Get Started command. */
export function registerWalkthrough(context: vscode.ExtensionContext, stores: WorkspaceStores, log: Log): WalkthroughContext {
  const keys = new WalkthroughContext(stores);
  context.subscriptions.push(keys, vscode.commands.registerCommand(Commands.getStarted, guarded(log, Commands.getStarted, async () => { await openWalkthrough(); })));
  return keys;
}
