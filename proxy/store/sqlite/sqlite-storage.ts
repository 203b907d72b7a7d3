import { BatchedRequestLog } from '../batched-request-log';
import { reportsFor, type Storage, type StorageSettings } from '../storage';
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
import { SqliteWriter, ThreadedRateCounters, ThreadedRequestLog, ThreadedSpendLedger } from './sqlite-writer';
import type { RateCounters } from '../rate-counters';
import type { SpendLedger } from '../spend-ledger';

/** The solo stores: every table in one `switchyard.db`, over one connection. */
export interface SqliteStorage extends Storage {
  /** The database file. */
  readonly path: string;
  readonly requestLog: BatchedRequestLog;
  readonly counters: SqliteCounters;
  readonly responseCache: SqliteResponseCache;
  readonly auditSink: SqliteAuditSink;
  readonly accessKeys: SqliteAccessKeys;
  readonly spendLedger: SpendLedger;
  readonly rateCounters: RateCounters;
  /** The writer thread (started by the first write), unless the writes stay on the main thread. */
  readonly writer: SqliteWriter | undefined;
}

/**
 * Opens `switchyard.db` in the data folder (creating or migrating it) with every store on it,
 * the request log batched and expiring records past `retentionDays`. Synchronous, as
 * node-sqlite3-wasm is; throws when the database cannot be opened.
 *
 * With `SWITCHYARD_SQLITE_WRITER=thread` (or `writerThread: true`) the request log's batches,
 * rate-limit leases and the spend ledger write on a worker thread's connection (`SqliteWriter`),
 * so their commits do not hold the event loop. Off by default: the thread's ~10 MB of resident
 * memory puts an idle proxy over the 80 MB target, and no latency figure of the bench has shown
 * its gain yet (docs/decisions.md, "SQLite writes off the event loop").
 */
export function openSqliteStorage(settings: StorageSettings & { writerThread?: boolean }): SqliteStorage {
  const { file, database, lock, mutex } = openDatabase(settings.dataDir);
  const inline = { requestLog: new SqliteRequestLog(database), rateCounters: new SqliteRateCounters(database), spendLedger: new SqliteSpendLedger(database) };
  const threaded = settings.writerThread ?? process.env.SWITCHYARD_SQLITE_WRITER === 'thread';
  // The writer thread carries the request log's batches (and leases and the ledger): its failure is reported as the log's.
  const writer = threaded ? new SqliteWriter(settings.dataDir, mutex, inline, reportsFor(settings.onError, 'request log') ?? ((error: unknown) => console.error('switchyard:', error))) : undefined;
  const requestLog = new BatchedRequestLog(writer === undefined ? inline.requestLog : new ThreadedRequestLog(writer, inline.requestLog), {
    retentionDays: settings.retentionDays,
    flushIntervalMs: settings.flushIntervalMs,
    onError: reportsFor(settings.onError, 'request log'),
    onNotice: settings.onNotice,
    writeMoments: settings.writeMoments,
  });
  const counters = new SqliteCounters(database);
  // A second process on the data folder (another proxy) finds the answers this one stores only
  // in the table: while one is there, new answers skip probation (see SqliteResponseCache).
  const responseCache = new SqliteResponseCache(database, { onError: reportsFor(settings.onError, 'response cache'), now: settings.now, othersOnDatabase: () => lock.othersHoldOpen(), writeMoments: settings.writeMoments });
  // The audit log has its own file, opened only when something is audited or read.
  const auditSink = new SqliteAuditSink(() => openAuditDatabase(settings.dataDir), {
    flushIntervalMs: settings.flushIntervalMs,
    onError: reportsFor(settings.onError, 'audit log'),
    exists: () => existsSync(path.join(settings.dataDir, auditDatabaseFileName)),
  });
  const accessKeys = new SqliteAccessKeys(database, file);
  const spendLedger = writer === undefined ? inline.spendLedger : new ThreadedSpendLedger(writer, inline.spendLedger);
  const rateCounters = writer === undefined ? inline.rateCounters : new ThreadedRateCounters(writer, inline.rateCounters);
  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    // Every store gets to write its queue, whichever fails; the database closes regardless.
    const closed = await Promise.allSettled([requestLog.close(), auditSink.close(), counters.close(), responseCache.close(), accessKeys.close(), spendLedger.close(), rateCounters.close()]);
    // After the stores: their last writes went through the thread, which closes its connection.
    await writer?.close();
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
    writer,
    close: () => (closing ??= close()),
  };
}
