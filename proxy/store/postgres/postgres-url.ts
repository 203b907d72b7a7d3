/**
 * The connection URL without its password, for messages and `Storage.location`. Its own module
 * so the CLI can name a server without loading the Postgres stores.
 */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'postgres (an unparsable URL)';
  }
}
