import type { Database, NormalQueryResult } from 'node-sqlite3-wasm';
import type { AggregateBy, AggregateRow, AggregateThen } from '../aggregate';
import { recordLimit, type AggregateScope, type RecordFilter } from '../record-filter';
import type { RejectedRecord, RequestLogBackend } from '../request-log';
import type { RequestRecord } from '../request-record';
import { aggregateRecords } from './aggregate-records';
import { whenNotBusy } from './busy';
import { filterToSql } from './filter-to-sql';
import { rollback } from './open-database';
import { RecordInsert } from './record-insert';
import { RequestTotals } from './request-totals';
import { decodeRecordRow } from './record-row';

/**
 * How long a read waits for a lock another process holds (ms). node-sqlite3-wasm takes the same
 * lock directory to read as to write and answers "locked" at once; another proxy's write holds it
 * for milliseconds, so a read asks again a few times before the control API answers 503.
 */
const readWaitMs = 2000;

/**
 * The request log's `requests` table, as a backend for `BatchedRequestLog`. node-sqlite3-wasm
 * is synchronous, so each promise is settled by the time the call returns: a write started
 * from a timer is done before the next request is read.
 */
export class SqliteRequestLog implements RequestLogBackend {
  private readonly database: Database;
  private readonly insert: RecordInsert;
  private readonly totals: RequestTotals;

  /** @param database An open `switchyard.db`; closing it stays with its owner. */
  constructor(database: Database) {
    this.database = database;
    this.totals = new RequestTotals(database);
    this.insert = new RecordInsert(database, { onRow: (record, values, offset) => this.totals.add(record, values, offset) });
  }

  /** One transaction; after a failure, record by record so one bad record cannot block the rest. */
  async write(records: readonly RequestRecord[]): Promise<RejectedRecord[]> {
    try {
      this.database.exec('BEGIN IMMEDIATE');
      this.totals.beginBatch();
      // An id stored already, or twice in the batch, was left out: written again one by one.
      if (this.insert.insert(records) !== records.length) this.replaceEach(records);
      this.totals.finishBatch();
      this.database.exec('COMMIT');
      return [];
    } catch (batchError) {
      rollback(this.database);
      return this.writeOneByOne(records, batchError);
    }
  }

  async recent(filter: RecordFilter): Promise<RequestRecord[]> {
    const { where, values } = filterToSql(filter);
    const rows = await whenNotBusy(
      () => this.database.all(`SELECT * FROM requests ${where} ORDER BY time DESC, id DESC LIMIT ?`, [...values, recordLimit(filter)]) as NormalQueryResult[],
      readWaitMs,
    );
    return rows.map(decodeRecordRow);
  }

  async get(id: string): Promise<RequestRecord | undefined> {
    const row = await whenNotBusy(() => this.database.get('SELECT * FROM requests WHERE id = ?', id) as NormalQueryResult | null, readWaitMs);
    return row === null ? undefined : decodeRecordRow(row);
  }

  async aggregate(by: AggregateBy, scope: AggregateScope, then?: AggregateThen): Promise<AggregateRow[]> {
    return whenNotBusy(() => aggregateRecords(this.database, by, scope, then), readWaitMs);
  }

  async deleteBefore(time: number): Promise<number> {
    return this.totals.deleteBefore(time);
  }

  /** Frees the prepared statements; the database stays open for the other stores. */
  async close(): Promise<void> {
    this.insert.finalize();
    this.totals.finalize();
  }

  /**
   * A batch the INSERT left records of out (their ids were stored already, or repeated in the
   * batch): each record replaces the stored one of its id, whose share of the totals is
   * subtracted first, the later of a repeated id last; the batch's rows are then summed in SQL.
   */
  private replaceEach(records: readonly RequestRecord[]): void {
    this.totals.sumInSql();
    for (const record of records) {
      this.totals.subtractStored(record.id);
      this.insert.replace(record);
    }
  }

  /**
   * After a failed batch: a record the schema rejects is left out and returned so it cannot
   * block the others forever; if the database itself refuses (busy, disk full) nothing is
   * written and the batch's error is thrown, for the caller to retry.
   */
  private writeOneByOne(records: readonly RequestRecord[], batchError: unknown): RejectedRecord[] {
    const rejected: RejectedRecord[] = [];
    try {
      this.database.exec('BEGIN IMMEDIATE');
      this.totals.beginBatch();
      this.totals.sumInSql();
      for (const record of records) {
        this.database.exec('SAVEPOINT record');
        try {
          this.totals.subtractStored(record.id);
          this.insert.replace(record);
          this.database.exec('RELEASE record');
        } catch (error) {
          this.database.exec('ROLLBACK TO record');
          this.database.exec('RELEASE record');
          rejected.push({ record, error });
        }
      }
      this.totals.finishBatch();
      this.database.exec('COMMIT');
    } catch {
      rollback(this.database);
      throw batchError;
    }
    return rejected;
  }
}
