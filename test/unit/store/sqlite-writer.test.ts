import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Database } from 'node-sqlite3-wasm';
import type { RequestRecord } from '../../../proxy/store/request-record';
import { ConnectionMutex } from '../../../proxy/store/sqlite/connection-mutex';
import { databaseFileName, openDatabase } from '../../../proxy/store/sqlite/open-database';
import { SqliteRateCounters } from '../../../proxy/store/sqlite/sqlite-rate-counters';
import { SqliteRequestLog } from '../../../proxy/store/sqlite/sqlite-request-log';
import { SqliteSpendLedger } from '../../../proxy/store/sqlite/sqlite-spend-ledger';
import { openSqliteStorage, type SqliteStorage } from '../../../proxy/store/sqlite/sqlite-storage';
import { SqliteWriter } from '../../../proxy/store/sqlite/sqlite-writer';
import { StoreBusyError } from '../../../proxy/store/store-busy';
import { sampleRecord } from '../../support/sample-record';

let sequence = 0;

function makeRecord(): RequestRecord {
  sequence += 1;
  return sampleRecord({ id: `req_writer_${sequence}`, time: Date.now(), costUsd: 0.001, latencyMs: 12 });
}

/** Rows on disk, through a connection of its own. */
function countOnDisk(dataDir: string): number {
  const database = new Database(path.join(dataDir, databaseFileName));
  try {
    return Number(database.get('SELECT COUNT(*) AS count FROM requests')?.count);
  } finally {
    database.close();
  }
}

describe('the SQLite writer thread', function () {
  this.timeout(20_000);
  let dataDir: string;
  let storage: SqliteStorage | undefined;
  let errors: unknown[];

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-writer-'));
    errors = [];
  });
  afterEach(async () => {
    await storage?.close();
    storage = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  function open(): SqliteStorage {
    storage = openSqliteStorage({ dataDir, retentionDays: 0, flushIntervalMs: 60_000, writerThread: true, onError: (error) => errors.push(error), onNotice: () => {} });
    return storage;
  }

  it('starts with the first write, which runs on the main thread meanwhile; later writes run on the thread, and reads see them', async () => {
    const opened = open();
    assert.equal(opened.writer!.threaded, false);
    opened.requestLog.add(makeRecord());
    await opened.requestLog.flush();
    assert.equal(countOnDisk(dataDir), 1, 'the first batch did not wait for the thread');
    await opened.writer!.start();
    assert.equal(opened.writer!.threaded, true);
    const records = Array.from({ length: 300 }, makeRecord);
    for (const record of records) opened.requestLog.add(record);
    await opened.requestLog.flush();
    assert.equal(countOnDisk(dataDir), 301);
    // Read on the main thread's connection, after the thread's commit.
    assert.equal((await opened.requestLog.aggregate('provider'))[0]?.requests, 301);
    assert.deepEqual(await opened.requestLog.get(records[7]!.id), records[7]);
    assert.deepEqual(errors, []);
  });

  it('a stop writes the queue through the thread, then ends it and releases its registration', async () => {
    const opened = open();
    await opened.writer!.start();
    for (let index = 0; index < 50; index += 1) opened.requestLog.add(makeRecord());
    await opened.close();
    storage = undefined;
    assert.equal(countOnDisk(dataDir), 50);
    // Both connections of this process unregistered.
    assert.deepEqual(readdirSync(path.join(dataDir, `${databaseFileName}.holders`)), []);
  });

  it('a lock another live process holds comes back from the thread as a StoreBusyError, and the records wait', async () => {
    const opened = open();
    await opened.writer!.start();
    const lock = path.join(dataDir, `${databaseFileName}.lock`);
    const holder = path.join(dataDir, `${databaseFileName}.holders`, `${process.ppid}-test`);
    writeFileSync(holder, '');
    mkdirSync(lock);
    try {
      opened.requestLog.add(makeRecord());
      await opened.requestLog.flush();
      assert.equal(errors.length, 1);
      assert.ok((errors[0] as Error).cause instanceof StoreBusyError, String(errors[0]));
      assert.match(String(errors[0]), new RegExp(`locked by process ${process.ppid}`));
    } finally {
      rmSync(lock, { recursive: true, force: true });
      rmSync(holder, { force: true });
    }
    await opened.requestLog.flush();
    assert.equal(countOnDisk(dataDir), 1);
  });

  it('a thread that cannot start is reported once, and every write runs on the main thread', async () => {
    const { database } = openDatabase(dataDir);
    try {
      const inline = { requestLog: new SqliteRequestLog(database), rateCounters: new SqliteRateCounters(database), spendLedger: new SqliteSpendLedger(database) };
      // A data folder that is a file: the thread's open fails.
      const notAFolder = path.join(dataDir, 'not-a-folder');
      writeFileSync(notAFolder, '');
      const writer = new SqliteWriter(notAFolder, ConnectionMutex.of(path.resolve(dataDir, databaseFileName)), inline, (error) => errors.push(error));
      await writer.start();
      assert.equal(writer.threaded, false);
      assert.equal(errors.length, 1);
      assert.match(String(errors[0]), /the SQLite writer thread failed; the stores write on the main thread from now on/);
      const answer = await writer.call('rateCounters', 'reserve', [[{ scope: 'rpm:a', windowMs: 60_000, amount: 1, limit: 2 }], Date.now(), []]);
      assert.equal((answer as { granted: boolean }).granted, true);
      assert.deepEqual(await writer.call('requestLog', 'write', [[makeRecord()]]), []);
      assert.equal(countOnDisk(dataDir), 1);
      await writer.close();
      assert.equal(errors.length, 1);
    } finally {
      database.close();
    }
  });

  it('a statement on the main thread waits while the other thread of this process holds the connection mutex', async () => {
    const mutex = new ConnectionMutex();
    const { database, lock } = openDatabase(dataDir, mutex);
    try {
      // Another thread that takes the mutex, holds it 150 ms, notes whether the main thread's
      // statement finished meanwhile (it must not have), and lets go.
      const shared = new SharedArrayBuffer(4);
      const holder = new Worker(
        `const { workerData, parentPort } = require('node:worker_threads');
         const word = new Int32Array(workerData.mutex);
         Atomics.store(word, 0, 4242);
         parentPort.postMessage('held');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);
         parentPort.postMessage(Atomics.load(new Int32Array(workerData.done), 0) === 0 ? 'not yet' : 'ran meanwhile');
         Atomics.store(word, 0, 0);
         Atomics.notify(word, 0);`,
        { eval: true, workerData: { mutex: mutex.buffer, done: shared } },
      );
      const messages: string[] = [];
      holder.on('message', (message: string) => messages.push(message));
      while (messages.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      assert.equal(Number(database.get('SELECT 1 AS one')?.one), 1);
      Atomics.store(new Int32Array(shared), 0, 1);
      assert.equal(mutex.held(), false, 'released after the statement');
      await new Promise((resolve) => holder.once('exit', resolve));
      assert.deepEqual(messages, ['held', 'not yet']);
    } finally {
      database.close();
      lock.release();
    }
  });
});
