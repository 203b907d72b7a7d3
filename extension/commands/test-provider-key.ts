import * as vscode from 'vscode';
import type { ProviderTestResult } from '../../proxy/control/protocol';
import type { SwitchyardCommand } from '../services';
import { optionalText, pickProvider } from './pick-provider';

/**
 * "Switchyard: Test Provider Key": one cheap authenticated call to the provider (its model
 * list) with the key in force. Takes the provider id as an argument; resolves with the result.
 */
export const testProviderKeyCommand: SwitchyardCommand = {
  id: 'switchyard.testProviderKey',
  async run(services, providerArgument?: unknown): Promise<ProviderTestResult | undefined> {
    const givenProvider = optionalText(providerArgument, 'provider id');
    const client = await services.proxy.ready();
    const providerId =
      givenProvider ??
      (
        await pickProvider(client, {
          title: 'Switchyard: Test Provider Key',
          filter: (provider) => provider.keySource !== 'none',
          emptyMessage: 'No provider has a key yet. Run "Switchyard: Set Provider Key" first.',
        })
      )?.id;
    if (providerId === undefined) return undefined;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Testing the ${providerId} key…` },
      () => client.testProvider(providerId),
    );
    services.log(`key test for ${providerId}: ${result.message}`);
    if (result.ok) void vscode.window.showInformationMessage(result.message);
    else void vscode.window.showErrorMessage(result.message);
    return result;
  },
};
