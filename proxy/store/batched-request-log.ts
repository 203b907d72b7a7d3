import type { AggregateBy, AggregateRow, AggregateThen } from './aggregate';
import { matchesFilter, recordLimit, type AggregateScope, type RecordFilter } from './record-filter';
import type { RequestLog, RequestLogBackend } from './request-log';
import type { RequestRecord } from './request-record';
import { StoreBusyError } from './store-busy';
import { longestWaitForMomentMs, type WriteMoments } from './write-moments';

/** How the decorator queues, writes and expires records. */
/** How long the first queued record waits before its batch is due (then a good moment is awaited). */
export const defaultFlushIntervalMs = 1000;

export interface BatchingOptions {
  /** Records older than this many days are deleted; 0 or less keeps everything. */
  retentionDays: number;
  /** How long a queued record waits at most before it is written; 1000 ms by default. */
  flushIntervalMs?: number;
  /**
   * Queue length that triggers a write before the interval is up; 2000 by default. A
   * high-water mark, not the usual batch: each write pays a fixed cost (for SQLite: the lock
   * directory, the journal, the touched pages of the table and its indexes rewritten), so under
   * load fewer, larger writes are cheaper per record, while memory stays bounded.
   */
  batchSize?: number;
  /** Told about write failures, which never reach a client; stderr by default. */
  onError?: (error: unknown) => void;
  /** Told when writes pass again after failing, and how many records waited; stderr by default. */
  onNotice?: (message: string) => void;
  /**
   * When a due batch is written: at a moment these say is good (beside a provider call), within
   * {@link longestWaitForMomentMs} more. Without them, as soon as the interval is up. A batch of
   * `batchSize` records is written at once either way.
   */
  writeMoments?: WriteMoments;
}

/** While writes keep failing the same way, the failure is reported again (with the count waiting) this often. */
const failureReminderMs = 60 * 1000;
/** How long a close waits for a store another process holds before giving up on the queue. */
const closeBusyWaitMs = 3000;

const retentionIntervalMs = 6 * 60 * 60 * 1000;
const dayMs = 24 * 60 * 60 * 1000;

/**
 * The request log over any backend with a bulk write: records are queued on `add` and written
 * in batches off the request path, reads see queued records, and expired records are deleted
 * on open and every six hours. No timer of it keeps the process alive, and the flush timer runs
 * only while records wait.
 *
 * What a crash may cost: a clean shutdown loses nothing (close() writes the queue); a process
 * crash loses the queue, at most one interval's or one batch's records while the backend takes
 * writes. Whether a crash mid-write can damage what is stored is the backend's to say (the
 * SQLite one cannot be corrupted by one; see `sqlite/open-database.ts`).
 *
 * While the backend refuses writes (busy, disk full) the batch goes back to the front of the
 * queue and is retried on the next interval; the queue is bounded, dropping its oldest records
 * with a report. A record the backend rejects on its own is dropped and reported so it cannot
 * block the others forever.
 */
export class BatchedRequestLog implements RequestLog {
  private readonly backend: RequestLogBackend;
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly maximumQueueLength: number;
  private readonly retentionDays: number;
  private readonly onError: (error: unknown) => void;
  private readonly onNotice: (message: string) => void;
  private readonly retentionTimer: NodeJS.Timeout;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly writeMoments: WriteMoments | undefined;
  /** Cancels the due batch's wait for a good moment, while it waits. */
  private cancelMoment: (() => void) | undefined;
  private pendingFlush: NodeJS.Immediate | undefined;
  private queue: RequestRecord[] = [];
  /** The batch the backend is writing: reads still serve it from here until the write settles. */
  private writing: readonly RequestRecord[] = [];
  private inFlight: Promise<void> | undefined;
  private closed = false;
  /** The last write's failure while it is unresolved; cleared by the next write that succeeds. */
  private writeFailure: string | undefined;
  /** The last write's failure itself, and since when writes fail; when it was last reported. */
  private lastWriteError: unknown;
  private failingSince = 0;
  private failureReportedAt = 0;
  private closing: Promise<void> | undefined;

  constructor(backend: RequestLogBackend, options: BatchingOptions) {
    this.backend = backend;
    this.flushIntervalMs = options.flushIntervalMs ?? defaultFlushIntervalMs;
    this.batchSize = Math.max(1, options.batchSize ?? 2000);
    // Bounds memory while the backend refuses writes; the oldest records go first.
    this.maximumQueueLength = Math.max(10_000, this.batchSize * 5);
    this.retentionDays = options.retentionDays;
    this.onError = options.onError ?? ((error) => console.error('switchyard: request log:', error));
    this.onNotice = options.onNotice ?? ((message) => console.error(`switchyard: ${message}`));
    this.writeMoments = options.writeMoments;
    void this.deleteExpiredReporting();
    this.retentionTimer = setInterval(() => void this.deleteExpiredReporting(), retentionIntervalMs).unref();
  }

  add(record: RequestRecord): void {
    if (this.closed) return;
    this.queue.push(record);
    if (this.queue.length >= this.batchSize) {
      this.pendingFlush ??= setImmediate(() => {
        this.pendingFlush = undefined;
        void this.flush();
      });
    } else {
      this.scheduleFlush();
    }
  }

  problem(): string | undefined {
    if (this.writeFailure === undefined) return undefined;
    const waiting = this.queue.length + this.writing.length;
    return `Request records cannot be written (${this.writeFailure}); ${waiting} wait and are retried every ${this.flushIntervalMs / 1000} s.`;
  }

  flush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.stopWaiting();
    return this.drain();
  }

  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  async recent(filter: RecordFilter = {}): Promise<RequestRecord[]> {
    this.assertOpen();
    // Taken before the backend is asked: a record written while it answers is in one or the other.
    const queued = this.pending().filter((record) => matchesFilter(record, filter));
    const stored = await this.backend.recent(filter);
    if (queued.length === 0) return stored;
    // A queued record is the newer copy if the same id was stored before.
    const queuedIds = new Set(queued.map((record) => record.id));
    const merged = queued.concat(stored.filter((record) => !queuedIds.has(record.id)));
    merged.sort(newestFirst);
    return merged.slice(0, recordLimit(filter));
  }

  async get(id: string): Promise<RequestRecord | undefined> {
    this.assertOpen();
    const pending = this.pending();
    for (let index = pending.length - 1; index >= 0; index -= 1) {
      if (pending[index].id === id) return pending[index];
    }
    return this.backend.get(id);
  }

  async aggregate(by: AggregateBy, scope: AggregateScope = {}, then?: AggregateThen): Promise<AggregateRow[]> {
    this.assertOpen();
    await this.flush();
    const rows = await this.backend.aggregate(by, scope, then);
    if (this.queue.length === 0 || !(this.lastWriteError instanceof StoreBusyError)) return rows;
    // The write met a store another process held, and the read waited until it was free: write
    // what waited now, so the totals count it.
    await this.flush();
    return this.backend.aggregate(by, scope, then);
  }

  /** Deletes records older than the retention period; resolves with how many went. */
  async deleteExpired(): Promise<number> {
    this.assertOpen();
    if (!(this.retentionDays > 0)) return 0;
    return this.backend.deleteBefore(Date.now() - this.retentionDays * dayMs);
  }

  private async closeOnce(): Promise<void> {
    this.closed = true;
    clearInterval(this.retentionTimer);
    if (this.pendingFlush !== undefined) clearImmediate(this.pendingFlush);
    this.stopWaiting();
    await this.drain();
    // Another process inside a write on the same database (a second proxy, a CLI command) holds
    // it for milliseconds: a stop waits a little for it rather than leave the queue unwritten.
    const giveUpAt = Date.now() + closeBusyWaitMs;
    while (this.queue.length > 0 && this.lastWriteError instanceof StoreBusyError && Date.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await this.drain();
    }
    if (this.queue.length > 0) this.onError(new Error(`${this.queue.length} request records were not written before closing`));
    this.queue = [];
    await this.backend.close();
  }

  /** Records not yet written, oldest first: the batch being written, then the queue. */
  private pending(): readonly RequestRecord[] {
    return this.writing.length === 0 ? this.queue : this.writing.concat(this.queue);
  }

  /**
   * Writes the queue. One write at a time: while a batch is in flight, this waits for it and
   * then writes what queued meanwhile.
   */
  private drain(): Promise<void> {
    if (this.inFlight !== undefined) return this.inFlight.then(() => this.drain());
    if (this.queue.length === 0) return Promise.resolve();
    const batch = this.queue;
    this.queue = [];
    this.writing = batch;
    this.inFlight = this.write(batch);
    return this.inFlight;
  }

  private async write(batch: RequestRecord[]): Promise<void> {
    try {
      const rejected = await this.backend.write(batch);
      if (this.writeFailure !== undefined) this.reportRecovery(batch.length);
      this.writeFailure = undefined;
      this.lastWriteError = undefined;
      for (const { record, error } of rejected) {
        this.onError(new Error(`dropped request record ${String(record.id)}: ${errorMessage(error)}`));
      }
    } catch (error) {
      this.requeue(batch);
      this.reportFailure(error);
    } finally {
      this.writing = [];
      this.inFlight = undefined;
    }
    // Records put back after a refused write are retried on the next interval.
    if (this.queue.length > 0) this.scheduleFlush();
  }

  /**
   * One report when writes start failing (and when the failure changes, or a minute passed),
   * saying how many records wait: a store held for ten seconds is ten retries, not ten lines.
   */
  private reportFailure(error: unknown): void {
    const message = errorMessage(error);
    const now = Date.now();
    const changed = message !== this.writeFailure;
    if (this.writeFailure === undefined) this.failingSince = now;
    this.writeFailure = message;
    this.lastWriteError = error;
    if (!changed && now - this.failureReportedAt < failureReminderMs) return;
    this.failureReportedAt = now;
    const what = error instanceof StoreBusyError ? error.describe() : message;
    const waiting = this.queue.length;
    this.onError(
      new Error(`${what}; ${waiting === 1 ? '1 request record waits' : `${waiting} request records wait`} in memory, retried every ${this.flushIntervalMs / 1000} s (past ${this.maximumQueueLength} the oldest are dropped)`, { cause: error }),
    );
  }

  private reportRecovery(written: number): void {
    const seconds = ((Date.now() - this.failingSince) / 1000).toFixed(1);
    this.onNotice(`request log: writes pass again after ${seconds} s; ${written === 1 ? 'the record that waited in memory is' : `the ${written} records that waited in memory are`} written`);
  }

  private async deleteExpiredReporting(): Promise<void> {
    try {
      await this.deleteExpired();
    } catch (error) {
      this.onError(error);
    }
  }

  /**
   * The flush timer runs only while records wait, so an idle proxy is not woken every second.
   * It stays armed as more records arrive: the first queued record is due within the interval,
   * and is written then, or with write moments at the next good one within
   * {@link longestWaitForMomentMs} more.
   */
  private scheduleFlush(): void {
    if (this.closed || this.cancelMoment !== undefined) return;
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      if (this.writeMoments === undefined) {
        void this.flush();
        return;
      }
      this.cancelMoment = this.writeMoments.schedule(() => {
        this.cancelMoment = undefined;
        void this.flush();
      }, longestWaitForMomentMs);
    }, this.flushIntervalMs).unref();
  }

  /** Disarms the flush timer and the wait for a good moment. */
  private stopWaiting(): void {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    this.cancelMoment?.();
    this.cancelMoment = undefined;
  }

  private requeue(batch: RequestRecord[]): void {
    const queue = batch.concat(this.queue);
    const excess = queue.length - this.maximumQueueLength;
    if (excess > 0) {
      queue.splice(0, excess);
      this.onError(new Error(`dropped ${excess} request records: the backend has refused writes for too long`));
    }
    this.queue = queue;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The request log is closed.');
  }
}

function newestFirst(a: RequestRecord, b: RequestRecord): number {
  if (a.time !== b.time) return b.time - a.time;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
