import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Database } from 'node-sqlite3-wasm';
import { BudgetAccounts, type BudgetRefusal, type BudgetReservation, type LedgerBudget } from '../../../proxy/policy/budget-accounts';
import { periodBounds } from '../../../proxy/policy/budget-period';
import { openDatabase } from '../../../proxy/store/sqlite/open-database';
import { SqliteSpendLedger } from '../../../proxy/store/sqlite/sqlite-spend-ledger';

const daily: LedgerBudget = { ledgerName: 'daily', limitUsd: 1, period: 'day', action: 'block' };

function isRefusal(value: BudgetReservation | BudgetRefusal): value is BudgetRefusal {
  return 'budget' in value;
}

describe('BudgetAccounts over the SQLite spend ledger', () => {
  let dataDir: string;
  let databases: Database[];

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-budgets-'));
    databases = [];
  });
  afterEach(() => {
    for (const database of databases) database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A process of its own: its own connection to the one database file, its own accounts. */
  function process(): { accounts: BudgetAccounts; ledger: SqliteSpendLedger } {
    const database = openDatabase(dataDir).database;
    databases.push(database);
    const ledger = new SqliteSpendLedger(database);
    return { accounts: new BudgetAccounts({ ledger, syncIntervalMs: 20, loneSyncIntervalMs: 60 }), ledger };
  }

  it('reserves in memory once it holds a lease, and refuses what would cross the limit', async () => {
    const { accounts } = process();
    const first = await accounts.reserve([daily], 0.3);
    assert.ok(!isRefusal(first));
    // The second fits the lease taken by the first: no ledger exchange, no promise.
    const second = accounts.reserve([daily], 0.01);
    assert.ok(!(second instanceof Promise), 'a reservation within the lease is synchronous');
    const third = await accounts.reserve([daily], 0.8);
    assert.ok(isRefusal(third), 'the third would cross $1 with $0.31 reserved');
    assert.equal(third.budget.ledgerName, 'daily');
    accounts.settle(first, 0.1);
    accounts.settle(second as BudgetReservation, 0.01);
    await accounts.close();
  });

  it('books settled spend so that it survives the process', async () => {
    const one = process();
    const held = await one.accounts.reserve([daily], 0.5);
    assert.ok(!isRefusal(held));
    one.accounts.settle(held, 0.25);
    await one.accounts.close();
    const two = process();
    const standing = await two.accounts.standing(daily);
    assert.equal(standing.spentUsd, 0.25);
    assert.equal(standing.reservedUsd, 0, 'a closed process gives its lease back');
    const [state] = await two.ledger.read([{ budget: 'daily', periodStart: periodBounds('day', Date.now()).start }], Date.now());
    assert.equal(state?.leasedUsd, 0);
  });

  it('never lets 200 concurrent reservations in two processes settle past the limit', async () => {
    const processes = [process(), process()];
    const cost = 0.013; // each call's worst case, settled in full: the tightest case
    let granted = 0;
    await Promise.all(
      Array.from({ length: 200 }, async (_, index) => {
        const accounts = processes[index % 2]!.accounts;
        const held = await accounts.reserve([daily], cost);
        if (isRefusal(held)) return;
        granted++;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
        accounts.settle(held, cost);
      }),
    );
    await Promise.all(processes.map(({ accounts }) => accounts.close()));
    const [state] = await processes[0]!.ledger.read([{ budget: 'daily', periodStart: periodBounds('day', Date.now()).start }], Date.now());
    assert.ok(state!.spentUsd <= 1 + 1e-9, `spent ${state!.spentUsd}`);
    assert.equal(Math.round(state!.spentUsd / cost), granted);
    // Exact, not merely safe: every call that fitted was let through (76 × 0.013 = 0.988).
    assert.equal(granted, Math.floor(1 / cost));
  });

  it('serves a warn budget past its limit and says it was crossed', async () => {
    const { accounts } = process();
    const warn: LedgerBudget = { ledgerName: 'soft', limitUsd: 0.1, period: 'day', action: 'warn' };
    const first = await accounts.reserve([warn], 0.08);
    assert.ok(!isRefusal(first));
    assert.deepEqual(first.warned, []);
    const second = await accounts.reserve([warn], 0.08);
    assert.ok(!isRefusal(second));
    assert.deepEqual(second.warned, ['soft']);
    accounts.settle(first, 0.08);
    accounts.settle(second, 0.08);
    await accounts.close();
  });

  it('reserves against every budget or none', async () => {
    const { accounts } = process();
    const small: LedgerBudget = { ledgerName: 'small', limitUsd: 0.05, period: 'week', action: 'block' };
    const refused = await accounts.reserve([daily, small], 0.1);
    assert.ok(isRefusal(refused));
    assert.equal(refused.budget.ledgerName, 'small');
    const standing = await accounts.standing(daily);
    assert.equal(standing.reservedUsd, 0, 'the budget that had room holds nothing for the refused call');
    await accounts.close();
  });
});

describe('periodBounds', () => {
  it('aligns days, weeks (from Monday) and months to local midnight', () => {
    const wednesday = new Date(2026, 11, 2, 15, 30).getTime();
    assert.deepEqual(periodBounds('day', wednesday), { start: new Date(2026, 11, 2).getTime(), resetsAt: new Date(2026, 11, 3).getTime() });
    assert.deepEqual(periodBounds('week', wednesday), { start: new Date(2026, 10, 30).getTime(), resetsAt: new Date(2026, 11, 7).getTime() });
    assert.deepEqual(periodBounds('month', wednesday), { start: new Date(2026, 11, 1).getTime(), resetsAt: new Date(2027, 0, 1).getTime() });
    assert.deepEqual(periodBounds('total', wednesday), { start: 0, resetsAt: Infinity });
    const sunday = new Date(2026, 11, 6, 23, 59).getTime();
    assert.equal(periodBounds('week', sunday).start, new Date(2026, 10, 30).getTime());
  });
});
