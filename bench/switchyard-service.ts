/** Starting the built Switchyard for the benchmark, against the fake upstream. */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startChildService, type ChildService } from './child-service';
import { benchRoutes, benchRules } from './routing-config';
import { PostgresServer, RedisServer, findPostgresBinaries, findRedisServer } from '../test/support/servers';

const root = path.resolve(__dirname, '..');
/**
 * The bench's config against the fake upstream at `upstream`: its three providers, and the routes
 * and 51 rules every case runs with (unrouted requests miss them all, as they would in a real
 * config of that size).
 */
export function benchConfig(upstream: string) {
  return {
    providers: {
      openai: { baseUrl: `${upstream}/v1` },
      anthropic: { baseUrl: upstream },
      fakecompat: { type: 'openai-compatible' as const, baseUrl: `${upstream}/v1`, apiKeyEnv: 'FAKECOMPAT_API_KEY' },
    },
    routes: benchRoutes(),
    rules: benchRules(),
  };
}

/** Lets the routing check read request records from Switchyard's control API. */
export const controlToken = 'bench-control-token-0000';

/**
 * Starts the built Switchyard, or returns undefined when there is no build yet. `entry` runs
 * another build instead (a copy of dist/ holding proxy.js, for an A/B of two builds).
 */
export async function startSwitchyard(
  upstream: string,
  workDirectory: string,
  profileDirectory = process.env.BENCH_PROFILE,
  entry = path.join(root, 'bin', 'switchyard.js'),
  name = 'switchyard',
  /** More config (the governed case's budgets). */
  extraConfig: Record<string, unknown> = {},
  /** More environment (the team case's storage URLs). */
  extraEnv: Record<string, string> = {},
  /** A command Node runs under, e.g. `['valgrind', '--tool=callgrind']` (instructions.ts). */
  launcher: readonly string[] = [],
): Promise<ChildService | undefined> {
  if (process.env.BENCH_STAND_IN === '1' || !existsSync(entry) || (entry.endsWith('switchyard.js') && !existsSync(path.join(root, 'dist', 'proxy.js')))) {
    return undefined;
  }
  const configPath = path.join(workDirectory, `${name}.json`);
  writeFileSync(
    configPath,
    JSON.stringify({ ...benchConfig(upstream), ...extraConfig }),
  );
  const nodeOptions = profileDirectory === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDirectory)}`];
  // BENCH_NODE_FLAGS: Node and V8 flags for every Switchyard the bench starts (e.g.
  // `--log-deopt --logfile=/tmp/v8-%p.log` to see what V8 deoptimises under load).
  nodeOptions.push(...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== ''));
  const nodeArguments = [...nodeOptions, entry, 'serve', '--port', '0', '--config', configPath];
  const [command, ...launcherArguments] = launcher.length === 0 ? [process.execPath] : [...launcher, process.execPath];
  return startChildService(name, command!, [...launcherArguments, ...nodeArguments], {
    ...process.env,
    OPENAI_API_KEY: 'sk-bench-openai-0000',
    ANTHROPIC_API_KEY: 'sk-ant-bench-0000',
    FAKECOMPAT_API_KEY: 'sk-bench-compat-0000',
    SWITCHYARD_DATA_DIR: path.join(workDirectory, `${name}-data`),
    SWITCHYARD_CONTROL_TOKEN: controlToken,
    ...extraEnv,
  }, launcher.length === 0 ? undefined : 180_000);
}

/**
 * The team case's Switchyards: `count` processes with the same config on one PostgreSQL and one
 * Redis started here as local processes (test/support/servers.ts) — a team's proxies, one per
 * repetition as the plain ones. Undefined, with the reason printed, without a build or without
 * the server binaries.
 */
export async function startTeamSwitchyards(upstream: string, workDirectory: string, count: number): Promise<{ services: ChildService[]; stop: () => Promise<void> } | undefined> {
  const postgresBinaries = findPostgresBinaries();
  const redisBinary = findRedisServer();
  if (postgresBinaries === undefined || redisBinary === undefined) {
    process.stderr.write('The team case needs postgres/initdb and redis-server (Debian: postgresql, redis-server); it is left out.\n');
    return undefined;
  }
  const [postgres, redis] = await Promise.all([PostgresServer.start(postgresBinaries), RedisServer.start(redisBinary)]);
  const services: ChildService[] = [];
  /** The servers only: the caller stops the processes first, with its other services. */
  const stop = async (): Promise<void> => {
    await Promise.all([postgres.close(), redis.close()]);
  };
  try {
    for (let index = 0; index < count; index++) {
      const service = await startSwitchyard(upstream, workDirectory, process.env.BENCH_PROFILE, undefined, index === 0 ? 'team' : `team-${index + 1}`, {}, { SWITCHYARD_POSTGRES_URL: postgres.url(), SWITCHYARD_REDIS_URL: redis.url() });
      if (service === undefined) break;
      services.push(service);
    }
  } catch (error) {
    await Promise.all(services.map((service) => service.stop()));
    await stop();
    throw error;
  }
  if (services.length === 0) {
    await stop();
    return undefined;
  }
  return { services, stop };
}

/** The governed case's 5 budgets: everyone, a provider, a model glob, a key, and one that only warns. */
export const benchBudgets = [
  { name: 'team-daily', limitUsd: 1000, period: 'day' },
  { name: 'openai-monthly', match: { provider: 'openai' }, limitUsd: 20000, period: 'month' },
  { name: 'mini-weekly', match: { model: 'openai/gpt-4o-mini*' }, limitUsd: 5000, period: 'week' },
  { name: 'bench-key', match: { key: 'bench-a' }, limitUsd: 1000, period: 'day' },
  { name: 'warn-only', limitUsd: 500, period: 'day', action: 'warn' },
];

/**
 * A second Switchyard with governance on: the 5 budgets and 3 named keys, each with an
 * allow-list, a budget and rate limits far above the load; resolves with the key the governed
 * case sends. Undefined when there is no build.
 */
export async function startGovernedSwitchyard(upstream: string, workDirectory: string, entry?: string, name = 'governed', launcher: readonly string[] = [], extraEnv: Record<string, string> = {}): Promise<{ service: ChildService; key: string } | undefined> {
  const service = await startSwitchyard(upstream, workDirectory, process.env.BENCH_PROFILE, entry, name, { budgets: benchBudgets }, extraEnv, launcher);
  if (service === undefined) return undefined;
  let key = '';
  for (const name of ['bench-a', 'bench-b', 'bench-c']) {
    const response = await fetch(`${service.url}/_switchyard/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${controlToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, models: ['openai/*', 'anthropic/claude-*'], budget: '1000/day', rpm: 10_000_000, tpm: 10_000_000_000 }),
    });
    const created = (await response.json()) as { key?: string };
    if (created.key === undefined) throw new Error(`could not create bench key ${name}: ${JSON.stringify(created)}`);
    if (name === 'bench-a') key = created.key;
  }
  return { service, key };
}

/**
 * A second Switchyard with redaction on (`redact`, every detector, restore on) for the
 * redaction cases, against the plain one. Undefined when there is no build.
 */
export async function startRedactingSwitchyard(upstream: string, workDirectory: string, name = 'redacting'): Promise<ChildService | undefined> {
  return startSwitchyard(upstream, workDirectory, process.env.BENCH_PROFILE, undefined, name, { redaction: { mode: 'redact' } });
}
