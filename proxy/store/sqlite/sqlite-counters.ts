import type { Database } from 'node-sqlite3-wasm';
import type { Counters } from '../counters';

/**
 * Counters in the `counters` table, one row per amount booked, so a window's sum is exact to the
 * millisecond. Fine for one machine's traffic; old rows go with {@link SqliteCounters.deleteBefore}.
 */
export class SqliteCounters implements Counters {
  private readonly database: Database;
  private readonly now: () => number;

  /** @param database An open `switchyard.db`; closing it stays with its owner. */
  constructor(database: Database, now: () => number = Date.now) {
    this.database = database;
    this.now = now;
  }

  async add(key: string, amount: number, time: number = this.now()): Promise<void> {
    this.database.run('INSERT INTO counters (key, time, amount) VALUES (?, ?, ?)', [key, time, amount]);
  }

  async sum(key: string, since: number, until: number = this.now()): Promise<number> {
    const row = this.database.get('SELECT TOTAL(amount) AS total FROM counters WHERE key = ? AND time >= ? AND time <= ?', [key, since, until]);
    return Number(row?.total ?? 0);
  }

  async deleteBefore(time: number): Promise<number> {
    return this.database.run('DELETE FROM counters WHERE time < ?', time).changes;
  }

  async close(): Promise<void> {}
}
