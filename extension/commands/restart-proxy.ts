import * as vscode from 'vscode';
import type { ProxyStatus } from '../../webview/protocol';
import type { SwitchyardCommand } from '../services';

/** "Switchyard: Restart Proxy": a clean stop, then a fresh start (the keys are handed over again). */
export const restartProxyCommand: SwitchyardCommand = {
  id: 'switchyard.restartProxy',
  async run(services): Promise<ProxyStatus> {
    await services.proxy.restart();
    const status = services.proxy.status;
    if (status.state !== 'running') void vscode.window.showErrorMessage(`Switchyard could not restart the proxy: ${status.detail ?? status.state}`);
    return status;
  },
};
