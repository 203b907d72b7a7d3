import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { chooseDefaultRouteCommand } from './commands/choose-default-route';
import { clearResponseCacheCommand } from './commands/clear-response-cache';
import { chooseRedactionModeCommand } from './commands/choose-redaction-mode';
import { configureToolCommand } from './commands/configure-tool';
import { connectTeamProxyCommand, disconnectTeamProxyCommand } from './commands/connect-team-proxy';
import { copyConnectionSettingsCommand } from './commands/copy-connection-settings';
import { createAccessKeyCommand } from './commands/create-access-key';
import { manageAccessKeysCommand } from './commands/manage-access-keys';
import { openConfigFileCommand } from './commands/open-config-file';
import { sendTestRequestCommand } from './commands/send-test-request';
import { openPanelCommand } from './commands/open-panel';
import { removeProviderKeyCommand } from './commands/remove-provider-key';
import { restartProxyCommand } from './commands/restart-proxy';
import { setProviderKeyCommand } from './commands/set-provider-key';
import { showProxyLogCommand } from './commands/show-proxy-log';
import { startProxyCommand } from './commands/start-proxy';
import { stopProxyCommand } from './commands/stop-proxy';
import { testProviderKeyCommand } from './commands/test-provider-key';
import { toggleModelsCommand } from './commands/toggle-models';
import { showConfigProblems } from './config-problems';
import { showCrashNotification } from './crash-notification';
import { showBudgetBlocked } from './budget-notification';
import { RefusalWarning } from './refusal-warning';
import { SetupContext } from './setup-context';
import { openWalkthroughOnFirstRun, walkthroughId } from './first-run';
import { ProxyManager, type ProxyCrash } from './proxy-process';
import { Secrets } from './secrets';
import type { ExtensionServices, SwitchyardCommand } from './services';
import { ensureConfigFile, readSettings } from './settings';
import { refreshTerminalEnvironment, watchSettingChanges } from './settings-changes';
import { SpendTreeProvider } from './sidebar/spend-tree';
import { StatusBar } from './status-bar';
import { parseTeamProxyUrl, type TeamProxy } from './team-proxy';

/** Set by the bundle's first and last lines (see esbuild.mjs); absent when the sources run unbundled. */
declare const switchyardLoadStart: number | undefined;
declare const switchyardLoadEnd: number | undefined;

const commands: readonly SwitchyardCommand[] = [
  startProxyCommand,
  stopProxyCommand,
  restartProxyCommand,
  openPanelCommand,
  setProviderKeyCommand,
  testProviderKeyCommand,
  removeProviderKeyCommand,
  toggleModelsCommand,
  chooseDefaultRouteCommand,
  chooseRedactionModeCommand,
  copyConnectionSettingsCommand,
  showProxyLogCommand,
  clearResponseCacheCommand,
  createAccessKeyCommand,
  manageAccessKeysCommand,
  configureToolCommand,
  sendTestRequestCommand,
  openConfigFileCommand,
  connectTeamProxyCommand,
  disconnectTeamProxyCommand,
];

/**
 * Commands that change or read what only the proxy's control token may: on a team proxy the
 * window holds an access key, so they say why they are not available instead of failing with a 403.
 */
const controlTokenCommands: ReadonlySet<string> = new Set([
  setProviderKeyCommand.id,
  testProviderKeyCommand.id,
  removeProviderKeyCommand.id,
  toggleModelsCommand.id,
  chooseDefaultRouteCommand.id,
  chooseRedactionModeCommand.id,
  clearResponseCacheCommand.id,
  createAccessKeyCommand.id,
  manageAccessKeysCommand.id,
  sendTestRequestCommand.id,
  openConfigFileCommand.id,
]);

/** What `activate` returns: for tests and for extensions that build on Switchyard. */
export interface SwitchyardApi {
  readonly proxy: ProxyManager;
  /** How long `activate` itself took, in milliseconds (VS Code reports the load time too). */
  readonly activationMs: number;
  /** How long the bundle took to run before `activate`, in milliseconds (undefined unbundled). */
  readonly loadMs: number | undefined;
  /** The proxy's data folder (request log, control token, proxy output). */
  readonly dataDir: string;
  /** This extension's log folder in this window (the output channel's file is nearby). */
  readonly logFolder: string;
  /** The last crash this window saw, if any. */
  readonly lastCrash: ProxyCrash | undefined;
}

/**
 * Registers the commands, views and status bar, and starts (or attaches to) the proxy without
 * waiting for it: activation must stay light. The panel's code loads on first open.
 */
export function activate(context: vscode.ExtensionContext): SwitchyardApi {
  const started = performance.now();
  const dataDir = context.globalStorageUri.fsPath;
  const output = vscode.window.createOutputChannel('Switchyard');
  const log = (line: string): void => output.appendLine(line);
  const secrets = new Secrets(context.secrets);
  const settings = () => readSettings(dataDir);
  const teamProxy = async (): Promise<TeamProxy | undefined> => {
    const text = settings().teamProxyUrl;
    if (text === '') return undefined;
    const parsed = parseTeamProxyUrl(text);
    return 'problem' in parsed ? { problem: parsed.problem, text } : { url: parsed.url, key: await secrets.teamKey(parsed.url) };
  };
  const proxy = new ProxyManager({
    teamProxy,
    proxyScript: path.join(context.extensionPath, 'dist', 'proxy.js'),
    runtime: process.execPath,
    dataDir,
    settings: () => {
      const current = settings();
      ensureConfigFile(current.configFile);
      return current;
    },
    onConnected: async (client) => {
      const { providers } = await secrets.pushTo(client, settings().requireLocalKey);
      log(`handed ${providers.length === 0 ? 'no provider keys' : `the keys of ${providers.join(', ')}`} to the proxy${settings().requireLocalKey ? ', and the local key' : ''}`);
      // A proxy started on a broken config file serves with presets only; say so once per connection.
      void client.config().then(
        (config) => showConfigProblems(config.file, config.problems, () => services.openPanel()),
        () => undefined,
      );
    },
    log,
  });
  const services: ExtensionServices = {
    context,
    proxy,
    secrets,
    output,
    settings,
    log,
    openPanel: async (requestId) => {
      const { SwitchyardPanel } = await import('./panel/panel');
      SwitchyardPanel.show(services, requestId);
    },
  };
  const refusalWarning = new RefusalWarning(services);
  const setup = new SetupContext(proxy, secrets);
  let lastCrash: ProxyCrash | undefined;
  let spendView: vscode.TreeView<unknown> | undefined;
  const spendTree = new SpendTreeProvider(proxy, (message) => {
    if (spendView) spendView.message = message;
  });
  spendView = vscode.window.createTreeView('switchyard.spend', { treeDataProvider: spendTree, showCollapseAll: true });
  context.subscriptions.push(
    output,
    { dispose: () => proxy.dispose() },
    ...commands.map((command) =>
      vscode.commands.registerCommand(command.id, (...commandArguments: unknown[]) => {
        const team = proxy.status.team;
        if (team !== undefined && controlTokenCommands.has(command.id)) {
          void vscode.window.showInformationMessage(
            `This window uses the team proxy ${team.url} with your access key, which reads your own requests, spend and budgets. Provider keys, models, rules, access keys and the cache are its admin's to change (with its control token).`,
          );
          return undefined;
        }
        return command.run(services, ...commandArguments);
      }),
    ),
    setup,
    new StatusBar(proxy, setup),
    spendTree,
    spendView,
    spendView.onDidChangeVisibility((event) => spendTree.setVisible(event.visible)),
    proxy.onEvent.on((event) => {
      if (event.type === 'log') log(`${new Date(event.log.time).toISOString()} ${event.log.message}`);
      else if (event.type === 'config' && !event.config.ok) void showConfigProblems(event.config.file, event.config.problems, () => services.openPanel());
      else if (event.type === 'refusals') refusalWarning.show(event.refusals);
      else if (event.type === 'budget') void showBudgetBlocked(event.budget, () => services.openPanel());
    }),
    // For `when` clauses: the sidebar's welcome view (with Start Proxy) shows while it is not running.
    proxy.onDidChangeStatus.on((status) => {
      // Set first: the welcome view for the state depends on whether it is a team proxy's.
      void vscode.commands.executeCommand('setContext', 'switchyard.teamProxy', status.team !== undefined);
      void vscode.commands.executeCommand('setContext', 'switchyard.proxyState', status.state);
    }),
    proxy.onKeyRejected.on((url) => {
      void vscode.window
        .showErrorMessage(`The team proxy ${url} refused your access key: it was revoked, or it is not a key of this proxy.`, 'Enter Access Key', 'Disconnect')
        .then((choice) => {
          if (choice === 'Enter Access Key') void vscode.commands.executeCommand(connectTeamProxyCommand.id, url);
          else if (choice === 'Disconnect') void vscode.commands.executeCommand(disconnectTeamProxyCommand.id);
        });
    }),
    proxy.onCrash.on((crash) => {
      lastCrash = crash;
      void showCrashNotification(crash, { showLog: () => output.show(true), start: () => proxy.start() });
    }),
    secrets.onDidChange(() => {
      void refreshTerminalEnvironment(services);
      spendTree.keysChanged();
    }),
    // The workspace's access key is made by the proxy: once connected, the terminals get it.
    proxy.onDidConnect.on(() => void refreshTerminalEnvironment(services)),
    watchSettingChanges(services),
  );
  spendTree.setVisible(spendView.visible);
  void refreshTerminalEnvironment(services);
  // Asked before the proxy starts: its first connection makes the local key.
  const usedBefore = secrets.hasLocalKey();
  void openWalkthroughOnFirstRun({
    state: context.globalState,
    openOnInstall: vscode.workspace.getConfiguration('workbench.welcomePage').get<boolean>('walkthroughs.openOnInstall', true),
    usedBefore: () => usedBefore,
    open: () => vscode.commands.executeCommand('workbench.action.openWalkthrough', `${context.extension.id}#${walkthroughId}`, false),
  }).catch((error: unknown) => log(`could not open the walkthrough: ${(error as Error).message}`));
  void proxy.start();
  const activationMs = performance.now() - started;
  const loadMs = typeof switchyardLoadStart === 'number' && typeof switchyardLoadEnd === 'number' ? switchyardLoadEnd - switchyardLoadStart : undefined;
  log(`Switchyard activated in ${activationMs.toFixed(1)} ms${loadMs === undefined ? '' : `; loading its code took ${loadMs.toFixed(1)} ms`}`);
  return {
    proxy,
    activationMs,
    loadMs,
    dataDir,
    logFolder: context.logUri.fsPath,
    get lastCrash() {
      return lastCrash;
    },
  };
}

/** Everything is in `context.subscriptions`; disposing the proxy manager detaches this window. */
export function deactivate(): void {}
