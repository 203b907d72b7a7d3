import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultConfig, type SwitchyardConfig } from './config/config';
import { describeNotInForce, salvageAccessKeys } from './config/config-text';
import { salvagePolicy } from './config/salvage-policy';
import { ConfigError, otlpEndpointProblem } from './config/load-config';
import { createProxy, type CreateProxyOptions, type RunningProxy } from './create-proxy';
import { selectStorage, type StorageSelection } from './config/storage-selection';
import { describePostgresUrl } from './store/postgres/postgres-url';
import { defaultDataDir } from './store/data-dir';
import { describeConfigVersion } from './store/config-source';
import { parseSharedConfigText } from './config/shared-config';
import { FileConfigSource } from './store/file/file-config-source';
import { SqliteAuditSink, auditDatabaseFileName, openAuditDatabase } from './store/sqlite/sqlite-audit-sink';
import { closeUpstreamConnections } from './upstream/upstream-client';
import { isAllowedHost } from './security/host-check';
import { version } from './version';
import { keysCommand } from './keys-command';
import { migrateCommand } from './migrate-command';
import { configCommand } from './config-command';
import type { ConfigVersion, SharedConfigSource } from './store/config-source';
import { requestsCommand } from './requests-command';
import { batchedLogWriter } from './events/log-writer';

const usage = `Usage: switchyard serve [options]
       switchyard audit export [--since WHEN] [--until WHEN] [--data-dir DIR] > file.jsonl
       switchyard requests export [--format csv|json] [--since WHEN] [--until WHEN] [--out FILE] ...
                                  (see switchyard requests --help)
       switchyard keys create|list|update|revoke ...   (see switchyard keys --help)
       switchyard migrate --data-dir DIR --postgres-url URL   (a solo data folder into team mode)
       switchyard config push FILE|pull|history --postgres-url URL   (the team's shared config)

Runs the Switchyard proxy: one local endpoint for OpenAI, Anthropic, Gemini and
OpenAI-compatible providers, using the keys in your environment.

Options:
  --port N          port to listen on (default 4141; 0 picks a free port)
  --host HOST       address to bind (default 127.0.0.1)
  --config FILE     JSON config (default $SWITCHYARD_CONFIG, else ~/.config/switchyard/config.json if present)
  --data-dir DIR    where the request log and tokens live (default: the user's data folder)
  --postgres-url URL
                    team mode: records, access keys, budgets and audit in this PostgreSQL
                    (default $SWITCHYARD_POSTGRES_URL, else the config's storage.postgresUrl);
                    see docs/team.md
  --redis-url URL   team mode: response cache and rate limits in this Redis
                    (default $SWITCHYARD_REDIS_URL, else the config's storage.redisUrl)
  --config-source file|postgres
                    postgres: serve the config pushed to the team's PostgreSQL (switchyard
                    config push) and reload within a second of each push; the --config file
                    then gives only storage, dataDir and extra access keys (default
                    $SWITCHYARD_CONFIG_SOURCE, else the config's storage.configSource, else file)
  --require-key     clients must send a local access key as their API key ($SWITCHYARD_ACCESS_KEY,
                    else one generated and kept in <data-dir>/access-key)
  --stop-when-detached
                    stop 10 s after the last VS Code window detached (30 s after start if
                    none ever attached); the VS Code extension passes this
  --shutdown-grace-ms N
                    on SIGTERM/SIGINT, let calls in flight finish for up to N ms before ending
                    them with an error event (default: the config's shutdownGraceMs, 10000)
  --serve-on-bad-config
                    when the config file is invalid, serve with presets only and report its
                    problems in the log and at /_switchyard/config instead of exiting (the
                    VS Code extension passes this, so its panel can show and fix them)
  --metrics-token-file FILE
                    a file holding a token that may read GET /metrics (Prometheus) and nothing
                    else (default: $SWITCHYARD_METRICS_TOKEN, else the config's
                    telemetry.metricsTokenFile); the control token reads /metrics too
  --otlp-endpoint URL
                    send OpenTelemetry traces over OTLP/HTTP to this collector (default:
                    $SWITCHYARD_OTLP_ENDPOINT, else the config's telemetry.otlpEndpoint)
  --quiet           no line per call in the log (errors, reloads and the totals at
                    shutdown are still written)
  --since, --until  (audit export) the time range, as an ISO date or time (2026-12-01,
                    2026-12-01T09:00Z) or an age (7d, 12h, 30m); all of the log by default
  -h, --help        show this help
  -v, --version     print the version

Provider keys come from OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, GROQ_API_KEY,
CEREBRAS_API_KEY, DEEPINFRA_API_KEY, MISTRAL_API_KEY, XAI_API_KEY, OPENROUTER_API_KEY,
TOGETHER_API_KEY, FIREWORKS_API_KEY, or the variable a provider's "apiKeyEnv" names.`;

/** Runs the command line; resolves with the process exit code for failures before serving. */
export async function main(argv: string[]): Promise<number | undefined> {
  survivePipeClosure();
  if (argv[0] === 'keys') return keysCommand(argv.slice(1), defaultDataDir());
  if (argv[0] === 'migrate') return migrateCommand(argv.slice(1), defaultDataDir());
  if (argv[0] === 'config') return configCommand(argv.slice(1));
  if (argv[0] === 'requests') return requestsCommand(argv.slice(1), (explicit) => dataDirOf(explicit, configOption(argv)));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        config: { type: 'string' },
        'data-dir': { type: 'string' },
        'postgres-url': { type: 'string' },
        'redis-url': { type: 'string' },
        'config-source': { type: 'string' },
        'require-key': { type: 'boolean' },
        'stop-when-detached': { type: 'boolean' },
        'serve-on-bad-config': { type: 'boolean' },
        'shutdown-grace-ms': { type: 'string' },
        'metrics-token-file': { type: 'string' },
        'otlp-endpoint': { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        since: { type: 'string' },
        until: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    process.stderr.write(`switchyard: ${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (!values.help && positionals[0] === 'audit' && positionals[1] === 'export') return exportAudit(values);
  if (values.help || positionals[0] !== 'serve') {
    process.stdout.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  const port = values.port === undefined ? 4141 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`switchyard: --port must be a number from 0 to 65535, not '${values.port}'.\n`);
    return 2;
  }
  const shutdownGraceMs = values['shutdown-grace-ms'] === undefined ? undefined : Number(values['shutdown-grace-ms']);
  if (shutdownGraceMs !== undefined && !(Number.isInteger(shutdownGraceMs) && shutdownGraceMs >= 0)) {
    process.stderr.write(`switchyard: --shutdown-grace-ms must be a whole number of milliseconds, 0 or more, not '${values['shutdown-grace-ms']}'.\n`);
    return 2;
  }
  const host = values.host ?? '127.0.0.1';
  const configPath = values.config ?? process.env.SWITCHYARD_CONFIG ?? defaultConfigPath();
  const configSource = configPath === undefined ? undefined : new FileConfigSource(configPath);
  let config: SwitchyardConfig;
  let startedOnBadConfig = false;
  let unreadableAccessKeys: string | undefined;
  let unreadablePolicy: string | undefined;
  try {
    config = configSource ? await configSource.load() : defaultConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`switchyard: ${error.message}\n`);
    if (!values['serve-on-bad-config']) return 2;
    // Loud: a proxy that silently lost the user's providers and routes sends calls elsewhere.
    const text = configPath === undefined ? undefined : readTextOrUndefined(configPath);
    const ignored = text === undefined ? undefined : describeNotInForce(text);
    process.stderr.write(`switchyard: SERVING WITH PRESETS ONLY until the config file is fixed${ignored === undefined ? '.' : ` — NOT IN FORCE: ${ignored}.`}\n`);
    // Fail closed: the file's access keys stay required, and keys it names but that cannot be
    // read lock out every caller without another accepted key until it is fixed.
    const salvaged = text === undefined ? { keys: [] } : salvageAccessKeys(text);
    // Nor on money: the file's budgets and disabled models stay in force when they can be read
    // on their own, and when they cannot, every call is refused until the file is fixed.
    const policy = text === undefined ? salvagePolicy('') : salvagePolicy(text);
    config = { ...defaultConfig(), accessKeys: salvaged.keys, budgets: policy.budgets, budgetEstimate: policy.budgetEstimate, disabledModels: policy.disabledModels };
    const kept = [policy.budgets.length > 0 ? `${policy.budgets.length} ${policy.budgets.length === 1 ? 'budget' : 'budgets'}` : '', policy.disabledModels.length > 0 ? `${policy.disabledModels.length} disabled ${policy.disabledModels.length === 1 ? 'model' : 'models'}` : ''].filter((part) => part !== '');
    if (kept.length > 0) process.stderr.write(`switchyard: the config file's ${kept.join(' and ')} stay in force.\n`);
    if (policy.unreadable !== undefined) {
      unreadablePolicy = `${configPath}: ${policy.unreadable}`;
      process.stderr.write(`switchyard: REFUSING EVERY CALL until the config file is fixed: ${policy.unreadable}.\n`);
    }
    if (salvaged.keys.length > 0) process.stderr.write(`switchyard: the config file's ${salvaged.keys.length} access ${salvaged.keys.length === 1 ? 'key stays' : 'keys stay'} required.\n`);
    if (salvaged.unreadable !== undefined) {
      unreadableAccessKeys = `${configPath}: ${salvaged.unreadable}; ${firstLine(error.message)}`;
      process.stderr.write(`switchyard: REFUSING CALLS WITHOUT A KNOWN KEY until the config file is fixed: it lists access keys that cannot be read (${salvaged.unreadable}).\n`);
    }
    startedOnBadConfig = true;
  }
  let storageSelection: StorageSelection;
  try {
    storageSelection = selectStorage({ postgresUrl: values['postgres-url'], redisUrl: values['redis-url'], configSource: values['config-source'] }, process.env, config.storage);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`switchyard: ${error.message}\n`);
    return 2;
  }
  let shared: { source: SharedConfigSource; version?: ConfigVersion } | undefined;
  /** The local file's access keys: with a shared config (which may not hold keys) they still apply. */
  let localAccessKeys: readonly string[] = [];
  if (storageSelection.configSource === 'postgres') {
    const loaded = await loadSharedConfig(storageSelection.postgresUrl!, config, values['serve-on-bad-config'] === true);
    if (typeof loaded === 'number') return loaded;
    ({ config, shared } = loaded);
    localAccessKeys = loaded.localAccessKeys;
    if (loaded.broken) startedOnBadConfig = true;
  }
  const dataDir = values['data-dir'] ?? process.env.SWITCHYARD_DATA_DIR ?? config.dataDir ?? defaultDataDir();
  mkdirSync(dataDir, { recursive: true });
  const requiredKey = values['require-key'] ? localAccessKey(dataDir) : undefined;
  const fixedAccessKeys = [...(requiredKey ? [requiredKey] : []), ...localAccessKeys];
  const extraHosts = host !== '127.0.0.1' && !config.allowedHosts.includes(host) ? [host] : [];
  if (!isAllowedHost(host, []) && config.accessKeys.length === 0 && fixedAccessKeys.length === 0) {
    process.stderr.write(
      `switchyard: refusing to listen on ${host} without an access key: anyone who can reach it could spend your provider keys. Add --require-key, or bind 127.0.0.1.\n`,
    );
    return 2;
  }
  const controlToken = process.env.SWITCHYARD_CONTROL_TOKEN || randomBytes(24).toString('hex');
  const telemetry = telemetrySettings(values, config);
  if (typeof telemetry === 'string') {
    process.stderr.write(`switchyard: ${telemetry}\n`);
    return 2;
  }
  const tokenFile = path.join(dataDir, 'control-token');

  // Log lines in batches: a synchronous stderr write per finished call was on the event loop.
  const logWriter = batchedLogWriter(process.stderr.fd);
  let stopping = false;
  let starting: Promise<RunningProxy> | undefined;
  /** The one way the proxy stops (SIGINT, SIGTERM, POST /shutdown, the last window leaving): the request log is flushed. */
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // A stop during startup waits for the stores to open, so it closes them too.
    const running = await starting?.catch(() => undefined);
    await running?.close(shutdownGraceMs === undefined ? {} : { graceMs: shutdownGraceMs });
    await closeUpstreamConnections();
    process.exit(0);
  };

  // Before listening: a stop asked for as soon as the URL is printed must already be clean.
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  let proxy: RunningProxy;
  try {
    starting = createProxy({
      config,
      env: process.env,
      host,
      port,
      controlToken,
      controlTokenHint: `the token is in ${tokenFile}`,
      storage: { dataDir, retentionDays: config.retentionDays },
      ...teamStorage(storageSelection, (line) => process.stderr.write(line)),
      configFile: shared === undefined ? configPath : undefined,
      configSource: shared === undefined ? configSource : undefined,
      sharedConfig: shared?.source,
      sharedVersion: shared?.version,
      fixedAccessKeys,
      allowedHosts: extraHosts,
      stopWhenDetached: values['stop-when-detached'] === true,
      graceMs: graceOverride(),
      shutdown: () => void stop(),
      writeLog: logWriter.write,
      callLines: values.quiet !== true,
      startedOnBadConfig,
      unreadableAccessKeys,
      unreadablePolicy,
      metricsToken: telemetry.metricsToken,
      otlpEndpoint: telemetry.otlpEndpoint,
    });
    proxy = await starting;
  } catch (error) {
    if (error instanceof TeamStorageError) {
      process.stderr.write(`switchyard: ${error.message}\n`);
      return 1;
    }
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'EADDRINUSE' ? ` Port ${port} is taken: is another Switchyard running? Use --port to pick another, or --port 0 for a free one.` : '';
    process.stderr.write(`switchyard: cannot listen on ${host}:${port} (${code ?? String(error)}).${hint}\n`);
    return 1;
  }
  // Only once the port is ours: a second `switchyard serve` that fails to listen must not
  // overwrite the first one's token file.
  writeFileSync(tokenFile, controlToken, { mode: 0o600 });
  process.stdout.write(`Switchyard listening on ${proxy.url}\n`);
  const withKeys = [...proxy.runtime.routing.providers.values()].filter((provider) => provider.apiKey !== undefined).map((provider) => provider.id);
  process.stdout.write(`Providers with keys: ${withKeys.length > 0 ? withKeys.join(', ') : 'none (set OPENAI_API_KEY, ANTHROPIC_API_KEY, …)'}\n`);
  const configLine = shared === undefined ? (configPath ?? 'none (presets only)') : shared.version === undefined ? `${shared.source.location}, nothing pushed yet (presets only)` : describeConfigVersion(shared.source.location, shared.version);
  process.stdout.write(`Config: ${configLine}\nRequest log: ${proxy.storage?.location ?? dataDir}\nControl API token: ${tokenFile}\n`);
  if (requiredKey) process.stdout.write(`Clients must send the local access key in ${path.join(dataDir, 'access-key')}\n`);
  if (proxy.control.lifecycle.stopWhenDetached) process.stdout.write('Stops by itself once no VS Code window is attached.\n');
  return undefined;
}

/**
 * The config in force from the team's PostgreSQL: its newest version, with the local file's
 * per-proxy fields (storage, dataDir) laid over it. An exit code when it cannot be had: the
 * server unreachable, or the newest version invalid (unless `--serve-on-bad-config`, which
 * serves presets until a valid version is pushed). `pg` is imported only here.
 */
async function loadSharedConfig(
  postgresUrl: string,
  local: SwitchyardConfig,
  serveOnBadConfig: boolean,
): Promise<number | { config: SwitchyardConfig; shared: { source: SharedConfigSource; version?: ConfigVersion }; localAccessKeys: readonly string[]; broken: boolean }> {
  const { PostgresConfigSource } = await import('./store/postgres/postgres-config-source');
  let source: SharedConfigSource;
  let version: ConfigVersion | undefined;
  try {
    source = await PostgresConfigSource.open(postgresUrl, { log: (message) => process.stderr.write(`${new Date().toISOString()} ${message}\n`) });
    version = await source.latest();
  } catch (error) {
    process.stderr.write(`switchyard: cannot read the shared config from PostgreSQL ${describePostgresUrl(postgresUrl)}: ${(error as Error).message}. Check the server is up and the URL (--postgres-url, SWITCHYARD_POSTGRES_URL or storage.postgresUrl).\n`);
    return 1;
  }
  const perProxy = { storage: local.storage, dataDir: local.dataDir };
  let config = defaultConfig();
  let broken = false;
  if (version === undefined) {
    process.stderr.write(`switchyard: no config was pushed to ${source.location} yet: serving with presets until one is (switchyard config push FILE).\n`);
  } else {
    try {
      config = parseSharedConfigText(version.text, describeConfigVersion(source.location, version));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      process.stderr.write(`switchyard: ${error.message}\n`);
      if (!serveOnBadConfig) {
        await source.close();
        return 2;
      }
      process.stderr.write('switchyard: SERVING WITH PRESETS ONLY until a valid config is pushed.\n');
      broken = true;
      version = undefined;
    }
  }
  return { config: { ...config, ...perProxy }, shared: { source, version }, localAccessKeys: local.accessKeys, broken };
}

/** The team stores could not be opened: the proxy does not start (see `storageRequired`). */
class TeamStorageError extends Error {}

/**
 * `createProxy`'s storage options for team mode, or none for the solo SQLite store. The team
 * module (and with it `pg` and `ioredis`) is imported only here, only when a Postgres URL is set.
 */
function teamStorage(selection: StorageSelection, writeLog: (line: string) => void): Pick<CreateProxyOptions, 'openStorage' | 'storageRequired'> {
  const { postgresUrl, redisUrl, onStorageError } = selection;
  if (postgresUrl === undefined) return {};
  const log = (message: string): void => writeLog(`${new Date().toISOString()} ${message}\n`);
  return {
    storageRequired: true,
    openStorage: async (settings) => {
      const { openTeamStorage } = await import('./store/team/open-team-storage');
      try {
        return await openTeamStorage(settings, { postgresUrl, redisUrl, onStorageError, log });
      } catch (error) {
        throw new TeamStorageError(`cannot open the team storage (PostgreSQL ${describePostgresUrl(postgresUrl)}${redisUrl === undefined ? '' : ', Redis'}): ${(error as Error).message}. Check the server is up and the URL (--postgres-url, SWITCHYARD_POSTGRES_URL or storage.postgresUrl).`);
      }
    },
  };
}

/**
 * The metrics token and the OTLP endpoint: flag, then environment, then config. Returns the
 * problem as a sentence when a token file cannot be read or an endpoint is no http(s) URL.
 */
function telemetrySettings(values: { 'metrics-token-file'?: string; 'otlp-endpoint'?: string }, config: SwitchyardConfig): { metricsToken?: string; otlpEndpoint?: string } | string {
  let metricsToken: string | undefined;
  const tokenFile = values['metrics-token-file'] ?? (process.env.SWITCHYARD_METRICS_TOKEN ? undefined : config.telemetry.metricsTokenFile);
  if (tokenFile !== undefined) {
    try {
      metricsToken = readFileSync(tokenFile, 'utf8').trim();
    } catch (error) {
      return `the metrics token file ${tokenFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`;
    }
    if (metricsToken === '') return `the metrics token file ${tokenFile} is empty: put a long random token in it (openssl rand -hex 32 > ${tokenFile}).`;
  } else if (process.env.SWITCHYARD_METRICS_TOKEN) {
    metricsToken = process.env.SWITCHYARD_METRICS_TOKEN;
  }
  const otlpEndpoint = values['otlp-endpoint'] ?? (process.env.SWITCHYARD_OTLP_ENDPOINT || undefined) ?? config.telemetry.otlpEndpoint;
  if (otlpEndpoint !== undefined) {
    const problem = otlpEndpointProblem(otlpEndpoint);
    if (problem !== undefined) return `the OTLP endpoint ${problem}`;
  }
  return { metricsToken, otlpEndpoint };
}

/**
 * `SWITCHYARD_DETACH_GRACE_MS` shortens the lifecycle's waits, for tests and scripts that
 * cannot wait 10 s; invalid values are ignored.
 */
/**
 * `switchyard audit export`: the content audit log's entries in a time range, oldest first, one
 * JSON object a line on stdout. Reads `audit.db` in the data folder directly, page by page, so a
 * large log never sits in memory; a running proxy keeps writing meanwhile.
 */
async function exportAudit(values: { since?: string; until?: string; config?: string; 'data-dir'?: string }): Promise<number> {
  const now = Date.now();
  const since = values.since === undefined ? 0 : parseWhen(values.since, now);
  const until = values.until === undefined ? now + 1 : parseWhen(values.until, now);
  for (const [flag, time] of [['--since', since], ['--until', until]] as const) {
    if (Number.isNaN(time)) {
      process.stderr.write(`switchyard: ${flag} must be an ISO date or time (2026-12-01, 2026-12-01T09:00Z) or an age (7d, 12h, 30m), not '${flag === '--since' ? values.since : values.until}'.\n`);
      return 2;
    }
  }
  const dataDir = await dataDirOf(values['data-dir'], values.config);
  if (!existsSync(path.join(dataDir, auditDatabaseFileName))) {
    process.stderr.write(`switchyard: there is no audit log in ${dataDir}; set "audit": { "enabled": true } in the config to keep content.\n`);
    return 1;
  }
  const sink = new SqliteAuditSink(() => openAuditDatabase(dataDir));
  try {
    let after: { time: number; id: string } | undefined;
    for (;;) {
      const page = await sink.range({ since, until, after, limit: 500 });
      if (page.length === 0) break;
      const lines = page.map((entry) => JSON.stringify(entry.data)).join('\n') + '\n';
      if (!process.stdout.write(lines)) await new Promise((resolve) => process.stdout.once('drain', resolve));
      const last = page[page.length - 1]!;
      after = { time: last.time, id: last.id };
    }
  } finally {
    await sink.close();
  }
  return 0;
}

/**
 * The data folder an offline command reads: `--data-dir`, else `$SWITCHYARD_DATA_DIR`, else the
 * config file's `dataDir`, else the user's data folder — where `switchyard serve` would write.
 */
async function dataDirOf(explicit: string | undefined, configFile: string | undefined): Promise<string> {
  const dataDir = explicit ?? process.env.SWITCHYARD_DATA_DIR;
  if (dataDir !== undefined) return dataDir;
  const configPath = configFile ?? process.env.SWITCHYARD_CONFIG ?? defaultConfigPath();
  try {
    return (configPath === undefined ? undefined : (await new FileConfigSource(configPath).load()).dataDir) ?? defaultDataDir();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return defaultDataDir();
  }
}

/** `--config FILE` or `--config=FILE` among the arguments, for commands that only need the data folder. */
function configOption(argv: readonly string[]): string | undefined {
  for (let index = 0; index < argv.length; index += 1) {
    if (argv[index] === '--config') return argv[index + 1];
    if (argv[index].startsWith('--config=')) return argv[index].slice('--config='.length);
  }
  return undefined;
}

/** An ISO date or time, or an age before `now` (`7d`, `12h`, `30m`); NaN when neither. */
function parseWhen(text: string, now: number): number {
  const age = /^(\d+)([dhm])$/.exec(text);
  if (age !== null) return now - Number(age[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[age[2] as 'd' | 'h' | 'm'];
  return Date.parse(text);
}

function graceOverride(): number | undefined {
  const value = Number(process.env.SWITCHYARD_DETACH_GRACE_MS);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * A proxy the VS Code extension started outlives the window that spawned it, and with it the
 * pipes of its stdout and stderr: a write then fails with EPIPE, which as an unhandled stream
 * error would kill the process. Output nobody reads is dropped instead.
 */
function survivePipeClosure(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
      throw error;
    });
  }
}

/** A config file's text, or undefined when it cannot be read at all. */
function readTextOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end === -1 ? text : text.slice(0, end);
}

function defaultConfigPath(): string | undefined {
  const candidate = path.join(process.env.XDG_CONFIG_HOME || path.join(homedir(), '.config'), 'switchyard', 'config.json');
  return existsSync(candidate) ? candidate : undefined;
}

/** The local access key: from the environment, or generated once and kept (0600) in the data folder. */
function localAccessKey(dataDir: string): string {
  if (process.env.SWITCHYARD_ACCESS_KEY) return process.env.SWITCHYARD_ACCESS_KEY;
  const file = path.join(dataDir, 'access-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = `sy-${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}
