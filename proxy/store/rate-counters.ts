/**
 * The rate counters port: amounts booked under a scope over a sliding window, reserved
 * atomically against a limit, exact across every process that shares the store. Rate limits
 * (`rpm`, `tpm` per access key) live here so that two proxies on one data folder, or a team's
 * proxies on one Redis, share one limit instead of each allowing all of it.
 *
 * Contract (every backend; `test/unit/store/rate-counters-contract.ts` checks it):
 * - A scope is an opaque string (`rpm:<keyId>`, `tpm:<keyId>`). An entry is an amount booked at
 *   a time; it counts in its scope's window while `time > now - windowMs`.
 * - `reserve` is one atomic step over all its items: each item's window sum (entries with
 *   `time > now - windowMs`) plus its amount must be at most its limit; if every item fits,
 *   every amount is booked at `now` and one id per item is returned; otherwise nothing is booked
 *   and the answer says how long until enough leaves the window for the item that did not fit.
 *   No interleaving of reserves from any number of processes can book more than a limit.
 * - `reserve` may carry settlements (below), applied before the reservation (in the same step
 *   where the backend can, else in one just before): a process hands back its old lease and
 *   takes a new one in one round trip.
 * - `settle` re-books an entry made by `reserve`: a new amount (tpm: the real token count once
 *   known; a lease's unused part handed back: the amount used) and optionally a later time (a
 *   lease's last use, so the entry counts as long as its last call does). Never earlier. An
 *   entry already out of the window, or unknown, is left alone.
 * - Entries marked `open` (a lease not settled yet) are summed separately in a refusal, so a
 *   refused process can tell whether another may still hand some back. `settle` closes them.
 *   An open entry whose holder died stays booked in full until it leaves the window: a crash
 *   can only over-count.
 * - Times are the caller's clock in ms since the epoch. A backend shared across machines may
 *   use its own clock for `now`, as long as reserve and settle use the same one.
 * - Old entries may be deleted at any time once out of every window they could count in;
 *   backends do it themselves (`maxWindowMs` bounds the windows used).
 */
export interface RateCounters {
  /**
   * All or none: books every item's amount at `now`, or none if any item would pass its limit.
   * `settlements`, when given, are applied first (whatever the answer), as `settle` would.
   */
  reserve(items: readonly RateItem[], now: number, settlements?: readonly RateSettlement[]): Promise<RateAnswer>;
  /** Re-books entries made by `reserve` (see the contract above). */
  settle(settlements: readonly RateSettlement[]): Promise<void>;
  close(): Promise<void>;
}

/** The longest window a caller may use; entries older than this may be deleted. */
export const maxWindowMs = 60 * 60_000;

/** One scope's share of a reservation. */
export interface RateItem {
  scope: string;
  windowMs: number;
  /** What to book (requests, tokens); positive. */
  amount: number;
  /** The most the window may hold, this amount included. */
  limit: number;
  /** A lease: booked now, used over the next moments, settled to what was used. */
  open?: boolean;
}

/** A booked entry, named by its scope and id. */
export interface RateEntry {
  scope: string;
  id: string;
}

export interface RateSettlement extends RateEntry {
  amount: number;
  /** Moves the entry later (never earlier); its current time by default. */
  time?: number;
  /** Default true: the entry is settled, no longer open. */
  close?: boolean;
}

export type RateAnswer = RateGrant | RateDenial;

export interface RateGrant {
  granted: true;
  /** One entry per item, in order. */
  entries: RateEntry[];
}

export interface RateDenial {
  granted: false;
  /** The index of the first item that did not fit. */
  item: number;
  /** What that item's window holds now (every process). */
  inWindow: number;
  /** Of that, what is in open entries (leases that may partly come back when settled). */
  open: number;
  /** How long until enough has left that window for the item's amount to fit (ms, ≥ 1). */
  retryAfterMs: number;
}
