import * as vscode from 'vscode';
import type { AlertRule, AlertStatus } from '../../core/monitor/types';
import { Commands, Settings, StateKeys, Views } from '../ids';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';
import { bareMessage, positionAt, ruleName, streakStart, type MonitoredEntry } from './model';
import type { MonitorService } from './monitorService';

/** The Problems entries' source and code (a code action could match on it). */
export const MONITORING_DIAGNOSTIC_SOURCE = 'mlops-monitoring';
export const ALERT_FIRING_CODE = 'monitoring-alert';
/** workspaceState key: the firing episodes already notified (kept across reloads). */
const NOTIFIED_KEY = StateKeys.monitoringNotified;
const NOTIFIED_MAX = 500;

interface Firing { entry: MonitoredEntry; status: AlertStatus }

/** What identifies one firing episode: store, model, rule and the first window of the streak. */
export function episodeKey(root: string, model: string, rule: Pick<AlertRule, 'name' | 'quantity' | 'comparator' | 'threshold' | 'windows'>, firstWindow: string): string {
  // The rule by what it says, not its place in the list: adding a rule above it must not notify again.
  return JSON.stringify([root, model, rule.name ?? '', rule.quantity, rule.comparator, rule.threshold, rule.windows, firstWindow]);
}

/**
 * Firing alerts in the editor: a status bar item with the count (red when any rule of severity `alert` fires,
 * hidden when nothing fires), one notification per firing episode (remembered in workspaceState so a reload does not
 * repeat it), and a Problems entry on each firing rule in goals.json, removed when the rule stops firing.
 */
export class MonitorAlerts implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  readonly diagnostics: vscode.DiagnosticCollection;
  private readonly disposables: vscode.Disposable[] = [];
  /** Episodes notified (also what the integration tests read). */
  readonly notified: string[] = [];

  constructor(private readonly service: MonitorService, private readonly stores: WorkspaceStores, private readonly memento: vscode.Memento, private readonly log: Log) {
    this.item = vscode.window.createStatusBarItem('mlops.monitoring.alerts', vscode.StatusBarAlignment.Left, 40);
    this.item.name = 'MLOps Monitoring Alerts';
    this.item.command = `${Views.monitoring}.focus`;
    this.diagnostics = vscode.languages.createDiagnosticCollection(MONITORING_DIAGNOSTIC_SOURCE);
    this.notified.push(...memento.get<string[]>(NOTIFIED_KEY, []));
    this.disposables.push(this.item, this.diagnostics, service.onDidChange(() => this.update()));
    this.update();
  }

  /** Firing alerts of every model whose report is final (a provisional report never notifies). */
  firing(): Firing[] {
    return this.service.list().flatMap((entry) => (entry.report?.alerts ?? []).filter((a) => a.firing).map((status) => ({ entry, status })));
  }

  update(): void {
    const firing = this.firing();
    this.updateStatusBar(firing);
    this.updateDiagnostics(firing);
    for (const f of firing) { if (!f.entry.stale) { this.maybeNotify(f); } }
  }

  private updateStatusBar(firing: Firing[]): void {
    if (!firing.length) { this.item.hide(); return; }
    const severe = firing.some((f) => f.status.rule.severity === 'alert');
    this.item.text = `$(bell) ${firing.length}`;
    this.item.backgroundColor = new vscode.ThemeColor(severe ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground');
    const md = new vscode.MarkdownString(`**MLOps monitoring: ${firing.length} alert${firing.length === 1 ? '' : 's'} firing**\n\n`, true);
    for (const f of firing) { md.appendMarkdown(`${f.status.rule.severity === 'alert' ? '$(error)' : '$(warning)'} `).appendText(`${f.entry.model} · ${ruleName(f.status.rule)}: ${bareMessage(f.status)}`).appendMarkdown('\n\n'); }
    md.appendMarkdown('Click to open the Monitoring view.');
    this.item.tooltip = md;
    this.item.accessibilityInformation = { label: `${firing.length} monitoring alert${firing.length === 1 ? '' : 's'} firing` };
    this.item.show();
  }

  private updateDiagnostics(firing: Firing[]): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const root of this.service.roots()) {
      const file = this.stores.get(root)?.store.goalsFile();
      if (file) { byFile.set(file, []); }
    }
    for (const f of firing) {
      const state = this.stores.get(f.entry.root);
      const text = state?.goalsFile?.text;
      const file = state?.store.goalsFile();
      if (!file || text === undefined) { continue; }
      const { rule } = f.status;
      // Offsets are of the text the rules were parsed from; a rule past the end (the file changed since) is not placed.
      if (rule.offset + rule.length > text.length) { continue; }
      const s = positionAt(text, rule.offset);
      const e = positionAt(text, rule.offset + rule.length);
      const d = new vscode.Diagnostic(new vscode.Range(s.line, s.character, e.line, e.character),
        `Monitoring alert firing for ${f.entry.model}: ${ruleName(rule)}: ${bareMessage(f.status)}${rule.description ? ` — ${rule.description}` : ''}`,
        rule.severity === 'alert' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      d.source = 'mlops';
      d.code = ALERT_FIRING_CODE;
      byFile.set(file, [...(byFile.get(file) ?? []), d]);
    }
    this.diagnostics.clear();
    for (const [file, list] of byFile) { if (list.length) { this.diagnostics.set(vscode.Uri.file(file), list); } }
  }

  private maybeNotify(f: Firing): void {
    const report = f.entry.report;
    if (!report) { return; }
    const key = episodeKey(f.entry.root, f.entry.model, f.status.rule, streakStart(report, f.status));
    if (this.notified.includes(key)) { return; }
    this.notified.push(key);
    if (this.notified.length > NOTIFIED_MAX) { this.notified.splice(0, this.notified.length - NOTIFIED_MAX); }
    void this.memento.update(NOTIFIED_KEY, [...this.notified]);
    if (!vscode.workspace.getConfiguration().get<boolean>(Settings.monitoringNotifications, true)) { return; }
    const { rule } = f.status;
    const text = `MLOps: ${rule.severity === 'alert' ? 'alert' : 'warning'} for ${f.entry.model}: ${ruleName(rule)} — ${bareMessage(f.status)}.${rule.description ? ` ${rule.description}` : ''}`;
    const actions = ['Open Chart', 'Show Monitoring', 'Don\'t Show Again'];
    const shown = rule.severity === 'alert' ? vscode.window.showErrorMessage(text, ...actions) : vscode.window.showWarningMessage(text, ...actions);
    void Promise.resolve(shown).then(async (choice) => {
      if (choice === 'Open Chart') { await vscode.commands.executeCommand(Commands.openMonitoringChart, { root: f.entry.root, model: f.entry.model }); }
      if (choice === 'Show Monitoring') { await vscode.commands.executeCommand(`${Views.monitoring}.focus`); }
      if (choice === 'Don\'t Show Again') { await vscode.workspace.getConfiguration().update(Settings.monitoringNotifications, false, vscode.ConfigurationTarget.Global); }
    }, (e: unknown) => this.log.warn(`monitoring: notification: ${String(e)}`));
    this.log.info(`monitoring: ${text}`);
  }

  dispose(): void {
    for (const d of this.disposables) { d.dispose(); }
  }
}
