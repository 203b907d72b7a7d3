import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Database } from 'node-sqlite3-wasm';
import { MemoryRateCounters } from '../../../proxy/store/memory-rate-counters';
import { openDatabase } from '../../../proxy/store/sqlite/open-database';
import { SqliteRateCounters } from '../../../proxy/store/sqlite/sqlite-rate-counters';
import { openSqliteStorage, type SqliteStorage } from '../../../proxy/store/sqlite/sqlite-storage';
import { describeRateCounters } from './rate-counters-contract';

describeRateCounters('in memory', () => {
  const counters = new MemoryRateCounters();
  // One process: every "connection" is the same counters.
  return { connect: () => counters, dispose: async () => {} };
});

describeRateCounters('SQLite, a connection per process', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-rate-'));
  const databases: Database[] = [];
  return {
    connect: () => {
      const database = openDatabase(dataDir).database;
      databases.push(database);
      return new SqliteRateCounters(database);
    },
    dispose: async () => {
      for (const database of databases) database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

describeRateCounters('SQLite, through each process\'s writer thread', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-rate-thread-'));
  const storages: SqliteStorage[] = [];
  return {
    connect: async () => {
      const storage = openSqliteStorage({ dataDir, retentionDays: 0, writerThread: true });
      storages.push(storage);
      await storage.writer!.start();
      assert.equal(storage.writer!.threaded, true);
      return storage.rateCounters;
    },
    dispose: async () => {
      for (const storage of storages) await storage.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
