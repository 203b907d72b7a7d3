import * as vscode from 'vscode';
import type { ExtensionServices } from './services';
import { updateTerminalEnvironment } from './terminal-environment';
import { workspaceKey } from './workspace-key';

/**
 * Applies `switchyard.*` setting changes without a reload: a new port or config file moves to
 * another proxy, `keepRunning` is told to the running one, the local-key requirement is handed
 * over, and the terminal environment follows.
 */
export function watchSettingChanges(services: ExtensionServices): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (!event.affectsConfiguration('switchyard')) return;
    const settings = services.settings();
    if (event.affectsConfiguration('switchyard.teamProxyUrl')) {
      services.log(settings.teamProxyUrl === '' ? 'settings changed: back to the local proxy' : `settings changed: moving to the team proxy ${settings.teamProxyUrl}`);
      void services.proxy.reconnect();
    } else if (event.affectsConfiguration('switchyard.port') || event.affectsConfiguration('switchyard.configPath')) {
      services.log(`settings changed: moving to port ${settings.port} with ${settings.configFile}`);
      void services.proxy.reconnect();
    } else if (event.affectsConfiguration('switchyard.keepRunning')) {
      void services.proxy.applyKeepRunning(settings.keepRunning);
    }
    if (event.affectsConfiguration('switchyard.requireLocalKey')) void handOverLocalKey(services, settings.requireLocalKey);
    void refreshTerminalEnvironment(services);
  });
}

/** Keeps the terminals' variables in line with the settings and the local key. */
export async function refreshTerminalEnvironment(services: ExtensionServices): Promise<void> {
  let key: string | undefined;
  // A workspace key is made on the local proxy; on a team proxy the user's access key serves.
  if (services.settings().injectTerminalEnvironment && services.settings().teamProxyUrl === '') {
    try {
      key = await workspaceKey(services.proxy.client, services.context.secrets, services.log);
    } catch (error) {
      // An older proxy without named keys, or one not ready: the local key (if any) serves.
      services.log(`no workspace access key for the terminals: ${(error as Error).message}`);
    }
  }
  try {
    await updateTerminalEnvironment(services.context.environmentVariableCollection, services.settings(), services.secrets, key);
  } catch (error) {
    services.log(`could not update the terminal environment: ${(error as Error).message}`);
  }
}

async function handOverLocalKey(services: ExtensionServices, required: boolean): Promise<void> {
  const client = services.proxy.client;
  // A team proxy's accepted keys are its admin's, not this window's to hand over.
  if (client === undefined || services.proxy.status.team !== undefined) return;
  try {
    if (required) await client.setClientKey(await services.secrets.localKey());
    else await client.removeClientKey();
  } catch (error) {
    services.log(`could not change the local key requirement: ${(error as Error).message}`);
  }
}
