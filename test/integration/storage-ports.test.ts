import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestRecord } from '../../proxy/store/request-record';
import type { Storage } from '../../proxy/store/storage';
import { openSqliteStorage } from '../../proxy/store/sqlite/sqlite-storage';
import { AccessKeyNameTaken } from '../../proxy/store/access-keys';
import type { LeaseRequest } from '../../proxy/store/spend-ledger';
import { findPostgresBinaries, findRedisServer, nextRedisDatabase, requireServer, sharedPostgresServer, sharedRedisServer, stopSharedServers } from '../support/servers';
import { sampleRecord } from '../support/sample-record';

// Issue 12: the same storage-port contract, run against the solo backend (SQLite) and the team
// backend (PostgreSQL + Redis, real servers). Each mode opens two Storage instances on one
// backend, as two proxies would, and checks what one writes the other reads.

/** How a mode opens a fresh backend and then instances on it. */
interface StorageMode {
  name: string;
  /** Prepares a fresh, empty backend; returns how to open an instance on it. */
  prepare(context: Mocha.Context): Promise<() => Promise<Storage>>;
  cleanup(): Promise<void>;
}

const sqliteMode = (): StorageMode => {
  let dataDir: string | undefined;
  return {
    name: 'SQLite (solo)',
    async prepare() {
      dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-ports-'));
      const folder = dataDir;
      return async () => openSqliteStorage({ dataDir: folder, retentionDays: 0, flushIntervalMs: 20 });
    },
    async cleanup() {
      if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

const teamMode = (): StorageMode => ({
  name: 'PostgreSQL + Redis (team)',
  async prepare(context) {
    const postgres = await sharedPostgresServer(requireServer(context, findPostgresBinaries(), 'PostgreSQL (postgres, initdb)'));
    const redis = await sharedRedisServer(requireServer(context, findRedisServer(), 'redis-server'));
    const postgresUrl = await postgres.createDatabase();
    const redisUrl = redis.url(nextRedisDatabase());
    const { openTeamStorage } = await import('../../proxy/store/team/open-team-storage');
    let first = true;
    return async () => {
      const storage = await openTeamStorage({ dataDir: '', retentionDays: 0, flushIntervalMs: 20 }, { postgresUrl, redisUrl, onStorageError: 'closed' });
      // A fresh Redis database for the suite: the first instance empties it.
      if (first) await storage.responseCache.clear();
      first = false;
      return storage;
    };
  },
  async cleanup() {},
});

after(stopSharedServers);

let sequence = 0;
function record(fields: Partial<RequestRecord> = {}): RequestRecord {
  sequence += 1;
  return sampleRecord({ id: `req_ports_${String(sequence).padStart(5, '0')}`, time: 1_900_000_000_000 + sequence, inputTokens: 100, outputTokens: 20, costUsd: 0.001, timeToFirstTokenMs: 30, latencyMs: 90, ...fields });
}

function lease(fields: Partial<LeaseRequest>): LeaseRequest {
  return { budget: 'team', periodStart: 0, limitUsd: 1, spentUsd: 0, wantUsd: 0, keepUsd: 0, needUsd: 0, ...fields };
}

for (const makeMode of [sqliteMode, teamMode]) {
  const mode = makeMode();
  describe(`storage ports on ${mode.name}`, function () {
    this.timeout(60_000);
    let open: () => Promise<Storage>;
    let one: Storage;
    let two: Storage;

    before(async function () {
      open = await mode.prepare(this);
      one = await open();
      two = await open();
    });

    after(async () => {
      await one?.close();
      await two?.close();
      await mode.cleanup();
    });

    it('request log: what one instance writes, the other lists, filters, gets and totals', async () => {
      const records = [
        record({ provider: 'openai', model: 'gpt-4o', keyId: 'key_aaaa', keyLabel: 'alice', tool: 'curl' }),
        // A provider's failure without usage: it cost nothing, so it is no unpriced call.
        record({ provider: 'anthropic', model: 'claude-sonnet-4-5', status: 429, error: 'rate limited', costUsd: null, keyId: 'key_bbbb', inputTokens: 0, outputTokens: 0, timeToFirstTokenMs: null }),
        record({ provider: 'openai', model: 'gpt-4o', cache: 'hit', savedUsd: 0.002, redactions: { email: 2 }, stream: true }),
        // Refused by Switchyard (an allow-list): no cost, and no price missing either.
        record({ provider: 'anthropic', model: 'claude-sonnet-4-5', status: 403, error: 'not allowed', costUsd: null, refusal: 'permission' }),
      ];
      for (const item of records) one.requestLog.add(item);
      await one.requestLog.flush();
      const listed = await two.requestLog.recent({ limit: 10, since: records[0]!.time });
      assert.deepEqual(
        listed.map((item) => item.id),
        records.map((item) => item.id).reverse(),
      );
      assert.deepEqual(await two.requestLog.get(records[0]!.id), records[0]);
      assert.deepEqual(await two.requestLog.get(records[2]!.id), records[2]);
      assert.deepEqual(
        (await two.requestLog.recent({ since: records[0]!.time, status: 'error' })).map((item) => item.id),
        [records[3]!.id, records[1]!.id],
      );
      assert.deepEqual(
        (await two.requestLog.recent({ since: records[0]!.time, clientKey: 'key_aaaa' })).map((item) => item.id),
        [records[0]!.id],
      );
      const byProvider = await two.requestLog.aggregate('provider', { since: records[0]!.time });
      const openai = byProvider.find((row) => row.key === 'openai')!;
      assert.equal(openai.requests, 2);
      assert.equal(openai.cacheHits, 1);
      assert.equal(openai.redactions, 2);
      assert.ok(Math.abs(openai.costUsd - 0.002) < 1e-12);
      const anthropic = byProvider.find((row) => row.key === 'anthropic')!;
      assert.equal(anthropic.errors, 2);
      assert.equal(anthropic.unpricedRequests, 0);
      assert.equal(anthropic.refusedRequests, 1);
      assert.equal(openai.refusedRequests, 0);
      // One key's totals only: what an access key reading /stats is given.
      const ownTotals = await two.requestLog.aggregate('provider', { since: records[0]!.time, clientKey: 'key_aaaa' });
      assert.deepEqual(
        ownTotals.map((row) => [row.key, row.requests]),
        [['openai', 1]],
      );
      const ownDays = await two.requestLog.aggregate('day', { since: records[0]!.time, clientKey: 'key_aaaa' }, 'model');
      assert.equal(ownDays.reduce((sum, row) => sum + row.requests, 0), 1);
      const byDay = await two.requestLog.aggregate('day', { since: records[0]!.time });
      assert.equal(byDay.reduce((sum, row) => sum + row.requests, 0), 4);
      const dayThenProvider = await two.requestLog.aggregate('day', { since: records[0]!.time }, 'provider');
      assert.deepEqual(
        dayThenProvider.map((row) => [row.subKey, row.requests]).sort(),
        [
          ['anthropic', 2],
          ['openai', 2],
        ],
      );
      // A later record with the same id replaces the earlier one.
      one.requestLog.add({ ...records[0]!, status: 500 });
      await one.requestLog.flush();
      assert.equal((await two.requestLog.get(records[0]!.id))?.status, 500);
    });

    it('request log: unpriced counts calls served without a known price, not failures that spent nothing', async () => {
      const since = 1_950_000_000_000;
      const served = (fields: Partial<RequestRecord>): RequestRecord => record({ provider: 'mystery', model: 'unpriced-1', costUsd: null, ...fields, time: since + sequence });
      const records = [
        served({}),
        // Cut off mid-stream after the usage arrived: tokens were spent at a price nobody knows.
        served({ status: 200, error: 'upstream stream ended early', stream: true }),
        // The provider failed before any usage: nothing was spent.
        served({ status: 500, error: 'upstream 500', inputTokens: 0, outputTokens: 0, timeToFirstTokenMs: null }),
        served({ status: 502, error: 'connection refused', inputTokens: 0, outputTokens: 0, timeToFirstTokenMs: null }),
        // Refused by Switchyard: counted as refused.
        served({ status: 429, error: 'rate limit', inputTokens: 0, outputTokens: 0, timeToFirstTokenMs: null, refusal: 'rate_limit' }),
      ];
      for (const item of records) one.requestLog.add(item);
      await one.requestLog.flush();
      for (const by of ['provider', 'model', 'day'] as const) {
        const rows = await two.requestLog.aggregate(by, { since });
        const sum = (field: 'requests' | 'errors' | 'unpricedRequests' | 'refusedRequests'): number => rows.reduce((total, row) => total + row[field], 0);
        assert.deepEqual([sum('requests'), sum('errors'), sum('unpricedRequests'), sum('refusedRequests')], [5, 4, 2, 1], by);
      }
    });

    it('access keys: created, updated, revoked on one, seen by the other with a new version', async () => {
      const before = await two.accessKeys.version();
      await one.accessKeys.create({ hash: 'a'.repeat(64), name: 'ci', policy: { models: ['openai/*'], budget: { limitUsd: 5, period: 'day' }, rpm: 10, redaction: { mode: 'block' } }, created: 1000 });
      await assert.rejects(one.accessKeys.create({ hash: 'b'.repeat(64), name: 'ci', policy: {}, created: 1001 }), AccessKeyNameTaken);
      await waitFor(async () => (await two.accessKeys.version()) !== before);
      assert.deepEqual(await two.accessKeys.list(), [{ hash: 'a'.repeat(64), name: 'ci', policy: { models: ['openai/*'], budget: { limitUsd: 5, period: 'day' }, rpm: 10, redaction: { mode: 'block' } }, created: 1000 }]);
      const versionBeforeUpdate = await one.accessKeys.version();
      // A redaction change is laid over the key's: detectors added, the mode kept.
      const updated = await two.accessKeys.update('ci', { rpm: null, tpm: 5000, redaction: { detectors: ['secrets'] } });
      assert.deepEqual(updated?.policy, { models: ['openai/*'], budget: { limitUsd: 5, period: 'day' }, tpm: 5000, redaction: { mode: 'block', detectors: ['secrets'] } });
      await waitFor(async () => (await one.accessKeys.version()) !== versionBeforeUpdate);
      const versionAfterUpdate = await one.accessKeys.version();
      await one.accessKeys.markUsed(new Map([['a'.repeat(64), 5000]]));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(await one.accessKeys.version(), versionAfterUpdate, 'last-used times are no change of the keys');
      assert.equal((await two.accessKeys.list())[0]?.lastUsed, 5000);
      assert.deepEqual((await one.accessKeys.update('ci', { redaction: { mode: null } }))?.policy.redaction, { detectors: ['secrets'] });
      assert.equal((await one.accessKeys.update('ci', { redaction: null }))?.policy.redaction, undefined);
      assert.equal((await one.accessKeys.revoke('ci', 6000))?.revoked, 6000);
      assert.equal(await two.accessKeys.revoke('ci'), undefined);
      assert.equal(await two.accessKeys.update('nobody', { rpm: 1 }), undefined);
      // The name is free again once revoked.
      await two.accessKeys.create({ hash: 'c'.repeat(64), name: 'ci', policy: {}, created: 7000 });
      assert.deepEqual(
        (await one.accessKeys.list()).map((key) => [key.name, key.revoked]),
        [
          ['ci', 6000],
          ['ci', undefined],
        ],
      );
    });

    it('spend ledger: leases of two holders never pass the limit, expire, and book spend', async () => {
      const now = 1_000_000;
      const [first] = await one.spendLedger.exchange('holder-1', [lease({ wantUsd: 0.6, needUsd: 0.1 })], now, 10_000);
      assert.deepEqual([first!.granted, first!.leaseUsd, first!.othersLeasedUsd], [true, 0.6, 0]);
      const [second] = await two.spendLedger.exchange('holder-2', [lease({ wantUsd: 0.6, needUsd: 0.5 })], now, 10_000);
      assert.equal(second!.granted, false);
      assert.equal(second!.othersLeasedUsd, 0.6);
      const [third] = await two.spendLedger.exchange('holder-2', [lease({ wantUsd: 0.6, needUsd: 0.3 })], now, 10_000);
      assert.ok(third!.granted);
      assert.ok(Math.abs(third!.leaseUsd - 0.4) < 1e-12);
      // Holder 1 books 0.25 and gives its lease back.
      const [booked] = await one.spendLedger.exchange('holder-1', [lease({ spentUsd: 0.25 })], now + 1, 10_000);
      assert.equal(booked!.spentUsd, 0.25);
      assert.equal(booked!.leaseUsd, 0);
      const [state] = await two.spendLedger.read([{ budget: 'team', periodStart: 0 }], now + 1);
      assert.equal(state!.spentUsd, 0.25);
      assert.ok(Math.abs(state!.leasedUsd - 0.4) < 1e-12);
      // Holder 2 died: after its time to live its lease counts as spent (what it spent inside
      // the lease was never booked: a crash must not under-count), and the next exchange books it.
      const [late] = await one.spendLedger.read([{ budget: 'team', periodStart: 0 }], now + 20_000);
      assert.equal(late!.leasedUsd, 0);
      assert.ok(Math.abs(late!.spentUsd - 0.65) < 1e-12, `spent ${late!.spentUsd}`);
      const [afterDeath] = await one.spendLedger.exchange('holder-1', [lease({})], now + 20_000, 10_000);
      assert.ok(Math.abs(afterDeath!.spentUsd - 0.65) < 1e-12, `booked ${afterDeath!.spentUsd}`);
      assert.equal(afterDeath!.othersLeasedUsd, 0);
      const [unknown] = await one.spendLedger.read([{ budget: 'never', periodStart: 5 }], now);
      assert.deepEqual(unknown, { budget: 'never', periodStart: 5, spentUsd: 0, leasedUsd: 0 });
    });

    it('spend ledger: 40 holders exchanging at once on two instances are granted at most the limit', async () => {
      const now = 2_000_000;
      const slot = { budget: 'race', periodStart: 7 };
      const grants = await Promise.all(
        Array.from({ length: 40 }, (_, index) => (index % 2 === 0 ? one : two).spendLedger.exchange(`racer-${index}`, [lease({ ...slot, limitUsd: 1, wantUsd: 0.1, needUsd: 0.07 })], now, 60_000)),
      );
      const leased = grants.reduce((sum, [grant]) => sum + grant!.leaseUsd, 0);
      assert.ok(leased <= 1 + 1e-9, `leased ${leased}`);
      assert.ok(grants.filter(([grant]) => grant!.granted).length >= 10, 'the room was handed out');
    });

    it('audit: entries written on one are listed, fetched, paged and purged on the other', async () => {
      const base = 1_950_000_000_000;
      for (let index = 0; index < 5; index += 1) one.auditSink.write({ id: `aud_${index}`, time: base + index, kind: index % 2 === 0 ? 'request' : 'response', requestId: `req_${index}`, data: { text: 'x'.repeat(100), index } });
      await one.auditSink.flush();
      assert.deepEqual(
        (await two.auditSink.recent({ kind: 'request' })).map((entry) => entry.id),
        ['aud_4', 'aud_2', 'aud_0'],
      );
      assert.deepEqual((await two.auditSink.get('aud_3'))?.data, { text: 'x'.repeat(100), index: 3 });
      const page = await two.auditSink.range({ since: base, until: base + 10, limit: 2 });
      assert.deepEqual(
        page.map((entry) => entry.id),
        ['aud_0', 'aud_1'],
      );
      const next = await two.auditSink.range({ since: base, until: base + 10, limit: 10, after: { time: page[1]!.time, id: page[1]!.id } });
      assert.deepEqual(
        next.map((entry) => entry.id),
        ['aud_2', 'aud_3', 'aud_4'],
      );
      assert.equal(await two.auditSink.purge({ before: base + 2, maxBytes: Number.MAX_SAFE_INTEGER }), 2);
      const remaining = await one.auditSink.recent({});
      assert.deepEqual(
        remaining.map((entry) => entry.id),
        ['aud_4', 'aud_3', 'aud_2'],
      );
      // By size: one entry's bytes left, the oldest go.
      const entryBytes = JSON.stringify({ text: 'x'.repeat(100), index: 4 }).length;
      assert.equal(await two.auditSink.purge({ before: 0, maxBytes: entryBytes }), 2);
      assert.deepEqual(
        (await one.auditSink.recent({})).map((entry) => entry.id),
        ['aud_4'],
      );
    });

    it('counters: amounts booked on one are summed on the other over a window', async () => {
      await one.counters.add('requests:key_x', 1, 1000);
      await two.counters.add('requests:key_x', 2, 2000);
      await one.counters.add('requests:key_y', 5, 2000);
      assert.equal(await two.counters.sum('requests:key_x', 0, 3000), 3);
      assert.equal(await two.counters.sum('requests:key_x', 1500, 3000), 2);
      assert.equal(await one.counters.deleteBefore(1500), 1);
      assert.equal(await one.counters.sum('requests:key_x', 0, 3000), 2);
    });

    it('response cache: stored, replaced, deleted, sized and cleared', async () => {
      const cache = one.responseCache;
      await cache.clear();
      await cache.set('k1', { body: new Uint8Array([1, 2, 3]), metadata: { status: 200 } }, 60);
      await cache.set('k2', { body: { answer: 'yes' }, metadata: { status: 200, format: 'openai-chat' } }, 60);
      assert.deepEqual(await cache.get('k1'), { body: new Uint8Array([1, 2, 3]), metadata: { status: 200 } });
      assert.deepEqual(await cache.get('k2'), { body: { answer: 'yes' }, metadata: { status: 200, format: 'openai-chat' } });
      await cache.set('k1', { body: new Uint8Array([9]), metadata: {} }, 60);
      assert.deepEqual((await cache.get('k1'))?.body, new Uint8Array([9]));
      assert.equal((await cache.size()).entries, 2);
      await cache.delete('k2');
      assert.equal(await cache.get('k2'), undefined);
      assert.equal(await cache.get('never'), undefined);
      assert.equal(await cache.clear(), 1);
      assert.equal((await cache.size()).entries, 0);
    });
  });
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
