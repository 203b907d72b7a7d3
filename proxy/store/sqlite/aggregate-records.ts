import type { Database } from 'node-sqlite3-wasm';
import { compareAggregateRows, localDay, orderSubgroupedRows, type AggregateBy, type AggregateRow, type AggregateThen } from '../aggregate';
import type { AggregateScope } from '../record-filter';
import { aggregateFromTotals, quarterHourMs } from './request-totals';

export { quarterHourMs };

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

/**
 * Totals per group (and subgroup, with `then`) over the records in the range, ordered for
 * display: read from the request log's running totals (request-totals.ts), days per quarter hour.
 */
export function aggregateRecords(database: Database, by: AggregateBy, scope: AggregateScope, then?: AggregateThen): AggregateRow[] {
  const rows = aggregateFromTotals(database, by, scope, then);
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
