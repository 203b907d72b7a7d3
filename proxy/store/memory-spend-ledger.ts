import type { BudgetSlot, LeaseGrant, LeaseRequest, SlotState, SpendLedger } from './spend-ledger';

/**
 * The spend ledger in memory, for a proxy whose database could not be opened: budgets are
 * still enforced (exactly, in this one process), but spend starts from nothing at the next start.
 */
export class MemorySpendLedger implements SpendLedger {
  private readonly spent = new Map<string, number>();
  private readonly leases = new Map<string, Map<string, { amount: number; expiresAt: number }>>();

  async exchange(holder: string, requests: readonly LeaseRequest[], now: number, leaseTtlMs: number): Promise<LeaseGrant[]> {
    return requests.map((request) => {
      const key = slotKey(request);
      const spentUsd = (this.spent.get(key) ?? 0) + request.spentUsd;
      this.spent.set(key, spentUsd);
      const leases = this.leases.get(key) ?? new Map<string, { amount: number; expiresAt: number }>();
      this.leases.set(key, leases);
      let othersLeasedUsd = 0;
      for (const [other, lease] of leases) {
        if (lease.expiresAt <= now) leases.delete(other);
        else if (other !== holder) othersLeasedUsd += lease.amount;
      }
      const room = Math.max(0, request.limitUsd - spentUsd - othersLeasedUsd);
      const granted = request.needUsd <= room;
      const leaseUsd = granted ? Math.min(Math.max(request.wantUsd, request.needUsd), room) : Math.min(request.keepUsd, room);
      leases.set(holder, { amount: leaseUsd, expiresAt: now + leaseTtlMs });
      return { budget: request.budget, periodStart: request.periodStart, leaseUsd, granted, spentUsd, othersLeasedUsd };
    });
  }

  async read(slots: readonly BudgetSlot[], now: number): Promise<SlotState[]> {
    return slots.map((slot) => {
      let leasedUsd = 0;
      for (const lease of this.leases.get(slotKey(slot))?.values() ?? []) if (lease.expiresAt > now) leasedUsd += lease.amount;
      return { budget: slot.budget, periodStart: slot.periodStart, spentUsd: this.spent.get(slotKey(slot)) ?? 0, leasedUsd };
    });
  }

  async close(): Promise<void> {}
}

function slotKey(slot: BudgetSlot): string {
  return `${slot.budget}\u0000${slot.periodStart}`;
}
