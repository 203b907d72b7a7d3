import type { SwitchyardCommand } from '../services';
import { optionalText } from './pick-provider';

/** "Switchyard: Open Panel", optionally on one request's detail (the sidebar passes its id). */
export const openPanelCommand: SwitchyardCommand = {
  id: 'switchyard.openPanel',
  async run(services, requestArgument?: unknown): Promise<void> {
    await services.openPanel(optionalText(requestArgument, 'request id'));
  },
};
