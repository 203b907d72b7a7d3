import * as vscode from 'vscode';
import type { ProxyStatus } from '../../webview/protocol';
import type { SwitchyardCommand } from '../services';

/** "Switchyard: Start Proxy": starts it, or attaches to the one running; resolves with the status. */
export const startProxyCommand: SwitchyardCommand = {
  id: 'switchyard.startProxy',
  async run(services): Promise<ProxyStatus> {
    await services.proxy.start();
    const status = services.proxy.status;
    if (status.state !== 'running') void vscode.window.showErrorMessage(`Switchyard could not start the proxy: ${status.detail ?? status.state}`, 'Show Log').then((choice) => choice && services.output.show(true));
    return status;
  },
};
