import * as vscode from 'vscode';
import type { SwitchyardCommand } from '../services';
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
      const { routes, models, defaultRoute } = await client.models();
      type RouteItem = vscode.QuickPickItem & { route?: string };
      const current = (route: string | undefined): string | undefined => (route === defaultRoute ? 'current' : undefined);
      const items: RouteItem[] = [
        { label: 'None', description: defaultRoute === undefined ? 'current' : 'requests go to the model they name' },
        { label: 'Routes and aliases', kind: vscode.QuickPickItemKind.Separator },
        ...routes.map((name): RouteItem => ({ label: name, description: current(name), route: name })),
        { label: 'Models', kind: vscode.QuickPickItemKind.Separator },
        ...models.filter((model) => !model.disabled).map((model): RouteItem => ({ label: model.id, description: current(model.id), route: model.id })),
      ];
      const picked = await vscode.window.showQuickPick(items, { title: 'Switchyard: Choose Default Route', placeHolder: `Where requests no rule matched go (now: ${defaultRoute ?? 'none'})` });
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
