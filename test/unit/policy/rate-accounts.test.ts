import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Database } from 'node-sqlite3-wasm';
import { RateAccount, RateAccounts } from '../../../proxy/policy/rate-accounts';
import { MemoryRateCounters } from '../../../proxy/store/memory-rate-counters';
import { openDatabase } from '../../../proxy/store/sqlite/open-database';
import { SqliteRateCounters } from '../../../proxy/store/sqlite/sqlite-rate-counters';

describe('RateAccounts: leases over the rate counters', () => {
  let dataDir: string;
  let databases: Database[];
  const open: RateAccounts[] = [];

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-rate-accounts-'));
    databases = [];
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((accounts) => accounts.close()));
    for (const database of databases) database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A process of its own: its own connection to the one database file. */
  function process(leaseLifeMs = 200): RateAccounts {
    const database = openDatabase(dataDir).database;
    databases.push(database);
    const accounts = new RateAccounts({ counters: new SqliteRateCounters(database), leaseLifeMs });
    open.push(accounts);
    return accounts;
  }

  /** Accounts over in-memory counters that count how often a lease is asked of them. */
  function countingAccounts(): { accounts: RateAccounts; reserves: () => number } {
    let reserves = 0;
    const counters = new MemoryRateCounters();
    const reserve = counters.reserve.bind(counters);
    counters.reserve = (items, now, settlements) => {
      reserves++;
      return reserve(items, now, settlements);
    };
    const accounts = new RateAccounts({ counters, leaseLifeMs: 60_000 });
    open.push(accounts);
    return { accounts, reserves: () => reserves };
  }

  it('hands out a busy key\'s calls from a lease in memory, asking the counters less and less often', async () => {
    const { accounts, reserves } = countingAccounts();
    const account = new RateAccount('rpm:key_a', 1_000_000);
    let admitted = 0;
    for (let call = 0; call < 1000; call++) {
      const taken = accounts.takeFromLeases([account], [1], Date.now());
      if (taken === undefined) assert.ok((await accounts.reserve([account], [1])).granted);
      admitted++;
    }
    assert.equal(admitted, 1000);
    // Leases double while used: about log2(1000) reservations, not 1000.
    assert.ok(reserves() <= 12, `${reserves()} reservations for 1000 calls`);
  });

  it('takes a busy key\'s next lease before the one in service runs out: its calls do not wait for the store', async () => {
    const counters = new MemoryRateCounters();
    const reserve = counters.reserve.bind(counters);
    // A store transaction that takes a while (a write with fsyncs on a busy disk).
    counters.reserve = async (items, now, settlements) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return reserve(items, now, settlements);
    };
    const accounts = new RateAccounts({ counters, leaseLifeMs: 60_000 });
    open.push(accounts);
    const account = new RateAccount('rpm:key_a', 1_000_000);
    let waited = 0;
    for (let call = 0; call < 600; call++) {
      if (accounts.takeFromLeases([account], [1], Date.now()) === undefined) {
        if (call >= 100) waited++;
        assert.ok((await accounts.reserve([account], [1])).granted);
      }
      // Calls a timer tick apart: a lease's last quarter is tens of them, the store's answer 5 ms.
      if (call % 2 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
      else await new Promise((resolve) => setImmediate(resolve));
    }
    // Past the first leases (while they double), a lease's last quarter covers the next one's
    // store transaction: no call waits. Taken only when one ran out, a call waited per lease.
    assert.equal(waited, 0);
  });

  it('sizes leases from what calls take, not what they settle to: one call at a time far under its estimate still shares a lease', async () => {
    const { accounts, reserves } = countingAccounts();
    const account = new RateAccount('tpm:key_a', 1_000_000_000);
    // A coding agent: max_tokens 32,000 reserved, a few hundred tokens used, one call at a time.
    for (let call = 0; call < 1000; call++) {
      let taken = accounts.takeFromLeases([account], [32_300], Date.now());
      if (taken === undefined) {
        const reservation = await accounts.reserve([account], [32_300]);
        assert.ok(reservation.granted);
        taken = reservation.takes;
      }
      accounts.settle(taken[0]!, 700);
    }
    assert.ok(reserves() <= 12, `${reserves()} reservations for 1000 calls`);
  });

  it('sizes leases from what calls used when they settle above their estimate: 10 calls at a time still share a lease', async () => {
    const { accounts, reserves } = countingAccounts();
    const account = new RateAccount('tpm:key_a', 1_000_000_000);
    // The bench's 1 KB body: 256 + 512 tokens estimated, 1,914 counted (cached prompt tokens).
    const worker = async (): Promise<void> => {
      for (let call = 0; call < 100; call++) {
        let taken = accounts.takeFromLeases([account], [768], Date.now());
        if (taken === undefined) {
          const reservation = await accounts.reserve([account], [768]);
          assert.ok(reservation.granted);
          taken = reservation.takes;
        }
        await new Promise((resolve) => setImmediate(resolve));
        accounts.settle(taken[0]!, 1914);
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));
    // Leases double while used: about log2(1000) reservations, not one every few calls.
    assert.ok(reserves() <= 14, `${reserves()} reservations for 1000 calls`);
  });

  it('admits exactly the limit across two processes on one data folder, however the calls interleave', async function () {
    this.timeout(20_000);
    const one = process();
    const two = process();
    const accountOne = new RateAccount('rpm:key_shared', 30);
    const accountTwo = new RateAccount('rpm:key_shared', 30);
    const calls = Array.from({ length: 80 }, async (_, index) => {
      const [accounts, account] = index % 2 === 0 ? [one, accountOne] : [two, accountTwo];
      if (accounts.takeFromLeases([account], [1], Date.now()) !== undefined) return true;
      return (await accounts.reserve([account], [1])).granted;
    });
    const admitted = (await Promise.all(calls)).filter(Boolean).length;
    assert.equal(admitted, 30);
  });

  it('settles tokens to the real count: what a call did not use is free again', async () => {
    const accounts = process(50);
    const account = new RateAccount('tpm:key_a', 100);
    const first = await accounts.reserve([account], [80]);
    assert.ok(first.granted);
    const refused = await accounts.reserve([account], [40]);
    assert.equal(refused.granted, false);
    accounts.settle(first.takes[0]!, 20);
    // The lease leaves service after its life (50 ms) on a timer, which a loaded machine runs
    // late: ask until the settlement is in (each refused ask waits a lease life itself).
    const deadline = Date.now() + 5000;
    let again = await accounts.reserve([account], [40]);
    while (!again.granted && Date.now() < deadline) again = await accounts.reserve([account], [40]);
    assert.ok(again.granted, 'the 60 tokens not used are back');
  });
});
