import * as vscode from 'vscode';
import type { SwitchyardCommand } from '../services';
import { ensureConfigFile } from '../settings';

/** The file names package.json's `jsonValidation` gives Switchyard's schema. */
const validatedNames = /([\\/]switchyard[\\/]config\.json|[\\/]switchyard\.switchyard[\\/]config\.json|\.switchyard\.json)$/;

/**
 * "Switchyard: Open Config File": the proxy's config file in VS Code's own JSON editor, which
 * validates it against the published schema: completion, hover and problems in the Problems
 * view. A file under another name (`switchyard.configPath`) is given the schema through the
 * user setting `json.schemas`, once. Saving it reloads the proxy. Resolves with the file path.
 */
export const openConfigFileCommand: SwitchyardCommand = {
  id: 'switchyard.openConfigFile',
  async run(services): Promise<string> {
    const file = services.settings().configFile;
    ensureConfigFile(file);
    if (!validatedNames.test(file)) await associateSchema(services.context.extensionUri, file, services.log);
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    if (document.languageId !== 'jsonc' && document.languageId !== 'json') await vscode.languages.setTextDocumentLanguage(document, 'json');
    await vscode.window.showTextDocument(document, { preview: false });
    return file;
  },
};

interface SchemaAssociation {
  fileMatch?: string[];
  url?: string;
}

async function associateSchema(extensionUri: vscode.Uri, file: string, log: (line: string) => void): Promise<void> {
  const configuration = vscode.workspace.getConfiguration('json');
  const schemas = configuration.get<SchemaAssociation[]>('schemas') ?? [];
  const fileMatch = vscode.Uri.file(file).toString();
  if (schemas.some((schema) => schema.fileMatch?.includes(fileMatch))) return;
  const url = vscode.Uri.joinPath(extensionUri, 'schema', 'switchyard.schema.json').toString();
  try {
    await configuration.update('schemas', [...schemas, { fileMatch: [fileMatch], url }], vscode.ConfigurationTarget.Global);
    log(`associated ${file} with Switchyard's config schema (json.schemas)`);
  } catch (error) {
    log(`could not associate ${file} with the config schema: ${(error as Error).message}`);
  }
}
