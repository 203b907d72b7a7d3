import * as vscode from 'vscode';
import type { SwitchyardCommand } from '../services';
import { ensureConfigFile } from '../settings';

/**
 * "Switchyard: Open Config File": the proxy's config file in VS Code's own JSON editor, which
 * validates it against the published schema (`contributes.jsonValidation`): completion, hover
 * and problems in the Problems view. Saving it reloads the proxy. Resolves with the file path.
 */
export const openConfigFileCommand: SwitchyardCommand = {
  id: 'switchyard.openConfigFile',
  async run(services): Promise<string> {
    const file = services.settings().configFile;
    ensureConfigFile(file);
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    if (document.languageId !== 'jsonc' && document.languageId !== 'json') await vscode.languages.setTextDocumentLanguage(document, 'json');
    await vscode.window.showTextDocument(document, { preview: false });
    return file;
  },
};
