import type { SwitchyardCommand } from '../services';

/** "Switchyard: Show Proxy Log": the "Switchyard" output channel (the proxy's log, live). */
export const showProxyLogCommand: SwitchyardCommand = {
  id: 'switchyard.showProxyLog',
  run(services): void {
    services.output.show(true);
  },
};
