import { BatchedRequestLog } from '../batched-request-log';
import { MemoryRateCounters } from '../memory-rate-counters';
import { MemoryResponseCache } from '../memory-response-cache';
import { openPostgresDatabase } from '../postgres/postgres-database';
import { PostgresAccessKeys } from '../postgres/postgres-access-keys';
import { PostgresAuditSink } from '../postgres/postgres-audit-sink';
import { PostgresCounters } from '../postgres/postgres-counters';
import { PostgresRequestLog } from '../postgres/postgres-request-log';
import { PostgresSpendLedger } from '../postgres/postgres-spend-ledger';
import { reportsFor, type Storage, type StorageSettings } from '../storage';
import { openRedis, type RedisConnection } from '../redis/redis-connection';
import { RedisRateCounters } from '../redis/redis-rate-counters';
import { RedisResponseCache } from '../redis/redis-response-cache';
import { GuardedRateCounters } from './guarded-rate-counters';

/** Where a team's shared state lives. */
export interface TeamStorageSettings {
  /** Request log, access keys, budgets' ledger, audit. */
  postgresUrl: string;
  /** Response cache and rate-limit counters; without it each proxy keeps its own in memory. */
  redisUrl?: string;
  /** What budgets and rate limits do while their store is out of reach. */
  onStorageError: 'closed' | 'open';
  log?: (message: string) => void;
}

/**
 * Opens the team stores: Postgres for what must last and be listed (records, keys, spend, audit),
 * Redis for what is hot and shared (cache, rate counters). Loaded by dynamic import only when a
 * Postgres URL is configured, so `pg` and `ioredis` stay out of a solo proxy's start.
 *
 * Rejects when Postgres cannot be reached at start (the migrations must run); once open, a
 * server that goes away is survived: records and audit entries wait in memory (bounded) and are
 * written when it returns, and `problems()` says so for `/_switchyard/health`.
 */
export async function openTeamStorage(settings: StorageSettings, team: TeamStorageSettings): Promise<Storage> {
  const database = await openPostgresDatabase(team.postgresUrl, { log: team.log });
  let redis: RedisConnection | undefined;
  try {
    redis = team.redisUrl === undefined ? undefined : await openRedis(team.redisUrl, team.log);
  } catch (error) {
    await database.close();
    throw error;
  }
  const requestLog = new BatchedRequestLog(new PostgresRequestLog(database), {
    retentionDays: settings.retentionDays,
    flushIntervalMs: settings.flushIntervalMs,
    onError: reportsFor(settings.onError, 'request log'),
    onNotice: settings.onNotice,
  });
  const auditSink = new PostgresAuditSink(database, { flushIntervalMs: settings.flushIntervalMs, onError: reportsFor(settings.onError, 'audit log') });
  const accessKeys = new PostgresAccessKeys(database);
  const spendLedger = new PostgresSpendLedger(database);
  const counters = new PostgresCounters(database);
  const responseCache = redis === undefined ? new MemoryResponseCache(undefined, settings.now) : new RedisResponseCache(redis, { onError: reportsFor(settings.onError, 'response cache'), now: settings.now });
  const rateCounters = redis === undefined ? new MemoryRateCounters() : new GuardedRateCounters(new RedisRateCounters(redis), `Redis at ${redis.location}`, team.onStorageError, redis.problem);
  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    const closed = await Promise.allSettled([requestLog.close(), auditSink.close(), counters.close(), responseCache.close(), accessKeys.close(), spendLedger.close(), rateCounters.close()]);
    await Promise.allSettled([database.close(), redis?.close()]);
    for (const result of closed) if (result.status === 'rejected') throw result.reason;
  };
  return {
    location: database.location,
    requestLog,
    counters,
    responseCache,
    auditSink,
    accessKeys,
    spendLedger,
    rateCounters,
    problems() {
      const problems: string[] = [];
      const unreachable = database.problem();
      const waiting = requestLog.problem();
      // The budgets' ledger lives there too: once a proxy's leases run out, budgets follow onStorageError.
      const budgets = team.onStorageError === 'closed' ? 'calls a budget applies to are refused once their lease runs out (onStorageError: closed)' : 'budgets let calls through uncounted once their lease runs out (onStorageError: open)';
      if (unreachable !== undefined) problems.push(`${unreachable}: calls are served, but ${budgets}; records and audit entries wait in memory and are written when it is back.`);
      if (waiting !== undefined && unreachable === undefined) problems.push(waiting);
      const redisProblem = redis?.problem();
      if (redisProblem !== undefined) {
        problems.push(`${redisProblem}: the response cache is bypassed, and rate limits ${team.onStorageError === 'closed' ? 'refuse the calls they apply to (onStorageError: closed)' : 'let calls through uncounted (onStorageError: open)'}.`);
      }
      return problems;
    },
    close: () => (closing ??= close()),
  };
}
