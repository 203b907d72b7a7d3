/** How records are grouped for totals. `day` is the calendar day in the proxy's time zone. */
export type AggregateBy = 'day' | 'provider' | 'model' | 'clientKey';

/** Totals for one group of records. */
export interface AggregateRow {
  /**
   * The group: `YYYY-MM-DD` in the proxy's local time zone for `day`; otherwise the provider,
   * model or client key, null for records without one (failed before routing, no key used).
   */
  key: string | null;
  requests: number;
  /** Records with an error status or a stream cut after it began. */
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** USD over the records with a known price. */
  costUsd: number;
  /** Records whose model had no known price, left out of costUsd. */
  unpricedRequests: number;
  averageLatencyMs: number;
  /** Calls the response cache answered. */
  cacheHits: number;
  /** Calls the response cache was asked about and could not answer. */
  cacheMisses: number;
  /** hits / (hits + misses); null when the response cache was asked about none of these calls. */
  cacheHitRate: number | null;
  /** USD the response cache saved (what the answers it served first cost). */
  savedUsd: number;
  /** USD providers' prompt caches saved on cache-read tokens. */
  promptCacheSavedUsd: number;
  /** Over the records that got a first token; null when none did. */
  averageTimeToFirstTokenMs: number | null;
  /** Values redaction replaced (or found in blocked calls), summed over detectors; absent when none. */
  redactions?: number;
  /** Calls redaction refused (block mode); absent when none. */
  blockedRequests?: number;
}

/** `YYYY-MM-DD` of the local calendar day containing the instant. */
export function localDay(time: number): string {
  const date = new Date(time);
  const month = date.getMonth() + 1;
  const day = date.getDate();
  return `${date.getFullYear()}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

/**
 * The order every backend returns aggregate rows in: by day ascending for `day`, otherwise by
 * cost, then requests, descending, the group without a key last among equals.
 */
export function compareAggregateRows(by: AggregateBy): (a: AggregateRow, b: AggregateRow) => number {
  return by === 'day' ? byKey : byCostThenRequests;
}

function byKey(a: AggregateRow, b: AggregateRow): number {
  return compareKeys(a.key, b.key);
}

function byCostThenRequests(a: AggregateRow, b: AggregateRow): number {
  return b.costUsd - a.costUsd || b.requests - a.requests || compareKeys(a.key, b.key);
}

/** Keys in ascending order, the group without a key last. */
function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
