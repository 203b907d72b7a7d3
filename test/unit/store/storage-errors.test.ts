import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StoreName } from '../../../proxy/store/storage';
import { auditDatabaseFileName } from '../../../proxy/store/sqlite/sqlite-audit-sink';
import { databaseFileName } from '../../../proxy/store/sqlite/open-database';
import { openSqliteStorage, type SqliteStorage } from '../../../proxy/store/sqlite/sqlite-storage';
import { sampleRecord } from '../../support/sample-record';

describe('storage failures name the store that failed', () => {
  let dataDir: string;
  let storage: SqliteStorage | undefined;
  const held: string[] = [];

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-storage-errors-'));
  });

  afterEach(async () => {
    for (const file of held.splice(0)) rmSync(file, { recursive: true, force: true });
    await storage?.close();
    storage = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Holds a database file's lock as another live process would: node-sqlite3-wasm's lock directory, and a holder registered as this test's parent. */
  function holdLock(file: string): void {
    const holder = path.join(`${file}.holders`, `${process.ppid}-test`);
    mkdirSync(`${file}.holders`, { recursive: true });
    writeFileSync(holder, '');
    mkdirSync(`${file}.lock`);
    held.push(`${file}.lock`, holder);
  }

  it('a refused request-log batch is the request log’s, a refused audit batch the audit log’s', async () => {
    const failures: StoreName[] = [];
    storage = openSqliteStorage({ dataDir, retentionDays: 0, flushIntervalMs: 60_000, onError: (_error, store) => failures.push(store), onNotice: () => {} });
    // The audit log opens its own file on first use: open it before its lock is taken.
    storage.auditSink.write({ id: 'aud_1', time: Date.now(), kind: 'request', data: null });
    await storage.auditSink.flush();
    holdLock(path.join(dataDir, databaseFileName));
    holdLock(path.join(dataDir, auditDatabaseFileName));
    storage.requestLog.add(sampleRecord({ id: 'req_1', time: Date.now() }));
    storage.auditSink.write({ id: 'aud_2', time: Date.now(), kind: 'request', data: null });
    await storage.requestLog.flush();
    await storage.auditSink.flush();
    assert.deepEqual([...new Set(failures)].sort(), ['audit log', 'request log']);
  });
});
