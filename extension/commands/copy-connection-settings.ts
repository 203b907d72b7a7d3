import * as vscode from 'vscode';
import { connectionSettings, connectionSettingsText } from '../connection-settings';
import { keyHint } from '../secrets';
import type { SwitchyardCommand } from '../services';

/**
 * "Switchyard: Copy Connection Settings": base URLs for OpenAI-style and Anthropic-style tools,
 * the local key, and ready-made env lines for Claude Code and Codex CLI, on the clipboard.
 * Resolves with the text copied.
 */
export const copyConnectionSettingsCommand: SwitchyardCommand = {
  id: 'switchyard.copyConnectionSettings',
  async run(services): Promise<string> {
    const settings = services.settings();
    const localKey = settings.requireLocalKey ? await services.secrets.localKey() : undefined;
    const text = connectionSettingsText(connectionSettings(settings.port, localKey));
    try {
      await vscode.env.clipboard.writeText(text);
    } catch (error) {
      // A browser-hosted VS Code may be denied the clipboard: show the text to copy by hand.
      services.log(`the clipboard refused the connection settings (${(error as Error).message}); opened them in an editor`);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: text, language: 'properties' }));
      return text;
    }
    void vscode.window.showInformationMessage(
      localKey === undefined ? 'Copied the Switchyard connection settings.' : `Copied the Switchyard connection settings, with the local key ${keyHint(localKey)}.`,
    );
    return text;
  },
};
