import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Database } from 'node-sqlite3-wasm';
import type { AuditEntry } from '../../../proxy/store/audit-sink';
import { databaseFileName, openDatabase } from '../../../proxy/store/sqlite/open-database';
import { SqliteAuditSink } from '../../../proxy/store/sqlite/sqlite-audit-sink';

function countOnDisk(dataDir: string): number {
  const database = new Database(path.join(dataDir, databaseFileName), { readOnly: true });
  try {
    return Number(database.get('SELECT COUNT(*) AS count FROM audit')?.count);
  } finally {
    database.close();
  }
}

describe('SqliteAuditSink', () => {
  let dataDir: string;
  let database: Database;
  let sink: SqliteAuditSink;
  let errors: unknown[];

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-audit-'));
    database = openDatabase(dataDir).database;
    errors = [];
    sink = new SqliteAuditSink(database, { flushIntervalMs: 60_000, onError: (error) => errors.push(error) });
  });

  afterEach(async () => {
    await sink.close();
    if (database.isOpen) database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const requestEntry: AuditEntry = {
    id: 'aud_1',
    time: 1_900_000_000_000,
    kind: 'request',
    requestId: 'req_1',
    data: { model: 'gpt-4o', messages: [{ role: 'user', content: 'Grüße ✓' }] },
  };
  const responseEntry: AuditEntry = { id: 'aud_2', time: 1_900_000_000_500, kind: 'response', requestId: 'req_1', data: 'Hello.' };
  const otherEntry: AuditEntry = { id: 'aud_3', time: 1_900_000_001_000, kind: 'request', data: null };

  it('serves queued entries, writes them on flush, and reads them back intact', async () => {
    sink.write(requestEntry);
    sink.write(responseEntry);
    assert.equal(countOnDisk(dataDir), 0);
    assert.deepEqual(await sink.get('aud_1'), requestEntry);
    assert.deepEqual(await sink.recent(), [responseEntry, requestEntry]);
    await sink.flush();
    assert.equal(countOnDisk(dataDir), 2);
    assert.deepEqual(await sink.get('aud_1'), requestEntry);
    assert.deepEqual(await sink.recent(), [responseEntry, requestEntry]);
  });

  it('filters by request, kind and time, queued and stored alike', async () => {
    sink.write(requestEntry);
    sink.write(responseEntry);
    await sink.flush();
    sink.write(otherEntry);
    const ids = async (filter: Parameters<SqliteAuditSink['recent']>[0]): Promise<string[]> => (await sink.recent(filter)).map((entry) => entry.id);
    assert.deepEqual(await ids({ requestId: 'req_1' }), ['aud_2', 'aud_1']);
    assert.deepEqual(await ids({ kind: 'request' }), ['aud_3', 'aud_1']);
    assert.deepEqual(await ids({ before: otherEntry.time }), ['aud_2', 'aud_1']);
    assert.deepEqual(await ids({ limit: 1 }), ['aud_3']);
  });

  it('writes the queue on close and keeps it across a reopen', async () => {
    sink.write(requestEntry);
    await sink.close();
    sink.write(responseEntry);
    database.close();
    database = openDatabase(dataDir).database;
    sink = new SqliteAuditSink(database);
    assert.deepEqual(await sink.recent(), [requestEntry]);
  });

  it('drops and reports an entry whose data is not JSON, writing the rest', async () => {
    const circular: { self?: unknown } = {};
    circular.self = circular;
    sink.write({ id: 'aud_bad', time: 1, kind: 'request', data: circular as unknown as AuditEntry['data'] });
    sink.write(requestEntry);
    await sink.flush();
    assert.equal(countOnDisk(dataDir), 1);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /dropped audit entry aud_bad/);
  });
});
