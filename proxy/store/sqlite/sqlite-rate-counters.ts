import { randomBytes } from 'node:crypto';
import type { Database } from 'node-sqlite3-wasm';
import { maxWindowMs, type RateAnswer, type RateCounters, type RateEntry, type RateItem, type RateSettlement } from '../rate-counters';
import { denial, type WindowEntry } from '../rate-window';
import { whenNotBusy } from './busy';
import { rollback } from './open-database';

/**
 * Rate counters in `rate_entries`, one row per reservation. A reserve is one IMMEDIATE
 * transaction, which takes the database's write lock: two proxies on one data folder reserve
 * one after the other, never interleaved, so together they admit exactly the limit. Callers
 * reserve leases (many calls' worth at once), not single calls: a transaction costs more CPU
 * than a whole call through the proxy.
 */
export class SqliteRateCounters implements RateCounters {
  private readonly database: Database;
  private readonly prefix = randomBytes(6).toString('hex');
  private next = 0;

  /** @param database An open `switchyard.db`; closing it stays with its owner. */
  constructor(database: Database) {
    this.database = database;
  }

  async reserve(items: readonly RateItem[], now: number, settlements: readonly RateSettlement[] = []): Promise<RateAnswer> {
    return whenNotBusy(() => {
      const database = this.database;
      database.exec('BEGIN IMMEDIATE');
      try {
        database.run('DELETE FROM rate_entries WHERE time <= ?', [now - maxWindowMs]);
        this.apply(settlements);
        for (let index = 0; index < items.length; index++) {
          const item = items[index]!;
          const since = now - item.windowMs;
          const sum = Number(database.get('SELECT TOTAL(amount) AS total FROM rate_entries WHERE scope = ? AND time > ?', [item.scope, since])?.total ?? 0);
          if (sum + item.amount > item.limit) {
            const rows = database.all('SELECT time, amount, open FROM rate_entries WHERE scope = ? AND time > ?', [item.scope, since]);
            const entries: WindowEntry[] = rows.map((row) => ({ time: Number(row.time), amount: Number(row.amount), open: Number(row.open) === 1 }));
            // The settlements stand whatever the answer.
            database.exec('COMMIT');
            return denial(index, entries, item.amount, item.limit, item.windowMs, now);
          }
        }
        const booked: RateEntry[] = [];
        for (const item of items) {
          const id = `${this.prefix}-${(this.next++).toString(36)}`;
          database.run('INSERT INTO rate_entries (scope, id, time, amount, open) VALUES (?, ?, ?, ?, ?)', [item.scope, id, now, item.amount, item.open === true ? 1 : 0]);
          booked.push({ scope: item.scope, id });
        }
        database.exec('COMMIT');
        return { granted: true, entries: booked } as const;
      } catch (error) {
        rollback(database);
        throw error;
      }
    });
  }

  async settle(settlements: readonly RateSettlement[]): Promise<void> {
    if (settlements.length === 0) return;
    await whenNotBusy(() => {
      const database = this.database;
      database.exec('BEGIN IMMEDIATE');
      try {
        this.apply(settlements);
        database.exec('COMMIT');
      } catch (error) {
        rollback(database);
        throw error;
      }
    });
  }

  async close(): Promise<void> {}

  private apply(settlements: readonly RateSettlement[]): void {
    for (const settlement of settlements) {
      this.database.run(
        'UPDATE rate_entries SET amount = ?, time = MAX(time, ?), open = CASE WHEN ? THEN 0 ELSE open END WHERE scope = ? AND id = ?',
        [settlement.amount, settlement.time ?? 0, settlement.close === false ? 0 : 1, settlement.scope, settlement.id],
      );
    }
  }
}
