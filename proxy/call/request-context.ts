import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { CanonicalRequest, ClientFormat } from '../core/request';
import type { JsonObject } from '../core/json';
import type { RequestFeatures } from '../routing/request-features';
import type { Principal } from '../core/principal';
import type { CallClock } from '../http/call-clock';
import type { MemberOffsets } from '../inbound/json-scan';
import { requestId, requestIdPrefix } from './request-id';

/**
 * What a call is for. `served` answers a client; `shadow` and `judge` are calls Switchyard
 * makes on its own behalf to judge a split route, linked to the served call by `parentId`.
 */
export type CallPurpose = 'served' | 'shadow' | 'judge';

/** The upstream operation a call performs; each provider adapter knows its endpoint for it. */
export type Operation = 'generate' | 'count-tokens' | 'embed';

/** This process's request ids: its start time and random bits, then a counter (request-id.ts). */
const idPrefix = requestIdPrefix(Date.now(), randomBytes(4));
let idCounter = 0;

/** Who called, and when: known before the body is read, and enough to record a refusal. */
export interface CallIdentity {
  /** Switchyard's request id (`req_…`), sent as `x-switchyard-request-id`. */
  readonly id: string;
  /** Arrival, milliseconds since the epoch. */
  readonly time: number;
  /** Arrival, `performance.now()` time: latencies are measured from here. */
  readonly startedAt: number;
  readonly format: ClientFormat;
  readonly operation: Operation;
  /** The inbound path, e.g. `/v1/messages`. */
  readonly endpoint: string;
  /** The authenticated caller; undefined when the proxy requires no access key. */
  readonly principal: Principal | undefined;
  readonly purpose: CallPurpose;
  /** The served call a shadow or judge call was made for. */
  readonly parentId: string | undefined;
  /**
   * The client's request headers (a reference, nothing copied): the recorder reads the calling
   * tool from them after the answer went out. Undefined for calls Switchyard makes itself.
   */
  readonly clientHeaders?: IncomingHttpHeaders;
  /**
   * Switchyard's own time against the waits on others (the client's body, upstream attempts):
   * what `x-switchyard-overhead-ms` and the overhead metric report. Undefined for calls
   * Switchyard makes itself.
   */
  readonly clock?: CallClock;
}

/** Facts the structural scan of a body found without parsing it; undefined when not scanned. */
export interface BodyScan {
  /** The body holds a thinking block with an empty signature. */
  readonly emptySignature?: boolean;
  /** The body has a top-level `stream_options`. */
  readonly streamOptions?: boolean;
  /** Where the top-level `stream_options` object begins in the raw body, when it is an object. */
  readonly streamOptionsAt?: number;
  /** The body's cap on output tokens, when it sets one (budgets and `tpm` reserve up to it). */
  readonly maxOutputTokens?: number;
  /**
   * Where the top-level members the response cache leaves out of its key sit in the raw body
   * (json-scan's `RequestHead.neutralMembers`); only while the cache is configured.
   */
  readonly neutralMembers?: readonly number[];
  /** Where `model` and the output limits' values begin in the raw body (json-scan's `RequestHead.memberAt`). */
  readonly memberAt?: Readonly<MemberOffsets>;
}

/**
 * One call, built once by the read stage and passed read-only through every later stage.
 * The body is parsed and decoded lazily: a passthrough call whose rules never look inside
 * is never parsed at all.
 */
export interface RequestContext extends CallIdentity {
  /** The model name the client asked for, before aliases, rules and routes. */
  readonly requestedModel: string;
  readonly stream: boolean;
  readonly headers: IncomingHttpHeaders;
  /** The client's query string with its `?`, or ''. */
  readonly query: string;
  /** The body as the client sent it; undefined for calls Switchyard makes itself. */
  readonly raw: Buffer | undefined;
  readonly scan: BodyScan;
  /** The body parsed, on first use (throws a clear error for a body that is not JSON). */
  body(): JsonObject;
  /** The canonical request, decoded once on first use (throws naming the bad field). */
  canonical(): CanonicalRequest;
  /** What routing rules test, computed as they ask. */
  readonly features: RequestFeatures;
  /** Aborted when the client goes away: every upstream attempt follows. */
  readonly signal: AbortSignal;
  /**
   * The same call with another body in the client's format (redaction's rewrite): `raw`,
   * `body()` and `canonical()` answer from the new body; identity, model and flags stay.
   */
  withBody(body: JsonObject): RequestContext;
}

/** A new identity, stamped now. */
export function arrive(
  fields: Omit<CallIdentity, 'id' | 'time' | 'startedAt' | 'purpose' | 'parentId' | 'clientHeaders' | 'clock'> & Partial<Pick<CallIdentity, 'purpose' | 'parentId' | 'clientHeaders' | 'clock'>>,
): CallIdentity {
  return {
    id: requestId(idPrefix, idCounter++),
    time: Date.now(),
    startedAt: fields.clock?.startedAt ?? performance.now(),
    purpose: fields.purpose ?? 'served',
    parentId: fields.parentId,
    format: fields.format,
    operation: fields.operation,
    endpoint: fields.endpoint,
    principal: fields.principal,
    clientHeaders: fields.clientHeaders,
    clock: fields.clock,
  };
}
