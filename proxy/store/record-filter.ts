import type { ClientFormat } from '../core/request';
import type { RequestRecord } from './request-record';

/** Which records to list, newest first. Every field narrows; none means all. */
export interface RecordFilter {
  /** How many records at most: 100 when absent, never more than {@link maximumRecordLimit}. */
  limit?: number;
  /** Only records strictly older than this time (ms since the epoch), for paging. */
  before?: number;
  /** Only records at or after this time (ms since the epoch). */
  since?: number;
  /** Only records at or before this time (ms since the epoch). */
  until?: number;
  provider?: string;
  /** The model that served the call. */
  model?: string;
  clientFormat?: ClientFormat;
  /** The caller's key id (`key_…`); for records from before key ids, the last four they hold. */
  clientKey?: string;
  /** `ok`, `error` (see {@link isErrorRecord}) or one exact HTTP status. */
  status?: 'ok' | 'error' | number;
}

/** A time window, both ends inclusive, in ms since the epoch. */
export interface TimeRange {
  since?: number;
  until?: number;
}

/**
 * Which records a total counts: a time window, and only one caller's when `clientKey` is given
 * (an access key reading `/_switchyard/stats` sees its own calls' totals, never the team's).
 */
export interface AggregateScope extends TimeRange {
  /** The caller's key id (`key_…`), matched as {@link RecordFilter.clientKey} is. */
  clientKey?: string;
}

export const defaultRecordLimit = 100;
export const maximumRecordLimit = 1000;

/** A failed call: an error status, or a stream cut after a 200 was sent (error set). */
export function isErrorRecord(record: RequestRecord): boolean {
  return record.status >= 400 || record.error !== undefined;
}

/** The filter's limit, defaulted and clamped to 1…{@link maximumRecordLimit}. */
export function recordLimit(filter: RecordFilter): number {
  const limit = filter.limit ?? defaultRecordLimit;
  if (!Number.isFinite(limit)) return defaultRecordLimit;
  return Math.min(maximumRecordLimit, Math.max(1, Math.floor(limit)));
}

/**
 * Whether a record passes the filter (limit aside): the reference every backend's query
 * matches, and how queued records are filtered before they are written.
 */
export function matchesFilter(record: RequestRecord, filter: RecordFilter): boolean {
  if (filter.before !== undefined && !(record.time < filter.before)) return false;
  if (filter.since !== undefined && !(record.time >= filter.since)) return false;
  if (filter.until !== undefined && !(record.time <= filter.until)) return false;
  if (filter.provider !== undefined && record.provider !== filter.provider) return false;
  if (filter.model !== undefined && record.model !== filter.model) return false;
  if (filter.clientFormat !== undefined && record.clientFormat !== filter.clientFormat) return false;
  if (filter.clientKey !== undefined && (record.keyId ?? record.clientKey) !== filter.clientKey) return false;
  if (filter.status === 'ok') return !isErrorRecord(record);
  if (filter.status === 'error') return isErrorRecord(record);
  if (filter.status !== undefined) return record.status === filter.status;
  return true;
}
