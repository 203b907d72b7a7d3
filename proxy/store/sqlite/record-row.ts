import type { SQLiteValue } from 'node-sqlite3-wasm';
import type { ClientFormat } from '../../core/request';
import type { RequestRecord } from '../request-record';
import type { DecisionRecord } from '../../routing/decision';

/** The `requests` columns in the order {@link encodeRecordRow} writes them. */
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
  'key_id',
  'key_label',
  'purpose',
  'parent_id',
  'cache',
  'saved_usd',
  'prompt_cache_saved_usd',
] as const;

/** How many values one row binds: one per column. */
export const recordColumnCount = recordColumns.length;

/**
 * One row's placeholders for an INSERT of {@link recordColumns}. `error` and `extra` may come
 * bound as UTF-8 bytes (see {@link textAsBytes}) and are cast back to TEXT here, so they are
 * stored, read and compared as text like any other.
 */
export const recordRowPlaceholders = `(${recordColumns
  .map((column) => (column === 'error' || column === 'extra' ? 'CAST(? AS TEXT)' : '?'))
  .join(', ')})`;

/** Where `error` and `extra`, the two columns that can hold long text, sit in a row's values. */
export const longTextColumns: readonly number[] = [recordColumns.indexOf('error'), recordColumns.indexOf('extra')];

/**
 * For node-sqlite3-wasm's own `Statement.run`: the long text values of rows written by
 * {@link encodeRecordRow} as Buffers, which {@link recordRowPlaceholders} casts back. That
 * binding copies a string into WASM memory with two JavaScript loops over its characters, about
 * 8 ns a character, while a Buffer is encoded natively and copied in one `set`: a 270-byte
 * decision cost 2.6 µs as a string and 0.5 µs as a Buffer. Short strings (ids, model names)
 * are as cheap either way and stay strings.
 */
export function textAsBytes(values: SQLiteValue[]): void {
  for (let offset = 0; offset < values.length; offset += recordColumnCount) {
    for (const column of longTextColumns) {
      const value = values[offset + column];
      if (typeof value === 'string') values[offset + column] = Buffer.from(value);
    }
  }
}

/**
 * Writes a record's row values into `values` from `offset`, in {@link recordColumns} order, so
 * a multi-row INSERT binds one reused array instead of one fresh array per record: strings,
 * numbers and nulls. Fields without a column (the routing decision…) are kept in the `extra`
 * JSON column, so they survive a round trip before they earn a column of their own.
 */
export function encodeRecordRow(record: RequestRecord, values: SQLiteValue[], offset: number): void {
  values[offset] = record.id;
  values[offset + 1] = record.time;
  values[offset + 2] = record.clientFormat;
  values[offset + 3] = record.endpoint;
  values[offset + 4] = record.clientKey ?? null;
  values[offset + 5] = record.requestedModel;
  values[offset + 6] = record.provider ?? null;
  values[offset + 7] = record.model ?? null;
  values[offset + 8] = record.status;
  values[offset + 9] = record.stream ? 1 : 0;
  values[offset + 10] = record.passthrough ? 1 : 0;
  values[offset + 11] = record.inputTokens;
  values[offset + 12] = record.outputTokens;
  values[offset + 13] = record.cacheReadTokens;
  values[offset + 14] = record.cacheWriteTokens;
  values[offset + 15] = record.reasoningTokens;
  values[offset + 16] = record.costUsd;
  values[offset + 17] = record.timeToFirstTokenMs;
  values[offset + 18] = record.latencyMs;
  values[offset + 19] = record.error ?? null;
  values[offset + 20] = encodeExtra(record);
  values[offset + 21] = record.keyId ?? null;
  values[offset + 22] = record.keyLabel ?? null;
  values[offset + 23] = record.purpose ?? null;
  values[offset + 24] = record.parentId ?? null;
  values[offset + 25] = record.cache ?? null;
  values[offset + 26] = record.savedUsd ?? null;
  values[offset + 27] = record.promptCacheSavedUsd ?? null;
}

/**
 * Where each field of a record is kept: its own column, or `extra` (JSON). The type makes a
 * field added to {@link RequestRecord} fail to compile until it is placed here; a field placed
 * in `extra` must also be written by {@link encodeExtra} (a unit test sets every one of them and
 * reads it back).
 */
export const recordFieldPlaces = {
  id: 'column',
  time: 'column',
  clientFormat: 'column',
  endpoint: 'column',
  keyId: 'column',
  keyLabel: 'column',
  clientKey: 'column',
  tool: 'extra',
  toolVersion: 'extra',
  userAgent: 'extra',
  purpose: 'column',
  parentId: 'column',
  requestedModel: 'column',
  provider: 'column',
  model: 'column',
  status: 'column',
  stream: 'column',
  passthrough: 'column',
  inputTokens: 'column',
  outputTokens: 'column',
  cacheReadTokens: 'column',
  cacheWriteTokens: 'column',
  reasoningTokens: 'column',
  costUsd: 'column',
  timeToFirstTokenMs: 'column',
  latencyMs: 'column',
  overheadMs: 'extra',
  finishReason: 'extra',
  traceParent: 'extra',
  traceState: 'extra',
  refusal: 'extra',
  error: 'column',
  decision: 'extra',
  cache: 'column',
  savedUsd: 'column',
  promptCacheSavedUsd: 'column',
  redactions: 'extra',
  redactionBlocked: 'extra',
  budget: 'extra',
} as const satisfies Record<keyof Required<RequestRecord>, 'column' | 'extra'>;

/**
 * The fields without a column as JSON, or null when there are none. Written field by field
 * rather than collected into an object for `JSON.stringify`: every record has some (the call's
 * decision, its finish reason), and walking the record's keys, building the object and
 * stringifying it cost ~6 µs a record under the bench's load (bench/profile.ts), a tenth of
 * what the request log costs a call. The SQL of the aggregates looks for `"refusal":"` and
 * `"redactionBlocked":true` in this text, as `JSON.stringify` writes them.
 */
function encodeExtra(record: RequestRecord): string | null {
  let json = '';
  if (record.tool !== undefined) json += `,"tool":${JSON.stringify(record.tool)}`;
  if (record.toolVersion !== undefined) json += `,"toolVersion":${JSON.stringify(record.toolVersion)}`;
  if (record.userAgent !== undefined) json += `,"userAgent":${JSON.stringify(record.userAgent)}`;
  if (record.overheadMs !== undefined) json += `,"overheadMs":${jsonNumber(record.overheadMs)}`;
  if (record.finishReason !== undefined) json += `,"finishReason":${JSON.stringify(record.finishReason)}`;
  if (record.traceParent !== undefined) json += `,"traceParent":${JSON.stringify(record.traceParent)}`;
  if (record.traceState !== undefined) json += `,"traceState":${JSON.stringify(record.traceState)}`;
  if (record.refusal !== undefined) json += `,"refusal":${JSON.stringify(record.refusal)}`;
  if (record.decision !== undefined) {
    const direct = directAttempt(record);
    if (direct !== undefined) json += `,"directAttempt":[${jsonNumber(direct[0])},${jsonNumber(direct[1])},${jsonNumber(direct[2])}]`;
    else {
      const routed = routedAttempt(record);
      json += routed === undefined ? `,"decision":${JSON.stringify(record.decision)}` : `,"routedAttempt":${JSON.stringify(routed)}`;
    }
  }
  if (record.redactions !== undefined) json += `,"redactions":${JSON.stringify(record.redactions)}`;
  if (record.redactionBlocked !== undefined) json += `,"redactionBlocked":${JSON.stringify(record.redactionBlocked)}`;
  if (record.budget !== undefined) json += `,"budget":${JSON.stringify(record.budget)}`;
  json += unknownFieldsJson(record);
  return json === '' ? null : `{${json.slice(1)}}`;
}

const knownFields: ReadonlySet<string> = new Set(Object.keys(recordFieldPlaces));

/**
 * Key lists of records seen to hold known fields only, the latest first. A proxy's records come
 * in a few shapes (recorder.ts sets the fields in one order), and matching a record's keys
 * against such a list compares interned names, where looking each key up in
 * {@link knownFields} is a hash lookup: ~1,800 instructions a record (bench/row-instructions.ts).
 */
const knownKeyLists: string[][] = [];
const knownKeyListLimit = 8;

/**
 * A field the type does not know (a record written by a newer version, a test's) survives in
 * extra too, until it earns a column of its own: `,"name":value` for each, or ''.
 */
function unknownFieldsJson(record: RequestRecord): string {
  const keys = Object.keys(record);
  for (const list of knownKeyLists) if (sameKeys(list, keys)) return '';
  let json = '';
  let allKnown = true;
  for (const field of keys) {
    if (knownFields.has(field)) continue;
    allKnown = false;
    const value: unknown = Reflect.get(record, field);
    if (value !== undefined) json += `,${JSON.stringify(field)}:${JSON.stringify(value)}`;
  }
  if (allKnown) {
    knownKeyLists.unshift(keys);
    if (knownKeyLists.length > knownKeyListLimit) knownKeyLists.pop();
  }
  return json;
}

function sameKeys(list: readonly string[], keys: readonly string[]): boolean {
  if (list.length !== keys.length) return false;
  for (let index = 0; index < keys.length; index += 1) if (list[index] !== keys[index]) return false;
  return true;
}

/** A number as `JSON.stringify` writes it (`null` for NaN and the infinities). */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/**
 * Most calls are direct: one model as addressed, one attempt that won. Their routing decision
 * is then all given by the record's provider and model but for the attempt's status and two
 * times, so it is kept as `"directAttempt":[status,latencyMs,startedMs]` (~30 bytes) instead of
 * its JSON (~230 bytes). Every record carries a decision, and its JSON was the larger part of
 * a row: the request log's write cost ~23 µs a record with it and ~13 without (bench/store-write.ts).
 * Anything else in the decision (a rule, a route, a clamp, an error, a field added later) keeps
 * the whole JSON. {@link decodeRecordRow} builds the same decision back.
 */
function directAttempt(record: RequestRecord): [number, number, number] | undefined {
  const decision = record.decision;
  if (decision === undefined || decision.via !== 'direct' || decision.strategy !== 'direct' || decision.candidates.length !== 1 || decision.attempts.length !== 1) return undefined;
  const target = `${record.provider}/${record.model}`;
  const candidate = decision.candidates[0]!;
  const attempt = decision.attempts[0]!;
  if (decision.winner !== target || Object.keys(decision).length !== 5) return undefined;
  if (candidate.target !== target || candidate.outcome !== 'tried' || candidate.reason !== directReason || Object.keys(candidate).length !== 3) return undefined;
  if (attempt.target !== target || attempt.outcome !== 'won' || typeof attempt.status !== 'number' || attempt.startedMs === undefined || Object.keys(attempt).length !== 5) return undefined;
  return [attempt.status, attempt.latencyMs, attempt.startedMs];
}

/** What plan.ts calls a model addressed directly. */
const directReason = 'as addressed';

/**
 * A routed call whose first candidate answered at its first attempt (a rule's or a named route's
 * fallback chain with a healthy first target: nearly every routed call), the others unused, kept
 * as `"routedAttempt":[status,latencyMs,startedMs,via,strategy,ruleIndex,ruleName,route,reason,
 * target,reason…]` (the first candidate's reason, then each other candidate's target and reason;
 * null for a rule, rule name or route the call had not). The winner is the record's provider and
 * model, as in {@link directAttempt}. The whole JSON of such a decision (~390 bytes for the bench's
 * routed call, against ~110) cost a routed call's record ~29,000 instructions more than a direct
 * one's, to stringify and to store (bench/row-instructions.ts `--shape routed`, docs/benchmark.md
 * "Sixteenth round"). Anything else (a retry, a skip, a clamp, a field added later) keeps the whole JSON.
 */
type RoutedAttempt = [status: number, latencyMs: number, startedMs: number, via: string, strategy: string, ruleIndex: number | null, ruleName: string | null, route: string | null, ...reasonAndTargets: string[]];

function routedAttempt(record: RequestRecord): RoutedAttempt | undefined {
  const decision = record.decision!;
  const { candidates, attempts, rule, route } = decision;
  if (candidates.length === 0 || attempts.length !== 1) return undefined;
  const target = `${record.provider}/${record.model}`;
  const first = candidates[0]!;
  const attempt = attempts[0]!;
  if (decision.winner !== target || Object.keys(decision).length !== 5 + (rule === undefined ? 0 : 1) + (route === undefined ? 0 : 1)) return undefined;
  if (typeof decision.via !== 'string' || typeof decision.strategy !== 'string' || (route !== undefined && typeof route !== 'string')) return undefined;
  if (rule !== undefined && (typeof rule.index !== 'number' || (rule.name !== undefined && typeof rule.name !== 'string') || Object.keys(rule).length !== (rule.name === undefined ? 1 : 2))) return undefined;
  if (attempt.target !== target || attempt.outcome !== 'won' || typeof attempt.status !== 'number' || attempt.startedMs === undefined || Object.keys(attempt).length !== 5) return undefined;
  if (first.target !== target || first.outcome !== 'tried' || typeof first.reason !== 'string' || Object.keys(first).length !== 3) return undefined;
  const routed: RoutedAttempt = [attempt.status, attempt.latencyMs, attempt.startedMs, decision.via, decision.strategy, rule?.index ?? null, rule?.name ?? null, route ?? null, first.reason];
  for (let index = 1; index < candidates.length; index += 1) {
    const other = candidates[index]!;
    if (other.outcome !== 'unused' || typeof other.target !== 'string' || typeof other.reason !== 'string' || Object.keys(other).length !== 3) return undefined;
    routed.push(other.target, other.reason);
  }
  return routed;
}

/** The decision {@link routedAttempt} compacted, in the order plan.ts and execute.ts set its fields. */
function routedDecision(target: string, routed: readonly unknown[]): DecisionRecord {
  const [status, latencyMs, startedMs, via, strategy, ruleIndex, ruleName, route, reason] = routed as RoutedAttempt;
  const candidates: DecisionRecord['candidates'] = [{ target, outcome: 'tried', reason: reason! }];
  for (let index = 9; index + 1 < routed.length; index += 2) candidates.push({ target: routed[index] as string, outcome: 'unused', reason: routed[index + 1] as string });
  const decision: DecisionRecord = {
    via: via as DecisionRecord['via'],
    strategy: strategy as DecisionRecord['strategy'],
    candidates,
    attempts: [{ target, status, latencyMs, outcome: 'won', startedMs }],
  };
  if (ruleIndex !== null) decision.rule = ruleName === null ? { index: ruleIndex } : { index: ruleIndex, name: ruleName };
  if (route !== null) decision.route = route;
  decision.winner = target;
  return decision;
}

/** The decision {@link directAttempt} compacted, as plan.ts and execute.ts made it. */
function directDecision(target: string, [status, latencyMs, startedMs]: readonly number[]): DecisionRecord {
  return {
    via: 'direct',
    strategy: 'direct',
    candidates: [{ target, outcome: 'tried', reason: directReason }],
    attempts: [{ target, status: status!, latencyMs: latencyMs!, outcome: 'won', startedMs: startedMs! }],
    winner: target,
  };
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
  if (typeof row.key_id === 'string') record.keyId = row.key_id;
  if (typeof row.key_label === 'string') record.keyLabel = row.key_label;
  if (row.purpose === 'shadow' || row.purpose === 'judge') record.purpose = row.purpose;
  if (typeof row.parent_id === 'string') record.parentId = row.parent_id;
  if (row.cache === 'hit' || row.cache === 'miss') record.cache = row.cache;
  if (typeof row.saved_usd === 'number') record.savedUsd = row.saved_usd;
  if (typeof row.prompt_cache_saved_usd === 'number') record.promptCacheSavedUsd = row.prompt_cache_saved_usd;
  if (typeof row.provider === 'string') record.provider = row.provider;
  if (typeof row.model === 'string') record.model = row.model;
  if (typeof row.error === 'string') record.error = row.error;
  const direct = (record as { directAttempt?: unknown }).directAttempt;
  if (Array.isArray(direct)) {
    delete (record as { directAttempt?: unknown }).directAttempt;
    record.decision = directDecision(`${record.provider}/${record.model}`, direct as number[]);
  }
  const routed = (record as { routedAttempt?: unknown }).routedAttempt;
  if (Array.isArray(routed)) {
    delete (record as { routedAttempt?: unknown }).routedAttempt;
    record.decision = routedDecision(`${record.provider}/${record.model}`, routed);
  }
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
