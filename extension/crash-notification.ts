import * as vscode from 'vscode';
import { crashNotificationMessage } from './crash-reason';
import type { ProxyCrash } from './proxy-process';

/**
 * Tells the user the proxy crashed and why (how it ended and the error it printed), with the
 * way out: the log, or a manual start once it stopped restarting by itself.
 */
export async function showCrashNotification(crash: ProxyCrash, actions: { showLog(): void; start(): Thenable<unknown> }): Promise<void> {
  const message = crashNotificationMessage(crash);
  const choice = crash.restarting
    ? await vscode.window.showWarningMessage(message, 'Show Log')
    : await vscode.window.showErrorMessage(message, 'Start Proxy', 'Show Log');
  if (choice === 'Show Log') actions.showLog();
  else if (choice === 'Start Proxy') await actions.start();
}
