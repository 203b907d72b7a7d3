import type { Database, NormalQueryResult, SQLiteValue } from 'node-sqlite3-wasm';
import { auditLimit, matchesAuditFilter, type AuditEntry, type AuditFilter, type AuditSink } from '../audit-sink';
import type { JsonValue } from '../response-cache';
import { rollback } from './open-database';

/** When the queue is written. */
export interface SqliteAuditSinkOptions {
  /** How long a queued entry waits at most before it is written; 1000 ms by default. */
  flushIntervalMs?: number;
  /** Told about write failures, which never reach a client; stderr by default. */
  onError?: (error: unknown) => void;
}

/**
 * The audit sink in the `audit` table. Entries are queued and written in one transaction per
 * interval, like the request log's; an entry that cannot be stored (data that is not JSON) is
 * dropped and reported, and a refused write is retried on the next interval.
 */
export class SqliteAuditSink implements AuditSink {
  private readonly database: Database;
  private readonly flushIntervalMs: number;
  private readonly onError: (error: unknown) => void;
  private queue: AuditEntry[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private closed = false;

  /** @param database An open `switchyard.db`; closing it stays with its owner. */
  constructor(database: Database, options: SqliteAuditSinkOptions = {}) {
    this.database = database;
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
    const stored = rows.map(decodeAuditRow);
    const queued = this.queue.filter((entry) => matchesAuditFilter(entry, filter));
    if (queued.length === 0) return stored;
    const queuedIds = new Set(queued.map((entry) => entry.id));
    const merged = queued.concat(stored.filter((entry) => !queuedIds.has(entry.id)));
    merged.sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return merged.slice(0, limit);
  }

  async get(id: string): Promise<AuditEntry | undefined> {
    this.assertOpen();
    for (let index = this.queue.length - 1; index >= 0; index -= 1) {
      if (this.queue[index].id === id) return this.queue[index];
    }
    const row = this.database.get('SELECT * FROM audit WHERE id = ?', id) as NormalQueryResult | null;
    return row === null ? undefined : decodeAuditRow(row);
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

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    if (this.queue.length > 0) this.onError(new Error(`${this.queue.length} audit entries were not written before closing`));
    this.queue = [];
  }

  /** Inserts one entry; one whose data will not serialize is dropped and reported. */
  private insert(entry: AuditEntry): void {
    let data: string | undefined;
    try {
      data = JSON.stringify(entry.data);
    } catch (error) {
      this.onError(new Error(`dropped audit entry ${String(entry.id)}: ${error instanceof Error ? error.message : String(error)}`));
      return;
    }
    if (data === undefined) {
      this.onError(new Error(`dropped audit entry ${String(entry.id)}: its data is not JSON`));
      return;
    }
    this.database.run('INSERT OR REPLACE INTO audit (id, time, kind, request_id, data) VALUES (?, ?, ?, ?, ?)', [
      entry.id,
      entry.time,
      entry.kind,
      entry.requestId ?? null,
      data,
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

function decodeAuditRow(row: NormalQueryResult): AuditEntry {
  const entry: AuditEntry = {
    id: String(row.id),
    time: Number(row.time),
    kind: String(row.kind),
    data: JSON.parse(String(row.data)) as JsonValue,
  };
  if (typeof row.request_id === 'string') entry.requestId = row.request_id;
  return entry;
}
