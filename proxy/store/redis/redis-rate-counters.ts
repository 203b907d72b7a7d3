import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { maxWindowMs, type RateAnswer, type RateCounters, type RateEntry, type RateItem, type RateSettlement } from '../rate-counters';
import { denial, type WindowEntry } from '../rate-window';
import { redisPrefix, type RedisConnection } from './redis-connection';

/**
 * Reserve as one Lua script: Redis runs a script alone, so no other proxy's reserve interleaves
 * and N proxies together admit exactly the limit. Each scope is a hash `id → time|amount|open`.
 * KEYS: one hash per item. ARGV: now, maxWindowMs, then per item windowMs, amount, limit, open
 * (0/1), id. Returns {1} when every item was booked, or {0, index, time, amount, open, …} with
 * the refused item's window, for the caller to compute the retry-after as every backend does.
 */
const reserveScript = `
local now = tonumber(ARGV[1])
local oldest = now - tonumber(ARGV[2])
for index = 1, #KEYS do
  local base = 2 + (index - 1) * 5
  local since = now - tonumber(ARGV[base + 1])
  local amount = tonumber(ARGV[base + 2])
  local limit = tonumber(ARGV[base + 3])
  local fields = redis.call('HGETALL', KEYS[index])
  local sum = 0
  local window = {}
  for at = 1, #fields, 2 do
    local time, booked, open = string.match(fields[at + 1], '^([^|]+)|([^|]+)|(%d)$')
    local t = tonumber(time)
    if t <= oldest then
      redis.call('HDEL', KEYS[index], fields[at])
    elseif t > since then
      sum = sum + tonumber(booked)
      table.insert(window, time)
      table.insert(window, booked)
      table.insert(window, open)
    end
  end
  if sum + amount > limit then
    local answer = {0, index - 1}
    for _, value in ipairs(window) do table.insert(answer, value) end
    return answer
  end
end
for index = 1, #KEYS do
  local base = 2 + (index - 1) * 5
  redis.call('HSET', KEYS[index], ARGV[base + 5], ARGV[1] .. '|' .. ARGV[base + 2] .. '|' .. ARGV[base + 4])
  redis.call('PEXPIRE', KEYS[index], ARGV[2])
end
return {1}
`;

/**
 * Settle: re-book entries that exist. ARGV per key: id, amount, time (0 keeps it), close (0/1).
 * Times compare as numbers; the later one's text is kept.
 */
const settleScript = `
for index = 1, #KEYS do
  local base = (index - 1) * 4
  local id = ARGV[base + 1]
  local current = redis.call('HGET', KEYS[index], id)
  if current then
    local time, _, open = string.match(current, '^([^|]+)|([^|]+)|(%d)$')
    if tonumber(ARGV[base + 3]) > tonumber(time) then time = ARGV[base + 3] end
    if ARGV[base + 4] == '1' then open = '0' end
    redis.call('HSET', KEYS[index], id, time .. '|' .. ARGV[base + 2] .. '|' .. open)
  end
end
return 1
`;

type ScriptedRedis = Redis & {
  switchyardReserve(keys: number, ...args: Array<string | number>): Promise<Array<number | string>>;
  switchyardSettle(keys: number, ...args: Array<string | number>): Promise<number>;
};

/**
 * Rate counters in Redis, shared by every proxy of a team: the contract of `../rate-counters.ts`
 * in one round trip per reserve (a Lua script, sent once and then called by its hash). Times are
 * the callers' clocks, as the contract allows; a team's machines should keep theirs in sync.
 */
export class RedisRateCounters implements RateCounters {
  private readonly client: ScriptedRedis;
  private readonly prefix = randomBytes(6).toString('hex');
  private next = 0;

  constructor(connection: RedisConnection) {
    const client = connection.client;
    // defineCommand uses EVALSHA and falls back to EVAL after a restart flushed the script cache.
    if (!('switchyardReserve' in client)) {
      client.defineCommand('switchyardReserve', { lua: reserveScript });
      client.defineCommand('switchyardSettle', { lua: settleScript });
    }
    this.client = client as ScriptedRedis;
  }

  async reserve(items: readonly RateItem[], now: number, settlements?: readonly RateSettlement[]): Promise<RateAnswer> {
    // Applied first, in a step of their own: a settlement only re-books an entry, so another
    // proxy's reserve between the two steps sees a count that is high, never low.
    if (settlements !== undefined && settlements.length > 0) await this.settle(settlements);
    if (items.length === 0) return { granted: true, entries: [] };
    const ids = items.map(() => `${this.prefix}-${(this.next++).toString(36)}`);
    const args: Array<string | number> = [...items.map((item) => scopeKey(item.scope)), now, maxWindowMs];
    items.forEach((item, index) => args.push(item.windowMs, item.amount, item.limit, item.open === true ? 1 : 0, ids[index]!));
    const answer = await this.client.switchyardReserve(items.length, ...args);
    if (Number(answer[0]) === 1) return { granted: true, entries: items.map((item, index): RateEntry => ({ scope: item.scope, id: ids[index]! })) };
    const index = Number(answer[1]);
    const item = items[index]!;
    const window: WindowEntry[] = [];
    for (let at = 2; at + 2 < answer.length; at += 3) window.push({ time: Number(answer[at]), amount: Number(answer[at + 1]), open: String(answer[at + 2]) === '1' });
    return denial(index, window, item.amount, item.limit, item.windowMs, now);
  }

  async settle(settlements: readonly RateSettlement[]): Promise<void> {
    if (settlements.length === 0) return;
    const args: Array<string | number> = settlements.map((settlement) => scopeKey(settlement.scope));
    for (const settlement of settlements) args.push(settlement.id, settlement.amount, settlement.time ?? 0, settlement.close === false ? 0 : 1);
    await this.client.switchyardSettle(settlements.length, ...args);
  }

  /** The connection is the storage's to close. */
  async close(): Promise<void> {}
}

function scopeKey(scope: string): string {
  return `${redisPrefix}rate:${scope}`;
}
