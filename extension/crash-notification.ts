import * as vscode from 'vscode';
import type { ProxyCrash } from './proxy-process';

/**
 * Tells the user the proxy crashed and why (the exit and its last output), with the way out:
 * the log, or a manual start once it stopped restarting by itself.
 */
export async function showCrashNotification(crash: ProxyCrash, actions: { showLog(): void; start(): Thenable<unknown> }): Promise<void> {
  const output = crash.lastOutput.length > 0 ? ` Last output: ${crash.lastOutput[crash.lastOutput.length - 1]}` : '';
  const message = `Switchyard proxy crashed. ${crash.reason}${output}${crash.restarting ? ' Restarting it…' : ''}`;
  const choice = crash.restarting
    ? await vscode.window.showWarningMessage(message, 'Show Log')
    : await vscode.window.showErrorMessage(message, 'Start Proxy', 'Show Log');
  if (choice === 'Show Log') actions.showLog();
  else if (choice === 'Start Proxy') await actions.start();
}
