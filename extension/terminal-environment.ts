import type * as vscode from 'vscode';
import { terminalEnvironment } from './connection-settings';
import { toolConnection } from './tool-connection';
import type { Secrets } from './secrets';
import type { SwitchyardSettings } from './settings';

/**
 * Gives new integrated terminals `ANTHROPIC_BASE_URL`, `OPENAI_BASE_URL` and a key as
 * `ANTHROPIC_API_KEY` / `OPENAI_API_KEY`, so `claude` and `codex` started there go through
 * Switchyard: the workspace's own named key when there is one (spend shows per project), else the
 * local key when the proxy requires it. Only while `switchyard.injectTerminalEnvironment` is on;
 * not persisted, so a window that no longer runs the extension leaves terminals alone.
 */
export async function updateTerminalEnvironment(
  collection: vscode.GlobalEnvironmentVariableCollection,
  settings: SwitchyardSettings,
  secrets: Secrets,
  workspaceKey?: string,
): Promise<void> {
  collection.persistent = false;
  if (!settings.injectTerminalEnvironment) {
    collection.clear();
    return;
  }
  const connection = await toolConnection(settings, secrets);
  // On a team proxy the user's access key names the caller; a workspace key is the local proxy's.
  const environment = terminalEnvironment(connection.team === undefined && workspaceKey !== undefined ? { ...connection, localKey: workspaceKey } : connection);
  collection.clear();
  for (const [name, value] of Object.entries(environment)) collection.replace(name, value);
  collection.description =
    connection.team === undefined ? `Switchyard: AI tools in this terminal use the local proxy on port ${settings.port}` : `Switchyard: AI tools in this terminal use the team proxy ${connection.team}`;
}
