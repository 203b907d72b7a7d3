import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallClock } from '../http/call-clock';
import type { ProxyError } from '../core/errors';
import type { CanonicalRequest, ClientFormat } from '../core/request';
import type { JsonObject } from '../core/json';
import { createRequestFeatures, type RequestFeatures } from '../routing/request-features';
import type { Principal } from '../core/principal';
import type { BodyScan, CallIdentity, Operation, RequestContext } from '../call/request-context';
import type { AttemptTarget, ExecutionPlan } from './admit';
import type { UpstreamCall } from './attempt';
import type { Delivered, Delivery } from './delivery';
import type { ProxyRuntime } from './runtime';

/** One client request as the front door hands it over. */
export interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  /** The path without the query. */
  path: string;
  principal: Principal | undefined;
}

/** The read stage's answer: a context, or a refusal with what could be read for its record. */
export type ReadResult = { context: RequestContext } | { refusal: ProxyError; requestedModel: string; stream: boolean };

/** An answer Switchyard gives itself, without a provider (a local token estimate). */
export interface LocalAnswer {
  status: number;
  body: unknown;
}

/**
 * What one client endpoint adds to the shared stages: how to read its request, what to send
 * each provider, and how to hand the answer back. Chat, Responses, Messages, Gemini generate,
 * embeddings and both count-tokens endpoints are each one of these; the stages are the same.
 */
export interface Endpoint {
  readonly format: ClientFormat;
  readonly operation: Operation;
  /** The read stage: body, model, stream flag; refusals name what is wrong. */
  read(exchange: Exchange, identity: CallIdentity, runtime: ProxyRuntime, signal: AbortSignal): Promise<ReadResult>;
  /** Checks before anything is sent (a translated call decodes its body now, so a bad one is refused). */
  prepare?(context: RequestContext, plan: ExecutionPlan): void;
  /** Answers without a provider when the chosen target cannot do the operation itself. */
  answerLocally?(context: RequestContext, plan: ExecutionPlan): LocalAnswer | undefined;
  /** The provider request for an attempt at one target. */
  upstream(context: RequestContext, target: AttemptTarget): UpstreamCall;
  /** Hands an opened attempt's answer to the client: in this turn (a whole answer, usually) or over time. */
  deliver(delivery: Delivery): Delivered | Promise<Delivered>;
}

export interface ContextFields {
  requestedModel: string;
  stream: boolean;
  headers: RequestContext['headers'];
  query: string;
  raw: Buffer | undefined;
  body: () => JsonObject;
  scan?: BodyScan;
  signal: AbortSignal;
  /** Decodes the body to canonical; the client format's codec by default. */
  decode: (body: JsonObject) => CanonicalRequest;
  /** A canonical request already in hand (calls Switchyard makes itself). */
  canonical?: CanonicalRequest;
}

/** Builds the read-only context of a call; the body is decoded at most once, and only when asked. */
export function createContext(identity: CallIdentity, fields: ContextFields): RequestContext {
  return new CallContext(identity, fields);
}

/**
 * The context as a class with every field assigned in one order: one hidden class for every
 * call, where copying the identity with an object spread cost several microseconds a call.
 */
class CallContext implements RequestContext {
  readonly id: string;
  readonly time: number;
  readonly startedAt: number;
  readonly format: ClientFormat;
  readonly operation: CallIdentity['operation'];
  readonly endpoint: string;
  readonly principal: Principal | undefined;
  readonly purpose: CallIdentity['purpose'];
  readonly parentId: string | undefined;
  readonly clock: CallClock | undefined;
  readonly requestedModel: string;
  readonly stream: boolean;
  readonly headers: RequestContext['headers'];
  readonly query: string;
  readonly raw: Buffer | undefined;
  readonly scan: BodyScan;
  readonly body: () => JsonObject;
  readonly features: RequestFeatures;
  readonly signal: AbortSignal;
  private readonly decode: (body: JsonObject) => CanonicalRequest;
  private decoded: CanonicalRequest | undefined;
  private readonly identity: CallIdentity;
  private readonly fields: ContextFields;

  constructor(identity: CallIdentity, fields: ContextFields) {
    this.identity = identity;
    this.fields = fields;
    this.id = identity.id;
    this.time = identity.time;
    this.startedAt = identity.startedAt;
    this.format = identity.format;
    this.operation = identity.operation;
    this.endpoint = identity.endpoint;
    this.principal = identity.principal;
    this.purpose = identity.purpose;
    this.parentId = identity.parentId;
    this.clock = identity.clock;
    this.requestedModel = fields.requestedModel;
    this.stream = fields.stream;
    this.headers = fields.headers;
    this.query = fields.query;
    this.raw = fields.raw;
    this.scan = fields.scan ?? noScan;
    this.body = fields.body;
    this.signal = fields.signal;
    this.decode = fields.decode;
    this.decoded = fields.canonical;
    this.features = createRequestFeatures({
      format: identity.format,
      body: fields.body,
      endpoint: identity.endpoint,
      model: fields.requestedModel,
      clientKey: identity.principal?.keyId,
      clientLabel: identity.principal?.label,
      headers: fields.headers,
    });
  }

  withBody(body: JsonObject): RequestContext {
    const raw = Buffer.from(JSON.stringify(body));
    // Offsets the scan found are in the old bytes: they go (what it found of the content stays).
    const scan = this.fields.scan === undefined ? undefined : { ...this.fields.scan, streamOptionsAt: undefined, neutralMembers: undefined, memberAt: undefined };
    // A call Switchyard made itself has no body; its canonical request is rewritten by the caller.
    return new CallContext(this.identity, { ...this.fields, raw, scan, body: () => body, canonical: undefined });
  }

  canonical(): CanonicalRequest {
    if (this.decoded !== undefined) return this.decoded;
    // A rule that already decoded the body lends its result: never decoded twice.
    const canonical = this.features.decoded() ?? this.decode(this.body());
    if (this.format === 'gemini') {
      // Gemini's model and stream flag are in its URL, not its body.
      canonical.model = this.requestedModel;
      canonical.stream = this.stream;
    }
    this.decoded = canonical;
    return canonical;
  }
}

const noScan: BodyScan = {};

/** The query string of a request URL with its `?`, or ''. */
export function queryOf(url: string | undefined): string {
  const start = url?.indexOf('?') ?? -1;
  return start === -1 ? '' : url!.slice(start);
}
