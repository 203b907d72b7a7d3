import type { ClientFormat } from '../core/request';
import { maximumRecordLimit, type RecordFilter, type TimeRange } from '../store/record-filter';
import type { AggregateBy, AggregateThen } from '../store/aggregate';

/** A query parameter the control API cannot use; its message names the parameter and the fix. */
export class InvalidQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidQueryError';
  }
}

/** A parsed query string as Express gives it: strings, or arrays for repeated names. */
export type QueryParameters = Record<string, unknown>;

const clientFormats: ReadonlySet<string> = new Set<ClientFormat>(['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini']);
const aggregateKeys: ReadonlySet<string> = new Set<AggregateBy>(['day', 'provider', 'model', 'clientKey']);

/** `GET /requests` query → RecordFilter, rejecting anything malformed rather than ignoring it. */
export function decodeRecordFilterQuery(query: QueryParameters): RecordFilter {
  const filter: RecordFilter = { ...decodeTimeRange(query) };
  const limit = integerParameter(query, 'limit');
  if (limit !== undefined) {
    if (limit < 1 || limit > maximumRecordLimit) {
      throw new InvalidQueryError(`limit must be an integer from 1 to ${maximumRecordLimit}; got ${limit}.`);
    }
    filter.limit = limit;
  }
  const before = integerParameter(query, 'before');
  if (before !== undefined) filter.before = before;
  const provider = textParameter(query, 'provider');
  if (provider !== undefined) filter.provider = provider;
  const model = textParameter(query, 'model');
  if (model !== undefined) filter.model = model;
  const clientKey = textParameter(query, 'clientKey');
  if (clientKey !== undefined) filter.clientKey = clientKey;
  const clientFormat = textParameter(query, 'clientFormat');
  if (clientFormat !== undefined) {
    if (!clientFormats.has(clientFormat)) {
      throw new InvalidQueryError(`clientFormat must be one of ${[...clientFormats].join(', ')}; got "${clientFormat}".`);
    }
    filter.clientFormat = clientFormat as ClientFormat;
  }
  const status = textParameter(query, 'status');
  if (status !== undefined) filter.status = decodeStatus(status);
  return filter;
}

/** `GET /stats` query → grouping, optional second grouping and time range; `by` defaults to `day`. */
export function decodeStatsQuery(query: QueryParameters): { by: AggregateBy; then?: AggregateThen; range: TimeRange } {
  const by = textParameter(query, 'by') ?? 'day';
  if (!aggregateKeys.has(by)) {
    throw new InvalidQueryError(`by must be one of ${[...aggregateKeys].join(', ')}; got "${by}".`);
  }
  const then = textParameter(query, 'then');
  if (then !== undefined && (!aggregateKeys.has(then) || then === 'day' || then === by)) {
    const allowed = [...aggregateKeys].filter((key) => key !== 'day' && key !== by);
    throw new InvalidQueryError(`then must be one of ${allowed.join(', ')} (a grouping inside by=${by}); got "${then}".`);
  }
  return { by: by as AggregateBy, ...(then === undefined ? {} : { then: then as AggregateThen }), range: decodeTimeRange(query) };
}

function decodeTimeRange(query: QueryParameters): TimeRange {
  const range: TimeRange = {};
  const since = integerParameter(query, 'since');
  if (since !== undefined) range.since = since;
  const until = integerParameter(query, 'until');
  if (until !== undefined) range.until = until;
  if (since !== undefined && until !== undefined && since > until) {
    throw new InvalidQueryError(`since (${since}) is after until (${until}).`);
  }
  return range;
}

function decodeStatus(status: string): 'ok' | 'error' | number {
  if (status === 'ok' || status === 'error') return status;
  const code = parseNonNegativeInteger(status);
  if (code === undefined || code < 100 || code > 599) {
    throw new InvalidQueryError(`status must be ok, error or an HTTP status from 100 to 599; got "${status}".`);
  }
  return code;
}

function textParameter(query: QueryParameters, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidQueryError(`${name} must be given once, as plain text.`);
  if (value === '') throw new InvalidQueryError(`${name} is empty; leave it out to match everything.`);
  return value;
}

/** Times are milliseconds since the epoch and counts are whole: both non-negative integers. */
function integerParameter(query: QueryParameters, name: string): number | undefined {
  const value = textParameter(query, name);
  if (value === undefined) return undefined;
  const number = parseNonNegativeInteger(value);
  if (number === undefined) {
    const what = name === 'limit' ? 'a whole number' : 'a time in milliseconds since the epoch';
    throw new InvalidQueryError(`${name} must be ${what} (digits only); got "${value}".`);
  }
  return number;
}

function parseNonNegativeInteger(text: string): number | undefined {
  if (text.length === 0 || text.length > 16) return undefined;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) return undefined;
  }
  const number = Number(text);
  return Number.isSafeInteger(number) ? number : undefined;
}
