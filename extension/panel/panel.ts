import { homedir } from 'node:os';
import * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import { pickModel } from '../model-pick';
import { createNonce, panelHtml } from './html';
import { PanelRelay } from './relay';
import { replayCall } from '../replay';
import { toolConnection } from '../tool-connection';
import type { CallContent, ReplayAnswer, TimeWindow } from '../../webview/protocol';
import type { ExportFormat } from '../../proxy/control/record-export';
import { exportRecords } from './export-records';

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
      exportRecords: (range, filter, auditOn) => exportWithDialogs(services, range, filter, auditOn),
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
  // The same proxy and key as the window's tools: a team proxy with the user's access key, so the
  // replay is the member's own call (its allow-list and budgets apply).
  const connection = await toolConnection(services.settings(), services.secrets);
  return replayCall(client.baseUrl, connection.localKey, content, picked.label);
}

interface FormatChoice extends vscode.QuickPickItem {
  format: ExportFormat;
  withContent: boolean;
}

/**
 * The panel's Export button: which format (with prompts and answers only when the audit log
 * keeps them, and only if picked), where (VS Code's save dialog), then the file, written as it
 * is read. Resolves with what was written, or undefined when the user cancelled.
 */
async function exportWithDialogs(services: ExtensionServices, range: TimeWindow, filter: string, auditOn: boolean): Promise<{ written: number; file: string } | undefined> {
  const choices: FormatChoice[] = [
    { label: 'CSV', description: 'one row per request, for a spreadsheet', format: 'csv', withContent: false },
    { label: 'JSON', description: 'every field of each request, with its routing decision', format: 'json', withContent: false },
  ];
  if (auditOn) {
    choices.push({ label: 'JSON with prompts and answers', description: 'adds what the audit log kept of each call', format: 'json', withContent: true });
  }
  const scope = filter.trim() === '' ? 'the requests of the date range shown' : `the requests of the date range shown that match “${filter.trim()}”`;
  const choice = await vscode.window.showQuickPick(choices, { title: 'Switchyard: Export Requests', placeHolder: `Export ${scope} as…` });
  if (choice === undefined) return undefined;
  const day = new Date().toISOString().slice(0, 10);
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir());
  const target = await vscode.window.showSaveDialog({
    title: 'Switchyard: Export Requests',
    defaultUri: vscode.Uri.joinPath(folder, `switchyard-requests-${day}.${choice.format}`),
    filters: choice.format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
    saveLabel: 'Export',
  });
  if (target === undefined) return undefined;
  const client = await services.proxy.ready();
  const chunks: Uint8Array[] = [];
  const encoder = new TextEncoder();
  // The file is written once, whole: VS Code's file system API (local, remote or virtual) has no append.
  const written = await exportRecords(client, { range, filter, format: choice.format, withContent: choice.withContent }, (text) => void chunks.push(encoder.encode(text)));
  const size = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const whole = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.length;
  }
  await vscode.workspace.fs.writeFile(target, whole);
  const open = 'Open File';
  void vscode.window.showInformationMessage(`Switchyard: exported ${written} ${written === 1 ? 'request' : 'requests'} to ${target.fsPath}.`, open).then((picked) => {
    if (picked === open) void vscode.commands.executeCommand('vscode.open', target);
  });
  return { written, file: target.fsPath };
}
