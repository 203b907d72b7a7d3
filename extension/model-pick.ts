import * as vscode from 'vscode';
import type { ControlClient } from './control-client';
import { curateModels, describePrice, hiddenProviders } from './model-catalog';

type ModelItem = vscode.QuickPickItem & { model?: string; showAll?: boolean };

/**
 * A curated single-model picker (the rules editor's targets): chat models grouped by provider,
 * providers with a key first and newest first, with list prices; "Show all providers" adds
 * those without a key. Resolves with `provider/model`, or undefined when dismissed.
 */
export async function pickModel(client: Pick<ControlClient, 'models'>, options: { title: string; current?: string }): Promise<string | undefined> {
  const { models } = await client.models(true);
  const hidden = hiddenProviders(models);
  for (let showAll = false; ; showAll = true) {
    const items: ModelItem[] = [];
    for (const group of curateModels(models.filter((model) => !model.disabled), { showAll, chatOnly: true })) {
      items.push({ label: group.keyed ? group.provider : `${group.provider} (no key)`, kind: vscode.QuickPickItemKind.Separator });
      for (const model of group.models) items.push({ label: model.id, description: model.id === options.current ? 'current' : describePrice(model), model: model.id });
    }
    if (!showAll && hidden.length > 0) items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, { label: '$(eye) Show all providers', description: `also ${hidden.join(', ')} (no key)`, showAll: true });
    if (items.length === 0) {
      void vscode.window.showInformationMessage('Switchyard knows no models yet: set a provider key first.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(items, { title: options.title, placeHolder: 'A provider/model for this target', matchOnDescription: true });
    if (picked?.showAll !== true) return picked?.model;
  }
}
