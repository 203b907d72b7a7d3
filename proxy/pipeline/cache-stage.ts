import type { ServerResponse } from 'node:http';
import { ProxyError } from '../core/errors';
import { collectResponse } from '../core/response';
import type { StreamPart } from '../core/stream-part';
import type { AnswerObserver } from '../call/answer-observer';
import type { AnswerTransform } from '../call/answer-transform';
import type { CallOutcome } from '../call/outcome';
import type { RequestContext } from '../call/request-context';
import { cacheKeyFor, keyedHeaders, requestDigest } from '../cache/cache-key';
import { bytesKeyFor, bytesKeyOfQuestion, deferrable, requestBytesOf, type RequestBytes } from '../cache/request-bytes-key';
import { CanonicalBackfill } from '../cache/canonical-backfill';
import { cacheFillObserver, type CacheFillKeys, type CacheFillStore } from '../cache/cache-fill';
import { decodeCachedAnswer, type CachedAnswer } from '../cache/cached-answer';
import { logprobsCarrier, type LogprobsCarrier } from '../cache/wire-logprobs';
import { freshResponseId, isWholeAnswer, recycleReplayBytes, replayBytes, wireParts, wireReplay, wireResponseId, type WireReplay } from '../cache/wire-answer';
import type { CallCacheSettings, CompiledCacheSettings } from '../cache/cache-settings';
import { inboundCodecs } from '../codecs/registry';
import type { ResponseContext } from '../inbound/codec';
import type { ExecutionPlan } from './admit';
import { answerError, costHeader, switchyardHeaders } from './client-answer';
import { attemptHeaders } from './execute';
import type { ProxyRuntime } from './runtime';
import type { CachedQuestion, CachedResponse, DeferredKey, ResponseCache } from '../store/response-cache';
import { sseHeaders } from './stream-writer';
import { writeHead } from '../http/response-head';

/** What a client may ask of the cache with `x-switchyard-cache`. */
type CacheRequest = 'use' | 'off' | 'refresh' | 'only';

/**
 * The response-cache stage's answer:
 * - `answered`: the cache answered (a hit, or `only` without an entry: a 504); execute is skipped.
 * - `fetch`: execute as usual; `observer` (when set) stores the answer, `header` goes out with it.
 */
export type CacheLookup =
  | { kind: 'answered'; outcome: CallOutcome }
  | { kind: 'fetch'; header: 'miss' | 'off' | undefined; observer?: AnswerObserver };

const notAsked: CacheLookup = { kind: 'fetch', header: undefined };
const turnedOff: CacheLookup = { kind: 'fetch', header: 'off' };

/** Replayed deltas longer than this go out as several events, as the provider would have sent them. */
const replayDeltaCharacters = 512;

/**
 * The response-cache lookup, between admit (and redaction) and execute. A hit is replayed in
 * the client's own format, streamed or whole, costs nothing and records what it saved; a miss
 * gets an observer that stores the answer once the response closed. Only generation calls a
 * client made are cached; the cache being off for the call costs nothing but this check.
 *
 * With redaction on, `context` is the redacted request: the key and the stored answer hold
 * placeholders, never the values, and a hit goes to the client through the call's `transform`
 * (redaction's restore), as a fetched answer would.
 */
export async function lookupCache(runtime: ProxyRuntime, context: RequestContext, plan: ExecutionPlan, response: ServerResponse, transform?: AnswerTransform): Promise<CacheLookup> {
  const compiled = runtime.routing.cache;
  const store = runtime.responseCache;
  if (compiled === undefined || store === undefined || context.operation !== 'generate' || context.purpose !== 'served') return notAsked;
  const settings = compiled.forCall(plan.decision);
  const asked = cacheRequest(context);
  if (settings === undefined || asked === 'off') return turnedOff;
  let keys: TargetKeys[];
  try {
    keys = lookupKeys(context, plan, settings, store);
  } catch (error) {
    // A body the codec cannot decode goes to the provider as it is, uncached: its error
    // arrives in the client's own format.
    if (error instanceof ProxyError) return turnedOff;
    throw error;
  }
  if (asked !== 'refresh') {
    lookup: for (const targetKeys of keys) {
      const { label } = targetKeys;
      let servable: Servable | undefined;
      // The bytes key, then the canonical one; none on a miss the fingerprint ruled out (no array a call to walk them).
      for (let which = 0; which < 2 && servable === undefined; which++) {
        const key = which === 0 ? (targetKeys.bytesMayHit ? targetKeys.bytes!() : undefined) : targetKeys.canonical;
        if (key === undefined) continue;
        try {
          // Another format's entries of this target get their canonical keys first (once).
          if (key === targetKeys.canonical && targetKeys.bytes !== undefined) await backfillOf(store, runtime.log).ensure(label);
          const entry = await store.get(key);
          servable = entry === undefined ? undefined : servableEntry(entry);
          // Bytes that turn out not to be a whole answer (a provider's error event, a content
          // filter) are no answer to serve: the entry goes.
          if (entry !== undefined && servable === undefined) await store.delete(key);
        } catch (error) {
          runtime.log(`${context.id} response cache: lookup failed, fetching instead: ${(error as Error)?.message ?? String(error)}`);
          break lookup;
        }
      }
      if (servable === undefined) continue;
      const { answer } = servable;
      plan.decision.winner = label;
      if (!context.signal.aborted) replay(response, context, plan, servable, transform);
      return {
        kind: 'answered',
        outcome: {
          target: { provider: answer.provider, model: answer.model, passthrough: false },
          decision: plan.decision,
          usage: answer.usage,
          firstTokenAt: performance.now(),
          error: undefined,
          costUsd: 0,
          cache: 'hit',
          savedUsd: answer.costUsd ?? 0,
        },
      };
    }
  }
  if (asked === 'only') {
    const refusal = new ProxyError('timeout', 'No cached answer for this request, and x-switchyard-cache: only forbids calling the provider. Send it without that header to fetch and store one.');
    if (!context.signal.aborted) answerError(response, context.format, refusal, { 'x-switchyard-request-id': context.id, 'x-switchyard-cache': 'miss' });
    return { kind: 'answered', outcome: { target: undefined, decision: plan.decision, usage: undefined, firstTokenAt: undefined, error: refusal.message, status: refusal.status, cache: 'miss' } };
  }
  const observer = cacheFillObserver(fillStoreOf(runtime, compiled, store), {
    keys: new MissKeys(keys, context, store),
    ttlSeconds: settings.ttlSeconds,
    format: context.format,
    stream: context.stream,
    apiVersion: apiVersion(context),
    response,
    signal: context.signal,
  });
  return { kind: 'fetch', header: 'miss', observer };
}

/** What the fills of one cache share, by its settings (new with each config): made once, not per miss. */
const fillStores = new WeakMap<CompiledCacheSettings, CacheFillStore>();

function fillStoreOf(runtime: ProxyRuntime, compiled: CompiledCacheSettings, store: ResponseCache): CacheFillStore {
  let shared = fillStores.get(compiled);
  if (shared === undefined || shared.cache !== store) {
    const { pricer } = runtime.routing;
    shared = { cache: store, maximumBytes: compiled.maximumBytes, price: (provider, model, usage) => pricer.price(provider, model, usage), now: Date.now, log: runtime.log };
    fillStores.set(compiled, shared);
  }
  return shared;
}

/** A miss's keys and question, for its fill to ask when the answer is stored. */
class MissKeys implements CacheFillKeys {
  constructor(
    private readonly keys: readonly TargetKeys[],
    private readonly context: RequestContext,
    private readonly store: ResponseCache,
  ) {}

  keysFor(provider: string, model: string): Array<string | DeferredKey> {
    return storedKeys(targetKeysOf(this.keys, provider, model), this.context, this.store);
  }

  question(provider: string, model: string): CachedQuestion | undefined {
    const targetKeys = targetKeysOf(this.keys, provider, model);
    return targetKeys?.request === undefined ? undefined : questionOf(this.context, targetKeys.label, targetKeys.owner, targetKeys.request);
  }
}

/**
 * A target's keys, found by its provider and model: a route has a few targets, and comparing
 * the two names (interned, as the plan has them) is cheaper than hashing a `provider/model`
 * string made for the lookup (~1,500 instructions a miss, twice, callgrind).
 */
function targetKeysOf(keys: readonly TargetKeys[], provider: string, model: string): TargetKeys | undefined {
  for (const targetKeys of keys) if (targetKeys.provider === provider && targetKeys.model === model) return targetKeys;
  return undefined;
}

function cacheRequest(context: RequestContext): CacheRequest {
  const value = context.headers['x-switchyard-cache'];
  const asked = Array.isArray(value) ? value[0] : value;
  return asked === 'off' || asked === 'refresh' || asked === 'only' ? asked : 'use';
}

/**
 * A target's keys: the bytes key (the client's body as sent, minus the fields that cannot
 * change the answer: no parse) and the canonical key (the decoded request: the same for every
 * client format). Only what can matter is computed: the canonical key when the target has
 * entries of another client format, or when the store keeps no formats (then it is the only
 * key, as it is for a body the scanner cannot key).
 */
interface TargetKeys {
  /** `provider/model`. */
  label: string;
  provider: string;
  model: string;
  owner: string;
  /** The request as its bytes key sees it; undefined when the body has no bytes key. */
  request?: RequestBytes;
  /** The bytes key, computed on first call (a SHA-256): a miss the fingerprint rules out never calls it. */
  bytes?: () => string;
  /** Whether an entry may be stored under the bytes key (the store's fingerprints do not rule it out). */
  bytesMayHit: boolean;
  canonical?: string;
}

/**
 * The keys to look up, one target's each, in the plan's order: any target the route would
 * accept may answer. A split route looks up its chosen arm only, so hits cannot tilt the A/B.
 */
function lookupKeys(context: RequestContext, plan: ExecutionPlan, settings: CallCacheSettings, store: ResponseCache): TargetKeys[] {
  const formats = store.formatsByTarget?.();
  const request = formats === undefined || context.raw === undefined ? undefined : requestBytesOf(context.format, context.raw, context.headers, context.scan.neutralMembers);
  // A fingerprint no stored entry has rules out a hit of the bytes key: its SHA-256 is then
  // not computed at all, unless the answer is written (see setDeferred).
  const fingerprint = request?.fingerprint();
  const bytesMayHit = request !== undefined && (fingerprint === undefined || (store.mayHold?.(fingerprint) ?? true));
  let canonicalDigest: string | undefined;
  const owner = ownerOf(context, settings);
  const keys: TargetKeys[] = [];
  const targets = plan.strategy === 'split' ? plan.targets.slice(0, 1) : plan.targets;
  for (const target of targets) {
    // The plan's own `provider/model` (made once a call): its hash, computed by the first map
    // that looks it up, serves every later one.
    const { label } = target;
    if (targetKeysOf(keys, target.provider.id, target.model) !== undefined) continue;
    const targetKeys: TargetKeys = { label, provider: target.provider.id, model: target.model, owner, bytesMayHit };
    if (request !== undefined) {
      // The request's digest is computed at most once; each target's key is a hash of it and the target.
      let key: string | undefined;
      targetKeys.request = request;
      targetKeys.bytes = () => (key ??= bytesKeyFor(request.digest(), { target: label, owner }));
    }
    if (request === undefined || hasOtherFormat(formats!.get(label), context.format)) {
      canonicalDigest ??= requestDigest(context.canonical(), context.headers);
      targetKeys.canonical = cacheKeyFor(canonicalDigest, { target: label, owner });
    }
    keys.push(targetKeys);
  }
  return keys;
}

function ownerOf(context: RequestContext, settings: CallCacheSettings): string {
  return settings.shared || context.principal === undefined ? 'shared' : context.principal.keyId;
}

/** Whether a target has entries asked in a client format other than `format`. */
function hasOtherFormat(formats: ReadonlySet<string> | undefined, format: string): boolean {
  return formats !== undefined && (formats.size > 1 || !formats.has(format));
}

/**
 * The keys an answer is stored under once fetched: its bytes key, and its canonical key when
 * the target has entries of two client formats by then (counting this one) or the store keeps
 * no formats. Asked after the response closed, so a canonical key computed here is off the
 * request's path. The bytes key is deferred when the lookup did not compute it (the
 * fingerprint ruled a hit out) and the store can take it so: then it may never be computed.
 */
function storedKeys(targetKeys: TargetKeys | undefined, context: RequestContext, store: ResponseCache): Array<string | DeferredKey> {
  if (targetKeys === undefined) return [];
  if (targetKeys.bytes === undefined || targetKeys.request === undefined) return targetKeys.canonical === undefined ? [] : [targetKeys.canonical];
  // Not looked up means the fingerprint ruled a hit out: it exists.
  const keys: Array<string | DeferredKey> = [
    !targetKeys.bytesMayHit && store.setDeferred !== undefined && deferrable(context.headers) ? { fingerprint: targetKeys.request.fingerprint()!, key: bytesKeyOfQuestion } : targetKeys.bytes(),
  ];
  if (hasOtherFormat(store.formatsByTarget?.().get(targetKeys.label), context.format)) {
    try {
      keys.push(targetKeys.canonical ?? cacheKeyFor(requestDigest(context.canonical(), context.headers), { target: targetKeys.label, owner: targetKeys.owner }));
    } catch {
      // A body the codec cannot decode has no canonical key; the provider answered it anyway.
    }
  }
  return keys;
}

/** The question an entry answers, kept with it so that it can be keyed canonically later, with its bytes key's fingerprint. */
function questionOf(context: RequestContext, target: string, owner: string, request: RequestBytes): CachedQuestion {
  const headers: CachedQuestion['headers'] = {};
  for (const header of keyedHeaders) {
    const value = context.headers[header];
    if (typeof value === 'string') headers[header] = value;
  }
  const fingerprint = request.fingerprint();
  return fingerprint === undefined ? { target, format: context.format, owner, request: context.raw!, headers } : { target, format: context.format, owner, request: context.raw!, headers, fingerprint };
}

const backfills = new WeakMap<ResponseCache, CanonicalBackfill>();

function backfillOf(store: ResponseCache, log: (message: string) => void): CanonicalBackfill {
  let backfill = backfills.get(store);
  if (backfill === undefined) backfills.set(store, (backfill = new CanonicalBackfill(store, log)));
  return backfill;
}

/** A stored answer checked whole, with its parts (decoded from the provider's bytes when it was stored as them). */
interface Servable {
  answer: CachedAnswer;
  parts: StreamPart[];
  /** The provider's bytes made ready to replay, with and without OpenAI's usage chunk; built on first use. */
  replays?: { withUsage?: WireReplay; withoutUsage?: WireReplay };
  /** Logprobs read from the provider's bytes (null: none), for a replay in the other stream mode; read on first use. */
  logprobs?: LogprobsCarrier | null;
}

/**
 * Entries already checked, by the entry object the store returned: a store that keeps hot
 * entries in memory hands back the same object, and its bytes are then decoded only once.
 */
const checked = new WeakMap<CachedResponse, Servable | null>();

function servableEntry(entry: CachedResponse): Servable | undefined {
  let servable = checked.get(entry);
  if (servable === undefined) {
    const answer = decodeCachedAnswer(entry);
    servable = (answer === undefined ? undefined : servableAnswer(answer)) ?? null;
    checked.set(entry, servable);
  }
  return servable ?? undefined;
}

function servableAnswer(answer: CachedAnswer): Servable | undefined {
  const parts = answer.parts ?? (answer.wire === undefined ? undefined : wireParts(answer.wire, answer.provider));
  return parts !== undefined && isWholeAnswer(parts) ? { answer, parts } : undefined;
}

/**
 * Answers from a stored answer in the client's format. The provider's own bytes go to a client
 * of the format and stream mode they came in (every field the provider sent, a fresh response
 * id); anyone else gets the parts encoded by its codec: one JSON body, or a stream of events.
 */
function replay(response: ServerResponse, context: RequestContext, plan: ExecutionPlan, servable: Servable, transform: AnswerTransform | undefined): void {
  const { answer, parts } = servable;
  const headers = {
    ...switchyardHeaders(context.id, { provider: answer.provider, model: answer.model, passthrough: false }),
    ...attemptHeaders(plan),
    'x-switchyard-cache': 'hit',
    ...costHeader(0),
  };
  const wire = answer.wire;
  if (wire !== undefined && transform === undefined && wire.api === context.format && wire.stream === context.stream && wire.apiVersion === apiVersion(context)) {
    const providerId = wireResponseId(parts);
    // A Responses id names the response stored at OpenAI (`previous_response_id` points at it):
    // it stays, so a conversation continued from a hit finds it. Other APIs' ids name nothing
    // later and are fresh per response, as the providers make them.
    const id = providerId === undefined || wire.api === 'openai-responses' ? undefined : freshResponseId(providerId);
    const hideUsage = wire.api === 'openai-chat' && wire.stream && !asksForUsage(context);
    const replays = (servable.replays ??= {});
    const ready = hideUsage ? (replays.withoutUsage ??= wireReplay(wire, providerId, true)) : (replays.withUsage ??= wireReplay(wire, providerId, false));
    const bytes = replayBytes(ready, id);
    writeHead(response, 200, wire.stream ? { ...sseHeaders, ...headers } : { 'content-type': 'application/json', 'content-length': bytes.length, ...headers });
    // A copy made for this reply is used again once the socket has it all ('finish'; not on a
    // client that left: its write may still be pending).
    if (bytes !== ready.bytes) response.once('finish', () => recycleReplayBytes(ready, bytes));
    response.end(bytes);
    return;
  }
  // A provider's bytes replayed to a client of their API in the other stream mode: the parts
  // carry no logprobs (OpenAI Chat's, Responses', Gemini's), so they come from the bytes. Not
  // through a transform (redaction's restore): their tokens are of the redacted text.
  const logprobs = wire !== undefined && wire.api === context.format && transform === undefined ? (servable.logprobs ??= logprobsCarrier(wire) ?? null) : null;
  // A provider's own response id stays with the call it answered; the encoder makes one.
  const replayed = parts.map((part) => (part.type === 'stream-start' && part.id !== undefined ? { type: 'stream-start' as const, model: part.model } : part));
  const codec = inboundCodecs[context.format];
  // The request is decoded only if the encoder reads it (Chat and Responses echo fields of it):
  // an Anthropic or Gemini client's hit decodes nothing.
  const responseContext: ResponseContext = {
    requestId: context.id,
    model: context.requestedModel,
    created: Math.floor(context.time / 1000),
    get request() {
      return context.canonical();
    },
  };
  if (!context.stream) {
    const whole = collectResponse(replayed);
    const encoded = codec.encodeResponse(transform === undefined ? whole : transform.response(whole), responseContext);
    logprobs?.intoWhole(encoded);
    const payload = JSON.stringify(encoded);
    writeHead(response, 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers });
    response.end(payload);
    return;
  }
  const encoder = codec.createStreamEncoder(responseContext);
  writeHead(response, 200, { ...sseHeaders, ...headers });
  const carry = logprobs?.forStream();
  for (const part of replayParts(replayed)) {
    let text = '';
    if (transform === undefined) text = encoder.encode(part);
    else for (const restored of transform.part(part)) text += encoder.encode(restored);
    if (carry !== undefined && text !== '') text = carry(text, part);
    if (text !== '') response.write(text);
  }
  response.end();
}

/** The API version the client asked for, where its format has one (`anthropic-version`). */
function apiVersion(context: RequestContext): string | undefined {
  if (context.format !== 'anthropic-messages') return undefined;
  const value = context.headers['anthropic-version'];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether an OpenAI Chat client asked for usage in its stream (`stream_options.include_usage`). */
function asksForUsage(context: RequestContext): boolean {
  if (context.raw !== undefined && !context.raw.includes('"stream_options"')) return false;
  const options = context.body().stream_options;
  return typeof options === 'object' && options !== null && (options as Record<string, unknown>).include_usage === true;
}

/** The stored parts, with long deltas (an answer first fetched whole) split into stream-sized ones. */
function* replayParts(parts: readonly StreamPart[]): Generator<StreamPart> {
  for (const part of parts) {
    if ((part.type === 'text-delta' || part.type === 'reasoning-delta') && part.delta.length > replayDeltaCharacters) {
      for (const piece of pieces(part.delta)) yield { ...part, delta: piece };
    } else {
      yield part;
    }
  }
}

/** A string in pieces of about {@link replayDeltaCharacters}, never splitting a surrogate pair. */
function* pieces(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + replayDeltaCharacters);
    const code = text.charCodeAt(end - 1);
    if (end < text.length && code >= 0xd800 && code <= 0xdbff) end -= 1;
    yield text.slice(start, end);
    start = end;
  }
}
