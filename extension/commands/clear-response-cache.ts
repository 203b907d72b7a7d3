import * as vscode from 'vscode';
import type { SwitchyardCommand } from '../services';

/**
 * "Switchyard: Clear Response Cache": deletes every answer the response cache holds, so the
 * next call of each request reaches its provider again. Resolves with how many were deleted.
 */
export const clearResponseCacheCommand: SwitchyardCommand = {
  id: 'switchyard.clearResponseCache',
  async run(services): Promise<number> {
    const client = await services.proxy.ready();
    const { cleared } = await client.clearResponseCache();
    services.log(`response cache cleared: ${cleared} entries`);
    void vscode.window.showInformationMessage(cleared === 1 ? 'Switchyard: 1 cached answer deleted.' : `Switchyard: ${cleared} cached answers deleted.`);
    return cleared;
  },
};
