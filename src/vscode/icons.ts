import * as vscode from 'vscode';
import type { BaseNode, ModelStage, NodeIcon, NodeSymbol, RunStatus } from '../core';

/** A codicon id and, optionally, a theme colour id. */
interface Picture { id: string; color?: string }

const STATUS: Record<RunStatus, Picture> = {
  running: { id: 'sync~spin', color: 'charts.blue' },
  finished: { id: 'pass', color: 'testing.iconPassed' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  killed: { id: 'circle-slash', color: 'disabledForeground' },
};

const STAGE: Record<ModelStage, Picture> = {
  production: { id: 'rocket', color: 'charts.green' },
  staging: { id: 'beaker', color: 'charts.yellow' },
  archived: { id: 'archive', color: 'disabledForeground' },
  none: { id: 'circle-outline' },
};

const SYMBOL: Record<NodeSymbol, Picture> = {
  workspaceFolder: { id: 'root-folder' },
  problem: { id: 'warning', color: 'problemsWarningIcon.foreground' },
  missing: { id: 'warning' },
  experiment: { id: 'beaker' },
  more: { id: 'ellipsis' },
  filter: { id: 'filter' },
  loading: { id: 'loading~spin' },
  info: { id: 'info' },
  params: { id: 'symbol-parameter' },
  metrics: { id: 'graph-line' },
  meta: { id: 'dashboard' },
  lineage: { id: 'git-commit' },
  duration: { id: 'watch' },
  memory: { id: 'server' },
  hardware: { id: 'chip' },
  cost: { id: 'credit-card' },
  python: { id: 'symbol-namespace' },
  environment: { id: 'package' },
  exitCode: { id: 'terminal' },
  commit: { id: 'git-commit' },
  dataset: { id: 'database' },
  dataVersion: { id: 'versions' },
  hash: { id: 'key' },
  reproducedFrom: { id: 'history' },
  model: { id: 'package' },
  artifact: { id: 'file-binary' },
  error: { id: 'error', color: 'problemsErrorIcon.foreground' },
  goalMet: { id: 'pass', color: 'testing.iconPassed' },
  goalUnmet: { id: 'error', color: 'testing.iconFailed' },
  goalUnknown: { id: 'question', color: 'disabledForeground' },
  goalInfo: { id: 'info' },
  kpis: { id: 'target' },
  metricGoals: { id: 'graph-line' },
  constraints: { id: 'server-environment' },
  budget: { id: 'credit-card' },
  budgetOk: { id: 'credit-card' },
  budgetNear: { id: 'warning', color: 'problemsWarningIcon.foreground' },
  budgetOver: { id: 'error', color: 'problemsErrorIcon.foreground' },
  columns: { id: 'table' },
  columnNumber: { id: 'symbol-number' },
  columnBoolean: { id: 'symbol-boolean' },
  columnDate: { id: 'calendar' },
  columnCategory: { id: 'symbol-enum' },
  columnText: { id: 'symbol-string' },
  findingError: { id: 'error', color: 'problemsErrorIcon.foreground' },
  findingWarning: { id: 'warning', color: 'problemsWarningIcon.foreground' },
  findingInfo: { id: 'info', color: 'problemsInfoIcon.foreground' },
  schemaOk: { id: 'pass', color: 'testing.iconPassed' },
  driftNone: { id: 'pulse', color: 'testing.iconPassed' },
  driftMinor: { id: 'pulse', color: 'problemsWarningIcon.foreground' },
  driftMajor: { id: 'pulse', color: 'problemsErrorIcon.foreground' },
  gatePassed: { id: 'verified', color: 'testing.iconPassed' },
  gateWaived: { id: 'unverified', color: 'editorWarning.foreground' },
  stepRan: { id: 'pass', color: 'testing.iconPassed' },
  stepFailed: { id: 'error', color: 'testing.iconFailed' },
  stepKilled: { id: 'circle-slash', color: 'disabledForeground' },
  stepUpToDate: { id: 'check-all', color: 'testing.iconPassed' },
  stepSkipped: { id: 'debug-step-over', color: 'disabledForeground' },
  stepNotRun: { id: 'circle-outline', color: 'disabledForeground' },
  mlflowStore: { id: 'lock' },
  tags: { id: 'tag' },
  user: { id: 'account' },
  script: { id: 'file-code' },
};

/** The codicon and theme colour for what the core says a node's icon stands for. */
export function pictureOf(icon: NodeIcon): Picture {
  return 'status' in icon ? STATUS[icon.status] : 'stage' in icon ? STAGE[icon.stage] : SYMBOL[icon.symbol];
}

export function themeIconOf(icon: NodeIcon): vscode.ThemeIcon {
  const p = pictureOf(icon);
  return new vscode.ThemeIcon(p.id, p.color ? new vscode.ThemeColor(p.color) : undefined);
}

/** The TreeItem of any MLOps view node: label, state, id, description, Markdown tooltip, icon and context value. */
export function baseTreeItem(node: BaseNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.label, node.collapsible === 'none' ? vscode.TreeItemCollapsibleState.None
    : node.collapsible === 'expanded' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
  item.id = node.id;
  item.description = node.description;
  if (node.tooltip) { item.tooltip = new vscode.MarkdownString(node.tooltip, true); }
  if (node.icon) { item.iconPath = themeIconOf(node.icon); }
  item.contextValue = node.contextValue;
  return item;
}
