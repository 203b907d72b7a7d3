import { displayUrl } from './control-client';

/**
 * A team proxy this window uses instead of spawning one (setting `switchyard.teamProxyUrl`):
 * its base URL, and the user's access key for it from the keychain (undefined when none is
 * stored yet: "Switchyard: Connect to Team Proxy" asks for it).
 */
export type TeamProxy =
  | { url: URL; key: string | undefined }
  /** The setting holds something that is no team proxy address: said, not tried. */
  | { problem: string; text: string };

/** A team proxy URL as typed, checked: the base URL, or why it is not one and how to write it. */
export type ParsedTeamProxyUrl = { url: URL } | { problem: string };

/** The example every message about a wrong URL shows. */
export const teamProxyUrlExample = 'https://switchyard.example.com';

/**
 * Reads a team proxy URL the way a user may paste it: with or without a trailing slash, even with
 * `/_switchyard` or `/v1` copied from a tool's settings (both are cut: the base URL is wanted).
 * Only http and https; no user name or password in it (the access key is asked for separately and
 * kept in the keychain, never in settings); no query or fragment.
 */
export function parseTeamProxyUrl(text: string): ParsedTeamProxyUrl {
  const trimmed = text.trim();
  if (trimmed === '') return { problem: `Enter the team proxy's address, e.g. ${teamProxyUrlExample}.` };
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return { problem: `"${trimmed}" is not a URL: write it with its scheme, e.g. ${teamProxyUrlExample}.` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: `A team proxy is reached over https (or http), not ${url.protocol.slice(0, -1)}: e.g. ${teamProxyUrlExample}.` };
  if (url.username !== '' || url.password !== '') {
    return { problem: 'Leave the user name and password out of the URL: the access key is asked for next and kept in the keychain.' };
  }
  if (url.search !== '' || url.hash !== '') return { problem: `Leave the query and fragment out of the URL: only the base address, e.g. ${teamProxyUrlExample}.` };
  url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/(_switchyard|v1)(\/.*)?$/, '') || '/';
  return { url };
}

/** Whether an access key would travel unencrypted: plain http to a host other than this machine. */
export function sendsKeyInClear(url: URL): boolean {
  return url.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** The team proxy's base URL as settings hold it and messages show it. */
export function teamProxyLabel(url: URL): string {
  return displayUrl(url);
}

/** A team proxy setting that names an address. */
export type TeamAddress = Extract<TeamProxy, { url: URL }>;
