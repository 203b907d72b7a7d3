import * as vscode from 'vscode';
import { connectionSettingsText } from '../connection-settings';
import { toolConnection } from '../tool-connection';
import { keyHint } from '../secrets';
import type { SwitchyardCommand } from '../services';

/**
 * "Switchyard: Copy Connection Settings": base URLs for OpenAI-style and Anthropic-style tools,
 * the local key (on a team proxy: its URL and the user's access key), and ready-made env lines
 * for Claude Code and Codex CLI, on the clipboard.
 * Resolves with the text copied.
 */
export const copyConnectionSettingsCommand: SwitchyardCommand = {
  id: 'switchyard.copyConnectionSettings',
  async run(services): Promise<string> {
    const connection = await toolConnection(services.settings(), services.secrets);
    const localKey = connection.localKey;
    const text = connectionSettingsText(connection);
    try {
      await vscode.env.clipboard.writeText(text);
    } catch (error) {
      // A browser-hosted VS Code may be denied the clipboard: show the text to copy by hand.
      services.log(`the clipboard refused the connection settings (${(error as Error).message}); opened them in an editor`);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: text, language: 'properties' }));
      return text;
    }
    void vscode.window.showInformationMessage(
      connection.team !== undefined
        ? `Copied the settings of the team proxy ${connection.team}${localKey === undefined ? '' : `, with your access key ${keyHint(localKey)}`}.`
        : localKey === undefined
          ? 'Copied the Switchyard connection settings.'
          : `Copied the Switchyard connection settings, with the local key ${keyHint(localKey)}.`,
    );
    return text;
  },
};
