import * as vscode from 'vscode';
import type { ProxyManager } from './proxy-process';
import type { Secrets } from './secrets';
import { Signal } from './signal';

/**
 * What a new user has done so far — keys set, a first request seen — read from the proxy when
 * it connects, when keys change and when requests finish. Sets the `when`-clause contexts the
 * walkthrough completes its steps on (`switchyard.hasProviderKey`, `switchyard.hasRequests`)
 * and tells the status bar which keys are missing.
 */
export class SetupContext implements vscode.Disposable {
  readonly onDidChange = new Signal<void>();
  /** Providers with a key in force; undefined while not known. */
  providersWithKeys: string[] | undefined;
  hasRequests = false;
  private readonly subscriptions: Array<{ dispose(): void }> = [];

  constructor(
    private readonly proxy: ProxyManager,
    secrets: Secrets,
  ) {
    this.subscriptions.push(
      proxy.onDidConnect.on(() => void this.refresh(true)),
      secrets.onDidChange(() => void this.refresh(false)),
      proxy.onEvent.on((event) => {
        if (event.type === 'request' && !this.hasRequests) {
          this.hasRequests = true;
          void vscode.commands.executeCommand('setContext', 'switchyard.hasRequests', true);
          this.onDidChange.fire();
        }
      }),
    );
  }

  /** Reads the keys (and, on connect, whether any request was ever recorded) from the proxy. */
  async refresh(readRequests: boolean): Promise<void> {
    const client = this.proxy.client;
    if (client === undefined) return;
    try {
      const { providers } = await client.providers();
      this.providersWithKeys = providers.filter((provider) => provider.keySource !== 'none').map((provider) => provider.id);
      if (readRequests && !this.hasRequests) this.hasRequests = (await client.requests(1)).records.length > 0;
    } catch {
      return;
    }
    void vscode.commands.executeCommand('setContext', 'switchyard.hasProviderKey', this.providersWithKeys.length > 0);
    void vscode.commands.executeCommand('setContext', 'switchyard.hasRequests', this.hasRequests);
    this.onDidChange.fire();
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
