import * as vscode from 'vscode';
import { ControlClient, ControlError, probeHealth } from '../control-client';
import type { ExtensionServices, SwitchyardCommand } from '../services';
import { parseTeamProxyUrl, sendsKeyInClear, teamProxyLabel, teamProxyUrlExample } from '../team-proxy';

/** What checking an access key against a team proxy found. */
type KeyCheck = { ok: true } | { ok: false; rejected: boolean; message: string };

/**
 * "Switchyard: Connect to Team Proxy": asks the team proxy's address and checks that a Switchyard
 * proxy answers there (one `GET /_switchyard/health`), then asks the access key in a masked box
 * and checks it with one read of the key's own requests (401: not accepted, asked again). The key
 * goes to the keychain (SecretStorage), never to settings or the log; the address goes to the
 * user setting `switchyard.teamProxyUrl`, and the window moves to the team proxy. Tests pass the
 * address and the key as arguments. Resolves with whether the window is now set to use it.
 */
export const connectTeamProxyCommand: SwitchyardCommand = {
  id: 'switchyard.connectTeamProxy',
  async run(services, urlArgument?: unknown, keyArgument?: unknown): Promise<boolean> {
    const scripted = typeof urlArgument === 'string';
    const url = await askAddress(services, scripted ? urlArgument : undefined);
    if (url === undefined) return false;
    const label = teamProxyLabel(url);
    if (sendsKeyInClear(url) && !scripted) {
      const go = await vscode.window.showWarningMessage(
        `${label} is plain http: your access key would cross the network unencrypted.`,
        { modal: true, detail: 'Use the https address of the team proxy if it has one.' },
        'Connect Anyway',
      );
      if (go !== 'Connect Anyway') return false;
    }
    const key = await askKey(url, typeof keyArgument === 'string' ? keyArgument : undefined);
    if (key === undefined) return false;
    await services.secrets.setTeamKey(url, key);
    const configuration = vscode.workspace.getConfiguration('switchyard');
    const before = services.settings().teamProxyUrl;
    await configuration.update('teamProxyUrl', label, vscode.ConfigurationTarget.Global);
    // The same address with a new key changes no setting: move to it here.
    if (before === label) await services.proxy.reconnect();
    services.log(`set to use the team proxy ${label}; its access key is in the keychain`);
    void vscode.window.showInformationMessage(`Switchyard uses the team proxy ${label}: the panel shows the calls made with your access key.`);
    return true;
  },
};

/** The address, asked until a Switchyard proxy answers there (or once when scripted). */
async function askAddress(services: ExtensionServices, given: string | undefined): Promise<URL | undefined> {
  let value = given ?? services.settings().teamProxyUrl;
  for (;;) {
    const text =
      given ??
      (await vscode.window.showInputBox({
        title: 'Connect to Team Proxy (1/2)',
        prompt: "The team proxy's address (its admin has it)",
        placeHolder: teamProxyUrlExample,
        value,
        ignoreFocusOut: true,
        validateInput: (input) => {
          const parsed = parseTeamProxyUrl(input);
          return 'problem' in parsed ? parsed.problem : undefined;
        },
      }));
    if (text === undefined) return undefined;
    const parsed = parseTeamProxyUrl(text);
    let problem: string | undefined = 'problem' in parsed ? parsed.problem : undefined;
    if ('url' in parsed) {
      const health = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Switchyard: reaching ${teamProxyLabel(parsed.url)}…` }, () => probeHealth(parsed.url, 5_000));
      if (health !== undefined) return parsed.url;
      problem = `Nothing at ${teamProxyLabel(parsed.url)} answers like a Switchyard proxy (GET /_switchyard/health): check the address, and that the proxy runs there (switchyard serve --host …).`;
    }
    if (given !== undefined) {
      void vscode.window.showErrorMessage(problem!);
      return undefined;
    }
    const again = await vscode.window.showErrorMessage(problem!, 'Edit Address');
    if (again !== 'Edit Address') return undefined;
    value = text;
  }
}

/** The access key, asked (masked) until the team proxy accepts it (or once when scripted). */
async function askKey(url: URL, given: string | undefined): Promise<string | undefined> {
  const label = teamProxyLabel(url);
  for (;;) {
    const key =
      given ??
      (await vscode.window.showInputBox({
        title: 'Connect to Team Proxy (2/2)',
        prompt: `Your access key for ${label} (the team's admin makes one with switchyard keys create NAME). It is kept in the OS keychain.`,
        password: true,
        ignoreFocusOut: true,
        validateInput: (input) => (input.trim() === '' ? 'Paste the access key the admin gave you.' : undefined),
      }));
    if (key === undefined) return undefined;
    const check = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Switchyard: checking the key with ${label}…` }, () => checkKey(url, key.trim()));
    if (check.ok) return key.trim();
    if (given !== undefined) {
      void vscode.window.showErrorMessage(check.message);
      return undefined;
    }
    const again = await vscode.window.showErrorMessage(check.message, check.rejected ? 'Enter Again' : 'Try Again');
    if (again === undefined) return undefined;
  }
}

/** One read of the key's own requests: 200 means the team proxy accepts the key. */
export async function checkKey(url: URL, key: string): Promise<KeyCheck> {
  const label = teamProxyLabel(url);
  try {
    await new ControlClient(url, key, 10_000).requests(1);
    return { ok: true };
  } catch (error) {
    if (error instanceof ControlError && error.status === 401) {
      return { ok: false, rejected: true, message: `The team proxy at ${label} did not accept this key: it was revoked, mistyped, or belongs to another proxy.` };
    }
    if (error instanceof ControlError && error.status === 403) {
      return { ok: false, rejected: false, message: `The team proxy at ${label} does not let an access key read its requests (it runs an older Switchyard): ask its admin to update it.` };
    }
    return { ok: false, rejected: false, message: (error as Error).message };
  }
}

/**
 * "Switchyard: Disconnect from Team Proxy": forgets the address (the user setting: the setting is
 * application-scoped, so no workspace can point a window elsewhere) and the access key kept for
 * it; the window goes back to its own local proxy. Resolves with whether a team proxy was set.
 */
export const disconnectTeamProxyCommand: SwitchyardCommand = {
  id: 'switchyard.disconnectTeamProxy',
  async run(services): Promise<boolean> {
    const value = services.settings().teamProxyUrl;
    if (value === '') {
      void vscode.window.showInformationMessage('Switchyard is not set to use a team proxy: it runs its own local proxy.');
      return false;
    }
    const parsed = parseTeamProxyUrl(value);
    if ('url' in parsed) await services.secrets.removeTeamKey(parsed.url);
    await vscode.workspace.getConfiguration('switchyard').update('teamProxyUrl', undefined, vscode.ConfigurationTarget.Global);
    services.log(`disconnected from the team proxy ${value}; its access key was removed from the keychain`);
    void vscode.window.showInformationMessage('Disconnected from the team proxy: Switchyard runs its own local proxy again.');
    return true;
  },
};
