import * as vscode from 'vscode';
import type { ProviderInfo } from '../../proxy/control/protocol';
import type { SwitchyardCommand } from '../services';
import { optionalText, pickProvider, providerById } from './pick-provider';

/**
 * "Switchyard: Remove Provider Key": deletes the key from the keychain and from the proxy's
 * memory. Takes the provider id as an argument (then it asks no confirmation); resolves with
 * the provider as the proxy now sees it.
 */
export const removeProviderKeyCommand: SwitchyardCommand = {
  id: 'switchyard.removeProviderKey',
  async run(services, providerArgument?: unknown): Promise<ProviderInfo | undefined> {
    const givenProvider = optionalText(providerArgument, 'provider id');
    const client = await services.proxy.ready();
    const provider =
      givenProvider !== undefined
        ? await providerById(client, givenProvider)
        : await pickProvider(client, {
            title: 'Switchyard: Remove Provider Key',
            filter: (candidate) => candidate.keySource === 'control',
            emptyMessage: 'No provider key is stored in the keychain.',
          });
    if (provider === undefined) return undefined;
    if (givenProvider === undefined) {
      const confirmed = await vscode.window.showWarningMessage(
        `Remove the ${provider.id} key ${provider.keyHint ?? ''} from the keychain and the proxy?`,
        { modal: true },
        'Remove',
      );
      if (confirmed !== 'Remove') return undefined;
    }
    await services.secrets.removeProviderKey(provider.id);
    const updated = await client.removeProviderKey(provider.id);
    services.log(`removed the ${provider.id} key from the keychain and the proxy`);
    if (givenProvider === undefined) {
      const remaining = updated.keySource === 'environment' ? ` The proxy still uses ${updated.keyHint ?? 'a key'} from ${updated.apiKeyEnv.join(' or ')}.` : '';
      void vscode.window.showInformationMessage(`Removed the ${provider.id} key.${remaining}`);
    }
    return updated;
  },
};
