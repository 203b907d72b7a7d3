/** How records are grouped for totals. `day` is the calendar day in the proxy's time zone. */
export type AggregateBy = 'day' | 'provider' | 'model' | 'clientKey';

/**
 * A second grouping inside the first (`by=day&then=provider`: each day's totals per provider),
 * for stacked charts. Not `day`: a day is only ever the outer grouping.
 */
export type AggregateThen = Exclude<AggregateBy, 'day'>;

/** Totals for one group of records. */
export interface AggregateRow {
  /**
   * The group: `YYYY-MM-DD` in the proxy's local time zone for `day`; otherwise the provider,
   * model or client key, null for records without one (failed before routing, no key used).
   */
  key: string | null;
  /**
   * With a second grouping (`then`): the provider, model or key id inside `key`, null for records
   * without one. Absent without a second grouping.
   */
  subKey?: string | null;
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
  /**
   * Records a provider served whose model had no known price, left out of costUsd: answers
   * that succeeded and failures that reported usage. A failure without usage spent nothing and
   * is not among them; nor are calls Switchyard refused: they are {@link refusedRequests}.
   */
  unpricedRequests: number;
  /**
   * Calls Switchyard refused itself, so no provider was called and nothing was spent: by policy
   * (an access key's allow-list, a disabled model, a rate limit, a budget, redaction's block) or
   * because it could not serve the request as sent (a body too large, an unknown model).
   * Counted in `requests` and `errors` too; never in `unpricedRequests`.
   */
  refusedRequests: number;
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

/**
 * The order of rows with a second grouping: the outer groups as {@link compareAggregateRows}
 * orders them by their totals, and inside each, the subgroups by cost, then requests.
 */
export function orderSubgroupedRows(by: AggregateBy, rows: readonly AggregateRow[]): AggregateRow[] {
  const outer = new Map<string | null, { key: string | null; costUsd: number; requests: number; rows: AggregateRow[] }>();
  for (const row of rows) {
    const group = outer.get(row.key) ?? { key: row.key, costUsd: 0, requests: 0, rows: [] };
    group.costUsd += row.costUsd;
    group.requests += row.requests;
    group.rows.push(row);
    outer.set(row.key, group);
  }
  const compareOuter = compareAggregateRows(by) as (a: OrderKey, b: OrderKey) => number;
  return [...outer.values()]
    .sort(compareOuter)
    .flatMap((group) => group.rows.sort((a, b) => byCostThenRequests({ ...a, key: a.subKey ?? null }, { ...b, key: b.subKey ?? null })));
}

/** What the orderings read of a row. */
type OrderKey = Pick<AggregateRow, 'key' | 'costUsd' | 'requests'>;

function byKey(a: OrderKey, b: OrderKey): number {
  return compareKeys(a.key, b.key);
}

function byCostThenRequests(a: OrderKey, b: OrderKey): number {
  return b.costUsd - a.costUsd || b.requests - a.requests || compareKeys(a.key, b.key);
}

/** Keys in ascending order, the group without a key last. */
function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
