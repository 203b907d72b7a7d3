import type { Redis } from 'ioredis';

/** One Redis connection as the team stores use it, and whether it is usable now. */
export interface RedisConnection {
  readonly client: Redis;
  /** The server without credentials, for messages. */
  readonly location: string;
  /** Why Redis cannot be used now (down, reconnecting), or undefined while it can. */
  problem(): string | undefined;
  close(): Promise<void>;
}

/** Keys of every Switchyard structure in Redis start with this. */
export const redisPrefix = 'switchyard:';

/** The URL without its password. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.username = parsed.username === 'default' ? '' : parsed.username;
    return parsed.toString();
  } catch {
    return 'redis (an unparsable URL)';
  }
}

/**
 * Connects to `url` (rejects when it cannot within 5 s). While Redis is away a command fails at
 * once instead of waiting in a queue (`enableOfflineQueue: false`), so no call waits on a dead
 * Redis: the stores then bypass the cache and fail budgets' and rate limits' checks closed or
 * open. Reconnects with backoff, 0.25 s doubling to 10 s, for as long as the proxy runs.
 */
export async function openRedis(url: string, log: (message: string) => void = () => {}): Promise<RedisConnection> {
  const loaded = (await import('ioredis')) as unknown as { default?: typeof import('ioredis').Redis; Redis?: typeof import('ioredis').Redis };
  const RedisClient = (loaded.Redis ?? loaded.default)!;
  const location = describeRedisUrl(url);
  const client = new RedisClient(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 2_000,
    connectTimeout: 5_000,
    retryStrategy: (attempt: number) => Math.min(250 * 2 ** Math.max(0, attempt - 1), 10_000),
  });
  let lastError: string | undefined;
  let down = false;
  client.on('error', (error: Error) => {
    lastError = error.message || (error as { code?: string }).code || String(error);
  });
  client.on('close', () => {
    if (!down) log(`Redis at ${location} went away (${lastError ?? 'connection closed'}); reconnecting with backoff, the cache is bypassed meanwhile`);
    down = true;
  });
  client.on('ready', () => {
    if (down) log(`Redis at ${location} is back`);
    down = false;
    lastError = undefined;
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(`Redis at ${location} cannot be reached: ${(error as Error).message}`);
  }
  return {
    client,
    location,
    problem: () => (client.status === 'ready' ? undefined : `Redis at ${location} cannot be reached (${lastError ?? client.status})`),
    async close() {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}
