/**
 * The model servers this window started (MLOps: Serve Model Version): one per model and workspace folder, each a
 * Python process (python/mlops_serve.py) whose output goes to an output channel. A status bar item shows the URL of
 * each; clicking it offers to open, copy or stop. Servers are stopped when the window closes.
 */
import * as vscode from 'vscode';
import type { ServerHandle } from '../../core/serve';
import { ContextKeys, Commands } from '../ids';
import type { Log } from '../log';

export interface RunningServer {
  root: string;
  model: string;
  version: number;
  url: string;
  port: number;
  pid: number;
  /** Non-loopback binding: reachable from the network. */
  exposed: boolean;
  startedAt: Date;
  handle: ServerHandle;
}

export class ModelServers implements vscode.Disposable {
  private readonly servers = new Map<string, RunningServer>();
  private readonly item = vscode.window.createStatusBarItem('mlops.serving', vscode.StatusBarAlignment.Left, 49);
  private readonly changed = new vscode.EventEmitter<RunningServer[]>();
  readonly onDidChange = this.changed.event;
  readonly output: vscode.OutputChannel;

  constructor(private readonly log: Log) {
    this.item.name = 'MLOps Model Server';
    this.item.command = Commands.stopServing;
    this.output = vscode.window.createOutputChannel('MLOps Model Server');
    this.update();
  }

  static key(root: string, model: string): string { return `${root}\u0000${model}`; }

  get(root: string, model: string): RunningServer | undefined { return this.servers.get(ModelServers.key(root, model)); }
  list(): RunningServer[] { return [...this.servers.values()]; }

  add(s: RunningServer): void {
    this.servers.set(ModelServers.key(s.root, s.model), s);
    // A server that dies on its own (killed from a terminal, a crash) leaves the list with a message.
    void s.handle.exited.then((exit) => {
      if (this.servers.get(ModelServers.key(s.root, s.model)) !== s) { return; }
      this.servers.delete(ModelServers.key(s.root, s.model));
      this.update();
      const why = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
      const last = exit.stderr.trim().split('\n').pop();
      this.log.warn(`model server ${s.model} v${s.version} at ${s.url} stopped (${why})${last ? `: ${last}` : ''}`);
      void vscode.window.showWarningMessage(`MLOps: the model server of ${s.model} v${s.version} stopped (${why})${last ? `: ${last}` : ''}.`);
    });
    this.update();
  }

  /** Stops one server; resolves once its process has exited. */
  async stop(root: string, model: string): Promise<boolean> {
    const s = this.servers.get(ModelServers.key(root, model));
    if (!s) { return false; }
    this.servers.delete(ModelServers.key(root, model));
    this.update();
    await s.handle.stop();
    this.output.appendLine(`[${new Date().toISOString()}] stopped ${s.model} v${s.version} (${s.url})`);
    return true;
  }

  private update(): void {
    const all = this.list();
    void vscode.commands.executeCommand('setContext', ContextKeys.serving, all.length > 0);
    if (!all.length) { this.item.hide(); } else {
      const one = all[0];
      this.item.text = all.length === 1 ? `$(broadcast) ${one.model} v${one.version} · ${one.url}` : `$(broadcast) ${all.length} models served`;
      const md = new vscode.MarkdownString(all.map((s) => `**${escapeMd(s.model)}** v${s.version} at [${s.url}](${s.url}/metadata)${s.exposed ? ' — reachable from the network' : ''}`).join('\n\n'));
      md.appendMarkdown('\n\nClick to stop a server.');
      this.item.tooltip = md;
      this.item.backgroundColor = all.some((s) => s.exposed) ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
      this.item.show();
    }
    this.changed.fire(all);
  }

  dispose(): void {
    const all = this.list();
    this.servers.clear();
    for (const s of all) { void s.handle.stop(); }
    this.item.dispose();
    this.output.dispose();
    this.changed.dispose();
  }
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
