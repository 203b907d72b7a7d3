import * as vscode from 'vscode';
import type { SwitchyardCommand } from '../services';
import type { KnownModel } from '../../proxy/control/protocol';
import { curateModels, describePrice, hiddenProviders } from '../model-catalog';
import { updateConfig } from './save-config';

/**
 * "Switchyard: Choose Default Route": the route, alias or `provider/model` that every request
 * no rule matched takes (unless the client named a route itself), or None. Takes the route as
 * an argument (`null` or `''` for None); resolves with the saved value (undefined for None).
 */
export const chooseDefaultRouteCommand: SwitchyardCommand = {
  id: 'switchyard.chooseDefaultRoute',
  async run(services, routeArgument?: unknown): Promise<string | undefined> {
    if (routeArgument !== undefined && routeArgument !== null && typeof routeArgument !== 'string') {
      throw new Error('switchyard.chooseDefaultRoute takes a route name, alias or provider/model, or null for none.');
    }
    const client = await services.proxy.ready();
    let route: string | undefined;
    if (routeArgument !== undefined) {
      route = typeof routeArgument === 'string' && routeArgument.trim() !== '' ? routeArgument.trim() : undefined;
    } else {
      const { routes, models, defaultRoute } = await client.models(true);
      const picked = await pickRoute(routes, models, defaultRoute);
      if (picked === undefined) return undefined;
      route = picked.route;
    }
    await updateConfig(client, (config) => {
      if (route === undefined) delete config.defaultRoute;
      else config.defaultRoute = route;
      return config;
    });
    services.log(`default route: ${route ?? 'none'}`);
    if (routeArgument === undefined) void vscode.window.showInformationMessage(route === undefined ? 'No default route.' : `Default route: ${route}.`);
    return route;
  },
};

type RouteItem = vscode.QuickPickItem & { route?: string; showAll?: boolean };

/**
 * None, the routes and aliases, then the chat models grouped by provider (providers with a key
 * first, newest first); "Show all providers" adds those without a key. Resolves with the item
 * picked, or undefined when dismissed.
 */
async function pickRoute(routes: readonly string[], models: readonly KnownModel[], defaultRoute: string | undefined): Promise<RouteItem | undefined> {
  const current = (route: string | undefined): string | undefined => (route === defaultRoute ? 'current' : undefined);
  const hidden = hiddenProviders(models);
  for (let showAll = false; ; showAll = true) {
    const items: RouteItem[] = [
      { label: 'None', description: defaultRoute === undefined ? 'current' : 'requests go to the model they name' },
      ...(routes.length > 0 ? [{ label: 'Routes and aliases', kind: vscode.QuickPickItemKind.Separator } as RouteItem] : []),
      ...routes.map((name): RouteItem => ({ label: name, description: current(name), route: name })),
    ];
    for (const group of curateModels(models.filter((model) => !model.disabled), { showAll, chatOnly: true })) {
      items.push({ label: group.keyed ? group.provider : `${group.provider} (no key)`, kind: vscode.QuickPickItemKind.Separator });
      for (const model of group.models) items.push({ label: model.id, description: current(model.id) ?? describePrice(model), route: model.id });
    }
    if (!showAll && hidden.length > 0) items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, { label: '$(eye) Show all providers', description: `also ${hidden.join(', ')} (no key)`, showAll: true });
    const picked = await vscode.window.showQuickPick(items, { title: 'Switchyard: Choose Default Route', placeHolder: `Where requests no rule matched go (now: ${defaultRoute ?? 'none'})`, matchOnDescription: true });
    if (picked?.showAll !== true) return picked;
  }
}
