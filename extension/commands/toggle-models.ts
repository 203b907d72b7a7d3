import * as vscode from 'vscode';
import type { KnownModel } from '../../proxy/control/protocol';
import { disabledModelsOf, nextDisabledModels } from '../disabled-models';
import type { SwitchyardCommand } from '../services';
import { updateConfig } from './save-config';

/**
 * "Switchyard: Toggle Models": a multi-select quick pick of the models the proxy knows, ticked
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
      const { models } = await client.models();
      if (models.length === 0) {
        void vscode.window.showInformationMessage('Switchyard knows no models yet: set a provider key or add models to the config.');
        return undefined;
      }
      const picked = await vscode.window.showQuickPick(
        models.map((model) => ({ label: model.id, description: price(model), picked: !model.disabled, model })),
        { title: 'Switchyard: Toggle Models', placeHolder: 'Ticked models are enabled; untick a model to refuse it and route around it', canPickMany: true, matchOnDescription: true },
      );
      if (picked === undefined) return undefined;
      const { config } = await client.config();
      disabled = nextDisabledModels(
        disabledModelsOf(config),
        models.map((model) => model.id),
        new Set(picked.map((item) => item.model.id)),
      );
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

function price(model: KnownModel): string | undefined {
  if (model.inputPrice === undefined && model.outputPrice === undefined) return undefined;
  return `$${model.inputPrice ?? '?'} in / $${model.outputPrice ?? '?'} out per 1M tokens`;
}
