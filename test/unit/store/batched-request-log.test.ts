import assert from 'node:assert/strict';
import type { AggregateBy, AggregateRow } from '../../../proxy/store/aggregate';
import { BatchedRequestLog, type BatchingOptions } from '../../../proxy/store/batched-request-log';
import { matchesFilter, recordLimit, type RecordFilter } from '../../../proxy/store/record-filter';
import type { RejectedRecord, RequestLogBackend } from '../../../proxy/store/request-log';
import type { RequestRecord } from '../../../proxy/store/request-record';
import { sampleRecord } from '../../support/sample-record';
import { HeldWriteMoments } from '../../support/held-write-moments';
import { longestWaitForMomentMs } from '../../../proxy/store/write-moments';

/** A backend in memory whose writes can be held open, refused, or refuse single records. */
class MemoryBackend implements RequestLogBackend {
  readonly stored = new Map<string, RequestRecord>();
  /** The ids of each write, in order. */
  readonly writes: string[][] = [];
  readonly deletedBefore: number[] = [];
  refuse = false;
  readonly rejectIds = new Set<string>();
  closed = false;
  private gate: Promise<void> | undefined;
  private openGate: () => void = () => {};

  /** Holds every write until {@link release}. */
  hold(): void {
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  release(): void {
    this.gate = undefined;
    this.openGate();
  }

  async write(records: readonly RequestRecord[]): Promise<RejectedRecord[]> {
    this.writes.push(records.map((record) => record.id));
    if (this.gate !== undefined) await this.gate;
    if (this.refuse) throw new Error('database is locked');
    const rejected: RejectedRecord[] = [];
    for (const record of records) {
      if (this.rejectIds.has(record.id)) rejected.push({ record, error: new Error('NOT NULL constraint failed') });
      else this.stored.set(record.id, record);
    }
    return rejected;
  }

  async recent(filter: RecordFilter): Promise<RequestRecord[]> {
    return [...this.stored.values()]
      .filter((record) => matchesFilter(record, filter))
      .sort((a, b) => b.time - a.time)
      .slice(0, recordLimit(filter));
  }

  async get(id: string): Promise<RequestRecord | undefined> {
    return this.stored.get(id);
  }

  async aggregate(by: AggregateBy): Promise<AggregateRow[]> {
    const row: AggregateRow = {
      key: by,
      requests: this.stored.size,
      errors: 0,
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      costUsd: 0,
      unpricedRequests: 0,
      refusedRequests: 0,
      averageLatencyMs: 0,
      cacheHits: 0,
      cacheMisses: 0,
      cacheHitRate: null,
      savedUsd: 0,
      promptCacheSavedUsd: 0,
      averageTimeToFirstTokenMs: null,
    };
    return [row];
  }

  async deleteBefore(time: number): Promise<number> {
    this.deletedBefore.push(time);
    return 0;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

let sequence = 0;
function makeRecord(fields: Partial<RequestRecord> = {}): RequestRecord {
  sequence += 1;
  return sampleRecord({ id: `req_${String(sequence).padStart(6, '0')}`, time: 1_900_000_000_000 + sequence, timeToFirstTokenMs: 100, latencyMs: 200, ...fields });
}

describe('BatchedRequestLog', () => {
  let backend: MemoryBackend;
  let log: BatchedRequestLog | undefined;
  let errors: unknown[];
  let notices: string[];

  beforeEach(() => {
    backend = new MemoryBackend();
    errors = [];
    notices = [];
  });

  afterEach(async () => {
    backend.release();
    backend.refuse = false;
    await log?.close();
    log = undefined;
  });

  function open(options: Partial<BatchingOptions> = {}): BatchedRequestLog {
    log = new BatchedRequestLog(backend, { retentionDays: 0, flushIntervalMs: 60_000, onError: (error) => errors.push(error), onNotice: (message) => notices.push(message), ...options });
    return log;
  }

  it('queues records without writing and serves them to reads', async () => {
    const opened = open();
    const first = makeRecord();
    const second = makeRecord({ provider: 'anthropic' });
    opened.add(first);
    opened.add(second);
    assert.deepEqual(backend.writes, []);
    assert.deepEqual(await opened.get(first.id), first);
    assert.deepEqual(await opened.recent(), [second, first]);
    assert.deepEqual(await opened.recent({ provider: 'anthropic' }), [second]);
    await opened.flush();
    assert.deepEqual(backend.writes, [[first.id, second.id]]);
    assert.deepEqual(await opened.recent(), [second, first]);
  });

  it('serves a batch while the backend is still writing it', async () => {
    const opened = open();
    const writing = makeRecord();
    opened.add(writing);
    backend.hold();
    const flushed = opened.flush();
    const queued = makeRecord();
    opened.add(queued);
    assert.equal(backend.stored.size, 0);
    assert.deepEqual(await opened.get(writing.id), writing);
    assert.deepEqual(await opened.recent(), [queued, writing]);
    backend.release();
    await flushed;
    assert.deepEqual([...backend.stored.keys()], [writing.id]);
    assert.deepEqual(await opened.recent(), [queued, writing]);
  });

  it('writes one batch at a time, then what queued meanwhile', async () => {
    const opened = open();
    const first = makeRecord();
    opened.add(first);
    backend.hold();
    const firstFlush = opened.flush();
    const second = makeRecord();
    opened.add(second);
    const secondFlush = opened.flush();
    assert.deepEqual(backend.writes, [[first.id]]);
    backend.release();
    await Promise.all([firstFlush, secondFlush]);
    assert.deepEqual(backend.writes, [[first.id], [second.id]]);
  });

  it('writes once batchSize records are queued, on the next turn', async () => {
    const opened = open({ batchSize: 3 });
    for (let index = 0; index < 3; index += 1) opened.add(makeRecord());
    assert.equal(backend.writes.length, 0);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(backend.writes.length, 1);
    assert.equal(backend.stored.size, 3);
  });

  it('with write moments, writes a due batch at the next good moment, not when the interval is up', async () => {
    const moments = new HeldWriteMoments();
    const opened = open({ flushIntervalMs: 5, writeMoments: moments });
    const first = makeRecord();
    opened.add(first);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(backend.writes, [], 'due, but no good moment yet');
    assert.equal(moments.waiting.size, 1);
    assert.deepEqual([...moments.waiting.values()], [longestWaitForMomentMs]);
    // Records added while the batch waits join it; they arm no second wait.
    const second = makeRecord();
    opened.add(second);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(moments.waiting.size, 1);
    moments.arrive();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(backend.writes, [[first.id, second.id]]);
    // A flush asked for (an aggregate, a stop) does not wait, and ends the wait.
    opened.add(makeRecord());
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(moments.waiting.size, 1);
    await opened.flush();
    assert.equal(backend.writes.length, 2);
    assert.equal(moments.waiting.size, 0);
    // A full batch is written on the next turn whatever the moment.
    const full = open({ flushIntervalMs: 5, batchSize: 2, writeMoments: moments });
    full.add(makeRecord());
    full.add(makeRecord());
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(backend.writes.length, 3);
    await opened.close();
  });

  it('with write moments, writes a due batch within the longest wait when no good moment comes', async () => {
    const moments = new HeldWriteMoments();
    const opened = open({ flushIntervalMs: 5, writeMoments: { schedule: (write) => moments.schedule(write, 20) } });
    const added = performance.now();
    opened.add(makeRecord());
    // Polled rather than one fixed sleep: under a loaded machine's timer slip the write can come
    // later than 5 + 20 ms, and what matters is that it comes with no moment arriving.
    while (backend.writes.length === 0 && performance.now() - added < 2_000) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(backend.writes.length, 1);
    assert.ok(performance.now() - added >= 20, 'not before the longest wait');
    assert.equal(moments.waiting.size, 0);
  });

  it('puts a refused batch back at the front of the queue and reports it once', async () => {
    const opened = open();
    const first = makeRecord();
    opened.add(first);
    backend.refuse = true;
    await opened.flush();
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /database is locked/);
    assert.deepEqual(await opened.get(first.id), first);
    const second = makeRecord();
    opened.add(second);
    backend.refuse = false;
    await opened.flush();
    assert.deepEqual(backend.writes.at(-1), [first.id, second.id]);
    assert.equal(backend.stored.size, 2);
    assert.equal(errors.length, 1);
  });

  it('reports a streak of refused writes once, with how many records wait, and says when they are written', async () => {
    const opened = open();
    backend.refuse = true;
    opened.add(makeRecord());
    await opened.flush();
    opened.add(makeRecord());
    await opened.flush();
    await opened.flush();
    assert.equal(errors.length, 1, 'three refused writes, one report');
    assert.match(String(errors[0]), /database is locked; 1 request record waits in memory, retried every 60 s \(past 10000 the oldest are dropped\)/);
    assert.deepEqual(notices, []);
    backend.refuse = false;
    opened.add(makeRecord());
    await opened.flush();
    assert.equal(backend.stored.size, 3);
    assert.equal(notices.length, 1);
    assert.match(notices[0]!, /^request log: writes pass again after [\d.]+ s; the 3 records that waited in memory are written$/);
    backend.refuse = true;
    opened.add(makeRecord());
    await opened.flush();
    assert.equal(errors.length, 2, 'a new streak is reported again');
  });

  it('bounds the queue while writes are refused, dropping the oldest records', async () => {
    const opened = open();
    const records = Array.from({ length: 10_005 }, () => makeRecord());
    for (const record of records) opened.add(record);
    backend.refuse = true;
    await opened.flush();
    assert.ok(errors.some((error) => /dropped 5 request records/.test(String(error))));
    assert.equal(await opened.get(records[4].id), undefined);
    assert.deepEqual(await opened.get(records[5].id), records[5]);
  });

  it('drops and reports a record the backend rejects, keeping the rest written', async () => {
    const opened = open();
    const good = makeRecord();
    const bad = makeRecord();
    backend.rejectIds.add(bad.id);
    opened.add(good);
    opened.add(bad);
    await opened.flush();
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), new RegExp(`dropped request record ${bad.id}: NOT NULL constraint failed`));
    assert.deepEqual([...backend.stored.keys()], [good.id]);
    await opened.flush();
    assert.equal(backend.writes.length, 1, 'the rejected record is not retried');
  });

  it('writes the queue before aggregating', async () => {
    const opened = open();
    opened.add(makeRecord());
    opened.add(makeRecord());
    const rows = await opened.aggregate('provider');
    assert.equal(rows[0].requests, 2);
  });

  it('writes the queue on close, then ignores adds and refuses reads', async () => {
    const opened = open();
    const record = makeRecord();
    opened.add(record);
    await opened.close();
    assert.deepEqual([...backend.stored.keys()], [record.id]);
    assert.equal(backend.closed, true);
    opened.add(makeRecord());
    assert.equal(backend.writes.length, 1);
    await assert.rejects(opened.recent(), /closed/);
    await assert.rejects(opened.get(record.id), /closed/);
  });

  it('reports records a refusing backend still held at close', async () => {
    const opened = open();
    opened.add(makeRecord());
    backend.refuse = true;
    await opened.close();
    assert.ok(errors.some((error) => /1 request records were not written before closing/.test(String(error))));
  });

  it('deletes records past retention on open, and never with retention 0', async () => {
    const before = Date.now();
    const opened = open({ retentionDays: 30 });
    await opened.deleteExpired();
    assert.equal(backend.deletedBefore.length, 2);
    for (const cutoff of backend.deletedBefore) {
      assert.ok(cutoff >= before - 30 * 24 * 60 * 60 * 1000 && cutoff <= Date.now() - 30 * 24 * 60 * 60 * 1000);
    }
    await opened.close();
    backend = new MemoryBackend();
    const keeping = open({ retentionDays: 0 });
    assert.equal(await keeping.deleteExpired(), 0);
    assert.deepEqual(backend.deletedBefore, []);
  });
});
