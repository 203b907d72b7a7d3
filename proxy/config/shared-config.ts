import type { SwitchyardConfig } from './config';
import type { ConfigProblem } from './config-problem';
import { ConfigError, locateProblems, parseConfigJson, validateConfig } from './load-config';

/**
 * The fields a config kept in the team's PostgreSQL may not hold. They are each proxy's own
 * (where its database is, where its files live) or secrets: a shared config is read by every
 * proxy and every teammate with database access, and kept forever in its history.
 */
const perProxyFields: Readonly<Record<string, string>> = {
  accessKeys:
    'accessKeys holds keys themselves, which a shared config must not (every version is kept and readable by anyone with access to the database). Create named keys instead: switchyard keys create NAME --postgres-url …; only their hashes are stored.',
  storage: 'storage is where each proxy finds the database before it reads this config: give it per proxy (--postgres-url, SWITCHYARD_POSTGRES_URL, or storage in its local config file), not in the shared one.',
  dataDir: "dataDir is a folder on one machine: give it per proxy (--data-dir or its local config file), not in the shared one.",
};

/** What in a parsed config keeps it from being shared through PostgreSQL; empty when nothing does. */
export function sharedConfigProblems(json: unknown): ConfigProblem[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return [];
  return Object.keys(json)
    .filter((field) => Object.hasOwn(perProxyFields, field))
    .map((field) => ({ path: field, message: perProxyFields[field]! }));
}

/**
 * Parses and validates a config meant for (or read from) the team's PostgreSQL: a valid config
 * with none of the per-proxy fields. Throws a ConfigError naming every problem, with its line
 * and column in `text`; `name` says where the text came from (a file pushed, a stored version).
 */
export function parseSharedConfigText(text: string, name: string): SwitchyardConfig {
  const json = parseConfigJson(text, name);
  const { config, problems } = validateConfig(json);
  const all = [...sharedConfigProblems(json), ...problems];
  if (config !== undefined && all.length === 0) return config;
  const located = locateProblems(text, all);
  const listed = located.map((problem) => (problem.line === undefined ? problem.message : `${problem.message} (line ${problem.line}, column ${problem.column})`)).join(' ');
  throw new ConfigError(`The config ${name} is invalid: ${listed}`, located[0]!.path, located);
}
