import type { AggregateBy, AggregateRow, AggregateThen } from './aggregate';
import type { AggregateScope, RecordFilter } from './record-filter';
import type { RequestRecord } from './request-record';

/**
 * The request log port: every finished call's record, listed and totalled for the panel and
 * `/_switchyard/requests|stats`. Writes are queued off the request path; reads are async so a
 * backend on another machine fits behind the same interface.
 */
export interface RequestLog {
  /** Queues a finished call. Never blocks and never throws; ignored once closed. */
  add(record: RequestRecord): void;
  /** Matching records, newest first, including those still queued. */
  recent(filter?: RecordFilter): Promise<RequestRecord[]>;
  /** The record with this id, queued or stored. */
  get(id: string): Promise<RequestRecord | undefined>;
  /**
   * Totals per group over the time range (one key's records only when the scope names one),
   * counting records still queued; with `then`, per subgroup inside each group (rows carry `subKey`).
   */
  aggregate(by: AggregateBy, scope?: AggregateScope, then?: AggregateThen): Promise<AggregateRow[]>;
  /**
   * Why records are not being written right now (the last write failed, records wait), or
   * undefined while writes succeed. Shown by `/_switchyard/health` as `degraded`.
   */
  problem?(): string | undefined;
  /** Resolves once everything queued before the call has been written (or reported as not). */
  flush(): Promise<void>;
  /** Writes the queue and releases the backend; later adds are ignored and reads reject. */
  close(): Promise<void>;
}

/** A record a backend refused on its own, and why; the others in its write were kept. */
export interface RejectedRecord {
  record: RequestRecord;
  error: unknown;
}

/**
 * What a request log backend gives the batching decorator (`./batched-request-log`): a bulk
 * write and reads of what has been written. Queueing, read-your-writes and retention are the
 * decorator's, so a backend is only its storage engine.
 */
export interface RequestLogBackend {
  /**
   * Writes the records, a later one replacing an earlier one with the same id. Resolves with
   * the records the backend refused one by one (a schema violation), having kept the rest;
   * rejects when it took none (busy, disk full, unreachable), so the caller may retry all.
   */
  write(records: readonly RequestRecord[]): Promise<RejectedRecord[]>;
  /** Written records matching the filter, newest first, at most `recordLimit(filter)`. */
  recent(filter: RecordFilter): Promise<RequestRecord[]>;
  get(id: string): Promise<RequestRecord | undefined>;
  aggregate(by: AggregateBy, scope: AggregateScope, then?: AggregateThen): Promise<AggregateRow[]>;
  /** Deletes records older than the time (ms since the epoch); resolves with how many went. */
  deleteBefore(time: number): Promise<number>;
  close(): Promise<void>;
}
