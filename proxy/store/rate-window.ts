import type { RateDenial } from './rate-counters';

/** An entry as a backend holds it. */
export interface WindowEntry {
  time: number;
  amount: number;
  open: boolean;
}

/**
 * The refusal for an item that does not fit, from its window's entries (any order): what the
 * window holds, how much of it is open, and when enough will have left for `amount` to fit.
 * Shared by the backends so that they answer alike.
 */
export function denial(item: number, entries: readonly WindowEntry[], amount: number, limit: number, windowMs: number, now: number): RateDenial {
  let inWindow = 0;
  let open = 0;
  for (const entry of entries) {
    inWindow += entry.amount;
    if (entry.open) open += entry.amount;
  }
  const excess = inWindow + amount - limit;
  let retryAfterMs = windowMs;
  if (amount <= limit) {
    let freed = 0;
    for (const entry of [...entries].sort((first, second) => first.time - second.time)) {
      freed += entry.amount;
      if (freed >= excess) {
        retryAfterMs = entry.time + windowMs - now;
        break;
      }
    }
  }
  return { granted: false, item, inWindow, open, retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)) };
}
