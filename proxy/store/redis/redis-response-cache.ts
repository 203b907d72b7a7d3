import type { Redis } from 'ioredis';
import type { CachedResponse, JsonValue, ResponseCache } from '../response-cache';
import { redisPrefix, type RedisConnection } from './redis-connection';

const entryPrefix = `${redisPrefix}cache:entry:`;
/** key → body bytes of every entry stored (expired ones until they are noticed). */
const sizesKey = `${redisPrefix}cache:sizes`;
/** key → time of last use: the eviction order, least recently used first. */
const usedKey = `${redisPrefix}cache:used`;
/** The sum of `sizes`. */
const bytesKey = `${redisPrefix}cache:bytes`;

/** Forgets one key's bookkeeping (and its entry). Lua helper shared by the scripts below. */
const forget = `
local function forget(key)
  local size = redis.call('HGET', KEYS[2], key)
  if size then
    redis.call('DECRBY', KEYS[4], size)
    redis.call('HDEL', KEYS[2], key)
  end
  redis.call('ZREM', KEYS[3], key)
  redis.call('DEL', KEYS[1] .. key)
end
local function evict(maximum)
  while tonumber(redis.call('GET', KEYS[4]) or '0') > maximum do
    local oldest = redis.call('ZRANGE', KEYS[3], 0, 0)
    if #oldest == 0 then break end
    forget(oldest[1])
  end
end
`;
const cacheKeys = [entryPrefix, sizesKey, usedKey, bytesKey];

/** ARGV: key, body, isJson, metadata, size, ttlMs, now, maximumBytes. */
const setScript = `${forget}
forget(ARGV[1])
redis.call('HSET', KEYS[1] .. ARGV[1], 'body', ARGV[2], 'json', ARGV[3], 'metadata', ARGV[4])
redis.call('PEXPIRE', KEYS[1] .. ARGV[1], ARGV[6])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[5])
redis.call('INCRBY', KEYS[4], ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[7], ARGV[1])
evict(tonumber(ARGV[8]))
return 1`;

/** ARGV: key. */
const deleteScript = `${forget}
forget(ARGV[1])
return 1`;

/** Drops the bookkeeping of entries that expired; returns {entries, bytes}. ARGV: maximumBytes. */
const sizeScript = `${forget}
local keys = redis.call('HKEYS', KEYS[2])
for _, key in ipairs(keys) do
  if redis.call('EXISTS', KEYS[1] .. key) == 0 then forget(key) end
end
evict(tonumber(ARGV[1]))
return {redis.call('HLEN', KEYS[2]), tonumber(redis.call('GET', KEYS[4]) or '0')}`;

const clearScript = `
local keys = redis.call('HKEYS', KEYS[2])
for _, key in ipairs(keys) do redis.call('DEL', KEYS[1] .. key) end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
return #keys`;

type ScriptedRedis = Redis & {
  switchyardCacheSet(...args: Array<string | number | Buffer>): Promise<number>;
  switchyardCacheDelete(...args: Array<string | number>): Promise<number>;
  switchyardCacheSize(...args: Array<string | number>): Promise<[number, number]>;
  switchyardCacheClear(...args: Array<string | number>): Promise<number>;
};

/**
 * The response cache in Redis, one for every proxy of a team: an answer one proxy stored is a
 * hit on the others. Each entry is a hash with Redis's own expiry; the byte bound and the
 * least-recently-used order are kept beside the entries and enforced by Lua scripts (one atomic
 * step each). Redis being away is a miss, and a store that did not happen: the cache is
 * bypassed, never an error for the call.
 */
export class RedisResponseCache implements ResponseCache {
  private readonly client: ScriptedRedis;
  private maximumBytes: number;

  constructor(
    private readonly connection: RedisConnection,
    options: { maximumBytes?: number; now?: () => number; onError?: (error: unknown) => void } = {},
  ) {
    const client = connection.client;
    if (!('switchyardCacheSet' in client)) {
      client.defineCommand('switchyardCacheSet', { numberOfKeys: 4, lua: setScript });
      client.defineCommand('switchyardCacheDelete', { numberOfKeys: 4, lua: deleteScript });
      client.defineCommand('switchyardCacheSize', { numberOfKeys: 4, lua: sizeScript });
      client.defineCommand('switchyardCacheClear', { numberOfKeys: 4, lua: clearScript });
    }
    this.client = client as ScriptedRedis;
    this.maximumBytes = options.maximumBytes ?? 256 * 1024 * 1024;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => {});
  }

  private readonly now: () => number;
  private readonly onError: (error: unknown) => void;

  async get(key: string): Promise<CachedResponse | undefined> {
    if (this.connection.problem() !== undefined) return undefined;
    try {
      const fields = await this.client.hgetallBuffer(entryPrefix + key);
      const body = fields.body;
      if (body === undefined) return undefined;
      // The use orders eviction; not awaited, the answer does not depend on it.
      this.client.zadd(usedKey, 'XX', this.now(), key).catch(() => {});
      const metadata = JSON.parse(fields.metadata?.toString('utf8') ?? '{}') as CachedResponse['metadata'];
      const isJson = fields.json?.toString() === '1';
      return { body: isJson ? (JSON.parse(body.toString('utf8')) as JsonValue) : new Uint8Array(body), metadata };
    } catch (error) {
      this.onError(error);
      return undefined;
    }
  }

  async set(key: string, entry: CachedResponse, ttlSeconds: number): Promise<void> {
    if (this.connection.problem() !== undefined) return;
    const isJson = !(entry.body instanceof Uint8Array);
    const body = isJson ? Buffer.from(JSON.stringify(entry.body)) : Buffer.from(entry.body as Uint8Array);
    try {
      await this.client.switchyardCacheSet(...cacheKeys, key, body, isJson ? 1 : 0, JSON.stringify(entry.metadata), body.length, ttlSeconds * 1000, this.now(), this.maximumBytes);
    } catch (error) {
      this.onError(error);
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.switchyardCacheDelete(...cacheKeys, key);
  }

  async clear(): Promise<number> {
    return Number(await this.client.switchyardCacheClear(...cacheKeys));
  }

  async size(): Promise<{ entries: number; bytes: number }> {
    const [entries, bytes] = await this.client.switchyardCacheSize(...cacheKeys, this.maximumBytes);
    return { entries: Number(entries), bytes: Number(bytes) };
  }

  setMaximumBytes(maximumBytes: number): void {
    this.maximumBytes = maximumBytes;
    // Evicts at once if over: the size script enforces the bound.
    this.size().catch((error: unknown) => this.onError(error));
  }

  /** The connection is the storage's to close. */
  async close(): Promise<void> {}
}
