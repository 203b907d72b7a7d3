import { auditDataText, auditEntryFromRow, auditLimit, auditRangePage, inAuditRangePage, matchesAuditFilter, mergeQueuedAudit, type AuditEntry, type AuditFilter, type AuditRange, type AuditRetention, type AuditSink } from '../audit-sink';
import type { PostgresDatabase, SqlValue } from './postgres-database';

const purgeBatchRows = 500;
/** Entries kept in memory at most while the server is away; the oldest go first past it. */
const maximumQueueLength = 10_000;

/**
 * The audit sink in Postgres's `audit` table, queued and written in batches like the SQLite
 * sink (`../sqlite/sqlite-audit-sink.ts`): reads see queued entries, a refused write is retried
 * on the next interval (the server restarting, say), and what waits is bounded.
 */
export class PostgresAuditSink implements AuditSink {
  private queue: AuditEntry[] = [];
  private writing: AuditEntry[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private closed = false;
  private readonly flushIntervalMs: number;
  private readonly onError: (error: unknown) => void;

  constructor(
    private readonly database: PostgresDatabase,
    options: { flushIntervalMs?: number; onError?: (error: unknown) => void } = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.onError = options.onError ?? ((error) => console.error('switchyard: audit log:', error));
  }

  write(entry: AuditEntry): void {
    if (this.closed) return;
    this.queue.push(entry);
    if (this.queue.length > maximumQueueLength) {
      const dropped = this.queue.splice(0, this.queue.length - maximumQueueLength);
      this.onError(new Error(`dropped ${dropped.length} audit entries: PostgreSQL has not taken writes for a while`));
    }
    this.scheduleFlush();
  }

  async recent(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    this.assertOpen();
    const limit = auditLimit(filter);
    const conditions: string[] = [];
    const values: SqlValue[] = [];
    const add = (condition: string, value: SqlValue): void => {
      values.push(value);
      conditions.push(`${condition} $${values.length}`);
    };
    if (filter.before !== undefined) add('time <', filter.before);
    if (filter.requestId !== undefined) add('request_id =', filter.requestId);
    if (filter.kind !== undefined) add('kind =', filter.kind);
    const queued = this.pending().filter((entry) => matchesAuditFilter(entry, filter));
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    const stored = (await this.database.query(`SELECT * FROM audit ${where} ORDER BY time DESC, id DESC LIMIT $${values.length + 1}`, [...values, limit])).map(auditEntryFromRow);
    return mergeQueuedAudit(queued, stored, 'newest', limit);
  }

  async get(id: string): Promise<AuditEntry | undefined> {
    this.assertOpen();
    const pending = this.pending();
    for (let index = pending.length - 1; index >= 0; index -= 1) if (pending[index]!.id === id) return pending[index];
    const rows = await this.database.query('SELECT * FROM audit WHERE id = $1', [id]);
    return rows.length === 0 ? undefined : auditEntryFromRow(rows[0]!);
  }

  async range(range: AuditRange): Promise<AuditEntry[]> {
    this.assertOpen();
    const { limit, after } = auditRangePage(range);
    const queued = this.pending().filter((entry) => inAuditRangePage(entry, range, after));
    // COLLATE "C": ids compare by code point, as in SQLite and in the queue's filter above.
    const stored = (
      await this.database.query('SELECT * FROM audit WHERE time >= $1 AND time < $2 AND (time > $3 OR (time = $3 AND id COLLATE "C" > $4)) ORDER BY time, id COLLATE "C" LIMIT $5', [
        range.since,
        range.until,
        after.time,
        after.id,
        limit,
      ])
    ).map(auditEntryFromRow);
    return mergeQueuedAudit(queued, stored, 'oldest', limit);
  }

  async purge(retention: AuditRetention): Promise<number> {
    this.assertOpen();
    await this.flush();
    let deleted = 0;
    for (;;) {
      const rows = await this.database.query<{ count: number }>(
        'WITH gone AS (DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE time < $1 ORDER BY time LIMIT $2) RETURNING 1) SELECT COUNT(*)::bigint AS count FROM gone',
        [retention.before, purgeBatchRows],
      );
      const changes = rows[0]?.count ?? 0;
      deleted += changes;
      if (changes < purgeBatchRows) break;
    }
    let total = Number((await this.database.query<{ total: number }>('SELECT COALESCE(SUM(size), 0)::bigint AS total FROM audit'))[0]?.total ?? 0);
    while (total > retention.maxBytes) {
      const batch = await this.database.query<{ id: string; size: number }>('SELECT id, size FROM audit ORDER BY time, id LIMIT $1', [purgeBatchRows]);
      if (batch.length === 0) break;
      const drop: string[] = [];
      for (const row of batch) {
        if (total <= retention.maxBytes) break;
        total -= row.size;
        drop.push(row.id);
      }
      await this.database.query('DELETE FROM audit WHERE id = ANY($1::text[])', [drop]);
      deleted += drop.length;
    }
    return deleted;
  }

  async flush(): Promise<void> {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    while (this.inFlight !== undefined) await this.inFlight;
    if (this.queue.length === 0) return;
    this.writing = this.queue;
    this.queue = [];
    this.inFlight = this.writeBatch(this.writing).finally(() => {
      this.writing = [];
      this.inFlight = undefined;
    });
    await this.inFlight;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    clearTimeout(this.flushTimer);
    if (this.queue.length > 0) this.onError(new Error(`${this.queue.length} audit entries were not written before closing`));
    this.queue = [];
  }

  private async writeBatch(batch: AuditEntry[]): Promise<void> {
    const rows: Array<{ entry: AuditEntry; data: string }> = [];
    for (const entry of batch) {
      const data = auditDataText(entry, this.onError);
      if (data !== undefined) rows.push({ entry, data });
    }
    if (rows.length === 0) return;
    try {
      await this.database.query(
        `INSERT INTO audit (id, time, kind, request_id, data, size)
           SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::integer[])
           ON CONFLICT (id) DO UPDATE SET time = excluded.time, kind = excluded.kind, request_id = excluded.request_id, data = excluded.data, size = excluded.size`,
        [
          rows.map((row) => row.entry.id),
          rows.map((row) => row.entry.time),
          rows.map((row) => row.entry.kind),
          rows.map((row) => row.entry.requestId ?? null),
          rows.map((row) => row.data),
          rows.map((row) => Buffer.byteLength(row.data)),
        ],
      );
    } catch (error) {
      this.queue = batch.concat(this.queue);
      this.onError(error);
      if (!this.closed) this.scheduleFlush();
    }
  }

  private pending(): AuditEntry[] {
    return this.writing.length === 0 ? this.queue : this.writing.concat(this.queue);
  }

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
