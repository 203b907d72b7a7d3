import type { JsonValue } from './response-cache';

/** One audit entry: what happened, for which request, with the content the audit keeps. */
export interface AuditEntry {
  /** Unique per entry; the caller makes it (e.g. `aud_…`). */
  id: string;
  /** When it happened, in ms since the epoch. */
  time: number;
  /** What is recorded, e.g. `request`, `response`, `redaction`. */
  kind: string;
  /** The request it belongs to, if any. */
  requestId?: string;
  /** The content, as JSON; the sink does not read it. */
  data: JsonValue;
}

/** Which audit entries to list, newest first. */
export interface AuditFilter {
  /** At most this many; 100 by default, never more than 1000. */
  limit?: number;
  /** Only entries strictly older than this time, for paging. */
  before?: number;
  requestId?: string;
  kind?: string;
}

/** A time range of the log, oldest first, for export; `after` continues from the last entry of the previous page. */
export interface AuditRange {
  /** Inclusive, ms since the epoch. */
  since: number;
  /** Exclusive, ms since the epoch. */
  until: number;
  after?: { time: number; id: string };
  /** At most this many; 1000 by default and at most. */
  limit?: number;
}

/** What the log may keep. */
export interface AuditRetention {
  /** Entries older than this (ms since the epoch) are deleted. */
  before: number;
  /** Then the oldest entries are deleted while the stored content exceeds this many bytes. */
  maxBytes: number;
}

/**
 * The audit sink port: the opt-in content audit log. Writes are queued off the request path
 * like the request log's; reads see queued entries.
 */
export interface AuditSink {
  /** Queues an entry. Never blocks and never throws; ignored once closed. */
  write(entry: AuditEntry): void;
  /** Matching entries, newest first, queued ones included. */
  recent(filter?: AuditFilter): Promise<AuditEntry[]>;
  get(id: string): Promise<AuditEntry | undefined>;
  /** Entries in a time range, oldest first, queued ones included. */
  range(range: AuditRange): Promise<AuditEntry[]>;
  /**
   * Deletes what retention no longer allows, in bounded batches with the event loop free
   * between them (a large purge never holds many rows in memory). Resolves with how many went.
   */
  purge(retention: AuditRetention): Promise<number>;
  /** Resolves once everything queued before the call has been written (or reported as not). */
  flush(): Promise<void>;
  /** Writes the queue and releases the backend; later writes are ignored. */
  close(): Promise<void>;
}

export const defaultAuditLimit = 100;
export const maximumAuditLimit = 1000;

/** The filter's limit, defaulted and clamped to 1…{@link maximumAuditLimit}. */
export function auditLimit(filter: AuditFilter): number {
  const limit = filter.limit ?? defaultAuditLimit;
  if (!Number.isFinite(limit)) return defaultAuditLimit;
  return Math.min(maximumAuditLimit, Math.max(1, Math.floor(limit)));
}

/** Whether an entry passes the filter (limit aside): the reference every backend's query matches. */
export function matchesAuditFilter(entry: AuditEntry, filter: AuditFilter): boolean {
  if (filter.before !== undefined && !(entry.time < filter.before)) return false;
  if (filter.requestId !== undefined && entry.requestId !== filter.requestId) return false;
  if (filter.kind !== undefined && entry.kind !== filter.kind) return false;
  return true;
}

/** A range's page size (1000 by default and at most) and the entry a page starts after. */
export function auditRangePage(range: AuditRange): { limit: number; after: { time: number; id: string } } {
  return { limit: Math.min(maximumAuditLimit, Math.max(1, range.limit ?? maximumAuditLimit)), after: range.after ?? { time: range.since - 1, id: '\uffff' } };
}

/** Whether an entry falls in a range's page after `after`: the reference every backend's range query matches. */
export function inAuditRangePage(entry: AuditEntry, range: AuditRange, after: { time: number; id: string }): boolean {
  return entry.time >= range.since && entry.time < range.until && (entry.time > after.time || (entry.time === after.time && entry.id > after.id));
}

/**
 * Entries still queued merged with stored ones, a queued entry replacing its stored copy, in
 * the order the listing asks for (ids by code point within a time), at most `limit`.
 */
export function mergeQueuedAudit(queued: readonly AuditEntry[], stored: AuditEntry[], order: 'newest' | 'oldest', limit: number): AuditEntry[] {
  if (queued.length === 0) return stored;
  const queuedIds = new Set(queued.map((entry) => entry.id));
  const merged = stored.filter((entry) => !queuedIds.has(entry.id)).concat(queued);
  const direction = order === 'oldest' ? 1 : -1;
  merged.sort((a, b) => direction * (a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
  return merged.slice(0, limit);
}

/**
 * An entry's data as the JSON text a backend stores, or undefined — reported — when it will not
 * serialize (a cycle, a BigInt, a bare undefined): such an entry is dropped, never the batch.
 */
export function auditDataText(entry: AuditEntry, onError: (error: Error) => void): string | undefined {
  let data: string | undefined;
  try {
    data = JSON.stringify(entry.data);
  } catch (error) {
    onError(new Error(`dropped audit entry ${String(entry.id)}: ${error instanceof Error ? error.message : String(error)}`));
    return undefined;
  }
  if (data === undefined) onError(new Error(`dropped audit entry ${String(entry.id)}: its data is not JSON`));
  return data;
}

/** A row of the `audit` table (SQLite or Postgres, same columns) as an entry. */
export function auditEntryFromRow(row: Readonly<Record<string, unknown>>): AuditEntry {
  const entry: AuditEntry = { id: String(row.id), time: Number(row.time), kind: String(row.kind), data: JSON.parse(String(row.data)) as JsonValue };
  if (typeof row.request_id === 'string') entry.requestId = row.request_id;
  return entry;
}
