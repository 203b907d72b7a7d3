import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, existsSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Database } from 'node-sqlite3-wasm';
import { BatchedRequestLog, type BatchingOptions } from '../../../proxy/store/batched-request-log';
import { rowsPerStatement } from '../../../proxy/store/sqlite/record-insert';
import { databaseFileName, openDatabase } from '../../../proxy/store/sqlite/open-database';
import { schemaVersion } from '../../../proxy/store/sqlite/schema';
import { SqliteRequestLog } from '../../../proxy/store/sqlite/sqlite-request-log';
import { StoreBusyError } from '../../../proxy/store/store-busy';
import type { RequestRecord } from '../../../proxy/store/request-record';
import { sampleRecord } from '../../support/sample-record';

const hourMs = 60 * 60 * 1000;
const dayMs = 24 * hourMs;

let sequence = 0;
function makeRecord(fields: Partial<RequestRecord> = {}): RequestRecord {
  sequence += 1;
  const record = sampleRecord({
    id: `req_${String(sequence).padStart(6, '0')}`,
    time: Date.now(),
    stream: true,
    inputTokens: 100,
    outputTokens: 20,
    costUsd: 0.00045,
    timeToFirstTokenMs: 300,
    latencyMs: 900,
    ...fields,
  });
  // `provider: undefined` in a test means the field is absent, as the store returns it.
  for (const key of Object.keys(record) as Array<keyof RequestRecord>) {
    if (record[key] === undefined) delete record[key];
  }
  return record;
}

/** Rows on disk, read through a second connection so the store's queue cannot answer. */
function readColumnOnDisk(dataDir: string, column: string): Array<{ id: string; value: unknown }> {
  const database = new Database(path.join(dataDir, databaseFileName), { readOnly: true });
  try {
    return database.all(`SELECT id, ${column} AS value FROM requests ORDER BY id`).map((row) => ({ id: String(row.id), value: row.value }));
  } finally {
    database.close();
  }
}


function countOnDisk(dataDir: string): number {
  const database = new Database(path.join(dataDir, databaseFileName), { readOnly: true });
  try {
    return Number(database.get('SELECT COUNT(*) AS count FROM requests')?.count);
  } finally {
    database.close();
  }
}

describe('the SQLite request log, batched', () => {
  let dataDir: string;
  let store: OpenedLog | undefined;

  /** The log over its own connection, closed with it. */
  class OpenedLog extends BatchedRequestLog {
    constructor(
      readonly path: string,
      private readonly database: Database,
      options: BatchingOptions,
    ) {
      super(new SqliteRequestLog(database), options);
    }

    override async close(): Promise<void> {
      await super.close();
      if (this.database.isOpen) this.database.close();
    }
  }

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-store-'));
  });

  afterEach(async () => {
    await store?.close();
    store = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  function open(options: Partial<BatchingOptions> = {}): OpenedLog {
    const { file, database } = openDatabase(dataDir);
    store = new OpenedLog(file, database, { retentionDays: 30, flushIntervalMs: 60_000, onNotice: () => {}, ...options });
    return store;
  }

  it('creates the database with the current schema version', async () => {
    const opened = open();
    const database = new Database(opened.path, { readOnly: true });
    try {
      assert.equal(database.get('PRAGMA user_version')?.user_version, schemaVersion);
      const indexes = database.all("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'requests' AND sql IS NOT NULL ORDER BY name");
      // No index on key_id (migration 12 dropped it): callers are filtered and grouped as
      // COALESCE(key_id, client_key), which it could not serve, and every write paid for it.
      assert.deepEqual(indexes.map((row) => row.name), ['requests_model_time', 'requests_provider_time', 'requests_time']);
    } finally {
      database.close();
    }
  });

  it('keeps no audit table in switchyard.db: the content audit log has its own audit.db', async () => {
    const opened = open();
    const database = new Database(opened.path, { readOnly: true });
    try {
      const tables = database.all("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map((row) => row.name);
      assert.ok(tables.includes('requests') && tables.includes('access_keys'), String(tables));
      assert.ok(!tables.includes('audit'), `dead schema left: ${String(tables)}`);
      assert.equal(database.all("SELECT name FROM sqlite_master WHERE name LIKE 'audit%'").length, 0);
    } finally {
      database.close();
    }
  });

  it('queues add() without writing and serves queued records', async () => {
    const opened = open();
    const record = makeRecord();
    opened.add(record);
    assert.equal(countOnDisk(dataDir), 0);
    assert.deepEqual(await opened.recent(), [record]);
    assert.deepEqual(await opened.get(record.id), record);
    await opened.flush();
    assert.equal(countOnDisk(dataDir), 1);
    assert.deepEqual(await opened.get(record.id), record);
  });

  it('flushes on the next turn once batchSize records are queued, not inline', async () => {
    const opened = open({ batchSize: 3 });
    opened.add(makeRecord());
    opened.add(makeRecord());
    opened.add(makeRecord());
    assert.equal(countOnDisk(dataDir), 0);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(countOnDisk(dataDir), 3);
  });

  it('flushes on the interval', async () => {
    const opened = open({ flushIntervalMs: 10 });
    opened.add(makeRecord());
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(countOnDisk(dataDir), 1);
  });

  it('keeps every record across close and reopen, optional fields intact', async () => {
    const first = open();
    const records = [
      makeRecord({ time: 1_000 }),
      makeRecord({ time: 2_000, clientKey: 'ab12', error: 'upstream closed early', status: 200, timeToFirstTokenMs: null, costUsd: null }),
      makeRecord({ time: 3_000, provider: undefined, model: undefined, status: 401, stream: false, passthrough: false }),
    ];
    for (const record of records) first.add(record);
    await first.close();
    first.add(makeRecord()); // ignored after close
    store = undefined;
    const reopened = open({ retentionDays: 0 });
    assert.deepEqual(await reopened.recent(), [...records].reverse());
  });

  it('keeps key ids, labels and judge links, and reads and groups records from before key ids', async () => {
    const opened = open({ retentionDays: 0 });
    const old = makeRecord({ time: 1_000, clientKey: '…abcd' });
    const byKey = makeRecord({ time: 2_000, keyId: 'key_0123456789abcdef', keyLabel: 'config key 1' });
    const judged = makeRecord({ time: 3_000, keyId: 'key_0123456789abcdef', keyLabel: 'config key 1', purpose: 'judge', parentId: byKey.id });
    for (const record of [old, byKey, judged]) opened.add(record);
    await opened.flush();
    assert.deepEqual(await opened.get(old.id), old);
    assert.deepEqual(await opened.get(judged.id), judged);
    assert.deepEqual((await opened.recent({ clientKey: 'key_0123456789abcdef' })).map((record) => record.id), [judged.id, byKey.id]);
    assert.deepEqual((await opened.recent({ clientKey: '…abcd' })).map((record) => record.id), [old.id]);
    assert.deepEqual(
      (await opened.aggregate('clientKey')).map((row) => [row.key, row.requests]),
      [['key_0123456789abcdef', 2], ['…abcd', 1]],
    );
  });

  it('round-trips fields that have no column of their own', async () => {
    const opened = open();
    const record = { ...makeRecord(), routing: { rule: 'default', attempts: [{ provider: 'openai', status: 200 }] } };
    opened.add(record);
    await opened.flush();
    assert.deepEqual(await opened.get(record.id), record);
  });

  it('writes every row intact at multi-row statement edge sizes', async () => {
    const opened = open({ retentionDays: 0 });
    const base = Date.UTC(2030, 0, 1);
    const expected: RequestRecord[] = [];
    for (const size of [1, rowsPerStatement - 1, rowsPerStatement, rowsPerStatement + 1, 2 * rowsPerStatement + 7]) {
      for (let index = 0; index < size; index += 1) {
        // Every column differs from row to row, so a row bound one value off would show.
        const record = makeRecord({
          time: base + expected.length,
          clientKey: index % 3 === 0 ? `k${index}` : undefined,
          provider: index % 5 === 4 ? undefined : `provider-${index}`,
          model: `model-${size}-${index}`,
          status: 200 + (index % 7),
          stream: index % 2 === 0,
          passthrough: index % 3 !== 1,
          inputTokens: 1000 + index,
          outputTokens: 2000 + index,
          cacheReadTokens: 3000 + index,
          cacheWriteTokens: 4000 + index,
          reasoningTokens: 5000 + index,
          costUsd: index % 4 === 0 ? null : index / 1000,
          timeToFirstTokenMs: index % 6 === 0 ? null : index + 0.5,
          latencyMs: index + 0.25,
          error: index % 8 === 0 ? `failed ${index}` : undefined,
        });
        const stored = index % 9 === 0 ? { ...record, routing: { rule: `rule-${index}` } } : record;
        opened.add(stored);
        expected.push(stored);
      }
      await opened.flush();
      assert.equal(countOnDisk(dataDir), expected.length, `after a batch of ${size}`);
    }
    assert.deepEqual(await opened.recent({ limit: 1000 }), [...expected].reverse());
  });

  it('keeps the later of two records with the same id written in one statement', async () => {
    const opened = open();
    const first = makeRecord({ status: 500, error: 'first try failed' });
    const second: RequestRecord = { ...makeRecord({ status: 200, inputTokens: 7 }), id: first.id };
    opened.add(first);
    opened.add(makeRecord());
    opened.add(second);
    await opened.flush();
    assert.equal(countOnDisk(dataDir), 2);
    assert.deepEqual(await opened.get(first.id), second);
  });

  it('stores no extra JSON for a record without fields beyond its columns', async () => {
    const opened = open();
    const plain = makeRecord();
    const withUndefinedKey = { ...makeRecord(), clientKey: undefined, error: undefined };
    const withExtra = { ...makeRecord(), routing: { rule: 'default' } };
    opened.add(plain);
    opened.add(withUndefinedKey);
    opened.add(withExtra);
    await opened.flush();
    assert.deepEqual(readColumnOnDisk(dataDir, 'extra'), [
      { id: plain.id, value: null },
      { id: withUndefinedKey.id, value: null },
      { id: withExtra.id, value: '{"routing":{"rule":"default"}}' },
    ]);
  });

  it('stores error and extra as text, non-ASCII intact', async () => {
    const opened = open();
    const record = { ...makeRecord({ error: 'Überlastet — 请稍后再试 🙏' }), routing: { rule: 'naïve ✓' } };
    opened.add(record);
    await opened.flush();
    assert.deepEqual(readColumnOnDisk(dataDir, "typeof(error) || ' ' || typeof(extra)"), [{ id: record.id, value: 'text text' }]);
    assert.deepEqual(readColumnOnDisk(dataDir, 'error'), [{ id: record.id, value: record.error }]);
    assert.deepEqual(await opened.get(record.id), record);
    assert.deepEqual(await opened.recent({ status: 'error' }), [record]);
  });

  it('waits for the interval below batchSize, which defaults to 2000', async () => {
    const opened = open();
    for (let index = 0; index < 1999; index += 1) opened.add(makeRecord());
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(countOnDisk(dataDir), 0);
    opened.add(makeRecord());
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(countOnDisk(dataDir), 2000);
  });

  it('writes on the interval while records keep arriving', async () => {
    const opened = open({ flushIntervalMs: 40 });
    // A record every 10 ms must not keep pushing the write back.
    const adding = setInterval(() => opened.add(makeRecord()), 10);
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.ok(countOnDisk(dataDir) > 0);
    } finally {
      clearInterval(adding);
    }
  });

  it('keeps a refused batch queued and retries it on the interval', async () => {
    const errors: unknown[] = [];
    const opened = open({ flushIntervalMs: 20, onError: (error) => errors.push(error) });
    const record = makeRecord();
    // Another live process holding the lock: node-sqlite3-wasm's lock is this directory, and
    // the holder registered as this test's parent process (alive) keeps it from being stale.
    const lock = `${opened.path}.lock`;
    const holder = path.join(`${opened.path}.holders`, `${process.ppid}-test`);
    writeFileSync(holder, '');
    mkdirSync(lock);
    try {
      opened.add(record);
      await opened.flush();
      assert.equal(errors.length, 1);
      assert.deepEqual(await opened.get(record.id), record);
    } finally {
      rmSync(lock, { recursive: true, force: true });
      rmSync(holder, { force: true });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(countOnDisk(dataDir), 1);
    assert.equal(errors.length, 1);
  });

  it('while another live process holds the lock: one report naming it and how many wait, a read that waits for it, a notice once they are written', async () => {
    const errors: unknown[] = [];
    const notices: string[] = [];
    const opened = open({ flushIntervalMs: 10, onError: (error) => errors.push(error), onNotice: (message) => notices.push(message) });
    const lock = `${opened.path}.lock`;
    const holder = path.join(`${opened.path}.holders`, `${process.ppid}-test`);
    writeFileSync(holder, '');
    mkdirSync(lock);
    try {
      opened.add(makeRecord());
      opened.add(makeRecord());
      await opened.flush();
      // Several retries on the interval, one report.
      await new Promise((resolve) => setTimeout(resolve, 80));
      assert.equal(errors.length, 1, errors.map(String).join('\n'));
      assert.match(String(errors[0]), new RegExp(`switchyard\\.db is locked by process ${process.ppid} \\(alive, with the database open\\) \\(held for [\\d.]+ s\\); 2 request records wait in memory, retried every 0\\.01 s`));
      assert.ok((errors[0] as Error).cause instanceof StoreBusyError);
      assert.match(opened.problem() ?? '', /cannot be written \(database is locked\); 2 wait/);
      // The lock frees while the read waits: the totals count the records that waited.
      setTimeout(() => rmSync(lock, { recursive: true, force: true }), 50);
      const rows = await opened.aggregate('provider');
      assert.equal(rows[0]?.requests, 2);
    } finally {
      rmSync(lock, { recursive: true, force: true });
      rmSync(holder, { force: true });
    }
    assert.equal(countOnDisk(dataDir), 2);
    assert.equal(errors.length, 1);
    assert.equal(notices.length, 1);
    assert.match(notices[0]!, /^request log: writes pass again after [\d.]+ s; the 2 records that waited in memory are written$/);
    assert.equal(opened.problem(), undefined);
  });

  it('a read that meets a lock held longer than it waits fails with StoreBusyError, not a bare SQLite error', async () => {
    const opened = open();
    opened.add(makeRecord());
    await opened.flush();
    const lock = `${opened.path}.lock`;
    const holder = path.join(`${opened.path}.holders`, `${process.ppid}-test`);
    writeFileSync(holder, '');
    mkdirSync(lock);
    try {
      await assert.rejects(opened.recent(), (error: unknown) => error instanceof StoreBusyError && /locked by process/.test(error.explanation()));
    } finally {
      rmSync(lock, { recursive: true, force: true });
      rmSync(holder, { force: true });
    }
    assert.equal((await opened.recent()).length, 1);
  });

  it('a close waits for a lock another process holds for a moment, and writes the queue', async () => {
    const errors: unknown[] = [];
    const opened = open({ onError: (error) => errors.push(error), onNotice: () => {} });
    const lock = `${opened.path}.lock`;
    const holder = path.join(`${opened.path}.holders`, `${process.ppid}-test`);
    writeFileSync(holder, '');
    mkdirSync(lock);
    try {
      opened.add(makeRecord());
      setTimeout(() => rmSync(lock, { recursive: true, force: true }), 200);
      await opened.close();
    } finally {
      rmSync(lock, { recursive: true, force: true });
      rmSync(holder, { force: true });
    }
    store = undefined;
    assert.equal(countOnDisk(dataDir), 1);
    assert.ok(!errors.some((error) => /not written before closing/.test(String(error))));
  });

  it('writes later batches after a multi-row statement failed', async () => {
    const errors: unknown[] = [];
    const opened = open({ onError: (error) => errors.push(error) });
    const size = rowsPerStatement + 6;
    const first = Array.from({ length: size }, () => makeRecord());
    // In the remainder's 4-row statement, after a full one succeeded.
    const bad = { ...first[rowsPerStatement + 2], endpoint: null } as unknown as RequestRecord;
    first[rowsPerStatement + 2] = bad;
    for (const record of first) opened.add(record);
    await opened.flush();
    assert.equal(countOnDisk(dataDir), size - 1);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), new RegExp(`dropped request record ${bad.id}`));
    for (let index = 0; index < size; index += 1) opened.add(makeRecord());
    await opened.flush();
    assert.equal(countOnDisk(dataDir), 2 * size - 1);
    assert.equal(errors.length, 1);
  });

  it('merges queued and stored records newest first within the limit', async () => {
    const opened = open();
    const now = Date.now();
    const stored = [makeRecord({ time: now - 4000 }), makeRecord({ time: now - 2000 })];
    for (const record of stored) opened.add(record);
    await opened.flush();
    const queued = [makeRecord({ time: now - 3000 }), makeRecord({ time: now - 1000 })];
    for (const record of queued) opened.add(record);
    assert.deepEqual(
      (await opened.recent()).map((record) => record.id),
      [queued[1].id, stored[1].id, queued[0].id, stored[0].id],
    );
    assert.deepEqual(
      (await opened.recent({ limit: 2 })).map((record) => record.id),
      [queued[1].id, stored[1].id],
    );
  });

  describe('recent filters', () => {
    const base = Date.UTC(2030, 0, 1);
    let records: RequestRecord[];

    beforeEach(async () => {
      const opened = open({ retentionDays: 0 });
      records = [
        makeRecord({ time: base + 1, provider: 'openai', model: 'gpt-4o', clientKey: 'aaaa' }),
        makeRecord({ time: base + 2, provider: 'anthropic', model: 'claude-sonnet-4-5', clientFormat: 'anthropic-messages', clientKey: 'bbbb' }),
        makeRecord({ time: base + 3, provider: 'openai', model: 'gpt-4o-mini', status: 429, error: 'rate limited' }),
        makeRecord({ time: base + 4, provider: 'anthropic', model: 'claude-sonnet-4-5', error: 'stream cut' }),
        makeRecord({ time: base + 5, provider: undefined, model: undefined, status: 400, error: 'bad request' }),
      ];
      // Half stored, half queued: both paths must filter alike.
      records.slice(0, 3).forEach((record) => opened.add(record));
      await opened.flush();
      records.slice(3).forEach((record) => opened.add(record));
    });

    async function ids(filter: Parameters<BatchedRequestLog['recent']>[0]): Promise<string[]> {
      return (await store!.recent(filter)).map((record) => record.id);
    }
    const id = (index: number): string => records[index].id;

    it('by provider, model, client format and client key', async () => {
      assert.deepEqual(await ids({ provider: 'anthropic' }), [id(3), id(1)]);
      assert.deepEqual(await ids({ model: 'gpt-4o' }), [id(0)]);
      assert.deepEqual(await ids({ clientFormat: 'anthropic-messages' }), [id(1)]);
      assert.deepEqual(await ids({ clientKey: 'aaaa' }), [id(0)]);
    });

    it('by status', async () => {
      assert.deepEqual(await ids({ status: 'ok' }), [id(1), id(0)]);
      assert.deepEqual(await ids({ status: 'error' }), [id(4), id(3), id(2)]);
      assert.deepEqual(await ids({ status: 429 }), [id(2)]);
    });

    it('by time, with before for paging', async () => {
      assert.deepEqual(await ids({ since: base + 2, until: base + 4 }), [id(3), id(2), id(1)]);
      assert.deepEqual(await ids({ before: base + 3 }), [id(1), id(0)]);
      assert.deepEqual(await ids({ before: base + 5, limit: 2 }), [id(3), id(2)]);
    });

    it('clamps the limit', async () => {
      assert.equal((await store!.recent({ limit: 0 })).length, 1);
      assert.equal((await store!.recent({ limit: 5000 })).length, 5);
    });
  });

  it('returns undefined for an unknown id', async () => {
    assert.equal(await open().get('req_missing'), undefined);
  });

  it('aggregates by provider, model, client key and local day', async () => {
    const opened = open({ retentionDays: 0 });
    const dayOne = new Date(2030, 4, 1, 10, 0).getTime();
    const dayTwo = new Date(2030, 4, 2, 23, 30).getTime();
    opened.add(makeRecord({ time: dayOne, provider: 'openai', model: 'gpt-4o', clientKey: 'aaaa', inputTokens: 1000, outputTokens: 100, cacheReadTokens: 400, costUsd: 0.003, latencyMs: 1000, timeToFirstTokenMs: 200 }));
    opened.add(makeRecord({ time: dayOne + 1, provider: 'openai', model: 'gpt-4o', inputTokens: 500, outputTokens: 50, reasoningTokens: 10, costUsd: 0.001, latencyMs: 2000, timeToFirstTokenMs: null, status: 500, error: 'upstream failed' }));
    await opened.flush();
    // Still queued when aggregate() runs: it must flush first.
    opened.add(makeRecord({ time: dayTwo, provider: 'anthropic', model: 'claude-sonnet-4-5', clientKey: 'aaaa', inputTokens: 2000, outputTokens: 300, cacheWriteTokens: 1500, costUsd: null, latencyMs: 3000, timeToFirstTokenMs: 400 }));

    const common = { cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, cacheHits: 0, cacheMisses: 0, cacheHitRate: null, savedUsd: 0, promptCacheSavedUsd: 0 };
    assert.deepEqual(await opened.aggregate('provider'), [
      { key: 'openai', requests: 2, errors: 1, inputTokens: 1500, outputTokens: 150, ...common, cacheReadTokens: 400, reasoningTokens: 10, costUsd: 0.004, unpricedRequests: 0, refusedRequests: 0, averageLatencyMs: 1500, averageTimeToFirstTokenMs: 200 },
      { key: 'anthropic', requests: 1, errors: 0, inputTokens: 2000, outputTokens: 300, ...common, cacheWriteTokens: 1500, costUsd: 0, unpricedRequests: 1, refusedRequests: 0, averageLatencyMs: 3000, averageTimeToFirstTokenMs: 400 },
    ]);
    assert.deepEqual(
      (await opened.aggregate('day')).map((row) => [row.key, row.requests]),
      [['2030-05-01', 2], ['2030-05-02', 1]],
    );
    assert.deepEqual(
      (await opened.aggregate('clientKey')).map((row) => [row.key, row.requests]),
      [['aaaa', 2], [null, 1]],
    );
    assert.deepEqual(
      (await opened.aggregate('model', { since: dayTwo })).map((row) => [row.key, row.requests]),
      [['claude-sonnet-4-5', 1]],
    );
  });

  it('folds days in the local time zone, across daylight saving and odd offsets', async () => {
    const originalZone = process.env.TZ;
    try {
      for (const zone of ['America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe']) {
        process.env.TZ = zone;
        const opened = open({ retentionDays: 0 });
        // Minutes either side of local midnight, on a day when New York moves its clocks.
        const times = [
          new Date(2030, 2, 9, 23, 59).getTime(),
          new Date(2030, 2, 10, 0, 1).getTime(),
          new Date(2030, 2, 10, 23, 58).getTime(),
          new Date(2030, 2, 11, 0, 0).getTime(),
        ];
        for (const time of times) opened.add(makeRecord({ time }));
        assert.deepEqual(
          (await opened.aggregate('day')).map((row) => [row.key, row.requests]),
          [['2030-03-09', 1], ['2030-03-10', 2], ['2030-03-11', 1]],
          zone,
        );
        await opened.close();
        store = undefined;
        rmSync(dataDir, { recursive: true, force: true });
      }
    } finally {
      if (originalZone === undefined) delete process.env.TZ;
      else process.env.TZ = originalZone;
    }
  });

  it('deletes records past retention on open and on demand', async () => {
    const now = Date.now();
    const first = open({ retentionDays: 0 });
    const old = makeRecord({ time: now - 40 * dayMs });
    const recent = makeRecord({ time: now - 10 * dayMs });
    first.add(old);
    first.add(recent);
    await first.close();
    store = undefined;

    const kept = open({ retentionDays: 0 });
    assert.equal((await kept.recent()).length, 2, 'retention 0 keeps everything');
    await kept.close();
    store = undefined;

    const pruned = open({ retentionDays: 30 });
    assert.deepEqual((await pruned.recent()).map((record) => record.id), [recent.id]);
    pruned.add(makeRecord({ time: now - 31 * dayMs }));
    await pruned.flush();
    assert.equal(await pruned.deleteExpired(), 1);
    assert.deepEqual((await pruned.recent()).map((record) => record.id), [recent.id]);
  });

  it('drops and reports a record the schema rejects, writing the rest', async () => {
    const errors: unknown[] = [];
    const opened = open({ onError: (error) => errors.push(error) });
    const good = makeRecord();
    const bad = { ...makeRecord(), endpoint: null } as unknown as RequestRecord;
    opened.add(good);
    opened.add(bad);
    await opened.flush();
    assert.equal(countOnDisk(dataDir), 1);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), new RegExp(`dropped request record ${bad.id}`));
  });

  it('removes a lock directory left behind by a crashed process', async () => {
    const lock = path.join(dataDir, `${databaseFileName}.lock`);
    open().close();
    store = undefined;
    mkdirSync(lock);
    const longAgo = new Date(Date.now() - 10 * 60 * 1000);
    utimesSync(lock, longAgo, longAgo);
    const reopened = open();
    reopened.add(makeRecord());
    await reopened.flush();
    assert.equal(existsSync(lock), false);
    assert.equal(countOnDisk(dataDir), 1);
  });
});
