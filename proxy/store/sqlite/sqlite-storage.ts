import { BatchedRequestLog } from '../batched-request-log';
import type { Storage, StorageSettings } from '../storage';
import { openDatabase } from './open-database';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SqliteAccessKeys } from './sqlite-access-keys';
import { SqliteAuditSink, auditDatabaseFileName, openAuditDatabase } from './sqlite-audit-sink';
import { SqliteCounters } from './sqlite-counters';
import { SqliteRequestLog } from './sqlite-request-log';
import { SqliteResponseCache } from './sqlite-response-cache';
import { SqliteRateCounters } from './sqlite-rate-counters';
import { SqliteSpendLedger } from './sqlite-spend-ledger';

/** The solo stores: every table in one `switchyard.db`, over one connection. */
export interface SqliteStorage extends Storage {
  /** The database file. */
  readonly path: string;
  readonly requestLog: BatchedRequestLog;
  readonly counters: SqliteCounters;
  readonly responseCache: SqliteResponseCache;
  readonly auditSink: SqliteAuditSink;
  readonly accessKeys: SqliteAccessKeys;
  readonly spendLedger: SqliteSpendLedger;
  readonly rateCounters: SqliteRateCounters;
}

/**
 * Opens `switchyard.db` in the data folder (creating or migrating it) with every store on it,
 * the request log batched and expiring records past `retentionDays`. Synchronous, as
 * node-sqlite3-wasm is; throws when the database cannot be opened.
 */
export function openSqliteStorage(settings: StorageSettings): SqliteStorage {
  const { file, database, lock } = openDatabase(settings.dataDir);
  const requestLog = new BatchedRequestLog(new SqliteRequestLog(database), {
    retentionDays: settings.retentionDays,
    flushIntervalMs: settings.flushIntervalMs,
    onError: settings.onError,
    onNotice: settings.onNotice,
  });
  const counters = new SqliteCounters(database);
  // A second process on the data folder (another proxy) finds the answers this one stores only
  // in the table: while one is there, new answers skip probation (see SqliteResponseCache).
  const responseCache = new SqliteResponseCache(database, { onError: settings.onError, now: settings.now, othersOnDatabase: () => lock.othersHoldOpen() });
  // The audit log has its own file, opened only when something is audited or read.
  const auditSink = new SqliteAuditSink(() => openAuditDatabase(settings.dataDir), {
    flushIntervalMs: settings.flushIntervalMs,
    onError: settings.onError,
    exists: () => existsSync(path.join(settings.dataDir, auditDatabaseFileName)),
  });
  const accessKeys = new SqliteAccessKeys(database, file);
  const spendLedger = new SqliteSpendLedger(database);
  const rateCounters = new SqliteRateCounters(database);
  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    // Every store gets to write its queue, whichever fails; the database closes regardless.
    const closed = await Promise.allSettled([requestLog.close(), auditSink.close(), counters.close(), responseCache.close(), accessKeys.close(), spendLedger.close(), rateCounters.close()]);
    database.close();
    lock.release();
    for (const result of closed) if (result.status === 'rejected') throw result.reason;
  };
  return {
    path: file,
    location: settings.dataDir,
    requestLog,
    counters,
    responseCache,
    auditSink,
    accessKeys,
    spendLedger,
    rateCounters,
    close: () => (closing ??= close()),
  };
}
