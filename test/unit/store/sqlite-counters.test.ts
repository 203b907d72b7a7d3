import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Database } from 'node-sqlite3-wasm';
import { openDatabase } from '../../../proxy/store/sqlite/open-database';
import { SqliteCounters } from '../../../proxy/store/sqlite/sqlite-counters';

describe('SqliteCounters', () => {
  let dataDir: string;
  let database: Database;
  let now: number;
  let counters: SqliteCounters;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-counters-'));
    database = openDatabase(dataDir).database;
    now = 1_900_000_000_000;
    counters = new SqliteCounters(database, () => now);
  });

  afterEach(async () => {
    await counters.close();
    database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sums a key over a window, both ends inclusive', async () => {
    await counters.add('spend:key_1', 0.25, now - 60_000);
    await counters.add('spend:key_1', 0.5, now - 30_000);
    await counters.add('spend:key_1', 1, now);
    assert.equal(await counters.sum('spend:key_1', now - 60_000), 1.75);
    assert.equal(await counters.sum('spend:key_1', now - 59_999), 1.5);
    assert.equal(await counters.sum('spend:key_1', now - 60_000, now - 30_000), 0.75);
    assert.equal(await counters.sum('spend:key_1', now - 60_000, now - 1), 0.75);
  });

  it('keeps keys apart and sums nothing to 0', async () => {
    await counters.add('requests:key_1', 1, now);
    await counters.add('requests:key_2', 1, now);
    await counters.add('requests:key_2', 1, now);
    assert.equal(await counters.sum('requests:key_1', now - 1000), 1);
    assert.equal(await counters.sum('requests:key_2', now - 1000), 2);
    assert.equal(await counters.sum('requests:key_3', now - 1000), 0);
  });

  it('books at the current time when none is given', async () => {
    await counters.add('requests:key_1', 1);
    now += 10_000;
    assert.equal(await counters.sum('requests:key_1', now - 10_000), 1);
    assert.equal(await counters.sum('requests:key_1', now - 9_999), 0);
  });

  it('forgets amounts booked before a time', async () => {
    await counters.add('requests:key_1', 1, now - 2000);
    await counters.add('requests:key_2', 1, now - 2000);
    await counters.add('requests:key_1', 1, now);
    assert.equal(await counters.deleteBefore(now - 1000), 2);
    assert.equal(await counters.sum('requests:key_1', 0), 1);
    assert.equal(await counters.sum('requests:key_2', 0), 0);
  });

  it('keeps its amounts across a reopen of the database', async () => {
    await counters.add('spend:key_1', 2, now);
    database.close();
    database = openDatabase(dataDir).database;
    counters = new SqliteCounters(database, () => now);
    assert.equal(await counters.sum('spend:key_1', now - 1), 2);
  });
});
