import * as vscode from 'vscode';
import type { KnownModel } from '../../proxy/control/protocol';
import { disabledModelsOf, nextDisabledModels } from '../disabled-models';
import { curateModels, describePrice, hiddenProviders } from '../model-catalog';
import type { SwitchyardCommand } from '../services';
import { updateConfig } from './save-config';

/**
 * "Switchyard: Toggle Models": a multi-select quick pick of the models the proxy knows, curated
 * (grouped by provider, providers with a key first, newest first, legacy names out), ticked
 * when enabled. Unticked models go into the config's `disabledModels`: requests for them are
 * refused and routes skip them. Takes the full `disabledModels` list as an argument instead;
 * resolves with the list saved.
 */
export const toggleModelsCommand: SwitchyardCommand = {
  id: 'switchyard.toggleModels',
  async run(services, disabledArgument?: unknown): Promise<string[] | undefined> {
    if (disabledArgument !== undefined && !(Array.isArray(disabledArgument) && disabledArgument.every((entry) => typeof entry === 'string'))) {
      throw new Error('switchyard.toggleModels takes the list of disabled models, as `provider/model` strings or globs.');
    }
    const client = await services.proxy.ready();
    let disabled: string[];
    if (disabledArgument !== undefined) {
      disabled = [...new Set(disabledArgument as string[])];
    } else {
      const { models } = await client.models(true);
      if (models.length === 0) {
        void vscode.window.showInformationMessage('Switchyard knows no models yet: set a provider key or add models to the config.');
        return undefined;
      }
      const chosen = await pickModels(models);
      if (chosen === undefined) return undefined;
      const { config } = await client.config();
      disabled = nextDisabledModels(disabledModelsOf(config), chosen.listed, chosen.enabled);
    }
    await updateConfig(client, (config) => {
      if (disabled.length === 0) delete config.disabledModels;
      else config.disabledModels = disabled;
      return config;
    });
    services.log(`disabled models: ${disabled.length === 0 ? 'none' : disabled.join(', ')}`);
    if (disabledArgument === undefined) {
      void vscode.window.showInformationMessage(disabled.length === 0 ? 'All models are enabled.' : `Disabled ${disabled.length} model${disabled.length === 1 ? '' : 's'}.`);
    }
    return disabled;
  },
};

type ModelItem = vscode.QuickPickItem & { model?: KnownModel };

/**
 * The curated multi-select: providers with a key first, each model newest first with its list
 * price; a title button shows the providers without a key too. Resolves with the models shown
 * (only those can change) and the ticked ones, or undefined when dismissed.
 */
function pickModels(models: readonly KnownModel[]): Promise<{ listed: string[]; enabled: Set<string> } | undefined> {
  const pick = vscode.window.createQuickPick<ModelItem>();
  pick.title = 'Switchyard: Toggle Models';
  pick.placeholder = 'Ticked models are enabled; untick a model to refuse it and route around it';
  pick.canSelectMany = true;
  pick.matchOnDescription = true;
  const hidden = hiddenProviders(models);
  const showAllButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('eye'), tooltip: `Show all providers (also ${hidden.join(', ')}, which have no key)` };
  let showAll = false;
  const ticked = new Set(models.filter((model) => !model.disabled).map((model) => model.id));
  const render = (): void => {
    for (const item of pick.items) if (item.model) ticked.delete(item.model.id);
    for (const item of pick.selectedItems) if (item.model) ticked.add(item.model.id);
    const items: ModelItem[] = [];
    for (const group of curateModels(models, { showAll })) {
      items.push({ label: group.keyed ? group.provider : `${group.provider} (no key)`, kind: vscode.QuickPickItemKind.Separator });
      for (const model of group.models) items.push({ label: model.id, description: describePrice(model), model });
    }
    pick.items = items;
    pick.selectedItems = items.filter((item) => item.model !== undefined && ticked.has(item.model.id));
    pick.buttons = hidden.length > 0 && !showAll ? [showAllButton] : [];
  };
  render();
  return new Promise((resolve) => {
    let settled = false;
    pick.onDidTriggerButton(() => {
      showAll = true;
      render();
    });
    pick.onDidAccept(() => {
      settled = true;
      const listed = pick.items.flatMap((item) => (item.model ? [item.model.id] : []));
      resolve({ listed, enabled: new Set(pick.selectedItems.flatMap((item) => (item.model ? [item.model.id] : []))) });
      pick.hide();
    });
    pick.onDidHide(() => {
      pick.dispose();
      if (!settled) resolve(undefined);
    });
    pick.show();
  });
}
