import { hostname } from 'node:os';

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
 * number of processes can overshoot it.
 *
 * A crash must never make the ledger under-count: a dead holder may have settled calls it had
 * not booked yet, and calls it had in flight went upstream. So a lease whose holder is gone —
 * not renewed within `leaseTtlMs`, or (on one machine) its process no longer exists — is
 * booked as spent in full at the next exchange, and counted as spent by `read` until then.
 * That over-counts the unused part of one lease per crash; it never lets a budget overshoot.
 * Holders are named by {@link leaseHolderName} so that a backend can tell whether one is alive.
 */
export interface SpendLedger {
  /** One atomic step over every slot listed: books spend, resizes this holder's leases. */
  exchange(holder: string, requests: readonly LeaseRequest[], now: number, leaseTtlMs: number): Promise<LeaseGrant[]>;
  /** Spend and live leases of the slots listed (0 for a slot never booked). */
  read(slots: readonly BudgetSlot[], now: number): Promise<SlotState[]>;
  close(): Promise<void>;
}

/** A lease holder's name: the machine, the process id and a random part for this holder. */
export function leaseHolderName(random: string): string {
  return `${hostname()}:${process.pid}:${random}`;
}

/** The machine and process of a holder named by {@link leaseHolderName}; undefined for other names. */
export function holderProcess(holder: string): { host: string; pid: number } | undefined {
  const match = /^(.*):(\d+):[^:]+$/.exec(holder);
  return match === null ? undefined : { host: match[1]!, pid: Number(match[2]) };
}
