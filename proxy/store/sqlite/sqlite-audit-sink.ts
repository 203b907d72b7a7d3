import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import type { Database, NormalQueryResult, SQLiteValue } from 'node-sqlite3-wasm';
import { auditDataText, auditEntryFromRow, auditLimit, auditRangePage, inAuditRangePage, matchesAuditFilter, mergeQueuedAudit, type AuditEntry, type AuditFilter, type AuditRange, type AuditRetention, type AuditSink } from '../audit-sink';
import { DatabaseLock } from './database-lock';
import { loadSqlite, recoverFromStaleLocks, rollback } from './open-database';

/** The audit log's own file in the data folder, apart from `switchyard.db`. */
export const auditDatabaseFileName = 'audit.db';

/** Rows a purge deletes per statement; the event loop runs between batches. */
const purgeBatchRows = 500;

/**
 * Opens (creating) `audit.db` in `dataDir`. The audit log holds prompts and answers, so it has
 * its own file, readable by the user alone (mode 0600, its journal too, both made before SQLite
 * opens them, since SQLite would create them 0644), and its space is given back after a purge
 * (incremental auto-vacuum), which `switchyard.db` does not need. Its lock is judged like
 * `switchyard.db`'s (see `DatabaseLock`): this connection registers as a holder, so a lock left
 * by a process killed mid-write is cleared at once rather than blocking auditing; closing the
 * database unregisters it.
 */
export function openAuditDatabase(dataDir: string): Database {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, auditDatabaseFileName);
  for (const owned of [file, `${file}-journal`]) {
    closeSync(openSync(owned, 'a', 0o600));
    chmodSync(owned, 0o600);
  }
  const lock = new DatabaseLock(file);
  lock.register();
  lock.clearIfStale();
  let database: Database;
  try {
    database = new (loadSqlite().Database)(file);
  } catch (error) {
    lock.release();
    throw error;
  }
  recoverFromStaleLocks(database, lock);
  const close = database.close.bind(database);
  database.close = () => {
    try {
      close();
    } finally {
      lock.release();
    }
  };
  try {
    database.exec('PRAGMA auto_vacuum = INCREMENTAL');
    // TRUNCATE keeps the journal file (and its mode) between transactions.
    database.exec('PRAGMA journal_mode = TRUNCATE');
    database.exec('PRAGMA synchronous = NORMAL');
    database.exec(`CREATE TABLE IF NOT EXISTS audit (
      id TEXT PRIMARY KEY,
      time INTEGER NOT NULL,
      kind TEXT NOT NULL,
      request_id TEXT,
      data TEXT NOT NULL,
      size INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS audit_time ON audit (time);
    CREATE INDEX IF NOT EXISTS audit_request_id ON audit (request_id);`);
  } catch (error) {
    database.close();
    throw error;
  }
  return database;
}

/** When the queue is written. */
export interface SqliteAuditSinkOptions {
  /** How long a queued entry waits at most before it is written; 1000 ms by default. */
  flushIntervalMs?: number;
  /** Told about write failures, which never reach a client; stderr by default. */
  onError?: (error: unknown) => void;
  /** Whether the file exists: reads of a log never written answer empty without creating it. */
  exists?: () => boolean;
}

/**
 * The audit sink in `audit.db` (see {@link openAuditDatabase}). Entries are queued and written in
 * one transaction per interval, like the request log's; an entry that cannot be stored (data
 * that is not JSON) is dropped and reported, and a refused write is retried on the next
 * interval. The file is opened on first use: a proxy that never audits never creates it.
 */
export class SqliteAuditSink implements AuditSink {
  private opened: Database | undefined;
  private readonly open: () => Database;
  private readonly exists: () => boolean;
  private readonly flushIntervalMs: number;
  private readonly onError: (error: unknown) => void;
  private queue: AuditEntry[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private closed = false;

  /** @param database How to open `audit.db` (see {@link openAuditDatabase}); the sink closes it. */
  constructor(database: () => Database, options: SqliteAuditSinkOptions = {}) {
    this.open = database;
    this.exists = options.exists ?? (() => true);
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.onError = options.onError ?? ((error) => console.error('switchyard: audit log:', error));
  }

  write(entry: AuditEntry): void {
    if (this.closed) return;
    this.queue.push(entry);
    this.scheduleFlush();
  }

  async recent(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    this.assertOpen();
    if (this.neverWritten()) return this.queue.filter((entry) => matchesAuditFilter(entry, filter)).slice(0, auditLimit(filter));
    const limit = auditLimit(filter);
    const conditions: string[] = [];
    const values: SQLiteValue[] = [];
    if (filter.before !== undefined) {
      conditions.push('time < ?');
      values.push(filter.before);
    }
    if (filter.requestId !== undefined) {
      conditions.push('request_id = ?');
      values.push(filter.requestId);
    }
    if (filter.kind !== undefined) {
      conditions.push('kind = ?');
      values.push(filter.kind);
    }
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    const rows = this.database.all(`SELECT * FROM audit ${where} ORDER BY time DESC, id DESC LIMIT ?`, [...values, limit]) as NormalQueryResult[];
    const stored = rows.map(auditEntryFromRow);
    return mergeQueuedAudit(this.queue.filter((entry) => matchesAuditFilter(entry, filter)), stored, 'newest', limit);
  }

  async get(id: string): Promise<AuditEntry | undefined> {
    this.assertOpen();
    for (let index = this.queue.length - 1; index >= 0; index -= 1) {
      if (this.queue[index].id === id) return this.queue[index];
    }
    if (this.neverWritten()) return undefined;
    const row = this.database.get('SELECT * FROM audit WHERE id = ?', id) as NormalQueryResult | null;
    return row === null ? undefined : auditEntryFromRow(row);
  }

  async flush(): Promise<void> {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    try {
      this.database.exec('BEGIN IMMEDIATE');
      for (const entry of batch) this.insert(entry);
      this.database.exec('COMMIT');
    } catch (error) {
      rollback(this.database);
      this.queue = batch.concat(this.queue);
      this.onError(error);
      // Retried on the next interval, as the request log does.
      if (!this.closed) this.scheduleFlush();
    }
  }

  async range(range: AuditRange): Promise<AuditEntry[]> {
    this.assertOpen();
    const { limit, after } = auditRangePage(range);
    const rows = this.database.all(
      'SELECT * FROM audit WHERE time >= ? AND time < ? AND (time > ? OR (time = ? AND id > ?)) ORDER BY time, id LIMIT ?',
      [range.since, range.until, after.time, after.time, after.id, limit],
    ) as NormalQueryResult[];
    const stored = rows.map(auditEntryFromRow);
    return mergeQueuedAudit(this.queue.filter((entry) => inAuditRangePage(entry, range, after)), stored, 'oldest', limit);
  }

  async purge(retention: AuditRetention): Promise<number> {
    this.assertOpen();
    // Nothing was ever kept: nothing to delete, and no file made for it.
    if (this.neverWritten() && this.queue.length === 0) return 0;
    await this.flush();
    let deleted = 0;
    // By age: the oldest rows first, one bounded batch per statement.
    for (;;) {
      const changes = this.database.run('DELETE FROM audit WHERE rowid IN (SELECT rowid FROM audit WHERE time < ? ORDER BY time LIMIT ?)', [retention.before, purgeBatchRows]).changes;
      deleted += changes;
      if (changes < purgeBatchRows) break;
      await nextTurn();
    }
    // By size: the total from the size column (an index-free sum of integers), then the oldest out.
    let total = Number(this.database.get('SELECT COALESCE(SUM(size), 0) AS total FROM audit')?.total ?? 0);
    while (total > retention.maxBytes) {
      const batch = this.database.all('SELECT rowid AS row, size FROM audit ORDER BY time LIMIT ?', [purgeBatchRows]) as NormalQueryResult[];
      if (batch.length === 0) break;
      let drop = 0;
      let freed = 0;
      for (const row of batch) {
        if (total - freed <= retention.maxBytes) break;
        freed += Number(row.size);
        drop += 1;
      }
      this.database.run('DELETE FROM audit WHERE rowid IN (SELECT rowid FROM audit ORDER BY time LIMIT ?)', [drop]);
      total -= freed;
      deleted += drop;
      await nextTurn();
    }
    // Give the freed pages back to the file system, a bounded number at a time.
    if (deleted > 0) this.database.exec('PRAGMA incremental_vacuum(2000)');
    return deleted;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    if (this.queue.length > 0) this.onError(new Error(`${this.queue.length} audit entries were not written before closing`));
    this.queue = [];
    if (this.opened?.isOpen) this.opened.close();
  }

  /** No file yet and nothing opened: nothing was ever stored. */
  private neverWritten(): boolean {
    return this.opened === undefined && !this.exists();
  }

  /** The database, opened on first use. */
  private get database(): Database {
    this.opened ??= this.open();
    return this.opened;
  }

  /** Inserts one entry; one whose data will not serialize is dropped and reported. */
  private insert(entry: AuditEntry): void {
    const data = auditDataText(entry, this.onError);
    if (data === undefined) return;
    const bytes = Buffer.from(data);
    // Bound as bytes and cast to text: node-sqlite3-wasm copies a Buffer natively (see record-row.ts).
    this.database.run('INSERT OR REPLACE INTO audit (id, time, kind, request_id, data, size) VALUES (?, ?, ?, ?, CAST(? AS TEXT), ?)', [
      entry.id,
      entry.time,
      entry.kind,
      entry.requestId ?? null,
      bytes,
      bytes.length,
    ]);
  }

  /** Only while entries wait, so an idle proxy is not woken. */
  private scheduleFlush(): void {
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, this.flushIntervalMs).unref();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The audit log is closed.');
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
