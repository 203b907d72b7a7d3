import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Database } from 'node-sqlite3-wasm';
import type { AuditEntry } from '../../../proxy/store/audit-sink';
import { SqliteAuditSink, auditDatabaseFileName, openAuditDatabase } from '../../../proxy/store/sqlite/sqlite-audit-sink';

function countOnDisk(dataDir: string): number {
  // The sink opens its file on first use.
  if (!existsSync(path.join(dataDir, auditDatabaseFileName))) return 0;
  const database = new Database(path.join(dataDir, auditDatabaseFileName), { readOnly: true });
  try {
    return Number(database.get('SELECT COUNT(*) AS count FROM audit')?.count);
  } finally {
    database.close();
  }
}

describe('SqliteAuditSink', () => {
  let dataDir: string;
  let sink: SqliteAuditSink;
  let errors: unknown[];

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-audit-'));
    errors = [];
    sink = new SqliteAuditSink(() => openAuditDatabase(dataDir), { flushIntervalMs: 60_000, onError: (error) => errors.push(error) });
  });

  afterEach(async () => {
    await sink.close();
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
    sink = new SqliteAuditSink(() => openAuditDatabase(dataDir));
    assert.deepEqual(await sink.recent(), [requestEntry]);
  });

  it('keeps its file and journal readable by the user alone', async () => {
    sink.write(requestEntry);
    await sink.flush();
    for (const file of [auditDatabaseFileName, `${auditDatabaseFileName}-journal`]) {
      if (process.platform !== 'win32') assert.equal(statSync(path.join(dataDir, file)).mode & 0o777, 0o600, file);
    }
  });

  it('lists a time range oldest first, page after page, queued entries included', async () => {
    for (let index = 0; index < 5; index += 1) sink.write({ id: `aud_${index}`, time: 1000 + Math.floor(index / 2), kind: 'call', data: index });
    await sink.flush();
    sink.write({ id: 'aud_5', time: 1003, kind: 'call', data: 5 });
    const first = await sink.range({ since: 1000, until: 1004, limit: 3 });
    assert.deepEqual(first.map((entry) => entry.id), ['aud_0', 'aud_1', 'aud_2']);
    const last = first[first.length - 1]!;
    const second = await sink.range({ since: 1000, until: 1004, after: { time: last.time, id: last.id }, limit: 3 });
    assert.deepEqual(second.map((entry) => entry.id), ['aud_3', 'aud_4', 'aud_5']);
    assert.deepEqual((await sink.range({ since: 1001, until: 1002 })).map((entry) => entry.id), ['aud_2', 'aud_3']);
  });

  it('purges by age, then the oldest while over the size limit, in batches', async () => {
    const payload = 'x'.repeat(1000);
    for (let index = 0; index < 1200; index += 1) sink.write({ id: `aud_${String(index).padStart(4, '0')}`, time: 10_000 + index, kind: 'call', data: payload });
    await sink.flush();
    assert.equal(await sink.purge({ before: 10_100, maxBytes: Number.MAX_SAFE_INTEGER }), 100);
    // 1100 entries of 1002 bytes each remain; keep at most 500 KB.
    const deleted = await sink.purge({ before: 0, maxBytes: 500_000 });
    assert.equal(deleted, 1100 - Math.floor(500_000 / 1002));
    const left = await sink.range({ since: 0, until: 20_000, limit: 1 });
    assert.equal(left[0]!.time, 10_000 + 1200 - Math.floor(500_000 / 1002));
    assert.equal(countOnDisk(dataDir), Math.floor(500_000 / 1002));
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
