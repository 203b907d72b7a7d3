import type { Database, NormalQueryResult } from 'node-sqlite3-wasm';
import { compareAggregateRows, localDay, orderSubgroupedRows, type AggregateBy, type AggregateRow, type AggregateThen } from '../aggregate';
import type { AggregateScope } from '../record-filter';
import { errorRecordSql, filterToSql, unpricedRecordSql } from './filter-to-sql';

/**
 * Days are summed in SQL per quarter hour of UTC time and folded into local days here:
 * SQLite's `'localtime'` calls out of WASM into JavaScript for every row, which made a
 * 10,000-row aggregate up to twice as slow. Every time zone offset in use is a whole number
 * of quarter hours, so no bucket straddles a local midnight, daylight saving time included.
 */
export const quarterHourMs = 15 * 60 * 1000;

const groupSql: Readonly<Record<AggregateBy, string>> = {
  // time is INTEGER milliseconds, so the division is integer division.
  day: `time / ${quarterHourMs}`,
  provider: 'provider',
  model: 'model',
  // Records from before key ids grouped by the last four characters they were written with.
  clientKey: 'COALESCE(key_id, client_key)',
};

/**
 * A call Switchyard refused carries its error kind as `refusal` in `extra` (see the recorder).
 * The pattern cannot match inside a JSON string value: a quote there is escaped (`\"`).
 */
const refusedRecordSql = `COALESCE(extra LIKE '%"refusal":"%', 0)`;

/**
 * Redactions live in the `extra` JSON (issue 11): a LIKE test first, so only records that have
 * any are parsed; most records have no `extra` at all.
 */
const redactionsSql = `TOTAL(CASE WHEN extra LIKE '%"redactions"%' THEN (SELECT TOTAL(value) FROM json_each(extra, '$.redactions')) END)`;

interface Totals {
  key: string | null;
  subKey?: string | null;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costUsd: number;
  unpricedRequests: number;
  refusedRequests: number;
  latencyMs: number;
  timeToFirstTokenMs: number;
  timeToFirstTokenCount: number;
  cacheHits: number;
  cacheMisses: number;
  savedUsd: number;
  promptCacheSavedUsd: number;
  redactions: number;
  blockedRequests: number;
}

/** Totals per group (and subgroup, with `then`) over the records in the range, ordered for display. */
export function aggregateRecords(database: Database, by: AggregateBy, scope: AggregateScope, then?: AggregateThen): AggregateRow[] {
  const { where, values } = filterToSql({ since: scope.since, until: scope.until, clientKey: scope.clientKey });
  const rows = database.all(
    `SELECT ${groupSql[by]} AS grouping,
            ${then === undefined ? 'NULL' : groupSql[then]} AS subgrouping,
            COUNT(*) AS requests,
            SUM(${errorRecordSql}) AS errors,
            SUM(input_tokens) AS input_tokens,
            SUM(output_tokens) AS output_tokens,
            SUM(cache_read_tokens) AS cache_read_tokens,
            SUM(cache_write_tokens) AS cache_write_tokens,
            SUM(reasoning_tokens) AS reasoning_tokens,
            TOTAL(cost_usd) AS cost_usd,
            SUM(${unpricedRecordSql} AND NOT ${refusedRecordSql}) AS unpriced_requests,
            SUM(${refusedRecordSql}) AS refused_requests,
            TOTAL(latency_ms) AS latency_ms,
            TOTAL(time_to_first_token_ms) AS time_to_first_token_ms,
            COUNT(time_to_first_token_ms) AS time_to_first_token_count,
            SUM(cache = 'hit') AS cache_hits,
            SUM(cache = 'miss') AS cache_misses,
            TOTAL(saved_usd) AS saved_usd,
            TOTAL(prompt_cache_saved_usd) AS prompt_cache_saved_usd,
            ${redactionsSql} AS redactions,
            SUM(extra LIKE '%"redactionBlocked":true%') AS blocked_requests
       FROM requests ${where}
      GROUP BY grouping${then === undefined ? '' : ', subgrouping'}`,
    values,
  ) as NormalQueryResult[];
  return foldAggregateRows(by, rows, then);
}

/**
 * Rows of per-group sums (the columns of the query above) into aggregate rows, quarter hours
 * folded into local days; shared with the Postgres backend, whose query names the same columns.
 */
export function foldAggregateRows(by: AggregateBy, rows: ReadonlyArray<Record<string, unknown>>, then?: AggregateThen): AggregateRow[] {
  const groups = new Map<string, Totals>();
  for (const row of rows) {
    const key = by === 'day' ? localDay(Number(row.grouping) * quarterHourMs) : textOrNull(row.grouping);
    const subKey = then === undefined ? undefined : textOrNull(row.subgrouping);
    // Quarter hours fold into days, so a (day, subgroup) pair arrives once per quarter hour.
    const groupId = JSON.stringify([key, subKey ?? null]);
    const totals = groups.get(groupId);
    const decoded = decodeTotals(key, row);
    if (subKey !== undefined) decoded.subKey = subKey;
    if (totals === undefined) groups.set(groupId, decoded);
    else addTotals(totals, decoded);
  }
  const result = [...groups.values()].map(toAggregateRow);
  return then === undefined ? result.sort(compareAggregateRows(by)) : orderSubgroupedRows(by, result);
}

function decodeTotals(key: string | null, row: Record<string, unknown>): Totals {
  return {
    key,
    requests: number(row.requests),
    errors: number(row.errors),
    inputTokens: number(row.input_tokens),
    outputTokens: number(row.output_tokens),
    cacheReadTokens: number(row.cache_read_tokens),
    cacheWriteTokens: number(row.cache_write_tokens),
    reasoningTokens: number(row.reasoning_tokens),
    costUsd: number(row.cost_usd),
    unpricedRequests: number(row.unpriced_requests),
    refusedRequests: number(row.refused_requests),
    latencyMs: number(row.latency_ms),
    timeToFirstTokenMs: number(row.time_to_first_token_ms),
    timeToFirstTokenCount: number(row.time_to_first_token_count),
    cacheHits: number(row.cache_hits),
    cacheMisses: number(row.cache_misses),
    savedUsd: number(row.saved_usd),
    promptCacheSavedUsd: number(row.prompt_cache_saved_usd),
    redactions: number(row.redactions),
    blockedRequests: number(row.blocked_requests),
  };
}

function addTotals(into: Totals, more: Totals): void {
  into.requests += more.requests;
  into.errors += more.errors;
  into.inputTokens += more.inputTokens;
  into.outputTokens += more.outputTokens;
  into.cacheReadTokens += more.cacheReadTokens;
  into.cacheWriteTokens += more.cacheWriteTokens;
  into.reasoningTokens += more.reasoningTokens;
  into.costUsd += more.costUsd;
  into.unpricedRequests += more.unpricedRequests;
  into.refusedRequests += more.refusedRequests;
  into.latencyMs += more.latencyMs;
  into.timeToFirstTokenMs += more.timeToFirstTokenMs;
  into.timeToFirstTokenCount += more.timeToFirstTokenCount;
  into.cacheHits += more.cacheHits;
  into.cacheMisses += more.cacheMisses;
  into.savedUsd += more.savedUsd;
  into.promptCacheSavedUsd += more.promptCacheSavedUsd;
  into.redactions += more.redactions;
  into.blockedRequests += more.blockedRequests;
}

function toAggregateRow(totals: Totals): AggregateRow {
  const row: AggregateRow = {
    key: totals.key,
    ...(totals.subKey === undefined ? {} : { subKey: totals.subKey }),
    requests: totals.requests,
    errors: totals.errors,
    inputTokens: totals.inputTokens,
    outputTokens: totals.outputTokens,
    cacheReadTokens: totals.cacheReadTokens,
    cacheWriteTokens: totals.cacheWriteTokens,
    reasoningTokens: totals.reasoningTokens,
    costUsd: totals.costUsd,
    unpricedRequests: totals.unpricedRequests,
    refusedRequests: totals.refusedRequests,
    averageLatencyMs: totals.latencyMs / totals.requests,
    cacheHits: totals.cacheHits,
    cacheMisses: totals.cacheMisses,
    cacheHitRate: totals.cacheHits + totals.cacheMisses === 0 ? null : totals.cacheHits / (totals.cacheHits + totals.cacheMisses),
    savedUsd: totals.savedUsd,
    promptCacheSavedUsd: totals.promptCacheSavedUsd,
    averageTimeToFirstTokenMs:
      totals.timeToFirstTokenCount === 0 ? null : totals.timeToFirstTokenMs / totals.timeToFirstTokenCount,
  };
  // Only where redaction found something, so rows of proxies without it stay as they were.
  if (totals.redactions > 0) row.redactions = totals.redactions;
  if (totals.blockedRequests > 0) row.blockedRequests = totals.blockedRequests;
  return row;
}

function number(value: unknown): number {
  return typeof value === 'number' ? value : Number(value ?? 0);
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
