import type { Database } from 'node-sqlite3-wasm';
import { holderProcess, type BudgetSlot, type LeaseGrant, type LeaseRequest, type SlotState, type SpendLedger } from '../spend-ledger';
import { hostname } from 'node:os';
import { whenNotBusy } from './busy';
import { rollback } from './open-database';

/**
 * The spend ledger in `budget_spend` (settled spend per budget and period) and `budget_leases`
 * (each proxy's lease). One exchange is one IMMEDIATE transaction, which takes the database's
 * write lock: two proxies on one data folder exchange one after the other, never interleaved.
 */
export class SqliteSpendLedger implements SpendLedger {
  private readonly database: Database;

  /**
   * @param database An open `switchyard.db`; closing it stays with its owner. Statements are
   *   prepared per use: an exchange is rare (a few a second at most), and a prepared statement
   *   whose step failed with SQLITE_BUSY cannot be bound again in node-sqlite3-wasm.
   */
  constructor(database: Database) {
    this.database = database;
  }

  async exchange(holder: string, requests: readonly LeaseRequest[], now: number, leaseTtlMs: number): Promise<LeaseGrant[]> {
    return whenNotBusy(() => {
      const database = this.database;
      database.exec('BEGIN IMMEDIATE');
      try {
        const grants: LeaseGrant[] = [];
        for (const request of requests) {
          const slot: [string, number] = [request.budget, request.periodStart];
          if (request.spentUsd !== 0) {
            database.run(
              'INSERT INTO budget_spend (budget, period_start, spent_usd) VALUES (?, ?, ?) ON CONFLICT (budget, period_start) DO UPDATE SET spent_usd = spent_usd + excluded.spent_usd',
              [...slot, request.spentUsd],
            );
          }
          this.bookAbandonedLeases(holder, slot, now);
          const spentUsd = Number(database.get('SELECT spent_usd FROM budget_spend WHERE budget = ? AND period_start = ?', slot)?.spent_usd ?? 0);
          const othersLeasedUsd = Number(database.get('SELECT TOTAL(amount_usd) AS total FROM budget_leases WHERE budget = ? AND period_start = ? AND holder <> ?', [...slot, holder])?.total ?? 0);
          const room = Math.max(0, request.limitUsd - spentUsd - othersLeasedUsd);
          const granted = request.needUsd <= room;
          const leaseUsd = granted ? Math.min(Math.max(request.wantUsd, request.needUsd), room) : Math.min(request.keepUsd, room);
          if (leaseUsd > 0) {
            database.run(
              'INSERT INTO budget_leases (budget, period_start, holder, amount_usd, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (budget, period_start, holder) DO UPDATE SET amount_usd = excluded.amount_usd, expires_at = excluded.expires_at',
              [...slot, holder, leaseUsd, now + leaseTtlMs],
            );
          } else {
            database.run('DELETE FROM budget_leases WHERE budget = ? AND period_start = ? AND holder = ?', [...slot, holder]);
          }
          grants.push({ budget: request.budget, periodStart: request.periodStart, leaseUsd, granted, spentUsd, othersLeasedUsd });
        }
        database.exec('COMMIT');
        return grants;
      } catch (error) {
        rollback(database);
        throw error;
      }
    });
  }

  async read(slots: readonly BudgetSlot[], now: number): Promise<SlotState[]> {
    return whenNotBusy(() =>
      slots.map((slot) => {
        const key = [slot.budget, slot.periodStart];
        let spentUsd = Number(this.database.get('SELECT spent_usd FROM budget_spend WHERE budget = ? AND period_start = ?', key)?.spent_usd ?? 0);
        let leasedUsd = 0;
        for (const lease of this.database.all('SELECT holder, amount_usd, expires_at FROM budget_leases WHERE budget = ? AND period_start = ?', key)) {
          // An abandoned lease counts as spent here too, before the next exchange books it.
          if (isAbandoned(String(lease.holder), Number(lease.expires_at), now)) spentUsd += Number(lease.amount_usd);
          else leasedUsd += Number(lease.amount_usd);
        }
        return { budget: slot.budget, periodStart: slot.periodStart, spentUsd, leasedUsd };
      }),
    );
  }

  /**
   * Books the leases of other holders that died (their process is gone from this machine) or
   * stopped renewing as spent, and deletes them. What a dead process had settled but not yet
   * booked, and what its calls in flight cost, was inside its lease: counting the whole lease as
   * spent may over-count the unused part, but never under-counts.
   */
  private bookAbandonedLeases(holder: string, slot: [string, number], now: number): void {
    const database = this.database;
    for (const lease of database.all('SELECT holder, amount_usd, expires_at FROM budget_leases WHERE budget = ? AND period_start = ? AND holder <> ?', [...slot, holder])) {
      if (!isAbandoned(String(lease.holder), Number(lease.expires_at), now)) continue;
      database.run(
        'INSERT INTO budget_spend (budget, period_start, spent_usd) VALUES (?, ?, ?) ON CONFLICT (budget, period_start) DO UPDATE SET spent_usd = spent_usd + excluded.spent_usd',
        [...slot, Number(lease.amount_usd)],
      );
      database.run('DELETE FROM budget_leases WHERE budget = ? AND period_start = ? AND holder = ?', [...slot, String(lease.holder)]);
    }
  }

  async close(): Promise<void> {}
}

/**
 * Whether a lease's holder is gone: it stopped renewing, or it ran on this machine and its
 * process no longer exists (found at once after a crash, instead of after the lease's time).
 */
function isAbandoned(holder: string, expiresAt: number, now: number): boolean {
  if (expiresAt <= now) return true;
  const where = holderProcess(holder);
  if (where === undefined || where.host !== hostname() || where.pid === process.pid) return false;
  const pid = where.pid;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists under another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
