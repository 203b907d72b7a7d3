import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Database, NormalQueryResult } from 'node-sqlite3-wasm';
import { aggregateRecords, type AggregateBy, type AggregateRow } from './aggregate-records';
import {
  filterToSql,
  matchesFilter,
  recordLimit,
  type RecordFilter,
  type TimeRange,
} from '../record-filter';
import { RecordInsert } from './record-insert';
import { decodeRecordRow } from './record-row';
import type { RequestRecord } from '../request-record';
import { migrate } from './schema';

/** The request log: writes are queued and batched off the request path. */
export interface RequestStore {
  /** The database file. */
  readonly path: string;
  /** Queues a finished call. Never blocks and never throws; ignored once closed. */
  add(record: RequestRecord): void;
  /** Writes everything queued, in one transaction. */
  flush(): void;
  /** Flushes, stops the timers and closes the database. */
  close(): void;
  /** Matching records, newest first, including those still queued. */
  recent(filter?: RecordFilter): RequestRecord[];
  get(id: string): RequestRecord | undefined;
  /** Totals per group over the time range, after flushing the queue. */
  aggregate(by: AggregateBy, range?: TimeRange): AggregateRow[];
  /** Deletes records older than the retention period; returns how many went. */
  deleteExpired(): number;
}

export interface RequestStoreOptions {
  /** The folder for `switchyard.db`; created if missing. */
  dataDir: string;
  /** Records older than this many days are deleted; 0 or less keeps everything. */
  retentionDays: number;
  /** How long a queued record waits at most before it is written; 1000 ms by default. */
  flushIntervalMs?: number;
  /**
   * Queue length that triggers a write before the interval is up; 2000 by default. A
   * high-water mark, not the usual batch: each write pays a fixed cost (lock directory,
   * journal, the touched pages of the table and its four indexes rewritten), so under load
   * fewer, larger writes are cheaper per record, while memory stays bounded.
   */
  batchSize?: number;
  /** Told about write failures, which never reach a client; stderr by default. */
  onError?: (error: unknown) => void;
}

export const databaseFileName = 'switchyard.db';

const retentionIntervalMs = 6 * 60 * 60 * 1000;
const dayMs = 24 * 60 * 60 * 1000;

/**
 * node-sqlite3-wasm locks by creating `<database>.lock` as a directory and removes it when the
 * statement ends, so a process killed mid-write leaves it behind and every later open would
 * report SQLITE_BUSY forever. No write of ours holds it for more than a moment.
 */
const staleLockAgeMs = 60 * 1000;

/**
 * Opens (creating or migrating) the request log in `dataDir`, deletes expired records, and
 * starts the retention timer; no timer of the store keeps the process alive.
 *
 * What a crash may cost, and how these settings keep to it: a clean shutdown loses nothing
 * (close() writes the queue); a process crash loses the queue, at most one interval's or one
 * batch's records while the disk takes writes, and never corrupts the file, because every write
 * is one transaction behind a rollback journal. synchronous=NORMAL rather than OFF: both survive
 * a process crash alike (the bytes are in the OS cache in order either way), but OFF lets an OS
 * crash or power cut corrupt the file, and a corrupt log means running without one. NORMAL's
 * fsyncs are paid per write, not per record: measured with bench/store-write.ts, about 1 ms of
 * CPU a write more than OFF, half a microsecond a record at load, where a write holds up to
 * 2000 records.
 *
 * Journal: rollback journal in TRUNCATE mode. WAL needs the VFS's shared-memory methods, which
 * node-sqlite3-wasm does not implement (`journal_mode=WAL` stays `delete`); it only works with
 * `locking_mode=EXCLUSIVE`, which would hold the lock directory for the life of the process,
 * lock out a second proxy or a CLI reading the log, and be left behind by every crash. MEMORY
 * or OFF journals would let a crash mid-write corrupt the file. PERSIST measured no cheaper.
 */
export function openRequestStore(options: RequestStoreOptions): RequestStore {
  mkdirSync(options.dataDir, { recursive: true });
  const file = path.join(options.dataDir, databaseFileName);
  removeStaleLock(`${file}.lock`);
  const database = new (loadSqlite().Database)(file);
  try {
    database.exec('PRAGMA journal_mode = TRUNCATE');
    database.exec('PRAGMA synchronous = NORMAL');
    migrate(database);
  } catch (error) {
    database.close();
    throw error;
  }
  return new SqliteRequestStore(file, database, options);
}

type SqliteModule = typeof import('node-sqlite3-wasm');
let sqliteModule: SqliteModule | undefined;

/**
 * node-sqlite3-wasm compiles its WASM synchronously when first required, reading
 * `node-sqlite3-wasm.wasm` from beside the requiring script: in the bundle, beside
 * `dist/proxy.js`. Requiring it here rather than at import turns a missing file into an
 * error from openRequestStore, which the proxy survives without a log, instead of a crash
 * at startup.
 */
function loadSqlite(): SqliteModule {
  sqliteModule ??= require('node-sqlite3-wasm') as SqliteModule;
  return sqliteModule;
}

function removeStaleLock(lockPath: string): void {
  try {
    if (Date.now() - statSync(lockPath).mtimeMs > staleLockAgeMs) rmdirSync(lockPath);
  } catch {
    // No lock directory (the usual case), or another process just took or freed it.
  }
}

class SqliteRequestStore implements RequestStore {
  readonly path: string;
  private readonly database: Database;
  private readonly insert: RecordInsert;
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly maximumQueueLength: number;
  private readonly retentionDays: number;
  private readonly onError: (error: unknown) => void;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly retentionTimer: NodeJS.Timeout;
  private queue: RequestRecord[] = [];
  private pendingFlush: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(file: string, database: Database, options: RequestStoreOptions) {
    this.path = file;
    this.database = database;
    this.insert = new RecordInsert(database);
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.batchSize = Math.max(1, options.batchSize ?? 2000);
    // Bounds memory while the disk refuses writes; the oldest records go first.
    this.maximumQueueLength = Math.max(10_000, this.batchSize * 5);
    this.retentionDays = options.retentionDays;
    this.onError = options.onError ?? ((error) => console.error('switchyard: request log:', error));
    this.deleteExpiredReporting();
    this.retentionTimer = setInterval(() => this.deleteExpiredReporting(), retentionIntervalMs).unref();
  }

  add(record: RequestRecord): void {
    if (this.closed) return;
    this.queue.push(record);
    if (this.queue.length >= this.batchSize) {
      this.pendingFlush ??= setImmediate(() => {
        this.pendingFlush = undefined;
        this.flush();
      });
    } else {
      this.scheduleFlush();
    }
  }

  flush(): void {
    if (this.closed) return;
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    try {
      this.writeBatch(batch);
    } catch (batchError) {
      this.rollback();
      this.writeOneByOne(batch, batchError);
    }
    // Records put back after a refused write are retried on the next interval.
    if (this.queue.length > 0) this.scheduleFlush();
  }

  close(): void {
    if (this.closed) return;
    clearInterval(this.retentionTimer);
    if (this.pendingFlush !== undefined) clearImmediate(this.pendingFlush);
    this.flush();
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    if (this.queue.length > 0) this.onError(new Error(`${this.queue.length} request records were not written before closing`));
    this.closed = true;
    this.queue = [];
    this.insert.finalize();
    this.database.close();
  }

  recent(filter: RecordFilter = {}): RequestRecord[] {
    this.assertOpen();
    const limit = recordLimit(filter);
    const { where, values } = filterToSql(filter);
    const rows = this.database.all(`SELECT * FROM requests ${where} ORDER BY time DESC, id DESC LIMIT ?`, [
      ...values,
      limit,
    ]) as NormalQueryResult[];
    const stored = rows.map(decodeRecordRow);
    const queued = this.queue.filter((record) => matchesFilter(record, filter));
    if (queued.length === 0) return stored;
    // A queued record is the newer copy if the same id was stored before (INSERT OR REPLACE).
    const queuedIds = new Set(queued.map((record) => record.id));
    const merged = queued.concat(stored.filter((record) => !queuedIds.has(record.id)));
    merged.sort(newestFirst);
    return merged.slice(0, limit);
  }

  get(id: string): RequestRecord | undefined {
    this.assertOpen();
    for (let index = this.queue.length - 1; index >= 0; index -= 1) {
      if (this.queue[index].id === id) return this.queue[index];
    }
    const row = this.database.get('SELECT * FROM requests WHERE id = ?', id) as NormalQueryResult | null;
    return row === null ? undefined : decodeRecordRow(row);
  }

  aggregate(by: AggregateBy, range: TimeRange = {}): AggregateRow[] {
    this.assertOpen();
    this.flush();
    return aggregateRecords(this.database, by, range);
  }

  deleteExpired(): number {
    this.assertOpen();
    if (!(this.retentionDays > 0)) return 0;
    const cutoff = Date.now() - this.retentionDays * dayMs;
    return this.database.run('DELETE FROM requests WHERE time < ?', cutoff).changes;
  }

  private deleteExpiredReporting(): void {
    try {
      this.deleteExpired();
    } catch (error) {
      this.onError(error);
    }
  }

  /**
   * The flush timer runs only while records wait, so an idle proxy is not woken every second.
   * It stays armed as more records arrive: the first queued record is written within the
   * interval.
   */
  private scheduleFlush(): void {
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, this.flushIntervalMs).unref();
  }

  private writeBatch(batch: RequestRecord[]): void {
    this.database.exec('BEGIN IMMEDIATE');
    this.insert.insert(batch);
    this.database.exec('COMMIT');
  }

  /**
   * After a failed batch: a record the schema rejects is dropped and reported so it cannot
   * block the others forever; if the database itself refuses (busy, disk full) the batch goes
   * back to the front of the queue for the next flush.
   */
  private writeOneByOne(batch: RequestRecord[], batchError: unknown): void {
    try {
      this.database.exec('BEGIN IMMEDIATE');
      for (let index = 0; index < batch.length; index += 1) {
        const record = batch[index];
        try {
          this.insert.insert(batch, index, index + 1);
        } catch (error) {
          this.onError(new Error(`dropped request record ${String(record.id)}: ${errorMessage(error)}`));
        }
      }
      this.database.exec('COMMIT');
    } catch {
      this.rollback();
      this.requeue(batch);
      this.onError(batchError);
    }
  }

  private requeue(batch: RequestRecord[]): void {
    const queue = batch.concat(this.queue);
    const excess = queue.length - this.maximumQueueLength;
    if (excess > 0) {
      queue.splice(0, excess);
      this.onError(new Error(`dropped ${excess} request records: the database has refused writes for too long`));
    }
    this.queue = queue;
  }

  private rollback(): void {
    try {
      if (this.database.inTransaction) this.database.exec('ROLLBACK');
    } catch {
      // SQLite may already have rolled back on its own after an I/O error.
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The request store is closed.');
  }
}

function newestFirst(a: RequestRecord, b: RequestRecord): number {
  if (a.time !== b.time) return b.time - a.time;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
