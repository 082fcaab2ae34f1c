import * as path from 'node:path';
import * as vscode from 'vscode';
import { MlopsError } from '../../core';
import { Commands, Views } from '../ids';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';
import { guarded } from '../ui';
import { MonitorAlerts } from './alerts';
import { MONITOR_VIEW_TYPE, MonitorChartPanel, MonitorChartSerializer } from './chartPanel';
import { modelDescription } from './model';
import { MonitorService } from './monitorService';
import { MonitorTree } from './monitorTree';

/** What registerMonitoring gives the composition root (and, through MlopsApi, the integration tests). */
export interface MonitoringApi {
  service: MonitorService;
  tree: MonitorTree;
  view: vscode.TreeView<unknown>;
  alerts: MonitorAlerts;
  chartPanels(): MonitorChartPanel[];
  serializer: MonitorChartSerializer;
  /** For the serve command: see monitorService.ts `setServing`. */
  setServing(root: string, model: string, version: number, url: string | undefined): void;
  /** The serve command's whole list of running servers (what ModelServers.onDidChange gives). */
  syncServing(running: readonly { root: string; model: string; version: number; url: string }[]): void;
}

/** A model node of the view, `{root, model}`, or nothing (then a quick pick of the monitored models). */
function targetOf(arg: unknown): { root: string; model: string } | undefined {
  if (arg && typeof arg === 'object') {
    const a = arg as { root?: unknown; model?: unknown };
    if (typeof a.root === 'string' && typeof a.model === 'string') { return { root: a.root, model: a.model }; }
  }
  return undefined;
}

/** The Monitoring view, the chart panel, the alerts in the editor and their two commands. */
export function registerMonitoring(ctx: vscode.ExtensionContext, stores: WorkspaceStores, log: Log): MonitoringApi {
  const service = new MonitorService(stores, log);
  const tree = new MonitorTree(service, stores);
  const view = vscode.window.createTreeView(Views.monitoring, { treeDataProvider: tree, showCollapseAll: true });
  const alerts = new MonitorAlerts(service, stores, ctx.workspaceState, log);
  const serializer = new MonitorChartSerializer(ctx, service, log);
  const updateBadge = () => {
    const n = alerts.firing().length;
    view.badge = n ? { value: n, tooltip: `${n} monitoring alert${n === 1 ? '' : 's'} firing` } : undefined;
  };
  ctx.subscriptions.push(service, tree, view, alerts, service.onDidChange(updateBadge),
    vscode.window.registerWebviewPanelSerializer(MONITOR_VIEW_TYPE, serializer),
    { dispose: () => { for (const p of MonitorChartPanel.all()) { p.dispose(); } } });

  // Alerts show in the status bar and Problems without the view being opened: the reports are built once the stores
  // are loaded (in the background; the view lists the models as soon as they are known).
  void stores.ready().then(() => service.ready()).catch((e: unknown) => log.warn(`monitoring: ${String(e)}`));

  const reg = (id: string, fn: (...args: unknown[]) => Promise<unknown>) => ctx.subscriptions.push(vscode.commands.registerCommand(id, guarded(log, id, fn)));
  reg(Commands.openMonitoringChart, async (arg?: unknown) => {
    await service.ready();
    let target = targetOf(arg);
    if (!target) {
      const entries = service.list();
      if (!entries.length) { throw new MlopsError('no model is monitored yet: serve a model version or put one in production first', 'not-found'); }
      const multi = service.roots().length > 1;
      const picked = entries.length === 1 ? { entry: entries[0] } : await vscode.window.showQuickPick(entries.map((e) => ({
        label: e.model, description: [modelDescription(e), multi ? path.basename(e.root) : ''].filter(Boolean).join(' · '), entry: e })), { placeHolder: 'Model to chart' });
      if (!picked) { return undefined; }
      target = { root: picked.entry.root, model: picked.entry.model };
    }
    return MonitorChartPanel.show(ctx, service, log, target.root, target.model);
  });
  reg(Commands.refreshMonitoring, async () => {
    await service.reloadAll();
    await service.settled();
  });

  return { service, tree, view, alerts, chartPanels: () => MonitorChartPanel.all(), serializer,
    setServing: (root, model, version, url) => service.setServing(root, model, version, url), syncServing: (running) => service.syncServing(running) };
}
