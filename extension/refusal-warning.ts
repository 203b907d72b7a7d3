import * as vscode from 'vscode';
import type { DoorRefusalNotice } from '../proxy/control/protocol';
import type { ExtensionServices } from './services';

/**
 * Tells the user, once per kind in a window, that a tool is being turned away at the door
 * (usually: set up without the local key), with the button that fixes it. The panel keeps a
 * notice with the running count; this is for when the panel is not open.
 */
export class RefusalWarning {
  private readonly warned = new Set<string>();

  constructor(private readonly services: ExtensionServices) {}

  show(notice: DoorRefusalNotice): void {
    if (this.warned.has(notice.reason)) return;
    this.warned.add(notice.reason);
    const from = notice.userAgent === undefined ? '' : ` (user agent ${notice.userAgent})`;
    const keyProblem = notice.reason !== 'host-or-origin';
    const actions = keyProblem ? ['Copy Connection Settings', 'Open Panel'] : ['Open Panel'];
    void vscode.window
      .showWarningMessage(`Switchyard refused ${notice.count === 1 ? 'a call' : `${notice.count} calls`}: ${notice.label}${from}. ${keyProblem ? 'The tool must send the local key as its API key.' : notice.fix}`, ...actions)
      .then((choice) => {
        if (choice === 'Copy Connection Settings') void vscode.commands.executeCommand('switchyard.copyConnectionSettings');
        else if (choice === 'Open Panel') void this.services.openPanel();
      });
  }
}
