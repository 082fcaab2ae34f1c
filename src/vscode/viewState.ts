import * as vscode from 'vscode';
import { isFilterActive, isRunSort, type RunFilter, type RunSort } from '../core';
import { ContextKeys, Settings, StateKeys } from './ids';

/**
 * The Experiments view's filter and sort, remembered per workspace (workspaceState), plus how many pages of
 * runs each experiment shows in this session.
 */
export class ViewState {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  readonly pages = new Map<string, number>();

  constructor(private readonly memento: vscode.Memento) {
    void this.updateContext();
  }

  get filter(): RunFilter {
    return this.memento.get<RunFilter>(StateKeys.runFilter) ?? {};
  }

  get sort(): RunSort {
    const saved = this.memento.get<string>(StateKeys.runSort);
    if (isRunSort(saved)) { return saved; }
    const configured = vscode.workspace.getConfiguration().get<string>(Settings.defaultSort, 'newest');
    return isRunSort(configured) ? configured : 'newest';
  }

  async setFilter(filter: RunFilter): Promise<void> {
    await this.memento.update(StateKeys.runFilter, isFilterActive(filter) ? filter : undefined);
    this.pages.clear();
    await this.updateContext();
    this.changed.fire();
  }

  async setSort(sort: RunSort): Promise<void> {
    await this.memento.update(StateKeys.runSort, sort);
    this.changed.fire();
  }

  private async updateContext(): Promise<void> {
    await vscode.commands.executeCommand('setContext', ContextKeys.runsFiltered, isFilterActive(this.filter));
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function headlineSetting(): string {
  return vscode.workspace.getConfiguration().get<string>(Settings.headlineMetric, 'loss').trim();
}

export function pageSizeSetting(): number {
  const n = vscode.workspace.getConfiguration().get<number>(Settings.pageSize, 200);
  return Number.isInteger(n) && n >= 10 ? n : 200;
}
