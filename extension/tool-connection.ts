import { connectionSettings, type ConnectionSettings } from './connection-settings';
import type { Secrets } from './secrets';
import type { SwitchyardSettings } from './settings';
import { parseTeamProxyUrl, teamProxyLabel } from './team-proxy';

/** Where this window's tools are pointed, and with which key. */
export interface ToolConnection extends ConnectionSettings {
  /** The team proxy's base URL when the window uses one; absent for the local proxy. */
  team?: string;
}

/**
 * Where tools go from this window: the team proxy with the user's access key when the setting
 * `switchyard.teamProxyUrl` names one, else the local proxy with the local key (when it requires
 * one). Copy Connection Settings, Configure a Tool and the terminals' variables all use this.
 */
export async function toolConnection(settings: SwitchyardSettings, secrets: Secrets): Promise<ToolConnection> {
  if (settings.teamProxyUrl !== '') {
    const parsed = parseTeamProxyUrl(settings.teamProxyUrl);
    if ('url' in parsed) {
      const label = teamProxyLabel(parsed.url);
      return { ...connectionSettings(label, await secrets.teamKey(parsed.url)), team: label };
    }
  }
  return connectionSettings(settings.port, settings.requireLocalKey ? await secrets.localKey() : undefined);
}
