/**
 * The counters port: amounts booked under a key over time (a client key's requests for a
 * rate limit, its USD for a budget) and summed over a sliding window. Keys are the caller's,
 * e.g. `requests:<keyId>` or `spend:<keyId>`.
 *
 * Check-then-add is not atomic across proxies: a later issue adds a reservation (book the
 * worst case before a call, settle the real amount after) on backends that can do it
 * atomically, such as Redis. Not built yet.
 */
export interface Counters {
  /** Books `amount` under `key` at `time` (ms since the epoch; now by default). */
  add(key: string, amount: number, time?: number): Promise<void>;
  /**
   * The sum of the amounts booked under `key` from `since` (inclusive) to `until` (inclusive,
   * now by default); 0 when none were.
   */
  sum(key: string, since: number, until?: number): Promise<number>;
  /** Forgets every amount booked before `time`, under every key; resolves with how many went. */
  deleteBefore(time: number): Promise<number>;
  close(): Promise<void>;
}
