import * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import { pickModel } from '../model-pick';
import { createNonce, panelHtml } from './html';
import { PanelRelay } from './relay';
import { replayCall } from '../replay';
import type { CallContent, ReplayAnswer } from '../../webview/protocol';

/**
 * The one Switchyard panel (a WebviewPanel, `switchyard.panel`). It keeps its state when hidden
 * (`retainContextWhenHidden`: the request table is expensive to rebuild), loads only the
 * extension's `dist` folder, and gets everything through the host relay.
 */
export class SwitchyardPanel implements vscode.Disposable {
  static readonly viewType = 'switchyard.panel';
  private static current: SwitchyardPanel | undefined;

  private readonly relay: PanelRelay;
  private readonly subscriptions: vscode.Disposable[] = [];

  /** Opens the panel, or reveals it, on a request's detail when given. */
  static show(services: ExtensionServices, requestId?: string): void {
    const panel = (SwitchyardPanel.current ??= new SwitchyardPanel(services));
    panel.panel.reveal(undefined, false);
    if (requestId !== undefined) panel.relay.showRequest(requestId);
  }

  private readonly panel: vscode.WebviewPanel;

  private constructor(services: ExtensionServices) {
    const dist = vscode.Uri.joinPath(services.context.extensionUri, 'dist');
    this.panel = vscode.window.createWebviewPanel(
      SwitchyardPanel.viewType,
      'Switchyard',
      vscode.ViewColumn.Active,
      { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [dist] },
    );
    this.panel.iconPath = vscode.Uri.joinPath(services.context.extensionUri, 'media', 'switchyard.svg');
    const webview = this.panel.webview;
    const proxy = services.proxy;
    this.relay = new PanelRelay({
      client: () => proxy.client,
      status: () => proxy.status,
      post: (message) => void webview.postMessage(message),
      log: (line) => services.log(line),
      replay: (content) => replayWithPick(services, content),
      runCommand: (command) => void vscode.commands.executeCommand(command),
      pickModel: async (current) => pickModel(await proxy.ready(), { title: 'Switchyard: Choose a Target', current }),
    });
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: createNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUris: [
        webview.asWebviewUri(vscode.Uri.joinPath(dist, 'codicons', 'codicon.css')).toString(),
        webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      ],
    });
    this.subscriptions.push(
      webview.onDidReceiveMessage((message: unknown) => void this.relay.receive(message)),
      proxy.onDidChangeStatus.on((status) => this.relay.status(status)),
      proxy.onDidConnect.on(() => void this.relay.connected()),
      proxy.onEvent.on((event) => void this.relay.event(event)),
      services.secrets.onDidChange(() => void this.relay.keysChanged()),
      this.panel.onDidDispose(() => this.dispose()),
    );
    services.context.subscriptions.push(this);
  }

  dispose(): void {
    if (SwitchyardPanel.current === this) SwitchyardPanel.current = undefined;
    this.relay.dispose();
    for (const subscription of this.subscriptions.splice(0)) subscription.dispose();
    this.panel.dispose();
  }
}

/** Asks which model or route to replay a request with, then sends it through the proxy. */
async function replayWithPick(services: ExtensionServices, content: CallContent): Promise<ReplayAnswer | undefined> {
  const client = await services.proxy.ready();
  const { routes, models } = await client.models();
  const served = content.target === undefined ? undefined : `${content.target.provider}/${content.target.model}`;
  const items: vscode.QuickPickItem[] = [
    { label: 'Routes and aliases', kind: vscode.QuickPickItemKind.Separator },
    ...routes.map((name) => ({ label: name })),
    { label: 'Models', kind: vscode.QuickPickItemKind.Separator },
    ...models.filter((model) => !model.disabled && model.id !== served).map((model) => ({ label: model.id })),
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Switchyard: Replay with…', placeHolder: `Send this request again to another model (it went to ${served ?? 'no model'})` });
  if (picked === undefined) return undefined;
  const accessKey = services.settings().requireLocalKey ? await services.secrets.localKey() : undefined;
  return replayCall(client.port, accessKey, content, picked.label);
}
