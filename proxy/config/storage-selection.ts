import type { StorageConfig } from './config';
import { ConfigError, expectStorageUrl } from './load-config';

/** The storage a proxy runs on: team servers when a Postgres URL is given, else the data folder. */
export interface StorageSelection {
  postgresUrl?: string;
  redisUrl?: string;
  onStorageError: 'closed' | 'open';
  /** Where the rest of the config comes from: the file, or the team's PostgreSQL. */
  configSource: 'file' | 'postgres';
}

/**
 * Picks the storage URLs: a flag (`--postgres-url`, `--redis-url`) over the environment
 * (`SWITCHYARD_POSTGRES_URL`, `SWITCHYARD_REDIS_URL`, where a password may be) over the config
 * file's `storage` (where it may not; load-config refused one). Throws a ConfigError naming the
 * source of a malformed URL, and when Redis is given without Postgres (the team's records, keys
 * and budgets need Postgres; a cache alone is not team mode).
 */
export function selectStorage(flags: { postgresUrl?: string; redisUrl?: string; configSource?: string }, env: NodeJS.ProcessEnv, config: StorageConfig): StorageSelection {
  const pick = (flag: string | undefined, flagName: string, variable: string, configured: string | undefined, schemes: string[]): string | undefined => {
    if (flag !== undefined && flag !== '') return checked(flag, flagName, schemes);
    const fromEnv = env[variable];
    if (fromEnv !== undefined && fromEnv !== '') return checked(fromEnv, variable, schemes);
    return configured;
  };
  const postgresUrl = pick(flags.postgresUrl, '--postgres-url', 'SWITCHYARD_POSTGRES_URL', config.postgresUrl, ['postgres:', 'postgresql:']);
  const redisUrl = pick(flags.redisUrl, '--redis-url', 'SWITCHYARD_REDIS_URL', config.redisUrl, ['redis:', 'rediss:']);
  if (redisUrl !== undefined && postgresUrl === undefined) {
    throw new ConfigError('A Redis URL was given without a PostgreSQL URL. Team mode keeps records, keys and budgets in PostgreSQL: give --postgres-url (or SWITCHYARD_POSTGRES_URL, or storage.postgresUrl) too.', 'storage.redisUrl');
  }
  const configSource = pickConfigSource(flags.configSource, env.SWITCHYARD_CONFIG_SOURCE, config.configSource);
  if (configSource === 'postgres' && postgresUrl === undefined) {
    throw new ConfigError('The config source is PostgreSQL, but no PostgreSQL URL was given: add --postgres-url (or SWITCHYARD_POSTGRES_URL, or storage.postgresUrl), or use --config-source file.', 'storage.configSource');
  }
  return { postgresUrl, redisUrl, onStorageError: config.onStorageError, configSource };
}

/** `--config-source` over `SWITCHYARD_CONFIG_SOURCE` over the config file's `storage.configSource`. */
function pickConfigSource(flag: string | undefined, fromEnv: string | undefined, configured: StorageConfig['configSource'] | undefined): 'file' | 'postgres' {
  for (const [value, source] of [
    [flag, '--config-source'],
    [fromEnv, 'SWITCHYARD_CONFIG_SOURCE'],
  ] as const) {
    if (value === undefined || value === '') continue;
    if (value !== 'file' && value !== 'postgres') throw new ConfigError(`${source} must be "file" or "postgres", not '${value}'.`, 'storage.configSource');
    return value;
  }
  return configured ?? 'file';
}

/** A URL from a flag or the environment: the scheme is checked, a password is allowed. */
function checked(url: string, source: string, schemes: string[]): string {
  // Strip the password before checking, so only the scheme and shape are judged.
  let withoutPassword = url;
  try {
    const parsed = new URL(url);
    parsed.password = '';
    withoutPassword = parsed.toString();
  } catch {
    // expectStorageUrl says what is wrong with it.
  }
  expectStorageUrl(withoutPassword, source, schemes, source, '');
  return url;
}
