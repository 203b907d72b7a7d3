import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultConfig, type SwitchyardConfig } from './config/config';
import { ConfigError, loadConfigFile } from './config/load-config';
import { ProxyEvents } from './control/events';
import { defaultDataDir } from './store/data-dir';
import { openRequestStore, type RequestStore } from './store/request-store';
import type { ProxyRuntime } from './pipeline/runtime';
import { createReliability, createRoutingState, createSplitJudge } from './pipeline/create-runtime';
import { createRequestListener, listen } from './server';
import { closeUpstreamConnections } from './upstream/upstream-client';
import { isAllowedHost } from './security/host-check';
import { version } from './version';

const usage = `Usage: switchyard serve [options]

Runs the Switchyard proxy: one local endpoint for OpenAI, Anthropic, Gemini and
OpenAI-compatible providers, using the keys in your environment.

Options:
  --port N          port to listen on (default 4141; 0 picks a free port)
  --host HOST       address to bind (default 127.0.0.1)
  --config FILE     JSON config (default $SWITCHYARD_CONFIG, else ~/.config/switchyard/config.json if present)
  --data-dir DIR    where the request log and tokens live (default: the user's data folder)
  --require-key     clients must send a local access key as their API key ($SWITCHYARD_ACCESS_KEY,
                    else one generated and kept in <data-dir>/access-key)
  -h, --help        show this help
  -v, --version     print the version

Provider keys come from OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, GROQ_API_KEY,
CEREBRAS_API_KEY, DEEPINFRA_API_KEY, MISTRAL_API_KEY, XAI_API_KEY, OPENROUTER_API_KEY,
TOGETHER_API_KEY, FIREWORKS_API_KEY, or the variable a provider's "apiKeyEnv" names.`;

/** Runs the command line; resolves with the process exit code for failures before serving. */
export async function main(argv: string[]): Promise<number | undefined> {
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
        'require-key': { type: 'boolean' },
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
  if (values.help || positionals[0] !== 'serve') {
    process.stdout.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  const port = values.port === undefined ? 4141 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`switchyard: --port must be a number from 0 to 65535, not '${values.port}'.\n`);
    return 2;
  }
  const host = values.host ?? '127.0.0.1';
  const configPath = values.config ?? process.env.SWITCHYARD_CONFIG ?? defaultConfigPath();
  let config: SwitchyardConfig;
  try {
    config = configPath ? loadConfigFile(configPath) : defaultConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`switchyard: ${error.message}\n`);
    return 2;
  }
  const dataDir = values['data-dir'] ?? process.env.SWITCHYARD_DATA_DIR ?? config.dataDir ?? defaultDataDir();
  mkdirSync(dataDir, { recursive: true });
  const requiredKey = values['require-key'] ? localAccessKey(dataDir) : undefined;
  const withRequiredKey = (loaded: SwitchyardConfig): SwitchyardConfig =>
    requiredKey ? { ...loaded, accessKeys: [...loaded.accessKeys, requiredKey] } : loaded;
  config = withRequiredKey(config);
  if (!isAllowedHost(host, []) && config.accessKeys.length === 0) {
    process.stderr.write(
      `switchyard: refusing to listen on ${host} without an access key: anyone who can reach it could spend your provider keys. Add --require-key, or bind 127.0.0.1.\n`,
    );
    return 2;
  }
  const log = (message: string): void => void process.stderr.write(`${new Date().toISOString()} ${message}\n`);
  let store: RequestStore | undefined;
  try {
    store = openRequestStore({ dataDir, retentionDays: config.retentionDays, onError: (error) => log(`request log write failed: ${String(error)}`) });
  } catch (error) {
    // Serving matters more than the log: run without it and say why.
    log(`the request log at ${dataDir} could not be opened, requests will not be recorded: ${(error as Error).message}`);
  }
  const events = new ProxyEvents();
  const reliability = createReliability();
  const runtime: ProxyRuntime = {
    routing: createRoutingState(config, process.env),
    store,
    events,
    reliability,
    splits: createSplitJudge(() => runtime, reliability, events, log),
    log,
  };
  const controlToken = process.env.SWITCHYARD_CONTROL_TOKEN || randomBytes(24).toString('hex');
  const tokenFile = path.join(dataDir, 'control-token');
  writeFileSync(tokenFile, controlToken, { mode: 0o600 });
  if (host !== '127.0.0.1' && !config.allowedHosts.includes(host)) config.allowedHosts.push(host);

  let running;
  try {
    running = await listen(createRequestListener({ runtime, controlToken, controlTokenHint: `the token is in ${tokenFile}` }), host, port);
  } catch (error) {
    store?.close();
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'EADDRINUSE' ? ` Port ${port} is taken: is another Switchyard running? Use --port to pick another, or --port 0 for a free one.` : '';
    process.stderr.write(`switchyard: cannot listen on ${host}:${port} (${code ?? String(error)}).${hint}\n`);
    return 1;
  }
  process.stdout.write(`Switchyard listening on ${running.url}\n`);
  const withKeys = [...runtime.routing.providers.values()].filter((provider) => provider.apiKey !== undefined).map((provider) => provider.id);
  process.stdout.write(`Providers with keys: ${withKeys.length > 0 ? withKeys.join(', ') : 'none (set OPENAI_API_KEY, ANTHROPIC_API_KEY, …)'}\n`);
  process.stdout.write(`Config: ${configPath ?? 'none (presets only)'}\nRequest log: ${dataDir}\nControl API token: ${tokenFile}\n`);
  if (requiredKey) process.stdout.write(`Clients must send the local access key in ${path.join(dataDir, 'access-key')}\n`);

  const stopWatching = configPath ? watchConfig(configPath, (next) => (runtime.routing = createRoutingState(withRequiredKey(next), process.env)), log) : () => {};
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    stopWatching();
    await running.close();
    store?.close();
    await closeUpstreamConnections();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  return undefined;
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

/**
 * Reloads the config when its file changes. A file that fails validation is reported and
 * the last good config stays in force; editors that save by rename are handled by watching
 * the folder.
 */
function watchConfig(file: string, apply: (config: SwitchyardConfig) => void, log: (message: string) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(path.dirname(file), (_event, name) => {
    if (name !== null && name !== path.basename(file)) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      try {
        apply(loadConfigFile(file));
        log(`config reloaded from ${file}`);
      } catch (error) {
        log(`config not reloaded, the last good one stays in force: ${(error as Error).message}`);
      }
    }, 100);
  });
  watcher.unref();
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
