import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Database } from 'node-sqlite3-wasm';
import { openDatabase } from '../../../proxy/store/sqlite/open-database';
import { SqliteResponseCache } from '../../../proxy/store/sqlite/sqlite-response-cache';
import { HeldWriteMoments } from '../../support/held-write-moments';

/** Counts the connection's reads of `PRAGMA data_version` (how the cache looks for other writers) until `stop`. */
function countVersionReads(database: Database): { count: () => number; stop: () => void } {
  let reads = 0;
  const get = database.get.bind(database);
  database.get = ((sql: string, ...rest: unknown[]) => {
    if (sql === 'PRAGMA data_version') reads++;
    return (get as (...args: unknown[]) => unknown)(sql, ...rest);
  }) as typeof database.get;
  return { count: () => reads, stop: () => (database.get = get) };
}

describe('SqliteResponseCache', () => {
  let dataDir: string;
  let database: Database;
  let now: number;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-cache-'));
    database = openDatabase(dataDir).database;
    now = 1_900_000_000_000;
  });

  afterEach(() => {
    database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A cache that writes every answer at once (no probation): what the table does. */
  function open(maximumBytes?: number, othersOnDatabase?: () => boolean): SqliteResponseCache {
    return new SqliteResponseCache(database, { maximumBytes, now: () => now, writeIntervalMs: 0, probationBytes: 0, othersOnDatabase });
  }

  const bytes = (length: number, fill = 0x61): Uint8Array => new Uint8Array(length).fill(fill);

  it('round-trips bytes and JSON bodies with their metadata', async () => {
    const cache = open();
    const stream = new TextEncoder().encode('data: {"type":"message_start"}\n\n');
    await cache.set('stream', { body: stream, metadata: { status: 200, contentType: 'text/event-stream' } }, 60);
    await cache.set('json', { body: { id: 'chatcmpl-1', choices: [{ text: 'hé ✓' }] }, metadata: { status: 200 } }, 60);
    const cachedStream = await cache.get('stream');
    assert.deepEqual(Buffer.from(cachedStream!.body as Uint8Array), Buffer.from(stream));
    assert.deepEqual(cachedStream!.metadata, { status: 200, contentType: 'text/event-stream' });
    assert.deepEqual(await cache.get('json'), { body: { id: 'chatcmpl-1', choices: [{ text: 'hé ✓' }] }, metadata: { status: 200 } });
    assert.equal(await cache.get('missing'), undefined);
  });

  it('serves an entry until its time to live is up, then never', async () => {
    const cache = open();
    await cache.set('key', { body: bytes(3), metadata: {} }, 10);
    now += 9_999;
    assert.notEqual(await cache.get('key'), undefined);
    now += 1;
    assert.equal(await cache.get('key'), undefined);
    now -= 1;
    assert.equal(await cache.get('key'), undefined, 'an expired entry is deleted when asked for');
  });

  it('replaces an entry under the same key, and deletes one', async () => {
    const cache = open();
    await cache.set('key', { body: { answer: 1 }, metadata: {} }, 60);
    await cache.set('key', { body: { answer: 2 }, metadata: {} }, 60);
    assert.deepEqual((await cache.get('key'))?.body, { answer: 2 });
    await cache.delete('key');
    assert.equal(await cache.get('key'), undefined);
  });

  it('writes new entries later, in one batch, serving them from memory meanwhile', async () => {
    const cache = new SqliteResponseCache(database, { now: () => now, writeIntervalMs: 60_000, probationBytes: 0 });
    await cache.set('waiting', { body: { answer: 1 }, metadata: { costUsd: 0.5 } }, 60);
    assert.equal(database.get('SELECT COUNT(*) AS entries FROM response_cache')?.entries, 0, 'nothing written on the request path');
    assert.deepEqual(await cache.get('waiting'), { body: { answer: 1 }, metadata: { costUsd: 0.5 } });
    await cache.close();
    assert.equal(database.get('SELECT COUNT(*) AS entries FROM response_cache')?.entries, 1, 'written at close');
    assert.deepEqual((await open().get('waiting'))?.body, { answer: 1 });
  });

  it('with write moments, writes a due batch at the next good moment, serving it from memory meanwhile', async () => {
    const moments = new HeldWriteMoments();
    const cache = new SqliteResponseCache(database, { now: () => now, writeIntervalMs: 5, probationBytes: 0, writeMoments: moments });
    await cache.set('waiting', { body: { answer: 1 }, metadata: {} }, 60);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const entries = () => database.get('SELECT COUNT(*) AS entries FROM response_cache')?.entries;
    assert.equal(entries(), 0, 'due, but no good moment yet');
    assert.equal(moments.waiting.size, 1);
    await cache.set('second', { body: { answer: 2 }, metadata: {} }, 60);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(moments.waiting.size, 1, 'an entry stored meanwhile joins the batch that waits');
    assert.deepEqual((await cache.get('second'))?.body, { answer: 2 });
    moments.arrive();
    assert.equal(entries(), 2);
    // What needs the table whole writes at once and ends the wait.
    await cache.set('third', { body: { answer: 3 }, metadata: {} }, 60);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(moments.waiting.size, 1);
    assert.equal((await cache.size()).entries, 3);
    assert.equal(moments.waiting.size, 0);
    await cache.close();
    // While another process has the database open, a due batch is written at once, for it to find.
    const shared = new SqliteResponseCache(database, { now: () => now, writeIntervalMs: 5, probationBytes: 0, writeMoments: moments, othersOnDatabase: () => true });
    await shared.set('shared', { body: { answer: 4 }, metadata: {} }, 60);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(moments.waiting.size, 0);
    assert.equal(entries(), 4);
    await shared.close();
  });

  it('evicts the least recently used entry, a hit counting as a use', async () => {
    const cache = open(100);
    await cache.set('first', { body: bytes(40), metadata: {} }, 60);
    now += 1;
    await cache.set('second', { body: bytes(40), metadata: {} }, 60);
    now += 1;
    assert.notEqual(await cache.get('first'), undefined, 'first is used after second was stored');
    now += 1;
    await cache.set('third', { body: bytes(40), metadata: {} }, 60);
    assert.equal(await cache.get('second'), undefined);
    assert.notEqual(await cache.get('first'), undefined);
    assert.notEqual(await cache.get('third'), undefined);
  });

  it('writes uses once they are due and on close, so the order survives a restart', async () => {
    const cache = open(100);
    await cache.set('first', { body: bytes(40), metadata: {} }, 60);
    now += 1;
    await cache.set('second', { body: bytes(40), metadata: {} }, 60);
    now += 1;
    await cache.get('first');
    await cache.close();
    const reopened = open(100);
    now += 1;
    await reopened.set('third', { body: bytes(40), metadata: {} }, 60);
    assert.equal(await reopened.get('second'), undefined);
    assert.notEqual(await reopened.get('first'), undefined);
    await reopened.close();
  });

  it('writes a hit\'s use with the next entry or much later, not a write interval after the hit', async () => {
    // Every write is a commit with a journal sync on the event loop: a use written a second
    // after each hit was the p99 of a run of hits.
    const cache = new SqliteResponseCache(database, { now: () => now, writeIntervalMs: 20, probationBytes: 0 });
    await cache.set('stored', { body: bytes(10), metadata: {} }, 60);
    await new Promise((resolve) => setTimeout(resolve, 80));
    let commits = 0;
    const exec = database.exec.bind(database);
    database.exec = (sql) => {
      if (sql === 'BEGIN IMMEDIATE') commits++;
      return exec(sql);
    };
    try {
      now += 5;
      for (let hit = 0; hit < 3; hit++) assert.notEqual(await cache.get('stored'), undefined);
      await new Promise((resolve) => setTimeout(resolve, 120));
      assert.equal(commits, 0, 'no commit for the uses alone within seconds');
      await cache.set('next', { body: bytes(10), metadata: {} }, 60);
      await new Promise((resolve) => setTimeout(resolve, 80));
      assert.equal(commits, 1, 'the use rides with the next entry');
      assert.equal(Number(database.get("SELECT used_at FROM response_cache WHERE key = 'stored'")?.used_at), now);
    } finally {
      database.exec = exec;
      await cache.close();
    }
  });

  it('clears every entry, reports its size, and shrinks to a new bound at once', async () => {
    const cache = open(1000);
    await cache.set('a', { body: bytes(40), metadata: {} }, 60);
    now += 1;
    await cache.set('b', { body: bytes(40), metadata: {} }, 60);
    assert.deepEqual(await cache.size(), { entries: 2, bytes: 80 });
    cache.setMaximumBytes(50);
    assert.deepEqual(await cache.size(), { entries: 1, bytes: 40 });
    assert.notEqual(await cache.get('b'), undefined);
    assert.equal(await cache.clear(), 1);
    assert.deepEqual(await cache.size(), { entries: 0, bytes: 0 });
    assert.equal(await cache.get('b'), undefined);
    await cache.close();
  });

  it('evicts the entries stored longest ago once the bytes exceed the bound', async () => {
    const cache = open(100);
    await cache.set('first', { body: bytes(40), metadata: {} }, 60);
    now += 1;
    await cache.set('second', { body: bytes(40), metadata: {} }, 60);
    now += 1;
    await cache.set('third', { body: bytes(40), metadata: {} }, 60);
    assert.equal(await cache.get('first'), undefined);
    assert.notEqual(await cache.get('second'), undefined);
    assert.notEqual(await cache.get('third'), undefined);
  });

  it('evicts expired entries before live ones', async () => {
    const cache = open(100);
    await cache.set('old-but-live', { body: bytes(40), metadata: {} }, 600);
    now += 1;
    await cache.set('short', { body: bytes(40), metadata: {} }, 1);
    now += 2000;
    await cache.set('new', { body: bytes(40), metadata: {} }, 600);
    assert.notEqual(await cache.get('old-but-live'), undefined);
    assert.notEqual(await cache.get('new'), undefined);
  });

  it('counts a replaced entry once, and keeps the count across a reopen', async () => {
    const cache = open(100);
    await cache.set('key', { body: bytes(60), metadata: {} }, 60);
    await cache.set('key', { body: bytes(60), metadata: {} }, 60);
    now += 1;
    await cache.set('other', { body: bytes(30), metadata: {} }, 60);
    assert.notEqual(await cache.get('key'), undefined, '60 + 30 bytes fit in 100');
    const reopened = open(100);
    now += 1;
    await reopened.set('third', { body: bytes(20), metadata: {} }, 60);
    assert.equal(await reopened.get('key'), undefined, 'the reopened cache knew 90 bytes were stored');
    assert.notEqual(await reopened.get('other'), undefined);
  });

  it('does not store an entry larger than the whole cache', async () => {
    const cache = open(10);
    await cache.set('small', { body: bytes(5), metadata: {} }, 60);
    await cache.set('huge', { body: bytes(11), metadata: {} }, 60);
    assert.equal(await cache.get('huge'), undefined);
    assert.notEqual(await cache.get('small'), undefined);
  });

  it('answers a miss without reading the database, and a repeated hit from memory', async () => {
    const cache = open();
    await cache.set('stored', { body: bytes(10), metadata: {} }, 60);
    let reads = 0;
    const get = database.get.bind(database);
    database.get = (sql, values, options) => {
      reads++;
      return get(sql, values, options);
    };
    try {
      assert.equal(await cache.get('absent'), undefined);
      assert.equal(reads, 0, 'a miss is answered from the index');
      assert.notEqual(await cache.get('stored'), undefined);
      assert.notEqual(await cache.get('stored'), undefined);
      assert.equal(reads, 0, 'a written entry stays in memory');
      const reopened = open();
      reads = 0;
      assert.notEqual(await reopened.get('stored'), undefined);
      assert.notEqual(await reopened.get('stored'), undefined);
      assert.equal(reads, 1, 'read once after a restart, then from memory');
    } finally {
      database.get = get;
    }
  });

  it('reads whether another process wrote each second while one holds the database open (or did since the last look), every 30 s alone', async () => {
    const other = openDatabase(dataDir);
    try {
      let others = false;
      const here = open(undefined, () => others);
      const there = new SqliteResponseCache(other.database, { now: () => now, writeIntervalMs: 0, othersOnDatabase: () => true });
      const versionReads = countVersionReads(database);
      // Alone: a process that came, wrote and left between two looks at the holders is seen within 30 s.
      await there.set('quick', { body: { answer: 1 }, metadata: {} }, 3600);
      for (let second = 1; second < 30; second++) {
        now += 1000;
        assert.equal(await here.get('quick'), undefined, `not looked for at ${second} s`);
      }
      assert.equal(versionReads.count(), 0, 'alone, data_version is not read each second');
      now += 1000;
      assert.deepEqual((await here.get('quick'))?.body, { answer: 1 }, 'found at 30 s');
      assert.equal(versionReads.count(), 1);
      // Another process holds it open: each second.
      others = true;
      now += 1000;
      await here.get('none');
      await there.set('held', { body: { answer: 2 }, metadata: {} }, 3600);
      now += 1000;
      assert.deepEqual((await here.get('held'))?.body, { answer: 2 }, 'a second later');
      // It wrote and left within the second: the next look still reads, as it was there since the last.
      await there.set('last', { body: { answer: 3 }, metadata: {} }, 3600);
      others = false;
      now += 1000;
      assert.deepEqual((await here.get('last'))?.body, { answer: 3 }, 'what it wrote before it left, a second later');
      versionReads.stop();
    } finally {
      other.database.close();
      other.lock.release();
    }
  });

  it('with write moments, takes the 30 s look alone at a good moment, not on a lookup', async () => {
    const other = openDatabase(dataDir);
    const moments = new HeldWriteMoments();
    const here = new SqliteResponseCache(database, { now: () => now, writeIntervalMs: 60_000, probationBytes: 0, writeMoments: moments });
    try {
      const there = new SqliteResponseCache(other.database, { now: () => now, writeIntervalMs: 0, othersOnDatabase: () => true });
      const versionReads = countVersionReads(database);
      await there.set('quick', { body: { answer: 1 }, metadata: {} }, 3600);
      now += 30_000;
      assert.equal(await here.get('quick'), undefined, 'the lookup does not look');
      assert.equal(await here.get('quick'), undefined);
      assert.equal(versionReads.count(), 0, 'no read of data_version on a lookup');
      assert.equal(moments.waiting.size, 1, 'one look waits for a moment, however many lookups');
      moments.arrive();
      assert.equal(versionReads.count(), 1);
      assert.deepEqual((await here.get('quick'))?.body, { answer: 1 }, 'found after the look');
      now += 30_000;
      await here.get('none');
      assert.equal(moments.waiting.size, 1);
      versionReads.stop();
    } finally {
      await here.close();
      assert.equal(moments.waiting.size, 0, 'a stop cancels the waiting look');
      other.database.close();
      other.lock.release();
    }
  });

  describe('fingerprints: a miss no entry could answer is known without its key', () => {
    const question = (text: string, fingerprint?: number) => ({ target: 'openai/gpt-4o', format: 'openai-chat', owner: 'shared', request: new TextEncoder().encode(`{"q":"${text}"}`), headers: {}, fingerprint });
    const onProbation = (options: { othersOnDatabase?: () => boolean; probationBytes?: number } = {}) => new SqliteResponseCache(database, { now: () => now, writeIntervalMs: 0, ...options });

    it('says "may hold" for the fingerprint of every entry stored, written, reopened or deferred, and no for others', async () => {
      const cache = onProbation();
      assert.equal(cache.mayHold(1), false, 'empty');
      await cache.set('keyed', { body: bytes(4), metadata: {}, question: question('keyed', 1) }, 60);
      assert.equal(cache.mayHold(1), true, 'on probation');
      assert.equal(cache.mayHold(2), false);
      await cache.get('keyed');
      assert.equal(cache.mayHold(1), true, 'written on its second use');
      let keyed = 0;
      await cache.setDeferred({ fingerprint: 3, key: () => (keyed++, 'deferred') }, { body: bytes(4), metadata: { n: 3 }, question: question('deferred', 3) }, 60);
      assert.equal(keyed, 0, 'not keyed when stored');
      assert.equal(await cache.get('deferred'), undefined, 'not found by its key before a request of its fingerprint came');
      assert.equal(cache.mayHold(4), false);
      assert.equal(keyed, 0, 'another fingerprint keys nothing');
      assert.equal(cache.mayHold(3), true);
      assert.equal(keyed, 1, 'keyed when a request of its fingerprint came');
      assert.deepEqual((await cache.get('deferred'))?.metadata, { n: 3 }, 'and then found by its key');
      assert.equal(cache.mayHold(3), true);
      assert.equal(keyed, 1, 'keyed once');
      await cache.close();
      const reopened = onProbation();
      assert.equal(reopened.mayHold(1), true, 'read at open');
      assert.equal(reopened.mayHold(3), true, 'read at open');
      assert.equal(reopened.mayHold(5), false);
      await reopened.clear();
      assert.equal(reopened.mayHold(1), false, 'cleared');
    });

    it('writes an entry stored under a deferred key at close, keyed then, so a restart finds it', async () => {
      const cache = onProbation();
      await cache.setDeferred({ fingerprint: 7, key: () => 'seven' }, { body: bytes(4), metadata: { n: 7 }, question: question('seven', 7) }, 60);
      await cache.close();
      const reopened = onProbation();
      assert.equal(reopened.mayHold(7), true);
      assert.deepEqual((await reopened.get('seven'))?.metadata, { n: 7 });
    });

    it('keys at once, and writes, an answer stored under a deferred key while another process holds the database', async () => {
      const cache = onProbation({ othersOnDatabase: () => true });
      let keyed = 0;
      await cache.setDeferred({ fingerprint: 8, key: () => (keyed++, 'eight') }, { body: bytes(4), metadata: {}, question: question('eight', 8) }, 60);
      assert.equal(keyed, 1);
      assert.equal(Number(database.get("SELECT COUNT(*) AS n FROM response_cache WHERE key = 'eight' AND fingerprint = 8")?.n), 1);
    });

    it('copies a deferred answer that is a view of a larger buffer when it keeps it as an object, and keeps its bytes', async () => {
      const cache = onProbation({ othersOnDatabase: () => true });
      const read = Buffer.alloc(64 * 1024);
      read.write('abcd', 300);
      await cache.setDeferred({ fingerprint: 13, key: () => 'thirteen' }, { body: read.subarray(300, 304), metadata: {}, question: question('thir', 13) }, 60);
      const body = (await cache.get('thirteen'))?.body as Uint8Array;
      assert.equal(Buffer.from(body).toString(), 'abcd');
      assert.notEqual(body.buffer, read.buffer, 'not a view of the 64 KB read');
      const ring = onProbation();
      await ring.setDeferred({ fingerprint: 14, key: () => 'fourteen' }, { body: read.subarray(300, 304), metadata: {}, question: question('four', 14) }, 60);
      read.write('zzzz', 300);
      assert.equal(ring.mayHold(14), true);
      assert.equal(Buffer.from((await ring.get('fourteen'))?.body as Uint8Array).toString(), 'abcd', 'the ring copied it');
    });

    it('keeps the first of two answers to one question stored deferred, and forgets the fingerprints of answers dropped from probation', async () => {
      const cache = onProbation({ probationBytes: 40 });
      await cache.setDeferred({ fingerprint: 9, key: () => 'nine' }, { body: bytes(4), metadata: { n: 1 }, question: question('nine', 9) }, 60);
      await cache.setDeferred({ fingerprint: 9, key: () => 'nine' }, { body: bytes(4), metadata: { n: 2 }, question: question('nine', 9) }, 60);
      assert.equal(cache.mayHold(9), true);
      assert.deepEqual((await cache.get('nine'))?.metadata, { n: 1 });
      assert.equal((await cache.size()).bytes, 4 + '{"q":"nine"}'.length, 'the second is gone, its bytes with it');
      // 16 bytes each: two fit in 40, the third drops the oldest unkeyed.
      let droppedKeyed = 0;
      await cache.setDeferred({ fingerprint: 10, key: () => (droppedKeyed++, 'ten') }, { body: bytes(4), metadata: {}, question: question('ten!', 10) }, 60);
      await cache.setDeferred({ fingerprint: 11, key: () => 'eleven' }, { body: bytes(4), metadata: {}, question: question('elev', 11) }, 60);
      await cache.setDeferred({ fingerprint: 12, key: () => 'twelve' }, { body: bytes(4), metadata: {}, question: question('twel', 12) }, 60);
      cache.mayHold(10);
      assert.equal(droppedKeyed, 0, 'a dropped answer is never keyed');
      assert.equal(await cache.get('ten'), undefined);
    });

    it('starts its unkeyed answers in a small ring, and grows it when a request comes for one it had to drop unasked', async () => {
      const cache = onProbation({ probationBytes: 8 * 1024 * 1024 });
      const large = (fingerprint: number, text: string) => cache.setDeferred({ fingerprint, key: () => text }, { body: bytes(100 * 1024), metadata: { text }, question: question(text, fingerprint) }, 600);
      // 100 KB each: the first ring (1 MiB) keeps ten.
      for (let index = 0; index < 12; index++) await large(index, `early${index}`);
      cache.mayHold(0);
      assert.equal(await cache.get('early0'), undefined, 'dropped for room, unasked');
      for (let index = 100; index < 138; index++) await large(index, `late${index}`);
      cache.mayHold(100);
      assert.deepEqual((await cache.get('late100'))?.metadata, { text: 'late100' }, 'kept: the ring grew when the dropped one was asked for');
      const size = await cache.size();
      assert.ok(size.bytes <= 8 * 1024 * 1024, `within the probation limit: ${size.bytes}`);
    });

    it('lets fingerprints decide again once every question stored without one has expired, though its row is still there', async () => {
      const old = open();
      await old.set('short', { body: bytes(4), metadata: {}, question: question('short') }, 60);
      await old.set('long', { body: bytes(4), metadata: {}, question: question('long') }, 120);
      const cache = onProbation();
      assert.equal(cache.mayHold(12345), true, 'unknown: the key decides');
      now += 61_000;
      assert.equal(cache.mayHold(12345), true, 'one still live');
      now += 60_000;
      assert.equal(cache.mayHold(12345), false, 'both expired: no key computed for them');
      assert.equal(Number(database.get('SELECT COUNT(*) AS n FROM response_cache')?.n), 2, 'the rows wait for their deletion');
      assert.equal(await cache.get('long'), undefined, 'and are never served');
    });

    it('may hold every fingerprint while a stored question has none (stored by an older Switchyard)', async () => {
      const old = open();
      await old.set('old', { body: bytes(4), metadata: {}, question: question('old') }, 60);
      const cache = onProbation();
      assert.equal(cache.mayHold(12345), true, 'unknown: the key decides');
      await cache.delete('old');
      assert.equal(cache.mayHold(12345), false, 'once it is gone, fingerprints decide again');
    });
  });

  describe('admission on second use', () => {
    const rows = (): number => Number(database.get('SELECT COUNT(*) AS entries FROM response_cache')?.entries);
    const question = (text: string) => ({ target: 'openai/gpt-4o', format: 'openai-chat', owner: 'shared', request: new TextEncoder().encode(`{"q":"${text}"}`), headers: {} });
    const onProbation = (options: { probationBytes?: number; maximumBytes?: number; othersOnDatabase?: () => boolean } = {}) =>
      new SqliteResponseCache(database, { now: () => now, writeIntervalMs: 0, ...options });

    it('keeps an answer asked for once in memory only, and writes it, with its question, on its second use', async () => {
      const cache = onProbation();
      await cache.set('once', { body: bytes(10), metadata: { costUsd: 0.25 }, question: question('once') }, 60);
      assert.equal(rows(), 0, 'an answer asked for once is not written');
      assert.deepEqual((await cache.size()).entries, 1, 'but counted');
      const hit = await cache.get('once');
      assert.deepEqual(hit?.metadata, { costUsd: 0.25 }, 'served from memory');
      assert.equal(rows(), 1, 'its second use wrote it');
      assert.equal(new TextDecoder().decode(database.get("SELECT request FROM response_cache WHERE key = 'once'")?.request as Uint8Array), '{"q":"once"}');
      assert.notEqual(await onProbation().get('once'), undefined, 'and a restart finds it');
      await cache.close();
    });

    it('writes what is on probation at close, so a graceful restart keeps it', async () => {
      const cache = onProbation();
      await cache.set('a', { body: bytes(10), metadata: {}, question: question('a') }, 60);
      await cache.set('b', { body: { answer: 'b' }, metadata: {} }, 60);
      assert.equal(rows(), 0);
      await cache.close();
      assert.equal(rows(), 2);
      const reopened = onProbation();
      assert.notEqual(await reopened.get('a'), undefined);
      assert.deepEqual((await reopened.get('b'))?.body, { answer: 'b' });
      assert.deepEqual([...(reopened.formatsByTarget().get('openai/gpt-4o') ?? [])], ['openai-chat'], 'its question written too');
    });

    it('writes at close the newest answers on probation that fit the room the table has, never evicting a row used twice for them', async () => {
      const cache = onProbation({ maximumBytes: 100, probationBytes: 60 });
      await cache.set('earned', { body: bytes(40), metadata: {} }, 60);
      await cache.get('earned');
      cache.flush();
      assert.equal(rows(), 1, 'written on its second use');
      now += 1;
      await cache.set('old', { body: bytes(25), metadata: {} }, 60);
      now += 1;
      let keyed = 0;
      await cache.setDeferred({ fingerprint: 21, key: () => (keyed++, 'middle') }, { body: bytes(11), metadata: {}, question: { ...question('middle'), fingerprint: 21 } }, 60);
      now += 1;
      await cache.set('newest', { body: bytes(25), metadata: {} }, 60);
      await cache.close();
      assert.deepEqual(database.all('SELECT key FROM response_cache ORDER BY key').map((row) => row.key), ['earned', 'middle', 'newest'], 'the oldest did not fit in the 60 bytes left');
      assert.equal(keyed, 1, 'keyed at close, being written');
    });

    it('writes at most 8 MiB of answers on probation at close, the newest', async () => {
      const cache = onProbation();
      const mebibyte = 1024 * 1024;
      for (let index = 0; index < 10; index++) {
        now += 1;
        await cache.set(`answer${index}`, { body: bytes(mebibyte), metadata: {} }, 60);
      }
      await cache.close();
      assert.deepEqual(
        database.all('SELECT key FROM response_cache ORDER BY stored_at').map((row) => row.key),
        [2, 3, 4, 5, 6, 7, 8, 9].map((index) => `answer${index}`),
      );
    });

    it('drops the oldest answers past the probation bytes, unwritten, and never serves an expired one', async () => {
      const cache = onProbation({ probationBytes: 100 });
      await cache.set('first', { body: bytes(40), metadata: {} }, 60);
      await cache.set('second', { body: bytes(40), metadata: {} }, 60);
      await cache.set('third', { body: bytes(40), metadata: {} }, 1);
      assert.equal(await cache.get('first'), undefined, 'dropped: 120 bytes on probation of 100');
      assert.notEqual(await cache.get('second'), undefined);
      now += 1000;
      assert.equal(await cache.get('third'), undefined, 'expired');
      await cache.close();
      assert.deepEqual(database.all('SELECT key FROM response_cache').map((row) => row.key), ['second'], 'only the answer used twice was written');
    });

    it('counts what is on probation against the bound: the table makes room for it', async () => {
      const cache = onProbation({ maximumBytes: 100, probationBytes: 50 });
      await cache.set('written', { body: bytes(60), metadata: {} }, 60);
      assert.equal(rows(), 1, 'larger than probation holds: written at once');
      now += 1;
      await cache.set('untried', { body: bytes(45), metadata: {} }, 60);
      assert.equal(rows(), 1);
      await cache.set('another', { body: bytes(5), metadata: {} }, 60);
      assert.notEqual(await cache.get('another'), undefined, 'its second use writes it, and the write keeps the bound');
      assert.equal(await cache.get('written'), undefined, '60 + 45 + 5 bytes are past 100: the least recently used went');
      assert.notEqual(await cache.get('untried'), undefined);
    });

    it('writes a refreshed answer of a written entry at once', async () => {
      const cache = onProbation();
      await cache.set('key', { body: { answer: 1 }, metadata: {} }, 60);
      await cache.get('key');
      await cache.set('key', { body: { answer: 2 }, metadata: {} }, 60);
      assert.deepEqual(JSON.parse(Buffer.from(database.get("SELECT body FROM response_cache WHERE key = 'key'")?.body as Uint8Array).toString()), { answer: 2 });
      await cache.close();
    });

    it('writes every answer while another process has the database open, and what was on probation once one comes', async () => {
      let others = false;
      const cache = onProbation({ othersOnDatabase: () => others });
      await cache.set('alone', { body: bytes(4), metadata: {} }, 60);
      assert.equal(rows(), 0);
      others = true;
      now += 999;
      await cache.set('too soon to know', { body: bytes(4), metadata: {} }, 60);
      assert.equal(rows(), 0, 'asked at most once a second');
      now += 1;
      await cache.set('shared', { body: bytes(4), metadata: {} }, 60);
      assert.equal(rows(), 3, 'the newcomer finds every answer');
      await cache.set('next', { body: bytes(4), metadata: {} }, 60);
      assert.equal(rows(), 4);
      await cache.close();
    });
  });

  it('finds entries another process stored, a second after they were written', async () => {
    const other = openDatabase(dataDir);
    try {
      // The other process holds the database open (its registration in the holders' folder).
      const here = open(undefined, () => true);
      const there = new SqliteResponseCache(other.database, { now: () => now, writeIntervalMs: 0, othersOnDatabase: () => true });
      assert.equal(await here.get('theirs'), undefined);
      await there.set('theirs', { body: { answer: 42 }, metadata: {} }, 60);
      assert.equal(await here.get('theirs'), undefined, 'not looked for again within the second');
      now += 1000;
      assert.deepEqual((await here.get('theirs'))?.body, { answer: 42 });
      await there.clear();
      assert.deepEqual((await here.get('theirs'))?.body, { answer: 42 }, 'still in memory here (it is a cache: any answer under its key is right)');
    } finally {
      other.database.close();
      other.lock.release();
    }
  });

  it('keeps each entry\'s question, knows the client formats per target across a reopen and from another process, and pages questions newest first', async () => {
    const question = (format: string, text: string) => ({ target: 'openai/gpt-4o', format, owner: 'shared', request: new TextEncoder().encode(`{"q":"${text}"}`), headers: { 'openai-beta': 'b' } });
    const other = openDatabase(dataDir);
    try {
      const here = open(undefined, () => true);
      await here.set('one', { body: bytes(4), metadata: {}, question: question('openai-chat', 'one') }, 60);
      now += 1;
      await here.set('two', { body: bytes(4), metadata: {}, question: question('openai-chat', 'two') }, 60);
      await here.set('alias', { body: bytes(4), metadata: {} }, 60);
      assert.deepEqual([...(here.formatsByTarget().get('openai/gpt-4o') ?? [])], ['openai-chat']);
      assert.equal((await here.size()).bytes, 4 * 3 + 2 * '{"q":"one"}'.length, 'the question counts against the bound');
      const page = await here.questions('openai/gpt-4o', 1, 0);
      assert.deepEqual(page.map((stored) => [stored.key, new TextDecoder().decode(stored.question.request), stored.question.headers]), [['two', '{"q":"two"}', { 'openai-beta': 'b' }]]);
      assert.deepEqual(Buffer.from(page[0]!.entry.body as Uint8Array), Buffer.from(bytes(4)));
      assert.deepEqual((await here.questions('openai/gpt-4o', 5, 1)).map((stored) => stored.key), ['one']);
      assert.equal((await here.get('two'))?.question, undefined, 'a hit reads no question');

      const there = new SqliteResponseCache(other.database, { now: () => now, writeIntervalMs: 0, othersOnDatabase: () => true });
      assert.deepEqual([...(there.formatsByTarget().get('openai/gpt-4o') ?? [])], ['openai-chat'], 'read at open');
      await there.set('three', { body: bytes(4), metadata: {}, question: question('anthropic-messages', 'three') }, 60);
      now += 1000;
      await here.get('anything');
      assert.deepEqual([...(here.formatsByTarget().get('openai/gpt-4o') ?? [])].sort(), ['anthropic-messages', 'openai-chat'], 'what another process stored');
    } finally {
      other.database.close();
      other.lock.release();
    }
  });

  it('counts the bytes two processes store, replace and evict as the table holds them, and keeps the bound', async () => {
    const other = openDatabase(dataDir);
    try {
      const here = new SqliteResponseCache(database, { maximumBytes: 1000, now: () => now, writeIntervalMs: 0, othersOnDatabase: () => true });
      const there = new SqliteResponseCache(other.database, { maximumBytes: 1000, now: () => now, writeIntervalMs: 0, othersOnDatabase: () => true });
      await here.set('a', { body: bytes(300), metadata: {} }, 60);
      now += 1000;
      assert.notEqual(await there.get('a'), undefined, 'found there');
      await there.set('a', { body: bytes(500), metadata: {} }, 60);
      assert.deepEqual(await here.size(), { entries: 1, bytes: 500 }, 'a replacement there is counted here');
      await there.clear();
      assert.deepEqual(await here.size(), { entries: 0, bytes: 0 }, 'a clear there is counted here');
      await there.set('b', { body: bytes(400), metadata: {} }, 60);
      now += 1;
      await here.set('c', { body: bytes(400), metadata: {} }, 60);
      now += 1;
      await here.set('d', { body: bytes(400), metadata: {} }, 60);
      const summed = Number(database.get('SELECT SUM(size) AS bytes FROM response_cache')?.bytes);
      assert.ok(summed <= 1000, `the bound holds across both (${summed} bytes stored)`);
      assert.deepEqual(await here.size(), { entries: 2, bytes: summed });
      assert.equal((await there.size()).bytes, summed, 'and both count the same');
    } finally {
      other.database.close();
      other.lock.release();
    }
  });
});
