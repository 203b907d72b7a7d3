import type { Counters } from '../counters';
import type { PostgresDatabase } from './postgres-database';

/**
 * Counters in Postgres's `counters` table, one row per amount booked, as the SQLite ones. The
 * team's rate limits count in Redis (atomic, one round trip); these serve a team without Redis.
 */
export class PostgresCounters implements Counters {
  constructor(
    private readonly database: PostgresDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  async add(key: string, amount: number, time: number = this.now()): Promise<void> {
    await this.database.query('INSERT INTO counters (key, time, amount) VALUES ($1, $2, $3)', [key, time, amount]);
  }

  async sum(key: string, since: number, until: number = this.now()): Promise<number> {
    const rows = await this.database.query<{ total: number | null }>('SELECT SUM(amount) AS total FROM counters WHERE key = $1 AND time >= $2 AND time <= $3', [key, since, until]);
    return Number(rows[0]?.total ?? 0);
  }

  async deleteBefore(time: number): Promise<number> {
    const rows = await this.database.query<{ count: number }>('WITH gone AS (DELETE FROM counters WHERE time < $1 RETURNING 1) SELECT COUNT(*)::bigint AS count FROM gone', [time]);
    return rows[0]?.count ?? 0;
  }

  async close(): Promise<void> {}
}
