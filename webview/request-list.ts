/**
 * The panel's in-memory list of request records: newest first, one entry per id, and a cap so
 * a panel left open for a day does not grow without bound (older rows stay in the proxy's log
 * and come back with "Load older").
 */
import type { RequestRecord } from './protocol';
import { formatClient, formatRoute, formatServed, formatTool, isFailure } from './format';

/**
 * Whether a value from the host has what the table needs of a record (id, time, status, the
 * token counts). The host's message guard checks envelopes; this checks the rows inside.
 */
export function isRequestRecord(value: unknown): value is RequestRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.id === 'string' &&
    Number.isFinite(record.time) &&
    Number.isFinite(record.status) &&
    typeof record.requestedModel === 'string' &&
    ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens', 'latencyMs'].every((field) => Number.isFinite(record[field]))
  );
}

/** How many rows live updates keep in memory. */
export const liveRecordCap = 1000;

/** The list after a change, and whether rows were dropped off its old end by the cap. */
export interface ListUpdate {
  records: RequestRecord[];
  trimmed: boolean;
}

/**
 * Adds live records: a record already listed is replaced (same id), the rest go in time order,
 * newest first, and the oldest rows beyond `cap` are dropped.
 */
export function insertNewest(current: readonly RequestRecord[], incoming: readonly RequestRecord[], cap = liveRecordCap): ListUpdate {
  const records = mergeById(current, incoming);
  if (records.length <= cap) return { records, trimmed: false };
  return { records: records.slice(0, cap), trimmed: true };
}

/** Adds a page of older records (answering "Load older"); pages the user asked for are kept whole. */
export function appendOlder(current: readonly RequestRecord[], older: readonly RequestRecord[]): RequestRecord[] {
  return mergeById(current, older);
}

/** The `before` cursor for the next page: the oldest listed arrival time. */
export function oldestTime(records: readonly RequestRecord[]): number | undefined {
  let oldest: number | undefined;
  for (const record of records) if (oldest === undefined || record.time < oldest) oldest = record.time;
  return oldest;
}

/**
 * Whether a record matches the filter box: every word of the filter must occur (ignoring case)
 * in the model asked, provider/model served, client, route, error, or status, where `error`
 * and `ok` also match failed and successful calls and `4xx`/`5xx` match status classes.
 */
export function matchesFilter(record: RequestRecord, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter((word) => word.length > 0);
  if (words.length === 0) return true;
  const failed = isFailure(record);
  const haystack = [
    record.requestedModel,
    formatServed(record),
    // A call nothing served still matches the target it meant to use.
    record.provider && record.model ? `${record.provider}/${record.model}` : '',
    formatClient(record),
    formatTool(record),
    record.userAgent ?? '',
    record.clientFormat,
    formatRoute(record.decision, record.purpose),
    record.error ?? '',
    String(record.status),
    `${Math.floor(record.status / 100)}xx`,
    failed ? 'error failed' : 'ok',
    record.cacheReadTokens > 0 ? 'cached' : '',
  ]
    .join('\n')
    .toLowerCase();
  return words.every((word) => haystack.includes(word));
}

function mergeById(current: readonly RequestRecord[], incoming: readonly RequestRecord[]): RequestRecord[] {
  const byId = new Map<string, RequestRecord>();
  for (const record of current) byId.set(record.id, record);
  for (const record of incoming) byId.set(record.id, record);
  // Stable for equal times: ids are unique, so ties fall back to id order.
  return [...byId.values()].sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}
