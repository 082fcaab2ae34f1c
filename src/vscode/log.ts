import * as vscode from 'vscode';

export type Log = Pick<vscode.LogOutputChannel, 'info' | 'warn' | 'error' | 'debug'>;

export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('MLOps', { log: true });
}
