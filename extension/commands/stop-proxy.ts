import type { ProxyStatus } from '../../webview/protocol';
import type { SwitchyardCommand } from '../services';

/** "Switchyard: Stop Proxy": stops it for every window (other windows will not restart it). */
export const stopProxyCommand: SwitchyardCommand = {
  id: 'switchyard.stopProxy',
  async run(services): Promise<ProxyStatus> {
    await services.proxy.stop();
    return services.proxy.status;
  },
};
