import { ProxyError } from '../core/errors';
import { isObject } from '../core/json';
import { findTopLevelString, findTopLevelValue, quote, spliceBytes, valueRange, type ByteRange } from '../inbound/json-scan';
import { UsageTap, readResponseFinishReason, readResponseUsage } from '../passthrough/usage-tap';
import type { RequestContext } from '../call/request-context';
import type { AttemptTarget } from './admit';
import type { OpenedAttempt, UpstreamCall } from './attempt';
import { providerAdapters } from '../codecs/registry';
import { requireEndpointUrl } from '../providers/endpoint-url';
import { SseParser } from '../sse/sse-parser';
import { responseToParts } from '../core/response';
import { forwardedResponseHeaders, passthroughHeaders } from './upstream-target';
import { RelayTransformError, ours, relayBody, writeNow } from './stream-writer';
import { costHeaderValue, internalErrorMessage, streamErrorEvent } from './client-answer';
import { observeBytes, observePart, wantsParts, type Delivered, type Delivery } from './delivery';
import { relayTranslated } from './translate';
import { writeHead } from '../http/response-head';
import { stoppedBy, stoppingError } from './calls-in-flight';
import { outputCeiling, recordClamp } from './output-ceiling';
import { thinkingBudgetWithin } from '../providers/anthropic-messages/encode-request';
import type { ProviderApi } from '../providers/adapter';

/**
 * The fast path for a client speaking the provider's own API: the body goes upstream as the
 * client wrote it (only `model` changed when routing renamed it) and the answer's bytes come
 * back untouched, each chunk written the moment it arrives, while a tap reads usage.
 */
export function passthroughRequest(context: RequestContext, target: AttemptTarget): UpstreamCall {
  const { body, addedUsage, moved } = passthroughBody(context, target);
  return {
    url: passthroughUrl(context, target),
    headers: passthroughHeaders(target.api, target.provider, target.credential, context.headers),
    body: routedModel(context, target) ? withinRoutedCeiling(context, target, body, moved) : body,
    addedUsage,
  };
}

/**
 * Whether routing changed the model the client named (an alias, a rule, a route): the client
 * sized its output for the model it named, not for this one. A model addressed directly
 * (`claude-sonnet-4-6`, `openai/gpt-4o-mini`) is the client's own choice and goes untouched.
 */
function routedModel(context: RequestContext, target: AttemptTarget): boolean {
  const named = context.requestedModel;
  if (named === target.model) return false;
  const prefix = `${target.provider.id}/`;
  return !(named.startsWith(prefix) && named.slice(prefix.length) === target.model);
}

/** Where each API carries the output limit of a call (Gemini's is nested in generationConfig). */
const outputField: Readonly<Record<ProviderApi, string>> = {
  'openai-chat': 'max_tokens',
  'openai-responses': 'max_output_tokens',
  'anthropic-messages': 'max_tokens',
  gemini: 'maxOutputTokens',
};

/**
 * A passthrough call that routing sent to another model asks for at most what that model accepts
 * (its output limit, or what its context window leaves), like a translated call: Claude Code's
 * 32,000 sent on to a model that takes 8,192 would be refused. The body is rewritten only then,
 * with an Anthropic thinking budget lowered below the new `max_tokens`; the clamp is in the
 * candidate's decision. The number is swapped in the bytes (Claude Code's 32,000 is above most
 * routed models' limits, so this is the usual routed call, and parsing and writing again an
 * 80 KB body cost ~0.2 ms before it could leave); Gemini's nested limit, and a thinking budget
 * that no longer fits, take the parse.
 */
function withinRoutedCeiling(context: RequestContext, target: AttemptTarget, body: Buffer, moved: Moved | undefined): Buffer {
  const requested = requestedOutput(target.api, body, moved === undefined ? undefined : outputLimitAt(context, target.api, moved));
  if (requested === undefined) return body;
  const ceiling = outputCeiling(context, target, requested.value);
  if (ceiling.ceiling === undefined || requested.value <= ceiling.ceiling) return body;
  const sent = ceiling.ceiling;
  recordClamp(target, requested.value, sent, ceiling);
  // A body already copied for this attempt (the model renamed in it) is ours to write into.
  const owned = body !== context.raw;
  return (requested.range === undefined ? undefined : outputSwapped(target.api, body, requested.range, sent, owned)) ?? outputRewritten(target.api, body, sent);
}

/**
 * The body with its output limit's number (at `range`) replaced, or undefined when the bytes
 * alone cannot say that is enough: an Anthropic thinking budget at or above the new limit. The
 * new number is never longer than the one it replaces (a clamp only lowers it), so a body that
 * is `owned` is written in place, padded with spaces (white space JSON allows before the comma):
 * a fresh copy of an 80 KB body costs more than the rest of this (new pages, on glibc).
 */
function outputSwapped(api: ProviderApi, body: Buffer, range: ByteRange, sent: number, owned: boolean): Buffer | undefined {
  if (api === 'anthropic-messages') {
    const thinking = findTopLevelValue(body, 'thinking');
    if (thinking !== undefined && body[thinking.start] === 0x7b) {
      const budget = (JSON.parse(body.toString('utf8', thinking.start, thinking.end)) as { budget_tokens?: unknown }).budget_tokens;
      if (typeof budget === 'number' && budget >= sent) return undefined;
    }
  }
  const digits = String(sent);
  if (!owned || digits.length > range.end - range.start) return spliceBytes(body, range, digits);
  body.fill(0x20, range.start + body.write(digits, range.start, 'latin1'), range.end);
  return body;
}

/** Parses the body and writes it again with the new output limit (and thinking budget). */
function outputRewritten(api: ProviderApi, body: Buffer, sent: number): Buffer {
  const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  if (api === 'gemini') {
    json.generationConfig = { ...(json.generationConfig as object), maxOutputTokens: sent };
  } else if (api === 'openai-chat') {
    json[json.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens'] = sent;
  } else {
    json[outputField[api]] = sent;
  }
  const thinking = json.thinking;
  if (api === 'anthropic-messages' && isObject(thinking) && typeof thinking.budget_tokens === 'number' && thinking.budget_tokens >= sent) {
    const budget = thinkingBudgetWithin(sent);
    if (budget === undefined) delete json.thinking;
    else json.thinking = { ...thinking, budget_tokens: budget };
  }
  return Buffer.from(JSON.stringify(json));
}

/** Where a non-Gemini body's output limit sits (Chat: `max_completion_tokens` first, as OpenAI reads it). */
function outputRange(api: Exclude<ProviderApi, 'gemini'>, body: Buffer): ByteRange | undefined {
  return (api === 'openai-chat' ? findTopLevelValue(body, 'max_completion_tokens') : undefined) ?? findTopLevelValue(body, outputField[api]);
}

/**
 * Where the output limit {@link outputRange} would find begins in the body sent, from the read
 * stage's scan of the client's bytes: `null` when the body has none, undefined when the scan
 * did not see the whole body (then the body is searched).
 */
function outputLimitAt(context: RequestContext, api: ProviderApi, moved: Moved): number | null | undefined {
  const memberAt = context.scan.memberAt;
  if (memberAt === undefined || api === 'gemini') return undefined;
  const at = (api === 'openai-chat' ? memberAt.max_completion_tokens : undefined) ?? memberAt[outputField[api] as 'max_tokens' | 'max_output_tokens'];
  return at === undefined ? null : sentOffset(moved, at);
}

/**
 * The output limit a body asks for, read without parsing it (Gemini's nested one parsed), and
 * where its number sits when it is a top-level one. `at`: where its value begins, when the
 * scan already said (`null`: the body has none).
 */
function requestedOutput(api: ProviderApi, body: Buffer, at?: number | null): { value: number; range?: ByteRange } | undefined {
  if (at === null) return undefined;
  if (api === 'gemini') {
    const config = findTopLevelValue(body, 'generationConfig');
    if (config === undefined) return undefined;
    const value = (JSON.parse(body.subarray(config.start, config.end).toString('utf8')) as { maxOutputTokens?: unknown }).maxOutputTokens;
    return typeof value === 'number' ? { value } : undefined;
  }
  const range = at === undefined ? outputRange(api, body) : valueRange(body, at);
  if (range === undefined) return undefined;
  const value = Number(body.subarray(range.start, range.end).toString('latin1').trim());
  return Number.isFinite(value) ? { value, range } : undefined;
}

/**
 * Relays an opened passthrough attempt to the client. An answer with a transform (redaction's
 * restore) cannot go through as the provider's bytes: it is relayed as parts, decoded and
 * encoded again in the client's own format, which is the provider's.
 */
export function relayPassthrough(delivery: Delivery): Delivered | Promise<Delivered> {
  if (delivery.transform !== undefined) return relayTranslated(delivery);
  const { opened } = delivery;
  // One object, filled in place: the client's headers are built on every call.
  const headers: Record<string, string | string[] | number> = Object.assign(forwardedResponseHeaders(opened.answer.headers), delivery.headers);
  return opened.kind === 'whole' ? relayWhole(delivery, opened, headers) : relayStream(delivery, opened, headers);
}

/**
 * A whole JSON answer is of no use to a client until it is complete: it was read in full before
 * the headers go out, so a provider that dropped it midway was an ordinary error. Delivered in
 * the turn it is handed over, with no promise of its own.
 */
function relayWhole(delivery: Delivery, opened: OpenedAttempt & { kind: 'whole' }, headers: Record<string, string | string[] | number>): Delivered {
  const { response, observers, log } = delivery;
  const api = opened.target.api;
  const usage = readResponseUsage(api, opened.body);
  if (observers.length > 0) {
    observeBytes(observers, opened.body, log);
    if (wantsParts(observers)) observeWhole(delivery);
  }
  const costUsd = usage === undefined ? null : delivery.price(usage);
  if (costUsd !== null) headers['x-switchyard-cost-usd'] = costHeaderValue(costUsd);
  headers['content-length'] = opened.body.length;
  writeHead(response, opened.answer.status, headers);
  response.end(opened.body);
  return { usage, firstTokenAt: opened.firstChunkAt, costUsd, finishReason: readResponseFinishReason(api, opened.body) };
}

/** A stream: each chunk written the moment it arrives, while the tap reads usage. */
async function relayStream(delivery: Delivery, opened: OpenedAttempt & { kind: 'stream' }, headers: Record<string, string | string[] | number>): Promise<Delivered> {
  const { context, response, observers, log } = delivery;
  const api = opened.target.api;
  const provider = opened.target.provider.id;
  writeHead(response, opened.answer.status, headers);
  const tap = new UsageTap(api, opened.addedUsage);
  const observe = observers.length === 0 ? undefined : streamObserver(delivery);
  try {
    if (tap.forwardsAsIs) {
      // The bytes go out before anything reads them: the tap's parse of an event (Anthropic's
      // message_start is JSON-parsed for usage) and the observers come after the client has it.
      const read = (chunk: Buffer): void => {
        tap.push(chunk);
        observe?.(chunk);
      };
      writeNow(response, opened.firstChunk);
      ours(() => read(opened.firstChunk));
      await relayBody(opened.chunks, response, { idleMs: opened.idleMs, read });
    } else {
      observe?.(opened.firstChunk);
      writeNow(response, ours(() => tap.push(opened.firstChunk)));
      const transform = (chunk: Buffer): Buffer | string => {
        observe?.(chunk);
        return tap.push(chunk);
      };
      await relayBody(opened.chunks, response, { transform, idleMs: opened.idleMs });
    }
  } catch (error) {
    const usage = tap.end();
    const { finishReason } = tap;
    if (opened.abort.signal.aborted && response.destroyed) return { usage, firstTokenAt: tap.firstTokenAt, finishReason, blame: 'client' };
    if (error instanceof RelayTransformError) {
      // As in translate.ts: nothing reads the upstream any more.
      opened.abort.abort();
      log(`${context.id} internal error relaying ${provider}'s stream: ${(error.cause as Error)?.stack ?? String(error.cause)}`);
      const failure = new ProxyError('api_error', internalErrorMessage);
      response.end(streamErrorEvent(context, failure));
      return { usage, firstTokenAt: tap.firstTokenAt, finishReason, error: failure, blame: 'internal' };
    }
    if (stoppedBy(context.signal)) {
      const failure = stoppingError();
      response.end(streamErrorEvent(context, failure));
      return { usage, firstTokenAt: tap.firstTokenAt, finishReason, error: failure, blame: 'internal' };
    }
    const failure = new ProxyError('api_error', `${provider} closed the stream before it was complete.`, { status: 502, provider });
    response.end(streamErrorEvent(context, failure));
    return { usage, firstTokenAt: tap.firstTokenAt, finishReason, error: failure, blame: 'provider' };
  }
  const usage = tap.end();
  return { usage, firstTokenAt: tap.firstTokenAt, finishReason: tap.finishReason };
}

/** The served answer, decoded on the side only for observers that want parts. */
function observeWhole({ opened, observers, log }: Delivery): void {
  if (opened.kind !== 'whole') return;
  let parts;
  try {
    parts = responseToParts(providerAdapters[opened.target.api].decodeResponse(JSON.parse(opened.body.toString('utf8')), opened.target.provider.id));
  } catch {
    // An answer that does not decode is not observed as parts; the client has it as sent.
    return;
  }
  for (const part of parts) observePart(observers, part, log);
}

/** Hands each chunk to byte observers and, when one wants parts, decodes it on the side. */
function streamObserver({ opened, observers, log }: Delivery): (chunk: Buffer) => void {
  const parser = wantsParts(observers) ? new SseParser() : undefined;
  const decoder = parser === undefined ? undefined : providerAdapters[opened.target.api].createStreamDecoder(opened.target.provider.id);
  return (chunk) => {
    observeBytes(observers, chunk, log);
    if (parser === undefined || decoder === undefined) return;
    try {
      for (const event of parser.push(chunk)) for (const part of decoder.decode(event)) if (part.type !== 'error') observePart(observers, part, log);
    } catch {
      // Observing is best effort; the client's stream is unaffected.
    }
  };
}

/**
 * How the client's bytes moved in the body sent: by `by` from offset `from` on (the model's name
 * replaced, ending there), and by `all` everywhere (usage asked for after the opening brace, before
 * every member).
 */
interface Moved {
  readonly from: number;
  readonly by: number;
  readonly all: number;
}

const unmoved: Moved = { from: 0, by: 0, all: 0 };

/** Where the client's byte at `offset` (a member's value, never inside the model's name) is in the body sent. */
function sentOffset(moved: Moved, offset: number): number {
  return offset + moved.all + (offset >= moved.from ? moved.by : 0);
}

/**
 * The body to send: the client's bytes, with `model` swapped and OpenAI-style usage
 * requested; `addedUsage` says Switchyard asked for usage the client did not; `moved` how the
 * client's bytes moved in it, undefined when the body was written anew.
 */
function passthroughBody(context: RequestContext, target: AttemptTarget): { body: Buffer; addedUsage: boolean; moved?: Moved } {
  let raw = context.raw!;
  if (target.api === 'anthropic-messages' && (context.scan.emptySignature ?? true)) {
    const body = context.body();
    const cleaned = withoutUnsignedThinking(body);
    // The one case where the bytes are rewritten: see withoutUnsignedThinking.
    if (cleaned !== body) return { body: Buffer.from(JSON.stringify({ ...cleaned, model: target.model })), addedUsage: false };
  }
  let moved = unmoved;
  if (target.api !== 'gemini' && context.requestedModel !== target.model) {
    // Where the read stage's scan saw it; searched for when the scan did not see the whole body.
    const modelAt = context.scan.memberAt?.model;
    const range = modelAt === undefined ? findTopLevelString(raw, 'model') : raw[modelAt] === quote ? valueRange(raw, modelAt) : undefined;
    if (range) {
      const name = JSON.stringify(target.model);
      moved = { from: range.end, by: Buffer.byteLength(name) - (range.end - range.start), all: 0 };
      raw = spliceBytes(raw, range, name);
    }
  }
  if (target.api !== 'openai-chat' || !context.stream) return { body: raw, addedUsage: false, moved };
  // Without usage in the stream no cost can be computed, so Switchyard asks for it.
  const options = (context.scan.streamOptions ?? raw.includes('"stream_options"')) ? streamOptionsOf(context) : undefined;
  const body = context.body;
  if (options === undefined) {
    const open = raw.indexOf(0x7b) + 1;
    return { body: spliceBytes(raw, { start: open, end: open }, usageAskedMember), addedUsage: true, moved: { from: moved.from, by: moved.by, all: usageAskedMember.length } };
  }
  // A client's `"stream_options": null` is rewritten, not preceded by a key of ours: a JSON
  // parser keeps the last of two equal keys, so its null would win and no usage would come.
  if (options === null || options.include_usage !== true) {
    const rewritten = JSON.stringify({ ...body(), model: target.model, stream_options: { ...options, include_usage: true } });
    return { body: Buffer.from(rewritten), addedUsage: true };
  }
  return { body: raw, addedUsage: false, moved };
}

/** What an OpenAI stream's body gets after its opening brace when it asked for no usage. */
const usageAskedMember = '"stream_options":{"include_usage":true},';

/**
 * The client's `stream_options`, read from the client's bytes alone when the scan found where
 * the object begins: parsing all of an 80 KB body for it cost ~0.1 ms before the request could
 * go out.
 */
function streamOptionsOf(context: RequestContext): Record<string, unknown> | undefined {
  const at = context.scan.streamOptionsAt;
  const raw = context.raw;
  if (raw !== undefined && at !== undefined && usageAskedAsWritten(raw, at)) return usageAsked;
  const range = at === undefined || raw === undefined ? undefined : valueRange(raw, at);
  if (raw !== undefined && range !== undefined) {
    try {
      const options: unknown = JSON.parse(raw.toString('utf8', range.start, range.end));
      if (isObject(options)) return options;
    } catch {
      // Not what the scan took it for: the whole body's parse decides.
    }
  }
  return context.body().stream_options as Record<string, unknown> | undefined;
}

/** `stream_options` as nearly every client writes it; read, never written to. */
const usageAsked: Readonly<Record<string, unknown>> = Object.freeze({ include_usage: true });

/**
 * The forms of `stream_options` the SDKs write: JavaScript's `JSON.stringify` and Python's
 * `json.dumps` (a space after the colon). An object that begins with one of these bytes is that
 * whole object, since its closing brace is among them.
 */
const usageAskedForms = ['{"include_usage":true}', '{"include_usage": true}'].map((form) => Buffer.from(form, 'latin1'));

/**
 * Whether the object at `at` is one of {@link usageAskedForms}, compared byte by byte: an OpenAI
 * stream's `stream_options` was found, decoded to a string and JSON-parsed on every call (about a
 * tenth of the OpenAI stream's way in, in process, and the one step of it Anthropic's does not
 * take; docs/benchmark.md "Fifteenth round").
 */
function usageAskedAsWritten(raw: Buffer, at: number): boolean {
  for (const form of usageAskedForms) {
    if (at + form.length > raw.length) continue;
    let index = 0;
    while (index < form.length && raw[at + index] === form[index]) index++;
    if (index === form.length) return true;
  }
  return false;
}

/**
 * Reasoning from another provider reaches an Anthropic client as thinking blocks with an empty
 * signature (there is none to give). Anthropic verifies every thinking block it is sent back,
 * so when such a conversation later goes to Anthropic those blocks are dropped; signed ones stay
 * byte for byte. Returns the body itself when nothing needed dropping.
 */
function withoutUnsignedThinking(body: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(body.messages)) return body;
  let changed = false;
  const messages = body.messages.map((message: unknown) => {
    if (!isObject(message) || message.role !== 'assistant' || !Array.isArray(message.content)) return message;
    const content = message.content.filter((block: unknown) => !(isObject(block) && block.type === 'thinking' && block.signature === ''));
    if (content.length === message.content.length) return message;
    changed = true;
    return { ...message, content };
  });
  return changed ? { ...body, messages } : body;
}

/** The provider's endpoint, with what of the client's query string the adapter says may go along. */
function passthroughUrl(context: RequestContext, target: AttemptTarget): string {
  const adapter = providerAdapters[target.api];
  const operation = context.stream ? 'stream' : 'generate';
  // Gemini names the model in the URL: made per call. The others' URL is the provider's alone.
  const url =
    target.api === 'gemini' ? requireEndpointUrl(adapter, operation, { baseUrl: target.provider.baseUrl, model: target.model }, target.provider.id) : providerUrl(target, operation);
  if (context.query === '') return url;
  if (adapter.forwardedQuery === 'all') return url + context.query;
  const kept = new URLSearchParams();
  for (const [name, value] of new URLSearchParams(context.query)) if (adapter.forwardedQuery.has(name)) kept.append(name, value);
  const query = kept.toString();
  if (query === '') return url;
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/**
 * A provider's passthrough URL per API and operation, made once per provider (one per config
 * load): made on every call, it was a new string the upstream client then hashed again to find
 * its origin and path (`splitUrl`), on the path before the request leaves.
 */
const providerUrls = new WeakMap<AttemptTarget['provider'], Partial<Record<ProviderApi, { stream?: string; generate?: string }>>>();

function providerUrl(target: AttemptTarget, operation: 'stream' | 'generate'): string {
  let byApi = providerUrls.get(target.provider);
  if (byApi === undefined) {
    byApi = {};
    providerUrls.set(target.provider, byApi);
  }
  const urls = (byApi[target.api] ??= {});
  return (urls[operation] ??= requireEndpointUrl(providerAdapters[target.api], operation, { baseUrl: target.provider.baseUrl, model: target.model }, target.provider.id));
}
