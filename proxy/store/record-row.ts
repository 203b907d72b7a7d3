import type { SQLiteValue } from 'node-sqlite3-wasm';
import type { ClientFormat } from '../core/request';
import type { RequestRecord } from './request-record';

/** The `requests` columns in the order {@link encodeRecordRow} binds them. */
export const recordColumns = [
  'id',
  'time',
  'client_format',
  'endpoint',
  'client_key',
  'requested_model',
  'provider',
  'model',
  'status',
  'stream',
  'passthrough',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_usd',
  'time_to_first_token_ms',
  'latency_ms',
  'error',
  'extra',
] as const;

/** RequestRecord fields that have a column; any other field travels in `extra` as JSON. */
const columnFields: ReadonlySet<string> = new Set<keyof RequestRecord>([
  'id',
  'time',
  'clientFormat',
  'endpoint',
  'clientKey',
  'requestedModel',
  'provider',
  'model',
  'status',
  'stream',
  'passthrough',
  'inputTokens',
  'outputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'reasoningTokens',
  'costUsd',
  'timeToFirstTokenMs',
  'latencyMs',
  'error',
]);

/**
 * A record as the values of one row, in {@link recordColumns} order. Fields added to
 * RequestRecord later (the routing decision, attempts…) are kept in the `extra` JSON column,
 * so they survive a round trip before they earn a column of their own.
 */
export function encodeRecordRow(record: RequestRecord): SQLiteValue[] {
  let extra: Record<string, unknown> | undefined;
  for (const field of Object.keys(record)) {
    if (columnFields.has(field)) continue;
    const value: unknown = Reflect.get(record, field);
    if (value === undefined) continue;
    extra ??= {};
    extra[field] = value;
  }
  return [
    record.id,
    record.time,
    record.clientFormat,
    record.endpoint,
    record.clientKey ?? null,
    record.requestedModel,
    record.provider ?? null,
    record.model ?? null,
    record.status,
    record.stream ? 1 : 0,
    record.passthrough ? 1 : 0,
    record.inputTokens,
    record.outputTokens,
    record.cacheReadTokens,
    record.cacheWriteTokens,
    record.reasoningTokens,
    record.costUsd,
    record.timeToFirstTokenMs,
    record.latencyMs,
    record.error ?? null,
    extra === undefined ? null : JSON.stringify(extra),
  ];
}

/** A `requests` row back to the record that was stored; optional fields absent when NULL. */
export function decodeRecordRow(row: Record<string, SQLiteValue>): RequestRecord {
  const extra = row.extra;
  const record: RequestRecord = {
    ...(typeof extra === 'string' ? (JSON.parse(extra) as Partial<RequestRecord>) : {}),
    id: text(row.id),
    time: number(row.time),
    clientFormat: text(row.client_format) as ClientFormat,
    endpoint: text(row.endpoint),
    requestedModel: text(row.requested_model),
    status: number(row.status),
    stream: row.stream === 1,
    passthrough: row.passthrough === 1,
    inputTokens: number(row.input_tokens),
    outputTokens: number(row.output_tokens),
    cacheReadTokens: number(row.cache_read_tokens),
    cacheWriteTokens: number(row.cache_write_tokens),
    reasoningTokens: number(row.reasoning_tokens),
    costUsd: nullableNumber(row.cost_usd),
    timeToFirstTokenMs: nullableNumber(row.time_to_first_token_ms),
    latencyMs: number(row.latency_ms),
  };
  if (typeof row.client_key === 'string') record.clientKey = row.client_key;
  if (typeof row.provider === 'string') record.provider = row.provider;
  if (typeof row.model === 'string') record.model = row.model;
  if (typeof row.error === 'string') record.error = row.error;
  return record;
}

function text(value: SQLiteValue): string {
  return typeof value === 'string' ? value : String(value ?? '');
}

function number(value: SQLiteValue): number {
  return typeof value === 'number' ? value : Number(value ?? 0);
}

function nullableNumber(value: SQLiteValue): number | null {
  return value === null ? null : number(value);
}
