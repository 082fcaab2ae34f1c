import * as vscode from 'vscode';
import { Commands } from './ids';
import type { WorkspaceStores } from './stores';

/** A small item: a spinner and the count while runs are running; the MLOps beaker otherwise. Click: the view. */
export class RunningStatus implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('mlops.running', vscode.StatusBarAlignment.Left, 50);
  private readonly subs: vscode.Disposable[];

  constructor(private readonly stores: WorkspaceStores) {
    this.item.name = 'MLOps Runs';
    this.item.command = Commands.showRunning;
    this.subs = [stores.onDidChange(() => this.update()), stores.onDidChangeStores(() => this.update())];
    this.update();
  }

  update(): void {
    const states = this.stores.list();
    if (!states.length) { this.item.hide(); return; }
    const running = states.reduce((n, s) => n + s.runningCount(), 0);
    this.item.text = running ? `$(sync~spin) ${running} running` : '$(beaker) MLOps';
    this.item.tooltip = running ? `${running} MLOps run${running === 1 ? ' is' : 's are'} running — click to show them` : 'No MLOps runs in progress — click to open the Experiments view';
    this.item.show();
  }

  dispose(): void {
    for (const s of this.subs) { s.dispose(); }
    this.item.dispose();
  }
}
