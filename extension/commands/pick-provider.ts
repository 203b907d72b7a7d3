import * as vscode from 'vscode';
import type { ProviderInfo } from '../../proxy/control/protocol';
import type { ControlClient } from '../control-client';

const sourceLabels: Readonly<Record<ProviderInfo['keySource'], string>> = {
  control: 'key in the keychain',
  environment: 'key from the environment',
  none: 'no key',
};

/**
 * A quick pick of the proxy's providers (`GET /providers`), each with its key's last four
 * characters and where the key comes from. Undefined when the user cancels.
 */
export async function pickProvider(
  client: ControlClient,
  options: { title: string; filter?: (provider: ProviderInfo) => boolean; emptyMessage: string },
): Promise<ProviderInfo | undefined> {
  const { providers } = await client.providers();
  const candidates = providers.filter((provider) => provider.keyRequired && (options.filter?.(provider) ?? true));
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(options.emptyMessage);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    candidates.map((provider) => ({
      label: provider.id,
      description: provider.keyHint ? `${sourceLabels[provider.keySource]} ${provider.keyHint}` : sourceLabels[provider.keySource],
      detail: provider.baseUrl,
      provider,
    })),
    { title: options.title, placeHolder: 'Provider', matchOnDescription: true },
  );
  return picked?.provider;
}

/** The provider named by a command argument, or an error naming the ones that exist. */
export async function providerById(client: ControlClient, id: string): Promise<ProviderInfo> {
  const { providers } = await client.providers();
  const provider = providers.find((candidate) => candidate.id === id);
  if (provider === undefined) {
    throw new Error(`Switchyard has no provider "${id}". Known providers: ${providers.map((candidate) => candidate.id).join(', ')}.`);
  }
  return provider;
}

/** A command argument that must be a non-empty string when given. */
export function optionalText(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`The ${name} must be a non-empty string.`);
  return value.trim();
}
