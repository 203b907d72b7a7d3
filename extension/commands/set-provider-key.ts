import * as vscode from 'vscode';
import type { ProviderInfo } from '../../proxy/control/protocol';
import { keyHint } from '../secrets';
import type { SwitchyardCommand } from '../services';
import { optionalText, pickProvider, providerById } from './pick-provider';

/**
 * "Switchyard: Set Provider Key": pick a provider, type its key in a masked box; the key goes
 * to the keychain and to the running proxy, and the user may test it at once. With arguments
 * (`providerId`, `key`) it runs without any UI and resolves with the provider as the proxy now
 * sees it (only the key's last four characters).
 */
export const setProviderKeyCommand: SwitchyardCommand = {
  id: 'switchyard.setProviderKey',
  async run(services, providerArgument?: unknown, keyArgument?: unknown): Promise<ProviderInfo | undefined> {
    const givenProvider = optionalText(providerArgument, 'provider id');
    const givenKey = optionalText(keyArgument, 'key');
    const interactive = givenKey === undefined;
    const client = await services.proxy.ready();
    const provider =
      givenProvider !== undefined
        ? await providerById(client, givenProvider)
        : await pickProvider(client, { title: 'Switchyard: Set Provider Key', emptyMessage: 'Every provider Switchyard knows runs without a key.' });
    if (provider === undefined) return undefined;
    const key =
      givenKey ??
      (await vscode.window.showInputBox({
        title: `Switchyard: ${provider.id} API key`,
        prompt: `Stored in your OS keychain and given to the local proxy only. ${provider.keyHint ? `Replaces the key ${provider.keyHint}.` : ''}`,
        password: true,
        ignoreFocusOut: true,
        validateInput: (value) => (value.trim() === '' ? 'Enter the key, or press Escape to cancel.' : undefined),
      }))?.trim();
    if (key === undefined || key === '') return undefined;
    await services.secrets.setProviderKey(provider.id, key);
    const updated = await client.setProviderKey(provider.id, key);
    services.log(`stored the ${provider.id} key ${keyHint(key)} in the keychain and gave it to the proxy`);
    if (interactive) {
      const choice = await vscode.window.showInformationMessage(`Stored the ${provider.id} key ${keyHint(key)}.`, 'Test Key');
      if (choice === 'Test Key') await vscode.commands.executeCommand('switchyard.testProviderKey', provider.id);
    }
    return updated;
  },
};
