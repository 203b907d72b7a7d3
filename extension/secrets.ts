import { randomBytes } from 'node:crypto';
import type * as vscode from 'vscode';
import type { ControlClient } from './control-client';
import { teamProxyLabel } from './team-proxy';

const providerPrefix = 'switchyard.provider.';
const localKeyName = 'switchyard.localKey';
const teamKeyPrefix = 'switchyard.teamKey.';

/**
 * Provider keys, the local access key and team proxies' access keys, in VS Code's SecretStorage (the OS keychain). They
 * leave it only to reach the proxy over its authenticated control API, which keeps them in
 * memory; nothing here logs them or writes them anywhere else.
 */
export class Secrets {
  private localKeyPromise: Promise<string> | undefined;

  constructor(private readonly storage: vscode.SecretStorage) {}

  providerKey(providerId: string): Thenable<string | undefined> {
    return this.storage.get(providerPrefix + providerId);
  }

  async setProviderKey(providerId: string, key: string): Promise<void> {
    await this.storage.store(providerPrefix + providerId, key);
  }

  async removeProviderKey(providerId: string): Promise<void> {
    await this.storage.delete(providerPrefix + providerId);
  }

  /** The local key clients send to the proxy: generated once (`sy-<random>`) and kept. */
  localKey(): Promise<string> {
    this.localKeyPromise ??= this.loadOrCreateLocalKey().catch((error: unknown) => {
      this.localKeyPromise = undefined;
      throw error;
    });
    return this.localKeyPromise;
  }

  /** The access key for a team proxy (by its base URL), as "Connect to Team Proxy" stored it. */
  async teamKey(url: URL): Promise<string | undefined> {
    const key = await this.storage.get(teamKeyPrefix + teamProxyLabel(url));
    return key === '' ? undefined : key;
  }

  async setTeamKey(url: URL, key: string): Promise<void> {
    await this.storage.store(teamKeyPrefix + teamProxyLabel(url), key);
  }

  async removeTeamKey(url: URL): Promise<void> {
    await this.storage.delete(teamKeyPrefix + teamProxyLabel(url));
  }

  /** Whether the local key was made already: Switchyard ran here before. */
  async hasLocalKey(): Promise<boolean> {
    const existing = await this.storage.get(localKeyName);
    return existing !== undefined && existing !== '';
  }

  /** Another window may have created it first: the keychain is shared, so read it again. */
  onDidChange(listener: () => void): vscode.Disposable {
    return this.storage.onDidChange((event) => {
      if (event.key === localKeyName) this.localKeyPromise = undefined;
      listener();
    });
  }

  /**
   * Hands every stored provider key to the proxy, and the local key when clients must send one
   * (else removes it, so a window that turned the requirement off is obeyed).
   */
  async pushTo(client: ControlClient, requireLocalKey: boolean): Promise<{ providers: string[] }> {
    const { providers } = await client.providers();
    const pushed: string[] = [];
    for (const provider of providers) {
      const key = await this.providerKey(provider.id);
      if (key === undefined || key === '') continue;
      await client.setProviderKey(provider.id, key);
      pushed.push(provider.id);
    }
    if (requireLocalKey) await client.setClientKey(await this.localKey());
    else await client.removeClientKey();
    return { providers: pushed };
  }

  private async loadOrCreateLocalKey(): Promise<string> {
    const existing = await this.storage.get(localKeyName);
    if (existing !== undefined && existing !== '') return existing;
    const key = `sy-${randomBytes(24).toString('base64url')}`;
    await this.storage.store(localKeyName, key);
    return key;
  }
}

/** How a key may be shown: its last four characters only. */
export function keyHint(key: string): string {
  return `…${key.slice(-4)}`;
}
