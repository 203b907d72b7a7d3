/**
 * One budget in one period: the ledger's unit. `budget` is the budget's ledger name (a config
 * budget's name, or `key:<name>` for a key's own budget); `periodStart` is ms since the epoch
 * (0 for a budget that never resets).
 */
export interface BudgetSlot {
  budget: string;
  periodStart: number;
}

/** What a holder asks of one slot in one exchange. */
export interface LeaseRequest extends BudgetSlot {
  limitUsd: number;
  /** USD actually spent since the holder's last exchange: added to the slot's spend. */
  spentUsd: number;
  /** The lease the holder would like to hold after this exchange. */
  wantUsd: number;
  /** What the holder has reserved for calls in flight: kept even when `needUsd` does not fit. */
  keepUsd: number;
  /** The least lease the holder needs: `keepUsd` plus a new reservation (equal to `keepUsd` when none). */
  needUsd: number;
}

/** A slot after an exchange. */
export interface LeaseGrant extends BudgetSlot {
  /** The lease the holder now holds: between `needUsd` and `wantUsd`, or at most `keepUsd` when `needUsd` did not fit. */
  leaseUsd: number;
  /** Whether `needUsd` fitted under the limit. */
  granted: boolean;
  /** Settled spend of the slot, all holders. */
  spentUsd: number;
  /** Leases held by other live holders. */
  othersLeasedUsd: number;
}

/** A slot as `read` sees it. */
export interface SlotState extends BudgetSlot {
  spentUsd: number;
  /** Leases of every live holder. */
  leasedUsd: number;
}

/**
 * The spend ledger port: money booked against budgets, exact across every process that shares
 * the store. A process does not reserve each call here (a transaction per call would cost more
 * than the call's whole overhead); it holds a lease, a slice of a budget it may hand out to its
 * own calls in memory, and exchanges with the ledger now and then: books what it spent, and
 * grows or shrinks its lease. The leases and the spend of a slot never exceed its limit, so no
 * number of processes can overshoot it. A lease not renewed within `leaseTtlMs` belongs to a
 * process that died and stops counting.
 */
export interface SpendLedger {
  /** One atomic step over every slot listed: books spend, resizes this holder's leases. */
  exchange(holder: string, requests: readonly LeaseRequest[], now: number, leaseTtlMs: number): Promise<LeaseGrant[]>;
  /** Spend and live leases of the slots listed (0 for a slot never booked). */
  read(slots: readonly BudgetSlot[], now: number): Promise<SlotState[]>;
  close(): Promise<void>;
}
