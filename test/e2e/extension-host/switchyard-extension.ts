import * as vscode from 'vscode';
import type { SwitchyardApi } from '../../../extension/extension';
import { ControlClient } from '../../../extension/control-client';

export const extensionId = 'switchyard.switchyard';

/** The extension under test, activated; its API (what `activate` returned). */
export async function switchyard(): Promise<{ extension: vscode.Extension<SwitchyardApi>; api: SwitchyardApi }> {
  const extension = vscode.extensions.getExtension<SwitchyardApi>(extensionId);
  if (extension === undefined) throw new Error(`${extensionId} is not installed in this extension host.`);
  const api = extension.isActive ? extension.exports : await extension.activate();
  return { extension, api };
}

/** Polls until `condition` holds; fails with `what` after the timeout. */
export async function until<T>(what: string, condition: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the extension's proxy runs; a control client of its own, with the shared token. */
export async function runningProxy(api: SwitchyardApi): Promise<ControlClient> {
  await until('the proxy to run', () => api.proxy.status.state === 'running', 20_000);
  const client = api.proxy.client;
  if (client === undefined) throw new Error('running without a client');
  return client;
}
