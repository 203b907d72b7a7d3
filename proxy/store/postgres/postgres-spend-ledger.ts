import type { BudgetSlot, LeaseGrant, LeaseRequest, SlotState, SpendLedger } from '../spend-ledger';
import type { PostgresDatabase } from './postgres-database';

/**
 * The spend ledger in Postgres's `budget_spend` and `budget_leases`, with the SQLite ledger's
 * arithmetic (`../sqlite/sqlite-spend-ledger.ts`). One exchange is one transaction that first
 * upserts each slot's spend row: the upsert locks the row until commit, so two proxies exchanging
 * on one slot take turns, and each computes the room from what the other committed (READ
 * COMMITTED reads afresh per statement). Slots are locked in one order (budget, period) so two
 * exchanges over several slots cannot deadlock.
 */
export class PostgresSpendLedger implements SpendLedger {
  constructor(private readonly database: PostgresDatabase) {}

  async exchange(holder: string, requests: readonly LeaseRequest[], now: number, leaseTtlMs: number): Promise<LeaseGrant[]> {
    if (requests.length === 0) return [];
    const order = requests.map((_, index) => index).sort((a, b) => compareSlots(requests[a]!, requests[b]!));
    return this.database.transaction(async (client) => {
      const grants = new Array<LeaseGrant>(requests.length);
      for (const index of order) {
        const request = requests[index]!;
        const slot = [request.budget, request.periodStart];
        const spent = await client.query<{ spent_usd: number }>(
          'INSERT INTO budget_spend (budget, period_start, spent_usd) VALUES ($1, $2, $3) ON CONFLICT (budget, period_start) DO UPDATE SET spent_usd = budget_spend.spent_usd + excluded.spent_usd RETURNING spent_usd',
          [...slot, request.spentUsd],
        );
        let spentUsd = Number(spent.rows[0]?.spent_usd ?? 0);
        // Another holder's lease not renewed in time: its holder is gone, and what it spent
        // inside the lease was never booked. The whole lease is booked as spent (spend-ledger.ts).
        const abandoned = await client.query<{ spent_usd: number }>(
          `WITH gone AS (DELETE FROM budget_leases WHERE budget = $1 AND period_start = $2 AND expires_at <= $3 AND holder <> $4 RETURNING amount_usd)
           UPDATE budget_spend SET spent_usd = spent_usd + (SELECT SUM(amount_usd) FROM gone)
            WHERE budget = $1 AND period_start = $2 AND EXISTS (SELECT 1 FROM gone) RETURNING spent_usd`,
          [...slot, now, holder],
        );
        if (abandoned.rows.length > 0) spentUsd = Number(abandoned.rows[0]!.spent_usd);
        const others = await client.query<{ total: number | null }>('SELECT SUM(amount_usd) AS total FROM budget_leases WHERE budget = $1 AND period_start = $2 AND holder <> $3', [...slot, holder]);
        const othersLeasedUsd = Number(others.rows[0]?.total ?? 0);
        const room = Math.max(0, request.limitUsd - spentUsd - othersLeasedUsd);
        const granted = request.needUsd <= room;
        const leaseUsd = granted ? Math.min(Math.max(request.wantUsd, request.needUsd), room) : Math.min(request.keepUsd, room);
        if (leaseUsd > 0) {
          await client.query(
            'INSERT INTO budget_leases (budget, period_start, holder, amount_usd, expires_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (budget, period_start, holder) DO UPDATE SET amount_usd = excluded.amount_usd, expires_at = excluded.expires_at',
            [...slot, holder, leaseUsd, now + leaseTtlMs],
          );
        } else {
          await client.query('DELETE FROM budget_leases WHERE budget = $1 AND period_start = $2 AND holder = $3', [...slot, holder]);
        }
        grants[index] = { budget: request.budget, periodStart: request.periodStart, leaseUsd, granted, spentUsd, othersLeasedUsd };
      }
      return grants;
    });
  }

  async read(slots: readonly BudgetSlot[], now: number): Promise<SlotState[]> {
    if (slots.length === 0) return [];
    const rows = await this.database.query<{ budget: string; period_start: number; spent_usd: number | null; leased_usd: number | null }>(
      `SELECT slot.budget, slot.period_start,
              (SELECT spent_usd FROM budget_spend s WHERE s.budget = slot.budget AND s.period_start = slot.period_start)
                + COALESCE((SELECT SUM(amount_usd) FROM budget_leases l WHERE l.budget = slot.budget AND l.period_start = slot.period_start AND l.expires_at <= $3), 0) AS spent_usd,
              (SELECT SUM(amount_usd) FROM budget_leases l WHERE l.budget = slot.budget AND l.period_start = slot.period_start AND l.expires_at > $3) AS leased_usd
         FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS slot(budget, period_start, position)
        ORDER BY slot.position`,
      [slots.map((slot) => slot.budget), slots.map((slot) => slot.periodStart), now],
    );
    return rows.map((row) => ({ budget: row.budget, periodStart: Number(row.period_start), spentUsd: Number(row.spent_usd ?? 0), leasedUsd: Number(row.leased_usd ?? 0) }));
  }

  async close(): Promise<void> {}
}

function compareSlots(a: BudgetSlot, b: BudgetSlot): number {
  return a.budget < b.budget ? -1 : a.budget > b.budget ? 1 : a.periodStart - b.periodStart;
}
