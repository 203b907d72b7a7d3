import { ProxyError } from '../core/errors';
import { responseToParts } from '../core/response';
import type { StreamPart } from '../core/stream-part';
import type { Usage } from '../core/usage';
import type { ResponseContext, StreamEncoder } from '../inbound/codec';
import type { AnswerObserver } from '../call/answer-observer';
import type { AnswerTransform } from '../call/answer-transform';
import { wireTarget } from '../providers/wire-target';
import { chatRequestHeaders } from '../providers/openai-chat/encode-request';
import type { ResolvedProvider } from '../config/resolve-providers';
import type { UpstreamHeaders } from '../upstream/upstream-client';
import { SseParser } from '../sse/sse-parser';
import { inboundCodecs, providerAdapters } from '../codecs/registry';
import type { AttemptTarget } from './admit';
import type { UpstreamCall } from './attempt';
import { costHeader, internalErrorMessage } from './client-answer';
import { observePart, type Blame, type Delivered, type Delivery } from './delivery';
import { RelayTransformError, ours, relayBody, sseHeaders, writeNow } from './stream-writer';
import { writeHead } from '../http/response-head';
import { stoppedBy, stoppingError } from './calls-in-flight';
import { outputCeiling, recordClamp } from './output-ceiling';
import { checkRequestLimits } from './request-limits';
import { defaultMaxOutputTokens } from '../providers/anthropic-messages/encode-request';
import type { RequestContext } from '../call/request-context';
import { ClientBytes } from '../wire/client-bytes';
import { nestedValueSkipper } from '../inbound/nested-value-skip';

/**
 * The provider request of a translated attempt: canonical → the provider's wire. Clients size
 * `max_tokens` for the model they think they call (Claude Code 32,000, the Vercel AI SDK 64,000);
 * routed to a model with a smaller limit (gpt-4o-mini: 16,384) or a smaller context window, the
 * real API refuses the call. So the request asks for at most `outputCeiling`'s value, the clamp
 * is written into the candidate's decision, and the encoder keeps its own defaults and thinking
 * budgets within it.
 */
export function translatedRequest(context: RequestContext, target: AttemptTarget): UpstreamCall {
  const request = context.canonical();
  checkRequestLimits(request, target);
  const apiKey = target.credential.source === 'provider' ? target.credential.key : undefined;
  // Anthropic requires max_tokens: without the client's, the encoder's default is what goes.
  const wanted = request.maxOutputTokens ?? (target.api === 'anthropic-messages' ? defaultMaxOutputTokens(target.model) : undefined);
  const ceiling = outputCeiling(context, target, wanted);
  let maxOutputTokens = request.maxOutputTokens;
  if (maxOutputTokens !== undefined && ceiling.ceiling !== undefined && maxOutputTokens > ceiling.ceiling) {
    recordClamp(target, maxOutputTokens, ceiling.ceiling, ceiling);
    maxOutputTokens = ceiling.ceiling;
  }
  const wire = { ...wireTarget(target.provider, target.model, apiKey), maxOutputTokens: ceiling.ceiling };
  const upstream = providerAdapters[target.api].encodeRequest({ ...request, model: target.model, maxOutputTokens }, wire, clientBytes(context, target));
  let headers: UpstreamHeaders | undefined = sharedChatHeaders(target, apiKey);
  if (headers === undefined) {
    upstream.headers['accept-encoding'] = 'identity';
    headers = upstream.headers;
  }
  return { url: upstream.url, headers, body: upstream.body, addedUsage: false };
}

/**
 * A Chat Completions call's headers with the provider's own key, as one flat list made once per
 * provider (`[name, value…]`), as the passthrough call's are (upstream-target.ts): they follow the
 * key and the provider's configured headers alone (`chatRequestHeaders`), never the request, so
 * every such call sends the same ones. Handed to undici as the encoder's object, with
 * `accept-encoding` added to it, they were listed and checked again on every call: ~11,000 of the
 * translated 1 KB way in's ~102,000 instructions (docs/benchmark.md, "Seventeenth round"). A
 * provider is resolved anew on every config load and key change, so a new key is a new provider
 * here. Other APIs' headers can follow the request (Anthropic's betas): they stay the encoder's
 * object. Not frozen, as the passthrough list is not (a frozen array costs undici's reads more).
 */
function sharedChatHeaders(target: AttemptTarget, apiKey: string | undefined): readonly string[] | undefined {
  const provider = target.provider;
  if (target.api !== 'openai-chat' || apiKey !== provider.apiKey) return undefined;
  let list = chatHeaderLists.get(provider);
  if (list === undefined) {
    const headers = chatRequestHeaders(wireTarget(provider, target.model, apiKey));
    headers['accept-encoding'] = 'identity';
    list = Object.entries(headers).flat();
    chatHeaderLists.set(provider, list);
  }
  return list;
}

const chatHeaderLists = new WeakMap<ResolvedProvider, readonly string[]>();

/**
 * The client's bytes, indexed for an encoder that copies from them; only the Chat Completions
 * encoder does so far (the translated 80 KB Claude Code turn to an OpenAI-compatible provider:
 * see docs/benchmark.md, "Twelfth round"). Calls Switchyard makes itself have no bytes, and a
 * body under `smallestSplicedBody` is serialised whole.
 */
function clientBytes(context: RequestContext, target: AttemptTarget): ClientBytes | undefined {
  const raw = context.raw;
  if (target.api !== 'openai-chat' || raw === undefined || raw.length < smallestSplicedBody) return undefined;
  const skipper = nestedValueSkipper();
  // The read stage's scan loaded a large body already: then this copies nothing.
  skipper.load(raw);
  return ClientBytes.index(raw, context.body(), {
    keys: toolSchemaKeys,
    skip: (at) => {
      const skipped = skipper.skip(at);
      return skipped < 2 ? -1 : skipped >> 1;
    },
  });
}

/**
 * Where the client formats hold a tool's JSON Schema (Anthropic's `input_schema`; Chat
 * Completions', Responses' and Gemini's `parameters`), which the Chat encoder copies whole: the
 * index finds each one's bytes with the WebAssembly skip instead of pairing it key by key.
 */
const toolSchemaKeys: ReadonlySet<string> = new Set(['input_schema', 'parameters']);

/**
 * The size from which splicing a translated body costs less than serialising it. Below it the
 * index, the markers and the Buffer's assembly cost more than JSON.stringify of the few strings
 * they would copy: with the caches cold, as between one-at-a-time calls, the bench's 1 KB body
 * took 20-32 µs spliced against 15-19 µs stringified (parse, decode, encode and the Buffer), a
 * 4 KB one 17 against 19, a 16 KB one 44 against 51 (docs/benchmark.md, "Thirteenth round").
 */
const smallestSplicedBody = 4_096;

/**
 * The any-to-any path, client side: provider answer → stream parts → client wire. Streams
 * are translated chunk by chunk: whatever one upstream chunk yields is written before the
 * next is read.
 */
export async function relayTranslated(delivery: Delivery): Promise<Delivered> {
  const { context, opened, response, observers, log, transform } = delivery;
  const request = context.canonical();
  const adapter = providerAdapters[opened.target.api];
  const provider = opened.target.provider.id;
  const codec = inboundCodecs[context.format];
  const responseContext: ResponseContext = { requestId: context.id, model: context.requestedModel, created: Math.floor(context.time / 1000), request };

  if (opened.kind === 'whole') {
    // Thrown here, before anything was written: the stage answers it as an error response.
    const received = adapter.decodeResponse(parseJson(opened.body, provider), provider);
    // Observers see the answer as received; the client gets it transformed.
    for (const part of observers.length > 0 ? responseToParts(received) : []) observePart(observers, part, log);
    const decoded = transform === undefined ? received : transform.response(received);
    if (!request.stream) {
      const costUsd = delivery.price(decoded.usage);
      const payload = JSON.stringify(codec.encodeResponse(decoded, responseContext));
      writeHead(response, 200, { 'content-type': 'application/json', ...delivery.headers, ...costHeader(costUsd) });
      response.end(payload);
      return { usage: decoded.usage, firstTokenAt: opened.firstChunkAt, costUsd, finishReason: decoded.finishReason };
    }
    // Some OpenAI-compatible servers answer a stream request with one JSON body.
    const sink = new PartSink(codec.createStreamEncoder(responseContext), [], log, undefined);
    writeHead(response, 200, { ...sseHeaders, ...delivery.headers });
    response.end(sink.encodeAll(responseToParts(decoded)));
    return { usage: decoded.usage, firstTokenAt: opened.firstChunkAt, finishReason: decoded.finishReason, ...sink.failure() };
  }

  const sink = new PartSink(codec.createStreamEncoder(responseContext), observers, log, transform);
  writeHead(response, 200, { ...sseHeaders, ...delivery.headers });
  const parser = new SseParser();
  const decoder = adapter.createStreamDecoder(provider);
  const translate = (chunk: Buffer): string => {
    if (sink.ended) return '';
    let text = '';
    for (const event of parser.push(chunk)) text += sink.encodeAll(decoder.decode(event));
    return text;
  };
  const closingParts = (): string => {
    if (sink.ended) return '';
    let rest = '';
    for (const event of parser.end()) rest += sink.encodeAll(decoder.decode(event));
    return rest + sink.encodeAll(decoder.end());
  };
  try {
    const first = ours(() => translate(opened.firstChunk));
    if (first !== '') writeNow(response, first);
    await relayBody(opened.chunks, response, { transform: translate, idleMs: opened.idleMs, closing: closingParts });
  } catch (error) {
    if (opened.abort.signal.aborted && response.destroyed) return { usage: sink.usage, firstTokenAt: sink.firstTokenAt, blame: 'client' };
    // relayBody tags our own throws; anything else came from the upstream body (a cut, a silence).
    if (error instanceof RelayTransformError) {
      // Nothing reads the upstream any more (a first chunk that failed never took its body):
      // let its socket go instead of holding the request open until the provider ends it.
      opened.abort.abort();
      const cause = error.cause;
      log(`${context.id} internal error translating ${provider}'s stream: ${(cause as Error)?.stack ?? String(cause)}`);
      const failure = new ProxyError('api_error', internalErrorMessage);
      sink.closeWith(failure, response);
      return { usage: sink.usage, firstTokenAt: sink.firstTokenAt, error: failure, blame: 'internal' };
    }
    if (stoppedBy(context.signal)) {
      const failure = stoppingError();
      sink.closeWith(failure, response);
      return { usage: sink.usage, firstTokenAt: sink.firstTokenAt, error: failure, blame: 'internal' };
    }
    const failure = new ProxyError('api_error', `${provider} closed the stream before it was complete.`, { status: 502, provider });
    sink.closeWith(failure, response);
    return { usage: sink.usage, firstTokenAt: sink.firstTokenAt, error: failure, blame: 'provider' };
  }
  return { usage: sink.usage, firstTokenAt: sink.firstTokenAt, finishReason: sink.finishReason, ...sink.failure() };
}

/** A body that is not JSON (an HTML page from a gateway in between) is the provider's failure. */
function parseJson(body: Buffer, provider: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new ProxyError('api_error', `${provider} answered with a body that is not JSON.`, { status: 502, provider });
  }
}

/** Encodes parts for the client and notes usage, first token and errors as they pass. */
class PartSink {
  ended = false;
  usage: Usage | undefined;
  firstTokenAt: number | undefined;
  finishReason: string | undefined;
  private error: ProxyError | undefined;

  constructor(
    private readonly encoder: StreamEncoder,
    private readonly observers: readonly AnswerObserver[],
    private readonly log: (message: string) => void,
    private readonly transform: AnswerTransform | undefined,
  ) {}

  encodeAll(parts: Iterable<StreamPart>): string {
    let text = '';
    for (const part of parts) {
      if (this.ended) break;
      switch (part.type) {
        case 'text-delta':
        case 'reasoning-delta':
        case 'tool-input-start':
          this.firstTokenAt ??= performance.now();
          break;
        case 'finish':
          this.usage = part.usage;
          this.finishReason = part.rawFinishReason ?? part.finishReason;
          this.ended = true;
          break;
        case 'error':
          this.error = part.error;
          this.ended = true;
          break;
      }
      // Observers see the answer as received; the client gets what the transform makes of it.
      if (this.observers.length > 0 && part.type !== 'error') observePart(this.observers, part, this.log);
      if (this.transform === undefined) text += this.encoder.encode(part);
      else for (const rewritten of this.transform.part(part)) text += this.encoder.encode(rewritten);
    }
    return text;
  }

  /** Ends the client's stream with the format's error event (once). */
  closeWith(error: ProxyError, response: Delivery['response']): void {
    response.end(this.ended ? '' : this.encodeAll([{ type: 'error', error }]));
  }

  /** The error part the provider's stream ended with, if any, and whose fault it was. */
  failure(): { error?: ProxyError; blame?: Blame } {
    if (this.error === undefined) return {};
    return { error: this.error, blame: this.error.malformed ? 'malformed' : 'provider' };
  }
}
