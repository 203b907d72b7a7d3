import type * as vscode from 'vscode';
import { connectionSettings, terminalEnvironment } from './connection-settings';
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
  const localKey = workspaceKey ?? (settings.requireLocalKey ? await secrets.localKey() : undefined);
  const environment = terminalEnvironment(connectionSettings(settings.port, localKey));
  collection.clear();
  for (const [name, value] of Object.entries(environment)) collection.replace(name, value);
  collection.description = `Switchyard: AI tools in this terminal use the local proxy on port ${settings.port}`;
}
